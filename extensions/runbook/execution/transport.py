"""The small protocol every transport follows, the options of a connection, and the local transport.

A transport is one host's connection with explicit operations, as pyinfra's connectors
have: run a script, run a command line with bytes on its standard input, get and put
files (a tar stream held in memory), close. Each gives back a
:class:`~runbook.execution.results.CommandResult` and never raises for a failing
command; a time limit that ran out is the result's ``timed_out``, as Invoke's ``Result``
carries it, never text in the output. The runner holds one transport per host, opened
once and reused for every command of the run; ``abort()`` may be called from another
thread (Ctrl-C) and makes every command in flight return at once.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from runbook.execution.copying import UNPACK, pack_command
from runbook.execution.results import CommandResult
from runbook.execution.shell import BASH


@dataclass(frozen=True, slots=True)
class ConnectOptions:
    """How a remote transport connects: host key policy, time limits and retries.

    A connection that cannot be made (refused, timed out, no route) is tried again
    ``retries`` times, ``backoff`` seconds after the first failure and twice as long after
    each next one: an sshd restarting or a link flapping is survived, a host that stays
    down is reported after a bounded wait. A host that acknowledges nothing for
    ``alive_timeout`` seconds is declared lost, even in the middle of a command.
    """

    accept_new_hostkeys: bool = False
    timeout: float = 15.0
    #: known_hosts for hosts whose inventory entry names none (``~`` is expanded).
    default_known_hosts: Path = Path("~/.ssh/known_hosts")
    retries: int = 3
    backoff: float = 1.0
    alive_timeout: float = 60.0

    def delays(self) -> list[float]:
        """The waits before each new try of a failed connection."""
        return [self.backoff * 2**number for number in range(max(self.retries, 0))]


class Transport(Protocol):
    """One host's connection; each operation is safe from one worker thread at a time.

    Every operation returns exit status -1 when its command was killed, aborted, timed out
    (``timed_out`` set) or lost with its connection (``lost`` set).
    """

    host: str

    def open(self) -> None:
        """Connect; after ``abort()``, make a connection that is still up usable again."""
        ...

    @property
    def alive(self) -> bool:
        """The connection is up as far as is known without sending anything."""
        ...

    def run_script(self, script: bytes, timeout: float | None = None) -> CommandResult:
        """Run ``script`` (shell text, see :func:`~runbook.execution.shell.script_text`)
        in a new bash that reads it from its standard input, never from a command line."""
        ...

    def run_command(
        self, command: str, stdin: bytes = b"", timeout: float | None = None
    ) -> CommandResult:
        """Run the command line ``command`` in the login shell, ``stdin`` on its input."""
        ...

    def get_files(self, paths: Sequence[str]) -> CommandResult:
        """The files at the absolute ``paths`` as one tar stream, on the result's stdout."""
        ...

    def put_files(self, archive: bytes) -> CommandResult:
        """Unpack a tar stream made by :meth:`get_files` at the root of the host."""
        ...

    def abort(self) -> None:
        """Make every command in flight return now, and any later one at once."""
        ...

    def close(self) -> None: ...


class OverCommandLines(ABC):
    """The operations a transport builds on its ``run_command``.

    A script is fed to :data:`~runbook.execution.shell.BASH` on its standard input (a
    transport with a faster way, such as the SSH command loop, overrides it); files move
    as tar on each end, so that what a copy keeps (owners, modes, times) does not depend
    on how the host is reached.
    """

    @abstractmethod
    def run_command(
        self, command: str, stdin: bytes = b"", timeout: float | None = None
    ) -> CommandResult: ...

    def run_script(self, script: bytes, timeout: float | None = None) -> CommandResult:
        return self.run_command(BASH, script, timeout)

    def get_files(self, paths: Sequence[str]) -> CommandResult:
        return self.run_command(pack_command(paths))

    def put_files(self, archive: bytes) -> CommandResult:
        return self.run_command(UNPACK, archive)


class LocalTransport(OverCommandLines):
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

    def run_command(
        self, command: str, stdin: bytes = b"", timeout: float | None = None
    ) -> CommandResult:
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
        timed_out = False
        try:
            stdout, stderr = process.communicate(stdin, timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill(process)
            stdout, stderr = process.communicate()
        finally:
            with self._lock:
                self._running.discard(process)
        status = process.returncode if process.returncode >= 0 and not timed_out else -1
        duration = time.monotonic() - started
        return CommandResult(status, stdout, stderr, duration, timed_out=timed_out)

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
