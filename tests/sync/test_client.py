"""Tests for websockets.sync.client: connect, unix_connect, redirects, reconnection."""

from __future__ import annotations

import contextlib
import http
import importlib.util
import inspect
import logging
import pathlib
import socket
import ssl
import threading
import time
import unittest.mock
import warnings
from collections.abc import Callable, Generator, Iterator
from typing import Any

import pytest

from websockets.client import MAX_REDIRECTS
from websockets.datastructures import Headers
from websockets.exceptions import (
    ConnectionClosed,
    InvalidHandshake,
    InvalidMessage,
    InvalidStatus,
    InvalidURI,
    SecurityError,
)
from websockets.extensions.base import ClientExtensionFactory
from websockets.http11 import USER_AGENT, Request, Response
from websockets.protocol import CLOSED, OPEN
from websockets.sync import client as client_module
from websockets.sync.client import (
    ClientConnection,
    connect,
    reconnect,
    unix_connect,
    unix_reconnect,
)
from websockets.sync.server import ServerConnection
from websockets.uri import parse_uri

from .utils import (
    CLIENT_CONTEXT,
    JOIN_TIMEOUT,
    MS,
    SERVER_CONTEXT,
    close_listener,
    closed_port,
    get_host_port,
    get_uri,
    join_thread,
    run_server,
    run_unix_server,
    start_thread,
    temp_unix_socket_path,
    wait_until,
)

DEFLATE = importlib.util.find_spec("websockets.extensions.permessage_deflate") is not None


def handshake_headers(connection: ServerConnection) -> None:
    """Handler that sends the request headers, then echoes."""
    assert connection.request is not None
    connection.send(str(connection.request.headers))
    for message in connection:
        connection.send(message)


# Opening a connection


def test_connect() -> None:
    with run_server() as server, connect(get_uri(server)) as client:
        assert client.state is OPEN
        client.send("café")
        assert client.recv(timeout=JOIN_TIMEOUT) == "café"
        assert isinstance(client.request, Request)
        assert isinstance(client.response, Response)
        assert client.response.status_code == 101
        assert client.remote_address == get_host_port(server)
    assert client.state is CLOSED


def test_connect_directly() -> None:
    with run_server() as server:
        client = connect(get_uri(server), legacy=True)
        try:
            client.send("tea")
            assert client.recv(timeout=JOIN_TIMEOUT) == "tea"
        finally:
            client.close()
        assert client.close_code == 1000


def test_headers() -> None:
    with (
        run_server(handshake_headers) as server,
        connect(get_uri(server), origin="https://example.com") as client,
    ):
        headers = client.recv(timeout=JOIN_TIMEOUT)
        assert f"User-Agent: {USER_AGENT}\r\n" in headers
        assert "Origin: https://example.com\r\n" in headers


def test_additional_headers_and_user_agent() -> None:
    with (
        run_server(handshake_headers) as server,
        connect(
            get_uri(server),
            additional_headers={"Authorization": "Bearer token"},
            user_agent_header="test/1.0",
        ) as client,
    ):
        headers = client.recv(timeout=JOIN_TIMEOUT)
        assert "Authorization: Bearer token\r\n" in headers
        assert "User-Agent: test/1.0\r\n" in headers


def test_no_user_agent() -> None:
    with (
        run_server(handshake_headers) as server,
        connect(get_uri(server), user_agent_header=None) as client,
    ):
        assert "User-Agent" not in client.recv(timeout=JOIN_TIMEOUT)


def test_subprotocols() -> None:
    with (
        run_server(subprotocols=["chat"]) as server,
        connect(get_uri(server), subprotocols=["superchat", "chat"]) as client,
    ):
        assert client.subprotocol == "chat"


@pytest.mark.skipif(not DEFLATE, reason="ws-deflate isn't installed")
def test_compression_default() -> None:
    with run_server() as server, connect(get_uri(server)) as client:
        assert client.response is not None
        assert "permessage-deflate" in client.response.headers["Sec-WebSocket-Extensions"]
        client.send("x" * 1000)
        assert client.recv(timeout=JOIN_TIMEOUT) == "x" * 1000


@pytest.mark.skipif(DEFLATE, reason="ws-deflate is installed")
def test_compression_default_without_ws_deflate() -> None:
    with run_server() as server, connect(get_uri(server)) as client:
        assert client.response is not None
        assert "Sec-WebSocket-Extensions" not in client.response.headers
    with pytest.raises(ImportError, match="ws-deflate"):
        connect("ws://localhost/", compression="deflate")


def test_compression_disabled() -> None:
    with run_server() as server, connect(get_uri(server), compression=None) as client:
        assert client.response is not None
        assert "Sec-WebSocket-Extensions" not in client.response.headers


def test_compression_unsupported() -> None:
    with pytest.raises(ValueError, match="unsupported compression: zstd"):
        connect("ws://localhost/", compression="zstd")


def test_extensions() -> None:
    class Factory(ClientExtensionFactory):
        name = "x-test"  # type: ignore[assignment]

        def get_request_params(self) -> list[tuple[str, str | None]]:
            return [("level", "1")]

    with (
        run_server(handshake_headers) as server,
        connect(get_uri(server), extensions=[Factory()], compression=None) as client,
    ):
        assert "Sec-WebSocket-Extensions: x-test; level=1\r\n" in client.recv(timeout=JOIN_TIMEOUT)


def test_create_connection() -> None:
    class MyClientConnection(ClientConnection):
        pass

    with (
        run_server() as server,
        connect(get_uri(server), create_connection=MyClientConnection) as client,
    ):
        assert isinstance(client, MyClientConnection)


def test_logger(caplog: pytest.LogCaptureFixture) -> None:
    """As upstream, a client logs state changes at DEBUG and nothing at INFO."""
    logger = logging.getLogger("test.client")
    with (
        caplog.at_level(logging.DEBUG, logger="test.client"),
        run_server() as server,
        connect(get_uri(server), logger=logger),
    ):
        pass
    records = [record for record in caplog.records if record.name == "test.client"]
    messages = [record.getMessage() for record in records]
    assert "= connection is OPEN" in messages
    assert "= connection is CLOSED" in messages
    assert [r.getMessage() for r in records if r.levelno >= logging.INFO] == []


def test_max_size() -> None:
    with run_server() as server, connect(get_uri(server), max_size=10) as client:
        client.send("x" * 11)
        with pytest.raises(ConnectionClosed) as raised:
            client.recv(timeout=JOIN_TIMEOUT)
        assert raised.value.sent is not None
        assert raised.value.sent.code == 1009


def test_keepalive() -> None:
    with (
        run_server() as server,
        connect(get_uri(server), ping_interval=10 * MS, ping_timeout=JOIN_TIMEOUT) as client,
    ):
        wait_until(lambda: client.latency > 0)


def test_sock() -> None:
    with (
        run_server() as server,
        socket.create_connection(get_host_port(server)) as sock,
        connect("ws://invalid.example/", sock=sock) as client,
    ):
        client.send("tea")
        assert client.recv(timeout=JOIN_TIMEOUT) == "tea"


# TLS and Unix sockets


def test_tls() -> None:
    with (
        run_server(ssl=SERVER_CONTEXT) as server,
        connect(get_uri(server, secure=True), ssl=CLIENT_CONTEXT) as client,
    ):
        client.send("café")
        assert client.recv(timeout=JOIN_TIMEOUT) == "café"
        assert client.socket.version() is not None  # type: ignore[attr-defined]


def test_tls_server_hostname() -> None:
    with run_server(ssl=SERVER_CONTEXT) as server:
        _, port = get_host_port(server)
        with (
            socket.create_connection(("127.0.0.1", port)) as sock,
            connect(
                f"wss://127.0.0.2:{port}/",
                sock=sock,
                ssl=CLIENT_CONTEXT,
                server_hostname="localhost",
            ) as client,
        ):
            assert client.state is OPEN


def test_tls_certificate_error() -> None:
    with run_server(ssl=SERVER_CONTEXT) as server, pytest.raises(ssl.SSLCertVerificationError):
        connect(get_uri(server, secure=True))


def test_ssl_with_ws_uri() -> None:
    with pytest.raises(ValueError, match="ssl argument is incompatible with a ws:// URI"):
        connect("ws://localhost/", ssl=CLIENT_CONTEXT)


def test_unix() -> None:
    with temp_unix_socket_path() as path, run_unix_server(path), unix_connect(path) as client:
        client.send("tea")
        assert client.recv(timeout=JOIN_TIMEOUT) == "tea"
        assert client.remote_address == path


def test_unix_tls() -> None:
    with (
        temp_unix_socket_path() as path,
        run_unix_server(path, ssl=SERVER_CONTEXT),
        unix_connect(path, ssl=CLIENT_CONTEXT) as client,
    ):
        assert client.request is not None
        assert client.request.headers["Host"] == "localhost"
        client.send("tea")
        assert client.recv(timeout=JOIN_TIMEOUT) == "tea"


def test_unix_missing_path() -> None:
    with pytest.raises(ValueError, match="missing path argument"):
        unix_connect()


# Failures


def test_invalid_uri() -> None:
    with pytest.raises(InvalidURI):
        connect("http://localhost/")


def test_connection_refused() -> None:
    with pytest.raises(ConnectionRefusedError):
        connect(f"ws://127.0.0.1:{closed_port()}/")


def test_rejected() -> None:
    def forbidden(connection: ServerConnection, request: Request) -> Response:
        return connection.respond(http.HTTPStatus.FORBIDDEN, "Go away.\n")

    with run_server(process_request=forbidden) as server:
        with pytest.raises(InvalidStatus) as raised:
            connect(get_uri(server))
        assert raised.value.response.status_code == 403


@contextlib.contextmanager
def raw_server(answer: bytes | None) -> Iterator[str]:
    """Accept one TCP connection; answer with ``answer`` (close) or never answer.

    Without an answer, the connection stays open until the end of the
    ``with`` block.

    """
    listener = socket.create_server(("127.0.0.1", 0))
    done = threading.Event()

    def run() -> None:
        try:
            sock, _ = listener.accept()
        except OSError:
            return  # the test ended without connecting
        # OSError: the client went away, e.g. the one that close_listener()
        # connects to wake up accept().
        with sock, contextlib.suppress(OSError):
            sock.settimeout(JOIN_TIMEOUT)
            if answer is not None:
                sock.recv(65536)
                sock.sendall(answer)
            else:
                done.wait(JOIN_TIMEOUT)

    thread = start_thread(run)
    try:
        host, port = listener.getsockname()[:2]
        yield f"ws://{host}:{port}/"
    finally:
        done.set()
        close_listener(listener)
        join_thread(thread)


def test_invalid_response() -> None:
    with (
        raw_server(b"SSH-2.0-OpenSSH\r\n\r\n") as uri,
        pytest.raises(InvalidMessage, match="did not receive a valid HTTP response"),
    ):
        connect(uri)


def test_server_closes_before_answering() -> None:
    with raw_server(b"") as uri:
        with pytest.raises(InvalidMessage) as raised:
            connect(uri)
        assert isinstance(raised.value.__cause__, EOFError)


def test_open_timeout() -> None:
    """open_timeout bounds the opening handshake with a server that never answers."""
    with raw_server(None) as uri:
        start = time.monotonic()
        with pytest.raises(TimeoutError, match="timed out during opening handshake"):
            connect(uri, open_timeout=20 * MS)
        # The server holds the connection until the end of the test:
        # nothing but open_timeout ended the handshake.
        assert time.monotonic() - start >= 20 * MS


def test_open_timeout_before_handshake() -> None:
    """When open_timeout elapses before the opening handshake starts, the socket is closed.

    It takes a thread that a busy machine doesn't run for longer than
    open_timeout between opening the socket and starting the handshake; the
    connection class stands for that. A socket left open would surface later
    as a ResourceWarning in whatever test runs when the garbage collector
    finds it.

    """

    class SlowConnection(ClientConnection):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            time.sleep(40 * MS)

    with raw_server(None) as uri:
        server = parse_uri(uri)
        with socket.create_connection((server.host, server.port)) as sock:
            with pytest.raises(TimeoutError, match="timed out during opening handshake"):
                connect(uri, sock=sock, open_timeout=20 * MS, create_connection=SlowConnection)
            # Like every failure of connect() after it got the socket.
            assert sock.fileno() == -1


# Redirects


def redirect_to(location: str, status: int = http.HTTPStatus.FOUND) -> object:
    def process_request(connection: ServerConnection, request: Request) -> Response:
        response = connection.respond(status, "")
        response.headers["Location"] = location
        return response

    return process_request


def test_redirect() -> None:
    with (
        run_server() as target,
        run_server(process_request=redirect_to(get_uri(target))) as origin,
        connect(get_uri(origin)) as client,
    ):
        assert client.remote_address == get_host_port(target)


def test_reconnect_process_redirect_patched() -> None:
    # Upstream's tests patch it to stop following redirects.
    with (
        run_server() as target,
        run_server(process_request=redirect_to(get_uri(target))) as origin,
        unittest.mock.patch(
            "websockets.sync.client.reconnect.process_redirect", lambda self, exc: exc
        ),
        pytest.raises(InvalidStatus) as raised,
        reconnect(get_uri(origin)),
    ):
        pass  # pragma: no cover
    assert raised.value.response.status_code == 302


def test_reconnect_process_redirect() -> None:
    client = reconnect("ws://example.com/a/b")
    error = OSError("boom")
    assert client.process_redirect(error) is error
    response = Response(302, "Found", Headers([("Location", "c")]))
    assert client.process_redirect(InvalidStatus(response)) == "ws://example.com/a/c"


def test_redirect_300() -> None:
    # As upstream: 300 Multiple Choices with a Location is followed.
    with (
        run_server() as target,
        run_server(process_request=redirect_to(get_uri(target), 300)) as origin,
        connect(get_uri(origin)) as client,
    ):
        assert client.remote_address == get_host_port(target)


def test_redirect_log_hides_user_info(caplog: pytest.LogCaptureFixture) -> None:
    # A relative Location keeps the URI's user info: its password.
    def process_request(connection: ServerConnection, request: Request) -> Response | None:
        if request.path != "/":
            return None
        return redirect_to("/next")(connection, request)  # type: ignore[operator, no-any-return]

    with (
        caplog.at_level(logging.DEBUG, logger="websockets.client"),
        run_server(process_request=process_request) as server,
    ):
        host, port = get_host_port(server)
        with connect(f"ws://alice:hunter2@{host}:{port}/"):
            pass
    messages = [r.getMessage() for r in caplog.records if r.name == "websockets.client"]
    assert f"! redirected to ws://{host}:{port}/next" in messages
    assert not [message for message in messages if "hunter2" in message]
    # Upstream logs nothing at the info level for a redirect.
    assert not [r for r in caplog.records if r.name == "websockets.client" and r.levelno > 10]


def test_redirect_chain_and_relative() -> None:
    def process_request(connection: ServerConnection, request: Request) -> Response | None:
        if request.path == "/":
            response = connection.respond(http.HTTPStatus.MOVED_PERMANENTLY, "")
            response.headers["Location"] = "/step"
            return response
        if request.path == "/step":
            response = connection.respond(http.HTTPStatus.TEMPORARY_REDIRECT, "")
            response.headers["Location"] = "/final?x=1"
            return response
        return None

    with run_server(process_request=process_request) as server, connect(get_uri(server)) as client:
        assert client.request is not None
        assert client.request.path == "/final?x=1"


def test_redirect_loop() -> None:
    with (
        run_server(process_request=redirect_to("/")) as server,
        pytest.raises(SecurityError, match=f"more than {MAX_REDIRECTS} redirects"),
    ):
        connect(get_uri(server))


def test_redirect_to_insecure() -> None:
    with (
        run_server(ssl=SERVER_CONTEXT, process_request=redirect_to("ws://localhost/")) as server,
        pytest.raises(SecurityError, match="cannot follow redirect to non-secure URI"),
    ):
        connect(get_uri(server, secure=True), ssl=CLIENT_CONTEXT)


def test_redirect_with_sock() -> None:
    with (
        run_server(process_request=redirect_to("/elsewhere")) as server,
        socket.create_connection(get_host_port(server)) as sock,
        pytest.raises(ValueError, match=r"cannot follow redirect to .* with sock"),
    ):
        connect(get_uri(server), sock=sock)


def test_redirect_cross_origin_on_unix() -> None:
    with (
        temp_unix_socket_path() as path,
        run_unix_server(path, process_request=redirect_to("ws://example.com/")),
        pytest.raises(ValueError, match="cannot follow cross-origin redirect"),
    ):
        unix_connect(path)


def test_redirect_same_origin_on_unix() -> None:
    def process_request(connection: ServerConnection, request: Request) -> Response | None:
        if request.path == "/":
            return redirect_to("/moved")(connection, request)  # type: ignore[operator, no-any-return]
        return None

    with (
        temp_unix_socket_path() as path,
        run_unix_server(path, process_request=process_request),
        unix_connect(path) as client,
    ):
        assert client.request is not None
        assert client.request.path == "/moved"


# Reconnection


def fast_delays() -> Generator[float]:
    """Retry every 5 ms; give up after JOIN_TIMEOUT, lest a failing test retry forever."""
    deadline = time.monotonic() + JOIN_TIMEOUT
    while time.monotonic() < deadline:
        yield 5 * MS
    raise AssertionError("failed to reconnect")


@contextlib.contextmanager
def reconnecting(iterator: Iterator[ClientConnection]) -> Iterator[Iterator[ClientConnection]]:
    """Close a reconnecting iterator, hence its last connection, at the end of a block."""
    try:
        yield iterator
    finally:
        iterator.close()  # type: ignore[attr-defined]


def test_reconnect_server_restarts() -> None:
    """The client reconnects to a server restarted on the same port."""
    restarted, done = threading.Event(), threading.Event()

    def restart(host: str, port: int) -> None:
        time.sleep(20 * MS)  # attempts fail meanwhile
        with run_server(host=host, port=port):
            restarted.set()
            # Keep the server up until the client used it.
            done.wait(JOIN_TIMEOUT)

    with contextlib.ExitStack() as stack:
        with run_server() as server:
            host, port = get_host_port(server)
            iterator = stack.enter_context(
                reconnecting(iter(reconnect(get_uri(server), reconnect_delays=fast_delays)))
            )
            client = next(iterator)
            client.send("first")
            assert client.recv(timeout=JOIN_TIMEOUT) == "first"
        # The server is gone: the connection is closed.
        with pytest.raises(ConnectionClosed):
            client.recv(timeout=JOIN_TIMEOUT)

        thread = start_thread(restart, host, port)
        stack.callback(join_thread, thread)
        stack.callback(done.set)
        # Attempts fail until the server is back.
        client = next(iterator)
        # The restarted server may complete the handshake before its thread
        # gets to set the event.
        assert restarted.wait(JOIN_TIMEOUT)
        client.send("second")
        assert client.recv(timeout=JOIN_TIMEOUT) == "second"
        iterator.close()  # type: ignore[attr-defined]
        assert client.state is CLOSED


def test_reconnect_loop() -> None:
    count = 0

    def handler(connection: ServerConnection) -> None:
        connection.send("hello")

    with (
        run_server(handler) as server,
        reconnecting(iter(reconnect(get_uri(server), reconnect_delays=fast_delays))) as iterator,
    ):
        for client in iterator:
            count += 1
            assert client.recv(timeout=JOIN_TIMEOUT) == "hello"
            if count == 3:
                break
    assert count == 3


def test_reconnect_fatal_error() -> None:
    def forbidden(connection: ServerConnection, request: Request) -> Response:
        return connection.respond(http.HTTPStatus.FORBIDDEN, "")

    with run_server(process_request=forbidden) as server, pytest.raises(InvalidStatus):
        next(iter(reconnect(get_uri(server), reconnect_delays=fast_delays)))


def test_reconnect_transient_error(caplog: pytest.LogCaptureFixture) -> None:
    attempts = 0

    def unavailable(connection: ServerConnection, request: Request) -> Response | None:
        nonlocal attempts
        attempts += 1
        if attempts < 3:
            return connection.respond(http.HTTPStatus.SERVICE_UNAVAILABLE, "")
        return None

    with (
        caplog.at_level(logging.INFO, logger="websockets.client"),
        run_server(process_request=unavailable) as server,
        reconnecting(iter(reconnect(get_uri(server), reconnect_delays=fast_delays))) as iterator,
    ):
        client = next(iterator)
        assert client.state is OPEN
    assert attempts == 3
    # As upstream: one line per failure, with the type of the exception and
    # without a traceback.
    failures = [r for r in caplog.records if r.getMessage().startswith("connect failed")]
    assert [(r.levelno, r.getMessage(), r.exc_info) for r in failures] == 2 * [
        (
            logging.INFO,
            "connect failed; reconnecting in 0.0 seconds: "
            "websockets.exceptions.InvalidStatus: server rejected WebSocket connection: HTTP 503",
            None,
        )
    ]


def test_reconnect_process_exception() -> None:
    def process_exception(exc: Exception) -> Exception | None:
        return RuntimeError("nope")

    with pytest.raises(RuntimeError, match="nope") as raised:
        next(
            iter(
                reconnect(
                    f"ws://127.0.0.1:{closed_port()}/",
                    process_exception=process_exception,
                )
            )
        )
    assert isinstance(raised.value.__cause__, ConnectionRefusedError)


def test_reconnect_process_exception_raises() -> None:
    """An exception raised by process_exception is chained to the original."""

    def process_exception(exc: Exception) -> Exception | None:
        raise KeyError("process_exception")

    with pytest.raises(KeyError, match="process_exception") as raised:
        next(
            iter(
                reconnect(
                    f"ws://127.0.0.1:{closed_port()}/",
                    process_exception=process_exception,
                )
            )
        )
    assert isinstance(raised.value.__cause__, ConnectionRefusedError)


def test_reconnect_process_exception_reraises() -> None:
    """Re-raising the exception given to process_exception leaves it as is."""

    def process_exception(exc: Exception) -> Exception | None:
        raise exc

    with pytest.raises(ConnectionRefusedError) as raised:
        next(
            iter(
                reconnect(
                    f"ws://127.0.0.1:{closed_port()}/",
                    process_exception=process_exception,
                )
            )
        )
    assert raised.value.__cause__ is None


@pytest.mark.parametrize("function", [unix_connect, unix_reconnect])
def test_unix_path_and_sock(function: Callable[..., object]) -> None:
    # As upstream, both can't be given: raised when called.
    a, b = socket.socketpair()
    try:
        with pytest.raises(ValueError, match=r"^path is incompatible with sock$"):
            function("/tmp/websockets.sock", sock=a)
    finally:
        a.close()
        b.close()


def test_reconnect_unix() -> None:
    with (
        temp_unix_socket_path() as path,
        run_unix_server(path),
        reconnecting(iter(unix_reconnect(path, reconnect_delays=fast_delays))) as iterator,
    ):
        client = next(iterator)
        client.send("tea")
        assert client.recv(timeout=JOIN_TIMEOUT) == "tea"


def test_reconnect_with_sock() -> None:
    """As upstream, iterating with sock yields a connection on that socket."""
    with (
        run_server() as server,
        socket.create_connection(get_host_port(server)) as sock,
        reconnecting(iter(reconnect(get_uri(server), sock=sock))) as iterator,
    ):
        client = next(iterator)
        assert client.socket is sock
        client.send("tea")
        assert client.recv(timeout=JOIN_TIMEOUT) == "tea"


def test_reconnect_with_sock_after_close() -> None:
    """Reconnecting tries the closed socket again, as upstream.

    That fails with OSError, which process_exception sees, as upstream.

    """
    errors: list[Exception] = []

    def process_exception(exc: Exception) -> Exception | None:
        errors.append(exc)
        return exc

    def handler(connection: ServerConnection) -> None:
        connection.send("hello")

    with (
        run_server(handler) as server,
        socket.create_connection(get_host_port(server)) as sock,
        reconnecting(
            iter(reconnect(get_uri(server), sock=sock, process_exception=process_exception))
        ) as iterator,
    ):
        client = next(iterator)
        assert client.recv(timeout=JOIN_TIMEOUT) == "hello"
        with pytest.raises(ConnectionClosed):
            client.recv(timeout=JOIN_TIMEOUT)
        with pytest.raises(OSError) as raised:
            next(iterator)
    assert errors == [raised.value]


def test_reconnect_with_sock_after_failure() -> None:
    """When the first attempt on sock fails, the next one tries it again."""
    errors: list[Exception] = []

    def process_exception(exc: Exception) -> Exception | None:
        errors.append(exc)
        return None if len(errors) == 1 else exc

    def unavailable(connection: ServerConnection, request: Request) -> Response:
        return connection.respond(http.HTTPStatus.SERVICE_UNAVAILABLE, "")

    with (
        run_server(process_request=unavailable) as server,
        socket.create_connection(get_host_port(server)) as sock,
        pytest.raises(OSError),
    ):
        next(
            iter(
                reconnect(
                    get_uri(server),
                    sock=sock,
                    process_exception=process_exception,
                    reconnect_delays=fast_delays,
                )
            )
        )
    assert [type(exc) for exc in errors] == [InvalidStatus, OSError]


def test_reconnect_checks_arguments_when_created() -> None:
    """As upstream, reconnect() checks these arguments before connecting."""
    with pytest.raises(TypeError, match=r"^subprotocols must be a list, not a str$"):
        reconnect("ws://127.0.0.1:9/", subprotocols="chat")  # type: ignore[arg-type]
    # In upstream's order: URI, ssl, subprotocols, compression.
    with pytest.raises(InvalidURI):
        reconnect("http://127.0.0.1:9/", compression="zz", subprotocols="chat")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^ssl argument is incompatible with a ws:// URI$"):
        reconnect("ws://127.0.0.1:9/", ssl=CLIENT_CONTEXT, compression="zz")
    with pytest.raises(TypeError, match=r"^subprotocols must be a list, not a str$"):
        reconnect("ws://127.0.0.1:9/", compression="zz", subprotocols="chat")  # type: ignore[arg-type]


def test_reexported_policy() -> None:
    import websockets.client

    assert client_module.backoff is websockets.client.backoff
    assert client_module.process_exception is websockets.client.process_exception


def test_handshake_failure_closes_socket() -> None:
    with (
        raw_server(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n") as uri,
        pytest.raises(InvalidHandshake),
    ):
        connect(uri)


def test_unix_connect_fails() -> None:
    with temp_unix_socket_path() as path, pytest.raises(FileNotFoundError):
        unix_connect(path)


def test_unix_connect_uri() -> None:
    with (
        temp_unix_socket_path() as path,
        run_unix_server(path, handshake_headers),
        unix_connect(path, "ws://example.com/chat") as client,
    ):
        assert "Host: example.com\r\n" in client.recv(timeout=JOIN_TIMEOUT)
        assert client.request is not None
        assert client.request.path == "/chat"


# Credentials and redirects (security)


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


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_cross_origin_redirect_drops_credentials(host: str) -> None:
    with run_server(handshake_headers) as target:
        _, target_port = get_host_port(target)
        location = f"ws://{host}:{target_port}/"
        with (
            run_server(process_request=redirect_to(location)) as server,
            connect(
                f"ws://user:pass@127.0.0.1:{get_host_port(server)[1]}/",
                additional_headers=CREDENTIALS,
            ) as client,
        ):
            headers = client.recv(timeout=JOIN_TIMEOUT)
    assert isinstance(headers, str)
    assert credentials_in(headers) == []
    assert "\r\nX-Trace: 1\r\n" in headers


def test_same_origin_redirect_keeps_credentials() -> None:
    def process_request(connection: ServerConnection, request: Request) -> Response | None:
        if request.path == "/":
            return redirect_to("/final")(connection, request)  # type: ignore[no-any-return]
        return None

    with (
        run_server(handshake_headers, process_request=process_request) as server,
        connect(
            f"ws://user:pass@127.0.0.1:{get_host_port(server)[1]}/",
            additional_headers=CREDENTIALS,
        ) as client,
    ):
        headers = client.recv(timeout=JOIN_TIMEOUT)
    assert isinstance(headers, str)
    assert credentials_in(headers) == [
        "Authorization",
        "Authorization",
        "Cookie",
        "Proxy-Authorization",
    ]
    assert "\r\nAuthorization: Basic dXNlcjpwYXNz\r\n" in headers


def test_credentials_stay_dropped_when_redirected_back() -> None:
    second_uri = ""

    def process_request(connection: ServerConnection, request: Request) -> Response | None:
        if request.path == "/":
            return redirect_to(second_uri)(connection, request)  # type: ignore[no-any-return]
        return None

    with (
        run_server(handshake_headers, process_request=process_request) as first,
        run_server(process_request=redirect_to(get_uri(first) + "back")) as second,
    ):
        second_uri = get_uri(second)
        with connect(get_uri(first), additional_headers=CREDENTIALS) as client:
            headers = client.recv(timeout=JOIN_TIMEOUT)
            assert client.request is not None
            assert client.request.path == "/back"
    assert isinstance(headers, str)
    assert credentials_in(headers) == []
    assert "\r\nX-Trace: 1\r\n" in headers


def test_max_redirects_from_module() -> None:
    """The limit is websockets.sync.client.MAX_REDIRECTS, read when connecting."""
    requests = []

    def redirect_to_self(connection: ServerConnection, request: Request) -> Response:
        requests.append(request)
        return redirect_to("/")(connection, request)  # type: ignore[no-any-return]

    with run_server(process_request=redirect_to_self) as server:
        with (
            unittest.mock.patch.object(client_module, "MAX_REDIRECTS", 2),
            pytest.raises(SecurityError, match=r"^more than 2 redirects$"),
        ):
            connect(get_uri(server))
        assert len(requests) == 3

        # As upstream, the core's value doesn't apply to this client.
        requests.clear()
        with (
            unittest.mock.patch("websockets.client.MAX_REDIRECTS", 0),
            pytest.raises(SecurityError, match=rf"^more than {MAX_REDIRECTS} redirects$"),
        ):
            connect(get_uri(server))
        assert len(requests) == MAX_REDIRECTS + 1


# ssl=None keeps its meaning: a default TLS context for wss://.


def test_wss_ssl_none_default_context() -> None:
    """The default context doesn't trust the test CA: it verified the server."""
    with run_server(ssl=SERVER_CONTEXT) as server, pytest.raises(ssl.SSLCertVerificationError):
        connect(get_uri(server, secure=True), ssl=None)


# legacy and reconnect


LEGACY_WARNING = (
    r"connect\(\) must be used as a context manager: "
    r"with connect\(\.\.\.\) as websocket: \.\.\.; "
    r"alternatively, use websocket = connect\(\.\.\., legacy=True\) to connect directly"
)


def test_connect_without_legacy_warns_on_first_use() -> None:
    with run_server() as server:
        client = connect(get_uri(server))
        assert isinstance(client, ClientConnection)
        try:
            with pytest.warns(DeprecationWarning, match=LEGACY_WARNING) as record:
                client.send("tea")
            assert len(record) == 1
            assert record[0].filename == __file__
            # Once only.
            assert client.recv(timeout=JOIN_TIMEOUT) == "tea"
        finally:
            client.close()


@pytest.mark.parametrize(
    "use",
    [
        lambda client: client.recv(timeout=MS),
        lambda client: client.ping(),
        lambda client: client.pong(),
        lambda client: client.close(),
        lambda client: iter(client),
        lambda client: client.recv_streaming(),
    ],
    ids=["recv", "ping", "pong", "close", "iter", "recv_streaming"],
)
def test_connect_without_legacy_warns_on_any_use(use: Any) -> None:
    with run_server() as server:
        client = connect(get_uri(server))
        try:
            with (
                pytest.warns(DeprecationWarning, match=LEGACY_WARNING),
                contextlib.suppress(TimeoutError),
            ):
                use(client)
        finally:
            client.close()


def test_connect_without_legacy_in_with_block() -> None:
    with run_server() as server, warnings.catch_warnings():
        warnings.simplefilter("error")
        with connect(get_uri(server)) as client:
            client.send("tea")
            assert client.recv(timeout=JOIN_TIMEOUT) == "tea"
    assert client.close_code == 1000


def test_connect_legacy_true() -> None:
    with run_server() as server, warnings.catch_warnings():
        warnings.simplefilter("error")
        client = connect(get_uri(server), legacy=True)
        client.send("tea")
        assert client.recv(timeout=JOIN_TIMEOUT) == "tea"
        client.close()
    assert client.close_code == 1000


def test_connect_legacy_false() -> None:
    with run_server() as server:
        client = connect(get_uri(server), legacy=False, reconnect_delays=fast_delays)
        assert isinstance(client, reconnect)
        with client as websocket:
            websocket.send("tea")
            assert websocket.recv(timeout=JOIN_TIMEOUT) == "tea"
        assert websocket.close_code == 1000
        for websocket in client:
            websocket.send("tea")
            assert websocket.recv(timeout=JOIN_TIMEOUT) == "tea"
            break
        assert websocket.close_code == 1000


def test_connect_reconnect_alias() -> None:
    client = connect("ws://localhost/", reconnect=True)
    assert isinstance(client, reconnect)


def test_connect_accepts_reconnection_arguments() -> None:
    """As upstream, they're accepted with any legacy; they matter with legacy=False."""
    with run_server() as server:
        client = connect(
            get_uri(server), legacy=True, process_exception=lambda exc: exc, reconnect_delays=None
        )
        client.close()


def test_reconnect_closes_each_connection() -> None:
    connections = []
    with run_server() as server:
        for client in reconnect(get_uri(server), reconnect_delays=fast_delays):
            if connections:
                # The connection of the previous iteration is closed.
                assert connections[-1].close_code == 1000
            connections.append(client)
            client.send("tea")
            assert client.recv(timeout=JOIN_TIMEOUT) == "tea"
            if len(connections) == 2:
                break
    # Leaving the loop closed the last connection, normally.
    assert [connection.close_code for connection in connections] == [1000, 1000]


def test_reconnect_context_manager_doesnt_retry() -> None:
    with (
        pytest.raises(ConnectionRefusedError),
        reconnect(f"ws://127.0.0.1:{closed_port()}/", reconnect_delays=fast_delays),
    ):
        raise AssertionError("connection shouldn't succeed")  # pragma: no cover


def test_reconnect_context_manager_error_in_block() -> None:
    with (
        run_server() as server,
        pytest.raises(ZeroDivisionError),
        reconnect(get_uri(server)) as client,
    ):
        raise ZeroDivisionError
    assert client.close_code == 1011


def test_reconnect_connect_method() -> None:
    with run_server() as server, reconnect(get_uri(server)).connect() as client:
        client.send("tea")
        assert client.recv(timeout=JOIN_TIMEOUT) == "tea"


def test_unix_connect_legacy() -> None:
    with temp_unix_socket_path() as path, run_unix_server(path):
        client = unix_connect(path, legacy=False)
        assert isinstance(client, reconnect)
        with client as websocket:
            websocket.send("tea")
            assert websocket.recv(timeout=JOIN_TIMEOUT) == "tea"
        websocket = unix_connect(path, legacy=True)
        websocket.close()


def test_unix_path_like() -> None:
    with temp_unix_socket_path() as path, run_unix_server(path):
        with unix_connect(pathlib.Path(path)) as client:
            client.send("tea")
            assert client.recv(timeout=JOIN_TIMEOUT) == "tea"
        for client in unix_reconnect(pathlib.Path(path), reconnect_delays=fast_delays):
            client.send("tea")
            assert client.recv(timeout=JOIN_TIMEOUT) == "tea"
            break


def test_signatures() -> None:
    """The shapes of upstream 17.4's API."""
    legacy = inspect.signature(connect).parameters["legacy"]
    assert (legacy.kind, legacy.default) == (inspect.Parameter.KEYWORD_ONLY, None)
    legacy = inspect.signature(unix_connect).parameters["legacy"]
    assert (legacy.kind, legacy.default) == (inspect.Parameter.KEYWORD_ONLY, None)
    parameters = inspect.signature(reconnect).parameters
    assert "legacy" not in parameters
    assert parameters["process_exception"].default is client_module.process_exception
    assert parameters["reconnect_delays"].default is client_module.backoff
    assert list(inspect.signature(unix_reconnect).parameters) == ["path", "uri", "kwargs"]
    assert {"reconnect", "unix_reconnect"} <= set(client_module.__all__)


def test_reconnect_isnt_reentrant() -> None:
    with run_server() as server:
        client = reconnect(get_uri(server), reconnect_delays=fast_delays)
        with client as first:
            with pytest.raises(RuntimeError, match=r"^connect\(\) isn't reentrant$"):
                client.__enter__()
            with pytest.raises(RuntimeError, match=r"^connect\(\) isn't reentrant$"):
                next(iter(client))
            first.send("tea")
            assert first.recv(timeout=JOIN_TIMEOUT) == "tea"
        assert first.close_code == 1000
        for second in client:
            with pytest.raises(RuntimeError, match=r"^connect\(\) isn't reentrant$"):
                client.__enter__()
            assert second.state is OPEN
            break
        assert second.close_code == 1000
        # Once the block and the loop ended, it's available again.
        with client as third:
            assert third is not first
