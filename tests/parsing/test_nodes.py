"""The placeholder nodes' attribute contract, and the collector's identity marks on them."""

from __future__ import annotations

import textwrap
from io import StringIO

from docutils import nodes
from docutils.core import publish_doctree

from runbook.docutils_.collect import collect_scenarios
from runbook.docutils_.directives import directives_registered
from runbook.docutils_.nodes import scenario_node, step_node, variable_node, verify_node
from runbook.model import Target

SOURCE = textwrap.dedent(
    """
    .. scenario:: galera
       :requires: base
       :hosts: db
       :nodes: 3

       The *description*.

    .. variable:: name
       :default: x

       What it is.

    .. step:: Install
       :target: first@db
       :retries: 3
       :delay: 1m
       :verify: true

       apt-get install -y galera-4

    .. step:: Broken
       :target: everywhere

       true

    .. step:: Start

       start

    .. verify::
       :timeout: 10

       check
    """
)


def _doctree(text: str = SOURCE) -> nodes.document:
    with directives_registered():
        return publish_doctree(text, settings_overrides={"report_level": 5, "halt_level": 5})


def test_placeholders_carry_converted_options_and_their_location() -> None:
    document = _doctree()
    (scenario,) = document.findall(scenario_node)
    assert scenario.line == 2
    assert {key: scenario[key] for key in ("name", "title", "requires", "hosts", "nodes")} == {
        "name": "galera",
        "title": None,
        "requires": ("base",),
        "hosts": "db",
        "nodes": 3,
    }
    assert (scenario["origin"], scenario["legacy"], scenario["invalid"]) == ("rst", None, False)
    assert scenario.astext() == "The description."
    (variable,) = document.findall(variable_node)
    assert (variable["name"], variable["default"], variable["secret"]) == ("name", "x", False)
    install, broken, start = document.findall(step_node)
    assert install["target"] == Target("first", role="db")
    assert (install["retries"], install["delay"], install["timeout"]) == (3, 60.0, None)
    assert install["verify"] == "true"
    assert install["script"] == "apt-get install -y galera-4"
    (block,) = install.children
    assert isinstance(block, nodes.literal_block)
    assert (block["language"], block.astext()) == ("bash", "apt-get install -y galera-4")
    assert broken["invalid"] is True
    assert start["invalid"] is False
    (verify,) = document.findall(verify_node)
    assert (verify["command"], verify["timeout"], verify["expect_exit"]) == ("check", 10.0, None)


def test_the_collector_marks_what_it_turned_into_model_objects() -> None:
    document = _doctree()
    (scenario,) = collect_scenarios(document)
    assert next(document.findall(scenario_node))["rb_scenario"] == "galera"
    variable = next(document.findall(variable_node))
    assert (variable["rb_scenario"], variable["rb_variable"]) == ("galera", "name")
    install, broken, start = document.findall(step_node)
    assert (install["rb_scenario"], install["rb_step"]) == ("galera", "galera/1")
    assert "rb_step" not in broken
    assert start["rb_step"] == "galera/2"
    assert next(document.findall(verify_node))["rb_step"] == "galera/2"
    assert scenario.step(start["rb_step"]).verify.command == "check"


def test_nothing_is_marked_in_a_scenario_that_could_not_be_built() -> None:
    document = _doctree(".. scenario:: Bad_Name\n\n.. step:: One\n\n   true\n")
    assert collect_scenarios(document) == []
    assert "rb_scenario" not in next(document.findall(scenario_node))
    assert "rb_step" not in next(document.findall(step_node))


def test_plain_docutils_gets_problems_as_docutils_warnings() -> None:
    stream = StringIO()
    with directives_registered():
        publish_doctree(
            ".. scenario:: s\n   :nodes: x\n", settings_overrides={"warning_stream": stream}
        )
    assert stream.getvalue() == (
        "<string>:2: (WARNING/2) scenario option :nodes: 'x' is not a whole number of 1 or more "
        "[runbook.option]\n"
    )


def test_parsing_leaves_docutils_registry_as_it_was() -> None:
    """Left registered, the directives would make a later Sphinx app warn about them."""
    from docutils.parsers.rst import directives

    from runbook.docutils_.loader import parse_source

    parse_source(".. scenario:: s\n", "doc.rst")
    parse_source(":::{scenario} s\n:::\n", "doc.md")
    assert not set(directives._directives) & {"scenario", "step", "verify", "variable"}
