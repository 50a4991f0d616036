"""Injecting and undoing a drill's fault: by the testbed's fault commands, or by an operator.

On the testbed the fault is done from outside the nodes (:mod:`runbook.testbed.faults`).
On real hosts nothing
can cut a power supply: the operator is told what to do and confirms when it is done.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TextIO

from runbook.errors import RunbookError
from runbook.model.drill import FAULTS, RESTORES, Fault


class FaultActions(Protocol):
    """Breaks and repairs ``nodes`` (inventory host names) the way ``fault`` says."""

    def inject(self, fault: Fault, nodes: Sequence[str]) -> None: ...

    def restore(self, fault: Fault, nodes: Sequence[str]) -> None: ...


class TestbedFaults:
    """The testbed's own fault commands, on testbed ``name``."""

    __test__ = False  # not a pytest test class, despite the name

    def __init__(self, name: str) -> None:
        self.name = name

    def inject(self, fault: Fault, nodes: Sequence[str]) -> None:
        from runbook.testbed import faults

        for node in nodes:
            if fault.kind in ("poweroff", "outage"):
                faults.poweroff(self.name, node)
            elif fault.kind == "kill-service":
                assert fault.unit is not None
                faults.kill_service(self.name, node, fault.unit)
            elif fault.kind == "link-down":
                faults.link_down(self.name, node)
            elif fault.kind == "netem":
                faults.netem(self.name, node, loss=fault.loss, delay_ms=fault.delay_ms)
            elif fault.kind == "freeze":
                faults.freeze(self.name, node)

    def restore(self, fault: Fault, nodes: Sequence[str]) -> None:
        from runbook.testbed import faults

        if fault.kind in ("poweroff", "outage"):
            for node in nodes:
                faults.poweron(self.name, node, wait=False)
            for node in nodes:
                faults.poweron(self.name, node, wait=True)
        for node in nodes:
            # A node the cluster fenced meanwhile is powered off or booting: its power cycle
            # already undid the fault (a fresh boot has its link up, no impairment, no freeze).
            if fault.kind in ("poweroff", "outage", "kill-service") or not self._running(node):
                continue
            if fault.kind == "link-down":
                faults.link_up(self.name, node)
            elif fault.kind == "netem":
                faults.clear(self.name, node)
            elif fault.kind == "freeze":
                faults.thaw(self.name, node)
        # kill-service: the unit is started again by the drill's own restore, over SSH.

    def _running(self, node_name: str) -> bool:
        from runbook.testbed import lifecycle, node

        current = lifecycle.existing(self.name)
        return node.running(current, current.node(node_name))


class OperatorFaults:
    """Real hosts: the operator injects and undoes the fault, and confirms each."""

    def __init__(self, stdin: TextIO, stdout: TextIO) -> None:
        self.stdin = stdin
        self.stdout = stdout

    def _confirm(self, action: str) -> None:
        self.stdout.write(f"{action}\nPress Enter once it is done (Ctrl-D to stop the drill): ")
        self.stdout.flush()
        if not self.stdin.readline():
            raise RunbookError("drill stopped by the operator")

    def inject(self, fault: Fault, nodes: Sequence[str]) -> None:
        where = ", ".join(nodes)
        what = FAULTS[fault.kind]
        if fault.unit:
            what += f" ({fault.unit})"
        if fault.kind == "netem":
            what += f" ({fault})"
        self._confirm(f"Now {what} on {where}.")

    def restore(self, fault: Fault, nodes: Sequence[str]) -> None:
        if fault.kind == "kill-service":
            return
        self._confirm(f"Now {RESTORES[fault.kind]}: {', '.join(nodes)}.")
