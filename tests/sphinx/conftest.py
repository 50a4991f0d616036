"""Sphinx test projects (tests/roots/test-*/) built with sphinx.testing's fixtures."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.testing.fixtures import *  # noqa: F403 - sphinx.testing's fixtures, for these tests only

ROOTS = Path(__file__).parent.parent / "roots"


@pytest.fixture(scope="session")
def rootdir() -> Path:
    return ROOTS


def page_html(app: Sphinx, docname: str) -> str:
    return (Path(app.outdir) / f"{docname}.html").read_text(encoding="utf-8")


def rendered_blocks(app: Sphinx, docname: str) -> list[str]:
    """The scenario and step blocks of a page, as pseudo-XML, in page order."""
    doctree = app.env.get_doctree(docname)
    return [
        box.pformat()
        for box in doctree.findall(nodes.container)
        if {"rb-scenario", "rb-step"} & set(box["classes"])
    ]


@pytest.fixture
def build(make_app, tmp_path: Path) -> Callable[..., Sphinx]:
    """Copy ``tests/roots/test-NAME`` into a fresh directory (once per test) and build it."""

    def run(root: str, buildername: str = "html", **kwargs: object) -> Sphinx:
        srcdir = tmp_path / root
        if not srcdir.exists():
            shutil.copytree(ROOTS / f"test-{root}", srcdir)
        app = make_app(buildername, srcdir=srcdir, **kwargs)
        app.build()
        return app

    return run


@pytest.fixture
def read_html() -> Callable[[Sphinx, str], str]:
    return page_html


@pytest.fixture
def blocks() -> Callable[[Sphinx, str], list[str]]:
    return rendered_blocks
