"""Figure 5: how long ``runbook plan SCENARIO`` takes and how much memory it peaks at.

The command an operator types first, from the repository's root, on the guide as it is.
Wall time is the whole process; peak memory is its maximum resident set (``wait4``),
measured through ``bench/child.py`` so that the harness's own size does not leak into it.
"""

from __future__ import annotations

import sys
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
    scenario = first_scenario()
    argv = [RUNBOOK, "plan", scenario]
    check(isolated(argv, cwd=REPO), f"runbook plan {scenario}")  # warm-up: the page cache
    walls, memory = [], []
    for index in range(runs):
        log(f"  run {index + 1}/{runs}: runbook plan {scenario}")
        sample = check(isolated(argv, cwd=REPO), f"runbook plan {scenario}")
        walls.append(sample.wall)
        memory.append(sample.max_rss_mb)
    return {
        "command": f"runbook plan {scenario}",
        "runs": runs,
        "wall": summary(walls, 3),
        "max_rss_mb": summary(memory, 1),
    }
