"""Tests for websockets.asyncio.client, over real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import http
import importlib
import inspect
import itertools
import logging
import os
import pathlib
import socket
import ssl
import struct
import sys
import tempfile
import unittest.mock
from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from contextlib import asynccontextmanager
from typing import Any

import websockets.asyncio.client as client_module
import websockets.client as core_client
from websockets.asyncio.client import (
    MAX_REDIRECTS,
    ClientConnection,
    backoff,
    connect,
    process_exception,
    unix_connect,
)
from websockets.asyncio.server import ServerConnection, serve, unix_serve
from websockets.datastructures import Headers
from websockets.exceptions import (
    ConnectionClosed,
    ConnectionClosedOK,
    InvalidHandshake,
    InvalidMessage,
    InvalidStatus,
    InvalidURI,
    SecurityError,
)
from websockets.frames import CloseCode
from websockets.http11 import Request, Response
from websockets.typing import Origin, Subprotocol

from .proxy import http_proxy
from .utils import (
    CLIENT_CONTEXT,
    MS,
    SERVER_CONTEXT,
    AsyncTestCase,
    get_host_port,
    get_uri,
    wait_for,
)

DEFLATE = "websockets.extensions.permessage_deflate"


async def echo(websocket: ServerConnection) -> None:
    async for message in websocket:
        await websocket.send(message)


async def send_request_headers(websocket: ServerConnection) -> None:
    """Send the request headers back to the client."""
    assert websocket.request is not None
    await websocket.send(str(websocket.request.headers))


@asynccontextmanager
async def http_server(
    answer: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
) -> AsyncIterator[str]:
    """Run a plain TCP server that answers with ``answer``; yield its URI."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await answer(reader, writer)
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    async with server:
        yield get_uri(server)


async def read_request(reader: asyncio.StreamReader) -> None:
    await reader.readuntil(b"\r\n\r\n")


class ConnectTests(AsyncTestCase):
    async def test_await_connect(self) -> None:
        async with serve(echo, "127.0.0.1", 0) as server:
            client = await connect(get_uri(server))
            self.assertIsInstance(client, ClientConnection)
            await client.send("café")
            self.assertEqual(await client.recv(), "café")
            await client.close()
            self.assertEqual(client.close_code, CloseCode.NORMAL_CLOSURE)

    async def test_subprotocols_checked_when_called(self) -> None:
        # As upstream, misuse raises where connect() is called, before it's
        # awaited, so nothing is connected.
        with self.assertRaisesRegex(TypeError, "^subprotocols must be a list, not a str$"):
            connect("ws://127.0.0.1:9/", subprotocols="chat")  # type: ignore[arg-type]
        with self.assertRaisesRegex(ValueError, "^invalid subprotocol: super chat$"):
            connect("ws://127.0.0.1:9/", subprotocols=[Subprotocol("super chat")])

    async def test_context_manager(self) -> None:
        async with serve(echo, "127.0.0.1", 0) as server:
            async with connect(get_uri(server)) as client:
                self.assertIs(client.state, client.protocol.state)
            with self.assertRaises(ConnectionClosedOK):
                await client.recv()

    async def test_logs_nothing_at_info(self) -> None:
        """As upstream, a client logs state changes at DEBUG, nothing at INFO."""
        async with serve(echo, "127.0.0.1", 0) as server:
            with self.assertLogs("websockets.client", logging.DEBUG) as logs:
                async with connect(get_uri(server)):
                    pass
        messages = [record.getMessage() for record in logs.records]
        self.assertIn("= connection is OPEN", messages)
        self.assertIn("= connection is CLOSED", messages)
        self.assertEqual([r for r in logs.records if r.levelno >= logging.INFO], [])

    async def test_checks_arguments_when_called(self) -> None:
        """As upstream, connect() checks these arguments before it's awaited."""
        with self.assertRaises(InvalidURI):
            connect("http://127.0.0.1:9/")
        with self.assertRaisesRegex(ValueError, "^ssl argument is incompatible with a ws:// URI$"):
            connect("ws://127.0.0.1:9/", ssl=CLIENT_CONTEXT)
        with self.assertRaisesRegex(ValueError, "^ssl argument is incompatible with a ws:// URI$"):
            unix_connect("/nonexistent", uri="ws://localhost/", ssl=CLIENT_CONTEXT)
        # In upstream's order: URI, ssl, subprotocols, compression.
        with self.assertRaises(InvalidURI):
            connect("http://127.0.0.1:9/", ssl=CLIENT_CONTEXT, subprotocols="chat")  # type: ignore[arg-type]
        with self.assertRaisesRegex(ValueError, "^ssl argument"):
            connect("ws://127.0.0.1:9/", ssl=CLIENT_CONTEXT, subprotocols="chat")  # type: ignore[arg-type]
        with self.assertRaises(TypeError):
            connect("ws://127.0.0.1:9/", compression="zz", subprotocols="chat")  # type: ignore[arg-type]

    async def test_custom_logger(self) -> None:
        logger = logging.getLogger("test.client")
        async with serve(echo, "127.0.0.1", 0) as server:
            with self.assertLogs("test.client", logging.DEBUG):
                async with connect(get_uri(server), logger=logger) as client:
                    self.assertIs(client.logger.logger, logger)  # type: ignore[union-attr]

    async def test_custom_connection_class(self) -> None:
        class MyConnection(ClientConnection):
            pass

        async with (
            serve(echo, "127.0.0.1", 0) as server,
            connect(get_uri(server), create_connection=MyConnection) as client,
        ):
            self.assertIsInstance(client, MyConnection)

    async def test_keepalive(self) -> None:
        async with (
            serve(echo, "127.0.0.1", 0) as server,
            connect(get_uri(server), ping_interval=10 * MS) as client,
        ):
            while client.latency == 0:
                await asyncio.sleep(MS)

    async def test_headers(self) -> None:
        async with (
            serve(send_request_headers, "127.0.0.1", 0) as server,
            connect(
                get_uri(server),
                origin=Origin("https://example.com"),
                additional_headers={"X-Test": "yes"},
                user_agent_header="Test/1.0",
            ) as client,
        ):
            headers = str(await client.recv())
        self.assertIn("Origin: https://example.com\r\n", headers)
        self.assertIn("X-Test: yes\r\n", headers)
        self.assertIn("User-Agent: Test/1.0\r\n", headers)

    async def test_user_agent_in_additional_headers(self) -> None:
        async with (
            serve(send_request_headers, "127.0.0.1", 0) as server,
            connect(
                get_uri(server),
                additional_headers=Headers([("User-Agent", "Other/2.0")]),
            ) as client,
        ):
            headers = str(await client.recv())
        self.assertEqual(headers.count("User-Agent"), 1)
        self.assertIn("User-Agent: Other/2.0\r\n", headers)

    async def test_no_user_agent(self) -> None:
        async with (
            serve(send_request_headers, "127.0.0.1", 0) as server,
            connect(get_uri(server), user_agent_header=None) as client,
        ):
            headers = str(await client.recv())
        self.assertNotIn("User-Agent", headers)

    async def test_subprotocols(self) -> None:
        chat = Subprotocol("chat")
        async with (
            serve(echo, "127.0.0.1", 0, subprotocols=[chat]) as server,
            connect(get_uri(server), subprotocols=[chat]) as client,
        ):
            self.assertEqual(client.subprotocol, "chat")

    async def test_host_and_port(self) -> None:
        """``host`` and ``port`` override the destination, not the URI."""
        async with serve(send_request_headers, "127.0.0.1", 0) as server:
            host, port = get_host_port(server)
            async with connect("ws://example.com/", host=host, port=port) as client:
                headers = str(await client.recv())
        self.assertIn("Host: example.com\r\n", headers)

    async def test_sock(self) -> None:
        async with serve(echo, "127.0.0.1", 0) as server:
            sock = socket.create_connection(get_host_port(server))
            self.addCleanup(sock.close)  # if connect() fails before taking it
            async with connect(get_uri(server), sock=sock) as client:
                await client.send("café")
                self.assertEqual(await client.recv(), "café")

    async def test_unsupported_compression(self) -> None:
        with self.assertRaises(ValueError):
            connect("ws://localhost/", compression="xz")

    async def test_compression_disabled(self) -> None:
        async with (
            serve(echo, "127.0.0.1", 0) as server,
            connect(get_uri(server), compression=None) as client,
        ):
            assert client.request is not None
            self.assertNotIn("Sec-WebSocket-Extensions", client.request.headers)

    async def test_invalid_uri(self) -> None:
        with self.assertRaises(InvalidURI):
            await connect("http://localhost/")

    async def test_invalid_subprotocols(self) -> None:
        with self.assertRaises(TypeError):
            await connect("ws://localhost/", subprotocols="chat")  # type: ignore[arg-type]


class CompressionTests(AsyncTestCase):
    """The compression option, decided by websockets.compression (ws-proto)."""

    async def test_default_without_ws_deflate(self) -> None:
        with unittest.mock.patch.dict(sys.modules, {DEFLATE: None}):
            async with (
                serve(echo, "127.0.0.1", 0, compression=None) as server,
                connect(get_uri(server)) as client,
            ):
                self.assertEqual(client.protocol.extensions, [])
                self.assertNotIn("Sec-WebSocket-Extensions", client.request.headers)

    async def test_explicit_deflate_without_ws_deflate(self) -> None:
        with (
            unittest.mock.patch.dict(sys.modules, {DEFLATE: None}),
            # The message names the distribution; its install advice is the
            # core's (websockets.compression).
            self.assertRaisesRegex(ImportError, "ws-deflate"),
        ):
            await connect("ws://127.0.0.1:1/", compression="deflate")

    async def test_unsupported_compression(self) -> None:
        with self.assertRaisesRegex(ValueError, "unsupported compression: gzip"):
            await connect("ws://127.0.0.1:1/", compression="gzip")

    async def test_default_offers_deflate_with_ws_deflate(self) -> None:
        try:
            importlib.import_module(DEFLATE)
        except ModuleNotFoundError:
            self.skipTest("ws-deflate isn't installed")
        async with (
            serve(echo, "127.0.0.1", 0, compression=None) as server,
            connect(get_uri(server)) as client,
        ):
            self.assertEqual(
                client.request.headers["Sec-WebSocket-Extensions"],
                "permessage-deflate; client_max_window_bits",
            )


class UnixTests(AsyncTestCase):
    async def test_unix_connect(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "websockets")
            async with unix_serve(send_request_headers, path):
                async with unix_connect(path) as client:
                    self.assertIn("Host: localhost\r\n", str(await client.recv()))
                async with unix_connect(path, "ws://example.com/") as client:
                    self.assertIn("Host: example.com\r\n", str(await client.recv()))

    async def test_cross_origin_redirect(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "websockets")
            async with unix_serve(echo, path, process_request=redirect_to("ws://other.example/")):
                with self.assertRaises(ValueError) as raised:
                    await unix_connect(path)
        self.assertEqual(
            str(raised.exception),
            "cannot follow cross-origin redirect to ws://other.example/ on a Unix socket",
        )

    async def test_unix_connect_path_like(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            path = pathlib.Path(directory) / "websockets"
            async with (
                unix_serve(send_request_headers, str(path)),
                unix_connect(path) as client,
            ):
                self.assertIn("Host: localhost\r\n", str(await client.recv()))

    async def test_unix_connect_tls(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "websockets")
            async with (
                unix_serve(send_request_headers, path, ssl=SERVER_CONTEXT),
                unix_connect(path, ssl=CLIENT_CONTEXT) as client,
            ):
                self.assertIn("Host: localhost\r\n", str(await client.recv()))


class TLSTests(AsyncTestCase):
    async def test_wss(self) -> None:
        async with (
            serve(echo, "127.0.0.1", 0, ssl=SERVER_CONTEXT) as server,
            connect(get_uri(server, secure=True), ssl=CLIENT_CONTEXT) as client,
        ):
            await client.send("café")
            self.assertEqual(await client.recv(), "café")

    async def test_wss_without_timeouts(self) -> None:
        async with (
            serve(
                echo,
                "127.0.0.1",
                0,
                ssl=SERVER_CONTEXT,
                open_timeout=None,
                close_timeout=None,
            ) as server,
            connect(get_uri(server, secure=True), ssl=CLIENT_CONTEXT, open_timeout=None) as client,
        ):
            await client.send("café")
            self.assertEqual(await client.recv(), "café")

    async def test_wss_server_hostname(self) -> None:
        async with serve(echo, "127.0.0.1", 0, ssl=SERVER_CONTEXT) as server:
            _host, port = get_host_port(server)
            async with connect(
                f"wss://127.0.0.1:{port}/", ssl=CLIENT_CONTEXT, server_hostname="localhost"
            ) as client:
                ssl_object = client.transport.get_extra_info("ssl_object")
                self.assertEqual(ssl_object.server_hostname, "localhost")

    async def test_wss_default_context(self) -> None:
        """Without ``ssl``, the default context doesn't trust the test CA."""
        async with serve(echo, "127.0.0.1", 0, ssl=SERVER_CONTEXT) as server:
            with self.assertRaises(ssl.SSLCertVerificationError):
                await connect(get_uri(server, secure=True))

    async def test_ssl_with_ws_uri(self) -> None:
        with self.assertRaises(ValueError):
            await connect("ws://localhost/", ssl=CLIENT_CONTEXT)


class HandshakeFailureTests(AsyncTestCase):
    async def test_http_404(self) -> None:
        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await read_request(reader)
            writer.write(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\n"
                b"Content-Type: text/plain\r\n\r\nNot Found\n"
            )
            await writer.drain()

        async with http_server(answer) as uri:
            with self.assertRaises(InvalidStatus) as raised:
                await connect(uri)
        self.assertEqual(raised.exception.response.status_code, 404)
        self.assertEqual(raised.exception.response.body, b"Not Found\n")

    async def test_body_until_eof(self) -> None:
        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await read_request(reader)
            writer.write(b"HTTP/1.1 404 Not Found\r\n\r\nNot Found\n")
            await writer.drain()

        async with http_server(answer) as uri:
            with self.assertRaises(InvalidStatus) as raised:
                await connect(uri)
        self.assertEqual(raised.exception.response.body, b"Not Found\n")

    async def test_body_until_connection_reset(self) -> None:
        """A response completed by the loss of the connection is processed."""

        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await read_request(reader)
            writer.write(b"HTTP/1.1 404 Not Found\r\n\r\nNot Found\n")
            await writer.drain()
            await asyncio.sleep(20 * MS)
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()

        async with http_server(answer) as uri:
            with self.assertRaises(InvalidStatus) as raised:
                await connect(uri)
        self.assertEqual(raised.exception.response.body, b"Not Found\n")

    async def test_garbage(self) -> None:
        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await read_request(reader)
            writer.write(b"garbage\r\n\r\n")
            await writer.drain()

        async with http_server(answer) as uri:
            with self.assertRaises(InvalidMessage):
                await connect(uri)

    async def test_connection_closed_before_response(self) -> None:
        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await read_request(reader)

        async with http_server(answer) as uri:
            with self.assertRaises(InvalidMessage) as raised:
                await connect(uri)
        self.assertIsInstance(raised.exception.__cause__, EOFError)

    async def test_invalid_response(self) -> None:
        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await read_request(reader)
            writer.write(b"HTTP/1.1 101 Switching Protocols\r\n\r\n")
            await writer.drain()
            await reader.read()

        async with http_server(answer) as uri:
            with self.assertRaises(InvalidHandshake):
                await connect(uri)

    async def test_open_timeout(self) -> None:
        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.read()

        async with http_server(answer) as uri:
            with self.assertRaises(TimeoutError) as raised:
                await connect(uri, open_timeout=20 * MS)
        self.assertEqual(str(raised.exception), "timed out during opening handshake")

    async def test_cancelled(self) -> None:
        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.read()

        async with http_server(answer) as uri:
            task = self.create_task(connect(uri))
            await asyncio.sleep(10 * MS)
            task.cancel()
            with self.assertRaises(asyncio.CancelledError):
                await task

    async def test_connection_refused(self) -> None:
        with socket.create_server(("127.0.0.1", 0)) as sock:
            port = sock.getsockname()[1]
        with self.assertRaises(OSError):
            await connect(f"ws://127.0.0.1:{port}/")


def redirect_to(location: str | None, status: int = 302) -> Any:
    """Create a ``process_request`` that redirects every request."""

    def process_request(connection: ServerConnection, request: Request) -> Response:
        response = connection.respond(http.HTTPStatus(status), "")
        if location is not None:
            response.headers["Location"] = location
        return response

    return process_request


def relative_redirect_once(location: str) -> Any:
    """Create a ``process_request`` that redirects requests for ``/`` only."""

    def process_request(connection: ServerConnection, request: Request) -> Response | None:
        if request.path != "/":
            return None
        response = connection.respond(http.HTTPStatus.FOUND, "")
        response.headers["Location"] = location
        return response

    return process_request


class RedirectTests(AsyncTestCase):
    async def test_redirect(self) -> None:
        async with (
            serve(echo, "127.0.0.1", 0) as target,
            serve(echo, "127.0.0.1", 0, process_request=redirect_to(get_uri(target))) as server,
        ):
            target_uri = get_uri(target)
            with self.assertLogs("websockets.client", logging.DEBUG) as logs:
                async with connect(get_uri(server)) as client:
                    self.assertEqual(client.remote_address, get_host_port(target))
        # At the debug level: upstream logs nothing at INFO here.
        messages = [
            record.getMessage() for record in logs.records if record.levelno > logging.DEBUG
        ]
        self.assertEqual(messages, [])
        messages = [record.getMessage() for record in logs.records]
        self.assertIn(f"! redirected to {target_uri}", messages)

    async def test_process_redirect_patched(self) -> None:
        # Upstream's tests patch it to stop following redirects.
        async with (
            serve(echo, "127.0.0.1", 0) as target,
            serve(echo, "127.0.0.1", 0, process_request=redirect_to(get_uri(target))) as server,
        ):
            with (
                unittest.mock.patch(
                    "websockets.asyncio.client.connect.process_redirect",
                    lambda self, exc: exc,
                ),
                self.assertRaises(InvalidStatus) as raised,
            ):
                await connect(get_uri(server))
        self.assertEqual(raised.exception.response.status_code, 302)

    async def test_process_redirect(self) -> None:
        async with serve(echo, "127.0.0.1", 0) as server:
            client = connect(get_uri(server))
            # Not a redirect: the exception itself.
            error = OSError("boom")
            self.assertIs(client.process_redirect(error), error)
            # A redirect: the new URI.
            response = Response(302, "Found", Headers([("Location", "/next")]))
            self.assertEqual(
                client.process_redirect(InvalidStatus(response)), get_uri(server) + "next"
            )

    async def test_redirect_300(self) -> None:
        # As upstream: 300 Multiple Choices with a Location is followed.
        async with (
            serve(echo, "127.0.0.1", 0) as target,
            serve(
                echo, "127.0.0.1", 0, process_request=redirect_to(get_uri(target), 300)
            ) as server,
            connect(get_uri(server)) as client,
        ):
            self.assertEqual(client.remote_address, get_host_port(target))

    async def test_redirect_log_hides_user_info(self) -> None:
        # A relative Location keeps the URI's user info: its password.
        async with serve(
            echo, "127.0.0.1", 0, process_request=relative_redirect_once("/next")
        ) as server:
            host, port = get_host_port(server)
            uri = f"ws://alice:hunter2@{host}:{port}/"
            with self.assertLogs("websockets.client", logging.DEBUG) as logs:
                async with connect(uri):
                    pass
        messages = [record.getMessage() for record in logs.records]
        self.assertIn(f"! redirected to ws://{host}:{port}/next", messages)
        self.assertFalse([message for message in messages if "hunter2" in message])

    async def test_relative_redirect(self) -> None:
        def process_request(connection: ServerConnection, request: Request) -> Response | None:
            if request.path == "/old":
                return redirect_to("/new", 301)(connection, request)  # type: ignore[no-any-return]
            return None

        async with (
            serve(send_request_headers, "127.0.0.1", 0, process_request=process_request) as server,
            connect(get_uri(server) + "old") as client,
        ):
            assert client.request is not None
            self.assertEqual(client.request.path, "/new")

    async def test_too_many_redirects(self) -> None:
        async with serve(echo, "127.0.0.1", 0, process_request=redirect_to("/")) as server:
            with self.assertRaises(SecurityError) as raised:
                await connect(get_uri(server))
        self.assertEqual(str(raised.exception), f"more than {MAX_REDIRECTS} redirects")

    async def test_redirect_to_insecure_uri(self) -> None:
        async with serve(
            echo, "127.0.0.1", 0, ssl=SERVER_CONTEXT, process_request=redirect_to("ws://localhost/")
        ) as server:
            with self.assertRaises(SecurityError):
                await connect(get_uri(server, secure=True), ssl=CLIENT_CONTEXT)

    async def test_redirect_to_invalid_uri(self) -> None:
        async with serve(
            echo, "127.0.0.1", 0, process_request=redirect_to("http://localhost/")
        ) as server:
            with self.assertRaises(InvalidURI):
                await connect(get_uri(server))

    async def test_redirect_chain(self) -> None:
        async with (
            serve(echo, "127.0.0.1", 0) as final,
            serve(echo, "127.0.0.1", 0, process_request=redirect_to(get_uri(final))) as second,
            serve(echo, "127.0.0.1", 0, process_request=redirect_to(get_uri(second), 307)) as first,
        ):
            with self.assertLogs("websockets.client", logging.DEBUG) as logs:
                async with connect(get_uri(first)) as client:
                    self.assertEqual(client.remote_address, get_host_port(final))
                    await client.send("café")
                    self.assertEqual(await client.recv(), "café")
            messages = [
                record.getMessage()
                for record in logs.records
                if record.getMessage().startswith("! redirected")
            ]
            self.assertEqual(
                messages,
                [f"! redirected to {get_uri(second)}", f"! redirected to {get_uri(final)}"],
            )

    async def test_redirect_loop(self) -> None:
        """Two servers redirecting to each other: the client gives up."""
        requests = []

        def redirect_to_peer(connection: ServerConnection, request: Request) -> Response:
            requests.append(request)
            peer = second if connection.local_address[1] == get_host_port(first)[1] else first
            response = connection.respond(http.HTTPStatus.FOUND, "")
            response.headers["Location"] = get_uri(peer)
            return response

        async with (
            serve(echo, "127.0.0.1", 0, process_request=redirect_to_peer) as first,
            serve(echo, "127.0.0.1", 0, process_request=redirect_to_peer) as second,
        ):
            with self.assertRaises(SecurityError) as raised:
                await connect(get_uri(first))
        self.assertEqual(str(raised.exception), f"more than {MAX_REDIRECTS} redirects")
        self.assertIsInstance(raised.exception.__cause__, InvalidStatus)
        self.assertEqual(len(requests), MAX_REDIRECTS + 1)

    async def test_redirect_loop_not_retried(self) -> None:
        async with serve(echo, "127.0.0.1", 0, process_request=redirect_to("/")) as server:
            with self.assertRaises(SecurityError):
                async for _ in connect(get_uri(server), reconnect_delays=no_delays):
                    self.fail("connection shouldn't succeed")  # pragma: no cover

    async def test_max_redirects_from_module(self) -> None:
        """The limit is websockets.asyncio.client.MAX_REDIRECTS, read when connecting."""
        requests = []

        def redirect_to_self(connection: ServerConnection, request: Request) -> Response:
            requests.append(request)
            return redirect_to("/")(connection, request)  # type: ignore[no-any-return]

        async with serve(echo, "127.0.0.1", 0, process_request=redirect_to_self) as server:
            with (
                unittest.mock.patch.object(client_module, "MAX_REDIRECTS", 2),
                self.assertRaises(SecurityError) as raised,
            ):
                await connect(get_uri(server))
            self.assertEqual(str(raised.exception), "more than 2 redirects")
            self.assertEqual(len(requests), 3)

            # As upstream, the core's value doesn't apply to this client.
            requests.clear()
            with (
                unittest.mock.patch.object(core_client, "MAX_REDIRECTS", 0),
                self.assertRaises(SecurityError) as raised,
            ):
                await connect(get_uri(server))
            self.assertEqual(str(raised.exception), f"more than {MAX_REDIRECTS} redirects")
            self.assertEqual(len(requests), MAX_REDIRECTS + 1)

    async def test_redirect_with_sock(self) -> None:
        async with serve(echo, "127.0.0.1", 0, process_request=redirect_to("/new")) as server:
            uri = get_uri(server)
            sock = socket.create_connection(get_host_port(server))
            self.addCleanup(sock.close)
            with self.assertRaises(ValueError) as raised:
                await connect(uri, sock=sock)
        self.assertEqual(str(raised.exception), f"cannot follow redirect to {uri}new with sock")
        self.assertIsInstance(raised.exception.__cause__, InvalidStatus)

    async def test_same_origin_redirect_with_host_and_port(self) -> None:
        def process_request(connection: ServerConnection, request: Request) -> Response | None:
            if request.path == "/old":
                return redirect_to("/new")(connection, request)  # type: ignore[no-any-return]
            return None

        async with serve(
            send_request_headers, "127.0.0.1", 0, process_request=process_request
        ) as server:
            host, port = get_host_port(server)
            async with connect("ws://example.com/old", host=host, port=port) as client:
                assert client.request is not None
                self.assertEqual(client.request.path, "/new")

    async def test_cross_origin_redirect_with_host_and_port(self) -> None:
        async with serve(
            echo, "127.0.0.1", 0, process_request=redirect_to("ws://other.example/")
        ) as server:
            host, port = get_host_port(server)
            with self.assertRaises(ValueError) as raised:
                await connect("ws://example.com/", host=host, port=port)
        self.assertEqual(
            str(raised.exception),
            "cannot follow cross-origin redirect to ws://other.example/ with host or port",
        )

    async def test_redirect_without_location(self) -> None:
        async with serve(echo, "127.0.0.1", 0, process_request=redirect_to(None)) as server:
            with self.assertRaises(InvalidStatus) as raised:
                await connect(get_uri(server))
        self.assertEqual(raised.exception.response.status_code, 302)


CREDENTIALS = [
    ("Authorization", "Bearer token"),
    ("Cookie", "session=1"),
    ("Proxy-Authorization", "Basic cHJveHk6c2VjcmV0"),
    ("X-Trace", "1"),
]


def credentials_in(headers: str) -> list[str]:
    """Names of the credentials headers in a serialized request."""
    names = [line.split(":")[0] for line in headers.split("\r\n") if ":" in line]
    return [name for name in names if name in {"Authorization", "Cookie", "Proxy-Authorization"}]


class RedirectCredentialsTests(AsyncTestCase):
    """Credentials don't follow a redirect to another origin (security)."""

    async def test_cross_origin_redirect_drops_credentials(self) -> None:
        async with serve(send_request_headers, "127.0.0.1", 0) as target:
            _, target_port = get_host_port(target)
            for location in [
                # Another port.
                f"ws://127.0.0.1:{target_port}/",
                # Another host.
                f"ws://localhost:{target_port}/",
            ]:
                async with serve(
                    echo, "127.0.0.1", 0, process_request=redirect_to(location)
                ) as server:
                    _, port = get_host_port(server)
                    async with connect(
                        f"ws://user:pass@127.0.0.1:{port}/", additional_headers=CREDENTIALS
                    ) as client:
                        headers = str(await client.recv())
                self.assertEqual(credentials_in(headers), [])
                self.assertIn("\r\nX-Trace: 1\r\n", headers)

    async def test_same_origin_redirect_keeps_credentials(self) -> None:
        def process_request(connection: ServerConnection, request: Request) -> Response | None:
            if request.path == "/":
                return redirect_to("/final")(connection, request)  # type: ignore[no-any-return]
            return None

        async with serve(
            send_request_headers, "127.0.0.1", 0, process_request=process_request
        ) as server:
            _, port = get_host_port(server)
            async with connect(
                f"ws://user:pass@127.0.0.1:{port}/", additional_headers=CREDENTIALS
            ) as client:
                headers = str(await client.recv())
        self.assertEqual(
            credentials_in(headers),
            ["Authorization", "Authorization", "Cookie", "Proxy-Authorization"],
        )
        # The user info of the URI still goes with the request, as Basic Auth.
        self.assertIn("\r\nAuthorization: Basic dXNlcjpwYXNz\r\n", headers)

    async def test_credentials_stay_dropped_when_redirected_back(self) -> None:
        """first -> second -> first: the other origin chose where to go."""

        def process_request(connection: ServerConnection, request: Request) -> Response | None:
            if request.path == "/":
                return redirect_to(get_uri(second))(connection, request)  # type: ignore[no-any-return]
            return None

        async with (
            serve(send_request_headers, "127.0.0.1", 0, process_request=process_request) as first,
            serve(
                echo, "127.0.0.1", 0, process_request=redirect_to(get_uri(first) + "back")
            ) as second,
            connect(get_uri(first), additional_headers=CREDENTIALS) as client,
        ):
            assert client.request is not None
            self.assertEqual(client.request.path, "/back")
            headers = str(await client.recv())
        self.assertEqual(credentials_in(headers), [])
        self.assertIn("\r\nX-Trace: 1\r\n", headers)

    async def test_secure_to_insecure_redirect_refused(self) -> None:
        async with (
            serve(send_request_headers, "127.0.0.1", 0) as target,
            serve(
                echo,
                "127.0.0.1",
                0,
                ssl=SERVER_CONTEXT,
                process_request=redirect_to(get_uri(target)),
            ) as server,
        ):
            with self.assertRaises(SecurityError) as raised:
                await connect(
                    get_uri(server, secure=True),
                    ssl=CLIENT_CONTEXT,
                    additional_headers=CREDENTIALS,
                )
            self.assertEqual(
                str(raised.exception),
                f"cannot follow redirect to non-secure URI {get_uri(target)}",
            )


@asynccontextmanager
async def listener() -> AsyncIterator[tuple[int, Callable[[], bool]]]:
    """Listen on 127.0.0.1; yield the port and a function telling if anyone connected."""
    with socket.create_server(("127.0.0.1", 0)) as sock:
        sock.setblocking(False)

        def connected() -> bool:
            # A connection that the kernel completed is in the backlog.
            try:
                accepted, _ = sock.accept()
            except BlockingIOError:
                return False
            accepted.close()
            return True

        yield sock.getsockname()[1], connected


class TLSArgumentsTests(AsyncTestCase):
    """ssl=None and proxy_ssl=None contradict the URIs: fail before connecting."""

    async def test_ssl_none_with_wss_uri(self) -> None:
        async with listener() as (port, connected):
            with self.assertRaises(ValueError) as raised:
                await connect(f"wss://127.0.0.1:{port}/", ssl=None, proxy=None)
            self.assertFalse(connected())
        self.assertEqual(str(raised.exception), "ssl=None is incompatible with a wss:// URI")

    async def test_proxy_ssl_none_with_https_proxy(self) -> None:
        async with listener() as (port, connected):
            for uri in [f"ws://127.0.0.1:{port}/", f"wss://127.0.0.1:{port}/"]:
                with self.assertRaises(ValueError) as raised:
                    await connect(uri, proxy=f"https://127.0.0.1:{port}", proxy_ssl=None)
                self.assertEqual(
                    str(raised.exception),
                    "proxy_ssl=None is incompatible with an https:// proxy",
                )
            self.assertFalse(connected())

    async def test_ssl_none_with_ws_uri(self) -> None:
        """ssl=None with a ws:// URI means no TLS, which is what it gets."""
        async with (
            serve(echo, "127.0.0.1", 0) as server,
            connect(get_uri(server), ssl=None) as client,
        ):
            self.assertIsNone(client.transport.get_extra_info("ssl_object"))

    async def test_proxy_ssl_none_with_http_proxy(self) -> None:
        """proxy_ssl=None with an http:// proxy means no TLS, as without it."""
        async with (
            serve(echo, "127.0.0.1", 0) as server,
            http_proxy() as proxy,
            connect(get_uri(server), proxy=proxy.url("http"), proxy_ssl=None) as client,
        ):
            await client.send("tea")
            self.assertEqual(await client.recv(), "tea")
            self.assertEqual(proxy.tunnels, [get_host_port(server)])


class ReentrancyTests(AsyncTestCase):
    """One connect() object opens one connection per async with at a time."""

    async def test_nested_async_with(self) -> None:
        async with serve(echo, "127.0.0.1", 0) as server:
            client = connect(get_uri(server))
            async with client as websocket:
                with self.assertRaises(RuntimeError) as raised:
                    async with client:
                        self.fail("nested async with shouldn't run")  # pragma: no cover
                self.assertEqual(str(raised.exception), "connect() isn't reentrant")
                # The first connection is still usable.
                await websocket.send("tea")
                self.assertEqual(await websocket.recv(), "tea")
            self.assertEqual(websocket.close_code, CloseCode.NORMAL_CLOSURE)

    async def test_async_for_in_async_with(self) -> None:
        async with serve(echo, "127.0.0.1", 0) as server:
            client = connect(get_uri(server), reconnect_delays=no_delays)
            async with client:
                with self.assertRaises(RuntimeError) as raised:
                    async for _ in client:
                        self.fail("nested async for shouldn't run")  # pragma: no cover
            self.assertEqual(str(raised.exception), "connect() isn't reentrant")

    async def test_async_with_again_after_exit(self) -> None:
        async with serve(echo, "127.0.0.1", 0) as server:
            client = connect(get_uri(server))
            async with client as first:
                pass
            async with client as second:
                self.assertIsNot(second, first)
                await second.send("tea")
                self.assertEqual(await second.recv(), "tea")
            self.assertEqual(first.close_code, CloseCode.NORMAL_CLOSURE)
            self.assertEqual(second.close_code, CloseCode.NORMAL_CLOSURE)
            # After an exception in the block, too.
            with self.assertRaises(ZeroDivisionError):
                async with client:
                    raise ZeroDivisionError
            async with client as third:
                self.assertIsNot(third, second)

    async def test_await_in_async_with(self) -> None:
        """Exiting the block closes its own connection, not the awaited one."""
        async with serve(echo, "127.0.0.1", 0) as server:
            client = connect(get_uri(server))
            async with client as websocket:
                other = await client
                self.assertIsNot(other, websocket)
                await other.close()
            self.assertEqual(websocket.close_code, CloseCode.NORMAL_CLOSURE)

    async def test_await_twice(self) -> None:
        async with serve(echo, "127.0.0.1", 0) as server:
            client = connect(get_uri(server))
            first = await client
            second = await client
            self.assertIsNot(second, first)
            await first.close()
            await second.close()


def no_delays() -> Generator[float]:
    """Reconnect immediately."""
    return itertools.repeat(0.0)  # type: ignore[return-value]


class ReconnectTests(AsyncTestCase):
    async def test_reconnect_after_transient_error(self) -> None:
        attempts = []

        def process_request(connection: ServerConnection, request: Request) -> Response | None:
            attempts.append(request)
            if len(attempts) < 3:
                return connection.respond(http.HTTPStatus.SERVICE_UNAVAILABLE, "Busy\n")
            return None

        async with serve(echo, "127.0.0.1", 0, process_request=process_request) as server:
            with self.assertLogs("websockets.client", logging.INFO) as logs:
                async for client in connect(get_uri(server), reconnect_delays=no_delays):
                    await client.send("café")
                    self.assertEqual(await client.recv(), "café")
                    break
        self.assertEqual(len(attempts), 3)
        # As upstream: one line per failure, with the type of the exception
        # and without a traceback.
        self.assertEqual(
            [(r.levelno, r.getMessage(), r.exc_info) for r in logs.records],
            2
            * [
                (
                    logging.INFO,
                    "connect failed; reconnecting in 0.0 seconds: "
                    "websockets.exceptions.InvalidStatus: "
                    "server rejected WebSocket connection: HTTP 503",
                    None,
                )
            ],
        )

    async def test_reconnect_after_connection_closed(self) -> None:
        async def handler(websocket: ServerConnection) -> None:
            await websocket.send("hello")

        count = 0
        async with serve(handler, "127.0.0.1", 0) as server:
            async for client in connect(get_uri(server)):
                count += 1
                self.assertEqual(await client.recv(), "hello")
                with self.assertRaises(ConnectionClosedOK):
                    await client.recv()
                if count == 2:
                    break

    async def test_default_delays(self) -> None:
        """The first delay of the default backoff is random; make it zero."""
        attempts = []

        def process_request(connection: ServerConnection, request: Request) -> Response | None:
            attempts.append(request)
            if len(attempts) < 2:
                return connection.respond(http.HTTPStatus.BAD_GATEWAY, "")
            return None

        async with serve(echo, "127.0.0.1", 0, process_request=process_request) as server:
            with unittest.mock.patch("random.random", return_value=0.0):
                async for _ in connect(get_uri(server)):
                    break
        self.assertEqual(len(attempts), 2)

    async def test_fatal_error(self) -> None:
        async with serve(echo, "127.0.0.1", 0, process_request=redirect_to(None, 404)) as server:
            with self.assertRaises(InvalidStatus):
                async for _ in connect(get_uri(server), reconnect_delays=no_delays):
                    self.fail("connection shouldn't succeed")  # pragma: no cover

    async def test_process_exception_replaces_exception(self) -> None:
        def process(exc: Exception) -> Exception | None:
            return RuntimeError("fatal")

        async with serve(echo, "127.0.0.1", 0, process_request=redirect_to(None, 503)) as server:
            with self.assertRaises(RuntimeError) as raised:
                async for _ in connect(get_uri(server), process_exception=process):
                    self.fail("connection shouldn't succeed")  # pragma: no cover
        self.assertIsInstance(raised.exception.__cause__, InvalidStatus)

    async def test_process_exception_raises(self) -> None:
        """An exception raised by process_exception is chained to the original."""

        def process(exc: Exception) -> Exception | None:
            raise KeyError("process_exception")

        async with serve(echo, "127.0.0.1", 0, process_request=redirect_to(None, 503)) as server:
            with self.assertRaises(KeyError) as raised:
                async for _ in connect(get_uri(server), process_exception=process):
                    self.fail("connection shouldn't succeed")  # pragma: no cover
        self.assertIsInstance(raised.exception.__cause__, InvalidStatus)

    async def test_process_exception_reraises(self) -> None:
        """Re-raising the exception given to process_exception leaves it as is."""

        def process(exc: Exception) -> Exception | None:
            raise exc

        async with serve(echo, "127.0.0.1", 0, process_request=redirect_to(None, 503)) as server:
            with self.assertRaises(InvalidStatus) as raised:
                async for _ in connect(get_uri(server), process_exception=process):
                    self.fail("connection shouldn't succeed")  # pragma: no cover
        self.assertIsNone(raised.exception.__cause__)

    async def test_reconnect_with_sock_after_close(self) -> None:
        """Reconnecting tries the closed socket again, as upstream.

        That fails with OSError, which process_exception sees.

        """
        errors: list[Exception] = []

        def process(exc: Exception) -> Exception | None:
            errors.append(exc)
            return exc

        async def handler(websocket: ServerConnection) -> None:
            await websocket.send("hello")

        async with serve(handler, "127.0.0.1", 0) as server:
            sock = socket.create_connection(get_host_port(server))
            self.addCleanup(sock.close)
            with self.assertRaises(OSError) as raised:
                async for client in connect(get_uri(server), sock=sock, process_exception=process):
                    self.assertEqual(await client.recv(), "hello")
                    with self.assertRaises(ConnectionClosedOK):
                        await client.recv()
        self.assertEqual(errors, [raised.exception])


class ServerRestartTests(AsyncTestCase):
    async def test_reconnect_after_server_restart(self) -> None:
        """``async for`` reconnects once a new server listens on the same port."""

        async def hello(websocket: ServerConnection) -> None:
            await websocket.send("hello")
            await websocket.wait_closed()

        def short_delays() -> Generator[float]:
            return itertools.repeat(10 * MS)  # type: ignore[return-value]

        servers = [await serve(hello, "127.0.0.1", 0)]
        host, port = get_host_port(servers[0])

        def failures() -> list[logging.LogRecord]:
            return [
                record
                for record in logs.records
                if record.getMessage().startswith("connect failed; reconnecting")
            ]

        async def restart() -> None:
            # Let the client fail to connect first.
            await wait_for(lambda: bool(failures()))
            servers.append(await serve(hello, host, port))

        restarting = None
        count = 0
        try:
            with self.assertLogs("websockets.client", logging.INFO) as logs:
                async for client in connect(f"ws://{host}:{port}/", reconnect_delays=short_delays):
                    count += 1
                    self.assertEqual(await client.recv(), "hello")
                    if count == 2:
                        break
                    # Stop the server, which closes the connection; start
                    # another one on the same port once the client failed
                    # to connect.
                    servers[0].close()
                    await servers[0].wait_closed()
                    restarting = self.create_task(restart())
                    with self.assertRaises(ConnectionClosed):
                        await client.recv()
        finally:
            if restarting is not None:
                restarting.cancel()  # if the client never failed
                await asyncio.gather(restarting, return_exceptions=True)
            for server in servers:
                server.close()
                await server.wait_closed()
        self.assertEqual(count, 2)
        self.assertEqual(len(servers), 2)
        (failure, *_) = failures()
        # One line naming the error, without a traceback, as upstream.
        self.assertIsNone(failure.exc_info)
        self.assertIn(": ConnectionRefusedError: ", failure.getMessage())


class PolicyImportsTests(AsyncTestCase):
    def test_same_objects_as_core(self) -> None:
        """The reconnection policy lives in websockets.client, written once."""
        for name in [
            "backoff",
            "process_exception",
            "BACKOFF_INITIAL_DELAY",
            "BACKOFF_MIN_DELAY",
            "BACKOFF_MAX_DELAY",
            "BACKOFF_FACTOR",
            "MAX_REDIRECTS",
        ]:
            self.assertIs(getattr(client_module, name), getattr(core_client, name))

    def test_connect_defaults(self) -> None:
        signature = inspect.signature(connect)
        self.assertIs(signature.parameters["process_exception"].default, process_exception)
        self.assertIs(signature.parameters["reconnect_delays"].default, backoff)
