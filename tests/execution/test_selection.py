"""--from, --only, --skip and --limit."""

from __future__ import annotations

import pytest

from runbook.execution.errors import UsageError
from runbook.execution.selection import limit_hosts, select_steps
from runbook.model import Scenario, Step
from runbook.plan.model import Host, Inventory, Plan, PlannedStep

TITLES = ["Install packages", "Write the configuration", "Start the service", "Check it"]


@pytest.fixture
def plan() -> Plan:
    steps = tuple(Step("svc", i, title, "true") for i, title in enumerate(TITLES, start=1))
    inventory = Inventory(
        hosts=tuple(Host(f"node{i}", f"192.0.2.{i}") for i in (1, 2, 3)),
        groups={"controllers": ("node1", "node2"), "storage": ("node3",)},
    )
    planned = tuple(PlannedStep(step, ("node1", "node2", "node3")) for step in steps)
    return Plan(Scenario("svc", "Service", steps), planned, {}, inventory=inventory)


def ids(steps) -> list[str]:
    return [p.step.id for p in steps]


def test_every_step_by_default(plan) -> None:
    assert ids(select_steps(plan)) == ["svc/1", "svc/2", "svc/3", "svc/4"]


@pytest.mark.parametrize("ref", ["3", "svc/3", "start-the-service"])
def test_from_accepts_an_id_a_number_or_a_slug(plan, ref) -> None:
    assert ids(select_steps(plan, start=ref)) == ["svc/3", "svc/4"]


def test_only_and_skip_take_lists(plan) -> None:
    assert ids(select_steps(plan, only=["1,svc/3", "4"], skip=["4"])) == ["svc/1", "svc/3"]


@pytest.mark.parametrize("ref", ["9", "other/1", "no-such-title"])
def test_an_unknown_step_is_a_usage_error(plan, ref) -> None:
    with pytest.raises(UsageError) as caught:
        select_steps(plan, start=ref)
    assert caught.value.exit_code == 2


def test_limit_keeps_named_hosts_and_group_members(plan) -> None:
    limited = limit_hosts(plan, plan.steps, "storage,node1")
    assert {p.hosts for p in limited} == {("node1", "node3")}


def test_limit_refuses_names_that_are_not_in_the_inventory(plan) -> None:
    with pytest.raises(UsageError, match="node9"):
        limit_hosts(plan, plan.steps, "node9")
