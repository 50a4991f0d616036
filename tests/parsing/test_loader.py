"""The command's fast path: the whole guide, scenario look-up, and what it must not import."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from runbook.docutils_.loader import _without_code_fences, load_guide, load_scenario
from runbook.errors import ParseError, PlanError

from .helpers import GOLDEN, problem_lines


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


@pytest.fixture
def guide(tmp_path: Path) -> Path:
    return _write(
        tmp_path / "docs",
        {
            "index.rst": """
                Guide
                =====

                .. toctree::

                   ha/base
                   ha/galera

                See :doc:`ha/base` and :ref:`galera`.
                """,
            "ha/base.md": """
                # Base

                ```{toctree}
                other
                ```

                :::{scenario} basic-cluster
                :::

                ```{step} Start
                pcs cluster start --all
                ```
                """,
            "ha/galera.rst": """
                .. _galera:

                .. scenario:: galera
                   :requires: basic-cluster

                .. step:: Install

                   apt-get install -y galera-4

                .. step:: Start

                   galera_new_cluster

                .. scenario:: galera-check
                   :requires: galera
                """,
            "_build/old.rst": ".. scenario:: stale\n",
            ".hidden/x.rst": ".. scenario:: hidden\n",
            "notes.txt": ".. scenario:: not-a-source\n",
        },
    )


def test_the_guide_is_read_in_path_then_document_order(guide: Path) -> None:
    loaded = load_guide(guide)
    assert loaded.problems == []
    assert list(loaded.scenarios) == ["basic-cluster", "galera", "galera-check"]
    assert loaded.scenarios["galera"].docname == "ha/galera"
    assert str(loaded.scenarios["galera"].location) == f"{guide}/ha/galera.rst:3"
    assert [step.id for step in loaded.scenarios["galera"].steps] == ["galera/1", "galera/2"]


def test_a_duplicate_name_across_documents_names_both_places(guide: Path) -> None:
    _write(guide, {"zz/again.rst": "Text first.\n\n.. scenario:: galera\n"})
    loaded = load_guide(guide)
    assert problem_lines(loaded.problems) == [
        f"{guide}/zz/again.rst:3: duplicate scenario name 'galera'; "
        f"the first is at {guide}/ha/galera.rst:3 [duplicate]"
    ]
    assert loaded.scenarios["galera"].docname == "ha/galera"


def test_requiring_an_unknown_scenario_is_a_problem(guide: Path) -> None:
    _write(guide, {"lb.rst": ".. scenario:: lb\n   :requires: vip, galera\n"})
    assert problem_lines(load_guide(guide).problems) == [
        f"{guide}/lb.rst:1: scenario 'lb' requires 'vip', which is not a scenario of the "
        "guide nor provided by one; correct the name or remove it from :requires: [requires]"
    ]


def test_scenarios_requiring_each_other_are_a_problem(tmp_path: Path) -> None:
    docs = _write(
        tmp_path,
        {
            "a.rst": ".. scenario:: a\n   :requires: b\n",
            "b.rst": ".. scenario:: b\n   :requires: a\n",
        },
    )
    assert problem_lines(load_guide(docs).problems) == [
        f"{docs}/a.rst:1: scenarios require each other in a cycle: a ({docs}/a.rst:1) -> "
        f"b ({docs}/b.rst:1) -> a; remove one of these requirements [requires]",
    ]


def test_a_scenario_requiring_itself_is_a_cycle_of_one(tmp_path: Path) -> None:
    docs = _write(tmp_path, {"a.rst": "Title\n=====\n\n.. scenario:: a\n   :requires: a\n"})
    assert problem_lines(load_guide(docs).problems) == [
        f"{docs}/a.rst:4: scenarios require each other in a cycle: a ({docs}/a.rst:4) -> a; "
        "remove one of these requirements [requires]",
    ]


def test_problems_of_every_document_are_gathered(guide: Path) -> None:
    _write(guide, {"broken.md": "```{step} Lost\ntrue\n```\n"})
    loaded = load_guide(guide)
    assert [str(problem) for problem in loaded.problems] == [
        f"{guide}/broken.md:1: error: step outside any scenario; put a scenario directive "
        "before it in this document [runbook.orphan-step]"
    ]


def test_a_source_that_is_not_utf8_is_a_problem_not_a_crash(guide: Path) -> None:
    (guide / "latin1.rst").write_bytes(".. scenario:: caf\xe9\n".encode("latin-1"))
    loaded = load_guide(guide)
    assert [str(problem) for problem in loaded.problems] == [
        f"{guide}/latin1.rst:1: error: not UTF-8 text (byte 0xe9 at column 18); convert the "
        "file to UTF-8 (iconv -f LATIN1 -t UTF-8, or save it as UTF-8) [runbook.syntax]"
    ]
    assert "galera" in loaded.scenarios


def test_a_missing_docs_directory_is_a_plan_error(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="nope/ is not a directory"):
        load_guide(tmp_path / "nope")


def test_a_scenario_is_found_by_name(guide: Path) -> None:
    assert load_scenario("galera", docs_dir=guide).name == "galera"


def test_an_unknown_name_lists_the_known_ones(guide: Path, tmp_path: Path) -> None:
    with pytest.raises(PlanError) as error:
        load_scenario("mysql", docs_dir=guide, scenarios_dir=tmp_path / "none")
    assert str(error.value) == (
        f"no scenario named 'mysql' in {guide}/ (known: basic-cluster, galera, galera-check)"
    )


def test_a_problem_on_the_scenarios_own_page_refuses_the_look_up(guide: Path) -> None:
    page = guide / "ha" / "galera.rst"
    page.write_text(page.read_text() + "\n.. step:: Broken\n   :retries: many\n\n   true\n")
    with pytest.raises(ParseError) as error:
        load_scenario("galera", docs_dir=guide)
    assert str(error.value).startswith(f"1 problem in {guide}/; fix them first:\n{page}:")
    assert "'many' is not a whole number" in str(error.value)


def test_a_problem_on_another_page_does_not_stop_planning_this_one(guide: Path) -> None:
    """Only the declaring page is parsed for a name (quick start); `runbook check` reads all."""
    _write(guide, {"bad.rst": ".. scenario:: bad\n   :nodes: many\n"})
    assert load_scenario("galera", docs_dir=guide) == load_guide(guide).scenarios["galera"]


def test_a_name_declared_on_two_pages_is_refused_as_a_duplicate(guide: Path) -> None:
    _write(
        guide, {"again.rst": ".. scenario:: galera\n\n.. step:: One\n   :no-verify: x\n\n   true\n"}
    )
    with pytest.raises(ParseError, match="duplicate scenario name 'galera'"):
        load_scenario("galera", docs_dir=guide)


def test_a_legacy_file_is_found_by_name_under_the_scenarios_directory(guide: Path) -> None:
    scenarios = GOLDEN / "_same"
    scenario = load_scenario("hello", docs_dir=guide, scenarios_dir=scenarios)
    assert (scenario.name, scenario.origin) == ("hello", "legacy")
    assert scenario.verification_script is not None


def test_a_guide_scenario_wins_over_a_legacy_file_of_the_same_name(tmp_path: Path) -> None:
    docs = _write(tmp_path / "docs", {"hello.rst": ".. scenario:: hello\n"})
    scenario = load_scenario("hello", docs_dir=docs, scenarios_dir=GOLDEN / "_same")
    assert scenario.origin == "rst"


def test_a_path_to_a_single_source_file_is_read_alone(guide: Path) -> None:
    scenario = load_scenario(str(guide / "ha" / "base.md"), docs_dir=guide / "none")
    assert scenario.name == "basic-cluster"


def test_a_path_to_a_legacy_file_imports_it() -> None:
    scenario = load_scenario(str(GOLDEN / "_same" / "legacy" / "hello.scenario"))
    assert scenario.name == "hello"


def test_a_file_with_several_scenarios_cannot_be_planned_alone(guide: Path) -> None:
    with pytest.raises(PlanError, match=r"must hold exactly one scenario .*\(has: galera, "):
        load_scenario(str(guide / "ha" / "galera.rst"))


def test_a_missing_file_is_a_parse_error(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="no such file"):
        load_scenario(str(tmp_path / "gone.md"))


def test_the_whole_golden_guide_loads_twice_alike() -> None:
    """Loading is repeatable in one process (its speed is bench figure 5, not a test)."""
    first = load_guide(GOLDEN)
    loaded = load_guide(GOLDEN)
    assert list(loaded.scenarios) == ["hello"] == list(first.scenarios)
    assert loaded.problems == first.problems


def test_files_without_our_directives_are_not_parsed(tmp_path: Path) -> None:
    """A page with a broken rST table would make docutils complain; it is never parsed."""
    prose = "Words.\n\n" * 2000 + "+---+\n| x |\n+--+\n"
    docs = _write(tmp_path, {f"page{n}.rst": prose for n in range(50)})
    guide = load_guide(docs)
    assert guide.scenarios == {}
    assert guide.problems == []  # parsed, the malformed table would be a problem


def test_the_fast_path_imports_neither_sphinx_nor_fabric(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from runbook.cli.main import main
        assert main(["list", "--docs", {str(GOLDEN)!r}]) == 0
        from runbook.docutils_.loader import load_scenario
        load_scenario("hello", docs_dir=Path({str(GOLDEN)!r}))
        heavy = sorted(
            name for name in sys.modules
            if name.split(".")[0] in ("sphinx", "fabric", "paramiko", "invoke")
        )
        print(heavy)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_a_name_shown_in_examples_on_other_pages_still_parses_only_those_pages(
    guide: Path,
) -> None:
    """Examples in code (fenced in MyST, literal in rST) look like declarations to the
    quick text search; the candidate pages are parsed instead of the whole guide, so a
    problem on an unrelated page (which reading the whole guide would report) stays
    out of the way."""
    _write(
        guide,
        {
            "bad.rst": ".. scenario:: bad\n   :nodes: many\n",
            "howto.md": "# How to\n\n````md\n:::{scenario} galera\n:::\n````\n",
            "howto2.rst": "How\n===\n\n.. code-block:: rst\n\n   .. scenario:: galera\n",
        },
    )
    assert load_scenario("galera", docs_dir=guide) == load_guide(guide).scenarios["galera"]


def test_markdown_code_fences_are_left_out_of_the_declaration_search() -> None:
    text = (
        "```{scenario} real\n```\n"
        "````md\n```{scenario} shown\n```\n````\n"
        "~~~\n:::{scenario} tilde\n:::\n~~~\n"
        "::::{scenario} after\n"
    )
    assert _without_code_fences(text).splitlines() == [
        "```{scenario} real",
        "```",
        "::::{scenario} after",
    ]
