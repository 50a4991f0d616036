"""Golden files of every export, for the same small scenario in rST, MyST and legacy form."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import jsonschema
import pytest

from runbook.export.writer import generate, write

from .helpers import GOLDEN, REPO, check_golden, export, load

SOURCES = ["small.rst", "small.md", "small.scenario", "local.rst"]


@pytest.mark.parametrize("source", SOURCES)
def test_exports_match_golden_files(source: str) -> None:
    check_golden(GOLDEN / source.replace(".", "-"), export(source))


def test_rst_and_myst_exports_differ_only_in_where_they_are_written() -> None:
    rst, myst = export("small.rst"), export("small.md")
    assert rst.keys() == myst.keys()
    where = re.compile(r"small\.(rst|md)(:\d+)?|'origin': '(rst|myst)'")
    for name in rst:
        if not name.endswith(".json"):  # the plans are compared below
            assert where.sub("X", rst[name]) == where.sub("X", myst[name]), name


def test_rst_and_myst_json_plans_are_the_same_plan() -> None:
    plans = [json.loads(export(name)["demo.json"]) for name in ("small.rst", "small.md")]
    assert plans[0]["digest"] == plans[1]["digest"]
    assert plans[0]["steps"][0]["anchor"] == "demo-1"
    assert plans[0]["steps"][0]["source"] == {"path": "tests/export/sources/small.rst", "line": 28}


def test_generating_twice_gives_the_same_bytes(tmp_path: Path) -> None:
    first = export("small.rst", "small.scenario", "local.rst")
    assert export("small.rst", "small.scenario", "local.rst") == first
    assert len(write(first, tmp_path)) == len(first)
    assert write(first, tmp_path) == []


def test_json_export_follows_the_plan_schema() -> None:
    schema = json.loads((REPO / "extensions/runbook/schema/plan.schema.json").read_text())
    for name in ("small.rst", "small.scenario"):
        files = export(name)
        stem = load(name).name
        jsonschema.validate(json.loads(files[f"{stem}.json"]), schema)


def test_no_export_contains_a_secret_value() -> None:
    assert load("local.rst").variable("token").default == "not-in-any-export"
    for name, text in export("local.rst").items():
        assert "not-in-any-export" not in text, name


def test_bash_exports_are_executable(tmp_path: Path) -> None:
    write(export("small.rst"), tmp_path)
    assert os.access(tmp_path / "demo.sh", os.X_OK)


def test_exports_of_the_guide_are_deterministic() -> None:
    from runbook.docutils_.loader import load_guide

    scenarios = load_guide(REPO / "docs").scenarios
    assert generate(scenarios, REPO) == generate(scenarios, REPO)
