"""Light hosts for the fleet figure: a network namespace each, running nothing but sshd.

A testbed node boots a whole systemd; dozens of them do not fit on two cores (and each
holds inotify instances, a per-user kernel limit shared with every other testbed). What
the fleet figure measures is the tool's side: connections, channels and commands. So a
light host is the testbed's own Debian image seen through a private overlay, with one
``sshd`` started in it by ``chroot``, on its own address in its own network namespace,
behind a bridge of this machine. Logins get the image's ``bash`` and ``python3``, as on a
node. Nothing is written to the image: each host's writes land in its overlay's upper
directory, removed with the fleet.

Every name carries the harness's pid, so :func:`remove_stale` can clean up after a run
that was killed before its ``finally`` could.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from runbook.testbed import image, network
from runbook.testbed.ssh import sshd_answers
from runbook.testbed.system import run

SSHD_CONFIG = """\
ListenAddress {address}
HostKey /etc/runbook-light/ssh_host_ed25519_key
AuthorizedKeysFile /etc/runbook-light/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
PrintMotd no
PidFile none
MaxStartups 200
MaxSessions 64
LogLevel ERROR
"""

# Runs inside the host's own mount namespace: the overlay and /proc vanish with it.
START = (
    'mount -t overlay overlay -o "lowerdir=$1,upperdir=$2,workdir=$3" "$4" && '
    'mount -t proc proc "$4/proc" && '
    'exec chroot "$4" /usr/sbin/sshd -D -e -f /etc/runbook-light/sshd_config'
)
READY_TIMEOUT = 30.0
STALE = re.compile(r"^rl(\d+)(?:n\d+|b)$")


@dataclass(frozen=True)
class LightHost:
    name: str
    address: str
    netns: str
    veth: str


def _names(pid: int, index: int) -> tuple[str, str]:
    # Interface names are limited to 15 characters: "rl<pid>v<index>" fits.
    return f"rl{pid}n{index}", f"rl{pid}v{index}"


def _bridge(pid: int) -> str:
    return f"rl{pid}b"


class LightFleet:
    """``count`` light hosts, created on entry and removed on exit, whatever happened."""

    def __init__(self, count: int, workdir: Path) -> None:
        self.count = count
        self.workdir = workdir
        self.pid = os.getpid()
        self.bridge = _bridge(self.pid)
        self.hosts: list[LightHost] = []
        self.key = workdir / "id_ed25519"
        self.known_hosts = workdir / "known_hosts"
        self._processes: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> LightFleet:
        try:
            self._create()
        except BaseException:
            self.remove()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.remove()

    # -- creation -------------------------------------------------------------------

    def _create(self) -> None:
        rootfs = image.ensure_image().rootfs
        self.workdir.mkdir(parents=True, exist_ok=True)
        subnet = network.choose_subnet(f"bench-light-{self.pid}", None, network.routed_networks())
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "bench", "-f", self.key])
        network.create_bridge(self.bridge, subnet)
        known = []
        for index in range(1, self.count + 1):
            host = self._add_host(index, network.node_address(subnet, index), subnet)
            kind, blob = self._host_key(index).read_text().split()[:2]
            known.append(f"{host.address} {kind} {blob}\n")
            self._start_sshd(host, rootfs)
        self.known_hosts.write_text("".join(known))
        self._wait_ready()

    def _host_dir(self, index: int) -> Path:
        return self.workdir / "hosts" / str(index)

    def _host_key(self, index: int) -> Path:
        return self._host_dir(index) / "upper/etc/runbook-light/ssh_host_ed25519_key.pub"

    def _add_host(
        self, index: int, address: ipaddress.IPv4Address, subnet: ipaddress.IPv4Network
    ) -> LightHost:
        netns, veth = _names(self.pid, index)
        host = LightHost(f"light{index}", str(address), netns, veth)
        self.hosts.append(host)
        run(["ip", "netns", "add", netns])
        run(["ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", netns])
        run(["ip", "link", "set", veth, "master", self.bridge, "up"])
        run(["ip", "-n", netns, "addr", "add", f"{address}/{subnet.prefixlen}", "dev", "eth0"])
        run(["ip", "-n", netns, "link", "set", "eth0", "up"])
        run(["ip", "-n", netns, "link", "set", "lo", "up"])
        config = self._host_dir(index) / "upper/etc/runbook-light"
        config.mkdir(parents=True)
        (config / "sshd_config").write_text(SSHD_CONFIG.format(address=address))
        shutil.copy(self.key.with_suffix(".pub"), config / "authorized_keys")
        (config / "authorized_keys").chmod(0o600)
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", config / "ssh_host_ed25519_key"])
        (self._host_dir(index) / "upper/run/sshd").mkdir(parents=True, mode=0o755)
        for part in ("work", "merged"):
            (self._host_dir(index) / part).mkdir()
        return host

    def _start_sshd(self, host: LightHost, rootfs: Path) -> None:
        directory = self._host_dir(int(host.name.removeprefix("light")))
        log = open(directory / "sshd.log", "wb")  # noqa: SIM115 - the child keeps it
        with log:
            self._processes.append(
                subprocess.Popen(
                    [
                        "ip",
                        "netns",
                        "exec",
                        host.netns,
                        "unshare",
                        "--mount",
                        "--propagation",
                        "private",
                        "--",
                        "sh",
                        "-c",
                        START,
                        "sh",
                        rootfs,
                        directory / "upper",
                        directory / "work",
                        directory / "merged",
                    ],
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        waiting = list(self.hosts)
        while waiting:
            waiting = [h for h in waiting if not sshd_answers(h.address, timeout=1)]
            dead = [p for p in self._processes if p.poll() is not None]
            if dead or (waiting and time.monotonic() > deadline):
                logs = sorted(self.workdir.glob("hosts/*/sshd.log"))
                detail = "".join(p.read_text() for p in logs[:3]).strip()
                raise RuntimeError(
                    f"light hosts did not start: {len(waiting)} not answering: {detail}"
                )
            if waiting:
                time.sleep(0.1)

    # -- use ------------------------------------------------------------------------

    def inventory(self, count: int) -> Path:
        """An Ansible-style inventory of the first ``count`` hosts, as the testbed writes."""
        chosen = self.hosts[:count]
        path = self.workdir / f"inventory-{count}.yml"
        lines = [
            "all:",
            "  vars:",
            "    ansible_user: root",
            f"    ansible_ssh_private_key_file: {self.key}",
            f"    ansible_ssh_common_args: -o UserKnownHostsFile={self.known_hosts}"
            " -o StrictHostKeyChecking=yes",
            f"    runbook_known_hosts: {self.known_hosts}",
            "  hosts:",
            *[f"    {h.name}: {{ansible_host: {h.address}}}" for h in chosen],
            "  children:",
            "    controllers:",
            "      hosts:",
            *[f"        {h.name}: {{}}" for h in chosen],
        ]
        path.write_text("\n".join(lines) + "\n")
        return path

    # -- removal --------------------------------------------------------------------

    def remove(self) -> None:
        """Stop every process of every host, then remove namespaces, links and files."""
        for process in self._processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self._processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        _remove_pid(self.pid)
        shutil.rmtree(self.workdir / "hosts", ignore_errors=True)


def _remove_pid(pid: int) -> None:
    """Kill what still runs in this pid's namespaces (SSH sessions), then remove them."""
    prefix = f"rl{pid}"
    listing = run(["ip", "netns", "list"], check=False).stdout
    namespaces = [line.split()[0] for line in listing.splitlines() if line.startswith(prefix)]
    for netns in namespaces:
        pids = run(["ip", "netns", "pids", netns], check=False).stdout.split()
        for member in pids:
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(member), signal.SIGKILL)
    for netns in namespaces:
        deadline = time.monotonic() + 5
        while run(["ip", "netns", "pids", netns], check=False).stdout.strip():
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        run(["ip", "netns", "delete", netns], check=False)
    network.delete_link(_bridge(pid))


def remove_stale() -> list[int]:
    """Remove the light hosts of harness runs whose process is gone (killed runs)."""
    listing = run(["ip", "netns", "list"], check=False).stdout.split()
    links = json.loads(run(["ip", "-j", "link", "show"], check=False).stdout or "[]")
    names = listing + [link.get("ifname", "") for link in links]
    stale = set()
    for name in names:
        match = STALE.match(name)
        if match and not Path(f"/proc/{match.group(1)}").exists():
            stale.add(int(match.group(1)))
    for pid in sorted(stale):
        _remove_pid(pid)
    return sorted(stale)
