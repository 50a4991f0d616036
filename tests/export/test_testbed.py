"""Exports run against real testbed nodes end in the same state as ``runbook run``.

One 2-node testbed for the module; each run starts from empty directories on the nodes,
and the end state compared is every node's files plus the control host's output file.
The ``cases`` scenario holds what the Fabric export once did differently from the runner
(copies, per-host and sensitive registered values, an inventory's secret, a verification
that hangs); ``fab`` must now agree with ``runbook run`` on each, and refuse an unknown
host key as it does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from runbook.cli.main import main
from runbook.execution.shell import quote
from runbook.export.writer import write
from runbook.testbed import pytest_support as support
from runbook.testbed.pytest_support import TestbedHandle

from .helpers import REPO, SOURCES, export

pytestmark = pytest.mark.testbed

BIN = Path(sys.executable).parent
PASSWORD = "pa'ss $(word)"
REMOTE = "/tmp/rb-demo"


@pytest.fixture(scope="module")
def testbed() -> Iterator[TestbedHandle]:
    support.remove_stale("exports")
    with support.testbed_session(support.session_name("exports"), nodes=2) as handle:
        yield handle


@pytest.fixture(scope="module")
def runbooks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("runbooks")
    write(export("small.rst", "cases.rst"), directory)
    return directory


def on_each_node(testbed: TestbedHandle, command: str) -> dict[str, str]:
    """Each node's standard output of ``command``."""
    state = {}
    for node in testbed.nodes:
        result = testbed.ssh(node, command)
        state[node] = result.stdout if isinstance(result.stdout, str) else result.stdout.decode()
    return state


def end_state(testbed: TestbedHandle) -> dict[str, str]:
    """Every node's demo files, then cleared for the next run."""
    return on_each_node(testbed, f"cat {REMOTE}/marker {REMOTE}/seen; rm -rf {REMOTE}")


def shell(command: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=cwd,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1", **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def expected(testbed: TestbedHandle, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The end state ``runbook run`` leaves, which every export must reproduce."""
    for node in testbed.nodes:
        testbed.ssh(node, f"rm -rf {REMOTE}")
    os.environ["RUNBOOK_STATE_DIR"] = str(tmp_path_factory.mktemp("state"))
    try:
        status = main(
            [
                "run",
                str(SOURCES / "small.rst"),
                "-i",
                str(testbed.inventory_path),
                "-e",
                f"admin_password={PASSWORD}",
            ]
        )
    finally:
        del os.environ["RUNBOOK_STATE_DIR"]
    assert status == 0
    state = end_state(testbed)
    first = testbed.nodes[0]
    assert state[first].startswith(f"demo on {first} of 2\n{first}|http://demo.example:5000/it's|")
    return state


def fab(runbooks: Path, *args: str, collection: str = "demo") -> subprocess.CompletedProcess[str]:
    """An exported module's collection through ``fab``."""
    return shell(
        [str(BIN / "fab"), "-r", str(runbooks), "-c", collection, *args],
        REPO,
        admin_password=PASSWORD,
    )


def fab_ok(runbooks: Path, *args: str) -> None:
    """The ``demo`` collection through ``fab``; it must succeed quietly."""
    result = fab(runbooks, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    assert PASSWORD not in result.stdout + result.stderr


def ssh_config(testbed: TestbedHandle, path: Path, known_hosts: Path | None = None) -> Path:
    """An ssh_config for ``fab -S``: the testbed's known_hosts (or another), checked strictly."""
    known = known_hosts or Path(testbed.state.paths.known_hosts)
    path.write_text(f"Host *\n  UserKnownHostsFile {known}\n  StrictHostKeyChecking yes\n")
    return path


def fab_hosts(testbed: TestbedHandle, config: Path) -> list[str]:
    """``fab`` options naming the testbed's nodes by address, with its key and ``config``."""
    variables = yaml.safe_load(testbed.inventory_path.read_text())["all"]["vars"]
    hosts = [f"root@{testbed.address(node)}" for node in testbed.nodes]
    key = variables["ansible_ssh_private_key_file"]
    return ["-S", str(config), "-i", key, "-H", ",".join(hosts)]


def by_address(testbed: TestbedHandle, state: dict[str, str]) -> dict[str, str]:
    """``state`` as a run whose hosts are named by their addresses leaves it."""
    for node in testbed.nodes:
        state = {key: text.replace(node, testbed.address(node)) for key, text in state.items()}
    return state


def test_exported_fabric_module_with_the_testbed_inventory(
    testbed: TestbedHandle, runbooks: Path, expected: dict[str, str]
) -> None:
    fab_ok(runbooks, "deploy", "--inventory", str(testbed.inventory_path))
    assert end_state(testbed) == expected


def test_exported_fabric_module_with_hosts_given_by_fab_h(
    testbed: TestbedHandle, runbooks: Path, expected: dict[str, str], tmp_path: Path
) -> None:
    """``fab -H``: no inventory, the hosts in the order given are the scenario's hosts."""
    config = ssh_config(testbed, tmp_path / "ssh_config")
    fab_ok(runbooks, *fab_hosts(testbed, config), "deploy")
    # The same end state, each host named by its address as given to -H.
    assert end_state(testbed) == by_address(testbed, expected)


def test_exported_playbook_with_the_testbed_inventory(
    testbed: TestbedHandle, runbooks: Path, expected: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "secrets.yml").write_text(yaml.safe_dump({"admin_password": PASSWORD}))
    result = shell(
        [
            str(BIN / "ansible-playbook"),
            "-i",
            str(testbed.inventory_path),
            "demo.yml",
            "-e",
            f"@{tmp_path / 'secrets.yml'}",
        ],
        runbooks,
        ANSIBLE_HOME=str(tmp_path / ".ansible"),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert PASSWORD not in result.stdout + result.stderr
    assert end_state(testbed) == expected


def test_exported_bash_script_over_ssh(
    testbed: TestbedHandle, runbooks: Path, expected: dict[str, str]
) -> None:
    inventory = yaml.safe_load(testbed.inventory_path.read_text())["all"]["vars"]
    options = (
        f"-l root -i {inventory['ansible_ssh_private_key_file']} "
        f"{inventory['ansible_ssh_common_args']} -o BatchMode=yes"
    )
    hosts = [f"{node}={testbed.address(node)}" for node in testbed.nodes]
    result = shell(
        ["bash", "demo.sh", *hosts],
        runbooks,
        admin_password=PASSWORD,
        RB_SSH_OPTS=options,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert PASSWORD not in result.stdout + result.stderr
    assert end_state(testbed) == expected


# -- the cases the Fabric export once got wrong -------------------------------------------

BECOME = "bec0me 'pass' $(x)"
CASES = "/tmp/rb-cases"
NOTE = "/tmp/rb-cases-note"
#: The ``cases`` scenario's last step: a verification that never answers, 3 s allowed.
TIMED_OUT = "timed out after 3s"


def cases_state(testbed: TestbedHandle) -> dict[str, str]:
    """Every node's ``cases`` files, name and content, then cleared for the next run."""
    return on_each_node(testbed, f"grep -r . {CASES} | sort; rm -rf {CASES}")


@pytest.fixture(scope="module")
def secret_inventory(testbed: TestbedHandle, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The testbed's inventory with a become password, which each node's note contains."""
    data = yaml.safe_load(testbed.inventory_path.read_text())
    data["all"]["vars"]["ansible_become_password"] = BECOME
    path = tmp_path_factory.mktemp("inventory") / "inventory.yml"
    path.write_text(yaml.safe_dump(data))
    for node in testbed.nodes:
        note = quote(f"the become password is {BECOME}")
        testbed.ssh(node, f"printf '%s\\n' {note} > {NOTE}")
    return path


def assert_masked(output: str, testbed: TestbedHandle) -> None:
    first = testbed.nodes[0]
    assert f"sealed-{first}-x9" not in output, "the sensitive step's registered value leaked"
    assert BECOME not in output, "the inventory's become password leaked"
    assert "using ********" in output
    assert "the become password is ********" in output


@pytest.fixture(scope="module")
def expected_cases(
    testbed: TestbedHandle, secret_inventory: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """What ``runbook run`` does with the cases: all but the last step, then a time-out."""
    for node in testbed.nodes:
        testbed.ssh(node, f"rm -rf {CASES}")
    result = shell(
        [
            str(BIN / "runbook"),
            "run",
            str(SOURCES / "cases.rst"),
            "-i",
            str(secret_inventory),
            "--verbose",
            "--state-dir",
            str(tmp_path_factory.mktemp("state")),
        ],
        REPO,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert TIMED_OUT in output
    assert_masked(output, testbed)
    state = cases_state(testbed)
    first, second = testbed.nodes
    assert f"{CASES}/key:key of {first}" in state[second], "the copy did not arrive"
    assert f"{CASES}/who:{second}" in state[second], "a node did not get its own value"
    return state


def test_fabric_cases_with_an_inventory_match_runbook_run(
    testbed: TestbedHandle,
    runbooks: Path,
    secret_inventory: Path,
    expected_cases: dict[str, str],
) -> None:
    started = time.monotonic()
    result = fab(
        runbooks, "deploy", "--inventory", str(secret_inventory), "--verbose", collection="cases"
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert time.monotonic() - started < 60, "the hanging verification held fab"
    assert TIMED_OUT in output
    assert "resume with: deploy --start 8" in output
    assert_masked(output, testbed)
    assert cases_state(testbed) == expected_cases


def test_fabric_cases_with_hosts_given_by_fab_h_match_runbook_run(
    testbed: TestbedHandle, runbooks: Path, expected_cases: dict[str, str], tmp_path: Path
) -> None:
    config = ssh_config(testbed, tmp_path / "ssh_config")
    result = fab(runbooks, *fab_hosts(testbed, config), "deploy", collection="cases")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert TIMED_OUT in output
    assert f"sealed-{testbed.address(testbed.nodes[0])}-x9" not in output
    assert cases_state(testbed) == by_address(testbed, expected_cases)


def test_fabric_refuses_an_unknown_host_key_and_runs_nothing(
    testbed: TestbedHandle, runbooks: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    config = ssh_config(testbed, tmp_path / "ssh_config", known_hosts=empty)
    result = fab(runbooks, *fab_hosts(testbed, config), "deploy", collection="cases")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "unknown host key" in output
    assert empty.read_text() == "", "an unknown key was recorded without being asked"
    assert cases_state(testbed) == {node: "" for node in testbed.nodes}
