"""One run per scenario and inventory at a time; a dead holder's lock is taken over."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from runbook.execution.errors import LockedError
from runbook.execution.lock import RunLock


def test_a_second_run_is_refused_naming_the_holder(tmp_path) -> None:
    path = tmp_path / "locks" / "demo.lock"
    with RunLock(path), pytest.raises(LockedError, match=f"pid {os.getpid()}") as caught:
        RunLock(path).acquire()
    assert caught.value.exit_code == 3


def test_the_lock_is_free_again_after_release(tmp_path) -> None:
    path = tmp_path / "demo.lock"
    with RunLock(path):
        pass
    with RunLock(path):
        pass


def test_a_lock_left_by_a_killed_run_is_taken_over(tmp_path) -> None:
    path = tmp_path / "demo.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from runbook.execution.lock import RunLock; "
            f"RunLock(__import__('pathlib').Path({str(path)!r})).acquire(); "
            "print('locked', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(LockedError):
            RunLock(path).acquire()
        holder.kill()
        holder.wait()
        with RunLock(path):
            pass
    finally:
        holder.kill()
        holder.wait()
