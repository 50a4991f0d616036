"""Transcripts: the full, masked output of every command, one file per host per run.

Written under the state directory (``transcripts/<scenario>--<inventory>/<run>/<host>.log``,
mode 0600) so that the console can stay short and a failure can still be read in full.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import TextIO

from runbook.execution.events import CommandDone, Event, HostDone, RunFinished, StepStarted
from runbook.execution.statedir import private_dir


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
            self._files[host] = os.fdopen(fd, "w", encoding="utf-8")
        return self._files[host]

    def __call__(self, event: Event) -> None:
        with self._lock:
            if isinstance(event, StepStarted):
                for host in event.hosts:
                    self._file(host).write(
                        f"\n=== {time.strftime('%H:%M:%S')} {event.step.id} {event.step.title}\n"
                    )
            elif isinstance(event, CommandDone):
                out = self._file(event.host)
                attempt = f" (try {event.attempt})" if event.attempt > 1 else ""
                out.write(
                    f"--- {event.phase}{attempt}: exit {event.exit_status}, {event.duration:.2f}s\n"
                )
                out.writelines(f"$ {line}\n" for line in event.command.rstrip("\n").splitlines())
                if event.stdout:
                    out.write(event.stdout if event.stdout.endswith("\n") else event.stdout + "\n")
                if event.stderr:
                    out.writelines(f"stderr| {line}\n" for line in event.stderr.splitlines())
            elif isinstance(event, HostDone):
                outcome = event.outcome
                if outcome.host in self._files or outcome.status != "not-run":
                    message = f": {outcome.message}" if outcome.message else ""
                    self._file(outcome.host).write(f"=== {outcome.status}{message}\n")
            elif isinstance(event, RunFinished):
                for file in self._files.values():
                    file.write(f"=== run {event.status}\n")
                    file.close()
                self._files.clear()
