"""The drills file: one JSON line per drill run, beside the runner's journals; its reader.

``drills.jsonl`` in the state directory (see :mod:`runbook.execution.statedir`) holds,
for each run of a drill, when and where it ran and what it measured::

    {"v":1,"drill":"vip-holder-poweroff","at":"2026-12-03T09:00:00Z","where":"testbed tb",
     "scenarios":["basic-cluster","lb","galera"],"fault":"poweroff node1",
     "budget":{"downtime":15.0,"mttr":null,"failed_requests":null,"lost_writes":0},
     "figures":{"downtime":9.1,"mttr":9.1,"failed_requests":12,"requests":240,
                "lost_writes":0},
     "probes":{"sql:keystone":{...}},"healthy_after":true,"passed":true,
     "problems":[],"duration":71.2}

No variable values and no probe output are written. Readers skip lines they cannot read
and fields they do not know, so the format only grows.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from runbook.drills.timeline import Figures
from runbook.execution.statedir import private_dir

FORMAT = 1
FILE_NAME = "drills.jsonl"


def drills_file(state_dir: Path) -> Path:
    return state_dir / FILE_NAME


@dataclass(frozen=True)
class DrillRecord:
    """One run of a drill, as written and read back."""

    drill: str
    at: str
    where: str
    scenarios: tuple[str, ...]
    fault: str
    budget: dict[str, Any]
    figures: Figures
    probes: dict[str, Figures] = field(default_factory=dict)
    healthy_after: bool = True
    passed: bool = True
    problems: tuple[str, ...] = ()
    duration: float = 0.0

    def to_json(self) -> str:
        data = {
            "v": FORMAT,
            "drill": self.drill,
            "at": self.at,
            "where": self.where,
            "scenarios": list(self.scenarios),
            "fault": self.fault,
            "budget": self.budget,
            "figures": asdict(self.figures),
            "probes": {label: asdict(figures) for label, figures in self.probes.items()},
            "healthy_after": self.healthy_after,
            "passed": self.passed,
            "problems": list(self.problems),
            "duration": round(self.duration, 3),
        }
        return json.dumps(data, ensure_ascii=False, sort_keys=True)


def append_record(path: Path, record: DrillRecord) -> None:
    """Add one line, in one write, to a file only its owner can read."""
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (record.to_json() + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def _figures(data: Any) -> Figures:
    if not isinstance(data, dict):
        raise ValueError("figures are not an object")
    mttr = data.get("mttr")
    lost = data.get("lost_writes")
    return Figures(
        downtime=float(data["downtime"]),
        mttr=None if mttr is None else float(mttr),
        failed_requests=int(data["failed_requests"]),
        requests=int(data.get("requests", 0)),
        lost_writes=None if lost is None else int(lost),
    )


def parse_record(line: str) -> DrillRecord:
    """One line of the file; ``ValueError`` when it is not a drill record."""
    data = json.loads(line)
    if not isinstance(data, dict) or not isinstance(data.get("drill"), str):
        raise ValueError("not a drill record")
    try:
        probes = data.get("probes") or {}
        return DrillRecord(
            drill=data["drill"],
            at=str(data["at"]),
            where=str(data["where"]),
            scenarios=tuple(str(name) for name in data.get("scenarios", ())),
            fault=str(data.get("fault", "")),
            budget=dict(data.get("budget") or {}),
            figures=_figures(data["figures"]),
            probes={str(label): _figures(value) for label, value in probes.items()},
            healthy_after=bool(data.get("healthy_after", True)),
            passed=bool(data["passed"]),
            problems=tuple(str(problem) for problem in data.get("problems", ())),
            duration=float(data.get("duration", 0.0)),
        )
    except (KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"incomplete drill record: {error}") from None


def read_records(path: Path) -> tuple[list[DrillRecord], list[str]]:
    """Every readable record in file order, and a warning per line that was not."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return [], []
    records, warnings = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(parse_record(line))
        except ValueError as error:
            warnings.append(f"{path}:{number}: ignored an unreadable drill record ({error})")
    return records, warnings


def latest_records(path: Path) -> tuple[dict[str, DrillRecord], list[str]]:
    """The last record of each drill."""
    records, warnings = read_records(path)
    return {record.drill: record for record in records}, warnings
