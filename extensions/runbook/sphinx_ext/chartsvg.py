"""A :class:`~runbook.sphinx_ext.chartdata.Chart` drawn as SVG with matplotlib, per theme.

matplotlib is imported here only, when a page with a chart is written, so a build of
pages without charts never pays for it. The SVG is reproducible (no date, fixed ids) and
keeps its text as text, in the page's own fonts.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from runbook.sphinx_ext.chartdata import Chart

if TYPE_CHECKING:
    from matplotlib.axes import Axes


@dataclass(frozen=True)
class Theme:
    """Colours of one of the guide's themes (furo's light and dark)."""

    name: str
    text: str
    grid: str
    palette: tuple[str, ...]


#: Okabe-Ito colours, readable by colour-blind readers; lighter ones on the dark theme.
THEMES = (
    Theme("light", "#303030", "#d8d8d8", ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00")),
    Theme("dark", "#d0d0d0", "#4a4a4a", ("#56B4E9", "#F0A060", "#3CC8A0", "#E0A0C8", "#F0C040")),
)


def draw(chart: Chart, theme: Theme) -> str:
    """The chart as an SVG document (text)."""
    import matplotlib

    matplotlib.use("svg", force=True)
    from matplotlib import pyplot

    style: dict[Any, Any] = {
        "svg.fonttype": "none",
        "svg.hashsalt": "runbook",
        "font.family": "sans-serif",
        "font.size": 10,
        "text.color": theme.text,
        "axes.labelcolor": theme.text,
        "axes.edgecolor": theme.grid,
        "xtick.color": theme.text,
        "ytick.color": theme.text,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
    with matplotlib.rc_context(style):
        figure, axes = pyplot.subplots(
            figsize=(7.2, 3.8 if chart.kind == "lines" else max(2.4, 0.45 * len(chart.x) + 1.2))
        )
        try:
            figure.patch.set_alpha(0)
            axes.set_facecolor("none")
            axes.grid(True, color=theme.grid, linewidth=0.6)
            axes.set_axisbelow(True)
            if chart.kind == "bars":
                _bars(axes, chart, theme)
            elif chart.kind == "budget":
                _budget(axes, chart, theme)
            else:
                _lines(axes, chart, theme)
            axes.set_title(chart.title, loc="left", fontsize=11, fontweight="bold")
            figure.tight_layout()
            out = io.StringIO()
            figure.savefig(out, format="svg", metadata={"Date": None}, transparent=True)
        finally:
            pyplot.close(figure)
    return out.getvalue()


def _bars(axes: Axes, chart: Chart, theme: Theme) -> None:
    from matplotlib.ticker import FuncFormatter

    series = chart.series[0]
    positions = list(range(len(chart.x)))
    colours = [theme.palette[i % len(theme.palette)] for i in positions]
    errors = [
        [m - lo for m, lo in zip(series.median, series.low, strict=True)],
        [hi - m for m, hi in zip(series.median, series.high, strict=True)],
    ]
    axes.barh(positions, series.median, color=colours, xerr=errors, ecolor=theme.text, capsize=3)
    labels = [
        f"{label}  {value:.1f} ms" for label, value in zip(chart.x, series.median, strict=True)
    ]
    axes.set_yticks(positions, labels)
    axes.invert_yaxis()
    axes.grid(False, axis="y")
    if chart.log_scale:
        axes.set_xscale("log")
        positive = [value for value in series.low if value > 0] or [1.0]
        axes.set_xlim(left=min(1.0, min(positive) / 2))
        axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _position: f"{value:g}"))
    axes.set_xlabel(chart.x_label)


def _budget(axes: Axes, chart: Chart, theme: Theme) -> None:
    measured, budget = chart.series
    positions = list(range(len(chart.x)))
    over = [
        not math.isnan(b) and m > b for m, b in zip(measured.median, budget.median, strict=True)
    ]
    colours = [theme.palette[1] if o else theme.palette[0] for o in over]
    axes.barh(positions, measured.median, color=colours, label=measured.label)
    marked = [(p, b) for p, b in zip(positions, budget.median, strict=True) if not math.isnan(b)]
    if marked:
        axes.scatter(
            [b for _, b in marked],
            [p for p, _ in marked],
            marker="|",
            s=400,
            linewidths=2.5,
            color=theme.text,
            label=budget.label,
            zorder=3,
        )
    axes.set_yticks(positions, list(chart.x))
    axes.invert_yaxis()
    axes.grid(False, axis="y")
    axes.set_xlabel(chart.x_label)
    axes.legend(frameon=False, loc="lower right")


def _lines(axes: Axes, chart: Chart, theme: Theme) -> None:
    positions = [int(x) for x in chart.x]
    for number, series in enumerate(chart.series):
        colour = theme.palette[number % len(theme.palette)]
        points = [
            (p, m, lo, hi)
            for p, m, lo, hi in zip(positions, series.median, series.low, series.high, strict=True)
            if not math.isnan(m)
        ]
        xs = [p for p, _, _, _ in points]
        axes.plot(xs, [m for _, m, _, _ in points], marker="o", color=colour, label=series.label)
        axes.fill_between(
            xs, [lo for *_, lo, _ in points], [hi for *_, hi in points], color=colour, alpha=0.2
        )
    axes.set_xscale("log", base=2)
    axes.set_xticks(positions, chart.x)
    axes.set_xlabel(chart.x_label)
    axes.set_ylabel(chart.y_label)
    axes.legend(frameon=False)
