"""Sphinx's cross-reference roles as plain text, for the command's fast path.

The fast path parses the guide with docutils alone, where ``:doc:`` or ``{ref}`` are
unknown: reStructuredText keeps the raw markup and MyST drops the text. Step prose would
then differ from what the Sphinx build reads. These stand-ins give the text Sphinx shows
for a reference before it is resolved: the explicit title, else the target.
"""

from __future__ import annotations

import re
from typing import Any

from docutils import nodes

#: Roles of Sphinx (and of our domain) whose text the guide's prose may contain.
SPHINX_TEXT_ROLES = (
    "abbr",
    "any",
    "command",
    "doc",
    "download",
    "envvar",
    "file",
    "guilabel",
    "keyword",
    "manpage",
    "menuselection",
    "numref",
    "option",
    "program",
    "ref",
    "samp",
    "scenario",
    "step",
    "term",
)

_TITLED = re.compile(r"^(?P<title>.+?)\s*<(?P<target>[^<>]+)>$", re.DOTALL)


def reference_text(text: str) -> str:
    """``Title <target>`` gives ``Title``; a bare ``target`` (``~`` dropped) gives itself."""
    match = _TITLED.match(text)
    return match.group("title") if match else text.lstrip("~!")


def plain_text_role(
    name: str,
    rawtext: str,
    text: str,
    lineno: int,
    inliner: Any,
    options: dict[str, Any] | None = None,
    content: list[str] | None = None,
) -> tuple[list[nodes.Node], list[nodes.system_message]]:
    """A docutils role function returning the reference's text and nothing else."""
    return [nodes.Text(reference_text(text))], []
