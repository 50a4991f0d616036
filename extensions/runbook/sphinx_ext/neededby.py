""" "Needed by" in each scenario's header: the scenarios that require it, with links.

What needs a scenario is only known once every page is read, so the field is added when
a page is written (``doctree-resolved``), from the whole guide in the domain, beside the
"Requires" field the page was read with. When a scenario's ``requires`` or title change,
the deployment order's incremental rewrite (:mod:`runbook.sphinx_ext.order`) writes the
pages of the scenarios it requires again.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.nodes import make_refnode

from runbook.docutils_.render import scenario_anchor
from runbook.model import Scenario, ScenarioGraph
from runbook.sphinx_ext.domain import RunbookDomain


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
    dependents = ScenarioGraph(scenarios).needed_by()
    for box in boxes:
        facts = next((f for f in box.findall(nodes.field_list) if "rb-facts" in f["classes"]), None)
        if facts is None:
            continue
        body = nodes.paragraph()
        names = dependents.get(box["rb_name"], [])
        for position, name in enumerate(names):
            if position:
                body += nodes.Text(", ")
            body += _link(app, docname, scenarios[name])
        if not names:
            body += nodes.Text("no other scenario of the guide")
        field = nodes.field(classes=["rb-needed-by"])
        field += nodes.field_name("Needed by", "Needed by")
        field += nodes.field_body("", body)
        facts.insert(1, field)


def _link(app: Sphinx, docname: str, scenario: Scenario) -> nodes.Node:
    title = nodes.inline(scenario.title, scenario.title)
    if scenario.docname is None:
        return title
    return make_refnode(
        app.builder, docname, scenario.docname, scenario_anchor(scenario.name), title
    )
