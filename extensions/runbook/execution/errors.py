"""Why a run is refused or stopped other than by a failing step, with its exit status.

Exit status 3 means nothing ran on any host: the run was refused before its first step.
"""

from __future__ import annotations

from runbook.errors import ExecutionError


class UsageError(ExecutionError):
    """The options contradict each other or name steps the scenario does not have."""

    exit_code = 2


class RefusedError(ExecutionError):
    """The run was refused before anything ran: a plan, journal, lock or requirement problem."""

    exit_code = 3


class ConnectError(RefusedError):
    """A host could not be reached or logged in to; nothing has run anywhere yet."""


class HostKeyError(ConnectError):
    """A host's key is unknown (and not accepted) or differs from the recorded one."""


class LockedError(RefusedError):
    """Another run of the same scenario against the same inventory holds the lock."""


class ResumeError(RefusedError):
    """``--resume`` cannot continue: no journal, or the plan changed under it."""
