"""Tests for websockets.server: the server side of the opening handshake."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import pytest

from websockets.exceptions import (
    InvalidHeader,
    InvalidHeaderValue,
    InvalidMessage,
    InvalidMethod,
    InvalidOrigin,
    InvalidProtocol,
    InvalidStatus,
    InvalidUpgrade,
    NegotiationError,
)
from websockets.extensions import Extension, ServerExtensionFactory
from websockets.frames import Frame, Opcode
from websockets.http11 import Request, Response
from websockets.protocol import CLOSED, CONNECTING, OPEN, SEND_EOF
from websockets.server import ServerProtocol
from websockets.typing import ExtensionName, ExtensionParameter, Origin, Subprotocol

from .parsing import assert_parses_with_one_generator

KEY = "dGhlIHNhbXBsZSBub25jZQ=="  # RFC 6455 1.3


def request_bytes(
    *extra: tuple[str, str],
    omit: Sequence[str] = (),
    request_line: str = "GET /chat HTTP/1.1",
) -> bytes:
    headers = [
        ("Host", "server.example.com"),
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Key", KEY),
        ("Sec-WebSocket-Version", "13"),
    ]
    headers = [(k, v) for k, v in headers if k not in omit] + list(extra)
    lines = [request_line] + [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def receive_request(server: ServerProtocol, data: bytes) -> Request:
    server.receive_data(data)
    (request,) = server.events_received()
    assert isinstance(request, Request)
    return request


def accept(server: ServerProtocol, data: bytes) -> Response:
    response = server.accept(receive_request(server, data))
    server.send_response(response)
    return response


def assert_rejected(
    server: ServerProtocol,
    data: bytes,
    status: int,
    exc_type: type[Exception],
    message: str,
) -> Response:
    response = accept(server, data)
    assert response.status_code == status
    assert isinstance(server.handshake_exc, exc_type)
    assert str(server.handshake_exc) == message
    assert response.body.startswith(f"Failed to open a WebSocket connection: {message}.\n".encode())
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Connection"] == "close"
    assert int(response.headers["Content-Length"]) == len(response.body)
    written = server.data_to_send()
    assert written == [response.serialize(), SEND_EOF]
    assert server.close_expected()
    server.receive_eof()
    assert server.state is CLOSED
    return response


class TestAccept:
    def test_rfc_example(self) -> None:
        server = ServerProtocol()
        response = accept(server, request_bytes())
        assert response.status_code == 101
        assert response.reason_phrase == "Switching Protocols"
        # RFC 6455 1.3's example key and accept value.
        assert response.headers["Sec-WebSocket-Accept"] == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        assert response.headers["Upgrade"] == "websocket"
        assert response.headers["Connection"] == "Upgrade"
        assert "Date" in response.headers
        assert "Sec-WebSocket-Extensions" not in response.headers
        assert "Sec-WebSocket-Protocol" not in response.headers
        assert server.state is OPEN
        assert server.handshake_exc is None
        assert server.data_to_send() == [response.serialize()]
        assert not server.close_expected()

    def test_initial_state(self) -> None:
        server = ServerProtocol()
        assert server.state is CONNECTING
        assert server.origin is None and server.subprotocol is None

    def test_byte_by_byte(self) -> None:
        server = ServerProtocol()
        data = request_bytes()
        for i in range(len(data) - 1):
            server.receive_data(data[i : i + 1])
            assert server.events_received() == []
        server.receive_data(data[-1:])
        assert len(server.events_received()) == 1

    def test_case_insensitive_tokens(self) -> None:
        server = ServerProtocol()
        data = request_bytes(
            ("Upgrade", "WebSocket"),
            ("Connection", "keep-alive, upgrade"),
            omit=["Upgrade", "Connection"],
        )
        assert accept(server, data).status_code == 101

    def test_frames_sent_with_request(self) -> None:
        # Frames that arrive before the response are parsed once it's sent,
        # and pings aren't answered before the 101 response.
        server = ServerProtocol()
        ping = b"\x89\x80" + b"\x00\x00\x00\x00"
        text = b"\x81\x82" + b"\x00\x00\x00\x00" + b"hi"
        request = receive_request(server, request_bytes() + ping + text)
        assert server.data_to_send() == []
        response = server.accept(request)
        server.send_response(response)
        assert server.events_received() == [Frame(Opcode.PING, b""), Frame(Opcode.TEXT, b"hi")]
        assert server.data_to_send() == [response.serialize(), b"\x8a\x00"]

    def test_logs(self, caplog: pytest.LogCaptureFixture) -> None:
        logger = logging.getLogger("test.server")
        logger.setLevel(logging.DEBUG)
        server = ServerProtocol(logger=logger)
        with caplog.at_level(logging.DEBUG, logger="test.server"):
            accept(server, request_bytes())
        messages = [r.getMessage() for r in caplog.records]
        assert "< GET /chat HTTP/1.1" in messages
        assert "< Sec-WebSocket-Version: 13" in messages
        assert "> HTTP/1.1 101 Switching Protocols" in messages
        assert "connection open" in messages


class TestReject:
    def test_bad_request_syntax(self) -> None:
        server = ServerProtocol()
        server.receive_data(b"GET / HTTP/1.1\r\nno colon here\r\n\r\n")
        assert server.events_received() == []
        assert isinstance(server.handshake_exc, InvalidMessage)
        (data, eof) = server.data_to_send()
        assert data.startswith(b"HTTP/1.1 400 Bad Request\r\n")
        assert eof == SEND_EOF
        server.receive_eof()
        assert server.state is CLOSED

    def test_junk_request_line(self) -> None:
        # Upstream closes without a response; this server says why.
        server = ServerProtocol()
        server.receive_data(b"HELO relay.invalid\r\n\r\n")
        assert server.events_received() == []
        assert isinstance(server.handshake_exc, InvalidMessage)
        assert (
            str(server.handshake_exc.__cause__) == "invalid HTTP request line: HELO relay.invalid"
        )
        (data, eof) = server.data_to_send()
        assert data.startswith(b"HTTP/1.1 400 Bad Request\r\n")
        assert data.endswith(b"invalid HTTP request line: HELO relay.invalid.\n")
        assert eof == SEND_EOF

    def test_http_2_0_request_line(self) -> None:
        # Request.parse rejects it, as upstream's does.
        server = ServerProtocol()
        server.receive_data(request_bytes(request_line="GET /chat HTTP/2.0"))
        assert server.events_received() == []
        assert isinstance(server.handshake_exc, InvalidMessage)
        assert str(server.handshake_exc.__cause__) == (
            "unsupported protocol; expected HTTP/1.1 or HTTP/1.0: GET /chat HTTP/2.0"
        )
        (data, eof) = server.data_to_send()
        assert data.startswith(b"HTTP/1.1 400 Bad Request\r\n")
        assert eof == SEND_EOF

    def test_bare_lf(self) -> None:
        # Like upstream, a line ending with a bare LF counts as incomplete:
        # the server closes the connection without answering.
        server = ServerProtocol()
        server.receive_data(b"GET /chat HTTP/1.1\nHost: a\n\n")
        assert isinstance(server.handshake_exc, InvalidMessage)
        assert isinstance(server.handshake_exc.__cause__, EOFError)
        assert server.data_to_send() == [SEND_EOF]

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            (b"HELO relay.invalid\r\n\r\n", "! no valid HTTP request"),
            (b"GET /" + b"a" * 9000, "! request line too long"),
            (request_bytes(("X-Big", "b" * 9000)), "! header fields too large"),
            (request_bytes(*[("X-Header", "x")] * 200), "! header fields too large"),
        ],
    )
    def test_unparsable_request_logged(
        self, data: bytes, message: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        # Same debug messages as upstream, with the exception.
        logger = logging.getLogger("test.server.unparsable")
        logger.setLevel(logging.DEBUG)
        with caplog.at_level(logging.DEBUG, logger="test.server.unparsable"):
            ServerProtocol(logger=logger).receive_data(data)
        (record,) = [r for r in caplog.records if r.getMessage().startswith("!")]
        assert record.getMessage() == message
        assert record.levelno == logging.DEBUG
        assert record.exc_info is not None
        # The response is logged like any other.
        assert any(r.getMessage().startswith("> HTTP/1.1 4") for r in caplog.records)

    def test_eof_logged(self, caplog: pytest.LogCaptureFixture) -> None:
        logger = logging.getLogger("test.server.eof")
        logger.setLevel(logging.DEBUG)
        server = ServerProtocol(logger=logger)
        with caplog.at_level(logging.DEBUG, logger="test.server.eof"):
            server.receive_data(b"GET / HTTP/1.1\r\n")
            server.receive_eof()
        messages = [r.getMessage() for r in caplog.records]
        assert "! no valid HTTP request" in messages

    def test_request_line_too_long(self) -> None:
        server = ServerProtocol()
        server.receive_data(b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n\r\n")
        (data, _) = server.data_to_send()
        assert data.startswith(b"HTTP/1.1 414 Request-URI Too Long\r\n")

    def test_header_line_too_long(self) -> None:
        server = ServerProtocol()
        server.receive_data(request_bytes(("X-Big", "b" * 9000)))
        (data, _) = server.data_to_send()
        assert data.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n")

    def test_too_many_headers(self) -> None:
        server = ServerProtocol()
        server.receive_data(request_bytes(*[("X-Header", "x")] * 200))
        (data, _) = server.data_to_send()
        assert data.startswith(b"HTTP/1.1 431 ")

    def test_eof_before_request(self) -> None:
        server = ServerProtocol()
        server.receive_data(b"GET / HTTP/1.1\r\n")
        server.receive_eof()
        assert isinstance(server.handshake_exc, InvalidMessage)
        # Nobody to answer: just close.
        assert server.data_to_send() == [SEND_EOF]
        assert server.state is CLOSED

    def test_method(self) -> None:
        response = assert_rejected(
            ServerProtocol(),
            request_bytes(request_line="POST /chat HTTP/1.1"),
            405,
            InvalidMethod,
            "unsupported HTTP method: POST",
        )
        assert response.headers["Allow"] == "GET"

    def test_protocol(self) -> None:
        assert_rejected(
            ServerProtocol(),
            request_bytes(request_line="GET /chat HTTP/1.0"),
            505,
            InvalidProtocol,
            "unsupported HTTP version: HTTP/1.0",
        )

    def test_missing_host(self) -> None:
        assert_rejected(
            ServerProtocol(),
            request_bytes(omit=["Host"]),
            400,
            InvalidHeader,
            "missing Host header",
        )

    def test_multiple_hosts(self) -> None:
        assert_rejected(
            ServerProtocol(),
            request_bytes(("Host", "other")),
            400,
            InvalidHeader,
            "invalid Host header: multiple values",
        )

    @pytest.mark.parametrize(
        ("omit", "extra", "message"),
        [
            (["Connection"], [], "missing Connection header"),
            (
                ["Connection"],
                [("Connection", "keep-alive")],
                "invalid Connection header: keep-alive",
            ),
            (["Upgrade"], [], "missing Upgrade header"),
            (["Upgrade"], [("Upgrade", "h2c")], "invalid Upgrade header: h2c"),
        ],
    )
    def test_upgrade(self, omit: list[str], extra: list[tuple[str, str]], message: str) -> None:
        response = assert_rejected(
            ServerProtocol(), request_bytes(*extra, omit=omit), 426, InvalidUpgrade, message
        )
        assert response.headers["Upgrade"] == "websocket"
        assert b"You cannot access a WebSocket server directly with a browser" in response.body

    def test_missing_key(self) -> None:
        assert_rejected(
            ServerProtocol(),
            request_bytes(omit=["Sec-WebSocket-Key"]),
            400,
            InvalidHeader,
            "missing Sec-WebSocket-Key header",
        )

    def test_multiple_keys(self) -> None:
        assert_rejected(
            ServerProtocol(),
            request_bytes(("Sec-WebSocket-Key", KEY)),
            400,
            InvalidHeader,
            "invalid Sec-WebSocket-Key header: multiple values",
        )

    @pytest.mark.parametrize("key", ["not base64!", "c2hvcnQ=", "AAAAAAAAAAAAAAAAAAAAAAAA", "é"])
    def test_invalid_key(self, key: str) -> None:
        server = ServerProtocol()
        request = receive_request(server, request_bytes(omit=["Sec-WebSocket-Key"]))
        request.headers["Sec-WebSocket-Key"] = key
        response = server.accept(request)
        assert response.status_code == 400
        assert isinstance(server.handshake_exc, InvalidHeaderValue)
        assert str(server.handshake_exc) == f"invalid Sec-WebSocket-Key header: {key}"

    @pytest.mark.parametrize("version", ["8", "13, 8", "14"])
    def test_unsupported_version(self, version: str) -> None:
        response = assert_rejected(
            ServerProtocol(),
            request_bytes(("Sec-WebSocket-Version", version), omit=["Sec-WebSocket-Version"]),
            426,
            InvalidHeaderValue,
            f"invalid Sec-WebSocket-Version header: {version}",
        )
        # RFC 6455 4.2.2: advertise the supported version.
        assert response.headers["Sec-WebSocket-Version"] == "13"

    def test_missing_version(self) -> None:
        response = assert_rejected(
            ServerProtocol(),
            request_bytes(omit=["Sec-WebSocket-Version"]),
            426,
            InvalidHeader,
            "missing Sec-WebSocket-Version header",
        )
        assert response.headers["Sec-WebSocket-Version"] == "13"

    def test_reject_by_application(self) -> None:
        server = ServerProtocol()
        receive_request(server, request_bytes())
        response = server.reject(401, "Who are you?\n")
        assert response.status_code == 401
        assert response.reason_phrase == "Unauthorized"
        assert response.body == b"Who are you?\n"
        assert isinstance(server.handshake_exc, InvalidStatus)
        server.send_response(response)
        assert server.data_to_send() == [response.serialize(), SEND_EOF]

    def test_rejection_logged(self, caplog: pytest.LogCaptureFixture) -> None:
        with caplog.at_level(logging.INFO, logger="websockets.server"):
            accept(ServerProtocol(), request_bytes(omit=["Upgrade"]))
        assert [record.getMessage() for record in caplog.records] == [
            "connection rejected (426 Upgrade Required)"
        ]

    def test_http_response_logged(self, caplog: pytest.LogCaptureFixture) -> None:
        # A response made without accept(), e.g. by process_request, isn't a
        # rejected WebSocket handshake; upstream logs it the same way.
        server = ServerProtocol()
        receive_request(server, request_bytes())
        with caplog.at_level(logging.INFO, logger="websockets.server"):
            server.send_response(server.reject(200, "OK\n"))
        assert [record.getMessage() for record in caplog.records] == ["HTTP response sent (200 OK)"]

    def test_unparsable_request_rejection_logged(self, caplog: pytest.LogCaptureFixture) -> None:
        server = ServerProtocol()
        with caplog.at_level(logging.INFO, logger="websockets.server"):
            server.receive_data(b"HELO relay.invalid\r\n\r\n")
        assert [record.getMessage() for record in caplog.records] == [
            "connection rejected (400 Bad Request)"
        ]


class TestOrigin:
    def test_any_origin_by_default(self) -> None:
        server = ServerProtocol()
        accept(server, request_bytes(("Origin", "https://evil.example")))
        assert server.state is OPEN
        assert server.origin == "https://evil.example"

    def test_allowed(self) -> None:
        server = ServerProtocol(origins=[Origin("https://a.example"), Origin("https://b.example")])
        accept(server, request_bytes(("Origin", "https://b.example")))
        assert server.state is OPEN

    def test_regex(self) -> None:
        origins = [re.compile(r"https://[a-z]+\.example")]
        server = ServerProtocol(origins=origins)
        accept(server, request_bytes(("Origin", "https://abc.example")))
        assert server.state is OPEN
        # fullmatch: a prefix isn't enough.
        assert_rejected(
            ServerProtocol(origins=origins),
            request_bytes(("Origin", "https://abc.example.evil")),
            403,
            InvalidOrigin,
            "invalid Origin header: https://abc.example.evil",
        )

    def test_not_allowed(self) -> None:
        assert_rejected(
            ServerProtocol(origins=[Origin("https://a.example")]),
            request_bytes(("Origin", "https://evil.example")),
            403,
            InvalidOrigin,
            "invalid Origin header: https://evil.example",
        )

    def test_missing_not_allowed(self) -> None:
        assert_rejected(
            ServerProtocol(origins=[Origin("https://a.example")]),
            request_bytes(),
            403,
            InvalidOrigin,
            "missing Origin header",
        )

    def test_missing_allowed_with_none(self) -> None:
        server = ServerProtocol(origins=[None])
        accept(server, request_bytes())
        assert server.state is OPEN
        assert server.origin is None

    def test_multiple(self) -> None:
        assert_rejected(
            ServerProtocol(),
            request_bytes(("Origin", "https://a.example"), ("Origin", "https://b.example")),
            400,
            InvalidHeader,
            "invalid Origin header: multiple values",
        )


class OpExtension(Extension):
    def __init__(self, name: str, params: Sequence[ExtensionParameter]) -> None:
        self.name = ExtensionName(name)
        self.params = list(params)

    def encode(self, frame: Frame) -> Frame:
        return frame

    def decode(self, frame: Frame, *, max_size: int | None = None) -> Frame:
        return frame


class OpFactory(ServerExtensionFactory):
    """Accepts offers whose parameters are all named ``ok``; once only."""

    def __init__(self, name: str = "x-op") -> None:
        self.name = ExtensionName(name)

    def process_request_params(
        self,
        params: Sequence[ExtensionParameter],
        accepted_extensions: Sequence[Extension],
    ) -> tuple[list[ExtensionParameter], Extension]:
        if any(name != "ok" for name, _ in params):
            raise NegotiationError("unsupported params")
        if any(ext.name == self.name for ext in accepted_extensions):
            raise NegotiationError("duplicate")
        return list(params), OpExtension(self.name, params)


class TestExtensions:
    def test_none_offered(self) -> None:
        server = ServerProtocol(extensions=[OpFactory()])
        response = accept(server, request_bytes())
        assert "Sec-WebSocket-Extensions" not in response.headers
        assert server.extensions == []

    def test_not_supported(self) -> None:
        server = ServerProtocol()
        response = accept(server, request_bytes(("Sec-WebSocket-Extensions", "x-op")))
        assert response.status_code == 101
        assert "Sec-WebSocket-Extensions" not in response.headers

    def test_accepted(self) -> None:
        server = ServerProtocol(extensions=[OpFactory()])
        response = accept(server, request_bytes(("Sec-WebSocket-Extensions", "x-op; ok=1")))
        assert response.headers["Sec-WebSocket-Extensions"] == "x-op; ok=1"
        assert [e.name for e in server.extensions] == ["x-op"]

    def test_first_acceptable_offer(self) -> None:
        server = ServerProtocol(extensions=[OpFactory()])
        response = accept(
            server,
            request_bytes(("Sec-WebSocket-Extensions", "x-op; bad, x-op; ok=2, x-op; ok=3")),
        )
        assert response.headers["Sec-WebSocket-Extensions"] == "x-op; ok=2"
        assert len(server.extensions) == 1

    def test_several_extensions(self) -> None:
        server = ServerProtocol(extensions=[OpFactory("x-a"), OpFactory("x-b")])
        response = accept(
            server,
            request_bytes(
                ("Sec-WebSocket-Extensions", "x-b"), ("Sec-WebSocket-Extensions", "x-c, x-a")
            ),
        )
        assert response.headers["Sec-WebSocket-Extensions"] == "x-b, x-a"
        assert [e.name for e in server.extensions] == ["x-b", "x-a"]

    def test_invalid_header(self) -> None:
        server = ServerProtocol(extensions=[OpFactory()])
        response = accept(server, request_bytes(("Sec-WebSocket-Extensions", "x-op; =")))
        assert response.status_code == 400


class TestSubprotocols:
    def test_not_supported(self) -> None:
        server = ServerProtocol()
        response = accept(server, request_bytes(("Sec-WebSocket-Protocol", "chat")))
        assert response.status_code == 101
        assert server.subprotocol is None
        assert "Sec-WebSocket-Protocol" not in response.headers

    def test_server_preference(self) -> None:
        server = ServerProtocol(subprotocols=[Subprotocol("v2"), Subprotocol("v1")])
        response = accept(server, request_bytes(("Sec-WebSocket-Protocol", "v1, v2")))
        assert response.headers["Sec-WebSocket-Protocol"] == "v2"
        assert server.subprotocol == "v2"

    def test_missing(self) -> None:
        assert_rejected(
            ServerProtocol(subprotocols=[Subprotocol("chat")]),
            request_bytes(),
            400,
            NegotiationError,
            "missing subprotocol",
        )

    def test_no_common(self) -> None:
        assert_rejected(
            ServerProtocol(subprotocols=[Subprotocol("a"), Subprotocol("b")]),
            request_bytes(("Sec-WebSocket-Protocol", "c")),
            400,
            NegotiationError,
            "invalid subprotocol; expected one of a, b",
        )

    def test_custom_select(self) -> None:
        def select(
            protocol: ServerProtocol, subprotocols: Sequence[Subprotocol]
        ) -> Subprotocol | None:
            assert isinstance(protocol, ServerProtocol)
            return subprotocols[-1] if subprotocols else None

        server = ServerProtocol(subprotocols=[Subprotocol("a")], select_subprotocol=select)
        response = accept(server, request_bytes(("Sec-WebSocket-Protocol", "a, z")))
        assert response.headers["Sec-WebSocket-Protocol"] == "z"
        server = ServerProtocol(subprotocols=[Subprotocol("a")], select_subprotocol=select)
        accept(server, request_bytes())
        assert server.state is OPEN and server.subprotocol is None

    def test_custom_select_crashes(self, caplog: pytest.LogCaptureFixture) -> None:
        def select(
            protocol: ServerProtocol, subprotocols: Sequence[Subprotocol]
        ) -> Subprotocol | None:
            raise RuntimeError("boom")

        server = ServerProtocol(select_subprotocol=select)
        with caplog.at_level(logging.ERROR, logger="websockets.server"):
            response = accept(server, request_bytes())
        assert response.status_code == 500
        assert b"See server log" in response.body
        assert isinstance(server.handshake_exc, RuntimeError)
        assert "opening handshake failed" in caplog.text

    def test_subprotocols_as_str(self) -> None:
        with pytest.raises(TypeError):
            ServerProtocol(subprotocols="chat")  # type: ignore[arg-type]


def test_created_open() -> None:
    # Integrators that perform the handshake themselves start in OPEN.
    server = ServerProtocol(state=OPEN)
    server.receive_data(b"\x82\x81\x00\x00\x00\x00x")
    assert server.events_received() == [Frame(Opcode.BINARY, b"x")]


def test_debug_logs_rejection(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.server.reject")
    logger.setLevel(logging.DEBUG)
    server = ServerProtocol(logger=logger)
    with caplog.at_level(logging.DEBUG, logger="test.server.reject"):
        accept(server, request_bytes(omit=["Sec-WebSocket-Key"]))
    messages = [r.getMessage() for r in caplog.records]
    assert "! invalid handshake request: missing Sec-WebSocket-Key header" in messages
    assert "> HTTP/1.1 400 Bad Request" in messages
    assert any(m.startswith("> [body] (") for m in messages)


def test_origins_none_then_string() -> None:
    server = ServerProtocol(origins=[None, Origin("https://a.example")])
    accept(server, request_bytes(("Origin", "https://a.example")))
    assert server.state is OPEN


def test_open_connection_parses_frames_without_nested_generators() -> None:
    # An idle connection keeps only the frame parser, waiting on its own:
    # no handshake parser around it, no generator inside it.
    server = ServerProtocol()
    accept(server, request_bytes())
    assert_parses_with_one_generator(server, b"\x82\x81\x00\x00\x00\x00x")


def test_server_connection_is_deprecated_alias() -> None:
    import websockets.server

    # The old name is kept out of __all__, and importing it doesn't warn.
    assert "ServerConnection" not in websockets.server.__all__
    from websockets.server import ServerConnection

    with pytest.warns(DeprecationWarning, match="^ServerConnection was renamed to ServerProtocol$"):
        server = ServerConnection()
    assert isinstance(server, ServerProtocol)
    accept(server, request_bytes())
    assert server.state is OPEN
