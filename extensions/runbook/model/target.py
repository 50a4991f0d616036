"""Target expressions: where a step runs, before any inventory is known.

Grammar (the guide's reference page documents it for authors)::

    all                 every host of the scenario (its ``hosts`` role, or the whole inventory)
    first               the first of those hosts
    node:N              the N-th of those hosts (1-based)
    local               the control host that runs ``runbook``
    host:NAME[,NAME..]  literal inventory host names
    role:NAME           every host of the inventory group NAME
    all@NAME, first@NAME, node:N@NAME
                        the same selections, taken within inventory group NAME

Resolution against an inventory happens in :mod:`runbook.plan`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

TargetKind = Literal["all", "first", "node", "local", "host"]


@dataclass(frozen=True, slots=True)
class Target:
    """A parsed target expression; ``str()`` gives back its canonical text."""

    kind: TargetKind
    role: str | None = None
    index: int | None = None
    hosts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind == "node" and (self.index is None or self.index < 1):
            raise ValueError("node:N needs N >= 1")
        if self.kind == "host" and not self.hosts:
            raise ValueError("host: needs at least one host name")
        if self.kind in ("local", "host") and self.role is not None:
            raise ValueError(f"{self.kind} cannot be taken within a role")

    @property
    def is_local(self) -> bool:
        """True when the step runs on the control host, not over SSH."""
        return self.kind == "local"

    def __str__(self) -> str:
        if self.kind == "host":
            return "host:" + ",".join(self.hosts)
        if self.kind == "all" and self.role is not None:
            return f"role:{self.role}"
        base = f"node:{self.index}" if self.kind == "node" else self.kind
        return f"{base}@{self.role}" if self.role is not None else base

    def describe(self) -> str:
        """Where the step runs, in words for the rendered guide's badge."""
        group = f"{self.role} host" if self.role else "node"
        if self.kind == "all":
            return f"every {self.role} host" if self.role else "every node"
        if self.kind == "first":
            return f"the first {group}"
        if self.kind == "node":
            return f"{group} {self.index}"
        if self.kind == "local":
            return "this workstation"
        return ", ".join(self.hosts)


ALL = Target("all")
FIRST = Target("first")
LOCAL = Target("local")
