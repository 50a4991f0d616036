"""The Sphinx builders give what the command gives: the same exports, the same warnings."""

from __future__ import annotations

import shutil
from pathlib import Path

from sphinx.application import Sphinx

from runbook.docutils_.loader import load_guide
from runbook.export.writer import generate

ROOT = Path(__file__).resolve().parents[1] / "roots" / "test-export"


def build(tmp_path: Path, builder: str) -> tuple[Sphinx, Path]:
    source = tmp_path / "src"
    shutil.copytree(ROOT, source)
    app = Sphinx(
        str(source),
        str(source),
        str(tmp_path / "out"),
        str(tmp_path / "doctrees"),
        builder,
        status=None,
        warning=None,
        freshenv=True,
    )
    app.build()
    return app, source


def test_runbook_builder_writes_the_exports_the_command_writes(tmp_path: Path) -> None:
    app, source = build(tmp_path, "runbook")
    assert app.statuscode == 0
    written = {p.name: p.read_text() for p in Path(app.outdir).iterdir() if p.is_file()}
    assert written == generate(load_guide(source).scenarios, source)
    assert {"demo.py", "demo.sh", "demo.yml", "demo.json", "legacy-demo.yml"} <= set(written)


def test_runbook_check_builder_warns_with_a_subtype_and_fails(tmp_path: Path) -> None:
    from io import StringIO

    source = tmp_path / "src"
    shutil.copytree(ROOT, source)
    warnings = StringIO()
    app = Sphinx(
        str(source),
        str(source),
        str(tmp_path / "out"),
        str(tmp_path / "doctrees"),
        "runbook-check",
        status=None,
        warning=warnings,
        freshenv=True,
    )
    app.build()
    assert app.statuscode == 1
    text = warnings.getvalue()
    assert "legacy-demo.scenario:1: WARNING: legacy scenario legacy-demo has no test script" in text
    assert "[runbook.no-verify]" in text
