"""The guide's drills, read without Sphinx: every ``drill`` directive under the docs folder."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from runbook.errors import ParseError, PlanError
from runbook.model.drill import Drill
from runbook.model.location import SourceLocation
from runbook.model.problems import Problem, ProblemCode

_PREFILTER = re.compile(r"(?:\.\.\s+drill::|[`:]{3,}\s*\{drill\})")


@dataclass(frozen=True)
class GuideDrills:
    """The drills by name, in guide order, and the problems found reading them."""

    drills: dict[str, Drill] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def load_drills(docs_dir: Path) -> GuideDrills:
    """Every drill of the guide under ``docs_dir``; a name used twice is a problem."""
    from runbook.docutils_.loader import _read, _sources

    if not docs_dir.is_dir():
        raise PlanError(f"{docs_dir}/ is not a directory (the guide's sources; see --docs)")
    found = GuideDrills()
    for path in _sources(docs_dir):
        try:
            text = _read(path)
        except ParseError as error:
            found.problems.append(
                Problem(SourceLocation(str(path)), ProblemCode.SYNTAX, error.message)
            )
            continue
        if not _PREFILTER.search(text):
            continue
        docname = path.relative_to(docs_dir).with_suffix("").as_posix()
        drills, problems = parse_drills(text, str(path), docname)
        found.problems.extend(problems)
        for drill in drills:
            first = found.drills.get(drill.name)
            if first is not None:
                found.problems.append(
                    Problem(
                        drill.location or SourceLocation(str(path)),
                        ProblemCode.DUPLICATE,
                        f"duplicate drill name {drill.name!r}; the first is at {first.location}",
                    )
                )
            else:
                found.drills[drill.name] = drill
    return found


def parse_drills(
    text: str, path: str, docname: str | None = None
) -> tuple[list[Drill], list[Problem]]:
    """The drills of one page and the problems reported; ``path``'s suffix picks the parser."""
    import copy

    from docutils import utils

    from runbook.docutils_.drill import drill_directive_registered, drill_node
    from runbook.docutils_.loader import _parser, _settings

    myst = path.endswith(".md")
    settings = copy.copy(_settings(myst))
    settings.runbook_problems = []
    settings.runbook_docname = docname
    settings.record_dependencies = utils.DependencyList()
    document = utils.new_document(path, settings)
    try:
        with drill_directive_registered():
            _parser(myst).parse(text, document)
    except Exception as error:  # a crash of docutils or MyST on odd input; say where
        problem = Problem(
            SourceLocation(path, document.current_line),
            ProblemCode.SYNTAX,
            f"the parser failed here: {error!r}",
        )
        return [], [problem]
    drills = [node["drill"] for node in document.findall(drill_node) if node["drill"] is not None]
    problems = [p for p in settings.runbook_problems if p.code is not ProblemCode.ORPHAN_STEP]
    return drills, sorted(problems, key=lambda p: p.location.line or 0)


def find_drill(docs_dir: Path, name: str) -> Drill:
    """The drill ``name``; refused with every problem of the guide's drills listed."""
    guide = load_drills(docs_dir)
    if guide.problems:
        listing = "\n".join(str(problem) for problem in guide.problems)
        count = len(guide.problems)
        raise ParseError(f"{count} problem(s) in the drills; fix them first:\n{listing}")
    if name not in guide.drills:
        known = ", ".join(guide.drills) or "none"
        raise PlanError(f"no drill named {name!r} in {docs_dir}/ (known: {known})")
    return guide.drills[name]
