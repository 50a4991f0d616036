"""Target resolution: which inventory hosts each step runs on.

A scenario's nodes are its ``hosts`` group (``:hosts: controllers``), or every inventory
host when it names none; ``all``, ``first`` and ``node:N`` choose among them. ``@ROLE``
and ``role:ROLE`` choose among the hosts of that group instead, ``host:`` names hosts,
and ``local`` is the control host (:data:`LOCAL_HOST`). Hosts keep inventory order.
"""

from __future__ import annotations

from runbook.model import Problem, ProblemCode, Scenario, Step, Target
from runbook.plan.model import LOCAL_HOST, Inventory, PlannedStep


def scenario_nodes(
    scenario: Scenario, inventory: Inventory
) -> tuple[tuple[str, ...], list[Problem]]:
    """The scenario's nodes in inventory order, and why they do not suffice, if so."""
    if scenario.hosts_role is None:
        nodes = tuple(host.name for host in inventory.hosts)
        where = "the inventory"
    elif scenario.hosts_role in inventory.groups:
        nodes = inventory.groups[scenario.hosts_role]
        where = f"inventory group {scenario.hosts_role!r}"
    else:
        return (), [
            Problem(
                scenario.location, ProblemCode.PLAN, _unknown_role(scenario.hosts_role, inventory)
            )
        ]
    if len(nodes) < scenario.min_nodes:
        message = (
            f"scenario {scenario.name!r} needs at least {scenario.min_nodes} nodes, "
            f"{where} has {len(nodes)}" + (f" ({', '.join(nodes)})" if nodes else "")
        )
        return nodes, [Problem(scenario.location, ProblemCode.PLAN, message)]
    return nodes, []


def resolve_target(target: Target, nodes: tuple[str, ...], inventory: Inventory) -> tuple[str, ...]:
    """The hosts ``target`` selects; ValueError saying why when it selects none it could."""
    if target.kind == "local":
        return (LOCAL_HOST,)
    if target.kind == "host":
        names = {host.name for host in inventory.hosts}
        unknown = [name for name in target.hosts if name not in names]
        if unknown:
            raise ValueError(
                f"host {', '.join(map(repr, unknown))} is not in the inventory "
                f"({inventory.location}); its hosts are {', '.join(sorted(names))}"
            )
        return tuple(dict.fromkeys(target.hosts))
    if target.role is not None:
        if target.role not in inventory.groups:
            raise ValueError(_unknown_role(target.role, inventory))
        pool, where = inventory.groups[target.role], f"inventory group {target.role!r}"
    else:
        pool, where = nodes, "the scenario's nodes"
    if not pool:
        raise ValueError(f"target {target} selects no host: {where} is empty")
    if target.kind == "all":
        return pool
    if target.kind == "first":
        return pool[:1]
    assert target.index is not None
    if target.index > len(pool):
        raise ValueError(
            f"target {target} needs at least {target.index} hosts, "
            f"{where} has {len(pool)} ({', '.join(pool)})"
        )
    return (pool[target.index - 1],)


def plan_steps(
    scenario: Scenario, inventory: Inventory | None
) -> tuple[tuple[PlannedStep, ...], tuple[str, ...], list[Problem]]:
    """Every step with its hosts, the scenario's nodes, and every problem found on the way."""
    if inventory is None:
        return tuple(PlannedStep(step, ()) for step in scenario.steps), (), []
    nodes, problems = scenario_nodes(scenario, inventory)
    planned: list[PlannedStep] = []
    for step in scenario.steps:
        try:
            planned.append(_plan_step(step, nodes, inventory))
        except ValueError as error:
            problems.append(Problem(step.location, ProblemCode.PLAN, f"step {step.id}: {error}"))
            planned.append(PlannedStep(step, ()))
    return tuple(planned), nodes, problems


def _plan_step(step: Step, nodes: tuple[str, ...], inventory: Inventory) -> PlannedStep:
    hosts = resolve_target(step.target, nodes, inventory)
    if step.options.run_once:
        hosts = hosts[:1]
    copy_from = None
    if step.options.copy_from is not None:
        sources = resolve_target(step.options.copy_from, nodes, inventory)
        if len(sources) != 1:
            raise ValueError(
                f"copy-from {step.options.copy_from} must name one host, "
                f"it names {len(sources)} ({', '.join(sources)})"
            )
        copy_from = sources[0]
    return PlannedStep(step, hosts, copy_from=copy_from)


def _unknown_role(role: str, inventory: Inventory) -> str:
    known = ", ".join(inventory.groups) or "none"
    return f"unknown role {role!r}: the inventory ({inventory.location}) has groups: {known}"
