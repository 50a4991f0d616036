"""``runbook train`` driven through its standard input, on steps that run on this machine."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).parents[1] / "execution" / "data"


def train(workdir: Path, keys: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "runbook.cli.main",
            "train",
            str(DATA / "demo.rst"),
            "-i",
            str(DATA / "inventory.yml"),
            "-e",
            f"workdir={workdir}",
            "--state-dir",
            str(workdir.parent / "state"),
        ],
        input=keys,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_run_skip_and_typed_commands_complete_the_walkthrough(tmp_path) -> None:
    workdir = tmp_path / "work"
    result = train(workdir, '?\nr\ns\nt\ntouch "$workdir/verified"\n.\n')
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "== Step 1/3: Write a greeting (demo/1)" in out
    assert "type the commands yourself" in out
    assert 'printf %s "$greeting" > "$workdir/greeting"' in out
    assert (workdir / "greeting").exists()
    assert not (workdir / "runs").exists()
    assert (workdir / "verified").exists()
    assert "Walkthrough over: 2 done, 1 skipped, 0 failed" in out


def test_a_failing_script_is_explained(tmp_path) -> None:
    result = train(tmp_path / "work", "r\nr\nr\nq\n")
    assert result.returncode == 130
    assert (
        "The commands stopped on localhost with exit status 1; the step expects 0." in result.stdout
    )
    assert "| checking" in result.stdout
    assert "1 failed (demo/3)" in result.stdout


def test_typed_commands_that_do_not_pass_the_verification_are_explained(tmp_path) -> None:
    result = train(tmp_path / "work", "s\ns\nt\necho not quite\n.\nq\n")
    assert result.returncode == 130
    out = result.stdout
    assert "the check that proves they worked did not pass" in out
    assert 'The check runs `test -e "$workdir/verified"`' in out


def test_work_done_in_another_shell_is_checked_by_the_verification(tmp_path) -> None:
    workdir = tmp_path / "work"
    workdir.mkdir()
    result = train(workdir, "s\ns\nc\nq\n")
    assert "did not pass" in result.stdout
    (workdir / "verified").touch()
    result = train(workdir, "s\ns\nc\n")
    assert result.returncode == 0
    assert "Walkthrough over: 1 done, 2 skipped, 0 failed" in result.stdout
