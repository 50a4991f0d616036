"""Problems found in guide sources, and the one helper that reports them.

Every problem has a kind (:class:`RunbookWarning`). Under Sphinx it becomes a warning of
type ``runbook`` and that subtype, shown as ``path:line: WARNING: message
[runbook.option]``: ``-W`` turns it into a failed build and ``suppress_warnings =
["runbook.option"]`` silences one kind. On the command's fast path (no Sphinx) it is kept
as a :class:`Problem` in ``document.settings.runbook_problems``, a list the loader puts
there. Plain docutils, with neither, gets an ordinary docutils warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from runbook.model.location import SourceLocation

if TYPE_CHECKING:  # imported lazily: a cached page is read without docutils
    from docutils import nodes


class RunbookWarning(Enum):
    """The kinds of problem, used as the Sphinx warning subtype ``runbook.<value>``."""

    OPTION = "option"
    """An unknown option, or an option value that is not accepted."""
    TARGET = "target"
    """A target expression that does not parse."""
    SYNTAX = "syntax"
    """A directive docutils or MyST could not read (bad option block, bad arguments)."""
    SCENARIO = "scenario"
    """A scenario that is not valid as a whole (bad name, requires itself)."""
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
    DRILL = "drill"
    """A drill that is not valid as a whole (no fault, no probe, no budget)."""
    REFERENCE = "reference"
    """A scenario requiring one that does not exist, or requirements in a cycle."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in a source file, printed ``path:line: message`` like a compiler's."""

    location: SourceLocation
    kind: RunbookWarning
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


def report(
    document: nodes.document,
    kind: RunbookWarning,
    message: str,
    *,
    source: str | None = None,
    line: int | None = None,
) -> None:
    """Report a problem at ``source:line`` (default: the document's own source).

    ``source`` differs from the document's when the problem is in an included file or in
    a legacy ``.scenario`` file the document imports.
    """
    settings = document.settings
    path = source or document.get("source") or "<string>"
    env = getattr(settings, "env", None)
    if env is not None:
        from sphinx.util.logging import getLogger

        if source is None or source == document.get("source"):
            location: object = (env.docname, line)
        else:
            location = f"{path}:{line}" if line is not None else path
        getLogger(__name__).warning(message, type="runbook", subtype=kind.value, location=location)
        return
    problems = getattr(settings, "runbook_problems", None)
    if problems is not None:
        problems.append(Problem(SourceLocation(path, line), kind, message))
        return
    document.reporter.warning(f"{message} [runbook.{kind.value}]", source=path, line=line)
