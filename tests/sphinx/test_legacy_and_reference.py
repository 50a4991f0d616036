"""Legacy scenarios render like the others; the command reference comes from the parser."""

from __future__ import annotations

from docutils import nodes

from runbook.cli.main import build_parser
from runbook.sphinx_ext.command_reference import subcommands


def test_a_legacy_scenario_renders_header_and_numbered_steps(build, read_html):
    app = build("legacy")
    assert app._warning.getvalue() == ""
    page = read_html(app, "index")
    assert 'id="scenario-hello"' in page
    assert 'id="hello-1"' in page and 'id="hello-2"' in page
    text = app.env.get_doctree("index").astext()
    assert "Greet on every node" in text
    assert 'echo "hello ${PHD_VAR_greeting}"' in text
    assert "export PHD_VAR_greeting=<PHD_VAR_greeting>" in text


def test_command_reference_lists_every_subcommand_and_option_of_the_parser(build):
    app = build("command")
    doctree = app.env.get_doctree("index")
    titles = [section[0].astext() for section in doctree.findall(nodes.section)]
    options = {node.astext() for node in doctree.findall(nodes.option_string)}
    parser = build_parser()
    expected = list(subcommands(parser))
    assert expected, "the command has subcommands"
    for name, _help, subparser in expected:
        assert f"runbook {name}" in titles
        for action in subparser._actions:
            for string in action.option_strings:
                if string not in ("-h", "--help"):
                    assert string in options, (name, string)


def test_command_reference_usage_matches_the_parser(build):
    app = build("command")
    doctree = app.env.get_doctree("index")
    usages = [
        b.astext() for b in doctree.findall(nodes.literal_block) if "rb-usage" in b["classes"]
    ]
    assert usages[0].startswith("runbook [-h] [--version] [--debug] COMMAND")
    names = [name for name, _help, _parser in subcommands(build_parser())]
    assert any(usage.startswith(f"runbook {names[0]} ") for usage in usages[1:])


def test_command_reference_text_is_the_parsers_own_without_smart_quotes(build, read_html):
    """Copy-safe: ``--check`` stays two hyphens and ``...`` three dots, as ``--help`` prints."""
    app = build("command")
    doctree = app.env.get_doctree("index")
    paragraphs = {p.astext() for p in doctree.findall(nodes.paragraph)}
    export = dict((name, sub) for name, _help, sub in subcommands(build_parser()))["export"]
    assert "--check" in export.description
    assert export.description in paragraphs
    page = read_html(app, "index")
    for forbidden in ("\u2013", "\u2014", "\u2026", "\u201c", "\u2019"):
        assert forbidden not in page, forbidden
