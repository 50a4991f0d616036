"""Helpers for the guide-parsing tests: dump models, print problems, golden files."""

from __future__ import annotations

import dataclasses
import json
import os
from enum import Enum
from pathlib import Path
from typing import Any

from runbook.model import Problem, SourceLocation, Target

GOLDEN = Path(__file__).parents[1] / "golden" / "parsing"

#: Set RUNBOOK_UPDATE_GOLDEN=1 to rewrite golden files from the current output.
UPDATE = os.environ.get("RUNBOOK_UPDATE_GOLDEN") == "1"


def problem_lines(problems: list[Problem]) -> list[str]:
    """Problems with their code, short: ``path:line: message [code]``."""
    return [f"{problem.location}: {problem.message} [{problem.code.value}]" for problem in problems]


def to_data(value: Any) -> Any:
    """A model object as plain JSON data: targets and locations as their text."""
    if isinstance(value, Target | SourceLocation):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [to_data(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    return value


def dump(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def check_golden(path: Path, actual: str) -> None:
    """Compare with the golden file; RUNBOOK_UPDATE_GOLDEN=1 rewrites it instead."""
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"{path} is missing; create it with RUNBOOK_UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8"), f"differs from {path}"
