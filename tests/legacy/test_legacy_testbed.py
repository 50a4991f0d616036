"""The legacy examples run for real: imported phd files plan and run like native scenarios."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from runbook.cli.main import main
from runbook.testbed import pytest_support
from runbook.testbed.pytest_support import TestbedHandle

from .helpers import EXAMPLES

pytestmark = pytest.mark.testbed

PREFIX = "legacy"
HACLUSTER_PASSWORD = "Legacy-hacluster-7"
CHECK_PASSWORD = "it's \\ $(touch /tmp/pwned) `id` secret"


@pytest.fixture(scope="module")
def testbed() -> Iterator[TestbedHandle]:
    pytest_support.remove_stale(PREFIX)
    # Imported as a module: pytest would collect a function named test* as a test.
    with pytest_support.testbed_session(pytest_support.session_name(PREFIX), nodes=3) as bed:
        yield bed


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "state"
    monkeypatch.setenv("RUNBOOK_STATE_DIR", str(path))
    return path


def _secrets_nowhere(state_dir: Path, output: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in output
        for path in state_dir.rglob("*"):
            if path.is_file():
                assert secret not in path.read_text(errors="replace"), path


def test_the_basic_cluster_file_forms_a_quorate_cluster(testbed, state_dir, capsys) -> None:
    status = main(
        [
            "run",
            str(EXAMPLES / "basic-cluster.scenario"),
            "-i",
            str(testbed.inventory_path),
            "-e",
            "cluster_name=legacy",
            "-e",
            f"hacluster_password={HACLUSTER_PASSWORD}",
        ]
    )
    output = capsys.readouterr()
    assert status == 0, output.out + output.err
    assert "basic-cluster/7 Run the scenario's test script" in output.out
    quorum = testbed.ssh("node3", "crm_mon -1 | grep -c 'partition with quorum'")
    assert quorum.stdout.strip() == "1"
    _secrets_nowhere(state_dir, output.out + output.err, HACLUSTER_PASSWORD)


def test_the_galera_file_joins_three_nodes_with_a_hostile_password(
    testbed, state_dir, capsys
) -> None:
    status = main(
        [
            "run",
            str(EXAMPLES / "galera.scenario"),
            "-i",
            str(testbed.inventory_path),
            "-e",
            "galera_cluster_name=legacy",
            "-e",
            f"clustercheck_password={CHECK_PASSWORD}",
        ]
    )
    output = capsys.readouterr()
    assert status == 0, output.out + output.err
    size = testbed.ssh("node2", "mysql -N -B -e \"SHOW STATUS LIKE 'wsrep_cluster_size'\"")
    assert size.stdout.split() == ["wsrep_cluster_size", "3"]
    assert testbed.ssh("node1", "test ! -e /tmp/pwned").returncode == 0
    _secrets_nowhere(state_dir, output.out + output.err, CHECK_PASSWORD)
