"""The SSH transport: one Fabric/paramiko connection per host, channels driven directly.

The only module of the runner that imports fabric and paramiko. Scripts (``run_script``)
go to the host's command loop (:mod:`cmdloop`), one channel kept open for the whole run,
so a command costs one round trip and no new sshd session. A command line
(``run_command``: the tar ends of a copy), or a script while the loop is busy, gets a
channel of its own: its standard input is written, then standard output and error are
read until end-of-file and the exit status.
Driving channels (rather than ``Connection.run``) avoids Invoke's input-polling threads
and sleeps, and ``TCP_NODELAY`` stops each small request from waiting on the peer's
delayed ACK (see bench/ and docs/benchmarks.md).
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paramiko
from fabric import Connection

from runbook.execution.cmdloop import LOOP_COMMAND, LoopOutput, frame, new_marker
from runbook.execution.errors import ConnectError, HostKeyError
from runbook.execution.results import CommandResult
from runbook.execution.shell import BASH
from runbook.execution.transport import ConnectOptions, OverCommandLines
from runbook.plan.model import Host

_known_hosts_lock = threading.Lock()

#: Run first in a session's own shell (on its command line, or first in a script): its
#: pid is the session's process group, which :meth:`SSHTransport._stop` kills.
REPORT_PGID = "echo $$"
#: After a command's exit status, how long its output may stay quiet before end-of-file.
OUTPUT_GRACE = 1.0
KILL_GRACE = 2.0
KILL_GROUP = (
    "kill -TERM -- -{pgid} 2>/dev/null || exit 0; "
    "for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 -- -{pgid} 2>/dev/null || exit 0; sleep 0.2; done; "
    "kill -KILL -- -{pgid} 2>/dev/null; exit 0"
)


class _AeadFirstTransport(paramiko.Transport):
    """A paramiko transport that offers AES-GCM first.

    With the default AES-CTR, every packet's HMAC is checked in pure Python, byte by byte;
    on a fleet that was a quarter of the runner's CPU. GCM's tag is checked inside
    ``cryptography``. The other ciphers stay offered, after GCM, for servers without it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        options = self.get_security_options()
        gcm = ("aes128-gcm@openssh.com", "aes256-gcm@openssh.com")
        options.ciphers = (*gcm, *(name for name in options.ciphers if name not in gcm))


class HostKeyPolicy(paramiko.MissingHostKeyPolicy):
    """Unknown key: refused, or with ``--accept-new-hostkeys`` recorded and accepted.

    paramiko calls this only for a host it has no key for at all; a recorded key that
    differs (of any type) raises ``BadHostKeyException`` before it, and that is always
    refused.
    """

    def __init__(self, known_hosts: Path, accept_new: bool) -> None:
        self.known_hosts = known_hosts
        self.accept_new = accept_new

    def missing_host_key(
        self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey
    ) -> None:
        fingerprint = key.fingerprint
        if not self.accept_new:
            raise HostKeyError(
                f"{hostname}: unknown host key {fingerprint}, not in {self.known_hosts}; "
                "check it, then run again with --accept-new-hostkeys to record it"
            )
        client.get_host_keys().add(hostname, key.get_name(), key)
        line = f"{hostname} {key.get_name()} {key.get_base64()}\n"
        with _known_hosts_lock:
            self.known_hosts.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            with open(self.known_hosts, "a", encoding="ascii", opener=_private) as file:
                file.write(line)


def _private(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)


class SSHTransport(OverCommandLines):
    """Commands on one inventory host over one SSH connection, reused by every step.

    ``key_files`` replaces the host's one key file when the settings come from elsewhere
    (Fabric's ``-i`` and ssh_config may name several).
    """

    def __init__(self, host: Host, options: ConnectOptions, key_files: Sequence[str] = ()) -> None:
        self.host = host.name
        self._spec = host
        self._options = options
        self._key_files = list(key_files) or ([host.key_file] if host.key_file else [])
        self._known_hosts = (
            Path(host.known_hosts).expanduser()
            if host.known_hosts
            else options.default_known_hosts.expanduser()
        )
        self._connection: Connection | None = None
        self._transport: paramiko.Transport | None = None
        self._aborted = threading.Event()
        self._running: set[_Running] = set()
        self._lock = threading.Lock()
        #: The command loop's channel, and who is using it (one command at a time).
        self._loop: paramiko.Channel | None = None
        self._loop_busy = threading.Lock()

    def open(self) -> None:
        """Connect, retrying with backoff while the failure may pass (refused, timed out).

        On a live connection that was aborted, only makes it usable again: a run that was
        interrupted still removes its host locks.
        """
        if self.alive:
            self._aborted.clear()
            return
        self._reconnect()
        self._start_loop()

    def _reconnect(self) -> None:
        delays = self._options.delays()
        for attempt, delay in enumerate([*delays, None], start=1):
            try:
                self._connect()
                return
            except _Transient as error:
                if delay is None or self._aborted.wait(delay):
                    tries = f" (tried {attempt} times)" if attempt > 1 else ""
                    raise ConnectError(f"{error}{tries}") from None

    def _connect(self) -> None:
        spec = self._spec
        connection = Connection(
            spec.address,
            user=spec.user,
            port=spec.port,
            connect_timeout=self._options.timeout,
            connect_kwargs={
                "key_filename": self._key_files or None,
                "look_for_keys": not self._key_files,
                "allow_agent": not self._key_files,
                "banner_timeout": self._options.timeout,
                "auth_timeout": self._options.timeout,
                "transport_factory": _AeadFirstTransport,
            },
        )
        client = connection.client
        if self._known_hosts.exists():
            client.load_host_keys(str(self._known_hosts))
        client.set_missing_host_key_policy(
            HostKeyPolicy(self._known_hosts, self._options.accept_new_hostkeys)
        )
        try:
            connection.open()
        except HostKeyError as error:
            connection.close()
            raise HostKeyError(f"{self.host} ({error})") from None
        except paramiko.BadHostKeyException as error:
            connection.close()
            raise HostKeyError(
                f"{self.host}: the host key CHANGED: it offers {error.key.fingerprint}, "
                f"{self._known_hosts} has {error.expected_key.fingerprint}; refusing. If the "
                f"host was rebuilt, remove the old key (ssh-keygen -f {self._known_hosts} "
                f"-R {_key_name(spec)}) and run with --accept-new-hostkeys"
            ) from None
        except paramiko.AuthenticationException as error:
            connection.close()
            raise ConnectError(
                f"{self.host}: {spec.user}@{spec.address}:{spec.port} refused the login: {error}"
            ) from None
        except (paramiko.SSHException, OSError, EOFError) as error:
            connection.close()
            raise _Transient(
                f"{self.host}: cannot connect to {spec.user}@{spec.address}:{spec.port}: "
                f"{error or type(error).__name__}"
            ) from None
        transport = client.get_transport()
        assert transport is not None
        _watch_liveness(transport, self._options.alive_timeout)
        self._connection = connection
        self._transport = transport

    @property
    def alive(self) -> bool:
        return self._transport is not None and self._transport.is_active()

    def _session(self) -> paramiko.Channel:
        """A new channel; a dead connection is made again first (nothing has run yet)."""
        for fresh in (False, True):
            transport = self._transport
            if fresh or transport is None or not transport.is_active():
                self._drop_loop()
                if self._connection is not None:
                    self._connection.close()
                self._connection = self._transport = None
                self._reconnect()
                transport = self._transport
                assert transport is not None
            try:
                return transport.open_session(timeout=self._options.timeout)
            except (paramiko.SSHException, OSError, EOFError) as error:
                if fresh:
                    raise ConnectError(f"{self.host}: cannot start a command: {error}") from None
        raise AssertionError("unreachable")

    def _start_loop(self) -> None:
        """Start the command loop with the connection, in the same parallel pass over the
        hosts, so that the first command also waits for one round trip only. Should it fail,
        the first command tries again, and reports why it cannot."""
        with contextlib.suppress(ConnectError):
            self._loop_channel()

    def _loop_channel(self) -> paramiko.Channel:
        """The host's command loop, started (on a new connection if need be) when missing."""
        channel = self._loop
        if channel is not None and self._loop_usable(channel):
            return channel
        self._drop_loop()
        channel = self._session()
        try:
            channel.exec_command(LOOP_COMMAND)
        except (paramiko.SSHException, OSError, EOFError) as error:
            channel.close()
            raise ConnectError(f"{self.host}: cannot start a command: {error}") from None
        self._loop = channel
        return channel

    def _loop_usable(self, channel: paramiko.Channel) -> bool:
        """Made on the current, live connection, and its shell has not gone away since."""
        transport = self._transport
        return (
            transport is not None
            and channel.get_transport() is transport
            and transport.is_active()
            and not channel.closed
            and not channel.eof_received
            and not channel.exit_status_ready()
        )

    def _drop_loop(self) -> None:
        channel, self._loop = self._loop, None
        if channel is not None:
            channel.close()

    def run_script(self, script: bytes, timeout: float | None = None) -> CommandResult:
        started = time.monotonic()
        if self._aborted.is_set():
            return _closed()
        if self._loop_busy.acquire(blocking=False):
            try:
                return self._run_in_loop(script, started, timeout)
            finally:
                self._loop_busy.release()
        # A session of its own; :data:`BASH` is a compound command run in the session's
        # own shell, and the script reports that shell's pid itself, as the loop's do.
        return self._in_session(BASH, f"{REPORT_PGID}\n".encode() + script, started, timeout)

    def run_command(
        self, command: str, stdin: bytes = b"", timeout: float | None = None
    ) -> CommandResult:
        started = time.monotonic()
        if self._aborted.is_set():
            return _closed()
        # The whole line runs in the session's shell (no ``exec``: ``a; b`` is both).
        return self._in_session(f"{REPORT_PGID}; {command}", stdin, started, timeout)

    def _in_session(
        self, line: str, stdin: bytes, started: float, timeout: float | None
    ) -> CommandResult:
        """``line`` as a new session's command line, reporting its pid first."""
        try:
            channel = self._session()
        except ConnectError as error:
            return _not_connected(error, started)
        with channel:
            running = _Running(channel)
            with self._lock:
                self._running.add(running)
            try:
                channel.exec_command(line)
                return self._drive(running, stdin, started, timeout)
            except (paramiko.SSHException, OSError, EOFError) as error:
                return self._lost(bytearray(), bytearray(), started, error)
            finally:
                with self._lock:
                    self._running.discard(running)

    def _run_in_loop(self, stdin: bytes, started: float, timeout: float | None) -> CommandResult:
        """The script through the command loop; once more on a new loop if it never began.

        A loop whose shell died while it waited (killed, or the host closed it) may look
        alive until its end arrives: the script is then never read, and runs on a new one.
        Once the loop has read it, or the connection dropped after it left (whether it was
        read is then unknown), it is never sent again.
        """
        for attempt in (1, 2):
            try:
                channel = self._loop_channel()
            except ConnectError as error:
                return _not_connected(error, started)
            result, running = self._loop_command(channel, stdin, started, timeout)
            if running.started or running.timed_out or self._aborted.is_set():
                return result
            if (running.sent and not self.alive) or attempt == 2:
                return result
        raise AssertionError("unreachable")

    def _loop_command(
        self, channel: paramiko.Channel, stdin: bytes, started: float, timeout: float | None
    ) -> tuple[CommandResult, _Running]:
        running = _Running(channel)
        with self._lock:
            self._running.add(running)
        try:
            marker = new_marker()
            output = LoopOutput(marker)
            try:
                channel.sendall(frame(stdin, marker))
                running.sent = True
                result = self._drive_loop(running, output, started, timeout)
            except (paramiko.SSHException, OSError, EOFError) as error:
                running.started = output.started
                result = self._lost(
                    bytearray(output.stdout), bytearray(output.stderr), started, error
                )
            if not output.done:
                self._drop_loop()
            return result, running
        finally:
            with self._lock:
                self._running.discard(running)

    def _drive_loop(
        self, running: _Running, output: LoopOutput, started: float, timeout: float | None
    ) -> CommandResult:
        channel = running.channel
        deadline = started + timeout if timeout is not None else None
        while True:
            while channel.recv_ready():
                output.feed_stdout(channel.recv(65536))
            while channel.recv_stderr_ready():
                output.feed_stderr(channel.recv_stderr(65536))
            running.pgid = output.pgid
            running.started = output.started
            if output.done:
                status = output.status if output.status is not None else -1
                duration = time.monotonic() - started
                return CommandResult(status, output.stdout, output.stderr, duration)
            if channel.recv_ready() or channel.recv_stderr_ready():
                continue
            if channel.closed or channel.eof_received:
                break
            wait = 1.0
            if deadline is not None:
                now = time.monotonic()
                if deadline <= now:
                    running.timed_out = True
                    self._stop(running)
                    return _timed_out(output.stdout, output.stderr, timeout)
                wait = min(wait, deadline - now)
            select.select([channel], [], [], wait)
        # The loop ended before the command did: killed, or its connection went down.
        if not self._aborted.is_set() and _went_down(running.transport):
            return self._lost(
                bytearray(output.stdout),
                bytearray(output.stderr),
                started,
                running.transport.get_exception(),
            )
        duration = time.monotonic() - started
        return CommandResult(-1, output.stdout, output.stderr, duration)

    def _drive(
        self,
        running: _Running,
        stdin: bytes,
        started: float,
        timeout: float | None,
    ) -> CommandResult:
        channel = running.channel
        stdout, stderr = bytearray(), bytearray()
        deadline = started + timeout if timeout is not None else None
        quiet_since: float | None = None
        try:
            if stdin:
                channel.sendall(stdin)
            running.sent = True
            channel.shutdown_write()
            while True:
                while channel.recv_ready():
                    stdout += channel.recv(65536)
                    quiet_since = None
                    if running.pgid is None and b"\n" in stdout:
                        head, _, rest = bytes(stdout).partition(b"\n")
                        running.pgid = int(head) if head.isdigit() else 0
                        stdout = bytearray(rest)
                while channel.recv_stderr_ready():
                    stderr += channel.recv_stderr(65536)
                    quiet_since = None
                if channel.recv_ready() or channel.recv_stderr_ready():
                    continue
                if channel.closed or (channel.eof_received and channel.exit_status_ready()):
                    break
                now = time.monotonic()
                wait = 1.0
                if channel.exit_status_ready():
                    # sshd reports the status when it reaps the command, which can be
                    # before it has forwarded all its output: the output is complete at
                    # end-of-file. A background process still holding the output open
                    # delays that forever, so a quiet moment after the status ends it too.
                    quiet_since = quiet_since or now
                    if now - quiet_since >= OUTPUT_GRACE:
                        break
                    wait = OUTPUT_GRACE - (now - quiet_since)
                if deadline is not None:
                    if deadline <= now:
                        running.timed_out = True
                        self._stop(running)
                        return _timed_out(bytes(stdout), bytes(stderr), timeout)
                    wait = min(wait, deadline - now)
                if channel.eof_received:
                    # All output is in; only the status is missing, and it wakes no select.
                    channel.status_event.wait(wait)
                else:
                    select.select([channel], [], [], wait)
        except (paramiko.SSHException, OSError, EOFError) as error:
            return self._lost(stdout, stderr, started, error)
        # paramiko reports -1 for a channel closed without an exit status.
        status = channel.recv_exit_status() if channel.exit_status_ready() else -1
        if status != -1:
            return CommandResult(status, bytes(stdout), bytes(stderr), time.monotonic() - started)
        if not self._aborted.is_set() and _went_down(running.transport):
            return self._lost(stdout, stderr, started, running.transport.get_exception())
        return CommandResult(-1, bytes(stdout), bytes(stderr), time.monotonic() - started)

    def _lost(
        self, stdout: bytearray, stderr: bytearray, started: float, error: BaseException | None
    ) -> CommandResult:
        silent = f"closed by the host, or no answer for {self._options.alive_timeout:g}s"
        detail = str(error or "") or silent
        reason = "" if self._aborted.is_set() else f"connection lost: {detail}"
        stderr += f"\nconnection lost: {detail}\n".encode()
        duration = time.monotonic() - started
        return CommandResult(-1, bytes(stdout), bytes(stderr), duration, reason)

    def _stop(self, running: _Running) -> None:
        """Stop a command in flight and everything it started, then close its channel.

        OpenSSH ignores the protocol's signal request and a closed channel does not stop a
        command that is not writing, so the command's process group (sshd makes each
        session its own) is killed over a second channel: TERM, then KILL after a moment.
        """
        transport = self._transport
        if running.pgid and transport is not None and transport.is_active():
            with contextlib.suppress(paramiko.SSHException, OSError, EOFError):
                killer = transport.open_session(timeout=self._options.timeout)
                with killer:
                    killer.settimeout(KILL_GRACE + self._options.timeout)
                    killer.exec_command(KILL_GROUP.format(pgid=running.pgid))
                    killer.recv_exit_status()
        running.channel.close()

    def abort(self) -> None:
        self._aborted.set()
        with self._lock:
            running = list(self._running)
        for command_run in running:
            self._stop(command_run)

    def close(self) -> None:
        self.abort()
        self._drop_loop()
        if self._transport is not None:
            self._transport.close()
        if self._connection is not None:
            self._connection.close()


@dataclass(eq=False)
class _Running:
    """A command in flight: its channel and, once reported, its remote process group."""

    channel: paramiko.Channel
    pgid: int | None = None
    #: The whole standard input was handed to the connection.
    sent: bool = False
    #: A command loop read the script (it may have run).
    started: bool = False
    timed_out: bool = False

    @property
    def transport(self) -> paramiko.Transport:
        return self.channel.get_transport()


class _Transient(ConnectError):
    """A connection failure that may pass: refused, timed out, reset, no route."""


def _closed() -> CommandResult:
    return CommandResult(-1, b"", b"connection closed\n", 0.0)


def _timed_out(stdout: bytes, stderr: bytes, timeout: float | None) -> CommandResult:
    return CommandResult(-1, stdout, stderr, timeout or 0.0, timed_out=True)


def _not_connected(error: ConnectError, started: float) -> CommandResult:
    text = str(error)
    return CommandResult(-1, b"", f"{text}\n".encode(), time.monotonic() - started, text, True)


def _went_down(transport: paramiko.Transport, settle: float = 1.0) -> bool:
    """Whether a channel that closed without an exit status did so because the connection died.

    paramiko closes the channels of a dead connection a moment before it marks the
    connection inactive, so wait for that moment; a command killed by a signal closes its
    channel with no status either, on a connection that stays up.
    """
    deadline = time.monotonic() + settle
    while transport.is_active():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    return True


def _watch_liveness(transport: paramiko.Transport, alive_timeout: float) -> None:
    """Make a silent peer (powered off, unplugged) an error after ``alive_timeout`` seconds.

    Without this a connection to a host that vanished waits for TCP's own give-up, a
    quarter of an hour. SSH keepalives keep data in flight while a command is quiet,
    and ``TCP_USER_TIMEOUT`` fails the socket when that data stays unacknowledged; the
    lost packets of a merely bad link are retransmitted well within that time.
    """
    interval = max(1, int(alive_timeout / 4))
    transport.set_keepalive(interval)
    sock = transport.sock
    if not isinstance(sock, socket.socket):
        return  # a channel through a jump host (ProxyJump in ~/.ssh/config): no TCP options
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    if hasattr(socket, "TCP_USER_TIMEOUT"):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, int(alive_timeout * 1000))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, interval)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, interval)


def _key_name(host: Host) -> str:
    return host.address if host.port == 22 else f"[{host.address}]:{host.port}"
