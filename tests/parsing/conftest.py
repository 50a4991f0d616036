"""Fixtures for the guide-parsing tests."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

import pytest

from runbook.docutils_.loader import parse_source


@pytest.fixture
def parse() -> Callable[..., Any]:
    """Parse a dedented snippet as ``doc.rst`` (or ``doc.md`` with ``md=True``)."""

    def run(text: str, md: bool = False, path: str | None = None) -> Any:
        source = path or ("doc.md" if md else "doc.rst")
        return parse_source(textwrap.dedent(text).lstrip("\n"), source, "doc")

    return run
