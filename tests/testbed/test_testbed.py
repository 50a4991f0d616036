"""The testbed for real: SSH into every node, names, routes, faults, snapshots, teardown."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from runbook.errors import TestbedError
from runbook.testbed import cgroups, fs, image, lifecycle, network, node, ssh, state
from runbook.testbed.paths import TestbedPaths
from runbook.testbed.pytest_support import session_name
from runbook.testbed.system import pid_alive

pytestmark = pytest.mark.testbed


def _loss_percent(ping_output: str) -> float:
    return float(re.search(r"([\d.]+)% packet loss", ping_output).group(1))


def _avg_rtt(ping_output: str) -> float:
    return float(re.search(r"= [\d.]+/([\d.]+)/", ping_output).group(1))


def test_every_node_answers_real_ssh_with_the_inventory_key_and_known_hosts(bed):
    inv = yaml.safe_load(bed.inventory_path.read_text())["all"]
    options = inv["vars"]["ansible_ssh_common_args"].split()
    for node_name, host in inv["hosts"].items():
        result = subprocess.run(
            [
                "ssh",
                "-i",
                inv["vars"]["ansible_ssh_private_key_file"],
                *options,
                "-o",
                "BatchMode=yes",
                f"{inv['vars']['ansible_user']}@{host['ansible_host']}",
                "hostname",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == node_name


def test_known_hosts_holds_each_nodes_own_host_keys(bed):
    lines = Path(bed.state.paths.known_hosts).read_text().splitlines()
    for spec in bed.state.nodes:
        mine = {tuple(line.split()[1:3]) for line in lines if line.startswith(f"{spec.name},")}
        assert mine == ssh.host_public_keys(bed.state.paths.host_keys(spec.name))
        assert all(f"{spec.name},{spec.address} " in line for line in lines if spec.name in line)


def test_nodes_resolve_and_ping_each_other_by_name(bed):
    for source in bed.nodes:
        for target in bed.nodes:
            result = bed.ssh(source, f"ping -c 1 -W 2 {target}")
            assert result.returncode == 0, f"{source} -> {target}: {result.stdout}{result.stderr}"
            assert bed.address(target) in result.stdout


def test_systemd_is_running_in_every_node(bed):
    for name in bed.nodes:
        assert bed.ssh(name, "systemctl is-system-running").stdout.strip() in (
            "running",
            "degraded",
        )
        assert bed.ssh(name, "cat /proc/1/comm").stdout.strip() == "systemd"


def test_nodes_have_no_default_route_and_one_address_on_the_bridge(bed):
    for name in bed.nodes:
        assert bed.ssh(name, "ip -4 route show default").stdout.strip() == ""
        routes = bed.ssh(name, "ip -4 -o route").stdout.strip().splitlines()
        assert len(routes) == 1 and routes[0].startswith(bed.state.subnet)
        assert bed.ssh(name, "ip -6 route show default").stdout.strip() == ""


def test_each_node_has_its_own_machine_id_and_host_keys(bed):
    ids = {bed.ssh(name, "cat /etc/machine-id").stdout.strip() for name in bed.nodes}
    keys = {bed.ssh(name, "cat /etc/ssh/ssh_host_ed25519_key.pub").stdout for name in bed.nodes}
    assert len(ids) == len(keys) == len(bed.nodes)


def test_the_guides_packages_are_installed_and_not_started(bed):
    result = bed.ssh("node1", "command -v pcs crm corosync mariadbd galera_new_cluster haproxy")
    assert result.returncode == 0, result.stdout + result.stderr
    assert bed.ssh("node1", "systemctl is-active mariadb pacemaker").stdout.split() == [
        "inactive",
        "inactive",
    ]


def test_ansible_uses_the_inventory_as_it_is(bed):
    ansible = shutil.which("ansible", path=os.path.dirname(sys.executable))
    assert ansible is not None, "ansible-core is pinned in requirements.lock"
    result = subprocess.run(
        [ansible, "-i", str(bed.inventory_path), "controllers", "-m", "ping", "-o"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == len(bed.nodes)


def test_a_powered_off_node_stops_answering_and_comes_back(bed):
    address = bed.address("node3")
    assert bed.ssh("node3", "echo '192.0.2.200 added-by-scenario' >> /etc/hosts").returncode == 0
    bed.poweroff("node3")
    assert not ssh.sshd_answers(address)
    assert bed.ssh("node1", "ping -c 1 -W 1 node3").returncode != 0
    assert not lifecycle.status(bed.name).nodes[2].running
    bed.poweron("node3")
    assert bed.ssh("node3", "hostname").stdout.strip() == "node3"
    # Its disk survived the power cut, and the boot-time rewrite kept the scenario's line.
    assert bed.ssh("node3", "getent hosts added-by-scenario node1").returncode == 0


def test_a_graceful_shutdown_stops_the_node_too(bed):
    bed.poweroff("node3", graceful=True)
    assert not node.running(bed.state, bed.state.node("node3"))
    bed.poweron("node3")
    assert bed.ssh("node3", "systemctl is-system-running").stdout.strip() in ("running", "degraded")


def test_netem_loss_is_visible_in_ping(bed):
    bed.netem("node2", loss=50)
    try:
        lossy = bed.ssh("node1", "ping -c 60 -i 0.05 -W 1 -q node2").stdout
        assert 20 <= _loss_percent(lossy) <= 80, lossy
    finally:
        bed.clear("node2")
    clean = bed.ssh("node1", "ping -c 10 -i 0.05 -W 1 -q node2").stdout
    assert _loss_percent(clean) == 0, clean


def test_netem_delay_is_visible_in_ping(bed):
    bed.netem("node2", delay_ms=120)
    try:
        slow = bed.ssh("node1", "ping -c 5 -i 0.2 -q node2").stdout
        assert _avg_rtt(slow) >= 110, slow
    finally:
        bed.clear("node2")
    assert _avg_rtt(bed.ssh("node1", "ping -c 3 -i 0.2 -q node2").stdout) < 50


def test_link_down_makes_a_node_unreachable_until_link_up(bed):
    bed.link_down("node2")
    try:
        assert bed.ssh("node1", "ping -c 2 -W 1 -q node2").returncode != 0
        assert not lifecycle.status(bed.name).nodes[1].link_up
    finally:
        bed.link_up("node2")
    deadline = time.monotonic() + 10
    while bed.ssh("node1", "ping -c 1 -W 1 node2").returncode != 0:
        assert time.monotonic() < deadline, "node2 did not come back after link up"


def test_a_frozen_node_answers_nothing_until_thawed(bed):
    bed.freeze("node3")
    try:
        # The kernel still takes the connection; the frozen sshd never says a word.
        assert not ssh.sshd_answers(bed.address("node3"), timeout=3)
        assert lifecycle.status(bed.name).nodes[2].running  # hung, not off
    finally:
        bed.thaw("node3")
    assert bed.ssh("node3", "true", timeout=30).returncode == 0


def test_the_fence_device_answers_fence_virsh_from_a_node_and_tells_power_truthfully(bed):
    from runbook.testbed import fence

    agent = (
        f"fence_virsh --ip {bed.state.host_address} --ipport {fence.PORT} --username root "
        f"--identity-file /{fence.NODE_KEY} --plug node2"
    )
    status = bed.ssh("node1", f"{agent} --action status")
    assert (status.returncode, status.stdout.strip()) == (0, "Status: ON"), status.stderr
    bed.poweroff("node2")
    try:
        off = bed.ssh("node1", f"{agent} --action status")
        assert (off.returncode, off.stdout.strip()) == (2, "Status: OFF"), off.stderr
        on = bed.ssh("node1", f"{agent} --action on")
        assert on.returncode == 0, on.stderr
        assert lifecycle.status(bed.name).nodes[1].running
    finally:
        bed.poweron("node2")
    events = bed.state.paths.fence_log.read_text()
    assert f"{bed.address('node1')} asked 'virsh start node2': on" in events


def test_a_killed_service_is_dead(bed):
    assert bed.ssh("node2", "systemd-run --unit=rbvictim sleep infinity").returncode == 0
    assert bed.ssh("node2", "systemctl is-active rbvictim").stdout.strip() == "active"
    bed.kill_service("node2", "rbvictim")
    time.sleep(0.5)
    assert bed.ssh("node2", "systemctl is-active rbvictim").stdout.strip() in ("failed", "inactive")
    assert bed.ssh("node2", "pgrep -x sleep").returncode != 0


def test_killing_a_service_that_is_not_running_says_so(bed):
    with pytest.raises(TestbedError, match="not running"):
        bed.kill_service("node1", "mariadb")


def test_snapshot_restore_brings_a_file_back_and_reset_wipes_it(bed):
    from runbook.testbed import snapshots

    assert bed.ssh("node1", "echo checkpoint > /root/marker").returncode == 0
    snapshots.snapshot(bed.name, "marked", replace=True)
    assert bed.ssh("node1", "rm /root/marker && echo later > /root/after").returncode == 0
    snapshots.restore(bed.name, "marked")
    assert bed.ssh("node1", "cat /root/marker").stdout.strip() == "checkpoint"
    assert bed.ssh("node1", "test -e /root/after").returncode != 0
    assert "marked" in snapshots.list_snapshots(bed.name)
    lifecycle.reset(bed.name)
    assert bed.ssh("node1", "test -e /root/marker").returncode != 0
    assert bed.ssh("node1", "hostname").stdout.strip() == "node1"


def test_second_up_reuses_the_image_and_the_running_nodes(bed):
    built = image.Image(key=bed.state.image_key, packages=())
    marker = built.path / image.COMPLETE_MARKER
    before = (marker.stat().st_ino, marker.read_text())
    pids = {spec.name: node.nspawn_pid(bed.state, spec) for spec in bed.state.nodes}
    again = lifecycle.up(bed.name)
    assert again == bed.state
    assert (marker.stat().st_ino, marker.read_text()) == before
    assert not list(built.path.parent.glob(".build-*"))
    assert {spec.name: node.nspawn_pid(bed.state, spec) for spec in bed.state.nodes} == pids


def test_up_refuses_a_range_that_overlaps_a_route_and_leaves_nothing(bed):
    with pytest.raises(TestbedError, match="overlaps"):
        lifecycle.up(bed.name + "x", nodes=1, subnet=bed.state.subnet)
    assert not TestbedPaths.of(bed.name + "x").root.exists()
    assert not TestbedPaths.of(bed.name + "x").lock.exists()
    assert not network.link_exists(network.bridge_name(bed.name + "x"))


def test_up_refuses_a_name_in_use_with_another_size(bed):
    with pytest.raises(TestbedError, match="in use"):
        lifecycle.up(bed.name, nodes=2)


def _leftovers(name: str) -> list[str]:
    paths = TestbedPaths.of(name)
    found = []
    if paths.root.exists():
        found.append(str(paths.root))
    if paths.lock.exists():
        found.append(str(paths.lock))
    found += [str(point) for point in fs.mounts_under(paths.root)]
    if cgroups.testbed_group(name).exists():
        found.append(str(cgroups.testbed_group(name)))
    prefix = network.veth_name(network.machine_name(name, 0)[:-1])
    links = json.loads(subprocess.run(["ip", "-j", "link"], capture_output=True, text=True).stdout)
    found += [link["ifname"] for link in links if link["ifname"].startswith(prefix)]
    if network.link_exists(network.bridge_name(name)):
        found.append(network.bridge_name(name))
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if str(paths.root) in cmdline:
            found.append(f"process {proc.name}: {cmdline}")
    return found


def test_down_after_a_crash_half_way_leaves_nothing_behind():
    name = session_name("rbt") + "c"
    crashed = lifecycle.up(name, nodes=1)
    spec = crashed.nodes[0]
    orphan = node.init_pid(crashed, spec)
    # A crash: nspawn killed outright (its node orphaned) and the state file lost.
    os.kill(node.nspawn_pid(crashed, spec), signal.SIGKILL)
    crashed.paths.state.unlink()
    assert _leftovers(name)
    assert lifecycle.down(name) is True
    assert _leftovers(name) == []
    assert not pid_alive(orphan)  # gone, or a zombie until the host's init reaps it
    assert lifecycle.down(name) is False  # idempotent
    assert state.load(name) is None
