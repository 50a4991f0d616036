"""The step environment contract: what every script sees on every host."""

from __future__ import annotations

import subprocess

import pytest

from runbook.model import Secret, reveal
from runbook.parsing.legacy import import_legacy
from runbook.plan.build import build_plan
from runbook.plan.environment import step_environment
from runbook.plan.inventory import parse_ansible_inventory
from runbook.plan.model import LOCAL_HOST

from .helpers import THREE_NODES, make_scenario, variable

NODE3 = "node3: {ansible_host: 192.0.2.13}"
INVENTORY = parse_ansible_inventory(
    THREE_NODES.replace(NODE3, NODE3[:-1] + ", region: north}"), "inventory.yml"
)
FLOATING = "ansible_user: root\n    floating_ips: [192.0.2.100, 192.0.2.101]"

LEGACY = """\
= VARIABLES =
PHD_VAR_domain
PHD_VAR_db_password

= LOCAL_VARIABLES =
fqdn=db.$PHD_VAR_domain
url="https://${fqdn}/"
auth=root:${PHD_VAR_db_password}

= SCRIPTS =
target=all
....
echo "$fqdn"
....
"""


def test_native_steps_see_their_variables_and_the_rb_names() -> None:
    scenario = make_scenario("all", variables=(variable("region", "south"),))
    plan = build_plan(scenario, INVENTORY)
    environment = step_environment(plan, plan.steps[0], "node2")
    assert environment == {
        "region": "south",
        "RB_NODES": "node1 node2 node3",
        "RB_NODE_COUNT": "3",
        "RB_NODE1": "node1",
        "RB_NODE2": "node2",
        "RB_NODE3": "node3",
        "RB_ADDRS": "192.0.2.11 192.0.2.12 192.0.2.13",
        "RB_HOST": "node2",
        "RB_ADDRESS": "192.0.2.12",
    }


def test_host_variables_win_over_files_and_lose_to_cli(write) -> None:
    variables = (variable("region", "south"), variable("label", "x-${region}"))
    scenario = make_scenario("all", variables=variables)
    files = [write("vars.yml", "region: from-file\n")]
    plan = build_plan(scenario, INVENTORY, files)
    assert step_environment(plan, plan.steps[0], "node3")["region"] == "north"
    assert step_environment(plan, plan.steps[0], "node3")["label"] == "x-north"
    assert step_environment(plan, plan.steps[0], "node1")["region"] == "from-file"
    plan = build_plan(scenario, INVENTORY, files, {"region": "cli"})
    assert step_environment(plan, plan.steps[0], "node3")["region"] == "cli"


def test_local_steps_run_on_the_control_host() -> None:
    plan = build_plan(make_scenario("local"), INVENTORY)
    environment = step_environment(plan, plan.steps[0], LOCAL_HOST)
    assert (environment["RB_HOST"], environment["RB_ADDRESS"]) == ("localhost", "127.0.0.1")
    assert environment["RB_NODES"] == "node1 node2 node3"


def test_registered_values_are_seen_but_cannot_shadow_reserved_names() -> None:
    plan = build_plan(make_scenario("all", variables=(variable("region", "south"),)), INVENTORY)
    registered = {"galera_uuid": "abc", "region": "captured", "RB_HOST": "evil"}
    environment = step_environment(plan, plan.steps[0], "node1", registered)
    assert environment["galera_uuid"] == "abc"
    assert environment["region"] == "captured"
    assert environment["RB_HOST"] == "node1"


def test_secrets_stay_secret_in_the_environment() -> None:
    scenario = make_scenario("all", variables=(variable("password", secret=True),))
    plan = build_plan(scenario, INVENTORY, cli_vars={"password": "hunter2"})
    value = step_environment(plan, plan.steps[0], "node1")["password"]
    assert isinstance(value, Secret) and value.reveal() == "hunter2"


def test_legacy_steps_see_phd_names_and_local_variables(write) -> None:
    scenario = import_legacy(LEGACY, "db.scenario").scenario
    inventory = parse_ansible_inventory(
        THREE_NODES.replace("ansible_user: root", FLOATING), "inventory.yml"
    )
    files = [write("vars.yml", "domain: example.com\ndb: {password: s3cret}\nextra: {thing: 1}\n")]
    plan = build_plan(scenario, inventory, files)
    environment = step_environment(plan, plan.steps[0], "node1")
    assert environment["PHD_VAR_domain"] == "example.com"
    assert environment["PHD_VAR_extra_thing"] == "1"
    assert environment["PHD_ENV_nodes"] == "node1 node2 node3"
    assert environment["PHD_ENV_nodes2"] == "node2"
    assert environment["PHD_ENV_floating_ips"] == "192.0.2.100 192.0.2.101"
    assert environment["PHD_ENV_floating_ips2"] == "192.0.2.101"
    assert environment["fqdn"] == "db.example.com"
    assert environment["url"] == "https://db.example.com/"
    assert isinstance(environment["auth"], Secret)
    assert environment["auth"].reveal() == "root:s3cret"
    assert isinstance(environment["PHD_VAR_db_password"], Secret)


def test_an_unknown_host_is_a_programming_error() -> None:
    plan = build_plan(make_scenario("all"), INVENTORY)
    with pytest.raises(ValueError, match="'node9' is not a host"):
        step_environment(plan, plan.steps[0], "node9")


@pytest.mark.parametrize(
    "value", ["it's", 'say "hi"', "$(touch /tmp/pwned)", "`id`", "two\nlines", " padded ", "*"]
)
def test_values_reach_a_real_shell_intact(tmp_path, value: str) -> None:
    scenario = make_scenario("all", variables=(variable("tricky"),))
    plan = build_plan(scenario, INVENTORY, cli_vars={"tricky": value})
    environment = {k: reveal(v) for k, v in step_environment(plan, plan.steps[0], "node1").items()}
    result = subprocess.run(
        ["bash", "-c", 'printf %s "$tricky"'],
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout == value
    assert list(tmp_path.iterdir()) == []
