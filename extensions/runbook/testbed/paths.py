"""Where the testbed keeps its image cache and per-testbed state on the host."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# Outside the checkout on purpose: the image is shared by every clone, CI run and testbed
# on the machine, and a fresh clone must not rebuild it.
IMAGE_CACHE_ENV = "RUNBOOK_IMAGE_CACHE"
STATE_ROOT_ENV = "RUNBOOK_TESTBED_ROOT"
DEFAULT_IMAGE_CACHE = Path("/var/cache/runbook/images")
DEFAULT_STATE_ROOT = Path("/var/lib/runbook/testbeds")


def image_cache() -> Path:
    """The directory holding one subdirectory per built image (overridable for tests)."""
    return Path(os.environ.get(IMAGE_CACHE_ENV) or DEFAULT_IMAGE_CACHE)


def state_root() -> Path:
    """The directory holding one subdirectory per testbed (overridable for tests)."""
    return Path(os.environ.get(STATE_ROOT_ENV) or DEFAULT_STATE_ROOT)


@dataclass(frozen=True)
class TestbedPaths:
    """The files of one testbed; computing them does no I/O."""

    __test__ = False  # not a pytest test class, despite the name

    name: str
    root: Path

    @classmethod
    def of(cls, name: str) -> TestbedPaths:
        return cls(name=name, root=state_root() / name)

    @property
    def lock(self) -> Path:
        # Beside the testbed directory, so it survives the directory's removal by `down`.
        return self.root.parent / f".{self.name}.lock"

    @property
    def state(self) -> Path:
        return self.root / "state.json"

    @property
    def inventory(self) -> Path:
        return self.root / "inventory.yml"

    @property
    def ssh_dir(self) -> Path:
        return self.root / "ssh"

    @property
    def private_key(self) -> Path:
        return self.ssh_dir / "id_ed25519"

    @property
    def known_hosts(self) -> Path:
        return self.ssh_dir / "known_hosts"

    @property
    def fence_key(self) -> Path:
        """The key the nodes log in to the fence device with (copied onto every node)."""
        return self.ssh_dir / "fence_ed25519"

    @property
    def fence_host_key(self) -> Path:
        """The fence device's own host key; the nodes' known_hosts names it."""
        return self.ssh_dir / "fence_host_ed25519"

    @property
    def fence_dir(self) -> Path:
        return self.root / "fence"

    @property
    def fence_log(self) -> Path:
        """The fence device's event log: every request, who asked, what it did."""
        return self.fence_dir / "fence.log"

    @property
    def fence_pid(self) -> Path:
        return self.fence_dir / "fence.pid"

    def host_keys(self, node: str) -> Path:
        """The node's SSH host keys, kept here so `reset` and `restore` keep them stable."""
        return self.ssh_dir / "hostkeys" / node

    @property
    def nodes_dir(self) -> Path:
        return self.root / "nodes"

    def node_dir(self, node: str) -> Path:
        return self.nodes_dir / node

    def upper(self, node: str) -> Path:
        return self.node_dir(node) / "upper"

    def work(self, node: str) -> Path:
        return self.node_dir(node) / "work"

    def rootfs(self, node: str) -> Path:
        return self.node_dir(node) / "root"

    def console_log(self, node: str) -> Path:
        return self.node_dir(node) / "console.log"

    def pid_file(self, node: str) -> Path:
        return self.node_dir(node) / "nspawn.pid"

    @property
    def snapshots_dir(self) -> Path:
        return self.root / "snapshots"

    def snapshot(self, snapshot: str) -> Path:
        return self.snapshots_dir / snapshot
