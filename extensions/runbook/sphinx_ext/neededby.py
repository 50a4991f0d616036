""" "Needed by" and "Alternatives" in each scenario's header, with links.

What needs a scenario is only known once every page is read, so the field is added when
a page is written (``doctree-resolved``), from the whole guide in the domain, beside the
"Requires" field the page was read with. When a scenario's ``requires`` or title change,
the deployment order's incremental rewrite (:mod:`runbook.sphinx_ext.order`) writes the
pages of the scenarios it requires again.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx

from runbook.model import Scenario, ScenarioGraph
from runbook.sphinx_ext.domain import RunbookDomain
from runbook.sphinx_ext.order import scenario_ref


def fill_needed_by(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Add "Needed by" after "Requires" in every scenario header of ``docname``."""
    domain = app.env.domains["runbook"]
    assert isinstance(domain, RunbookDomain)
    boxes = [
        box
        for box in doctree.findall(nodes.container)
        if "rb-scenario" in box["classes"] and box.get("rb_name")
    ]
    if not boxes:
        return
    scenarios = domain.scenarios()
    graph = ScenarioGraph(scenarios)
    dependents = graph.needed_by()
    for box in boxes:
        facts = next((f for f in box.findall(nodes.field_list) if "rb-facts" in f["classes"]), None)
        if facts is None:
            continue
        body = nodes.paragraph()
        names = dependents.get(box["rb_name"], [])
        for position, name in enumerate(names):
            if position:
                body += nodes.Text(", ")
            body += scenario_ref(app.builder, docname, scenarios[name])
        if not names:
            body += nodes.Text("no other scenario of the guide")
        facts.insert(1, _field("Needed by", body, "rb-needed-by"))
        alternatives = _alternatives(app, docname, graph, scenarios[box["rb_name"]])
        if alternatives is not None:
            facts.insert(2, _field("Alternatives", alternatives, "rb-alternatives"))


def _alternatives(
    app: Sphinx, docname: str, graph: ScenarioGraph, scenario: Scenario
) -> nodes.paragraph | None:
    """The scenarios that provide what this one does: deploy one, never two on the same hosts."""
    body = nodes.paragraph()
    for provided in scenario.provides:
        others = [name for name in graph.providers(provided) if name != scenario.name]
        if not others:
            continue
        if len(body):
            body += nodes.Text("; ")
        for position, name in enumerate(others):
            if position:
                body += nodes.Text(", ")
            body += scenario_ref(app.builder, docname, graph.scenarios[name])
        body += nodes.Text(f" (each provides {provided}: deploy one, never two on the same hosts)")
    return body if len(body) else None


def _field(name: str, body: nodes.Element, css: str) -> nodes.field:
    field = nodes.field(classes=[css])
    field += nodes.field_name(name, name)
    field += nodes.field_body("", body)
    return field
