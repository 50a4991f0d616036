"""Hints, from the gentlest to the most telling, built from what the guide already says.

First how the step is judged (its verification and what that proves), so the trainee
can find the answer; then the guide's own troubleshooting text for the step (its
``:troubleshooting:`` option), when it has one; then why their last try failed
(:mod:`runbook.training.explain`). The last resort is not a hint but ``solve``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from runbook.model import Step
from runbook.model.scenario import TROUBLESHOOTING_TITLE
from runbook.training.explain import judged_by

_DOUBLE_QUOTED = re.compile(r"``([^`]+)``")


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


def _troubleshooting(step: Step) -> list[str]:
    """The guide's "If it fails" text, one paragraph per line of the hint."""
    paragraphs = [p.strip() for p in step.troubleshooting.split("\n\n") if p.strip()]
    # rST writes code as ``this``; on a terminal one backquote reads the same, as in MyST.
    return [
        f"{TROUBLESHOOTING_TITLE}, the guide says:",
        *(_DOUBLE_QUOTED.sub(r"`\1`", p) for p in paragraphs),
    ]


def hint(step: Step, number: int, last_failure: Sequence[str]) -> list[str]:
    """Hint ``number`` (1, 2, ...) for ``step``; ``last_failure`` explains the last miss."""
    if number <= 1:
        return _verification(step)
    if step.troubleshooting:
        if number == 2:
            return _troubleshooting(step)
        number -= 1
    lines = list(last_failure) or [
        "Nothing has failed yet to explain: try it (type it or do it in your own shell), "
        "and the next hint says what went wrong."
    ]
    if number > 2:
        lines.append("No more hints: `solve` runs the guide's commands for you (counted).")
    return lines
