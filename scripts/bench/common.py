"""Helpers shared by every process of the benchmark suite.

This module runs in the orchestrator, in the load generator, in the echo
server and in the servers and clients under test, each in its own virtual
environment: it must import nothing but the standard library and work on
every Python version those environments use.

"""

from __future__ import annotations

import base64
import faulthandler
import hashlib
import json
import os
import random
import resource
import struct
import sys
import time
from typing import Any

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

OP_CONT, OP_TEXT, OP_BINARY = 0x0, 0x1, 0x2
OP_CLOSE, OP_PING, OP_PONG = 0x8, 0x9, 0xA

# A fixed masking key: servers must unmask whatever the key is, and a fixed
# key lets the load generator build its frames once.
MASK_KEY = b"\x37\xfa\x21\x3d"

# Line prefixes on a child's stdout that the orchestrator looks for.
READY = "READY"
RESULT = "RESULT"
SKIP = "SKIP"

# Exit status of a child that can't run a scenario (e.g. no threading API).
EXIT_SKIP = 3

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# Process limits and resources.


def raise_nofile_limit() -> None:
    """Raise the soft limit on open files to the hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` (all its threads), from /proc."""
    with open(f"/proc/{pid}/stat", "rb") as stat:
        fields = stat.read().rsplit(b")", 1)[1].split()
    # Fields 14 and 15 of stat(5); the split above drops the first two.
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def thread_cpu_ns(pid: int) -> dict[int, int]:
    """Nanoseconds on CPU of each live thread of process ``pid``
    (/proc/PID/task/TID/schedstat): finer than /proc/PID/stat's clock ticks,
    but blind to threads that exited."""
    found = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat", "rb") as stat:
                found[int(tid)] = int(stat.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return found


class CPUClock:
    """CPU time of another process over a span, to the nanosecond when its
    threads were the same at both ends, else to the clock tick."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def read(self) -> tuple[float, dict[int, int]]:
        return cpu_seconds(self.pid), thread_cpu_ns(self.pid)

    @staticmethod
    def elapsed(start: tuple[float, dict[int, int]], end: tuple[float, dict[int, int]]) -> float:
        if start[1].keys() == end[1].keys():
            return sum(end[1].values()) / 1e9 - sum(start[1].values()) / 1e9
        return end[0] - start[0]


def rss_kib(pid: int | str = "self") -> int:
    """Resident set size of a process in KiB (VmRSS in /proc/PID/status)."""
    with open(f"/proc/{pid}/status", "rb") as status:
        for line in status:
            if line.startswith(b"VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def arm_watchdog(seconds: float) -> None:
    """Dump every thread's stack and exit if this process is still running
    after ``seconds``: a hung child must never hang the run."""
    faulthandler.dump_traceback_later(seconds, exit=True)


def report(result: dict[str, Any]) -> None:
    """Hand a measurement to the orchestrator (one line on stdout)."""
    print(RESULT, json.dumps(result), flush=True)


def skip(reason: str) -> None:
    """Tell the orchestrator this implementation can't run the scenario."""
    print(SKIP, reason, flush=True)
    sys.exit(EXIT_SKIP)


def parse_params(argv: list[str]) -> dict[str, Any]:
    """Children get their scenario as one JSON argument."""
    params: dict[str, Any] = json.loads(argv[1])
    return params


# The wire format, just enough of it.


def accept_key(key: bytes | str) -> str:
    if isinstance(key, str):
        key = key.encode()
    return base64.b64encode(hashlib.sha1(key + GUID).digest()).decode()


def handshake_request(port: int, path: str, extensions: str | None = None) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
    ]
    if extensions:
        lines.append(f"Sec-WebSocket-Extensions: {extensions}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def parse_headers(head: bytes) -> tuple[str, dict[str, str]]:
    """Split an HTTP head into its first line and lower-cased headers."""
    first, *lines = head.decode("latin-1").split("\r\n")
    headers: dict[str, str] = {}
    for line in lines:
        if not line:
            continue
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name in headers:
            headers[name] += ", " + value.strip()
        else:
            headers[name] = value.strip()
    return first, headers


def frame_header(
    opcode: int, length: int, *, fin: bool = True, rsv1: bool = False, masked: bool
) -> bytes:
    first = (0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode
    mask_bit = 0x80 if masked else 0
    if length < 126:
        return struct.pack("!BB", first, mask_bit | length)
    if length < 65536:
        return struct.pack("!BBH", first, mask_bit | 126, length)
    return struct.pack("!BBQ", first, mask_bit | 127, length)


def peek_header(
    data: bytes | bytearray, pos: int, end: int, *, masked: bool | None = None
) -> tuple[int, int, int] | None:
    """Read the frame header at ``data[pos:end]`` without consuming it.

    Returns ``(first byte, payload length, header size)``, the size including
    the masking key, or :obj:`None` when the header isn't complete yet.
    ``masked`` overrides the MASK bit when the peer is known to mask.

    """
    if end - pos < 2:
        return None
    b0, b1 = data[pos], data[pos + 1]
    length, header = b1 & 0x7F, 2
    if length == 126:
        header = 4
        if end - pos < header:
            return None
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
    elif length == 127:
        header = 10
        if end - pos < header:
            return None
        length = int.from_bytes(data[pos + 2 : pos + 10], "big")
    if (b1 & 0x80) if masked is None else masked:
        header += 4
    if end - pos < header:
        return None
    return b0, length, header


_XOR_TABLES: list[bytes] = []


def apply_mask(data: bytes | bytearray | memoryview, key: bytes) -> bytes | bytearray:
    """XOR ``data`` with the repeated 4-byte ``key``, in pure Python.

    Small payloads go through one big integer; large ones through
    ``bytes.translate`` on each of the four strided slices, which is the
    fastest the standard library offers (≈ 0.6 GB/s here).

    """
    n = len(data)
    if n < 4096:
        repeated = key * (n // 4 + 1)
        value = int.from_bytes(data, "little") ^ int.from_bytes(repeated[:n], "little")
        return value.to_bytes(n, "little")
    if not _XOR_TABLES:
        _XOR_TABLES.extend(bytes(b ^ k for b in range(256)) for k in range(256))
    if not isinstance(data, bytes):
        data = bytes(data)
    out = bytearray(n)
    for i in range(4):
        out[i::4] = data[i::4].translate(_XOR_TABLES[key[i]])
    return out


def client_frame(opcode: int, payload: bytes, *, rsv1: bool = False) -> bytes:
    """A masked frame, as a client sends it."""
    header = frame_header(opcode, len(payload), rsv1=rsv1, masked=True)
    return header + MASK_KEY + apply_mask(payload, MASK_KEY)


# A realistic JSON corpus, generated deterministically.

_FIRST = [
    "Ada",
    "Alan",
    "Barbara",
    "Claude",
    "Dennis",
    "Donald",
    "Edsger",
    "Frances",
    "Grace",
    "Guido",
    "Ken",
    "Linus",
    "Margaret",
    "Niklaus",
    "Radia",
    "Tim",
]
_LAST = [
    "Lovelace",
    "Turing",
    "Liskov",
    "Shannon",
    "Ritchie",
    "Knuth",
    "Dijkstra",
    "Allen",
    "Hopper",
    "Rossum",
    "Thompson",
    "Torvalds",
    "Hamilton",
    "Wirth",
    "Perlman",
]
_WORDS = [
    "order",
    "shipped",
    "delayed",
    "payment",
    "received",
    "refund",
    "requested",
    "customer",
    "support",
    "ticket",
    "opened",
    "closed",
    "warehouse",
    "inventory",
    "low",
    "restock",
    "scheduled",
    "delivery",
    "address",
    "updated",
    "invoice",
    "generated",
    "discount",
    "applied",
    "subscription",
    "renewed",
    "cancelled",
    "trial",
    "expired",
    "session",
    "started",
    "ended",
    "device",
    "mobile",
    "desktop",
    "tablet",
]
_EVENTS = [
    "order.created",
    "order.updated",
    "payment.captured",
    "user.login",
    "user.logout",
    "cart.updated",
    "ticket.comment",
]
_CURRENCIES = ["EUR", "USD", "GBP", "JPY"]
_CITIES = [
    "Paris",
    "Lyon",
    "Berlin",
    "Madrid",
    "Lisbon",
    "Oslo",
    "Vienna",
    "Prague",
    "Dublin",
    "Rome",
]


def json_corpus(count: int, seed: int = 6455) -> list[str]:
    """``count`` JSON documents like those an API pushes over WebSocket:
    events with nested users, line items, timestamps and free text, from a
    few hundred bytes to a few KiB."""
    rng = random.Random(seed)
    messages = []
    clock = 1_700_000_000
    for index in range(count):
        clock += rng.randint(1, 5000)
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        items: list[dict[str, Any]] = [
            {
                "sku": f"SKU-{rng.randint(10000, 99999)}",
                "name": " ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 4))).title(),
                "quantity": rng.randint(1, 12),
                "unit_price": round(rng.uniform(0.5, 500.0), 2),
                "tags": rng.sample(_WORDS, rng.randint(0, 4)),
            }
            for _ in range(rng.choice([0, 1, 1, 2, 3, 5, 8, 13]))
        ]
        document = {
            "id": f"evt_{index:08d}_{rng.getrandbits(48):012x}",
            "type": rng.choice(_EVENTS),
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(clock)),
            "user": {
                "id": rng.randint(1, 10**6),
                "name": f"{first} {last}",
                "email": f"{first.lower()}.{last.lower()}@example.com",
                "verified": rng.random() < 0.8,
                "address": {
                    "city": rng.choice(_CITIES),
                    "postcode": f"{rng.randint(1000, 99999):05d}",
                },
            },
            "items": items,
            "total": round(sum(item["quantity"] * item["unit_price"] for item in items), 2),
            "currency": rng.choice(_CURRENCIES),
            "note": " ".join(rng.choice(_WORDS) for _ in range(rng.randint(0, 30))),
            "metadata": {"request_id": f"{rng.getrandbits(64):016x}", "retries": rng.randint(0, 3)},
        }
        messages.append(json.dumps(document))
    return messages


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]
