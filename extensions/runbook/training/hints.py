"""Hints, from the gentlest to the most telling, built from what the guide already says.

First how the step is judged (its verification and what that proves), so the trainee
can find the answer; then what the guide says when it goes wrong: the explanation of
the trainee's last failure, and the step's own prose about failures, if it has any.
The last resort is not a hint but ``solve``.
"""

from __future__ import annotations

from collections.abc import Sequence

from runbook.model import Step
from runbook.training.explain import judged_by

#: Words of a prose paragraph that speaks about things going wrong.
_TROUBLE = ("fail", "error", "if ", "wrong", "troubleshoot", "check that", "make sure")


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


def troubleshooting(step: Step) -> list[str]:
    """The step's prose paragraphs that talk about failure; empty when it has none."""
    paragraphs = [p.strip() for p in step.prose.split("\n\n") if p.strip()]
    return [p for p in paragraphs if any(word in p.lower() for word in _TROUBLE)]


def hint(step: Step, number: int, last_failure: Sequence[str]) -> list[str]:
    """Hint ``number`` (1, 2, ...) for ``step``; ``last_failure`` explains the last miss."""
    if number <= 1:
        return _verification(step)
    lines = list(last_failure)
    lines += troubleshooting(step)
    if not lines:
        lines = ["The guide has no troubleshooting text for this step."]
    if number > 2:
        lines.append("No more hints: `solve` runs the guide's commands for you (counted).")
    return lines
