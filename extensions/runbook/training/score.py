"""A drill exercise's score: time to restore, hints, collateral damage, against the budget.

Pure: the lab measures, this judges and words the result. The trainee passes when they
restored the service themselves, within the drill's budget (its downtime, time to
recovery, failed requests and lost writes, as ``runbook drill`` judges them), and
restarted nothing the fault did not touch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from runbook.drills.timeline import Figures, over_budget
from runbook.execution.console import duration
from runbook.model.drill import Drill

#: Who brought the service back: the trainee, the tool after they gave up or quit, or
#: nobody (still broken when the lab gave up waiting).
RestoredBy = Literal["trainee", "gave-up", "quit", "nobody"]


@dataclass(frozen=True, slots=True)
class Score:
    """What one exercise cost, and whether it passed."""

    drill: str
    restored_by: RestoredBy
    #: From the fault to the check that found the service restored.
    seconds: float
    hints: int
    hints_available: int
    checks: int
    figures: Figures
    collateral: tuple[str, ...]
    over_budget: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return self.restored_by == "trainee" and not self.over_budget and not self.collateral


def judge(
    drill: Drill,
    restored_by: RestoredBy,
    seconds: float,
    hints: int,
    checks: int,
    figures: Figures,
    collateral: list[str],
) -> Score:
    problems = over_budget(drill.budget, figures)
    mttr = drill.budget.mttr
    if restored_by == "trainee" and mttr is not None and seconds > mttr:
        problems.append(f"restored after {duration(seconds)}, over the budget of {mttr:g} s")
    return Score(
        drill.name,
        restored_by,
        seconds,
        hints,
        len(drill.hints),
        checks,
        figures,
        tuple(collateral),
        tuple(problems),
    )


_BY = {
    "trainee": "restored by you",
    "gave-up": "you gave up; the tool undid the fault",
    "quit": "you quit; the tool undid the fault",
    "nobody": "NOT restored",
}


def score_lines(score: Score) -> list[tuple[str, str]]:
    """The score as ``(label, value)`` rows, in the order a trainee reads them."""
    figures = score.figures
    lost = "not measured" if figures.lost_writes is None else str(figures.lost_writes)
    rows = [
        ("Service", f"{_BY[score.restored_by]} after {duration(score.seconds)}"),
        ("Hints used", f"{score.hints} of {score.hints_available}"),
        ("Checks", str(score.checks)),
        ("Downtime", f"{figures.downtime:.1f} s (longest time without a good request)"),
        ("Failed requests", f"{figures.failed_requests} of {figures.requests}"),
        ("Lost writes", lost),
        ("Collateral", ", ".join(score.collateral) or "none: nothing else was restarted"),
    ]
    rows += [("Over budget", problem) for problem in score.over_budget]
    rows.append(("Result", "PASSED" if score.passed else "not passed"))
    return rows
