"""``runbook train --reset SNAPSHOT`` on a real testbed: the exercise starts from the
snapshot, whatever the last exercise left behind; a missing snapshot or hosts that are
not a testbed are refused before anything is touched."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from training.terminal import PROMPT, finish, flat, phrase, spawn

from runbook.testbed import pytest_support, snapshots
from runbook.testbed.pytest_support import TestbedHandle

pytestmark = pytest.mark.testbed

PREFIX = "rbr"
#: One step whose check passes only on the state the snapshot holds.
SCENARIO = """\
Reset demo
==========

.. scenario:: reset-demo
   :title: A marker the snapshot holds

.. step:: See the deployed marker
   :target: all
   :verify: grep -qx deployed /root/marker

   grep -qx deployed /root/marker
"""


@pytest.fixture(scope="module")
def small_bed() -> Iterator[TestbedHandle]:
    """One node of its own: a reset needs no cluster to prove it brings the disk back."""
    pytest_support.remove_stale(PREFIX)
    name = pytest_support.session_name(PREFIX)
    with pytest_support.testbed_session(name, nodes=1) as handle:
        yield handle


def _train(bed: TestbedHandle, tmp_path: Path, *extra: str, inventory: Path | None = None):
    scenario = tmp_path / "reset-demo.rst"
    scenario.write_text(SCENARIO, encoding="utf-8")
    args = ["train", str(scenario), "-i", str(inventory or bed.inventory_path)]
    args += ["--state-dir", str(tmp_path / "state"), "--trainee", "bob", *extra]
    return spawn(args, timeout=300)


def test_reset_restores_the_snapshot_before_the_exercise(small_bed, tmp_path) -> None:
    assert small_bed.ssh("node1", "echo deployed > /root/marker").returncode == 0
    started = time.monotonic()
    snapshots.snapshot(small_bed.name, "deployed", replace=True)
    print(f"snapshot taken in {time.monotonic() - started:.1f} s")
    # The last exercise broke the marker and left a file behind.
    assert small_bed.ssh("node1", "echo broken > /root/marker; touch /root/left").returncode == 0

    child = _train(small_bed, tmp_path, "--reset", "deployed")
    child.expect(phrase(f"Resetting testbed {small_bed.name} to snapshot deployed"))
    child.expect(r"Restored and booted in (\d+) s\.")
    print(f"reset took {child.match.group(1)} s")
    child.expect(PROMPT)
    # Checked before anything of the step runs: only the restored disk makes it pass.
    child.sendline("c")
    child.expect(phrase("Passed: reset-demo/1"))
    assert finish(child) == 0
    assert small_bed.ssh("node1", "cat /root/marker").stdout.strip() == "deployed"
    assert small_bed.ssh("node1", "test -e /root/left").returncode != 0


def test_reset_refuses_a_missing_snapshot_and_hosts_that_are_not_a_testbed(
    small_bed, tmp_path
) -> None:
    assert small_bed.ssh("node1", "echo changed > /root/marker").returncode == 0
    child = _train(small_bed, tmp_path, "--reset", "nosuch")
    assert finish(child) == 3
    out = flat(child)
    assert f"testbed '{small_bed.name}' has no snapshot 'nosuch'" in out
    assert f"runbook testbed snapshot --name {small_bed.name} nosuch" in out
    assert "Traceback" not in out and "Resetting" not in out

    # The same hosts through an inventory kept elsewhere are not known as a testbed.
    elsewhere = tmp_path / "hosts.yml"
    shutil.copy(small_bed.inventory_path, elsewhere)
    child = _train(small_bed, tmp_path, "--reset", "deployed", inventory=elsewhere)
    assert finish(child) == 3
    out = flat(child)
    assert "--reset deployed restores a testbed snapshot, and these hosts are not a testbed" in out
    assert "Traceback" not in out and "Resetting" not in out
    # Nothing was touched: the node kept running with its changed file.
    assert small_bed.ssh("node1", "cat /root/marker").stdout.strip() == "changed"
