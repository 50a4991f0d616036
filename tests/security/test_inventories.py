"""Inventories that are wrong, or hosts that are not who they should be: refused before
any step runs, with what is wrong and where."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from runbook.cli.main import main

pytestmark = pytest.mark.testbed


def touching_scenario(path: Path, remote: str, hosts: str = "") -> Path:
    option = f"   :hosts: {hosts}\n" if hosts else ""
    path.write_text(
        f".. scenario:: touching\n{option}\n.. step:: Leave a mark\n\n   touch {remote}/ran\n"
    )
    return path


def inventory(bed, target: Path, edit) -> Path:
    """The testbed's inventory, changed by ``edit(data)``."""
    data = yaml.safe_load(bed.inventory_path.read_text())
    edit(data["all"])
    target.write_text(yaml.safe_dump(data, sort_keys=False))
    return target


def _same_address(group: dict) -> None:
    group["hosts"]["node4"] = dict(group["hosts"]["node1"])


def _unknown_group(group: dict) -> None:
    group["children"] = {"computes": {"hosts": {"node1": {}}}}


BROKEN = {
    "duplicate_host_key": (
        "inventory.yml",
        "all:\n  hosts:\n"
        "    node1: {ansible_host: 192.0.2.1}\n"
        "    node1: {ansible_host: 192.0.2.2}\n",
        "inventory.yml:4: duplicate key 'node1' (first at line 3)",
    ),
    "duplicate_host_line": (
        "hosts.txt",
        "node1 192.0.2.1\nnode1 192.0.2.2\n",
        "hosts.txt:2: host 'node1' is listed twice (first at",
    ),
}


@pytest.mark.proves(
    "bad input",
    "Inventories with a host listed twice, two hosts at one address, or no group of the "
    "name the scenario's `:hosts:` or a step's `role:` target asks for",
    "Refused before connecting (exit 3): the file and line of the duplicate, or the "
    "unknown group with the groups the inventory has. Nothing runs, no journal is written.",
)
@pytest.mark.parametrize("case", [*BROKEN, "same_address", "unknown_group"])
def test_a_wrong_inventory_is_refused_before_any_step(
    bed, remote, state_dir, tmp_path, nothing_ran, capsys, case
) -> None:
    scenario = touching_scenario(tmp_path / "s.rst", remote, hosts="controllers")
    path = tmp_path / "inventory.yml"
    if case in BROKEN:
        name, text, expected = BROKEN[case]
        path = tmp_path / name
        path.write_text(text)
    elif case == "same_address":
        inventory(bed, path, _same_address)
        expected = "hosts 'node1' and 'node4' have the same address"
    else:
        inventory(bed, path, _unknown_group)
        scenario = touching_scenario(tmp_path / "s.rst", remote, hosts="databases")
        expected = "unknown role 'databases': the inventory"
    assert main(["run", str(scenario), "-i", str(path)]) == 3
    assert expected in capsys.readouterr().err
    nothing_ran()


@pytest.mark.proves(
    "bad input",
    "An inventory with one host that cannot be reached (no node at its address)",
    "Every host is connected before the first step; the unreachable one is retried with "
    "backoff, then the run is refused (exit 3) naming it and how often it was tried. "
    "Nothing runs on the reachable hosts.",
)
def test_an_unreachable_host_is_refused_before_any_step(
    bed, remote, state_dir, tmp_path, nothing_ran, capsys
) -> None:
    absent = bed.address("node1").rsplit(".", 1)[0] + ".199"
    path = inventory(
        bed, tmp_path / "inventory.yml", lambda g: g["hosts"].update(node9={"ansible_host": absent})
    )
    scenario = touching_scenario(tmp_path / "s.rst", remote)
    args = ["--connect-timeout", "3", "--connect-retries", "1"]
    assert main(["run", str(scenario), "-i", str(path), *args]) == 3
    err = capsys.readouterr().err
    assert f"node9: cannot connect to root@{absent}:22" in err
    assert "(tried 2 times)" in err
    nothing_ran()


@pytest.mark.proves(
    "bad input",
    "A host whose key changed since it was recorded in known_hosts (even with "
    "`--accept-new-hostkeys`), or a host with no recorded key",
    "Refused before any step (exit 3): a changed key with both fingerprints and the "
    "`ssh-keygen -R` command, an unknown one with its fingerprint. Nothing runs anywhere.",
)
@pytest.mark.parametrize("known", ["changed", "unknown"])
def test_a_host_that_is_not_who_it_should_be_is_refused(
    bed, remote, state_dir, tmp_path, nothing_ran, capsys, known
) -> None:
    recorded = Path(
        yaml.safe_load(bed.inventory_path.read_text())["all"]["vars"]["runbook_known_hosts"]
    )
    lines = recorded.read_text().splitlines()
    address = bed.address("node2")
    others = [line for line in lines if address not in line.split()[0].split(",")]
    if known == "changed":
        key = tmp_path / "impostor"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
        kind, blob = (tmp_path / "impostor.pub").read_text().split()[:2]
        others.append(f"{address} {kind} {blob}")
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("\n".join(others) + "\n")

    def use(group: dict) -> None:
        group["vars"]["runbook_known_hosts"] = str(known_hosts)
        group["vars"]["ansible_ssh_common_args"] = f"-o UserKnownHostsFile={known_hosts}"

    path = inventory(bed, tmp_path / "inventory.yml", use)
    scenario = touching_scenario(tmp_path / "s.rst", remote)
    extra = ["--accept-new-hostkeys"] if known == "changed" else []
    assert main(["run", str(scenario), "-i", str(path), *extra]) == 3
    err = capsys.readouterr().err
    if known == "changed":
        assert "node2: the host key CHANGED" in err and "ssh-keygen -f" in err
    else:
        assert "node2 (" in err and "unknown host key" in err
    nothing_ran()
