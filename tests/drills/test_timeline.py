"""Budget and timeline arithmetic: downtime is the longest gap between successes."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runbook.drills.timeline import Figures, Sample, over_budget, probe_figures, worst
from runbook.model.drill import Budget


def test_downtime_is_the_longest_gap_between_successes() -> None:
    samples = [Sample(-0.5, True), Sample(1, False), Sample(2, False), Sample(7.5, True)]
    samples += [Sample(8, True), Sample(9, True)]
    figures = probe_figures(samples, start=0, end=9)
    assert figures.downtime == pytest.approx(8.0)  # from -0.5 to 7.5
    assert figures.mttr == pytest.approx(7.5)
    assert figures.failed_requests == 2
    assert figures.requests == 5


def test_a_probe_still_failing_at_the_end_is_not_restored() -> None:
    figures = probe_figures([Sample(0, True), Sample(3, False)], start=0, end=10)
    assert figures.mttr is None
    assert figures.downtime == pytest.approx(10)


def test_a_probe_that_never_failed_recovered_at_once() -> None:
    figures = probe_figures([Sample(t / 4, True) for t in range(41)], start=0, end=10)
    assert figures.mttr == 0
    assert figures.downtime == pytest.approx(0.25)


def test_the_end_before_the_start_is_refused() -> None:
    with pytest.raises(ValueError, match="ends before"):
        probe_figures([], start=5, end=1)


times = st.floats(min_value=-5, max_value=100, allow_nan=False)


@given(st.lists(st.tuples(times, st.booleans()), max_size=60), st.floats(0, 100))
def test_figures_follow_from_the_timestamps(points: list[tuple[float, bool]], end: float) -> None:
    samples = [Sample(at, ok) for at, ok in points]
    figures = probe_figures(samples, start=0, end=end)
    during = sorted(s.at for s in samples if s.ok and 0 <= s.at <= end)
    before = [s.at for s in samples if s.ok and s.at <= 0]
    ends = [max(before) if before else 0.0, *during, end]
    gaps = [b - a for a, b in itertools.pairwise(ends)]
    assert figures.downtime == pytest.approx(max(gaps))
    assert figures.downtime <= end - (max(before) if before else 0.0) + 1e-9
    assert figures.failed_requests == sum(1 for s in samples if not s.ok and 0 <= s.at <= end)
    if figures.mttr is not None:
        assert 0 <= figures.mttr <= end
        # after the recovery point, nothing failed
        assert not [s for s in samples if not s.ok and figures.mttr < s.at <= end]


@given(
    st.lists(
        st.builds(
            Figures,
            downtime=st.floats(0, 100),
            mttr=st.none() | st.floats(0, 100),
            failed_requests=st.integers(0, 50),
            requests=st.integers(0, 50),
        ),
        min_size=1,
        max_size=5,
    ),
    st.floats(0, 100),
)
def test_over_budget_exactly_when_a_figure_exceeds_it(probes: list[Figures], limit: float) -> None:
    drill = worst(probes, lost_writes=0)
    problems = over_budget(Budget(downtime=limit, lost_writes=0), drill)
    assert bool(problems) == (max(p.downtime for p in probes) > limit)


def test_mttr_budget_fails_when_not_restored_and_lost_writes_count() -> None:
    figures = Figures(downtime=1, mttr=None, failed_requests=0, requests=4, lost_writes=2)
    problems = over_budget(Budget(mttr=60, lost_writes=0), figures)
    assert problems == [
        "service was not restored before the measurement ended",
        "2 acknowledged writes lost, over the budget of 0",
    ]
    unknown = Figures(downtime=1, mttr=0, failed_requests=0, requests=4, lost_writes=None)
    assert over_budget(Budget(lost_writes=0), unknown) == [
        "the acknowledged writes could not be read back to count losses"
    ]
