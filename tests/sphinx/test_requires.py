"""The Sphinx build warns about ``requires`` in the words and with the code of the command."""

from __future__ import annotations

from pathlib import Path

from sphinx.util.console import strip_escape_sequences

#: What every command says (tests/plan/test_requires_refused.py), ``path:line: message``.
LOCATED = (Path(__file__).parents[1] / "golden" / "requires" / "cycle.txt").read_text().strip()


def warnings_of(app) -> list[str]:
    text = strip_escape_sequences(app._warning.getvalue())
    return [line for line in text.splitlines() if "WARNING" in line]


def test_a_requirement_cycle_warns_once_with_the_commands_message(build):
    app = build("requires")
    srcdir = str(app.srcdir)
    cycles = [w for w in warnings_of(app) if "[runbook.requires]" in w]
    assert len(cycles) == 1, cycles
    path, line, message = LOCATED.split(":", 2)
    assert cycles[0].replace(srcdir + "/", "docs/") == f"{path}:{line}: WARNING:{message}"


def test_a_requirement_cycle_fails_the_build_under_W(build):
    assert build("requires", warningiserror=True).statuscode == 1


def test_the_requires_warnings_can_be_suppressed_as_one_class(build):
    app = build("requires", confoverrides={"suppress_warnings": ["runbook.requires"]})
    assert not [w for w in warnings_of(app) if "require" in w]


def test_the_export_builder_refuses_a_guide_with_a_cycle(build):
    app = build("requires", buildername="runbook")
    assert app.statuscode == 1
    assert not (app.outdir / "site.yml").exists()
