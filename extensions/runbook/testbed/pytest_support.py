"""A testbed for a pytest session: up once, handed to the tests, down even when they fail.

Test packages build their session fixture from `testbed_session`::

    @pytest.fixture(scope="session")
    def testbed():
        remove_stale("e2e")  # testbeds of earlier runs that were killed
        with testbed_session(session_name("e2e"), nodes=3) as bed:
            yield bed

Importing this module does not import pytest; `testbed_session` skips (outside CI) when
the machine cannot run a testbed, and fails in CI, where a skip would hide a broken setup.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from runbook.testbed import faults, lifecycle, paths, ssh
from runbook.testbed.state import TestbedState


def unavailable_reason() -> str | None:
    """Why this machine cannot run a testbed, or None when it can."""
    if os.geteuid() != 0:
        return "the testbed needs root"
    for tool in ("systemd-nspawn", "debootstrap", "ip", "ssh", "nsenter"):
        if shutil.which(tool) is None:
            return f"{tool} is missing (`make testbed-deps`)"
    return None


@dataclass(frozen=True)
class TestbedHandle:
    """A running testbed as tests see it: nodes, inventory, SSH and the fault helpers."""

    __test__ = False  # not a pytest test class, despite the name

    state: TestbedState

    @property
    def name(self) -> str:
        return self.state.name

    @property
    def inventory_path(self) -> Path:
        return self.state.paths.inventory

    @property
    def nodes(self) -> list[str]:
        return [spec.name for spec in self.state.nodes]

    def address(self, node: str) -> str:
        return self.state.node(node).address

    def ssh(
        self, node: str, command: str, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """Run a command line on a node over real SSH (the inventory's key and known_hosts)."""
        return ssh.ssh_run(self.state.paths, self.address(node), command, timeout=timeout)

    def poweroff(self, node: str, graceful: bool = False) -> None:
        faults.poweroff(self.name, node, graceful=graceful)

    def poweron(self, node: str, wait: bool = True) -> None:
        faults.poweron(self.name, node, wait=wait)

    def kill_service(self, node: str, unit: str, signal: str = "KILL") -> None:
        faults.kill_service(self.name, node, unit, signal)

    def link_down(self, node: str) -> None:
        faults.link_down(self.name, node)

    def link_up(self, node: str) -> None:
        faults.link_up(self.name, node)

    def netem(
        self,
        node: str,
        loss: float | None = None,
        delay_ms: float | None = None,
        jitter_ms: float | None = None,
    ) -> None:
        faults.netem(self.name, node, loss=loss, delay_ms=delay_ms, jitter_ms=jitter_ms)

    def freeze(self, node: str) -> None:
        faults.freeze(self.name, node)

    def thaw(self, node: str) -> None:
        faults.thaw(self.name, node)

    def clear(self, node: str) -> None:
        faults.clear(self.name, node)


def session_name(prefix: str) -> str:
    """A testbed name owned by this process, so two test runs at once never share one."""
    return f"{prefix}{os.getpid()}"


def remove_stale(prefix: str) -> list[str]:
    """Remove testbeds named by `session_name` whose process is gone (a killed run)."""
    pattern = re.compile(rf"^{re.escape(prefix)}(\d+)$")
    removed = []
    root = paths.state_root()
    for entry in sorted(root.iterdir()) if root.is_dir() else []:
        match = pattern.match(entry.name)
        if match and entry.is_dir() and not Path(f"/proc/{match.group(1)}").exists():
            lifecycle.down(entry.name)
            removed.append(entry.name)
    return removed


@contextlib.contextmanager
def testbed_session(name: str, nodes: int = 3) -> Iterator[TestbedHandle]:
    """Bring up testbed ``name`` (removing leftovers of a crashed run first), yield, remove."""
    reason = unavailable_reason()
    if reason is not None and not os.environ.get("CI"):
        import pytest

        pytest.skip(f"no testbed on this machine: {reason}")
    lifecycle.down(name)
    try:
        yield TestbedHandle(lifecycle.up(name, nodes=nodes))
    finally:
        lifecycle.down(name)
