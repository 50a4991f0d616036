"""``copy``: files moved from one host to the others as a tar stream held in memory.

The stream passes through the control host's memory only (never its disk, never a log),
which is what keys that must be identical on every controller, such as Keystone's fernet
keys, need. Ownership, modes and timestamps are kept (``tar -p`` as root).
"""

from __future__ import annotations

from collections.abc import Sequence

from runbook.execution.shell import quote
from runbook.model import Target
from runbook.plan.model import LOCAL_HOST, Plan, PlannedStep

#: Unpacks the stream from standard input at the root of the receiving host.
UNPACK = "tar -C / -xpf -"


def pack_command(paths: Sequence[str]) -> str:
    """Writes ``paths`` (absolute) as one tar stream to standard output."""
    members = " ".join(quote(path.lstrip("/") or ".") for path in paths)
    return f"tar -C / -cpf - -- {members}"


def copy_source(plan: Plan, planned: PlannedStep) -> str | None:
    """The one host a step's ``copy-from`` names, or ``None`` when the step copies nothing."""
    target = planned.step.options.copy_from
    if target is None:
        return None
    return resolve_one(plan, target)


def resolve_one(plan: Plan, target: Target) -> str:
    """The host a one-host target expression names in this plan."""
    if target.kind == "host":
        return target.hosts[0]
    if target.kind == "local":
        return LOCAL_HOST
    pool: Sequence[str] = plan.nodes
    if target.role is not None and plan.inventory is not None:
        pool = plan.inventory.groups.get(target.role, ())
    position = (target.index or 1) - 1 if target.kind == "node" else 0
    if position >= len(pool):
        raise ValueError(f"copy-from {target} names no host ({len(pool)} available)")
    return pool[position]
