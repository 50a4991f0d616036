"""Hints, from the gentlest to the most telling, built from what the guide already says.

First how the step is judged (its verification and what that proves), so the trainee
can find the answer; then why their last try failed (:mod:`runbook.training.explain`).
The guide has no troubleshooting text per step to quote (a step is its prose, script
and verification); the last resort is not a hint but ``solve``.
"""

from __future__ import annotations

from collections.abc import Sequence

from runbook.model import Step
from runbook.training.explain import judged_by


def _verification(step: Step) -> list[str]:
    verify = step.verify
    if verify is None:
        return [
            "This step has no verification: nothing checks it but you. Read the "
            "commands again and compare their effect with the explanation."
        ]
    wanted, patience = judged_by(verify)
    return [
        f"The step is done when its check passes on every host of the step: "
        f"`{verify.command.strip()}` must {wanted} ({patience}). Work out what that "
        "command looks at, then make it true."
    ]


def hint(step: Step, number: int, last_failure: Sequence[str]) -> list[str]:
    """Hint ``number`` (1, 2, ...) for ``step``; ``last_failure`` explains the last miss."""
    if number <= 1:
        return _verification(step)
    lines = list(last_failure) or [
        "Nothing has failed yet to explain: try it (type it or do it in your own shell), "
        "and the next hint says what went wrong."
    ]
    if number > 2:
        lines.append("No more hints: `solve` runs the guide's commands for you (counted).")
    return lines
