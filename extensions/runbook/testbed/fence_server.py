"""The testbed's fence device as a process: an SSH endpoint on the bridge, one per testbed.

Run by `runbook testbed up` as ``python -m runbook.testbed.fence_server NAME`` inside the
testbed's cgroup, so `down` ends it with the nodes. It speaks real SSH (paramiko's server
side, like the SSH transport's client side: this is the one other place that may import
it) so that the nodes' unmodified ``fence_virsh`` and OpenSSH client talk to it as to a
libvirt host. Three gates stand before any power is switched:

- it listens on the testbed's bridge address only, which no other testbed's node can
  route to, and drops a connection from any address that is not one of its nodes (the
  host itself included) before a byte of SSH is spoken;
- it accepts one login, ``root`` with the testbed's fence key, which only its nodes have;
- what is typed goes to `runbook.testbed.fence.answer`, which knows four virsh commands
  and the testbed's own nodes, and nothing else: there is no shell behind it.

Every request is written to the device's event log (``fence/fence.log``), as a managed
power switch keeps one: tests read it to prove who was switched off, by whom and when.
"""

from __future__ import annotations

import argparse
import base64
import logging
import socket
import sys
import threading
import time
from dataclasses import dataclass

import paramiko
from paramiko.common import (
    AUTH_FAILED,
    AUTH_SUCCESSFUL,
    OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED,
    OPEN_SUCCEEDED,
)

from runbook.errors import RunbookError
from runbook.testbed import faults, fence, lifecycle, node
from runbook.testbed.state import TestbedState

log = logging.getLogger("runbook.testbed.fence")

#: A session with nothing typed for this long is closed (fence_virsh types at once).
IDLE_TIMEOUT = 60.0
#: Sessions at once; more are dropped (a node gone wrong cannot exhaust the host).
MAX_SESSIONS = 16


@dataclass(frozen=True)
class TestbedSwitch:
    """The testbed's own power control, seen as a switch with one outlet per node."""

    __test__ = False  # not a pytest test class, despite the name

    state: TestbedState

    def outlets(self) -> list[str]:
        return [spec.name for spec in self.state.nodes]

    def is_on(self, outlet: str) -> bool:
        return node.running(self.state, self.state.node(outlet))

    def off(self, outlet: str) -> None:
        faults.poweroff(self.state.name, outlet)

    def on(self, outlet: str) -> None:
        # Like a power switch: power is applied, the boot goes on without the device.
        faults.poweron(self.state.name, outlet, wait=False)


class _Login(paramiko.ServerInterface):
    """Public-key login as root with the fence key; a session with or without a terminal."""

    def __init__(self, accepted: paramiko.PKey) -> None:
        self.accepted = accepted
        self.command: str | None = None
        self.started = threading.Event()

    def get_allowed_auths(self, username: str) -> str:
        return "publickey"

    def check_auth_publickey(self, username: str, key: paramiko.PKey) -> int:
        if username == fence.USER and key == self.accepted:
            return AUTH_SUCCESSFUL
        return AUTH_FAILED

    def check_channel_request(self, kind: str, chanid: int) -> int:
        if kind == "session":
            return OPEN_SUCCEEDED
        return OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_pty_request(self, *args: object) -> bool:
        return True

    def check_channel_shell_request(self, channel: paramiko.Channel) -> bool:
        self.started.set()
        return True

    def check_channel_exec_request(self, channel: paramiko.Channel, command: bytes) -> bool:
        # fence_virsh asks for a bash with its prompt; the device gives its console
        # instead, as sshd's ForceCommand would. A device command is answered alone.
        self.command = command.decode("utf-8", "replace")
        self.started.set()
        return True


class Device:
    """The listening socket and the sessions of one testbed's fence device."""

    def __init__(self, state: TestbedState) -> None:
        self.state = state
        self.switch = TestbedSwitch(state)
        self.allowed = {spec.address for spec in state.nodes}
        self.host_key = paramiko.Ed25519Key.from_private_key_file(str(state.paths.fence_host_key))
        kind, blob = fence.authorized_key(state).split()[:2]
        self.accepted = paramiko.PKey.from_type_string(kind, base64.b64decode(blob))
        self.lock = threading.Lock()  # one switching at a time, as on a real device
        self.sessions = threading.BoundedSemaphore(MAX_SESSIONS)

    def serve(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.state.host_address, fence.PORT))
        listener.listen(16)
        log.info("listening on %s:%d for %s", self.state.host_address, fence.PORT, self.allowed)
        while True:
            conn, (peer, _port) = listener.accept()
            if peer not in self.allowed:
                log.warning(
                    "refused: a connection from %s, which is not a node of %r",
                    peer,
                    self.state.name,
                )
                conn.close()
                continue
            if not self.sessions.acquire(blocking=False):
                log.warning("refused: %s opened more than %d sessions at once", peer, MAX_SESSIONS)
                conn.close()
                continue
            threading.Thread(target=self._session, args=(conn, peer), daemon=True).start()

    def _session(self, conn: socket.socket, peer: str) -> None:
        try:
            self._login_and_serve(conn, peer)
        finally:
            self.sessions.release()

    def _login_and_serve(self, conn: socket.socket, peer: str) -> None:
        transport = paramiko.Transport(conn)
        transport.add_server_key(self.host_key)
        login = _Login(self.accepted)
        try:
            transport.start_server(server=login)
            channel = transport.accept(20)
            if channel is None:
                log.warning("refused: %s did not log in with the fence key", peer)
                return
            if not login.started.wait(10):
                return
            self._console(channel, peer, login.command)
        except (paramiko.SSHException, OSError, EOFError) as error:
            log.warning("session from %s ended: %s", peer, error)
        finally:
            transport.close()

    def _console(self, channel: paramiko.Channel, peer: str, command: str | None) -> None:
        if command is not None and command.split()[:1] == ["virsh"]:
            result = self._answer(command, peer)
            channel.sendall(result.text.replace("\n", "\r\n").encode())
            channel.send_exit_status(result.status)
            channel.close()
            return
        channel.settimeout(IDLE_TIMEOUT)
        channel.sendall(fence.PROMPT.encode())
        pending = b""
        while True:
            try:
                data = channel.recv(4096)
            except TimeoutError:
                break
            if not data:
                break
            pending += data
            *lines, pending = pending.replace(b"\r", b"\n").split(b"\n")
            for raw in lines:
                line = raw.decode("utf-8", "replace").strip()
                if not line:
                    continue  # fence_virsh ends lines with CR LF: one command, one prompt
                result = self._answer(line, peer)
                if result.done:
                    channel.send_exit_status(0)
                    channel.close()
                    return
                channel.sendall((result.text.replace("\n", "\r\n") + fence.PROMPT).encode())
        channel.close()

    def _answer(self, line: str, peer: str) -> fence.Answer:
        with self.lock:
            try:
                result = fence.answer(line, self.switch)
            except RunbookError as error:
                log.error("%s asked %r: failed: %s", peer, line[:200], error)
                return fence.Answer(f"error: {error}\n", status=1)
        if result.done:
            return result
        outcome = result.action or ("refused" if result.status else "answered")
        log.info("%s asked %r: %s", peer, line[:200], outcome)
        return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("testbed")
    args = parser.parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO,
        format="%(asctime)s.%(msecs)03dZ %(message)s",
        datefmt="%Y-%m-%dT%H:%M:%S",
    )
    logging.Formatter.converter = time.gmtime
    logging.getLogger("paramiko").setLevel(logging.CRITICAL)
    try:
        Device(lifecycle.existing(args.testbed)).serve()
    except (RunbookError, OSError) as error:
        log.error("fence device of %r stopped: %s", args.testbed, error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
