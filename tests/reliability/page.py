"""The rows of the guide's Reliability page, read from the tests that prove them.

Every fault and bad-input test carries ``@pytest.mark.proves(kind, case, behaviour)``.
This module reads those markers from the test files' source (nothing is imported or
run), renders them as the page's lists, and with ``--write`` puts the tables into
docs/reliability.md between its two marker comments (``make reliability-page``); a test
fails whenever the page and the tests disagree.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).parents[2]
PAGE = ROOT / "docs" / "reliability.md"
SOURCES = ("tests/reliability", "tests/security", "tests/e2e")
KINDS = {
    "fault": "Faults",
    "bad input": "Bad input",
    "secret": "Secrets",
    "fencing": "Fencing of the guide's cluster",
}
BEGIN = "% BEGIN rows generated from the tests: `make reliability-page`"
END = "% END rows"


@dataclass(frozen=True)
class Row:
    kind: str
    case: str
    behaviour: str
    test: str


def _marker(decorator: ast.expr) -> ast.Call | None:
    if isinstance(decorator, ast.Call) and ast.unparse(decorator.func) == "pytest.mark.proves":
        return decorator
    return None


def rows() -> list[Row]:
    """Every ``proves`` marker of the test files, in file and line order."""
    found = []
    for directory in SOURCES:
        for path in sorted((ROOT / directory).glob("test_*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            for node in tree.body:
                if not isinstance(node, ast.FunctionDef):
                    continue
                for decorator in node.decorator_list:
                    call = _marker(decorator)
                    if call is not None:
                        kind, case, behaviour = (ast.literal_eval(arg) for arg in call.args)
                        test = f"{path.relative_to(ROOT).as_posix()}::{node.name}"
                        found.append(Row(kind, case, behaviour, test))
    return found


def _flat(text: str) -> str:
    return " ".join(text.split())


def render(found: list[Row]) -> str:
    """One section per kind; per row, what was tried, then what runbook does and the test."""
    parts = []
    for kind, heading in KINDS.items():
        entries = [
            f"{_flat(row.case)}\n: {_flat(row.behaviour)}\n\n  Proved by `{row.test}`."
            for row in found
            if row.kind == kind
        ]
        if entries:
            parts.append("\n\n".join([f"### {heading}", *entries]))
    return "\n\n".join(parts)


def generated_part(page: str) -> str:
    """What the page has between its marker comments."""
    start, end = page.index(BEGIN) + len(BEGIN), page.index(END)
    return page[start:end].strip("\n")


def write() -> None:
    page = PAGE.read_text(encoding="utf-8")
    start, end = page.index(BEGIN) + len(BEGIN), page.index(END)
    PAGE.write_text(page[:start] + "\n\n" + render(rows()) + "\n\n" + page[end:], encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python tests/reliability/page.py --write")
    write()
