"""The Sphinx extension: directives, the ``runbook`` domain, rendering and the guide's assets.

``extensions = ["runbook"]`` in a ``conf.py`` is enough: this registers everything and
pulls in ``sphinx.ext.graphviz`` for the deployment-order graph.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config

from runbook import __version__
from runbook.docutils_.directives import DIRECTIVES
from runbook.docutils_.nodes import PLACEHOLDERS
from runbook.sphinx_ext.builders import setup_builders
from runbook.sphinx_ext.charts import setup_charts
from runbook.sphinx_ext.checking import setup_checking
from runbook.sphinx_ext.command_reference import CommandReference
from runbook.sphinx_ext.domain import RunbookDomain, RunbookXRefRole, get_scenarios
from runbook.sphinx_ext.drills import setup_drills
from runbook.sphinx_ext.executed import ExecutedResults
from runbook.sphinx_ext.html import StepPermalinks, cache_templates
from runbook.sphinx_ext.include import SphinxBoundedInclude
from runbook.sphinx_ext.neededby import fill_needed_by
from runbook.sphinx_ext.order import (
    DeploymentOrder,
    deployment_order_node,
    fill_deployment_order,
    note_guide,
    note_reread,
    pages_to_rewrite,
)
from runbook.sphinx_ext.toctree import PartToctree
from runbook.sphinx_ext.transforms import RenderScenarios

__all__ = ["get_scenarios", "setup"]

STATIC = Path(__file__).parent / "static"

#: Bumped whenever what the extension stores in the environment changes shape.
ENV_VERSION = 2


def _add_static_path(app: Sphinx, config: Config) -> None:
    config.html_static_path = [*config.html_static_path, str(STATIC)]


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("sphinx.ext.graphviz")
    app.add_domain(RunbookDomain)
    for name, directive in DIRECTIVES.items():
        app.add_directive(name, directive)
    for node in (*PLACEHOLDERS, deployment_order_node):
        app.add_node(node)
    app.add_role("scenario", RunbookXRefRole(innernodeclass=nodes.inline))
    app.add_role("step", RunbookXRefRole(innernodeclass=nodes.inline))
    app.add_transform(RenderScenarios)
    app.add_post_transform(StepPermalinks)
    app.add_post_transform(ExecutedResults)
    app.add_config_value("runbook_results", "", "html", types=frozenset({str}))
    app.add_config_value("runbook_results_variables", [], "html", types=frozenset({list, tuple}))
    app.add_directive("runbook-command-reference", CommandReference)
    app.add_directive("deployment-order", DeploymentOrder)
    app.add_directive("runbook-toctree", PartToctree)
    app.add_directive("include", SphinxBoundedInclude, override=True)
    app.connect("doctree-resolved", fill_deployment_order)
    app.connect("doctree-resolved", fill_needed_by)
    app.connect("env-get-outdated", note_guide)
    app.connect("env-before-read-docs", note_reread)
    app.connect("env-get-updated", pages_to_rewrite)
    app.connect("config-inited", _add_static_path)
    app.connect("builder-inited", cache_templates)
    app.add_css_file("runbook.css")
    setup_builders(app)
    setup_charts(app)
    setup_checking(app)
    setup_drills(app)
    return {
        "version": __version__,
        "env_version": ENV_VERSION,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
