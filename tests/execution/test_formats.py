"""Every file format the runner writes reads back, through its one reader, as written.

The files are written by the real writers, fed the events a run emits; nothing here
writes the formats by hand.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runbook.execution.events import (
    CommandDone,
    EventBus,
    HostDone,
    HostFacts,
    RunFinished,
    RunStarted,
    StepDone,
    StepStarted,
)
from runbook.execution.fingerprint import plan_fingerprints
from runbook.execution.journal import (
    EndRecord,
    FactsRecord,
    HostRecord,
    JournalWriter,
    RunRecord,
    read_journal,
)
from runbook.execution.junit import JUnitReport, xml_safe
from runbook.execution.results import HostOutcome
from runbook.execution.transcript import (
    TranscriptCommand,
    TranscriptWriter,
    read_transcript,
)
from runbook.plan.model import PlannedStep

from .helpers import local_plan, local_step

HOST_STATUSES = st.sampled_from(["ok", "skipped", "failed", "interrupted", "not-run"])
PHASES = st.sampled_from([None, "guard", "copy", "script", "verify"])
RUN_STATUSES = st.sampled_from(["done", "failed", "interrupted", "stopped"])
NAMES = st.text(min_size=1, max_size=12)
TEXT = st.text(max_size=60)
OUTPUT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=200)

outcome = st.builds(
    dict,
    status=HOST_STATUSES,
    phase=PHASES,
    exit_status=st.none() | st.integers(-1, 255),
    message=TEXT,
    duration=st.floats(0, 1e5, allow_nan=False),
)
run = st.builds(
    dict,
    steps=st.integers(1, 3),
    hosts=st.lists(NAMES, min_size=1, max_size=3, unique=True),
    outcomes=st.lists(outcome, min_size=1, max_size=9),
    facts=st.dictionaries(NAMES, st.tuples(TEXT, st.dictionaries(NAMES, st.none() | TEXT))),
    status=RUN_STATUSES,
    inventory_name=TEXT,
)


@settings(max_examples=60, deadline=None)
@given(st.lists(run, min_size=1, max_size=3))
def test_journal_records_read_back_as_the_writer_wrote_them(tmp_path_factory, runs) -> None:
    path = tmp_path_factory.mktemp("j") / "journal.jsonl"
    expected: list[object] = []
    for number, given_run in enumerate(runs):
        plan = local_plan(*(local_step(i, f"echo {i}") for i in range(1, given_run["steps"] + 1)))
        planned = tuple(PlannedStep(p.step, tuple(given_run["hosts"])) for p in plan.steps)
        plan = replace(plan, steps=planned)
        fingerprints = plan_fingerprints(plan)
        run_id = f"run-{number}"
        bus = EventBus(JournalWriter(path))
        bus.emit(
            RunStarted(
                run_id=run_id,
                scenario="demo",
                title="Demo",
                docname=None,
                mode="run",
                digest="sha256:abc",
                inventory="key",
                planned=planned,
                fingerprints=fingerprints,
                selected=tuple(p.step.id for p in planned),
                hosts=tuple(given_run["hosts"]),
                inventory_name=given_run["inventory_name"],
            )
        )
        expected.append(
            RunRecord(
                run=run_id,
                time=0,
                scenario="demo",
                digest="sha256:abc",
                inventory="key",
                inventory_name=given_run["inventory_name"],
                steps={p.step.id: fp for p, fp in zip(planned, fingerprints, strict=True)},
                selected=tuple(p.step.id for p in planned),
                hosts=tuple(given_run["hosts"]),
            )
        )
        for position, fields in enumerate(given_run["outcomes"]):
            step = planned[position % len(planned)]
            host = given_run["hosts"][position % len(given_run["hosts"])]
            done = HostOutcome(step.step.id, host, **fields)
            bus.emit(HostDone(step.step, done))
            bus.emit(StepDone(step.step, (done,), 0.0))
            expected.append(
                HostRecord(
                    run=run_id,
                    time=0,
                    step=step.step.id,
                    host=host,
                    status=fields["status"],
                    fp=fingerprints[planned.index(step)],
                    phase=fields["phase"] or "",
                    exit=fields["exit_status"],
                    duration=round(fields["duration"], 3),
                    message=fields["message"],
                )
            )
        for host, (system, packages) in given_run["facts"].items():
            bus.emit(HostFacts(host, system, packages))
            expected.append(FactsRecord(run_id, 0, host, system, packages))
        bus.emit(RunFinished(given_run["status"], 1.0))
        expected.append(EndRecord(run_id, 0, given_run["status"], complete=False))

    state = read_journal(path)

    assert state.warnings == []
    assert all(record.pid is not None and record.time > 0 for record in state.runs)
    for record, wanted in zip(state.records, expected, strict=True):
        if isinstance(record, RunRecord):
            record = replace(record, pid=None)
        if isinstance(record, EndRecord) and isinstance(wanted, EndRecord):
            wanted = replace(wanted, complete=record.complete)
        assert replace(record, time=0) == wanted


command = st.builds(
    dict,
    phase=PHASES.filter(bool),
    attempt=st.integers(1, 5),
    command=OUTPUT,
    exit_status=st.integers(-1, 255),
    stdout=OUTPUT,
    stderr=OUTPUT,
    duration=st.floats(0, 1e4, allow_nan=False),
)
step = st.builds(
    dict,
    title=OUTPUT.filter(str.strip),
    commands=st.lists(command, max_size=4),
    status=HOST_STATUSES,
    message=OUTPUT,
)


@settings(max_examples=100, deadline=None)
@given(st.lists(step, min_size=1, max_size=4), RUN_STATUSES)
def test_a_transcript_reads_back_command_by_command(tmp_path_factory, steps, status) -> None:
    directory = tmp_path_factory.mktemp("t")
    writer = TranscriptWriter(directory)
    for index, given_step in enumerate(steps, start=1):
        model = local_step(index, "true", title=given_step["title"])
        writer(StepStarted(model, ("node1",), index, len(steps)))
        for fields in given_step["commands"]:
            writer(CommandDone(model, "node1", **fields))
        done = HostOutcome(model.id, "node1", given_step["status"], message=given_step["message"])
        writer(HostDone(model, done))
    writer(RunFinished(status, 1.0))

    transcript = read_transcript(directory / "node1.log")

    assert transcript.status == status
    assert len(transcript.steps) == len(steps)
    for index, (read, given_step) in enumerate(zip(transcript.steps, steps, strict=True), 1):
        assert (read.step_id, read.title) == (f"demo/{index}", given_step["title"])
        assert (read.status, read.message) == (given_step["status"], given_step["message"])
        assert read.commands == [
            TranscriptCommand(
                phase=fields["phase"],
                attempt=fields["attempt"],
                exit_status=fields["exit_status"],
                duration=float(f"{fields['duration']:.2f}"),
                command=fields["command"].removesuffix("\n"),
                stdout=_lines(fields["stdout"]),
                stderr=_lines(fields["stderr"]),
            )
            for fields in given_step["commands"]
        ]


def _lines(text: str) -> str:
    """What a transcript keeps of an output: its lines, each ended by a newline."""
    return text if not text or text.endswith("\n") else text + "\n"


@settings(max_examples=100, deadline=None)
@given(OUTPUT.filter(str.strip), st.text(max_size=80), st.text(max_size=200), HOST_STATUSES)
def test_a_junit_report_parses_whatever_a_command_printed(
    tmp_path_factory, title, message, output, status
) -> None:
    path = tmp_path_factory.mktemp("junit") / "report.xml"
    report = JUnitReport(path)
    model = local_step(1, "true", title=title)
    plan = local_plan(model)
    report(RunStarted("r", "demo", "Demo", None, "run", "", "local", plan.steps, ("fp",), (), ()))
    outcome = HostOutcome(model.id, "localhost", status, message=message, output=output)
    report(HostDone(model, outcome))
    report(RunFinished("failed", 1.0))

    [case] = ET.parse(path).getroot().iter("testcase")

    assert case.get("name") == xml_safe(f"demo/1 {title} [localhost]")
    if status == "failed":
        failure = case.find("failure")
        assert failure is not None
        assert failure.get("message") == xml_safe(message)
        assert (failure.text or "") == xml_safe(output).replace("\r\n", "\n").replace("\r", "\n")


@pytest.mark.parametrize("read", [read_journal, read_transcript], ids=["journal", "transcript"])
@settings(max_examples=200, deadline=None)
@given(content=st.binary(max_size=2000))
def test_any_bytes_read_by_a_reader_never_raise(tmp_path_factory, read, content: bytes) -> None:
    """Whatever a crash, a full disk or a person left in the file, the reader reads it."""
    path = tmp_path_factory.mktemp("f") / "file"
    path.write_bytes(content)
    read(path)


def test_a_journal_time_no_calendar_holds_is_skipped_or_said_unknown(tmp_path) -> None:
    from runbook.sphinx_ext.results import ScenarioRun

    path = tmp_path / "j.jsonl"
    path.write_text('{"t": "run", "run": "r", "time": 1e400, "scenario": "demo"}\n')
    assert read_journal(path).runs == []
    assert ScenarioRun("demo", "r", "key", 1e300, []).when == "at an unknown time"
