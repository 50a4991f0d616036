"""Parallel and incremental builds of the guide."""

from __future__ import annotations

import re
from pathlib import Path

from sphinx.util.console import strip_colors


def _pages(app) -> dict[str, str]:
    out = Path(app.outdir)
    return {
        str(path.relative_to(out)): path.read_text(encoding="utf-8")
        for path in sorted(out.glob("*.html"))
    }


def test_parallel_build_equals_serial_build(build, make_app, tmp_path):
    serial = _pages(build("rst"))
    parallel_app = make_app(
        "html", srcdir=tmp_path / "rst", builddir=tmp_path / "parallel", parallel=2
    )
    parallel_app.build()
    assert parallel_app.parallel == 2
    assert _pages(parallel_app) == serial


def _read_docs(app) -> list[str]:
    """The documents the last build read, from its status output."""
    status = strip_colors(app._status.getvalue())
    reading = [line for line in status.splitlines() if "reading sources" in line]
    return re.findall(r"\]\s+(\S+)", "\n".join(reading[-1:]))


def test_editing_one_page_rereads_only_that_page(build, make_app, tmp_path):
    build("rst")
    page = tmp_path / "rst" / "base.rst"
    page.write_text(page.read_text().replace("every other scenario", "all scenarios"))
    app = make_app("html", srcdir=tmp_path / "rst")
    app.build()
    assert _read_docs(app) == ["base"]
    assert "all scenarios" in (Path(app.outdir) / "base.html").read_text()


def test_renaming_a_scenario_title_updates_pages_that_link_to_it(build, make_app, tmp_path):
    build("rst")
    page = tmp_path / "rst" / "base.rst"
    page.write_text(
        page.read_text().replace("Base cluster\n============", "Core cluster\n============")
    )
    app = make_app("html", srcdir=tmp_path / "rst")
    app.build()
    assert _read_docs(app) == ["base"]
    out = Path(app.outdir)
    assert "Core cluster" in (out / "galera.html").read_text()  # its requires link
    assert "Core cluster" in (out / "order.html").read_text()  # the deployment order


def _written_docs(app) -> set[str]:
    """The documents the last build wrote, from its status output."""
    status = strip_colors(app._status.getvalue())
    build = status.rpartition("updating environment")[2]
    writing = [line for line in build.splitlines() if "writing output" in line]
    return set(re.findall(r"\]\s+(\S+)", "\n".join(writing)))


def test_editing_prose_beside_a_scenario_writes_no_page_that_shows_it(build, make_app, tmp_path):
    build("rst")
    page = tmp_path / "rst" / "base.rst"
    page.write_text(page.read_text().replace("every other scenario", "all scenarios"))
    app = make_app("html", srcdir=tmp_path / "rst")
    app.build()
    written = _written_docs(app)
    assert "base" in written
    # galera links to base (its requires) and order lists it: neither shows the prose.
    assert not written & {"galera", "order"}


def test_changing_requires_updates_the_deployment_order(build, make_app, tmp_path):
    build("rst")
    out = Path(tmp_path / "rst" / "_build" / "html")
    assert "after base" in (out / "order.html").read_text()
    page = tmp_path / "rst" / "galera.rst"
    page.write_text(page.read_text().replace("   :requires: base\n", ""))
    app = make_app("html", srcdir=tmp_path / "rst")
    app.build()
    assert _read_docs(app) == ["galera"]
    assert "order" in _written_docs(app)
    assert "after base" not in (Path(app.outdir) / "order.html").read_text()


def test_removing_a_page_with_a_scenario_updates_the_deployment_order(build, make_app, tmp_path):
    build("rst")
    src = tmp_path / "rst"
    (src / "base.rst").unlink()
    index = src / "index.rst"
    index.write_text(
        index.read_text().replace("   base\n", "").replace(" or :scenario:`the base <base>`", "")
    )
    app = make_app("html", srcdir=src)
    app.build()
    assert "order" in _written_docs(app)
    assert "Base cluster" not in (Path(app.outdir) / "order.html").read_text()


def test_theme_templates_compiled_once_are_reused_by_the_next_build(build, make_app, tmp_path):
    first = build("rst")
    cache = Path(first.doctreedir) / "jinja2"
    compiled = {path: path.stat().st_mtime_ns for path in cache.glob("*.cache")}
    assert compiled
    pages = _pages(first)
    again = make_app("html", srcdir=tmp_path / "rst", freshenv=True)
    again.build()
    assert _pages(again) == pages
    assert {path: path.stat().st_mtime_ns for path in cache.glob("*.cache")} == compiled


def _needed_by(page: str) -> str:
    match = re.search(r"Needed by(?:<span[^>]*>:</span>)?</dt>\s*<dd[^>]*>(.*?)</dd>", page, re.S)
    assert match, "the header has a Needed by field"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def test_a_scenario_header_links_what_needs_it(build, read_html):
    app = build("rst")
    assert _needed_by(read_html(app, "base")) == "MariaDB Galera cluster"
    assert 'href="galera.html#scenario-galera"' in read_html(app, "base")
    assert _needed_by(read_html(app, "galera")) == "no other scenario of the guide"


def test_dropping_a_requirement_rewrites_the_required_pages_needed_by(build, make_app, tmp_path):
    build("rst")
    page = tmp_path / "rst" / "galera.rst"
    page.write_text(page.read_text().replace("   :requires: base\n", ""))
    app = make_app("html", srcdir=tmp_path / "rst")
    app.build()
    assert _read_docs(app) == ["galera"]
    assert "base" in _written_docs(app)
    assert _needed_by((Path(app.outdir) / "base.html").read_text()) == (
        "no other scenario of the guide"
    )
