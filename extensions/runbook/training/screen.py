"""The trainee's terminal: rich output that fits 80x24 and degrades to plain text.

rich already honours ``NO_COLOR`` and ``TERM=dumb`` (no colour, no cursor movement), and
when the output is not a terminal at all it writes plain text 80 columns wide. Everything
the trainee answers is read a line at a time, so the lab needs no mouse and no keys
beyond those of a plain SSH session.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

from rich.console import Console
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

#: The lab never draws wider than this, even on a wide terminal: lines stay readable.
MAX_WIDTH = 100


class Screen:
    """Lines and questions for the trainee; the only place the lab writes or reads."""

    def __init__(self, stdin: TextIO, stdout: TextIO) -> None:
        self.stdin = stdin
        self.stdout = stdout
        self.console = Console(file=stdout, highlight=False, emoji=False, markup=False)
        if self.console.width > MAX_WIDTH:
            self.console.width = MAX_WIDTH

    def say(self, text: str = "", style: str = "") -> None:
        self.console.print(Text(text, style=style), overflow="fold")

    def paragraph(self, text: str, indent: int = 2) -> None:
        """Prose wrapped to the terminal's width (rich wraps on words)."""
        pad = " " * indent
        width = max(20, self.console.width - indent)
        for line in Text(text).wrap(self.console, width):
            self.console.print(Text(pad) + line, overflow="fold")

    def code(self, text: str, style: str = "cyan") -> None:
        """Commands as written, one line each, never re-wrapped on words."""
        for line in text.rstrip("\n").splitlines():
            self.console.print(Text("    " + line, style=style), overflow="fold")

    def heading(self, text: str) -> None:
        self.console.print(Rule(Text(text, style="bold"), align="left", characters="-"))

    def table(self, columns: Iterable[str], rows: Iterable[Iterable[str]]) -> None:
        """Columns without borders (no line-drawing characters a dumb terminal may lack);
        empty column names: no header row."""
        columns = list(columns)
        table = Table(
            box=None,
            pad_edge=False,
            show_edge=False,
            header_style="bold",
            show_header=any(columns),
        )
        for column in columns:
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*row)
        self.console.print(table)

    def ask(self, prompt: str) -> str | None:
        """One line the trainee typed; None at the end of input (Ctrl-D)."""
        self.console.print(Text(prompt, style="bold"), end="")
        self.console.file.flush()
        line = self.stdin.readline()
        if not line:
            self.console.print()
            return None
        # Bytes that are not UTF-8 arrive as surrogates, which nothing can encode again.
        text = line.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        return text.rstrip("\n")

    def confirm(self, prompt: str) -> bool:
        answer = self.ask(f"{prompt} [y/N] ")
        return (answer or "").strip().lower() in ("y", "yes")
