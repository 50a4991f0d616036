"""``runbook run`` over real SSH on three testbed nodes."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from .conftest import inventory_with_known_hosts

pytestmark = pytest.mark.testbed


def remote_text(testbed, node: str, path: str) -> str:
    result = testbed.ssh(node, f"cat {path}")
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_small_scenario_runs_on_three_nodes(
    testbed, remote_dir, write_scenario, runbook_run, capsys
) -> None:
    scenario = write_scenario(f"""
.. scenario:: small
   :nodes: 3

.. step:: Write each node's name
   :verify: grep -qx "$RB_HOST" {remote_dir}/name

   echo "$RB_HOST" > {remote_dir}/name

.. step:: Pick a leader once
   :run-once:
   :register: leader

   echo "$RB_HOST"

.. step:: Tell everyone who leads

   echo "$leader" > {remote_dir}/leader
""")
    assert runbook_run(scenario) == 0
    for node in testbed.nodes:
        assert remote_text(testbed, node, f"{remote_dir}/name") == f"{node}\n"
        assert remote_text(testbed, node, f"{remote_dir}/leader") == "node1\n"
    assert "done" in capsys.readouterr().out


def test_a_failing_script_stops_the_run_and_says_where_and_how_to_resume(
    testbed, remote_dir, write_scenario, runbook_run, capsys
) -> None:
    scenario = write_scenario(f"""
.. scenario:: failing

.. step:: Fail on the second node only
   :no-verify: test

   echo "about to decide on $RB_HOST"
   test "$RB_HOST" != node2

.. step:: Never reached

   touch {remote_dir}/reached
""")
    assert runbook_run(scenario) == 1
    out = capsys.readouterr().out
    assert 'FAILED failing/1 "Fail on the second node only" on node2' in out
    assert "exit status 1, expected 0" in out
    assert "| about to decide on node2" in out
    assert "scenario.rst:3" in out
    assert "--resume" in out
    assert testbed.ssh("node1", f"test -e {remote_dir}/reached").returncode == 1


def test_a_verification_passes_after_a_few_retries(
    testbed, remote_dir, write_scenario, runbook_run, capsys
) -> None:
    scenario = write_scenario(f"""
.. scenario:: retries

.. step:: Start a slow service
   :target: first
   :verify: n=$(cat {remote_dir}/n 2>/dev/null || echo 0); echo $((n+1)) > {remote_dir}/n; echo $n
   :expect-output: ^3$
   :retries: 10
   :delay: 0.2

   rm -f {remote_dir}/n
""")
    assert runbook_run(scenario) == 0
    out = capsys.readouterr().out
    assert out.count("not yet") == 3
    assert remote_text(testbed, "node1", f"{remote_dir}/n") == "4\n"


def test_a_verification_that_never_passes_gives_up_at_its_timeout(
    remote_dir, write_scenario, runbook_run, capsys
) -> None:
    scenario = write_scenario("""
.. scenario:: never

.. step:: Wait for what never comes
   :target: first
   :verify: echo down
   :expect-output: ^up$
   :retries: 100
   :delay: 0.5
   :timeout: 2

   true
""")
    started = time.monotonic()
    assert runbook_run(scenario) == 1
    assert time.monotonic() - started < 15
    out = capsys.readouterr().out
    assert "gave up at the 2s timeout" in out
    assert "output 'down' does not match '^up$'" in out


def test_a_guard_that_succeeds_skips_the_step(
    testbed, remote_dir, write_scenario, runbook_run, capsys
) -> None:
    testbed.ssh("node2", f"touch {remote_dir}/installed").check_returncode()
    scenario = write_scenario(f"""
.. scenario:: guarded

.. step:: Install once
   :unless: test -e {remote_dir}/installed

   echo ran > {remote_dir}/ran
""")
    assert runbook_run(scenario) == 0
    out = capsys.readouterr().out
    assert "node2     skipped" in out
    assert testbed.ssh("node2", f"test -e {remote_dir}/ran").returncode == 1
    assert testbed.ssh("node1", f"test -e {remote_dir}/ran").returncode == 0


def test_resume_continues_at_the_failed_step_and_skips_verified_ones(
    testbed, remote_dir, write_scenario, runbook_run, capsys
) -> None:
    scenario = write_scenario(f"""
.. scenario:: resumable

.. step:: Count this step's runs

   echo run >> {remote_dir}/first

.. step:: Needs a file that is not there yet

   test -e {remote_dir}/ready
   echo run >> {remote_dir}/second

.. step:: Last

   echo run >> {remote_dir}/third
""")
    assert runbook_run(scenario) == 1
    for node in testbed.nodes:
        testbed.ssh(node, f"touch {remote_dir}/ready").check_returncode()
    assert runbook_run(scenario, "--resume") == 0
    assert "resuming at resumable/2" in capsys.readouterr().out
    for node in testbed.nodes:
        assert remote_text(testbed, node, f"{remote_dir}/first") == "run\n"
        assert remote_text(testbed, node, f"{remote_dir}/second") == "run\n"
        assert remote_text(testbed, node, f"{remote_dir}/third") == "run\n"


def test_check_tells_a_fresh_testbed_from_a_deployed_one(
    testbed, remote_dir, write_scenario, runbook_run, capsys
) -> None:
    scenario = write_scenario(f"""
.. scenario:: audited

.. step:: Configure
   :unless: test -e {remote_dir}/configured

   touch {remote_dir}/configured

.. step:: Start
   :verify: test -e {remote_dir}/started

   touch {remote_dir}/started
""")
    assert runbook_run(scenario, "--check") == 1
    fresh = capsys.readouterr().out
    assert fresh.count("would run") >= 6
    assert testbed.ssh("node1", f"test -e {remote_dir}/configured").returncode == 1
    assert runbook_run(scenario) == 0
    capsys.readouterr()
    assert runbook_run(scenario, "--check") == 0
    deployed = capsys.readouterr().out
    assert len(re.findall(r"^  node\d +already satisfied", deployed, re.MULTILINE)) == 6
    assert "would run" not in deployed


HOSTILE = (
    'it\'s "quoted" $(touch /tmp/e2e-pwned) `touch /tmp/e2e-pwned`; rm -rf /x\nline 2 \\ $HOME'
)


def test_hostile_variable_values_arrive_intact_and_harmless(
    testbed, remote_dir, write_scenario, runbook_run, tmp_path
) -> None:
    for node in testbed.nodes:
        testbed.ssh(node, "rm -f /tmp/e2e-pwned").check_returncode()
    variables = tmp_path / "vars.yml"
    variables.write_text(json.dumps({"payload": HOSTILE}))
    scenario = write_scenario(f"""
.. scenario:: hostile

.. variable:: payload

   Anything at all.

.. step:: Write the value as it arrived

   printf %s "$payload" > {remote_dir}/payload
""")
    assert runbook_run(scenario, "-e", str(variables), "-e", "payload2=ignored") == 0
    for node in testbed.nodes:
        assert remote_text(testbed, node, f"{remote_dir}/payload") == HOSTILE
        assert testbed.ssh(node, "test -e /tmp/e2e-pwned").returncode == 1


def test_a_secret_never_appears_in_output_transcripts_or_journal(
    testbed, remote_dir, write_scenario, runbook_run, state_dir, capsys
) -> None:
    secret = "e2e-Very-Secret-Value"
    scenario = write_scenario(f"""
.. scenario:: secretive

.. variable:: db_password
   :secret:

   The database password.

.. step:: Use the password, noisily
   :verify: grep -q "$db_password" {remote_dir}/pw && echo "verified $db_password"
   :expect-output: verified

   echo "$db_password" > {remote_dir}/pw
   echo "password is $db_password"
   echo "stderr has $db_password" >&2

.. step:: Fail loudly with it

   echo "failing with $db_password"
   exit 3
""")
    assert runbook_run(scenario, "-v", "-e", f"db_password={secret}") == 1
    captured = capsys.readouterr()
    assert remote_text(testbed, "node1", f"{remote_dir}/pw") == f"{secret}\n"
    assert "password is ********" in captured.out
    assert secret not in captured.out + captured.err
    files = [p for p in state_dir.rglob("*") if p.is_file()]
    assert any(p.suffix == ".log" for p in files) and any(p.suffix == ".jsonl" for p in files)
    for path in files:
        assert secret not in path.read_text(), path
    assert f"db_password={'*' * 8}" in captured.out


def test_an_unknown_host_key_is_refused_unless_accepted(
    testbed, write_scenario, runbook_run, tmp_path, capsys
) -> None:
    known_hosts = tmp_path / "known_hosts"
    inventory = inventory_with_known_hosts(testbed, known_hosts, tmp_path / "inventory.yml")
    scenario = write_scenario("""
.. scenario:: hostkeys

.. step:: Nothing much

   true
""")
    assert runbook_run(scenario, inventory=inventory) == 3
    assert "unknown host key" in capsys.readouterr().err
    assert not known_hosts.exists()
    assert runbook_run(scenario, "--accept-new-hostkeys", inventory=inventory) == 0
    assert len(known_hosts.read_text().splitlines()) == 3
    assert runbook_run(scenario, inventory=inventory) == 0


def test_a_changed_host_key_is_always_refused(
    testbed, write_scenario, runbook_run, tmp_path, capsys
) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "impostor")],
        check=True,
    )
    impostor = (tmp_path / "impostor.pub").read_text().split()[:2]
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(
        "".join(f"{testbed.address(n)} {' '.join(impostor)}\n" for n in testbed.nodes)
    )
    inventory = inventory_with_known_hosts(testbed, known_hosts, tmp_path / "inventory.yml")
    scenario = write_scenario("""
.. scenario:: changed

.. step:: Nothing much

   true
""")
    assert runbook_run(scenario, "--accept-new-hostkeys", inventory=inventory) == 3
    assert "host key CHANGED" in capsys.readouterr().err


def test_copy_moves_files_through_the_control_host(
    testbed, remote_dir, write_scenario, runbook_run, state_dir
) -> None:
    scenario = write_scenario(f"""
.. scenario:: copier

.. step:: Make keys on the first node
   :target: first

   mkdir -p {remote_dir}/keys && chmod 700 {remote_dir}/keys
   head -c 32 /dev/urandom | base64 > {remote_dir}/keys/0

.. step:: Share the keys
   :copy: {remote_dir}/keys
   :copy-from: first
   :verify: test -s {remote_dir}/keys/0

   stat -c %a {remote_dir}/keys > {remote_dir}/mode
""")
    assert runbook_run(scenario) == 0
    key = remote_text(testbed, "node1", f"{remote_dir}/keys/0")
    for node in testbed.nodes:
        assert remote_text(testbed, node, f"{remote_dir}/keys/0") == key
        assert remote_text(testbed, node, f"{remote_dir}/mode") == "700\n"
    for path in state_dir.rglob("*"):
        assert not path.is_file() or key.strip() not in path.read_text()


def test_ctrl_c_stops_the_remote_commands_and_exits_130(
    testbed, remote_dir, write_scenario, state_dir
) -> None:
    scenario = write_scenario(f"""
.. scenario:: interrupted

.. step:: Take a long time

   sleep 617
   touch {remote_dir}/finished
""")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "runbook.cli.main",
            "run",
            str(scenario),
            "-i",
            str(testbed.inventory_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "RUNBOOK_STATE_DIR": str(state_dir)},
    )
    deadline = time.monotonic() + 30
    while testbed.ssh("node3", "pgrep -f 'sleep 617'").returncode != 0:
        assert time.monotonic() < deadline, "the step never started"
        time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130, out + err
    assert "interrupted at interrupted/1" in out
    for node in testbed.nodes:
        assert testbed.ssh(node, "pgrep -f 'sleep 617'").returncode == 1, node
        assert testbed.ssh(node, f"test -e {remote_dir}/finished").returncode == 1
    [journal] = (state_dir / "journals").iterdir()
    records = [json.loads(line) for line in journal.read_text().splitlines()]
    interrupted = [r["host"] for r in records if r["t"] == "host" and r["status"] == "interrupted"]
    assert sorted(interrupted) == testbed.nodes
