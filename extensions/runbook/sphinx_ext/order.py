"""``.. deployment-order::``: which scenario needs which, as a graph and an ordered list.

The directive leaves a placeholder that is filled when the page is written, from the whole
guide's scenarios in the domain (the pattern of ``todolist`` in sphinx.ext.todo). When what
other pages show of a scenario changes (its page, title, requires or step titles, or the
guide's order), the pages holding the directive, and the pages that refer to that
scenario, are written again so that their links and titles stay current. A page that is
re-read without such a change (touched, or prose edited) costs no other page.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.builders import Builder
from sphinx.environment import BuildEnvironment
from sphinx.ext.graphviz import graphviz
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import make_refnode

from runbook.docutils_.render import scenario_anchor
from runbook.model import Scenario, ScenarioGraph
from runbook.sphinx_ext.domain import RunbookDomain


class deployment_order_node(nodes.General, nodes.Element):
    """Where the deployment order goes; replaced before any writer sees it."""


class DeploymentOrder(SphinxDirective):
    """The guide's scenarios in an order that satisfies every ``requires``."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        _domain(self.env).note_order_page(self.env.docname)
        node = deployment_order_node()
        self.set_source_info(node)
        return [node]


def dot_source(scenarios: Mapping[str, Scenario], urls: Mapping[str, str]) -> str:
    """The requirement graph in dot: an arrow from each scenario to what needs it."""
    lines = [
        "digraph deployment_order {",
        '  graph [rankdir=LR, bgcolor="transparent", fontname="sans-serif"];',
        '  node [shape=box, style="rounded,filled", fillcolor="#eef4ff", color="#3b6bc4",'
        ' fontname="sans-serif", fontsize=11];',
        '  edge [color="#5b6b82"];',
    ]
    for name, scenario in scenarios.items():
        label = _dot_quote(f"{scenario.title}\n{name}")
        url = _dot_quote(urls.get(name, ""))
        tooltip = _dot_quote(scenario.title)
        lines.append(f'  "{name}" [label={label}, URL={url}, target="_top", tooltip={tooltip}];')
    graph = ScenarioGraph(scenarios)
    for name in graph.set_aside():
        lines.append(f'  "{name}" [style="rounded,dashed", fillcolor="transparent"];')
    for name, scenario in scenarios.items():
        for required in scenario.requires:
            for provider in graph.meets(required):
                lines.append(f'  "{provider}" -> "{name}";')
    for provided, providers in graph.alternatives().items():
        for first, second in itertools.pairwise(providers):
            label = _dot_quote(f"or ({provided})")
            lines.append(
                f'  "{first}" -> "{second}" [dir=none, style=dashed, label={label}, '
                "constraint=false];"
            )
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _domain(env: BuildEnvironment) -> RunbookDomain:
    domain = env.domains["runbook"]
    assert isinstance(domain, RunbookDomain)
    return domain


def fill_deployment_order(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Replace each placeholder of ``docname`` with the graph and the ordered list."""
    placeholders = list(doctree.findall(deployment_order_node))
    if not placeholders:
        return
    scenarios = _domain(app.env).scenarios()
    builder = app.builder
    urls = {
        name: builder.get_relative_uri(docname, scenario.docname) + "#" + scenario_anchor(name)
        for name, scenario in scenarios.items()
        if scenario.docname is not None
    }
    for placeholder in placeholders:
        if not scenarios:
            placeholder.replace_self(nodes.paragraph(text="The guide has no scenarios yet."))
            continue
        graph = graphviz()
        graph["code"] = dot_source(scenarios, urls)
        graph["options"] = {"docname": docname}
        graph["alt"] = (
            "Which scenario requires which; an arrow points to the scenario that needs it."
        )
        graph["classes"] = ["rb-order-graph"]
        ordered = nodes.enumerated_list(classes=["rb-order"])
        # The scenario graph's order, as for the exports; a cycle is the domain's warning.
        # An alternative set aside is offered in the item of the one chosen by default.
        order = ScenarioGraph(scenarios)
        for name in order.deployment():
            instead = [(provided, scenarios[other]) for provided, other in order.instead(name)]
            ordered += _order_item(builder, docname, scenarios[name], instead)
        placeholder.replace_self([graph, ordered])


def scenario_ref(builder: Builder, docname: str, scenario: Scenario) -> nodes.Node:
    """The scenario's title, linking to its header from ``docname``."""
    title = nodes.inline(scenario.title, scenario.title)
    if scenario.docname is None:
        return title
    return make_refnode(builder, docname, scenario.docname, scenario_anchor(scenario.name), title)


def _order_item(
    builder: Builder,
    docname: str,
    scenario: Scenario,
    instead: list[tuple[str, Scenario]],
) -> nodes.list_item:
    paragraph = nodes.paragraph()
    paragraph += scenario_ref(builder, docname, scenario)
    paragraph += nodes.Text(" ")
    paragraph += nodes.literal(scenario.name, scenario.name)
    if scenario.requires:
        paragraph += nodes.Text(" — after " + ", ".join(scenario.requires))
    for provided, other in instead:
        paragraph += nodes.Text("; or, instead, ")
        paragraph += scenario_ref(builder, docname, other)
        paragraph += nodes.Text(" ")
        paragraph += nodes.literal(other.name, other.name)
        paragraph += nodes.Text(
            f" (both provide {provided}: deploy one of them, never both on the same hosts)"
        )
    return nodes.list_item("", paragraph)


def _visible(domain: RunbookDomain) -> dict[str, tuple[object, ...]]:
    """What other pages show of each scenario, in guide order.

    Links show the page, title and step titles (anchors follow from the name and step
    count); the deployment order also shows ``requires`` and the order itself.
    """
    return {
        name: (
            scenario.docname,
            scenario.title,
            scenario.requires,
            scenario.provides,
            tuple(step.title for step in scenario.steps),
        )
        for name, scenario in domain.scenarios().items()
    }


def note_guide(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """Remember what the guide shows of its scenarios before any page is purged or re-read."""
    _domain(env).visible_before = _visible(_domain(env))
    return []


def note_reread(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """Remember which pages this build reads; they are written anyway."""
    _domain(env).reread_docs = set(docnames)


def pages_to_rewrite(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Pages to write again because what they show of other pages' scenarios changed."""
    domain = _domain(env)
    before = domain.visible_before
    after = _visible(domain)
    if list(before.items()) == list(after.items()):
        return []
    names = {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}
    referring = {doc for doc, refs in domain.references.items() if refs & names}
    # A required scenario's page lists what needs it ("Needed by"), with titles.
    # A required scenario's page lists what needs it ("Needed by"), and an alternative's
    # page lists the others that provide the same ("Alternatives"), with titles.
    shown_names = {
        shown_name
        for name in names
        for shown in (before.get(name), after.get(name))
        if shown is not None
        for shown_name in (*_names_in(shown, 2), *_names_in(shown, 3))
    }
    related = {
        scenario.docname
        for name, scenario in domain.scenarios().items()
        if (name in shown_names or shown_names & set(scenario.provides))
        and scenario.docname is not None
    }
    return sorted((domain.order_pages | referring | related) - domain.reread_docs)


def _names_in(shown: tuple[object, ...], position: int) -> tuple[str, ...]:
    """The requires (2) or provides (3) that :func:`_visible` recorded."""
    names = shown[position]
    assert isinstance(names, tuple)
    return names
