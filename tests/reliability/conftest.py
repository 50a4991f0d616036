"""One 3-node testbed for the fault tests, up for this package only and removed even on failure.

Package scope, not session scope: the nodes are freed as soon as these tests end, so the
suite never holds this testbed's nodes while other packages' testbeds run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from runbook.testbed.pytest_support import (
    TestbedHandle,
    remove_stale,
    session_name,
    testbed_session,
)

from .support import Remote

PREFIX = "rel"


@pytest.fixture(scope="package")
def bed() -> Iterator[TestbedHandle]:
    remove_stale(PREFIX)
    with testbed_session(session_name(PREFIX), nodes=3) as handle:
        yield handle


@pytest.fixture
def healthy(bed: TestbedHandle) -> Iterator[TestbedHandle]:
    """The testbed with every node powered on, linked and unimpaired, before and after."""
    _repair(bed)
    yield bed
    _repair(bed)


def _repair(bed: TestbedHandle) -> None:
    for node in bed.nodes:
        bed.poweron(node)
        bed.clear(node)
        assert bed.ssh(node, "systemctl is-active ssh").returncode == 0, node


@pytest.fixture
def remote(healthy: TestbedHandle, request: pytest.FixtureRequest) -> Remote:
    """This test's own empty directory on every node, and no run lock left on any."""
    name = re.sub(r"[^A-Za-z0-9_.-]", "-", request.node.name)
    remote = Remote(healthy, f"/root/reliability/{name}")
    remote.reset()
    return remote


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path / "state"
