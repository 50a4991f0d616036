"""One cgroup (v2) per node: the authority on which host processes belong to it.

A node is started inside its own cgroup before systemd-nspawn runs, so every process of
the node (nspawn, the node's systemd and everything under it) is found there even when
nspawn was killed and its children were orphaned. That makes `down` after a crash
complete, lets snapshots freeze a node consistently (``cgroup.freeze``) and lets a
power cut kill everything at once (``cgroup.kill``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from functools import cache
from pathlib import Path

from runbook.errors import TestbedError


@cache
def cgroup2_mount() -> Path:
    """Where the unified hierarchy is mounted (/sys/fs/cgroup, or .../unified on hybrid)."""
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        fstype = fields[fields.index("-") + 1]
        if fstype == "cgroup2":
            return Path(fields[4])
    raise TestbedError("no cgroup v2 hierarchy is mounted on this machine (the testbed needs one)")


def testbed_group(testbed: str) -> Path:
    return cgroup2_mount() / "runbook" / testbed


def node_group(testbed: str, node: str) -> Path:
    return testbed_group(testbed) / node


def create(group: Path) -> Path:
    group.mkdir(parents=True, exist_ok=True)
    return group


def pids(group: Path) -> list[int]:
    """Every process in the group and its descendants."""
    if not group.is_dir():
        return []
    found: list[int] = []
    for procs in group.rglob("cgroup.procs"):
        try:
            found += [int(pid) for pid in procs.read_text().split()]
        except OSError:
            continue  # the sub-group went away while we looked
    return found


def populated(group: Path) -> bool:
    try:
        events = (group / "cgroup.events").read_text()
    except OSError:
        return False
    return "populated 1" in events


def kill(group: Path, timeout: float = 15) -> None:
    """Kill every process of the group at once, like pulling a power cord."""
    if not group.is_dir():
        return
    deadline = time.monotonic() + timeout
    while populated(group):
        thaw(group)  # frozen processes cannot die
        if (group / "cgroup.kill").exists():
            (group / "cgroup.kill").write_text("1")
        else:  # kernels before 5.14
            for pid in pids(group):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        if time.monotonic() > deadline:
            raise TestbedError(f"processes in {group} did not die: {pids(group)}")
        time.sleep(0.1)


def remove(group: Path) -> None:
    """Remove an empty group and its sub-groups (systemd in the node made some)."""
    if not group.is_dir():
        return
    for child in sorted(
        (path for path in group.rglob("*") if path.is_dir()),
        key=lambda path: len(path.parts),
        reverse=True,
    ):
        child.rmdir()
    group.rmdir()


def freeze(group: Path, timeout: float = 30) -> None:
    (group / "cgroup.freeze").write_text("1")
    deadline = time.monotonic() + timeout
    while "frozen 1" not in (group / "cgroup.events").read_text():
        if time.monotonic() > deadline:
            raise TestbedError(f"could not freeze {group} within {timeout} s")
        time.sleep(0.05)


def frozen(group: Path) -> bool:
    try:
        return "frozen 1" in (group / "cgroup.events").read_text()
    except OSError:
        return False


def thaw(group: Path) -> None:
    if (group / "cgroup.freeze").exists():
        (group / "cgroup.freeze").write_text("0")
