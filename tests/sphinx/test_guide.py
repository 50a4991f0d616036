"""The guide itself (docs/ with the root conf.py): secrets of its example variables stay out."""

from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx
from sphinx.testing.util import _clean_up_global_state

from runbook.errors import ParseError
from runbook.model import reveal
from runbook.plan.variables import load_variables_file
from runbook.sphinx_ext import get_scenarios

REPO = Path(__file__).resolve().parents[2]
#: Variables files holding real (throwaway) values; ``*.example.yml`` files hold only
#: placeholders such as ``CHANGE-ME`` that the guide itself mentions.
VARIABLES_FILES = sorted(
    path
    for path in (REPO / "scenarios").glob("**/*.yml")
    if not path.name.endswith(".example.yml") and "inventory" not in path.name
)


def _variables(path: Path) -> dict:
    """A variables file, read as the plain format or else as a legacy one (nested keys)."""
    try:
        return load_variables_file(path)
    except ParseError:
        return load_variables_file(path, legacy=True)


def test_no_secret_value_of_the_example_variables_appears_in_the_built_guide(tmp_path):
    app = Sphinx(
        srcdir=REPO / "docs",
        confdir=REPO,
        outdir=tmp_path / "html",
        doctreedir=tmp_path / "doctrees",
        buildername="html",
        status=None,
        warning=None,
    )
    try:
        app.build()
    finally:
        _clean_up_global_state()  # as SphinxTestApp does: leave docutils' registries clean
    secret_names = {
        variable.name
        for scenario in get_scenarios(app.env).values()
        for variable in scenario.variables
        if variable.secret
    }
    secrets = {
        reveal(resolved.value)
        for path in VARIABLES_FILES
        for name, resolved in _variables(path).items()
        if name in secret_names
    }
    assert secrets, "the example variables give values to the guide's secrets"
    for path in (tmp_path / "html").rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            for value in secrets:
                assert value.encode() not in content, (path, "leaks a secret")
