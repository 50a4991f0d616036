"""A 3-node testbed for the security tests that need real hosts, up for this package only."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from runbook.testbed.pytest_support import (
    TestbedHandle,
    remove_stale,
    session_name,
    testbed_session,
)

PREFIX = "sec"


@pytest.fixture(scope="package")
def bed() -> Iterator[TestbedHandle]:
    remove_stale(PREFIX)
    with testbed_session(session_name(PREFIX), nodes=3) as handle:
        yield handle


@pytest.fixture
def remote(bed: TestbedHandle, request: pytest.FixtureRequest) -> str:
    """This test's own empty directory on every node."""
    path = "/root/security/" + re.sub(r"[^A-Za-z0-9_.-]", "-", request.node.name)
    for node in bed.nodes:
        bed.ssh(node, f"rm -rf {path} && mkdir -p {path}").check_returncode()
    return path


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Journals, locks and transcripts of this test only (for in-process and child runs)."""
    path = tmp_path / "state"
    monkeypatch.setenv("RUNBOOK_STATE_DIR", str(path))
    return path


@pytest.fixture
def nothing_ran(bed: TestbedHandle, remote: str, state_dir: Path) -> Callable[[], None]:
    """Assert that no step ran: no file in this test's directory on any node, no journal."""

    def check() -> None:
        for node in bed.nodes:
            listing = bed.ssh(node, f"ls -A {remote}")
            assert listing.returncode == 0 and listing.stdout == "", (node, listing.stdout)
        assert not (state_dir / "journals").exists()

    return check
