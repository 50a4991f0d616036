"""``python -m bench.transports``: what one command costs two ways of reaching a host.

The exported Fabric tasks run through the runner over a transport; this measures the
two candidates on a one-node testbed, a one-line script at a time: the runner's SSH
transport (the host's command loop) and a transport over Fabric's ``Connection.run``
(a session per command, Invoke's runners). The result chose the first (see
``runbook.export.fabric_runtime``). Not part of ``make bench``; it needs root.
"""

from __future__ import annotations

import argparse
import io
import socket
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from fabric import Config, Connection
from fabric.runners import Remote
from invoke.exceptions import CommandTimedOut

from runbook.execution.results import CommandResult
from runbook.execution.shell import script_text
from runbook.execution.ssh import SSHTransport
from runbook.execution.transport import ConnectOptions, OverCommandLines, Transport
from runbook.plan.inventory import load_inventory
from runbook.plan.model import Host
from runbook.testbed import pytest_support as support


class _WholeInput(Remote):
    """Hands standard input over in one piece (Invoke reads a stream a byte per 10 ms)."""

    def read_our_stdin(self, input_: io.StringIO) -> str:
        return input_.read()


class FabricRunTransport(OverCommandLines):
    """The candidate: each command through ``Connection.run``, with TCP_NODELAY set."""

    def __init__(self, host: Host, known_hosts: Path) -> None:
        self.host = host.name
        self._connection = Connection(
            host.address,
            user=host.user,
            port=host.port,
            connect_kwargs={"key_filename": host.key_file},
            config=Config(overrides={"runners": {"remote": _WholeInput}}),
        )
        self._connection.client.load_host_keys(str(known_hosts))

    def open(self) -> None:
        self._connection.open()
        transport = self._connection.client.get_transport()
        assert transport is not None
        transport.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    @property
    def alive(self) -> bool:
        return self._connection.is_connected

    def run_command(
        self, command: str, stdin: bytes = b"", timeout: float | None = None
    ) -> CommandResult:
        started = time.monotonic()
        stream = io.StringIO(stdin.decode())
        try:
            result = self._connection.run(
                command, in_stream=stream, hide=True, warn=True, timeout=timeout
            )
        except CommandTimedOut as error:
            out, err = error.result.stdout.encode(), error.result.stderr.encode()
            return CommandResult(-1, out, err, time.monotonic() - started, timed_out=True)
        out, err = result.stdout.encode(), result.stderr.encode()
        return CommandResult(result.exited, out, err, time.monotonic() - started)

    def abort(self) -> None:
        self._connection.close()

    def close(self) -> None:
        self._connection.close()


def per_command(transport: Transport, count: int) -> list[float]:
    """Wall times in ms of ``count`` one-line scripts, after a few to warm up."""
    script = script_text({"X": "1"}, 'echo "$X"')
    walls = []
    for number in range(5 + count):
        started = time.perf_counter()
        result = transport.run_script(script)
        if number >= 5:
            walls.append((time.perf_counter() - started) * 1000)
        assert (result.exit_status, result.stdout) == (0, b"1\n"), result
    return walls


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.transports", description=__doc__)
    parser.add_argument("--commands", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with support.testbed_session(support.session_name("transports"), nodes=1) as testbed:
        host = load_inventory(testbed.inventory_path).hosts[0]
        known = Path(testbed.state.paths.known_hosts)
        makers: dict[str, Callable[[], Transport]] = {
            "ssh": lambda: SSHTransport(host, ConnectOptions(default_known_hosts=known)),
            "fabric-run": lambda: FabricRunTransport(host, known),
        }
        for round_number in range(1, args.rounds + 1):
            for name, make in makers.items():
                transport = make()
                transport.open()
                try:
                    walls = per_command(transport, args.commands)
                finally:
                    transport.close()
                print(
                    f"round {round_number} {name}: median {statistics.median(walls):.2f} ms, "
                    f"min {min(walls):.2f} ms a command",
                    flush=True,
                )


if __name__ == "__main__":
    main()
