"""The executed guide: a real run's outputs under each step, secrets masked."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from docutils import nodes

from runbook.execution.events import (
    CommandDone,
    EventBus,
    HostDone,
    HostFacts,
    RunFinished,
    RunStarted,
    StepStarted,
)
from runbook.execution.journal import JournalWriter
from runbook.execution.results import HostOutcome
from runbook.execution.transcript import TranscriptWriter
from runbook.model import Step
from runbook.plan.model import PlannedStep

SECRET = "hunter2-but-longer"
STARTED = datetime(2026, 11, 21, 21, 46, 30, tzinfo=UTC).timestamp()


@dataclass
class Did:
    """What one step did on one host: its outcome, and the commands the transcript keeps."""

    status: str
    phase: str | None = None
    exit_status: int | None = None
    message: str = ""
    #: (phase, attempt, command, stdout)
    commands: list[tuple[str, int, str, str]] = field(default_factory=list)


def _write_run(
    state_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    scenario: str,
    inventory: str,
    inventory_name: str,
    hosts: tuple[str, ...],
    steps: dict[str, dict[str, Did]],
    facts: dict[str, tuple[str, dict[str, str | None]]],
    status: str,
    run_id: str = "r1",
) -> None:
    """One run, through the runner's own journal and transcript writers, at ``STARTED``."""
    models = {
        step_id: Step(scenario, int(step_id.split("/")[1]), title=f"Step {step_id}", script="true")
        for step_id in steps
    }
    planned = tuple(PlannedStep(models[step_id], tuple(done)) for step_id, done in steps.items())
    key = f"{scenario}--{inventory}"
    bus = EventBus(
        JournalWriter(state_dir / "journals" / f"{key}.jsonl"),
        TranscriptWriter(state_dir / "transcripts" / key / run_id),
    )
    with monkeypatch.context() as clock:
        clock.setattr(time, "time", lambda: STARTED)
        bus.emit(
            RunStarted(
                run_id=run_id,
                scenario=scenario,
                title=scenario,
                docname=None,
                mode="run",
                digest="sha256:0",
                inventory=inventory,
                planned=planned,
                fingerprints=tuple("fp" for _ in planned),
                selected=tuple(steps),
                hosts=hosts,
                inventory_name=inventory_name,
            )
        )
        for position, (step_id, done) in enumerate(steps.items(), start=1):
            step = models[step_id]
            bus.emit(StepStarted(step, tuple(done), position, len(steps)))
            for host, did in done.items():
                for phase, attempt, command, stdout in did.commands:
                    bus.emit(CommandDone(step, host, phase, attempt, command, 0, stdout, "", 0.1))
                outcome = HostOutcome(
                    step_id, host, did.status, did.phase, did.exit_status, message=did.message
                )
                bus.emit(HostDone(step, outcome))
        for host, (system, packages) in facts.items():
            bus.emit(HostFacts(host, system, packages))
        clock.setattr(time, "time", lambda: STARTED + 150)
        bus.emit(RunFinished(status, 150.0))


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A runner state directory as the runner leaves it after a run of ``galera`` (whose
    journal records no host facts) and one of ``base`` (with the testbed's name and facts)."""
    root = tmp_path / "state"
    unpacking = "".join(f"Unpacking package {n} ...\n" for n in range(30))
    _write_run(
        root,
        monkeypatch,
        scenario="galera",
        inventory="testbed",
        inventory_name="",
        hosts=("node1", "node2"),
        steps={
            "galera/1": {
                "node1": Did(
                    "ok",
                    "script",
                    0,
                    commands=[
                        (
                            "script",
                            1,
                            "apt-get install -y mariadb-server galera-4",
                            unpacking + f"Setting root password to {SECRET}\n",
                        )
                    ],
                ),
                "node2": Did(
                    "skipped",
                    "guard",
                    0,
                    commands=[("guard", 1, "dpkg-query -W galera-4", "galera-4\t26.4.14-1\n")],
                ),
            },
            "galera/2": {
                "node1": Did(
                    "ok",
                    "verify",
                    0,
                    commands=[
                        ("script", 1, "galera_new_cluster", ""),
                        ("verify", 1, "systemctl is-active mariadb", "activating\n"),
                        ("verify", 2, "systemctl is-active mariadb", "active\n"),
                    ],
                )
            },
            "galera/3": {
                "node1": Did(
                    "failed",
                    "verify",
                    1,
                    "the output did not match ^3$",
                    commands=[
                        ("script", 1, "systemctl restart mariadb", ""),
                        ("verify", 1, "mysql -N -B -e ...", "1\n"),
                    ],
                )
            },
        },
        facts={},
        status="failed",
    )
    node1 = {"pacemaker": "2.1.5-1+deb12u1", "corosync": "3.1.7-1", "pcs": "0.11.5-1"}
    node3 = {**node1, "pacemaker": "2.1.5-1", "pcs": None}
    _write_base(root, monkeypatch, {"node1": node1, "node2": node1, "node3": node3}, DEBIAN)
    return root


DEBIAN = "Debian GNU/Linux 12 (bookworm)"


def _write_base(
    state_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    packages: dict[str, dict[str, str | None]],
    *systems: str,
    run_id: str = "r1",
) -> None:
    """A complete run of ``base`` on the testbed's three nodes; ``systems`` per node, in
    order (the last one given for the rest)."""
    hosts = ("node1", "node2", "node3")
    _write_run(
        state_dir,
        monkeypatch,
        scenario="base",
        inventory="3f2a9c0d1b7e",
        inventory_name="testbed default",
        hosts=hosts,
        steps={"base/1": {host: Did("ok") for host in hosts}},
        facts={
            host: (systems[min(number, len(systems) - 1)], packages.get(host, {}))
            for number, host in enumerate(hosts)
        },
        status="done",
        run_id=run_id,
    )


@pytest.fixture
def executed(build, state_dir: Path, tmp_path: Path):
    variables = tmp_path / "vars.yml"
    variables.write_text(f"galera_root_password: {SECRET}\ngalera_sst_password: sst\n")
    return build(
        "rst",
        confoverrides={
            "runbook_results": str(state_dir),
            "runbook_results_variables": [str(variables)],
        },
    )


def _resolved(app, docname: str) -> nodes.document:
    return app.env.get_and_resolve_doctree(docname, app.builder, tags=app.tags)


def _header(app, docname: str) -> list[str]:
    proven = next(
        box
        for box in _resolved(app, docname).findall(nodes.container)
        if "rb-proven" in box["classes"]
    )
    return [paragraph.astext() for paragraph in proven.findall(nodes.paragraph)]


def test_header_names_the_testbed_its_os_and_each_package_version(executed):
    assert _header(executed, "base") == [
        "Last proven 2026-11-21 21:46 UTC on testbed default (node1, node2, node3; "
        "Debian GNU/Linux 12 (bookworm)): passed in 2 min 30 s; 1 of 1 steps passed on every host.",
        "Packages: pacemaker = 2.1.5-1+deb12u1 (node1, node2), 2.1.5-1 (node3); "
        "corosync = 3.1.7-1; pcs = 0.11.5-1 (node1, node2), unknown (node3).",
        "Inventory key 3f2a9c0d1b7e, run r1.",
    ]


def test_header_of_a_run_without_host_facts_says_versions_are_unknown(executed):
    assert _header(executed, "galera") == [
        "Last run 2026-11-21 21:46 UTC on the inventory testbed (node1, node2): "
        "failed in 2 min 30 s; 2 of 3 steps passed on every host.",
        "Package versions unknown: this run's journal records none.",
        "Inventory key testbed, run r1.",
    ]


def test_header_hosts_on_different_systems_are_named_per_system(build, state_dir, monkeypatch):
    _write_base(state_dir, monkeypatch, {}, DEBIAN, DEBIAN, "Rocky Linux 9.4", run_id="r2")
    app = build("rst", confoverrides={"runbook_results": str(state_dir)})
    assert _header(app, "base")[0].startswith(
        "Last proven 2026-11-21 21:46 UTC on testbed default (node1, node2, node3; "
        "node1, node2: Debian GNU/Linux 12 (bookworm); node3: Rocky Linux 9.4): "
        "passed in 2 min 30 s;"
    )


def test_package_versions_are_marked_up_for_the_stylesheet(executed, read_html):
    html = read_html(executed, "base")
    assert 'class="rb-packages' in html
    assert '<span class="rb-package"><code' in html
    assert 'class="rb-proven-key' in html


def test_each_step_shows_its_hosts_status_and_trimmed_output(executed):
    step = next(
        box
        for box in _resolved(executed, "galera").findall(nodes.container)
        if box.get("rb_step_id") == "galera/1"
    )
    text = step.astext()
    assert "node1 passed" in text
    assert "node2 skipped: already done" in text
    assert "[19 lines above]" in text
    assert "Unpacking package 29 ..." in text and "Unpacking package 5 ..." not in text


def test_verification_result_and_failure_are_shown(executed):
    doctree = _resolved(executed, "galera")
    steps = {box.get("rb_step_id"): box.astext() for box in doctree.findall(nodes.container)}
    assert "verification passed after 2 tries" in steps["galera/2"]
    assert "failed (verify: the output did not match ^3$)" in steps["galera/3"]


def test_a_secret_from_the_variables_never_reaches_the_executed_html(executed):
    assert "********" in (Path(executed.outdir) / "galera.html").read_text()
    for path in Path(executed.outdir).rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


def test_without_results_the_guide_shows_no_run(build, read_html):
    assert "rb-proven" not in read_html(build("rst"), "galera")


def test_hosts_that_printed_the_same_are_shown_once_and_silence_gets_no_box(
    build, tmp_path, monkeypatch
):
    root = tmp_path / "same"
    same = [("script", 1, "hostname -s", "ready\n")]
    _write_run(
        root,
        monkeypatch,
        scenario="galera",
        inventory="abc",
        inventory_name="testbed default",
        hosts=("node1", "node2", "node3"),
        steps={
            "galera/1": {
                "node1": Did("ok", commands=same),
                "node2": Did("ok", commands=same),
                "node3": Did("ok", commands=[("script", 1, "true", "")]),
            }
        },
        facts={},
        status="done",
    )
    app = build("rst", confoverrides={"runbook_results": str(root)})
    step = next(
        box
        for box in _resolved(app, "galera").findall(nodes.container)
        if box.get("rb_step_id") == "galera/1"
    )
    lines = [
        p.astext() for p in step.findall(nodes.paragraph) if "rb-result-status" in p["classes"]
    ]
    assert lines == ["node1, node2 passed", "node3 passed"]
    outputs = [b.astext() for b in step.findall(nodes.literal_block) if "rb-output" in b["classes"]]
    assert outputs == ["ready"]
