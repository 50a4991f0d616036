"""``.. runbook-command-reference::``: the ``runbook`` command's reference, from its parser.

The page is generated from :func:`runbook.cli.main.build_parser` at every build, so a new
option or subcommand appears in the guide the moment it exists and the text cannot drift.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

#: Fixed width for usage lines, so the page does not depend on the builder's terminal.
USAGE_WIDTH = 88


def _formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.HelpFormatter(prog, width=USAGE_WIDTH)


def subcommands(
    parser: argparse.ArgumentParser,
) -> Iterator[tuple[str, str, argparse.ArgumentParser]]:
    """``(name, one-line help, parser)`` of each subcommand, in the parser's order."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            for name, subparser in action.choices.items():
                yield name, helps.get(name, ""), subparser


def _usage(parser: argparse.ArgumentParser) -> nodes.literal_block:
    """The usage synopsis without its ``usage:`` label (continuation lines dedented)."""
    parser.formatter_class = _formatter
    label = "usage: "
    lines = parser.format_usage().strip().splitlines()
    text = "\n".join(
        [lines[0].removeprefix(label)] + [line.removeprefix(" " * len(label)) for line in lines[1:]]
    )
    block = nodes.literal_block(text, text, classes=["rb-usage"])
    block["language"] = "text"
    return block


def _verbatim(node: nodes.Element) -> nodes.Element:
    """Keep the text as the command prints it: smart quotes would turn ``--check`` into an
    en dash and ``...`` into an ellipsis, and a copied command would then fail."""
    node["support_smartquotes"] = False
    return node


def _help_text(parser: argparse.ArgumentParser, action: argparse.Action) -> str:
    if not action.help:
        return ""
    return parser._get_formatter()._expand_help(action)


def _option_list(parser: argparse.ArgumentParser) -> nodes.option_list | None:
    options = nodes.option_list(classes=["rb-options"])
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction | argparse._HelpAction):
            continue
        group = nodes.option_group()
        if action.option_strings:
            takes_value = action.nargs != 0
            metavar = parser._get_formatter()._format_args(action, action.dest.upper())
            for string in action.option_strings:
                option = nodes.option("", nodes.option_string(string, string))
                if takes_value:
                    option += nodes.option_argument(str(metavar), str(metavar), delimiter=" ")
                group += option
        else:
            name = parser._get_formatter()._format_args(action, action.dest)
            group += nodes.option("", nodes.option_string(name, name))
        description = nodes.description()
        description += _verbatim(nodes.paragraph(text=_help_text(parser, action) or " "))
        options += nodes.option_list_item("", group, description)
    return options if options.children else None


def command_section(
    prefix: str, name: str, summary: str, parser: argparse.ArgumentParser
) -> nodes.section:
    """One command (and, nested, its own subcommands) as a titled section."""
    full = f"{prefix} {name}".strip()
    section = nodes.section(ids=["command-" + full.replace(" ", "-")], names=[full])
    section += nodes.title("", "", nodes.literal(full, full))
    text = parser.description or summary
    if text:
        section += _verbatim(nodes.paragraph(text=text))
    section += _usage(parser)
    options = _option_list(parser)
    if options is not None:
        section += options
    for child, child_summary, child_parser in subcommands(parser):
        section += command_section(full, child, child_summary, child_parser)
    return section


class CommandReference(SphinxDirective):
    """Every subcommand of ``runbook`` with its usage and options."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        import runbook.cli
        from runbook.cli.main import build_parser

        # Re-read this page whenever a command module changes.
        for package_dir in runbook.cli.__path__:
            for module in sorted(Path(package_dir).glob("*.py")):
                self.env.note_dependency(str(module))
        parser = build_parser()
        result: list[nodes.Node] = [_usage(parser)]
        options = _option_list(parser)
        if options is not None:
            result.append(options)
        summary = nodes.bullet_list(classes=["rb-command-summary"])
        sections = []
        for name, help_text, subparser in subcommands(parser):
            section = command_section("runbook", name, help_text, subparser)
            item = nodes.paragraph()
            item += nodes.reference(
                "", "", nodes.literal(f"runbook {name}", f"runbook {name}"), refid=section["ids"][0]
            )
            if help_text:
                item += nodes.Text(f": {help_text}")
            summary += nodes.list_item("", _verbatim(item))
            sections.append(section)
        if summary.children:
            result.append(summary)
        return result + sections
