"""Tests for websockets.exceptions."""

from __future__ import annotations

import pytest

from websockets import exceptions
from websockets.datastructures import Headers
from websockets.exceptions import (
    ConcurrencyError,
    ConnectionClosed,
    ConnectionClosedError,
    ConnectionClosedOK,
    DuplicateParameter,
    HeaderLineTooLong,
    InvalidHandshake,
    InvalidHeader,
    InvalidHeaderFormat,
    InvalidHeaderValue,
    InvalidMessage,
    InvalidMethod,
    InvalidOrigin,
    InvalidParameterName,
    InvalidParameterValue,
    InvalidProtocol,
    InvalidProxy,
    InvalidProxyMessage,
    InvalidProxyStatus,
    InvalidState,
    InvalidStatus,
    InvalidUpgrade,
    InvalidURI,
    NegotiationError,
    PayloadTooBig,
    ProtocolError,
    ProxyError,
    RequestLineTooLong,
    SecurityError,
    StatusLineTooLong,
    TooManyFragments,
    TooManyHeaders,
    WebSocketException,
)
from websockets.frames import Close, CloseCode
from websockets.http11 import Response

__all__: list[str] = []


OK = Close(CloseCode.NORMAL_CLOSURE, "")
GOING_AWAY = Close(CloseCode.GOING_AWAY, "bye")
NO_STATUS = Close(CloseCode.NO_STATUS_RCVD, "")

# Every exception with constructor arguments, and its str().
STR_CASES: list[tuple[WebSocketException, str]] = [
    (WebSocketException("something happened"), "something happened"),
    (ConnectionClosed(None, None), "no close frame received or sent"),
    (ConnectionClosedOK(OK, OK, True), "received 1000 (OK); then sent 1000 (OK)"),
    (
        ConnectionClosedError(None, Close(CloseCode.INTERNAL_ERROR, "")),
        "sent 1011 (internal error); no close frame received",
    ),
    (
        InvalidURI("http://example.com/", "scheme isn't ws or wss"),
        "http://example.com/ isn't a valid URI: scheme isn't ws or wss",
    ),
    (
        InvalidProxy("ftp://proxy/", "scheme ftp isn't supported"),
        "ftp://proxy/ isn't a valid proxy: scheme ftp isn't supported",
    ),
    (InvalidHandshake("handshake failed"), "handshake failed"),
    (SecurityError("body too large"), "body too large"),
    (RequestLineTooLong("request line too long"), "request line too long"),
    (StatusLineTooLong("status line too long"), "status line too long"),
    (HeaderLineTooLong("header line too long"), "header line too long"),
    (TooManyHeaders("too many HTTP headers"), "too many HTTP headers"),
    (ProxyError("failed to connect to the proxy"), "failed to connect to the proxy"),
    (
        InvalidProxyMessage("did not receive a valid HTTP response from proxy"),
        "did not receive a valid HTTP response from proxy",
    ),
    (
        InvalidProxyStatus(Response(407, "Proxy Authentication Required", Headers())),
        "proxy rejected connection: HTTP 407",
    ),
    (
        InvalidMessage("did not receive a valid HTTP request"),
        "did not receive a valid HTTP request",
    ),
    (InvalidMethod("POST"), "unsupported HTTP method: POST"),
    (InvalidProtocol("HTTP/1.0"), "unsupported HTTP version: HTTP/1.0"),
    (
        InvalidStatus(Response(403, "Forbidden", Headers())),
        "server rejected WebSocket connection: HTTP 403",
    ),
    (InvalidHeader("Sec-WebSocket-Key"), "missing Sec-WebSocket-Key header"),
    (InvalidHeader("Sec-WebSocket-Key", ""), "empty Sec-WebSocket-Key header"),
    (InvalidHeader("Sec-WebSocket-Key", "spam"), "invalid Sec-WebSocket-Key header: spam"),
    (
        InvalidHeaderFormat("Sec-WebSocket-Protocol", "expected token", "a;b", 1),
        "invalid Sec-WebSocket-Protocol header: expected token at 1 in a;b",
    ),
    (InvalidHeaderValue("Sec-WebSocket-Version", "12"), "invalid Sec-WebSocket-Version header: 12"),
    (InvalidOrigin(None), "missing Origin header"),
    (InvalidOrigin(""), "empty Origin header"),
    (InvalidOrigin("https://evil.example"), "invalid Origin header: https://evil.example"),
    (InvalidUpgrade("Upgrade"), "missing Upgrade header"),
    (InvalidUpgrade("Connection", "close"), "invalid Connection header: close"),
    (NegotiationError("unsupported subprotocol: chat"), "unsupported subprotocol: chat"),
    (DuplicateParameter("client_max_window_bits"), "duplicate parameter: client_max_window_bits"),
    (InvalidParameterName("spam"), "invalid parameter name: spam"),
    (
        InvalidParameterValue("server_max_window_bits", None),
        "missing value for parameter server_max_window_bits",
    ),
    (
        InvalidParameterValue("server_max_window_bits", ""),
        "empty value for parameter server_max_window_bits",
    ),
    (
        InvalidParameterValue("server_max_window_bits", "7"),
        "invalid value for parameter server_max_window_bits: 7",
    ),
    (ProtocolError("invalid opcode: 0x3"), "invalid opcode: 0x3"),
    (PayloadTooBig(2000, 1000), "frame with 2000 bytes exceeds limit of 1000 bytes"),
    (TooManyFragments(4096), "fragmented message exceeds limit of 4096 frames"),
    (InvalidState("connection is closed"), "connection is closed"),
    (
        ConcurrencyError("cannot call recv while another coroutine is already running recv"),
        "cannot call recv while another coroutine is already running recv",
    ),
]


@pytest.mark.parametrize(
    ("exception", "expected"),
    STR_CASES,
    ids=[f"{type(exc).__name__}-{i}" for i, (exc, _) in enumerate(STR_CASES)],
)
def test_str(exception: WebSocketException, expected: str) -> None:
    assert str(exception) == expected


def test_every_exception_has_a_str_case() -> None:
    tested = {type(exc).__name__ for exc, _ in STR_CASES}
    assert tested == set(exceptions.__all__)


# Each class and its direct parents, as documented in the module.
HIERARCHY: list[tuple[type[Exception], tuple[type[BaseException], ...]]] = [
    (WebSocketException, (Exception,)),
    (ConnectionClosed, (WebSocketException,)),
    (ConnectionClosedOK, (ConnectionClosed,)),
    (ConnectionClosedError, (ConnectionClosed,)),
    (InvalidURI, (WebSocketException,)),
    (InvalidProxy, (WebSocketException,)),
    (InvalidHandshake, (WebSocketException,)),
    (SecurityError, (InvalidHandshake,)),
    (RequestLineTooLong, (SecurityError,)),
    (StatusLineTooLong, (SecurityError,)),
    (HeaderLineTooLong, (SecurityError,)),
    (TooManyHeaders, (SecurityError,)),
    (ProxyError, (InvalidHandshake,)),
    (InvalidProxyMessage, (ProxyError,)),
    (InvalidProxyStatus, (ProxyError,)),
    (InvalidMessage, (InvalidHandshake,)),
    (InvalidMethod, (InvalidHandshake,)),
    (InvalidProtocol, (InvalidHandshake,)),
    (InvalidStatus, (InvalidHandshake,)),
    (InvalidHeader, (InvalidHandshake,)),
    (InvalidHeaderFormat, (InvalidHeader,)),
    (InvalidHeaderValue, (InvalidHeader,)),
    (InvalidOrigin, (InvalidHeader,)),
    (InvalidUpgrade, (InvalidHeader,)),
    (NegotiationError, (InvalidHandshake,)),
    (DuplicateParameter, (NegotiationError,)),
    (InvalidParameterName, (NegotiationError,)),
    (InvalidParameterValue, (NegotiationError,)),
    (ProtocolError, (WebSocketException,)),
    (PayloadTooBig, (WebSocketException,)),
    (TooManyFragments, (WebSocketException,)),
    (InvalidState, (WebSocketException, AssertionError)),
    (ConcurrencyError, (WebSocketException, RuntimeError)),
]


@pytest.mark.parametrize(("cls", "bases"), HIERARCHY, ids=[cls.__name__ for cls, _ in HIERARCHY])
def test_hierarchy(cls: type[Exception], bases: tuple[type[BaseException], ...]) -> None:
    assert cls.__bases__ == bases


def test_hierarchy_is_complete() -> None:
    assert {cls.__name__ for cls, _ in HIERARCHY} == set(exceptions.__all__)


def test_everything_is_a_websocket_exception() -> None:
    for name in exceptions.__all__:
        assert issubclass(getattr(exceptions, name), WebSocketException)


class TestConnectionClosed:
    @pytest.mark.parametrize(
        ("rcvd", "sent", "rcvd_then_sent", "expected"),
        [
            (None, None, None, "no close frame received or sent"),
            (None, OK, None, "sent 1000 (OK); no close frame received"),
            (GOING_AWAY, None, None, "received 1001 (going away) bye; no close frame sent"),
            (GOING_AWAY, OK, True, "received 1001 (going away) bye; then sent 1000 (OK)"),
            (GOING_AWAY, OK, False, "sent 1000 (OK); then received 1001 (going away) bye"),
            (
                NO_STATUS,
                NO_STATUS,
                True,
                "received 1005 (no status received [internal]); "
                "then sent 1005 (no status received [internal])",
            ),
            (
                Close(4000, "app"),
                Close(3000, ""),
                False,
                "sent 3000 (registered); then received 4000 (private use) app",
            ),
        ],
    )
    @pytest.mark.parametrize("cls", [ConnectionClosed, ConnectionClosedOK, ConnectionClosedError])
    def test_str(
        self,
        cls: type[ConnectionClosed],
        rcvd: Close | None,
        sent: Close | None,
        rcvd_then_sent: bool | None,
        expected: str,
    ) -> None:
        exc = cls(rcvd, sent, rcvd_then_sent)
        assert str(exc) == expected
        assert exc.rcvd is rcvd
        assert exc.sent is sent
        assert exc.rcvd_then_sent is rcvd_then_sent

    @pytest.mark.parametrize(
        ("rcvd", "sent", "rcvd_then_sent"),
        [
            (None, None, True),
            (None, OK, False),
            (OK, None, True),
            (OK, OK, None),
        ],
    )
    def test_inconsistent_order(
        self, rcvd: Close | None, sent: Close | None, rcvd_then_sent: bool | None
    ) -> None:
        # rcvd_then_sent is set exactly when both frames are.
        with pytest.raises(AssertionError):
            ConnectionClosed(rcvd, sent, rcvd_then_sent)

    # code and reason are deprecated, with upstream's warnings.
    CODE_WARNING = (
        "ConnectionClosed.code is deprecated; use Protocol.close_code or ConnectionClosed.rcvd.code"
    )
    REASON_WARNING = (
        "ConnectionClosed.reason is deprecated; "
        "use Protocol.close_reason or ConnectionClosed.rcvd.reason"
    )

    def test_code_and_reason_received(self) -> None:
        exc = ConnectionClosed(GOING_AWAY, OK, True)
        with pytest.warns(DeprecationWarning) as record:
            assert exc.code == 1001
            assert exc.reason == "bye"
        assert [str(w.message) for w in record] == [self.CODE_WARNING, self.REASON_WARNING]

    def test_code_and_reason_private_use(self) -> None:
        exc = ConnectionClosedError(Close(4321, "custom"), None)
        with pytest.warns(DeprecationWarning, match="ConnectionClosed.code is deprecated"):
            assert exc.code == 4321
        with pytest.warns(DeprecationWarning, match="ConnectionClosed.reason is deprecated"):
            assert exc.reason == "custom"

    @pytest.mark.parametrize("sent", [None, OK])
    def test_code_and_reason_none_received(self, sent: Close | None) -> None:
        exc = ConnectionClosedError(None, sent)
        with pytest.warns(DeprecationWarning) as record:
            assert exc.code == 1006
            assert exc.code == CloseCode.ABNORMAL_CLOSURE
            assert exc.reason == ""
        assert [str(w.message) for w in record] == [
            self.CODE_WARNING,
            self.CODE_WARNING,
            self.REASON_WARNING,
        ]


class TestPayloadTooBig:
    def test_frame(self) -> None:
        exc = PayloadTooBig(2000, 1000)
        assert str(exc) == "frame with 2000 bytes exceeds limit of 1000 bytes"
        assert (exc.size, exc.max_size, exc.current_size, exc.message) == (2000, 1000, None, None)
        assert exc.args == (2000, 1000)

    def test_message_with_current_size(self) -> None:
        # max_size is what's left of the limit for the frame; with the bytes
        # read before, it becomes the limit for the whole message.
        exc = PayloadTooBig(600, 500, 500)
        assert (
            str(exc) == "frame with 600 bytes after reading 500 bytes exceeds limit of 1000 bytes"
        )
        assert (exc.size, exc.max_size, exc.current_size) == (600, 1000, 500)
        assert exc.args == (600, 500, 500)

    def test_set_current_size_later(self) -> None:
        exc = PayloadTooBig(600, 500)
        exc.set_current_size(500)
        assert (
            str(exc) == "frame with 600 bytes after reading 500 bytes exceeds limit of 1000 bytes"
        )
        assert (exc.size, exc.max_size, exc.current_size) == (600, 1000, 500)

    def test_set_current_size_none(self) -> None:
        exc = PayloadTooBig(2000, 1000)
        exc.set_current_size(None)
        assert str(exc) == "frame with 2000 bytes exceeds limit of 1000 bytes"
        assert exc.current_size is None

    def test_current_size_zero(self) -> None:
        exc = PayloadTooBig(2000, 1000, 0)
        assert str(exc) == "frame with 2000 bytes after reading 0 bytes exceeds limit of 1000 bytes"
        assert (exc.size, exc.max_size, exc.current_size) == (2000, 1000, 0)

    def test_set_current_size_twice(self) -> None:
        exc = PayloadTooBig(600, 500, 500)
        with pytest.raises(AssertionError, match="current size was set already"):
            exc.set_current_size(100)

    def test_unknown_size(self) -> None:
        exc = PayloadTooBig(None, 1000)
        assert str(exc) == "frame exceeds limit of 1000 bytes"
        assert exc.size is None

    def test_unknown_size_with_current_size(self) -> None:
        exc = PayloadTooBig(None, 500)
        exc.set_current_size(500)
        assert str(exc) == "frame after reading 500 bytes exceeds limit of 1000 bytes"
        assert (exc.size, exc.max_size, exc.current_size) == (None, 1000, 500)

    def test_message_string_is_deprecated(self) -> None:
        with pytest.warns(DeprecationWarning) as record:
            exc = PayloadTooBig("over size limit (2000 > 1000 bytes)")
        assert [str(w.message) for w in record] == [
            "PayloadTooBig(message) is deprecated; change to PayloadTooBig(size, max_size)"
        ]
        assert str(exc) == "over size limit (2000 > 1000 bytes)"
        assert exc.message == "over size limit (2000 > 1000 bytes)"
        assert exc.args == ("over size limit (2000 > 1000 bytes)",)


class TestTooManyFragments:
    def test_str_repr_args(self) -> None:
        exc = TooManyFragments(5)
        assert str(exc) == "fragmented message exceeds limit of 5 frames"
        assert repr(exc) == "TooManyFragments('fragmented message exceeds limit of 5 frames')"
        assert exc.args == ("fragmented message exceeds limit of 5 frames",)

    def test_exported(self) -> None:
        assert "TooManyFragments" in exceptions.__all__


class TestAttributes:
    def test_invalid_uri(self) -> None:
        exc = InvalidURI("ws://", "hostname isn't provided")
        assert (exc.uri, exc.msg) == ("ws://", "hostname isn't provided")

    def test_invalid_proxy(self) -> None:
        exc = InvalidProxy("http://", "hostname isn't provided")
        assert (exc.proxy, exc.msg) == ("http://", "hostname isn't provided")

    def test_invalid_status(self) -> None:
        response = Response(404, "Not Found", Headers(), b"no such path")
        assert InvalidStatus(response).response is response
        assert InvalidProxyStatus(response).response is response

    def test_invalid_method_and_protocol(self) -> None:
        assert InvalidMethod("PUT").method == "PUT"
        assert InvalidProtocol("HTTP/2").protocol == "HTTP/2"

    def test_invalid_header(self) -> None:
        exc = InvalidHeaderValue("Upgrade", "h2c")
        assert (exc.name, exc.value) == ("Upgrade", "h2c")

    def test_invalid_header_format(self) -> None:
        exc = InvalidHeaderFormat("Connection", "expected token", "Upgrade,", 8)
        assert (exc.name, exc.value) == ("Connection", "expected token at 8 in Upgrade,")

    def test_invalid_origin(self) -> None:
        exc = InvalidOrigin("null")
        assert (exc.name, exc.value) == ("Origin", "null")

    def test_negotiation_errors(self) -> None:
        assert DuplicateParameter("a").name == "a"
        assert InvalidParameterName("b").name == "b"
        exc = InvalidParameterValue("c", "d")
        assert (exc.name, exc.value) == ("c", "d")


def test_websocket_protocol_error_is_deprecated_alias() -> None:
    with pytest.warns(
        DeprecationWarning, match=r"^websockets\.exceptions\.WebSocketProtocolError is deprecated$"
    ) as record:
        alias = exceptions.WebSocketProtocolError  # type: ignore[attr-defined]
    assert alias is ProtocolError
    # The warning points at the code that used the name.
    assert record[0].filename == __file__


def test_websocket_protocol_error_import() -> None:
    with pytest.warns(DeprecationWarning):
        from websockets.exceptions import WebSocketProtocolError  # type: ignore[attr-defined]
    assert WebSocketProtocolError is ProtocolError


def test_deprecated_aliases_in_dir_not_in_all() -> None:
    assert "WebSocketProtocolError" in dir(exceptions)
    assert "WebSocketProtocolError" not in exceptions.__all__


def test_unknown_attribute() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        exceptions.Nope  # type: ignore[attr-defined]  # noqa: B018
