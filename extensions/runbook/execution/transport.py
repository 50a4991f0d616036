"""The small protocol every way of running a command follows, and the local transport.

A transport runs one command line with bytes on its standard input and gives back a
:class:`CommandResult`; it never raises for a failing command. The runner holds one per
host, opened once and reused for every command of the run; ``abort()`` may be called from
another thread (Ctrl-C) and makes every command in flight return at once.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from typing import Protocol

from runbook.execution.results import CommandResult


class Transport(Protocol):
    """One host's connection; ``run`` is safe to call from one worker thread at a time."""

    host: str

    def open(self) -> None:
        """Connect; after ``abort()``, make a connection that is still up usable again."""
        ...

    @property
    def alive(self) -> bool:
        """The connection is up as far as is known without sending anything."""
        ...

    def run(self, command: str, stdin: bytes = b"", timeout: float | None = None) -> CommandResult:
        """Run ``command`` with ``stdin``; exit status -1 if killed, aborted or timed out."""
        ...

    def abort(self) -> None: ...

    def close(self) -> None: ...


class LocalTransport:
    """Commands on the control host, through bash, for ``local`` steps and for tests.

    Each command gets its own session (``start_new_session``) so that a terminal's Ctrl-C
    reaches only ``runbook``, which then stops the command itself and records the step as
    interrupted.
    """

    def __init__(self, host: str = "localhost", env: dict[str, str] | None = None) -> None:
        self.host = host
        self._env = env
        self._running: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()
        self._aborted = False

    def open(self) -> None:
        self._aborted = False

    @property
    def alive(self) -> bool:
        return True

    def run(self, command: str, stdin: bytes = b"", timeout: float | None = None) -> CommandResult:
        started = time.monotonic()
        with self._lock:
            if self._aborted:
                return CommandResult(-1, b"", b"aborted\n", 0.0)
            process = subprocess.Popen(
                ["/bin/bash", "-c", command],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=self._env,
                start_new_session=True,
            )
            self._running.add(process)
        try:
            stdout, stderr = process.communicate(stdin, timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(process)
            stdout, stderr = process.communicate()
            stderr += f"\ntimed out after {timeout:g}s\n".encode()
        finally:
            with self._lock:
                self._running.discard(process)
        status = process.returncode if process.returncode >= 0 else -1
        return CommandResult(status, stdout, stderr, time.monotonic() - started)

    def abort(self) -> None:
        with self._lock:
            self._aborted = True
            for process in list(self._running):
                _kill(process)

    def close(self) -> None:
        self.abort()


def _kill(process: subprocess.Popen[bytes]) -> None:
    """Kill the command and everything it started (its own process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
