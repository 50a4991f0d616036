"""The SSH transport's socket options, when there is a TCP socket of ours and when not.

A host reached through a jump host (``ProxyCommand`` or ``ProxyJump`` in
``~/.ssh/config``, which Fabric honours) talks over a pipe or a channel, not a socket:
setting TCP options there failed the connection with a traceback.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import paramiko
import pytest

from runbook.execution.ssh import _watch_liveness


@pytest.fixture
def proxied() -> Iterator[paramiko.Transport]:
    transport = paramiko.Transport(paramiko.ProxyCommand("cat"))
    yield transport
    transport.close()


@pytest.fixture
def direct() -> Iterator[tuple[paramiko.Transport, socket.socket]]:
    with socket.create_server(("127.0.0.1", 0)) as server:
        ours = socket.create_connection(server.getsockname())
        peer, _ = server.accept()
    transport = paramiko.Transport(ours)
    yield transport, ours
    transport.close()
    peer.close()


def test_a_proxied_connection_needs_no_tcp_options(proxied: paramiko.Transport) -> None:
    assert not isinstance(proxied.sock, socket.socket)
    _watch_liveness(proxied, 8.0)


def test_a_direct_connection_gets_nodelay_and_keepalive(
    direct: tuple[paramiko.Transport, socket.socket],
) -> None:
    transport, sock = direct
    _watch_liveness(transport, 8.0)
    assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
