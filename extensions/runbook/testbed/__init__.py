"""Real multi-node Linux hosts on one machine: the guide's embedded default target.

The entry points other parts use::

    from runbook.testbed import ensure_default, inventory_path

    inventory = ensure_default()        # the default testbed, brought up or reused
    inventory_path("e2e")               # where testbed "e2e" keeps its inventory

Lifecycle (`up`, `down`, `reset`, `status`) is in `runbook.testbed.lifecycle`, faults in
`runbook.testbed.faults`, checkpoints in `runbook.testbed.snapshots`, and a pytest
session fixture factory in `runbook.testbed.pytest_support`.
"""

from __future__ import annotations

from runbook.testbed.lifecycle import (
    DEFAULT_NAME,
    DEFAULT_NODES,
    down,
    ensure_default,
    inventory_path,
    reset,
    status,
    up,
)

__all__ = [
    "DEFAULT_NAME",
    "DEFAULT_NODES",
    "down",
    "ensure_default",
    "inventory_path",
    "reset",
    "status",
    "up",
]
