"""Wrong plans are refused before anything runs, and phd's own files plan as phd read them:
hostile addresses, shell control names, phd ``.variables`` files, long chains of defaults."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runbook.docutils_.loader import parse_source
from runbook.errors import InventoryError, ParseError, PlanError
from runbook.model import SourceLocation
from runbook.parsing.legacy import import_legacy
from runbook.parsing.phdvars import parse_phd_variables
from runbook.plan.build import build_plan
from runbook.plan.environment import step_environment
from runbook.plan.inventory import (
    check_address,
    inventory_from_hosts,
    load_inventory,
    parse_host_list,
)
from runbook.plan.variables import load_variables_file

QUICK = settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
HOSTILE = [
    "192.0.2.1;reboot",
    "$(reboot)",
    "`id`",
    "-oProxyCommand=touch /tmp/x",
    "-x",
    "a b",
    "a\tb",
    "node\nevil",
    "192.0.2.300",
    "999.1.1.1",
    "1.2.3",
    "a|b",
    "a&b",
    "'a'",
    "::zz",
    "a..b",
    "fe80::1%$(id)",
    "fe80::1%;x",
]


def _yaml_inventory(address: str) -> str:
    return yaml.safe_dump({"all": {"hosts": {"n1": {"ansible_host": address}}}})


@pytest.mark.parametrize("address", HOSTILE)
def test_one_address_check_for_host_lists_yaml_and_the_command_line(write, address: str) -> None:
    with pytest.raises(InventoryError) as from_hosts:
        inventory_from_hosts([address])
    assert re.search(r"is not a host name or IP address|bad address", str(from_hosts.value))
    yaml_path = write("inventory.yml", _yaml_inventory(address))
    with pytest.raises(InventoryError) as from_yaml:
        load_inventory(yaml_path)
    assert str(from_yaml.value).startswith(f"{yaml_path}:")
    assert "is not a host name or IP address" in str(from_yaml.value)


@pytest.mark.parametrize("address", [a for a in HOSTILE if not re.search(r"\s", a)])
def test_a_host_list_refuses_the_same_addresses_at_their_line(write, address: str) -> None:
    quoted = "'" + address.replace("'", "'\\''") + "'"
    path = write("hosts.txt", f"# hosts\nn1 {quoted}\n")
    with pytest.raises(InventoryError) as caught:
        load_inventory(path)
    assert str(caught.value).startswith(f"{path}:2: ")


@pytest.mark.parametrize(
    "address", ["192.0.2.11", "ctl1", "ctl1.example.com", "2001:db8::1", "node_1", "10.0.0.255"]
)
def test_ordinary_addresses_are_accepted_everywhere(write, address: str) -> None:
    assert inventory_from_hosts([address]).hosts[0].address == address
    path = write("inventory.yml", _yaml_inventory(address))
    assert load_inventory(path).hosts[0].address == address


def test_a_user_that_ssh_would_read_as_an_option_is_refused(write) -> None:
    with pytest.raises(InventoryError, match=r"hosts\.txt:1: user '-oX' is not a user name"):
        load_inventory(write("hosts.txt", "n1 192.0.2.1 user=-oX\n"))


def test_a_floating_ip_must_be_an_ip_address(write) -> None:
    path = write("hosts.txt", "* floating_ips=192.0.2.50,$(id)\nn1 192.0.2.1\n")
    with pytest.raises(InventoryError, match=r"hosts\.txt:1: floating_ips: '\$\(id\)'"):
        load_inventory(path)


_SAFE = re.compile(r"^[A-Za-z0-9_.:%-]+$")


@QUICK
@given(
    st.one_of(
        st.text(max_size=40),
        st.builds(lambda zone: f"fe80::1%{zone}", st.text(max_size=10)),
        st.from_regex(r"[0-9.]{1,20}", fullmatch=True),
    )
)
def test_an_accepted_address_holds_nothing_a_shell_or_ssh_would_read(address: str) -> None:
    try:
        check_address(address, SourceLocation("-H"))
    except InventoryError:
        return
    assert _SAFE.match(address) and not address.startswith("-")


# -- shell control names ---------------------------------------------------------------

_PAGE = """\
.. scenario:: s

.. variable:: {name}
   :default: x

.. step:: S
   :register: {register}

   true
"""


@pytest.mark.parametrize(
    ("name", "register", "message"),
    [
        ("PATH", "ok", "page.rst:3: variable name PATH controls where the shell finds commands"),
        ("IFS", "ok", "page.rst:3: variable name IFS controls how the shell splits words"),
        ("BASH_ENV", "ok", "page.rst:3: variable name BASH_ENV controls a file bash runs"),
        ("LD_PRELOAD", "ok", "page.rst:3: variable name LD_PRELOAD starts with LD_"),
        ("PS4", "ok", "page.rst:3: variable name PS4 controls the trace prefix"),
        ("fine", "SHELLOPTS", "page.rst:6: step s/1: register name SHELLOPTS controls"),
        ("fine", "RB_HOST", "page.rst:6: step s/1: register name RB_HOST is reserved"),
    ],
)
def test_shell_control_names_are_refused_with_the_reason(
    name: str, register: str, message: str
) -> None:
    (scenario,), problems = parse_source(_PAGE.format(name=name, register=register), "page.rst")
    assert problems == []
    with pytest.raises(PlanError) as caught:
        build_plan(scenario)
    assert message in str(caught.value)


def test_home_and_lang_stay_ordinary_names() -> None:
    (scenario,), _ = parse_source(_PAGE.format(name="HOME", register="LANG"), "page.rst")
    assert build_plan(scenario).variables["HOME"].value == "x"


# -- phd's .variables files ------------------------------------------------------------


def test_a_tab_indented_variables_file_plans_a_legacy_scenario(write) -> None:
    scenario = import_legacy(
        "= VARIABLES =\nPHD_VAR_network_domain\nPHD_VAR_env_configdir\n"
        "= SCRIPTS =\n....\necho $PHD_VAR_network_domain $PHD_VAR_env_configdir\n....\n",
        "x.scenario",
    ).scenario
    path = write(
        "lab.variables",
        "# the lab\nnetwork:\n\tdomain: lab.example.com\nenv:\n  configdir: '/root/cfg'\n",
    )
    plan = build_plan(scenario, inventory_from_hosts(["192.0.2.1"]), [path])
    values = {name: (v.value, str(v.location)) for name, v in plan.variables.items()}
    assert values == {
        "PHD_VAR_network_domain": ("lab.example.com", f"{path}:3"),
        "PHD_VAR_env_configdir": ("/root/cfg", f"{path}:5"),
    }


def test_yaml_refuses_what_phd_read() -> None:
    with pytest.raises(yaml.YAMLError):
        yaml.safe_load("network:\n\tdomain: x\n")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 1\n", [("a", "1")]),
        ("a:\n  b: 2\n  c:\n    d: 3\n", [("a_b", "2"), ("a_c_d", "3")]),
        ("a:\n\tb: 2\n", [("a_b", "2")]),
        ("a: \"q\"\nb: 'r'\nc: \"mixed'\n", [("a", "q"), ("b", "r"), ("c", "mixed")]),
        ("a: x # kept\n", [("a", "x # kept")]),
        ("a: [1, 2]\n", [("a", "[1, 2]")]),
        ("- item\nkey-with-dash: 1\n# c: 1\n", []),
        ("a: 1\na: 2\n", [("a", "1"), ("a", "2")]),
        ("a:\n  b:\nc: 3\n", [("c", "3")]),
    ],
)
def test_the_phd_flattener(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(v.name, v.value) for v in parse_phd_variables(text)] == expected


def test_a_name_set_twice_takes_its_last_value_as_in_phd(write) -> None:
    values = load_variables_file(write("x.variables", "a: 1\na: 2\n"), legacy=True)
    assert (values["PHD_VAR_a"].value, values["PHD_VAR_a"].location.line) == ("2", 2)


#: Keys and values YAML reads as plain strings too (no booleans, numbers or nulls).
_KEYS = st.from_regex(r"k[a-z0-9_]{0,5}", fullmatch=True)
_VALUES = st.from_regex(r"v[a-z0-9./-]{0,5}( [a-z0-9./-]{1,5})?", fullmatch=True)
_TREE = st.recursive(
    _VALUES, lambda inner: st.dictionaries(_KEYS, inner, min_size=1, max_size=3), max_leaves=8
)


def _block(tree: dict, depth: int) -> list[str]:
    lines: list[str] = []
    for key, value in tree.items():
        if isinstance(value, dict):
            lines += [f"{'  ' * depth}{key}:\n", *_block(value, depth + 1)]
        else:
            lines.append(f"{'  ' * depth}{key}: {value}\n")
    return lines


def _flatten(prefix: str, tree: object, into: dict[str, str]) -> None:
    if isinstance(tree, dict):
        for key, value in tree.items():
            _flatten(f"{prefix}{key}_", value, into)
    else:
        into[prefix[:-1]] = str(tree)


@QUICK
@given(st.dictionaries(_KEYS, _TREE, min_size=1, max_size=4))
def test_on_files_both_can_read_phd_and_yaml_flattening_agree(tree: dict) -> None:
    text = "".join(_block(tree, 0))
    assert yaml.safe_load(text) == tree
    expected: dict[str, str] = {}
    _flatten("", tree, expected)
    got = {v.name: v.value for v in parse_phd_variables(text)}
    assert got == expected


@QUICK
@given(st.text(alphabet=st.sampled_from(list("ab:#- \t\"'\n_1")), max_size=80))
def test_the_phd_flattener_never_fails(text: str) -> None:
    for value in parse_phd_variables(text):
        assert value.value and value.line >= 1


# -- long chains, long lines -----------------------------------------------------------


def test_three_thousand_chained_defaults_plan_without_a_recursion_error() -> None:
    lines = [".. scenario:: chain\n"]
    lines += [f".. variable:: v{i}\n   :default: ${{v{i + 1}}}x\n" for i in range(3000)]
    lines += [".. variable:: v3000\n   :default: end\n", ".. step:: S\n\n   echo $v0\n"]
    (scenario,), problems = parse_source("\n".join(lines), "chain.rst")
    assert problems == []
    plan = build_plan(scenario)
    assert plan.variables["v0"].value == "end" + "x" * 3000


def test_a_cycle_of_three_thousand_defaults_is_a_located_problem() -> None:
    lines = [".. scenario:: ring\n"]
    lines += [f".. variable:: v{i}\n   :default: ${{v{(i + 1) % 3000}}}\n" for i in range(3000)]
    lines += [".. step:: S\n\n   true\n"]
    _scenarios, problems = parse_source("\n".join(lines), "ring.rst")
    assert problems and all(p.location.path == "ring.rst" for p in problems)
    assert any("refer to each other" in p.message for p in problems)


@pytest.mark.parametrize("suffix", [".rst", ".md"])
def test_a_line_over_the_docutils_limit_is_a_problem_at_its_line(suffix: str) -> None:
    long = "x" * 10_001
    text = (
        f".. scenario:: s\n\n.. step:: S\n\n   echo {long}\n"
        if suffix == ".rst"
        else f"```{{scenario}} s\n```\n\n```{{step}} S\necho {long}\n```\n"
    )
    scenarios, problems = parse_source(text, f"page{suffix}")
    assert scenarios == []
    (problem,) = problems
    assert str(problem.location) == f"page{suffix}:5"
    assert "more than docutils reads (10000)" in problem.message
    assert "break the line" in problem.message


def test_a_variables_file_that_is_not_utf8_names_its_line(write, tmp_path: Path) -> None:
    path = tmp_path / "v.variables"
    path.write_bytes(b"a: 1\nb: caf\xe9\n")
    with pytest.raises(ParseError, match=r"v\.variables:2: not UTF-8 text"):
        load_variables_file(path, legacy=True)


def test_a_host_list_with_hostile_lines_is_refused_whole(write) -> None:
    with pytest.raises(InventoryError):
        parse_host_list("n1 192.0.2.1\nn2 '$(id)'\n", "hosts.txt")


@pytest.mark.parametrize("depth", [70, 300, 3000])
def test_deeply_nested_data_files_are_located_errors_not_recursion_errors(
    write, depth: int
) -> None:
    text = "".join(" " * i + "k:\n" for i in range(depth)) + " " * depth + "k: 1\n"
    with pytest.raises(ParseError, match=r"nested|too deeply"):
        load_variables_file(write("deep.yml", text), legacy=True)
    with pytest.raises(ParseError, match=r"nested|too deeply"):
        load_variables_file(write("flow.yml", "k: " + "[" * depth + "]" * depth + "\n"))


def test_a_phd_env_value_beyond_nodes_comes_from_the_inventory(write) -> None:
    imported = import_legacy(
        "= VARIABLES =\nPHD_ENV_snapshot_name\n"
        "= SCRIPTS =\n....\necho $PHD_ENV_snapshot_name\n....\n",
        "rollback.scenario",
    )
    assert "the inventory does: set PHD_ENV_snapshot_name" in imported.warnings[0].message
    inventory = load_inventory(
        write("hosts.txt", "* PHD_ENV_snapshot_name=before PHD_ENV_nodes=forged\nn1 192.0.2.1\n")
    )
    plan = build_plan(imported.scenario, inventory)
    environment = step_environment(plan, plan.steps[0], "n1")
    assert environment["PHD_ENV_snapshot_name"] == "before"
    assert environment["PHD_ENV_nodes"] == "n1"


def test_phd_variables_refer_to_each_other_as_phd_expanded_them(write) -> None:
    path = write(
        "ref.variables",
        "rpm:\n  osp: 6.0\nenv:\n  configdir: /srv/RDO-${PHD_VAR_rpm_osp}/configs\n"
        "  other: $PHD_VAR_env_configdir/x $(id) ${HOME} ${PHD_VAR_unset}.\n",
    )
    values = {n: v.value for n, v in load_variables_file(path, legacy=True).items()}
    assert values["PHD_VAR_env_configdir"] == "/srv/RDO-6.0/configs"
    assert values["PHD_VAR_env_other"] == "/srv/RDO-6.0/configs/x $(id) ${HOME} ."
