"""Property tests: random inventory and variables files give data or a located error,
never another exception."""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runbook.errors import InventoryError, ParseError
from runbook.plan.inventory import parse_ansible_inventory, parse_host_list
from runbook.plan.model import Inventory
from runbook.plan.variables import parse_variables

from .helpers import THREE_NODES

KEYS = st.sampled_from(
    [
        "all",
        "hosts",
        "children",
        "vars",
        "node1",
        "node2",
        "web",
        "ansible_host",
        "ansible_port",
        "ansible_user",
        "ansible_ssh_common_args",
        "floating_ips",
        "localhost",
        "db[1:3]",
        "x",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 70000),
    st.text(max_size=12),
    st.sampled_from(["192.0.2.1", "-o UserKnownHostsFile=/k", "'", "22"]),
)
DATA = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(KEYS, st.text(max_size=6)), inner, max_size=4),
    ),
    max_leaves=25,
)
YAML_TEXT = st.one_of(
    DATA.map(lambda data: yaml.safe_dump(data, default_flow_style=False)),
    st.text(max_size=200),
    st.lists(
        st.sampled_from(
            [*THREE_NODES.splitlines(), "  - x", "a: &a [*a]", "b: !!binary aGk=", "\t"]
        ),
        max_size=20,
    ).map("\n".join),
)
HOST_LINES = st.lists(
    st.one_of(
        st.text(max_size=40),
        st.sampled_from(
            [
                "node1 192.0.2.1",
                "* user=x",
                "n2 a@[::1]:22 roles=a,b",
                "n3 x:y:z",
                "# c",
                "n4 'q",
                "n1",
            ]
        ),
    ),
    max_size=12,
).map("\n".join)


def _located(error: ParseError | InventoryError, path: str) -> None:
    assert error.location is not None and error.location.path == path
    assert str(error).startswith(path)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(YAML_TEXT)
def test_yaml_inventories_give_an_inventory_or_a_located_error(text: str) -> None:
    try:
        inventory = parse_ansible_inventory(text, "inv.yml")
    except InventoryError as error:
        _located(error, "inv.yml")
    else:
        assert isinstance(inventory, Inventory) and inventory.hosts


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(HOST_LINES)
def test_host_lists_give_an_inventory_or_a_located_error(text: str) -> None:
    try:
        inventory = parse_host_list(text, "hosts.txt")
    except InventoryError as error:
        _located(error, "hosts.txt")
    else:
        assert inventory.hosts


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(YAML_TEXT, st.booleans())
def test_variables_files_give_values_or_a_located_error(text: str, legacy: bool) -> None:
    try:
        values = parse_variables(text, "vars.yml", legacy=legacy)
    except ParseError as error:
        _located(error, "vars.yml")
    else:
        for name, resolved in values.items():
            assert isinstance(resolved.value, str)
            assert resolved.location is not None
            assert not legacy or name.startswith("PHD_VAR_")
