"""The SSH transport on its own, against a real node's sshd: output, the command loop, ends."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from runbook.execution.shell import script_text
from runbook.execution.ssh import SSHTransport
from runbook.execution.transport import ConnectOptions
from runbook.plan.inventory import load_inventory

pytestmark = pytest.mark.testbed

NODE = "node3"
#: The command loop's shell (``bash -c 'exec 3>&2 2>/dev/null ...'``); anchored, so that
#: it does not match the shell that runs pgrep. Its forks for commands have the same
#: command line, so only the loop itself, whose parent is sshd, is counted.
LOOP = "'^bash -c exec 3>&2 2>/dev/null'"
COUNT_LOOPS = f"pgrep -c -f {LOOP} -P $(pgrep -d, -x sshd) || true"


@pytest.fixture
def transport(testbed) -> Iterator[SSHTransport]:
    host = load_inventory(testbed.inventory_path).host(NODE)
    opened = SSHTransport(host, ConnectOptions())
    opened.open()
    yield opened
    opened.close()


def run(transport: SSHTransport, body: str, timeout: float | None = None):
    return transport.run_script(script_text({}, body), timeout)


def loops(testbed) -> int:
    result = testbed.ssh(NODE, COUNT_LOOPS)
    return int(result.stdout.strip() or 0)


def wait_for(condition, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.1)


def test_every_byte_of_output_arrives_even_when_the_status_comes_first(transport) -> None:
    """sshd may report the exit status before it has forwarded the last output.

    Ending a command at its status used to cut large outputs short and lose standard
    error now and then (one or two commands in a hundred), so hundreds of commands of every size
    are compared byte for byte.
    """
    sizes = [0, 1, 4096, 65536, 70001, 300000]
    for number in range(300):
        size = sizes[number % len(sizes)]
        body = f"head -c {size} /dev/zero | tr '\\0' x; echo; echo 'err {number}' >&2"
        result = run(transport, f"{body}; exit {number % 5}")
        assert result.exit_status == number % 5
        assert result.stdout == b"x" * size + b"\n", f"command {number}: {len(result.stdout)} bytes"
        assert result.stderr == f"err {number}\n".encode(), f"command {number}"


def test_one_loop_runs_every_command_and_goes_when_the_transport_closes(testbed, transport) -> None:
    assert run(transport, "true").exit_status == 0
    assert loops(testbed) == 1
    pids = set()
    for number in range(10):
        result = run(transport, f"echo {number} $BASHPID $$")
        text, own, loop = result.stdout.split()
        assert text == str(number).encode()
        pids.add(own)
        assert own != loop
    assert len(pids) == 10, "every command has a process of its own"
    assert loops(testbed) == 1
    transport.close()
    wait_for(lambda: loops(testbed) == 0, "the loop is gone")


def test_a_command_given_a_loop_that_died_runs_once_at_most(testbed, transport) -> None:
    """Killed while it waits, the loop may still look alive when a command comes (its
    end has not arrived yet): a script it never read runs on a new loop. Where the
    connection itself seems to have dropped, whether the script ran is unknown, and the
    command is reported lost instead; a script is never run twice."""
    succeeded = []
    for number in range(5):
        assert run(transport, "true").exit_status == 0
        testbed.ssh(NODE, f"pkill -KILL -f {LOOP}")
        result = run(transport, f"echo {number} >> /tmp/rb-once; echo {number}")
        if result.exit_status == 0:
            assert result.stdout == f"{number}\n".encode()
            succeeded.append(f"{number}\n")
        else:
            assert result.lost, result
    ran = testbed.ssh(NODE, "cat /tmp/rb-once; rm -f /tmp/rb-once").stdout.splitlines(True)
    assert len(ran) == len(set(ran)), f"a script ran twice: {ran}"
    assert set(succeeded) <= set(ran)
    assert len(succeeded) >= 3, "the commands given a dead loop were not run again"


def test_a_timed_out_command_is_killed_with_its_children_and_the_next_one_runs(
    testbed, transport
) -> None:
    assert run(transport, "true").exit_status == 0
    result = run(transport, "sleep 301 & sleep 302", timeout=1.0)
    assert (result.exit_status, result.timed_out) == (-1, True)
    assert b"timed out" not in result.stderr, "a time-out is a field, not output"
    wait_for(
        lambda: testbed.ssh(NODE, "pgrep -f 'sleep 30[12]'").returncode == 1,
        "the command and its background child are gone",
    )
    assert run(transport, "echo next").stdout == b"next\n"


def test_a_background_process_holding_the_output_does_not_hold_the_command(
    testbed, transport
) -> None:
    result = run(transport, "sleep 30 & echo started")
    assert (result.exit_status, result.stdout) == (0, b"started\n")
    assert result.duration < 20, "the command waited for its background child"
    testbed.ssh(NODE, "pkill -x -f 'sleep 30'")


def test_a_command_while_the_loop_is_busy_gets_a_session_of_its_own(testbed, transport) -> None:
    """``run_script`` is called from one thread at a time; should two ever overlap, the second
    does not wait for the first or mix with it."""
    slow: list = []
    thread = threading.Thread(target=lambda: slow.append(run(transport, "sleep 2; echo slow")))
    thread.start()
    time.sleep(0.5)
    quick = run(transport, "echo quick; echo $$ $BASHPID")
    thread.join()
    assert quick.exit_status == 0 and quick.stdout.startswith(b"quick\n")
    assert slow[0].stdout == b"slow\n"


def test_files_move_as_a_tar_stream_and_a_command_line_reads_its_input(transport) -> None:
    made = run(
        transport, "mkdir -p /tmp/rb-files; echo kept > /tmp/rb-files/a; chmod 640 /tmp/rb-files/a"
    )
    assert made.ok
    packed = transport.get_files(["/tmp/rb-files/a"])
    assert packed.ok and packed.stdout
    assert run(transport, "rm -rf /tmp/rb-files").ok
    assert transport.put_files(packed.stdout).ok
    after = run(transport, "stat -c %a /tmp/rb-files/a; cat /tmp/rb-files/a; rm -rf /tmp/rb-files")
    assert after.stdout == b"640\nkept\n"
    echoed = transport.run_command("cat; exit 3", b"input\n")
    assert (echoed.exit_status, echoed.stdout, echoed.ok) == (3, b"input\n", False)
