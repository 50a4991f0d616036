"""Exports run for real on the control host give the same end state as ``runbook run``.

The local scenario's steps all target ``local``, so bash, ``fab`` and ``ansible-playbook``
run here without SSH; the inventory's two hosts only feed the environment contract.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from runbook.export.writer import write

from .helpers import REPO, SOURCES, export

BIN = Path(sys.executable).parent
TOKEN = "s3cr3t 'token' $(x)"
EXPECTED = {
    "prepared": "prepared on localhost at 127.0.0.1 for node1 node2\n",
    "count": "3\n",
    "captured": 'it\'s "quoted" $(echo no) `echo no` world\n',
    "token-length": f"{len(TOKEN)}\n",
}


@pytest.fixture(scope="module")
def runbooks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("runbooks")
    write(export("local.rst"), directory)
    (directory / "inventory.txt").write_text("node1 192.0.2.1\nnode2 192.0.2.2\n")
    (directory / "inventory.yml").write_text(
        "all:\n  hosts:\n"
        "    node1: {ansible_host: 192.0.2.1}\n    node2: {ansible_host: 192.0.2.2}\n"
    )
    return directory


def run(command: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=cwd,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1", **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def fab(runbooks: Path, cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """A task of the exported ``local-demo`` module with the test inventory, through ``fab``."""
    command = [str(BIN / "fab"), "-r", str(runbooks), "-c", "local-demo", *args]
    return run([*command, "--inventory", str(runbooks / "inventory.txt")], cwd, **env)


def end_state(workdir: Path) -> dict[str, str]:
    return {path.name: path.read_text() for path in sorted(workdir.iterdir())}


def test_runbook_run_gives_the_expected_end_state(runbooks: Path, tmp_path: Path) -> None:
    workdir = tmp_path / "run"
    result = run(
        [
            str(BIN / "runbook"),
            "run",
            str(SOURCES / "local.rst"),
            "-i",
            str(runbooks / "inventory.txt"),
            "-e",
            f"workdir={workdir}",
            "-e",
            f"token={TOKEN}",
            "--state-dir",
            str(tmp_path / "state"),
        ],
        REPO,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert end_state(workdir) == EXPECTED


def test_exported_bash_script_gives_the_same_end_state(runbooks: Path, tmp_path: Path) -> None:
    workdir = tmp_path / "bash"
    result = run(
        ["bash", "local-demo.sh", "node1", "node2"], runbooks, workdir=str(workdir), token=TOKEN
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert end_state(workdir) == EXPECTED
    assert TOKEN not in result.stdout + result.stderr


def test_exported_fabric_module_gives_the_same_end_state(runbooks: Path, tmp_path: Path) -> None:
    workdir = tmp_path / "fab"
    result = fab(
        runbooks,
        tmp_path,
        "deploy",
        workdir=str(workdir),
        token=TOKEN,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert end_state(workdir) == EXPECTED
    assert TOKEN not in result.stdout + result.stderr


def test_exported_playbook_gives_the_same_end_state(runbooks: Path, tmp_path: Path) -> None:
    workdir = tmp_path / "ansible"
    (tmp_path / "vars.yml").write_text(f"workdir: {str(workdir)!r}\ntoken: {TOKEN!r}\n")
    result = run(
        [
            str(BIN / "ansible-playbook"),
            "-i",
            "inventory.yml",
            "local-demo.yml",
            "-e",
            f"@{tmp_path / 'vars.yml'}",
        ],
        runbooks,
        ANSIBLE_HOME=str(tmp_path / ".ansible"),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert end_state(workdir) == EXPECTED
    assert TOKEN not in result.stdout + result.stderr


def test_bash_export_refuses_to_start_without_a_required_variable(runbooks: Path) -> None:
    result = run(["bash", "local-demo.sh", "node1"], runbooks, token=TOKEN)
    assert result.returncode == 1
    assert "workdir is required" in result.stderr


def test_failing_step_names_its_source_and_how_to_resume(runbooks: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = run(
        ["bash", "local-demo.sh", "node1"], runbooks, workdir=str(blocker / "sub"), token="t"
    )
    assert result.returncode == 1
    assert "step local-demo/1 (Prepare the work directory) failed" in result.stderr
    assert "tests/export/sources/local.rst:29 (#local-demo-1)" in result.stderr
    assert "resume with --from 1" in result.stderr


def test_fabric_step_task_runs_one_step(runbooks: Path, tmp_path: Path) -> None:
    workdir = tmp_path / "one"
    result = fab(
        runbooks,
        tmp_path,
        "step-01-prepare-the-work-directory",
        workdir=str(workdir),
        token=TOKEN,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert end_state(workdir) == {"prepared": EXPECTED["prepared"]}


@pytest.mark.parametrize(
    ("start", "status", "message"),
    [
        ("abc", 2, "deploy --start takes a step number (1, 2, ...), not 'abc'"),
        ("0", 2, "deploy --start takes a step number (1, 2, ...), not '0'"),
        ("9", 1, "local-demo: no step 9: the scenario has 4 steps"),
    ],
)
def test_fabric_start_that_names_no_step_is_one_line(
    runbooks: Path, tmp_path: Path, start: str, status: int, message: str
) -> None:
    result = fab(
        runbooks,
        tmp_path,
        "deploy",
        "--start",
        start,
        workdir=str(tmp_path / "w"),
        token=TOKEN,
    )
    assert (result.returncode, result.stderr.strip()) == (status, message)
    assert not (tmp_path / "w").exists()
