"""Transcripts: the full, masked output of every command, one file per host per run.

Written under the state directory (``transcripts/<scenario>--<inventory>/<run>/<host>.log``,
mode 0600) so that the console can stay short and a failure can still be read in full.
The format is meant to be read by people, and read back by :func:`read_transcript`, its
only reader::

    (blank line)
    === 21:46:40 galera/1 Install the packages       a step starts on this host
    --- script: exit 0, 3.10s                        a command ended ("verify (try 2)": a retry)
    $ apt-get install -y galera-4                    the command, a line each
    Unpacking ...                                    its standard output, as it came
    stderr| dpkg: warning ...                        its standard error
    === ok                                           the step's outcome here (": message")
    === run done                                     the run's end

An output line that would read as one of these markers (or starts with a backslash) is
written with a backslash in front, which the reader removes; a newline inside a title or
a message is written as ``\\n``. So every output reads back exactly, line by line;
only whether its last line ended with a newline is not kept.
"""

from __future__ import annotations

import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from runbook.execution.events import CommandDone, Event, HostDone, RunFinished, StepStarted
from runbook.execution.statedir import private_dir

_STEP = "=== "
_COMMAND = "--- "
_LINE = "$ "
_STDERR = "stderr| "
_RUN = "=== run "
_MARKERS = (_STEP, _COMMAND, _LINE, _STDERR, "\\")

_STEP_HEADER = re.compile(r"=== (\d\d:\d\d:\d\d) (\S+) (.*)")
_COMMAND_HEADER = re.compile(r"--- (\w+)(?: \(try (\d+)\))?: exit (-?\d+), (\d+\.\d\d)s")


def _escaped(line: str) -> str:
    return "\\" + line if line.startswith(_MARKERS) else line


def _one_line(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _from_one_line(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


def _lines(text: str) -> list[str]:
    """``text`` line by line, split on newlines only (a ``\\r`` stays in its line)."""
    return text.removesuffix("\n").split("\n") if text else []


class TranscriptWriter:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._files: dict[str, TextIO] = {}
        self._lock = threading.Lock()

    def _file(self, host: str) -> TextIO:
        if host not in self._files:
            private_dir(self.directory)
            fd = os.open(
                self.directory / f"{host}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600
            )
            self._files[host] = os.fdopen(fd, "w", encoding="utf-8", newline="")
        return self._files[host]

    def __call__(self, event: Event) -> None:
        with self._lock:
            if isinstance(event, StepStarted):
                title = _one_line(event.step.title)
                for host in event.hosts:
                    self._file(host).write(
                        f"\n{_STEP}{time.strftime('%H:%M:%S')} {event.step.id} {title}\n"
                    )
            elif isinstance(event, CommandDone):
                out = self._file(event.host)
                attempt = f" (try {event.attempt})" if event.attempt > 1 else ""
                out.write(
                    f"{_COMMAND}{event.phase}{attempt}: exit {event.exit_status}, "
                    f"{event.duration:.2f}s\n"
                )
                out.writelines(f"{_LINE}{line}\n" for line in _lines(event.command))
                out.writelines(f"{_escaped(line)}\n" for line in _lines(event.stdout))
                out.writelines(f"{_STDERR}{line}\n" for line in _lines(event.stderr))
            elif isinstance(event, HostDone):
                outcome = event.outcome
                if outcome.host in self._files or outcome.status != "not-run":
                    message = f": {_one_line(outcome.message)}" if outcome.message else ""
                    self._file(outcome.host).write(f"{_STEP}{outcome.status}{message}\n")
            elif isinstance(event, RunFinished):
                for file in self._files.values():
                    file.write(f"{_RUN}{event.status}\n")
                    file.close()
                self._files.clear()


# -- the reader -------------------------------------------------------------------------


@dataclass
class TranscriptCommand:
    """One command as the transcript kept it; outputs end each line with a newline."""

    phase: str
    attempt: int
    exit_status: int
    #: Seconds, to the hundredth the transcript keeps.
    duration: float
    command: str = ""
    stdout: str = ""
    stderr: str = ""


@dataclass
class TranscriptStep:
    """One step on this host: its commands and, once it finished, its outcome."""

    step_id: str
    title: str
    #: The control host's local time the step started, ``HH:MM:SS``.
    started: str
    commands: list[TranscriptCommand] = field(default_factory=list)
    status: str | None = None
    message: str = ""


@dataclass
class Transcript:
    """One host's transcript of one run; ``status`` is None for a run that did not end."""

    steps: list[TranscriptStep] = field(default_factory=list)
    status: str | None = None


def read_transcript(path: Path) -> Transcript:
    """Read one host's transcript; a missing file reads as an empty one.

    Lines that fit no part of the format (a file cut short, or edited) are skipped: a
    transcript is a record for people, and whatever it still says is worth showing.
    """
    transcript = Transcript()
    try:
        with path.open(encoding="utf-8", errors="replace", newline="") as file:
            text = file.read()
    except FileNotFoundError:
        return transcript
    step: TranscriptStep | None = None
    command: TranscriptCommand | None = None
    stdout: list[str] = []
    stderr: list[str] = []
    lines: list[str] = []

    def finish_command() -> None:
        nonlocal command
        if command is not None:
            command.command = "\n".join(lines)
            command.stdout = "".join(f"{line}\n" for line in stdout)
            command.stderr = "".join(f"{line}\n" for line in stderr)
        command = None
        lines.clear()
        stdout.clear()
        stderr.clear()

    for line in _lines(text):
        header = _STEP_HEADER.fullmatch(line)
        if header is not None:
            finish_command()
            step = TranscriptStep(header[2], _from_one_line(header[3]), header[1])
            transcript.steps.append(step)
            continue
        if line.startswith(_RUN):
            finish_command()
            transcript.status = line.removeprefix(_RUN)
            step = None
            continue
        if line.startswith(_STEP):
            finish_command()
            if step is not None:
                status, _, message = line.removeprefix(_STEP).partition(": ")
                step.status, step.message = status, _from_one_line(message)
            continue
        if step is None or step.status is not None:
            continue  # the blank line before a step, or something the writer never wrote
        started = _COMMAND_HEADER.fullmatch(line)
        if started is not None:
            finish_command()
            command = TranscriptCommand(
                phase=started[1],
                attempt=int(started[2] or 1),
                exit_status=int(started[3]),
                duration=float(started[4]),
            )
            step.commands.append(command)
        elif command is None:
            continue
        elif line.startswith(_LINE) and not stdout and not stderr:
            lines.append(line.removeprefix(_LINE))
        elif line.startswith(_STDERR):
            stderr.append(line.removeprefix(_STDERR))
        else:
            stdout.append(line.removeprefix("\\") if line.startswith("\\") else line)
    finish_command()
    return transcript
