"""Fencing for real: the guide's cluster on three nodes, its fence devices and what they prevent.

One deployment for the module (basic-cluster and lb: the fence devices, the virtual IP and
HAProxy, about 3 minutes; the seven tests then take about 2.5 minutes). Each test injects
one fault and watches, from outside the cluster, that the lost node is powered off by the
fence device before its resources start elsewhere, and that no resource ever runs on two
nodes at once. Each test leaves the cluster whole again for the next one, and says how long
it takes.
"""

from __future__ import annotations

import re
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from runbook.errors import TestbedError
from runbook.testbed import fence, node
from runbook.testbed.pytest_support import TestbedHandle, remove_stale, session_name
from runbook.testbed.pytest_support import testbed_session as started_testbed

from .guide_support import run_scenario, ssh_ok, vip_for, wait_for

pytestmark = [pytest.mark.testbed, pytest.mark.timeout(1200)]

PREFIX = "fencing"
#: The longest a lost node may stay unfenced: corosync's token loss (about 3 s), the
#: fencer's choice of a device, then fence_virsh's login and power cut, with margin for a
#: busy two-core CI machine.
FENCE_DEADLINE = 60


@dataclass(frozen=True)
class Cluster:
    testbed: TestbedHandle
    vip: str

    @property
    def host(self) -> str:
        return self.testbed.state.host_address

    def fence_virsh(self, on: str, *options: str) -> subprocess.CompletedProcess[str]:
        """Debian's fence_virsh run by hand on node ``on``, against the testbed's device."""
        command = (
            f"fence_virsh --ip {self.host} --ipport {fence.PORT} --username {fence.USER}"
            f" --identity-file /{fence.NODE_KEY} " + " ".join(options)
        )
        return self.testbed.ssh(on, command, timeout=90)

    def fence_events(self) -> list[str]:
        """The device's event log: one line per request, with who asked and what it did."""
        path = self.testbed.state.paths.fence_log
        return path.read_text().splitlines() if path.exists() else []

    def powered(self, name: str) -> bool:
        return node.running(self.testbed.state, self.testbed.state.node(name))

    def boot_id(self, name: str) -> str:
        state = self.testbed.state
        read = ["cat", "/proc/sys/kernel/random/boot_id"]
        return node.exec_in(state, state.node(name), read).stdout

    def vip_holders(self) -> set[str]:
        """Nodes whose network namespace has the VIP right now, seen from the host.

        Asked of each node's kernel, not of Pacemaker: a frozen or cut-off node cannot
        report what it holds, but its kernel still answers for the address.
        """
        holders = set()
        state = self.testbed.state
        for spec in state.nodes:
            try:
                shown = node.in_netns(state, spec, ["ip", "-o", "-4", "addr", "show"], check=False)
            except TestbedError:  # powered off: holds nothing
                continue
            if f" {self.vip}/" in shown.stdout:
                holders.add(spec.name)
        return holders

    def online(self, asked: str) -> set[str]:
        result = self.testbed.ssh(asked, "crm_mon --one-shot --output-as=xml", timeout=30)
        # crm_mon writes its errors into the XML on stdout: keep them for the report.
        assert result.returncode == 0, f"{asked}: crm_mon failed: {result.stdout}{result.stderr}"
        return set(re.findall(r'<node name="(\w+)"[^>]* online="true"', result.stdout))

    def rejoined(self, name: str, timeout: float = 150) -> bool:
        """``name`` back in the cluster after a fault; if it is not, power-cycle it, as an
        operator would a node left out, and say what it reported."""
        try:
            wait_for(lambda: name in self.online("node1"), f"{name} to rejoin", timeout=timeout)
            return True
        except AssertionError as error:
            units = self.testbed.ssh(name, "systemctl is-active corosync pacemaker", timeout=30)
            print(f"{name} did not rejoin ({error}); units: {units.stdout.split()}; power-cycled")
            self.testbed.poweroff(name)
            self.testbed.poweron(name)
            return False

    def wait_whole(self, timeout: float = 240) -> None:
        """Every node online in the cluster, every fence device and the VIP started."""
        nodes = set(self.testbed.nodes)
        for name in self.testbed.nodes:
            wait_for(
                lambda name=name: self.online(name) == nodes,
                f"{name} to see every node online",
                timeout=timeout,
            )
        wait_for(
            lambda: (
                ssh_ok(self.testbed, "node1", "pcs stonith status").count("Started") == len(nodes)
            ),
            "every fence device to be started",
            timeout=timeout,
        )
        wait_for(lambda: len(self.vip_holders()) == 1, "the VIP to run once", timeout=timeout)


@dataclass
class VipWatch:
    """Samples which nodes hold the VIP, every 0.2 s, while a fault plays out."""

    cluster: Cluster
    samples: list[tuple[float, frozenset[str]]] = field(default_factory=list)
    stopped: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.stopped.is_set():
            self.samples.append((time.monotonic(), frozenset(self.cluster.vip_holders())))
            time.sleep(0.2)

    def twice(self) -> list[tuple[float, frozenset[str]]]:
        return [sample for sample in self.samples if len(sample[1]) > 1]


@pytest.fixture
def vip_watch(cluster: Cluster) -> Iterator[VipWatch]:
    watch = VipWatch(cluster)
    thread = threading.Thread(target=watch.run, daemon=True)
    thread.start()
    yield watch
    watch.stopped.set()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    remove_stale(PREFIX)
    with started_testbed(session_name(PREFIX), nodes=3) as testbed:
        vip = vip_for(testbed)
        state_dir = tmp_path_factory.mktemp("runbook-state")
        for scenario in ("basic-cluster", "lb"):
            run_scenario(testbed, scenario, vip, state_dir)
        yield Cluster(testbed, vip)


def wait_fenced(cluster: Cluster, victim: str, since: int) -> str:
    """The device's record of ``victim`` powered off (after event ``since``); its line."""
    pattern = f"asked 'virsh destroy {victim}': off"
    return wait_for(
        lambda: next((e for e in cluster.fence_events()[since:] if pattern in e), None),
        f"the fence device to power {victim} off",
        timeout=FENCE_DEADLINE,
        every=0.2,
    )


def fenced_after_fault(
    cluster: Cluster, victim: str, fault: Callable[[str], None]
) -> tuple[str, float, str]:
    """Put the VIP on ``victim``, inject ``fault`` there, wait for the device to cut it.

    Returns the device's event, the seconds from the fault to the power cut, and the
    victim's boot id before the fault (to prove the reboot afterwards).
    """
    move_vip(cluster, victim)
    boot = cluster.boot_id(victim)
    since = len(cluster.fence_events())
    started = time.monotonic()
    fault(victim)
    event = wait_fenced(cluster, victim, since)
    return event, time.monotonic() - started, boot


def whole_after_reboot(cluster: Cluster, victim: str, boot: str, watch: VipWatch) -> None:
    """The fence's reboot brings ``victim`` back; the VIP was never on two nodes meanwhile."""
    wait_for(lambda: cluster.powered(victim), f"the fence device to power {victim} on again")
    cluster.wait_whole()
    assert cluster.boot_id(victim) != boot
    watch.stopped.set()
    assert not watch.twice(), watch.twice()


def requester(event: str, cluster: Cluster) -> str:
    address = event.split()[1]
    return next(n for n in cluster.testbed.nodes if cluster.testbed.address(n) == address)


def move_vip(cluster: Cluster, to: str) -> None:
    """Put the VIP on ``to``, where stickiness keeps it (pcs refuses a move to where it is)."""
    if cluster.vip_holders() != {to}:
        # pcs 0.11 moves the resource, then drops the constraint it used to move it.
        ssh_ok(cluster.testbed, "node1", f"pcs resource move vip {to} --wait=60", timeout=120)
    wait_for(lambda: cluster.vip_holders() == {to}, f"the VIP to run on {to}")


def test_the_testbed_runs_the_guide_with_fencing_on(cluster: Cluster) -> None:
    """Read-only, about 7 s: one fence_virsh device per node, stonith-enabled=true."""
    testbed = cluster.testbed
    enabled = ssh_ok(
        testbed, "node1", "crm_attribute --type crm_config --name stonith-enabled --query --quiet"
    )
    assert enabled.strip() == "true"
    config = ssh_ok(testbed, "node1", "pcs stonith config")
    for name in testbed.nodes:
        assert f"Resource: fence-{name} (class=stonith type=fence_virsh)" in config
    status = ssh_ok(testbed, "node1", "pcs stonith status")
    assert status.count("Started") == len(testbed.nodes), status


@pytest.mark.proves(
    "fencing",
    "`pcs stonith fence node2 --off` on the testbed's deployed cluster",
    "The testbed's fence device powers node2 off for real (its power control says so, and "
    "`fence_virsh -o status` says OFF); `fence_virsh -o on` powers it on and it rejoins.",
)
def test_the_fence_device_powers_a_node_off_for_real_and_tells_its_state(
    cluster: Cluster,
) -> None:
    """About 30 s: fence_virsh status and list, `pcs stonith fence --off`, then power on."""
    testbed = cluster.testbed
    status = cluster.fence_virsh("node1", "--plug", "node2", "--action", "status")
    assert (status.returncode, status.stdout.strip()) == (0, "Status: ON"), status.stderr
    listed = cluster.fence_virsh("node1", "--action", "list")
    assert listed.returncode == 0, listed.stderr
    assert {line.split(",")[0] for line in listed.stdout.split()} == set(testbed.nodes)

    since = len(cluster.fence_events())
    ssh_ok(testbed, "node1", "pcs stonith fence node2 --off", timeout=120)
    event = wait_fenced(cluster, "node2", since)
    assert requester(event, cluster) in ("node1", "node3")
    assert not cluster.powered("node2"), "the device said off, but node2 still runs"
    off = cluster.fence_virsh("node1", "--plug", "node2", "--action", "status")
    assert (off.returncode, off.stdout.strip()) == (2, "Status: OFF"), off.stderr

    on = cluster.fence_virsh("node1", "--plug", "node2", "--action", "on")
    assert on.returncode == 0, on.stderr
    assert cluster.powered("node2")
    cluster.wait_whole()


@pytest.mark.proves(
    "fencing",
    "A fence request for a node outside the testbed, from the host itself, or with a key "
    "other than the testbed's fence key",
    "Refused: fence_virsh fails, the device logs the refusal, no node is switched off or on, "
    "and the device listens on the testbed's bridge address only.",
)
def test_the_fence_device_refuses_other_nodes_other_hosts_and_other_keys(
    cluster: Cluster,
) -> None:
    """About 8 s; nothing is switched."""
    testbed = cluster.testbed
    since = len(cluster.fence_events())
    boots = {name: cluster.boot_id(name) for name in testbed.nodes}
    # Nodes not in this testbed: unknown names, another testbed's machine name, tricks.
    for plug in ("node9", testbed.state.nodes[0].machine, "../node2", "node2;reboot"):
        refused = cluster.fence_virsh("node1", "--plug", f"'{plug}'", "--action", "off")
        assert refused.returncode != 0, plug
    # A host not in the testbed: the host itself, with the right key, is not a node.
    from_host = subprocess.run(
        [
            *("ssh", "-i", str(testbed.state.paths.fence_key), "-p", str(fence.PORT)),
            *("-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no"),
            *("-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=10"),
            f"{fence.USER}@{cluster.host}",
            "virsh destroy node2",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert from_host.returncode != 0
    # A node with a key of its own, not the testbed's fence key.
    other_key = testbed.ssh(
        "node1",
        "rm -f /tmp/other && ssh-keygen -q -t ed25519 -N '' -f /tmp/other && "
        f"ssh -i /tmp/other -o BatchMode=yes -o IdentitiesOnly=yes -p {fence.PORT} "
        f"{fence.USER}@{cluster.host} virsh destroy node2",
    )
    assert other_key.returncode != 0
    assert "Permission denied" in other_key.stderr

    events = cluster.fence_events()[since:]
    assert not [e for e in events if e.endswith(": off") or e.endswith(": on")], events
    assert any(f"refused: a connection from {cluster.host}" in e for e in events), events
    assert {name: cluster.boot_id(name) for name in testbed.nodes} == boots
    # The device listens on this testbed's bridge address and nowhere else.
    listening = subprocess.run(
        ["ss", "-Hltn", f"sport = :{fence.PORT}"], capture_output=True, text=True, check=True
    ).stdout.split()
    ours = [word for word in listening if word.endswith(f":{fence.PORT}")]
    assert f"{cluster.host}:{fence.PORT}" in ours
    assert not [w for w in ours if w.split(":")[0] in ("0.0.0.0", "*", "[::]")]


@pytest.mark.proves(
    "fencing",
    "node3's network link cut (`runbook testbed fault link-down node3`) while it holds the "
    "virtual IP",
    "The majority (node1 or node2, never node3) powers node3 off through the fence device "
    "within 60 s, then starts the VIP; sampled every 0.2 s from outside, the VIP is never on "
    "two nodes. node3 is power-cycled, rejoins, and the cluster is whole again.",
)
def test_a_cut_off_node_is_fenced_by_the_majority_and_no_resource_runs_twice(
    cluster: Cluster, vip_watch: VipWatch
) -> None:
    """About 25 s: node3 holds the VIP, its cable is pulled; the majority fences it."""
    event, fenced_after, boot = fenced_after_fault(cluster, "node3", cluster.testbed.link_down)
    # Only the majority can fence: node3, alone and without quorum, never asks (and its
    # cable is out, so it could not reach the device anyway).
    assert requester(event, cluster) in ("node1", "node2")
    assert fenced_after < FENCE_DEADLINE
    moved = wait_for(
        lambda: (holders := cluster.vip_holders()) & {"node1", "node2"} and holders,
        "the VIP to start on the majority",
    )
    assert len(moved) == 1
    # The default fence action is a reboot: the device switches node3 on again, and it
    # comes back (a power cycle replaces a testbed node's link) and rejoins.
    whole_after_reboot(cluster, "node3", boot, vip_watch)
    print(f"node3 fenced {fenced_after:.1f} s after its link went down")


@pytest.mark.proves(
    "fencing",
    "Every process of the VIP's node frozen (cgroup freezer), power still on",
    "The other nodes fence it within 60 s instead of waiting, and only then start the VIP; "
    "the VIP is never on two nodes.",
)
def test_a_hung_node_is_fenced_rather_than_waited_for(
    cluster: Cluster, vip_watch: VipWatch
) -> None:
    """About 20 s: every process of the VIP's node is frozen; it is fenced, not awaited."""
    event, fenced_after, boot = fenced_after_fault(cluster, "node2", cluster.testbed.freeze)
    assert requester(event, cluster) in ("node1", "node3")
    assert fenced_after < FENCE_DEADLINE
    wait_for(
        lambda: cluster.vip_holders() & {"node1", "node3"},
        "the VIP to start on a node that answers",
    )
    whole_after_reboot(cluster, "node2", boot, vip_watch)
    print(f"node2 fenced {fenced_after:.1f} s after it hung")


@pytest.mark.proves(
    "fencing",
    "The same hang with `stonith-enabled=false`: the contrast",
    "Nothing is fenced; the majority starts the VIP while the hung node still holds it, so "
    "two machines answer for one address, which is what fencing prevents.",
)
def test_without_fencing_a_hung_node_and_the_majority_both_hold_the_vip(
    cluster: Cluster, vip_watch: VipWatch
) -> None:
    """The contrast, about 30 s: the same hang with stonith-enabled=false.

    Quorum alone cannot help: the hung node cannot even notice it lost quorum, so it never
    stops what it holds, while the majority, which no longer waits for a fence, starts the
    VIP at once. The address is then answered by two machines. Fencing is put back after.
    """
    testbed = cluster.testbed
    move_vip(cluster, "node3")
    ssh_ok(testbed, "node1", "pcs property set stonith-enabled=false")
    since = len(cluster.fence_events())
    try:
        testbed.freeze("node3")
        twice = wait_for(
            lambda: holders if len(holders := cluster.vip_holders()) > 1 else None,
            "the majority to start a second VIP beside the hung node's",
            timeout=60,
            every=0.5,
        )
        assert "node3" in twice
        assert not [e for e in cluster.fence_events()[since:] if "destroy" in e]
    finally:
        testbed.thaw("node3")
        # As in the cut-off contrast: fencing back on once node3 is a member again.
        try:
            cluster.rejoined("node3")
        finally:
            ssh_ok(testbed, "node1", "pcs property set stonith-enabled=true")
    # Woken up, node3 still holds the VIP; Pacemaker finds it active twice and recovers.
    cluster.wait_whole(timeout=300)
    vip_watch.stopped.set()
    assert vip_watch.twice()


@pytest.mark.proves(
    "fencing",
    "The cut-off test with `stonith-enabled=false`: the contrast",
    "Nothing is fenced and node3 stays powered on; the majority starts the VIP without any "
    "proof that node3 let it go. node3, healthy but alone, drops it by itself only because "
    "it lost quorum: safety then rests on the lost node behaving well.",
)
def test_without_fencing_a_cut_off_node_is_trusted_to_stop_by_itself(
    cluster: Cluster, vip_watch: VipWatch
) -> None:
    """The contrast, about 20 s: node3's link cut again, with fencing disabled."""
    testbed = cluster.testbed
    move_vip(cluster, "node3")
    boot = cluster.boot_id("node3")
    ssh_ok(testbed, "node1", "pcs property set stonith-enabled=false")
    since = len(cluster.fence_events())
    try:
        cut = time.monotonic()
        testbed.link_down("node3")
        wait_for(
            lambda: cluster.vip_holders() & {"node1", "node2"},
            "the majority to start the VIP",
            timeout=60,
            every=0.2,
        )
        started = time.monotonic() - cut
        wait_for(
            lambda: "node3" not in cluster.vip_holders(),
            "node3 to stop the VIP on losing quorum",
            timeout=60,
            every=0.2,
        )
        dropped = time.monotonic() - cut
        assert cluster.powered("node3")
        assert cluster.boot_id("node3") == boot  # never fenced: the same boot
        assert not [e for e in cluster.fence_events()[since:] if "destroy" in e]
    finally:
        testbed.link_up("node3")
        # Fencing back on only once node3 is a member again: the cluster returns to the
        # state every other test starts from, whatever the lost node went through.
        try:
            cluster.rejoined("node3")
        finally:
            ssh_ok(testbed, "node1", "pcs property set stonith-enabled=true")
    cluster.wait_whole(timeout=300)
    vip_watch.stopped.set()
    overlap = sum(0.2 for _, holders in vip_watch.samples if len(holders) > 1)
    print(
        f"without fencing: the majority started the VIP {started:.1f} s after the cut, node3 "
        f"dropped it {dropped:.1f} s after; seen on two nodes for about {overlap:.1f} s"
    )
