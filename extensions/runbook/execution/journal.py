"""The journal: every step's result per host, as JSON lines, for ``--resume`` and ``requires``.

One file per scenario and inventory (see :mod:`runbook.execution.statedir`), mode 0600.
Each record is one ``write`` of one line, written as soon as that host finishes the step,
so a run killed at any point has recorded every step it completed. The file is flushed
to disk (``fsync``) after the run's first record, after each step and at the end: a
power loss of the control host loses at most the step in progress, and one ``fsync`` per
step rather than per host keeps a fleet's workers from queueing behind the disk. A crash
leaves at most a torn last line, which the reader skips with a warning; the next run
starts on a fresh line so that its own first record is never glued to the torn one.
Records (``v`` is the format)::

    {"v":2,"t":"run","run":ID,"time":T,"scenario":S,"digest":D,"inventory":K,
     "inventory_name":"testbed default","steps":{"galera/1":FP,...},"selected":[...],
     "hosts":[...],"pid":P}
    {"v":2,"t":"host","run":ID,"time":T,"step":"galera/1","fp":FP,"host":"node1",
     "status":"ok","phase":"verify","exit":0,"duration":1.2,"message":"..."}
    {"v":2,"t":"facts","run":ID,"time":T,"host":"node1","os":"Debian GNU/Linux 12 (bookworm)",
     "packages":{"galera-4":"26.4.20-0+deb12u1","rsync":null}}
    {"v":2,"t":"end","run":ID,"time":T,"status":"done","complete":true}

Format 2 added ``inventory_name`` and the ``facts`` record (a host's OS and the version of
each package the scenario installs, null when the host did not say); format 1 journals
have neither and are read as they are. Readers skip record types and fields they do not
know, so a format only grows. No output and no variable values are written: messages are
masked like the console's.
A step is *done* on a host when that host's latest record for it says ``ok`` or
``skipped`` (its guard found it already done). ``--check`` runs write nothing.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runbook.execution.errors import ResumeError
from runbook.execution.events import (
    Event,
    HostDone,
    HostFacts,
    RunFinished,
    RunStarted,
    StepDone,
)
from runbook.execution.results import DONE_STATUSES
from runbook.execution.statedir import private_dir
from runbook.plan.model import PlannedStep

FORMAT = 2


class JournalWriter:
    """Subscribes to a run's events and appends its records."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._unsynced = False
        #: This run's outcome per (step, host): whether it counts as done.
        self._done_here: dict[tuple[str, str], bool] = {}
        self._run = ""
        self._fingerprints: dict[str, str] = {}
        self._planned: tuple[PlannedStep, ...] = ()

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self._start(event)
            self._sync()
        elif isinstance(event, StepDone) and self._fd is not None:
            self._sync()
        elif isinstance(event, HostDone) and self._fd is not None:
            outcome = event.outcome
            self._done_here[(outcome.step_id, outcome.host)] = outcome.status in DONE_STATUSES
            self._write(
                {
                    "t": "host",
                    "step": outcome.step_id,
                    "fp": self._fingerprints.get(outcome.step_id, ""),
                    "host": outcome.host,
                    "status": outcome.status,
                    "phase": outcome.phase,
                    "exit": outcome.exit_status,
                    "duration": round(outcome.duration, 3),
                    "message": outcome.message,
                }
            )
        elif isinstance(event, HostFacts) and self._fd is not None:
            self._write(
                {"t": "facts", "host": event.host, "os": event.os, "packages": event.packages}
            )
        elif isinstance(event, RunFinished) and self._fd is not None:
            complete = event.status == "done" and self._complete()
            self._write({"t": "end", "status": event.status, "complete": complete})
            self._sync()
            os.close(self._fd)
            self._fd = None

    def _start(self, event: RunStarted) -> None:
        if event.mode != "run":
            return
        self._done_here = {}
        private_dir(self.path.parent)
        self._fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        os.fchmod(self._fd, 0o600)
        size = os.fstat(self._fd).st_size
        if size and os.pread(self._fd, 1, size - 1) != b"\n":
            os.write(self._fd, b"\n")
        self._run = event.run_id
        self._planned = event.planned
        self._fingerprints = {
            p.step.id: fp for p, fp in zip(event.planned, event.fingerprints, strict=True)
        }
        self._write(
            {
                "t": "run",
                "scenario": event.scenario,
                "digest": event.digest,
                "inventory": event.inventory,
                "inventory_name": event.inventory_name,
                "steps": self._fingerprints,
                "selected": list(event.selected),
                "hosts": list(event.hosts),
                "pid": os.getpid(),
            }
        )

    def _complete(self) -> bool:
        """Every planned step done on every host, by this run or, for what it did not run,
        by the latest earlier record. The journal is read only in that second case: it
        grows with every run, and a run that did everything need not read it."""
        earlier = [
            p
            for p in self._planned
            if not all(self._done_here.get((p.step.id, host), False) for host in p.hosts)
        ]
        if not earlier:
            return True
        state = read_journal(self.path)
        return all(state.done(p.step.id, p.hosts, self._fingerprints[p.step.id]) for p in earlier)

    def _write(self, record: dict[str, Any]) -> None:
        assert self._fd is not None
        full = {"v": FORMAT, **record, "run": self._run, "time": round(time.time(), 3)}
        os.write(self._fd, (json.dumps(full) + "\n").encode("utf-8"))
        self._unsynced = True

    def _sync(self) -> None:
        if self._fd is not None and self._unsynced:
            os.fsync(self._fd)
            self._unsynced = False


@dataclass
class JournalState:
    """What a journal says: its runs, and each (step, host)'s latest record."""

    path: Path
    runs: list[dict[str, Any]] = field(default_factory=list)
    ends: list[dict[str, Any]] = field(default_factory=list)
    latest: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def exists(self) -> bool:
        return bool(self.runs)

    def done(self, step_id: str, hosts: Sequence[str], fingerprint: str | None = None) -> bool:
        """True when the step's latest record is ok/skipped on every host (and, if given,
        was made with this fingerprint)."""
        for host in hosts:
            record = self.latest.get((step_id, host))
            if record is None or record.get("status") not in DONE_STATUSES:
                return False
            if fingerprint is not None and record.get("fp") != fingerprint:
                return False
        return True

    @property
    def complete(self) -> bool:
        """The last run ended with every step of its plan done on every host."""
        return bool(self.ends) and bool(self.ends[-1].get("complete"))


def read_journal(path: Path) -> JournalState:
    """Read a journal; a missing file is an empty journal, a torn line a warning."""
    state = JournalState(path)
    try:
        lines = path.read_bytes().split(b"\n")
    except FileNotFoundError:
        return state
    last = len(lines) - 1
    for number, raw in enumerate(lines):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
            if not isinstance(record, dict):
                raise ValueError("not an object")
        except ValueError:
            where = "last line (torn by a crash?)" if number >= last - 1 else f"line {number + 1}"
            state.warnings.append(f"{path}: ignored an unreadable {where}")
            continue
        kind = record.get("t")
        if kind == "run":
            state.runs.append(record)
        elif kind == "end":
            state.ends.append(record)
        elif kind == "host":
            step, host = record.get("step"), record.get("host")
            if isinstance(step, str) and isinstance(host, str):
                state.latest[(step, host)] = record
    return state


def verified_hosts(state: JournalState, planned: PlannedStep, fingerprint: str) -> frozenset[str]:
    """The hosts on which this step, as planned now, is already done: a resume skips them."""
    return frozenset(
        host for host in planned.hosts if state.done(planned.step.id, (host,), fingerprint)
    )


def resume_selection(
    state: JournalState,
    planned: Sequence[PlannedStep],
    fingerprints: Sequence[str],
) -> tuple[PlannedStep, ...]:
    """The steps from the first one not yet done on every host onward.

    Refuses when a step that would be skipped as done has changed since it was done:
    resuming would leave a host in a state the current guide does not describe.
    """
    start = len(planned)
    for position, step in enumerate(planned):
        if not state.done(step.step.id, step.hosts):
            start = position
            break
    changed = [
        step.step.id
        for step, fp in zip(planned[:start], fingerprints[:start], strict=True)
        if not state.done(step.step.id, step.hosts, fp)
    ]
    if changed:
        first = planned[start].step.index if start < len(planned) else len(planned)
        raise ResumeError(
            "the plan changed since these steps were verified: "
            + ", ".join(changed)
            + " (script, guard, verification, target, hosts or variable values differ); "
            f"re-run them with --from {changed[0].split('/')[-1]}, or continue with "
            f"--from {first} to accept them as they are"
        )
    return tuple(planned[start:])
