"""Faults to inject into a running testbed, for reliability tests and training drills.

Each helper does what the real failure does, from outside the node, so the node's own
software sees the fault as it would in production: a power cut kills every process at
once, a dead link loses carrier, netem drops or delays packets on the wire.
"""

from __future__ import annotations

import re

from runbook.errors import TestbedError
from runbook.testbed import lifecycle, network, node, state
from runbook.testbed.state import NodeSpec, TestbedState

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
    """Boot a powered-off node again from its own disk; by default wait until it is usable."""
    with state.locked(name):
        current, spec = _target(name, node_name)
        if node.running(current, spec):
            return
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


def netem(
    name: str,
    node_name: str,
    *,
    loss: float | None = None,
    delay_ms: float | None = None,
    jitter_ms: float | None = None,
) -> None:
    """Drop or delay the packets going to a node (tc netem on its link's host side).

    Every packet sent to the node, by the host or any other node, crosses that link, so
    the node sees a lossy or slow network; replies it sends travel unharmed.
    """
    args = network.netem_args(loss, delay_ms, jitter_ms)
    current, spec = _target(name, node_name)
    _running(current, spec)
    network.set_netem(spec.veth, args)


def clear(name: str, node_name: str) -> None:
    """Undo the link faults of a node: netem removed, link up. Power is left as it is."""
    current, spec = _target(name, node_name)
    if node.running(current, spec) and network.link_exists(spec.veth):
        network.clear_qdisc(spec.veth)
        network.set_link(spec.veth, up=True)
