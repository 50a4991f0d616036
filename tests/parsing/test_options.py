"""Option value converters: what each accepts and what it says about the rest."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runbook.parsing import options


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("3", 3.0), ("3s", 3.0), ("2m", 120.0), ("1h", 3600.0), ("1.5s", 1.5), (" 10 s ", 10.0)],
)
def test_durations_accept_seconds_minutes_and_hours(text: str, seconds: float) -> None:
    assert options.parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", None, "3x", "-1", "m", "3 m s", "1e3", "٣"])
def test_bad_durations_name_the_accepted_forms(text: str | None) -> None:
    with pytest.raises(ValueError, match=r"is not a duration; write seconds \(3, 3s\)"):
        options.parse_duration(text)


@given(st.integers(min_value=0, max_value=10**6), st.sampled_from(["", "s", "m", "h"]))
def test_any_whole_duration_converts_by_its_unit_up_to_a_week(number: int, unit: str) -> None:
    factor = {"": 1, "s": 1, "m": 60, "h": 3600}[unit]
    if number * factor > options.MAX_SECONDS:
        with pytest.raises(ValueError, match="longer than a week"):
            options.parse_duration(f"{number}{unit}")
    else:
        assert options.parse_duration(f"{number}{unit}") == number * factor


_PARSERS = [
    options.parse_text,
    options.parse_flag,
    options.parse_duration,
    options.parse_count,
    options.parse_positive,
    options.parse_exit_status,
    options.parse_names,
    options.parse_scenario_names,
    options.parse_identifier,
    options.parse_regex,
    options.parse_paths,
    options.parse_shellcheck_codes,
    options.parse_paragraphs,
]
_NUMBERS = st.from_regex(r"\s*[0-9]{1,5000}(\.[0-9]{1,400})?[smh]?\s*", fullmatch=True)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.text(alphabet=" \t\nab`", max_size=60))
def test_paragraphs_are_joined_lines_separated_by_one_blank_line(text: str) -> None:
    """Wrapping never survives, paragraphs do, and reading the result again changes nothing."""
    try:
        value = options.parse_paragraphs(text)
    except ValueError:
        assert not text.strip()
        return
    paragraphs = value.split("\n\n")
    assert all(p.strip() and "\n" not in p for p in paragraphs)
    assert options.parse_paragraphs(value) == value


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.sampled_from(_PARSERS), st.one_of(st.none(), st.text(max_size=40), _NUMBERS))
def test_every_option_parser_gives_a_value_or_a_value_error(parse, text: str | None) -> None:
    """Never another exception (Python's own 4,300-digit limit included), never infinity."""
    try:
        value = parse(text)
    except ValueError as error:
        assert "Exceeds the limit" not in str(error)
        return
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        assert 0 <= value <= max(options.MAX_COUNT, options.MAX_SECONDS)


@given(st.text(max_size=12))
def test_durations_give_a_number_or_a_value_error(text: str) -> None:
    try:
        value = options.parse_duration(text)
    except ValueError:
        return
    assert value >= 0


def test_counts_are_whole_numbers_from_zero() -> None:
    assert options.parse_count("0") == 0
    assert options.parse_count(" 30 ") == 30
    for bad in ("-1", "1.5", "", "three", "²"):
        with pytest.raises(ValueError, match="is not a whole number"):
            options.parse_count(bad)


def test_positive_numbers_start_at_one() -> None:
    assert options.parse_positive("1") == 1
    with pytest.raises(ValueError, match="'0' is not a whole number of 1 or more"):
        options.parse_positive("0")


def test_exit_statuses_range_from_0_to_255() -> None:
    assert options.parse_exit_status("255") == 255
    with pytest.raises(ValueError, match="'256' is not an exit status"):
        options.parse_exit_status("256")


def test_flags_take_no_value() -> None:
    assert options.parse_flag(None) is True
    assert options.parse_flag("") is True
    with pytest.raises(ValueError, match="is a flag and takes no value \\(got 'yes'\\)"):
        options.parse_flag("yes")


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("a, b c", ("a", "b", "c")),
        ("a,b,,a", ("a", "b")),
        ("  ", ()),
        (None, ()),
    ],
)
def test_name_lists_split_on_commas_and_spaces(text: str | None, names: tuple[str, ...]) -> None:
    assert options.parse_names(text) == names


@given(st.lists(st.from_regex(r"[a-z0-9][a-z0-9-]{0,8}", fullmatch=True), max_size=5))
def test_scenario_name_lists_round_trip(names: list[str]) -> None:
    assert options.parse_scenario_names(", ".join(names)) == tuple(dict.fromkeys(names))


def test_scenario_names_are_slugs() -> None:
    with pytest.raises(ValueError, match="'Basic_Cluster' is not a scenario name"):
        options.parse_scenario_names("lb, Basic_Cluster")


def test_text_values_must_not_be_empty() -> None:
    assert options.parse_text("  systemctl is-active x ") == "systemctl is-active x"
    with pytest.raises(ValueError, match="needs a value"):
        options.parse_text("  ")


def test_identifiers_are_shell_variable_names() -> None:
    assert options.parse_identifier("galera_uuid") == "galera_uuid"
    with pytest.raises(ValueError, match="'galera-uuid' is not a shell variable name"):
        options.parse_identifier("galera-uuid")


def test_regexes_must_compile() -> None:
    assert options.parse_regex("^active$") == "^active$"
    with pytest.raises(ValueError, match="'\\(' is not a valid regular expression"):
        options.parse_regex("(")


def test_copy_paths_are_absolute_and_space_separated() -> None:
    assert options.parse_paths("/etc/a /etc/b,c") == ("/etc/a", "/etc/b,c")
    with pytest.raises(ValueError, match="'etc/a' is not an absolute path"):
        options.parse_paths("/ok etc/a")
    with pytest.raises(ValueError, match="needs at least one absolute path"):
        options.parse_paths("")


def test_shellcheck_codes_are_normalised() -> None:
    assert options.parse_shellcheck_codes("SC2086, 2016 sc2086") == ("SC2086", "SC2016")
    with pytest.raises(ValueError, match="'SC20' is not a shellcheck code"):
        options.parse_shellcheck_codes("SC20")
    with pytest.raises(ValueError, match="needs at least one shellcheck code"):
        options.parse_shellcheck_codes(" , ")
