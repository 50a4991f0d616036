"""phd's ``.variables`` files, read line by line the way phd's own flattener read them.

phd never parsed these files as YAML: a sed and awk pass took each ``key: value`` line,
counted its indentation in characters (two a level; a tab is one character, so it
counts as half a level) and joined the keys of the enclosing levels with ``_``. Real
files rely on that (a tab in an indentation, which YAML refuses), so they are read the
same way here. What differs from YAML is listed in docs/reference/variables.md.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_COLON_AFTER_INDENT = re.compile(r"^(\s*):")
_QUOTED = re.compile(r"""^(\s*)(\w*)\s*:\s*["'](.*)["']\s*$""", re.ASCII)
_PLAIN = re.compile(r"^(\s*)(\w*)\s*:\s*(.*?)\s*$", re.ASCII)


@dataclass(frozen=True, slots=True)
class PhdValue:
    """One value a ``.variables`` file sets: its flattened name (no prefix), text, line."""

    name: str
    value: str
    line: int


def parse_phd_variables(text: str) -> list[PhdValue]:
    """Every value the file sets, in file order (a later one for the same name wins in phd).

    Lines that are not ``key: value`` (comments, list items, keys with ``-`` or ``.``)
    are skipped, as phd skipped them; a key with no value only opens a level.
    """
    found: list[PhdValue] = []
    levels: dict[float, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = _COLON_AFTER_INDENT.sub(r"\1", line, count=1)
        match = _QUOTED.match(line) or _PLAIN.match(line)
        if match is None:
            continue
        indent, key, value = match.groups()
        level = len(indent) / 2
        levels[level] = key
        for deeper in [known for known in levels if known > level]:
            del levels[deeper]
        if not value:
            continue
        parents = [levels.get(float(index), "") for index in range(math.ceil(level))]
        found.append(PhdValue("".join(f"{part}_" for part in parents) + key, value, number))
    return found
