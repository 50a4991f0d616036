"""The runner's behaviour, with real commands on this machine (the local transport)."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from runbook.execution.events import CommandDone, HostDone, HostFacts, StepSkipped, VerifyTry
from runbook.execution.transcript import TranscriptWriter
from runbook.execution.transport import LocalTransport
from runbook.model import Secret, StepOptions, Verify

from .helpers import local_plan, local_step


def statuses(recorded) -> list[tuple[str, str]]:
    return [(e.outcome.step_id, e.outcome.status) for e in recorded.of(HostDone)]


def test_steps_run_in_order_and_the_run_is_done(run_local, tmp_path) -> None:
    log = tmp_path / "log"
    plan = local_plan(
        local_step(1, f"echo one >> {log}"),
        local_step(2, f"echo two >> {log}", verify=Verify(f"grep -q two {log}")),
    )
    recorded = run_local(plan)
    assert recorded.finished.status == "done"
    assert log.read_text() == "one\ntwo\n"
    assert statuses(recorded) == [("demo/1", "ok"), ("demo/2", "ok")]


def test_a_guard_that_succeeds_skips_the_script(run_local, tmp_path) -> None:
    marker = tmp_path / "ran"
    plan = local_plan(local_step(1, f"touch {marker}", guard="true"))
    recorded = run_local(plan)
    assert statuses(recorded) == [("demo/1", "skipped")]
    assert not marker.exists()


def test_a_failing_script_stops_the_run_with_its_status_and_output(run_local, tmp_path) -> None:
    plan = local_plan(
        local_step(1, "echo about to fail; echo oops >&2; exit 4"),
        local_step(2, f"touch {tmp_path / 'never'}"),
    )
    recorded = run_local(plan)
    assert recorded.finished.status == "failed"
    [(step, outcome)] = recorded.finished.failures
    assert step.id == "demo/1"
    assert (outcome.phase, outcome.exit_status, outcome.expected_exit) == ("script", 4, 0)
    assert outcome.output == "about to fail\noops"
    assert not (tmp_path / "never").exists()


def test_an_expected_nonzero_exit_status_is_success(run_local) -> None:
    plan = local_plan(local_step(1, "exit 3", options=StepOptions(expect_exit=3)))
    assert run_local(plan).finished.status == "done"


def test_a_verification_is_retried_until_it_passes(run_local, tmp_path) -> None:
    count = tmp_path / "count"
    check = f'n=$(cat {count} 2>/dev/null || echo 0); echo $((n + 1)) > {count}; echo "$n"'
    plan = local_plan(local_step(1, "true", verify=Verify(check, match="^2$", retries=4, delay=0)))
    recorded = run_local(plan)
    assert recorded.finished.status == "done"
    assert [e.attempt for e in recorded.of(VerifyTry)] == [1, 2]


def test_a_verification_that_never_passes_fails_the_step(run_local) -> None:
    plan = local_plan(
        local_step(1, "true", verify=Verify("echo 1", match="^3$", retries=1, delay=0))
    )
    recorded = run_local(plan)
    [(_, outcome)] = recorded.finished.failures
    assert outcome.phase == "verify"
    assert "does not match '^3$'" in outcome.message


def test_register_passes_a_value_to_later_steps(run_local, tmp_path) -> None:
    out = tmp_path / "out"
    plan = local_plan(
        local_step(1, "echo '  captured value  '", options=StepOptions(register="CAPTURED")),
        local_step(2, f'printf %s "$CAPTURED" > {out}'),
    )
    assert run_local(plan).finished.status == "done"
    assert out.read_text() == "captured value"


def test_secret_values_are_masked_in_every_event_and_transcript(run_local, tmp_path) -> None:
    plan = local_plan(
        local_step(1, 'echo "the password is $PASSWORD"; echo "$PASSWORD" >&2; exit 1'),
        variables={"PASSWORD": Secret("hunter2-very-secret")},
    )
    transcripts = tmp_path / "transcripts"
    recorded = run_local(plan, TranscriptWriter(transcripts))
    assert "hunter2-very-secret" not in repr(recorded.events)
    [done] = recorded.of(CommandDone)
    assert done.stdout == "the password is ********\n"
    text = (transcripts / "localhost.log").read_text()
    assert "********" in text
    assert "hunter2-very-secret" not in text


def test_a_sensitive_step_hides_its_output_entirely(run_local) -> None:
    script = "echo generated-$((40 + 2)); exit 1"
    plan = local_plan(local_step(1, script, options=StepOptions(sensitive=True)))
    recorded = run_local(plan)
    assert "generated-42" not in repr(recorded.events)
    [(_, outcome)] = recorded.finished.failures
    assert outcome.output == "(output hidden: sensitive step)"


def test_a_sensitive_registered_value_becomes_a_secret(run_local) -> None:
    plan = local_plan(
        local_step(
            1, "echo minted-$((6 * 7))", options=StepOptions(register="TOKEN", sensitive=True)
        ),
        local_step(2, 'echo "token: $TOKEN"'),
    )
    recorded = run_local(plan)
    assert "minted-42" not in repr(recorded.events)
    assert recorded.of(CommandDone)[-1].stdout == "token: ********\n"


def test_check_mode_runs_only_guards_and_verifications(run_local, tmp_path) -> None:
    marker = tmp_path / "changed"
    plan = local_plan(
        local_step(1, f"touch {marker}", guard="true"),
        local_step(2, f"touch {marker}", verify=Verify("true")),
        local_step(3, f"touch {marker}", verify=Verify("false")),
        local_step(4, f"touch {marker}"),
    )
    recorded = run_local(plan, mode="check")
    assert statuses(recorded) == [
        ("demo/1", "satisfied"),
        ("demo/2", "satisfied"),
        ("demo/3", "would-run"),
        ("demo/4", "would-run"),
    ]
    assert not marker.exists()
    assert recorded.finished.status == "failed"


def test_the_operator_can_skip_and_quit_in_step_mode(run_local, tmp_path) -> None:
    answers = iter(["skip", "run", "quit"])
    plan = local_plan(*(local_step(i, f"touch {tmp_path / str(i)}") for i in (1, 2, 3)))
    recorded = run_local(plan, decide=lambda planned: next(answers))
    assert [e.step.id for e in recorded.of(StepSkipped)] == ["demo/1"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2"]
    assert recorded.finished.status == "stopped"


def test_a_local_step_that_hangs_is_stopped_by_abort(run_local) -> None:
    import threading

    from runbook.execution.events import EventBus
    from runbook.execution.runner import Runner
    from runbook.execution.transport import LocalTransport

    transport = LocalTransport()
    plan = local_plan(local_step(1, "sleep 60"))
    runner = Runner(plan, {"localhost": transport}, EventBus())
    threading.Timer(0.3, runner._interrupt).start()
    started = time.monotonic()
    finished = runner.run(plan.steps)
    assert time.monotonic() - started < 10
    assert finished.status == "interrupted"
    assert finished.interrupted is not None and finished.interrupted.id == "demo/1"


# -- what the host ran the scenario on ------------------------------------------------

#: A step that names packages the way the guide does, without installing anything.
INSTALLS = "apt-get() { :; }\napt-get install -y bash coreutils not-a-package-runbook-knows\n"


def _dpkg_version(package: str) -> str:
    return subprocess.run(
        ["dpkg-query", "-W", "-f", "${Version}", package],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def _pretty_name() -> str:
    for line in Path("/etc/os-release").read_text().splitlines():
        if line.startswith("PRETTY_NAME="):
            return shlex.split(line.partition("=")[2])[0]
    return ""


# Only a developer on a system without dpkg skips this; the project's machines and CI are
# Debian, where it always runs (rpm answers are read in test_packages.py).
@pytest.mark.skipif(shutil.which("dpkg-query") is None, reason="needs a Debian-like host")
def test_after_a_run_each_host_reports_its_os_and_the_installed_versions(run_local) -> None:
    plan = local_plan(local_step(1, INSTALLS), local_step(2, "true"))
    recorded = run_local(plan)
    [facts] = recorded.of(HostFacts)
    assert facts.host == "localhost"
    assert facts.os == _pretty_name()
    assert facts.packages == {
        "bash": _dpkg_version("bash"),
        "coreutils": _dpkg_version("coreutils"),
        "not-a-package-runbook-knows": None,
    }
    assert recorded.events.index(facts) == len(recorded.events) - 2  # just before RunFinished
    assert len(recorded.of(CommandDone)) == 2  # the question is no step's command


def test_a_failed_run_still_reports_what_its_hosts_run(run_local) -> None:
    recorded = run_local(local_plan(local_step(1, INSTALLS + "exit 1")))
    assert recorded.finished.status == "failed"
    [facts] = recorded.of(HostFacts)
    assert set(facts.packages) == {"bash", "coreutils", "not-a-package-runbook-knows"}


def test_check_mode_and_an_empty_run_ask_no_host_anything(run_local) -> None:
    plan = local_plan(local_step(1, INSTALLS, verify=Verify("true")))
    assert run_local(plan, mode="check").of(HostFacts) == []
    assert run_local(plan, steps=()).of(HostFacts) == []


def test_a_host_that_cannot_answer_leaves_the_run_done(run_local, monkeypatch) -> None:
    """A transport error while asking records nothing and does not change the result."""
    calls = []

    def broken(self, script, timeout=None):
        calls.append(script)
        if b"os-release" in script:
            raise OSError("connection reset")
        return original(self, script, timeout)

    original = LocalTransport.run_script
    monkeypatch.setattr(LocalTransport, "run_script", broken)
    recorded = run_local(local_plan(local_step(1, INSTALLS)))
    assert recorded.finished.status == "done"
    assert recorded.of(HostFacts) == []
    assert len(calls) == 2
