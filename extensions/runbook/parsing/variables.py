"""``${name}`` references in variable defaults: find them, order them, expand them.

A default may refer to other declared variables of its scenario (``${cluster_name}-db``);
the plan expands them once every value is known. A value built from a secret is secret.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from runbook.model.secret import Secret, Value, reveal

REFERENCE_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class VariableReferenceError(ValueError):
    """A default refers to an undeclared variable, or defaults refer to each other.

    ``variable`` names the declaration to blame, so a parser can report its line.
    """

    def __init__(self, message: str, variable: str) -> None:
        super().__init__(message)
        self.variable = variable


def references(text: str) -> tuple[str, ...]:
    """The variable names ``text`` refers to, each once, in order of first use."""
    return tuple(dict.fromkeys(REFERENCE_RE.findall(text)))


def expand(text: str, values: Mapping[str, Value]) -> Value:
    """``text`` with every ``${name}`` replaced by its value.

    The result is a :class:`Secret` when any value used is one, so masking follows the
    value wherever it goes. ``ValueError`` names a reference with no value.
    """
    secret = False

    def substitute(match: re.Match[str]) -> str:
        nonlocal secret
        name = match.group(1)
        if name not in values:
            raise ValueError(f"${{{name}}} refers to an undeclared variable {name!r}")
        value = values[name]
        secret = secret or isinstance(value, Secret)
        return reveal(value)

    expanded = REFERENCE_RE.sub(substitute, text)
    return Secret(expanded) if secret else expanded


def expansion_order(defaults: Mapping[str, str | None]) -> tuple[str, ...]:
    """Variable names ordered so each comes after the variables its default refers to.

    ``defaults`` maps every declared name to its default (``None`` when required). Raises
    :class:`VariableReferenceError` for a reference to an undeclared name or for a cycle.
    A depth-first walk with its own stack: a chain of thousands of defaults, each naming
    the next, must not exhaust Python's recursion limit.
    """
    order: list[str] = []
    done: set[str] = set()
    for start in defaults:
        if start in done:
            continue
        path: list[str] = [start]
        on_path = {start}
        pending: list[list[str]] = [list(references(defaults[start] or ""))[::-1]]
        while path:
            if not pending[-1]:
                name = path.pop()
                on_path.discard(name)
                pending.pop()
                done.add(name)
                order.append(name)
                continue
            reference = pending[-1].pop()
            if reference not in defaults:
                raise VariableReferenceError(
                    f"the default of {path[-1]!r} refers to an undeclared variable {reference!r}",
                    path[-1],
                )
            if reference in on_path:
                cycle = [*path[path.index(reference) :], reference]
                raise VariableReferenceError(
                    "variable defaults refer to each other: " + " -> ".join(cycle), reference
                )
            if reference in done:
                continue
            path.append(reference)
            on_path.add(reference)
            pending.append(list(references(defaults[reference] or ""))[::-1])
    return tuple(order)


def secret_by_reference(defaults: Mapping[str, str | None], secret: set[str]) -> set[str]:
    """The names whose default uses a secret, directly or through other defaults."""
    users: dict[str, list[str]] = {}
    for name, default in defaults.items():
        for reference in references(default or ""):
            users.setdefault(reference, []).append(name)
    result = set(secret)
    pending = list(secret)
    while pending:
        for user in users.get(pending.pop(), ()):
            if user not in result:
                result.add(user)
                pending.append(user)
    return result
