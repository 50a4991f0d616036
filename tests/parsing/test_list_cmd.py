"""``runbook list``: the scenarios table, its JSON form, problems and exit statuses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runbook.cli.main import main

from .helpers import GOLDEN


def test_list_shows_each_scenario_with_steps_requires_and_source(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "a.rst").write_text(
        ".. scenario:: galera\n   :requires: basic-cluster\n\n"
        ".. step:: One\n\n   true\n\n.. step:: Two\n\n   true\n",
        encoding="utf-8",
    )
    (tmp_path / "b.md").write_text(":::{scenario} basic-cluster\n:::\n", encoding="utf-8")
    assert main(["list", "--docs", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "SCENARIO       STEPS  REQUIRES       SOURCE",
        f"galera             2  basic-cluster  {tmp_path}/a.rst:1",
        f"basic-cluster      0  -              {tmp_path}/b.md:1",
    ]
    assert err == ""


def test_list_works_on_the_golden_guide(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--docs", str(GOLDEN)]) == 0
    out, _ = capsys.readouterr()
    assert out.splitlines()[1].split()[:3] == ["hello", "2", "-"]


def test_list_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--docs", str(GOLDEN), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data == {
        "scenarios": [
            {
                "name": "hello",
                "title": "Hello, cluster",
                "steps": 2,
                "requires": [],
                "hosts": "controllers",
                "nodes": 2,
                "origin": "myst",
                "source": f"{GOLDEN}/hello.md:7",
            }
        ],
        "problems": [],
    }


def test_problems_are_printed_like_a_compiler_and_fail(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "a.rst").write_text(
        ".. scenario:: a\n\n.. step:: Go\n   :target: nodes:2\n\n   true\n", encoding="utf-8"
    )
    assert main(["list", "--docs", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines()[1].split()[:2] == ["a", "0"]
    assert err.splitlines() == [
        f"{tmp_path}/a.rst:4: error: step option :target: unknown target 'nodes:2'; expected "
        "all, first, node:N, local, host:NAME, role:NAME, or all@ROLE/first@ROLE/node:N@ROLE "
        "[runbook.target]"
    ]


def test_problems_are_in_the_json_too(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("```{verify}\ntrue\n```\n", encoding="utf-8")
    assert main(["list", "--docs", str(tmp_path), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["problems"] == [
        {
            "path": f"{tmp_path}/a.md",
            "line": 1,
            "kind": "orphan-verify",
            "severity": "error",
            "message": "verify directive without a step before it; it verifies the step just above",
        }
    ]


def test_an_empty_guide_says_so(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["list", "--docs", str(tmp_path)]) == 0
    assert capsys.readouterr().out == "no scenarios found\n"


def test_a_missing_docs_directory_is_an_error_not_a_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["list", "--docs", str(tmp_path / "nope")]) == 1
    assert capsys.readouterr().err == (
        f"runbook: error: {tmp_path}/nope/ is not a directory (the guide's sources; see --docs)\n"
    )


def test_a_bad_format_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["list", "--format", "yaml"])
    assert exit_.value.code == 2
