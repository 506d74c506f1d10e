"""Tests for websockets.client: the client side of the opening handshake."""

from __future__ import annotations

import base64
import logging
import os
import subprocess
import sys
import unittest.mock
from collections.abc import Sequence

import pytest

from websockets.client import (
    BACKOFF_FACTOR,
    BACKOFF_INITIAL_DELAY,
    BACKOFF_MAX_DELAY,
    BACKOFF_MIN_DELAY,
    MAX_REDIRECTS,
    REDIRECT_STATUSES,
    ClientProtocol,
    backoff,
    follow_redirect,
    process_exception,
    redirect_headers,
    same_origin,
    uri_for_log,
)
from websockets.datastructures import Headers, HeadersLike
from websockets.exceptions import (
    InvalidHandshake,
    InvalidHeader,
    InvalidHeaderFormat,
    InvalidHeaderValue,
    InvalidMessage,
    InvalidProxyMessage,
    InvalidProxyStatus,
    InvalidStatus,
    InvalidUpgrade,
    InvalidURI,
    NegotiationError,
    SecurityError,
)
from websockets.extensions import ClientExtensionFactory, Extension
from websockets.frames import Frame, Opcode
from websockets.http11 import Request, Response
from websockets.protocol import CLOSED, CONNECTING, OPEN, SEND_EOF
from websockets.typing import ExtensionName, ExtensionParameter, Origin, Subprotocol
from websockets.uri import parse_uri
from websockets.utils import accept_key

from .parsing import assert_parses_with_one_generator


def make_client(uri: str = "ws://example.com/chat", **kwargs: object) -> ClientProtocol:
    return ClientProtocol(parse_uri(uri), **kwargs)  # type: ignore[arg-type]


def response_bytes(
    client: ClientProtocol,
    *extra: tuple[str, str],
    status: str = "101 Switching Protocols",
    omit: Sequence[str] = (),
) -> bytes:
    headers = [
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Accept", accept_key(client.key)),
    ]
    headers = [(k, v) for k, v in headers if k not in omit]
    headers += list(extra)
    lines = [f"HTTP/1.1 {status}"] + [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def handshake(client: ClientProtocol, data: bytes) -> Response:
    client.send_request(client.connect())
    client.data_to_send()
    client.receive_data(data)
    (response,) = client.events_received()
    assert isinstance(response, Response)
    return response


def assert_failed_handshake(
    client: ClientProtocol, exc_type: type[Exception], message: str
) -> None:
    assert isinstance(client.handshake_exc, exc_type)
    assert str(client.handshake_exc) == message
    # The client closes the TCP connection; it's closed once EOF arrives.
    assert client.data_to_send() == [SEND_EOF]
    assert client.close_expected()
    client.receive_eof()
    assert client.state is CLOSED


class TestConnect:
    def test_request(self) -> None:
        client = make_client()
        request = client.connect()
        assert isinstance(request, Request)
        assert request.path == "/chat"
        assert request.method == "GET"
        assert list(request.headers.raw_items()) == [
            ("Host", "example.com"),
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Key", client.key),
            ("Sec-WebSocket-Version", "13"),
        ]
        assert len(base64.b64decode(client.key)) == 16

    def test_fresh_key_each_time(self) -> None:
        assert make_client().key != make_client().key

    def test_path_and_query(self) -> None:
        assert make_client("ws://example.com/a/b?x=1&y=2").connect().path == "/a/b?x=1&y=2"
        assert make_client("ws://example.com").connect().path == "/"

    @pytest.mark.parametrize(
        ("uri", "host"),
        [
            ("ws://example.com:80/", "example.com"),
            ("ws://example.com:8080/", "example.com:8080"),
            ("wss://example.com:443/", "example.com"),
            ("wss://example.com:80/", "example.com:80"),
            ("ws://[::1]:8080/", "[::1]:8080"),
            ("ws://[::1]/", "[::1]"),
        ],
    )
    def test_host(self, uri: str, host: str) -> None:
        assert make_client(uri).connect().headers["Host"] == host

    def test_user_info(self) -> None:
        request = make_client("ws://alice:s%40cret@example.com/").connect()
        expected = base64.b64encode(b"alice:s@cret").decode()
        assert request.headers["Authorization"] == f"Basic {expected}"

    def test_origin(self) -> None:
        request = make_client(origin=Origin("https://example.com")).connect()
        assert request.headers["Origin"] == "https://example.com"

    def test_extensions(self) -> None:
        request = make_client(
            extensions=[OpFactory(), OpFactory("x-op", [("level", "2")])]
        ).connect()
        assert request.headers["Sec-WebSocket-Extensions"] == "x-op, x-op; level=2"

    def test_subprotocols(self) -> None:
        request = make_client(
            subprotocols=[Subprotocol("chat"), Subprotocol("superchat")]
        ).connect()
        assert request.headers["Sec-WebSocket-Protocol"] == "chat, superchat"

    def test_subprotocols_as_str(self) -> None:
        with pytest.raises(TypeError):
            make_client(subprotocols="chat")

    def test_send_request(self) -> None:
        client = make_client()
        client.send_request(client.connect())
        (data,) = client.data_to_send()
        assert data.startswith(b"GET /chat HTTP/1.1\r\nHost: example.com\r\n")
        assert data.endswith(b"\r\n\r\n")

    def test_debug_logs(self, caplog: pytest.LogCaptureFixture) -> None:
        logger = logging.getLogger("test.client")
        logger.setLevel(logging.DEBUG)
        client = make_client(logger=logger)
        with caplog.at_level(logging.DEBUG, logger="test.client"):
            handshake(
                client,
                response_bytes(client, status="404 Not Found", omit=["Upgrade"]).replace(
                    b"\r\n\r\n", b"\r\nContent-Length: 2\r\n\r\nno"
                ),
            )
        messages = [r.getMessage() for r in caplog.records]
        assert "> GET /chat HTTP/1.1" in messages
        assert "> Host: example.com" in messages
        assert "< HTTP/1.1 404 Not Found" in messages
        assert "< [body] (2 bytes)" in messages


class TestResponse:
    def test_accepted(self) -> None:
        client = make_client()
        response = handshake(client, response_bytes(client))
        assert response.status_code == 101
        assert client.state is OPEN
        assert client.handshake_exc is None
        assert client.data_to_send() == []
        assert client.extensions == []
        assert client.subprotocol is None

    def test_frames_in_same_chunk(self) -> None:
        client = make_client()
        client.send_request(client.connect())
        client.receive_data(response_bytes(client) + b"\x81\x02hi")
        events = client.events_received()
        assert len(events) == 2
        assert events[1] == Frame(Opcode.TEXT, b"hi")

    def test_byte_by_byte(self) -> None:
        client = make_client()
        client.send_request(client.connect())
        for byte in response_bytes(client):
            client.receive_data(bytes([byte]))
        assert client.state is OPEN

    def test_status(self) -> None:
        client = make_client()
        data = b"HTTP/1.1 403 Forbidden\r\nContent-Length: 6\r\n\r\nnope!\n"
        response = handshake(client, data)
        assert response.status_code == 403
        assert response.body == b"nope!\n"
        assert response._exception is client.handshake_exc
        assert isinstance(client.handshake_exc, InvalidStatus)
        assert client.handshake_exc.response is response
        assert_failed_handshake(
            client, InvalidStatus, "server rejected WebSocket connection: HTTP 403"
        )

    def test_status_200_ok(self) -> None:
        client = make_client()
        handshake(client, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        assert_failed_handshake(
            client, InvalidStatus, "server rejected WebSocket connection: HTTP 200"
        )

    def test_garbage(self) -> None:
        client = make_client()
        client.send_request(client.connect())
        client.data_to_send()
        client.receive_data(b"SSH-2.0-OpenSSH\r\n\r\n")
        assert client.events_received() == []
        assert isinstance(client.handshake_exc, InvalidMessage)
        assert isinstance(client.handshake_exc.__cause__, ValueError)
        assert_failed_handshake(client, InvalidMessage, "did not receive a valid HTTP response")

    def test_eof_before_response(self) -> None:
        client = make_client()
        client.send_request(client.connect())
        client.data_to_send()
        client.receive_data(b"HTTP/1.1 101 Switching")
        client.receive_eof()
        assert isinstance(client.handshake_exc, InvalidMessage)
        assert isinstance(client.handshake_exc.__cause__, EOFError)
        assert client.data_to_send() == [SEND_EOF]
        assert client.state is CLOSED

    @pytest.mark.parametrize(
        ("omit", "extra", "message"),
        [
            (["Connection"], [], "missing Connection header"),
            (["Connection"], [("Connection", "close")], "invalid Connection header: close"),
            (["Upgrade"], [], "missing Upgrade header"),
            (["Upgrade"], [("Upgrade", "h2c")], "invalid Upgrade header: h2c"),
            (
                ["Upgrade"],
                [("Upgrade", "websocket, h2c")],
                "invalid Upgrade header: websocket, h2c",
            ),
        ],
    )
    def test_invalid_upgrade(
        self, omit: list[str], extra: list[tuple[str, str]], message: str
    ) -> None:
        client = make_client()
        handshake(client, response_bytes(client, *extra, omit=omit))
        assert_failed_handshake(client, InvalidUpgrade, message)

    def test_upgrade_case_insensitive(self) -> None:
        client = make_client()
        handshake(
            client,
            response_bytes(
                client,
                ("Upgrade", "WebSocket"),
                ("Connection", "keep-alive, UPGRADE"),
                omit=["Upgrade", "Connection"],
            ),
        )
        assert client.state is OPEN

    def test_missing_accept(self) -> None:
        client = make_client()
        handshake(client, response_bytes(client, omit=["Sec-WebSocket-Accept"]))
        assert_failed_handshake(client, InvalidHeader, "missing Sec-WebSocket-Accept header")

    def test_multiple_accept(self) -> None:
        client = make_client()
        handshake(client, response_bytes(client, ("Sec-WebSocket-Accept", "x")))
        assert_failed_handshake(
            client, InvalidHeader, "invalid Sec-WebSocket-Accept header: multiple values"
        )

    def test_wrong_accept(self) -> None:
        client = make_client()
        wrong = accept_key("dGhlIHNhbXBsZSBub25jZQ==")
        handshake(
            client,
            response_bytes(client, ("Sec-WebSocket-Accept", wrong), omit=["Sec-WebSocket-Accept"]),
        )
        assert_failed_handshake(
            client, InvalidHeaderValue, f"invalid Sec-WebSocket-Accept header: {wrong}"
        )


class OpExtension(Extension):
    def __init__(self, name: str = "x-op", params: Sequence[ExtensionParameter] = ()) -> None:
        self.name = ExtensionName(name)
        self.params = list(params)

    def encode(self, frame: Frame) -> Frame:
        return frame

    def decode(self, frame: Frame, *, max_size: int | None = None) -> Frame:
        return frame

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OpExtension) and (self.name, self.params) == (
            other.name,
            other.params,
        )


class OpFactory(ClientExtensionFactory):
    """Accepts the server's response iff its parameters match an allowed set."""

    def __init__(
        self,
        name: str = "x-op",
        params: Sequence[ExtensionParameter] = (),
        accept: Sequence[Sequence[ExtensionParameter]] | None = None,
    ) -> None:
        self.name = ExtensionName(name)
        self.params = list(params)
        self.accept = [list(p) for p in (accept if accept is not None else [params])]

    def get_request_params(self) -> Sequence[ExtensionParameter]:
        return self.params

    def process_response_params(
        self, params: Sequence[ExtensionParameter], accepted_extensions: Sequence[Extension]
    ) -> Extension:
        if list(params) not in self.accept:
            raise NegotiationError(f"unexpected params {params}")
        return OpExtension(self.name, params)


class TestExtensions:
    def test_none_selected(self) -> None:
        client = make_client(extensions=[OpFactory()])
        handshake(client, response_bytes(client))
        assert client.extensions == []

    def test_selected(self) -> None:
        client = make_client(extensions=[OpFactory()])
        handshake(client, response_bytes(client, ("Sec-WebSocket-Extensions", "x-op")))
        assert client.state is OPEN
        assert client.extensions == [OpExtension()]

    def test_several_selected_in_server_order(self) -> None:
        client = make_client(extensions=[OpFactory("x-a"), OpFactory("x-b")])
        handshake(
            client,
            response_bytes(
                client, ("Sec-WebSocket-Extensions", "x-b"), ("Sec-WebSocket-Extensions", "x-a")
            ),
        )
        assert client.extensions == [OpExtension("x-b"), OpExtension("x-a")]

    def test_first_factory_accepting_params(self) -> None:
        client = make_client(
            extensions=[OpFactory(params=[("level", "1")]), OpFactory(params=[("level", "2")])]
        )
        handshake(client, response_bytes(client, ("Sec-WebSocket-Extensions", "x-op; level=2")))
        assert client.extensions == [OpExtension("x-op", [("level", "2")])]

    def test_not_offered(self) -> None:
        client = make_client()
        handshake(client, response_bytes(client, ("Sec-WebSocket-Extensions", "x-op")))
        assert_failed_handshake(client, NegotiationError, "no extensions supported")

    def test_unsupported(self) -> None:
        client = make_client(extensions=[OpFactory()])
        handshake(client, response_bytes(client, ("Sec-WebSocket-Extensions", "x-other; a=1")))
        assert_failed_handshake(
            client, NegotiationError, "Unsupported extension: name = x-other, params = [('a', '1')]"
        )

    def test_unacceptable_params(self) -> None:
        client = make_client(extensions=[OpFactory()])
        handshake(client, response_bytes(client, ("Sec-WebSocket-Extensions", "x-op; bad")))
        assert isinstance(client.handshake_exc, NegotiationError)

    def test_factory_crashes(self, caplog: pytest.LogCaptureFixture) -> None:
        class Broken(OpFactory):
            def process_response_params(
                self, params: Sequence[ExtensionParameter], accepted: Sequence[Extension]
            ) -> Extension:
                raise ValueError("bug in extension")

        client = make_client(extensions=[Broken()])
        with caplog.at_level(logging.ERROR, logger="websockets.client"):
            handshake(client, response_bytes(client, ("Sec-WebSocket-Extensions", "x-op")))
        assert "opening handshake failed" in caplog.text
        assert isinstance(client.handshake_exc, ValueError)
        # The parser survives: EOF completes the closing of the connection.
        assert client.data_to_send() == [SEND_EOF]
        client.receive_eof()
        assert client.state is CLOSED

    def test_invalid_header(self) -> None:
        client = make_client(extensions=[OpFactory()])
        handshake(client, response_bytes(client, ("Sec-WebSocket-Extensions", "x-op;;")))
        assert isinstance(client.handshake_exc, InvalidHeaderFormat)
        assert isinstance(client.handshake_exc, InvalidHandshake)


class TestSubprotocols:
    def test_none_selected(self) -> None:
        client = make_client(subprotocols=[Subprotocol("chat")])
        handshake(client, response_bytes(client))
        assert client.subprotocol is None

    def test_selected(self) -> None:
        client = make_client(subprotocols=[Subprotocol("chat"), Subprotocol("v2")])
        handshake(client, response_bytes(client, ("Sec-WebSocket-Protocol", "v2")))
        assert client.subprotocol == "v2"

    def test_not_offered(self) -> None:
        client = make_client()
        handshake(client, response_bytes(client, ("Sec-WebSocket-Protocol", "chat")))
        assert_failed_handshake(client, NegotiationError, "no subprotocols supported")

    def test_multiple(self) -> None:
        client = make_client(subprotocols=[Subprotocol("a"), Subprotocol("b")])
        handshake(client, response_bytes(client, ("Sec-WebSocket-Protocol", "a, b")))
        assert_failed_handshake(client, NegotiationError, "multiple subprotocols: a, b")

    def test_unsupported(self) -> None:
        client = make_client(subprotocols=[Subprotocol("a")])
        handshake(client, response_bytes(client, ("Sec-WebSocket-Protocol", "z")))
        assert_failed_handshake(client, NegotiationError, "unsupported subprotocol: z")


def test_created_open() -> None:
    # Integrators that perform the handshake themselves start in OPEN.
    client = make_client(state=OPEN)
    client.receive_data(b"\x82\x01x")
    assert client.events_received() == [Frame(Opcode.BINARY, b"x")]


def test_debug_logs_accepted(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.client.ok")
    logger.setLevel(logging.DEBUG)
    client = make_client(logger=logger)
    with caplog.at_level(logging.DEBUG, logger="test.client.ok"):
        handshake(client, response_bytes(client))
    messages = [r.getMessage() for r in caplog.records]
    assert "< HTTP/1.1 101 Switching Protocols" in messages
    assert "< Upgrade: websocket" in messages
    assert not any("[body]" in m for m in messages)


def test_initial_state() -> None:
    client = make_client()
    assert client.state is CONNECTING
    assert client.handshake_exc is None
    assert isinstance(client.connect().headers, Headers)


class TestBackoff:
    def test_default_delays(self) -> None:
        delays = backoff()
        first = next(delays)
        assert 0 <= first <= BACKOFF_INITIAL_DELAY
        assert next(delays) == BACKOFF_MIN_DELAY
        assert next(delays) == pytest.approx(BACKOFF_MIN_DELAY * BACKOFF_FACTOR)
        values = [next(delays) for _ in range(20)]
        assert values[-1] == BACKOFF_MAX_DELAY
        assert all(value <= BACKOFF_MAX_DELAY for value in values)

    def test_arguments(self) -> None:
        delays = backoff(initial_delay=0, min_delay=1, max_delay=4, factor=2)
        assert [next(delays) for _ in range(6)] == [0, 1, 2, 4, 4, 4]

    def test_first_delay_is_random(self) -> None:
        with unittest.mock.patch("random.random", return_value=0.5):
            assert next(backoff(initial_delay=3)) == 1.5

    def test_min_delay_above_max_delay(self) -> None:
        delays = backoff(initial_delay=0, min_delay=5, max_delay=2)
        assert [next(delays) for _ in range(3)] == [0, 2, 2]

    def test_defaults(self) -> None:
        assert (BACKOFF_INITIAL_DELAY, BACKOFF_MIN_DELAY) == (5.0, 3.1)
        assert (BACKOFF_MAX_DELAY, BACKOFF_FACTOR) == (90.0, 1.618)
        assert MAX_REDIRECTS == 10

    def test_environment_variables(self) -> None:
        """The defaults come from the environment when the module is imported."""
        code = (
            "import websockets.client as c; "
            "print(c.BACKOFF_INITIAL_DELAY, c.BACKOFF_MIN_DELAY, "
            "c.BACKOFF_MAX_DELAY, c.BACKOFF_FACTOR, c.MAX_REDIRECTS)"
        )
        env = dict(
            os.environ,
            WEBSOCKETS_BACKOFF_INITIAL_DELAY="1",
            WEBSOCKETS_BACKOFF_MIN_DELAY="2",
            WEBSOCKETS_BACKOFF_MAX_DELAY="30",
            WEBSOCKETS_BACKOFF_FACTOR="3",
            WEBSOCKETS_MAX_REDIRECTS="4",
        )
        output = subprocess.run(
            [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
        ).stdout
        assert output.split() == ["1.0", "2.0", "30.0", "3.0", "4"]


def invalid_status(status: int, *headers: tuple[str, str]) -> InvalidStatus:
    return InvalidStatus(Response(status, "", Headers(headers)))


class TestProcessException:
    @pytest.mark.parametrize(
        "exc",
        [
            EOFError(),
            OSError(),
            ConnectionRefusedError(),
            ConnectionResetError(),
            TimeoutError(),
            invalid_status(500),
            invalid_status(502),
            invalid_status(503),
            invalid_status(504),
        ],
    )
    def test_transient(self, exc: Exception) -> None:
        assert process_exception(exc) is None

    def test_server_closed_before_answering(self) -> None:
        exc = InvalidMessage("did not receive a valid HTTP response")
        exc.__cause__ = EOFError("connection closed while reading HTTP status line")
        assert process_exception(exc) is None

    @pytest.mark.parametrize(
        "exc",
        [
            invalid_status(404),
            invalid_status(401),
            invalid_status(501),
            invalid_status(302, ("Location", "ws://example.com/")),
            InvalidMessage("did not receive a valid HTTP response"),
            InvalidProxyStatus(Response(407, "Proxy Authentication Required", Headers())),
            InvalidProxyMessage("did not receive a valid HTTP response from proxy"),
            InvalidURI("http://example.com/", "scheme isn't ws or wss"),
            SecurityError("more than 10 redirects"),
            NegotiationError("unsupported subprotocol: chat"),
            ValueError(),
            RuntimeError(),
        ],
    )
    def test_fatal(self, exc: Exception) -> None:
        assert process_exception(exc) is exc

    def test_invalid_message_with_other_cause(self) -> None:
        exc = InvalidMessage("did not receive a valid HTTP response")
        exc.__cause__ = ValueError("invalid HTTP status line")
        assert process_exception(exc) is exc


class TestFollowRedirect:
    # 300 too, when the server gives a Location, as upstream.
    @pytest.mark.parametrize("status", [300, 301, 302, 303, 307, 308])
    def test_redirect(self, status: int) -> None:
        exc = invalid_status(status, ("Location", "wss://other.example/new"))
        assert follow_redirect("ws://example.com/old", exc) == "wss://other.example/new"

    @pytest.mark.parametrize(
        ("uri", "location", "new_uri"),
        [
            ("ws://example.com/a/b", "/c", "ws://example.com/c"),
            ("ws://example.com/a/b", "c", "ws://example.com/a/c"),
            ("ws://example.com/a/b", "../c?d", "ws://example.com/c?d"),
            ("wss://example.com:8443/a", "//other.example/b", "wss://other.example/b"),
            ("ws://example.com/a?q", "?r", "ws://example.com/a?r"),
        ],
    )
    def test_relative_location(self, uri: str, location: str, new_uri: str) -> None:
        exc = invalid_status(302, ("Location", location))
        assert follow_redirect(uri, exc) == new_uri

    def test_not_invalid_status(self) -> None:
        assert follow_redirect("ws://example.com/", OSError()) is None
        assert follow_redirect("ws://example.com/", InvalidMessage("nope")) is None

    @pytest.mark.parametrize("status", [200, 304, 305, 400, 404, 503])
    def test_not_redirect_status(self, status: int) -> None:
        exc = invalid_status(status, ("Location", "ws://example.com/"))
        assert follow_redirect("ws://example.com/", exc) is None

    def test_without_location(self) -> None:
        assert follow_redirect("ws://example.com/", invalid_status(302)) is None

    def test_several_locations(self) -> None:
        exc = invalid_status(302, ("Location", "/a"), ("Location", "/b"))
        assert follow_redirect("ws://example.com/", exc) is None

    def test_secure_to_insecure(self) -> None:
        exc = invalid_status(302, ("Location", "ws://example.com/"))
        with pytest.raises(SecurityError) as raised:
            follow_redirect("wss://example.com/", exc)
        assert str(raised.value) == "cannot follow redirect to non-secure URI ws://example.com/"
        assert raised.value.__cause__ is exc

    def test_insecure_to_secure(self) -> None:
        exc = invalid_status(302, ("Location", "wss://example.com/"))
        assert follow_redirect("ws://example.com/", exc) == "wss://example.com/"

    def test_invalid_location(self) -> None:
        exc = invalid_status(302, ("Location", "https://example.com/"))
        with pytest.raises(InvalidURI) as raised:
            follow_redirect("ws://example.com/", exc)
        assert raised.value.uri == "https://example.com/"
        assert raised.value.__cause__ is exc

    def test_max_redirects(self) -> None:
        exc = invalid_status(302, ("Location", "/"))
        assert follow_redirect("ws://example.com/", exc, MAX_REDIRECTS - 1) == "ws://example.com/"
        with pytest.raises(SecurityError) as raised:
            follow_redirect("ws://example.com/", exc, MAX_REDIRECTS)
        assert str(raised.value) == f"more than {MAX_REDIRECTS} redirects"
        assert raised.value.__cause__ is exc

    def test_max_redirects_patched(self) -> None:
        exc = invalid_status(302, ("Location", "/"))
        with (
            unittest.mock.patch("websockets.client.MAX_REDIRECTS", 0),
            pytest.raises(SecurityError, match="more than 0 redirects"),
        ):
            follow_redirect("ws://example.com/", exc)
        assert follow_redirect("ws://example.com/", invalid_status(404), MAX_REDIRECTS) is None

    def test_redirect_statuses(self) -> None:
        assert frozenset({300, 301, 302, 303, 307, 308}) == REDIRECT_STATUSES

    def test_max_redirects_argument(self) -> None:
        """I/O layers pass the limit of their own module."""
        exc = invalid_status(302, ("Location", "/"))
        assert follow_redirect("ws://example.com/", exc, 1, max_redirects=2) == "ws://example.com/"
        with pytest.raises(SecurityError) as raised:
            follow_redirect("ws://example.com/", exc, 2, max_redirects=2)
        assert str(raised.value) == "more than 2 redirects"
        with (
            unittest.mock.patch("websockets.client.MAX_REDIRECTS", 0),
            pytest.raises(SecurityError, match="more than 0 redirects"),
        ):
            follow_redirect("ws://example.com/", exc, 0, max_redirects=None)

    @pytest.mark.parametrize(
        ("location", "new_uri"),
        [
            ("//other.example/b", "ws://other.example/b"),
            ("ws://other.example/b", "ws://other.example/b"),
            ("wss://example.com/b", "wss://example.com/b"),
            ("ws://example.com:8080/b", "ws://example.com:8080/b"),
        ],
    )
    def test_user_info_not_carried_to_other_origin(self, location: str, new_uri: str) -> None:
        exc = invalid_status(302, ("Location", location))
        assert follow_redirect("ws://user:pass@example.com/a", exc) == new_uri

    def test_user_info_kept_on_same_origin(self) -> None:
        exc = invalid_status(302, ("Location", "/b"))
        assert (
            follow_redirect("ws://user:pass@example.com/a", exc) == "ws://user:pass@example.com/b"
        )

    def test_user_info_of_location_used(self) -> None:
        exc = invalid_status(302, ("Location", "ws://other:secret@other.example/"))
        new_uri = follow_redirect("ws://user:pass@example.com/", exc)
        assert new_uri == "ws://other:secret@other.example/"


class TestSameOrigin:
    @pytest.mark.parametrize(
        ("uri", "other_uri"),
        [
            ("ws://example.com/a", "ws://example.com/b?c"),
            ("ws://example.com/", "ws://example.com:80/"),
            ("wss://example.com/", "wss://example.com:443/"),
            ("ws://EXAMPLE.com/", "ws://example.COM/"),
            ("ws://user:pass@example.com/", "ws://example.com/"),
            ("ws://[::1]:8080/", "ws://[::1]:8080/"),
            ("ws://\u00e9t\u00e9.fr/", "ws://xn--t-9fab.fr/"),
        ],
    )
    def test_same(self, uri: str, other_uri: str) -> None:
        assert same_origin(uri, other_uri)
        assert same_origin(other_uri, uri)

    @pytest.mark.parametrize(
        ("uri", "other_uri"),
        [
            ("ws://example.com/", "wss://example.com/"),
            ("ws://example.com/", "ws://other.example/"),
            ("ws://example.com/", "ws://example.com:8080/"),
            ("ws://example.com:443/", "wss://example.com/"),
            ("ws://example.com/", "ws://sub.example.com/"),
        ],
    )
    def test_different(self, uri: str, other_uri: str) -> None:
        assert not same_origin(uri, other_uri)
        assert not same_origin(other_uri, uri)

    def test_invalid_uri(self) -> None:
        with pytest.raises(InvalidURI):
            same_origin("ws://example.com/", "https://example.com/")


CREDENTIALS = [
    ("Authorization", "Bearer token"),
    ("X-Trace", "1"),
    ("cookie", "session=1"),
    ("PROXY-AUTHORIZATION", "Basic dXNlcjpwYXNz"),
    ("Cookie", "theme=dark"),
    ("X-Trace", "2"),
]


@pytest.mark.parametrize(
    ("uri", "logged"),
    [
        ("ws://example.com/a?b", "ws://example.com/a?b"),
        ("ws://alice:hunter2@example.com:8080/a", "ws://example.com:8080/a"),
        ("wss://al%40ice:p%3Aw@[::1]/", "wss://[::1]/"),
    ],
)
def test_uri_for_log(uri: str, logged: str) -> None:
    assert uri_for_log(uri) == logged


class TestRedirectHeaders:
    def test_same_origin_keeps_headers(self) -> None:
        headers = Headers(CREDENTIALS)
        assert redirect_headers("ws://example.com/a", "ws://example.com:80/b", headers) is headers

    @pytest.mark.parametrize(
        "new_uri",
        ["wss://example.com/", "ws://other.example/", "ws://example.com:8080/"],
    )
    def test_other_origin_drops_credentials(self, new_uri: str) -> None:
        headers = redirect_headers("ws://example.com/", new_uri, Headers(CREDENTIALS))
        assert isinstance(headers, Headers)
        assert list(headers.raw_items()) == [("X-Trace", "1"), ("X-Trace", "2")]

    @pytest.mark.parametrize(
        "headers",
        [CREDENTIALS, dict(CREDENTIALS), Headers(CREDENTIALS)],
        ids=["list", "dict", "Headers"],
    )
    def test_any_headers_like(self, headers: HeadersLike) -> None:
        new_headers = redirect_headers("ws://example.com/", "ws://other.example/", headers)
        assert new_headers is not None
        names = {name.lower() for name, _ in Headers(new_headers).raw_items()}
        assert names == {"x-trace"}

    def test_original_unchanged(self) -> None:
        headers = Headers(CREDENTIALS)
        redirect_headers("ws://example.com/", "ws://other.example/", headers)
        assert list(headers.raw_items()) == CREDENTIALS

    def test_no_headers(self) -> None:
        assert redirect_headers("ws://example.com/", "ws://other.example/", None) is None

    def test_only_credentials(self) -> None:
        headers = redirect_headers(
            "ws://example.com/", "ws://other.example/", [("Authorization", "Bearer token")]
        )
        assert headers == Headers()


def test_open_connection_parses_frames_without_nested_generators() -> None:
    # An idle connection keeps only the frame parser, waiting on its own:
    # no handshake parser around it, no generator inside it.
    client = make_client()
    handshake(client, response_bytes(client))
    assert_parses_with_one_generator(client, b"\x82\x01x")


def test_client_connection_is_deprecated_alias() -> None:
    import websockets.client

    # The old name is kept out of __all__, and importing it doesn't warn.
    assert "ClientConnection" not in websockets.client.__all__
    from websockets.client import ClientConnection

    with pytest.warns(DeprecationWarning, match="^ClientConnection was renamed to ClientProtocol$"):
        client = ClientConnection(parse_uri("ws://example.com/"))
    assert isinstance(client, ClientProtocol)
    assert client.state is CONNECTING
