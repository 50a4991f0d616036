"""One run at a time per scenario and inventory: an advisory lock file naming its holder.

``flock`` is released by the kernel when the holder dies, so a lock left by a killed run
is stale by construction and the next run simply takes it; the pid, host and start time
written inside are there to tell a person who holds a live one.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from pathlib import Path
from types import TracebackType

from runbook.execution.errors import LockedError
from runbook.execution.statedir import private_dir


class RunLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        private_dir(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _describe(os.read(fd, 4096))
            os.close(fd)
            raise LockedError(
                f"another run of this scenario against this inventory is in progress "
                f"({holder}; lock {self.path}); wait for it or stop it first"
            ) from None
        os.ftruncate(fd, 0)
        record = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}
        os.pwrite(fd, (json.dumps(record) + "\n").encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


def _describe(content: bytes) -> str:
    try:
        record = json.loads(content)
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(record["started"]))
        return f"pid {record['pid']} on {record['host']}, started {started}"
    except (ValueError, KeyError, TypeError):
        return "holder unknown"
