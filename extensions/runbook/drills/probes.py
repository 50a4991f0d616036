"""Continuous checks from the control host while a fault runs, each result timestamped.

Each probe is one small request a client of the cloud would make, repeated several times
a second in its own thread; every completed request becomes a
:class:`~runbook.drills.timeline.Sample` on the monotonic clock. What a success proves:

- ``tcp``: something accepts a TCP connection on the VIP's port (HAProxy holds the VIP);
- ``http``: an HTTP request through the VIP gets a status below 500 (a backend answered);
- ``sql``: a row is written through the VIP and read back, by the ``mysql`` client on a
  node over the runner's SSH transport (the control host has no MySQL client, and no
  pure-Python one is a dependency); the acknowledged rows are counted afterwards, so a
  write the cluster confirmed and then lost shows as a lost write;
- ``amqp``: a broker answers the AMQP 0-9-1 protocol header with ``Connection.Start``
  (the broker's listener and protocol layer are alive), trying each broker in turn as a
  client with every broker in its URL does; it does not publish or consume;
- ``memcached``: an instance answers ``version``, each instance tried in turn;
- ``keystone``: Keystone validates a token through the VIP (``200``), as every
  OpenStack API asks it to for each request; the token is one Keystone issued through
  the VIP, asked for again whenever Keystone refuses it.
"""

from __future__ import annotations

import http.client
import json
import re
import shlex
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from ipaddress import ip_address

from runbook.drills.timeline import Sample
from runbook.execution.transport import Transport
from runbook.model.drill import Probe

#: Seconds between the starts of two requests of one probe.
INTERVAL = 0.25
#: The longest a single request may take before it counts as failed.
REQUEST_TIMEOUT = 2.0
#: The same for an SQL write and read, which takes several round trips (connect, greeting,
#: login, two statements): a network 200 ms slower makes it last more than a second.
SQL_TIMEOUT = 5.0

AMQP_HEADER = b"AMQP\x00\x00\x09\x01"
#: Connection.Start: class 10, method 10, on channel 0, in a method frame (type 1).
_CONNECTION_START = (1, 0, 10, 10)
_IDENTIFIER_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


def tcp_check(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=REQUEST_TIMEOUT):
            return True
    except OSError:
        return False


def http_check(address: str, port: int, path: str) -> bool:
    request = f"GET {path} HTTP/1.0\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    try:
        with socket.create_connection((address, port), timeout=REQUEST_TIMEOUT) as connection:
            connection.sendall(request.encode("ascii"))
            status_line = connection.makefile("rb").readline(200)
    except OSError:
        return False
    parts = status_line.split()
    return (
        len(parts) >= 2
        and parts[0].startswith(b"HTTP/")
        and parts[1].isdigit()
        and (100 <= int(parts[1]) < 500)
    )


def amqp_answers(address: str, port: int) -> bool:
    """True when ``address`` answers the AMQP 0-9-1 header with ``Connection.Start``."""
    try:
        with socket.create_connection((address, port), timeout=REQUEST_TIMEOUT) as connection:
            connection.sendall(AMQP_HEADER)
            reader = connection.makefile("rb")
            header = reader.read(7)
            if len(header) != 7:
                return False
            frame_type, channel, size = struct.unpack("!BHI", header)
            payload = reader.read(min(size, 4))
    except OSError:
        return False
    if len(payload) < 4:
        return False
    class_id, method_id = struct.unpack("!HH", payload)
    return (frame_type, channel, class_id, method_id) == _CONNECTION_START


def memcached_answers(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=REQUEST_TIMEOUT) as connection:
            connection.sendall(b"version\r\n")
            return connection.recv(64).startswith(b"VERSION ")
    except OSError:
        return False


def keystone_auth_body(password: str) -> str:
    """The body of ``POST /v3/auth/tokens`` for the guide's ``admin`` in project ``admin``."""
    user = {"name": "admin", "domain": {"name": "Default"}, "password": password}
    body = {
        "auth": {
            "identity": {"methods": ["password"], "password": {"user": user}},
            "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}},
        }
    }
    return json.dumps(body)


def _keystone_request(
    address: str, port: int, method: str, headers: dict[str, str], body: str | None = None
) -> tuple[int, str | None]:
    """One request to ``/v3/auth/tokens``: the status and the ``X-Subject-Token`` header;
    status 0 when no answer came within :data:`REQUEST_TIMEOUT`."""
    connection = http.client.HTTPConnection(address, port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request(method, "/v3/auth/tokens", body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("X-Subject-Token")
    except (OSError, http.client.HTTPException):
        return 0, None
    finally:
        connection.close()


class KeystoneValidator:
    """Validates one token through the VIP, as every OpenStack API does for each request.

    A new token is asked for (a password login) only when there is none yet or Keystone
    refused the last one: a login costs Keystone a bcrypt hash, a few hundred milliseconds
    of CPU, and four of them a second would measure the probe's own load, not the fault.
    """

    def __init__(self, address: str, port: int, password: str) -> None:
        self.address = address
        self.port = port
        self.password = password
        self.token: str | None = None

    def issue(self) -> str | None:
        status, token = _keystone_request(
            self.address,
            self.port,
            "POST",
            {"Content-Type": "application/json"},
            keystone_auth_body(self.password),
        )
        return token if status == 201 and token else None

    def check(self) -> bool:
        if self.token is None:
            self.token = self.issue()
            if self.token is None:
                return False
        headers = {"X-Auth-Token": self.token, "X-Subject-Token": self.token}
        status, _ = _keystone_request(self.address, self.port, "GET", headers)
        if status in (401, 404):  # refused: log in again on the next request
            self.token = None
        return status == 200


def any_of(check: Callable[[str, int], bool], addresses: Sequence[str], port: int) -> bool:
    return any(check(address, port) for address in addresses)


class SqlWriter:
    """Writes numbered rows through the VIP from a node, and counts them back afterwards.

    The password travels on the command's standard input, never on a command line; the
    VIP, database and user are checked before they are quoted into the command.
    """

    TABLE = "rb_drill_probe"

    def __init__(
        self,
        transports: Sequence[Transport],
        vip: str,
        database: str,
        user: str,
        password: str,
    ) -> None:
        ip_address(vip)
        for name in (database, user):
            if not _IDENTIFIER_RE.match(name):
                raise ValueError(f"{name!r} is not a database or user name")
        self.transports = list(transports)
        self.vip = vip
        self.database = database
        self.user = user
        self.password = password
        self.run = uuid.uuid4().hex
        self.acknowledged: list[int] = []
        self._sequence = 0
        self._current = 0

    def _command(self, sql: str) -> str:
        script = (
            "IFS= read -r MYSQL_PWD; export MYSQL_PWD; "
            f"exec timeout {SQL_TIMEOUT:g} mysql --connect-timeout=3 -N -B "
            f"-h {shlex.quote(self.vip)} -u {shlex.quote(self.user)} "
            f"{shlex.quote(self.database)} -e {shlex.quote(sql)}"
        )
        # One command line for every transport (the SSH one execs what it is given).
        return f"bash -c {shlex.quote(script)}"

    def execute(self, sql: str, timeout: float = SQL_TIMEOUT + 2) -> str | None:
        """``sql``'s output through the VIP from the first node that runs it; ``None`` if none."""
        stdin = (self.password + "\n").encode()
        for offset in range(len(self.transports)):
            index = (self._current + offset) % len(self.transports)
            transport = self.transports[index]
            try:
                if not transport.alive:
                    transport.open()
                result = transport.run_command(self._command(sql), stdin=stdin, timeout=timeout)
            except Exception:
                continue
            if result.exit_status == -1:  # the node is gone or hangs: the next one
                continue
            self._current = index
            return result.stdout.decode(errors="replace") if result.exit_status == 0 else None
        return None

    def prepare(self) -> bool:
        created = self.execute(
            f"CREATE TABLE IF NOT EXISTS {self.TABLE} (run CHAR(32) NOT NULL, "
            "seq INT NOT NULL, PRIMARY KEY (run, seq))",
            timeout=30,
        )
        return created is not None

    def check(self) -> bool:
        self._sequence += 1
        seq = self._sequence
        output = self.execute(
            f"INSERT INTO {self.TABLE} (run, seq) VALUES ('{self.run}', {seq}); "
            f"SELECT seq FROM {self.TABLE} WHERE run = '{self.run}' AND seq = {seq}"
        )
        if output is not None and output.strip() == str(seq):
            self.acknowledged.append(seq)
            return True
        return False

    def lost_writes(self) -> int | None:
        """Acknowledged rows missing now; ``None`` when they cannot be read back."""
        output = self.execute(
            "SET SESSION wsrep_sync_wait = 1; "
            f"SELECT seq FROM {self.TABLE} WHERE run = '{self.run}'",
            timeout=30,
        )
        if output is None:
            return None
        present = {int(line) for line in output.split() if line.isdigit()}
        self.execute(f"DELETE FROM {self.TABLE} WHERE run = '{self.run}'", timeout=30)
        return len(set(self.acknowledged) - present)


class ProbeLoop:
    """One probe repeated in its own thread; ``samples`` grows until ``stop``."""

    def __init__(self, probe: Probe, check: Callable[[], bool], interval: float = INTERVAL):
        self.probe = probe
        self.check = check
        self.interval = interval
        self.samples: list[Sample] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"probe {probe.label}", daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            began = time.monotonic()
            try:
                ok = self.check()
            except Exception:
                ok = False
            self.samples.append(Sample(time.monotonic(), ok))
            self._stop.wait(max(0.0, self.interval - (time.monotonic() - began)))

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def succeeded_since(self, since: float) -> bool:
        """The probe's requests since ``since`` all succeeded, and there was one."""
        recent = [sample for sample in list(self.samples) if sample.at >= since]
        return bool(recent) and all(sample.ok for sample in recent)
