"""Target expressions: every form of the grammar, its error messages, and round-trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runbook.model.target import Target
from runbook.parsing.targets import parse_target


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("all", Target("all")),
        ("first", Target("first")),
        ("local", Target("local")),
        ("node:1", Target("node", index=1)),
        ("node:12", Target("node", index=12)),
        ("host:db1", Target("host", hosts=("db1",))),
        ("host:db1,db2.example.com", Target("host", hosts=("db1", "db2.example.com"))),
        ("host:a, b", Target("host", hosts=("a", "b"))),
        ("role:controllers", Target("all", role="controllers")),
        ("all@controllers", Target("all", role="controllers")),
        ("first@compute", Target("first", role="compute")),
        ("node:2@network_nodes", Target("node", role="network_nodes", index=2)),
        ("  first  ", Target("first")),
    ],
)
def test_each_form_of_the_grammar_parses(text: str, expected: Target) -> None:
    assert parse_target(text) == expected


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("all@controllers", "role:controllers"),
        ("node:02", "node:2"),
        ("host:a , b", "host:a,b"),
        ("first@db", "first@db"),
    ],
)
def test_str_gives_the_canonical_text(text: str, canonical: str) -> None:
    assert str(parse_target(text)) == canonical


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "nodes:2",
            "unknown target 'nodes:2'; expected all, first, node:N, local, host:NAME, "
            "role:NAME, or all@ROLE/first@ROLE/node:N@ROLE",
        ),
        ("", "empty target; expected all, first"),
        ("   ", "empty target"),
        ("ALL", "unknown target 'ALL'"),
        ("node:0", "target 'node:0': nodes are counted from 1 (node:1 is the first)"),
        ("node:x", "target 'node:x': node:N needs a whole number N (node:1, node:2)"),
        ("node:", "node:N needs a whole number N"),
        ("node:²", "node:N needs a whole number N"),
        ("host:", "target 'host:': host: needs at least one host name"),
        ("host:a b", "'a b' is not a host name"),
        ("host:a,,b", "'' is not a host name"),
        ("role:", "target 'role:': '' is not an inventory group name"),
        ("role:a.b", "'a.b' is not an inventory group name"),
        ("all@", "'' is not an inventory group name"),
        ("local@db", "local cannot be taken within a role; @ROLE follows all, first or node:N"),
        ("host:a@db", "host cannot be taken within a role"),
        ("role:a@b", "role cannot be taken within a role"),
        ("node:1@a@b", "'a@b' is not an inventory group name"),
        ("every@db", "unknown target 'every@db'"),
    ],
)
def test_bad_targets_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError) as error:
        parse_target(text)
    assert message in str(error.value)


_WORDS = st.sampled_from(["all", "first", "local", "node", "host", "role", "db", "1", "0", "a.b"])
_PUNCT = st.sampled_from([":", "@", ",", " ", ""])
_TARGETISH = st.lists(st.one_of(_WORDS, _PUNCT), max_size=8).map("".join)


@given(st.one_of(st.text(max_size=30), _TARGETISH))
def test_any_text_gives_a_target_or_a_value_error(text: str) -> None:
    try:
        target = parse_target(text)
    except ValueError as error:
        assert str(error)
    else:
        assert isinstance(target, Target)


@given(st.one_of(st.text(max_size=30), _TARGETISH))
def test_the_canonical_text_parses_back_to_the_same_target(text: str) -> None:
    try:
        target = parse_target(text)
    except ValueError:
        return
    assert parse_target(str(target)) == target
    assert str(parse_target(str(target))) == str(target)
