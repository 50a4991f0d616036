"""Where something was written: every model object carries one."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """A file and a 1-based line; printed ``path:line`` like a compiler's messages."""

    path: str
    line: int | None = None

    def __str__(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"

    def at(self, line: int | None) -> SourceLocation:
        """The same file at another line."""
        return SourceLocation(self.path, line)
