"""One scenario written in rST, in MyST and as a legacy phd file gives one plan (golden)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from runbook.docutils_.loader import load_scenario
from runbook.model import Scenario, reveal
from runbook.parsing.legacy import load_legacy
from runbook.plan.build import build_plan
from runbook.plan.environment import step_environment
from runbook.plan.inventory import load_inventory
from runbook.plan.model import Plan
from runbook.plan.serialize import plan_to_dict

from .helpers import GOLDEN, REPO, check_golden, dump

SAME = Path("tests") / "golden" / "plan" / "same"
SOURCES = ["cluster.rst", "cluster.md", "cluster.scenario"]


def _scenario(name: str) -> Scenario:
    path = SAME / name
    if path.suffix == ".scenario":
        return load_legacy(path).scenario
    return load_scenario(str(path))


def _plan(name: str) -> Plan:
    return build_plan(_scenario(name), load_inventory(SAME / "inventory.yml"), [SAME / "vars.yml"])


def _normalised(plan: Plan) -> dict[str, Any]:
    """The plan's JSON without what legitimately differs: where and how it was written."""
    data = plan_to_dict(plan)
    scenario = data["scenario"]
    scenario.update(origin=None, source=None, docname=None, verification_script=None)
    for step in data["steps"]:
        step["source"] = None
    for variable in data["variables"]:
        variable["declared_at"] = None
    return data


@pytest.fixture(autouse=True)
def _in_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


@pytest.mark.parametrize("name", SOURCES)
def test_each_syntax_gives_the_golden_plan(name: str) -> None:
    check_golden(GOLDEN / "same" / "cluster.json", dump(_normalised(_plan(name))))


def test_the_three_plans_have_one_digest() -> None:
    digests = {_plan(name).digest for name in SOURCES}
    assert len(digests) == 1


def test_the_origins_are_what_they_claim() -> None:
    assert [_scenario(name).origin for name in SOURCES] == ["rst", "myst", "legacy"]


def test_every_step_sees_the_same_environment_but_legacy_extras() -> None:
    plans = [_plan(name) for name in SOURCES]
    for position in range(len(plans[0].steps)):
        for host in plans[0].steps[position].hosts:
            seen = [
                {k: reveal(v) for k, v in step_environment(p, p.steps[position], host).items()}
                for p in plans
            ]
            legacy = {k: v for k, v in seen[2].items() if not k.startswith("PHD_ENV_")}
            assert seen[0] == seen[1] == legacy
            assert seen[2]["PHD_ENV_nodes"] == seen[0]["RB_NODES"]


def test_no_secret_value_is_in_the_golden_plan() -> None:
    secret = "not-in-any-output"
    assert secret in (REPO / SAME / "vars.yml").read_text()
    for name in SOURCES:
        assert secret not in json.dumps(plan_to_dict(_plan(name)))
