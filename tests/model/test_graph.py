"""The scenario graph: the one place ``requires`` is judged and ordered."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from runbook.model import ProblemCode, Scenario, ScenarioGraph, SourceLocation


def scenario(name: str, *requires: str, line: int = 1) -> Scenario:
    return Scenario(
        name=name,
        title=name,
        steps=(),
        requires=requires,
        location=SourceLocation(f"docs/{name}.rst", line),
    )


def graph(*scenarios: Scenario) -> ScenarioGraph:
    return ScenarioGraph({s.name: s for s in scenarios})


def messages(of: ScenarioGraph) -> list[str]:
    return [str(problem) for problem in of.problems()]


def test_a_guide_without_requirement_problems_has_none() -> None:
    assert graph(scenario("a"), scenario("b", "a")).problems() == []


def test_a_cycle_of_two_names_each_declaration() -> None:
    assert messages(graph(scenario("a", "b", line=4), scenario("b", "a", line=7))) == [
        "docs/a.rst:4: error: scenarios require each other in a cycle: a (docs/a.rst:4) -> "
        "b (docs/b.rst:7) -> a; remove one of these requirements [runbook.requires]"
    ]


def test_a_cycle_of_three_is_reported_once_at_the_name_that_sorts_first() -> None:
    found = graph(scenario("c", "a"), scenario("b", "c"), scenario("a", "b")).problems()
    assert [(str(p.location), p.code) for p in found] == [("docs/a.rst:1", ProblemCode.REQUIRES)]
    assert "a (docs/a.rst:1) -> b (docs/b.rst:1) -> c (docs/c.rst:1) -> a;" in found[0].message


def test_a_scenario_requiring_itself_is_a_cycle_of_one() -> None:
    assert graph(scenario("a", "a")).cycles() == [("a",)]
    assert "cycle: a (docs/a.rst:1) -> a;" in messages(graph(scenario("a", "a")))[0]


def test_an_unknown_requirement_is_reported_at_the_scenario_naming_it() -> None:
    (problem,) = graph(scenario("lb", "vip", line=3)).problems()
    assert str(problem) == (
        "docs/lb.rst:3: error: scenario 'lb' requires 'vip', which is not a scenario of the "
        "guide nor provided by one; correct the name or remove it from :requires: "
        "[runbook.requires]"
    )


def test_part_of_a_guide_tolerates_requirements_outside_it_but_not_cycles() -> None:
    assert graph(scenario("lb", "vip")).problems(complete=False) == []
    assert len(graph(scenario("a", "b"), scenario("b", "a")).problems(complete=False)) == 1


def test_the_deployment_order_puts_requirements_first_and_keeps_guide_order() -> None:
    guide = graph(scenario("galera", "lb"), scenario("lb"), scenario("x"), scenario("y", "x"))
    assert guide.order() == ["lb", "galera", "x", "y"]
    assert guide.order() == guide.order()


def test_a_diamond_places_the_shared_requirement_once_before_both() -> None:
    guide = graph(
        scenario("top", "left", "right"),
        scenario("left", "base"),
        scenario("right", "base"),
        scenario("base"),
    )
    assert guide.order() == ["base", "left", "right", "top"]
    assert guide.requirements("top") == ["base", "left", "right"]
    assert guide.requirements("left") == ["base"]
    assert guide.needed_by() == {
        "top": [],
        "left": ["top"],
        "right": ["top"],
        "base": ["left", "right"],
    }
    assert guide.problems() == []


def test_the_order_is_defined_even_with_a_cycle_and_names_everything_once() -> None:
    guide = graph(scenario("a", "b"), scenario("b", "a"), scenario("c"))
    assert sorted(guide.order()) == ["a", "b", "c"]


def test_separate_cycles_are_each_reported() -> None:
    guide = graph(scenario("a", "b"), scenario("b", "a"), scenario("x", "y"), scenario("y", "x"))
    assert guide.cycles() == [("a", "b"), ("x", "y")]


def test_a_very_long_chain_is_ordered_without_recursion() -> None:
    names = [f"s{index}" for index in range(5000)]
    chain = [scenario(name, *names[index + 1 : index + 2]) for index, name in enumerate(names)]
    guide = graph(*chain)
    assert guide.order() == list(reversed(names))
    looped = graph(*chain[:-1], scenario(names[-1], names[0]))
    assert len(looped.cycles()) == 1 and len(looped.cycles()[0]) == 5000


@st.composite
def dags(draw: st.DrawFn) -> dict[str, Scenario]:
    """Random requirement DAGs in a random guide order (edges only towards lower numbers)."""
    count = draw(st.integers(1, 12))
    names = [f"s{index}" for index in range(count)]
    scenarios = {}
    for index, name in enumerate(names):
        requires = draw(st.lists(st.sampled_from(names[:index]), unique=True)) if index else []
        scenarios[name] = scenario(name, *requires)
    shuffled = draw(st.permutations(names))
    return {name: scenarios[name] for name in shuffled}


@given(dags())
def test_a_dag_is_ordered_consistently_with_every_requirement(scenarios) -> None:
    guide = ScenarioGraph(scenarios)
    order = guide.order()
    assert sorted(order) == sorted(scenarios)
    position = {name: index for index, name in enumerate(order)}
    for name, item in scenarios.items():
        for required in item.requires:
            assert position[required] < position[name]
    assert guide.problems() == []


@given(dags(), st.data())
def test_a_back_edge_is_always_reported_as_a_cycle_naming_its_members(scenarios, data) -> None:
    guide = ScenarioGraph(scenarios)
    start = data.draw(st.sampled_from(sorted(scenarios)))
    reachable = [*guide.requirements(start), start]
    end = data.draw(st.sampled_from(reachable))
    looped = dict(scenarios)
    looped[end] = scenario(end, *scenarios[end].requires, start)
    cycles = ScenarioGraph(looped).cycles()
    assert len(cycles) == 1
    assert {start, end} <= set(cycles[0])
    (problem,) = ScenarioGraph(looped).problems()
    for member in cycles[0]:
        assert f"{member} (docs/{member}.rst:1)" in problem.message
