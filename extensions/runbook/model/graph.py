"""The scenario graph: which scenario requires which, what is wrong with it, and the order.

The one place the ``requires`` rules live. The loader, the Sphinx domain, the deployment
order page, ``runbook check``, ``plan``, ``run`` and ``export`` all build a
:class:`ScenarioGraph` and ask it, so each refuses a cycle with the same message. Walks
are iterative: a hostile guide with a requirement chain thousands long is reported, not
a ``RecursionError``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from runbook.model.problems import Problem, ProblemCode
from runbook.model.scenario import Scenario


@dataclass(frozen=True)
class ScenarioGraph:
    """Scenarios by name in guide order; an edge from each to the scenarios it requires."""

    scenarios: Mapping[str, Scenario]

    def problems(self, *, complete: bool = True) -> list[Problem]:
        """Requirements naming no scenario here, and each cycle once, in guide order.

        ``complete=False`` says the graph holds only part of the guide (an export of the
        scenarios named on the command line): a requirement outside it is then no problem.

        A cycle is reported where the member it starts with is declared, naming every
        member with the place it is declared. This is the one function that says what is
        wrong with ``requires``: every command and the Sphinx build report what it returns.
        """
        cycles = {cycle[0]: cycle for cycle in self.cycles()}
        problems = []
        for name, scenario in self.scenarios.items():
            for required in scenario.requires:
                if complete and required not in self.scenarios:
                    problems.append(
                        Problem(
                            scenario.location,
                            ProblemCode.REQUIRES,
                            f"scenario {name!r} requires {required!r}, which is not a scenario "
                            "of the guide; correct the name or remove it from :requires:",
                        )
                    )
            if name in cycles:
                problems.append(
                    Problem(
                        scenario.location, ProblemCode.REQUIRES, self._cycle_message(cycles[name])
                    )
                )
        return problems

    def cycles(self) -> list[tuple[str, ...]]:
        """One cycle per group of scenarios that require each other, in guide order.

        Each cycle starts at its member whose name sorts first and is a shortest way back
        to it (the start is not repeated at the end): a command that read only a scenario
        and what it requires names the same cycle as one that read the whole guide.
        """
        position = {name: index for index, name in enumerate(self.scenarios)}
        found = []
        for component in self._strongly_connected():
            start = min(component)
            if len(component) > 1 or start in self.scenarios[start].requires:
                found.append(self._shortest_cycle(start, component))
        return sorted(found, key=lambda cycle: position[cycle[0]])

    def order(self) -> list[str]:
        """Every scenario after all it requires, otherwise in guide order (stable).

        Unknown requirements are left out; inside a cycle, the requirement that closes it
        is ignored (the cycle is a problem: commands refuse before they use the order).
        """
        return self._placed(self.scenarios)

    def needed_by(self) -> dict[str, list[str]]:
        """Each scenario's name -> the scenarios that require it directly, in guide order."""
        result: dict[str, list[str]] = {name: [] for name in self.scenarios}
        for name in self.scenarios:
            for required in self._required(name):
                result[required].append(name)
        return result

    def requirements(self, name: str) -> list[str]:
        """What ``name`` requires, directly or not, in deployment order; not ``name`` itself."""
        return [placed for placed in self._placed([name]) if placed != name]

    def _required(self, name: str) -> Iterator[str]:
        return (
            required for required in self.scenarios[name].requires if required in self.scenarios
        )

    def _placed(self, roots: Iterable[str]) -> list[str]:
        """Depth first from each root, requirements in declared order, each placed once."""
        placed: dict[str, None] = {}
        visiting: set[str] = set()
        for root in roots:
            if root in placed:
                continue
            visiting.add(root)
            stack = [(root, self._required(root))]
            while stack:
                name, pending = stack[-1]
                required = next(pending, None)
                if required is None:
                    stack.pop()
                    visiting.discard(name)
                    placed[name] = None
                elif required not in placed and required not in visiting:
                    visiting.add(required)
                    stack.append((required, self._required(required)))
        return list(placed)

    def _strongly_connected(self) -> list[list[str]]:
        """Tarjan's strongly connected components, without recursion."""
        index: dict[str, int] = {}
        low: dict[str, int] = {}
        on_stack: set[str] = set()
        stack: list[str] = []
        components: list[list[str]] = []
        for root in self.scenarios:
            if root in index:
                continue
            work = [(root, self._required(root))]
            index[root] = low[root] = len(index)
            stack.append(root)
            on_stack.add(root)
            while work:
                name, pending = work[-1]
                required = next(pending, None)
                if required is not None:
                    if required not in index:
                        index[required] = low[required] = len(index)
                        stack.append(required)
                        on_stack.add(required)
                        work.append((required, self._required(required)))
                    elif required in on_stack:
                        low[name] = min(low[name], index[required])
                    continue
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[name])
                if low[name] == index[name]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == name:
                            break
                    components.append(component)
        return components

    def _shortest_cycle(self, start: str, component: list[str]) -> tuple[str, ...]:
        """A shortest way from ``start`` back to itself inside its component (breadth first)."""
        members = set(component)
        came_from: dict[str, str] = {}
        frontier = [start]
        while frontier:
            following = []
            for name in frontier:
                for required in self._required(name):
                    if required == start:
                        cycle = [name]
                        while cycle[-1] != start:
                            cycle.append(came_from[cycle[-1]])
                        return tuple(reversed(cycle))
                    if required in members and required not in came_from:
                        came_from[required] = name
                        following.append(required)
            frontier = following
        raise AssertionError(f"{start} is in a component without a cycle")

    def _cycle_message(self, cycle: tuple[str, ...]) -> str:
        def named(name: str) -> str:
            location = self.scenarios[name].location
            return f"{name} ({location})" if location is not None else name

        chain = " -> ".join([*(named(name) for name in cycle), cycle[0]])
        return f"scenarios require each other in a cycle: {chain}; remove one of these requirements"
