"""After a page is parsed: build its scenarios once, keep them, turn placeholders into nodes.

The collector runs once per document (here, as a read-time transform); the scenarios go to
the ``runbook`` domain and the placeholders are replaced by standard docutils nodes, so the
pickled doctree is something every builder can write.
"""

from __future__ import annotations

import dataclasses

from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.transforms import SphinxTransform

from runbook.docutils_.collect import collect_scenarios
from runbook.docutils_.nodes import scenario_node, step_node, variable_node, verify_node
from runbook.docutils_.render import render_scenario, render_step
from runbook.model import Scenario
from runbook.sphinx_ext.domain import RunbookDomain


def scenario_xref(name: str) -> pending_xref:
    """A ``:scenario:`` reference made in code (a scenario's ``requires``)."""
    xref = pending_xref(
        "",
        refdomain="runbook",
        reftype="scenario",
        reftarget=name,
        refexplicit=False,
        rb_requires=True,
    )
    xref += nodes.inline(name, name, classes=["xref", "runbook", "runbook-scenario"])
    return xref


class RenderScenarios(SphinxTransform):
    """Collect the page's scenarios into the domain and render their placeholders."""

    # After docutils' own reference transforms, before Sphinx's references are resolved.
    default_priority = 500

    def apply(self, **kwargs: object) -> None:
        domain = self.env.domains["runbook"]
        assert isinstance(domain, RunbookDomain)
        docname = self.env.docname
        scenarios: dict[str, Scenario] = {}
        for collected in collect_scenarios(self.document):
            placed = dataclasses.replace(collected, docname=docname)
            scenarios[placed.name] = placed
            domain.add_scenario(docname, placed)
        descriptions = {
            (node["rb_scenario"], node["rb_variable"]): node.children
            for node in self.document.findall(variable_node)
            if "rb_variable" in node
        }
        for node in list(self.document.findall(scenario_node)):
            scenario = scenarios.get(node.get("rb_scenario", ""))
            replacement: list[nodes.Node] = []
            if scenario is not None:
                own = {
                    name: children
                    for (owner, name), children in descriptions.items()
                    if owner == scenario.name
                }
                replacement.append(
                    render_scenario(
                        scenario,
                        scenario_xref,
                        description=list(node.children),
                        variable_descriptions=own,
                    )
                )
                if scenario.origin == "legacy":
                    replacement += [render_step(step, scenario) for step in scenario.steps]
            node.replace_self(replacement)
        for placeholder in list(self.document.findall(step_node)):
            scenario = scenarios.get(placeholder.get("rb_scenario", ""))
            if scenario is None or "rb_step" not in placeholder:
                placeholder.replace_self([])
                continue
            placeholder.replace_self(render_step(scenario.step(placeholder["rb_step"]), scenario))
        for description in list(self.document.findall(variable_node)):
            description.replace_self([])
        for check in list(self.document.findall(verify_node)):
            check.replace_self([])
        for xref in self.document.findall(pending_xref):
            if xref.get("refdomain") == "runbook":
                domain.note_reference(docname, xref["reftarget"].partition("/")[0])
