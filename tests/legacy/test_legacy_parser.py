"""The legacy phd importer: sections, blocks, targets, requirements, test scripts, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from runbook.errors import ParseError
from runbook.model import ALL, LOCAL, Target
from runbook.parsing.legacy import (
    import_legacy,
    is_secret_name,
    load_legacy,
    parse_legacy,
)

SAMPLE = """\
# Sample cluster
# Two lines of description.
# Still the description.

#################################
# Scenario Requirements Section #
#################################
= VARIABLES =

# The DNS domain
# of the cloud
PHD_VAR_network_domain
PHD_VAR_admin_password

= REQUIREMENTS =
nodes: 2
packages=pacemaker pcs
cluster_init=1

= LOCAL_VARIABLES =
greeting="hello world"
plain=x

= SCRIPTS =

# Prepare every node
# Why this matters.
target=all
....
echo one
  # dropped, even indented
echo "two # kept: not a comment line"
....

target=$PHD_ENV_nodes2
require_exitcode=3
....
exit 3
....

# Local work
target=local
....
true
....
"""


def test_sections_become_the_scenario() -> None:
    imported = import_legacy(SAMPLE, "scenarios/sample_cluster.scenario")
    scenario = imported.scenario
    assert (scenario.name, scenario.title, scenario.origin) == (
        "sample-cluster",
        "Sample cluster",
        "legacy",
    )
    assert scenario.description == "Two lines of description.\nStill the description."
    assert scenario.min_nodes == 2
    assert [(v.name, v.required, v.secret) for v in scenario.variables] == [
        ("PHD_VAR_network_domain", True, False),
        ("PHD_VAR_admin_password", True, True),
    ]
    assert scenario.variables[0].description == "The DNS domain\nof the cloud"
    assert str(scenario.variables[0].location) == "scenarios/sample_cluster.scenario:12"
    assert scenario.local_variables == (("greeting", "hello world"), ("plain", "x"))
    assert imported.requirements == (
        ("nodes", "2"),
        ("packages", "pacemaker pcs"),
        ("cluster_init", "1"),
    )
    assert imported.warnings == ()


def test_blocks_become_steps_with_titles_prose_targets_and_exit_codes() -> None:
    steps = import_legacy(SAMPLE, "s.scenario").scenario.steps
    packages, prepare, second, local = steps
    assert packages.title == "Install the required packages"
    assert "apt-get install -y pacemaker pcs" in packages.script
    assert packages.guard is not None and packages.verify is not None
    assert packages.guard == packages.verify.command
    assert (prepare.title, prepare.prose, prepare.target) == (
        "Prepare every node",
        "Why this matters.",
        ALL,
    )
    assert prepare.script == 'echo one\necho "two # kept: not a comment line"'
    assert str(prepare.location) == "s.scenario:29"
    assert (second.title, second.target, second.options.expect_exit) == (
        "Script block 2",
        Target("node", index=2),
        3,
    )
    assert (local.title, local.target, local.options.expect_exit) == ("Local work", LOCAL, 0)
    assert [step.id for step in steps] == ["s/1", "s/2", "s/3", "s/4"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("all", ALL),
        ("local", LOCAL),
        ("$PHD_ENV_nodes", ALL),
        ("$PHD_ENV_nodes1", Target("node", index=1)),
        ("${PHD_ENV_nodes12}", Target("node", index=12)),
        ("db1", Target("host", hosts=("db1",))),
        ('"db1 db2.example.com"', Target("host", hosts=("db1", "db2.example.com"))),
    ],
)
def test_target_forms(value: str, expected: Target) -> None:
    text = f"= SCRIPTS =\ntarget={value}\n....\ntrue\n....\n"
    assert import_legacy(text, "t.scenario").scenario.steps[0].target == expected


def test_attributes_apply_to_the_next_block_only() -> None:
    text = "= SCRIPTS =\ntarget=local\nrequire_exitcode=1\n....\nfalse\n....\n....\ntrue\n....\n"
    first, second = import_legacy(text, "t.scenario").scenario.steps
    assert (first.target, first.options.expect_exit) == (LOCAL, 1)
    assert (second.target, second.options.expect_exit) == (ALL, 0)


def test_windows_line_endings_are_read() -> None:
    text = "= SCRIPTS =\r\ntarget=local\r\n....\r\necho hi\r\n....\r\n"
    step = import_legacy(text, "t.scenario").scenario.steps[0]
    assert (step.target, step.script) == (LOCAL, "echo hi")


def test_unknown_keys_are_kept_and_reported_as_warnings() -> None:
    text = (
        "= REQUIREMENTS =\nwidgets: 3\n= SCRIPTS =\nbogus=1\n....\necho $PHD_VAR_undeclared\n....\n"
        "target=all\n"
    )
    imported = import_legacy(text, "w.scenario")
    assert imported.requirements == (("widgets", "3"),)
    assert [str(warning) for warning in imported.warnings] == [
        "w.scenario:2: unknown requirement 'widgets' kept as information only",
        "w.scenario:4: unknown block attribute 'bogus' is ignored",
        "w.scenario:8: target= is not followed by a '....' block; it is ignored",
        "w.scenario:5: the script uses PHD_VAR_undeclared, which VARIABLES does not declare; "
        "it is empty unless a variables file sets it",
    ]


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("PHD_VAR_admin_password", True),
        ("PHD_VAR_db_passwd", True),
        ("PHD_VAR_ssh_key", True),
        ("PHD_VAR_fernet_keys", True),
        ("PHD_VAR_auth_token", True),
        ("PHD_VAR_rabbit_secret", True),
        ("PHD_VAR_dbpassword", True),
        ("PHD_VAR_keystone_url", False),
        ("PHD_VAR_network_domain", False),
        ("PHD_VAR_tokenizer", False),
    ],
)
def test_secret_names(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


def test_the_test_script_beside_the_file_becomes_the_final_step(tmp_path: Path) -> None:
    path = tmp_path / "web.scenario"
    path.write_text("= SCRIPTS =\n....\ntrue\n....\n", encoding="utf-8")
    (tmp_path / "web-test.sh").write_text("#!/bin/bash\ncurl -fs localhost\n", encoding="utf-8")
    scenario = load_legacy(path).scenario
    assert scenario.verification_script == "#!/bin/bash\ncurl -fs localhost\n"
    last = scenario.steps[-1]
    assert (last.index, last.title, last.target) == (2, "Run the scenario's test script", ALL)
    assert last.script == "#!/bin/bash\ncurl -fs localhost"
    assert last.options.no_verify == "this step is the scenario's test script (web-test.sh)"
    assert str(last.location) == f"{tmp_path / 'web-test.sh'}:1"
    assert parse_legacy(path.read_text(), str(path)) == scenario


def test_an_explicit_test_script_and_name(tmp_path: Path) -> None:
    path = tmp_path / "web.scenario"
    path.write_text("= SCRIPTS =\n....\ntrue\n....\n", encoding="utf-8")
    (tmp_path / "checks.sh").write_text("true\n", encoding="utf-8")
    scenario = load_legacy(path, name="web-legacy", test_script=tmp_path / "checks.sh").scenario
    assert scenario.name == "web-legacy"
    assert scenario.steps[-1].id == "web-legacy/2"


def test_without_a_test_script_there_is_no_final_step(tmp_path: Path) -> None:
    path = tmp_path / "web.scenario"
    path.write_text("= SCRIPTS =\n....\ntrue\n....\n", encoding="utf-8")
    scenario = load_legacy(path).scenario
    assert (len(scenario.steps), scenario.verification_script) == (1, None)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "= SCRIPTS =\ntarget=$PHD_VAR_host\n....\ntrue\n....\n",
            "f.scenario:2: unknown target '$PHD_VAR_host'",
        ),
        ("= SCRIPTS =\ntarget=\n....\ntrue\n....\n", "f.scenario:2: target= needs a value"),
        (
            "= SCRIPTS =\ntarget=$PHD_ENV_nodes0\n....\ntrue\n....\n",
            "f.scenario:2: nodes are counted from 1",
        ),
        (
            "= SCRIPTS =\nrequire_exitcode=x\n....\ntrue\n....\n",
            "f.scenario:2: require_exitcode must be 0-255",
        ),
        (
            "= SCRIPTS =\n....\n# only a comment\n\n....\n",
            "f.scenario:2: the step has an empty script",
        ),
        ("= VARIABLES =\nnot a name\n", "f.scenario:2: 'not a name' is not a variable name"),
        (
            "= REQUIREMENTS =\nnodes: many\n= SCRIPTS =\n....\ntrue\n....\n",
            "f.scenario:2: nodes must be a whole number",
        ),
        ("= REQUIREMENTS =\npackages: ok ;rm\n", "f.scenario:2: ';rm' is not a package name"),
        ("= SCRIPTS =\n....\nec\0ho\n....\n", "f.scenario:3: the file contains a NUL byte"),
    ],
)
def test_errors_name_the_file_and_line(text: str, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        import_legacy(text, "f.scenario")
    assert str(caught.value).startswith(message)


def test_an_unreadable_file_is_a_parse_error(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="cannot read"):
        load_legacy(tmp_path / "absent.scenario")
