"""A step's troubleshooting text on its card: an "If it fails" box under the verification.

Built from standard nodes (an admonition), so the docutils writer, Sphinx's HTML and
its other builders all show it; `code` in backquotes becomes a literal, the only markup a
directive option's plain text keeps.
"""

from __future__ import annotations

import re

from docutils import nodes

from runbook.model.scenario import TROUBLESHOOTING_TITLE as TITLE

_LITERAL_RE = re.compile(r"``?([^`]+)``?")


def _paragraph(text: str) -> nodes.paragraph:
    para = nodes.paragraph()
    position = 0
    for match in _LITERAL_RE.finditer(text):
        if match.start() > position:
            para += nodes.Text(text[position : match.start()])
        para += nodes.literal(match.group(1), match.group(1))
        position = match.end()
    if position < len(text):
        para += nodes.Text(text[position:])
    return para


def troubleshooting_box(text: str) -> nodes.admonition:
    """The paragraphs of ``text`` (separated by blank lines) in a titled box."""
    box = nodes.admonition(classes=["rb-troubleshooting"])
    box += nodes.title(TITLE, TITLE)
    for paragraph in text.split("\n\n"):
        if paragraph.strip():
            box += _paragraph(paragraph.strip())
    return box
