"""Timing child processes, and the median/min/max summaries every figure reports."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHILD = Path(__file__).with_name("child.py")


class BenchError(RuntimeError):
    """A benchmarked command failed: its figure would measure a failure, not the tool."""


@dataclass(frozen=True)
class Sample:
    """One timed run of a command: wall and CPU seconds, peak memory, exit status, output."""

    wall: float
    cpu: float
    max_rss_mb: float
    status: int
    output: str

    @property
    def ok(self) -> bool:
        return self.status == 0


def timed(
    argv: Sequence[str | os.PathLike[str]],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    stdin: Path | None = None,
    timeout: float = 900,
) -> Sample:
    """Run ``argv`` to completion and measure it with the kernel's own accounting.

    ``os.wait4`` gives this child's CPU time and peak resident size (its own and its
    waited-for children's), which ``getrusage(RUSAGE_CHILDREN)`` would mix with every
    earlier child of the harness.
    """
    log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"rb-bench-{os.getpid()}.out"
    with open(log_path, "wb") as log, open(stdin or os.devnull, "rb") as source:
        started = time.perf_counter()
        process = subprocess.Popen(
            [os.fspath(a) for a in argv],
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=source,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        killer = threading.Timer(timeout, _kill_group, (process.pid,))
        killer.start()
        try:
            _pid, wait_status, usage = os.wait4(process.pid, 0)
        except BaseException:
            # Interrupted: the child is in a session of its own, so nothing else stops it.
            _kill_group(process.pid)
            process.wait()
            raise
        finally:
            killer.cancel()
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(wait_status)
    output = log_path.read_bytes().decode("utf-8", "replace")
    log_path.unlink()
    cpu = usage.ru_utime + usage.ru_stime
    return Sample(wall, cpu, usage.ru_maxrss / 1024, process.returncode, output)


def isolated(
    argv: Sequence[str | os.PathLike[str]],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 900,
) -> Sample:
    """Like :func:`timed`, measured by ``bench/child.py`` so the harness's size stays out."""
    report = Path(os.environ.get("TMPDIR", "/tmp")) / f"rb-bench-{os.getpid()}.json"
    sample = timed([sys.executable, CHILD, report, *argv], cwd=cwd, env=env, timeout=timeout)
    measured = json.loads(report.read_text()) if sample.ok else None
    report.unlink(missing_ok=True)
    if measured is None:
        return sample
    return Sample(
        measured["wall"], measured["cpu"], measured["max_rss_mb"], sample.status, sample.output
    )


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def check(sample: Sample, what: str) -> Sample:
    if not sample.ok:
        tail = "\n".join(sample.output.rstrip().splitlines()[-15:])
        raise BenchError(f"{what} failed (exit status {sample.status}):\n{tail}")
    return sample


def summary(values: Sequence[float], digits: int = 4) -> dict[str, Any]:
    """Median, min and max of one figure's runs, with the runs themselves."""
    if not values:
        raise ValueError("no runs to summarise")
    return {
        "median": round(statistics.median(values), digits),
        "min": round(min(values), digits),
        "max": round(max(values), digits),
        "runs": [round(v, digits) for v in values],
    }


def rotated(items: Sequence[str], round_index: int) -> list[str]:
    """The tools in a different order every round, so none always runs first (or last)."""
    shift = round_index % len(items) if items else 0
    return [*items[shift:], *items[:shift]]
