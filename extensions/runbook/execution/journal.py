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

Each record type is a frozen dataclass here (:class:`RunRecord`, :class:`HostRecord`,
:class:`FactsRecord`, :class:`EndRecord`); :func:`encode` is the writer's only way to a
line and :func:`read_journal` the only reader, for ``--resume``, ``requires``, the
writer's completion check and the executed guide alike. A line of a known type whose
fields have the wrong types is skipped with a warning naming its line.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
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
                HostRecord(
                    run=self._run,
                    time=_now(),
                    step=outcome.step_id,
                    fp=self._fingerprints.get(outcome.step_id, ""),
                    host=outcome.host,
                    status=outcome.status,
                    phase=outcome.phase or "",
                    exit=outcome.exit_status,
                    duration=round(outcome.duration, 3),
                    message=outcome.message,
                )
            )
        elif isinstance(event, HostFacts) and self._fd is not None:
            self._write(
                FactsRecord(
                    run=self._run,
                    time=_now(),
                    host=event.host,
                    os=event.os,
                    packages=dict(event.packages),
                )
            )
        elif isinstance(event, RunFinished) and self._fd is not None:
            complete = event.status == "done" and self._complete()
            self._write(EndRecord(self._run, _now(), event.status, complete))
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
            RunRecord(
                run=self._run,
                time=_now(),
                scenario=event.scenario,
                digest=event.digest,
                inventory=event.inventory,
                inventory_name=event.inventory_name,
                steps=dict(self._fingerprints),
                selected=tuple(event.selected),
                hosts=tuple(event.hosts),
                pid=os.getpid(),
            )
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

    def _write(self, record: Record) -> None:
        assert self._fd is not None
        os.write(self._fd, encode(record))
        self._unsynced = True

    def _sync(self) -> None:
        if self._fd is not None and self._unsynced:
            os.fsync(self._fd)
            self._unsynced = False


def _now() -> float:
    return round(time.time(), 3)


# -- the records, and the one reader -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunRecord:
    """A run began: what it planned and where (``t: run``)."""

    run: str
    time: float
    scenario: str
    digest: str = ""
    #: The inventory's key (it names the journal file), and its name for people.
    inventory: str = ""
    inventory_name: str = ""
    #: Every planned step's fingerprint, by step id.
    steps: dict[str, str] = field(default_factory=dict)
    selected: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    pid: int | None = None


@dataclass(frozen=True, slots=True)
class HostRecord:
    """One step finished on one host (``t: host``)."""

    run: str
    time: float
    step: str
    host: str
    status: str
    fp: str = ""
    phase: str = ""
    exit: int | None = None
    duration: float = 0.0
    message: str = ""


@dataclass(frozen=True, slots=True)
class FactsRecord:
    """A host's OS and package versions, asked after its steps (``t: facts``)."""

    run: str
    time: float
    host: str
    os: str = ""
    #: None: the host did not say.
    packages: dict[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EndRecord:
    """A run ended (``t: end``); ``complete``: every planned step done on every host."""

    run: str
    time: float
    status: str
    complete: bool = False


Record = RunRecord | HostRecord | FactsRecord | EndRecord
_KIND: dict[type, str] = {
    RunRecord: "run",
    HostRecord: "host",
    FactsRecord: "facts",
    EndRecord: "end",
}


def encode(record: Record) -> bytes:
    """One journal line: the format, the type, then the record's fields."""
    fields = {name: getattr(record, name) for name in record.__dataclass_fields__}
    for name, value in fields.items():
        if isinstance(value, tuple):
            fields[name] = list(value)
    line = {"v": FORMAT, "t": _KIND[type(record)], **fields}
    return (json.dumps(line) + "\n").encode("utf-8")


class _Shape(ValueError):
    """A record of a known type whose fields are not what the writer writes."""


def decode(data: dict[str, Any]) -> Record | None:
    """The record a journal line holds; None for a type this reader does not know.

    Each field is read by its declared type, so the record classes above are the one
    description of the format. Fields this reader does not know are skipped and missing
    ones take their defaults, so journals of earlier formats read as they are; only the
    names a record is about (its scenario, step, host) must be there.
    """
    name = data.get("t")
    kind = _TYPES.get(name) if isinstance(name, str) else None
    if kind is None:
        return None
    return kind(**{f.name: _READERS[str(f.type)](data, f.name) for f in fields(kind)})


_TYPES: dict[str, type[Record]] = {name: kind for kind, name in _KIND.items()}
_REQUIRED = frozenset({"scenario", "step", "host"})


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if isinstance(value, str):
        return value
    if value is not None or key in _REQUIRED:
        raise _Shape(f"{key} is not a string")
    return ""


def _number(data: dict[str, Any], key: str) -> float:
    value = data.get(key, 0.0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _Shape(f"{key} is not a number")
    return float(value)


def _integer(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise _Shape(f"{key} is not a whole number")
    return value


def _flag(data: dict[str, Any], key: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise _Shape(f"{key} is not true or false")
    return value


def _texts(data: dict[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _Shape(f"{key} is not a list of strings")
    return tuple(value)


def _mapping(data: dict[str, Any], key: str, *, nulls: bool = True) -> dict[str, str | None]:
    value = data.get(key, {})
    if not isinstance(value, dict) or not all(
        isinstance(item, str) or (nulls and item is None) for item in value.values()
    ):
        raise _Shape(f"{key} is not a mapping of strings")
    return dict(value)


def _fingerprints(data: dict[str, Any], key: str) -> dict[str, str]:
    return {name: fp or "" for name, fp in _mapping(data, key, nulls=False).items()}


#: How each declared field type is read (the annotations are strings here).
_READERS: dict[str, Callable[[dict[str, Any], str], Any]] = {
    "str": _text,
    "float": _number,
    "int | None": _integer,
    "bool": _flag,
    "tuple[str, ...]": _texts,
    "dict[str, str]": _fingerprints,
    "dict[str, str | None]": _mapping,
}


@dataclass
class JournalState:
    """What a journal says: its records in order, and each (step, host)'s latest record."""

    path: Path
    records: list[Record] = field(default_factory=list)
    runs: list[RunRecord] = field(default_factory=list)
    ends: list[EndRecord] = field(default_factory=list)
    latest: dict[tuple[str, str], HostRecord] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def exists(self) -> bool:
        return bool(self.runs)

    def done(self, step_id: str, hosts: Sequence[str], fingerprint: str | None = None) -> bool:
        """True when the step's latest record is ok/skipped on every host (and, if given,
        was made with this fingerprint)."""
        for host in hosts:
            record = self.latest.get((step_id, host))
            if record is None or record.status not in DONE_STATUSES:
                return False
            if fingerprint is not None and record.fp != fingerprint:
                return False
        return True

    @property
    def complete(self) -> bool:
        """The last run ended with every step of its plan done on every host."""
        return bool(self.ends) and self.ends[-1].complete


def read_journal(path: Path) -> JournalState:
    """Read a journal; a missing file is an empty journal, a torn or unreadable line a warning.

    The one reader of the format: ``--resume``, ``requires``, the writer's own completion
    check and the executed guide all read journals through it.
    """
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
            data = json.loads(raw)
            if not isinstance(data, dict):
                raise _Shape("not an object")
            record = decode(data)
        except _Shape as error:
            state.warnings.append(f"{path}: ignored line {number + 1}: {error}")
            continue
        except ValueError:
            where = "last line (torn by a crash?)" if number >= last - 1 else f"line {number + 1}"
            state.warnings.append(f"{path}: ignored an unreadable {where}")
            continue
        if record is None:
            continue
        state.records.append(record)
        if isinstance(record, RunRecord):
            state.runs.append(record)
        elif isinstance(record, EndRecord):
            state.ends.append(record)
        elif isinstance(record, HostRecord):
            state.latest[(record.step, record.host)] = record
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
