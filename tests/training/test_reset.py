"""``--reset``'s refusals that need no testbed, and the wait for health after a reset."""

from __future__ import annotations

import threading

import pytest

from runbook.execution.errors import RefusedError
from runbook.training.reset import wait_healthy

from .terminal import demo_args, finish, flat, spawn


def test_reset_on_hosts_that_are_not_a_testbed_is_refused_before_any_step(tmp_path) -> None:
    workdir = tmp_path / "work"
    child = spawn(demo_args(workdir, tmp_path / "state", "--reset", "deployed"))
    assert finish(child) == 3
    out = flat(child)
    assert "--reset deployed restores a testbed snapshot, and these hosts are not a testbed" in out
    assert "Traceback" not in out and "Step 1/3" not in out
    assert not workdir.exists()


def test_reset_starts_over_so_it_takes_no_resume(tmp_path) -> None:
    child = spawn(demo_args(tmp_path / "work", tmp_path / "state", "--reset", "x", "--resume"))
    assert finish(child) == 2
    assert "--reset starts the exercise over from a snapshot: it takes no --resume" in flat(child)


def test_waiting_for_health_ends_when_no_host_fails_and_refuses_after_the_timeout(
    tmp_path,
) -> None:
    healthy = tmp_path / "healthy"
    said: list[str] = []

    def failing() -> list[str]:
        return [] if healthy.exists() else ["node1"]

    timer = threading.Timer(0.3, healthy.touch)
    timer.start()
    assert wait_healthy(failing, 30, said.append, pause=0.05) < 30
    timer.join()
    assert said[-1].startswith("Healthy after")

    healthy.unlink()
    with pytest.raises(
        RefusedError, match="not healthy within 0 s: the verification fails on node1"
    ):
        wait_healthy(failing, 0.2, said.append, pause=0.05)
