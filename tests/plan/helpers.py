"""Small scenarios built straight from the model, and inventory texts, for the plan tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from runbook.model import Scenario, SourceLocation, Step, Target, Variable
from runbook.parsing.targets import parse_target

SOURCE = SourceLocation("docs/sample.rst")


def make_step(index: int, target: str | Target = "all", **fields: object) -> Step:
    """A step of scenario ``sample`` at line ``10 * index`` of docs/sample.rst."""
    parsed = parse_target(target) if isinstance(target, str) else target
    values: dict[str, object] = {
        "scenario": "sample",
        "index": index,
        "title": f"Step {index}",
        "script": f"echo step {index}",
        "target": parsed,
        "location": SOURCE.at(10 * index),
    }
    values.update(fields)
    return Step(**values)  # type: ignore[arg-type]


def make_scenario(
    *targets: str | Target,
    variables: tuple[Variable, ...] = (),
    **fields: object,
) -> Scenario:
    """Scenario ``sample`` with one step per target (or the given ``steps``)."""
    steps = fields.pop("steps", None) or tuple(
        make_step(i, target) for i, target in enumerate(targets or ("all",), start=1)
    )
    values: dict[str, object] = {
        "name": "sample",
        "title": "Sample",
        "steps": steps,
        "variables": variables,
        "location": SOURCE.at(1),
    }
    values.update(fields)
    return Scenario(**values)  # type: ignore[arg-type]


def variable(
    name: str, default: str | None = None, *, secret: bool = False, line: int = 5
) -> Variable:
    return Variable(name, f"About {name}.", default, secret, SOURCE.at(line))


THREE_NODES = """\
all:
  vars:
    ansible_user: root
  hosts:
    node1: {ansible_host: 192.0.2.11}
    node2: {ansible_host: 192.0.2.12}
    node3: {ansible_host: 192.0.2.13}
  children:
    controllers:
      hosts:
        node1:
        node2:
        node3:
    db:
      hosts:
        node2:
        node3:
"""


REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden" / "plan"

#: Set RUNBOOK_UPDATE_GOLDEN=1 to rewrite golden files from the current output.
UPDATE = os.environ.get("RUNBOOK_UPDATE_GOLDEN") == "1"


def dump(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def check_golden(path: Path, actual: str) -> None:
    """Compare with the golden file; RUNBOOK_UPDATE_GOLDEN=1 rewrites it instead."""
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"{path} is missing; create it with RUNBOOK_UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8"), f"differs from {path}"


def runbook_in(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``runbook ARGS`` in a fresh interpreter in ``project``, with its own cache and state
    directories beside it (nothing of the user's is read or written)."""
    return subprocess.run(
        [sys.executable, "-m", "runbook.cli.main", *args],
        cwd=project,
        env={
            **os.environ,
            "RUNBOOK_CACHE_DIR": str(project.parent / "cache"),
            "RUNBOOK_STATE_DIR": str(project.parent / "state"),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
