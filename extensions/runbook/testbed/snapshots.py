"""Checkpoints of a whole testbed: every node's disk, taken at one instant, restored at once.

A snapshot freezes every running node (cgroup freezer) so the copies of their upper
layers are consistent with each other, copies them and thaws the nodes: the cluster
keeps running, like a VM snapshot of its disks. Restoring is a power cut followed by a
boot from those disks, so services recover as after a cluster-wide outage (a Galera
cluster may need bootstrapping, as it would in production).
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from pathlib import Path

from runbook.errors import TestbedError
from runbook.testbed import cgroups, fs, lifecycle, node, state
from runbook.testbed.system import require_root, run

log = logging.getLogger(__name__)

SNAPSHOT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
META = "snapshot.json"


def _validate(snapshot: str) -> str:
    if not SNAPSHOT_RE.match(snapshot):
        raise TestbedError(
            f"invalid snapshot name {snapshot!r}: use letters, digits, '.', '_' or '-'"
        )
    return snapshot


def _copy_tree(source: Path, target: Path) -> None:
    """Copy a layer exactly: owners, modes, xattrs (overlay whiteouts live in them)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    run(["cp", "-a", "--reflink=auto", source, target], timeout=1800)


def list_snapshots(name: str) -> list[str]:
    directory = lifecycle.existing(name).paths.snapshots_dir
    if not directory.is_dir():
        return []
    return sorted(p.name for p in directory.iterdir() if (p / META).is_file())


def snapshot(name: str, snapshot_name: str, *, replace: bool = False) -> Path:
    """Save every node's disk under ``snapshot_name``; the nodes keep running."""
    _validate(snapshot_name)
    require_root()
    with state.locked(name):
        current = lifecycle.existing(name)
        paths = current.paths
        target = paths.snapshot(snapshot_name)
        if target.exists() and not replace:
            raise TestbedError(
                f"snapshot {snapshot_name!r} of testbed {name!r} exists: choose another name "
                "or replace it with --force"
            )
        building = paths.snapshots_dir / f".partial-{snapshot_name}-{os.getpid()}"
        fs.remove_tree(building)
        building.mkdir(parents=True)
        groups = [node.group(current, spec) for spec in current.nodes]
        started = time.monotonic()
        try:
            frozen = []
            try:
                for group in groups:
                    if cgroups.populated(group):
                        cgroups.freeze(group)
                        frozen.append(group)
                for spec in current.nodes:
                    _copy_tree(paths.upper(spec.name), building / spec.name / "upper")
            finally:
                for group in frozen:
                    cgroups.thaw(group)
            meta = {
                "testbed": name,
                "image_key": current.image_key,
                "nodes": [spec.name for spec in current.nodes],
                "taken_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }
            fs.atomic_write(building / META, json.dumps(meta, indent=2) + "\n")
            fs.remove_tree(target)
            os.rename(building, target)
        except BaseException:
            fs.remove_tree(building)
            raise
        log.info("snapshot %r taken in %.1f s", snapshot_name, time.monotonic() - started)
        return target


def restore(name: str, snapshot_name: str) -> None:
    """Bring every node back to the snapshot's disks and boot it; waits until usable."""
    _validate(snapshot_name)
    require_root()
    with state.locked(name):
        current = lifecycle.existing(name)
        paths = current.paths
        source = paths.snapshot(snapshot_name)
        if not (source / META).is_file():
            have = ", ".join(list_snapshots(name)) or "none"
            raise TestbedError(
                f"testbed {name!r} has no snapshot {snapshot_name!r} (snapshots: {have})"
            )
        meta = json.loads((source / META).read_text())
        if meta["nodes"] != [spec.name for spec in current.nodes]:
            raise TestbedError(f"snapshot {snapshot_name!r} was taken of other nodes")
        if meta["image_key"] != current.image_key:
            raise TestbedError(f"snapshot {snapshot_name!r} was taken on another image")
        lifecycle.discard_layers(current, current.nodes)
        for spec in current.nodes:
            _copy_tree(source / spec.name / "upper", paths.upper(spec.name))
        lifecycle.bring_up(current, lifecycle.lower_dir(current))


def delete(name: str, snapshot_name: str) -> None:
    _validate(snapshot_name)
    with state.locked(name):
        target = lifecycle.existing(name).paths.snapshot(snapshot_name)
        if not target.exists():
            raise TestbedError(f"testbed {name!r} has no snapshot {snapshot_name!r}")
        fs.remove_tree(target)
