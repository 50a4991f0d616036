"""Convert directive option text to values: durations, counts, name lists, flags.

Each function takes the option's text (``None`` or ``""`` when the option was written
without a value) and returns the value or raises ``ValueError`` with a message that
says what is accepted; the directives report that message at the option's line.
"""

from __future__ import annotations

import re

from runbook.model.scenario import NAME_RE, VARIABLE_RE

_DURATION_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*([smh]?)$", re.ASCII)
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600}
_SHELLCHECK_RE = re.compile(r"^(?:SC)?(\d{4})$", re.IGNORECASE | re.ASCII)
_SEPARATORS = re.compile(r"[\s,]+")
#: The largest count an option takes (retries, nodes, serial): far beyond any real use.
MAX_COUNT = 1_000_000
#: The longest duration an option takes (delay, timeout): a week.
MAX_SECONDS = 7 * 24 * 3600


def parse_text(text: str | None) -> str:
    """A value that must not be empty (a command, a regular expression, a name)."""
    value = (text or "").strip()
    if not value:
        raise ValueError("needs a value")
    return value


def parse_paragraphs(text: str | None) -> str:
    """Prose that must not be empty, as paragraphs separated by one blank line.

    rST joins an option's continuation lines with newlines and MyST's YAML block keeps
    them; either way a line break inside a paragraph is only wrapping.
    """
    paragraphs = re.split(r"\n\s*\n", parse_text(text))
    return "\n\n".join(" ".join(line.strip() for line in p.splitlines()) for p in paragraphs)


def parse_flag(text: str | None) -> bool:
    """A flag is written alone (``:run-once:``); a value there is likely a mistake."""
    if text is not None and text.strip():
        raise ValueError(f"is a flag and takes no value (got {text.strip()!r})")
    return True


def parse_duration(text: str | None) -> float:
    """Seconds from ``3``, ``3s``, ``1.5s``, ``2m`` or ``1h``."""
    value = (text or "").strip()
    match = _DURATION_RE.match(value)
    if not match:
        raise ValueError(
            f"{value!r} is not a duration; write seconds (3, 3s), minutes (2m) or hours (1h)"
        )
    number, unit = match.groups()
    seconds = float(number) * _UNIT_SECONDS[unit]
    if seconds > MAX_SECONDS:
        raise ValueError(f"{value!r} is longer than a week; write at most 168h")
    return seconds


def parse_count(text: str | None) -> int:
    """A whole number, 0 or more (``retries``)."""
    value = (text or "").strip()
    if not _is_whole(value):
        raise ValueError(f"{value!r} is not a whole number (0, 1, 2, ...)")
    return _bounded(value)


def parse_positive(text: str | None) -> int:
    """A whole number, 1 or more (``nodes``, ``serial``)."""
    value = (text or "").strip()
    if not _is_whole(value) or _bounded(value) < 1:
        raise ValueError(f"{value!r} is not a whole number of 1 or more")
    return _bounded(value)


def parse_exit_status(text: str | None) -> int:
    """A process exit status, 0 to 255."""
    value = (text or "").strip()
    if not _is_whole(value) or len(value) > 3 or int(value) > 255:
        raise ValueError(f"{value!r} is not an exit status (a whole number from 0 to 255)")
    return int(value)


def _is_whole(value: str) -> bool:
    return value.isascii() and value.isdigit()


def _bounded(value: str) -> int:
    """``value``'s number, refused past :data:`MAX_COUNT` (Python refuses 4,300 digits)."""
    if len(value.lstrip("0")) > len(str(MAX_COUNT)) or int(value) > MAX_COUNT:
        raise ValueError(f"{value!r} is too large (at most {MAX_COUNT})")
    return int(value)


def parse_names(text: str | None) -> tuple[str, ...]:
    """Words separated by commas and/or spaces, duplicates dropped, order kept."""
    words = [word for word in _SEPARATORS.split(text or "") if word]
    return tuple(dict.fromkeys(words))


def parse_scenario_names(text: str | None) -> tuple[str, ...]:
    """Scenario names (``requires``): lower-case letters, digits and dashes."""
    names = parse_names(text)
    for name in names:
        if not NAME_RE.match(name):
            raise ValueError(
                f"{name!r} is not a scenario name (lower-case letters, digits and dashes)"
            )
    return names


def parse_identifier(text: str | None) -> str:
    """A shell variable name (``register``)."""
    value = parse_text(text)
    if not VARIABLE_RE.match(value):
        raise ValueError(f"{value!r} is not a shell variable name (letters, digits, _)")
    return value


def parse_regex(text: str | None) -> str:
    """A regular expression the output must match (``re.search``)."""
    value = parse_text(text)
    try:
        re.compile(value)
    except re.error as error:
        raise ValueError(f"{value!r} is not a valid regular expression: {error}") from None
    return value


def parse_paths(text: str | None) -> tuple[str, ...]:
    """Absolute paths separated by spaces (``copy``)."""
    paths = tuple(dict.fromkeys((text or "").split()))
    if not paths:
        raise ValueError("needs at least one absolute path")
    for path in paths:
        if not path.startswith("/"):
            raise ValueError(f"{path!r} is not an absolute path")
    return paths


def parse_shellcheck_codes(text: str | None) -> tuple[str, ...]:
    """Shellcheck codes (``SC2086, SC2016``; ``2086`` alone is accepted too)."""
    codes = []
    for word in parse_names(text):
        match = _SHELLCHECK_RE.match(word)
        if not match:
            raise ValueError(f"{word!r} is not a shellcheck code (like SC2086)")
        codes.append(f"SC{match.group(1)}")
    if not codes:
        raise ValueError("needs at least one shellcheck code (like SC2086)")
    return tuple(dict.fromkeys(codes))
