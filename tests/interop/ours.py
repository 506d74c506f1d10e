"""Our side of each pairing: the asyncio and the threading implementation behind one API.

The tests are plain blocking functions that drive a peer in a subprocess and
our library in this process. :class:`Ours` gives both of our I/O layers the
same blocking interface, with every wait bounded by :data:`TIMEOUT`: the
threading implementation is called directly, the asyncio one runs in an event
loop in a thread of its own (:class:`LoopThread`). Only public APIs are used,
as an application would.

"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import queue
import threading
from collections.abc import Callable, Coroutine, Iterable
from typing import Any, TypeVar

import websockets.asyncio.client
import websockets.asyncio.server
import websockets.sync.client
import websockets.sync.server
from websockets.exceptions import ConnectionClosed, ConnectionClosedError, ConnectionClosedOK
from websockets.typing import Data

from .peer import TIMEOUT

T = TypeVar("T")

IMPLEMENTATIONS = ["asyncio", "sync"]

# Options of every connection, on both sides. Keepalive pings are off so that
# the only pings are the ones that tests send and check; messages of several
# MiB need more than the default max_size of 1 MiB; handshakes on a loaded
# machine may take longer than the default 10 seconds.
OPTIONS: dict[str, Any] = {
    "ping_interval": None,
    "max_size": 64 * 2**20,
    "open_timeout": TIMEOUT,
    "close_timeout": TIMEOUT,
}


# Close codes and reasons that each side sends in turn: an application code
# with a reason, a normal closure without one, a reason that isn't ASCII.
CLOSES = [(4000, "bye"), (1000, ""), (3000, "ünïcødé ✓")]


def assert_closed(exc: ConnectionClosed, sent: tuple[int, str], rcvd: tuple[int, str]) -> None:
    """Check the close frames that our side sent and received, and the exception's type."""
    assert exc.sent is not None and exc.rcvd is not None
    assert (exc.sent.code, exc.sent.reason) == sent
    assert (exc.rcvd.code, exc.rcvd.reason) == rcvd
    ok = {1000, 1001}
    expected = ConnectionClosedOK if sent[0] in ok and rcvd[0] in ok else ConnectionClosedError
    assert type(exc) is expected


class LoopThread:
    """An asyncio event loop running in a thread; blocking calls into it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_forever, name="asyncio loop", daemon=True
        )
        self.thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = TIMEOUT) -> T:
        """Run a coroutine in the loop and return its result, within a timeout."""
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            if future.cancel():
                raise AssertionError(f"asyncio: timed out after {timeout} s") from None
            raise

    def close(self) -> None:
        async def cancel_tasks() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.loop.shutdown_asyncgens()

        self.run(cancel_tasks())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(TIMEOUT)
        self.loop.close()


def in_thread(function: Callable[[], T], timeout: float = TIMEOUT) -> T:
    """Call a blocking function that takes no timeout, and bound its duration."""
    result: list[T] = []
    error: list[BaseException] = []

    def target() -> None:
        try:
            result.append(function())
        except BaseException as exc:
            error.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise AssertionError(f"timed out after {timeout} s")
    if error:
        raise error[0]
    return result[0]


class OurConnection:
    """One of our connections, client or server side, behind a blocking API."""

    def __init__(self, implementation: str, connection: Any) -> None:
        self.implementation = implementation
        self.connection = connection

    @property
    def offered_extensions(self) -> str:
        """Sec-WebSocket-Extensions of the opening handshake's request."""
        return str(self.connection.request.headers.get("Sec-WebSocket-Extensions", ""))

    @property
    def extensions(self) -> str:
        """Sec-WebSocket-Extensions of the response: what was negotiated."""
        return str(self.connection.response.headers.get("Sec-WebSocket-Extensions", ""))

    @property
    def close_code(self) -> int | None:
        return self.connection.close_code  # type: ignore[no-any-return]

    @property
    def close_reason(self) -> str | None:
        return self.connection.close_reason  # type: ignore[no-any-return]

    def send(self, message: Data | Iterable[Data]) -> None:
        """Send a message, or a fragmented message from an iterable of fragments."""
        raise NotImplementedError

    def recv(self) -> Data:
        raise NotImplementedError

    def recv_fragments(self) -> list[Data]:
        """Receive the frames of the next message, one item each."""
        raise NotImplementedError

    def ping(self, data: str) -> float:
        """Send a ping and wait for the matching pong; return the latency."""
        raise NotImplementedError

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Run the closing handshake to its end."""
        raise NotImplementedError

    def closed(self) -> ConnectionClosed:
        """Wait until the connection is closed; return what recv() raises then."""
        try:
            message = self.recv()
        except ConnectionClosed as exc:
            return exc
        raise AssertionError(f"expected the connection to close, got {message!r:.100}")


class AsyncioConnection(OurConnection):
    def __init__(self, loop: LoopThread, connection: Any) -> None:
        super().__init__("asyncio", connection)
        self.loop = loop

    def send(self, message: Data | Iterable[Data]) -> None:
        self.loop.run(self.connection.send(message))

    def recv(self) -> Data:
        return self.loop.run(self.connection.recv())  # type: ignore[no-any-return]

    def recv_fragments(self) -> list[Data]:
        async def collect() -> list[Data]:
            return [fragment async for fragment in self.connection.recv_streaming()]

        return self.loop.run(collect())

    def ping(self, data: str) -> float:
        async def ping() -> float:
            pong_waiter = await self.connection.ping(data)
            return await pong_waiter  # type: ignore[no-any-return]

        return self.loop.run(ping())

    def close(self, code: int = 1000, reason: str = "") -> None:
        self.loop.run(self.connection.close(code, reason))


class SyncConnection(OurConnection):
    def __init__(self, connection: Any, done: threading.Event | None = None) -> None:
        super().__init__("sync", connection)
        # Server side: set to let the connection handler return.
        self.done = done

    def send(self, message: Data | Iterable[Data]) -> None:
        self.connection.send(message)

    def recv(self) -> Data:
        try:
            return self.connection.recv(timeout=TIMEOUT)  # type: ignore[no-any-return]
        except TimeoutError:
            raise AssertionError(f"sync: no message within {TIMEOUT} s") from None

    def recv_fragments(self) -> list[Data]:
        return in_thread(lambda: list(self.connection.recv_streaming()))

    def ping(self, data: str) -> float:
        pong = self.connection.ping(data)
        if not pong.wait(TIMEOUT):
            raise AssertionError(f"sync: no pong within {TIMEOUT} s")
        return 0.0

    def close(self, code: int = 1000, reason: str = "") -> None:
        # close() waits at most close_timeout for the closing handshake.
        self.connection.close(code, reason)


class OurServer:
    """One of our servers on 127.0.0.1, on a port that the OS picked."""

    port: int

    def __init__(self) -> None:
        self.accepted: queue.Queue[OurConnection] = queue.Queue()

    def accept(self, timeout: float = TIMEOUT) -> OurConnection:
        """The next connection that completed its opening handshake."""
        try:
            return self.accepted.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no connection within {timeout} s") from None

    def close(self) -> None:
        raise NotImplementedError


class AsyncioServer(OurServer):
    def __init__(self, loop: LoopThread, **kwargs: Any) -> None:
        super().__init__()
        self.loop = loop

        async def handler(connection: websockets.asyncio.server.ServerConnection) -> None:
            self.accepted.put(AsyncioConnection(loop, connection))
            # Returning would close the connection: the test drives it.
            await connection.wait_closed()

        async def start() -> websockets.asyncio.server.Server:
            return await websockets.asyncio.server.serve(handler, "127.0.0.1", 0, **kwargs)

        self.server = loop.run(start())
        self.port = self.server.sockets[0].getsockname()[1]

    def close(self) -> None:
        async def close() -> None:
            self.server.close()
            await self.server.wait_closed()

        self.loop.run(close())


class SyncServer(OurServer):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__()
        self.handlers: list[threading.Event] = []

        def handler(connection: websockets.sync.server.ServerConnection) -> None:
            done = threading.Event()
            self.handlers.append(done)
            self.accepted.put(SyncConnection(connection, done))
            # Returning would close the connection: the test drives it, then
            # sets `done` (at the latest when the server shuts down).
            done.wait(TIMEOUT * 10)

        self.server = websockets.sync.server.serve(handler, "127.0.0.1", 0, **kwargs)
        self.port = self.server.socket.getsockname()[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever, name="sync server", daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        for done in self.handlers:
            done.set()
        self.server.shutdown()
        self.thread.join(TIMEOUT)


class Ours:
    """Our implementation of one kind: makes servers and clients, cleans up after them."""

    def __init__(self, implementation: str, loop: LoopThread) -> None:
        assert implementation in IMPLEMENTATIONS
        self.implementation = implementation
        self.loop = loop
        self.servers: list[OurServer] = []
        self.clients: list[OurConnection] = []

    def serve(self, compress: bool, **kwargs: Any) -> OurServer:
        options = {**OPTIONS, "compression": "deflate" if compress else None, **kwargs}
        server: OurServer
        if self.implementation == "asyncio":
            server = AsyncioServer(self.loop, **options)
        else:
            server = SyncServer(**options)
        self.servers.append(server)
        return server

    def connect(self, url: str, compress: bool, **kwargs: Any) -> OurConnection:
        options = {**OPTIONS, "compression": "deflate" if compress else None, **kwargs}
        connection: OurConnection
        if self.implementation == "asyncio":

            async def connect() -> websockets.asyncio.client.ClientConnection:
                return await websockets.asyncio.client.connect(url, **options)

            connection = AsyncioConnection(self.loop, self.loop.run(connect()))
        else:
            connection = SyncConnection(websockets.sync.client.connect(url, legacy=True, **options))
        self.clients.append(connection)
        return connection

    def cleanup(self) -> None:
        """Close what the test left open: clients, then servers and their connections.

        Everything gets its turn even if something fails; the first error is
        raised at the end.
        """
        errors: list[Exception] = []
        closers: list[Callable[[], None]] = [
            functools.partial(client.close, 1001) for client in self.clients
        ]
        closers += [server.close for server in self.servers]
        for close in closers:
            try:
                close()
            except Exception as exc:
                errors.append(exc)
        if errors:
            raise errors[0]
