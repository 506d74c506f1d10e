"""Tests for websockets.sync.server: serve, Server, broadcast, basic_auth."""

from __future__ import annotations

import contextlib
import http
import http.client
import logging
import os
import pathlib
import re
import socket
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from websockets._compatibility import ExceptionGroup
from websockets.exceptions import (
    ConcurrencyError,
    ConnectionClosed,
    ConnectionClosedError,
    ConnectionClosedOK,
    InvalidMessage,
    InvalidStatus,
)
from websockets.frames import CloseCode
from websockets.http11 import SERVER, Request, Response
from websockets.protocol import OPEN
from websockets.sync.client import connect, unix_connect
from websockets.sync.server import (
    Server,
    ServerConnection,
    basic_auth,
    broadcast,
    serve,
    unix_serve,
)
from websockets.typing import Subprotocol

from .utils import (
    CLIENT_CONTEXT,
    JOIN_TIMEOUT,
    MS,
    PATIENCE,
    SERVER_CONTEXT,
    echo,
    get_host_port,
    get_uri,
    join_thread,
    run_server,
    run_unix_server,
    running,
    start_thread,
    temp_unix_socket_path,
    wait_until,
)

# Serving


def test_serve() -> None:
    with run_server() as server, connect(get_uri(server)) as client:
        client.send("café")
        assert client.recv(timeout=JOIN_TIMEOUT) == "café"


def test_handler_returns() -> None:
    with run_server(lambda connection: None) as server, connect(get_uri(server)) as client:
        with pytest.raises(ConnectionClosedOK):
            client.recv(timeout=JOIN_TIMEOUT)
        assert client.close_code == CloseCode.NORMAL_CLOSURE


def test_handler_fails(caplog: pytest.LogCaptureFixture) -> None:
    def handler(connection: ServerConnection) -> None:
        raise RuntimeError("boom")

    with (
        caplog.at_level(logging.ERROR, logger="websockets.server"),
        run_server(handler) as server,
        connect(get_uri(server)) as client,
    ):
        with pytest.raises(ConnectionClosedError):
            client.recv(timeout=JOIN_TIMEOUT)
        assert client.close_code == CloseCode.INTERNAL_ERROR
    assert "connection handler failed" in [record.getMessage() for record in caplog.records]


def test_connection_attributes() -> None:
    connections: list[ServerConnection] = []

    def handler(connection: ServerConnection) -> None:
        connections.append(connection)
        echo(connection)

    with run_server(handler) as server, connect(get_uri(server)) as client:
        client.send("ping")
        client.recv(timeout=JOIN_TIMEOUT)
        (connection,) = connections
        assert connection.server is server
        assert connection.state is OPEN
        assert connection.request is not None
        assert connection.response is not None
        assert connection.response.headers["Server"] == SERVER
        assert connection.local_address == get_host_port(server)
        assert connection.remote_address == client.local_address
        assert server.connections == {connection}


def test_server_attributes() -> None:
    with run_server() as server:
        assert isinstance(server.fileno(), int)
        assert server.fileno() == server.socket.fileno()
        assert server.connections == set()


def test_sock() -> None:
    with (
        socket.create_server(("127.0.0.1", 0)) as sock,
        running(serve(echo, sock=sock)) as server,
        connect(get_uri(server)) as client,
    ):
        client.send("tea")
        assert client.recv(timeout=JOIN_TIMEOUT) == "tea"


def test_tls() -> None:
    with (
        run_server(ssl=SERVER_CONTEXT) as server,
        connect(get_uri(server, secure=True), ssl=CLIENT_CONTEXT) as client,
    ):
        client.send("café")
        assert client.recv(timeout=JOIN_TIMEOUT) == "café"


def test_tls_handshake_fails() -> None:
    with run_server(ssl=SERVER_CONTEXT) as server:
        # A client that doesn't speak TLS: the server drops it.
        with pytest.raises(InvalidMessage):
            connect(get_uri(server), open_timeout=JOIN_TIMEOUT)
        # The server still works.
        with connect(get_uri(server, secure=True), ssl=CLIENT_CONTEXT) as client:
            assert client.state is OPEN


def test_unix() -> None:
    with temp_unix_socket_path() as path, run_unix_server(path), unix_connect(path) as client:
        client.send("tea")
        assert client.recv(timeout=JOIN_TIMEOUT) == "tea"


def test_unix_path_like(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "websockets"
    with run_unix_server(path) as server, unix_connect(str(path)) as client:  # type: ignore[arg-type]
        assert server.socket.getsockname() == str(path)
        client.send("tea")
        assert client.recv(timeout=JOIN_TIMEOUT) == "tea"


def test_unix_bytes_path(tmp_path: pathlib.Path) -> None:
    path = os.fsencode(tmp_path / "websockets")
    with run_unix_server(path) as server, unix_connect(path) as client:  # type: ignore[arg-type]
        assert os.fsencode(server.socket.getsockname()) == path
        client.send("tea")
        assert client.recv(timeout=JOIN_TIMEOUT) == "tea"


@pytest.mark.parametrize("function", [serve, unix_serve])
def test_subprotocols_str(function: Callable[..., Server], tmp_path: pathlib.Path) -> None:
    """A str instead of a list is a bug in the calling code, reported by serve()."""
    path = tmp_path / "websockets"
    args = ("127.0.0.1", 0) if function is serve else (str(path),)
    with pytest.raises(TypeError, match=r"^subprotocols must be a list, not a str"):
        function(echo, *args, subprotocols="chat")
    # serve() failed before creating the socket.
    assert not path.exists()


def test_unix_missing_path() -> None:
    with pytest.raises(ValueError, match="missing path argument"):
        serve(echo, unix=True)


def test_logger(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.server")
    with (
        caplog.at_level(logging.INFO, logger="test.server"),
        run_server(logger=logger) as server,
        connect(get_uri(server)),
    ):
        pass
    messages = [record.getMessage() for record in caplog.records if record.name == "test.server"]
    assert messages[0].startswith("server listening on 127.0.0.1:")
    assert messages[-1] == "server closed"
    assert {"connection open", "connection closed", "server closing"} <= set(messages)


def test_create_connection() -> None:
    class MyServerConnection(ServerConnection):
        pass

    classes: list[type] = []

    def handler(connection: ServerConnection) -> None:
        classes.append(type(connection))

    with (
        run_server(handler, create_connection=MyServerConnection) as server,
        connect(get_uri(server)) as client,
        pytest.raises(ConnectionClosedOK),
    ):
        client.recv(timeout=JOIN_TIMEOUT)
    assert classes == [MyServerConnection]


# Opening handshake


def test_origins() -> None:
    with run_server(
        origins=["https://example.com", re.compile(r"https://.*\.test"), None]
    ) as server:
        for origin in ["https://example.com", "https://a.test", None]:
            with connect(get_uri(server), origin=origin):  # type: ignore[arg-type]
                pass
        with pytest.raises(InvalidStatus) as raised:
            connect(get_uri(server), origin="https://evil.example")  # type: ignore[arg-type]
        assert raised.value.response.status_code == 403


def test_select_subprotocol() -> None:
    calls: list[tuple[ServerConnection, Sequence[Subprotocol]]] = []

    def select_subprotocol(
        connection: ServerConnection, subprotocols: Sequence[Subprotocol]
    ) -> Subprotocol | None:
        calls.append((connection, subprotocols))
        return subprotocols[-1]

    with (
        run_server(subprotocols=["a", "b"], select_subprotocol=select_subprotocol) as server,
        connect(get_uri(server), subprotocols=["a", "b"]) as client,
    ):
        assert client.subprotocol == "b"
    ((connection, subprotocols),) = calls
    assert isinstance(connection, ServerConnection)
    assert subprotocols == ["a", "b"]


def test_process_request_rejects() -> None:
    def process_request(connection: ServerConnection, request: Request) -> Response | None:
        if request.path == "/forbidden":
            return connection.respond(http.HTTPStatus.FORBIDDEN, "Forbidden.\n")
        return None

    with run_server(process_request=process_request) as server:
        with pytest.raises(InvalidStatus) as raised:
            connect(get_uri(server) + "forbidden")
        assert raised.value.response.status_code == 403
        assert raised.value.response.body == b"Forbidden.\n"
        assert raised.value.response.headers["Server"] == SERVER
        with connect(get_uri(server)) as client:
            assert client.state is OPEN


def test_process_request_fails(caplog: pytest.LogCaptureFixture) -> None:
    def process_request(connection: ServerConnection, request: Request) -> Response | None:
        raise RuntimeError("boom")

    with (
        caplog.at_level(logging.ERROR, logger="websockets.server"),
        run_server(process_request=process_request) as server,
    ):
        with pytest.raises(InvalidStatus) as raised:
            connect(get_uri(server))
        assert raised.value.response.status_code == 500
    assert "process_request failed" in [record.getMessage() for record in caplog.records]


def test_process_response() -> None:
    def process_response(
        connection: ServerConnection, request: Request, response: Response
    ) -> Response | None:
        response.headers["X-Seen"] = "yes"
        return None

    with (
        run_server(process_response=process_response) as server,
        connect(get_uri(server)) as client,
    ):
        assert client.response is not None
        assert client.response.headers["X-Seen"] == "yes"


def test_process_response_replaces() -> None:
    def process_response(
        connection: ServerConnection, request: Request, response: Response
    ) -> Response | None:
        return connection.respond(http.HTTPStatus.IM_A_TEAPOT, "Teapot.\n")

    with run_server(process_response=process_response) as server:
        with pytest.raises(InvalidStatus) as raised:
            connect(get_uri(server))
        assert raised.value.response.status_code == 418


def test_process_response_fails() -> None:
    def process_response(
        connection: ServerConnection, request: Request, response: Response
    ) -> Response | None:
        raise RuntimeError("boom")

    with run_server(process_response=process_response) as server:
        with pytest.raises(InvalidStatus) as raised:
            connect(get_uri(server))
        assert raised.value.response.status_code == 500


@pytest.mark.parametrize("server_header", ["test/1.0", None])
def test_server_header(server_header: str | None) -> None:
    with run_server(server_header=server_header) as server, connect(get_uri(server)) as client:
        assert client.response is not None
        assert client.response.headers.get("Server") == server_header


def server_messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "websockets.server"]


def test_health_check(caplog: pytest.LogCaptureFixture) -> None:
    """respond() answers plain HTTP requests, e.g. a load balancer's."""

    def health_check(connection: ServerConnection, request: Request) -> Response | None:
        if request.path == "/healthz":
            return connection.respond(http.HTTPStatus.OK, "OK\n")
        return None

    with (
        caplog.at_level(logging.INFO, logger="websockets.server"),
        run_server(process_request=health_check) as server,
    ):
        host, port = get_host_port(server)
        client = http.client.HTTPConnection(host, port, timeout=JOIN_TIMEOUT)
        try:
            client.request("GET", "/healthz")
            response = client.getresponse()
            assert response.status == 200
            assert response.read() == b"OK\n"
        finally:
            client.close()
        # Logged as upstream does: a plain HTTP response, then the close.
        wait_until(lambda: "connection closed" in server_messages(caplog))
    messages = server_messages(caplog)
    assert messages.index("HTTP response sent (200 OK)") < messages.index("connection closed")


def test_invalid_request(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="websockets.server"), run_server() as server:
        host, port = get_host_port(server)
        client = http.client.HTTPConnection(host, port, timeout=JOIN_TIMEOUT)
        try:
            client.request("GET", "/")
            response = client.getresponse()
            assert response.status == 426
            assert b"Failed to open a WebSocket connection" in response.read()
        finally:
            client.close()
        wait_until(lambda: "connection closed" in server_messages(caplog))
    messages = server_messages(caplog)
    assert messages.index("connection rejected (426 Upgrade Required)") < messages.index(
        "connection closed"
    )


def test_shutdown_drops_rejected_connections() -> None:
    # Without close_timeout, nothing but shutdown() can end the connection.
    with (
        running(serve(echo, "127.0.0.1", 0, close_timeout=None)) as server,
        socket.create_connection(get_host_port(server)) as sock,
    ):
        sock.settimeout(JOIN_TIMEOUT)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 426 Upgrade Required\r\n")
        # The client doesn't close the connection; shutdown() doesn't wait
        # for it: it drops the connection.
        shutdown = start_thread(server.shutdown)
        join_thread(shutdown)


def test_open_timeout(caplog: pytest.LogCaptureFixture) -> None:
    with (
        caplog.at_level(logging.DEBUG, logger="websockets.server"),
        run_server(open_timeout=20 * MS) as server,
        socket.create_connection(get_host_port(server)) as sock,
    ):
        sock.settimeout(JOIN_TIMEOUT)
        # The client never sends a request: the server closes.
        assert sock.recv(4096) == b""
    (record,) = [
        record
        for record in caplog.records
        if record.getMessage() == "! opening handshake timed out"
    ]
    # Routine: not logged at the INFO level.
    assert record.levelno == logging.DEBUG


def test_max_size() -> None:
    with run_server(max_size=10) as server, connect(get_uri(server)) as client:
        client.send("x" * 11)
        with pytest.raises(ConnectionClosedError) as raised:
            client.recv(timeout=JOIN_TIMEOUT)
        assert raised.value.rcvd is not None
        assert raised.value.rcvd.code == CloseCode.MESSAGE_TOO_BIG


def test_keepalive() -> None:
    connections: list[ServerConnection] = []

    def handler(connection: ServerConnection) -> None:
        connections.append(connection)
        echo(connection)

    with run_server(handler, ping_interval=10 * MS) as server, connect(get_uri(server)):
        wait_until(lambda: connections and connections[0].latency > 0)


def test_keepalive_while_handler_is_busy() -> None:
    """Keepalive doesn't fail a healthy connection whose handler is slow to read."""
    received: list[object] = []

    def handler(connection: ServerConnection) -> None:
        # e.g. a slow database query, while messages exceed max_queue. Were
        # keepalive to ping meanwhile, the pong would go unread and the
        # connection would fail after ping_interval and ping_timeout.
        time.sleep(PATIENCE + 100 * MS)
        received.extend(connection.recv(timeout=JOIN_TIMEOUT) for _ in range(20))

    with (
        run_server(handler, ping_interval=20 * MS, ping_timeout=PATIENCE, max_queue=4) as server,
        connect(get_uri(server), ping_interval=None) as client,
    ):
        for index in range(20):
            client.send(str(index))
        # The server closes the connection normally when the handler returns.
        with pytest.raises(ConnectionClosedOK):
            client.recv(timeout=JOIN_TIMEOUT)
        assert received == [str(index) for index in range(20)]
        assert client.close_code == CloseCode.NORMAL_CLOSURE


def test_keepalive_timeout() -> None:
    """A client that stops answering pings is disconnected with 1011."""
    closed = threading.Event()
    codes: list[int | None] = []

    def handler(connection: ServerConnection) -> None:
        try:
            connection.recv(timeout=JOIN_TIMEOUT)
        except ConnectionClosed:
            codes.append(
                connection.protocol.close_sent.code if connection.protocol.close_sent else None
            )
        closed.set()

    with (
        run_server(
            handler, ping_interval=10 * MS, ping_timeout=10 * MS, close_timeout=10 * MS
        ) as server,
        socket.create_connection(get_host_port(server)) as sock,
    ):
        # Open the connection by hand, then never read or answer again.
        sock.sendall(
            b"GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            b"Sec-WebSocket-Version: 13\r\n\r\n"
        )
        assert closed.wait(JOIN_TIMEOUT)
    assert codes == [CloseCode.INTERNAL_ERROR]


# Shutdown


def test_shutdown_closes_connections() -> None:
    """Shutting down closes connections mid-conversation with 1001 and joins handlers."""
    entered: list[ServerConnection] = []
    finished: list[ServerConnection] = []
    ready = threading.Barrier(4, timeout=JOIN_TIMEOUT)

    def handler(connection: ServerConnection) -> None:
        entered.append(connection)
        try:
            echo(connection)
        finally:
            time.sleep(5 * MS)  # the server waits for this
            finished.append(connection)

    errors: list[BaseException] = []

    def talk(server: Server) -> None:
        with connect(get_uri(server)) as client:
            ready.wait()
            try:
                while True:
                    client.send("chat")
                    client.recv(timeout=JOIN_TIMEOUT)
            except ConnectionClosedOK as exc:
                errors.append(exc)

    with running(serve(handler, "127.0.0.1", 0)) as server:
        talkers = [start_thread(talk, server) for _ in range(3)]
        ready.wait()
        wait_until(lambda: len(entered) == 3)
        assert len(server.connections) == 3
        server.shutdown()
        # shutdown() returned after every handler.
        assert len(finished) == 3
    for talker in talkers:
        join_thread(talker)
    assert len(errors) == 3
    for error in errors:
        assert isinstance(error, ConnectionClosedOK)
        assert error.rcvd is not None
        assert error.rcvd.code == CloseCode.GOING_AWAY
    # Calling shutdown() again has no effect.
    server.shutdown()


def test_shutdown_code_and_reason() -> None:
    with (
        running(serve(echo, "127.0.0.1", 0)) as server,
        connect(get_uri(server)) as client,
    ):
        wait_until(lambda: server.connections)
        shutdown = start_thread(server.shutdown, True, CloseCode.TRY_AGAIN_LATER, "later")
        with pytest.raises(ConnectionClosedError) as raised:
            client.recv(timeout=JOIN_TIMEOUT)
        assert raised.value.rcvd is not None
        assert (raised.value.rcvd.code, raised.value.rcvd.reason) == (1013, "later")
    join_thread(shutdown)


def test_shutdown_without_closing_connections() -> None:
    with (
        running(serve(echo, "127.0.0.1", 0)) as server,
        connect(get_uri(server)) as client,
    ):
        wait_until(lambda: server.connections)
        shutdown = start_thread(server.shutdown, False)
        try:
            # The server stops accepting connections...
            wait_until(lambda: server.socket.fileno() == -1)
            # ... but the connection stays open until the client closes it.
            client.send("still here")
            assert client.recv(timeout=JOIN_TIMEOUT) == "still here"
            assert shutdown.is_alive()
        finally:
            client.close()
            join_thread(shutdown)


def test_shutdown_drops_connections_in_handshake() -> None:
    # Without open_timeout, nothing but shutdown() can end the handshake.
    with (
        running(serve(echo, "127.0.0.1", 0, open_timeout=None)) as server,
        socket.create_connection(get_host_port(server)) as sock,
    ):
        sock.settimeout(JOIN_TIMEOUT)
        wait_until(lambda: server._connections)
        # The client never sends a request; shutdown() doesn't wait for it.
        shutdown = start_thread(server.shutdown)
        join_thread(shutdown)
        assert sock.recv(4096) == b""


def test_shutdown_during_handshake() -> None:
    """A request that arrives while the server shuts down gets a 503."""
    entered, release = threading.Event(), threading.Event()

    def process_request(connection: ServerConnection, request: Request) -> Response | None:
        entered.set()
        release.wait(JOIN_TIMEOUT)
        return None

    failures: list[BaseException] = []

    def client(server: Server) -> None:
        try:
            connect(get_uri(server))
        except InvalidStatus as exc:
            failures.append(exc)

    with running(serve(echo, "127.0.0.1", 0, process_request=process_request)) as server:
        client_thread = start_thread(client, server)
        try:
            assert entered.wait(JOIN_TIMEOUT)
            shutdown = start_thread(server.shutdown)
            wait_until(lambda: not server._serving)
        finally:
            release.set()
        join_thread(shutdown)
        join_thread(client_thread)
    (failure,) = failures
    assert isinstance(failure, InvalidStatus)
    assert failure.response.status_code == 503


def test_shutdown_without_serve_forever() -> None:
    with serve(echo, "127.0.0.1", 0) as server:
        pass
    assert server.socket.fileno() == -1
    # serve_forever() returns at once after shutdown.
    server.serve_forever()


def test_serve_forever_twice() -> None:
    with run_server() as server:
        wait_until(lambda: server._serving_thread is not None)
        with pytest.raises(RuntimeError, match="serve_forever is already running"):
            server.serve_forever()


def test_server_context_manager() -> None:
    with serve(echo, "127.0.0.1", 0) as server:
        assert isinstance(server, Server)
        thread = start_thread(server.serve_forever)
    join_thread(thread)


# broadcast


def test_broadcast() -> None:
    with run_server() as server, contextlib.ExitStack() as stack:
        clients = [stack.enter_context(connect(get_uri(server))) for _ in range(3)]
        wait_until(lambda: len(server.connections) == 3)
        broadcast(server.connections, "café")
        broadcast(server.connections, b"tea")
        broadcast(server.connections, "café", text=False)
        broadcast(server.connections, b"tea", text=True)
        for client in clients:
            assert client.recv(timeout=JOIN_TIMEOUT) == "café"
            assert client.recv(timeout=JOIN_TIMEOUT) == b"tea"
            assert client.recv(timeout=JOIN_TIMEOUT) == "café".encode()
            assert client.recv(timeout=JOIN_TIMEOUT) == "tea"


def test_broadcast_skips_closed_connections() -> None:
    with run_server() as server:
        with connect(get_uri(server)) as client:
            pass
        broadcast([client], "nobody", raise_exceptions=True)


def test_broadcast_skips_fragmented_send(caplog: pytest.LogCaptureFixture) -> None:
    release = threading.Event()

    def fragments() -> object:
        yield "a"
        release.wait(JOIN_TIMEOUT)
        yield "b"

    with run_server() as server, connect(get_uri(server)) as client:
        sender = start_thread(client.send, fragments())
        try:
            wait_until(lambda: client._fragmented_sender is not None)
            with pytest.raises(ExceptionGroup) as raised:
                broadcast([client], "skipped", raise_exceptions=True)
            (error,) = raised.value.exceptions
            assert isinstance(error, ConcurrencyError)
            with caplog.at_level(logging.WARNING, logger="websockets.client"):
                broadcast([client], "skipped")
            assert "skipped broadcast: sending a fragmented message" in [
                record.getMessage() for record in caplog.records
            ]
        finally:
            release.set()
        join_thread(sender)
        assert client.recv(timeout=JOIN_TIMEOUT) == "ab"


def test_broadcast_skips_full_buffer() -> None:
    with run_server() as server, connect(get_uri(server)) as client:
        with client.protocol_mutex:
            client._outgoing.append(bytes(2**16 + 1))
            client._writing = True  # pretend a write is stuck
        try:
            with pytest.raises(ExceptionGroup) as raised:
                broadcast([client], "skipped", raise_exceptions=True)
            (error,) = raised.value.exceptions
            assert "write buffer is full" in str(error)
        finally:
            with client.protocol_mutex:
                client._outgoing.clear()
                client._writing = False


def test_broadcast_does_not_block() -> None:
    """A client that doesn't read delays neither broadcast() nor other clients."""

    def process_request(connection: ServerConnection, request: Request) -> None:
        connection.socket.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)

    with (
        run_server(process_request=process_request, close_timeout=50 * MS) as server,
        socket.socket() as stuck,
    ):
        # A client that completes the opening handshake, then never reads.
        stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stuck.settimeout(JOIN_TIMEOUT)
        stuck.connect(get_host_port(server))
        stuck.sendall(
            b"GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            b"Sec-WebSocket-Version: 13\r\n\r\n"
        )
        assert stuck.recv(4096).startswith(b"HTTP/1.1 101 Switching Protocols\r\n")
        with connect(get_uri(server), max_size=None) as client:
            wait_until(lambda: len(server.connections) == 2)
            # The stuck client comes first.
            connections = sorted(
                server.connections,
                key=lambda connection: connection.remote_address != stuck.getsockname(),
            )
            errors: list[Exception] = []

            def send(message: bytes) -> None:
                try:
                    broadcast(connections, message, raise_exceptions=True)
                except ExceptionGroup as group:
                    errors.extend(group.exceptions)

            for index in range(3):
                message = bytes([index]) * 2**18
                sender = start_thread(send, message)
                join_thread(sender)  # broadcast() doesn't block
                assert client.recv(timeout=JOIN_TIMEOUT) == message
            # Skipping the stuck client bounds what the server buffers for it.
            assert errors
            assert all("write buffer is full" in str(error) for error in errors)


def test_broadcast_invalid_arguments() -> None:
    with pytest.raises(TypeError, match="data must be str or bytes"):
        broadcast([], 42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="unexpected keyword arguments: compress"):
        broadcast([], "x", compress=False)


# basic_auth


def test_basic_auth() -> None:
    usernames: list[str] = []

    def handler(connection: ServerConnection) -> None:
        usernames.append(connection.username)

    with run_server(handler, process_request=basic_auth(credentials=("alice", "s3cr3t"))) as server:
        host, port = get_host_port(server)
        with (
            connect(f"ws://alice:s3cr3t@{host}:{port}/") as client,
            pytest.raises(ConnectionClosedOK),
        ):
            client.recv(timeout=JOIN_TIMEOUT)
        assert usernames == ["alice"]

        with pytest.raises(InvalidStatus) as raised:
            connect(f"ws://alice:wrong@{host}:{port}/")
        assert raised.value.response.status_code == 401
        assert raised.value.response.body == b"Invalid credentials\n"
        assert (
            raised.value.response.headers["WWW-Authenticate"] == 'Basic realm="", charset="UTF-8"'
        )

        with pytest.raises(InvalidStatus) as raised:
            connect(get_uri(server))
        assert raised.value.response.status_code == 401
        assert raised.value.response.body == b"Missing credentials\n"


def test_basic_auth_check_credentials() -> None:
    def check_credentials(username: str, password: str) -> bool:
        return password == username[::-1]

    with run_server(
        process_request=basic_auth(realm="test", check_credentials=check_credentials)
    ) as server:
        host, port = get_host_port(server)
        with connect(f"ws://bob:bob@{host}:{port}/") as client:
            assert client.state is OPEN
        with pytest.raises(InvalidStatus) as raised:
            connect(f"ws://bob:bo@{host}:{port}/")
        assert 'realm="test"' in raised.value.response.headers["WWW-Authenticate"]


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"credentials": ("a", "b"), "check_credentials": lambda u, p: True}],
    ids=["neither", "both"],
)
def test_basic_auth_neither_or_both(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError) as raised:
        basic_auth(**kwargs)
    assert str(raised.value) == "provide either credentials or check_credentials"


@pytest.mark.parametrize(
    "credentials",
    [42, [("a", "b"), ("c",)], ("a", "b", "c")],
    ids=["int", "short-pair", "triple"],
)
def test_basic_auth_invalid_credentials_argument(credentials: Any) -> None:
    with pytest.raises(TypeError) as raised:
        basic_auth(credentials=credentials)
    assert str(raised.value) == f"invalid credentials argument: {credentials}"


def test_basic_auth_list_as_credentials_pair() -> None:
    with run_server(process_request=basic_auth(credentials=[["bob", "secret"]])) as server:
        host, port = get_host_port(server)
        with connect(f"ws://bob:secret@{host}:{port}/") as client:
            assert client.state is OPEN


# Edge cases


def test_frames_right_after_request() -> None:
    """Frames that arrive with the request are processed once the connection is open."""
    with run_server() as server, socket.create_connection(get_host_port(server)) as sock:
        sock.settimeout(JOIN_TIMEOUT)
        # The request, then a masked text frame "hi", in one write.
        sock.sendall(
            b"GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            b"Sec-WebSocket-Version: 13\r\n\r\n"
            b"\x81\x82\x00\x00\x00\x00hi"
        )
        data = b""
        while not data.endswith(b"\x81\x02hi"):
            chunk = sock.recv(4096)
            assert chunk, "connection closed"
            data += chunk
        assert data.startswith(b"HTTP/1.1 101 Switching Protocols\r\n")


def test_close_frame_right_after_request() -> None:
    """Messages and a close frame sent with the request reach the handler."""
    received: list[object] = []

    def handler(connection: ServerConnection) -> None:
        received.append(connection.recv(timeout=JOIN_TIMEOUT))
        with pytest.raises(ConnectionClosedOK):
            connection.recv(timeout=JOIN_TIMEOUT)
        received.append(connection.close_code)

    with run_server(handler) as server, socket.create_connection(get_host_port(server)) as sock:
        sock.settimeout(JOIN_TIMEOUT)
        # The request, a masked text frame "hello" and a masked close frame
        # with code 1000, in one write; no half-close.
        sock.sendall(
            b"GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            b"Sec-WebSocket-Version: 13\r\n\r\n"
            b"\x81\x85\x00\x00\x00\x00hello"
            b"\x88\x82\x00\x00\x00\x00\x03\xe8"
        )
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
        assert data.startswith(b"HTTP/1.1 101 Switching Protocols\r\n")
        assert data.endswith(b"\r\n\r\n\x88\x02\x03\xe8")
        sock.close()
        wait_until(lambda: len(received) == 2)
        assert received == ["hello", CloseCode.NORMAL_CLOSURE]


@pytest.mark.skipif(not socket.has_ipv6, reason="IPv6 isn't available")
def test_ipv6(caplog: pytest.LogCaptureFixture) -> None:
    try:
        socket.create_server(("::1", 0), family=socket.AF_INET6).close()
    except OSError:  # pragma: no cover
        pytest.skip("IPv6 isn't available")
    with (
        caplog.at_level(logging.INFO, logger="websockets.server"),
        run_server(host="::1", family=socket.AF_INET6) as server,
        connect(get_uri(server)) as client,
    ):
        client.send("tea")
        assert client.recv(timeout=JOIN_TIMEOUT) == "tea"
    assert any(
        record.getMessage().startswith("server listening on [::1]:") for record in caplog.records
    )


def test_create_connection_fails(caplog: pytest.LogCaptureFixture) -> None:
    class BrokenServerConnection(ServerConnection):
        def __init__(self, *args: object, **kwargs: object) -> None:
            raise RuntimeError("broken")

    with (
        caplog.at_level(logging.ERROR, logger="websockets.server"),
        run_server(create_connection=BrokenServerConnection) as server,
        pytest.raises(InvalidMessage),
    ):
        connect(get_uri(server))
    assert "failed to create connection" in [record.getMessage() for record in caplog.records]


def test_handshake_fails(caplog: pytest.LogCaptureFixture) -> None:
    def process_response(
        connection: ServerConnection, request: Request, response: Response
    ) -> Response | None:
        return "not a response"  # type: ignore[return-value]

    with (
        caplog.at_level(logging.INFO, logger="websockets.server"),
        run_server(process_response=process_response) as server,
    ):
        with pytest.raises(InvalidMessage):
            connect(get_uri(server))
        # As upstream, the aborted connection is logged as closed too.
        wait_until(lambda: "connection closed" in server_messages(caplog))
    messages = server_messages(caplog)
    assert messages.index("opening handshake failed") < messages.index("connection closed")


def test_shutdown_right_after_handshake() -> None:
    """A connection that opens while the server shuts down is closed with 1001."""
    shutdowns: list[threading.Thread] = []

    def process_response(
        connection: ServerConnection, request: Request, response: Response
    ) -> Response | None:
        # The response accepts the connection; the server starts shutting
        # down before it's sent.
        shutdowns.append(start_thread(connection.server.shutdown))
        wait_until(lambda: connection.server._closing is not None)
        return None

    with (
        running(serve(echo, "127.0.0.1", 0, process_response=process_response)) as server,
        connect(get_uri(server)) as client,
    ):
        with pytest.raises(ConnectionClosedOK):
            client.recv(timeout=JOIN_TIMEOUT)
        assert client.close_code == CloseCode.GOING_AWAY
    for shutdown in shutdowns:
        join_thread(shutdown)


def test_broadcast_write_fails(caplog: pytest.LogCaptureFixture) -> None:
    with run_server() as server, connect(get_uri(server)) as client:
        # Simulate a socket that broke during a write.
        with client.protocol_mutex:
            client._socket_done = True
            client._write_exc = BrokenPipeError("broken")
        with pytest.raises(ExceptionGroup) as raised:
            broadcast([client], "lost", raise_exceptions=True)
        (error,) = raised.value.exceptions
        assert str(error) == "failed to write message"
        assert isinstance(error.__cause__, BrokenPipeError)
        with caplog.at_level(logging.WARNING, logger="websockets.client"):
            broadcast([client], "lost")
        assert "skipped broadcast: failed to write message: BrokenPipeError: broken" in [
            record.getMessage() for record in caplog.records
        ]
        client._abort()
