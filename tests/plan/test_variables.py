"""Variables: files, -e, precedence, ${name} defaults, legacy flattening, secrets, errors."""

from __future__ import annotations

import pytest

from runbook.errors import ParseError, PlanError
from runbook.model import MASK, Secret
from runbook.plan.build import build_plan
from runbook.plan.inventory import parse_ansible_inventory
from runbook.plan.variables import (
    legacy_name,
    load_variables_file,
    parse_cli_var,
    parse_variables,
    split_extra_vars,
)

from .helpers import make_scenario, variable

INVENTORY_WITH = """\
all:
  vars: {region: from-inventory}
  hosts:
    node1:
    node2: {region: from-host}
"""


@pytest.mark.parametrize(
    ("default", "files", "in_inventory", "cli", "expected", "source"),
    [
        ("d", [], False, None, "d", "default"),
        ("d", ["region: f1"], False, None, "f1", "file"),
        ("d", ["region: f1", "region: f2"], False, None, "f2", "file"),
        ("d", ["region: f1", "other: x"], False, None, "f1", "file"),
        ("d", ["region: f1"], True, None, "from-inventory", "inventory"),
        ("d", [], True, "c", "c", "cli"),
        ("d", ["region: f1"], True, "c", "c", "cli"),
        (None, ["region: f1"], False, None, "f1", "file"),
        (None, [], False, "c", "c", "cli"),
    ],
)
def test_precedence_default_file_inventory_cli(
    write, default, files, in_inventory, cli, expected, source
) -> None:
    scenario = make_scenario(variables=(variable("region", default),))
    paths = [write(f"vars{n}.yml", text) for n, text in enumerate(files)]
    inventory = parse_ansible_inventory(INVENTORY_WITH, "inv.yml") if in_inventory else None
    plan = build_plan(scenario, inventory, paths, {"region": cli} if cli else {})
    assert plan.variables["region"].value == expected
    assert plan.variables["region"].source == source


def test_a_file_value_records_its_line(write) -> None:
    path = write("vars.yml", "# values\nregion: eu\n")
    plan = build_plan(make_scenario(variables=(variable("region"),)), files=[path])
    assert str(plan.variables["region"].location) == f"{path}:2"


def test_plain_values_keep_the_text_written(write) -> None:
    path = write("vars.yml", "mode: 0755\nversion: 1.10\nflag: yes\nnames: [a, 2, b]\nempty: ''\n")
    values = load_variables_file(path)
    assert {name: v.value for name, v in values.items()} == {
        "mode": "0755",
        "version": "1.10",
        "flag": "true",
        "names": "a 2 b",
        "empty": "",
    }


def test_legacy_files_flatten_nested_keys_with_the_prefix(write) -> None:
    text = (
        "network:\n  domain: example.com\n  dns: [192.0.2.1, 192.0.2.2]\n"
        "PHD_VAR_x: kept\nplain: p\n"
    )
    values = load_variables_file(write("vars.yml", text), legacy=True)
    assert {name: v.value for name, v in values.items()} == {
        "PHD_VAR_network_domain": "example.com",
        "PHD_VAR_network_dns": "192.0.2.1 192.0.2.2",
        "PHD_VAR_x": "kept",
        "PHD_VAR_plain": "p",
    }
    assert values["PHD_VAR_network_domain"].location.line == 2


@pytest.mark.parametrize(
    ("text", "legacy", "message"),
    [
        ("db:\n  host: x\n", False, "vars.yml:1: db is a mapping; a variable holds one value"),
        ("x: [[1], 2]\n", False, "vars.yml:1: x is a list of lists or mappings"),
        ("x:\n", False, "vars.yml:1: x has no value; write '' for an empty one"),
        ("my-var: 1\n", False, "vars.yml:1: 'my-var' is not a variable name"),
        ("- a\n", False, "vars.yml:1: a variables file is a mapping"),
        ("a: 1\na: 2\n", False, "vars.yml:2: duplicate key 'a' (first at line 1)"),
        ("a_b: 1\na:\n  b: 2\n", True, "vars.yml:3: PHD_VAR_a_b is set twice (also at vars.yml:1)"),
        (
            "a:\n  b:\n    - {c: 1}\n",
            True,
            "vars.yml:2: PHD_VAR_a_b is a list of lists or mappings",
        ),
        ("a: !!python/name:os.system\n", False, "vars.yml:1: unsupported YAML tag"),
        ("a: &x [*x]\n", False, "vars.yml:1: an alias refers to a value that contains it"),
    ],
)
def test_variables_file_errors_name_file_and_line(text: str, legacy: bool, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_variables(text, "vars.yml", legacy=legacy)
    assert message in str(caught.value)


def test_an_empty_variables_file_sets_nothing(write) -> None:
    assert load_variables_file(write("vars.yml", "# nothing yet\n")) == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a=1", ("a", "1")),
        ("a=", ("a", "")),
        ("url=http://x/?a=b", ("url", "http://x/?a=b")),
        ("msg=it's $(not run) `either`", ("msg", "it's $(not run) `either`")),
    ],
)
def test_cli_assignments(text: str, expected: tuple[str, str]) -> None:
    assert parse_cli_var(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [("novalue", "expected key=value"), ("1a=2", "is not a variable name"), ("a=b\0", "NUL")],
)
def test_bad_cli_assignments(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_cli_var(text)


def test_extra_vars_split_into_files_and_pairs_in_order() -> None:
    files, pairs = split_extra_vars(["a.yml", "x=1", "@b.yaml", "dir/c=d.yml", "x=2"])
    assert [str(path) for path in files] == ["a.yml", "b.yaml", "dir/c=d.yml"]
    assert pairs == {"x": "2"}


def test_legacy_cli_names_get_the_prefix_once() -> None:
    assert legacy_name("network_domain") == "PHD_VAR_network_domain"
    assert legacy_name("PHD_VAR_network_domain") == "PHD_VAR_network_domain"


def test_defaults_expand_references_after_precedence() -> None:
    scenario = make_scenario(
        variables=(
            variable("vip", "192.0.2.10", line=3),
            variable("url", "http://${vip}:5000/v3", line=4),
            variable("public", "${url}", line=5),
        )
    )
    plan = build_plan(scenario, cli_vars={"vip": "198.51.100.1"})
    assert plan.variables["url"].value == "http://198.51.100.1:5000/v3"
    assert plan.variables["public"].value == "http://198.51.100.1:5000/v3"
    assert plan.variables["url"].source == "default"


def test_a_default_built_from_a_secret_is_secret() -> None:
    scenario = make_scenario(
        variables=(variable("password", secret=True), variable("auth", "root:${password}"))
    )
    plan = build_plan(scenario, cli_vars={"password": "hunter2"})
    auth = plan.variables["auth"].value
    assert isinstance(auth, Secret)
    assert auth.reveal() == "root:hunter2"
    assert str(auth) == MASK


def test_a_secret_given_on_the_command_line_is_wrapped() -> None:
    plan = build_plan(
        make_scenario(variables=(variable("token", secret=True),)), cli_vars={"token": "t0k"}
    )
    assert isinstance(plan.variables["token"].value, Secret)


def test_a_default_that_needs_a_missing_value_stays_unresolved() -> None:
    scenario = make_scenario(variables=(variable("vip"), variable("url", "http://${vip}/")))
    plan = build_plan(scenario)
    assert "vip" not in plan.variables and "url" not in plan.variables
    with pytest.raises(PlanError, match="required variable vip has no value"):
        build_plan(scenario, require_values=True)


def test_reference_problems_name_the_declaration() -> None:
    scenario = make_scenario(
        variables=(
            variable("a", "${nope}", line=7),
            variable("b", "${c}", line=8),
            variable("c", "${b}", line=9),
        )
    )
    with pytest.raises(PlanError) as caught:
        build_plan(scenario)
    message = str(caught.value)
    assert "docs/sample.rst:7: the default of a refers to an undeclared variable ${nope}" in message
    assert "refer to each other: b -> c -> b" in message


def test_undeclared_values_are_not_exported_for_native_scenarios(write) -> None:
    path = write("vars.yml", "region: eu\nunrelated: x\nfor_legacy:\n  nested: 1\n")
    plan = build_plan(make_scenario(variables=(variable("region"),)), files=[path])
    assert set(plan.variables) == {"region"}


def test_a_declared_variable_with_a_mapping_value_is_refused(write) -> None:
    path = write("vars.yml", "other:\n  nested: 1\nregion:\n  name: eu\n")
    with pytest.raises(PlanError, match=r"vars\.yml:3: region is a mapping"):
        build_plan(make_scenario(variables=(variable("region"),)), files=[path])


def test_nul_in_a_cli_value_is_refused() -> None:
    with pytest.raises(PlanError, match="contains a NUL byte"):
        build_plan(make_scenario(variables=(variable("x"),)), cli_vars={"x": "a\0b"})
