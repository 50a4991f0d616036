"""One run at a time on each target host too: a lock file in the host's ``/run``, naming its holder.

The control host's lock (:mod:`runbook.execution.lock`) keeps apart two runs that share a
state directory; this one keeps apart runs from two control hosts, or two state
directories, that reach the same host. The file is created with noclobber (``O_EXCL``),
so of two runs exactly one gets it; it lives in ``/run``, so a host that reboots forgets
it; and a lock whose holder is a dead process of this same control host (a run killed
with SIGKILL) is taken over. A live holder, or one on another control host, is refused
with its name, pid, scenario and start time, and the path to remove if it is gone.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass

from runbook.execution.errors import LockedError, RefusedError
from runbook.execution.shell import quote
from runbook.execution.transport import Transport
from runbook.plan.model import LOCAL_HOST

LOCK_FILE = "/run/runbook.lock"
TAKEN = 3
RELEASE_TIMEOUT = 10.0

#: Prints the lock's path first: a user who cannot write ``/run`` locks in their own
#: runtime directory (or ``/tmp``) instead, so a run as a non-root user still works.
_ACQUIRE = """set -C
lock={path}
[ -w "${{lock%/*}}" ] || lock="${{XDG_RUNTIME_DIR:-/tmp}}/runbook-$(id -u).lock"
printf '%s\\n' "$lock"
if {{ printf '%s\\n' {holder} > "$lock"; }} 2>/dev/null; then exit 0; fi
cat "$lock" 2>/dev/null
exit {taken}
"""
#: Removes the file only if it still says what it said: never someone else's fresh lock.
_REMOVE_IF = """[ "$(cat {path} 2>/dev/null)" = {content} ] && rm -f {path}
exit 0
"""


@dataclass(frozen=True, slots=True)
class Holder:
    control: str
    pid: int
    scenario: str
    run: str
    started: float

    @classmethod
    def this_run(cls, scenario: str, run_id: str) -> Holder:
        return cls(socket.gethostname(), os.getpid(), scenario, run_id, round(time.time(), 3))

    def text(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    def describe(self) -> str:
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.started))
        return (
            f"scenario {self.scenario}, pid {self.pid} on {self.control}, started {started}, "
            f"run {self.run}"
        )

    @property
    def stale(self) -> bool:
        """A run of this control host that no longer exists (killed, or this very process)."""
        if self.control != socket.gethostname():
            return False
        if self.pid == os.getpid():
            return True
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False


def _holder(text: str) -> Holder | None:
    try:
        return Holder(**json.loads(text))
    except (ValueError, TypeError):
        return None


class HostLocks:
    """The locks of one run on every remote host it touches, taken all at once."""

    def __init__(
        self, transports: Mapping[str, Transport], holder: Holder, *, path: str = LOCK_FILE
    ) -> None:
        self.transports = {n: t for n, t in transports.items() if n != LOCAL_HOST}
        self.holder = holder
        #: The lock file on each host (``/run`` unless a test says otherwise).
        self.path = path
        #: Each locked host's lock file.
        self.held: dict[str, str] = {}
        self.notes: list[str] = []

    def acquire(self) -> None:
        """Take every host's lock, or none: refuse naming each holder found."""
        if not self.transports:
            return
        with ThreadPoolExecutor(max_workers=min(len(self.transports), 16)) as pool:
            answers = dict(zip(self.transports, pool.map(self._take, self.transports), strict=True))
        problems = [problem for problem in answers.values() if problem is not None]
        if problems:
            self.release()
            kind = LockedError if all(" held by " in p for p in problems) else RefusedError
            raise kind("cannot lock the hosts of this run:\n  " + "\n  ".join(problems))

    def _take(self, name: str) -> str | None:
        transport = self.transports[name]
        script = _ACQUIRE.format(
            holder=quote(self.holder.text()), path=quote(self.path), taken=TAKEN
        )
        for _ in range(2):
            result = transport.run_script(script.encode())
            path, _, content = result.out.partition("\n")
            if result.exit_status == 0:
                self.held[name] = path
                return None
            if result.exit_status != TAKEN:
                why = result.lost or result.err.strip() or f"exit status {result.exit_status}"
                return f"{name}: cannot create {path or self.path}: {why}"
            content = content.strip()
            holder = _holder(content)
            if holder is None or not holder.stale:
                who = holder.describe() if holder is not None else f"unreadable: {content!r}"
                return (
                    f"{name} is held by another run ({who}); wait for it, or if it is gone "
                    f"remove {path} on {name}"
                )
            self.notes.append(f"{name}: took over the lock of a run that is gone ({content})")
            transport.run_script(_remove_if(path, content))
        return f"{name}: {self.path} keeps coming back; another run is starting there"

    def release(self) -> None:
        """Remove this run's lock files where the connection is still up.

        A host lost during the run keeps its file; the next run from this control host
        takes it over (its holder is gone), and a reboot of the host clears it.
        """
        held, self.held = self.held, {}
        if not held:
            return
        with ThreadPoolExecutor(max_workers=min(len(held), 16)) as pool:
            list(pool.map(self._remove, held.items()))

    def _remove(self, held: tuple[str, str]) -> None:
        name, path = held
        transport = self.transports[name]
        if transport.alive:
            transport.open()
            transport.run_script(_remove_if(path, self.holder.text()), RELEASE_TIMEOUT)


def _remove_if(path: str, content: str) -> bytes:
    return _REMOVE_IF.format(path=quote(path), content=quote(content)).encode()
