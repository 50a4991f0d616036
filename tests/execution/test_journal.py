"""The journal: what is written, how it is read back, and what --resume chooses from it."""

from __future__ import annotations

import json
import os
import stat

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runbook.execution.errors import ResumeError
from runbook.execution.fingerprint import inventory_name, plan_fingerprints
from runbook.execution.journal import JournalWriter, read_journal, resume_selection
from runbook.model import Secret, Verify
from runbook.plan.inventory import inventory_from_hosts, load_inventory

from .helpers import local_plan, local_step


def three_steps(tmp_path, fail_at: int | None = None, text: str = "echo"):
    return local_plan(
        *(
            local_step(i, "exit 1" if i == fail_at else f"{text} {i} >> {tmp_path / 'log'}")
            for i in (1, 2, 3)
        ),
        variables={"TOKEN": Secret("journal-secret-value")},
    )


def test_a_run_is_recorded_per_step_and_host_with_mode_0600(run_local, tmp_path) -> None:
    journal = tmp_path / "journals" / "demo.jsonl"
    run_local(three_steps(tmp_path), JournalWriter(journal))
    assert stat.S_IMODE(journal.stat().st_mode) == 0o600
    records = [json.loads(line) for line in journal.read_text().splitlines()]
    assert [r["t"] for r in records] == ["run", "host", "host", "host", "facts", "end"]
    assert [r["step"] for r in records if r["t"] == "host"] == ["demo/1", "demo/2", "demo/3"]
    assert records[-1] == {**records[-1], "status": "done", "complete": True}
    assert {r["v"] for r in records} == {2}
    assert records[0]["inventory_name"] == "local"
    assert records[4]["host"] == "localhost" and records[4]["packages"] == {}
    assert read_journal(journal).complete


def test_the_journal_reaches_the_disk_at_the_start_after_each_step_and_at_the_end(
    run_local, tmp_path, monkeypatch
) -> None:
    """Every record is written at once (a killed runner loses nothing); the disk is asked
    to keep them once per step, not once per host record."""
    journal = tmp_path / "j.jsonl"
    synced: list[int] = []
    real_fsync = os.fsync

    def counting_fsync(fd: int) -> None:
        synced.append(len(journal.read_text().splitlines()))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", counting_fsync)
    run_local(three_steps(tmp_path), JournalWriter(journal))
    # run record; after steps 1, 2, 3 (one host record each); facts and end at the end.
    assert synced == [1, 2, 3, 4, 6]


def test_the_journal_holds_no_secret_values_and_no_output(run_local, tmp_path) -> None:
    journal = tmp_path / "j.jsonl"
    plan = local_plan(
        local_step(1, 'echo "$TOKEN"; echo visible-output', verify=Verify("false")),
        variables={"TOKEN": Secret("journal-secret-value")},
    )
    run_local(plan, JournalWriter(journal))
    text = journal.read_text()
    assert "journal-secret-value" not in text
    assert "visible-output" not in text


def test_a_torn_last_line_is_skipped_with_a_warning(run_local, tmp_path) -> None:
    journal = tmp_path / "j.jsonl"
    run_local(three_steps(tmp_path), JournalWriter(journal))
    with journal.open("a") as file:
        file.write('{"v": 1, "t": "host", "step": "demo/1", "ho')
    state = read_journal(journal)
    assert state.done("demo/3", ["localhost"])
    assert len(state.warnings) == 1
    assert "torn" in state.warnings[0]


def test_a_missing_journal_is_an_empty_one(tmp_path) -> None:
    state = read_journal(tmp_path / "none.jsonl")
    assert not state.exists
    assert not state.complete


def test_resume_starts_at_the_failed_step(run_local, tmp_path) -> None:
    journal = tmp_path / "j.jsonl"
    failing = three_steps(tmp_path, fail_at=2)
    run_local(failing, JournalWriter(journal))
    assert not read_journal(journal).complete
    fixed = three_steps(tmp_path)
    chosen = resume_selection(read_journal(journal), fixed.steps, plan_fingerprints(fixed))
    assert [p.step.id for p in chosen] == ["demo/2", "demo/3"]


def test_resume_after_a_complete_run_has_nothing_left(run_local, tmp_path) -> None:
    journal = tmp_path / "j.jsonl"
    plan = three_steps(tmp_path)
    run_local(plan, JournalWriter(journal))
    assert resume_selection(read_journal(journal), plan.steps, plan_fingerprints(plan)) == ()


def test_resume_refuses_when_a_verified_step_changed(run_local, tmp_path) -> None:
    journal = tmp_path / "j.jsonl"
    run_local(three_steps(tmp_path, fail_at=3), JournalWriter(journal))
    changed = three_steps(tmp_path, text="echo changed")
    with pytest.raises(ResumeError, match=r"demo/1, demo/2 .*--from 1.*--from 3"):
        resume_selection(read_journal(journal), changed.steps, plan_fingerprints(changed))


def test_a_step_skipped_by_its_guard_counts_as_done(run_local, tmp_path) -> None:
    journal = tmp_path / "j.jsonl"
    plan = local_plan(local_step(1, "exit 1", guard="true"), local_step(2, "exit 1"))
    run_local(plan, JournalWriter(journal))
    chosen = resume_selection(read_journal(journal), plan.steps, plan_fingerprints(plan))
    assert [p.step.id for p in chosen] == ["demo/2"]


def test_check_runs_write_nothing(run_local, tmp_path) -> None:
    journal = tmp_path / "j.jsonl"
    run_local(three_steps(tmp_path), JournalWriter(journal), mode="check")
    assert not journal.exists()


STATUSES = st.sampled_from(["ok", "skipped", "failed", "interrupted", "not-run"])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 3), st.sampled_from(["h1", "h2"]), STATUSES)))
def test_the_latest_record_of_each_step_and_host_decides(tmp_path_factory, records) -> None:
    path = tmp_path_factory.mktemp("j") / "j.jsonl"
    lines = [json.dumps({"v": 1, "t": "run", "run": "r"})]
    lines += [
        json.dumps({"v": 1, "t": "host", "run": "r", "step": f"demo/{i}", "host": h, "status": s})
        for i, h, s in records
    ]
    path.write_text("\n".join(lines) + "\n")
    state = read_journal(path)
    latest = {(f"demo/{i}", h): s for i, h, s in records}
    for index in (1, 2, 3):
        for host in ("h1", "h2"):
            expected = latest.get((f"demo/{index}", host)) in ("ok", "skipped")
            assert state.done(f"demo/{index}", [host]) is expected


def test_records_of_the_wrong_shape_are_ignored(tmp_path) -> None:
    path = tmp_path / "j.jsonl"
    path.write_text('[1, 2]\n{"t": "host", "step": ["x"], "host": {}}\n"text"\n')
    state = read_journal(path)
    assert state.latest == {}
    assert [warning.split(": ", 1)[1] for warning in state.warnings] == [
        "ignored line 1: not an object",
        "ignored line 2: step is not a string",
        "ignored line 3: not an object",
    ]


def test_an_inventory_is_named_for_people_by_its_testbed_or_its_file(tmp_path) -> None:
    listed = tmp_path / "hosts.txt"
    listed.write_text("10.0.0.1\n")
    testbed = tmp_path / "tb.yml"
    testbed.write_text("all:\n  vars: {runbook_testbed: default}\n  hosts: {node1: {}}\n")
    assert inventory_name(load_inventory(listed)) == str(listed)
    assert inventory_name(load_inventory(testbed)) == "testbed default"
    assert inventory_name(inventory_from_hosts(["10.0.0.1"])) == "hosts given with --hosts"
    assert inventory_name(None) == "local"
