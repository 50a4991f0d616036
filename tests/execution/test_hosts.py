"""Several hosts per step: parallel, rolling batches, run-once, stop after a failure.

The hosts are this machine under several names, each with its own local transport, so
real processes run at the same time.
"""

from __future__ import annotations

import time

import pytest

from runbook.execution.events import EventBus, HostDone
from runbook.execution.runner import Runner
from runbook.execution.transport import LocalTransport
from runbook.model import Scenario, Step, StepOptions
from runbook.plan.model import Host, Inventory, Plan, PlannedStep

HOSTS = ("h1", "h2", "h3")


def plan_of(*steps: Step) -> Plan:
    inventory = Inventory(hosts=tuple(Host(h, "127.0.0.1") for h in HOSTS), groups={})
    return Plan(
        Scenario("multi", "Multi", steps),
        tuple(PlannedStep(step, HOSTS) for step in steps),
        {},
        inventory=inventory,
        nodes=HOSTS,
    )


@pytest.fixture
def run_hosts():
    def run(plan: Plan, **options):
        outcomes: list = []
        bus = EventBus(lambda e: outcomes.append(e.outcome) if isinstance(e, HostDone) else None)
        transports = {h: LocalTransport(h) for h in HOSTS}
        finished = Runner(plan, transports, bus, **options).run(plan.steps)
        return finished, outcomes

    return run


def test_the_hosts_of_a_step_run_at_the_same_time(run_hosts) -> None:
    started = time.monotonic()
    finished, _ = run_hosts(plan_of(Step("multi", 1, "Sleep", "sleep 1")))
    assert finished.status == "done"
    assert time.monotonic() - started < 2.5


def test_forks_bounds_how_many_hosts_run_at_once(run_hosts) -> None:
    started = time.monotonic()
    run_hosts(plan_of(Step("multi", 1, "Sleep", "sleep 0.5")), forks=1)
    assert time.monotonic() - started >= 1.5


def test_serial_runs_rolling_batches(run_hosts, tmp_path) -> None:
    log = tmp_path / "log"
    script = f'echo "start $RB_HOST" >> {log}; sleep 0.3; echo "end $RB_HOST" >> {log}'
    step = Step("multi", 1, "Roll", script, options=StepOptions(serial=2))
    run_hosts(plan_of(step))
    lines = log.read_text().split("\n")
    assert lines.index("start h3") > lines.index("end h1")
    assert lines.index("start h3") > lines.index("end h2")


def test_a_failure_stops_the_hosts_not_yet_started(run_hosts) -> None:
    step = Step("multi", 1, "Fail first", 'test "$RB_HOST" != h1')
    finished, outcomes = run_hosts(plan_of(step, Step("multi", 2, "Next", "true")), forks=1)
    assert finished.status == "failed"
    assert [(o.host, o.status) for o in outcomes] == [
        ("h1", "failed"),
        ("h2", "not-run"),
        ("h3", "not-run"),
    ]


def test_a_failing_batch_stops_the_next_batches(run_hosts) -> None:
    step = Step("multi", 1, "Fail first", 'test "$RB_HOST" != h1', options=StepOptions(serial=1))
    _, outcomes = run_hosts(plan_of(step))
    assert [o.status for o in outcomes] == ["failed", "not-run", "not-run"]


def test_run_once_runs_on_the_first_host_only(run_hosts, tmp_path) -> None:
    step = Step(
        "multi",
        1,
        "Once",
        f"echo $RB_HOST >> {tmp_path / 'ran'}",
        options=StepOptions(run_once=True),
    )
    run_hosts(plan_of(step))
    assert (tmp_path / "ran").read_text() == "h1\n"
