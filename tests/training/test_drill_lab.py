"""A drill exercise on this machine: a real server process the fault kills, a trainee who
repairs it by typing commands, and the drill's verification and probe that judge."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from runbook.drills.session import DrillSession, Target
from runbook.execution.transport import LocalTransport
from runbook.model import Secret
from runbook.model.drill import Budget, Drill, Fault, Probe
from runbook.training.collateral import parse_snapshot, restarted
from runbook.training.drill_lab import DrillLab
from runbook.training.score import Score
from runbook.training.screen import Screen
from runbook.training.transcript import TrainingTranscript

SERVER = """\
import socket, sys
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", int(sys.argv[1])))
server.listen(16)
open(sys.argv[2], "w").write(str(__import__("os").getpid()))
while True:
    server.accept()[0].close()
"""


class Server:
    """A listener in its own process, started the way the trainee will start it again."""

    def __init__(self, directory: Path) -> None:
        with socket.socket() as free:
            free.bind(("127.0.0.1", 0))
            self.port = free.getsockname()[1]
        self.script = directory / "server.py"
        self.script.write_text(SERVER)
        self.pidfile = directory / "server.pid"
        self.healthy = directory / "healthy"

    @property
    def start_command(self) -> str:
        """A shell line that starts the server detached, marks the host healthy, and waits
        until the server listens (as a person would before checking)."""
        return (
            f"touch {self.healthy}; setsid {sys.executable} {self.script} {self.port} "
            f"{self.pidfile} >/dev/null 2>&1 </dev/null & "
            f"for _ in $(seq 300); do (: </dev/tcp/127.0.0.1/{self.port}) 2>/dev/null "
            "&& break; sleep 0.1; done"
        )

    def start(self) -> None:
        subprocess.run(["bash", "-c", self.start_command], check=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("the test server did not start")

    def kill(self) -> None:
        self.healthy.unlink(missing_ok=True)
        if self.pidfile.exists():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(self.pidfile.read_text()), signal.SIGKILL)
            self.pidfile.unlink()


class KillServer:
    """The fault: the server killed; undone only when the trainee gives up or quits."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.restored = 0

    def inject(self, fault: Fault, nodes: Sequence[str]) -> None:
        self.server.kill()

    def restore(self, fault: Fault, nodes: Sequence[str]) -> None:
        self.restored += 1
        self.server.start()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = Server(tmp_path)
    running.start()
    yield running
    running.kill()


def drill(server: Server) -> Drill:
    return Drill(
        name="local-server",
        title="The local server dies",
        scenarios=("lb",),
        fault=Fault("kill-service", ("localhost",), unit="true"),
        probes=(Probe("tcp", server.port),),
        budget=Budget(downtime=600),
        symptom=f"Connections to port {server.port} are refused.",
        hints=("Start the server again.",),
        verify=f"test -e {server.healthy}",
        recovery_timeout=20,
    )


def exercise(server: Server, answers: str, tmp_path: Path) -> tuple[Score, KillServer, str, Path]:
    """The lab run with ``answers`` typed: its score, the fault, what it showed, the
    transcript."""
    out = io.StringIO()
    path = tmp_path / "transcript.log"
    transcript = TrainingTranscript(path, [Secret("s3cret-value")], fresh=True)
    target = Target(("localhost",), {"localhost": "127.0.0.1"}, "127.0.0.1", {})
    transports = {"localhost": LocalTransport()}
    faults = KillServer(server)
    session = DrillSession(drill(server), target, transports, transports, faults, out)
    lab = DrillLab(session, Screen(io.StringIO(answers), out), transcript)
    score = lab.run()
    transcript.close()
    return score, faults, out.getvalue(), path


def test_the_trainee_repairs_by_typing_commands_and_is_scored(server, tmp_path) -> None:
    answers = f"c\nh\nt\nlocalhost\necho s3cret-value\n{server.start_command}\n.\nc\n"
    score, faults, out, transcript = exercise(server, answers, tmp_path)
    assert score.restored_by == "trainee" and score.passed
    assert (score.hints, score.checks) == (1, 2)
    assert "Connections to port" in out and "kill" not in out.split("Score")[0].lower()
    assert "Not restored yet: verification fails on localhost" in out
    assert "Hint 1 of 1:" in out and "Start the server again." in out
    assert "Service restored." in out
    assert "Result" in out and "PASSED" in out
    assert "s3cret-value" not in out and "s3cret-value" not in transcript.read_text()
    text = transcript.read_text()
    assert "| localhost echo ********" in text and "score: Result: PASSED" in text
    assert faults.restored == 0


def test_giving_up_undoes_the_fault_and_does_not_pass(server, tmp_path) -> None:
    score, faults, out, _ = exercise(server, "t\nnode9\ng\n", tmp_path)
    assert "'node9' is not one of localhost." in out
    assert score.restored_by == "gave-up" and not score.passed
    assert faults.restored == 1
    assert "you gave up; the tool undid the fault" in " ".join(out.split())


def test_ctrl_d_while_typing_runs_nothing_and_quits_undoing_the_fault(server, tmp_path) -> None:
    ran = tmp_path / "ran"
    score, faults, _, _ = exercise(server, f"t\nlocalhost\ntouch {ran}\n", tmp_path)
    assert not ran.exists()
    assert score.restored_by == "quit" and faults.restored == 1


def test_only_services_the_fault_did_not_touch_count_as_collateral() -> None:
    def snapshot(**units: str) -> dict[str, str]:
        text = "\n\n".join(f"Id={unit}.service\nInvocationID={i}" for unit, i in units.items())
        return parse_snapshot(text + "\n\nId=user@0.service\nInvocationID=x")

    before = {
        "node1": snapshot(haproxy="a", corosync="b"),
        "node2": snapshot(haproxy="c", mariadb="d"),
    }
    after = {
        "node1": snapshot(haproxy="A", corosync="b"),
        "node2": snapshot(haproxy="C", mariadb="d"),
    }
    killed = Fault("kill-service", ("node1",), unit="haproxy")
    assert restarted(before, after, killed, ["node1"]) == ["node2 haproxy.service"]
    powered_off = Fault("poweroff", ("node2",))
    assert restarted(before, after, powered_off, ["node2"]) == ["node1 haproxy.service"]
    assert restarted(before, {"node1": before["node1"]}, killed, ["node1"]) == []
