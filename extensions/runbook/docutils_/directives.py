"""The ``scenario``, ``variable``, ``step``, ``verify`` and ``legacy-scenario`` directives.

Each is written once at the docutils level and reused unchanged by MyST (colon or backtick
fences) and by Sphinx. They only read their own text: they convert the options, emit a
placeholder node (:mod:`runbook.docutils_.nodes`) and report problems with
``[runbook.<kind>]``; building the model is the collector's job.

Option values are never rejected by docutils or MyST themselves: the option specs accept
every name and keep a bad value as :class:`_Invalid`, so the directive runs and reports the
problem in our words, at its line, with a kind users can suppress, instead of the parser
dropping the whole directive (rST) or just the option (MyST) with a generic message.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, cast

from docutils import nodes
from docutils.parsers.rst import Directive, directives, roles
from docutils.parsers.rst.directives.misc import Include

from runbook.docutils_.messages import report
from runbook.docutils_.nodes import scenario_node, step_node, variable_node, verify_node
from runbook.docutils_.roles import SPHINX_TEXT_ROLES, plain_text_role
from runbook.errors import ParseError, RunbookError
from runbook.model.location import SourceLocation
from runbook.model.problems import ProblemCode
from runbook.model.target import ALL
from runbook.parsing import options as parse
from runbook.parsing.files import project_root, read_user_file
from runbook.parsing.targets import parse_role, parse_target


@dataclass(frozen=True, slots=True)
class _Invalid:
    """An option value that did not convert; reported by the directive's ``run``."""

    error: str
    kind: ProblemCode = ProblemCode.OPTION


@dataclass(frozen=True, slots=True)
class _Unknown:
    """The value of an option the directive does not know."""


def _lenient(
    convert: Callable[[str], Any], kind: ProblemCode = ProblemCode.OPTION
) -> Callable[[str | None], Any]:
    """``convert`` for an option spec: docutils and MyST give ``None`` for no value."""

    def converter(text: str | None) -> Any:
        try:
            return convert(text or "")
        except ValueError as error:
            return _Invalid(str(error), kind)

    return converter


def _unknown(text: str | None) -> _Unknown:
    return _Unknown()


class _OptionSpec(dict[str, Callable[[str], Any]]):
    """An option spec that accepts every name, so unknown ones reach ``run``.

    docutils gives a converter ``None`` for an option written without a value, so ours all
    take ``str | None``; the type says ``str`` as docutils' own ``option_spec`` does.
    """

    def __missing__(self, name: str) -> Callable[[str], Any]:
        return _unknown


_target = _lenient(parse_target, ProblemCode.TARGET)
_text = _lenient(parse.parse_text)
_flag = _lenient(parse.parse_flag)
_count = _lenient(parse.parse_count)
_positive = _lenient(parse.parse_positive)
_duration = _lenient(parse.parse_duration)
_exit = _lenient(parse.parse_exit_status)
_regex = _lenient(parse.parse_regex)


def _default(text: str | None) -> str:
    """A default written without a value is the empty string (the variable is optional)."""
    return (text or "").strip()


def _reason(text: str) -> str:
    if not text.strip():
        raise ValueError("needs a reason: why the step cannot be verified")
    return text.strip()


_VERIFY_OPTIONS = {
    "expect-output": _regex,
    "retries": _count,
    "delay": _duration,
    "timeout": _duration,
}


class _RunbookDirective(Directive):
    """Shared reading of options, locations and verbatim content."""

    has_content = True
    required_arguments = 0
    optional_arguments = 1
    final_argument_whitespace = True
    option_spec: ClassVar[dict[str, Callable[[str], Any]]] = _OptionSpec()

    def location(self) -> tuple[str | None, int | None]:
        return self.state_machine.get_source_and_line(self.lineno)

    def problem(self, kind: ProblemCode, message: str, option: str | None = None) -> None:
        source, line = self.location()
        if option is not None and line is not None:
            line += self.option_offset(option)
        report(self.state.document, kind, message, source=source, line=line)

    def option_offset(self, option: str) -> int:
        """Lines from the directive's first line to the option's (0 when not found).

        ``block_text`` starts with the directive's own line in rST and in MyST, and the
        options follow it up to the first blank line.
        """
        marker = re.compile(rf"^\s*:{re.escape(option)}:", re.IGNORECASE)
        for offset, text in enumerate(self.block_text.splitlines()[1:], start=1):
            if not text.strip():
                break
            if marker.match(text):
                return offset
        return 0

    def read_options(self) -> tuple[dict[str, Any], bool]:
        """The converted options by Python name (``run_once``), and whether all were good."""
        values: dict[str, Any] = {}
        good = True
        for name, value in self.options.items():
            if isinstance(value, _Unknown):
                known = ", ".join(f":{key}:" for key in self.option_spec)
                self.problem(
                    ProblemCode.OPTION,
                    f"unknown option :{name}: of the {self.name} directive (known: {known})",
                    name,
                )
                good = False
            elif isinstance(value, _Invalid):
                self.problem(value.kind, f"{self.name} option :{name}: {value.error}", name)
                good = False
            else:
                values[name.replace("-", "_")] = value
        return values, good

    def argument(self) -> str:
        return self.arguments[0].strip() if self.arguments else ""

    def content_line(self) -> int | None:
        """The source line of the content's first non-blank line (what :meth:`verbatim`
        returns starts there), so a checker's line inside it maps back to the page.

        Found in ``block_text``, which starts at the directive's line in rST and in MyST
        (their ``content_offset`` count from different places).
        """
        content = self.verbatim().split("\n")
        _source, line = self.location()
        if line is None or not content[0].strip():
            return None
        block = [text.strip() for text in self.block_text.split("\n")]
        wanted = [text.strip() for text in content[:3]]
        for index in range(1, len(block)):
            if block[index : index + len(wanted)] == wanted:
                return line + index
        return None

    def option_line(self, option: str) -> int | None:
        """The source line of an option, or None when it is not given."""
        if option.replace("-", "_") not in self.options and option not in self.options:
            return None
        _source, line = self.location()
        return None if line is None else line + self.option_offset(option)

    def verbatim(self) -> str:
        """The content as written, without leading and trailing blank lines."""
        lines = list(self.content)
        while lines and not lines[0].strip():
            lines.pop(0)
        while lines and not lines[-1].strip():
            lines.pop()
        return "\n".join(line.rstrip() for line in lines)

    def code_block(self, text: str) -> nodes.literal_block:
        block = nodes.literal_block(text, text, language="bash")
        block.source, block.line = self.location()
        return block

    def placeholder(self, node: nodes.Element) -> nodes.Element:
        node.source, node.line = self.location()
        return node

    def origin(self) -> str:
        """``myst`` when MyST runs the directive, else ``rst`` (its mock state tells)."""
        return "myst" if type(self.state).__module__.startswith("myst_parser") else "rst"


class ScenarioDirective(_RunbookDirective):
    """Opens a scenario for the rest of its document (or until the next one)."""

    option_spec = _OptionSpec(
        {
            "title": _text,
            "requires": _lenient(parse.parse_scenario_names),
            "provides": _lenient(parse.parse_scenario_names),
            "hosts": _lenient(parse_role),
            "nodes": _positive,
        }
    )

    def run(self) -> list[nodes.Node]:
        values, good = self.read_options()
        name = self.argument()
        if not name:
            self.problem(ProblemCode.SCENARIO, "the scenario directive needs a name")
            good = False
        node = self.placeholder(
            scenario_node(
                self.block_text,
                name=name,
                title=values.get("title"),
                requires=values.get("requires", ()),
                provides=values.get("provides", ()),
                hosts=values.get("hosts"),
                nodes=values.get("nodes", 1),
                origin=self.origin(),
                legacy=None,
                legacy_path=None,
                invalid=not good,
            )
        )
        self.state.nested_parse(self.content, self.content_offset, node)
        return [node]


class VariableDirective(_RunbookDirective):
    """Declares a variable of the open scenario; its content is the description."""

    option_spec = _OptionSpec({"default": _default, "secret": _flag})

    def run(self) -> list[nodes.Node]:
        values, good = self.read_options()
        name = self.argument()
        if not name:
            self.problem(ProblemCode.VARIABLE, "the variable directive needs a name")
            good = False
        node = self.placeholder(
            variable_node(
                self.block_text,
                name=name,
                default=values.get("default"),
                secret=values.get("secret", False),
                invalid=not good,
            )
        )
        self.state.nested_parse(self.content, self.content_offset, node)
        return [node]


class StepDirective(_RunbookDirective):
    """One step of the open scenario; its content is the shell script, verbatim."""

    option_spec = _OptionSpec(
        {
            "target": _target,
            "unless": _text,
            "verify": _text,
            **_VERIFY_OPTIONS,
            "run-once": _flag,
            "serial": _positive,
            "sensitive": _flag,
            "expect-exit": _exit,
            "register": _lenient(parse.parse_identifier),
            "no-verify": _lenient(_reason),
            "shellcheck-disable": _lenient(parse.parse_shellcheck_codes),
            "copy": _lenient(parse.parse_paths),
            "copy-from": _target,
            "troubleshooting": _lenient(parse.parse_paragraphs),
        }
    )

    def run(self) -> list[nodes.Node]:
        values, good = self.read_options()
        script = self.verbatim()
        node = self.placeholder(
            step_node(
                self.block_text,
                title=self.argument(),
                script=script,
                target=values.get("target", ALL),
                unless=values.get("unless"),
                verify=values.get("verify"),
                expect_output=values.get("expect_output"),
                retries=values.get("retries"),
                delay=values.get("delay"),
                timeout=values.get("timeout"),
                run_once=values.get("run_once", False),
                serial=values.get("serial"),
                sensitive=values.get("sensitive", False),
                expect_exit=values.get("expect_exit", 0),
                register=values.get("register"),
                no_verify=values.get("no_verify"),
                shellcheck_disable=values.get("shellcheck_disable", ()),
                copy=values.get("copy", ()),
                copy_from=values.get("copy_from"),
                troubleshooting=values.get("troubleshooting", ""),
                invalid=not good,
                script_line=self.content_line(),
                unless_line=self.option_line("unless"),
                verify_line=self.option_line("verify"),
            )
        )
        node += self.code_block(script)
        return [node]


class VerifyDirective(_RunbookDirective):
    """The verification of the step just before it; its content is the command."""

    optional_arguments = 0
    option_spec = _OptionSpec({**_VERIFY_OPTIONS, "expect-exit": _exit})

    def run(self) -> list[nodes.Node]:
        values, good = self.read_options()
        command = self.verbatim()
        node = self.placeholder(
            verify_node(
                self.block_text,
                command=command,
                expect_output=values.get("expect_output"),
                retries=values.get("retries"),
                delay=values.get("delay"),
                timeout=values.get("timeout"),
                expect_exit=values.get("expect_exit"),
                invalid=not good,
                command_line=self.content_line(),
            )
        )
        node += self.code_block(command)
        return [node]


class LegacyScenarioDirective(_RunbookDirective):
    """Includes a legacy phd ``.scenario`` file (paths relative to the document)."""

    has_content = False
    option_spec = _OptionSpec({"name": _text, "test-script": _text})

    def run(self) -> list[nodes.Node]:
        from runbook.parsing.legacy import load_legacy, test_script_path

        values, good = self.read_options()
        argument = self.argument()
        if not argument:
            self.problem(ProblemCode.LEGACY, "legacy-scenario needs the path of a file")
            return []
        if not self.state.document.settings.file_insertion_enabled:
            # docutils' switch for every directive that reads a file (include, raw, csv-table).
            message = "legacy-scenario reads a file, and file insertion is off here"
            self.problem(ProblemCode.LEGACY, message + " (file_insertion_enabled)")
            return []
        source, _line = self.location()
        base = Path(source).parent if source else Path()
        path = Path(os.path.normpath(base / argument))
        given = values.get("test_script")
        test_script = Path(os.path.normpath(base / given)) if given else None
        try:
            imported = load_legacy(
                path,
                name=values.get("name"),
                test_script=test_script,
                within=guide_root(self.state.document.settings, base),
            )
        except RunbookError as error:
            self.report_at(error.location, error.message)
            return []
        except ValueError as error:
            self.report_at(None, f"{argument}: {error}")
            return []
        for warning in imported.warnings:
            self.report_at(warning.location, warning.message)
        dependencies = self.state.document.settings.record_dependencies
        for used in (path, test_script or test_script_path(path)):
            if used.is_file():
                dependencies.add(str(used))
        scenario = imported.scenario
        node = self.placeholder(
            scenario_node(
                self.block_text,
                name=scenario.name,
                title=scenario.title,
                requires=scenario.requires,
                hosts=scenario.hosts_role,
                nodes=scenario.min_nodes,
                origin="legacy",
                legacy=scenario,
                legacy_path=str(path),
                invalid=not good,
            )
        )
        return [node]

    def report_at(self, location: SourceLocation | None, message: str) -> None:
        """A problem in the legacy file itself, at its own line when it has one."""
        if location is None:
            self.problem(ProblemCode.LEGACY, message)
        else:
            report(
                self.state.document,
                ProblemCode.LEGACY,
                message,
                source=location.path,
                line=location.line,
            )


class BoundedInclude(Directive):
    """``include`` through the one bounded reader, for the command and for Sphinx.

    The file must be a regular file inside the guide's project (:func:`guide_root`) and
    no larger than :data:`runbook.parsing.files.MAX_BYTES`; anything else is a problem
    at the directive and nothing is included. docutils' own standard includes
    (``<isonum.txt>``) are allowed. Then docutils' directive (rST) or MyST's (Markdown)
    does the including.
    """

    required_arguments = 1
    final_argument_whitespace = True
    has_content = True
    #: The directive that includes an rST file once it passed; Sphinx's under Sphinx.
    rst_include: ClassVar[type[Include]] = Include
    option_spec: ClassVar[dict[str, Callable[[str], Any]]] = {
        **(Include.option_spec or {}),
        "relative-images": directives.flag,
        "relative-docs": directives.path,
        "heading-offset": directives.nonnegative_int,
    }

    def run(self) -> list[nodes.Node]:
        settings = self.state.document.settings
        argument = "".join(part.strip() for part in self.arguments[0].splitlines())
        # A missing file stays docutils' and MyST's to report (the fast path ignores that,
        # as it ignores every include problem that is not ours): it may be generated.
        standard = argument.startswith("<") and argument.endswith(">")
        source, line = self.state_machine.get_source_and_line(self.lineno)
        source = source or self.state.document.get("source") or ""
        env = getattr(settings, "env", None)
        if env is not None:  # Sphinx: "/x" is the source directory's x
            path = Path(env.relfn2path(argument)[1])
        else:
            path = Path(os.path.normpath(Path(source).parent / argument))
        if not standard and os.path.exists(path):
            try:
                root = guide_root(settings, Path(source).parent)
                read_user_file(path, what="include", within=root)
            except ParseError as error:
                # Never cached: the page's result depends on a file outside its text.
                settings.record_dependencies.add(str(path))
                report(
                    self.state.document,
                    ProblemCode.SYNTAX,
                    f'"include" directive: {error.message}',
                    source=source,
                    line=line,
                )
                return []
        if type(self.state).__module__.startswith("myst_parser"):
            from myst_parser.mocking import MockIncludeDirective

            include = MockIncludeDirective(
                cast(Any, self.state)._renderer,  # MyST's state, which holds its renderer
                name=self.name,
                klass=Include,
                arguments=self.arguments,
                options=self.options,
                body=list(self.content),
                lineno=self.lineno,
            )
            return [*include.run()]
        included = self.rst_include(
            self.name,
            self.arguments,
            self.options,
            self.content,
            self.lineno,
            self.content_offset,
            self.block_text,
            self.state,
            self.state_machine,
        ).run()
        return [*included]


def guide_root(settings: Any, page_dir: Path) -> Path:
    """The directory files a page names must stay in (:func:`project_root`).

    The command sets ``runbook_root``; under Sphinx it is the project of the source
    directory; else the project of the page's directory.
    """
    root = getattr(settings, "runbook_root", None)
    if root is not None:
        return Path(root)
    env = getattr(settings, "env", None)
    return project_root(env.srcdir if env is not None else page_dir)


#: Directive name -> class, for docutils' registry and Sphinx's ``app.add_directive``.
DIRECTIVES: dict[str, type[Directive]] = {
    "scenario": ScenarioDirective,
    "variable": VariableDirective,
    "step": StepDirective,
    "verify": VerifyDirective,
    "legacy-scenario": LegacyScenarioDirective,
}


def register_directives() -> None:
    """Register the directives with docutils (rST and MyST's docutils parser), for good."""
    for name, directive in DIRECTIVES.items():
        directives.register_directive(name, directive)


@contextmanager
def directives_registered() -> Iterator[None]:
    """Only docutils' own directives and roles, and ours, for the duration of a parse.

    ``include`` is :class:`BoundedInclude` here, so the fast path reads no file that
    the bounded reader refuses.

    docutils' registries are global. Left registered, our directives would make a later
    Sphinx application in the same process warn that they are already registered; and
    what a Sphinx application of the same process registered (``toctree``, ``:doc:``)
    needs Sphinx's environment, which the fast path does not have, so it is hidden and
    Sphinx's reference roles read as their text instead (:mod:`runbook.docutils_.roles`).
    """
    # The registries are module globals that docutils has no API (and its stubs no type) for.
    directive_globals, role_globals = vars(directives), vars(roles)
    saved = directive_globals["_directives"], role_globals["_roles"]
    directive_globals["_directives"], role_globals["_roles"] = {}, {}
    register_directives()
    directives.register_directive("include", BoundedInclude)
    for name in SPHINX_TEXT_ROLES:
        # types-docutils has a role return only references; docutils takes any nodes.
        roles.register_local_role(name, plain_text_role)  # type: ignore[arg-type]
    try:
        yield
    finally:
        directive_globals["_directives"], role_globals["_roles"] = saved
