"""What the check reports: one kind per class of problem, each a warning with ``file:line``.

Under Sphinx a problem is a warning of type ``runbook`` and subtype its kind
(``[runbook.no-verify]``), so ``suppress_warnings`` silences a class; the command takes
``--ignore KIND``. The guide's reference (docs/reference/exports.md) lists the kinds and
how to silence each one where it is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from runbook.model import SourceLocation


class CheckKind(Enum):
    """The classes of problem; the value is the warning subtype."""

    GUIDE = "guide"
    """The guide's sources do not parse (a directive, option or legacy file is wrong)."""
    PLAN = "plan"
    """The scenario cannot be planned against the example inventory and variables."""
    UNDEFINED_VARIABLE = "undefined-variable"
    """A script uses ``$NAME`` that nothing declares, registers, exports or assigns."""
    UNUSED_VARIABLE = "unused-variable"
    """A declared variable no script, guard, verification or default uses."""
    UNKNOWN_REQUIRES = "unknown-requires"
    """``requires`` names a scenario the guide does not have."""
    DEPENDENCY_CYCLE = "dependency-cycle"
    """Scenarios require each other in a cycle."""
    NO_VERIFY = "no-verify"
    """A step with no verification and no ``:no-verify:`` reason."""
    BASH_SYNTAX = "bash-syntax"
    """A script, guard or verification that ``bash -n`` rejects."""
    SHELLCHECK = "shellcheck"
    """A shellcheck finding at severity warning or above."""
    ANSIBLE_SYNTAX = "ansible-syntax"
    """An exported playbook that ``ansible-playbook --syntax-check`` rejects."""


@dataclass(frozen=True, slots=True)
class CheckProblem:
    """One warning: where, which kind, what is wrong."""

    location: SourceLocation | None
    kind: CheckKind
    message: str

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"{where}warning: {self.message} [runbook.{self.kind.value}]"
