"""The run lifecycle shared by ``runbook run`` and ``runbook train``: locks before steps."""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from runbook.cli.main import main
from runbook.cli.plan_cmd import plan_from_args
from runbook.execution.errors import LockedError
from runbook.execution.session import SessionOptions, StepChoice
from runbook.execution.transport import LocalTransport
from runbook.plan.model import Plan
from runbook.training.walkthrough import train

from .helpers import DATA

SLOW = """\
.. scenario:: slow

.. step:: Take a while
   :target: local

   sleep 60
"""

ON_NODE1 = """\
.. scenario:: onnode

.. variable:: marker

   A file the step creates.

.. step:: Leave a mark
   :target: all

   touch "$marker"
"""

#: Holds a run's locks on "node1" (a local transport standing in for the host) until killed.
HOLDER = """\
import argparse, sys, time
from pathlib import Path
from runbook.cli.plan_cmd import plan_from_args
from runbook.execution.session import Session, SessionOptions
from runbook.execution.transport import LocalTransport

scenario, inventory, state, lock = sys.argv[1:]
args = argparse.Namespace(
    scenario=scenario, docs=Path("docs"), cache=False, inventory=Path(inventory), hosts=None,
    extra_vars=["marker=/nonexistent"],
)
plan = plan_from_args(args)
session = Session(plan, SessionOptions(Path(state), host_lock=lock), factory=LocalTransport)
with session.connected(plan.steps):
    print("locked", flush=True)
    time.sleep(60)
"""


def _until_ready(process: subprocess.Popen[str]) -> None:
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line, process.stderr.read() if process.stderr else "the holder died"


@pytest.fixture
def stop() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes a test starts, killed (by their own id) when it ends."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        process.kill()
        process.communicate()


def test_train_is_refused_while_a_run_holds_the_scenarios_lock(tmp_path, stop, capsys) -> None:
    scenario = tmp_path / "slow.rst"
    scenario.write_text(SLOW)
    state = tmp_path / "state"
    inventory = str(DATA / "inventory.yml")
    command = [sys.executable, "-m", "runbook.cli.main", "run", str(scenario), "-i", inventory]
    running = subprocess.Popen(
        [*command, "--state-dir", str(state), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stop.append(running)
    _until_ready(running)  # its first event: the run has its lock and has started

    status = main(["train", str(scenario), "-i", inventory, "--state-dir", str(state)])

    assert status == 3
    error = capsys.readouterr().err
    assert "another run of this scenario against this inventory is in progress" in error
    assert f"pid {running.pid}" in error


def _plan(tmp_path: Path, marker: Path) -> Plan:
    scenario = tmp_path / "onnode.rst"
    scenario.write_text(ON_NODE1)
    inventory = tmp_path / "inventory.yml"
    inventory.write_text("all:\n  hosts:\n    node1:\n      ansible_host: 192.0.2.1\n")
    args = argparse.Namespace(
        scenario=str(scenario),
        docs=Path("docs"),
        cache=False,
        inventory=inventory,
        hosts=None,
        extra_vars=[f"marker={marker}"],
    )
    return plan_from_args(args)


def test_train_is_refused_on_a_host_another_run_holds(tmp_path, stop) -> None:
    """The run holding node1 is another process with its own state directory: only the lock
    file on the host keeps the trainee off, and it does so before any step runs."""
    marker = tmp_path / "marker"
    plan = _plan(tmp_path, marker)
    host_lock = str(tmp_path / "host" / "runbook.lock")
    (tmp_path / "host").mkdir()
    holder = tmp_path / "holder.py"
    holder.write_text(HOLDER)
    running = subprocess.Popen(
        [
            sys.executable,
            str(holder),
            str(tmp_path / "onnode.rst"),
            str(tmp_path / "inventory.yml"),
            str(tmp_path / "run-state"),
            host_lock,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stop.append(running)
    _until_ready(running)

    options = SessionOptions(tmp_path / "train-state", record=False, host_lock=host_lock)
    out = io.StringIO()
    with pytest.raises(LockedError) as refused:
        train(plan, options, StepChoice(), io.StringIO("r\n"), out, factory=LocalTransport)

    assert f"node1 is held by another run (scenario onnode, pid {running.pid}" in str(refused.value)
    assert refused.value.exit_code == 3
    assert out.getvalue() == "" and not marker.exists()
    assert f'"pid": {running.pid}' in Path(host_lock).read_text(), "the holder's lock was kept"


def test_train_holds_the_host_lock_while_the_trainee_works_and_lets_it_go(tmp_path) -> None:
    marker = tmp_path / "marker"
    plan = _plan(tmp_path, marker)
    host_lock = tmp_path / "runbook.lock"
    options = SessionOptions(tmp_path / "state", record=False, host_lock=str(host_lock))
    seen: list[str] = []

    class Trainee(io.StringIO):
        def readline(self, size: int = -1) -> str:
            seen.append(host_lock.read_text() if host_lock.exists() else "")
            return super().readline(size)

    trainee = Trainee("r\n")
    status = train(plan, options, StepChoice(), trainee, io.StringIO(), factory=LocalTransport)

    assert status == 0 and marker.exists()
    assert '"scenario": "onnode"' in seen[0]
    assert not host_lock.exists()


def test_a_run_is_refused_while_a_trainee_holds_the_scenarios_lock(tmp_path, capsys) -> None:
    scenario = tmp_path / "slow.rst"
    scenario.write_text(SLOW)
    state = tmp_path / "state"
    inventory = str(DATA / "inventory.yml")
    trainee = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "runbook.cli.main",
            "train",
            str(scenario),
            "-i",
            inventory,
            "--state-dir",
            str(state),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert trainee.stdout is not None
        assert trainee.stdout.readline().startswith("Training:")
        assert main(["run", str(scenario), "-i", inventory, "--state-dir", str(state)]) == 3
        assert "another run of this scenario" in capsys.readouterr().err
    finally:
        trainee.communicate("q\n", timeout=30)
    assert trainee.returncode == 130


def test_the_scenarios_lock_is_free_again_after_training(tmp_path) -> None:
    scenario = tmp_path / "quick.rst"
    scenario.write_text(SLOW.replace("sleep 60", "true"))
    state = tmp_path / "state"
    inventory = str(DATA / "inventory.yml")
    arguments = [str(scenario), "-i", inventory, "--state-dir", str(state)]
    result = subprocess.run(
        [sys.executable, "-m", "runbook.cli.main", "train", *arguments],
        input="r\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert main(["run", *arguments]) == 0


def test_a_run_that_connects_nowhere_imports_neither_sphinx_nor_fabric(tmp_path) -> None:
    """The session opens connections through the transport factory, which imports the SSH
    transport only for a remote host; a local run pays for neither library."""
    scenario = tmp_path / "quick.rst"
    scenario.write_text(SLOW.replace("sleep 60", "true"))
    arguments = [str(scenario), "-i", str(DATA / "inventory.yml")]
    arguments += ["--state-dir", str(tmp_path / "state")]
    code = (
        "import sys\n"
        "from runbook.cli.main import main\n"
        f"assert main(['run', *{arguments!r}]) == 0\n"
        "loaded = {name.split('.')[0] for name in sys.modules}\n"
        "heavy = sorted(loaded & {'sphinx', 'fabric', 'paramiko', 'invoke'})\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
