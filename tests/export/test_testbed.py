"""Exports run against real testbed nodes end in the same state as ``runbook run``.

One 2-node testbed for the module; each run starts from empty directories on the nodes,
and the end state compared is every node's files plus the control host's output file.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from runbook.cli.main import main
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
    write(export("small.rst"), directory)
    return directory


def end_state(testbed: TestbedHandle) -> dict[str, str]:
    """Every node's demo files, then cleared for the next run."""
    state = {}
    for node in testbed.nodes:
        result = testbed.ssh(node, f"cat {REMOTE}/marker {REMOTE}/seen; rm -rf {REMOTE}")
        state[node] = result.stdout if isinstance(result.stdout, str) else result.stdout.decode()
    return state


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


def fab(runbooks: Path, *args: str) -> None:
    """The exported module's ``demo`` collection through ``fab``; it must succeed quietly."""
    result = shell(
        [str(BIN / "fab"), "-r", str(runbooks), "-c", "demo", *args],
        REPO,
        admin_password=PASSWORD,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert PASSWORD not in result.stdout + result.stderr


def test_exported_fabric_module_with_the_testbed_inventory(
    testbed: TestbedHandle, runbooks: Path, expected: dict[str, str]
) -> None:
    fab(runbooks, "deploy", "--inventory", str(testbed.inventory_path))
    assert end_state(testbed) == expected


def test_exported_fabric_module_with_hosts_given_by_fab_h(
    testbed: TestbedHandle, runbooks: Path, expected: dict[str, str]
) -> None:
    """``fab -H``: no inventory, the hosts in the order given are the scenario's hosts."""
    variables = yaml.safe_load(testbed.inventory_path.read_text())["all"]["vars"]
    hosts = [f"root@{testbed.address(node)}" for node in testbed.nodes]
    key = variables["ansible_ssh_private_key_file"]
    fab(runbooks, "-i", key, "-H", ",".join(hosts), "deploy")
    # The same end state, each host named by its address as given to -H.
    named = dict(expected)
    for node in testbed.nodes:
        named = {key: text.replace(node, testbed.address(node)) for key, text in named.items()}
    assert end_state(testbed) == named


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
