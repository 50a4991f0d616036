"""The drill directive's option values: a fault, a list of probes, hints, a percentage.

Pure functions from text to model pieces; each raises ``ValueError`` with a message the
directive reports at the option's line.
"""

from __future__ import annotations

import re

from runbook.model.drill import FAULTS, PROBES, Fault, Probe
from runbook.parsing.options import parse_text

_MILLISECONDS_RE = re.compile(r"^(\d+(?:\.\d+)?)(ms|s)?$", re.ASCII)
_PERCENT_RE = re.compile(r"^(\d+(?:\.\d+)?)%?$", re.ASCII)
_PROBE_RE = re.compile(r"^([a-z]+)(?::([^\s]*))?$", re.ASCII)
_HTTP_RE = re.compile(r"^(\d{1,5})?(/[!-~]*)?$", re.ASCII)
_DATABASE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$", re.ASCII)


def parse_fault(text: str | None) -> Fault:
    """``KIND [NODE...] [UNIT] [delay=MS] [loss=PERCENT]``, e.g. ``kill-service other haproxy``."""
    words = parse_text(text).split()
    kind, rest = words[0], words[1:]
    if kind not in FAULTS:
        raise ValueError(f"unknown fault {kind!r} (known: {', '.join(FAULTS)})")
    settings = [word for word in rest if "=" in word]
    nodes = [word for word in rest if "=" not in word]
    unit = None
    if kind == "kill-service":
        if len(nodes) != 2:
            raise ValueError("kill-service takes a node and a unit: kill-service NODE UNIT")
        unit = nodes.pop()
    delay = loss = None
    for setting in settings:
        key, _, value = setting.partition("=")
        if key == "delay":
            delay = parse_milliseconds(value)
        elif key == "loss":
            loss = parse_percent(value)
        else:
            raise ValueError(f"unknown fault setting {key!r} (known: delay, loss)")
    return Fault(kind, tuple(nodes), unit, delay, loss)


def parse_milliseconds(text: str) -> float:
    """``200``, ``200ms`` or ``0.2s`` as milliseconds."""
    match = _MILLISECONDS_RE.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a delay (write 200ms or 0.2s)")
    number, unit = match.groups()
    return float(number) * (1000 if unit == "s" else 1)


def parse_percent(text: str) -> float:
    match = _PERCENT_RE.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a percentage (write 5%)")
    return float(match.group(1))


def parse_probes(text: str | None) -> tuple[Probe, ...]:
    """Space- or comma-separated probes: ``tcp:3306 sql:keystone amqp http:80/``."""
    return tuple(parse_probe(word) for word in parse_text(text).replace(",", " ").split())


def parse_probe(word: str) -> Probe:
    match = _PROBE_RE.match(word)
    if not match or match.group(1) not in PROBES:
        raise ValueError(f"unknown probe {word!r} (known: {', '.join(PROBES)})")
    kind, argument = match.group(1), match.group(2)
    default_port = PROBES[kind][0]
    if kind == "sql":
        if not argument or not _DATABASE_RE.match(argument):
            raise ValueError("the sql probe names its database: sql:DATABASE")
        return Probe(kind, default_port or 3306, database=argument)
    if kind == "http":
        found = _HTTP_RE.match(argument or "")
        if not found:
            raise ValueError(f"{word!r}: write http:PORT/PATH")
        port = int(found.group(1)) if found.group(1) else default_port
        return Probe(kind, port or 80, found.group(2) or "/")
    if argument:
        if not argument.isdigit():
            raise ValueError(f"{word!r}: the port must be a number")
        return Probe(kind, int(argument))
    if default_port is None:
        raise ValueError(f"the {kind} probe needs a port: {kind}:PORT")
    return Probe(kind, default_port)


def parse_hints(text: str | None) -> tuple[str, ...]:
    """One hint per line, in the order a trainee should read them."""
    hints = tuple(line.strip() for line in parse_text(text).splitlines() if line.strip())
    return hints
