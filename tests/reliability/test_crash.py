"""The runner killed with SIGKILL at random points: the journal still loads and tells the
truth, its locks are recovered, and ``--resume`` finishes the scenario."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import pytest

from runbook.execution.events import EventBus
from runbook.execution.journal import JournalWriter, read_journal
from runbook.execution.runner import Runner
from runbook.execution.transport import LocalTransport
from runbook.model import LOCAL, Scenario, Step
from runbook.plan.model import LOCAL_HOST, Plan, PlannedStep

from .support import (
    assert_journal_tells_the_truth,
    assert_resume_reran_nothing_done,
    counted_scenario,
    done_pairs,
    journal,
    start_run,
)

STEPS = 8
TRIES = 25
TORN = b'{"v": 1, "t": "host", "step": "killed/'


@pytest.mark.testbed
@pytest.mark.proves(
    "fault",
    "SIGKILL of the runner at random points, again and again, one kill tearing the "
    "journal's last line",
    "Every journal loads: a torn last line is skipped with a warning and the next run starts "
    "on a new line. Steps recorded done really ran; only the step in flight may lack its "
    "record. The dead run's locks are taken over, and `--resume` completes the scenario "
    "without running a verified step again.",
)
def test_sigkill_at_random_points_never_loses_the_journal_or_reruns_a_verified_step(
    remote, tmp_path, state_dir
) -> None:
    bed = remote.bed
    scenario = counted_scenario(tmp_path / "s.rst", "killed", remote, ["sleep 0.4"] * STEPS)
    chance = random.Random(20261121)
    torn_at: int | None = None  # how many runs the journal had when its last line was torn
    checked = False
    kills = 0
    for attempt in range(TRIES):
        before = remote.counts()
        done_before = done_pairs(journal(state_dir), "killed") if attempt else set()
        process = start_run(scenario, bed, state_dir, *(["--resume"] if attempt else []))
        try:
            time.sleep(chance.uniform(0.2, 1.8 + 0.2 * attempt))  # a loaded machine starts slowly
            process.process.kill()
            status = process.wait()
        finally:
            process.stop()
        time.sleep(1.0)  # a remote step the kill orphaned finishes
        counts = remote.counts()
        state = journal(state_dir)
        if torn_at is not None and not checked and len(state.runs) > torn_at:
            assert "ignored an unreadable last line (torn by a crash?)" in process.output
            checked = True
        assert_journal_tells_the_truth(state, "killed", counts, killed=status != 0)
        assert_resume_reran_nothing_done(done_before, before, counts)
        if status == 0:
            break
        kills += 1
        if state.exists and torn_at is None:
            with state.path.open("ab") as file:
                file.write(TORN)
            torn_at = len(state.runs)
    else:
        pytest.fail(f"the runner never got to the end in {TRIES} tries")
    assert kills >= 3 and checked, kills
    final = journal(state_dir)
    assert final.complete
    assert all((step, node) in counts for step in range(1, STEPS + 1) for node in bed.nodes)


@pytest.mark.proves(
    "fault",
    "A journal whose last line was torn by a crash, then appended to by the next run",
    "The next run writes a newline first, so its records start on a line of their own; "
    "the reader skips the torn fragment with a warning naming its line and keeps every "
    "record before and after it.",
)
def test_a_run_after_a_torn_line_starts_on_a_fresh_line(tmp_path: Path) -> None:
    path = tmp_path / "journals" / "demo.jsonl"
    step = Step("demo", 1, title="Say hi", script="true", target=LOCAL)
    plan = Plan(Scenario("demo", "Demo", (step,)), (PlannedStep(step, (LOCAL_HOST,)),), {})

    def one_run() -> None:
        bus = EventBus(JournalWriter(path))
        Runner(plan, {LOCAL_HOST: LocalTransport(LOCAL_HOST)}, bus).run(plan.steps)

    one_run()
    with path.open("ab") as file:
        file.write(TORN)
    one_run()
    state = read_journal(path)
    assert len(state.runs) == 2 and len(state.ends) == 2
    # The first run wrote run, host, facts and end: the torn line is the fifth.
    assert state.warnings == [f"{path}: ignored an unreadable line 5"]
    assert state.complete
    lines = path.read_bytes().split(b"\n")
    assert lines[4] == TORN and json.loads(lines[5])["t"] == "run"
    assert path.stat().st_mode & 0o777 == 0o600
