"""The command's fast path (docutils only) reads the same scenarios as the Sphinx build."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from sphinx.application import Sphinx

from runbook.docutils_.loader import load_guide
from runbook.model import Scenario
from runbook.sphinx_ext.domain import get_scenarios


def _comparable(scenario: Scenario) -> Scenario:
    """The scenario without what only says which reader saw it (the Sphinx docname)."""
    return replace(scenario, docname=None)


def test_prose_with_cross_reference_roles_reads_the_same_on_both_paths(
    build: Callable[..., Sphinx],
) -> None:
    app = build("xref")
    from_sphinx = {name: _comparable(s) for name, s in get_scenarios(app.env).items()}
    guide = load_guide(Path(app.srcdir))

    from_fast_path = {name: _comparable(s) for name, s in guide.scenarios.items()}

    assert guide.problems == []
    assert from_fast_path == from_sphinx
    prose = from_fast_path["xref"].steps[0].prose
    assert "ERROR" not in prose and ":doc:" not in prose
    assert "Read the other page and other before you start" in prose
    assert from_fast_path["xref-md"].steps[0].prose == "See the first page and notes-label."
