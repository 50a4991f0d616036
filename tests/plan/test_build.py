"""build_plan: required values, reserved names, the digest, and all problems at once."""

from __future__ import annotations

import dataclasses

import pytest

from runbook.errors import PlanError
from runbook.model import Verify
from runbook.plan.build import build_plan
from runbook.plan.inventory import inventory_from_hosts, parse_ansible_inventory

from .helpers import THREE_NODES, make_scenario, make_step, variable

INVENTORY = parse_ansible_inventory(THREE_NODES, "inventory.yml")


def with_region(*hosts: str) -> str:
    """The three-node inventory with a host variable ``region`` on ``hosts``."""
    text = THREE_NODES
    for host in hosts:
        text = text.replace(f"{host}: {{ansible_host: ", f"{host}: {{region: r, ansible_host: ")
    return text


def test_without_an_inventory_a_missing_required_variable_is_shown_not_refused() -> None:
    plan = build_plan(make_scenario(variables=(variable("password", secret=True),)))
    assert "password" not in plan.variables


def test_with_an_inventory_a_missing_required_variable_is_refused() -> None:
    with pytest.raises(PlanError) as caught:
        build_plan(make_scenario(variables=(variable("password", line=4),)), INVENTORY)
    assert str(caught.value) == (
        "docs/sample.rst:4: required variable password has no value; set it in a variables "
        "file, the inventory, or with -e password=VALUE [runbook.plan]"
    )


def test_require_values_can_be_asked_for_or_waived() -> None:
    scenario = make_scenario(variables=(variable("password"),))
    with pytest.raises(PlanError):
        build_plan(scenario, require_values=True)
    assert build_plan(scenario, INVENTORY, require_values=False).variables == {}


def test_host_variables_can_supply_a_required_variable() -> None:
    inventory = parse_ansible_inventory(with_region("node1", "node2", "node3"), "inventory.yml")
    scenario = make_scenario(variables=(variable("region"),))
    assert build_plan(scenario, inventory).nodes == ("node1", "node2", "node3")


def test_host_variables_on_some_hosts_name_the_others() -> None:
    inventory = parse_ansible_inventory(with_region("node1"), "inventory.yml")
    with pytest.raises(PlanError, match="required variable region has no value on node2, node3"):
        build_plan(make_scenario(variables=(variable("region"),)), inventory)


def test_a_local_step_needs_the_value_outside_host_variables() -> None:
    inventory = parse_ansible_inventory(with_region("node1", "node2", "node3"), "inventory.yml")
    with pytest.raises(PlanError, match="for 'local' steps"):
        build_plan(make_scenario("all", "local", variables=(variable("region"),)), inventory)


def test_reserved_names_are_refused() -> None:
    scenario = make_scenario(variables=(variable("RB_HOST", "x", line=6),))
    with pytest.raises(PlanError, match=r"docs/sample\.rst:6: variable name RB_HOST is reserved"):
        build_plan(scenario)


def test_problems_from_files_values_and_targets_come_together(write) -> None:
    scenario = make_scenario("role:web", variables=(variable("x"), variable("y", "${nope}")))
    with pytest.raises(PlanError) as caught:
        build_plan(scenario, INVENTORY, [write("vars.yml", "y: 1\n")])
    message = str(caught.value)
    assert message.startswith("3 problems:")
    assert "refers to an undeclared variable ${nope}" in message
    assert "unknown role 'web'" in message
    assert "required variable x has no value" in message


def test_an_unreadable_variables_file_is_not_followed_by_missing_values(write) -> None:
    bad = write("vars.yml", "x: [\n")
    with pytest.raises(PlanError) as caught:
        build_plan(make_scenario(variables=(variable("x"),)), INVENTORY, [bad])
    assert (
        str(caught.value)
        == f"{bad}:2: not valid YAML: expected the node content, but found '<stream end>' "
        "[runbook.plan]"
    )


def test_the_digest_is_stable_and_follows_what_runs() -> None:
    scenario = make_scenario("all", "first")
    digest = build_plan(scenario, INVENTORY).digest
    assert digest.startswith("sha256:") and len(digest) == 71
    assert build_plan(scenario, INVENTORY).digest == digest
    retitled = dataclasses.replace(
        scenario,
        steps=(
            dataclasses.replace(scenario.steps[0], title="Renamed", prose="new words"),
            *scenario.steps[1:],
        ),
    )
    assert build_plan(retitled, INVENTORY).digest == digest
    rescripted = dataclasses.replace(
        scenario,
        steps=(dataclasses.replace(scenario.steps[0], script="echo changed"), *scenario.steps[1:]),
    )
    assert build_plan(rescripted, INVENTORY).digest != digest
    verified = dataclasses.replace(
        scenario,
        steps=(dataclasses.replace(scenario.steps[0], verify=Verify("true")), *scenario.steps[1:]),
    )
    assert build_plan(verified, INVENTORY).digest != digest
    two_nodes = inventory_from_hosts(["node1", "node2"])
    assert build_plan(scenario, two_nodes).digest != digest


def test_the_digest_ignores_variable_values_and_secrets() -> None:
    scenario = make_scenario(variables=(variable("password", secret=True), variable("region")))
    one = build_plan(scenario, INVENTORY, cli_vars={"password": "a", "region": "x"})
    two = build_plan(scenario, INVENTORY, cli_vars={"password": "b", "region": "y"})
    assert one.digest == two.digest


def test_steps_keep_their_order_and_ids() -> None:
    plan = build_plan(make_scenario(steps=(make_step(1), make_step(2, "first"))), INVENTORY)
    assert [planned.step.id for planned in plan.steps] == ["sample/1", "sample/2"]
