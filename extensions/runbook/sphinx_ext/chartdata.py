"""What each chart of the guide shows, read from the benchmark results (``make bench``'s JSON).

Pure functions from the parsed JSON to a :class:`Chart`: the directive reads the file, the
HTML writer draws the chart. A result file without the figure asked for is a
:class:`ChartError` that names what is missing, so a page gets a located warning instead
of a traceback.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


class ChartError(ValueError):
    """The results hold no data for the chart asked for (the message says what)."""


@dataclass(frozen=True)
class Series:
    """One tool's values: medians with their min and max, one per x position."""

    key: str
    label: str
    median: tuple[float, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]


@dataclass(frozen=True)
class Chart:
    """A chart as data: bars (one per series, ``x`` their labels) or lines over ``x``."""

    kind: str  # "bars", "lines" or "budget" (bars, each with its budget marked)
    title: str
    x_label: str
    y_label: str
    x: tuple[str, ...]
    series: tuple[Series, ...]
    log_scale: bool = False
    alt: str = field(default="")


#: Tools as the benchmark tables name them.
TOOL_LABELS = {
    "runbook": "runbook run",
    "ssh-mux": "ssh per command",
    "ssh-script": "ssh, whole script",
    "ansible": "ansible-playbook",
    "fab": "fab (exported)",
}


def _stat(value: Any, where: str) -> tuple[float, float, float]:
    try:
        stat = float(value["median"]), float(value["min"]), float(value["max"])
    except (KeyError, TypeError, ValueError, OverflowError):
        raise ChartError(f"{where} has no median, min and max") from None
    if not all(math.isfinite(number) and number >= 0 for number in stat):
        raise ChartError(f"{where} holds a value that is not a finite, positive number")
    return stat


def _get(value: Any, key: str) -> Any:
    """``value[key]`` when ``value`` is a mapping holding it, else None."""
    return value.get(key) if isinstance(value, Mapping) else None


def _figure(results: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    figure = _get(_get(results, "figures"), name)
    if not isinstance(figure, Mapping):
        raise ChartError(f"the results have no {name!r} figure (run `make bench`)")
    return figure


def per_step_chart(results: Mapping[str, Any]) -> Chart:
    """Figure 1: the cost of one step by tool, log scale (they differ by orders)."""
    tools = _figure(results, "per_step").get("tools")
    if not isinstance(tools, Mapping) or not tools:
        raise ChartError("the 'per_step' figure lists no tools")
    keys = [key for key in TOOL_LABELS if key in tools] + sorted(
        set(tools) - set(TOOL_LABELS), key=str
    )
    stats = [_stat(_get(tools[key], "per_step"), f"per_step.tools.{key}.per_step") for key in keys]
    ms = [(m * 1000, lo * 1000, hi * 1000) for m, lo, hi in stats]
    series = Series(
        key="per-step",
        label="per step",
        median=tuple(m for m, _, _ in ms),
        low=tuple(lo for _, lo, _ in ms),
        high=tuple(hi for _, _, hi in ms),
    )
    labels = tuple(TOOL_LABELS.get(key, str(key)) for key in keys)
    alt = "; ".join(f"{label}: {m:.1f} ms" for label, (m, _, _) in zip(labels, ms, strict=True))
    return Chart(
        kind="bars",
        title="Cost of one step, by tool",
        x_label="milliseconds per step (log scale; bars: median, whiskers: min to max)",
        y_label="",
        x=labels,
        series=(series,),
        log_scale=True,
        alt=f"Milliseconds per step: {alt}.",
    )


def fleet_chart(results: Mapping[str, Any]) -> Chart:
    """Figure 3: wall time of the same run on more and more hosts, by tool."""
    figure = _figure(results, "fleet")
    tools = figure.get("tools")
    sizes = figure.get("sizes")
    if not isinstance(tools, Mapping) or not isinstance(sizes, list) or not sizes:
        raise ChartError("the 'fleet' figure lists no tools or sizes")
    if not all(isinstance(size, int) and not isinstance(size, bool) and size > 0 for size in sizes):
        raise ChartError("the 'fleet' figure's sizes are not host counts")
    series = []
    for key in (k for k in ("runbook", "ansible") if k in tools):
        per_size = _get(tools[key], "sizes")
        # A size a tool was not run at (ansible-playbook above its limit) has no wall time.
        measured = [str(size) for size in sizes if _get(_get(per_size, str(size)), "wall")]
        if not measured:
            continue
        nan = (float("nan"),) * 3
        by_size = {
            s: _stat(_get(per_size[s], "wall"), f"fleet.tools.{key}.sizes.{s}") for s in measured
        }
        stats = [by_size.get(str(size), nan) for size in sizes]
        series.append(
            Series(
                key=key,
                label=TOOL_LABELS.get(key, key),
                median=tuple(m for m, _, _ in stats),
                low=tuple(lo for _, lo, _ in stats),
                high=tuple(hi for _, _, hi in stats),
            )
        )
    if not series:
        raise ChartError("the 'fleet' figure has no measured sizes")
    alt = "; ".join(
        f"{s.label}: "
        + ", ".join(
            f"{size} hosts {m:.1f} s" for size, m in zip(sizes, s.median, strict=True) if m == m
        )
        for s in series
    )
    return Chart(
        kind="lines",
        title="The same run on more hosts",
        x_label="hosts",
        y_label="seconds (median; band: min to max)",
        x=tuple(str(size) for size in sizes),
        series=tuple(series),
        alt=f"Wall time by number of hosts: {alt}.",
    )


def drills_chart(measured: Sequence[tuple[str, float, float | None]]) -> Chart:
    """Each drill's measured downtime against its budget, ``(name, downtime, budget)``."""
    if not measured:
        raise ChartError("no drill has been measured")
    nan = float("nan")
    downtime = Series(
        key="downtime",
        label="measured downtime",
        median=tuple(d for _, d, _ in measured),
        low=tuple(d for _, d, _ in measured),
        high=tuple(d for _, d, _ in measured),
    )
    budgets = tuple(nan if b is None else b for _, _, b in measured)
    budget = Series(key="budget", label="budget", median=budgets, low=budgets, high=budgets)
    alt = "; ".join(
        f"{name}: {d:.1f} s" + ("" if b is None else f" (budget {b:g} s)")
        for name, d, b in measured
    )
    return Chart(
        kind="budget",
        title="Drills: downtime against budget",
        x_label="seconds without a successful probe (bar: measured, mark: budget)",
        y_label="",
        x=tuple(name for name, _, _ in measured),
        series=(downtime, budget),
        alt=f"Downtime by drill: {alt}.",
    )


#: The charts a page can ask for, by the name ``:figure:`` takes.
CHARTS: dict[str, Callable[[Mapping[str, Any]], Chart]] = {
    "per-step": per_step_chart,
    "fleet": fleet_chart,
}
