"""Drills in the rendered guide: each drill's card, its last measured figures, a table of all.

The ``drill`` directive (:mod:`runbook.docutils_.drill`) already carries its card as
standard nodes; here the placeholder becomes a container, the drill is kept in the
environment (for the table), and, when ``runbook_results`` names a state directory, an
HTML-time transform adds the figures of the drill's last run beside its budget, read from
``drills.jsonl`` (:mod:`runbook.drills.record`). ``runbook-drills`` puts a table of every
drill of the guide, with its budget and last figures, on the page that holds it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.transforms import SphinxTransform
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective

from runbook.docutils_.drill import DrillDirective, budget_text, drill_node
from runbook.docutils_.messages import report
from runbook.drills.record import DrillRecord, drills_file, latest_records
from runbook.model.drill import Drill
from runbook.model.problems import ProblemCode
from runbook.sphinx_ext.chartdata import drills_chart
from runbook.sphinx_ext.charts import chart_node


class drill_table_node(nodes.General, nodes.Element):
    """Where ``runbook-drills`` puts its table, filled when every page has been read."""


def _drills(env: BuildEnvironment) -> dict[str, Drill]:
    """The guide's drills by name, kept in the environment between builds."""
    drills: dict[str, Drill] | None = getattr(env, "runbook_drills", None)
    if drills is None:
        drills = {}
        setattr(env, "runbook_drills", drills)  # noqa: B010 - Sphinx's environment has no slot for it
    return drills


class RenderDrills(SphinxTransform):
    """Each drill placeholder becomes a container of its card; the drill is remembered."""

    default_priority = 500

    def apply(self, **kwargs: object) -> None:
        kept = _drills(self.env)
        for node in list(self.document.findall(drill_node)):
            drill: Drill | None = node["drill"]
            if drill is None:
                node.replace_self([])
                continue
            drill = dataclasses.replace(drill, docname=self.env.docname)
            first = kept.get(drill.name)
            if first is not None and first.docname != drill.docname:
                report(
                    self.document,
                    ProblemCode.DUPLICATE,
                    f"duplicate drill name {drill.name!r}; the first is at {first.location}",
                    line=node.line,
                )
            kept[drill.name] = drill
            box = nodes.container(
                classes=["rb-drill"], ids=[f"drill-{drill.name}"], rb_drill=drill.name
            )
            box += nodes.rubric(drill.title, drill.title)
            box.extend(node.children)
            node.replace_self(box)


def _purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    drills = _drills(env)
    for name in [name for name, drill in drills.items() if drill.docname == docname]:
        del drills[name]


def _merge(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    _drills(env).update(
        {name: drill for name, drill in _drills(other).items() if drill.docname in docnames}
    )


def _records(config: Config) -> dict[str, DrillRecord]:
    """The last run of each drill in ``runbook_results``' state directory (none if unset)."""
    results = config.runbook_results
    if not results:
        return {}
    records, _warnings = latest_records(drills_file(Path(results)))
    return records


def measured_text(record: DrillRecord) -> str:
    """A drill's last figures in one sentence, e.g. for the page and the table."""
    figures = record.figures
    mttr = "not restored" if figures.mttr is None else f"{figures.mttr:.1f} s"
    lost = "" if figures.lost_writes is None else f", {figures.lost_writes} writes lost"
    verdict = "within budget" if record.passed else "OVER BUDGET"
    return (
        f"Last measured {record.at.replace('T', ' ').removesuffix('Z')} UTC on {record.where}: "
        f"downtime {figures.downtime:.1f} s, time to recovery {mttr}, "
        f"{figures.failed_requests} of {figures.requests} requests failed{lost}: {verdict}."
    )


class DrillFigures(SphinxPostTransform):
    """HTML only: the last measured figures under each drill's budget."""

    default_priority = 200
    formats = ("html",)

    def run(self, **kwargs: Any) -> None:
        records = _records(self.config)
        for box in self.document.findall(nodes.container):
            name = box.get("rb_drill")
            if not name:
                continue
            record = records.get(name)
            text = measured_text(record) if record else "Not measured in this build."
            box += nodes.paragraph(text, text, classes=["rb-drill-measured"])


class DrillTable(SphinxDirective):
    """``runbook-drills``: a table of every drill of the guide, filled after reading."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        return [drill_table_node()]


def _cell(text: str) -> nodes.entry:
    entry = nodes.entry()
    entry += nodes.paragraph(text, text)
    return entry


def fill_drill_tables(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    drills = sorted(_drills(app.env).values(), key=lambda d: (d.docname or "", d.name))
    records = _records(app.config)
    for node in list(doctree.findall(drill_table_node)):
        table = nodes.table(classes=["rb-drill-table"])
        group = nodes.tgroup(cols=4)
        table += group
        for _ in range(4):
            group += nodes.colspec(colwidth=1)
        head = nodes.thead()
        row = nodes.row()
        for title in ("Drill", "Fault", "Budget", "Last measured"):
            row += _cell(title)
        head += row
        group += head
        body = nodes.tbody()
        for drill in drills:
            row = nodes.row()
            row += _cell(drill.name)
            row += _cell(str(drill.fault))
            row += _cell(budget_text(drill.budget))
            record = records.get(drill.name)
            row += _cell(measured_text(record) if record else "not measured in this build")
            body += row
        group += body
        node.replace_self([table, *_downtime_chart(app, drills, records)])


def _downtime_chart(
    app: Sphinx, drills: list[Drill], records: dict[str, DrillRecord]
) -> list[nodes.Node]:
    """The measured drills' downtime against budget, drawn (HTML builds with results only)."""
    measured = [
        (drill.name, records[drill.name].figures.downtime, drill.budget.downtime)
        for drill in drills
        if drill.name in records
    ]
    if app.builder.format != "html" or not measured:
        return []
    chart = chart_node()
    chart["chart"] = drills_chart(measured)
    chart["caption"] = "Each measured drill's longest time without a successful probe."
    return [chart]


def setup_drills(app: Sphinx) -> None:
    app.add_directive("drill", DrillDirective)
    app.add_directive("runbook-drills", DrillTable)
    app.add_node(drill_node)
    app.add_node(drill_table_node)
    app.add_transform(RenderDrills)
    app.add_post_transform(DrillFigures)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("doctree-resolved", fill_drill_tables)
