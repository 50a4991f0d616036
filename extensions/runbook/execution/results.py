"""What one command on one host gave back, and what a step came to on one host."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: How a step ended on one host. ``ok`` and ``skipped`` (its guard said it was already done)
#: count as done for ``--resume``; ``satisfied`` and ``would-run`` are ``--check`` answers.
HostStatus = Literal["ok", "skipped", "failed", "interrupted", "not-run", "satisfied", "would-run"]

#: Which part of a step a command was.
Phase = Literal["guard", "copy", "script", "verify"]

DONE_STATUSES = frozenset({"ok", "skipped"})


@dataclass(frozen=True, slots=True)
class CommandResult:
    """One command's exit status, output and wall time, as bytes off the wire.

    Shaped after Invoke's ``Result``: ``exit_status`` is -1 when the command was killed,
    ran out of time (``timed_out``: it was stopped, with everything it started) or its
    connection was lost before it reported a status. ``lost`` then says why the connection
    failed: the command may or may not have finished on its host; ``unreachable`` means
    it never started there (the host could not be reconnected).
    """

    exit_status: int
    stdout: bytes
    stderr: bytes
    duration: float
    lost: str = ""
    unreachable: bool = False
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        """The command ran to its end and exited 0."""
        return self.exit_status == 0 and not self.timed_out

    @property
    def out(self) -> str:
        return self.stdout.decode("utf-8", errors="replace")

    @property
    def err(self) -> str:
        return self.stderr.decode("utf-8", errors="replace")


@dataclass(frozen=True, slots=True)
class HostOutcome:
    """How one step ended on one host; what the console, journal and JUnit report.

    ``output`` is already masked (secrets, sensitive steps): nothing that reads an
    outcome can leak a secret.
    """

    step_id: str
    host: str
    status: HostStatus
    phase: Phase | None = None
    exit_status: int | None = None
    expected_exit: int | None = None
    output: str = ""
    message: str = ""
    duration: float = 0.0

    @property
    def done(self) -> bool:
        return self.status in DONE_STATUSES

    @property
    def failed(self) -> bool:
        return self.status == "failed"
