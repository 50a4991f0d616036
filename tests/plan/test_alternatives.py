"""Alternatives: scenarios that provide the same thing (``:provides: vip``), one deployed.

The graph's rules as values, then the command line on a small guide whose steps run on
this machine: ``--with-deps`` deploys the alternative asked for (else the one already
deployed, else the first), and the second alternative on the same inventory is refused
before anything runs.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from runbook.model import Scenario, ScenarioGraph, SourceLocation

from .helpers import runbook_in


def scenario(name: str, requires: str = "", provides: str = "") -> Scenario:
    return Scenario(
        name=name,
        title=name.title(),
        steps=(),
        requires=tuple(filter(None, requires.split(","))),
        provides=tuple(filter(None, provides.split(","))),
        location=SourceLocation(f"docs/{name}.rst", 1),
    )


def graph(*scenarios: Scenario, **choices: str) -> ScenarioGraph:
    return ScenarioGraph({s.name: s for s in scenarios}, choices)


GUIDE = graph(
    scenario("cluster"),
    scenario("lb", "cluster", "vip"),
    scenario("keepalived", "", "vip"),
    scenario("api", "vip"),
)


def test_a_requirement_on_what_is_provided_goes_to_the_first_provider_by_default():
    assert GUIDE.alternatives() == {"vip": ["lb", "keepalived"]}
    assert GUIDE.meets("vip") == ["lb", "keepalived"]
    assert GUIDE.requirements("api") == ["cluster", "lb"]
    assert GUIDE.deployment() == ["cluster", "lb", "api"]
    assert GUIDE.set_aside() == ["keepalived"]
    assert GUIDE.instead("lb") == [("vip", "keepalived")]
    assert GUIDE.problems() == []


def test_a_choice_changes_the_order_and_what_is_set_aside():
    chosen = ScenarioGraph(GUIDE.scenarios, {"vip": "keepalived"})
    assert chosen.requirements("api") == ["keepalived"]
    assert chosen.deployment() == ["cluster", "keepalived", "api"]
    assert chosen.set_aside() == ["lb"]


def test_every_alternative_is_needed_by_what_requires_the_thing_provided():
    needed = GUIDE.needed_by()
    assert needed["lb"] == needed["keepalived"] == ["api"]


def test_an_alternative_required_by_name_is_never_set_aside():
    named = graph(*GUIDE.scenarios.values(), scenario("db", "lb"))
    assert "lb" in named.deployment() and "keepalived" not in named.deployment()
    chosen = ScenarioGraph(named.scenarios, {"vip": "keepalived"})
    assert chosen.set_aside() == []  # lb is required by db by name


def test_nothing_provides_it_is_an_unknown_requirement_and_a_clash_is_a_problem():
    problems = graph(scenario("api", "vip"), scenario("lb", "", "api")).problems()
    assert [p.message for p in problems] == [
        "scenario 'api' requires 'vip', which is not a scenario of the guide nor provided by "
        "one; correct the name or remove it from :requires:",
        "scenario 'lb' provides 'api', which is the name of a scenario; name what it provides "
        "differently",
    ]


def test_a_scenario_cannot_provide_its_own_name():
    with pytest.raises(ValueError, match="its own name"):
        scenario("lb", "", "lb")


PAGE = """\
{name}
{underline}

.. scenario:: {name}
{options}
.. step:: Leave a mark
   :target: local
   :verify: test -f "$mark"

   touch "$mark"

.. variable:: mark
   :default: {marks}/{name}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    docs = tmp_path / "project" / "docs"
    docs.mkdir(parents=True)
    marks = tmp_path / "marks"
    marks.mkdir()
    pages = {
        "lb": "   :provides: vip\n",
        "keepalived": "   :provides: vip\n",
        "api": "   :requires: vip\n",
    }
    for name, options in pages.items():
        (docs / f"{name}.rst").write_text(
            PAGE.format(name=name, underline="=" * len(name), options=options, marks=marks)
        )
    (tmp_path / "project" / "inventory.yml").write_text(
        "all:\n  hosts:\n    node1:\n      ansible_host: 192.0.2.1\n"
    )
    return tmp_path / "project"


def runbook(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return runbook_in(project, *args, "-i", "inventory.yml")


def test_with_deps_deploys_the_alternative_asked_for(project: Path):
    result = runbook(project, "run", "api", "--with-deps", "--use", "lb")
    assert result.returncode == 0, result.stdout + result.stderr
    marks = project.parent / "marks"
    assert sorted(path.name for path in marks.iterdir()) == ["api", "lb"]


def test_with_deps_deploys_the_first_alternative_when_none_is_asked_for(project: Path):
    """This guide has no index, so its order is its files': keepalived.rst before lb.rst."""
    result = runbook(project, "run", "api", "--with-deps")
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(p.name for p in (project.parent / "marks").iterdir()) == ["api", "keepalived"]


def test_the_second_alternative_is_refused_before_anything_runs(project: Path):
    assert runbook(project, "run", "lb").returncode == 0
    result = runbook(project, "run", "keepalived")
    assert result.returncode == 3
    assert (
        "scenario keepalived provides vip, which lb already provides on this inventory"
        in result.stderr
    )
    assert not (project.parent / "marks" / "keepalived").exists()
    # What requires vip is met by lb, the one deployed, without --with-deps.
    assert runbook(project, "run", "api").returncode == 0


def test_asking_for_something_that_is_no_alternative_is_refused(project: Path):
    result = runbook(project, "run", "api", "--with-deps", "--use", "api")
    assert result.returncode == 3
    assert (
        "--use api: not an alternative that api requires (its alternatives: vip: keepalived, lb)"
        in (result.stderr)
    )
    assert not list((project.parent / "marks").iterdir())


def test_the_default_is_the_alternative_some_scenario_requires_by_name():
    named = graph(
        scenario("keepalived", "", "vip"), scenario("lb", "", "vip"), scenario("db", "lb")
    )
    assert named.chosen("vip") == "lb"
    assert named.deployment() == ["lb", "db"]
    assert named.set_aside() == ["keepalived"]


def test_with_deps_never_adds_a_second_provider_to_one_required_by_name(project: Path):
    """keystone's shape: it requires vip, and galera, which requires lb by name."""
    docs = project / "docs"
    marks = project.parent / "marks"
    for name, options in {"db": "   :requires: lb\n", "app": "   :requires: db, vip\n"}.items():
        (docs / f"{name}.rst").write_text(
            PAGE.format(name=name, underline="=" * len(name), options=options, marks=marks)
        )
    result = runbook(project, "run", "app", "--with-deps")
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(path.name for path in marks.iterdir()) == ["app", "db", "lb"]
