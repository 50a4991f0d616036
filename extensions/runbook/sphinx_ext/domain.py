"""The ``runbook`` Sphinx domain: every document's scenarios, cross-references and the index.

Each read document stores the :class:`~runbook.model.Scenario` objects it defines (frozen
dataclasses, pickled with the environment). The data is per document so that Sphinx can
purge a re-read page (``clear_doc``) and merge pages read by parallel workers
(``merge_domaindata``). Everything that needs the whole guide (the export builders, the
deployment-order page) asks :func:`get_scenarios`, which lists scenarios in guide order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Set
from typing import Any, ClassVar

from docutils import nodes
from docutils.nodes import Element
from sphinx.addnodes import pending_xref
from sphinx.builders import Builder
from sphinx.domains import Domain, ObjType
from sphinx.environment import BuildEnvironment
from sphinx.roles import XRefRole
from sphinx.util import logging
from sphinx.util.nodes import make_refnode

from runbook.docutils_.render import scenario_anchor
from runbook.model import Problem, ProblemCode, Scenario, ScenarioGraph, Step

logger = logging.getLogger(__name__)


class RunbookXRefRole(XRefRole):
    """``:scenario:`` and ``:step:`` usable without the ``runbook:`` prefix (and in MyST)."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        self.name = "runbook:" + self.name.rpartition(":")[2]
        return super().run()


class RunbookDomain(Domain):
    """Scenarios and steps of the guide, by name and by id."""

    name = "runbook"
    label = "Runbook"
    object_types: ClassVar[dict[str, ObjType]] = {
        "scenario": ObjType("scenario", "scenario"),
        "step": ObjType("step", "step"),
    }
    roles: ClassVar[dict[str, Any]] = {
        "scenario": RunbookXRefRole(innernodeclass=nodes.inline),
        "step": RunbookXRefRole(innernodeclass=nodes.inline),
    }
    initial_data: ClassVar[dict[str, Any]] = {
        # docname -> the scenarios it defines, in document order
        "documents": {},
        # docname -> scenario names its :scenario:/:step: roles point at
        "references": {},
        # docnames holding a deployment-order directive (rewritten when scenarios change)
        "order_pages": set(),
    }
    data_version = 1

    def __init__(self, env: BuildEnvironment) -> None:
        super().__init__(env)
        # The pages being re-read in this build and what the guide showed of its scenarios
        # before; not environment data: they only decide which other pages to write again.
        self.reread_docs: set[str] = set()
        self.visible_before: dict[str, tuple[object, ...]] = {}

    @property
    def documents(self) -> dict[str, list[Scenario]]:
        documents: dict[str, list[Scenario]] = self.data["documents"]
        return documents

    @property
    def references(self) -> dict[str, set[str]]:
        references: dict[str, set[str]] = self.data["references"]
        return references

    @property
    def order_pages(self) -> set[str]:
        pages: set[str] = self.data["order_pages"]
        return pages

    def add_scenario(self, docname: str, scenario: Scenario) -> None:
        self.documents.setdefault(docname, []).append(scenario)

    def note_reference(self, docname: str, scenario_name: str) -> None:
        self.references.setdefault(docname, set()).add(scenario_name)

    def note_order_page(self, docname: str) -> None:
        self.order_pages.add(docname)

    def clear_doc(self, docname: str) -> None:
        self.documents.pop(docname, None)
        self.references.pop(docname, None)
        self.order_pages.discard(docname)

    def merge_domaindata(self, docnames: Set[str], otherdata: dict[str, Any]) -> None:
        for docname in docnames:
            if docname in otherdata["documents"]:
                self.documents[docname] = otherdata["documents"][docname]
            if docname in otherdata["references"]:
                self.references[docname] = otherdata["references"][docname]
            if docname in otherdata["order_pages"]:
                self.order_pages.add(docname)

    def check_consistency(self) -> None:
        """Warn, once per build, about what only the whole guide shows.

        A scenario name defined on two pages (naming both places), and what the scenario
        graph reports (a requirement that no page defines, requirements in a cycle) with
        the words and code every command uses.
        """
        seen: dict[str, Scenario] = {}
        for scenario in self.scenarios_in_order():
            first = seen.setdefault(scenario.name, scenario)
            if first is not scenario:
                # The words of the command's loader, which reads the same guide.
                message = (
                    f"duplicate scenario name {scenario.name!r}; the first is at {_location(first)}"
                )
                _warn(Problem(scenario.location, ProblemCode.DUPLICATE, message), scenario.docname)
        for problem in ScenarioGraph(seen).problems():
            _warn(problem)

    def guide_order(self) -> list[str]:
        """Documents in reading order: the root's toctrees depth first, then the rest."""
        env = self.env
        order: list[str] = []
        stack = [env.config.root_doc]
        while stack:
            docname = stack.pop()
            if docname in order:
                continue
            order.append(docname)
            stack.extend(reversed(env.toctree_includes.get(docname, [])))
        order += sorted(set(self.documents) - set(order))
        return order

    def scenarios_in_order(self) -> Iterator[Scenario]:
        for docname in self.guide_order():
            yield from self.documents.get(docname, ())

    def scenarios(self) -> dict[str, Scenario]:
        """Each scenario name once (its first definition in guide order)."""
        result: dict[str, Scenario] = {}
        for scenario in self.scenarios_in_order():
            result.setdefault(scenario.name, scenario)
        return result

    def find_step(self, ref: str) -> tuple[Scenario, Step] | None:
        name, _, tail = ref.partition("/")
        scenario = self.scenarios().get(name)
        if scenario is None or not tail:
            return None
        try:
            return scenario, scenario.step(tail)
        except KeyError:
            return None

    def resolve_xref(
        self,
        env: BuildEnvironment,
        fromdocname: str,
        builder: Builder,
        typ: str,
        target: str,
        node: pending_xref,
        contnode: Element,
    ) -> nodes.reference | None:
        resolved = self._resolve(fromdocname, builder, typ, target, node, contnode)
        # A scenario's own ``requires`` links are checked once, in check_consistency.
        if resolved is None and not node.get("rb_requires"):
            hint = "a scenario name" if typ == "scenario" else "NAME/N, as in galera/3"
            logger.warning(
                "unknown %s %r in a :%s: reference (write %s)",
                typ,
                target,
                typ,
                hint,
                type="runbook",
                subtype=ProblemCode.REFERENCE.value,
                location=node,
            )
        return resolved

    def resolve_any_xref(
        self,
        env: BuildEnvironment,
        fromdocname: str,
        builder: Builder,
        target: str,
        node: pending_xref,
        contnode: Element,
    ) -> list[tuple[str, nodes.reference]]:
        results = []
        for typ in ("scenario", "step"):
            resolved = self._resolve(fromdocname, builder, typ, target, node, contnode)
            if resolved is not None:
                results.append((f"runbook:{typ}", resolved))
        return results

    def _resolve(
        self,
        fromdocname: str,
        builder: Builder,
        typ: str,
        target: str,
        node: pending_xref,
        contnode: Element,
    ) -> nodes.reference | None:
        explicit = node.get("refexplicit", False)
        if typ == "scenario":
            scenario = self.scenarios().get(target)
            if scenario is None or scenario.docname is None:
                return None
            text = contnode if explicit else nodes.Text(scenario.title)
            return make_refnode(
                builder,
                fromdocname,
                scenario.docname,
                scenario_anchor(scenario.name),
                _with_text(contnode, text),
                scenario.title,
            )
        found = self.find_step(target)
        if found is None:
            return None
        scenario, step = found
        if scenario.docname is None:
            return None
        label = f"{step.title} ({step.id})"
        text = contnode if explicit else nodes.Text(label)
        return make_refnode(
            builder, fromdocname, scenario.docname, step.anchor, _with_text(contnode, text), label
        )

    def get_objects(self) -> Iterable[tuple[str, str, str, str, str, int]]:
        for scenario in self.scenarios().values():
            if scenario.docname is None:
                continue
            yield (
                scenario.name,
                scenario.title,
                "scenario",
                scenario.docname,
                scenario_anchor(scenario.name),
                1,
            )
            for step in scenario.steps:
                yield (step.id, step.title, "step", scenario.docname, step.anchor, 0)


def _with_text(contnode: Element, text: nodes.Node) -> Element:
    """``contnode`` (keeping its classes, e.g. literal) with ``text`` as its content."""
    if text is contnode:
        return contnode
    node = contnode.copy()
    node.children = []
    node += text
    return node


def _location(scenario: Scenario) -> str | None:
    if scenario.location is None:
        return scenario.docname
    return str(scenario.location)


def _warn(problem: Problem, docname: str | None = None) -> None:
    """Log ``problem`` as a warning ``[runbook.<code>]`` at its place (else at ``docname``)."""
    location = str(problem.location) if problem.location is not None else docname
    logger.warning(problem.message, type="runbook", subtype=problem.code.value, location=location)


def get_scenarios(env: BuildEnvironment) -> dict[str, Scenario]:
    """Every scenario of the guide by name, in guide order (what the export builders use)."""
    domain = env.domains["runbook"]
    assert isinstance(domain, RunbookDomain)
    return domain.scenarios()
