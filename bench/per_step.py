"""Figures 1 and 2: what one step costs each tool on one node, without and with latency.

Every tool runs a scenario of 1 step and one of N steps, each step a command and its
verification. The per-step cost is the difference divided by N - 1: start-up and
connection cancel out, leaving what each further step costs. Figure 2 does the same with
the node's incoming packets held back ``delay_ms``; the growth of the per-step cost,
divided by the delay, is the number of round trips a tool waits for per step.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.contenders import Prepared, prepare, run_tool
from bench.corpus import write_trivial
from bench.measure import rotated, summary

COMMANDS_PER_STEP = 2  # the script and its verification

#: (numerator, denominator) tool pairs whose per-step cost ratio the page reports.
RATIOS = (
    ("runbook", "ssh-mux"),
    ("runbook", "ssh-script"),
    ("ansible", "runbook"),
    ("fab", "runbook"),
)


class _Timings:
    """Wall times per (tool, size), per round, and the errors of failed runs."""

    def __init__(self, rounds: int) -> None:
        self.rounds = rounds
        self.walls: dict[tuple[str, int], list[float | None]] = {}
        self.errors: dict[str, list[str]] = {}

    def add(self, tool: str, size: int, round_index: int, prepared: Prepared) -> None:
        sample = run_tool(tool, prepared)
        walls = self.walls.setdefault((tool, size), [None] * self.rounds)
        if sample.ok:
            walls[round_index] = sample.wall
        else:
            tail = "\n".join(sample.output.strip().splitlines()[-8:])
            self.errors.setdefault(tool, []).append(f"{size} steps: exit {sample.status}: {tail}")

    def slopes(self, tool: str, small: int, large: int) -> list[float | None]:
        """Per round: (T(large) - T(small)) / (large - small), or None if either failed."""
        result = []
        for low, high in zip(
            self.walls.get((tool, small), []), self.walls.get((tool, large), []), strict=True
        ):
            ok = low is not None and high is not None
            result.append((high - low) / (large - small) if ok else None)  # type: ignore[operator]
        return result


def _present(values: Sequence[float | None]) -> list[float]:
    return [v for v in values if v is not None]


def _maybe(values: Sequence[float | None], digits: int = 4) -> dict[str, Any] | None:
    kept = _present(values)
    return summary(kept, digits) if kept else None


def measure(
    inventory: Path,
    workdir: Path,
    *,
    tools: Sequence[str],
    steps: int,
    latency_steps: int,
    rounds: int,
    delay_ms: float,
    set_delay: Callable[[float | None], None] | None,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """Both figures in one loop: each round runs every tool without, then with the delay."""
    sizes = sorted({1, steps, latency_steps})
    prepared = {
        size: prepare(
            write_trivial(workdir / "sources", f"bench-steps-{size}", size),
            inventory,
            workdir / f"steps-{size}",
            raw_ssh=True,
        )
        for size in sizes
    }
    plain, delayed = _Timings(rounds), _Timings(rounds)

    def one_round(phase: str, round_index: int) -> None:
        timings, large = (plain, steps) if phase == "plain" else (delayed, latency_steps)
        if set_delay is not None:
            set_delay(delay_ms if phase == "delayed" else None)
        try:
            for tool in rotated(tools, round_index):
                for size in (1, large):
                    log(f"  round {round_index + 1}/{rounds} {phase}: {tool}, {size} steps")
                    timings.add(tool, size, round_index, prepared[size])
        finally:
            if set_delay is not None and phase == "delayed":
                set_delay(None)

    for tool in tools:
        log(f"  warm-up: {tool}")
        run_tool(tool, prepared[1])  # caches and lazy imports, not the figure
    phases = ["plain", "delayed"] if set_delay is not None else ["plain"]
    for round_index in range(rounds):
        for phase in phases:
            one_round(phase, round_index)

    per_step: dict[str, Any] = {
        "steps": steps,
        "commands_per_step": COMMANDS_PER_STEP,
        "rounds": rounds,
        "tools": {},
        "ratios": {},
    }
    slopes = {tool: plain.slopes(tool, 1, steps) for tool in tools}
    for tool in tools:
        walls_1 = plain.walls.get((tool, 1), [])
        fixed = [
            w - s if w is not None and s is not None else None
            for w, s in zip(walls_1, slopes[tool], strict=True)
        ]
        per_step["tools"][tool] = {
            "wall": _maybe(plain.walls.get((tool, steps), [])),
            "per_step": _maybe(slopes[tool]),
            "fixed": _maybe(fixed),
            "errors": plain.errors.get(tool, []),
        }
    for top, bottom in RATIOS:
        if top in tools and bottom in tools:
            pairs = zip(slopes[top], slopes[bottom], strict=True)
            ratios = [a / b if a is not None and b else None for a, b in pairs]
            per_step["ratios"][f"{top}/{bottom}"] = _maybe(ratios, 3)

    result = {"per_step": per_step}
    if set_delay is not None:
        latency: dict[str, Any] = {
            "delay_ms": delay_ms,
            "steps": latency_steps,
            "rounds": rounds,
            "tools": {},
        }
        for tool in tools:
            slow = delayed.slopes(tool, 1, latency_steps)
            trips = [
                (d - p) / (delay_ms / 1000) if d is not None and p is not None else None
                for d, p in zip(slow, slopes[tool], strict=True)
            ]
            latency["tools"][tool] = {
                "per_step": _maybe(slow),
                "round_trips_per_step": _maybe(trips, 2),
                "round_trips_per_command": _maybe(
                    [t / COMMANDS_PER_STEP if t is not None else None for t in trips], 2
                ),
                "errors": delayed.errors.get(tool, []),
            }
        result["latency"] = latency
    return result
