"""The guide's keepalived scenario on two real nodes of its own: one VIP holder, failover.

keepalived gets a testbed apart from the Pacemaker chain because both would claim the
same virtual IP on the same controllers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from runbook.testbed.pytest_support import (
    TestbedHandle,
    remove_stale,
    session_name,
)
from runbook.testbed.pytest_support import (
    testbed_session as started_testbed,
)

from .guide_support import run_scenario, ssh_ok, tcp_answers, vip_for, wait_for

pytestmark = pytest.mark.testbed

PREFIX = "guideka"
KEYSTONE_PORT = 5000


@dataclass(frozen=True)
class Deployment:
    testbed: TestbedHandle
    vip: str


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    remove_stale(PREFIX)
    with started_testbed(session_name(PREFIX), nodes=2) as testbed:
        vip = vip_for(testbed)
        state_dir: Path = tmp_path_factory.mktemp("runbook-state")
        run_scenario(testbed, "keepalived", vip, state_dir)
        yield Deployment(testbed, vip)


def holders(deployment: Deployment, nodes: list[str]) -> list[str]:
    """The nodes among ``nodes`` that have the VIP on an interface."""
    return [
        node
        for node in nodes
        if f" {deployment.vip}/"
        in ssh_ok(deployment.testbed, node, "ip -o -4 address show", timeout=20)
    ]


def test_exactly_one_controller_holds_the_vip_and_haproxy_answers_there(deployment) -> None:
    assert len(holders(deployment, deployment.testbed.nodes)) == 1
    assert tcp_answers(deployment.vip, KEYSTONE_PORT)


def test_the_vip_moves_when_its_holder_loses_power_and_stays_when_it_returns(
    deployment,
) -> None:
    testbed = deployment.testbed
    (lost,) = holders(deployment, testbed.nodes)
    (survivor,) = [node for node in testbed.nodes if node != lost]
    testbed.poweroff(lost)
    try:
        wait_for(
            lambda: holders(deployment, [survivor]) == [survivor],
            f"{survivor} to take the VIP",
            timeout=60,
            every=1,
        )
        wait_for(
            lambda: tcp_answers(deployment.vip, KEYSTONE_PORT),
            "HAProxy to answer on the VIP after the failover",
            timeout=30,
            every=1,
        )
    finally:
        testbed.poweron(lost)
    wait_for(
        lambda: (
            "Entering BACKUP STATE"
            in ssh_ok(testbed, lost, "journalctl -b -u keepalived --no-pager -o cat")
        ),
        f"keepalived on {lost} to come back as a backup",
    )
    # nopreempt: the returning controller must not take the address back.
    assert holders(deployment, testbed.nodes) == [survivor]
    assert tcp_answers(deployment.vip, KEYSTONE_PORT)
