"""Fixtures for the plan tests: files written to the test's tmp directory, the plan schema."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest

from runbook.plan.serialize import SCHEMA_PATH


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a file under the test's tmp directory and return its path."""

    def write_file(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write_file


@pytest.fixture(scope="session")
def plan_schema() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.fixture(autouse=True)
def every_plan_matches_the_schema(
    monkeypatch: pytest.MonkeyPatch, plan_schema: jsonschema.Draft202012Validator
) -> None:
    """Validate each plan any test here builds: build_plan computes its digest last."""
    import dataclasses

    from runbook.plan import build
    from runbook.plan.serialize import plan_digest, plan_to_dict

    def digest_and_validate(plan):
        digest = plan_digest(plan)
        plan_schema.validate(plan_to_dict(dataclasses.replace(plan, digest=digest)))
        return digest

    monkeypatch.setattr(build, "plan_digest", digest_and_validate)
