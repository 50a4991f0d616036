"""The one helper that reports problems found in guide sources, wherever they are read.

Every problem has a code (:class:`~runbook.model.ProblemCode`). Under Sphinx it becomes a
warning of type ``runbook`` and that subtype, shown as ``path:line: WARNING: message
[runbook.option]``: ``-W`` turns it into a failed build and ``suppress_warnings =
["runbook.option"]`` silences one code. On the command's fast path (no Sphinx) it is kept
as a :class:`~runbook.model.Problem` in ``document.settings.runbook_problems``, a list the
loader puts there. Plain docutils, with neither, gets an ordinary docutils warning.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from runbook.model.location import SourceLocation
from runbook.model.problems import Problem, ProblemCode

if TYPE_CHECKING:  # imported lazily: a cached page is read without docutils
    from docutils import nodes


def report(
    document: nodes.document,
    code: ProblemCode,
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
            location: str | tuple[str, int | None] = (env.docname, line)
        else:
            location = f"{path}:{line}" if line is not None else path
        getLogger(__name__).warning(message, type="runbook", subtype=code.value, location=location)
        return
    problems = getattr(settings, "runbook_problems", None)
    if problems is not None:
        problems.append(Problem(SourceLocation(path, line), code, message))
        return
    document.reporter.warning(f"{message} [runbook.{code.value}]", source=path, line=line)
