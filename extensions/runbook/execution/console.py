"""What a person watching a run sees: one line per host result, a failure report, a summary.

The text is the same on a terminal and in a CI log; on a terminal (rich) it is coloured
and a live footer shows the current step, each host's state and the elapsed time. With
``verbose`` every command's output is shown too, as one block per host and command, so
parallel hosts never interleave their lines (the transcripts always have everything).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from runbook.execution.events import (
    CommandDone,
    Event,
    HostDone,
    RunFinished,
    RunStarted,
    StepDone,
    StepSkipped,
    StepStarted,
    VerifyTry,
)
from runbook.execution.results import HostOutcome
from runbook.model import Step

if TYPE_CHECKING:
    from rich.console import Console
    from rich.live import Live
    from rich.text import Text

#: Style of each host status, for the terminal.
STYLES = {
    "ok": "green",
    "skipped": "cyan",
    "satisfied": "green",
    "would-run": "yellow",
    "failed": "bold red",
    "interrupted": "bold yellow",
    "not-run": "dim",
}
PHASES = {
    "guard": "guard (unless)",
    "copy": "copy",
    "script": "script",
    "verify": "verification",
}
LABELS = {
    "ok": "ok",
    "skipped": "skipped",
    "satisfied": "already satisfied",
    "would-run": "would run",
    "failed": "FAILED",
    "interrupted": "interrupted",
    "not-run": "not run",
}


def duration(seconds: float) -> str:
    """``0.4s``, ``12.3s``, ``2m05s``, ``1h02m``."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, rest = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{rest:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


@dataclass
class Hints:
    """What the failure report points to, known only to the command that started the run."""

    resume: str | None = None
    transcripts: Path | None = None


@dataclass
class _State:
    step: Step | None = None
    step_started: float = 0.0
    run_started: float = field(default_factory=time.monotonic)
    hosts: dict[str, str] = field(default_factory=dict)
    width: int = 8
    docname: str | None = None
    scenario: str = ""
    mode: str = "run"


class ConsoleReport:
    """A subscriber that writes the run for people, plain or through rich."""

    def __init__(
        self,
        stream: TextIO,
        *,
        rich: bool = False,
        verbose: bool = False,
        hints: Hints | None = None,
        banner: bool = True,
    ) -> None:
        self.verbose = verbose
        #: Without the banner (the training walkthrough), only steps and failures are shown.
        self.banner = banner
        self.hints = hints or Hints()
        self._state = _State()
        self._lock = threading.Lock()
        self._live: Live | None = None
        self._console: Console | None
        if rich:
            from rich.console import Console

            self._console = Console(file=stream, highlight=False)
        else:
            self._console = None
            self._stream = stream

    # -- output ------------------------------------------------------------------------

    def _line(self, text: str, style: str | None = None) -> None:
        if self._console is not None:
            from rich.text import Text

            self._console.print(Text(text, style=style or ""), soft_wrap=True)
        else:
            self._stream.write(text + "\n")
            self._stream.flush()

    def __call__(self, event: Event) -> None:
        with self._lock:
            for text, style in self.lines(event):
                self._line(text, style)
            self._refresh(event)

    # -- the text (pure: a function of the events seen so far) --------------------------

    def lines(self, event: Event) -> list[tuple[str, str | None]]:
        state = self._state
        if isinstance(event, RunStarted):
            state.width = max([8, *(len(h) for h in event.hosts)])
            state.docname = event.docname
            state.scenario = f"{event.scenario} ({event.title})"
            state.mode = event.mode
            if not self.banner:
                return []
            verb = "checking" if event.mode == "check" else "running"
            hosts = ", ".join(event.hosts) or "no hosts"
            return [
                (
                    f"{verb} {event.scenario} ({event.title}): {len(event.selected)} of "
                    f"{len(event.planned)} steps on {hosts}; run {event.run_id}",
                    "bold",
                )
            ]
        if isinstance(event, StepStarted):
            state.step, state.step_started = event.step, time.monotonic()
            state.hosts = dict.fromkeys(event.hosts, "running")
            where = f"  ({' '.join(event.hosts)})"
            return [
                (
                    f"[{event.position}/{event.total}] {event.step.id} {event.step.title}{where}",
                    "bold",
                )
            ]
        if isinstance(event, StepSkipped):
            return [(f"--- {event.step.id} {event.step.title}: {event.reason}", "dim")]
        if isinstance(event, CommandDone):
            verifying = event.phase == "verify" or (event.phase == "script" and event.step.verify)
            state.hosts[event.host] = "verifying" if verifying else "running"
            if not self.verbose:
                return []
            return self._output_block(event)
        if isinstance(event, VerifyTry):
            return [
                (
                    f"  {event.host:<{state.width}}  verification {event.attempt}/"
                    f"{event.attempts} not yet: {event.reason}; again in {event.delay:g}s",
                    "yellow",
                )
            ]
        if isinstance(event, HostDone):
            state.hosts[event.outcome.host] = event.outcome.status
            return [self._host_line(event.outcome)]
        if isinstance(event, StepDone):
            return []
        if isinstance(event, RunFinished):
            return self._finish(event)
        return []

    def _output_block(self, event: CommandDone) -> list[tuple[str, str | None]]:
        head = f"  {event.host:<{self._state.width}}  {event.phase}"
        head += f" try {event.attempt}" if event.attempt > 1 else ""
        head += f": exit {event.exit_status} in {duration(event.duration)}"
        lines: list[tuple[str, str | None]] = [(head, "dim")]
        for stream, text in (("out", event.stdout), ("err", event.stderr)):
            for line in text.rstrip("\n").splitlines():
                lines.append((f"  {event.host:<{self._state.width}}  {stream}| {line}", None))
        return lines

    def _host_line(self, outcome: HostOutcome) -> tuple[str, str | None]:
        label = LABELS[outcome.status]
        text = f"  {outcome.host:<{self._state.width}}  {label:<17} {duration(outcome.duration):>7}"
        if outcome.message and outcome.status != "ok":
            text += f"  {outcome.message}"
        return text, STYLES[outcome.status]

    def _finish(self, event: RunFinished) -> list[tuple[str, str | None]]:
        lines: list[tuple[str, str | None]] = []
        for step, outcome in event.failures:
            if outcome.status == "failed":
                lines += self._failure(step, outcome)
        if not self.banner:
            return lines
        counts = ", ".join(f"{n} {LABELS[s]}" for s, n in sorted(event.counts.items()))
        elapsed = duration(event.duration)
        if event.status == "done":
            what = "check done" if self._state.mode == "check" else "done"
            lines.append((f"{what} in {elapsed}: {counts or 'nothing to do'}", "bold green"))
        elif event.status == "failed" and self._state.mode == "check":
            lines.append(
                (f"check done in {elapsed}: {counts} (some steps would run)", "bold yellow")
            )
        elif event.status == "failed":
            lines.append((f"FAILED after {elapsed}: {counts}", "bold red"))
        else:
            where = f" at {event.interrupted.id}" if event.interrupted else ""
            verb = "stopped" if event.status == "stopped" else "interrupted"
            lines.append(
                (f"{verb}{where} after {elapsed}: {counts or 'nothing run'}", "bold yellow")
            )
        if event.status != "done" and self._state.mode == "run" and self.hints.resume:
            lines.append((f"to resume: {self.hints.resume}", "bold"))
        if self.hints.transcripts is not None and self._state.mode == "run":
            lines.append((f"transcripts: {self.hints.transcripts}", "dim"))
        return lines

    def _failure(self, step: Step, outcome: HostOutcome) -> list[tuple[str, str | None]]:
        lines: list[tuple[str, str | None]] = [
            ("", None),
            (f'FAILED {step.id} "{step.title}" on {outcome.host}', "bold red"),
            (f"  scenario {self._state.scenario}", None),
            (f"  {outcome.message}", None),
        ]
        phase = PHASES.get(outcome.phase or "", "step")
        lines.append((f"  in its {phase}, after {duration(outcome.duration)}", None))
        if step.location is not None:
            lines.append((f"  written at {step.location}", None))
        if self._state.docname:
            lines.append((f"  in the guide: {self._state.docname}.html#{step.anchor}", None))
        if outcome.output:
            lines.append(("  last output:", None))
            lines += [(f"    | {line}", "dim") for line in outcome.output.splitlines()]
        lines.append(("", None))
        return lines

    # -- the live footer (terminal only) ------------------------------------------------

    def _refresh(self, event: Event) -> None:
        if self._console is None or not self._console.is_terminal:
            return
        if isinstance(event, StepStarted) and self._live is None:
            from rich.live import Live

            self._live = Live(
                console=self._console,
                transient=True,
                get_renderable=self._footer,
                refresh_per_second=4,
            )
            self._live.start()
        elif isinstance(event, (StepDone, RunFinished)) and self._live is not None:
            self._live.stop()
            self._live = None
        elif self._live is not None:
            self._live.refresh()

    def _footer(self) -> Text:
        from rich.text import Text

        state = self._state
        if state.step is None:
            return Text("")
        now = time.monotonic()
        text = Text(
            f"{state.step.id} {state.step.title}  {duration(now - state.step_started)}"
            f" (run {duration(now - state.run_started)})\n",
            style="bold",
        )
        for host, status in state.hosts.items():
            text.append(f"  {host:<{state.width}} ", style="")
            text.append(f"{LABELS.get(status, status)}\n", style=STYLES.get(status, "cyan"))
        return text
