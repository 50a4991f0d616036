"""Fixtures for the runner's tests: plans made by hand, run on this machine for real."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from runbook.execution.events import Event, EventBus, RunFinished
from runbook.execution.runner import Runner
from runbook.execution.transport import LocalTransport
from runbook.plan.model import LOCAL_HOST, Plan


@dataclass
class Recorded:
    finished: RunFinished
    events: list[Event] = field(default_factory=list)

    def of(self, kind: type) -> list[Any]:
        return [event for event in self.events if isinstance(event, kind)]


@pytest.fixture
def run_local() -> Callable[..., Recorded]:
    """Run a plan's steps on this machine, recording every event."""

    def run(plan: Plan, *subscribers: Callable[[Event], None], **options: Any) -> Recorded:
        events: list[Event] = []
        bus = EventBus(events.append, *subscribers)
        transports = {LOCAL_HOST: LocalTransport(LOCAL_HOST)}
        steps = options.pop("steps", plan.steps)
        finished = Runner(plan, transports, bus, **options).run(steps)
        return Recorded(finished, events)

    return run
