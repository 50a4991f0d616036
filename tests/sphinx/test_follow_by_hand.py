"""A reader following a scenario page by hand gets every value its steps read, and the
"Run it" commands work as printed (checked against the real argument parser and bash)."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest
from docutils import nodes

from runbook.cli.main import build_parser
from runbook.docutils_.loader import load_guide
from runbook.docutils_.render import (
    export_block,
    plan_values_read,
    run_commands,
    step_variables,
)

ROOT = Path(__file__).resolve().parents[2]
GUIDE = load_guide(ROOT / "docs")
SCENARIOS = sorted(GUIDE.scenarios)
READS = re.compile(r"\$\{?(RB_[A-Z0-9_]+)")


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_export_block_gives_every_runner_value_a_step_reads(name):
    scenario = GUIDE.scenarios[name]
    commands = [step.script for step in scenario.steps] + [
        step.verify.command for step in scenario.steps if step.verify is not None
    ]
    read = {m.group(1) for text in commands for m in READS.finditer(text)}
    exported = {
        line.split("=", 1)[0].removeprefix("export ")
        for line in export_block(scenario).splitlines()
    }
    assert read <= exported, sorted(read - exported)
    assert set(plan_values_read(scenario)) >= read


def test_per_host_values_are_marked_and_placeholders_are_refused_by_the_shell():
    scenario = GUIDE.scenarios["basic-cluster"]
    lines = export_block(scenario).splitlines()
    rb_lines = [line for line in lines if line.startswith("export RB_")]
    assert rb_lines, "basic-cluster reads runner values"
    for line in rb_lines:
        assert "<" in line and "  # " in line, line
        if "RB_HOST=" in line or "RB_ADDRESS=" in line:
            assert "per host" in line
        # Pasted unchanged, a placeholder line must fail rather than export its text.
        result = subprocess.run(["bash", "-c", line], capture_output=True, text=True, check=False)
        assert result.returncode != 0, line


@pytest.mark.parametrize("name", SCENARIOS)
def test_run_it_commands_parse_with_the_real_parser(name):
    scenario = GUIDE.scenarios[name]
    parser = build_parser()
    for _label, command in run_commands(scenario):
        words = shlex.split(command)
        if words[0] == "make":
            assert words[1:] == ["run", f"SCENARIO={name}"]
            continue
        assert words[0] == "runbook"
        args = parser.parse_args(words[1:])
        assert args.scenario == name
        needs_values = any(v.default is None or v.secret for v in scenario.variables)
        if words[1] == "run":
            assert ("VARS.yml" in args.extra_vars) == needs_values
            assert args.with_deps == bool(scenario.requires)
        else:
            assert args.extra_vars == ["scenarios/vars/testbed.yml"]
            assert (ROOT / "scenarios/vars/testbed.yml").is_file()


def test_step_cards_name_the_variables_each_step_reads():
    scenario = GUIDE.scenarios["galera"]
    reads = {step.index: step_variables(step, scenario) for step in scenario.steps}
    assert reads[1] == []
    assert reads[3] == ["galera_cluster_name", "RB_ADDRESS", "RB_HOST", "RB_NODES"]
    assert reads[6][0] == "vip" and "keystone_db_password" in reads[6]


def test_step_cards_say_which_group_the_hosts_come_from(build):
    doctree = build("rst").env.get_doctree("galera")
    facts = [
        node.astext()
        for node in doctree.findall(nodes.field_list)
        if "rb-step-facts" in node["classes"]
    ]
    assert [fact.split("\n\n")[1] for fact in facts] == [
        "every host of the group controllers",
        "the first host of the group controllers",
        "every host of the group controllers",
        "every host of the group controllers",
    ]


def test_a_step_card_lists_declared_registered_and_runner_values_in_that_order():
    scenario = GUIDE.scenarios["galera"]
    reads = {step.id: step_variables(step, scenario) for step in scenario.steps}
    assert any(reads.values()), "galera's steps read variables"
    for names in reads.values():
        kinds = [
            0 if n in {v.name for v in scenario.variables} else 2 if n.startswith("RB_") else 1
            for n in names
        ]
        assert kinds == sorted(kinds)
