"""SSH to testbed nodes: the testbed's own key, node host keys and known_hosts."""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Sequence
from pathlib import Path

from runbook.errors import TestbedError
from runbook.testbed import fs
from runbook.testbed.paths import TestbedPaths
from runbook.testbed.system import run

HOST_KEY_TYPES = ("ed25519", "ecdsa", "rsa")


def generate_client_key(key: Path, comment: str) -> None:
    """The testbed's key pair: root on every node accepts it and nothing else."""
    if key.exists():
        return
    key.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", key])


def generate_host_keys(prefix: Path) -> None:
    """A node's host keys, made on the host so they can be checked against what sshd offers.

    ``ssh-keygen -A -f PREFIX`` writes PREFIX/etc/ssh/ssh_host_*_key(.pub).
    """
    (prefix / "etc/ssh").mkdir(parents=True, exist_ok=True)
    run(["ssh-keygen", "-A", "-f", prefix])


def host_public_keys(prefix: Path) -> set[tuple[str, str]]:
    """(type, base64) of each host key kept under ``prefix``."""
    keys = set()
    for pub in (prefix / "etc/ssh").glob("ssh_host_*_key.pub"):
        kind, blob = pub.read_text().split()[:2]
        keys.add((kind, blob))
    return keys


def install_host_keys(prefix: Path, root: Path) -> None:
    target = root / "etc/ssh"
    target.mkdir(parents=True, exist_ok=True)
    for key in (prefix / "etc/ssh").glob("ssh_host_*"):
        shutil.copy2(key, target / key.name)


def sshd_answers(address: str, timeout: float = 2) -> bool:
    """True once something accepts a connection on port 22 and sends an SSH banner."""
    try:
        with socket.create_connection((address, 22), timeout=timeout) as conn:
            conn.settimeout(timeout)
            return conn.recv(8).startswith(b"SSH-")
    except OSError:
        return False


def scan_host_keys(address: str) -> set[tuple[str, str]]:
    """The host keys sshd really offers at ``address`` (ssh-keyscan)."""
    result = run(
        ["ssh-keyscan", "-T", "5", "-t", ",".join(HOST_KEY_TYPES), address],
        check=False,
        timeout=30,
    )
    keys = set()
    for line in result.stdout.splitlines():
        fields = line.split()
        if len(fields) >= 3 and not line.startswith("#"):
            keys.add((fields[1], fields[2]))
    return keys


def known_hosts_lines(name: str, address: str, keys: set[tuple[str, str]]) -> list[str]:
    """known_hosts entries naming the node both by name and by address."""
    return [f"{name},{address} {kind} {blob}" for kind, blob in sorted(keys)]


def write_known_hosts(paths: TestbedPaths, lines: Sequence[str]) -> None:
    fs.atomic_write(paths.known_hosts, "".join(f"{line}\n" for line in lines), mode=0o644)


def ssh_options(paths: TestbedPaths) -> list[str]:
    """Options that pin the testbed's key and known_hosts: no prompt, no trust on first use."""
    return [
        "-i",
        str(paths.private_key),
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        f"UserKnownHostsFile={paths.known_hosts}",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "GlobalKnownHostsFile=/dev/null",
        "-o",
        "LogLevel=ERROR",
    ]


def ssh_argv(
    paths: TestbedPaths, address: str, command: Sequence[str] = (), *, interactive: bool = False
) -> list[str]:
    argv = ["ssh", *ssh_options(paths)]
    if interactive:
        argv += ["-t"] if command else []
    else:
        argv += ["-o", "BatchMode=yes", "-o", "ConnectTimeout=5"]
    return [*argv, f"root@{address}", *command]


def ssh_run(
    paths: TestbedPaths, address: str, command: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run a shell command line on a node over real SSH; the result is returned, not judged."""
    try:
        return subprocess.run(
            ssh_argv(paths, address, [command]),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise TestbedError(f"ssh to {address} did not finish in {timeout} s: {command}") from error
