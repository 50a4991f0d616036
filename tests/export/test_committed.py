"""The committed runbooks/ is what the guide generates now (`make check-runbooks`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from runbook.cli.main import main

from .helpers import REPO


def test_committed_runbooks_are_what_the_guide_generates(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(REPO)
    status = main(["export", "--check", "-o", "runbooks"])
    assert status == 0, capsys.readouterr().err + "run `make runbooks` and commit runbooks/"


def test_check_mode_reports_a_changed_and_a_stale_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(REPO)
    out = tmp_path / "runbooks"
    assert main(["export", "-o", str(out)]) == 0
    assert main(["export", "--check", "-o", str(out)]) == 0
    (out / "site.yml").write_text("edited by hand\n")
    (out / "notes.txt").write_text("a file of the user's\n")
    capsys.readouterr()
    assert main(["export", "--check", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"{out}/site.yml: differs from what the guide generates" in err
    assert f"{out}/notes.txt: not written by runbook export" in err
