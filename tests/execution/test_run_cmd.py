"""``runbook run`` end to end on this machine: local steps, real bash, real files."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from runbook.cli.main import main

from .helpers import DATA

GOLDEN = Path(__file__).parents[1] / "golden" / "execution"


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("RUNBOOK_STATE_DIR", str(tmp_path / "state"))
    return tmp_path / "work"


def run(workdir: Path, *extra: str) -> int:
    return main(
        [
            "run",
            str(DATA / "demo.rst"),
            "-i",
            str(DATA / "inventory.yml"),
            "-e",
            f"workdir={workdir}",
            *extra,
        ]
    )


def normalized(text: str, workdir: Path) -> str:
    text = text.replace(str(workdir.parent), "TMP").replace(str(DATA), "DATA")
    text = re.sub(r"\d{8}T\d{6}-\d+", "RUN", text)
    text = re.sub(r"\b\d+\.\d+s\b", "N.Ns", text)
    return re.sub(r"--[0-9a-f]{12}", "--INVENTORY", text)


def check_golden(name: str, actual: str) -> None:
    import os

    path = GOLDEN / name
    if os.environ.get("RUNBOOK_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual)
    assert actual == path.read_text()


def test_a_run_that_completes_exits_0(workdir, capsys) -> None:
    (workdir).mkdir(parents=True)
    (workdir / "allowed").touch()
    assert run(workdir) == 0
    assert (workdir / "greeting").read_text() == "it's $(echo pwned) `id`; echo no"
    assert "done" in capsys.readouterr().out


def test_a_failure_reports_where_and_how_to_resume(workdir, capsys) -> None:
    assert run(workdir) == 1
    out = capsys.readouterr().out
    check_golden("console-failure.txt", normalized(out, workdir))
    assert "demo-password-value" not in out


def test_resume_continues_at_the_failed_step_without_rerunning_the_others(workdir, capsys) -> None:
    assert run(workdir) == 1
    (workdir / "allowed").touch()
    assert run(workdir, "--resume") == 0
    assert (workdir / "runs").read_text() == "x\n"
    assert "resuming at demo/3" in capsys.readouterr().out
    assert run(workdir, "--resume") == 0


def test_check_reports_without_changing_anything(workdir, capsys) -> None:
    assert run(workdir, "--check") == 1
    assert not workdir.exists()
    out = capsys.readouterr().out
    assert out.count("would run") >= 3


def test_dry_run_masks_secrets_and_connects_to_nothing(workdir, capsys) -> None:
    assert run(workdir, "--dry-run") == 0
    out = capsys.readouterr().out
    assert "export password='********'" in out
    assert "demo-password-value" not in out
    assert not workdir.exists()


def test_a_missing_required_variable_is_refused_with_exit_3(tmp_path, capsys) -> None:
    status = main(["run", str(DATA / "demo.rst"), "-i", str(DATA / "inventory.yml")])
    assert status == 3
    assert "workdir" in capsys.readouterr().err


def test_resume_with_a_step_selection_is_a_usage_error(workdir) -> None:
    assert run(workdir, "--resume", "--from", "2") == 2


def test_a_nul_byte_in_a_value_is_refused_before_running(workdir, tmp_path, capsys) -> None:
    variables = tmp_path / "vars.yml"
    variables.write_text('greeting: "a\\0b"\n')
    assert run(workdir, "-e", str(variables)) == 3
    assert not workdir.exists()


def test_junit_and_json_reports(workdir, tmp_path, capsys) -> None:
    report = tmp_path / "junit.xml"
    assert run(workdir, "--junit", str(report), "--json") == 1
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert events[0]["event"] == "run_started"
    assert events[-1] == {**events[-1], "event": "run_finished", "status": "failed"}
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures")) == ("3", "1")


def test_ctrl_c_stops_the_run_records_it_and_exits_130(workdir, tmp_path) -> None:
    scenario = tmp_path / "slow.rst"
    scenario.write_text(".. scenario:: slow\n\n.. step:: Sleep\n   :target: local\n\n   sleep 60\n")
    env = {"RUNBOOK_STATE_DIR": str(tmp_path / "state"), "PATH": "/usr/bin:/bin"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "runbook.cli.main",
            "run",
            str(scenario),
            "-i",
            str(DATA / "inventory.yml"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    _wait_for_descendant(process.pid, ["sleep", "60"])  # the step really runs
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=20)
    assert process.returncode == 130, err
    assert "interrupted at slow/1" in out
    [journal] = (tmp_path / "state" / "journals").iterdir()
    statuses = [json.loads(line).get("status") for line in journal.read_text().splitlines()]
    assert statuses[-2:] == ["interrupted", "interrupted"]


def _wait_for_descendant(root: int, argv: list[str], timeout: float = 60.0) -> None:
    """Until a process below ``root`` runs ``argv``: a busy machine may take a while."""
    wanted = ("\0".join(argv) + "\0").encode()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        parents = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                    parents[int(entry.name)] = (int(stat[1]), (entry / "cmdline").read_bytes())
                except (OSError, IndexError, ValueError):
                    continue
        for pid, (_parent, cmdline) in parents.items():
            ancestor = pid
            while ancestor in parents and ancestor != root:
                ancestor = parents[ancestor][0]
            if ancestor == root and cmdline == wanted:
                return
        time.sleep(0.05)
    raise AssertionError(f"no {argv} started below {root} within {timeout} s")


def run_guide(workdir: Path, *extra: str) -> int:
    return main(
        [
            "run",
            "top",
            "--docs",
            str(DATA / "guide"),
            "-i",
            str(DATA / "inventory.yml"),
            "-e",
            f"workdir={workdir}",
            *extra,
        ]
    )


def test_a_scenario_whose_requirement_never_ran_is_refused(workdir, capsys) -> None:
    assert run_guide(workdir) == 3
    assert "requires base" in capsys.readouterr().err
    assert not workdir.exists()


def test_with_deps_runs_the_requirements_first_and_only_once(workdir, capsys) -> None:
    assert run_guide(workdir, "--with-deps") == 0
    assert (workdir / "order").read_text() == "base\ntop\n"
    assert run_guide(workdir, "--with-deps") == 0
    assert (workdir / "order").read_text() == "base\ntop\ntop\n"
    assert "base: already complete" in capsys.readouterr().out
    assert run_guide(workdir) == 0


def test_step_mode_asks_before_each_step(workdir, tmp_path) -> None:
    env = {"RUNBOOK_STATE_DIR": str(tmp_path / "state"), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "runbook.cli.main",
            "run",
            str(DATA / "demo.rst"),
            "-i",
            str(DATA / "inventory.yml"),
            "-e",
            f"workdir={workdir}",
            "--step",
        ],
        input="r\nh\ns\nq\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 130
    assert (workdir / "greeting").exists()
    assert not (workdir / "runs").exists()
    assert result.stderr.count("[r]un, [s]kip, [q]uit, s[h]ow?") == 4
    assert 'echo x >> "$workdir/runs"' in result.stderr
    assert "stopped at demo/3" in result.stdout


REGISTERING = """
.. scenario:: reg
   :title: Registered values across runs

.. variable:: workdir

   Where the steps write.

.. step:: Make a token
   :target: local
   :register: token{sensitive}

   echo "token-$$"

.. step:: Wait for permission
   :target: local

   test -e "$workdir/allowed"

.. step:: Use the token
   :target: local

   printf %s "$token" > "$workdir/used"
"""


def run_registering(tmp_path: Path, workdir: Path, *extra: str, sensitive: bool = False) -> int:
    source = tmp_path / "reg.rst"
    source.write_text(REGISTERING.format(sensitive="\n   :sensitive:" if sensitive else ""))
    inventory = str(DATA / "inventory.yml")
    return main(["run", str(source), "-i", inventory, "-e", f"workdir={workdir}", *extra])


def test_a_resumed_run_still_has_the_values_registered_before_it_stopped(tmp_path, workdir) -> None:
    workdir.mkdir(parents=True)
    assert run_registering(tmp_path, workdir) == 1
    (workdir / "allowed").touch()
    assert run_registering(tmp_path, workdir, "--resume") == 0
    assert re.fullmatch(r"token-\d+", (workdir / "used").read_text())
    kept = next((tmp_path / "state" / "registered").iterdir())
    assert kept.stat().st_mode & 0o777 == 0o600
    assert json.loads(kept.read_text())["first"] == {"token": (workdir / "used").read_text()}


def test_a_sensitive_value_is_never_kept_so_a_resume_that_needs_it_is_refused(
    tmp_path, workdir, capsys
) -> None:
    workdir.mkdir(parents=True)
    assert run_registering(tmp_path, workdir, sensitive=True) == 1
    kept = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    token = re.search(rb"token-\d+", kept)
    assert token is None, "the sensitive value was written somewhere under the test's tree"
    (workdir / "allowed").touch()
    assert run_registering(tmp_path, workdir, "--resume", sensitive=True) == 3
    error = capsys.readouterr().err
    assert "step reg/1 registers 'token', which later steps use" in error
    assert "its step is :sensitive:" in error and "--from 1" in error
    assert not (workdir / "used").exists()
    assert run_registering(tmp_path, workdir, "--from", "1", sensitive=True) == 0
    assert (workdir / "used").read_text().startswith("token-")


def test_a_later_run_uses_the_value_of_this_run_not_of_the_last(tmp_path, workdir) -> None:
    workdir.mkdir(parents=True)
    (workdir / "allowed").touch()
    assert run_registering(tmp_path, workdir) == 0
    first = (workdir / "used").read_text()
    assert run_registering(tmp_path, workdir) == 0
    assert (workdir / "used").read_text() != first


def test_a_resume_with_nothing_left_to_run_records_the_completion_a_killed_run_missed(
    tmp_path, workdir, capsys
) -> None:
    from runbook.execution.journal import read_journal

    workdir.mkdir(parents=True)
    (workdir / "allowed").touch()
    assert run_registering(tmp_path, workdir) == 0
    path = next((tmp_path / "state" / "journals").iterdir())
    # Killed after its last step's record, before its end record (and its hosts' facts).
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(line for line in lines if '"t": "end"' not in line))
    assert not read_journal(path).complete
    assert run_registering(tmp_path, workdir, "--resume") == 0
    assert "nothing to run" in capsys.readouterr().out
    assert read_journal(path).complete
    assert (workdir / "used").read_text().startswith("token-")


def _diamond(tmp_path: Path) -> Path:
    """top requires left and right, which both require base."""
    docs = tmp_path / "docs"
    docs.mkdir()
    pages = {"base": (), "left": ("base",), "right": ("base",), "top": ("left", "right")}
    (docs / "index.rst").write_text(
        "Guide\n=====\n\n.. toctree::\n\n" + "".join(f"   {name}\n" for name in pages)
    )
    for name, requires in pages.items():
        option = f"   :requires: {', '.join(requires)}\n" if requires else ""
        (docs / f"{name}.rst").write_text(
            f"{name.title()}\n{'=' * len(name)}\n\n.. scenario:: {name}\n{option}\n"
            ".. variable:: workdir\n\n   Where the steps write.\n\n"
            f".. step:: Do {name}\n   :target: local\n\n"
            f'   mkdir -p "$workdir" && echo {name} >> "$workdir/order"\n\n'
            f'.. step:: Check {name}\n   :target: local\n\n   grep -qx {name} "$workdir/order"\n'
        )
    return docs


def test_with_deps_and_junit_one_report_keeps_every_scenarios_cases(
    tmp_path, workdir, capsys
) -> None:
    docs = _diamond(tmp_path)
    report = tmp_path / "junit.xml"
    inventory = str(DATA / "inventory.yml")
    arguments = ["run", "top", "--docs", str(docs), "-i", inventory, "-e", f"workdir={workdir}"]
    assert main([*arguments, "--with-deps", "--junit", str(report)]) == 0
    assert (workdir / "order").read_text() == "base\nleft\nright\ntop\n"
    suites = ET.parse(report).getroot().findall("testsuite")
    assert [suite.get("name") for suite in suites] == ["base", "left", "right", "top"]
    for suite in suites:
        name = suite.get("name")
        cases = [case.get("name") for case in suite.findall("testcase")]
        assert cases == [f"{name}/1 Do {name} [localhost]", f"{name}/2 Check {name} [localhost]"]
        assert (suite.get("tests"), suite.get("failures")) == ("2", "0")


def test_with_deps_loads_and_plans_each_required_scenario_once(
    tmp_path, workdir, monkeypatch
) -> None:
    """base is required twice (through left and right), and is still planned once."""
    import runbook.docutils_.loader as loader
    import runbook.plan.build as build

    planned: list[str] = []
    loaded: list[str] = []
    real_build, real_load = build.build_plan, loader.load_scenario

    def counting_build(scenario, *args, **kwargs):
        planned.append(scenario.name)
        return real_build(scenario, *args, **kwargs)

    def counting_load(ref, *args, **kwargs):
        loaded.append(ref)
        return real_load(ref, *args, **kwargs)

    monkeypatch.setattr(build, "build_plan", counting_build)
    monkeypatch.setattr(loader, "load_scenario", counting_load)
    docs = _diamond(tmp_path)
    inventory = str(DATA / "inventory.yml")
    arguments = ["run", "top", "--docs", str(docs), "-i", inventory, "-e", f"workdir={workdir}"]
    assert main([*arguments, "--with-deps"]) == 0
    assert sorted(planned) == ["base", "left", "right", "top"]
    assert sorted(loaded) == ["base", "left", "right", "top"]


def test_the_digest_runbook_plan_shows_is_the_one_the_journal_records(
    tmp_path, workdir, capsys
) -> None:
    from runbook.execution.journal import read_journal

    (workdir).mkdir(parents=True)
    (workdir / "allowed").touch()
    arguments = [str(DATA / "demo.rst"), "-i", str(DATA / "inventory.yml")]
    arguments += ["-e", f"workdir={workdir}"]
    assert main(["plan", *arguments, "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)["digest"]
    assert main(["run", *arguments]) == 0
    [journal] = (tmp_path / "state" / "journals").iterdir()
    [started] = read_journal(journal).runs
    assert started.digest == shown and shown.startswith("sha256:")
