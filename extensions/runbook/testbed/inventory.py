"""The testbed's inventory: Ansible's YAML inventory format, read as-is by our runner too."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import yaml

from runbook.testbed import fence, fs, network
from runbook.testbed.state import TestbedState

# Every node is a controller: the guide's controller scenarios run on all of them.
CONTROLLER_GROUP = "controllers"


def inventory_data(state: TestbedState) -> dict[str, Any]:
    """The inventory as data (pure), with absolute paths so it works from any directory."""
    paths = state.paths
    known_hosts = str(paths.known_hosts.absolute())
    return {
        "all": {
            "vars": {
                "ansible_user": "root",
                "ansible_ssh_private_key_file": str(paths.private_key.absolute()),
                "ansible_ssh_common_args": (
                    f"-o UserKnownHostsFile={known_hosts} -o StrictHostKeyChecking=yes"
                ),
                "runbook_known_hosts": known_hosts,
                "runbook_testbed": state.name,
                # The guide's virtual IP: inventory values outrank variables files, so
                # every testbed, whatever its range, gets a VIP on its own bridge.
                "vip": str(network.vip_address(ipaddress.IPv4Network(state.subnet))),
                "vip_cidr_netmask": str(ipaddress.IPv4Network(state.subnet).prefixlen),
                # basic-cluster's fence devices: each node's "power switch" is the testbed's
                # fence device on the host's bridge address (runbook.testbed.fence).
                "fence_addresses": " ".join(state.host_address for _ in state.nodes),
                "fence_options": (f"ipport={fence.PORT} identity_file=/{fence.NODE_KEY}"),
            },
            "hosts": {node.name: {"ansible_host": node.address} for node in state.nodes},
            "children": {
                CONTROLLER_GROUP: {"hosts": {node.name: {} for node in state.nodes}},
            },
        }
    }


def render(state: TestbedState) -> str:
    header = (
        f"# Inventory of the runbook testbed {state.name!r}, written by `runbook testbed up`.\n"
        "# Usable as-is by `runbook run -i` and by `ansible-playbook -i`.\n"
    )
    return header + yaml.safe_dump(
        inventory_data(state), sort_keys=False, default_flow_style=False, width=1000
    )


def write(state: TestbedState) -> Path:
    fs.atomic_write(state.paths.inventory, render(state))
    return state.paths.inventory
