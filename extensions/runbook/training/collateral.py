"""Collateral damage of a repair: services restarted that the fault did not touch.

Each systemd service gets a new ``InvocationID`` every time it starts, so two snapshots
of the running services (before the fault, after the repair) show exactly which ones
were restarted in between, whoever did it. What the fault itself hits is expected to
restart: the killed unit on its node, or everything on a node that lost power or was
cut off (the cluster may fence, that is, reboot it). Anything else restarted is
collateral: a repair that restarts more than it must costs the clients of those services.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from runbook.model.drill import Fault

#: Running services, each with its invocation: ``Id=`` and ``InvocationID=`` lines, one
#: blank-line separated block per unit.
SNAPSHOT = (
    "units=$(systemctl list-units --type=service --state=running --no-legend --plain "
    "| awk '{print $1}'); "
    '[ -z "$units" ] || systemctl show -p Id -p InvocationID $units'
)
#: Units that start and stop on their own (logins, bus activation): never collateral.
_IGNORED = ("user@", "user-runtime-dir@", "systemd-")

Snapshot = dict[str, str]


def parse_snapshot(text: str) -> Snapshot:
    """``{unit: invocation id}`` from :data:`SNAPSHOT`'s output."""
    units: Snapshot = {}
    for block in text.split("\n\n"):
        fields = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
        unit, invocation = fields.get("Id", ""), fields.get("InvocationID", "")
        if unit and invocation and not unit.startswith(_IGNORED):
            units[unit] = invocation
    return units


def _unit(name: str) -> str:
    return name if "." in name else f"{name}.service"


def restarted(
    before: Mapping[str, Snapshot],
    after: Mapping[str, Snapshot],
    fault: Fault,
    nodes: Sequence[str],
) -> list[str]:
    """``host unit`` for each service running before and restarted since, that the fault
    did not hit; hosts missing from either snapshot are not judged."""
    whole_node = fault.kind in ("poweroff", "outage", "link-down", "freeze")
    found = []
    for host, units in before.items():
        if host not in after or (whole_node and host in nodes):
            continue
        for unit, invocation in sorted(units.items()):
            now = after[host].get(unit)
            if now is None or now == invocation:
                continue
            if fault.unit is not None and host in nodes and unit == _unit(fault.unit):
                continue
            found.append(f"{host} {unit}")
    return found
