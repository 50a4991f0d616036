"""Every command refuses a guide whose ``requires`` form a cycle or name no scenario.

Through the real command line, in a fresh interpreter: each command exits non-zero and
names the cycle with the ``file:line`` of each scenario's declaration, in the same words
and with the same code, ``[runbook.requires]``, as the Sphinx build's warning.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from .helpers import runbook_in

#: The guide: the Sphinx test builds the same pages (tests/sphinx/test_requires.py).
PAGES = Path(__file__).parents[1] / "roots" / "test-requires"
A_RST, B_MD, C_RST = (
    (PAGES / name).read_text(encoding="utf-8") for name in ("a.rst", "b.md", "c.rst")
)
#: The one message, whichever command reads the guide (``docs/`` relative to the project),
#: after the ``path:line: `` of the scenario it is reported at; the Sphinx build's too.
LOCATED = (Path(__file__).parents[1] / "golden" / "requires" / "cycle.txt").read_text().strip()
CYCLE = LOCATED.removeprefix("docs/a.rst:4: ")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "a.rst").write_text(A_RST, encoding="utf-8")
    (root / "docs" / "b.md").write_text(B_MD, encoding="utf-8")
    (root / "docs" / "c.rst").write_text(C_RST, encoding="utf-8")
    return root


def runbook(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return runbook_in(project, *args)


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("plan", "alpha"), id="plan"),
        pytest.param(("plan", "beta"), id="plan-the-other-member"),
        pytest.param(("plan", "gamma"), id="plan-a-scenario-requiring-the-cycle"),
        pytest.param(("plan", "docs/c.rst"), id="plan-a-file"),
        pytest.param(("run", "gamma", "--dry-run", "--with-deps"), id="run-dry-run-with-deps"),
        pytest.param(("run", "alpha", "--dry-run"), id="run-dry-run"),
        pytest.param(("list",), id="list"),
        pytest.param(("check", "--no-ansible"), id="check"),
        pytest.param(("export", "-o", "out"), id="export"),
        pytest.param(("export", "gamma", "-o", "out"), id="export-one"),
    ],
)
def test_a_requirement_cycle_is_refused_naming_each_declaration(
    project: Path, args: tuple[str, ...]
) -> None:
    result = runbook(project, *args)
    assert result.returncode != 0, result.stdout
    assert "docs/a.rst:4: " in result.stderr + result.stdout
    assert CYCLE in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    assert not (project / "out").exists(), "nothing is exported from a guide with a cycle"


@pytest.mark.parametrize("command", ["run", "train"])
def test_a_real_run_refuses_before_connecting(project: Path, command: str) -> None:
    started = time.monotonic()
    # 192.0.2.1 is TEST-NET-1: nothing answers there, so a connection attempt would hang.
    result = runbook(project, command, "gamma", "-H", "192.0.2.1")
    assert result.returncode == 3, result.stderr
    assert CYCLE in result.stderr
    assert time.monotonic() - started < 12, "no connection was tried (its timeout is 15 s)"
    assert not (project.parent / "state").exists() or not any(
        (project.parent / "state").rglob("*.jsonl")
    ), "no journal: nothing ran"


def test_a_requirement_naming_no_scenario_is_refused_by_plan_and_run(project: Path) -> None:
    (project / "docs" / "b.md").write_text(B_MD.replace(":requires: alpha", ":requires: nope"))
    message = (
        "docs/b.md:5: scenario 'beta' requires 'nope', which is not a scenario of the guide "
        "nor provided by one; correct the name or remove it from :requires: [runbook.requires]"
    )
    for args in (("plan", "alpha"), ("run", "alpha", "--dry-run", "--with-deps")):
        result = runbook(project, *args)
        assert result.returncode != 0
        assert message in result.stderr
    listed = runbook(project, "list")
    assert listed.returncode == 1
    assert listed.stderr.splitlines() == [message.replace("docs/b.md:5: ", "docs/b.md:5: error: ")]


def test_without_a_cycle_plan_and_the_dry_run_with_deps_go_ahead(project: Path) -> None:
    (project / "docs" / "b.md").write_text(B_MD.replace(":requires: alpha\n", ""))
    assert runbook(project, "plan", "gamma").returncode == 0
    result = runbook(project, "run", "gamma", "--dry-run", "--with-deps")
    assert result.returncode == 0, result.stderr
