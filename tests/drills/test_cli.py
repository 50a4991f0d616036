"""``runbook drill``: listing, and the refusals that come before any fault."""

from __future__ import annotations

from pathlib import Path

import pytest

from runbook.cli.main import main

DRILL = """\
.. scenario:: tiny

.. step:: Say hello

   echo hello

.. drill:: tiny-lost
   :scenarios: tiny
   :fault: poweroff node1
   :probes: tcp:22
   :downtime: 5s

   true
"""


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "page.rst").write_text(DRILL)
    (tmp_path / "hosts.txt").write_text("node1 ansible_host=192.0.2.10\n")
    return tmp_path / "docs"


def test_list_names_each_drill_and_its_scenarios(docs: Path, capsys) -> None:
    assert main(["drill", "--list", "--docs", str(docs)]) == 0
    assert capsys.readouterr().out == "tiny-lost\ttiny\ttiny-lost\n"


def test_list_reports_problems_with_their_line(docs: Path, capsys) -> None:
    (docs / "bad.md").write_text(":::{drill} bad\n:scenarios: tiny\n:fault: melt node1\n:::\n")
    assert main(["drill", "--list", "--docs", str(docs)]) == 1
    err = capsys.readouterr().err
    assert f"{docs}/bad.md:3: " in err
    assert "drill option :fault: unknown fault 'melt'" in err


def test_a_drill_is_refused_until_its_scenarios_are_deployed(docs: Path, capsys) -> None:
    hosts = docs.parent / "hosts.txt"
    state = docs.parent / "state"
    status = main(
        ["drill", "tiny-lost", "-i", str(hosts), "--docs", str(docs), "--state-dir", str(state)]
    )
    assert status == 3
    assert "drill tiny-lost needs tiny deployed on these hosts first" in capsys.readouterr().err
    assert not (state / "drills.jsonl").exists()


def test_a_drill_needs_a_name_or_all_and_hosts(docs: Path, capsys) -> None:
    assert main(["drill", "--docs", str(docs)]) == 3
    assert "name one drill, or give --all" in capsys.readouterr().err
    assert main(["drill", "tiny-lost", "--docs", str(docs)]) == 3
    assert "give --testbed NAME or -i INVENTORY" in capsys.readouterr().err
    assert main(["drill", "nope", "--docs", str(docs), "-i", str(docs.parent / "hosts.txt")]) == 1
    assert "no drill named 'nope'" in capsys.readouterr().err
