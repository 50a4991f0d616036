"""The order the exports list scenarios in: the scenario graph's, refused on a cycle."""

from __future__ import annotations

from collections.abc import Mapping

from runbook.errors import PlanError
from runbook.model import Scenario, ScenarioGraph


def dependency_order(scenarios: Mapping[str, Scenario]) -> list[str]:
    """Scenario names, each after everything it requires, otherwise in guide order.

    An export may hold only some scenarios of the guide (``runbook export NAME``), so a
    requirement outside ``scenarios`` is not a problem here; a cycle raises
    :class:`PlanError` with the scenario graph's message (``runbook list`` and the Sphinx
    build report the same one).
    """
    return _graph(scenarios).order()


def alternatives_set_aside(scenarios: Mapping[str, Scenario]) -> dict[str, str]:
    """Each alternative a deployment leaves out -> the scenario deployed instead.

    ``site.yml`` runs the deployment (the first of each set of alternatives, in guide
    order) and names these in comments, so it never deploys two alternatives.
    """
    graph = _graph(scenarios)
    instead = {}
    for name in graph.deployment():
        for _provided, other in graph.instead(name):
            instead[other] = name
    return instead


def _graph(scenarios: Mapping[str, Scenario]) -> ScenarioGraph:
    graph = ScenarioGraph(scenarios)
    problems = graph.problems(complete=False)
    if problems:
        raise PlanError.of(problems)
    return graph
