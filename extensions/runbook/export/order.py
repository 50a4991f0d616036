"""The order scenarios must be deployed in, from their ``requires``; cycles are errors."""

from __future__ import annotations

from collections.abc import Mapping

from runbook.errors import PlanError
from runbook.model import Scenario


def find_cycle(scenarios: Mapping[str, Scenario]) -> list[str] | None:
    """One dependency cycle as names (first name repeated at the end), or ``None``."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = "visiting"
        path.append(name)
        for required in scenarios[name].requires:
            if required not in scenarios:
                continue
            if state.get(required) == "visiting":
                return [*path[path.index(required) :], required]
            if required not in state and (cycle := visit(required)):
                return cycle
        path.pop()
        state[name] = "done"
        return None

    for name in scenarios:
        if name not in state and (cycle := visit(name)):
            return cycle
    return None


def dependency_order(scenarios: Mapping[str, Scenario]) -> list[str]:
    """Scenario names, each after everything it requires, otherwise in guide order.

    Requirements naming no known scenario are left out here (the check reports them);
    a cycle raises :class:`PlanError` at the first scenario of the cycle.
    """
    cycle = find_cycle(scenarios)
    if cycle:
        raise PlanError(
            "scenarios require each other in a cycle: " + " -> ".join(cycle),
            scenarios[cycle[0]].location,
        )
    order: list[str] = []

    def place(name: str) -> None:
        if name in order:
            return
        for required in scenarios[name].requires:
            if required in scenarios:
                place(required)
        order.append(name)

    for name in scenarios:
        place(name)
    return order
