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
    """
    order: list[str] = []
    visiting: list[str] = []

    def visit(name: str) -> None:
        if name in order:
            return
        if name in visiting:
            cycle = [*visiting[visiting.index(name) :], name]
            raise VariableReferenceError(
                "variable defaults refer to each other: " + " -> ".join(cycle), name
            )
        visiting.append(name)
        for reference in references(defaults[name] or ""):
            if reference not in defaults:
                raise VariableReferenceError(
                    f"the default of {name!r} refers to an undeclared variable {reference!r}",
                    name,
                )
            visit(reference)
        visiting.pop()
        order.append(name)

    for name in defaults:
        visit(name)
    return tuple(order)


def secret_by_reference(defaults: Mapping[str, str | None], secret: set[str]) -> set[str]:
    """The names whose default uses a secret, directly or through other defaults."""
    result = set(secret)
    changed = True
    while changed:
        changed = False
        for name, default in defaults.items():
            if name not in result and any(ref in result for ref in references(default or "")):
                result.add(name)
                changed = True
    return result
