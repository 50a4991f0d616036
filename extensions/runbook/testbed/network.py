"""A testbed's private network: names, address range, the host bridge and node links."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from collections.abc import Iterable
from pathlib import Path

from runbook.errors import TestbedError
from runbook.testbed.system import run

# Interface names are limited to 15 characters by the kernel.
IFNAMSIZ = 15
# Every testbed gets one /24 of this block; the third octet is derived from its name.
POOL = ipaddress.IPv4Network("10.213.0.0/16")
NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
MAX_NODES = 200  # node i is host .10+i of the /24, the bridge is .1


def validate_name(name: str) -> str:
    """Testbed names end up in interface, directory and machine names: keep them plain."""
    if not NAME_RE.match(name):
        raise TestbedError(
            f"invalid testbed name {name!r}: use 1-32 lowercase letters, digits or '-', "
            "starting with a letter"
        )
    return name


def _digest(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def bridge_name(name: str) -> str:
    """The host bridge of testbed ``name``: readable when the name is short enough."""
    readable = f"rb-{name}"
    if len(readable) <= IFNAMSIZ:
        return readable
    return f"rb-{name[:3]}-{_digest(name)[:7]}"


def machine_name(name: str, index: int) -> str:
    """The nspawn machine name of node ``index``, unique across testbeds.

    Short on purpose: nspawn names the host side of the node's link ``vb-<machine>`` and
    hashes it beyond 15 characters, and the fault helpers must know that name.
    """
    return f"rb{_digest(name)[:5]}n{index}"


def veth_name(machine: str) -> str:
    """The host side of a node's link, as systemd-nspawn --network-bridge names it."""
    return f"vb-{machine}"


def node_names(count: int) -> list[str]:
    return [f"node{index}" for index in range(1, count + 1)]


def node_address(subnet: ipaddress.IPv4Network, index: int) -> ipaddress.IPv4Address:
    return subnet.network_address + 10 + index


def host_address(subnet: ipaddress.IPv4Network) -> ipaddress.IPv4Address:
    return subnet.network_address + 1


def vip_address(subnet: ipaddress.IPv4Network) -> ipaddress.IPv4Address:
    """The address kept free for the guide's virtual IP (beyond the last possible node)."""
    return subnet.network_address + 250


def preferred_subnets(name: str) -> list[ipaddress.IPv4Network]:
    """Every /24 of the pool, starting at the one derived from the name.

    Deriving it keeps a testbed's addresses the same across `down` and `up`; walking on
    from there finds a free one when another network already holds it.
    """
    subnets = list(POOL.subnets(new_prefix=24))[1:-1]
    start = int(_digest(name)[:8], 16) % len(subnets)
    return subnets[start:] + subnets[:start]


def overlapping(
    subnet: ipaddress.IPv4Network, taken: Iterable[ipaddress.IPv4Network]
) -> list[ipaddress.IPv4Network]:
    return [other for other in taken if subnet.overlaps(other)]


def choose_subnet(
    name: str,
    requested: str | None,
    taken: Iterable[ipaddress.IPv4Network],
) -> ipaddress.IPv4Network:
    """The testbed's /24: the requested one if it is free, else the first free preferred one."""
    taken = list(taken)
    if requested is not None:
        try:
            subnet = ipaddress.IPv4Network(requested, strict=True)
        except ValueError as error:
            raise TestbedError(f"invalid address range {requested!r}: {error}") from error
        if subnet.prefixlen != 24:
            raise TestbedError(f"address range {requested} must be a /24")
        clash = overlapping(subnet, taken)
        if clash:
            raise TestbedError(
                f"address range {subnet} overlaps {', '.join(map(str, clash))}, already "
                "routed on this machine: choose another range with --subnet"
            )
        return subnet
    for subnet in preferred_subnets(name):
        if not overlapping(subnet, taken):
            return subnet
    raise TestbedError(f"no free /24 left in {POOL}: take down testbeds you no longer use")


def routed_networks() -> list[ipaddress.IPv4Network]:
    """Every IPv4 network the host routes or owns an address in (default routes aside)."""
    result = run(["ip", "-j", "-4", "route", "show", "table", "all"])
    networks = []
    for route in json.loads(result.stdout or "[]"):
        dst = route.get("dst", "default")
        if dst == "default":
            continue
        try:
            networks.append(ipaddress.IPv4Network(dst, strict=False))
        except ValueError:
            continue
    return networks


def link_exists(ifname: str) -> bool:
    return run(["ip", "link", "show", "dev", ifname], check=False).returncode == 0


def bridge_mac(bridge: str) -> str:
    """A fixed, locally administered MAC address for the bridge, derived from its name.

    A Linux bridge without one of its own takes the lowest MAC of its ports, and changes
    it when that port goes away: a node powered off (or fenced) would change the host's
    MAC under the other nodes' ARP caches, and they would lose the host, its SSH sessions
    and the fence device, for many seconds.
    """
    octets = bytes.fromhex(_digest(bridge)[:12])
    return ":".join(f"{byte:02x}" for byte in bytes([octets[0] & 0xFC | 0x02]) + octets[1:])


def create_bridge(bridge: str, subnet: ipaddress.IPv4Network) -> None:
    """The testbed's switch; the host's address on it is for SSH and the fence device."""
    run(["ip", "link", "add", bridge, "address", bridge_mac(bridge), "type", "bridge"])
    run(["ip", "addr", "add", f"{host_address(subnet)}/{subnet.prefixlen}", "dev", bridge])
    run(["ip", "link", "set", bridge, "up"])


def pin_bridge_mac(bridge: str) -> None:
    """Give a bridge made before `bridge_mac` existed its fixed address (once)."""
    if Path(f"/sys/class/net/{bridge}/addr_assign_type").read_text().strip() != "3":
        run(["ip", "link", "set", bridge, "address", bridge_mac(bridge)])


def delete_link(ifname: str) -> None:
    if link_exists(ifname):
        run(["ip", "link", "delete", ifname])


def set_link(ifname: str, up: bool) -> None:
    run(["ip", "link", "set", ifname, "up" if up else "down"])


def link_is_up(ifname: str) -> bool:
    result = run(["ip", "-j", "link", "show", "dev", ifname], check=False)
    if result.returncode != 0:
        return False
    return "UP" in json.loads(result.stdout)[0].get("flags", [])


# Packet faults are applied inside the node's own network namespace, on what it
# receives, so the host's firewall is never touched and the rules die with the node.
# The kernels this runs on may lack sch_netem (tc netem), so loss uses the iptables
# statistic match and delay an NFQUEUE that runbook.testbed.delayer answers late.
FAULT_CHAIN = "RUNBOOK_FAULT"
DELAY_QUEUE = 7


def impairment_rules(
    loss: float | None = None, delay_ms: float | None = None, jitter_ms: float | None = None
) -> list[list[str]]:
    """The iptables rules of the fault chain for a loss and/or delay (pure, checked early)."""
    if loss is None and delay_ms is None:
        raise TestbedError("netem needs --loss and/or --delay")
    if loss is not None and not 0 < loss <= 100:
        raise TestbedError("netem loss is a percentage above 0, at most 100")
    if delay_ms is not None and delay_ms <= 0:
        raise TestbedError("netem delay must be more than 0 ms")
    if jitter_ms and delay_ms is None:
        raise TestbedError("netem jitter needs a delay")
    if jitter_ms is not None and jitter_ms < 0:
        raise TestbedError("netem jitter must be 0 ms or more")
    rules = []
    if loss is not None:
        rules.append(
            [
                "-m",
                "statistic",
                "--mode",
                "random",
                "--probability",
                f"{loss / 100:.4f}",
                "-j",
                "DROP",
            ]
        )
    if delay_ms is not None:
        # --queue-bypass: should the delayer die, packets flow instead of vanishing.
        rules.append(["-j", "NFQUEUE", "--queue-num", str(DELAY_QUEUE), "--queue-bypass"])
    return rules
