"""Console rendering of events: the same lines with or without rich, output grouped per host."""

from __future__ import annotations

import io

from runbook.execution.console import ConsoleReport, duration
from runbook.model import Verify

from .helpers import local_plan, local_step


def rendered(recorded, **options) -> str:
    stream = io.StringIO()
    report = ConsoleReport(stream, **options)
    for event in recorded.events:
        report(event)
    return stream.getvalue()


def test_rich_and_plain_output_say_the_same_off_a_terminal(run_local) -> None:
    plan = local_plan(local_step(1, "echo hi", verify=Verify("false", retries=1, delay=0)))
    recorded = run_local(plan)
    assert rendered(recorded, rich=True) == rendered(recorded)


def test_verbose_output_comes_as_one_block_per_host_and_command(run_local) -> None:
    plan = local_plan(local_step(1, "echo one; echo two; echo err >&2"))
    text = rendered(run_local(plan), verbose=True)
    block = [line for line in text.splitlines() if "|" in line]
    assert block == [
        "  localhost  out| one",
        "  localhost  out| two",
        "  localhost  err| err",
    ]


def test_retries_are_shown_with_the_reason_and_the_wait(run_local) -> None:
    plan = local_plan(
        local_step(1, "true", verify=Verify("echo down", match="^up$", retries=1, delay=0))
    )
    text = rendered(run_local(plan))
    assert "verification 1/2 not yet: output 'down' does not match '^up$'; again in 0s" in text


def test_durations_read_like_a_person_would_say_them() -> None:
    assert [duration(s) for s in (0.42, 12.34, 125, 3725)] == ["0.4s", "12.3s", "2m05s", "1h02m"]
