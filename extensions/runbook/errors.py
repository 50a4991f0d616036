"""The one exception hierarchy of the project; the command turns these into messages.

RunbookError                 anything the user can fix; carries an optional location
├── ParseError               a guide source, legacy file or data file is malformed
├── PlanError                the plan cannot be made (inventory, variables, targets)
│   └── InventoryError       an inventory file or host list is wrong
├── TestbedError             the local testbed cannot be built, started or reached
├── ExecutionError           a run was refused or failed in a way that is not a step failure
└── ExportError              an export cannot be generated or written without losing a file

Each error prints as ``path:line: message`` (like a compiler) when a file is to blame,
and ends with ``[runbook.<code>]`` when it stands for one :class:`~runbook.model.Problem`,
the code that problem has wherever else it is reported (``runbook list``, the Sphinx
build's warnings). :meth:`RunbookError.of` makes one error of several problems.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

from runbook.model.location import SourceLocation
from runbook.model.problems import Problem, ProblemCode


class RunbookError(Exception):
    """An error the user can act on; never shown with a traceback (unless ``--debug``)."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        location: SourceLocation | None = None,
        *,
        code: ProblemCode | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.code = code

    def __str__(self) -> str:
        text = self.message if self.code is None else f"{self.message} [runbook.{self.code.value}]"
        return text if self.location is None else f"{self.location}: {text}"

    @classmethod
    def of(cls, problems: Sequence[Problem]) -> Self:
        """One error naming every problem, ``path:line: message [runbook.code]`` a line.

        An operator fixing a guide or an inventory wants every mistake in one pass, like a
        compiler's error list, not one per attempt.
        """
        if len(problems) == 1:
            (problem,) = problems
            return cls(problem.message, problem.location, code=problem.code)
        lines = [
            f"{problem.location}: {problem.message} [runbook.{problem.code.value}]"
            if problem.location is not None
            else f"{problem.message} [runbook.{problem.code.value}]"
            for problem in problems
        ]
        return cls(f"{len(problems)} problems:\n  " + "\n  ".join(lines))


class ParseError(RunbookError):
    """A guide source, legacy ``.scenario`` file or YAML data file is malformed."""


class PlanError(RunbookError):
    """The plan cannot be made from this scenario, inventory and variables."""


class InventoryError(PlanError):
    """An inventory file or host list is wrong."""


class TestbedError(RunbookError):
    """The local testbed cannot be built, started, reached or torn down."""

    __test__ = False  # not a pytest test class, despite the name


class ExecutionError(RunbookError):
    """A run was refused or stopped for a reason other than a failing step."""


class ExportError(RunbookError):
    """An export cannot be generated, checked or written without harm to what is there.

    ``problems`` holds one line per path to blame; the message is the first of them.
    """

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]
