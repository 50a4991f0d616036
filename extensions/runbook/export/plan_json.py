"""The JSON export: the plan in the versioned schema (each step has its source and anchor)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from runbook.model import Scenario


def plan_document(scenario: Scenario, root: Path) -> dict[str, Any]:
    """The plan made without an inventory (no hosts), as ``runbook plan --format json``."""
    from runbook.plan.build import build_plan
    from runbook.plan.serialize import plan_to_dict

    document = plan_to_dict(build_plan(scenario))
    _relative_paths(document, root)
    return document


def _relative_paths(data: Any, root: Path) -> None:
    """Source paths relative to ``root``, so the export does not depend on the checkout."""
    if isinstance(data, dict):
        path = data.get("path")
        if isinstance(path, str) and Path(path).is_absolute() and "line" in data:
            data["path"] = Path(os.path.relpath(path, root)).as_posix()
        for value in data.values():
            _relative_paths(value, root)
    elif isinstance(data, list):
        for value in data:
            _relative_paths(value, root)


def dumps(document: Any) -> str:
    """Stable JSON text: the same document always gives the same bytes."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render_plan(scenario: Scenario, root: Path) -> str:
    return dumps(plan_document(scenario, root))
