"""Plan problems: collected while planning, then reported together as one PlanError.

An operator fixing an inventory wants every mistake in one pass, like a compiler's
error list, not one per run.
"""

from __future__ import annotations

from collections.abc import Sequence

from runbook.errors import PlanError
from runbook.model import SourceLocation

#: Where a problem is written (when a file is to blame) and what is wrong.
Problem = tuple[SourceLocation | None, str]


def plan_error(problems: Sequence[Problem]) -> PlanError:
    """A PlanError naming each problem as ``path:line: message``, all of them at once."""
    if len(problems) == 1:
        location, message = problems[0]
        return PlanError(message, location)
    lines = [f"{location}: {message}" if location else message for location, message in problems]
    return PlanError(f"{len(problems)} problems:\n  " + "\n  ".join(lines))
