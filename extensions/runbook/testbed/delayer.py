"""Holds a node's incoming packets for a while before letting them through (NFQUEUE).

Packet delay is netem's job, but kernels built without sch_netem (this project's CI
machines among them) cannot do it. nftables can hand packets to a user-space queue,
though, and this small program answers each one "accept" only after the delay: the
same effect, with nothing but the standard library (nfnetlink_queue spoken directly).

Run inside the node's network namespace by the fault helper::

    python -m runbook.testbed.delayer --queue 7 --delay-ms 100 --jitter-ms 10
"""

from __future__ import annotations

import argparse
import heapq
import os
import random
import select
import socket
import struct
import time

NETLINK_NETFILTER = 12
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET = 0
NFQNL_MSG_VERDICT = 1
NFQNL_MSG_CONFIG = 2
NFQA_PACKET_HDR = 1
NFQA_VERDICT_HDR = 2
NFQA_CFG_CMD = 1
NFQA_CFG_PARAMS = 2
NFQNL_CFG_CMD_BIND = 1
NFQNL_COPY_META = 1
NF_ACCEPT = 1
NLM_F_REQUEST = 1
NLMSG_ERROR = 2
NLMSG_HDR = struct.Struct("=IHHII")
NFGEN_HDR = struct.Struct("!BBH")


def _attr(kind: int, payload: bytes) -> bytes:
    length = 4 + len(payload)
    return struct.pack("=HH", length, kind) + payload + b"\0" * (-length % 4)


def _message(kind: int, queue: int, attrs: bytes, seq: int = 0) -> bytes:
    body = NFGEN_HDR.pack(socket.AF_UNSPEC, 0, queue) + attrs
    msg_type = (NFNL_SUBSYS_QUEUE << 8) | kind
    return NLMSG_HDR.pack(NLMSG_HDR.size + len(body), msg_type, NLM_F_REQUEST, seq, 0) + body


def bind(queue: int) -> socket.socket:
    """Open the netlink socket and become the reader of ``queue`` (packet headers only)."""
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    sock.bind((0, 0))
    cmd = _attr(NFQA_CFG_CMD, struct.pack("!BxH", NFQNL_CFG_CMD_BIND, socket.AF_INET))
    params = _attr(NFQA_CFG_PARAMS, struct.pack("!IBxxx", 0, NFQNL_COPY_META))
    sock.send(_message(NFQNL_MSG_CONFIG, queue, cmd + params, seq=1))
    return sock


def packet_ids(data: bytes) -> list[int]:
    """The ids of the queued packets in one netlink read (several messages may share it)."""
    ids = []
    offset = 0
    while offset + NLMSG_HDR.size <= len(data):
        length, msg_type, _flags, _seq, _pid = NLMSG_HDR.unpack_from(data, offset)
        if length < NLMSG_HDR.size:
            break
        if msg_type == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
            pos = offset + NLMSG_HDR.size + NFGEN_HDR.size
            end = offset + length
            while pos + 4 <= end:
                attr_len, attr_type = struct.unpack_from("=HH", data, pos)
                if attr_len < 4:
                    break
                if attr_type & 0x7FFF == NFQA_PACKET_HDR:
                    ids.append(struct.unpack_from("!I", data, pos + 4)[0])
                pos += attr_len + (-attr_len % 4)
        offset += length + (-length % 4)
    return ids


def verdict(sock: socket.socket, queue: int, packet_id: int) -> None:
    hdr = _attr(NFQA_VERDICT_HDR, struct.pack("!II", NF_ACCEPT, packet_id))
    sock.send(_message(NFQNL_MSG_VERDICT, queue, hdr))


def serve(queue: int, delay_ms: float, jitter_ms: float) -> None:
    """Accept every packet ``delay_ms`` (± ``jitter_ms``) after it arrived, in due order."""
    sock = bind(queue)
    due: list[tuple[float, int]] = []
    while True:
        timeout = max(0.0, due[0][0] - time.monotonic()) if due else None
        readable, _, _ = select.select([sock], [], [], timeout)
        if readable:
            now = time.monotonic()
            for packet_id in packet_ids(sock.recv(65536)):
                hold = max(0.0, delay_ms + random.uniform(-jitter_ms, jitter_ms)) / 1000
                heapq.heappush(due, (now + hold, packet_id))
        now = time.monotonic()
        while due and due[0][0] <= now:
            verdict(sock, queue, heapq.heappop(due)[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queue", type=int, required=True)
    parser.add_argument("--delay-ms", type=float, required=True)
    parser.add_argument("--jitter-ms", type=float, default=0.0)
    args = parser.parse_args()
    os.nice(-5)  # a late verdict adds delay nobody asked for
    serve(args.queue, args.delay_ms, args.jitter_ms)


if __name__ == "__main__":
    main()
