"""What the fault tests share: counted scenarios, the runner as a process, journal checks.

Every step of a counted scenario appends its host's name to ``count-N`` on that host as
its last command, and its verification checks that line is there: the counter files say
exactly how many times each step ran to completion on each host, whatever the journal
says, so a test can hold the journal and ``--resume`` to the truth.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from runbook.execution.journal import JournalState, read_journal
from runbook.testbed.pytest_support import TestbedHandle

Pair = tuple[int, str]


@dataclass(frozen=True)
class Remote:
    """A directory of one test on every node of the testbed."""

    bed: TestbedHandle
    path: str

    def reset(self) -> None:
        for node in self.bed.nodes:
            done = self.bed.ssh(node, f"rm -rf {self.path} /run/runbook.lock; mkdir -p {self.path}")
            done.check_returncode()

    def exists(self, node: str, name: str) -> bool:
        return self.bed.ssh(node, f"test -e {self.path}/{name}").returncode == 0

    def counts(self) -> dict[Pair, int]:
        """How many times each step completed on each node, by its counter file."""
        found: dict[Pair, int] = {}
        for node in self.bed.nodes:
            listing = self.bed.ssh(
                node, f"cd {self.path} && for f in count-*; do [ -e $f ] && wc -l $f; done; true"
            )
            for line in listing.stdout.splitlines():
                lines, name = line.split()
                found[(int(name.removeprefix("count-")), node)] = int(lines)
        return found


def counted_scenario(
    path: Path,
    name: str,
    remote: Remote,
    bodies: Sequence[str],
    options: dict[int, str] | None = None,
) -> Path:
    """A scenario whose step N runs ``bodies[N-1]`` between a start mark and its counter.

    ``options`` replaces a step's default verification (its counter line is there) with
    option lines of its own.
    """
    parts = [f".. scenario:: {name}\n\n"]
    for number, body in enumerate(bodies, start=1):
        lines = [f"touch {remote.path}/started-{number}", *body.splitlines()]
        lines.append(f'echo "$RB_HOST" >> {remote.path}/count-{number}')
        script = "".join(f"   {line}\n" for line in lines)
        extra = (options or {}).get(number)
        if extra is None:
            extra = f':verify: grep -qx "$RB_HOST" {remote.path}/count-{number}'
        option_lines = "".join(f"   {line.strip()}\n" for line in extra.strip().splitlines())
        parts.append(f".. step:: Step {number}\n{option_lines}\n{script}\n")
    path.write_text("".join(parts))
    return path


@dataclass
class RunProcess:
    """``runbook run`` in a process of its own, as an operator starts it."""

    process: subprocess.Popen[bytes]
    out: Path
    err: Path

    def wait(self, timeout: float = 180) -> int:
        return self.process.wait(timeout=timeout)

    @property
    def output(self) -> str:
        return self.out.read_text() + self.err.read_text()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def start_run(
    scenario: Path, bed: TestbedHandle, state_dir: Path, *args: str, tag: str = "run"
) -> RunProcess:
    out = scenario.parent / f"{tag}-{time.monotonic_ns()}.out"
    err = out.with_suffix(".err")
    inventory = ("-i", str(bed.inventory_path))
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "runbook.cli.main", "run", str(scenario), *inventory, *args],
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            env={**os.environ, "RUNBOOK_STATE_DIR": str(state_dir)},
        )
    return RunProcess(process, out, err)


def run(scenario: Path, bed: TestbedHandle, state_dir: Path, *args: str) -> tuple[int, str]:
    """Run to the end; the exit status and everything printed."""
    process = start_run(scenario, bed, state_dir, *args)
    try:
        return process.wait(), process.output
    finally:
        process.stop()


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.2)


def journal(state_dir: Path) -> JournalState:
    """The one journal of the state directory (empty if no run got as far as writing it)."""
    found = sorted((state_dir / "journals").glob("*.jsonl"))
    assert len(found) <= 1, found
    return read_journal(found[0] if found else state_dir / "journals" / "none.jsonl")


def done_pairs(state: JournalState, scenario: str) -> set[Pair]:
    """(step number, host) pairs the journal says are done."""
    return {
        (int(step.split("/")[1]), host)
        for (step, host), record in state.latest.items()
        if step.startswith(f"{scenario}/") and record.status in ("ok", "skipped")
    }


def recorded_pairs(state: JournalState, scenario: str) -> set[Pair]:
    return {
        (int(step.split("/")[1]), host)
        for (step, host) in state.latest
        if step.startswith(f"{scenario}/")
    }


def assert_journal_tells_the_truth(
    state: JournalState, scenario: str, counts: dict[Pair, int], *, killed: bool = False
) -> None:
    """Every step the journal calls done ran there; every step that ran is recorded.

    A runner ``killed`` with SIGKILL may have seen one step finish without living to
    write it down; any other step that ran and is not recorded is a lost record.
    """
    for step, host in done_pairs(state, scenario):
        assert counts.get((step, host), 0) >= 1, f"journal: step {step} done on {host}, it is not"
    recorded = recorded_pairs(state, scenario)
    unrecorded = {pair for pair, count in counts.items() if count and pair not in recorded}
    assert len({step for step, _ in unrecorded}) <= (1 if killed else 0), unrecorded


def assert_resume_reran_nothing_done(
    done_before: set[Pair], before: dict[Pair, int], after: dict[Pair, int]
) -> None:
    """Steps verified before the resume did not run again."""
    for step, host in done_before:
        assert after.get((step, host)) == before.get((step, host)), f"step {step} re-ran on {host}"


def resume_to_the_end(
    remote: Remote, scenario: Path, state_dir: Path, name: str, steps: int
) -> str:
    """``--resume`` after the repair: it completes, and no verified step runs again."""
    before, state = remote.counts(), journal(state_dir)
    status, out = run(scenario, remote.bed, state_dir, "--resume")
    assert status == 0, out
    after = remote.counts()
    assert_resume_reran_nothing_done(done_pairs(state, name), before, after)
    for step in range(1, steps + 1):
        for host in remote.bed.nodes:
            assert after.get((step, host), 0) >= 1, f"step {step} never completed on {host}"
    final = journal(state_dir)
    assert final.complete and not final.warnings, final.warnings
    assert_journal_tells_the_truth(final, name, after)
    return out
