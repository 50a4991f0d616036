"""One problem value for every layer: where, how bad, which kind, what is wrong.

The loader, the Sphinx domain and directives, ``runbook check`` and the planner all
report :class:`Problem` values, so a class of problem has one code everywhere: under
Sphinx the code is the warning subtype (``[runbook.requires]``, silenced with
``suppress_warnings = ["runbook.requires"]``), and ``runbook check --ignore requires``
leaves the same class out. Kept in the model so that every layer above can use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from runbook.model.location import SourceLocation


class ProblemCode(Enum):
    """The classes of problem; the value is the warning subtype ``runbook.<value>``."""

    OPTION = "option"
    """An unknown option, or an option value that is not accepted."""
    TARGET = "target"
    """A target expression that does not parse."""
    SYNTAX = "syntax"
    """A directive docutils or MyST could not read (bad option block, bad arguments)."""
    SCENARIO = "scenario"
    """A scenario that is not valid as a whole (a bad name, too few nodes)."""
    STEP = "step"
    """A step that is not valid as a whole (no title, empty script)."""
    VERIFY = "verify"
    """A verification that is not valid, or a second one for the same step."""
    VARIABLE = "variable"
    """A bad variable declaration, or a default referring to an undeclared variable."""
    DUPLICATE = "duplicate"
    """A scenario or variable declared twice."""
    ORPHAN_STEP = "orphan-step"
    """A step before any scenario directive in its document."""
    ORPHAN_VARIABLE = "orphan-variable"
    """A variable before any scenario directive in its document."""
    ORPHAN_VERIFY = "orphan-verify"
    """A verify directive with no step before it."""
    LEGACY = "legacy"
    """A legacy ``.scenario`` file that cannot be read or imported."""
    REQUIRES = "requires"
    """``requires`` naming no scenario of the guide, or scenarios requiring each other."""
    REFERENCE = "reference"
    """A ``:scenario:`` or ``:step:`` reference to something the guide does not have."""
    CHART = "chart"
    """A ``runbook-chart`` directive whose results file or figure cannot be drawn."""
    DRILL = "drill"
    """A drill that is not valid as a whole (no fault, no probe, no budget)."""
    PLAN = "plan"
    """The scenario cannot be planned with this inventory and these variables."""
    UNDEFINED_VARIABLE = "undefined-variable"
    """A script uses ``$NAME`` that nothing declares, registers, exports or assigns."""
    UNUSED_VARIABLE = "unused-variable"
    """A declared variable no script, guard, verification or default uses."""
    NO_VERIFY = "no-verify"
    """A step with no verification and no ``:no-verify:`` reason."""
    BASH_SYNTAX = "bash-syntax"
    """A script, guard or verification that ``bash -n`` rejects."""
    SHELLCHECK = "shellcheck"
    """A shellcheck finding at severity warning or above."""
    ANSIBLE_SYNTAX = "ansible-syntax"
    """An exported playbook that ``ansible-playbook --syntax-check`` rejects."""


class Severity(Enum):
    """How bad: an error stops the command that meets it; a warning is a lint finding."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem, printed ``path:line: error: message [runbook.code]`` like a compiler's."""

    location: SourceLocation | None
    code: ProblemCode
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location is not None else ""
        return f"{where}{self.severity.value}: {self.message} [runbook.{self.code.value}]"
