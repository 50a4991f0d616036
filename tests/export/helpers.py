"""Helpers for the export tests: load the small sources, compare with golden files."""

from __future__ import annotations

import os
from pathlib import Path

from runbook.docutils_.loader import load_scenario
from runbook.export.writer import generate
from runbook.model import Scenario

REPO = Path(__file__).resolve().parents[2]
SOURCES = Path(__file__).parent / "sources"
GOLDEN = REPO / "tests" / "golden" / "export"

#: Set RUNBOOK_UPDATE_GOLDEN=1 to rewrite golden files from the current output.
UPDATE = os.environ.get("RUNBOOK_UPDATE_GOLDEN") == "1"


def load(name: str) -> Scenario:
    """A scenario of tests/export/sources, named relative to the repository (as in CI)."""
    return load_scenario(str((SOURCES / name).relative_to(REPO)), docs_dir=REPO / "docs")


def export(*names: str) -> dict[str, str]:
    """Every export file of the sources ``names``, as the repository's root would name them."""
    scenarios = {}
    for name in names:
        scenario = load(name)
        scenarios[scenario.name] = scenario
    return generate(scenarios, REPO)


def check_golden(directory: Path, files: dict[str, str]) -> None:
    """Compare ``files`` with the golden directory; RUNBOOK_UPDATE_GOLDEN=1 rewrites it."""
    if UPDATE:
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.iterdir():
            stale.unlink()
        for name, text in files.items():
            (directory / name).write_text(text, encoding="utf-8")
    assert directory.is_dir(), f"{directory} is missing; create it with RUNBOOK_UPDATE_GOLDEN=1"
    assert sorted(p.name for p in directory.iterdir()) == sorted(files)
    for name, text in files.items():
        assert (directory / name).read_text(encoding="utf-8") == text, f"{name} differs"
