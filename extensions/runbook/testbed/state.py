"""What a testbed is made of, saved before anything is built so `down` can undo it."""

from __future__ import annotations

import contextlib
import fcntl
import ipaddress
import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass

from runbook.errors import TestbedError
from runbook.testbed import fs, network, paths
from runbook.testbed.paths import TestbedPaths


@dataclass(frozen=True)
class NodeSpec:
    """One node: its name in the cluster and what the host knows it by."""

    name: str
    address: str
    machine: str
    machine_id: str

    @property
    def veth(self) -> str:
        return network.veth_name(self.machine)


@dataclass(frozen=True)
class TestbedState:
    """A testbed's shape; nothing here changes while it exists."""

    __test__ = False  # not a pytest test class, despite the name

    name: str
    bridge: str
    subnet: str
    image_key: str
    nodes: tuple[NodeSpec, ...]

    @property
    def host_address(self) -> str:
        return str(network.host_address(ipaddress.IPv4Network(self.subnet)))

    @property
    def paths(self) -> TestbedPaths:
        return TestbedPaths.of(self.name)

    def node(self, name: str) -> NodeSpec:
        for node in self.nodes:
            if node.name == name:
                return node
        known = ", ".join(node.name for node in self.nodes)
        raise TestbedError(f"testbed {self.name!r} has no node {name!r} (it has {known})")

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> TestbedState:
        data = json.loads(text)
        data["nodes"] = tuple(NodeSpec(**node) for node in data["nodes"])
        return cls(**data)


def plan(name: str, count: int, subnet: ipaddress.IPv4Network, image_key: str) -> TestbedState:
    """The shape of a new testbed (pure: addresses and names follow from the arguments)."""
    if not 1 <= count <= network.MAX_NODES:
        raise TestbedError(f"a testbed has 1 to {network.MAX_NODES} nodes, not {count}")
    nodes = tuple(
        NodeSpec(
            name=node,
            address=str(network.node_address(subnet, index)),
            machine=network.machine_name(name, index),
            machine_id=uuid.uuid4().hex,
        )
        for index, node in enumerate(network.node_names(count), start=1)
    )
    return TestbedState(
        name=name,
        bridge=network.bridge_name(name),
        subnet=str(subnet),
        image_key=image_key,
        nodes=nodes,
    )


def load(name: str) -> TestbedState | None:
    path = TestbedPaths.of(name).state
    try:
        return TestbedState.from_json(path.read_text())
    except FileNotFoundError:
        return None
    except (ValueError, TypeError, KeyError) as error:
        raise TestbedError(
            f"{path}: unreadable testbed state ({error}); `runbook testbed down --name "
            f"{name}` removes what is left of it"
        ) from error


def save(state: TestbedState) -> None:
    fs.atomic_write(state.paths.state, state.to_json())


def all_names() -> list[str]:
    root = paths.state_root()
    if not root.is_dir():
        return []
    return sorted(path.name for path in root.iterdir() if (path / "state.json").is_file())


@contextlib.contextmanager
def locked(name: str) -> Iterator[None]:
    """One command at a time per testbed: `up` and `down` racing would leave debris.

    The lock file lives only as long as the testbed, so `down` and a refused `up` leave
    the machine as it was; a waiter that wakes up on a removed file locks the new one.
    """
    lock = TestbedPaths.of(name).lock
    lock.parent.mkdir(parents=True, exist_ok=True)
    while True:
        handle = open(lock, "a")  # noqa: SIM115 - held across the yield below
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            same = os.stat(lock).st_ino == os.fstat(handle.fileno()).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        handle.close()
    try:
        yield
    finally:
        if not TestbedPaths.of(name).root.exists():
            lock.unlink(missing_ok=True)
        handle.close()


@contextlib.contextmanager
def allocation_lock() -> Iterator[None]:
    """Held while a new testbed picks its address range and records it in its state."""
    root = paths.state_root()
    root.mkdir(parents=True, exist_ok=True)
    # The directory itself is the lock: no lock file is left behind.
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
