"""The one exception hierarchy of the project; the command turns these into messages.

RunbookError                 anything the user can fix; carries an optional location
├── ParseError               a guide source, legacy file or data file is malformed
├── PlanError                the plan cannot be made (inventory, variables, targets)
│   └── InventoryError       an inventory file or host list is wrong
├── TestbedError             the local testbed cannot be built, started or reached
├── ExecutionError           a run was refused or failed in a way that is not a step failure
└── ExportError              an export cannot be generated or written without losing a file

Each error prints as ``path:line: message`` (like a compiler) when a file is to blame.
"""

from __future__ import annotations

from runbook.model.location import SourceLocation


class RunbookError(Exception):
    """An error the user can act on; never shown with a traceback (unless ``--debug``)."""

    exit_code = 1

    def __init__(self, message: str, location: SourceLocation | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        if self.location is not None:
            return f"{self.location}: {self.message}"
        return self.message


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
