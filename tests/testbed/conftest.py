"""Fixtures of the testbed tests: one real 3-node testbed for the whole session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from runbook.testbed.pytest_support import TestbedHandle, testbed_session

# A name of its own, so the suite never touches the default testbed people work with.
SESSION_TESTBED = "rbtest"


@pytest.fixture(scope="session")
def bed() -> Iterator[TestbedHandle]:
    """Up once (the first run on a machine also builds the image), down even on failure."""
    with testbed_session(SESSION_TESTBED, nodes=3) as handle:
        yield handle


@pytest.fixture
def isolated_roots(tmp_path, monkeypatch):
    """State and image cache in a temporary directory, for tests that need no root."""
    monkeypatch.setenv("RUNBOOK_TESTBED_ROOT", str(tmp_path / "testbeds"))
    monkeypatch.setenv("RUNBOOK_IMAGE_CACHE", str(tmp_path / "images"))
    return tmp_path
