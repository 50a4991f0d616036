"""What the trainee typed, compared with the guide's commands, before anything runs.

Lines are compared with their spacing normalised (a shell splits words on any run of
blanks), so only differences that can change what runs are shown.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


@dataclass(frozen=True, slots=True)
class Difference:
    """The lines the guide has and the trainee does not (``-``), and the reverse (``+``)."""

    lines: tuple[tuple[str, str], ...]

    @property
    def same(self) -> bool:
        return not any(mark != " " for mark, _ in self.lines)


def compare(guide: str, typed: str) -> Difference:
    """The typed commands against the guide's, line by line (``difflib.ndiff`` order)."""
    rows: list[tuple[str, str]] = []
    for line in difflib.ndiff(_lines(guide), _lines(typed)):
        mark, text = line[:1], line[2:]
        if mark in ("-", "+", " "):
            rows.append((mark, text))
    return Difference(tuple(rows))
