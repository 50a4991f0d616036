"""The last real run of each scenario, read back from the runner's journals and transcripts.

Reads the state directory layout of :mod:`runbook.execution.statedir`: ``journals/*.jsonl``
and ``transcripts/<scenario>--<inventory>/<run>/<host>.log``, each through the reader that
sits next to its writer (:func:`runbook.execution.journal.read_journal`,
:func:`runbook.execution.transcript.read_transcript`). Only the latest run of each
scenario counts. No Sphinx here: the executed guide (:mod:`runbook.sphinx_ext.executed`)
renders what this returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from runbook.execution.journal import EndRecord, FactsRecord, HostRecord, RunRecord, read_journal
from runbook.execution.transcript import TranscriptCommand, read_transcript

#: Lines of output kept per host and step; the rest is summarised as "N lines above".
KEEP_LINES = 12


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
    #: When the run's end record was written; None for a run that never ended.
    ended: float | None = None
    steps: dict[str, dict[str, HostResult]] = field(default_factory=dict)
    #: Per host, from the ``facts`` records; empty when the journal has none (format 1).
    systems: dict[str, HostSystem] = field(default_factory=dict)

    @property
    def took(self) -> float | None:
        """How long the run took, in seconds; None when it never ended or the times lie."""
        if self.ended is None or not self.ended >= self.started:
            return None
        return self.ended - self.started

    @property
    def when(self) -> str:
        """The start in UTC; a time no calendar holds (an edited journal) is said to be so."""
        try:
            return datetime.fromtimestamp(self.started, UTC).strftime("%Y-%m-%d %H:%M UTC")
        except (OverflowError, ValueError, OSError):
            return "at an unknown time"


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
    for record in read_journal(journal).records:
        if isinstance(record, RunRecord):
            runs[record.run] = ScenarioRun(
                scenario=record.scenario,
                run_id=record.run,
                inventory=record.inventory,
                started=record.time,
                hosts=list(record.hosts),
                inventory_name=record.inventory_name,
            )
            continue
        run = runs.get(record.run)
        if run is None:
            continue
        if isinstance(record, HostRecord):
            run.steps.setdefault(record.step, {})[record.host] = HostResult(
                status=record.status,
                phase=record.phase,
                exit_status=record.exit,
                message=record.message,
            )
        elif isinstance(record, FactsRecord):
            run.systems[record.host] = HostSystem(os=record.os, packages=dict(record.packages))
        elif isinstance(record, EndRecord):
            run.status = record.status
            run.ended = record.time
    return list(runs.values())


def _read_transcript(run: ScenarioRun, path: Path, host: str) -> None:
    """Attach each step's script output, and its last verification's, on ``host``."""
    for step in read_transcript(path).steps:
        result = run.steps.get(step.step_id, {}).get(host)
        if result is None:
            continue
        for command in step.commands:
            if command.phase == "script":
                result.output += _shown(command)
            elif command.phase == "verify":
                result.verify_tries = command.attempt
                result.verify_output = _shown(command)


def _shown(command: TranscriptCommand) -> list[str]:
    """A command's output lines as the guide shows them, standard error marked."""
    return [
        *command.stdout.splitlines(),
        *(f"stderr| {line}" for line in command.stderr.splitlines()),
    ]


def trimmed(lines: list[str], keep: int = KEEP_LINES) -> str:
    """The last ``keep`` lines, with a note of how many came before (blank ends dropped)."""
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    if len(lines) <= keep:
        return "\n".join(lines)
    return f"[{len(lines) - keep} lines above]\n" + "\n".join(lines[-keep:])
