"""The last real run of each scenario, read back from the runner's journals and transcripts.

Reads the state directory layout of :mod:`runbook.execution.statedir`: ``journals/*.jsonl``
(records described in :mod:`runbook.execution.journal`) and
``transcripts/<scenario>--<inventory>/<run>/<host>.log`` (written by
:mod:`runbook.execution.transcript`). Only the latest run of each scenario counts. No
Sphinx here: the executed guide (:mod:`runbook.sphinx_ext.executed`) renders what this
returns.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

#: Lines of output kept per host and step; the rest is summarised as "N lines above".
KEEP_LINES = 12

_STEP_HEADER = re.compile(r"^=== \d\d:\d\d:\d\d (\S+/\d+) ")
_COMMAND_HEADER = re.compile(r"^--- (\w+)(?: \(try (\d+)\))?: exit (-?\d+)")


@dataclass
class HostResult:
    """What one step did on one host."""

    status: str
    phase: str = ""
    exit_status: int | None = None
    message: str = ""
    output: list[str] = field(default_factory=list)
    verify_output: list[str] = field(default_factory=list)
    verify_tries: int = 0


@dataclass
class HostSystem:
    """What one host ran the scenario on: its OS and each asked package's version."""

    os: str = ""
    #: None: the host did not say (not installed, or no package tool to ask).
    packages: dict[str, str | None] = field(default_factory=dict)


@dataclass
class ScenarioRun:
    """The latest run of one scenario: where, when, how it ended, and every step's hosts."""

    scenario: str
    run_id: str
    #: The inventory's key (a digest), and its name for people (empty in format 1 journals).
    inventory: str
    started: float
    hosts: list[str]
    inventory_name: str = ""
    status: str = "unfinished"
    steps: dict[str, dict[str, HostResult]] = field(default_factory=dict)
    #: Per host, from the ``facts`` records; empty when the journal has none (format 1).
    systems: dict[str, HostSystem] = field(default_factory=dict)

    @property
    def when(self) -> str:
        return datetime.fromtimestamp(self.started, UTC).strftime("%Y-%m-%d %H:%M UTC")


def read_results(state_dir: Path) -> dict[str, ScenarioRun]:
    """The latest run of every scenario found under ``state_dir``, by scenario name."""
    latest: dict[str, tuple[ScenarioRun, Path]] = {}
    for journal in sorted((state_dir / "journals").glob("*.jsonl")):
        for run in _runs(journal):
            known = latest.get(run.scenario)
            if known is None or run.started >= known[0].started:
                key = journal.name.removesuffix(".jsonl")
                latest[run.scenario] = (run, state_dir / "transcripts" / key / run.run_id)
    for run, transcripts in latest.values():
        for host in run.hosts:
            _read_transcript(run, transcripts / f"{host}.log", host)
    return {name: run for name, (run, _dir) in latest.items()}


def _runs(journal: Path) -> list[ScenarioRun]:
    runs: dict[str, ScenarioRun] = {}
    for line in journal.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # a torn last line, as the journal's reader also skips
        kind, run_id = record.get("t"), record.get("run", "")
        if kind == "run":
            runs[run_id] = ScenarioRun(
                scenario=record["scenario"],
                run_id=run_id,
                inventory=str(record.get("inventory", "")),
                started=float(record.get("time", 0)),
                hosts=list(record.get("hosts", [])),
                inventory_name=str(record.get("inventory_name", "")),
            )
        elif run_id in runs and kind == "host":
            host = runs[run_id].steps.setdefault(record["step"], {})
            host[record["host"]] = HostResult(
                status=record.get("status", ""),
                phase=record.get("phase", ""),
                exit_status=record.get("exit"),
                message=record.get("message", ""),
            )
        elif run_id in runs and kind == "facts":
            packages = record.get("packages")
            runs[run_id].systems[str(record.get("host", ""))] = HostSystem(
                os=str(record.get("os") or ""),
                packages={
                    str(name): None if version is None else str(version)
                    for name, version in (packages if isinstance(packages, dict) else {}).items()
                },
            )
        elif run_id in runs and kind == "end":
            runs[run_id].status = record.get("status", "")
    return list(runs.values())


def _read_transcript(run: ScenarioRun, path: Path, host: str) -> None:
    """Attach each step's script and verification output on ``host`` to its result."""
    if not path.is_file():
        return
    result: HostResult | None = None
    phase = ""
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        step = _STEP_HEADER.match(line)
        if step:
            result = run.steps.get(step.group(1), {}).get(host)
            phase = ""
            continue
        command = _COMMAND_HEADER.match(line)
        if command:
            phase = command.group(1)
            if result is not None and phase == "verify":
                result.verify_tries = int(command.group(2) or 1)
                result.verify_output = []
            continue
        if result is None or line.startswith(("=== ", "$ ")):
            continue
        if phase == "script":
            result.output.append(line)
        elif phase == "verify":
            result.verify_output.append(line)


def trimmed(lines: list[str], keep: int = KEEP_LINES) -> str:
    """The last ``keep`` lines, with a note of how many came before (blank ends dropped)."""
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    if len(lines) <= keep:
        return "\n".join(lines)
    return f"[{len(lines) - keep} lines above]\n" + "\n".join(lines[-keep:])
