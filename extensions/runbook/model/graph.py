"""The scenario graph: which scenario requires which, what is wrong with it, and the order.

The one place the ``requires`` rules live. The loader, the Sphinx domain, the deployment
order page, ``runbook check``, ``plan``, ``run`` and ``export`` all build a
:class:`ScenarioGraph` and ask it, so each refuses a cycle with the same message. Walks
are iterative: a hostile guide with a requirement chain thousands long is reported, not
a ``RecursionError``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from runbook.model.problems import Problem, ProblemCode
from runbook.model.scenario import Scenario


@dataclass(frozen=True)
class ScenarioGraph:
    """Scenarios by name in guide order; an edge from each to the scenarios it requires.

    A requirement names a scenario, or something scenarios provide (``:provides: vip``):
    the scenarios that provide the same thing are alternatives, and the edge goes to the
    one ``choices`` names for it, else to the first in guide order (the default).
    """

    scenarios: Mapping[str, Scenario]
    choices: Mapping[str, str] = field(default_factory=dict)

    def providers(self, provided: str) -> list[str]:
        """The scenarios that provide ``provided``, in guide order."""
        return [name for name, scenario in self.scenarios.items() if provided in scenario.provides]

    def alternatives(self) -> dict[str, list[str]]:
        """What two or more scenarios provide -> those scenarios, in guide order."""
        provided = dict.fromkeys(p for s in self.scenarios.values() for p in s.provides)
        found = {name: self.providers(name) for name in provided}
        return {name: providers for name, providers in found.items() if len(providers) > 1}

    def chosen(self, provided: str) -> str | None:
        """The provider a requirement of ``provided`` goes to: the choice, else the default:
        one that a scenario requires by name (it is deployed anyway), else the first."""
        providers = self.providers(provided)
        choice = self.choices.get(provided)
        if choice in providers:
            return choice
        by_name = self._required_by_name()
        return next((p for p in providers if p in by_name), providers[0] if providers else None)

    def _required_by_name(self) -> set[str]:
        return {r for s in self.scenarios.values() for r in s.requires if r in self.scenarios}

    def meets(self, requirement: str) -> list[str]:
        """The scenarios any one of which meets ``requirement`` (a name, or what they provide)."""
        if requirement in self.scenarios:
            return [requirement]
        return self.providers(requirement)

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
                if complete and not self.meets(required):
                    problems.append(
                        Problem(
                            scenario.location,
                            ProblemCode.REQUIRES,
                            f"scenario {name!r} requires {required!r}, which is not a scenario "
                            "of the guide nor provided by one; correct the name or remove it "
                            "from :requires:",
                        )
                    )
            for provided in scenario.provides:
                if provided in self.scenarios:
                    problems.append(
                        Problem(
                            scenario.location,
                            ProblemCode.REQUIRES,
                            f"scenario {name!r} provides {provided!r}, which is the name of a "
                            "scenario; name what it provides differently",
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

    def set_aside(self) -> list[str]:
        """Alternatives not chosen that no scenario requires by name, in guide order.

        A deployment runs the chosen provider instead of these (lb, not keepalived).
        """
        by_name = self._required_by_name()
        aside: set[str] = set()
        for provided, providers in self.alternatives().items():
            chosen = self.chosen(provided)
            aside.update(p for p in providers if p != chosen and p not in by_name)
        return [name for name in self.scenarios if name in aside]

    def deployment(self) -> list[str]:
        """The deployment order without the alternatives set aside: what to run, in order."""
        aside = set(self.set_aside())
        return [name for name in self.order() if name not in aside]

    def instead(self, name: str) -> list[tuple[str, str]]:
        """``(provided, alternative)`` pairs a reader may deploy instead of ``name``."""
        aside = self.set_aside()
        return [
            (provided, other)
            for provided in self.scenarios[name].provides
            if self.chosen(provided) == name
            for other in self.providers(provided)
            if other != name and other in aside
        ]

    def needed_by(self) -> dict[str, list[str]]:
        """Each scenario's name -> the scenarios that require it directly, in guide order."""
        result: dict[str, list[str]] = {name: [] for name in self.scenarios}
        for name, scenario in self.scenarios.items():
            # Every alternative is needed, whichever one a run chooses.
            for required in dict.fromkeys(p for r in scenario.requires for p in self.meets(r)):
                result[required].append(name)
        return result

    def requirements(self, name: str) -> list[str]:
        """What ``name`` requires, directly or not, in deployment order; not ``name`` itself."""
        return [placed for placed in self._placed([name]) if placed != name]

    def _required(self, name: str) -> Iterator[str]:
        for required in self.scenarios[name].requires:
            target = required if required in self.scenarios else self.chosen(required)
            if target is not None:
                yield target

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
