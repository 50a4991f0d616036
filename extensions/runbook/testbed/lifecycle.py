"""Bringing a whole testbed up, down and back to the clean image; its status."""

from __future__ import annotations

import ipaddress
import json
import logging
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from runbook.errors import TestbedError
from runbook.testbed import cgroups, fence, fs, image, inventory, network, node, ssh, state
from runbook.testbed.paths import TestbedPaths
from runbook.testbed.state import NodeSpec, TestbedState
from runbook.testbed.system import raise_host_limits, require_root, require_tools, run

log = logging.getLogger(__name__)

DEFAULT_NAME = "default"
DEFAULT_NODES = 3
READY_TIMEOUT = 240
READY_STATES = ("running", "degraded")
RUNTIME_TOOLS = (
    "systemd-nspawn",
    "ip",
    "ss",
    "ssh",
    "ssh-keygen",
    "ssh-keyscan",
    "nsenter",
    "setsid",
)
FENCE_START_TIMEOUT = 15


def inventory_path(name: str = DEFAULT_NAME) -> Path:
    """Where testbed ``name`` has (or will have) its inventory; looks at nothing."""
    return TestbedPaths.of(network.validate_name(name)).inventory


def ensure_default(nodes: int | None = None) -> Path:
    """Bring up (or reuse) the default testbed and return its inventory: `make run`'s target."""
    up(DEFAULT_NAME, nodes=nodes)
    return inventory_path(DEFAULT_NAME)


def existing(name: str) -> TestbedState:
    """The state of a testbed that must exist, or a message saying how to make it."""
    found = state.load(network.validate_name(name))
    if found is None:
        flag = "" if name == DEFAULT_NAME else f" --name {name}"
        raise TestbedError(f"testbed {name!r} is not up: run `runbook testbed up{flag}` first")
    return found


def _preflight() -> None:
    require_root()
    require_tools(*RUNTIME_TOOLS)
    cgroups.cgroup2_mount()
    raise_host_limits()


def up(
    name: str = DEFAULT_NAME, nodes: int | None = None, subnet: str | None = None
) -> TestbedState:
    """Create and boot testbed ``name``, or bring an existing one back; waits until usable.

    Everything is checked before anything is made, and a failure half way removes what
    was made, so a failed `up` leaves nothing behind.
    """
    network.validate_name(name)
    if nodes is not None and not 1 <= nodes <= network.MAX_NODES:
        raise TestbedError(f"a testbed has 1 to {network.MAX_NODES} nodes, not {nodes}")
    _preflight()
    with state.locked(name):
        current = state.load(name)
        if current is not None:
            _check_same_shape(current, nodes, subnet)
            lower = lower_dir(current)
            if not (lower.parent / image.COMPLETE_MARKER).is_file():
                raise TestbedError(
                    f"testbed {name!r} was made from image {current.image_key}, which is no "
                    f"longer in {lower.parent.parent}: `runbook testbed down --name {name}`, "
                    "then `up` again"
                )
            bring_up(current, lower)
            return current
        return _create(name, DEFAULT_NODES if nodes is None else nodes, subnet)


def _check_same_shape(current: TestbedState, nodes: int | None, subnet: str | None) -> None:
    if nodes is not None and nodes != len(current.nodes):
        raise TestbedError(
            f"testbed name {current.name!r} is in use with {len(current.nodes)} nodes: "
            f"choose another --name, or `runbook testbed down --name {current.name}` first"
        )
    if subnet is not None and subnet != current.subnet:
        raise TestbedError(
            f"testbed {current.name!r} exists on {current.subnet}, not {subnet}: "
            f"`runbook testbed down --name {current.name}` first to move it"
        )


def _create(name: str, count: int, subnet: str | None) -> TestbedState:
    paths = TestbedPaths.of(name)
    bridge = network.bridge_name(name)
    if network.link_exists(bridge):
        raise TestbedError(
            f"testbed name {name!r} is in use: a network interface {bridge!r} already exists. "
            f"If it was left by a crashed run, `runbook testbed down --name {name}` removes it"
        )
    if paths.root.exists():  # debris of a crash before the state was saved: ours alone
        _teardown(name)
    built = image.ensure_image()
    # Two testbeds created at once must not both take the same free range.
    with state.allocation_lock():
        chosen = network.choose_subnet(name, subnet, _taken_networks(exclude=name))
        new = state.plan(name, count, chosen, built.key)
        for spec in new.nodes:
            if network.link_exists(spec.veth):
                raise TestbedError(f"a network interface {spec.veth!r} already exists here")
        log.info("creating testbed %r: %d nodes on %s (bridge %s)", name, count, chosen, bridge)
        paths.root.mkdir(parents=True, exist_ok=True)
        state.save(new)  # first, so `down` can undo whatever follows
    try:
        ssh.generate_client_key(paths.private_key, f"runbook-testbed-{name}")
        for spec in new.nodes:
            ssh.generate_host_keys(paths.host_keys(spec.name))
        network.create_bridge(bridge, chosen)
        bring_up(new, built.rootfs)
    except BaseException:
        log.info("testbed %r failed to come up; removing what was made", name)
        _teardown(name)
        raise
    return new


def _taken_networks(exclude: str) -> list[ipaddress.IPv4Network]:
    """Networks a new testbed must not use: routed ones, and other testbeds' (even stopped)."""
    taken = network.routed_networks()
    for other in state.all_names():
        if other == exclude:
            continue
        other_state = state.load(other)
        if other_state is not None:
            taken.append(ipaddress.IPv4Network(other_state.subnet))
    return taken


def bring_up(current: TestbedState, lower: Path, nodes: Iterable[NodeSpec] | None = None) -> None:
    """Mount, configure and boot the nodes that are not running, then wait for all of them."""
    selected = list(current.nodes if nodes is None else nodes)
    if not network.link_exists(current.bridge):  # e.g. after the machine rebooted
        network.create_bridge(current.bridge, ipaddress.IPv4Network(current.subnet))
    else:
        network.pin_bridge_mac(current.bridge)
    start_fence_device(current)
    started = []
    for spec in selected:
        if node.running(current, spec):
            continue
        node.mount(current, spec, lower)
        node.configure(current, spec)
        node.start(current, spec)
        started.append(spec.name)
    if started:
        log.info("booting %s", ", ".join(started))
    wait_ready(current, selected)
    inventory.write(current)


def fence_device_group(current: TestbedState) -> Path:
    """The fence device's cgroup: inside the testbed's, so `down` ends it with the nodes."""
    return cgroups.testbed_group(current.name) / "fence"


def fence_device_running(current: TestbedState) -> bool:
    return cgroups.populated(fence_device_group(current))


def start_fence_device(current: TestbedState) -> None:
    """Start the testbed's fence device (its keys made first), unless it already runs.

    Its keys are made here rather than at creation, so a testbed made before the device
    existed gets one at its next `up`.
    """
    paths = current.paths
    ssh.generate_client_key(paths.fence_key, f"runbook-testbed-{current.name}-fence")
    ssh.generate_client_key(paths.fence_host_key, f"runbook-testbed-{current.name}-fence-device")
    if fence_device_running(current):
        return
    paths.fence_dir.mkdir(parents=True, exist_ok=True)
    node.launch(
        fence_device_group(current),
        paths.fence_pid,
        [sys.executable, "-m", "runbook.testbed.fence_server", current.name],
        paths.fence_log,
    )
    listening = f"{current.host_address}:{fence.PORT}"
    deadline = time.monotonic() + FENCE_START_TIMEOUT
    while listening not in run(["ss", "-Hltn", "src", listening], check=False).stdout:
        if not fence_device_running(current) or time.monotonic() > deadline:
            log_text = paths.fence_log.read_text(errors="replace")
            raise TestbedError(
                f"the fence device of testbed {current.name!r} did not start on {listening}: "
                f"{log_text.strip().splitlines()[-1] if log_text.strip() else 'no output'}"
            )
        time.sleep(0.1)


def lower_dir(current: TestbedState) -> Path:
    """The image a testbed was made from (kept even if the package list changed since)."""
    return image.Image(key=current.image_key, packages=()).rootfs


def wait_ready(
    current: TestbedState, nodes: Iterable[NodeSpec] | None = None, timeout: float = READY_TIMEOUT
) -> None:
    """Wait until sshd answers with the node's own host keys and systemd has finished booting.

    sshd answers seconds before `systemctl is-system-running` leaves ``starting``; a node
    is ready only when it says ``running`` or ``degraded``.
    """
    paths = current.paths
    pending = {spec.name: spec for spec in (current.nodes if nodes is None else nodes)}
    scanned: dict[str, list[str]] = {}
    last: dict[str, str] = dict.fromkeys(pending, "not answering on port 22")
    deadline = time.monotonic() + timeout
    while pending:
        for spec in list(pending.values()):
            if not node.running(current, spec):
                raise TestbedError(
                    f"node {spec.name} stopped while booting: {node.console_tail(current, spec)}"
                )
            if spec.name not in scanned:
                if not ssh.sshd_answers(spec.address):
                    continue
                offered = ssh.scan_host_keys(spec.address)
                if not offered:
                    continue
                expected = ssh.host_public_keys(paths.host_keys(spec.name))
                if not offered <= expected:
                    raise TestbedError(
                        f"node {spec.name} at {spec.address} offers host keys that are not "
                        "its own: another machine holds its address?"
                    )
                scanned[spec.name] = ssh.known_hosts_lines(spec.name, spec.address, offered)
                _update_known_hosts(current, scanned)
            result = ssh.ssh_run(paths, spec.address, "systemctl is-system-running", timeout=20)
            said = result.stdout.strip() or result.stderr.strip() or f"exit {result.returncode}"
            last[spec.name] = f"systemd says {said!r}"
            if said in READY_STATES:
                del pending[spec.name]
        if not pending:
            break
        if time.monotonic() > deadline:
            details = "; ".join(
                f"{name}: {last[name]}, {_inside_view(current, spec)}"
                for name, spec in pending.items()
            )
            raise TestbedError(f"nodes not ready after {timeout:.0f} s ({details})")
        time.sleep(0.5)


def _inside_view(current: TestbedState, spec: NodeSpec) -> str:
    """What the node's own systemd says, asked from the host: why a node is not ready."""
    try:
        said = node.exec_in(current, spec, ["systemctl", "is-system-running"], timeout=10)
        failed = node.exec_in(
            current, spec, ["systemctl", "--failed", "--plain", "--no-legend"], timeout=10
        )
        sshd = node.exec_in(current, spec, ["systemctl", "is-active", "ssh.service"], timeout=10)
    except TestbedError as error:
        return f"not inspectable: {error}"
    units = ", ".join(line.split()[0] for line in failed.stdout.splitlines() if line.strip())
    return (
        f"inside: systemd {said.stdout.strip() or '?'}, ssh.service "
        f"{sshd.stdout.strip() or '?'}, failed units: {units or 'none'}"
    )


def _update_known_hosts(current: TestbedState, scanned: dict[str, list[str]]) -> None:
    """Rewrite known_hosts with the keys just scanned, keeping other nodes' lines."""
    paths = current.paths
    by_node: dict[str, list[str]] = {}
    if paths.known_hosts.exists():
        for line in paths.known_hosts.read_text().splitlines():
            by_node.setdefault(line.split(",", 1)[0], []).append(line)
    by_node.update(scanned)
    lines = [line for spec in current.nodes for line in by_node.get(spec.name, [])]
    ssh.write_known_hosts(paths, lines)


def down(name: str = DEFAULT_NAME) -> bool:
    """Remove testbed ``name`` entirely; True if there was anything to remove.

    Idempotent and independent of how far `up` got: processes are found through the
    testbed's cgroup, mounts through the mount table, links by their derived names.
    """
    network.validate_name(name)
    require_root()
    with state.locked(name):
        return _teardown(name)


def _teardown(name: str) -> bool:
    paths = TestbedPaths.of(name)
    found = False
    group = cgroups.testbed_group(name)
    if group.exists():
        found = True
        cgroups.kill(group)
        cgroups.remove(group)
        parent = group.parent
        if parent.is_dir() and not any(child.is_dir() for child in parent.iterdir()):
            parent.rmdir()
    if fs.mounts_under(paths.root):
        found = True
        for rootfs in paths.nodes_dir.glob("*/root"):
            node.forget_image_lock(rootfs)
        fs.unmount_under(paths.root)
    machine_prefix = network.machine_name(name, 0)[:-1]  # "rb<hash>n"
    for ifname in _links():
        if ifname.startswith(network.veth_name(machine_prefix)):
            found = True
            network.delete_link(ifname)
    bridge = network.bridge_name(name)
    if network.link_exists(bridge) and (paths.root.exists() or _bridge_in_pool(bridge)):
        found = True
        network.delete_link(bridge)
    for leftover in (node.NSPAWN_RUN / "propagate").glob(f"{machine_prefix}*"):
        fs.remove_tree(leftover)
    if paths.root.exists():
        found = True
        fs.remove_tree(paths.root)
    if found:
        log.info("testbed %r removed", name)
    return found


def _links() -> list[str]:
    result = run(["ip", "-j", "link", "show"], check=False)
    return [link["ifname"] for link in json.loads(result.stdout or "[]")]


def _bridge_in_pool(bridge: str) -> bool:
    """A bridge we made has its address in our pool; anything else is not ours to delete."""
    result = run(["ip", "-j", "-4", "addr", "show", "dev", bridge], check=False)
    for link in json.loads(result.stdout or "[]"):
        for addr in link.get("addr_info", []):
            if ipaddress.IPv4Address(addr["local"]) in network.POOL:
                return True
    return False


def reset(name: str = DEFAULT_NAME) -> TestbedState:
    """Every node back to the clean image: a fresh upper layer, then a boot."""
    network.validate_name(name)
    _preflight()
    with state.locked(name):
        current = existing(name)
        discard_layers(current, current.nodes)
        bring_up(current, lower_dir(current))
        return current


def discard_layers(current: TestbedState, nodes: Iterable[NodeSpec]) -> None:
    """Stop the nodes at once and drop their upper layers (their disks are being replaced)."""
    paths = current.paths
    for spec in nodes:
        node.stop(current, spec, graceful=False)
        node.unmount(current, spec)
        fs.remove_tree(paths.upper(spec.name))
        fs.remove_tree(paths.work(spec.name))


@dataclass(frozen=True)
class NodeStatus:
    name: str
    address: str
    running: bool
    link_up: bool
    frozen: bool = False


@dataclass(frozen=True)
class TestbedStatus:
    __test__ = False  # not a pytest test class, despite the name

    name: str
    bridge: str
    subnet: str
    inventory: Path
    nodes: tuple[NodeStatus, ...]
    snapshots: tuple[str, ...]
    #: Where the fence device listens, or None when it is not running.
    fence_device: str | None = None


def status(name: str = DEFAULT_NAME) -> TestbedStatus:
    """What runs and what is reachable, read from the machine (not from memory)."""
    current = existing(name)
    nodes = []
    for spec in current.nodes:
        running = node.running(current, spec)
        nodes.append(
            NodeStatus(
                name=spec.name,
                address=spec.address,
                running=running,
                link_up=running and network.link_is_up(spec.veth),
                frozen=running and cgroups.frozen(node.group(current, spec)),
            )
        )
    snaps = current.paths.snapshots_dir
    return TestbedStatus(
        name=current.name,
        bridge=current.bridge,
        subnet=current.subnet,
        inventory=current.paths.inventory,
        nodes=tuple(nodes),
        fence_device=f"{current.host_address}:{fence.PORT}"
        if fence_device_running(current)
        else None,
        snapshots=tuple(
            sorted(p.name for p in snaps.iterdir() if p.is_dir() and not p.name.startswith("."))
        )
        if snaps.is_dir()
        else (),
    )
