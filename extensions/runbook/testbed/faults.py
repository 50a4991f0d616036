"""Faults to inject into a running testbed, for reliability tests and training drills.

Each helper does what the real failure does, from outside the node, so the node's own
software sees the fault as it would in production: a power cut kills every process at
once, a dead link loses carrier, an impaired link drops or delays what the node receives.
"""

from __future__ import annotations

import re
import shutil
import sys
import time
from pathlib import Path

from runbook.errors import TestbedError
from runbook.testbed import cgroups, lifecycle, network, node, state
from runbook.testbed.state import NodeSpec, TestbedState
from runbook.testbed.system import require_tools

UNIT_RE = re.compile(r"^[A-Za-z0-9@_.:\\-]+$")
SIGNAL_RE = re.compile(r"^(SIG)?[A-Z0-9+-]+$")


def _target(name: str, node_name: str) -> tuple[TestbedState, NodeSpec]:
    current = lifecycle.existing(name)
    return current, current.node(node_name)


def _running(current: TestbedState, spec: NodeSpec) -> None:
    if not node.running(current, spec):
        raise TestbedError(
            f"node {spec.name} is powered off: `runbook testbed fault poweron {spec.name}` first"
        )


def poweroff(name: str, node_name: str, *, graceful: bool = False) -> None:
    """Cut a node's power (every process killed at once), or shut it down cleanly."""
    with state.locked(name):
        current, spec = _target(name, node_name)
        node.stop(current, spec, graceful=graceful)


def poweron(name: str, node_name: str, *, wait: bool = True) -> None:
    """Boot a powered-off node again from its own disk; by default wait until it is usable.

    The lock covers the power switch only, not the wait: the fence device must be able to
    switch another node (or this one again) while a boot is being waited for. A node that
    is already on may have been switched on a moment ago by someone else (the fence
    device, a drill), so it is waited for too: "on" is promised to mean "usable".
    """
    with state.locked(name):
        current, spec = _target(name, node_name)
        if not node.running(current, spec):
            node.mount(current, spec, lifecycle.lower_dir(current))
            node.configure(current, spec)
            node.start(current, spec)
    if wait:
        lifecycle.wait_ready(current, [spec])


def kill_service(name: str, node_name: str, unit: str, signal: str = "KILL") -> None:
    """Kill every process of a systemd unit on a node, as a crash would.

    A unit whose ``Restart=`` asks for it comes back, exactly as in production; the
    node's own network is not used, so this works with its link down too.
    """
    if not UNIT_RE.match(unit):
        raise TestbedError(f"invalid unit name {unit!r}")
    if not SIGNAL_RE.match(signal):
        raise TestbedError(f"invalid signal {signal!r} (use a name such as KILL or TERM)")
    if "." not in unit:
        unit += ".service"
    signame = signal if signal.startswith("SIG") else f"SIG{signal}"
    current, spec = _target(name, node_name)
    _running(current, spec)
    active = node.exec_in(current, spec, ["systemctl", "is-active", unit])
    if active.stdout.strip() not in ("active", "activating", "reloading"):
        raise TestbedError(
            f"{unit} is not running on {spec.name} ({active.stdout.strip() or 'unknown'})"
        )
    result = node.exec_in(
        current, spec, ["systemctl", "kill", f"--signal={signame}", "--kill-whom=all", unit]
    )
    if result.returncode != 0:
        raise TestbedError(f"could not kill {unit} on {spec.name}: {result.stderr.strip()}")


def link_down(name: str, node_name: str) -> None:
    """Unplug a node's cable: its link loses carrier and it is cut off from every node."""
    current, spec = _target(name, node_name)
    _running(current, spec)
    network.set_link(spec.veth, up=False)


def link_up(name: str, node_name: str) -> None:
    current, spec = _target(name, node_name)
    _running(current, spec)
    network.set_link(spec.veth, up=True)


def freeze(name: str, node_name: str) -> None:
    """Hang a node: every process in it stops where it is (cgroup freezer), power stays on.

    What a kernel hang or a stuck storage path does: the node answers nothing, not even
    its cluster heartbeat, yet holds whatever it held. Only fencing ends that for sure; a
    power cut (the fence device's, or `poweroff`) kills the frozen processes too.
    """
    with state.locked(name):
        current, spec = _target(name, node_name)
        _running(current, spec)
        cgroups.freeze(node.group(current, spec))


def thaw(name: str, node_name: str) -> None:
    """Let a frozen node run on from where it stopped, unaware that time passed."""
    with state.locked(name):
        current, spec = _target(name, node_name)
        _running(current, spec)
        cgroups.thaw(node.group(current, spec))


def netem(
    name: str,
    node_name: str,
    *,
    loss: float | None = None,
    delay_ms: float | None = None,
    jitter_ms: float | None = None,
) -> None:
    """Drop or delay the packets a node receives, like tc netem on its link.

    Every packet sent to the node, by the host or any other node, is affected; the
    replies it sends travel unharmed. A new call replaces the previous impairment.
    """
    rules = network.impairment_rules(loss, delay_ms, jitter_ms)
    require_tools("iptables")
    with state.locked(name):
        current, spec = _target(name, node_name)
        _running(current, spec)
        _clear_impairment(current, spec)
        if delay_ms is not None:
            _start_delayer(current, spec, delay_ms, jitter_ms or 0.0)
        node.in_netns(current, spec, ["iptables", "-w", "-N", network.FAULT_CHAIN])
        for rule in rules:
            node.in_netns(current, spec, ["iptables", "-w", "-A", network.FAULT_CHAIN, *rule])
        node.in_netns(
            current, spec, ["iptables", "-w", "-I", "INPUT", "1", "-j", network.FAULT_CHAIN]
        )


def _delayer_group(current: TestbedState, spec: NodeSpec) -> Path:
    # Inside the node's cgroup: a power cut or `down` ends the delayer with the node.
    return node.group(current, spec) / "impairment"


def _start_delayer(
    current: TestbedState, spec: NodeSpec, delay_ms: float, jitter_ms: float
) -> None:
    pid = node.init_pid(current, spec)
    node.launch(
        _delayer_group(current, spec),
        current.paths.node_dir(spec.name) / "delayer.pid",
        [
            "nsenter",
            f"--target={pid}",
            "--net",
            "--",
            sys.executable,
            "-m",
            "runbook.testbed.delayer",
            f"--queue={network.DELAY_QUEUE}",
            f"--delay-ms={delay_ms:g}",
            f"--jitter-ms={jitter_ms:g}",
        ],
        current.paths.node_dir(spec.name) / "delayer.log",
    )
    # Rules go in only once the queue has its reader, or the first packets go undelayed.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        queues = node.in_netns(current, spec, ["cat", "/proc/net/netfilter/nfnetlink_queue"])
        if any(
            line.split()[:1] == [str(network.DELAY_QUEUE)] for line in queues.stdout.splitlines()
        ):
            return
        time.sleep(0.05)
    raise TestbedError(f"the packet delayer of {spec.name} did not start")


def _clear_impairment(current: TestbedState, spec: NodeSpec) -> None:
    chain = network.FAULT_CHAIN
    if node.in_netns(current, spec, ["iptables", "-w", "-S", chain], check=False).returncode == 0:
        node.in_netns(current, spec, ["iptables", "-w", "-D", "INPUT", "-j", chain], check=False)
        node.in_netns(current, spec, ["iptables", "-w", "-F", chain])
        node.in_netns(current, spec, ["iptables", "-w", "-X", chain])
    cgroups.kill(_delayer_group(current, spec))
    cgroups.remove(_delayer_group(current, spec))


def clear(name: str, node_name: str) -> None:
    """Undo the network faults of a node: impairment removed, link up. Power stays as it is."""
    with state.locked(name):
        current, spec = _target(name, node_name)
        if node.running(current, spec):
            if shutil.which("iptables"):
                _clear_impairment(current, spec)
            if network.link_exists(spec.veth):
                network.set_link(spec.veth, up=True)
