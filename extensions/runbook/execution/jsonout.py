"""``--json``: every event as one JSON object per line, for other tools to follow a run."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import TextIO

from runbook.execution.events import Event
from runbook.model import Step
from runbook.plan.model import PlannedStep


def event_name(event: Event) -> str:
    """``StepStarted`` -> ``step_started``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(event).__name__).lower()


def _plain(value: object) -> object:
    if isinstance(value, Step):
        return {
            "id": value.id,
            "index": value.index,
            "title": value.title,
            "anchor": value.anchor,
            "location": str(value.location) if value.location else None,
        }
    if isinstance(value, PlannedStep):
        return {"step": value.step.id, "hosts": list(value.hosts)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def event_record(event: Event) -> dict[str, object]:
    fields = _plain(event)
    assert isinstance(fields, dict)  # every event is a dataclass
    return {"event": event_name(event), **fields}


class JsonEvents:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def __call__(self, event: Event) -> None:
        self.stream.write(json.dumps(event_record(event), default=str) + "\n")
        self.stream.flush()
