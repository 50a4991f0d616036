"""``runbook drill`` on a guide deployment, as an operator runs it, for the e2e tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pexpect
from training.terminal import Log, spawn

from runbook.testbed.pytest_support import TestbedHandle

from .guide_support import ROOT, TESTBED_VARS


def run_drill(
    testbed: TestbedHandle,
    vip: str,
    state_dir: Path,
    drill: str,
    docs: Path = ROOT / "docs",
) -> subprocess.CompletedProcess[str]:
    """``runbook drill DRILL --testbed NAME`` in its own process; its output and status."""
    command = [
        sys.executable,
        *("-m", "runbook.cli.main", "drill", drill),
        *("--testbed", testbed.name),
        *("--docs", str(docs)),
        *("-e", str(TESTBED_VARS), "-e", f"vip={vip}"),
        *("--state-dir", str(state_dir)),
    ]
    return subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=1200, check=False
    )


def train_drill(
    testbed: TestbedHandle, vip: str, state_dir: Path, drill: str, docs: Path = ROOT / "docs"
) -> pexpect.spawn:
    """``runbook train --drill DRILL --testbed NAME`` on an 80x24 terminal, for a trainee."""
    return spawn(
        [
            *("train", "--drill", drill, "--testbed", testbed.name),
            *("--docs", str(docs)),
            *("-e", str(TESTBED_VARS), "-e", f"vip={vip}"),
            *("--state-dir", str(state_dir), "--trainee", "e2e"),
        ],
        timeout=300,
    )


def own_terminal() -> pexpect.spawn:
    """A trainee's own shell on the control host (80x24, ``runbook`` on its PATH)."""
    path = f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"
    child = pexpect.spawn(
        "bash",
        ["--norc", "--noprofile"],
        env={**os.environ, "PATH": path, "TERM": "dumb"},
        dimensions=(24, 80),
        encoding="utf-8",
        timeout=300,
    )
    child.logfile_read = Log()
    return child
