"""Helpers shared by the tests of the threading implementation."""

from __future__ import annotations

import contextlib
import os
import socket
import ssl
import tempfile
import threading
from collections.abc import Callable, Iterator
from typing import Any

import trustme

from websockets.sync.server import Server, ServerConnection, serve, unix_serve

__all__ = [
    "CLIENT_CONTEXT",
    "MS",
    "SERVER_CONTEXT",
    "TEST_TIMEOUT",
    "TIMEOUT_FACTOR",
    "get_uri",
    "run_server",
    "run_unix_server",
    "temp_unix_socket_path",
]


TIMEOUT_FACTOR = float(os.environ.get("WEBSOCKETS_TESTS_TIMEOUT_FACTOR", "1"))
"""Scale of every timeout in the tests; raise it on slow machines."""

MS = 0.001 * TIMEOUT_FACTOR
"""One millisecond, scaled by ``WEBSOCKETS_TESTS_TIMEOUT_FACTOR``."""

TEST_TIMEOUT = 10 * TIMEOUT_FACTOR
"""Maximum duration of a test, in seconds: no test may hang."""

JOIN_TIMEOUT = 5 * TIMEOUT_FACTOR
"""Bound on waiting for a thread of a test to finish, in seconds."""


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


def start_thread(target: Callable[..., Any], *args: Any) -> threading.Thread:
    """Run ``target`` in a daemon thread; the test joins it with a timeout."""
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread


@contextlib.contextmanager
def _running(server: Server) -> Iterator[Server]:
    thread = start_thread(server.serve_forever)
    try:
        yield server
    finally:
        server.shutdown()
        thread.join(JOIN_TIMEOUT)
        assert not thread.is_alive(), "serve_forever didn't return"


@contextlib.contextmanager
def run_server(
    handler: Callable[[ServerConnection], None] = echo,
    host: str = "127.0.0.1",
    port: int = 0,
    **kwargs: Any,
) -> Iterator[Server]:
    """Run a server in a thread for the duration of a ``with`` block."""
    with _running(serve(handler, host, port, **kwargs)) as server:
        yield server


@contextlib.contextmanager
def run_unix_server(
    path: str,
    handler: Callable[[ServerConnection], None] = echo,
    **kwargs: Any,
) -> Iterator[Server]:
    """Run a server on a Unix socket in a thread for a ``with`` block."""
    with _running(unix_serve(handler, path, **kwargs)) as server:
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
        for sock in [server, client]:
            if buffer_size is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, buffer_size)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, buffer_size)
        client.settimeout(JOIN_TIMEOUT)
        client.connect(server.getsockname()[:2])
        client.settimeout(None)
        peer, _ = server.accept()
    return client, peer


def closed_port() -> int:
    """Find a port on 127.0.0.1 where nothing listens."""
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return int(sock.getsockname()[1])
