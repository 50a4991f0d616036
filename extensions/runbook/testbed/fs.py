"""Filesystem helpers that stay safe around mounts: atomic writes, unmounting, removal."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from runbook.testbed.system import run


def atomic_write(path: Path, text: str, mode: int = 0o644) -> None:
    """Write a file so readers see the old or the new content, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _unescape(field: str) -> str:
    """Undo mountinfo's octal escapes (a space is written as \\040)."""
    return re.sub(r"\\([0-7]{3})", lambda match: chr(int(match.group(1), 8)), field)


def mounts_under(path: Path) -> list[Path]:
    """Mount points at or below ``path``, deepest first (the order to unmount them in)."""
    prefix = os.path.realpath(path)
    found = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = _unescape(line.split()[4])
        if point == prefix or point.startswith(prefix.rstrip("/") + "/"):
            found.append(Path(point))
    return sorted(set(found), key=lambda p: len(p.parts), reverse=True)


def is_mounted(path: Path) -> bool:
    return Path(os.path.realpath(path)) in mounts_under(path)


def unmount_under(path: Path) -> None:
    """Unmount everything at or below ``path``; a busy mount is detached lazily."""
    for point in mounts_under(path):
        if run(["umount", point], check=False).returncode != 0:
            run(["umount", "-l", point], check=False)


def remove_tree(path: Path) -> None:
    """Remove a directory tree without ever following a mount into another filesystem.

    An interrupted build or boot can leave /proc or an overlay mounted inside the tree;
    unmounting first and ``--one-file-system`` keep ``rm`` from reaching the host.
    """
    if not path.exists() and not path.is_symlink():
        return
    unmount_under(path)
    run(["rm", "-rf", "--one-file-system", path], timeout=600)
