"""The fixed load generator: drives a WebSocket server under test.

    python -m bench.loadgen '{"scenario": "rtt", "port": 8765, "pid": 1234, ...}'

Raw asyncio, standard library only, as cheap as it can be so that the server
under test is what limits throughput: one opening handshake per connection,
then frames built once before the clock starts (masked with a fixed key) and
written as they are. Replies are only delimited: the parser reads frame
headers and skips payloads without copying or unmasking them.

Throughput comes from the wall clock of the measured window, CPU time from
/proc/PID/stat of the process under test (``pid``) read at both ends of it.
With ``"measure": "self"`` the CPU time is this process's own: that's how the
raw ceiling of the client side is measured, with this same code as the
client, against the echo server.

Prints one ``RESULT {json}`` line.

"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import select
import socket
import sys
import time
import zlib
from collections.abc import Callable
from typing import Any

from bench.common import (
    OP_BINARY,
    OP_CLOSE,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    CPUClock,
    arm_watchdog,
    client_frame,
    handshake_request,
    json_corpus,
    parse_headers,
    peek_header,
    percentile,
    raise_nofile_limit,
    report,
    rss_kib,
)

CLOSE_FRAME = client_frame(OP_CLOSE, (1000).to_bytes(2, "big"))
DEFLATE_OFFER = "permessage-deflate; client_max_window_bits"


class Conn(asyncio.Protocol):
    """One WebSocket connection that counts what it receives.

    ``on_message`` is called with the connection when a data message
    completes. Payload bytes of data frames are added to ``rx_payload``;
    messages with RSV1 set on their first frame to ``rx_compressed``.

    """

    def __init__(self, request: bytes) -> None:
        loop = asyncio.get_running_loop()
        self.request = request
        self.opened: asyncio.Future[dict[str, str]] = loop.create_future()
        self.close_received: asyncio.Future[None] = loop.create_future()
        self.lost: asyncio.Future[None] = loop.create_future()
        self.on_message: Callable[[Conn], None] = _ignore
        self.transport: asyncio.Transport | None = None
        self.head = b""
        self.buffer = b""
        self.in_frame = False
        self.skip = 0
        self.opcode = 0
        self.fin = False
        self.control = b""
        self.message_compressed = False
        self.rx_payload = 0
        self.rx_compressed = 0
        self.sent_at = 0.0

    # asyncio callbacks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(f"connection lost: {exc}"))
        if not self.close_received.done():
            self.close_received.set_result(None)
        if not self.lost.done():
            self.lost.set_result(None)

    def data_received(self, data: bytes) -> None:
        if not self.opened.done():
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                return
            head, data = self.head[:end], self.head[end + 4 :]
            self.head = b""
            first, headers = parse_headers(head)
            if first.split()[1:2] != ["101"]:
                self.opened.set_exception(ConnectionError(f"handshake failed: {first}"))
                return
            self.opened.set_result(headers)
            if not data:
                return
        if self.buffer:
            data = self.buffer + data
            self.buffer = b""
        self.parse(data)

    def parse(self, data: bytes) -> None:
        pos, end = 0, len(data)
        while True:
            if self.in_frame:
                take = min(self.skip, end - pos)
                if self.opcode >= 8:
                    self.control += data[pos : pos + take]
                self.skip -= take
                pos += take
                if self.skip:
                    return
                self.in_frame = False
                self.frame_done()
            peeked = peek_header(data, pos, end)
            if peeked is None:
                break
            b0, length, header = peeked
            pos += header
            opcode = b0 & 0x0F
            self.opcode = opcode
            self.fin = bool(b0 & 0x80)
            if opcode in (OP_TEXT, OP_BINARY):
                self.message_compressed = bool(b0 & 0x40)
            if opcode < 8:
                self.rx_payload += length
            self.skip = length
            self.in_frame = True
        if pos < end:
            self.buffer = data[pos:]

    def frame_done(self) -> None:
        opcode = self.opcode
        if opcode < 8:
            if self.fin:
                if self.message_compressed:
                    self.rx_compressed += 1
                self.on_message(self)
            return
        payload, self.control = self.control, b""
        if opcode == OP_CLOSE:
            if not self.close_received.done():
                self.close_received.set_result(None)
        elif opcode == OP_PING:
            self.write(client_frame(OP_PONG, payload))

    # helpers

    def write(self, data: bytes) -> None:
        assert self.transport is not None
        self.transport.write(data)

    async def close(self, timeout: float = 5.0) -> None:
        """Closing handshake; then close TCP without waiting for the server."""
        if self.transport is None or self.transport.is_closing():
            return
        self.write(CLOSE_FRAME)
        with contextlib.suppress(TimeoutError, ConnectionError):
            await asyncio.wait_for(asyncio.shield(self.close_received), timeout)
        self.transport.close()


def _ignore(conn: Conn) -> None:
    pass


async def open_conn(port: int, path: str = "/", extensions: str | None = None) -> Conn:
    loop = asyncio.get_running_loop()
    request = handshake_request(port, path, extensions)
    _, conn = await loop.create_connection(lambda: Conn(request), "127.0.0.1", port)
    await conn.opened
    return conn


async def open_many(
    port: int, count: int, path: str = "/", extensions: str | None = None
) -> list[Conn]:
    limit = asyncio.Semaphore(100)

    async def open_one() -> Conn:
        async with limit:
            return await open_conn(port, path, extensions)

    return list(await asyncio.gather(*[open_one() for _ in range(count)]))


async def close_many(conns: list[Conn]) -> None:
    await asyncio.gather(*[conn.close(timeout=5.0) for conn in conns], return_exceptions=True)


class Window:
    """Wall clock and CPU time of the process under test over measured spans."""

    def __init__(self, params: dict[str, Any]) -> None:
        self.self_cpu = params.get("measure") == "self"
        self.clock = CPUClock(params["pid"]) if params.get("pid") and not self.self_cpu else None
        self.wall = 0.0
        self.cpu = 0.0
        self.own_cpu = 0.0  # the load generator's, to tell when it's the limit
        self.ops = 0
        self.bytes = 0

    def start(self) -> None:
        if self.clock is not None:
            self._cpu0 = self.clock.read()
        self._own0 = time.process_time()
        self._t0 = time.perf_counter()

    def stop(self, ops: int, nbytes: int = 0) -> None:
        t1 = time.perf_counter()
        own = time.process_time() - self._own0
        self.wall += t1 - self._t0
        self.own_cpu += own
        if self.clock is not None:
            self.cpu += self.clock.elapsed(self._cpu0, self.clock.read())
        elif self.self_cpu:
            self.cpu += own
        self.ops += ops
        self.bytes += nbytes

    def result(self, **extra: Any) -> dict[str, Any]:
        return {
            "ops": self.ops,
            "wall": self.wall,
            "cpu": self.cpu,
            "loadgen_cpu": self.own_cpu,
            "bytes": self.bytes,
            **extra,
        }


# Scenarios. Each returns the dict that goes in the RESULT line.


def take_sockets(conns: list[Conn]) -> list[socket.socket]:
    """Blocking duplicates of the connections' sockets, for the loops that
    bypass asyncio; asyncio stops reading from the originals meanwhile."""
    socks = []
    for conn in conns:
        assert conn.transport is not None
        conn.transport.pause_reading()
        fd = conn.transport.get_extra_info("socket").fileno()
        sock = socket.socket(fileno=os.dup(fd))
        sock.setblocking(True)
        socks.append(sock)
    return socks


def give_back(conns: list[Conn], socks: list[socket.socket]) -> None:
    for conn, sock in zip(conns, socks, strict=True):
        # O_NONBLOCK belongs to the open file, which asyncio's socket shares.
        sock.setblocking(False)
        sock.close()
        assert conn.transport is not None
        conn.transport.resume_reading()


class Delimiter:
    """Counts complete data messages in a byte stream, per connection, for
    the loops that bypass asyncio (control frames are skipped)."""

    __slots__ = ("buffer", "data", "fin", "skip")

    def __init__(self) -> None:
        self.buffer = b""
        self.skip = 0
        self.fin = False
        self.data = False

    def feed(self, data: bytes) -> int:
        if self.buffer:
            data = self.buffer + data
            self.buffer = b""
        messages = 0
        pos, end = 0, len(data)
        while True:
            if self.skip:
                take = min(self.skip, end - pos)
                self.skip -= take
                pos += take
                if self.skip:
                    return messages
                if self.fin and self.data:
                    messages += 1
            peeked = peek_header(data, pos, end)
            if peeked is None:
                break
            b0, length, header = peeked
            pos += header
            self.fin, self.data = bool(b0 & 0x80), (b0 & 0x0F) < 8
            if length:
                self.skip = length
            elif self.fin and self.data:
                messages += 1
        if pos < end:
            self.buffer = data[pos:]
        return messages


async def rtt(params: dict[str, Any]) -> dict[str, Any]:
    """Round trips of one message on one connection, one at a time, with
    blocking calls: no event loop between the reply and the next message."""
    conn = await open_conn(params["port"], params.get("path", "/"))
    [sock] = take_sockets([conn])
    frame = client_frame(OP_BINARY, b"\x00" * params["size"])
    delimiter = Delimiter()
    send, recv, feed = sock.send, sock.recv, delimiter.feed
    window = Window(params)
    for phase, seconds in (("warmup", params["warmup"]), ("measure", params["duration"])):
        if phase == "measure":
            window.start()
        count = 0
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            for _ in range(64):
                send(frame)
                while not feed(recv(65536)):
                    pass
            count += 64
    window.stop(count, count * params["size"])
    give_back([conn], [sock])
    await conn.close()
    return window.result()


async def pipeline(params: dict[str, Any]) -> dict[str, Any]:
    """Batches of ``count`` messages written at once, then all replies read."""
    conn = await open_conn(params["port"], params.get("path", "/"))
    count, size = params["count"], params["size"]
    batch = client_frame(OP_BINARY, b"\x00" * size) * count
    loop = asyncio.get_running_loop()
    window = Window(params)
    received = 0
    done: asyncio.Future[None] | None = None

    def on_message(c: Conn) -> None:
        nonlocal received
        received += 1
        if received == count and done is not None:
            done.set_result(None)

    conn.on_message = on_message

    async def one_batch() -> None:
        nonlocal received, done
        received, done = 0, loop.create_future()
        conn.write(batch)
        await done

    await one_batch()  # warm-up
    end = time.perf_counter() + params["duration"]
    while time.perf_counter() < end:
        window.start()
        await one_batch()
        window.stop(count, count * size)
    await conn.close()
    return window.result()


async def large(params: dict[str, Any]) -> dict[str, Any]:
    """Large binary messages: echoed (path /) or one way (path /sink, where
    only the small text marker that ends each batch comes back).

    Blocking ``sendall`` hands the prebuilt frame to the kernel without the
    copies asyncio makes of whatever doesn't fit in the socket buffer.

    """
    oneway = params["path"] == "/sink"
    conn = await open_conn(params["port"], params["path"])
    [sock] = take_sockets([conn])
    size = params["size"]
    frame = client_frame(OP_BINARY, os.urandom(size))
    per_batch = params.get("batch", 1)
    marker = client_frame(OP_TEXT, b"m")
    delimiter = Delimiter()
    sendall, recv, feed = sock.sendall, sock.recv, delimiter.feed

    def one_batch() -> None:
        if oneway:
            for _ in range(per_batch):
                sendall(frame)
            sendall(marker)
            while not feed(recv(1 << 20)):
                pass
        else:
            for _ in range(per_batch):
                sendall(frame)
                while not feed(recv(1 << 20)):
                    pass

    window = Window(params)
    one_batch()  # warm-up
    end = time.perf_counter() + params["duration"]
    while time.perf_counter() < end:
        window.start()
        one_batch()
        window.stop(per_batch, per_batch * size)
    give_back([conn], [sock])
    await conn.close()
    return window.result()


async def connections(params: dict[str, Any]) -> dict[str, Any]:
    """Many connections, each doing round trips of one small message.

    Connections open with asyncio; the round trips run in a loop of their
    own on epoll, which costs a fraction of asyncio's per-event overhead: at
    1,000 connections the kernel's loopback work per message is large, and
    this leaves the load generator as much headroom as it can have.

    """
    conns = await open_many(params["port"], params["connections"])
    socks = take_sockets(conns)
    frame = client_frame(OP_BINARY, b"\x00" * params["size"])
    poller = select.epoll()
    by_fd = {}
    for sock in socks:
        sock.setblocking(False)
        poller.register(sock.fileno(), select.EPOLLIN)
        by_fd[sock.fileno()] = (sock, Delimiter())
    sent_at = dict.fromkeys(by_fd, 0.0)
    latencies: list[float] = []
    record = latencies.append
    perf_counter = time.perf_counter
    poll = poller.poll
    window = Window(params)

    def run(seconds: float, measuring: bool) -> int:
        count = 0
        end = perf_counter() + seconds
        while True:
            now = perf_counter()
            if now >= end:
                return count
            for fd, _ in poll(0.1):
                sock, delimiter = by_fd[fd]
                data = sock.recv(65536)
                if not data:
                    raise ConnectionError("connection closed by the server")
                if delimiter.feed(data):
                    now = perf_counter()
                    if measuring:
                        record(now - sent_at[fd])
                        count += 1
                    sent_at[fd] = now
                    sock.send(frame)

    start = perf_counter()
    for sock in socks:
        sent_at[sock.fileno()] = start
        sock.send(frame)
    run(params["warmup"], False)
    window.start()
    count = run(params["duration"], True)
    window.stop(count, count * params["size"])
    # Collect the replies still in flight, one per connection at most.
    pending = set(by_fd)
    deadline = perf_counter() + 10
    while pending and perf_counter() < deadline:
        for fd, _ in poll(0.1):
            sock, delimiter = by_fd[fd]
            data = sock.recv(65536)
            if not data or delimiter.feed(data):
                pending.discard(fd)
                poller.unregister(fd)
    poller.close()
    give_back(conns, socks)
    await close_many(conns)
    return window.result(
        p50_ms=percentile(latencies, 0.50) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
    )


class Handshake:
    """One connection's life for the handshake loops: connect, opening
    handshake, closing handshake, close."""

    __slots__ = ("delimiter", "head", "sock", "state")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.state = "connecting"
        self.head = b""
        self.delimiter = CloseWatcher()


class CloseWatcher(Delimiter):
    """Tells when a close frame has come in."""

    __slots__ = ("closed",)

    def __init__(self) -> None:
        super().__init__()
        self.closed = False

    def feed_close(self, data: bytes) -> bool:
        # Data messages before the close frame don't matter here; control
        # frames are skipped by Delimiter, so look at each frame's opcode.
        if self.buffer:
            data, self.buffer = self.buffer + data, b""
        pos, end = 0, len(data)
        while True:
            if self.skip:
                take = min(self.skip, end - pos)
                self.skip -= take
                pos += take
                if self.skip:
                    return self.closed
            peeked = peek_header(data, pos, end)
            if peeked is None:
                break
            b0, length, header = peeked
            pos += header
            self.skip = length
            if b0 & 0x0F == OP_CLOSE:
                self.closed = True
        if pos < end:
            self.buffer = data[pos:]
        return self.closed


def handshake_blocking(address: tuple[str, int], request: bytes) -> None:
    with socket.create_connection(address) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(request)
        head = b""
        while b"\r\n\r\n" not in head:
            data = sock.recv(65536)
            if not data:
                raise ConnectionError("connection closed during the opening handshake")
            head += data
        head, rest = head.split(b"\r\n\r\n", 1)
        if head[9:12] != b"101":
            raise ConnectionError(f"handshake failed: {head[:40]!r}")
        sock.sendall(CLOSE_FRAME)
        watcher = CloseWatcher()
        if rest and watcher.feed_close(rest):
            return
        while True:
            data = sock.recv(65536)
            if not data or watcher.feed_close(data):
                return


def handshake_loop(
    address: tuple[str, int], request: bytes, concurrency: int, seconds: float
) -> int:
    """Keep ``concurrency`` handshakes in flight for ``seconds``, on epoll."""
    end = time.perf_counter() + seconds
    if concurrency == 1:
        count = 0
        while time.perf_counter() < end:
            handshake_blocking(address, request)
            count += 1
        return count
    poller = select.epoll()
    live: dict[int, Handshake] = {}

    def start() -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.connect_ex(address)
        live[sock.fileno()] = Handshake(sock)
        poller.register(sock.fileno(), select.EPOLLOUT)

    def finish(fd: int) -> None:
        poller.unregister(fd)
        live.pop(fd).sock.close()

    for _ in range(concurrency):
        start()
    count = 0
    while live:
        for fd, _ in poller.poll(1.0):
            hs = live[fd]
            if hs.state == "connecting":
                error = hs.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if error:
                    raise ConnectionError(os.strerror(error))
                hs.sock.send(request)
                hs.state = "opening"
                poller.modify(fd, select.EPOLLIN)
                continue
            data = hs.sock.recv(65536)
            if not data:
                if hs.state == "opening":
                    raise ConnectionError("connection closed during the opening handshake")
                closed = True
            elif hs.state == "opening":
                hs.head += data
                if b"\r\n\r\n" not in hs.head:
                    continue
                head, rest = hs.head.split(b"\r\n\r\n", 1)
                if head[9:12] != b"101":
                    raise ConnectionError(f"handshake failed: {head[:40]!r}")
                hs.sock.send(CLOSE_FRAME)
                hs.state = "closing"
                closed = bool(rest) and hs.delimiter.feed_close(rest)
            else:
                closed = hs.delimiter.feed_close(data)
            if closed:
                finish(fd)
                count += 1
                if time.perf_counter() < end:
                    start()
    poller.close()
    return count


async def handshakes(params: dict[str, Any]) -> dict[str, Any]:
    """Open a connection, do the closing handshake, close; ``concurrency``
    at a time. Plain sockets (blocking for one at a time, epoll otherwise)
    keep the load generator's share of each handshake small."""
    address = ("127.0.0.1", params["port"])
    request = handshake_request(params["port"], "/")
    window = Window(params)
    handshake_loop(address, request, params["concurrency"], params["warmup"])
    window.start()
    count = handshake_loop(address, request, params["concurrency"], params["duration"])
    window.stop(count)
    return window.result()


async def memory(params: dict[str, Any]) -> dict[str, Any]:
    """Resident memory per idle open connection: the growth of the RSS of the
    process under test from before the connections to when all are open."""
    port, count = params["port"], params["connections"]
    extensions = DEFLATE_OFFER if params.get("deflate") else None
    path = "/deflate" if params.get("deflate") else "/"
    pid: int | str = "self" if params.get("measure") == "self" else params["pid"]
    # Warm up: lazy imports and first-use allocations shouldn't count.
    await close_many(await open_many(port, 20, path, extensions))
    await asyncio.sleep(0.3)
    gc.collect()
    before = rss_kib(pid)
    conns = await open_many(port, count, path, extensions)
    negotiated = sum(1 for c in conns if "sec-websocket-extensions" in c.opened.result())
    await asyncio.sleep(params.get("settle", 1.0))
    gc.collect()
    after = rss_kib(pid)
    await close_many(conns)
    if params.get("deflate") and negotiated != count:
        raise RuntimeError(f"permessage-deflate negotiated on {negotiated} of {count} connections")
    return {
        "kib_per_conn": (after - before) / count,
        "rss_before_kib": before,
        "rss_after_kib": after,
    }


def _deflate_params(header: str) -> tuple[int, bool]:
    """Window bits and no_context_takeover for what the client compresses."""
    bits, reset = 15, False
    for param in header.split(";")[1:]:
        name, _, value = param.strip().partition("=")
        if name == "client_max_window_bits" and value:
            bits = int(value.strip('"'))
        elif name == "client_no_context_takeover":
            reset = True
    return bits, reset


_compressed_batches: dict[tuple[int, bool], bytes] = {}


def _compressed_batch(corpus: list[str], bits: int, reset: bool) -> bytes:
    key = (bits, reset)
    if key not in _compressed_batches:
        frames = []
        compressor = zlib.compressobj(6, zlib.DEFLATED, -max(bits, 9))
        for message in corpus:
            if reset:
                compressor = zlib.compressobj(6, zlib.DEFLATED, -max(bits, 9))
            data = compressor.compress(message.encode()) + compressor.flush(zlib.Z_SYNC_FLUSH)
            assert data.endswith(b"\x00\x00\xff\xff")
            frames.append(client_frame(OP_TEXT, data[:-4], rsv1=True))
        _compressed_batches[key] = b"".join(frames)
    return _compressed_batches[key]


async def deflate(params: dict[str, Any]) -> dict[str, Any]:
    """The JSON corpus with permessage-deflate, pipelined on fresh connections
    (each replays the compressed stream from its start)."""
    corpus = json_corpus(params["count"])
    raw_size = sum(len(message.encode()) for message in corpus)
    loop = asyncio.get_running_loop()
    window = Window(params)
    wire = 0

    async def one_batch(measured: bool) -> None:
        nonlocal wire
        conn = await open_conn(params["port"], "/deflate", DEFLATE_OFFER)
        header = conn.opened.result().get("sec-websocket-extensions", "")
        if "permessage-deflate" not in header:
            raise RuntimeError("the server didn't negotiate permessage-deflate")
        batch = _compressed_batch(corpus, *_deflate_params(header))
        done = loop.create_future()
        received = 0

        def on_message(c: Conn) -> None:
            nonlocal received
            received += 1
            if received == len(corpus):
                done.set_result(None)

        conn.on_message = on_message
        if measured:
            window.start()
        conn.write(batch)
        await done
        if measured:
            window.stop(len(corpus), raw_size)
            wire += conn.rx_payload
            if conn.rx_compressed == 0:
                raise RuntimeError("the server sent no compressed message")
        await conn.close()

    await one_batch(False)
    end = time.perf_counter() + params["duration"]
    while time.perf_counter() < end:
        await one_batch(True)
    return window.result(ratio=window.bytes / wire)


SCENARIOS = {
    "rtt": rtt,
    "pipeline": pipeline,
    "large": large,
    "connections": connections,
    "handshakes": handshakes,
    "memory": memory,
    "deflate": deflate,
}


def main() -> None:
    from bench.common import parse_params

    params = parse_params(sys.argv)
    arm_watchdog(params.get("timeout", 120))
    raise_nofile_limit()
    result = asyncio.run(SCENARIOS[params["kind"]](params))
    report(result)


if __name__ == "__main__":
    main()
