"""The bash export: one standalone script per scenario, run from the control host."""

from __future__ import annotations

from pathlib import Path

from runbook.export.templates import render
from runbook.export.view import context
from runbook.model import Scenario


def render_bash(scenario: Scenario, root: Path) -> str:
    """The bash script of one scenario."""
    return render("bash.sh.j2", **context(scenario, root))
