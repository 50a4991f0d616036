"""The escaping filters keep any text intact in each format, and the dependency order."""

from __future__ import annotations

import ast
import base64
import subprocess

import jinja2
import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from runbook.errors import ExportError, PlanError
from runbook.export.order import dependency_order
from runbook.export.templates import (
    comment,
    environment,
    ident,
    jinja_str,
    py_literal,
    sh_word,
    yaml_value,
)
from runbook.model import Scenario

TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))


@given(TEXT)
def test_python_literal_reads_back_as_the_same_text(text: str) -> None:
    assert ast.literal_eval(py_literal(text, indent=4)) == text


@given(st.lists(TEXT, max_size=5))
@example(["a\n"])
def test_yaml_value_reads_back_as_the_same_data(values: list[str]) -> None:
    document = "key:" + (
        " " + yaml_value(values, 2) if not values else "\n  " + yaml_value(values, 2)
    )
    assert yaml.safe_load(document + "\n") == {"key": values}


@given(TEXT)
@example("\n")  # the trailing line break was lost: `|2+` then the template's own line break
@example("a\n\n")
@example("\n\na")  # an indentation indicator counts from the key, not from the dump
@example(" a\nb")
@example("a\n")
def test_yaml_scalar_reads_back_as_the_same_text(text: str) -> None:
    # a template always ends the line of a field
    assert yaml.safe_load("key: " + yaml_value(text, 2) + "\n") == {"key": text}
    nested = "outer:\n  - key: " + yaml_value(text, 6) + "\n    other: 1\n\nnext: 2\n"
    assert yaml.safe_load(nested) == {"outer": [{"key": text, "other": 1}], "next": 2}


@given(TEXT)
@example("\n")
@example("line one\nline two")
def test_yaml_value_without_indent_is_one_line_with_the_same_text(text: str) -> None:
    line = yaml_value(text)
    assert "\n" not in line
    assert yaml.safe_load("- key: " + line + "\n  other: 1\n") == [{"key": text, "other": 1}]


@given(TEXT)
def test_jinja_string_literal_evaluates_to_the_same_text(text: str) -> None:
    environment = jinja2.Environment()
    environment.filters["b64decode"] = lambda value: base64.b64decode(value).decode()
    assert environment.from_string("{{ " + jinja_str(text) + " }}").render() == text


@settings(max_examples=30, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=20))
def test_bash_words_reach_bash_as_the_same_text(texts: list[str]) -> None:
    script = "".join(f"printf '%s\\0' {sh_word(text)}\n" for text in texts)
    result = subprocess.run(["bash", "-c", script], capture_output=True, check=True)
    assert result.stdout.decode("utf-8", "surrogateescape").split("\0")[:-1] == texts


def scenario(name: str, *requires: str) -> Scenario:
    return Scenario(name=name, title=name, steps=(), requires=requires)


def test_dependency_order_puts_requirements_first_and_keeps_guide_order() -> None:
    scenarios = {s.name: s for s in [scenario("galera", "lb"), scenario("lb"), scenario("x")]}
    assert dependency_order(scenarios) == ["lb", "galera", "x"]


def test_dependency_cycle_is_a_plan_error() -> None:
    scenarios = {s.name: s for s in [scenario("a", "b"), scenario("b", "c"), scenario("c", "a")]}
    with pytest.raises(PlanError, match="a -> b -> c -> a"):
        dependency_order(scenarios)


def test_a_template_field_without_its_escaping_filter_fails_the_export() -> None:
    template = environment().from_string("# {{ title }}\n")
    with pytest.raises(ExportError, match="not escaped"):
        template.render(title="a\nrm -rf ~")
    assert environment().from_string("# {{ title | comment }}\n").render(title="a\nb") == "# a b\n"


@pytest.mark.parametrize("name", ["a b", "x\ny", "{{ x }}", "$(id)", "", "-n"])
def test_a_name_that_is_not_plain_stops_the_export(name: str) -> None:
    with pytest.raises(ExportError, match="not a plain name"):
        ident(name)


@given(TEXT)
@example("a\u2028b\x85c\u202ed\re")
def test_a_comment_is_one_line_of_printable_text_in_every_language(text: str) -> None:
    line = comment(text)
    assert line.isprintable()
    assert yaml.safe_load(f"# {line}\nkey: 1\n") == {"key": 1}
    assert ast.literal_eval(f"# {line}\n1\n") == 1


@given(
    st.recursive(
        st.none() | st.integers() | st.text(),
        lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
        max_leaves=10,
    )
)
def test_python_literals_read_back_as_the_same_value(value):
    assert ast.literal_eval(str(py_literal(value, 4))) == value


def test_a_script_is_a_readable_block_with_its_lines_as_written():
    script = 'read -ra names <<< "$RB_NODES"\nfor n in "${names[@]}"; do\n  echo "$n\\\\"\ndone'
    literal = str(py_literal({"script": script}, 4))
    assert 'read -ra names <<< "$RB_NODES"\nfor n in' in literal
    assert literal.count('"""') == 2
    assert ast.literal_eval(literal) == {"script": script}
