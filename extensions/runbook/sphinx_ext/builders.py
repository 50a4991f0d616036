"""The ``runbook`` export builder and the ``runbook-check`` builder, shaped like dummy.py.

Both read every document (so the ``runbook`` domain holds the whole guide) and write no
pages; all their work happens in ``finish``, over :func:`get_scenarios`, with the same code
as ``runbook export`` and ``runbook check``:

* ``sphinx-build -b runbook docs runbooks`` writes the exports into the output directory;
* ``sphinx-build -b runbook-check docs _build/check`` reports each problem as a warning
  ``[runbook.<kind>]`` (``suppress_warnings`` silences a kind) and exits 1 if there is any.
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.builders import Builder
from sphinx.util import logging

from runbook.errors import RunbookError
from runbook.sphinx_ext.domain import get_scenarios

logger = logging.getLogger(__name__)


class _ScenarioBuilder(Builder):
    """Reads everything, writes no page."""

    allow_parallel = True

    def init(self) -> None:
        pass

    def get_outdated_docs(self) -> set[str]:
        return self.env.found_docs

    def get_target_uri(self, docname: str, typ: str | None = None) -> str:
        return ""

    def write_doc(self, docname: str, doctree: nodes.document) -> None:
        pass

    @property
    def root(self) -> Path:
        """Sources are named relative to the configuration's directory, the repository."""
        return Path(self.confdir)

    def fail(self, error: RunbookError) -> None:
        subtype = error.code.value if error.code is not None else None
        logger.warning(
            error.message, location=str(error.location or ""), type="runbook", subtype=subtype
        )
        self._app.statuscode = 1


class RunbookExportBuilder(_ScenarioBuilder):
    name = "runbook"
    epilog = "The exported runbooks are in %(outdir)s."

    def finish(self) -> None:
        from runbook.export.writer import generate, write

        try:
            files = generate(get_scenarios(self.env), self.root)
        except RunbookError as error:
            self.fail(error)
            return
        outdir, doctrees = Path(self.outdir), Path(self.doctreedir)
        # sphinx-build keeps its doctrees in OUTDIR/.doctrees unless told otherwise
        ignore = [doctrees.name] if doctrees.parent == outdir else []
        try:
            changed = write(files, outdir, ignore=ignore, ansible=True)
        except RunbookError as error:
            self.fail(error)
            return
        logger.info("runbook: %d files, %d changed", len(files), len(changed))


class RunbookCheckBuilder(_ScenarioBuilder):
    name = "runbook-check"
    epilog = "The dry-run check found nothing to report."

    def finish(self) -> None:
        from runbook.check.guide import check_scenarios
        from runbook.plan.inventory import load_inventory

        config = self.config
        inventory_path = self.root / config.runbook_check_inventory
        files = [self.root / name for name in config.runbook_check_variables]
        try:
            inventory = load_inventory(inventory_path) if inventory_path.is_file() else None
            problems = check_scenarios(
                get_scenarios(self.env),
                inventory=inventory,
                variable_files=[path for path in files if path.is_file()],
                root=self.root,
            )
        except RunbookError as error:
            self.fail(error)
            return
        for problem in problems:
            logger.warning(
                problem.message,
                location=str(problem.location or ""),
                type="runbook",
                subtype=problem.code.value,
            )
        if problems:
            self._app.statuscode = 1


def setup_builders(app: Sphinx) -> None:
    """Register both builders and the check's configuration; called by the extension's setup."""
    app.add_builder(RunbookExportBuilder)
    app.add_builder(RunbookCheckBuilder)
    app.add_config_value(
        "runbook_check_inventory", "scenarios/examples/inventory.yml", "", types=frozenset({str})
    )
    app.add_config_value(
        "runbook_check_variables",
        ["scenarios/examples/vars.yml"],
        "",
        types=frozenset({list, tuple}),
    )
