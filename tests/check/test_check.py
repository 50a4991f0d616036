"""The dry-run check: each class of problem is caught, with the file and line to blame."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from runbook.check.guide import ansible_syntax, check_guide
from runbook.cli.main import main
from runbook.model import Problem, ProblemCode
from runbook.parsing.shell_names import shell_names
from runbook.plan.inventory import parse_host_list

REPO = Path(__file__).resolve().parents[2]
INVENTORY = parse_host_list(
    "node1 192.0.2.1 roles=controllers\nnode2 192.0.2.2 roles=controllers\n", "hosts.txt"
)

HEADER = """\
Title
=====

.. scenario:: demo
   :hosts: controllers

"""


@pytest.fixture(autouse=True)
def in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Sources are named relative to the working directory, as `make check` names them."""
    monkeypatch.chdir(tmp_path)


def check(tmp_path: Path, body: str, *, ansible: bool = False, **files: str) -> list[Problem]:
    """The check over a one-page guide whose page is HEADER + ``body`` (line 1 is 'Title')."""
    docs = Path("docs")
    docs.mkdir()
    (docs / "page.rst").write_text(HEADER + textwrap.dedent(body), encoding="utf-8")
    for name, text in files.items():
        (docs / name.replace("_", ".")).write_text(textwrap.dedent(text), encoding="utf-8")
    return check_guide(docs, inventory=INVENTORY, root=tmp_path, ansible=ansible)


def kinds(problems: list[Problem]) -> list[tuple[str, ProblemCode]]:
    return [(str(p.location), p.code) for p in problems]


def test_a_clean_scenario_gives_no_warning(tmp_path: Path) -> None:
    problems = check(
        tmp_path,
        """\
        .. variable:: greeting
           :default: hello

        .. step:: Greet
           :verify: test -f /tmp/greeted

           echo "$greeting from $RB_HOST of $RB_NODE_COUNT ($RB_NODE1)" > /tmp/greeted
        """,
        ansible=True,
    )
    assert problems == []


def test_undefined_variable_is_reported_at_its_step(tmp_path: Path) -> None:
    problems = check(
        tmp_path,
        """\
        .. step:: Use a name nobody declared
           :no-verify: demo

           local_name=1
           echo "$local_name $undeclared ${also_missing} ${optional:-x}" '$quoted'
        """,
    )
    assert kinds(problems) == [("docs/page.rst:7", ProblemCode.UNDEFINED_VARIABLE)] * 2
    assert "$also_missing" in problems[0].message
    assert "$undeclared" in problems[1].message


def test_registered_value_counts_as_defined_only_after_its_step(tmp_path: Path) -> None:
    problems = check(
        tmp_path,
        """\
        .. step:: Too early
           :no-verify: demo

           echo "$uuid"

        .. step:: Capture
           :register: uuid
           :no-verify: demo

           echo abc

        .. step:: Use
           :no-verify: demo

           echo "$uuid"
        """,
    )
    assert kinds(problems) == [("docs/page.rst:7", ProblemCode.UNDEFINED_VARIABLE)]


def test_unused_variable_is_reported_at_its_declaration(tmp_path: Path) -> None:
    problems = check(
        tmp_path,
        """\
        .. variable:: unused
           :default: x

        .. step:: Nothing
           :no-verify: demo

           true
        """,
    )
    assert kinds(problems) == [("docs/page.rst:7", ProblemCode.UNUSED_VARIABLE)]


def test_unknown_requires_is_reported_at_the_scenario(tmp_path: Path) -> None:
    problems = check(
        tmp_path,
        """\
        .. scenario:: other
           :requires: nowhere

        .. step:: Nothing
           :no-verify: demo

           true
        """,
    )
    assert ("docs/page.rst:7", ProblemCode.REQUIRES) in kinds(problems)


def test_dependency_cycle_is_reported(tmp_path: Path) -> None:
    problems = check(
        tmp_path,
        """\
        .. step:: Nothing
           :no-verify: demo

           true
        """,
        second_rst="""\
        Second
        ======

        .. scenario:: ping
           :requires: pong

        .. step:: Ping
           :no-verify: demo

           true

        .. scenario:: pong
           :requires: ping

        .. step:: Pong
           :no-verify: demo

           true
        """,
    )
    cycles = [p for p in problems if p.code is ProblemCode.REQUIRES]
    assert [str(p.location) for p in cycles] == ["docs/second.rst:4"]
    assert cycles[0].message == (
        "scenarios require each other in a cycle: ping (docs/second.rst:4) -> "
        "pong (docs/second.rst:12) -> ping; remove one of these requirements"
    )


def test_step_without_verification_is_reported_unless_a_reason_is_given(tmp_path: Path) -> None:
    problems = check(
        tmp_path,
        """\
        .. step:: Unproven

           true

        .. step:: Explained
           :no-verify: nothing to prove

           true
        """,
    )
    assert kinds(problems) == [("docs/page.rst:7", ProblemCode.NO_VERIFY)]


def test_bash_syntax_error_is_reported_for_script_guard_and_verification(tmp_path: Path) -> None:
    problems = check(
        tmp_path,
        """\
        .. step:: Fine
           :verify: true

           if true; then echo ok; fi

        .. step:: Broken script
           :verify: true

           if true; then echo missing fi

        .. step:: Broken guard and verification
           :unless: [[ -f x
           :verify: echo (

           true
        """,
    )
    found = [(str(p.location), p.code) for p in problems if p.code is ProblemCode.BASH_SYNTAX]
    # Each at its own line: the script's, the :unless: option's, the :verify: option's;
    # the missing fi, which bash finds past the last line, at the script's last line.
    assert sorted(found) == [
        ("docs/page.rst:15", ProblemCode.BASH_SYNTAX),
        ("docs/page.rst:18", ProblemCode.BASH_SYNTAX),
        ("docs/page.rst:19", ProblemCode.BASH_SYNTAX),
    ]
    assert any("/2: the script: " in p.message for p in problems)
    # One mistake, one report: shellcheck says nothing more about the broken texts.
    assert not [p for p in problems if p.code is ProblemCode.SHELLCHECK]


def test_shellcheck_finding_is_reported_and_silenced_per_step(tmp_path: Path) -> None:
    problems = check(
        tmp_path,
        """\
        .. step:: Unquoted loop over ls
           :verify: true

           for f in $(ls /etc); do echo "$f"; done

        .. step:: The same, silenced
           :verify: true
           :shellcheck-disable: SC2045

           for f in $(ls /etc); do echo "$f"; done
        """,
    )
    # At the script's own line (10), not the step directive's (7), with the checker's code.
    assert kinds(problems) == [("docs/page.rst:10", ProblemCode.SHELLCHECK)]
    assert "SC2045" in problems[0].message and "shellcheck.net/wiki/SC2045" in problems[0].message


def test_plan_problem_against_the_example_inventory_is_reported(tmp_path: Path) -> None:
    problems = check(
        tmp_path,
        """\
        .. variable:: needed

        .. step:: On a third node
           :target: node:3
           :verify: true

           echo "$needed"
        """,
    )
    plan = [p for p in problems if p.code is ProblemCode.PLAN]
    assert [str(p.location) for p in plan] == ["docs/page.rst:9"]
    assert "node:3" in plan[0].message


def test_required_variable_missing_from_the_examples_is_reported(tmp_path: Path) -> None:
    problems = check(
        tmp_path,
        """\
        .. variable:: needed

        .. variable:: password
           :secret:

        .. step:: Use them
           :verify: true

           echo "$needed ${#password}"
        """,
    )
    assert kinds(problems) == [("docs/page.rst:7", ProblemCode.PLAN)]


def test_guide_parse_problem_is_reported(tmp_path: Path) -> None:
    problems = check(
        tmp_path,
        """\
        .. step:: Bad option
           :no-such-option: 1

           true
        """,
    )
    assert [p.code for p in problems] == [ProblemCode.OPTION]
    assert str(problems[0].location).startswith("docs/page.rst:")


def test_ansible_syntax_error_is_reported(tmp_path: Path) -> None:
    (tmp_path / "site.yml").write_text("- import_playbook: broken.yml\n")
    (tmp_path / "broken.yml").write_text("- hosts: all\n  tasks:\n    - no_such_module: {}\n")
    message = ansible_syntax(tmp_path)
    assert message is not None and "broken.yml" in message
    (tmp_path / "broken.yml").write_text("- hosts: all\n  tasks: []\n")
    assert ansible_syntax(tmp_path) is None


def test_shell_names_skip_comments_single_quotes_and_quoted_heredocs() -> None:
    names = shell_names(
        "a=1 # $in_comment\n"
        "awk '{print $2, $skipped}' \"$used\"\n"
        "cat <<'EOF'\n$not_expanded\nEOF\n"
        "cat <<EOF\n$expanded\nEOF\n"
        'for item in x; do read -r line; echo "$item$line"; done\n'
    )
    assert names.used == {"used", "expanded", "item", "line"}
    assert {"a", "item", "line"} <= names.assigned


def test_the_guide_passes_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """What `make check` runs: the guide against the example inventory and variables."""
    monkeypatch.chdir(REPO)
    assert main(["check"]) == 0, "runbook check warns about the guide: see `make check`"


def test_a_mistake_on_the_third_line_of_a_script_is_reported_at_that_line(tmp_path: Path) -> None:
    problems = check(
        tmp_path,
        """\
        .. step:: Three lines
           :verify: true

           echo one
           echo two
           echo "$(( 1 + ))"
        """,
    )
    found = [p for p in problems if p.code in (ProblemCode.BASH_SYNTAX, ProblemCode.SHELLCHECK)]
    assert [str(p.location) for p in found] == ["docs/page.rst:12"]


def test_a_myst_page_maps_lines_too(tmp_path: Path) -> None:
    docs = Path("docs")
    docs.mkdir()
    (docs / "page.md").write_text(
        "# Title\n\n:::{scenario} page\n:::\n\n:::{step} Loop\n:verify: true\n\n"
        'echo start\nfor f in $(ls /etc); do echo "$f"; done\n:::\n',
        encoding="utf-8",
    )
    problems = check_guide(docs, inventory=INVENTORY, root=tmp_path)
    assert [(str(p.location), p.code) for p in problems] == [
        ("docs/page.md:10", ProblemCode.SHELLCHECK)
    ]
