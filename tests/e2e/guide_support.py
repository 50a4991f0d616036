"""Shared by the guide's end-to-end tests: run a guide scenario on a testbed, wait, probe."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from ipaddress import IPv4Address
from pathlib import Path
from typing import TypeVar

import yaml

from runbook.drills.probes import keystone_auth_body
from runbook.testbed.pytest_support import TestbedHandle

ROOT = Path(__file__).resolve().parents[2]
TESTBED_VARS = ROOT / "scenarios" / "vars" / "testbed.yml"

T = TypeVar("T")


def variables_file() -> dict[str, str]:
    """The guide's testbed variables file, as the scenarios read it."""
    return {key: str(value) for key, value in yaml.safe_load(TESTBED_VARS.read_text()).items()}


def vip_for(testbed: TestbedHandle) -> str:
    """The testbed's virtual IP: .250 of its own /24, where no node or bridge address is."""
    first = IPv4Address(testbed.address(testbed.nodes[0]))
    return str(IPv4Address(int(first) & ~0xFF | 250))


def run_scenario(testbed: TestbedHandle, scenario: str, vip: str, state_dir: Path) -> None:
    """``runbook run SCENARIO`` from the guide, as a user runs it; fails the test if it fails.

    A separate process, like the user's shell: the run's exit status, console and journal
    are the real ones, and its output is shown when the run fails.
    """
    command = [
        sys.executable,
        "-m",
        "runbook.cli.main",
        "run",
        scenario,
        "-i",
        str(testbed.inventory_path),
        "-e",
        str(TESTBED_VARS),
        "-e",
        f"vip={vip}",
        "--state-dir",
        str(state_dir),
    ]
    result = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=1200, check=False
    )
    if result.returncode != 0:
        raise AssertionError(
            f"runbook run {scenario} exited {result.returncode}\n"
            f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
        )


def ssh_ok(testbed: TestbedHandle, node: str, command: str, timeout: float = 60) -> str:
    """A command's output on a node; the test fails, with its stderr, if it fails."""
    result = testbed.ssh(node, command, timeout=timeout)
    assert result.returncode == 0, f"{node}: {command!r} failed: {result.stderr}"
    return result.stdout


def wait_for(probe: Callable[[], T], what: str, timeout: float = 180, every: float = 2) -> T:
    """``probe()``'s first truthy result; an AssertionError naming ``what`` after ``timeout``.

    Exceptions of the probe count as "not yet" until the deadline, then the last one is
    reported: a node that is still booting refuses connections for a while.
    """
    deadline = time.monotonic() + timeout
    last: object = None
    while True:
        try:
            value = probe()
        except (AssertionError, OSError, subprocess.SubprocessError) as error:
            value, last = None, error  # type: ignore[assignment]
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}: {last}")
        time.sleep(every)


def tcp_answers(address: str, port: int, timeout: float = 3) -> bool:
    """True when something accepts a TCP connection on ``address:port``."""
    try:
        with socket.create_connection((address, port), timeout=timeout):
            return True
    except OSError:
        return False


def memcached_version(address: str, port: int = 11211) -> str:
    """The answer of a memcached server to ``version``, read from this machine."""
    with socket.create_connection((address, port), timeout=5) as connection:
        connection.sendall(b"version\r\n")
        return connection.recv(128).decode().strip()


def keystone_token(address: str, password: str, port: int = 5000) -> str:
    """A token for the guide's ``admin``, asked of the Keystone at ``address`` over HTTP.

    What ``openstack token issue`` does, from this machine: the test needs no client of
    its own, and a failure says which address refused.
    """
    request = urllib.request.Request(
        f"http://{address}:{port}/v3/auth/tokens",
        data=keystone_auth_body(password).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201, f"{address}: token request answered {response.status}"
        return str(response.headers["X-Subject-Token"])


def keystone_validates(
    address: str, token: str, subject: str | None = None, port: int = 5000
) -> int:
    """The HTTP status with which the Keystone at ``address``, asked with ``token``,
    validates ``subject`` (by default ``token`` itself)."""
    request = urllib.request.Request(
        f"http://{address}:{port}/v3/auth/tokens",
        headers={"X-Auth-Token": token, "X-Subject-Token": subject or token},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
