"""Figure 5: how long ``runbook plan SCENARIO`` takes and how much memory it peaks at.

The command an operator types first, from the repository's root, on the guide as it is.
Wall time is the whole process; peak memory is its maximum resident set (``wait4``),
measured through ``bench/child.py`` so that the harness's own size does not leak into it.

Measured twice, with a page cache of its own (``RUNBOOK_CACHE_DIR``): cold, the cache
emptied before each run, so every page needed is parsed (a first run, or after an edit);
and warm, the cache filled, as every later run on an unchanged guide. The goals apply to
the warm figure, which is the result's ``wall`` and ``max_rss_mb``; ``cold`` holds the
other.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.measure import check, isolated, summary

RUNBOOK = Path(sys.executable).parent / "runbook"
REPO = Path(__file__).resolve().parent.parent


def first_scenario() -> str:
    """``galera`` when the guide has it, else the guide's first scenario."""
    from runbook.docutils_.loader import load_guide

    names = list(load_guide(REPO / "docs").scenarios)
    return "galera" if "galera" in names else names[0]


def measure(runs: int, log: Callable[[str], None]) -> dict[str, Any]:
    from runbook.docutils_.pagecache import CACHE_DIR_ENV, CACHE_ENV

    scenario = first_scenario()
    argv = [RUNBOOK, "plan", scenario]
    what = f"runbook plan {scenario}"
    cache = Path(tempfile.mkdtemp(prefix="rb-bench-cache-"))
    environ = {k: v for k, v in os.environ.items() if k != CACHE_ENV}
    env = {**environ, CACHE_DIR_ENV: str(cache / "runbook")}
    try:
        check(isolated(argv, cwd=REPO, env=env), what)  # warm-up: the OS's page cache
        figures = {}
        for state in ("cold", "warm"):
            walls, memory = [], []
            for index in range(runs):
                if state == "cold":
                    shutil.rmtree(cache / "runbook", ignore_errors=True)
                log(f"  run {index + 1}/{runs}: {what} ({state} cache)")
                sample = check(isolated(argv, cwd=REPO, env=env), what)
                walls.append(sample.wall)
                memory.append(sample.max_rss_mb)
            figures[state] = {"wall": summary(walls, 3), "max_rss_mb": summary(memory, 1)}
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    return {"command": what, "runs": runs, **figures["warm"], "cold": figures["cold"]}
