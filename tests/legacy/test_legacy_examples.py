"""The legacy scenarios shipped in scenarios/legacy/ import to their golden plans."""

from __future__ import annotations

import pytest

from runbook.parsing.legacy import load_legacy
from runbook.plan.build import build_plan
from runbook.plan.serialize import plan_to_dict

from .helpers import EXAMPLES, GOLDEN, REPO, check_golden, dump

NAMES = sorted(path.stem for path in EXAMPLES.glob("*.scenario"))


def test_the_examples_are_there() -> None:
    assert NAMES == ["basic-cluster", "galera"]


@pytest.mark.parametrize("name", NAMES)
def test_each_example_imports_to_its_golden_plan(name: str, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    imported = load_legacy(EXAMPLES.relative_to(REPO) / f"{name}.scenario")
    data = {
        "plan": plan_to_dict(build_plan(imported.scenario)),
        "requirements": [list(pair) for pair in imported.requirements],
        "warnings": [str(warning) for warning in imported.warnings],
    }
    check_golden(GOLDEN / f"{name}.json", dump(data))


def test_the_basic_cluster_example_carries_its_test_script() -> None:
    scenario = load_legacy(EXAMPLES / "basic-cluster.scenario").scenario
    assert scenario.verification_script == (EXAMPLES / "basic-cluster-test.sh").read_text()
    assert scenario.steps[-1].title == "Run the scenario's test script"
