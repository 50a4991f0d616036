"""From a results file to the goals it meets and the tables the guide's benchmark page shows.

Pure functions of the results dictionary (as ``bench/results/*.json`` holds it), so the
page can be regenerated from any saved run: ``python -m bench.report RESULTS.json``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

TOOL_NAMES = {
    "runbook": "`runbook run`",
    "ssh-mux": "OpenSSH, one `ssh` per command (ControlMaster)",
    "ssh-script": "OpenSSH, one `ssh bash -s` of the whole script",
    "ansible": "`ansible-playbook` (pipelining, no facts)",
    "fab": "`fab` (exported Fabric module)",
}


#: Round trips are counted from times, to within this much either way: the floor (one
#: ``ssh bash -s`` of the whole script, no round trip per command) measures -0.03 to 0.06.
ROUND_TRIP_RESOLUTION = 0.1


def _median(entry: dict[str, Any] | None) -> float | None:
    return None if entry is None else entry["median"]


def _get(results: dict[str, Any], *keys: str) -> Any:
    value: Any = results
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _goal(
    goals: list[dict[str, Any]],
    ident: str,
    text: str,
    value: float | None,
    shown: Callable[[float], str],
    met: Callable[[float], bool],
) -> None:
    goals.append(
        {
            "id": ident,
            "goal": text,
            "measured": shown(value) if value is not None else "not measured",
            "met": met(value) if value is not None else None,
        }
    )


def evaluate(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Every goal of the benchmark issue, with the measured median and whether it holds."""
    goals: list[dict[str, Any]] = []
    figures = results.get("figures", {})
    ratios = _get(figures, "per_step", "ratios") or {}
    _goal(
        goals,
        "1a",
        "per step, `runbook run` within 1.5x of one `ssh` per command",
        _median(ratios.get("runbook/ssh-mux")),
        lambda v: f"{v:.2f}x",
        lambda v: v <= 1.5,
    )
    _goal(
        goals,
        "1b",
        "per step, `runbook run` at least 10x faster than `ansible-playbook`",
        _median(ratios.get("ansible/runbook")),
        lambda v: f"{v:.1f}x faster",
        lambda v: v >= 10,
    )
    _goal(
        goals,
        "1c",
        "per step, the exported Fabric module (`fab`) within 2x of `runbook run`",
        _median(ratios.get("fab/runbook")),
        lambda v: f"{v:.2f}x",
        lambda v: v <= 2,
    )
    trips = _get(figures, "latency", "tools", "runbook", "round_trips_per_command")
    _goal(
        goals,
        "2",
        "at most one round trip per command on an open connection",
        _median(trips),
        lambda v: f"{v:.2f} round trips",
        lambda v: v <= 1.0 + ROUND_TRIP_RESOLUTION,
    )
    fleet = _get(figures, "fleet", "tools") or {}
    ours = _get(fleet, "runbook", "sizes") or {}
    for size, want in (("3", 0.9 * 3), ("16", 12.0)):
        _goal(
            goals,
            f"3-{size}",
            f"speedup on {size} hosts at least {want:g}",
            _median(_get(ours, size, "speedup")),
            lambda v: f"{v:.1f}",
            lambda v, want=want: v >= want,
        )
    theirs = _get(fleet, "ansible", "sizes") or {}
    compared = [(_median(_get(ours, s, "wall")), _median(_get(theirs, s, "wall"))) for s in ours]
    compared = [(a, b) for a, b in compared if a is not None and b is not None]
    slowest = max((a / b for a, b in compared), default=None)
    _goal(
        goals,
        "3-ansible",
        "faster than `ansible-playbook` at every fleet size",
        slowest,
        lambda v: f"at worst {v:.2f}x its time",
        lambda v: v < 1.0,
    )
    connect = _get(figures, "fleet", "connect_all")
    hosts = connect["hosts"] if connect else 0
    _goal(
        goals,
        "3-connect",
        "all connections of 64 hosts open within 1.5 s",
        _median(connect["seconds"]) if connect and hosts >= 64 else None,
        lambda v: f"{v:.2f} s",
        lambda v: v <= 1.5,
    )
    projects = _get(figures, "build", "projects") or {}
    for name in ("guide", "corpus"):
        builds = _get(projects, name, "builds") or {}
        full = _median(builds.get("full"))
        for case, limit in (("incremental", 0.25), ("nothing_changed", 0.2)):
            value = _median(builds.get(case))
            share = value / full if value is not None and full else None
            label = case.replace("_", "-")
            _goal(
                goals,
                f"4-{name}-{label}",
                f"{name}: {label} rebuild at most {limit}x a full build",
                share,
                lambda v: f"{v:.2f}x",
                lambda v, limit=limit: v <= limit,
            )
        reads = (_get(projects, name, "documents_read") or {}).get("nothing_changed") or []
        known = [r for r in reads if r is not None]
        _goal(
            goals,
            f"4-{name}-reads",
            f"{name}: a nothing-changed rebuild reads no document",
            max(known) if known else None,
            lambda v: f"{v:.0f} read",
            lambda v: v == 0,
        )
        one = _median(builds.get("full_j1"))
        share = full / one if full is not None and one else None
        _goal(
            goals,
            f"4-{name}-jobs",
            f"{name}: `-j auto` never slower than `-j 1`",
            share,
            lambda v: f"{v:.2f}x the -j 1 time",
            lambda v: v <= 1.0,
        )
        # After the full build: (touched, nothing changed) per round. Compare the last
        # round's pair with the first's, like with like.
        sizes = _get(projects, name, "environment_pickle_bytes") or []
        growth = max(sizes[-2:]) / max(sizes[1:3]) if len(sizes) >= 5 else None
        _goal(
            goals,
            f"4-{name}-pickle",
            f"{name}: the saved environment does not grow",
            growth,
            lambda v: f"last/first round {v:.4f}",
            lambda v: v <= 1.0,
        )
    rst = _median(_get(projects, "corpus-rst", "builds", "full_j1"))
    md = _median(_get(projects, "corpus-md", "builds", "full_j1"))
    _goal(
        goals,
        "4-myst",
        "MyST within 1.2x of rST (the corpus's halves, -j 1)",
        md / rst if md is not None and rst else None,
        lambda v: f"{v:.2f}x",
        lambda v: v <= 1.2,
    )
    _goal(
        goals,
        "4-check",
        "`runbook check` of the 50-scenario corpus under 30 s",
        _median(_get(projects, "corpus", "builds", "check")),
        lambda v: f"{v:.1f} s",
        lambda v: v < 30,
    )
    startup = figures.get("startup") or {}
    # The goals hold for a filled page cache (the figure's own numbers); cold is shown too.
    cold = startup.get("cold") or {}
    cold_wall, cold_rss = _median(cold.get("wall")), _median(cold.get("max_rss_mb"))
    _goal(
        goals,
        "5-time",
        "`runbook plan` under 0.3 s (page cache filled)",
        _median(startup.get("wall")),
        lambda v: f"{v:.2f} s" + (f" (cold: {cold_wall:.2f} s)" if cold_wall else ""),
        lambda v: v < 0.3,
    )
    _goal(
        goals,
        "5-memory",
        "`runbook plan` under 60 MB (page cache filled)",
        _median(startup.get("max_rss_mb")),
        lambda v: f"{v:.0f} MB" + (f" (cold: {cold_rss:.0f} MB)" if cold_rss else ""),
        lambda v: v < 60,
    )
    return goals


# -- the page's tables ------------------------------------------------------------------


def _spread(entry: dict[str, Any] | None, scale: float = 1.0, digits: int = 1) -> str:
    if entry is None:
        return "–"
    m, lo, hi = (entry[k] * scale for k in ("median", "min", "max"))
    return f"{m:.{digits}f} ({lo:.{digits}f}–{hi:.{digits}f})"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def _startup_cells(entry: dict[str, Any]) -> list[str]:
    return [_spread(entry["wall"], 1, 2), _spread(entry["max_rss_mb"], 1, 0)]


def markdown(results: dict[str, Any]) -> str:
    """The figures and the goals as MyST tables: median (min–max) of the rounds."""
    figures = results.get("figures", {})
    machine = results.get("machine", {})
    lines = [
        f"Measured on {machine.get('cpus', '?')} CPUs ({machine.get('kernel', '?')}); every "
        "figure is the median (min–max) of the rounds, the tools taking turns within each "
        "round. Each section says when it was measured and the machine's load average "
        "(one minute) before and after that run.",
        "",
    ]
    measured = results.get("measured", {})

    def when(key: str) -> str:
        entry = measured.get(key)
        if not entry:
            return ""
        before, after = entry["load"]
        finished = entry["finished"]
        return f"\n\n*From the run that finished {finished}, load average {before} → {after}.*"

    per_step = figures.get("per_step")
    if per_step:
        # Figure 1 may be run alone: then the round trips are an earlier run's, said so.
        apart = (measured.get("latency") or {}).get("finished") != (
            measured.get("per_step") or {}
        ).get("finished")
        latency_when = when("latency").replace("From the run", "Round trips from the run")
        lines += [
            "### Per-step cost (figures 1 and 2)"
            + when("per_step")
            + (latency_when if apart else ""),
            "",
            f"{per_step['steps']} steps on one testbed node, rounds: {per_step['rounds']}.",
            "",
        ]
        latency = (figures.get("latency") or {}).get("tools", {})
        header = ["tool", "per step (ms)", "fixed cost (s)", f"{per_step['steps']} steps (s)"]
        if latency:
            header.append(f"round trips per command ({figures['latency']['delay_ms']:g} ms delay)")
        rows = []
        for tool, entry in per_step["tools"].items():
            row = [
                TOOL_NAMES.get(tool, tool),
                _spread(entry["per_step"], 1000),
                _spread(entry["fixed"], 1, 2),
                _spread(entry["wall"], 1, 2),
            ]
            if latency:
                row.append(_spread(latency.get(tool, {}).get("round_trips_per_command")))
            rows.append(row)
        lines += _table(header, rows)
        ratio_rows = [
            [f"`{name}`", _spread(entry, 1, 2)] for name, entry in per_step["ratios"].items()
        ]
        lines += _table(["per-step ratio", "median (min–max)"], ratio_rows)
    fleet = figures.get("fleet")
    if fleet:
        lines += [
            "### Fleet scaling (figure 3)" + when("fleet"),
            "",
            f"One `sleep {fleet['sleep']:g}` step and {fleet['steps']} trivial steps on every "
            f"host, forks = hosts, rounds: {fleet['rounds']}. CPU is the tool's own (its "
            "process and children).",
            "",
        ]
        header = ["hosts"]
        for tool in fleet["tools"]:
            header += [f"{tool} (s)", f"{tool} CPU (s)", f"{tool} speedup"]
        rows = []
        skipped = fleet.get("ansible_max_hosts")
        for size in fleet["sizes"]:
            row = [str(size)]
            for tool, entry in fleet["tools"].items():
                cell = entry["sizes"].get(str(size), {})
                if tool == "ansible" and skipped and size > skipped:
                    row += ["not run", "", ""]
                    continue
                row += [
                    _spread(cell.get("wall"), 1, 2),
                    _spread(cell.get("cpu"), 1, 2),
                    _spread(cell.get("speedup")),
                ]
            rows.append(row)
        lines += _table(header, rows)
        connect = fleet["connect_all"]
        lines += [
            f"Opening all {connect['hosts']} connections (`runbook run`'s own code): "
            f"{_spread(connect['seconds'], 1, 2)} s.",
            "",
        ]
    build = figures.get("build")
    if build:
        corpus = build["corpus"]
        lines += [
            "### Guide build (figure 4)" + when("build"),
            "",
            f"Seconds, rounds: {build['rounds']}; the corpus is {corpus['scenarios']} "
            f"scenarios of {corpus['steps']} steps.",
            "",
        ]
        cases = ["full", "full_j1", "incremental", "nothing_changed", "check"]
        header = [
            "project",
            "full -j auto",
            "full -j 1",
            "touch one page",
            "nothing changed",
            "`runbook check`",
            "documents read (nothing changed)",
            "environment (KB)",
        ]
        rows = []
        for name, entry in build["projects"].items():
            row = [name]
            for case in cases:
                cell = entry["builds"].get(case)
                row.append(_spread(cell, 1, 2) if cell else "–")
            reads = entry["documents_read"].get("nothing_changed")
            row.append(", ".join(str(r) for r in reads) if reads else "–")
            sizes = entry["environment_pickle_bytes"]
            row.append(" → ".join(f"{s / 1024:.0f}" for s in sizes) if sizes else "–")
            rows.append(row)
        lines += _table(header, rows)
    startup = figures.get("startup")
    if startup:
        header, rows = ["wall (s)", "peak memory (MB)"], [_startup_cells(startup)]
        if "cold" in startup:  # results from before the page cache have one row
            header = ["page cache", *header]
            rows = [
                ["cold (emptied before each run)", *_startup_cells(startup["cold"])],
                ["warm (filled)", *_startup_cells(startup)],
            ]
        lines += [
            "### Start-up (figure 5)" + when("startup"),
            "",
            f"`{startup['command']}`, {startup['runs']} runs each.",
            "",
            *_table(header, rows),
        ]
    goals = results.get("goals") or evaluate(results)
    verdicts = {True: "met", False: "**missed**", None: "not measured"}
    lines += ["### Goals met and missed", ""]
    lines += _table(
        ["goal", "measured (median)", ""],
        [[g["goal"], g["measured"], verdicts[g["met"]]] for g in goals],
    )
    return "\n".join(lines).rstrip() + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description="Print the benchmark page's tables.")
    parser.add_argument("results", type=Path, help="a results file of bench/results/")
    args = parser.parse_args()
    print(markdown(json.loads(args.results.read_text())), end="")


if __name__ == "__main__":
    main()
