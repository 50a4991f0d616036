"""What the runner tells its readers while it runs: lifecycle events and the bus.

The engine never prints: console, journal, transcripts, JUnit, ``--json`` and the
training walkthrough all subscribe to these events. Every text an event carries is
already masked, so no reader can leak a secret. Events may come from worker threads;
the bus hands them to the subscribers one at a time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from runbook.execution.results import HostOutcome, Phase
from runbook.model import Step
from runbook.plan.model import PlannedStep

Mode = Literal["run", "check"]
RunStatus = Literal["done", "failed", "interrupted", "stopped"]


@dataclass(frozen=True, slots=True)
class RunStarted:
    run_id: str
    scenario: str
    title: str
    #: The guide page the scenario is written in (for HTML anchors), if known.
    docname: str | None
    mode: Mode
    digest: str
    #: The inventory's key (a digest of its hosts: it names the journal file).
    inventory: str
    #: Every step of the plan with its fingerprint; ``selected`` are the ids this run runs.
    planned: tuple[PlannedStep, ...]
    fingerprints: tuple[str, ...]
    selected: tuple[str, ...]
    hosts: tuple[str, ...]
    #: The inventory as people name it: ``testbed NAME``, or the file given with ``-i``.
    inventory_name: str = ""


@dataclass(frozen=True, slots=True)
class StepStarted:
    step: Step
    hosts: tuple[str, ...]
    position: int
    total: int


@dataclass(frozen=True, slots=True)
class StepSkipped:
    """The operator (``--step``) or ``--limit`` left a step out."""

    step: Step
    reason: str


@dataclass(frozen=True, slots=True)
class CommandDone:
    """One command finished on one host; its output is masked, or hidden if sensitive."""

    step: Step
    host: str
    phase: Phase
    attempt: int
    command: str
    exit_status: int
    stdout: str
    stderr: str
    duration: float


@dataclass(frozen=True, slots=True)
class VerifyTry:
    """A verification attempt failed and another will follow after ``delay`` seconds."""

    step: Step
    host: str
    attempt: int
    attempts: int
    reason: str
    delay: float


@dataclass(frozen=True, slots=True)
class HostDone:
    step: Step
    outcome: HostOutcome


@dataclass(frozen=True, slots=True)
class StepDone:
    step: Step
    outcomes: tuple[HostOutcome, ...]
    duration: float


@dataclass(frozen=True, slots=True)
class HostFacts:
    """What a host ran the scenario on, asked after its steps ran there (``run`` mode only).

    ``packages`` maps each package the scenario installs on the host to its version, or
    to None when the host did not say (not installed, or no ``dpkg-query``/``rpm``).
    """

    host: str
    os: str
    packages: dict[str, str | None]


@dataclass(frozen=True, slots=True)
class RunFinished:
    status: RunStatus
    duration: float
    failures: tuple[tuple[Step, HostOutcome], ...] = ()
    interrupted: Step | None = None
    counts: dict[str, int] = field(default_factory=dict)


Event = (
    RunStarted
    | StepStarted
    | StepSkipped
    | CommandDone
    | VerifyTry
    | HostDone
    | StepDone
    | HostFacts
    | RunFinished
)
Subscriber = Callable[[Event], None]


class EventBus:
    """Delivers each event to every subscriber, in subscription order, one event at a time."""

    def __init__(self, *subscribers: Subscriber) -> None:
        self._subscribers = list(subscribers)
        self._lock = threading.RLock()

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    def emit(self, event: Event) -> None:
        with self._lock:
            for subscriber in self._subscribers:
                subscriber(event)
