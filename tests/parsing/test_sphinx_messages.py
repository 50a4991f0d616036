"""Under Sphinx, problems are warnings ``[runbook.<kind>]`` at ``path:line``: ``-W`` fails
the build and ``suppress_warnings`` silences a kind.

The Sphinx project here loads only the directives and the collector (not the rendering
extension), so it tests the reporting path on its own.
"""

from __future__ import annotations

import textwrap
from io import StringIO
from pathlib import Path

import pytest
from sphinx.testing.util import SphinxTestApp
from sphinx.util.console import strip_escape_sequences

EXTENSION = """
from docutils import nodes
from sphinx.transforms import SphinxTransform

from runbook.docutils_.collect import collect_scenarios
from runbook.docutils_.directives import DIRECTIVES
from runbook.docutils_.nodes import PLACEHOLDERS


class Collect(SphinxTransform):
    default_priority = 500

    def apply(self, **kwargs):
        self.env.runbook_found = getattr(self.env, "runbook_found", {})
        self.env.runbook_found[self.env.docname] = collect_scenarios(self.document)
        for node in list(self.document.findall(lambda n: isinstance(n, PLACEHOLDERS))):
            node.replace_self([])


def setup(app):
    for name, directive in DIRECTIVES.items():
        app.add_directive(name, directive)
    app.add_transform(Collect)
    return {"parallel_read_safe": True}
"""

PAGES = {
    "index.rst": """
        Guide
        =====

        .. toctree::

           galera

        .. scenario:: lb

        .. step:: Start

           systemctl start haproxy
        """,
    "galera.md": """
        # Galera

        :::{scenario} galera
        :::

        ```{step} Start
        :target: nodes:2
        :retries: many

        galera_new_cluster
        ```
        """,
}


def _build(tmp_path: Path, conf: str = "", **kwargs: object) -> tuple[SphinxTestApp, str]:
    (tmp_path / "collect_only.py").write_text(EXTENSION, encoding="utf-8")
    (tmp_path / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(tmp_path)!r})\n"
        "extensions = ['myst_parser', 'collect_only']\n"
        "myst_enable_extensions = ['colon_fence']\n" + conf,
        encoding="utf-8",
    )
    for name, text in PAGES.items():
        (tmp_path / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    warnings = StringIO()
    app = SphinxTestApp("dummy", srcdir=tmp_path, warning=warnings, **kwargs)
    try:
        app.build()
    finally:
        app.cleanup()
    return app, strip_escape_sequences(warnings.getvalue())


def test_problems_are_sphinx_warnings_with_location_and_kind(tmp_path: Path) -> None:
    app, warnings = _build(tmp_path)
    lines = [line for line in warnings.splitlines() if "WARNING" in line]
    assert lines == [
        f"{tmp_path}/galera.md:7: WARNING: step option :target: unknown target 'nodes:2'; "
        "expected all, first, node:N, local, host:NAME, role:NAME, or "
        "all@ROLE/first@ROLE/node:N@ROLE [runbook.target]",
        f"{tmp_path}/galera.md:8: WARNING: step option :retries: 'many' is not a whole number "
        "(0, 1, 2, ...) [runbook.option]",
    ]
    found = app.env.runbook_found
    assert [step.id for step in found["index"][0].steps] == ["lb/1"]
    assert found["index"][0].docname == "index"
    assert found["galera"][0].steps == ()


def test_a_kind_of_problem_can_be_suppressed(tmp_path: Path) -> None:
    _, warnings = _build(tmp_path, conf="suppress_warnings = ['runbook.target']\n")
    assert "[runbook.target]" not in warnings
    assert "[runbook.option]" in warnings


@pytest.mark.parametrize("strict", [True, False])
def test_warnings_fail_a_strict_build(tmp_path: Path, strict: bool) -> None:
    app, _ = _build(tmp_path, warningiserror=strict)
    assert app.statuscode == (1 if strict else 0)
