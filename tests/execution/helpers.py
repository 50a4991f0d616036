"""Plans made by hand for the runner's tests (the planner is tested on its own)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from runbook.model import LOCAL, Scenario, Secret, Step
from runbook.plan.model import LOCAL_HOST, Plan, PlannedStep, ResolvedValue

DATA = Path(__file__).parent / "data"


def local_step(index: int, script: str, **kwargs: Any) -> Step:
    """A step of scenario ``demo`` that runs on the control host."""
    kwargs.setdefault("title", f"Step {index}")
    return Step("demo", index, script=script, target=LOCAL, **kwargs)


def local_plan(*steps: Step, variables: Mapping[str, str | Secret] | None = None) -> Plan:
    """A plan whose every step runs on the control host (no inventory needed)."""
    scenario = Scenario("demo", "Demo", tuple(steps))
    return Plan(
        scenario=scenario,
        steps=tuple(PlannedStep(step, (LOCAL_HOST,)) for step in steps),
        variables={n: ResolvedValue(v, "cli") for n, v in (variables or {}).items()},
    )
