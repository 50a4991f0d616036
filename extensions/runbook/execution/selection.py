"""Which steps a run executes: ``--from``, ``--only``, ``--skip`` and ``--limit``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from runbook.execution.errors import UsageError
from runbook.model import Scenario, Step
from runbook.plan.model import LOCAL_HOST, Plan, PlannedStep


def split_refs(values: Sequence[str]) -> list[str]:
    """``--only 2,3 --only 5`` and ``--only "2 3"`` both give ``["2", "3", "5"]``."""
    return [ref for value in values for ref in value.replace(",", " ").split()]


def find_step(scenario: Scenario, ref: str) -> Step:
    """A step by id (``galera/3``), number (``3``) or title slug; a usage error if none."""
    if "/" in ref and not ref.startswith(scenario.name + "/"):
        raise UsageError(f"step {ref!r} is not in scenario {scenario.name}")
    try:
        return scenario.step(ref)
    except KeyError:
        numbers = f"1..{len(scenario.steps)}" if scenario.steps else "none"
        raise UsageError(
            f"scenario {scenario.name} has no step {ref!r} (steps are {numbers}, "
            f"or ids like {scenario.name}/1)"
        ) from None


def select_steps(
    plan: Plan,
    start: str | None = None,
    only: Sequence[str] = (),
    skip: Sequence[str] = (),
) -> tuple[PlannedStep, ...]:
    """The planned steps to run, in plan order."""
    scenario = plan.scenario
    chosen = list(plan.steps)
    if start is not None:
        first = find_step(scenario, start).index
        chosen = [p for p in chosen if p.step.index >= first]
    if only:
        wanted = {find_step(scenario, ref).index for ref in split_refs(only)}
        chosen = [p for p in chosen if p.step.index in wanted]
    if skip:
        unwanted = {find_step(scenario, ref).index for ref in split_refs(skip)}
        chosen = [p for p in chosen if p.step.index not in unwanted]
    return tuple(chosen)


def limit_hosts(
    plan: Plan, steps: Sequence[PlannedStep], limit: str | None
) -> tuple[PlannedStep, ...]:
    """Keep only the hosts named by ``--limit`` (host or group names, comma separated).

    Local steps always stay: the control host is not an inventory host. A ``run_once``
    step runs on the first of its hosts that is left.
    """
    if not limit:
        return tuple(steps)
    names = set(split_refs([limit]))
    inventory = plan.inventory
    known = {h.name for h in inventory.hosts} if inventory else set()
    groups = dict(inventory.groups) if inventory else {}
    unknown = sorted(n for n in names if n not in known and n not in groups)
    if unknown:
        raise UsageError(f"--limit names no inventory host or group: {', '.join(unknown)}")
    allowed = {n for n in names if n in known}
    for name in names & groups.keys():
        allowed.update(groups[name])
    return tuple(
        p
        if p.hosts == (LOCAL_HOST,)
        else replace(p, hosts=tuple(h for h in p.hosts if h in allowed))
        for p in steps
    )
