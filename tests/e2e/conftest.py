"""Real SSH to real nodes: one 3-node testbed for the whole e2e session, removed at the end."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from runbook.cli.main import main
from runbook.testbed.pytest_support import (
    TestbedHandle,
    remove_stale,
    session_name,
    testbed_session,
)

#: Testbeds of the runner's e2e tests are named PREFIX + pid: two test runs never share one.
PREFIX = "e2erun"


@pytest.fixture(scope="session")
def testbed() -> Iterator[TestbedHandle]:
    remove_stale(PREFIX)
    with testbed_session(session_name(PREFIX), nodes=3) as handle:
        yield handle


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test keeps its own journal, locks and transcripts."""
    path = tmp_path / "state"
    monkeypatch.setenv("RUNBOOK_STATE_DIR", str(path))
    return path


@pytest.fixture
def remote_dir(testbed: TestbedHandle, request: pytest.FixtureRequest) -> str:
    """A directory of this test's own on every node, empty at the start."""
    path = f"/root/e2e/{request.node.name}"
    for node in testbed.nodes:
        testbed.ssh(node, f"rm -rf {path} && mkdir -p {path}").check_returncode()
    return path


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[[str], Path]:
    def write(text: str) -> Path:
        path = tmp_path / "scenario.rst"
        path.write_text(text.lstrip("\n"))
        return path

    return write


@pytest.fixture
def runbook_run(testbed: TestbedHandle, state_dir: Path) -> Callable[..., int]:
    """``runbook run SCENARIO -i <testbed inventory> ARGS...`` in this process."""

    def run(scenario: Path, *args: str, inventory: Path | None = None) -> int:
        inventory = inventory or testbed.inventory_path
        return main(["run", str(scenario), "-i", str(inventory), *args])

    return run


def inventory_with_known_hosts(testbed: TestbedHandle, known_hosts: Path, target: Path) -> Path:
    """The testbed's inventory, with SSH checking host keys against ``known_hosts`` instead."""
    data = yaml.safe_load(testbed.inventory_path.read_text())
    variables = data["all"]["vars"]
    variables["ansible_ssh_common_args"] = f"-o UserKnownHostsFile={known_hosts}"
    variables["runbook_known_hosts"] = str(known_hosts)
    target.write_text(yaml.safe_dump(data))
    return target
