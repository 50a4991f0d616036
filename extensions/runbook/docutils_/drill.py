"""The ``drill`` directive: a fault, its probes and budget, written beside the recovery prose.

Written once at the docutils level, like ``scenario`` and ``step``, so MyST's colon fences
reuse it unchanged and rST and MyST give the same doctree. The directive builds the frozen
:class:`~runbook.model.drill.Drill` itself (a drill stands alone: no collector needed),
reports a bad option or an invalid drill at its line, and emits a :class:`drill_node`
holding the model and the drill's card as standard docutils nodes.

``drill_node``
    ``name`` (str), ``drill`` (:class:`~runbook.model.drill.Drill` | None: ``None`` when
    a problem was reported). Children: the card (a field list and the verification's
    ``literal_block``), standard nodes every builder can write. Under Sphinx
    :mod:`runbook.sphinx_ext.drills` replaces the node with a container of the card.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives

from runbook.docutils_.directives import (
    _count,
    _duration,
    _lenient,
    _OptionSpec,
    _RunbookDirective,
    _text,
    directives_registered,
)
from runbook.model.drill import FAULTS, PROBES, RESTORES, Budget, Drill
from runbook.model.location import SourceLocation
from runbook.model.problems import ProblemCode
from runbook.parsing import drill as parse_drill
from runbook.parsing import options as parse


class drill_node(nodes.General, nodes.Element):
    """A ``drill`` directive: its model (``drill``) and its card as children."""


class DrillDirective(_RunbookDirective):
    """One drill; its content is the command that says the service is restored."""

    required_arguments = 1
    optional_arguments = 0
    final_argument_whitespace = False
    option_spec = _OptionSpec(
        {
            "title": _text,
            "scenarios": _lenient(parse.parse_scenario_names),
            "fault": _lenient(parse_drill.parse_fault),
            "probes": _lenient(parse_drill.parse_probes),
            "downtime": _duration,
            "mttr": _duration,
            "failed-requests": _count,
            "lost-writes": _count,
            "hold": _duration,
            "recovery-timeout": _duration,
            "symptom": _text,
            "hints": _lenient(parse_drill.parse_hints),
        }
    )

    def run(self) -> list[nodes.Node]:
        values, good = self.read_options()
        name = self.argument()
        drill = None
        if good:
            source, line = self.location()
            try:
                drill = Drill(
                    name=name,
                    title=values.get("title", name),
                    scenarios=values.get("scenarios", ()),
                    fault=_required(values, "fault"),
                    probes=values.get("probes", ()),
                    budget=Budget(
                        downtime=values.get("downtime"),
                        mttr=values.get("mttr"),
                        failed_requests=values.get("failed_requests"),
                        lost_writes=values.get("lost_writes"),
                    ),
                    symptom=values.get("symptom", ""),
                    hints=values.get("hints", ()),
                    verify=self.verbatim(),
                    hold=values.get("hold", 30.0),
                    recovery_timeout=values.get("recovery_timeout", 300.0),
                    location=_location(source, line),
                    docname=getattr(self.state.document.settings, "runbook_docname", None),
                )
            except ValueError as error:
                self.problem(ProblemCode.DRILL, f"drill {name!r}: {error}")
        node = self.placeholder(drill_node(self.block_text, name=name, drill=drill))
        if drill is not None:
            node += drill_card(drill)
        return [node]


def _required(values: dict[str, Any], option: str) -> Any:
    if option not in values:
        raise ValueError(f"needs :{option}:")
    return values[option]


def _location(source: str | None, line: int | None) -> SourceLocation:
    return SourceLocation(source or "<string>", line)


def _seconds(value: float) -> str:
    return f"{value:g} s"


def budget_text(budget: Budget) -> str:
    """The budget in words, e.g. ``at most 15 s without a successful probe; no write lost``."""
    parts = []
    if budget.downtime is not None:
        parts.append(f"at most {_seconds(budget.downtime)} without a successful probe")
    if budget.mttr is not None:
        parts.append(f"service restored within {_seconds(budget.mttr)}")
    if budget.failed_requests is not None:
        parts.append(f"at most {budget.failed_requests} failed probe requests")
    if budget.lost_writes is not None:
        parts.append(
            "no acknowledged write lost"
            if budget.lost_writes == 0
            else f"at most {budget.lost_writes} acknowledged writes lost"
        )
    return "; ".join(parts)


def drill_card(drill: Drill) -> list[nodes.Node]:
    """The drill as a reader sees it, from standard nodes only."""
    fields = nodes.field_list(classes=["rb-drill-fields"])

    def add(label: str, *body: nodes.Node) -> None:
        field = nodes.field()
        field += nodes.field_name(label, label)
        field += nodes.field_body("", *body)
        fields.append(field)

    def paragraph(text: str) -> nodes.paragraph:
        return nodes.paragraph(text, text)

    def literal(text: str) -> nodes.paragraph:
        para = nodes.paragraph()
        para += nodes.literal(text, text)
        return para

    add("Drill", literal(drill.name))
    add("Deployed", paragraph(", ".join(drill.scenarios)))
    fault = str(drill.fault)
    add(
        "Fault",
        literal(fault),
        paragraph(
            f"{FAULTS[drill.fault.kind].capitalize()}, for {_seconds(drill.hold)}; "
            f"then {RESTORES[drill.fault.kind]}."
        ),
    )
    probes = nodes.bullet_list()
    for probe in drill.probes:
        item = nodes.list_item()
        para = nodes.paragraph()
        para += nodes.literal(probe.label, probe.label)
        para += nodes.Text(f": {PROBES[probe.kind][1]}")
        item += para
        probes += item
    add("Probes", probes)
    add("Budget", paragraph(budget_text(drill.budget)))
    if drill.symptom:
        add("Symptom", paragraph(drill.symptom))
    if drill.hints:
        hints = nodes.enumerated_list(enumtype="arabic", prefix="", suffix=".")
        for hint in drill.hints:
            item = nodes.list_item()
            item += paragraph(hint)
            hints += item
        add("Hints", hints)
    card: list[nodes.Node] = [fields]
    if drill.verify:
        card.append(paragraph("Service is restored when this succeeds on every host:"))
        card.append(nodes.literal_block(drill.verify, drill.verify, language="bash"))
    return card


@contextmanager
def drill_directive_registered() -> Iterator[None]:
    """Our directives, the drill among them, for the duration of a docutils parse."""
    with directives_registered():
        directives.register_directive("drill", DrillDirective)
        yield
