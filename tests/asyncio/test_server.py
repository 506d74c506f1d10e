"""Tests for websockets.asyncio.server, over real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import http
import http.client
import inspect
import logging
import os
import pathlib
import resource
import socket
import tempfile
import unittest.mock
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from websockets.asyncio.client import ClientConnection, connect, unix_connect
from websockets.asyncio.compatibility import ExceptionGroup
from websockets.asyncio.server import (
    Server,
    ServerConnection,
    basic_auth,
    broadcast,
    serve,
    unix_serve,
)
from websockets.client import ClientProtocol
from websockets.exceptions import (
    ConcurrencyError,
    ConnectionClosed,
    ConnectionClosedError,
    ConnectionClosedOK,
    InvalidMessage,
    InvalidStatus,
)
from websockets.frames import (
    OP_BINARY,
    OP_CLOSE,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    Close,
    CloseCode,
    Frame,
)
from websockets.http11 import Request, Response
from websockets.protocol import CLOSED, OPEN
from websockets.typing import Subprotocol
from websockets.uri import parse_uri

from .utils import (
    CLIENT_CONTEXT,
    LONG_TIMEOUT,
    MS,
    SERVER_CONTEXT,
    SOON,
    AsyncTestCase,
    get_host_port,
    get_uri,
    wait_for,
)


async def echo(websocket: ServerConnection) -> None:
    async for message in websocket:
        await websocket.send(message)


async def wait_closed(websocket: ServerConnection) -> None:
    await websocket.wait_closed()


async def close_server(server: Server) -> None:
    """Close a server and its connections; wait until they're closed."""
    server.close()
    await server.wait_closed()


async def raw_request(server: Server, request: bytes) -> bytes:
    """Send bytes on a plain TCP connection; return what the server answers."""
    host, port = server.sockets[0].getsockname()[:2]
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(request)
        return await reader.read()
    finally:
        writer.close()
        await writer.wait_closed()


class ServeTests(AsyncTestCase):
    async def test_echo(self) -> None:
        async with serve(echo, "127.0.0.1", 0) as server:
            async with connect(get_uri(server)) as client:
                await client.send("café")
                self.assertEqual(await client.recv(), "café")
                await client.send(b"tea")
                self.assertEqual(await client.recv(), b"tea")
            self.assertEqual(client.close_code, CloseCode.NORMAL_CLOSURE)

    async def test_await_serve(self) -> None:
        server = await serve(echo, "127.0.0.1", 0)
        async with server:
            self.assertIs(server.get_loop(), asyncio.get_running_loop())
            self.assertTrue(server.is_serving())
            async with connect(get_uri(server)) as client:
                await client.send("café")
                self.assertEqual(await client.recv(), "café")
        self.assertFalse(server.is_serving())

    async def test_handler_returns(self) -> None:
        """When the handler returns, the connection closes with 1000."""

        async def handler(websocket: ServerConnection) -> None:
            await websocket.send("bye")

        async with (
            serve(handler, "127.0.0.1", 0) as server,
            connect(get_uri(server)) as client,
        ):
            self.assertEqual(await client.recv(), "bye")
            with self.assertRaises(ConnectionClosedOK):
                await client.recv()
            self.assertEqual(client.close_code, CloseCode.NORMAL_CLOSURE)

    async def test_handler_raises(self) -> None:
        """When the handler fails, the error is logged; the code is 1011."""

        async def handler(websocket: ServerConnection) -> None:
            raise RuntimeError("boom")

        async with serve(handler, "127.0.0.1", 0) as server:
            with self.assertLogs("websockets.server", logging.ERROR) as logs:
                async with connect(get_uri(server)) as client:
                    with self.assertRaises(ConnectionClosedError) as raised:
                        await client.recv()
        assert raised.exception.rcvd is not None
        self.assertEqual(raised.exception.rcvd.code, CloseCode.INTERNAL_ERROR)
        self.assertEqual(logs.records[0].getMessage(), "connection handler failed")
        self.assertIsNotNone(logs.records[0].exc_info)

    async def test_handler_cancelled(self) -> None:
        async with (
            serve(wait_closed, "127.0.0.1", 0) as server,
            connect(get_uri(server)) as client,
        ):
            await wait_for(lambda: bool(server.connections))
            (connection,) = server.connections
            server.handlers[connection].cancel()
            with self.assertRaises(ConnectionClosedError) as raised:
                await client.recv()
            self.assertIsNone(raised.exception.rcvd)  # no close frame: 1006

    async def test_request_and_response(self) -> None:
        seen: list[tuple[Request | None, Response | None]] = []

        async def handler(websocket: ServerConnection) -> None:
            seen.append((websocket.request, websocket.response))

        async with (
            serve(handler, "127.0.0.1", 0) as server,
            connect(get_uri(server) + "path?query") as client,
        ):
            await client.wait_closed()
        ((request, response),) = seen
        assert request is not None and response is not None
        self.assertEqual(request.path, "/path?query")
        self.assertEqual(response.status_code, 101)
        assert client.request is not None and client.response is not None
        self.assertEqual(client.request.path, "/path?query")
        self.assertEqual(client.response.status_code, 101)

    async def test_connections(self) -> None:
        async with serve(wait_closed, "127.0.0.1", 0) as server:
            self.assertEqual(server.connections, set())
            async with connect(get_uri(server)):
                await wait_for(lambda: bool(server.connections))
                (connection,) = server.connections
                self.assertIsInstance(connection, ServerConnection)
                self.assertIs(connection.server, server)

    async def test_keepalive(self) -> None:
        async with (
            serve(wait_closed, "127.0.0.1", 0, ping_interval=10 * MS) as server,
            connect(get_uri(server)),
        ):
            await wait_for(lambda: bool(server.connections))
            (connection,) = server.connections
            await wait_for(lambda: connection.latency > 0)

    async def test_logs(self) -> None:
        with self.assertLogs("websockets.server", logging.INFO) as logs:
            async with serve(echo, "127.0.0.1", 0) as server:
                host, port = server.sockets[0].getsockname()
                async with connect(get_uri(server)):
                    await wait_for(lambda: bool(server.connections))
                    (connection,) = server.connections
                # The server's end closes after the client's, once it reads
                # EOF: wait for it, or the server might start closing first.
                await connection.wait_closed()
        messages = [record.getMessage() for record in logs.records]
        self.assertEqual(messages[0], f"server listening on {host}:{port}")
        self.assertIn("connection open", messages)
        self.assertIn("connection closed", messages)
        self.assertEqual(messages[-2:], ["server closing", "server closed"])

    async def test_logs_rejected_connection(self) -> None:
        # As upstream, a server logs the close of every connection, even one
        # whose handshake failed.
        with self.assertLogs("websockets.server", logging.INFO) as logs:
            async with serve(echo, "127.0.0.1", 0) as server:
                response = await raw_request(server, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                self.assertTrue(response.startswith(b"HTTP/1.1 426 Upgrade Required\r\n"))
                await wait_for(
                    lambda: "connection closed" in [r.getMessage() for r in logs.records]
                )
        messages = [record.getMessage() for record in logs.records]
        self.assertLess(
            messages.index("connection rejected (426 Upgrade Required)"),
            messages.index("connection closed"),
        )

    async def test_ipv6(self) -> None:
        if not socket.has_ipv6:  # pragma: no cover
            self.skipTest("IPv6 isn't available")
        with self.assertLogs("websockets.server", logging.INFO) as logs:
            try:
                server = await serve(echo, "::1", 0)
            except OSError:  # pragma: no cover
                self.skipTest("IPv6 isn't available")
        port = server.sockets[0].getsockname()[1]
        async with server, connect(get_uri(server)) as client:
            await client.send("café")
            self.assertEqual(await client.recv(), "café")
        self.assertEqual(logs.records[0].getMessage(), f"server listening on [::1]:{port}")

    async def test_tls(self) -> None:
        async with serve(echo, "127.0.0.1", 0, ssl=SERVER_CONTEXT) as server:
            async with connect(get_uri(server, secure=True), ssl=CLIENT_CONTEXT) as client:
                await client.send("café")
                self.assertEqual(await client.recv(), "café")
                self.assertIsNotNone(client.transport.get_extra_info("ssl_object"))
            self.assertEqual(client.close_code, CloseCode.NORMAL_CLOSURE)

    async def test_tls_without_timeouts(self) -> None:
        async with (
            serve(
                echo,
                "127.0.0.1",
                0,
                ssl=SERVER_CONTEXT,
                open_timeout=None,
                close_timeout=None,
            ) as server,
            connect(get_uri(server, secure=True), ssl=CLIENT_CONTEXT) as client,
        ):
            await client.send("café")
            self.assertEqual(await client.recv(), "café")

    async def test_tls_server_closes(self) -> None:
        """Without half-close, TLS connections still close cleanly."""

        async def handler(websocket: ServerConnection) -> None:
            await websocket.close()

        with self.assertLogs("websockets.server", logging.DEBUG) as logs:
            async with (
                serve(handler, "127.0.0.1", 0, ssl=SERVER_CONTEXT) as server,
                connect(get_uri(server, secure=True), ssl=CLIENT_CONTEXT) as client,
            ):
                with self.assertRaises(ConnectionClosedOK):
                    await client.recv()
        messages = [record.getMessage() for record in logs.records]
        self.assertIn("x closing TCP connection", messages)

    async def test_unix(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "websockets")
            with self.assertLogs("websockets.server", logging.INFO) as logs:
                async with unix_serve(echo, path):
                    async with unix_connect(path) as client:
                        await client.send("café")
                        self.assertEqual(await client.recv(), "café")
                    async with unix_connect(path, "ws://example.com/") as client:
                        assert client.request is not None
                        self.assertEqual(client.request.headers["Host"], "example.com")
        self.assertEqual(logs.records[0].getMessage(), f"server listening on {path}")

    async def test_unix_path_like(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            path = pathlib.Path(directory) / "websockets"
            async with unix_serve(echo, path) as server:
                self.assertEqual(server.sockets[0].getsockname(), str(path))
                async with unix_connect(str(path)) as client:
                    await client.send("café")
                    self.assertEqual(await client.recv(), "café")

    async def test_unix_bytes_path(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            path = os.fsencode(os.path.join(directory, "websockets"))
            async with unix_serve(echo, path) as server:
                self.assertEqual(os.fsencode(server.sockets[0].getsockname()), path)
                async with unix_connect(path) as client:
                    await client.send("café")
                    self.assertEqual(await client.recv(), "café")

    async def test_subprotocols_str(self) -> None:
        """A str instead of a list is a bug in the calling code, reported by serve()."""
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "websockets")
            for make_server in [
                lambda: serve(echo, "127.0.0.1", 0, subprotocols="chat"),  # type: ignore[arg-type]
                lambda: unix_serve(echo, path, subprotocols="chat"),  # type: ignore[arg-type]
            ]:
                # Raised by the call, before awaiting it.
                with (
                    self.subTest(make_server=make_server),
                    self.assertRaisesRegex(TypeError, r"^subprotocols must be a list, not a str"),
                ):
                    make_server()

    async def test_custom_logger(self) -> None:
        logger = logging.getLogger("test.server")
        with self.assertLogs("test.server", logging.INFO) as logs:
            async with (
                serve(echo, "127.0.0.1", 0, logger=logger) as server,
                connect(get_uri(server)),
            ):
                pass
        messages = [record.getMessage() for record in logs.records]
        self.assertIn("connection open", messages)
        self.assertIn("server closed", messages)

    async def test_compression(self) -> None:
        async with (
            serve(echo, "127.0.0.1", 0, compression=None) as server,
            connect(get_uri(server), compression=None) as client,
        ):
            self.assertNotIn("Sec-WebSocket-Extensions", client.request.headers)  # type: ignore[union-attr]

    async def test_unsupported_compression(self) -> None:
        with self.assertRaises(ValueError):
            serve(echo, "127.0.0.1", 0, compression="xz")

    async def test_subprotocols(self) -> None:
        async with (
            serve(echo, "127.0.0.1", 0, subprotocols=[Subprotocol("chat")]) as server,
            connect(get_uri(server), subprotocols=[Subprotocol("chat")]) as client,
        ):
            self.assertEqual(client.subprotocol, "chat")

    async def test_select_subprotocol(self) -> None:
        seen: list[Any] = []

        def select_subprotocol(
            connection: ServerConnection, subprotocols: Any
        ) -> Subprotocol | None:
            seen.append((connection, list(subprotocols)))
            return Subprotocol("superchat")

        async with serve(echo, "127.0.0.1", 0, select_subprotocol=select_subprotocol) as server:
            offer = [Subprotocol("chat"), Subprotocol("superchat")]
            async with connect(get_uri(server), subprotocols=offer) as client:
                self.assertEqual(client.subprotocol, "superchat")
        ((connection, subprotocols),) = seen
        self.assertIsInstance(connection, ServerConnection)
        self.assertEqual(subprotocols, ["chat", "superchat"])

    async def test_origins(self) -> None:
        async with serve(echo, "127.0.0.1", 0, origins=["https://example.com"]) as server:
            with self.assertRaises(InvalidStatus) as raised:
                await connect(get_uri(server), origin="https://evil.example")  # type: ignore[arg-type]
            self.assertEqual(raised.exception.response.status_code, 403)

    async def test_custom_connection_class(self) -> None:
        class MyConnection(ServerConnection):
            pass

        seen: list[ServerConnection] = []

        async def handler(websocket: ServerConnection) -> None:
            seen.append(websocket)

        async with (
            serve(handler, "127.0.0.1", 0, create_connection=MyConnection) as server,
            connect(get_uri(server)) as client,
        ):
            await client.wait_closed()
        self.assertIsInstance(seen[0], MyConnection)


class ServerAPITests(AsyncTestCase):
    """Arguments passed on to loop.create_server(), and the Server API."""

    async def test_sock(self) -> None:
        with socket.create_server(("127.0.0.1", 0)) as sock:
            async with serve(echo, sock=sock) as server:
                self.assertEqual(
                    [listening.getsockname() for listening in server.sockets],
                    [sock.getsockname()],
                )
                async with connect(get_uri(server)) as client:
                    await client.send("café")
                    self.assertEqual(await client.recv(), "café")

    async def test_unix_sock(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "websockets")
            with socket.socket(socket.AF_UNIX) as sock:
                sock.bind(path)
                async with unix_serve(echo, sock=sock), unix_connect(path) as client:
                    await client.send("café")
                    self.assertEqual(await client.recv(), "café")

    @unittest.skipUnless(hasattr(socket, "SO_REUSEPORT"), "needs SO_REUSEPORT")
    async def test_reuse_port(self) -> None:
        """Two servers share a port; the kernel spreads connections among them."""
        async with serve(echo, "127.0.0.1", 0, reuse_port=True) as server1:
            port = get_host_port(server1)[1]
            async with serve(echo, "127.0.0.1", port, reuse_port=True) as server2:
                for server in [server1, server2]:
                    sock = server.sockets[0]
                    self.assertTrue(sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT))
                    self.assertEqual(get_host_port(server), ("127.0.0.1", port))
                clients = []
                for _ in range(20):
                    client = await connect(f"ws://127.0.0.1:{port}/")
                    self.addAsyncCleanup(client.close)
                    clients.append(client)
                for client in clients:
                    await client.send("café")
                    self.assertEqual(await client.recv(), "café")
                self.assertEqual(len(server1.connections) + len(server2.connections), 20)
                for client in clients:
                    await client.close()

    async def test_without_reuse_port(self) -> None:
        async with serve(echo, "127.0.0.1", 0) as server:
            with self.assertRaises(OSError):
                await serve(echo, "127.0.0.1", get_host_port(server)[1])

    async def test_sockets(self) -> None:
        async with serve(echo, "127.0.0.1", 0) as server:
            (sock,) = server.sockets
            self.assertEqual(sock.family, socket.AF_INET)
            self.assertEqual(sock.type, socket.SOCK_STREAM)
            self.assertIs(server.get_loop(), asyncio.get_running_loop())
        self.assertEqual(server.sockets, ())

    async def test_serve_forever_starts_serving(self) -> None:
        server = await serve(echo, "127.0.0.1", 0, start_serving=False)
        self.addAsyncCleanup(close_server, server)
        self.assertFalse(server.is_serving())
        task = self.create_task(server.serve_forever())
        await wait_for(server.is_serving)
        async with connect(get_uri(server)) as client:
            await client.send("café")
            self.assertEqual(await client.recv(), "café")
        self.assertFalse(task.done())
        server.close()
        await task
        self.assertFalse(server.is_serving())


class ServerLifecycleTests(AsyncTestCase):
    """serve() returns a Server, which starts listening when awaited or entered."""

    def test_serve_is_a_function_returning_server(self) -> None:
        for function in [serve, unix_serve]:
            self.assertTrue(inspect.isfunction(function))
            self.assertEqual(inspect.signature(function).return_annotation, "Server")

    async def test_await_returns_same_server(self) -> None:
        server = serve(echo, "127.0.0.1", 0)
        self.assertIsInstance(server, Server)
        self.assertIs(await server, server)
        self.addAsyncCleanup(close_server, server)
        (sock,) = server.sockets
        # Awaiting again doesn't create another listening socket.
        self.assertIs(await server, server)
        self.assertEqual([s.fileno() for s in server.sockets], [sock.fileno()])
        async with connect(get_uri(server)) as client:
            await client.send("café")
            self.assertEqual(await client.recv(), "café")

    async def test_enter_after_await(self) -> None:
        server = await serve(echo, "127.0.0.1", 0)
        async with server as entered:
            self.assertIs(entered, server)
            self.assertTrue(server.is_serving())
            # Awaiting inside the block doesn't restart anything either.
            self.assertIs(await server, server)
        self.assertFalse(server.is_serving())
        # A closed server doesn't start again.
        self.assertIs(await server, server)
        self.assertFalse(server.is_serving())
        self.assertEqual(server.sockets, ())

    async def test_server_before_start(self) -> None:
        """Until it's awaited, a server has no sockets and can't be closed."""
        server = serve(echo, "127.0.0.1", 0)
        self.assertEqual(server.connections, set())
        for attribute in ["sockets", "is_serving", "get_loop", "close"]:
            with self.assertRaises(AttributeError):
                getattr(server, attribute)()
        for method in [server.start_serving, server.serve_forever]:
            with self.assertRaises(AttributeError):
                await method()
        # wait_closed() waits for the server to start, then to be closed.
        waiting = self.create_task(server.wait_closed())
        await asyncio.sleep(0)
        await server
        self.assertFalse(waiting.done())
        server.close()
        await waiting
        self.assertEqual(server.sockets, ())

    async def test_port_in_use_raises_when_awaited(self) -> None:
        with socket.create_server(("127.0.0.1", 0)) as sock:
            port = sock.getsockname()[1]
            server = serve(echo, "127.0.0.1", port)
            with self.assertRaises(OSError):
                await server
            with self.assertRaises(OSError):
                async with server:
                    self.fail("entered a server that isn't listening")
        # Once the port is free, awaiting again starts the server.
        async with server:
            self.assertEqual(get_host_port(server), ("127.0.0.1", port))
            async with connect(get_uri(server)) as client:
                await client.send("café")
                self.assertEqual(await client.recv(), "café")

    async def test_unix_path_in_use_raises_when_awaited(self) -> None:
        """Awaiting again after a failure tries again, with the same arguments."""
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "websockets")
            os.mkdir(path)
            server = unix_serve(echo, path)
            for _ in range(2):
                with self.assertRaises(OSError):
                    await server
            os.rmdir(path)
            async with server, unix_connect(path) as client:
                self.assertEqual(server.sockets[0].getsockname(), path)
                await client.send("café")
                self.assertEqual(await client.recv(), "café")

    async def test_concurrent_awaits_start_one_server(self) -> None:
        server = serve(echo, "127.0.0.1", 0)
        with self.assertLogs("websockets.server", logging.INFO) as logs:

            async def start() -> Server:
                return await server

            # Distinct coroutines: gather() would await one awaitable once.
            results = await asyncio.gather(start(), start())
            self.addAsyncCleanup(close_server, server)
        self.assertEqual(results, [server, server])
        self.assertEqual(len(server.sockets), 1)
        self.assertEqual(
            [record.getMessage() for record in logs.records],
            [f"server listening on {_address(server)}"],
        )

    async def test_serve_forever_cancelled_while_starting(self) -> None:
        server = await serve(echo, "127.0.0.1", 0, start_serving=False)
        self.addAsyncCleanup(close_server, server)
        task = asyncio.create_task(server.serve_forever())
        await asyncio.sleep(0)  # let serve_forever() start serving
        task.cancel()
        with self.assertRaises(asyncio.CancelledError):
            await task
        self.assertFalse(server.is_serving())

    async def test_start_serving_logs_listening(self) -> None:
        """The server logs that it listens when it starts accepting connections."""
        with self.assertLogs("websockets.server", logging.INFO) as logs:
            server = await serve(echo, "127.0.0.1", 0, start_serving=False)
            self.addAsyncCleanup(close_server, server)
            logging.getLogger("websockets.server").info("created")
            await server.start_serving()
            await server.start_serving()
        self.assertEqual(
            [record.getMessage() for record in logs.records],
            ["created", f"server listening on {_address(server)}"],
        )

    async def test_subprotocols_checked_when_called(self) -> None:
        with self.assertRaises(TypeError):
            serve(echo, "127.0.0.1", 0, subprotocols="chat")  # type: ignore[arg-type]


class ServeOutsideEventLoopTests(unittest.TestCase):
    def test_serve_requires_running_loop(self) -> None:
        with self.assertRaises(RuntimeError):
            serve(echo, "127.0.0.1", 0)
        with self.assertRaises(RuntimeError):
            unix_serve(echo, "websockets.sock")

    def test_arguments_checked_before_loop(self) -> None:
        with self.assertRaises(TypeError):
            serve(echo, "127.0.0.1", 0, subprotocols="chat")  # type: ignore[arg-type]


def _address(server: Server) -> str:
    host, port = get_host_port(server)
    return f"{host}:{port}"


class HealthCheckTests(AsyncTestCase):
    """process_request answers plain HTTP requests with respond()."""

    @staticmethod
    def process_request(connection: ServerConnection, request: Request) -> Response | None:
        if request.path == "/healthz":
            return connection.respond(http.HTTPStatus.OK, "OK\n")
        if request.path.startswith("/private"):
            return connection.respond(http.HTTPStatus.FORBIDDEN, "Forbidden\n")
        return None

    def assert_health_check_response(self, response: bytes) -> None:
        head, _, body = response.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode().split("\r\n")
        headers = dict(line.split(": ", 1) for line in header_lines)
        self.assertEqual(status_line, "HTTP/1.1 200 OK")
        self.assertEqual(headers["Content-Length"], "3")
        self.assertEqual(headers["Content-Type"], "text/plain; charset=utf-8")
        self.assertEqual(headers["Connection"], "close")
        self.assertEqual(body, b"OK\n")

    async def test_raw_http_request(self) -> None:
        handled: list[ServerConnection] = []

        async def handler(websocket: ServerConnection) -> None:
            handled.append(websocket)  # pragma: no cover

        async with serve(handler, "127.0.0.1", 0, process_request=self.process_request) as server:
            # read() returns once the server closed the connection.
            response = await raw_request(
                server, b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"
            )
        self.assert_health_check_response(response)
        self.assertEqual(handled, [])

    async def test_http_client_in_thread(self) -> None:
        def get(host: str, port: int, path: str) -> tuple[int, bytes]:
            connection = http.client.HTTPConnection(host, port, timeout=LONG_TIMEOUT)
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                return response.status, response.read()
            finally:
                connection.close()

        async with serve(echo, "127.0.0.1", 0, process_request=self.process_request) as server:
            host, port = get_host_port(server)
            self.assertEqual(await asyncio.to_thread(get, host, port, "/healthz"), (200, b"OK\n"))
            self.assertEqual(
                await asyncio.to_thread(get, host, port, "/private"), (403, b"Forbidden\n")
            )
            # Other requests go on with the opening handshake, which fails
            # without the WebSocket headers.
            status, _ = await asyncio.to_thread(get, host, port, "/")
            self.assertEqual(status, 426)

    async def test_https_client_in_thread(self) -> None:
        def get(host: str, port: int) -> tuple[int, bytes]:
            connection = http.client.HTTPSConnection(
                host, port, timeout=LONG_TIMEOUT, context=CLIENT_CONTEXT
            )
            try:
                connection.request("GET", "/healthz")
                response = connection.getresponse()
                return response.status, response.read()
            finally:
                connection.close()

        async with serve(
            echo, "127.0.0.1", 0, ssl=SERVER_CONTEXT, process_request=self.process_request
        ) as server:
            host, port = get_host_port(server)
            self.assertEqual(await asyncio.to_thread(get, host, port), (200, b"OK\n"))

    async def test_unix(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "websockets")
            async with unix_serve(echo, path, process_request=self.process_request):
                reader, writer = await asyncio.open_unix_connection(path)
                writer.write(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
                response = await reader.read()
                writer.close()
                await writer.wait_closed()
        self.assert_health_check_response(response)

    async def test_websocket_client_rejected(self) -> None:
        """A rejected WebSocket client gets the response; the handler doesn't run."""
        handled: list[ServerConnection] = []

        async def handler(websocket: ServerConnection) -> None:
            handled.append(websocket)  # pragma: no cover

        async with serve(handler, "127.0.0.1", 0, process_request=self.process_request) as server:
            with (
                self.assertLogs("websockets.server", logging.INFO) as logs,
                self.assertRaises(InvalidStatus) as raised,
            ):
                await connect(get_uri(server) + "private/room")
            response = raised.exception.response
            self.assertEqual(response.status_code, 403)
            self.assertEqual(response.body, b"Forbidden\n")
            self.assertEqual(server.connections, set())
            await wait_for(lambda: not server.handlers)
        self.assertEqual(handled, [])
        # As upstream: process_request answered, not the WebSocket handshake.
        self.assertIn(
            "HTTP response sent (403 Forbidden)", [record.getMessage() for record in logs.records]
        )


class HandshakeTests(AsyncTestCase):
    async def test_process_request_response(self) -> None:
        def process_request(connection: ServerConnection, request: Request) -> Response | None:
            if request.path == "/health":
                return connection.respond(http.HTTPStatus.OK, "OK\n")
            return None

        async with serve(echo, "127.0.0.1", 0, process_request=process_request) as server:
            with self.assertRaises(InvalidStatus) as raised:
                await connect(get_uri(server) + "health")
            self.assertEqual(raised.exception.response.status_code, 200)
            self.assertEqual(raised.exception.response.body, b"OK\n")
            async with connect(get_uri(server)) as client:
                await client.send("café")
                self.assertEqual(await client.recv(), "café")

    async def test_async_process_request(self) -> None:
        async def process_request(
            connection: ServerConnection, request: Request
        ) -> Response | None:
            await asyncio.sleep(0)
            return connection.respond(http.HTTPStatus.FORBIDDEN, "Forbidden\n")

        async with serve(echo, "127.0.0.1", 0, process_request=process_request) as server:
            with self.assertRaises(InvalidStatus) as raised:
                await connect(get_uri(server))
            self.assertEqual(raised.exception.response.status_code, 403)

    async def test_process_request_raises(self) -> None:
        def process_request(connection: ServerConnection, request: Request) -> None:
            raise RuntimeError("boom")

        async with serve(echo, "127.0.0.1", 0, process_request=process_request) as server:
            with (
                self.assertLogs("websockets.server", logging.ERROR) as logs,
                self.assertRaises(InvalidStatus) as raised,
            ):
                await connect(get_uri(server))
        self.assertEqual(raised.exception.response.status_code, 500)
        self.assertEqual(logs.records[0].getMessage(), "process_request failed")

    async def test_process_response(self) -> None:
        def process_response(
            connection: ServerConnection, request: Request, response: Response
        ) -> None:
            response.headers["X-Test"] = "yes"

        async with (
            serve(echo, "127.0.0.1", 0, process_response=process_response) as server,
            connect(get_uri(server)) as client,
        ):
            assert client.response is not None
            self.assertEqual(client.response.headers["X-Test"], "yes")

    async def test_async_process_response_replaces(self) -> None:
        async def process_response(
            connection: ServerConnection, request: Request, response: Response
        ) -> Response:
            return connection.respond(http.HTTPStatus.IM_A_TEAPOT, "Tea\n")

        async with serve(echo, "127.0.0.1", 0, process_response=process_response) as server:
            with self.assertRaises(InvalidStatus) as raised:
                await connect(get_uri(server))
            self.assertEqual(raised.exception.response.status_code, 418)

    async def test_process_response_raises(self) -> None:
        def process_response(
            connection: ServerConnection, request: Request, response: Response
        ) -> None:
            raise RuntimeError("boom")

        async with serve(echo, "127.0.0.1", 0, process_response=process_response) as server:
            with (
                self.assertLogs("websockets.server", logging.ERROR) as logs,
                self.assertRaises(InvalidStatus) as raised,
            ):
                await connect(get_uri(server))
        self.assertEqual(raised.exception.response.status_code, 500)
        self.assertEqual(logs.records[0].getMessage(), "process_response failed")

    async def test_server_header(self) -> None:
        async with (
            serve(echo, "127.0.0.1", 0, server_header="Test/1.0") as server,
            connect(get_uri(server)) as client,
        ):
            assert client.response is not None
            self.assertEqual(client.response.headers["Server"], "Test/1.0")

    async def test_no_server_header(self) -> None:
        async with (
            serve(echo, "127.0.0.1", 0, server_header=None) as server,
            connect(get_uri(server)) as client,
        ):
            assert client.response is not None
            self.assertNotIn("Server", client.response.headers)

    async def test_invalid_request(self) -> None:
        async with serve(echo, "127.0.0.1", 0) as server:
            response = await raw_request(server, b"garbage\r\n\r\n")
        self.assertTrue(response.startswith(b"HTTP/1.1 400 Bad Request\r\n"))

    async def test_http_request(self) -> None:
        async with serve(echo, "127.0.0.1", 0) as server:
            response = await raw_request(server, b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        self.assertTrue(response.startswith(b"HTTP/1.1 426 Upgrade Required\r\n"))

    async def test_client_goes_away(self) -> None:
        async with serve(echo, "127.0.0.1", 0) as server:
            host, port = server.sockets[0].getsockname()
            reader, writer = await asyncio.open_connection(host, port)
            writer.write_eof()
            self.assertEqual(await reader.read(), b"")
            writer.close()
            await writer.wait_closed()

    async def test_frames_sent_with_request(self) -> None:
        """Frames that arrive along with the request are processed."""
        request = ClientProtocol(parse_uri("ws://localhost/")).connect()
        async with serve(echo, "127.0.0.1", 0) as server:
            reader, writer = await asyncio.open_connection(*get_host_port(server))
            writer.write(request.serialize() + Frame(OP_TEXT, b"hello").serialize(mask=True))
            response = await reader.readuntil(b"\r\n\r\n")
            self.assertTrue(response.startswith(b"HTTP/1.1 101 Switching Protocols\r\n"))
            self.assertEqual(await reader.readexactly(7), b"\x81\x05hello")
            close = Close(CloseCode.NORMAL_CLOSURE, "").serialize()
            writer.write(Frame(OP_CLOSE, close).serialize(mask=True))
            self.assertEqual(await reader.read(), b"\x88\x02" + close)
            writer.close()
            await writer.wait_closed()

    async def test_data_after_request_waits_for_response(self) -> None:
        """While process_request runs, data sent after the request stays in TCP.

        The server stops reading once the client sends more than its
        request, and reads again after the response.

        """
        release = asyncio.Event()
        received: list[int] = []

        async def process_request(connection: ServerConnection, request: Request) -> None:
            await release.wait()

        async def handler(websocket: ServerConnection) -> None:
            received.append(0)
            async for _message in websocket:
                received[0] += 1

        request = ClientProtocol(parse_uri("ws://localhost/")).connect()
        frame = Frame(OP_BINARY, b"\x00" * 1024).serialize(mask=True)
        async with serve(
            handler, "127.0.0.1", 0, process_request=process_request, ping_interval=None
        ) as server:
            reader, writer = await asyncio.open_connection(*get_host_port(server))
            writer.write(request.serialize())
            await wait_for(lambda: bool(server.handlers))
            (connection,) = server.handlers
            # Send up to 32 MiB, until the server stopped reading and TCP
            # buffers are full: then the writer buffers what they don't take.
            sent = 0
            while sent < 2**15:
                writer.write(frame * 256)
                sent += 256
                await wait_for(
                    lambda: (
                        not writer.transport.get_write_buffer_size()
                        or not connection.transport.is_reading()
                    )
                )
                if writer.transport.get_write_buffer_size():
                    break
            self.assertLess(sent, 2**15)
            self.assertFalse(connection.transport.is_reading())
            self.assertLess(len(connection.protocol.reader.buffer), 2**19)
            release.set()
            await writer.drain()
            response = await reader.readuntil(b"\r\n\r\n")
            self.assertTrue(response.startswith(b"HTTP/1.1 101 Switching Protocols\r\n"))
            await wait_for(lambda: received == [sent])
            writer.close()
            await writer.wait_closed()

    async def test_frames_with_request_then_eof(self) -> None:
        """Frames sent with the request reach the handler despite an early EOF."""
        received: list[Any] = []

        async def process_request(connection: ServerConnection, request: Request) -> None:
            await asyncio.sleep(50 * MS)

        async def handler(websocket: ServerConnection) -> None:
            try:
                async for message in websocket:
                    received.append(message)
            except ConnectionClosed as exc:
                received.append(exc.rcvd)

        request = ClientProtocol(parse_uri("ws://localhost/")).connect()
        async with serve(handler, "127.0.0.1", 0, process_request=process_request) as server:
            with self.assertNoLogs("websockets", logging.ERROR):
                reader, writer = await asyncio.open_connection(*get_host_port(server))
                writer.write(request.serialize() + Frame(OP_TEXT, b"hello").serialize(mask=True))
                writer.write_eof()
                response = await reader.readuntil(b"\r\n\r\n")
                self.assertTrue(response.startswith(b"HTTP/1.1 101 Switching Protocols\r\n"))
                await wait_for(lambda: not server.handlers)
                writer.close()
                await writer.wait_closed()
        self.assertEqual(received, ["hello", None])

    async def test_connection_lost_while_preparing_response(self) -> None:
        """Frames parsed after the connection was lost are dropped quietly."""

        async def process_request(connection: ServerConnection, request: Request) -> None:
            connection.transport.abort()
            await connection.wait_closed()

        request = ClientProtocol(parse_uri("ws://localhost/")).connect()
        async with serve(echo, "127.0.0.1", 0, process_request=process_request) as server:
            with self.assertNoLogs("websockets", logging.ERROR):
                _reader, writer = await asyncio.open_connection(*get_host_port(server))
                writer.write(request.serialize() + Frame(OP_TEXT, b"hello").serialize(mask=True))
                await wait_for(lambda: bool(server.handlers))
                (connection,) = server.handlers
                await wait_for(lambda: not server.handlers)
                writer.close()
        self.assertIs(connection.state, CLOSED)

    async def test_client_goes_away_during_handshake(self) -> None:
        """The handler doesn't run when the client leaves during the handshake."""
        handled: list[ServerConnection] = []

        async def process_request(connection: ServerConnection, request: Request) -> None:
            await connection.wait_closed()

        async def handler(websocket: ServerConnection) -> None:
            handled.append(websocket)  # pragma: no cover

        request = ClientProtocol(parse_uri("ws://localhost/")).connect()
        async with serve(handler, "127.0.0.1", 0, process_request=process_request) as server:
            _reader, writer = await asyncio.open_connection(*get_host_port(server))
            writer.write(request.serialize())
            await wait_for(lambda: bool(server.handlers))
            (connection,) = server.handlers
            await wait_for(lambda: connection.request is not None)
            writer.transport.abort()
            await wait_for(lambda: not server.handlers)
        self.assertEqual(handled, [])
        self.assertIs(connection.state, CLOSED)

    async def test_cancelled_during_handshake(self) -> None:
        event = asyncio.Event()

        async def process_request(connection: ServerConnection, request: Request) -> None:
            event.set()
            await connection.wait_closed()

        async with serve(echo, "127.0.0.1", 0, process_request=process_request) as server:
            task = self.create_task(connect(get_uri(server)))
            await event.wait()
            (connection,) = server.handlers
            server.handlers[connection].cancel()
            with self.assertRaises((InvalidMessage, OSError)):
                await task

    async def test_handshake_fails_logs_connection_closed(self) -> None:
        # As upstream, a connection aborted during the handshake is logged
        # as closed too.
        def process_request(connection: ServerConnection, request: Request) -> Response:
            return "not a response"  # type: ignore[return-value]

        with self.assertLogs("websockets.server", logging.INFO) as logs:
            async with serve(echo, "127.0.0.1", 0, process_request=process_request) as server:
                with self.assertRaises((InvalidMessage, OSError)):
                    await connect(get_uri(server))
                await wait_for(
                    lambda: "connection closed" in [r.getMessage() for r in logs.records]
                )
        messages = [record.getMessage() for record in logs.records]
        self.assertLess(
            messages.index("opening handshake failed"), messages.index("connection closed")
        )

    async def test_handshake_crashes(self) -> None:
        class BrokenConnection(ServerConnection):
            async def handshake(self, *args: Any, **kwargs: Any) -> None:
                raise RuntimeError("boom")

        async with serve(echo, "127.0.0.1", 0, create_connection=BrokenConnection) as server:
            with (
                self.assertLogs("websockets.server", logging.ERROR) as logs,
                self.assertRaises((InvalidMessage, OSError)),
            ):
                await connect(get_uri(server))
        self.assertEqual(logs.records[0].getMessage(), "opening handshake failed")

    async def test_handler_crashes(self) -> None:
        class BrokenConnection(ServerConnection):
            async def close(self, code: int = 1000, reason: str = "") -> None:
                raise RuntimeError("boom")

        async def handler(websocket: ServerConnection) -> None:
            pass

        async with serve(handler, "127.0.0.1", 0, create_connection=BrokenConnection) as server:
            with self.assertLogs("websockets.server", logging.ERROR) as logs:
                async with connect(get_uri(server)) as client:
                    with self.assertRaises(ConnectionClosedError):
                        await client.recv()
        self.assertEqual(logs.records[0].getMessage(), "unexpected error in connection handler")

    async def test_open_timeout(self) -> None:
        async with serve(echo, "127.0.0.1", 0, open_timeout=20 * MS) as server:
            host, port = server.sockets[0].getsockname()
            with self.assertLogs("websockets.server", logging.DEBUG) as logs:
                reader, writer = await asyncio.open_connection(host, port)
                try:
                    self.assertEqual(await reader.read(), b"")
                except ConnectionResetError:  # pragma: no cover
                    pass
                finally:
                    writer.close()
                    await writer.wait_closed()
        (record,) = [
            record
            for record in logs.records
            if record.getMessage() == "! opening handshake timed out"
        ]
        # Routine: not logged at the INFO level.
        self.assertEqual(record.levelno, logging.DEBUG)


class GracefulShutdownTests(AsyncTestCase):
    """Server.close() while handlers are sending: no accepted message is lost."""

    CLIENTS = 3
    SIZE = 16 * 1024
    # Without compression, messages fill write buffers quickly.
    OPTIONS: ClassVar[dict[str, Any]] = {"compression": None, "close_timeout": LONG_TIMEOUT}

    async def check_graceful_shutdown(
        self,
        start_server: Callable[[Callable[[ServerConnection], Awaitable[None]]], Awaitable[Server]],
        open_client: Callable[[Server], Awaitable[ClientConnection]],
    ) -> None:
        # Number of messages that each handler's send() accepted, by client.
        accepted: dict[str, int] = {}
        finished: list[str] = []

        async def handler(websocket: ServerConnection) -> None:
            name = str(await websocket.recv())
            accepted[name] = 0
            try:
                while True:
                    # Each message carries its index: gaps would show.
                    await websocket.send(f"{accepted[name]:08d}".ljust(self.SIZE, "."))
                    accepted[name] += 1
            except ConnectionClosedOK:
                finished.append(name)

        server = await start_server(handler)
        self.addAsyncCleanup(close_server, server)
        clients = [await open_client(server) for _ in range(self.CLIENTS)]
        for index, client in enumerate(clients):
            await client.send(str(index))
        # Clients are mid-conversation: they read a few messages while their
        # handler is sending more, as fast as the write buffer lets it.
        for client in clients:
            for _ in range(10):
                await client.recv()
        await wait_for(lambda: all(client.protocol.state is OPEN for client in clients))

        server.close()

        async def read_until_closed(client: ClientConnection) -> list[int]:
            indexes = list(range(10))
            with self.assertRaises(ConnectionClosedOK) as raised:
                while True:
                    message = await client.recv()
                    indexes.append(int(message[:8]))
            assert raised.exception.rcvd is not None
            self.assertEqual(raised.exception.rcvd.code, CloseCode.GOING_AWAY)
            assert raised.exception.sent is not None
            self.assertEqual(raised.exception.sent.code, CloseCode.GOING_AWAY)
            return indexes

        received = await asyncio.gather(*[read_until_closed(client) for client in clients])
        await server.wait_closed()

        self.assertEqual(sorted(finished), [str(index) for index in range(self.CLIENTS)])
        self.assertEqual(server.handlers, {})
        for index, indexes in enumerate(received):
            # Every message arrived once, in order, with no gap...
            self.assertEqual(indexes, list(range(len(indexes))))
            # ... including every message whose send() returned.
            self.assertGreaterEqual(len(indexes), accepted[str(index)])
            self.assertGreater(accepted[str(index)], 10)

    async def test_tcp(self) -> None:
        async def start_server(handler: Any) -> Server:
            return await serve(handler, "127.0.0.1", 0, **self.OPTIONS)

        async def open_client(server: Server) -> ClientConnection:
            return await connect(get_uri(server))

        await self.check_graceful_shutdown(start_server, open_client)

    async def test_tls(self) -> None:
        async def start_server(handler: Any) -> Server:
            return await serve(handler, "127.0.0.1", 0, ssl=SERVER_CONTEXT, **self.OPTIONS)

        async def open_client(server: Server) -> ClientConnection:
            return await connect(get_uri(server, secure=True), ssl=CLIENT_CONTEXT)

        await self.check_graceful_shutdown(start_server, open_client)

    async def test_unix(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "websockets")

            async def start_server(handler: Any) -> Server:
                return await unix_serve(handler, path, **self.OPTIONS)

            async def open_client(server: Server) -> ClientConnection:
                return await unix_connect(path)

            await self.check_graceful_shutdown(start_server, open_client)


class CloseServerTests(AsyncTestCase):
    async def serve_and_connect(self, **kwargs: Any) -> tuple[Server, ClientConnection]:
        """Start a server and connect a client; close both at the end of the test."""
        server = await serve(echo, "127.0.0.1", 0, **kwargs)
        self.addAsyncCleanup(close_server, server)
        client = await connect(get_uri(server))
        self.addAsyncCleanup(client.close)
        return server, client

    async def test_close_closes_connections(self) -> None:
        server, client = await self.serve_and_connect()
        server.close()
        with self.assertRaises(ConnectionClosedOK) as raised:
            await client.recv()
        assert raised.exception.rcvd is not None
        self.assertEqual(raised.exception.rcvd.code, CloseCode.GOING_AWAY)
        await server.wait_closed()
        server.close()  # idempotent

    async def test_close_with_code_and_reason(self) -> None:
        server, client = await self.serve_and_connect()
        server.close(code=CloseCode.TRY_AGAIN_LATER, reason="maintenance")
        with self.assertRaises(ConnectionClosedError) as raised:
            await client.recv()
        assert raised.exception.rcvd is not None
        self.assertEqual(raised.exception.rcvd.code, CloseCode.TRY_AGAIN_LATER)
        self.assertEqual(raised.exception.rcvd.reason, "maintenance")
        await server.wait_closed()

    async def test_close_without_closing_connections(self) -> None:
        server, client = await self.serve_and_connect()
        server.close(close_connections=False)
        await client.send("café")
        self.assertEqual(await client.recv(), "café")
        wait_task = self.create_task(server.wait_closed())
        await asyncio.sleep(0)
        self.assertFalse(wait_task.done())
        await client.close()
        await wait_task

    async def test_close_connection_without_request(self) -> None:
        server = await serve(echo, "127.0.0.1", 0)
        self.addAsyncCleanup(close_server, server)
        host, port = server.sockets[0].getsockname()
        reader, writer = await asyncio.open_connection(host, port)
        try:
            await wait_for(lambda: bool(server.handlers))
            server.close()
            self.assertEqual(await reader.read(), b"")
        finally:
            writer.close()
            await writer.wait_closed()
        await server.wait_closed()

    async def test_close_during_handshake(self) -> None:
        """Handshakes that complete while the server is closing get a 503."""
        event = asyncio.Event()

        async def process_request(connection: ServerConnection, request: Request) -> None:
            event.set()
            await asyncio.sleep(20 * MS)

        server = await serve(echo, "127.0.0.1", 0, process_request=process_request)
        self.addAsyncCleanup(close_server, server)
        connect_task = self.create_task(connect(get_uri(server)))
        await event.wait()
        server.close()
        with self.assertRaises(InvalidStatus) as raised:
            await connect_task
        self.assertEqual(raised.exception.response.status_code, 503)
        await server.wait_closed()

    async def test_close_after_handshake_accepted(self) -> None:
        """Connections accepted while the server is closing close with 1001."""
        event = asyncio.Event()

        async def process_response(
            connection: ServerConnection, request: Request, response: Response
        ) -> None:
            event.set()
            await asyncio.sleep(20 * MS)

        server = await serve(echo, "127.0.0.1", 0, process_response=process_response)
        self.addAsyncCleanup(close_server, server)
        connect_task = self.create_task(connect(get_uri(server)))
        await event.wait()
        server.close()
        client = await connect_task
        self.addAsyncCleanup(client.close)
        with self.assertRaises(ConnectionClosedOK) as raised:
            await client.recv()
        assert raised.exception.rcvd is not None
        self.assertEqual(raised.exception.rcvd.code, CloseCode.GOING_AWAY)
        await server.wait_closed()

    async def test_serve_forever_cancelled(self) -> None:
        server = await serve(echo, "127.0.0.1", 0, start_serving=False)
        self.addAsyncCleanup(close_server, server)
        self.assertFalse(server.is_serving())
        task = self.create_task(server.serve_forever())
        await wait_for(server.is_serving)
        client = await connect(get_uri(server))
        self.addAsyncCleanup(client.close)
        task.cancel()
        with self.assertRaises(asyncio.CancelledError):
            await task
        self.assertEqual(client.close_code, CloseCode.GOING_AWAY)

    async def test_serve_forever_returns_when_closed(self) -> None:
        server = await serve(echo, "127.0.0.1", 0)
        self.addAsyncCleanup(close_server, server)
        task = self.create_task(server.serve_forever())
        await asyncio.sleep(0)
        server.close()
        await task

    async def test_start_serving(self) -> None:
        server = await serve(echo, "127.0.0.1", 0, start_serving=False)
        self.addAsyncCleanup(close_server, server)
        self.assertFalse(server.is_serving())
        await server.start_serving()
        self.assertTrue(server.is_serving())
        async with server, connect(get_uri(server)) as client:
            await client.send("café")
            self.assertEqual(await client.recv(), "café")


class BackpressureTests(AsyncTestCase):
    """A handler that doesn't read: memory stays bounded on both ends."""

    async def test_consumer_that_does_not_read(self) -> None:
        size = 32 * 1024
        high, low = 8, 2
        # Frames that one read from the network may carry beyond the
        # high-water mark: reading stops after the frames it decoded are
        # queued. asyncio reads up to 256 KiB at a time.
        frames_per_read = 256 * 1024 // size + 1

        class RecordingConnection(ServerConnection):
            """Record the longest queue of frames waiting for the handler."""

            max_queued = 0

            def process_event(self, event: Any) -> None:
                super().process_event(event)
                self.max_queued = max(self.max_queued, len(self.recv_messages))

        start_reading = asyncio.Event()
        received: list[int] = []

        async def handler(websocket: ServerConnection) -> None:
            await start_reading.wait()
            async for message in websocket:
                if message == "done":
                    break
                received.append(int.from_bytes(message[:4], "big"))

        stop_sending = False
        sent = 0

        async def sender(client: ClientConnection) -> None:
            nonlocal sent
            while not stop_sending:
                await client.send(sent.to_bytes(4, "big") * (size // 4))
                sent += 1
            await client.send("done")

        async with (
            serve(
                handler,
                "127.0.0.1",
                0,
                compression=None,
                max_queue=(high, low),
                create_connection=RecordingConnection,
            ) as server,
            connect(get_uri(server), compression=None) as client,
        ):
            sender_task = self.create_task(sender(client))
            try:
                await wait_for(lambda: bool(server.connections))
                (connection,) = server.connections
                assert isinstance(connection, RecordingConnection)

                # The server stops reading; once TCP buffers are full, the
                # client's write buffer goes above write_limit; send() blocks.
                await wait_for(lambda: not connection.transport.is_reading())
                while True:
                    queued, blocked_at = len(connection.recv_messages), sent
                    await asyncio.sleep(50 * MS)
                    if sent == blocked_at and client._writing_paused:
                        break
                self.assertFalse(sender_task.done())
                self.assertFalse(connection.transport.is_reading())
                self.assertEqual(len(connection.recv_messages), queued)

                # The receiver holds at most high frames, plus those of one read.
                self.assertGreater(connection.max_queued, high)
                self.assertLessEqual(connection.max_queued, high + frames_per_read)
                # The sender holds at most write_limit bytes, plus one message.
                write_high = client.transport.get_write_buffer_limits()[1]
                self.assertLessEqual(
                    client.transport.get_write_buffer_size(), write_high + size + 16
                )
            finally:
                # Release the handler and the sender even if a check failed:
                # otherwise, the server would wait for them forever.
                stop_sending = True
                start_reading.set()
            await sender_task
            await connection.wait_closed()
        self.assertEqual(received, list(range(sent)))
        self.assertGreater(sent, high)
        self.assertLessEqual(connection.max_queued, high + frames_per_read)


class BroadcastTests(AsyncTestCase):
    async def asyncSetUp(self) -> None:
        self.server = await serve(wait_closed, "127.0.0.1", 0)
        # Cleanups run even if setting up fails after this.
        self.addAsyncCleanup(close_server, self.server)
        self.clients: list[ClientConnection] = []
        for _ in range(3):
            client = await connect(get_uri(self.server))
            self.addAsyncCleanup(client.close)
            self.clients.append(client)
        await wait_for(lambda: len(self.server.connections) == 3)

    async def test_broadcast_text(self) -> None:
        broadcast(self.server.connections, "café")
        for client in self.clients:
            self.assertEqual(await client.recv(), "café")

    async def test_broadcast_binary(self) -> None:
        broadcast(self.server.connections, b"tea")
        for client in self.clients:
            self.assertEqual(await client.recv(), b"tea")

    async def test_broadcast_override_type(self) -> None:
        broadcast(self.server.connections, b"tea", text=True)
        broadcast(self.server.connections, "tea", text=False)
        for client in self.clients:
            self.assertEqual(await client.recv(), "tea")
            self.assertEqual(await client.recv(), b"tea")

    async def test_broadcast_skips_closed_connections(self) -> None:
        connections = list(self.server.connections)
        await self.clients[0].close()
        await wait_for(lambda: len(self.server.connections) == 2)
        broadcast(connections, "café", raise_exceptions=True)
        for client in self.clients[1:]:
            self.assertEqual(await client.recv(), "café")

    async def test_broadcast_unsupported_type(self) -> None:
        with self.assertRaises(TypeError):
            broadcast(self.server.connections, 42)  # type: ignore[arg-type]

    async def test_broadcast_skips_fragmented_message(self) -> None:
        connection = next(iter(self.server.connections))
        event = asyncio.Event()

        async def fragments() -> Any:
            yield "ca"
            await event.wait()
            yield "fé"

        task = self.create_task(connection.send(fragments()))
        await asyncio.sleep(0)
        with self.assertLogs("websockets.server", logging.WARNING) as logs:
            broadcast([connection], "tea")
        self.assertEqual(
            logs.records[0].getMessage(), "skipped broadcast: sending a fragmented message"
        )
        with self.assertRaises(ExceptionGroup) as raised:
            broadcast([connection], "tea", raise_exceptions=True)
        self.assertIsInstance(raised.exception.exceptions[0], ConcurrencyError)
        event.set()
        await task

    async def test_broadcast_write_failure(self) -> None:
        connection = next(iter(self.server.connections))

        def fail(data: Any) -> None:
            raise RuntimeError("boom")

        connection.protocol.send_text = fail  # type: ignore[method-assign]
        with self.assertLogs("websockets.server", logging.WARNING) as logs:
            broadcast([connection], "tea")
        self.assertEqual(
            logs.records[0].getMessage(),
            "skipped broadcast: failed to write message: RuntimeError: boom",
        )
        with self.assertRaises(ExceptionGroup) as raised:
            broadcast([connection], "tea", raise_exceptions=True)
        self.assertIsInstance(raised.exception.exceptions[0].__cause__, RuntimeError)


class BasicAuthTests(AsyncTestCase):
    async def authenticate(self, process_request: Any, **kwargs: Any) -> str:
        """Connect with the given client arguments; return the username."""
        usernames: list[str] = []

        async def handler(websocket: ServerConnection) -> None:
            usernames.append(websocket.username)

        async with serve(handler, "127.0.0.1", 0, process_request=process_request) as server:
            uri = get_uri(server)
            if "userinfo" in kwargs:
                uri = uri.replace("ws://", f"ws://{kwargs.pop('userinfo')}@")
            async with connect(uri, **kwargs) as client:
                await client.wait_closed()
        return usernames[0]

    async def test_credentials(self) -> None:
        process_request = basic_auth(realm="test", credentials=("hello", "iloveyou"))
        username = await self.authenticate(process_request, userinfo="hello:iloveyou")
        self.assertEqual(username, "hello")

    async def test_list_of_credentials(self) -> None:
        process_request = basic_auth(credentials=[("hello", "iloveyou"), ("bye", "ihateyou")])
        username = await self.authenticate(process_request, userinfo="bye:ihateyou")
        self.assertEqual(username, "bye")

    async def test_check_credentials(self) -> None:
        def check_credentials(username: str, password: str) -> bool:
            return password == "iloveyou"

        process_request = basic_auth(check_credentials=check_credentials)
        username = await self.authenticate(process_request, userinfo="hello:iloveyou")
        self.assertEqual(username, "hello")

    async def test_async_check_credentials(self) -> None:
        async def check_credentials(username: str, password: str) -> bool:
            return password == "iloveyou"

        process_request = basic_auth(check_credentials=check_credentials)
        username = await self.authenticate(process_request, userinfo="hello:iloveyou")
        self.assertEqual(username, "hello")

    async def assert_unauthorized(self, body: bytes, **kwargs: Any) -> None:
        process_request = basic_auth(realm="test", credentials=("hello", "iloveyou"))
        with self.assertRaises(InvalidStatus) as raised:
            await self.authenticate(process_request, **kwargs)
        response = raised.exception.response
        self.assertEqual(response.status_code, 401)
        self.assertEqual(
            response.headers["WWW-Authenticate"], 'Basic realm="test", charset="UTF-8"'
        )
        self.assertEqual(response.body, body)

    async def test_missing_credentials(self) -> None:
        await self.assert_unauthorized(b"Missing credentials\n")

    async def test_wrong_password(self) -> None:
        await self.assert_unauthorized(b"Invalid credentials\n", userinfo="hello:ihateyou")

    async def test_unknown_user(self) -> None:
        await self.assert_unauthorized(b"Invalid credentials\n", userinfo="bye:iloveyou")

    async def test_unsupported_credentials(self) -> None:
        await self.assert_unauthorized(
            b"Unsupported credentials\n",
            additional_headers={"Authorization": "Bearer token"},
        )

    async def test_too_many_credentials(self) -> None:
        token = base64.b64encode(b"hello:iloveyou").decode()
        await self.assert_unauthorized(
            b"Too many credentials\n",
            additional_headers=[("Authorization", f"Basic {token}")] * 2,
        )

    async def test_neither_or_both_credentials_and_check_credentials(self) -> None:
        for kwargs in [
            {},
            {"credentials": ("a", "b"), "check_credentials": lambda u, p: True},
        ]:
            with self.subTest(kwargs=kwargs):
                with self.assertRaises(ValueError) as raised:
                    basic_auth(**kwargs)  # type: ignore[arg-type]
                self.assertEqual(
                    str(raised.exception), "provide either credentials or check_credentials"
                )

    async def test_invalid_credentials_argument(self) -> None:
        for credentials in [42, [("a", "b"), ("c",)], ("a", "b", "c")]:
            with self.subTest(credentials=credentials):
                with self.assertRaises(TypeError) as raised:
                    basic_auth(credentials=credentials)  # type: ignore[arg-type]
                self.assertEqual(
                    str(raised.exception), f"invalid credentials argument: {credentials}"
                )

    async def test_list_as_credentials_pair(self) -> None:
        process_request = basic_auth(credentials=[["hello", "iloveyou"]])  # type: ignore[list-item]
        username = await self.authenticate(process_request, userinfo="hello:iloveyou")
        self.assertEqual(username, "hello")


class RawClient:
    """WebSocket client driven by hand, to play a peer that stops cooperating.

    It performs the opening handshake with a Sans-I/O :class:`ClientProtocol`.
    Then it does only what the test tells it: unlike a real client, it doesn't
    answer pings or close frames by itself.

    """

    def __init__(
        self, protocol: ClientProtocol, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.protocol = protocol
        self.reader = reader
        self.writer = writer
        self.frames: list[Frame] = []

    @classmethod
    async def connect(cls, server: Server) -> RawClient:
        protocol = ClientProtocol(parse_uri("ws://localhost/"))
        reader, writer = await asyncio.open_connection(*get_host_port(server))
        writer.write(protocol.connect().serialize())
        protocol.receive_data(await reader.readuntil(b"\r\n\r\n"))
        assert protocol.state is OPEN, protocol.handshake_exc
        (response,) = protocol.events_received()
        assert isinstance(response, Response)
        return cls(protocol, reader, writer)

    async def receive_frame(self) -> Frame:
        """Wait for the next frame from the server."""
        while not self.frames:
            for event in self.protocol.events_received():
                assert isinstance(event, Frame)
                self.frames.append(event)
            if self.frames:
                break
            data = await self.reader.read(4096)
            if data:
                self.protocol.receive_data(data)
            else:
                self.protocol.receive_eof()
        return self.frames.pop(0)

    def answer(self) -> None:
        """Send what the protocol has to send: pongs, the echo of a close frame."""
        for data in self.protocol.data_to_send():
            if data:
                self.writer.write(data)

    async def close(self) -> None:
        self.writer.transport.abort()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()


class TimeoutTests(AsyncTestCase):
    """Keepalive, open_timeout and close_timeout against peers that stop answering."""

    async def test_keepalive_timeout_against_silent_peer(self) -> None:
        """A peer that never answers pings: the server closes with 1011."""
        closed: list[ConnectionClosed] = []

        async def handler(websocket: ServerConnection) -> None:
            try:
                await websocket.recv()
            except ConnectionClosed as exc:
                closed.append(exc)

        async with serve(
            handler,
            "127.0.0.1",
            0,
            ping_interval=20 * MS,
            ping_timeout=20 * MS,
            close_timeout=20 * MS,
        ) as server:
            # Keepalive starts when the server completes the handshake.
            start = asyncio.get_running_loop().time()
            client = await RawClient.connect(server)
            try:
                # The client reads the ping and doesn't answer.
                ping = await client.receive_frame()
                self.assertEqual(ping.opcode, OP_PING)
                await wait_for(lambda: bool(closed))
                elapsed = asyncio.get_running_loop().time() - start
                close = await client.receive_frame()
            finally:
                await client.close()
        # ping_interval, then ping_timeout, then close_timeout, since the
        # client doesn't answer the close frame either.
        self.assertGreaterEqual(elapsed, 55 * MS)
        self.assertLess(elapsed, SOON)
        (exc,) = closed
        self.assertIsInstance(exc, ConnectionClosedError)
        self.assertEqual(exc.sent, Close(CloseCode.INTERNAL_ERROR, "keepalive ping timeout"))
        self.assertIsNone(exc.rcvd)
        self.assertEqual(close.opcode, OP_CLOSE)
        self.assertEqual(Close.parse(close.data), exc.sent)

    async def test_latency_updated_from_every_pong(self) -> None:
        class RecordingConnection(ServerConnection):
            """Record every value of latency and count pongs."""

            def __init__(self, *args: Any, **kwargs: Any) -> None:
                self.latencies: list[float] = []
                self.pongs = 0
                super().__init__(*args, **kwargs)

            def process_event(self, event: Any) -> None:
                if isinstance(event, Frame) and event.opcode is OP_PONG:
                    self.pongs += 1
                super().process_event(event)

            @property  # type: ignore[override]
            def latency(self) -> float:
                return self.latencies[-1]

            @latency.setter
            def latency(self, value: float) -> None:
                self.latencies.append(value)

        async with (
            serve(
                wait_closed,
                "127.0.0.1",
                0,
                ping_interval=10 * MS,
                ping_timeout=LONG_TIMEOUT,
                create_connection=RecordingConnection,
            ) as server,
            connect(get_uri(server), ping_interval=None) as client,
        ):
            await wait_for(lambda: bool(server.connections))
            (connection,) = server.connections
            assert isinstance(connection, RecordingConnection)
            await wait_for(lambda: connection.pongs >= 2)
            # Hold the answer to the next ping for 100 ms: the server doesn't
            # read it. (If the client didn't read the ping, the pong of a ping
            # it read already could arrive while the test thinks it's held.)
            connection.transport.pause_reading()
            slow = len(connection.latencies)
            await wait_for(lambda: bool(connection._pong_waiters))
            await asyncio.sleep(100 * MS)
            connection.transport.resume_reading()
            await wait_for(lambda: len(connection.latencies) >= slow + 4)
            latencies, pongs = connection.latencies[1:], connection.pongs
        # The initial value, then one measurement per pong.
        self.assertEqual(connection.latencies[0], 0)
        self.assertEqual(len(latencies), pongs)
        self.assertGreaterEqual(connection.latencies[slow], 100 * MS)
        # The next pongs weren't held: they measure their own pings, not the
        # held one.
        self.assertLess(min(connection.latencies[slow + 1 :]), connection.latencies[slow])
        # The client didn't send pings: it didn't measure anything.
        self.assertEqual(client.latency, 0)

    async def assert_dropped(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        start: float,
        timeout: float,
    ) -> None:
        """Check that the server closes the connection ``timeout`` after ``start``.

        ``start`` is the time of the event loop before the connection opened.
        Close the connection in any case.

        """
        try:
            with contextlib.suppress(ConnectionResetError):
                while await reader.read(4096):
                    pass
            elapsed = asyncio.get_running_loop().time() - start
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
        self.assertGreaterEqual(elapsed, timeout)
        self.assertLess(elapsed, SOON)

    async def test_open_timeout_incomplete_request(self) -> None:
        async with serve(echo, "127.0.0.1", 0, open_timeout=50 * MS) as server:
            start = asyncio.get_running_loop().time()
            reader, writer = await asyncio.open_connection(*get_host_port(server))
            writer.write(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
            await self.assert_dropped(reader, writer, start, 50 * MS)

    async def test_open_timeout_slow_process_request(self) -> None:
        """open_timeout includes the time spent in process_request."""

        async def process_request(connection: ServerConnection, request: Request) -> None:
            await asyncio.sleep(10)

        async with serve(
            echo, "127.0.0.1", 0, open_timeout=50 * MS, process_request=process_request
        ) as server:
            request = ClientProtocol(parse_uri("ws://localhost/")).connect()
            start = asyncio.get_running_loop().time()
            reader, writer = await asyncio.open_connection(*get_host_port(server))
            writer.write(request.serialize())
            await self.assert_dropped(reader, writer, start, 50 * MS)

    async def test_open_timeout_tls_handshake(self) -> None:
        """A client that doesn't start the TLS handshake is dropped too."""
        async with serve(echo, "127.0.0.1", 0, ssl=SERVER_CONTEXT, open_timeout=50 * MS) as server:
            start = asyncio.get_running_loop().time()
            reader, writer = await asyncio.open_connection(*get_host_port(server))
            await self.assert_dropped(reader, writer, start, 50 * MS)

    async def test_close_timeout_peer_never_answers_close(self) -> None:
        durations: list[float] = []
        codes: list[int | None] = []

        async def handler(websocket: ServerConnection) -> None:
            start = asyncio.get_running_loop().time()
            await websocket.close()
            durations.append(asyncio.get_running_loop().time() - start)
            codes.append(websocket.close_code)

        async with serve(handler, "127.0.0.1", 0, close_timeout=50 * MS) as server:
            client = await RawClient.connect(server)
            try:
                close = await client.receive_frame()
                self.assertEqual(close.opcode, OP_CLOSE)
                await wait_for(lambda: bool(durations))
            finally:
                await client.close()
        (duration,) = durations
        self.assertGreaterEqual(duration, 45 * MS)
        self.assertLess(duration, SOON)
        self.assertEqual(codes, [CloseCode.ABNORMAL_CLOSURE])

    async def test_close_timeout_peer_never_closes_tcp(self) -> None:
        """The closing handshake completes; then the client keeps TCP open."""
        durations: list[float] = []
        codes: list[int | None] = []

        async def handler(websocket: ServerConnection) -> None:
            start = asyncio.get_running_loop().time()
            await websocket.close()
            durations.append(asyncio.get_running_loop().time() - start)
            codes.append(websocket.close_code)

        async with serve(handler, "127.0.0.1", 0, close_timeout=50 * MS) as server:
            client = await RawClient.connect(server)
            try:
                close = await client.receive_frame()
                self.assertEqual(close.opcode, OP_CLOSE)
                client.answer()  # echo the close frame, and nothing else
                # The server half-closes the TCP connection; the client doesn't.
                self.assertEqual(await client.reader.read(), b"")
                await wait_for(lambda: bool(durations))
            finally:
                await client.close()
        (duration,) = durations
        self.assertGreaterEqual(duration, 45 * MS)
        self.assertLess(duration, SOON)
        self.assertEqual(codes, [CloseCode.NORMAL_CLOSURE])


class ServerConnectionTests(AsyncTestCase):
    async def test_state_after_close(self) -> None:
        seen: list[ServerConnection] = []

        async def handler(websocket: ServerConnection) -> None:
            seen.append(websocket)
            self.assertIs(websocket.state, OPEN)

        async with (
            serve(handler, "127.0.0.1", 0) as server,
            connect(get_uri(server)) as client,
        ):
            await client.wait_closed()
        self.assertIs(seen[0].state, CLOSED)


def raise_open_files_limit(needed: int) -> None:
    """Raise the soft limit on open files to ``needed``, if the hard limit allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:  # pragma: no cover
        if hard != resource.RLIM_INFINITY and hard < needed:
            raise unittest.SkipTest(f"needs {needed} open files, hard limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


class BroadcastManyTests(AsyncTestCase):
    """Broadcast to 1,000 connections, a few of which don't read."""

    CLIENTS = 1000
    SLOW = 5
    ROUNDS = 8
    SIZE = 16 * 1024

    async def test_broadcast_to_many_connections_with_slow_ones(self) -> None:
        raise_open_files_limit(2 * self.CLIENTS + 100)
        loop = asyncio.get_running_loop()
        # IsolatedAsyncioTestCase runs the loop in debug mode, which records
        # a traceback for every callback: too slow for 1,000 connections.
        loop.set_debug(False)
        server = await serve(wait_closed, "127.0.0.1", 0, ping_interval=None, compression=None)
        uri = get_uri(server)
        address = get_host_port(server)
        semaphore = asyncio.Semaphore(50)
        opened: list[ClientConnection] = []

        async def open_client(slow: bool) -> ClientConnection:
            # proxy=None skips looking for proxies in the environment, a
            # thousand times.
            async with semaphore:
                if not slow:
                    client = await connect(uri, ping_interval=None, compression=None, proxy=None)
                    opened.append(client)
                    return client
                # A small receive buffer: the kernel doesn't absorb much of
                # what a client that doesn't read leaves unread.
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                try:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                    sock.setblocking(False)
                    await loop.sock_connect(sock, address)
                    client = await connect(uri, sock=sock, ping_interval=None, compression=None)
                except BaseException:
                    sock.close()
                    raise
                opened.append(client)
                client.transport.pause_reading()
                return client

        try:
            clients = await asyncio.gather(
                *[open_client(index < self.SLOW) for index in range(self.CLIENTS)]
            )
            slow_clients, fast_clients = clients[: self.SLOW], clients[self.SLOW :]
            await wait_for(lambda: len(server.connections) == self.CLIENTS)
            by_address = {conn.remote_address: conn for conn in server.connections}
            slow_connections = [by_address[client.local_address] for client in slow_clients]
            for connection in slow_connections:
                sock = connection.transport.get_extra_info("socket")
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)

            def message(index: int) -> bytes:
                return index.to_bytes(4, "big") * (self.SIZE // 4)

            # Fast clients read every message before the next broadcast; slow
            # clients read nothing, until their write buffers fill up.
            with self.assertLogs("websockets.server", logging.WARNING) as logs:
                for index in range(self.ROUNDS):
                    broadcast(server.connections, message(index))
                    received = await asyncio.gather(*[client.recv() for client in fast_clients])
                    self.assertEqual(set(received), {message(index)})
            skipped = [
                record for record in logs.records if "write buffer is full" in record.getMessage()
            ]
            self.assertTrue(skipped)
            self.assertEqual(
                {record.websocket for record in skipped},  # type: ignore[attr-defined]
                set(slow_connections),
            )
            for connection in slow_connections:
                self.assertTrue(connection._writing_paused)
                high = connection.transport.get_write_buffer_limits()[1]
                # Above the high-water mark by less than one message.
                self.assertLess(connection.transport.get_write_buffer_size(), high + self.SIZE + 16)

            # With raise_exceptions, the slow connections make an ExceptionGroup.
            with self.assertRaises(ExceptionGroup) as raised:
                broadcast(server.connections, message(self.ROUNDS), raise_exceptions=True)
            self.assertEqual(len(raised.exception.exceptions), self.SLOW)
            for exc in raised.exception.exceptions:
                self.assertIsInstance(exc, RuntimeError)
                self.assertIn("write buffer is full", str(exc))
            received = await asyncio.gather(*[client.recv() for client in fast_clients])
            self.assertEqual(set(received), {message(self.ROUNDS)})

            # Once slow clients catch up, they receive what wasn't skipped, in
            # order, then broadcasts again.
            async def catch_up(client: ClientConnection) -> list[int]:
                client.transport.resume_reading()
                indexes = []
                while (data := await client.recv()) != "caught up":
                    indexes.append(int.from_bytes(data[:4], "big"))
                return indexes

            for client, connection in zip(slow_clients, slow_connections, strict=True):
                indexes, _ = await asyncio.gather(catch_up(client), connection.send("caught up"))
                self.assertEqual(indexes, list(range(len(indexes))))
                self.assertLess(len(indexes), self.ROUNDS)
            broadcast(server.connections, message(42), raise_exceptions=True)
            received = await asyncio.gather(*[client.recv() for client in clients])
            self.assertEqual(set(received), {message(42)})
        finally:
            server.close()
            await server.wait_closed()
            # If a check failed, slow clients don't read: they don't notice
            # that the server closed the connection.
            for client in opened:
                client.transport.abort()
                await client.wait_closed()
