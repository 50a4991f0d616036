"""``${name}`` references in variable defaults: finding, ordering, expanding, secrecy."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runbook.model.secret import MASK, Secret
from runbook.parsing.variables import (
    VariableReferenceError,
    expand,
    expansion_order,
    references,
    secret_by_reference,
)


def test_references_are_found_once_each_in_order() -> None:
    assert references("${b}-${a}:${b} $c ${9x} ${ok_1}") == ("b", "a", "ok_1")


def test_expansion_replaces_every_reference() -> None:
    assert expand("${name}-db.${domain}", {"name": "ha", "domain": "example.com"}) == (
        "ha-db.example.com"
    )


def test_text_without_references_is_unchanged() -> None:
    assert expand("plain $HOME ${", {}) == "plain $HOME ${"


def test_a_value_built_from_a_secret_is_secret() -> None:
    value = expand("root:${password}", {"password": Secret("hunter2")})
    assert isinstance(value, Secret)
    assert value.reveal() == "root:hunter2"
    assert str(value) == MASK


def test_expanding_an_undeclared_reference_names_it() -> None:
    with pytest.raises(ValueError, match=r"\$\{nope\} refers to an undeclared variable 'nope'"):
        expand("${nope}", {})


def test_defaults_are_ordered_after_what_they_refer_to() -> None:
    order = expansion_order({"c": "${b}", "b": "${a}", "a": "x", "d": None})
    assert order.index("a") < order.index("b") < order.index("c")
    assert set(order) == {"a", "b", "c", "d"}


def test_a_cycle_is_named_with_the_variable_to_blame() -> None:
    with pytest.raises(VariableReferenceError) as error:
        expansion_order({"a": "${b}", "b": "${a}"})
    assert str(error.value) == "variable defaults refer to each other: a -> b -> a"
    assert error.value.variable == "a"


def test_an_undeclared_reference_in_a_default_is_named() -> None:
    with pytest.raises(VariableReferenceError) as error:
        expansion_order({"a": "${missing}"})
    assert "the default of 'a' refers to an undeclared variable 'missing'" in str(error.value)
    assert error.value.variable == "a"


def test_secrecy_spreads_through_references() -> None:
    defaults = {"pw": None, "auth": "root:${pw}", "url": "mysql://${auth}@db", "name": "x"}
    assert secret_by_reference(defaults, {"pw"}) == {"pw", "auth", "url"}


_NAMES = st.sampled_from(["a", "b", "c", "d"])


@given(st.dictionaries(_NAMES, st.lists(_NAMES, max_size=3), max_size=4))
def test_ordering_any_declarations_gives_an_order_or_a_named_error(
    graph: dict[str, list[str]],
) -> None:
    defaults = {name: "".join(f"${{{ref}}}" for ref in refs) for name, refs in graph.items()}
    try:
        order = expansion_order(defaults)
    except VariableReferenceError as error:
        assert error.variable in defaults
        return
    assert sorted(order) == sorted(defaults)
    for name, refs in graph.items():
        assert all(order.index(ref) < order.index(name) for ref in refs)
