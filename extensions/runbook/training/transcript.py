"""The training transcript: what the trainee chose, typed and saw, for them and a teacher.

One plain text file per trainee, scenario and inventory (beside the progress file), mode
0600, appended to by every session of a resumed walkthrough::

    === 21:46:40 session (alice)            a session starts
    === demo/1 Write a greeting             a step is shown
    > type                                  the trainee's choice
    | touch "$workdir/verified"             a line they typed
    --- localhost verify: exit 0, 0.01s     a command ran (then its command and output)
    === demo/1 passed: typed, 1 hint, 0 retries, 12.3s

Every line goes through the plan's secrets first: the runner masks outputs already, and a
secret's value typed by hand is masked here too.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TextIO

from runbook.execution.events import CommandDone, Event
from runbook.execution.statedir import private_dir
from runbook.model import Secret, mask_text


class TrainingTranscript:
    """An event subscriber and a notebook, writing masked lines to one file."""

    def __init__(self, path: Path, secrets: list[Secret], *, fresh: bool) -> None:
        self.path = path
        self.secrets = secrets
        private_dir(path.parent)
        flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if fresh else os.O_APPEND)
        self._file: TextIO = os.fdopen(
            os.open(path, flags, 0o600), "w", encoding="utf-8", newline=""
        )

    def write(self, text: str) -> None:
        masked = mask_text(text, self.secrets)
        self._file.writelines(f"{line}\n" for line in masked.split("\n"))
        self._file.flush()

    def session(self, trainee: str, resumed: bool) -> None:
        what = "resumed" if resumed else "session"
        self.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} {what} ({trainee})")

    def lines(self, prefix: str, text: str) -> None:
        self.write("\n".join(f"{prefix}{line}" for line in text.rstrip("\n").split("\n")))

    def __call__(self, event: Event) -> None:
        if isinstance(event, CommandDone):
            try_ = f" (try {event.attempt})" if event.attempt > 1 else ""
            self.write(
                f"--- {event.host} {event.phase}{try_}: exit {event.exit_status}, "
                f"{event.duration:.2f}s"
            )
            self.lines("$ ", event.command)
            if event.stdout:
                self.lines("", event.stdout)
            if event.stderr:
                self.lines("stderr| ", event.stderr)

    def close(self) -> None:
        self._file.close()
