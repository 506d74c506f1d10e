"""Header injection through the asyncio client and server, over 127.0.0.1.

Values that the application passes as headers never reach the wire with CR
or LF: :class:`~websockets.datastructures.Headers` rejects them, and the
client or the server fails instead of sending them.

"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import (
    InvalidHeaderFormat,
    InvalidHeaderValue,
    InvalidMessage,
    InvalidStatus,
)
from websockets.http11 import Request, Response
from websockets.typing import Origin

from .utils import LONG_TIMEOUT, AsyncTestCase, get_host_port, get_uri, wait_for

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


async def handler(websocket: ServerConnection) -> None:
    await websocket.send("hello")


class RecordingServer:
    """TCP server that records every byte that clients send to it."""

    def __init__(self) -> None:
        self.received = bytearray()
        self.connections = 0
        self.finished = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while data := await reader.read(4096):
                self.received += data
        finally:
            writer.close()
            self.finished += 1


class ClientTests(AsyncTestCase):
    async def assert_nothing_injected(self, **kwargs: Any) -> BaseException:
        """Connect with ``kwargs`` to a recording server; return the error."""
        recorder = RecordingServer()
        server = await asyncio.start_server(recorder.handle, "127.0.0.1", 0)
        async with server:
            uri = get_uri(server)
            with self.assertRaises(Exception) as raised:
                await connect(uri, open_timeout=LONG_TIMEOUT, **kwargs)
            # Connections are accepted in order: once this one is accepted
            # and closed, any connection that the client opened was too.
            host, port = get_host_port(server)
            _, writer = await asyncio.open_connection(host, port)
            writer.close()
            await writer.wait_closed()
            await wait_for(lambda: recorder.finished == recorder.connections >= 1)
        self.assertNotIn(b"X-Injected", recorder.received)
        return raised.exception

    async def test_additional_headers_value(self) -> None:
        exc = await self.assert_nothing_injected(additional_headers={"X-Custom": INJECTED})
        self.assertIsInstance(exc, InvalidHeaderValue)
        self.assertEqual(exc.args, ("X-Custom", INJECTED))

    async def test_additional_headers_name(self) -> None:
        exc = await self.assert_nothing_injected(
            additional_headers=[("X-Injected: 1\r\nX-Custom", "a")]
        )
        self.assertIsInstance(exc, InvalidHeaderFormat)

    async def test_additional_headers_non_latin_1(self) -> None:
        exc = await self.assert_nothing_injected(additional_headers={"X-Custom": "\u2192"})
        self.assertIsInstance(exc, InvalidHeaderValue)

    async def test_user_agent_header(self) -> None:
        exc = await self.assert_nothing_injected(user_agent_header=INJECTED)
        self.assertIsInstance(exc, InvalidHeaderValue)
        self.assertEqual(exc.args, ("User-Agent", INJECTED))

    async def test_origin(self) -> None:
        exc = await self.assert_nothing_injected(origin=Origin(INJECTED))
        self.assertIsInstance(exc, InvalidHeaderValue)
        self.assertEqual(exc.args, ("Origin", INJECTED))


class ServerTests(AsyncTestCase):
    async def exchange(self, **kwargs: Any) -> bytes:
        """Send a handshake request to a server; return all that it sends back."""
        async with serve(handler, "127.0.0.1", 0, **kwargs) as server:
            reader, writer = await asyncio.open_connection(*get_host_port(server))
            try:
                writer.write(REQUEST)
                received = await reader.read()
            finally:
                writer.close()
                await writer.wait_closed()
        self.assertNotIn(b"X-Injected", received)
        return received

    async def test_server_header(self) -> None:
        with self.assertLogs("websockets.server", logging.ERROR) as logs:
            received = await self.exchange(server_header=INJECTED)
        # There's no valid response to send: the server closes the connection.
        self.assertEqual(received, b"")
        self.assertIsInstance(logs.records[0].exc_info[1], InvalidHeaderValue)  # type: ignore[index]

    async def test_server_header_with_client(self) -> None:
        async with serve(handler, "127.0.0.1", 0, server_header=INJECTED) as server:
            with (
                self.assertLogs("websockets.server", logging.ERROR),
                self.assertRaises(InvalidMessage),
            ):
                await connect(get_uri(server), open_timeout=LONG_TIMEOUT)

    async def test_process_response_edits_headers(self) -> None:
        def process_response(
            connection: ServerConnection, request: Request, response: Response
        ) -> None:
            response.headers["X-Custom"] = INJECTED

        with self.assertLogs("websockets.server", logging.ERROR) as logs:
            received = await self.exchange(process_response=process_response)
        self.assertTrue(received.startswith(b"HTTP/1.1 500 Internal Server Error\r\n"))
        self.assertIn("process_response failed", [r.getMessage() for r in logs.records])

    async def test_process_request_edits_headers(self) -> None:
        def process_request(connection: ServerConnection, request: Request) -> Response:
            response = connection.respond(200, "OK\n")
            response.headers["X-Custom"] = INJECTED
            return response  # pragma: no cover

        with self.assertLogs("websockets.server", logging.ERROR) as logs:
            received = await self.exchange(process_request=process_request)
        self.assertTrue(received.startswith(b"HTTP/1.1 500 Internal Server Error\r\n"))
        self.assertIn("process_request failed", [r.getMessage() for r in logs.records])

    async def test_process_response_with_client(self) -> None:
        def process_response(
            connection: ServerConnection, request: Request, response: Response
        ) -> None:
            response.headers["X-Custom"] = "\u2192"

        async with serve(handler, "127.0.0.1", 0, process_response=process_response) as server:
            with (
                self.assertLogs("websockets.server", logging.ERROR),
                self.assertRaises(InvalidStatus) as raised,
            ):
                await connect(get_uri(server), open_timeout=LONG_TIMEOUT)
        self.assertEqual(raised.exception.response.status_code, 500)
        self.assertNotIn("X-Custom", raised.exception.response.headers)
