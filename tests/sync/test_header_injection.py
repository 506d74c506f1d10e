"""Header injection through the threading client and server, over 127.0.0.1.

Values that the application passes as headers never reach the wire with CR
or LF: :class:`~websockets.datastructures.Headers` rejects them, and the
client or the server fails instead of sending them.

"""

from __future__ import annotations

import contextlib
import logging
import socket
import unittest
from collections.abc import Iterator
from typing import Any

from websockets.exceptions import (
    InvalidHeaderFormat,
    InvalidHeaderValue,
    InvalidMessage,
    InvalidStatus,
)
from websockets.http11 import Request, Response
from websockets.sync.client import connect
from websockets.sync.server import ServerConnection
from websockets.typing import Origin

from .utils import JOIN_TIMEOUT, get_host_port, get_uri, join_thread, run_server, start_thread

__all__: list[str] = []

INJECTED = "a\r\nX-Injected: 1"

REQUEST = (
    b"GET / HTTP/1.1\r\n"
    b"Host: 127.0.0.1\r\n"
    b"Upgrade: websocket\r\n"
    b"Connection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    b"Sec-WebSocket-Version: 13\r\n"
    b"\r\n"
)

# Ends the recording: connections are accepted in order, so every connection
# that a client opened before was recorded.
SENTINEL = b"sentinel"


def handler(websocket: ServerConnection) -> None:
    websocket.send("hello")


def read_all(sock: socket.socket) -> bytes:
    """Read from ``sock`` until the peer closes the connection."""
    sock.settimeout(JOIN_TIMEOUT)
    data = bytearray()
    while chunk := sock.recv(4096):
        data += chunk
    return bytes(data)


@contextlib.contextmanager
def recording_server() -> Iterator[tuple[str, bytearray]]:
    """Run a TCP server that records what clients send; yield its URI and the bytes.

    When the block ends, the recording is complete.

    """
    received = bytearray()
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(JOIN_TIMEOUT)

        def record() -> None:
            while True:
                peer, _ = listener.accept()
                with peer:
                    data = read_all(peer)
                if data == SENTINEL:
                    return
                received.extend(data)

        thread = start_thread(record)
        host, port = listener.getsockname()[:2]
        try:
            yield f"ws://{host}:{port}/", received
        finally:
            with socket.create_connection((host, port), timeout=JOIN_TIMEOUT) as sock:
                sock.sendall(SENTINEL)
            join_thread(thread)


class ClientTests(unittest.TestCase):
    def assert_nothing_injected(self, **kwargs: Any) -> BaseException:
        """Connect with ``kwargs`` to a recording server; return the error."""
        with recording_server() as (uri, received), self.assertRaises(Exception) as raised:
            connect(uri, open_timeout=JOIN_TIMEOUT, **kwargs)
        self.assertNotIn(b"X-Injected", received)
        return raised.exception

    def test_additional_headers_value(self) -> None:
        exc = self.assert_nothing_injected(additional_headers={"X-Custom": INJECTED})
        self.assertIsInstance(exc, InvalidHeaderValue)
        self.assertEqual(exc.args, ("X-Custom", INJECTED))

    def test_additional_headers_name(self) -> None:
        exc = self.assert_nothing_injected(additional_headers=[("X-Injected: 1\r\nX-Custom", "a")])
        self.assertIsInstance(exc, InvalidHeaderFormat)

    def test_additional_headers_non_latin_1(self) -> None:
        exc = self.assert_nothing_injected(additional_headers={"X-Custom": "\u2192"})
        self.assertIsInstance(exc, InvalidHeaderValue)

    def test_user_agent_header(self) -> None:
        exc = self.assert_nothing_injected(user_agent_header=INJECTED)
        self.assertIsInstance(exc, InvalidHeaderValue)
        self.assertEqual(exc.args, ("User-Agent", INJECTED))

    def test_origin(self) -> None:
        exc = self.assert_nothing_injected(origin=Origin(INJECTED))
        self.assertIsInstance(exc, InvalidHeaderValue)
        self.assertEqual(exc.args, ("Origin", INJECTED))


class ServerTests(unittest.TestCase):
    def exchange(self, **kwargs: Any) -> bytes:
        """Send a handshake request to a server; return all that it sends back."""
        with (
            run_server(handler, **kwargs) as server,
            socket.create_connection(get_host_port(server), timeout=JOIN_TIMEOUT) as sock,
        ):
            sock.sendall(REQUEST)
            received = read_all(sock)
        self.assertNotIn(b"X-Injected", received)
        return received

    def test_server_header(self) -> None:
        with self.assertLogs("websockets.server", logging.ERROR) as logs:
            received = self.exchange(server_header=INJECTED)
        # There's no valid response to send: the server closes the connection.
        self.assertEqual(received, b"")
        self.assertIsInstance(logs.records[0].exc_info[1], InvalidHeaderValue)  # type: ignore[index]

    def test_server_header_with_client(self) -> None:
        with (
            run_server(handler, server_header=INJECTED) as server,
            self.assertLogs("websockets.server", logging.ERROR),
            self.assertRaises(InvalidMessage),
        ):
            connect(get_uri(server), open_timeout=JOIN_TIMEOUT)

    def test_process_response_edits_headers(self) -> None:
        def process_response(
            connection: ServerConnection, request: Request, response: Response
        ) -> None:
            response.headers["X-Custom"] = INJECTED

        with self.assertLogs("websockets.server", logging.ERROR) as logs:
            received = self.exchange(process_response=process_response)
        self.assertTrue(received.startswith(b"HTTP/1.1 500 Internal Server Error\r\n"))
        self.assertIn("process_response failed", [r.getMessage() for r in logs.records])

    def test_process_request_edits_headers(self) -> None:
        def process_request(connection: ServerConnection, request: Request) -> Response:
            response = connection.respond(200, "OK\n")
            response.headers["X-Custom"] = INJECTED
            return response  # pragma: no cover

        with self.assertLogs("websockets.server", logging.ERROR) as logs:
            received = self.exchange(process_request=process_request)
        self.assertTrue(received.startswith(b"HTTP/1.1 500 Internal Server Error\r\n"))
        self.assertIn("process_request failed", [r.getMessage() for r in logs.records])

    def test_process_response_with_client(self) -> None:
        def process_response(
            connection: ServerConnection, request: Request, response: Response
        ) -> None:
            response.headers["X-Custom"] = "\u2192"

        with (
            run_server(handler, process_response=process_response) as server,
            self.assertLogs("websockets.server", logging.ERROR),
            self.assertRaises(InvalidStatus) as raised,
        ):
            connect(get_uri(server), open_timeout=JOIN_TIMEOUT)
        self.assertEqual(raised.exception.response.status_code, 500)
        self.assertNotIn("X-Custom", raised.exception.response.headers)
