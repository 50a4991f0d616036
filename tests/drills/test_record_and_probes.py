"""The drills file round-trips; the socket probes tell a live service from a dead one."""

from __future__ import annotations

import http.server
import json
import socket
import socketserver
import struct
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runbook.drills.probes import (
    AMQP_HEADER,
    KeystoneValidator,
    amqp_answers,
    http_check,
    memcached_answers,
    tcp_check,
)
from runbook.drills.record import DrillRecord, append_record, latest_records, read_records
from runbook.drills.timeline import Figures

figures = st.builds(
    Figures,
    downtime=st.floats(0, 1e4),
    mttr=st.none() | st.floats(0, 1e4),
    failed_requests=st.integers(0, 10**6),
    requests=st.integers(0, 10**6),
    lost_writes=st.none() | st.integers(0, 10**6),
)


@given(
    name=st.from_regex(r"[a-z0-9][a-z0-9-]{0,20}", fullmatch=True),
    where=st.text(max_size=40),
    measured=figures,
    passed=st.booleans(),
    problems=st.lists(st.text(max_size=30), max_size=3),
)
def test_a_record_reads_back_as_written(name, where, measured, passed, problems) -> None:
    from runbook.drills.record import parse_record

    record = DrillRecord(
        drill=name,
        at="2026-12-03T09:00:00Z",
        where=where,
        scenarios=("lb",),
        fault="poweroff node1",
        budget={"downtime": 15.0, "mttr": None, "failed_requests": None, "lost_writes": 0},
        figures=measured,
        probes={"tcp:3306": measured},
        passed=passed,
        problems=tuple(problems),
    )
    assert parse_record(record.to_json()) == record


def test_the_latest_record_wins_and_a_torn_line_is_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "state" / "drills.jsonl"
    first = DrillRecord(
        "d", "2026-12-03T09:00:00Z", "testbed", ("lb",), "outage", {}, Figures(1, 1, 0, 4)
    )
    second = DrillRecord(
        "d",
        "2026-12-03T10:00:00Z",
        "testbed",
        ("lb",),
        "outage",
        {},
        Figures(2, None, 3, 4),
        passed=False,
    )
    append_record(path, first)
    append_record(path, second)
    assert path.stat().st_mode & 0o777 == 0o600
    with path.open("a") as handle:
        handle.write('{"drill": "d", "at"')
    latest, warnings = latest_records(path)
    assert latest == {"d": second}
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{path}:3: ignored an unreadable drill record")
    assert read_records(tmp_path / "missing.jsonl") == ([], [])


class _Handler(socketserver.BaseRequestHandler):
    reply: bytes = b""

    def handle(self) -> None:
        self.request.recv(64)
        self.request.sendall(self.reply)


@pytest.fixture
def serve() -> Iterator:
    servers = []

    def start(reply: bytes) -> int:
        handler = type("Handler", (_Handler,), {"reply": reply})
        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server.server_address[1]

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_amqp_needs_connection_start_in_reply_to_the_header(serve) -> None:
    start = struct.pack("!BHI", 1, 0, 8) + struct.pack("!HH", 10, 10) + b"\x00\x09\x00\x00\xce"
    assert amqp_answers("127.0.0.1", serve(start))
    assert not amqp_answers("127.0.0.1", serve(b"HTTP/1.0 400 Bad\r\n\r\n"))
    assert not amqp_answers("127.0.0.1", serve(AMQP_HEADER))  # a server refusing our version
    assert not amqp_answers("127.0.0.1", _closed_port())


def test_tcp_http_and_memcached_probes(serve) -> None:
    assert tcp_check("127.0.0.1", serve(b""))
    assert not tcp_check("127.0.0.1", _closed_port())
    assert http_check("127.0.0.1", serve(b"HTTP/1.1 401 Unauthorized\r\n\r\n"), "/")
    assert not http_check("127.0.0.1", serve(b"HTTP/1.1 503 Unavailable\r\n\r\n"), "/")
    assert memcached_answers("127.0.0.1", serve(b"VERSION 1.6.18\r\n"))
    assert not memcached_answers("127.0.0.1", serve(b"ERROR\r\n"))


class _Keystone(http.server.BaseHTTPRequestHandler):
    """Issues tokens to ``admin`` with the password ``right`` and validates the last one
    it issued, as Keystone does; ``revoked`` makes it refuse every token."""

    issued: ClassVar[list[str]] = []
    revoked = False

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        user = body["auth"]["identity"]["password"]["user"]
        if user == {"name": "admin", "domain": {"name": "Default"}, "password": "right"}:
            self.issued.append(f"gAAAAA{len(self.issued)}")
            self.send_response(201)
            self.send_header("X-Subject-Token", self.issued[-1])
        else:
            self.send_response(401)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        token = self.headers["X-Subject-Token"]
        valid = not self.revoked and token == self.headers["X-Auth-Token"] == self.issued[-1]
        self.send_response(200 if valid else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_the_keystone_probe_validates_one_token_and_logs_in_again_when_refused(serve) -> None:
    handler = type("Handler", (_Keystone,), {"issued": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        probe = KeystoneValidator("127.0.0.1", port, "right")
        assert probe.check() and probe.check() and probe.check()
        assert handler.issued == ["gAAAAA0"]  # one login, then validations only
        handler.revoked = True
        assert not probe.check()
        handler.revoked = False
        assert probe.check()
        assert handler.issued == ["gAAAAA0", "gAAAAA1"]
        assert not KeystoneValidator("127.0.0.1", port, "wrong").check()
    finally:
        server.shutdown()
        server.server_close()
    # A server that answers something else than HTTP, or nothing at all, is no Keystone.
    assert not KeystoneValidator("127.0.0.1", serve(b"VERSION 1.6.18\r\n"), "right").check()
    assert not KeystoneValidator("127.0.0.1", _closed_port(), "right").check()
