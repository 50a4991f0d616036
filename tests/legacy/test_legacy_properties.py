"""Property tests: any text, and mutations of real legacy files, give a Scenario or a
ParseError with a location, never another exception."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runbook.errors import ParseError
from runbook.model import Scenario
from runbook.parsing.legacy import import_legacy

from .helpers import EXAMPLES

SEEDS = [path.read_text(encoding="utf-8") for path in sorted(EXAMPLES.glob("*.scenario"))]

#: Lines that mean something to the format, to make random files likely to get far.
MEANINGFUL = st.sampled_from(
    [
        "= VARIABLES =",
        "= REQUIREMENTS =",
        "= LOCAL_VARIABLES =",
        "= SCRIPTS =",
        "= OTHER =",
        "....",
        "# a comment",
        "target=all",
        "target=local",
        "target=$PHD_ENV_nodes2",
        "target=a b",
        "target=$x",
        "require_exitcode=2",
        "require_exitcode=-1",
        "PHD_VAR_x",
        "nodes: 3",
        "nodes: 0",
        "packages: a b",
        "x=1",
        "echo hi",
        "",
        "   ",
    ]
)
LINES = st.lists(st.one_of(MEANINGFUL, st.text(max_size=30)), max_size=40)


def _import(text: str) -> None:
    try:
        result = import_legacy(text, "fuzz.scenario")
    except ParseError as error:
        assert error.location is not None
        assert error.location.path == "fuzz.scenario"
        assert str(error).startswith("fuzz.scenario")
        return
    assert isinstance(result.scenario, Scenario)
    nothing = any("no script blocks" in warning.message for warning in result.warnings)
    assert result.scenario.steps or nothing or result.scenario.requires


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(LINES)
def test_random_files_give_a_scenario_or_a_located_error(lines: list[str]) -> None:
    _import("\n".join(lines))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_any_text_gives_a_scenario_or_a_located_error(text: str) -> None:
    _import(text)


@pytest.mark.parametrize("seed", range(len(SEEDS)))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_real_files_give_a_scenario_or_a_located_error(seed: int, data) -> None:
    lines = SEEDS[seed].split("\n")
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(lines)))
        action = data.draw(st.sampled_from(["delete", "insert", "duplicate", "replace"]))
        if action == "delete" and lines and position < len(lines):
            del lines[position]
        elif action == "duplicate" and position < len(lines):
            lines.insert(position, lines[position])
        else:
            line = data.draw(st.one_of(MEANINGFUL, st.text(max_size=20)))
            if action == "replace" and position < len(lines):
                lines[position] = line
            else:
                lines.insert(position, line)
    _import("\n".join(lines))
