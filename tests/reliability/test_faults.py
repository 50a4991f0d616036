"""Faults injected into real nodes while ``runbook run`` works on them, then ``--resume``.

Each test holds the run to what docs/reliability.md promises: it stops or carries on as
documented, its journal tells the truth (checked against per-host counter files), and a
resume after the repair completes the scenario without running again any step already
verified on a host.
"""

from __future__ import annotations

import signal
import time

import pytest

from .support import (
    assert_journal_tells_the_truth,
    counted_scenario,
    done_pairs,
    journal,
    resume_to_the_end,
    run,
    start_run,
    wait_until,
)

pytestmark = pytest.mark.testbed

ALL = ("node1", "node2", "node3")


def everywhere(step: int) -> set[tuple[int, str]]:
    return {(step, node) for node in ALL}


@pytest.mark.proves(
    "fault",
    "A node powered off in the middle of a step running on three nodes",
    "The other nodes finish the step; on the dead node the step fails as lost, naming the "
    "node and the step; the run stops (exit 1). After power-on, `--resume` runs that step "
    "on that node only, then the rest.",
)
def test_a_node_powered_off_mid_step_fails_there_and_resume_finishes_it_there(
    remote, tmp_path, state_dir
) -> None:
    bed = remote.bed
    scenario = counted_scenario(tmp_path / "s.rst", "poweroff", remote, ["", "sleep 6", ""])
    process = start_run(scenario, bed, state_dir)
    try:
        wait_until(lambda: remote.exists("node2", "started-2"), "step 2 runs on node2")
        bed.poweroff("node2")
        status = process.wait()
    finally:
        process.stop()
    out = process.output
    assert status == 1, out
    assert 'FAILED poweroff/2 "Step 2" on node2' in out
    assert "lost node2 during the script of step poweroff/2" in out
    bed.poweron("node2")
    state = journal(state_dir)
    assert done_pairs(state, "poweroff") == everywhere(1) | {(2, "node1"), (2, "node3")}
    assert state.latest[("poweroff/2", "node2")].status == "failed"
    assert state.ends[-1].status == "failed" and not state.complete
    assert_journal_tells_the_truth(state, "poweroff", remote.counts())
    out = resume_to_the_end(remote, scenario, state_dir, "poweroff", 3)
    assert "already verified on node1, node3" in out
    assert remote.counts()[(2, "node2")] == 1


@pytest.mark.proves(
    "fault",
    "sshd killed on a node while a step's script runs there",
    "The script dies with its SSH session; the step fails on that node as lost, naming the "
    "node and the step (exit 1). systemd restarts sshd and `--resume` completes the "
    "scenario, running the step again on that node only.",
)
def test_sshd_killed_under_a_script_fails_the_step_there_and_resume_finishes(
    remote, tmp_path, state_dir
) -> None:
    bed = remote.bed
    scenario = counted_scenario(tmp_path / "s.rst", "sshdscript", remote, ["", "sleep 6", ""])
    process = start_run(scenario, bed, state_dir)
    try:
        wait_until(lambda: remote.exists("node2", "started-2"), "step 2 runs on node2")
        bed.kill_service("node2", "ssh")
        status = process.wait()
    finally:
        process.stop()
    assert status == 1, process.output
    assert "lost node2 during the script of step sshdscript/2" in process.output
    state = journal(state_dir)
    assert done_pairs(state, "sshdscript") == everywhere(1) | {(2, "node1"), (2, "node3")}
    assert_journal_tells_the_truth(state, "sshdscript", remote.counts())
    wait_until(lambda: bed.ssh("node2", "true").returncode == 0, "sshd is back on node2")
    resume_to_the_end(remote, scenario, state_dir, "sshdscript", 3)


#: On the node, out of band of any SSH session: sshd and every session gone for 4 seconds.
SSHD_OUTAGE = (
    "systemd-run --quiet --collect bash -c "
    "'systemctl stop ssh; pkill -KILL -f \"^sshd: \"; touch {ready}; sleep 4; systemctl start ssh'"
)


@pytest.mark.proves(
    "fault",
    "sshd killed on a node, with every SSH session, and kept down for 4 seconds, between "
    "two commands (while a verification waits)",
    "The next command finds the connection dead and connects again, retrying 1, 2 and 4 "
    "seconds apart (`--connect-retries`) until sshd is back; the run completes (exit 0) "
    "and nothing runs twice.",
)
def test_sshd_down_between_commands_is_survived_by_reconnecting_with_backoff(
    remote, tmp_path, state_dir
) -> None:
    bed = remote.bed
    ready = f"{remote.path}/ready"
    waits = f"""
        :verify: test -e {ready} && grep -qx "$RB_HOST" {remote.path}/count-2
        :retries: 200
        :delay: 0.3
        :timeout: 60
    """
    scenario = counted_scenario(
        tmp_path / "s.rst", "sshdidle", remote, ["", "", ""], options={2: waits}
    )
    process = start_run(scenario, bed, state_dir)
    try:
        wait_until(lambda: remote.exists("node2", "count-2"), "step 2's script ran on node2")
        bed.ssh("node2", SSHD_OUTAGE.format(ready=ready))
        wait_until(lambda: bed.ssh("node2", "true").returncode != 0, "sshd is down on node2")
        for node in ("node1", "node3"):
            bed.ssh(node, f"touch {ready}").check_returncode()
        status = process.wait()
    finally:
        process.stop()
    assert status == 0, process.output
    counts = remote.counts()
    assert counts == {pair: 1 for step in (1, 2, 3) for pair in everywhere(step)}
    state = journal(state_dir)
    assert state.complete
    assert_journal_tells_the_truth(state, "sshdidle", counts)


@pytest.mark.proves(
    "fault",
    "A node's link down for 4 seconds in the middle of a step",
    "TCP retransmits over the gap and the step's connection survives: the run completes "
    "(exit 0) with every step run once on every node.",
)
def test_a_short_link_outage_is_ridden_out(remote, tmp_path, state_dir) -> None:
    bed = remote.bed
    scenario = counted_scenario(tmp_path / "s.rst", "blip", remote, ["", "sleep 8", ""])
    process = start_run(scenario, bed, state_dir)
    try:
        wait_until(lambda: remote.exists("node2", "started-2"), "step 2 runs on node2")
        bed.link_down("node2")
        time.sleep(4)
        bed.link_up("node2")
        status = process.wait()
    finally:
        process.stop()
    assert status == 0, process.output
    counts = remote.counts()
    assert counts == {pair: 1 for step in (1, 2, 3) for pair in everywhere(step)}
    assert journal(state_dir).complete


@pytest.mark.proves(
    "fault",
    "A node's link taken down for good in the middle of a step",
    "After `--alive-timeout` seconds with no answer the node is declared lost: the step "
    "fails there naming the node and the step (exit 1), the others finish it. Its lock "
    "stays on the node; after the link is back, `--resume` takes the stale lock over and "
    "completes the scenario.",
)
def test_a_lasting_link_outage_fails_the_step_after_the_alive_timeout(
    remote, tmp_path, state_dir
) -> None:
    bed = remote.bed
    scenario = counted_scenario(tmp_path / "s.rst", "unplugged", remote, ["", "sleep 6", ""])
    process = start_run(scenario, bed, state_dir, "--alive-timeout", "5")
    try:
        wait_until(lambda: remote.exists("node2", "started-2"), "step 2 runs on node2")
        bed.link_down("node2")
        cut = time.monotonic()
        status = process.wait()
        noticed = time.monotonic() - cut
    finally:
        process.stop()
    assert status == 1, process.output
    assert "lost node2 during the script of step unplugged/2" in process.output
    assert noticed < 30, noticed
    bed.link_up("node2")
    state = journal(state_dir)
    assert done_pairs(state, "unplugged") == everywhere(1) | {(2, "node1"), (2, "node3")}
    assert_journal_tells_the_truth(state, "unplugged", remote.counts())
    out = resume_to_the_end(remote, scenario, state_dir, "unplugged", 3)
    assert "took over the lock of a run that is gone" in out


@pytest.mark.proves(
    "fault",
    "30% packet loss and 300 ms delay on a node's link for a whole run",
    "Slower, but every command completes over the retransmitting connection: the run "
    "completes (exit 0) and every step runs once on every node.",
)
def test_a_lossy_slow_link_slows_the_run_but_it_completes(remote, tmp_path, state_dir) -> None:
    bed = remote.bed
    scenario = counted_scenario(tmp_path / "s.rst", "lossy", remote, ["", "", ""])
    bed.netem("node2", loss=0.3, delay_ms=300)
    status, out = run(scenario, bed, state_dir)
    assert status == 0, out
    counts = remote.counts()
    assert counts == {pair: 1 for step in (1, 2, 3) for pair in everywhere(step)}
    assert journal(state_dir).complete


@pytest.mark.proves(
    "fault",
    "A verification that never passes",
    "Tried until its timeout, then the step fails on each node saying what the check "
    "printed and that it gave up (exit 1); later steps do not run. After the repair, "
    "`--resume` runs that step again and completes, without running earlier steps again.",
)
def test_a_verification_that_never_passes_stops_the_run_and_resume_finishes(
    remote, tmp_path, state_dir
) -> None:
    bed = remote.bed
    never = f"""
        :verify: test -e {remote.path}/repaired && echo up || echo down
        :expect-output: ^up$
        :retries: 100
        :delay: 0.5
        :timeout: 3
    """
    scenario = counted_scenario(
        tmp_path / "s.rst", "never", remote, ["", "", ""], options={2: never}
    )
    status, out = run(scenario, bed, state_dir)
    assert status == 1, out
    assert 'FAILED never/2 "Step 2"' in out
    assert "output 'down' does not match '^up$'; gave up at the 3s timeout" in out
    state = journal(state_dir)
    assert done_pairs(state, "never") == everywhere(1)
    assert {state.latest[("never/2", node)].phase for node in ALL} == {"verify"}
    assert remote.counts().get((3, "node1")) is None
    assert_journal_tells_the_truth(state, "never", remote.counts())
    for node in ALL:
        bed.ssh(node, f"touch {remote.path}/repaired").check_returncode()
    resume_to_the_end(remote, scenario, state_dir, "never", 3)


@pytest.mark.proves(
    "fault",
    "SIGINT (Ctrl-C) or SIGTERM sent to the runner in the middle of a step, once or "
    "again and again while it stops",
    "The remote commands are stopped with their process groups, the step is recorded as "
    "`interrupted` on its nodes, the host locks are removed and the runner exits 130; "
    "signals while it stops are ignored, so none of that is cut short. `--resume` runs "
    "that step again and completes.",
)
@pytest.mark.parametrize(
    "signals",
    [(signal.SIGINT,), (signal.SIGTERM,), (signal.SIGINT, signal.SIGINT, signal.SIGTERM)],
    ids=["SIGINT", "SIGTERM", "SIGINT-then-more-while-stopping"],
)
def test_a_signal_to_the_runner_stops_it_cleanly_and_resume_finishes(
    remote, tmp_path, state_dir, signals
) -> None:
    bed = remote.bed
    slow = f"[ -e {remote.path}/fast ] || sleep 617"
    scenario = counted_scenario(tmp_path / "s.rst", "signals", remote, ["", slow, ""])
    process = start_run(scenario, bed, state_dir)
    try:
        for node in ALL:
            wait_until(lambda node=node: remote.exists(node, "started-2"), f"step 2 on {node}")
        for number in signals:
            process.process.send_signal(number)
            time.sleep(0.1)
        status = process.wait(timeout=60)
    finally:
        process.stop()
    assert status == 130, process.output
    assert "interrupted at signals/2" in process.output
    for node in ALL:
        assert bed.ssh(node, "pgrep -f 'sleep 617'").returncode == 1, node
        assert bed.ssh(node, "test -e /run/runbook.lock").returncode == 1, node
    state = journal(state_dir)
    assert {state.latest[("signals/2", node)].status for node in ALL} == {"interrupted"}
    assert state.ends[-1].status == "interrupted"
    assert_journal_tells_the_truth(state, "signals", remote.counts())
    for node in ALL:
        bed.ssh(node, f"touch {remote.path}/fast").check_returncode()
    resume_to_the_end(remote, scenario, state_dir, "signals", 3)


@pytest.mark.proves(
    "fault",
    "Two `runbook run` of the same scenario and inventory at once",
    "The second is refused before it runs anything (exit 3), naming the first run's pid, "
    "control host and start time: by the control host's lock when they share a state "
    "directory, by the lock file each node holds in /run otherwise. Once the first ends, "
    "its locks are gone.",
)
def test_a_second_run_at_once_is_refused_naming_the_first(remote, tmp_path, state_dir) -> None:
    bed = remote.bed
    gate = f"while [ ! -e {remote.path}/go ]; do sleep 0.2; done"
    scenario = counted_scenario(tmp_path / "s.rst", "twice", remote, ["", gate])
    first = start_run(scenario, bed, state_dir)
    try:
        wait_until(lambda: remote.exists("node1", "started-2"), "the first run is in step 2")
        pid = first.process.pid
        status, out = run(scenario, bed, state_dir)
        assert status == 3, out
        assert (
            f"another run of this scenario against this inventory is in progress (pid {pid}" in out
        )
        other_state = tmp_path / "other-state"
        status, out = run(scenario, bed, other_state)
        assert status == 3, out
        for node in ALL:
            assert f"{node} is held by another run (scenario twice, pid {pid} on " in out
        assert not (other_state / "journals").exists()
        for node in ALL:
            bed.ssh(node, f"touch {remote.path}/go").check_returncode()
        assert first.wait() == 0, first.output
    finally:
        first.stop()
    assert remote.counts()[(1, "node1")] == 1
    status, out = run(scenario, bed, tmp_path / "other-state")
    assert status == 0, out
