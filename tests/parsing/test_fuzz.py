"""Random and mutated guide sources: scenarios or located problems, never an exception."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runbook.docutils_.loader import parse_source
from runbook.model import Scenario

from .helpers import GOLDEN

SAME = GOLDEN / "_same"
SOURCES = {suffix: (SAME / f"sample{suffix}").read_text("utf-8") for suffix in (".rst", ".md")}

_OPTIONS = [
    "target", "unless", "verify", "expect-output", "retries", "delay", "timeout", "run-once",
    "serial", "sensitive", "expect-exit", "register", "no-verify", "shellcheck-disable", "copy",
    "copy-from", "requires", "hosts", "nodes", "title", "default", "secret", "name", "bogus",
]  # fmt: skip
_VALUES = st.one_of(
    st.sampled_from(
        ["", "all", "node:0", "first@x", "3s", "-1", "(", "SC1", "/etc/x", "a b", '"q" x', "${x}"]
    ),
    st.text(max_size=12),
)
_DIRECTIVES = ["scenario", "variable", "step", "verify", "legacy-scenario", "toctree", "note"]


@st.composite
def _new_line(draw: st.DrawFn, suffix: str) -> str:
    indent = draw(st.sampled_from(["", "   ", "      "])) if suffix == ".rst" else ""
    name = draw(st.sampled_from(_DIRECTIVES))
    argument = draw(st.sampled_from(["", " x", " Do it", " ../nowhere.scenario"]))
    return draw(
        st.one_of(
            st.builds(lambda o, v: f"{indent}:{o}: {v}", st.sampled_from(_OPTIONS), _VALUES),
            st.just(f"{indent}.. {name}::{argument}" if suffix == ".rst" else f"```{{{name}}}"),
            st.sampled_from(["", "```", ":::", "::::", "----", "====", "* item", "   .. x::"]),
            st.text(max_size=30).map(lambda text: indent + text.replace("\n", " ")),
        )
    )


@st.composite
def _mutated(draw: st.DrawFn) -> tuple[str, str]:
    suffix = draw(st.sampled_from([".rst", ".md"]))
    lines = SOURCES[suffix].splitlines()
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        at = draw(st.integers(min_value=0, max_value=max(len(lines) - 1, 0)))
        action = draw(st.sampled_from(["delete", "duplicate", "insert", "replace"]))
        if action == "delete" and lines:
            del lines[at]
        elif action == "duplicate" and lines:
            lines.insert(at, lines[at])
        elif action == "insert":
            lines.insert(at, draw(_new_line(suffix)))
        elif lines:
            lines[at] = draw(_new_line(suffix))
    return suffix, "\n".join(lines) + "\n"


_RANDOM_TEXT = st.lists(
    st.sampled_from([*".:`{}\n -=#*|\"'\\$@", "scenario", "step", "verify", "legacy-", "a"]),
    max_size=80,
).map("".join)


def _check(text: str, suffix: str) -> None:
    path = str(SAME / f"fuzzed{suffix}")
    scenarios, problems = parse_source(text, path, "fuzzed")
    assert all(isinstance(scenario, Scenario) for scenario in scenarios)
    for problem in problems:
        assert problem.location.path in (path, str(SAME / "legacy" / "hello.scenario"))
        assert problem.location.line is not None and problem.location.line >= 1, problem
        assert problem.message
        assert "parser failed" not in problem.message, problem


@pytest.mark.timeout(600)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutated())
def test_mutated_samples_give_scenarios_or_located_problems(source: tuple[str, str]) -> None:
    suffix, text = source
    _check(text, suffix)


@pytest.mark.timeout(600)
@settings(max_examples=150, deadline=None)
@given(st.sampled_from([".rst", ".md"]), _RANDOM_TEXT)
def test_random_text_gives_scenarios_or_located_problems(suffix: str, text: str) -> None:
    _check(text, suffix)


def test_the_unmutated_samples_have_no_problems() -> None:
    for suffix, text in SOURCES.items():
        assert parse_source(text, str(SAME / f"sample{suffix}"))[1] == []
    assert Path(SAME / "legacy" / "hello.scenario").is_file()
