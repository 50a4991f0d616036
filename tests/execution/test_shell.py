"""Variables reach bash intact and inert; the script's shell semantics hold (real bash)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runbook.execution.shell import check_environment, quote, script_text
from runbook.execution.transport import LocalTransport
from runbook.model import Secret

PWNED = Path("/tmp/runbook-pwned")

HOSTILE = [
    "it's",
    'say "hi"',
    "$(touch /tmp/runbook-pwned)",
    "`touch /tmp/runbook-pwned`",
    "a; touch /tmp/runbook-pwned",
    "line one\nline two\n",
    "\\n \\' \\\\",
    "'; exit 7; '",
    "${HOME} $HOME * ? [a]",
    "-e -n",
    "",
    "ünïcödé ✓",
]


@pytest.fixture(scope="module")
def bash() -> LocalTransport:
    return LocalTransport()


def printed(bash: LocalTransport, value: str | Secret) -> bytes:
    result = bash.run_script(script_text({"VALUE": value}, 'printf %s "$VALUE"'))
    assert result.exit_status == 0, result.err
    return result.stdout


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_arrive_intact_and_never_execute(bash, value) -> None:
    PWNED.unlink(missing_ok=True)
    assert printed(bash, value) == value.encode()
    assert not PWNED.exists()


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_characters="\0", blacklist_categories=["Cs"])))
def test_any_text_without_nul_round_trips_through_bash(value: str) -> None:
    assert printed(LocalTransport(), value) == value.encode()


def test_secret_values_are_revealed_only_in_the_script_text(bash) -> None:
    assert printed(bash, Secret("hunter2")) == b"hunter2"


def test_nul_bytes_are_refused_naming_the_variable_not_the_value() -> None:
    with pytest.raises(ValueError, match="PASSWORD contains a NUL") as caught:
        check_environment({"PASSWORD": Secret("abc\0def")})
    assert "abc" not in str(caught.value)


def test_names_that_are_not_identifiers_are_refused() -> None:
    with pytest.raises(ValueError, match="not a shell identifier"):
        check_environment({"A-B": "x"})


def test_quote_always_gives_one_shell_word() -> None:
    assert quote("") == "''"
    assert quote("it's") == "'it'\\''s'"


def test_a_command_reading_stdin_cannot_swallow_the_rest_of_the_script(bash) -> None:
    result = bash.run_script(script_text({}, "cat\necho after"))
    assert result.exit_status == 0
    assert result.out == "after\n"


def test_the_first_failing_command_ends_the_script(bash) -> None:
    result = bash.run_script(script_text({}, "echo one\nfalse\necho two"))
    assert (result.exit_status, result.out) == (1, "one\n")


def test_a_reader_that_stops_early_does_not_fail_the_script(bash) -> None:
    """``producer | grep -q`` is the guide's everyday check; SIGPIPE must not fail it."""
    script = "seq 1 1000000 | grep -q '^1$'\necho reached"
    result = bash.run_script(script_text({}, script))
    assert (result.exit_status, result.out) == (0, "reached\n")


def test_a_pipeline_fails_the_script_when_its_last_command_fails(bash) -> None:
    result = bash.run_script(script_text({}, "echo abc | grep -q xyz\necho not reached"))
    assert (result.exit_status, result.out) == (1, "")


def test_a_syntax_error_runs_nothing(bash) -> None:
    result = bash.run_script(script_text({}, "echo ran\nif then"))
    assert result.exit_status == 2
    assert result.out == ""


def test_the_exit_status_of_the_script_is_kept(bash) -> None:
    assert bash.run_script(script_text({}, "exit 7")).exit_status == 7
