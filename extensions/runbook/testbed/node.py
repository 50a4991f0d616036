"""One node's lifecycle: its overlay root, its configuration, and its systemd-nspawn boot."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from runbook.errors import TestbedError
from runbook.testbed import cgroups, fence, fs, network, ssh
from runbook.testbed.state import NodeSpec, TestbedState
from runbook.testbed.system import pid_alive, run, tail

NSPAWN_RUN = Path("/run/systemd/nspawn")
NETWORK_FILE = "etc/systemd/network/10-runbook-host0.network"
# Places nspawn in the node's cgroup and records its PID, then becomes nspawn, so no
# process of the node ever runs outside the cgroup. Values arrive as arguments only.
_LAUNCHER = 'echo $$ > "$0/cgroup.procs" && echo $$ > "$1" && shift && exec "$@"'


def group(state: TestbedState, node: NodeSpec) -> Path:
    return cgroups.node_group(state.name, node.name)


def mount(state: TestbedState, node: NodeSpec, lower: Path) -> None:
    """Give the node a writable root: the shared image below, its own upper layer above."""
    paths = state.paths
    for directory in (paths.upper(node.name), paths.work(node.name), paths.rootfs(node.name)):
        directory.mkdir(parents=True, exist_ok=True)
    if fs.is_mounted(paths.rootfs(node.name)):
        return
    options = ",".join(
        [
            f"lowerdir={lower}",
            f"upperdir={paths.upper(node.name)}",
            f"workdir={paths.work(node.name)}",
            # Snapshots copy upper layers between mounts; an index would tie them to one.
            "index=off",
        ]
    )
    run(["mount", "-t", "overlay", "overlay", "-o", options, paths.rootfs(node.name)])


def unmount(state: TestbedState, node: NodeSpec) -> None:
    fs.unmount_under(state.paths.rootfs(node.name))


HOSTS_BEGIN = "# BEGIN runbook testbed: the nodes (rewritten at each boot, edit outside)"
HOSTS_END = "# END runbook testbed"
LOCALHOST = ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback"]


def hosts_file(state: TestbedState, existing: str = "") -> str:
    """/etc/hosts naming every node, keeping whatever a scenario added outside our block."""
    kept: list[str] = []
    inside = False
    for line in existing.splitlines():
        if line.strip() == HOSTS_BEGIN:
            inside = True
        elif line.strip() == HOSTS_END:
            inside = False
        elif not inside:
            kept.append(line)
    if not any("localhost" in line.split("#", 1)[0] for line in kept):
        kept = LOCALHOST + kept
    block = [HOSTS_BEGIN, *(f"{other.address}\t{other.name}" for other in state.nodes), HOSTS_END]
    return "\n".join([*kept, *block]) + "\n"


def network_file(state: TestbedState, node: NodeSpec) -> str:
    """A static address and nothing else: no gateway, so no route off the machine.

    The name sorts before nspawn's 80-container-host0.network, whose DHCP would win.
    """
    prefix = state.subnet.split("/")[1]
    return (
        "[Match]\nName=host0\n\n"
        f"[Network]\nAddress={node.address}/{prefix}\n"
        "LinkLocalAddressing=no\nIPv6AcceptRA=no\nLLDP=no\nEmitLLDP=no\n"
    )


def configure(state: TestbedState, node: NodeSpec) -> None:
    """Write what makes this node itself into its (mounted) root.

    Run before every boot (creation, `poweron`, `reset`, `restore`), so a node always has
    the testbed's names, addresses and keys, whatever layer it was brought back from;
    what a scenario added to /etc/hosts or authorized_keys stays.
    """
    paths = state.paths
    root = paths.rootfs(node.name)
    (root / "etc/hostname").write_text(f"{node.name}\n")
    hosts = root / "etc/hosts"
    hosts.write_text(hosts_file(state, hosts.read_text() if hosts.exists() else ""))
    (root / "etc/machine-id").write_text(f"{node.machine_id}\n")
    network = root / NETWORK_FILE
    network.parent.mkdir(parents=True, exist_ok=True)
    network.write_text(network_file(state, node))
    sshd = root / "etc/ssh/sshd_config.d/runbook-testbed.conf"
    sshd.parent.mkdir(parents=True, exist_ok=True)
    sshd.write_text("PermitRootLogin prohibit-password\nPasswordAuthentication no\nUseDNS no\n")
    ssh.install_host_keys(paths.host_keys(node.name), root)
    dot_ssh = root / "root/.ssh"
    dot_ssh.mkdir(parents=True, exist_ok=True)
    dot_ssh.chmod(0o700)
    authorized = dot_ssh / "authorized_keys"
    ours = paths.private_key.with_suffix(".pub").read_text().strip()
    keys = authorized.read_text().splitlines() if authorized.exists() else []
    if ours not in keys:  # keys a scenario added stay
        authorized.write_text("\n".join([*keys, ours]) + "\n")
    authorized.chmod(0o600)
    fence.install_on_node(state, root)


def nspawn_argv(state: TestbedState, node: NodeSpec) -> list[str]:
    return [
        "systemd-nspawn",
        f"--directory={state.paths.rootfs(node.name)}",
        f"--machine={node.machine}",
        f"--hostname={node.name}",
        "--boot",
        # There is no machined or system bus on the host to register with.
        "--register=no",
        "--keep-unit",
        f"--network-bridge={state.bridge}",
        "--link-journal=no",
        "--resolv-conf=off",
        "--timezone=off",
        "--console=read-only",
    ]


def nspawn_pid(state: TestbedState, node: NodeSpec) -> int | None:
    try:
        pid = int(state.paths.pid_file(node.name).read_text())
    except (OSError, ValueError):
        return None
    return pid if pid_alive(pid) else None


def running(state: TestbedState, node: NodeSpec) -> bool:
    return cgroups.populated(group(state, node))


def start(state: TestbedState, node: NodeSpec) -> None:
    """Boot the node in the background; `wait_ready` tells when it can be used."""
    if running(state, node):
        return
    _clear_nspawn_leftovers(node)
    _remove_stale_link(node, wait=0)
    try:
        launch(
            group(state, node),
            state.paths.pid_file(node.name),
            nspawn_argv(state, node),
            state.paths.console_log(node.name),
        )
    except TestbedError as error:
        raise TestbedError(f"node {node.name} did not start: {error}") from error


def console_tail(state: TestbedState, node: NodeSpec) -> str:
    try:
        text = state.paths.console_log(node.name).read_text(errors="replace")
    except OSError:
        return "(no console output)"
    return tail(text)


def stop(
    state: TestbedState, node: NodeSpec, *, graceful: bool = True, timeout: float = 30
) -> None:
    """Shut the node down: cleanly (like `poweroff`) or at once (like pulling the cord)."""
    cgroup = group(state, node)
    pid = nspawn_pid(state, node)
    if graceful and pid is not None:
        # nspawn turns SIGTERM into an orderly shutdown of the node's systemd.
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
    cgroups.kill(cgroup)
    state.paths.pid_file(node.name).unlink(missing_ok=True)
    _clear_nspawn_leftovers(node)
    forget_image_lock(state.paths.rootfs(node.name))
    _remove_stale_link(node)


def _remove_stale_link(node: NodeSpec, wait: float = 5) -> None:
    """Make sure the node's old link is gone before it can boot again.

    The kernel destroys a dead node's network namespace, and the link with it, a moment
    after its last process exits (later still on a busy machine); nspawn refuses to boot
    while the old link still holds the name.
    """
    deadline = time.monotonic() + wait
    while network.link_exists(node.veth):
        if time.monotonic() > deadline:
            network.delete_link(node.veth)
            return
        time.sleep(0.1)


def _clear_nspawn_leftovers(node: NodeSpec) -> None:
    """nspawn leaves a per-machine directory in /run when /run is not a tmpfs."""
    fs.remove_tree(NSPAWN_RUN / "propagate" / node.machine)


def forget_image_lock(rootfs: Path) -> None:
    """Remove the lock file nspawn keeps per booted root (named by device and inode)."""
    if not fs.is_mounted(rootfs):
        return
    info = os.stat(rootfs)
    (NSPAWN_RUN / "locks" / f"inode-{info.st_dev}:{info.st_ino}").unlink(missing_ok=True)


def init_pid(state: TestbedState, node: NodeSpec) -> int:
    """The host PID of the node's systemd (PID 1 inside), to enter its namespaces."""
    pid = nspawn_pid(state, node)
    if pid is not None:
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            children = []
        for child in children:
            try:
                status = Path(f"/proc/{child}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("NSpid:") and line.split()[-1] == "1":
                    return int(child)
    raise TestbedError(f"node {node.name} of testbed {state.name!r} is not running")


def in_netns(
    state: TestbedState, node: NodeSpec, argv: list[str], *, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run a host tool (iptables, ...) inside the node's network namespace only."""
    pid = init_pid(state, node)
    return run(["nsenter", f"--target={pid}", "--net", "--", *argv], check=check)


def launch(cgroup: Path, pid_file: Path, argv: list[str], log_file: Path) -> int:
    """Start a detached process inside ``cgroup``; returns its PID once it is recorded.

    setsid -f: the process is not our child, so it outlives this command and never
    lingers as a zombie of a long-lived caller such as a test session.
    """
    cgroups.create(cgroup)
    pid_file.unlink(missing_ok=True)
    with open(log_file, "ab") as output:
        launcher = subprocess.run(
            ["setsid", "-f", "sh", "-c", _LAUNCHER, str(cgroup), str(pid_file), *argv],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            check=False,
        )
    deadline = time.monotonic() + 10
    while launcher.returncode == 0 and time.monotonic() < deadline:
        try:
            return int(pid_file.read_text())
        except (OSError, ValueError):
            time.sleep(0.05)
    raise TestbedError(f"could not start {argv[0]}: {tail(log_file.read_text(errors='replace'))}")


def exec_in(
    state: TestbedState, node: NodeSpec, argv: list[str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run a command inside the node from the host, without its network (faults need that)."""
    pid = init_pid(state, node)
    return run(
        ["nsenter", f"--target={pid}", "--mount", "--uts", "--ipc", "--net", "--pid", "--", *argv],
        check=False,
        timeout=timeout,
    )
