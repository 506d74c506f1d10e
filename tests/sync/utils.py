"""Helpers shared by the tests of the threading implementation.

Timing
======

The tests run on busy machines: a saturated CI runner with two cores,
under coverage, next to other test runs. There, what takes a millisecond on
a quiet machine can take tens of milliseconds, occasionally more, and a
thread can wait that long before it gets to run. So:

* A test never checks that something happened *within* a short time. It
  waits for the condition itself, with :func:`wait_until`, an event or a
  join, bounded by :data:`JOIN_TIMEOUT`, which only a failing test reaches.
  It may check that *at least* some time passed: a slow machine only makes
  that longer.
* A library timeout that mustn't expire for the test to pass, e.g. the
  ``ping_timeout`` of a connection whose peer answers pings, is
  :data:`JOIN_TIMEOUT`, or :data:`PATIENCE` when the test must outlast it.
  Timeouts that the test wants to expire stay short: multiples of
  :data:`MS`.

``WEBSOCKETS_TESTS_TIMEOUT_FACTOR`` scales all of them, for even slower
machines.

"""

from __future__ import annotations

import contextlib
import os
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import trustme

from websockets.sync.server import Server, ServerConnection, serve, unix_serve

__all__ = [
    "CLIENT_CONTEXT",
    "JOIN_TIMEOUT",
    "MS",
    "PATIENCE",
    "SERVER_CONTEXT",
    "TIMEOUT_FACTOR",
    "close_listener",
    "get_uri",
    "join_thread",
    "run_server",
    "run_unix_server",
    "running",
    "temp_unix_socket_path",
    "wait_until",
]


TIMEOUT_FACTOR = float(os.environ.get("WEBSOCKETS_TESTS_TIMEOUT_FACTOR", "1"))
"""Scale of every timeout in the tests; raise it on slow machines."""

MS = 0.001 * TIMEOUT_FACTOR
"""One millisecond, scaled by ``WEBSOCKETS_TESTS_TIMEOUT_FACTOR``.

For timeouts that tests want to expire, and for short pauses.

"""

JOIN_TIMEOUT = 60 * TIMEOUT_FACTOR
"""Bound on waiting for something that must happen, in seconds.

A thread finishing, a message arriving, a condition holding: it happens in
milliseconds on a quiet machine and seldom takes more than a second on a
saturated one under coverage. Only a failing test waits this long; then it
fails instead of hanging. It's also the value of library timeouts that
mustn't expire.

"""

PATIENCE = 1000 * MS
"""A library timeout that mustn't expire, in a test that must outlast it.

Checking that keepalive survives a pause longer than ``ping_timeout`` takes
a ``ping_timeout`` that the test waits out, yet that threads answering pings
and reading pongs never miss. A ping's round trip between two connections
takes well under a millisecond on a quiet machine; under coverage, up to
20 ms were measured with a load average of 10 on two cores, and up to 70 ms
with a load average of 28. The three tests that wait it out cost a second
each.

"""


# A certificate authority made up for the tests, and a certificate that it
# issued for the loopback addresses.
_CA = trustme.CA()
_CERT = _CA.issue_cert("localhost", "127.0.0.1", "::1")

SERVER_CONTEXT = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
"""TLS context for servers, with a certificate for localhost."""
_CERT.configure_cert(SERVER_CONTEXT)

CLIENT_CONTEXT = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
"""TLS context for clients, trusting the certificate of :data:`SERVER_CONTEXT`."""
_CA.configure_trust(CLIENT_CONTEXT)


def wait_until(predicate: Callable[[], object], timeout: float = JOIN_TIMEOUT) -> None:
    """Poll until ``predicate()`` is true; fail the test after ``timeout`` seconds.

    This is for conditions that nothing signals, such as a thread reaching a
    given point or a connection pausing reading. Polling every millisecond
    costs nothing next to the conditions awaited.

    """
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"condition not reached in {timeout:g} seconds"
        time.sleep(MS)


def start_thread(target: Callable[..., Any], *args: Any) -> threading.Thread:
    """Run ``target`` in a daemon thread; the test joins it with :func:`join_thread`."""
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread


def join_thread(thread: threading.Thread, timeout: float = JOIN_TIMEOUT) -> None:
    """Wait until ``thread`` finishes; fail the test after ``timeout`` seconds."""
    thread.join(timeout)
    assert not thread.is_alive(), f"thread {thread.name} didn't finish"


def echo(websocket: ServerConnection) -> None:
    """Handler that sends back every message it receives."""
    for message in websocket:
        websocket.send(message)


def get_host_port(server: Server) -> tuple[str, int]:
    """Return the host and port where a server listens."""
    host, port = server.socket.getsockname()[:2]
    return host, port


def get_uri(server: Server, secure: bool = False) -> str:
    """Return a WebSocket URI for connecting to a server."""
    host, port = get_host_port(server)
    if ":" in host:
        host = f"[{host}]"
    return f"{'wss' if secure else 'ws'}://{host}:{port}/"


@contextlib.contextmanager
def running(server: Server) -> Iterator[Server]:
    """Run ``server.serve_forever()`` in a thread for the duration of a ``with`` block.

    At the end, it shuts the server down, which has no effect if the test
    did already, and joins the thread.

    """
    thread = start_thread(server.serve_forever)
    try:
        yield server
    finally:
        server.shutdown()
        join_thread(thread)


@contextlib.contextmanager
def run_server(
    handler: Callable[[ServerConnection], None] = echo,
    host: str = "127.0.0.1",
    port: int = 0,
    **kwargs: Any,
) -> Iterator[Server]:
    """Run a server in a thread for the duration of a ``with`` block."""
    with running(serve(handler, host, port, **kwargs)) as server:
        yield server


@contextlib.contextmanager
def run_unix_server(
    path: str,
    handler: Callable[[ServerConnection], None] = echo,
    **kwargs: Any,
) -> Iterator[Server]:
    """Run a server on a Unix socket in a thread for a ``with`` block."""
    with running(unix_serve(handler, path, **kwargs)) as server:
        yield server


@contextlib.contextmanager
def temp_unix_socket_path() -> Iterator[str]:
    """Path for a Unix socket in a temporary directory."""
    with tempfile.TemporaryDirectory() as temp_dir:
        yield os.path.join(temp_dir, "websockets")


def tcp_socketpair(buffer_size: int | None = None) -> tuple[socket.socket, socket.socket]:
    """Connect two TCP sockets over 127.0.0.1, like :func:`socket.socketpair`.

    ``buffer_size`` sets the size of every send and receive buffer, in bytes,
    to fill them quickly.

    """
    with socket.create_server(("127.0.0.1", 0)) as server:
        client = socket.socket()
        try:
            for sock in [server, client]:
                if buffer_size is not None:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, buffer_size)
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, buffer_size)
            client.settimeout(JOIN_TIMEOUT)
            client.connect(server.getsockname()[:2])
            client.settimeout(None)
            server.settimeout(JOIN_TIMEOUT)
            peer, _ = server.accept()
        except BaseException:
            client.close()
            raise
    peer.settimeout(None)
    return client, peer


def close_listener(listener: socket.socket) -> None:
    """Close a listening socket and wake up a thread blocked in its ``accept()``.

    Closing the socket doesn't wake up ``accept()`` everywhere; shutting it
    down does on Linux; connecting to it does everywhere, so the thread must
    expect a connection that closes at once.

    """
    with contextlib.suppress(OSError):
        listener.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        socket.create_connection(listener.getsockname()[:2], timeout=JOIN_TIMEOUT).close()
    listener.close()


def closed_port() -> int:
    """Find a port on 127.0.0.1 where nothing listens."""
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return int(sock.getsockname()[1])
