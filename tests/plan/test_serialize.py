"""The plan's JSON shape: schema-valid, deterministic, secrets masked."""

from __future__ import annotations

import json

import jsonschema
import pytest

from runbook.model import MASK, StepOptions, Verify
from runbook.parsing.targets import parse_target
from runbook.plan.build import build_plan
from runbook.plan.inventory import parse_ansible_inventory
from runbook.plan.serialize import plan_to_dict

from .helpers import THREE_NODES, make_scenario, make_step, variable

INVENTORY = parse_ansible_inventory(THREE_NODES, "inventory.yml")


def rich_scenario():
    options = StepOptions(
        run_once=True,
        serial=1,
        sensitive=True,
        expect_exit=3,
        register="uuid",
        shellcheck_disable=("SC2086",),
        copy_paths=("/etc/keys",),
        copy_from=parse_target("first"),
    )
    verify = Verify("test -e /x", match="^ok$", retries=3, delay=1.5, timeout=30)
    steps = (
        make_step(1, "all@db", guard="test -e /done", verify=verify, prose="Why."),
        make_step(2, "first", options=options),
        make_step(3, "local", options=StepOptions(no_verify="nothing to check")),
    )
    variables = (variable("password", secret=True), variable("region", "eu"))
    return make_scenario(
        steps=steps, variables=variables, requires=("base",), hosts_role="controllers"
    )


def test_a_plan_with_every_field_matches_the_schema(plan_schema) -> None:
    plan = build_plan(rich_scenario(), INVENTORY, cli_vars={"password": "hunter2"})
    data = plan_to_dict(plan)
    plan_schema.validate(data)
    assert data["schema_version"] == 1
    assert data["scenario"]["roles"] == ["controllers", "db"]
    first, second, third = data["steps"]
    assert first["hosts"] == ["node2", "node3"]
    assert first["target"] == {"text": "role:db", "description": "every db host"}
    assert second["copy_from_host"] == "node1"
    assert third["hosts"] == ["localhost"]
    assert first["source"] == {"path": "docs/sample.rst", "line": 10}


def test_secret_values_are_masked_everywhere_in_the_json() -> None:
    plan = build_plan(rich_scenario(), INVENTORY, cli_vars={"password": "hunter2"})
    text = json.dumps(plan_to_dict(plan))
    assert "hunter2" not in text
    password = next(v for v in plan_to_dict(plan)["variables"] if v["name"] == "password")
    assert (password["value"], password["secret"], password["source"]) == (MASK, True, "cli")


def test_the_json_is_deterministic() -> None:
    one = json.dumps(
        plan_to_dict(build_plan(rich_scenario(), INVENTORY, cli_vars={"password": "p"}))
    )
    two = json.dumps(
        plan_to_dict(build_plan(rich_scenario(), INVENTORY, cli_vars={"password": "p"}))
    )
    assert one == two


def test_a_missing_required_value_is_null_without_an_inventory(plan_schema) -> None:
    data = plan_to_dict(build_plan(rich_scenario()))
    password = next(v for v in data["variables"] if v["name"] == "password")
    assert (password["value"], password["required"], password["source"]) == (None, True, None)
    assert data["inventory"] is None and data["nodes"] == []


def test_the_schema_rejects_an_unmasked_secret(plan_schema) -> None:
    data = plan_to_dict(build_plan(rich_scenario(), INVENTORY, cli_vars={"password": "hunter2"}))
    for entry in data["variables"]:
        if entry["secret"]:
            entry["value"] = "hunter2"
    with pytest.raises(jsonschema.ValidationError):
        plan_schema.validate(data)
