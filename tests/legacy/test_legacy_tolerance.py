"""The import accepts what phd accepted (with a warning where phd was lenient), refuses
names that would steer the shell, and names scenarios by the guide's rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from runbook.docutils_.loader import load_scenario
from runbook.errors import ParseError
from runbook.parsing.legacy import import_legacy, load_legacy

BLOCK = "= SCRIPTS =\n....\ntrue\n....\n"


def _warnings(text: str) -> list[str]:
    return [str(warning) for warning in import_legacy(text, "f.scenario").warnings]


def test_a_scenario_of_only_cluster_init_requires_the_cluster_scenario() -> None:
    scenario = import_legacy("= REQUIREMENTS =\ncluster_init=1\n", "cluster-up.scenario").scenario
    assert (scenario.name, scenario.steps) == ("cluster-up", ())
    assert scenario.requires == ("basic-cluster",)


def test_cluster_init_with_blocks_keeps_the_blocks_and_the_requirement() -> None:
    text = "= REQUIREMENTS =\ncluster_init: 1\n" + BLOCK
    scenario = import_legacy(text, "x.scenario").scenario
    assert scenario.requires == ("basic-cluster",)
    assert len(scenario.steps) == 1


def test_basic_cluster_itself_does_not_require_itself() -> None:
    text = "= REQUIREMENTS =\ncluster_init=1\n"
    scenario = import_legacy(text, "basic-cluster.scenario").scenario
    assert scenario.requires == ()


@pytest.mark.parametrize(
    ("text", "warning"),
    [
        ("= REQUIREMENTS =\ncluster_init=0\n", "f.scenario:1: the file has no script blocks"),
        ("= VARIABLES =\nPHD_VAR_x\n", "f.scenario:1: the file has no script blocks"),
        ("= SCRIPTS =\n# nothing\n", "f.scenario:1: the file has no script blocks"),
    ],
)
def test_a_file_without_blocks_is_a_scenario_with_nothing_to_run(text: str, warning: str) -> None:
    imported = import_legacy(text, "f.scenario")
    assert imported.scenario.steps == ()
    assert [str(w) for w in imported.warnings if str(w).startswith(warning)]


@pytest.mark.parametrize(
    ("text", "warning", "steps"),
    [
        (
            "= SCRIPTS =\n\n....\necho hi\n",
            "f.scenario:3: this '....' block is never closed (no second '....' line); phd ran it",
            ["echo hi"],
        ),
        ("echo hi\n" + BLOCK, "f.scenario:1: text before the first section header", ["true"]),
        ("= STUFF =\n" + BLOCK, "f.scenario:1: unknown section 'STUFF'", ["true"]),
        (
            "= SCRIPTS =\necho hi\n....\ntrue\n....\n",
            "f.scenario:2: expected key=value before a '....' block, found 'echo hi'; the line",
            ["true"],
        ),
        ("= REQUIREMENTS =\nnodes\n" + BLOCK, "f.scenario:2: expected key=value or", ["true"]),
        (
            "= LOCAL_VARIABLES =\n1x=2\n" + BLOCK,
            "f.scenario:2: '1x' is not a shell variable name; the line is ignored",
            ["true"],
        ),
        ("= LOCAL_VARIABLES =\njust_a_name\n" + BLOCK, "f.scenario:2: expected key=", ["true"]),
        (
            "= LOCAL_VARIABLES =\nBASH_FUNC_ls%%=x\n" + BLOCK,
            "f.scenario:2: 'BASH_FUNC_ls%%' is not a shell variable name; the line is ignored",
            ["true"],
        ),
    ],
)
def test_what_phd_logged_and_ran_past_is_a_warning(
    text: str, warning: str, steps: list[str]
) -> None:
    imported = import_legacy(text, "f.scenario")
    assert [step.script for step in imported.scenario.steps] == steps
    assert any(str(w).startswith(warning) for w in imported.warnings), imported.warnings


@pytest.mark.parametrize("header", ["=SCRIPTS=", "== SCRIPTS ==", "= SCRIPTS", "=scripts="])
def test_section_headers_are_read_as_loosely_as_phd_read_them(header: str) -> None:
    imported = import_legacy(f"{header}\n....\ntrue\n....\n", "f.scenario")
    assert [step.script for step in imported.scenario.steps] == ["true"]
    assert imported.warnings == ()


def test_a_variable_declared_twice_is_a_warning_and_kept_once() -> None:
    text = "= VARIABLES =\nPHD_VAR_a\nPHD_VAR_a\n" + BLOCK
    imported = import_legacy(text, "f.scenario")
    assert [v.name for v in imported.scenario.variables] == ["PHD_VAR_a"]
    assert _warnings(text) == [
        "f.scenario:3: variable PHD_VAR_a is declared twice (first at f.scenario:2); "
        "phd allowed it, the second is ignored"
    ]


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("PHD_ENV_nodes", "is set by the plan from the inventory"),
        ("PHD_ENV_nodes2", "is set by the plan from the inventory"),
        ("PHD_ENV_floating_ips", "is set by the plan from the inventory"),
        ("PHD_ENV_shared_dev", "phd filled PHD_ENV_shared_dev from its cluster definition"),
    ],
)
def test_a_phd_env_name_in_variables_is_a_warning_not_a_required_variable(
    name: str, said: str
) -> None:
    text = f"= VARIABLES =\n{name}\n" + BLOCK
    imported = import_legacy(text, "f.scenario")
    assert imported.scenario.variables == ()
    (warning,) = _warnings(text)
    assert warning.startswith("f.scenario:2: ") and said in warning


def test_a_shell_control_name_in_variables_is_a_warning_and_never_asked_for() -> None:
    text = "= VARIABLES =\nPATH\nLD_PRELOAD\n" + BLOCK
    assert import_legacy(text, "f.scenario").scenario.variables == ()
    assert [w.split(": ", 1)[0] for w in _warnings(text)] == ["f.scenario:2", "f.scenario:3"]
    assert "PATH controls where the shell finds commands" in _warnings(text)[0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("= VARIABLES =\nRB_HOST\n", "f.scenario:2: variable name RB_HOST is reserved"),
        ("= LOCAL_VARIABLES =\nRB_X=1\n", "f.scenario:2: LOCAL_VARIABLES name RB_X is reserved"),
        ("= LOCAL_VARIABLES =\nPHD_ENV_nodes=a\n", "f.scenario:2: LOCAL_VARIABLES name PHD_ENV_"),
        ("= LOCAL_VARIABLES =\nPATH=/bin\n", "f.scenario:2: LOCAL_VARIABLES name PATH controls"),
        ("= LOCAL_VARIABLES =\nIFS=x\n", "f.scenario:2: LOCAL_VARIABLES name IFS controls how"),
        (
            "= LOCAL_VARIABLES =\nLD_AUDIT=x\n",
            "f.scenario:2: LOCAL_VARIABLES name LD_AUDIT starts with LD_",
        ),
    ],
)
def test_reserved_and_shell_names_are_refused_at_their_line(text: str, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        import_legacy(text + BLOCK, "f.scenario")
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("file_name", "name"),
    [
        ("My Cluster.scenario", "my-cluster"),
        ("my_cluster.scenario", "my-cluster"),
        ("HA--Setup  2.scenario", "ha-setup-2"),
        ("_x_.scenario", "x"),
    ],
)
def test_a_file_name_becomes_a_name_the_rest_of_the_tool_accepts(
    tmp_path: Path, file_name: str, name: str
) -> None:
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    (tmp_path / "docs").mkdir()
    (scenarios / file_name).write_text(BLOCK, encoding="utf-8")
    assert load_legacy(scenarios / file_name).scenario.name == name
    found = load_scenario(name, docs_dir=tmp_path / "docs", scenarios_dir=scenarios)
    assert found.name == name
    assert found.steps[0].id == f"{name}/1"


@pytest.mark.parametrize("file_name", ["___.scenario", "é.scenario", " .scenario"])
def test_a_file_name_without_letters_or_digits_is_refused(file_name: str) -> None:
    with pytest.raises(ParseError, match="gives no scenario name"):
        import_legacy(BLOCK, file_name)


def test_an_explicit_name_must_follow_the_rule() -> None:
    with pytest.raises(ParseError, match="must be lower-case letters"):
        import_legacy(BLOCK, "x.scenario", name="Bad Name")
