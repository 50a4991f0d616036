"""The end of a walkthrough in numbers: how each step was passed and what it cost."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from runbook.execution.console import duration
from runbook.training.progress import Progress

#: How each way of passing a step reads in the summary.
LABELS = {
    "run": "run by the tool",
    "typed": "typed by hand",
    "checked": "done in own shell",
    "solved": "solved",
    None: "not yet",
}


@dataclass(frozen=True, slots=True)
class Summary:
    rows: tuple[tuple[str, str, str, str, str], ...]
    totals: str


def summarize(progress: Progress, step_ids: Sequence[str]) -> Summary:
    """One row per step (id, how, hints, retries, time) and a line of totals."""
    rows = []
    for step_id in step_ids:
        step = progress.step(step_id)
        rows.append(
            (
                step_id,
                LABELS[step.how],
                str(step.hints),
                str(step.retries),
                duration(step.seconds),
            )
        )
    steps = [progress.step(step_id) for step_id in step_ids]
    passed = sum(step.passed for step in steps)
    typed = sum(step.how in ("typed", "checked") for step in steps)
    solved = sum(step.how == "solved" for step in steps)
    totals = (
        f"{passed} of {len(steps)} steps passed: {typed} by hand, {solved} solved; "
        f"{sum(s.hints for s in steps)} hints, {sum(s.retries for s in steps)} retries, "
        f"{duration(sum(s.seconds for s in steps))} in all"
    )
    return Summary(tuple(rows), totals)
