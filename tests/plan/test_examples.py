"""The example inventories and variables file in scenarios/examples/ read as documented."""

from __future__ import annotations

from pathlib import Path

from runbook.parsing.legacy import load_legacy
from runbook.plan.build import build_plan
from runbook.plan.inventory import load_inventory
from runbook.plan.variables import load_variables_file

EXAMPLES = Path(__file__).resolve().parents[2] / "scenarios" / "examples"


def test_the_yaml_inventory_and_the_host_list_describe_the_same_cloud() -> None:
    yaml_form = load_inventory(EXAMPLES / "inventory.yml")
    list_form = load_inventory(EXAMPLES / "hosts.txt")
    for inventory in (yaml_form, list_form):
        assert [h.name for h in inventory.hosts] == ["ctl1", "ctl2", "ctl3", "cmp1"]
        assert inventory.groups["controllers"] == ("ctl1", "ctl2", "ctl3")
        assert inventory.groups["galera"] == ("ctl1", "ctl2", "ctl3")
        assert inventory.groups["compute"] == ("cmp1",)
        assert inventory.floating_ips == ("192.0.2.100", "192.0.2.101")
    for one, two in zip(yaml_form.hosts, list_form.hosts, strict=True):
        assert (one.address, one.user, one.port, one.key_file, one.known_hosts) == (
            two.address,
            two.user,
            two.port,
            two.key_file,
            two.known_hosts,
        )


def test_the_variables_file_serves_native_and_legacy_scenarios() -> None:
    native = load_variables_file(EXAMPLES / "vars.yml", names={"memcached_servers"})
    assert native["memcached_servers"].value == "ctl1 ctl2 ctl3"
    legacy = load_variables_file(EXAMPLES / "vars.yml", legacy=True)
    assert legacy["PHD_VAR_network_domain"].value == "cloud.example.com"


def test_a_legacy_example_plans_against_the_example_inventory() -> None:
    scenario = load_legacy(EXAMPLES.parent / "legacy" / "galera.scenario").scenario
    plan = build_plan(
        scenario,
        load_inventory(EXAMPLES / "inventory.yml"),
        [EXAMPLES / "vars.yml"],
        {"clustercheck_password": "x"},
    )
    assert plan.nodes == ("ctl1", "ctl2", "ctl3", "cmp1")
