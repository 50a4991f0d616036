"""``copy``: files moved from one host to the others as a tar stream held in memory.

The stream passes through the control host's memory only (never its disk, never a log),
which is what keys that must be identical on every controller, such as Keystone's fernet
keys, need. Ownership, modes and timestamps are kept (``tar -p`` as root).
"""

from __future__ import annotations

from collections.abc import Sequence

from runbook.execution.shell import quote
from runbook.plan.model import PlannedStep

#: Unpacks the stream from standard input at the root of the receiving host.
UNPACK = "tar -C / -xpf -"


def pack_command(paths: Sequence[str]) -> str:
    """Writes ``paths`` (absolute) as one tar stream to standard output."""
    members = " ".join(quote(path.lstrip("/") or ".") for path in paths)
    return f"tar -C / -cpf - -- {members}"


def copy_source(planned: PlannedStep) -> str | None:
    """The one host a step's ``copy-from`` names (resolved by the plan), or ``None``."""
    return planned.copy_from if planned.step.options.copy_paths else None
