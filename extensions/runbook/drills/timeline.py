"""From timestamped probe results to the figures a drill is judged by; pure arithmetic.

Times are seconds on one monotonic clock, with the fault injected at ``start``. The
figures follow from the timestamps alone, so they can be recomputed from a recording:

- downtime: the longest gap between two successes, counting the last success before the
  fault and the end of the measurement as the gap's ends;
- time to recovery (MTTR): from the fault to the first success after the last failure
  (0 when the probe never failed; ``None`` when it was still failing at the end);
- failed requests: the failures between the fault and the end.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from runbook.model.drill import Budget


@dataclass(frozen=True, slots=True)
class Sample:
    """One probe request: when it completed, and whether it succeeded."""

    at: float
    ok: bool


@dataclass(frozen=True, slots=True)
class Figures:
    """What a drill measured (one probe's, or the worst over every probe)."""

    downtime: float
    mttr: float | None
    failed_requests: int
    requests: int
    lost_writes: int | None = None


def probe_figures(samples: Iterable[Sample], start: float, end: float) -> Figures:
    """One probe's figures over ``[start, end]``; earlier samples only mark the last success."""
    if end < start:
        raise ValueError("the measurement ends before the fault")
    ordered = sorted((s for s in samples if s.at <= end), key=lambda s: s.at)
    before = [s.at for s in ordered if s.ok and s.at <= start]
    during = [s for s in ordered if s.at >= start]
    last_good = before[-1] if before else start
    downtime = 0.0
    for sample in during:
        if sample.ok:
            downtime = max(downtime, sample.at - last_good)
            last_good = sample.at
    downtime = max(downtime, end - last_good)
    failures = [s.at for s in during if not s.ok]
    mttr: float | None = 0.0
    if failures:
        recovered = [s.at for s in during if s.ok and s.at > failures[-1]]
        mttr = recovered[0] - start if recovered else None
    return Figures(downtime, mttr, len(failures), len(during))


def worst(figures: Sequence[Figures], lost_writes: int | None = None) -> Figures:
    """The drill's figures: the longest downtime and MTTR of its probes, every failure."""
    if not figures:
        raise ValueError("a drill has at least one probe")
    mttrs = [f.mttr for f in figures]
    return Figures(
        downtime=max(f.downtime for f in figures),
        mttr=None if any(m is None for m in mttrs) else max(m or 0.0 for m in mttrs),
        failed_requests=sum(f.failed_requests for f in figures),
        requests=sum(f.requests for f in figures),
        lost_writes=lost_writes,
    )


def over_budget(budget: Budget, figures: Figures) -> list[str]:
    """Each way ``figures`` exceed ``budget``, in words; empty when the drill is within it."""
    problems = []
    if budget.downtime is not None and figures.downtime > budget.downtime:
        problems.append(
            f"downtime {figures.downtime:.1f} s is over the budget of {budget.downtime:g} s"
        )
    if budget.mttr is not None:
        if figures.mttr is None:
            problems.append("service was not restored before the measurement ended")
        elif figures.mttr > budget.mttr:
            problems.append(f"time to recovery {figures.mttr:.1f} s is over {budget.mttr:g} s")
    if budget.failed_requests is not None and figures.failed_requests > budget.failed_requests:
        problems.append(
            f"{figures.failed_requests} failed requests, over the budget of "
            f"{budget.failed_requests}"
        )
    if budget.lost_writes is not None:
        if figures.lost_writes is None:
            problems.append("the acknowledged writes could not be read back to count losses")
        elif figures.lost_writes > budget.lost_writes:
            problems.append(
                f"{figures.lost_writes} acknowledged writes lost, over the budget of "
                f"{budget.lost_writes}"
            )
    return problems
