"""Parse target expressions (``all``, ``node:2@controllers``, ...) into :class:`Target`.

The grammar is documented in :mod:`runbook.model.target`; ``str()`` of the result is its
canonical text, which parses back to the same target.
"""

from __future__ import annotations

import re

from runbook.model.target import ALL, FIRST, LOCAL, Target

#: Inventory group and host names: what Ansible-style inventories accept, plus dots in hosts.
ROLE_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")
HOST_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")

FORMS = "all, first, node:N, local, host:NAME, role:NAME, or all@ROLE/first@ROLE/node:N@ROLE"

_PLAIN = {"all": ALL, "first": FIRST, "local": LOCAL}


def parse_target(text: str) -> Target:
    """The target written as ``text``; ``ValueError`` with a readable message otherwise."""
    expression = text.strip()
    if not expression:
        raise ValueError(f"empty target; expected {FORMS}")
    head, at, role = expression.partition("@")
    if at:
        return _within_role(expression, head.strip(), role.strip())
    if expression in _PLAIN:
        return _PLAIN[expression]
    kind, colon, rest = expression.partition(":")
    if colon and kind == "node":
        return Target("node", index=_node_index(expression, rest))
    if colon and kind == "host":
        return Target("host", hosts=_host_names(expression, rest))
    if colon and kind == "role":
        return Target("all", role=_role_name(expression, rest))
    raise ValueError(f"unknown target {expression!r}; expected {FORMS}")


def parse_role(text: str) -> str:
    """An inventory group name (a scenario's ``hosts``); ``ValueError`` otherwise."""
    name = text.strip()
    if not ROLE_RE.match(name):
        raise ValueError(f"{name!r} is not an inventory group name (letters, digits, '-', '_')")
    return name


def _within_role(expression: str, head: str, role: str) -> Target:
    name = _role_name(expression, role)
    if head in ("all", "first"):
        return Target("all" if head == "all" else "first", role=name)
    kind, colon, rest = head.partition(":")
    if colon and kind == "node":
        return Target("node", role=name, index=_node_index(expression, rest))
    if head == "local" or kind in ("host", "role"):
        raise ValueError(
            f"target {expression!r}: {kind or head} cannot be taken within a role; "
            "@ROLE follows all, first or node:N"
        )
    raise ValueError(f"unknown target {expression!r}; expected {FORMS}")


def _node_index(expression: str, text: str) -> int:
    number = text.strip()
    if not number.isascii() or not number.isdigit():
        raise ValueError(f"target {expression!r}: node:N needs a whole number N (node:1, node:2)")
    index = int(number)
    if index < 1:
        raise ValueError(f"target {expression!r}: nodes are counted from 1 (node:1 is the first)")
    return index


def _host_names(expression: str, text: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(","))
    if not any(names):
        raise ValueError(f"target {expression!r}: host: needs at least one host name")
    for name in names:
        if not HOST_RE.match(name):
            raise ValueError(
                f"target {expression!r}: {name!r} is not a host name "
                "(letters, digits, '.', '-', '_'; several names are separated by commas)"
            )
    return names


def _role_name(expression: str, text: str) -> str:
    try:
        return parse_role(text)
    except ValueError as error:
        raise ValueError(f"target {expression!r}: {error}") from None
