"""The Sphinx builders give what the command gives: the same exports, the same warnings."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from sphinx.testing.util import SphinxTestApp

from runbook.docutils_.loader import load_guide
from runbook.export.outdir import MANIFEST, expected_manifest
from runbook.export.writer import generate

pytest_plugins = ("sphinx.testing.fixtures",)

ROOT = Path(__file__).resolve().parents[1] / "roots" / "test-export"


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A fresh copy of the export test project."""
    copy = tmp_path / "src"
    shutil.copytree(ROOT, copy)
    return copy


def test_runbook_builder_writes_the_exports_the_command_writes(
    make_app: Callable[..., SphinxTestApp], source: Path
) -> None:
    app = make_app("runbook", srcdir=source, freshenv=True)
    app.build()
    assert app.statuscode == 0
    written = {p.name: p.read_text() for p in Path(app.outdir).iterdir() if p.is_file()}
    files = generate(load_guide(source).scenarios, source)
    assert written.pop(MANIFEST) == expected_manifest(files)
    assert written == files
    assert {"demo.py", "demo.sh", "demo.yml", "demo.json", "legacy-demo.yml"} <= set(written)


def test_runbook_check_builder_warns_with_a_subtype_and_fails(
    make_app: Callable[..., SphinxTestApp], source: Path
) -> None:
    warnings = StringIO()
    app = make_app("runbook-check", srcdir=source, warning=warnings, freshenv=True)
    app.build()
    assert app.statuscode == 1
    text = warnings.getvalue()
    assert "legacy-demo.scenario:1: WARNING: legacy scenario legacy-demo has no test script" in text
    assert "[runbook.no-verify]" in text
