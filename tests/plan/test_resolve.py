"""Target resolution: every form against an inventory, and each way it can fail."""

from __future__ import annotations

import pytest

from runbook.errors import PlanError
from runbook.model import StepOptions
from runbook.parsing.targets import parse_target
from runbook.plan.build import build_plan
from runbook.plan.inventory import parse_ansible_inventory
from runbook.plan.model import LOCAL_HOST

from .helpers import THREE_NODES, make_scenario, make_step

INVENTORY = parse_ansible_inventory(THREE_NODES, "inventory.yml")


@pytest.mark.parametrize(
    ("target", "hosts_role", "expected"),
    [
        ("all", None, ("node1", "node2", "node3")),
        ("first", None, ("node1",)),
        ("node:2", None, ("node2",)),
        ("all", "db", ("node2", "node3")),
        ("first", "db", ("node2",)),
        ("node:2", "db", ("node3",)),
        ("role:db", None, ("node2", "node3")),
        ("all@db", "controllers", ("node2", "node3")),
        ("first@db", "controllers", ("node2",)),
        ("node:2@controllers", "db", ("node2",)),
        ("host:node3,node1", None, ("node3", "node1")),
        ("local", None, (LOCAL_HOST,)),
    ],
)
def test_each_target_form_resolves(target: str, hosts_role: str | None, expected) -> None:
    plan = build_plan(make_scenario(target, hosts_role=hosts_role), INVENTORY)
    assert plan.steps[0].hosts == expected


def test_the_scenario_nodes_are_its_group_in_inventory_order() -> None:
    plan = build_plan(make_scenario("all", hosts_role="db"), INVENTORY)
    assert plan.nodes == ("node2", "node3")


def test_without_an_inventory_no_step_has_hosts() -> None:
    plan = build_plan(make_scenario("all", "local", "node:7"))
    assert [planned.hosts for planned in plan.steps] == [(), (), ()]
    assert plan.nodes == ()


def test_run_once_keeps_the_first_host() -> None:
    step = make_step(1, "all", options=StepOptions(run_once=True))
    plan = build_plan(make_scenario(steps=(step,)), INVENTORY)
    assert plan.steps[0].hosts == ("node1",)


def test_copy_from_resolves_to_one_host() -> None:
    options = StepOptions(copy_paths=("/etc/keys",), copy_from=parse_target("node:2"))
    step = make_step(1, "all", options=options)
    plan = build_plan(make_scenario(steps=(step,)), INVENTORY)
    assert plan.steps[0].copy_from == "node2"


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("role:web", "docs/sample.rst:10: step sample/1: unknown role 'web': the inventory"),
        ("first@web", "unknown role 'web'"),
        ("host:node9", "step sample/1: host 'node9' is not in the inventory (inventory.yml)"),
        (
            "node:4",
            "step sample/1: target node:4 needs at least 4 hosts, the scenario's nodes has 3",
        ),
        ("node:3@db", "target node:3@db needs at least 3 hosts, inventory group 'db' has 2"),
    ],
)
def test_resolution_errors_name_the_step_and_its_line(target: str, message: str) -> None:
    with pytest.raises(PlanError) as caught:
        build_plan(make_scenario(target), INVENTORY)
    assert message in str(caught.value)


def test_copy_from_more_than_one_host_is_refused() -> None:
    options = StepOptions(copy_paths=("/etc/keys",), copy_from=parse_target("all"))
    scenario = make_scenario(steps=(make_step(1, "all", options=options),))
    with pytest.raises(PlanError, match="copy-from all must name one host, it names 3"):
        build_plan(scenario, INVENTORY)


def test_an_unknown_scenario_group_is_refused() -> None:
    with pytest.raises(PlanError, match=r"docs/sample.rst:1: unknown role 'compute'"):
        build_plan(make_scenario("all", hosts_role="compute"), INVENTORY)


def test_too_few_hosts_for_the_scenario_is_refused() -> None:
    with pytest.raises(PlanError) as caught:
        build_plan(make_scenario("all", hosts_role="db", min_nodes=3), INVENTORY)
    assert str(caught.value) == (
        "docs/sample.rst:1: scenario 'sample' needs at least 3 nodes, "
        "inventory group 'db' has 2 (node2, node3) [runbook.plan]"
    )


def test_every_problem_is_reported_at_once() -> None:
    scenario = make_scenario("role:web", "host:ghost", "node:9", min_nodes=5)
    with pytest.raises(PlanError) as caught:
        build_plan(scenario, INVENTORY)
    lines = str(caught.value).splitlines()
    assert lines[0] == "4 problems:"
    assert [line.split(": ")[0].strip() for line in lines[1:]] == [
        "docs/sample.rst:1",
        "docs/sample.rst:10",
        "docs/sample.rst:20",
        "docs/sample.rst:30",
    ]
