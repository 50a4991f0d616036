"""One HTML build reports what ``runbook check`` finds, each mistake once, at its line."""

from __future__ import annotations

import re

from sphinx.util.console import strip_colors


def _warnings(app) -> list[str]:
    """The check's warnings (not Sphinx's own about a second app in one process)."""
    text = strip_colors(app._warning.getvalue())
    return [line for line in text.splitlines() if "WARNING" in line and "[runbook." in line]


def test_the_html_build_warns_at_the_line_of_each_mistake(build):
    app = build("check-html")
    warnings = _warnings(app)
    assert any(
        re.search(r"index\.rst:11: WARNING: step checked/1: the script: .*\(bash -n\)", line)
        and line.endswith("[runbook.bash-syntax]")
        for line in warnings
    ), warnings
    assert any(
        "index.rst:13: WARNING: step checked/2: the script uses $nowhere" in line
        and line.endswith("[runbook.undefined-variable]")
        for line in warnings
    ), warnings
    # One report per mistake: shellcheck adds nothing about the broken script.
    assert not [line for line in warnings if "checked/1" in line and "shellcheck" in line]


def test_a_prose_edit_reports_the_same_findings_again(build, make_app, tmp_path):
    """Sphinx repeats no warning of an unchanged build; after an edit the check's are
    all there again (from the kept findings when no scenario changed)."""
    first = _warnings(build("check-html"))
    page = tmp_path / "check-html" / "index.rst"
    page.write_text(page.read_text().replace("Checked in the build", "Checked in a build"))
    again = make_app("html", srcdir=tmp_path / "check-html")
    again.build()
    assert _warnings(again) == first


def test_without_the_setting_the_build_does_not_check(build):
    app = build("check-html", confoverrides={"runbook_check_html": False})
    assert not [line for line in _warnings(app) if "bash-syntax" in line]
