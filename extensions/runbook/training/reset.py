"""Reset between exercises: bring a testbed back to a snapshot taken after deployment.

A restored testbed boots from the snapshot's disks, as after a power cut of every node,
so the exercise waits until the deployment is healthy again (a drill's verification on
every host) before it starts. Everything that can refuse is checked before the restore,
so a refusal leaves the testbed as it was.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from runbook.execution.errors import RefusedError


@dataclass(frozen=True, slots=True)
class Reset:
    """A restore the exercise begins with: the testbed and its snapshot's name."""

    testbed: str
    snapshot: str


def planned_reset(testbed: str | None, snapshot: str) -> Reset:
    """The reset, once the target is a testbed holding ``snapshot``; else refused."""
    from runbook.testbed import snapshots

    if testbed is None:
        raise RefusedError(
            f"--reset {snapshot} restores a testbed snapshot, and these hosts are not a "
            'testbed: give --testbed NAME (a drill) or -i "$(runbook testbed inventory)"'
        )
    have = snapshots.list_snapshots(testbed)
    if snapshot not in have:
        flag = "" if testbed == "default" else f" --name {testbed}"
        raise RefusedError(
            f"testbed {testbed!r} has no snapshot {snapshot!r} (snapshots: "
            f"{', '.join(have) or 'none'}); take it once the deployment is done: "
            f"`runbook testbed snapshot{flag} {snapshot}`"
        )
    return Reset(testbed, snapshot)


def restore(reset: Reset, say: Callable[[str], None]) -> float:
    """Restore the snapshot and boot every node (waits until each answers); seconds taken."""
    from runbook.testbed import snapshots

    say(f"Resetting testbed {reset.testbed} to snapshot {reset.snapshot} ...")
    started = time.monotonic()
    snapshots.restore(reset.testbed, reset.snapshot)
    seconds = time.monotonic() - started
    say(f"Restored and booted in {seconds:.0f} s.")
    return seconds


def wait_healthy(
    failing: Callable[[], Sequence[str]],
    timeout: float,
    say: Callable[[str], None],
    *,
    pause: float = 2.0,
) -> float:
    """Wait until ``failing()`` names no host; seconds waited. Refused after ``timeout``."""
    started = time.monotonic()
    say("Waiting for the deployment to be healthy again (the drill's verification) ...")
    while True:
        hosts = failing()
        seconds = time.monotonic() - started
        if not hosts:
            say(f"Healthy after {seconds:.0f} s.")
            return seconds
        if seconds >= timeout:
            raise RefusedError(
                f"after the reset the deployment is not healthy within {timeout:.0f} s: "
                f"the verification fails on {', '.join(hosts)}"
            )
        time.sleep(pause)
