"""Fixtures of the testbed tests: one real 3-node testbed for the whole session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from runbook.testbed.pytest_support import (
    TestbedHandle,
    remove_stale,
    session_name,
    testbed_session,
)

# Names of their own (with this run's PID), so the suite never touches the default
# testbed people work with, nor the testbed of another test run going on at the same time.
PREFIX = "rbt"


@pytest.fixture(scope="session")
def bed() -> Iterator[TestbedHandle]:
    """Up once (the first run on a machine also builds the image), down even on failure."""
    remove_stale(PREFIX)
    with testbed_session(session_name(PREFIX), nodes=3) as handle:
        yield handle


@pytest.fixture
def isolated_roots(tmp_path, monkeypatch):
    """State and image cache in a temporary directory, for tests that need no root."""
    monkeypatch.setenv("RUNBOOK_TESTBED_ROOT", str(tmp_path / "testbeds"))
    monkeypatch.setenv("RUNBOOK_IMAGE_CACHE", str(tmp_path / "images"))
    return tmp_path
