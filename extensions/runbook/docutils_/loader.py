"""The command's fast path: read the guide's scenarios without Sphinx.

``.rst`` files go through docutils' rST parser and ``.md`` files through myst-parser's
docutils parser (with the guide's MyST extensions, colon fences among them), both with the
same directives and collector as the Sphinx build, so the command and the rendered guide
see the same scenarios. No Sphinx, no transforms, no writer: each doctree is dropped once
collected. docutils' own complaints (Sphinx-only roles and directives such as ``toctree``
or ``:doc:``) are silenced; only our problems count, plus docutils' and MyST's complaints
about our own directives (a bad option block would otherwise drop a step without a word).

With a cache (:mod:`runbook.docutils_.pagecache`, which the command uses), a page parsed
before and unchanged since is not parsed again, and docutils and MyST are imported only
when some page has to be: this module imports neither at the top.
"""

from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runbook.docutils_.pagecache import PageCache
from runbook.errors import ParseError, PlanError
from runbook.model import Problem, ProblemCode, Scenario, ScenarioGraph, SourceLocation
from runbook.parsing.files import project_root, read_user_file

if TYPE_CHECKING:
    from docutils import nodes

__all__ = [
    "Guide",
    "Problem",
    "load_guide",
    "load_scenario",
    "parse_source",
    "requirement_graph",
]

SUFFIXES = (".rst", ".md")
#: The MyST syntax extensions the guide's ``conf.py`` enables, so prose reads the same here.
MYST_EXTENSIONS = ("colon_fence", "deflist", "fieldlist")
#: The names of our directives (``directives.DIRECTIVES``), known here without docutils.
DIRECTIVE_NAMES = ("scenario", "variable", "step", "verify", "legacy-scenario")
_NAMES = "|".join(re.escape(name) for name in DIRECTIVE_NAMES)
#: A cheap test for files worth parsing: an rST directive or a MyST fence of ours.
_PREFILTER = re.compile(rf"(?:\.\.\s+(?:{_NAMES})::|[`:]{{3,}}\s*\{{(?:{_NAMES})\}})")
#: docutils' and MyST's messages about one of our directives.
_OUR_DIRECTIVE_MESSAGE = re.compile(
    rf"""^(?:Error in "(?:{_NAMES})" directive|Directive '(?:{_NAMES})':|'(?:{_NAMES})': )"""
)
_MYST_SUFFIX = re.compile(r" \[myst\.[a-z_]+\]$")
_MYST_PREFIX = re.compile(rf"^'({_NAMES})': ")
#: docutils' and MyST's messages about an include that could not be read.
_FAILED_INCLUDE = re.compile(r'"include"')


@dataclass(frozen=True)
class Guide:
    """The scenarios of a guide, by name in guide order, and the problems found."""

    scenarios: dict[str, Scenario] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def load_guide(docs_dir: Path, *, cache: bool = False) -> Guide:
    """Every scenario of the guide under ``docs_dir``, in guide order.

    Guide order is document order by path, then position in the document. Duplicate
    names across documents and what the scenario graph reports (``requires`` naming no
    scenario, requirements in a cycle) are problems too. With
    ``cache``, unchanged pages come from the user's page cache (if it is usable).
    """
    if not docs_dir.is_dir():
        raise PlanError(f"{docs_dir}/ is not a directory (the guide's sources; see --docs)")
    pages = PageCache.open(cache)
    scenarios: dict[str, Scenario] = {}
    problems: list[Problem] = []
    for path in _sources(docs_dir):
        try:
            text = _read(path)
        except ParseError as error:
            where = error.location or SourceLocation(str(path))
            problems.append(Problem(where, ProblemCode.SYNTAX, error.message))
            continue
        if not _PREFILTER.search(text):
            continue
        docname = path.relative_to(docs_dir).with_suffix("").as_posix()
        found, file_problems = _parse_page(text, path, docname, pages)
        problems.extend(file_problems)
        for scenario in found:
            first = scenarios.get(scenario.name)
            if first is None:
                scenarios[scenario.name] = scenario
            else:
                problems.append(
                    Problem(
                        scenario.location or SourceLocation(str(path)),
                        ProblemCode.DUPLICATE,
                        f"duplicate scenario name {scenario.name!r}; "
                        f"the first is at {first.location}",
                    )
                )
    problems.extend(ScenarioGraph(scenarios).problems())
    return Guide(scenarios, problems)


def load_scenario(
    ref: str,
    docs_dir: Path = Path("docs"),
    scenarios_dir: Path = Path("scenarios"),
    *,
    cache: bool = False,
) -> Scenario:
    """The scenario ``ref`` names: a guide scenario, a legacy file's name, or a file path.

    A path (``.rst``, ``.md`` or ``.scenario``) is read alone. A name is looked up in the
    guide, then as ``NAME.scenario`` under ``scenarios_dir``. Problems in what was read
    raise :class:`ParseError` listing them; an unknown name raises :class:`PlanError`.
    So does what the scenario graph reports of the scenario and everything it requires
    (a requirement naming no scenario of the guide, requirements in a cycle): a scenario
    that cannot be deployed is refused before it is planned or run. With ``cache``,
    unchanged pages come from the user's page cache (if it is usable).
    """
    scenario = _find_scenario(ref, docs_dir, scenarios_dir, cache=cache)
    problems = requirement_graph(scenario, docs_dir, cache=cache).problems()
    if problems:
        raise PlanError.of(problems)
    return scenario


def requirement_graph(
    scenario: Scenario, docs_dir: Path = Path("docs"), *, cache: bool = False
) -> ScenarioGraph:
    """The graph of ``scenario`` and what it requires, directly or not, from the guide.

    The first few requirements are looked up like ``runbook plan NAME`` does (the pages
    that seem to declare it); after that, or when that fails, the whole guide is read, once
    (each look-up scans every page, so a long chain of requirements would cost its square).
    A requirement the guide does not have is left out, and the graph reports it.
    """
    pages = PageCache.open(cache)
    found = {scenario.name: scenario}
    pending = list(scenario.requires)
    guide: Guide | None = None
    while pending:
        name = pending.pop(0)
        if name in found:
            continue
        required = None
        if guide is None and len(found) <= FEW_PAGES:
            required = _declared_in_few_pages(docs_dir, name, pages)
        if required is None:
            if guide is None:
                guide = load_guide(docs_dir, cache=cache) if docs_dir.is_dir() else Guide()
            required = guide.scenarios.get(name)
        if required is not None:
            found[name] = required
            pending.extend(required.requires)
        elif guide is not None:
            # Not a scenario: something scenarios provide; every provider is an alternative.
            for provider in guide.scenarios.values():
                if name in provider.provides and provider.name not in found:
                    found[provider.name] = provider
                    pending.extend(provider.requires)
    return ScenarioGraph(found)


def alternatives_of(
    scenario: Scenario, docs_dir: Path = Path("docs"), *, cache: bool = False
) -> ScenarioGraph:
    """The guide's scenarios that provide what ``scenario`` provides (it included).

    Only a scenario that provides something reads the whole guide for this.
    """
    found = {scenario.name: scenario}
    if scenario.provides and docs_dir.is_dir():
        for other in load_guide(docs_dir, cache=cache).scenarios.values():
            if set(other.provides) & set(scenario.provides):
                found.setdefault(other.name, other)
    return ScenarioGraph(found)


def _find_scenario(ref: str, docs_dir: Path, scenarios_dir: Path, *, cache: bool) -> Scenario:
    """:func:`load_scenario` without its requirements."""
    path = Path(ref)
    if path.suffix == ".scenario":
        return _legacy(path)
    pages = PageCache.open(cache)
    if path.suffix in SUFFIXES:
        return _scenario_of_file(path, pages)
    declared = _declared_in_few_pages(docs_dir, ref, pages)
    if declared is not None:
        return declared
    guide = load_guide(docs_dir, cache=cache)
    if ref in guide.scenarios:
        _refuse(guide.problems, f"{docs_dir}/")
        return guide.scenarios[ref]
    legacy = _legacy_named(scenarios_dir, ref)
    if legacy:
        return _legacy(legacy[0])
    known = ", ".join(guide.scenarios) or "none"
    raise PlanError(f"no scenario named {ref!r} in {docs_dir}/ (known: {known})")


def parse_source(
    text: str, path: str, docname: str | None = None
) -> tuple[list[Scenario], list[Problem]]:
    """The scenarios in one source text and its problems; ``path``'s suffix picks the parser.

    Never raises for bad input: a parser failure is a problem at the file.
    """
    scenarios, problems, _self_contained = _parse(text, path, docname)
    return scenarios, problems


def _parse_page(
    text: str, path: Path, docname: str | None, pages: PageCache | None
) -> tuple[list[Scenario], list[Problem]]:
    """:func:`parse_source` of a page, kept in and taken from ``pages`` when there is one.

    A page whose parse read other files, or tried to, is never kept: its scenarios depend
    on more than its text, which is all the cache's key covers.
    """
    if pages is None:
        return parse_source(text, str(path), docname)
    cached = pages.get(str(path), docname, text)
    if cached is not None:
        return cached
    scenarios, problems, self_contained = _parse(text, str(path), docname)
    if self_contained:
        pages.put(str(path), docname, text, (scenarios, problems))
    return scenarios, problems


def _parse(text: str, path: str, docname: str | None) -> tuple[list[Scenario], list[Problem], bool]:
    """:func:`parse_source`, and whether its result depends on the text alone.

    It does not when an include or a legacy scenario read a file (docutils' dependencies)
    or failed to (its message; a legacy problem), or a legacy scenario's test script may
    appear later: only files that were read are recorded, not those looked for.
    """
    from docutils import utils

    from runbook.docutils_.collect import collect_scenarios
    from runbook.docutils_.directives import directives_registered

    myst = path.endswith(".md")
    settings = copy.copy(_settings(myst))
    settings.runbook_problems = []
    settings.runbook_docname = docname
    settings.record_dependencies = utils.DependencyList()
    settings.runbook_root = _guide_root(path, docname)
    document = utils.new_document(path, settings)
    failed_includes: list[str] = []
    document.reporter.attach_observer(_observer(settings.runbook_problems, path, failed_includes))
    long_lines = _long_lines(text, path, settings.line_length_limit)
    try:
        if long_lines:
            settings.runbook_problems.extend(long_lines)
            scenarios = []
        else:
            with directives_registered():
                _parser(myst).parse(text, document)
            scenarios = collect_scenarios(document)
    except Exception as error:  # a crash of docutils or MyST on odd input; say where
        settings.runbook_problems.append(
            Problem(
                SourceLocation(path, document.current_line),
                ProblemCode.SYNTAX,
                f"the {'MyST' if myst else 'reStructuredText'} parser failed here: {error!r}",
            )
        )
        scenarios = []
    problems = sorted(settings.runbook_problems, key=lambda p: p.location.line or 0)
    self_contained = not (
        settings.record_dependencies.list
        or failed_includes
        or any(scenario.origin == "legacy" for scenario in scenarios)
        or any(problem.code is ProblemCode.LEGACY for problem in problems)
    )
    return scenarios, problems, self_contained


def _guide_root(path: str, docname: str | None) -> Path:
    """The directory ``include`` and ``legacy-scenario`` may read in (the guide's project).

    The nearest directory with a ``conf.py`` above the guide's sources (``path`` less its
    docname, or the page's own directory); docs/reference/authoring.md states the rule.
    """
    page = Path(path)
    sources = page.parent
    if docname:
        depth = len(Path(docname).parts)
        if depth <= len(page.parents):
            sources = page.parents[depth - 1]
    return project_root(sources)


def _long_lines(text: str, path: str, limit: int) -> list[Problem]:
    """Lines docutils would refuse: it then drops the whole page, scenarios and all."""
    return [
        Problem(
            SourceLocation(path, number),
            ProblemCode.SYNTAX,
            f"this line is {len(line)} characters long, more than docutils reads "
            f"({limit}); without a word it would drop the page and its scenarios: "
            "break the line, or keep the data in a file a step copies",
        )
        for number, line in enumerate(text.splitlines(), start=1)
        if len(line) > limit
    ]


def _legacy(path: Path) -> Scenario:
    from runbook.parsing.legacy import load_legacy

    try:
        return load_legacy(path).scenario
    except ValueError as error:
        raise ParseError(str(error), SourceLocation(str(path))) from None


#: More pages than this that seem to declare a name: reading the whole guide is as quick.
FEW_PAGES = 4


def _declared_in_few_pages(docs_dir: Path, name: str, pages: PageCache | None) -> Scenario | None:
    """Scenario ``name`` from the few pages whose text seems to declare it, or ``None``.

    A page can seem to declare a name it only shows, in an example inside a code block
    (the authoring reference does), so each candidate is parsed. ``None`` (read the whole
    guide, which reports why) unless exactly one page really declares it, without problems.
    """
    candidates = _declaring_pages(docs_dir, name)
    if not candidates or len(candidates) > FEW_PAGES:
        return None
    named: list[Scenario] = []
    for page, text in candidates:
        docname = page.relative_to(docs_dir).with_suffix("").as_posix()
        found, problems = _parse_page(text, page, docname, pages)
        here = [scenario for scenario in found if scenario.name == name]
        if here and problems:
            return None
        named.extend(here)
    return named[0] if len(named) == 1 else None


def _declaring_pages(docs_dir: Path, name: str) -> list[tuple[Path, str]]:
    """The guide's pages whose text declares scenario ``name``, found without parsing.

    Parsing one page instead of the whole guide keeps ``runbook plan NAME`` and
    ``runbook run NAME`` quick to start; anything unusual (no page, several pages, a
    problem in the page) falls back to reading the whole guide, which reports it.
    """
    if not docs_dir.is_dir():
        return []
    declaration = re.compile(
        rf"^\s*(?:\.\.\s+scenario::|[`:]{{3,}}\s*\{{scenario\}})[ \t]+{re.escape(name)}[ \t]*$",
        re.MULTILINE,
    )
    pages = []
    for path in _sources(docs_dir):
        try:
            text = _read(path)
        except ParseError:
            return []
        searched = _without_code_fences(text) if path.suffix == ".md" else text
        if declaration.search(searched):
            pages.append((path, text))
    return pages


_FENCE = re.compile(r"^[ ]{0,3}(`{3,}|~{3,})[ \t]*(.*)$")


def _without_code_fences(markdown: str) -> str:
    """The Markdown text without its fenced code blocks (directives' fences are kept).

    Examples of scenario blocks shown in code fences then do not look like declarations.
    Only a pre-filter: the page found is parsed all the same.
    """
    kept: list[str] = []
    directives: list[str] = []
    code: str | None = None
    for line in markdown.splitlines():
        fence = _FENCE.match(line)
        marker, info = (fence.group(1), fence.group(2).strip()) if fence else ("", "")
        if code is not None:
            if _closes(marker, info, code):
                code = None
            continue
        if fence and directives and _closes(marker, info, directives[-1]):
            directives.pop()
        elif fence and info.startswith("{"):
            directives.append(marker)
        elif fence:
            code = marker
            continue
        kept.append(line)
    return "\n".join(kept)


def _closes(marker: str, info: str, opening: str) -> bool:
    return not info and marker[:1] == opening[0] and len(marker) >= len(opening)


def _legacy_named(scenarios_dir: Path, name: str) -> list[Path]:
    """The ``.scenario`` files under ``scenarios_dir`` whose file name gives scenario ``name``.

    ``My Cluster.scenario`` gives ``my-cluster`` (:mod:`runbook.parsing.legacy`), so
    the name the plan shows finds its file again.
    """
    from runbook.parsing.legacy import name_of_file

    if not scenarios_dir.is_dir():
        return []
    found = [path for path in scenarios_dir.rglob("*.scenario") if name_of_file(path.stem) == name]
    return sorted(found, key=lambda path: (path.stem != name, str(path)))


def _scenario_of_file(path: Path, pages: PageCache | None) -> Scenario:
    found, problems = _parse_page(_read(path), path, None, pages)
    _refuse(problems, str(path))
    if len(found) != 1:
        names = ", ".join(scenario.name for scenario in found) or "none"
        raise PlanError(f"{path} must hold exactly one scenario to be planned alone (has: {names})")
    return found[0]


def _refuse(problems: list[Problem], where: str) -> None:
    if problems:
        count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
        listing = "\n".join(str(problem) for problem in problems)
        raise ParseError(f"{count} in {where}; fix them first:\n{listing}")


def _sources(docs_dir: Path) -> list[Path]:
    """Source files in path order, leaving out ``_build``-like and hidden directories."""
    found = [
        path
        for path in docs_dir.rglob("*")
        if path.suffix in SUFFIXES
        and path.is_file()
        and not any(part.startswith(("_", ".")) for part in path.relative_to(docs_dir).parts)
    ]
    return sorted(found, key=lambda path: path.relative_to(docs_dir).as_posix())


def _read(path: Path) -> str:
    return read_user_file(path, what="guide source")


def _observer(problems: list[Problem], path: str, failed_includes: list[str]) -> Any:
    """Keep docutils' and MyST's messages about our directives as syntax problems.

    Messages about an include that failed go to ``failed_includes``: they are not ours to
    report, but they mean the page's parse depends on a file that is not there (yet).
    """

    def observe(message: nodes.system_message) -> None:
        text = " ".join(message[0].astext().split()) if len(message) else ""
        if _FAILED_INCLUDE.search(text):
            failed_includes.append(text)
        if message["level"] >= 2 and _OUR_DIRECTIVE_MESSAGE.match(text):
            problems.append(
                Problem(
                    SourceLocation(message.get("source") or path, message.get("line")),
                    ProblemCode.SYNTAX,
                    _tidy(text),
                )
            )

    return observe


def _tidy(text: str) -> str:
    """MyST's ``'step': Invalid options ... [myst.directive_option]`` in our words."""
    text = _MYST_SUFFIX.sub("", text)
    if _MYST_PREFIX.match(text):
        text = _MYST_PREFIX.sub(r"\1 directive: ", text)
        text += (
            " (MyST reads option values like YAML: quote the whole value when it starts"
            " with a quote, '>' or '|', or contains ' #')"
        )
    return text


@functools.cache
def _parser(myst: bool) -> Any:
    if myst:
        from myst_parser.parsers.docutils_ import Parser as MystParser

        return MystParser()
    from docutils.parsers.rst import Parser as RstParser

    return RstParser()


@functools.cache
def _settings(myst: bool) -> Any:
    from docutils import frontend

    settings = frontend.get_default_settings(_parser(myst))
    settings.report_level = 5
    settings.halt_level = 5
    settings.warning_stream = False
    settings.file_insertion_enabled = True
    if myst:
        settings.myst_enable_extensions = set(MYST_EXTENSIONS)
    return settings
