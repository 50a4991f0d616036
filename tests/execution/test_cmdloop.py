"""The command loop: its framing, and the real loop script run by this machine's bash.

The loop is a bash program; here it runs in a local ``bash`` on pipes, exactly the text
sent to a host, so its byte-exactness and process groups are tested without SSH. The
SSH side is tested against a real node in tests/e2e/test_ssh_transport.py.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from runbook.execution.cmdloop import LOOP, LoopOutput, frame, new_marker
from runbook.execution.shell import script_text

# -- the framing, fed by hand -----------------------------------------------------------


def feed(output: LoopOutput, stdout: bytes, stderr: bytes, size: int = 1) -> None:
    """Both streams in pieces of ``size`` bytes, so every marker is split somewhere."""
    for start in range(0, max(len(stdout), len(stderr)), size):
        output.feed_stdout(stdout[start : start + size])
        output.feed_stderr(stderr[start : start + size])


@pytest.mark.parametrize("size", [1, 3, 7, 4096])
def test_the_command_s_own_output_is_cut_out_whatever_the_pieces(size) -> None:
    output = LoopOutput("ab12")
    stdout = b"stray\x1eab12:4321\nno newline at the end\x1eab12 3\nlater stray"
    stderr = b"old\n\x1eab12\nerr\n\x1eab12 3\n"
    feed(output, stdout, stderr, size)
    assert output.done and output.started
    assert (output.status, output.pgid) == (3, 4321)
    assert output.stdout == b"no newline at the end"
    assert output.stderr == b"err\n"


def test_a_marker_like_text_in_the_output_is_output() -> None:
    output = LoopOutput("ab12")
    body = b"\x1eab12 x\n\x1eab13 0\n\x1eab12:77\n"
    feed(output, b"\x1eab12:9\n" + body + b"\x1eab12 0\n", b"\x1eab12\n\x1eab12 0\n", 5)
    assert output.done and output.stdout == body and output.pgid == 9


def test_nothing_read_means_not_started() -> None:
    output = LoopOutput("ab12")
    feed(output, b"output of an earlier background process\n", b"")
    assert not output.started and not output.done
    assert output.stdout == b"" and output.pgid is None


def test_a_command_whose_shell_never_started_ends_with_the_loop_s_status() -> None:
    output = LoopOutput("ab12")
    feed(output, b"stray\x1eab12 126\n", b"\x1eab12 126\n")
    assert output.done and output.started
    assert (output.pgid, output.status, output.stdout, output.stderr) == (0, 126, b"", b"")


def test_markers_differ() -> None:
    assert len({new_marker() for _ in range(100)}) == 100


# -- the loop itself, in a local bash ---------------------------------------------------


@dataclass
class Result:
    status: int | None
    stdout: bytes
    stderr: bytes
    pgid: int | None


class LocalLoop:
    """The loop in a local bash on pipes: what sshd gives it on a host."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            ["bash", "-c", LOOP],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )

    def send(self, script: bytes) -> LoopOutput:
        marker = new_marker()
        assert self.process.stdin is not None
        self.process.stdin.write(frame(script, marker))
        self.process.stdin.flush()
        return LoopOutput(marker)

    def drive(self, output: LoopOutput, timeout: float = 20.0) -> LoopOutput:
        streams = {self.process.stdout: output.feed_stdout, self.process.stderr: output.feed_stderr}
        deadline = time.monotonic() + timeout
        while not output.done:
            assert time.monotonic() < deadline, "the loop did not answer"
            ready, _, _ = select.select(list(streams), [], [], 0.5)
            for stream in ready:
                data = os.read(stream.fileno(), 65536)
                assert data, "the loop ended"
                streams[stream](data)
        return output

    def run(self, body: str) -> Result:
        output = self.drive(self.send(script_text({}, body)))
        return Result(output.status, output.stdout, output.stderr, output.pgid)

    def close(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


@pytest.fixture
def loop() -> Iterator[LocalLoop]:
    started = LocalLoop()
    yield started
    started.close()


def test_output_and_status_are_each_command_s_own(loop) -> None:
    for number in range(30):
        result = loop.run(f"printf 'out {number}'; echo 'err {number}' >&2; exit {number % 4}")
        assert (result.status, result.stdout, result.stderr) == (
            number % 4,
            f"out {number}".encode(),
            f"err {number}\n".encode(),
        )


def test_scripts_are_read_to_the_byte_whatever_their_size_and_characters(loop) -> None:
    """Multibyte characters (``read -N`` counts bytes under LC_ALL=C) and scripts past
    the here-string's pipe size (fed by printf) both arrive whole, never eating the next
    header."""
    for text in ["é" * 10, "Ω≈ç√" * 2000, "x" * 70000, "ü" * 40000]:
        body = f"cat <<'END' | wc -c\n{text}\nEND"
        result = loop.run(body)
        assert result.status == 0, result.stderr
        assert int(result.stdout) == len(text.encode()) + 1
        assert loop.run("echo next").stdout == b"next\n"


def test_a_script_runs_in_its_own_process_group_and_shell(loop) -> None:
    first = loop.run("echo $BASHPID $(ps -o pgid= $BASHPID); x=1; cd /; set -o pipefail")
    pid, pgid = map(int, first.stdout.split())
    assert pid == pgid == first.pgid
    second = loop.run('echo "${x:-unset} $PWD $BASHPID"; set -o | grep pipefail; true')
    assert second.stdout.split()[:2] == [b"unset", os.getcwd().encode()]
    assert int(second.stdout.split()[2]) != pid
    assert b"pipefail" in second.stdout and b"off" in second.stdout


def test_the_loop_s_variables_are_not_the_script_s(loop) -> None:
    result = loop.run('echo "[${n-}] [${id-}] [${s-}] [${piped-}]"')
    assert result.stdout == b"[] [] [] []\n"


def test_a_script_killed_by_a_signal_reports_it_and_the_loop_goes_on(loop) -> None:
    result = loop.run("echo before; kill -KILL $BASHPID")
    assert (result.status, result.stdout, result.stderr) == (137, b"before\n", b"")
    assert loop.run("echo after").stdout == b"after\n"


def test_what_a_background_process_writes_later_is_no_command_s_output(loop) -> None:
    result = loop.run("( sleep 0.3; echo late; echo late >&2 ) & echo now")
    assert (result.status, result.stdout) == (0, b"now\n")
    time.sleep(0.6)
    after = loop.run("echo next")
    assert (after.status, after.stdout, after.stderr) == (0, b"next\n", b"")


def test_the_loop_ends_at_end_of_input(loop) -> None:
    assert loop.process.stdin is not None
    loop.process.stdin.close()
    assert loop.process.wait(timeout=10) == 0
