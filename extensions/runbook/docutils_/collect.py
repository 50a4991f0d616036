"""Turn a parsed document's placeholder nodes into model scenarios, in document order.

The collector never raises on bad input: every problem is reported through
:func:`runbook.docutils_.messages.report` at its ``path:line`` and the broken part is
left out (a broken step is skipped and the steps after it are numbered on). Each node
that became a model object is marked with that object's identity (``rb_scenario``,
``rb_step``, ``rb_variable``; see :mod:`runbook.docutils_.nodes`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from docutils import nodes

from runbook.docutils_.messages import report
from runbook.docutils_.nodes import (
    PLACEHOLDERS,
    scenario_node,
    step_node,
    variable_node,
    verify_node,
)
from runbook.model import Scenario, SourceLocation, Step, StepOptions, Variable, Verify
from runbook.model.problems import ProblemCode
from runbook.parsing.variables import (
    VariableReferenceError,
    expansion_order,
    references,
    secret_by_reference,
)

#: Step options that belong to the ``:verify:`` one-liner.
_VERIFY_FIELDS = {
    "expect_output": "match",
    "retries": "retries",
    "delay": "delay",
    "timeout": "timeout",
}

#: Body elements that carry no prose of their own.
_SILENT = (nodes.title, nodes.subtitle, nodes.Invisible, nodes.system_message)


def collect_scenarios(document: nodes.document) -> list[Scenario]:
    """The scenarios of ``document`` in order; problems are reported, never raised."""
    return _Collector(document).run()


class _Reported(Exception):
    """A part of a step was reported broken; the step is left out."""


@dataclass
class _PendingStep:
    node: step_node
    prose: str
    verify: verify_node | None = None


@dataclass
class _OpenScenario:
    node: scenario_node
    variables: list[variable_node] = field(default_factory=list)
    steps: list[_PendingStep] = field(default_factory=list)
    prose: list[str] = field(default_factory=list)


class _Collector:
    """One pass over one document; holds the scenario being read."""

    def __init__(self, document: nodes.document) -> None:
        self.document = document
        env = getattr(document.settings, "env", None)
        self.docname: str | None = (
            env.docname if env is not None else getattr(document.settings, "runbook_docname", None)
        )
        self.scenarios: list[Scenario] = []
        self.first_seen: dict[str, SourceLocation] = {}

    def run(self) -> list[Scenario]:
        current: _OpenScenario | None = None
        last_step: _PendingStep | None = None
        for node in self.walk(self.document):
            if isinstance(node, scenario_node):
                self.finish(current)
                current, last_step = None, None
                if node["origin"] == "legacy":
                    self.add_legacy(node)
                else:
                    current = _OpenScenario(node)
            elif not isinstance(node, PLACEHOLDERS):
                if current is not None:
                    text = _prose_of(node)
                    if text:
                        current.prose.append(text)
            elif isinstance(node, variable_node):
                if current is None:
                    self.problem(node, ProblemCode.ORPHAN_VARIABLE, _orphan("variable"))
                else:
                    current.variables.append(node)
            elif isinstance(node, step_node):
                prose = "\n\n".join(current.prose) if current is not None else ""
                last_step = _PendingStep(node, prose)
                if current is None:
                    self.problem(node, ProblemCode.ORPHAN_STEP, _orphan("step"))
                else:
                    current.prose = []
                    current.steps.append(last_step)
            elif isinstance(node, verify_node):
                self.attach_verify(node, last_step)
        self.finish(current)
        return self.scenarios

    def walk(self, parent: nodes.Element) -> Iterator[nodes.Element]:
        """Placeholders and prose-carrying body elements, in document order."""
        for child in parent.children:
            if isinstance(child, PLACEHOLDERS):
                self.check_nesting(child)
                yield child
            elif isinstance(child, _SILENT) or not isinstance(child, nodes.Element):
                continue
            elif isinstance(child, nodes.section) or _contains_placeholder(child):
                yield from self.walk(child)
            else:
                yield child

    def check_nesting(self, node: nodes.Element) -> None:
        for inner in node.findall(nodes.Element, include_self=False):
            if not isinstance(inner, PLACEHOLDERS):
                continue
            self.problem(
                inner,
                ProblemCode.SYNTAX,
                f"a {_directive(inner)} directive inside the content of a "
                f"{_directive(node)} directive is ignored; write it after that directive",
            )

    def attach_verify(self, node: verify_node, step: _PendingStep | None) -> None:
        if step is None:
            self.problem(
                node,
                ProblemCode.ORPHAN_VERIFY,
                "verify directive without a step before it; it verifies the step just above",
            )
        elif step.verify is not None or step.node["verify"] is not None:
            self.problem(
                node,
                ProblemCode.VERIFY,
                f"the step {step.node['title']!r} already has a verification "
                f"(at line {(step.verify or step.node).line}); a step has one",
            )
        else:
            step.verify = node

    def add_legacy(self, node: scenario_node) -> None:
        scenario: Scenario = node["legacy"]
        if node["invalid"] or not self.first_time(node, scenario.name):
            return
        self.add(node, replace(scenario, docname=self.docname))

    def finish(self, open_scenario: _OpenScenario | None) -> None:
        if open_scenario is None:
            return
        node = open_scenario.node
        name = node["name"]
        variables = self.variables(open_scenario)
        steps = self.steps(name, open_scenario.steps)
        try:
            scenario = Scenario(
                name=name,
                title=node["title"] or _section_title(node) or name,
                steps=tuple(step for step, _ in steps),
                description=_text_of(node),
                requires=node["requires"],
                provides=node.get("provides", ()),
                variables=tuple(variable for variable, _ in variables),
                hosts_role=node["hosts"],
                min_nodes=node["nodes"],
                origin=node["origin"],
                location=_location(node),
                docname=self.docname,
            )
        except ValueError as error:
            if name:
                self.problem(node, ProblemCode.SCENARIO, str(error))
            return
        if node["invalid"] or not self.first_time(node, name):
            return
        self.add(node, scenario)
        for variable, variable_node_ in variables:
            variable_node_["rb_variable"] = variable.name
            variable_node_["rb_scenario"] = name
        for step, pending in steps:
            pending.node["rb_step"] = step.id
            pending.node["rb_scenario"] = name
            if pending.verify is not None:
                pending.verify["rb_step"] = step.id
                pending.verify["rb_scenario"] = name

    def first_time(self, node: scenario_node, name: str) -> bool:
        """False (and a reported problem) for the second scenario of the same name."""
        if name in self.first_seen:
            self.problem(
                node,
                ProblemCode.DUPLICATE,
                f"duplicate scenario name {name!r}; the first is at {self.first_seen[name]}",
            )
            return False
        self.first_seen[name] = _location(node)
        return True

    def add(self, node: scenario_node, scenario: Scenario) -> None:
        node["rb_scenario"] = scenario.name
        self.scenarios.append(scenario)

    def variables(self, open_scenario: _OpenScenario) -> list[tuple[Variable, variable_node]]:
        declared: dict[str, variable_node] = {}
        for node in open_scenario.variables:
            if node["invalid"]:
                continue
            if node["name"] in declared:
                first = _location(declared[node["name"]])
                self.problem(
                    node,
                    ProblemCode.DUPLICATE,
                    f"variable {node['name']!r} is declared twice; the first is at {first}",
                )
                continue
            declared[node["name"]] = node
        defaults = {name: node["default"] for name, node in declared.items()}
        blamed = self.check_references(declared, defaults)
        secret = secret_by_reference(defaults, {n for n, v in declared.items() if v["secret"]})
        result = []
        for name, node in declared.items():
            if name in blamed:
                continue
            try:
                variable = Variable(
                    name=name,
                    description=_text_of(node),
                    default=node["default"],
                    secret=name in secret,
                    location=_location(node),
                )
            except ValueError as error:
                self.problem(node, ProblemCode.VARIABLE, str(error))
                continue
            result.append((variable, node))
        return result

    def check_references(
        self, declared: dict[str, variable_node], defaults: dict[str, str | None]
    ) -> set[str]:
        """Report defaults that refer to undeclared variables or to each other."""
        blamed: set[str] = set()
        for name, node in declared.items():
            for reference in references(node["default"] or ""):
                if reference not in declared:
                    self.problem(
                        node,
                        ProblemCode.VARIABLE,
                        f"the default of {name!r} refers to ${{{reference}}}, "
                        "which is not a variable declared in this scenario",
                    )
                    blamed.add(name)
        unblamed = {name: None if name in blamed else default for name, default in defaults.items()}
        try:
            expansion_order(unblamed)
        except VariableReferenceError as error:
            self.problem(declared[error.variable], ProblemCode.VARIABLE, str(error))
            blamed.add(error.variable)
        return blamed

    def steps(self, name: str, pending: list[_PendingStep]) -> list[tuple[Step, _PendingStep]]:
        result: list[tuple[Step, _PendingStep]] = []
        for item in pending:
            if item.node["invalid"] or (item.verify is not None and item.verify["invalid"]):
                continue
            step = self.step(name, len(result) + 1, item)
            if step is not None:
                result.append((step, item))
        return result

    def step(self, name: str, index: int, item: _PendingStep) -> Step | None:
        node = item.node
        try:
            verify = self.verification(item)
            options = StepOptions(
                run_once=node["run_once"],
                serial=node["serial"],
                sensitive=node["sensitive"],
                expect_exit=node["expect_exit"],
                register=node["register"],
                no_verify=node["no_verify"],
                shellcheck_disable=node["shellcheck_disable"],
                copy_paths=node["copy"],
                copy_from=node["copy_from"],
            )
            return Step(
                scenario=name,
                index=index,
                title=node["title"],
                script=node["script"],
                target=node["target"],
                verify=verify,
                guard=node["unless"],
                prose=item.prose,
                options=options,
                troubleshooting=node.get("troubleshooting", ""),
                location=_location(node),
                script_line=node.get("script_line"),
                guard_line=node.get("unless_line"),
            )
        except ValueError as error:
            self.problem(node, ProblemCode.STEP, str(error))
        except _Reported:
            pass
        return None

    def verification(self, item: _PendingStep) -> Verify | None:
        """The step's verification, from its ``:verify:`` or the verify directive after it."""
        node = item.node
        given = [option for option in _VERIFY_FIELDS if node[option] is not None]
        if item.verify is not None:
            source: nodes.Element = item.verify
            command, expect_exit = item.verify["command"], item.verify["expect_exit"] or 0
            command_line = item.verify.get("command_line")
        elif node["verify"] is not None:
            source, command, expect_exit = node, node["verify"], 0
            command_line = node.get("verify_line")
        else:
            if given:
                raise ValueError(
                    f":{given[0].replace('_', '-')}: belongs to a verification; "
                    "add :verify: or move it to a verify directive"
                )
            return None
        if node["no_verify"] is not None:
            raise ValueError(":no-verify: is given but the step has a verification")
        if item.verify is not None and given:
            raise ValueError(
                f":{given[0].replace('_', '-')}: on the step is ignored when a verify directive "
                "follows; put it on the verify directive"
            )
        waiting: dict[str, Any] = {
            model_name: source[option]
            for option, model_name in _VERIFY_FIELDS.items()
            if source[option] is not None
        }
        try:
            return Verify(
                command=command,
                expect_exit=expect_exit,
                location=_location(source),
                command_line=command_line,
                **waiting,
            )
        except ValueError as error:
            self.problem(source, ProblemCode.VERIFY, str(error))
            raise _Reported from None

    def problem(self, node: nodes.Element, kind: ProblemCode, message: str) -> None:
        report(self.document, kind, message, source=node.source, line=node.line)


def _orphan(what: str) -> str:
    return f"{what} outside any scenario; put a scenario directive before it in this document"


def _directive(node: nodes.Element) -> str:
    return type(node).__name__.removesuffix("_node")


def _contains_placeholder(node: nodes.Element) -> bool:
    return next(node.findall(lambda n: isinstance(n, PLACEHOLDERS)), None) is not None


def _location(node: nodes.Element) -> SourceLocation:
    return SourceLocation(node.source or "<string>", node.line)


def _text_of(node: nodes.Element) -> str:
    """The plain text of a directive's parsed content (its description)."""
    parts = (_prose_of(child) for child in node.children if not isinstance(child, _SILENT))
    return "\n\n".join(part for part in parts if part)


def _prose_of(node: nodes.Node) -> str:
    """The reader's text of ``node``, without the parser's complaints (system messages)."""
    if isinstance(node, nodes.system_message):
        return ""
    if isinstance(node, nodes.Text):
        return str(node)
    if not isinstance(node, nodes.Element):
        return ""
    parts = (_prose_of(child) for child in node.children)
    return node.child_text_separator.join(part for part in parts if part).strip()


def _section_title(node: nodes.Element) -> str | None:
    """The title of the section (or titled document) the node stands in."""
    container = node.parent
    while container is not None and not isinstance(container, (nodes.section, nodes.document)):
        container = container.parent
    if container is not None and container.children and isinstance(container[0], nodes.title):
        return container[0].astext().strip() or None
    return None
