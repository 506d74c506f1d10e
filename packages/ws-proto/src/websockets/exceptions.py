"""Exceptions raised by websockets.

Every exception derives from :exc:`WebSocketException`. Each docstring says
which of two situations it reports, because they call for different
reactions:

* **the peer misbehaved** (or the network failed): nothing is wrong with the
  calling code; log it, close the connection, maybe retry;
* **the API was misused**: the calling code has a bug to fix.

Hierarchy::

    WebSocketException
    ├── ConnectionClosed
    │   ├── ConnectionClosedOK
    │   └── ConnectionClosedError
    ├── InvalidURI
    ├── InvalidProxy
    ├── InvalidHandshake
    │   ├── SecurityError
    │   │   ├── RequestLineTooLong
    │   │   ├── StatusLineTooLong
    │   │   ├── HeaderLineTooLong
    │   │   └── TooManyHeaders
    │   ├── ProxyError
    │   │   ├── InvalidProxyMessage
    │   │   └── InvalidProxyStatus
    │   ├── InvalidMessage
    │   ├── InvalidMethod
    │   ├── InvalidProtocol
    │   ├── InvalidStatus
    │   ├── InvalidHeader
    │   │   ├── InvalidHeaderFormat
    │   │   ├── InvalidHeaderValue
    │   │   ├── InvalidOrigin
    │   │   └── InvalidUpgrade
    │   └── NegotiationError
    │       ├── DuplicateParameter
    │       ├── InvalidParameterName
    │       └── InvalidParameterValue
    ├── ProtocolError
    ├── PayloadTooBig
    ├── TooManyFragments
    ├── InvalidState
    └── ConcurrencyError

"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from . import frames, http11


__all__ = [
    "ConcurrencyError",
    "ConnectionClosed",
    "ConnectionClosedError",
    "ConnectionClosedOK",
    "DuplicateParameter",
    "HeaderLineTooLong",
    "InvalidHandshake",
    "InvalidHeader",
    "InvalidHeaderFormat",
    "InvalidHeaderValue",
    "InvalidMessage",
    "InvalidMethod",
    "InvalidOrigin",
    "InvalidParameterName",
    "InvalidParameterValue",
    "InvalidProtocol",
    "InvalidProxy",
    "InvalidProxyMessage",
    "InvalidProxyStatus",
    "InvalidState",
    "InvalidStatus",
    "InvalidURI",
    "InvalidUpgrade",
    "NegotiationError",
    "PayloadTooBig",
    "ProtocolError",
    "ProxyError",
    "RequestLineTooLong",
    "SecurityError",
    "StatusLineTooLong",
    "TooManyFragments",
    "TooManyHeaders",
    "WebSocketException",
]


class WebSocketException(Exception):
    """Base class for every exception defined by websockets."""


class ConnectionClosed(WebSocketException):
    """Raised when trying to interact with a closed connection.

    This reports the state of the connection, not a bug: the peer closed it,
    the network failed, or the calling code closed it earlier.

    Args:
        rcvd: Close frame received from the peer, :obj:`None` when none was
            received (the TCP connection was lost first, for example).
        sent: Close frame sent to the peer, :obj:`None` when none was sent.
        rcvd_then_sent: When both frames are set, :obj:`True` when the close
            frame was received before one was sent, :obj:`False` otherwise;
            :obj:`None` when either frame is missing.

    """

    def __init__(
        self,
        rcvd: frames.Close | None,
        sent: frames.Close | None,
        rcvd_then_sent: bool | None = None,
    ) -> None:
        self.rcvd = rcvd
        """Close frame received from the peer, or :obj:`None`."""
        self.sent = sent
        """Close frame sent to the peer, or :obj:`None`."""
        self.rcvd_then_sent = rcvd_then_sent
        """Whether the close frame was received before one was sent."""
        assert (self.rcvd_then_sent is None) == (self.rcvd is None or self.sent is None)

    def __str__(self) -> str:
        if self.rcvd is None:
            if self.sent is None:
                return "no close frame received or sent"
            return f"sent {self.sent}; no close frame received"
        if self.sent is None:
            return f"received {self.rcvd}; no close frame sent"
        if self.rcvd_then_sent:
            return f"received {self.rcvd}; then sent {self.sent}"
        return f"sent {self.sent}; then received {self.rcvd}"

    @property
    def code(self) -> int:
        """Close code received from the peer; 1006 when none was received.

        Deprecated: emits a :exc:`DeprecationWarning`. Use :attr:`rcvd`,
        which is :obj:`None` in that case, or the connection's ``close_code``.

        """
        warnings.warn(
            "ConnectionClosed.code is deprecated; "
            "use Protocol.close_code or ConnectionClosed.rcvd.code",
            DeprecationWarning,
            stacklevel=2,
        )
        if self.rcvd is None:
            return 1006  # CloseCode.ABNORMAL_CLOSURE, without importing frames
        return self.rcvd.code

    @property
    def reason(self) -> str:
        """Close reason received from the peer; empty when none was received.

        Deprecated: emits a :exc:`DeprecationWarning`. Use :attr:`rcvd`,
        which is :obj:`None` in that case, or the connection's
        ``close_reason``.

        """
        warnings.warn(
            "ConnectionClosed.reason is deprecated; "
            "use Protocol.close_reason or ConnectionClosed.rcvd.reason",
            DeprecationWarning,
            stacklevel=2,
        )
        if self.rcvd is None:
            return ""
        return self.rcvd.reason


class ConnectionClosedOK(ConnectionClosed):
    """Like :exc:`ConnectionClosed`, when the connection closed properly.

    A close code of 1000 (OK) or 1001 (going away) was received and sent, or
    a close frame without a code (1005) was.

    """


class ConnectionClosedError(ConnectionClosed):
    """Like :exc:`ConnectionClosed`, when the connection closed with an error.

    A close code other than 1000, 1001 or 1005 was received or sent, or the
    closing handshake did not complete.

    """


class InvalidURI(WebSocketException):
    """Raised when a WebSocket URI is not valid (API misuse).

    Args:
        uri: The URI that was rejected.
        msg: Why it was rejected.

    """

    def __init__(self, uri: str, msg: str) -> None:
        self.uri = uri
        self.msg = msg

    def __str__(self) -> str:
        return f"{self.uri} isn't a valid URI: {self.msg}"


class InvalidProxy(WebSocketException):
    """Raised when a proxy URI is not valid (API misuse).

    Args:
        proxy: The proxy URI that was rejected.
        msg: Why it was rejected.

    """

    def __init__(self, proxy: str, msg: str) -> None:
        self.proxy = proxy
        self.msg = msg

    def __str__(self) -> str:
        return f"{self.proxy} isn't a valid proxy: {self.msg}"


class InvalidHandshake(WebSocketException):
    """Base class for failures of the opening handshake.

    These report that the peer misbehaved, or is not a WebSocket endpoint.

    """


class SecurityError(InvalidHandshake):
    """Raised when the peer's handshake exceeds a security limit.

    The peer misbehaved: a line, a header count or a body is larger than the
    limits set by ``WEBSOCKETS_MAX_LINE_LENGTH``, ``WEBSOCKETS_MAX_NUM_HEADERS``
    and ``WEBSOCKETS_MAX_BODY_SIZE``.

    """


class RequestLineTooLong(SecurityError):
    """Raised when the peer's HTTP request line exceeds the length limit."""


class StatusLineTooLong(SecurityError):
    """Raised when the peer's HTTP status line exceeds the length limit."""


class HeaderLineTooLong(SecurityError):
    """Raised when a line of the peer's HTTP headers exceeds the length limit."""


class TooManyHeaders(SecurityError):
    """Raised when the peer sends more HTTP headers than the limit."""


class ProxyError(InvalidHandshake):
    """Base class for failures to connect through a proxy.

    These report that the proxy misbehaved or refused the connection.

    """


class InvalidProxyMessage(ProxyError):
    """Raised when the proxy's HTTP response cannot be parsed."""


class InvalidProxyStatus(ProxyError):
    """Raised when the proxy answers with a status other than 2xx.

    Args:
        response: The proxy's response.

    """

    def __init__(self, response: http11.Response) -> None:
        self.response = response

    def __str__(self) -> str:
        return f"proxy rejected connection: HTTP {self.response.status_code:d}"


class InvalidMessage(InvalidHandshake):
    """Raised when the peer's handshake message cannot be parsed.

    The peer misbehaved, or isn't speaking HTTP/1.1. The parsing error is
    chained as ``__cause__``.

    """


class InvalidMethod(InvalidHandshake):
    """Raised when the opening handshake request's method isn't ``GET``.

    The peer misbehaved (:rfc:`6455#section-4.1`); the server answers with
    405 Method Not Allowed.

    Args:
        method: The method that was received.

    """

    def __init__(self, method: str) -> None:
        self.method = method

    def __str__(self) -> str:
        return f"unsupported HTTP method: {self.method}"


class InvalidProtocol(InvalidHandshake):
    """Raised when the opening handshake request isn't HTTP/1.1.

    The peer misbehaved (:rfc:`6455#section-4.1` requires HTTP/1.1 or
    later); the server answers with 505 HTTP Version Not Supported.

    Args:
        protocol: The protocol version that was received.

    """

    def __init__(self, protocol: str) -> None:
        self.protocol = protocol

    def __str__(self) -> str:
        return f"unsupported HTTP version: {self.protocol}"


class InvalidStatus(InvalidHandshake):
    """Raised when the server answers the handshake with a status other than 101.

    The server refused the connection; :attr:`response` says how.

    Args:
        response: The server's response.

    """

    def __init__(self, response: http11.Response) -> None:
        self.response = response

    def __str__(self) -> str:
        return f"server rejected WebSocket connection: HTTP {self.response.status_code:d}"


class InvalidHeader(InvalidHandshake):
    """Raised when an HTTP header of the handshake is missing or invalid.

    The peer misbehaved.

    Args:
        name: Header name.
        value: Header value; :obj:`None` when the header is missing.

    """

    def __init__(self, name: str, value: str | None = None) -> None:
        self.name = name
        self.value = value

    def __str__(self) -> str:
        if self.value is None:
            return f"missing {self.name} header"
        if self.value == "":
            return f"empty {self.name} header"
        return f"invalid {self.name} header: {self.value}"


class InvalidHeaderFormat(InvalidHeader):
    """Raised when an HTTP header cannot be parsed.

    The peer misbehaved. The format of the header does not match the grammar
    of :rfc:`7230#section-3.2.6` or of the header's own specification.

    Args:
        name: Header name.
        error: What was wrong.
        header: The whole header value.
        pos: Position of the error in ``header``, in characters.

    """

    def __init__(self, name: str, error: str, header: str, pos: int) -> None:
        super().__init__(name, f"{error} at {pos} in {header}")


class InvalidHeaderValue(InvalidHeader):
    """Raised when an HTTP header has a wrong value.

    The peer misbehaved: the header parses, but its value is not allowed.

    """


class InvalidOrigin(InvalidHeader):
    """Raised when the ``Origin`` header of a request isn't allowed.

    The client is not one the server accepts; the server answers with 403.

    Args:
        origin: The ``Origin`` header received; :obj:`None` when missing.

    """

    def __init__(self, origin: str | None) -> None:
        super().__init__("Origin", origin)


class InvalidUpgrade(InvalidHeader):
    """Raised when the ``Upgrade`` or ``Connection`` header isn't correct.

    The peer isn't requesting (or accepting) a WebSocket upgrade; a server
    answers with 426 Upgrade Required.

    """


class NegotiationError(InvalidHandshake):
    """Raised when negotiating an extension or a subprotocol fails.

    The peer offered or selected something this endpoint does not support.

    """


class DuplicateParameter(NegotiationError):
    """Raised when an extension parameter is repeated.

    Args:
        name: Parameter name.

    """

    def __init__(self, name: str) -> None:
        self.name = name

    def __str__(self) -> str:
        return f"duplicate parameter: {self.name}"


class InvalidParameterName(NegotiationError):
    """Raised when an extension parameter has an unknown name.

    Args:
        name: Parameter name.

    """

    def __init__(self, name: str) -> None:
        self.name = name

    def __str__(self) -> str:
        return f"invalid parameter name: {self.name}"


class InvalidParameterValue(NegotiationError):
    """Raised when an extension parameter has a wrong value.

    Args:
        name: Parameter name.
        value: Parameter value; :obj:`None` for a parameter without a value.

    """

    def __init__(self, name: str, value: str | None) -> None:
        self.name = name
        self.value = value

    def __str__(self) -> str:
        if self.value is None:
            return f"missing value for parameter {self.name}"
        if self.value == "":
            return f"empty value for parameter {self.name}"
        return f"invalid value for parameter {self.name}: {self.value}"


class ProtocolError(WebSocketException):
    """Raised when receiving or sending a frame that breaks RFC 6455.

    When receiving, the peer misbehaved: the connection fails with close code
    1002 (:rfc:`6455#section-7.4.1`). When sending, the API was misused, for
    example a continuation frame sent without a message to continue.

    """


class PayloadTooBig(WebSocketException):
    """Raised when a frame or a message exceeds the ``max_size`` limit.

    When receiving, the peer sent too much: the connection fails with close
    code 1009 (:rfc:`6455#section-7.4.1`).

    Args:
        size_or_message: Size of the frame that was too big, in bytes;
            :obj:`None` when unknown, e.g. when an extension stops decoding
            as soon as the limit is exceeded. A plain message string is
            deprecated: it emits a :exc:`DeprecationWarning`.
        max_size: What was left of the limit for this frame, in bytes: the
            whole limit for the first frame of a message.
        current_size: Bytes of the same message received before that frame,
            in bytes, if any; :attr:`max_size` then becomes the limit for the
            whole message.

    """

    def __init__(
        self,
        size_or_message: int | None | str,
        max_size: int | None = None,
        current_size: int | None = None,
    ) -> None:
        if isinstance(size_or_message, str):
            assert max_size is None and current_size is None
            warnings.warn(  # the message form predates size and max_size
                "PayloadTooBig(message) is deprecated; change to PayloadTooBig(size, max_size)",
                DeprecationWarning,
                stacklevel=2,
            )
            self.message: str | None = size_or_message
        else:
            self.message = None
            self.size: int | None = size_or_message
            """Size of the frame that was too big, in bytes, or :obj:`None`."""
            assert max_size is not None
            self.max_size: int = max_size
            """Limit that was exceeded, in bytes."""
            self.current_size: int | None = None
            """Bytes of the message received before the frame, or :obj:`None`."""
            self.set_current_size(current_size)

    def set_current_size(self, current_size: int | None) -> None:
        """Record bytes of the same message received before the frame.

        This turns :attr:`max_size` from what was left of the limit for the
        frame into the limit for the whole message.

        Args:
            current_size: Bytes received before the frame, in bytes;
                :obj:`None` does nothing.

        """
        assert self.current_size is None, "current size was set already"
        if current_size is not None:
            self.max_size += current_size
            self.current_size = current_size

    def __str__(self) -> str:
        if self.message is not None:
            return self.message
        text = "frame"
        if self.size is not None:
            text += f" with {self.size} bytes"
        if self.current_size is not None:
            text += f" after reading {self.current_size} bytes"
        return f"{text} exceeds limit of {self.max_size} bytes"


class TooManyFragments(WebSocketException):
    """Raised when a fragmented message has more frames than the limit.

    The peer misbehaved: the connection fails with close code 1009
    (:rfc:`6455#section-7.4.1`). There's no limit unless the
    ``WEBSOCKETS_MAX_FRAGMENTS`` environment variable sets one.

    Args:
        max_fragments: The limit that was exceeded, in frames.

    """

    def __init__(self, max_fragments: int) -> None:
        super().__init__(f"fragmented message exceeds limit of {max_fragments} frames")


class InvalidState(WebSocketException, AssertionError):
    """Raised when an operation is forbidden in the connection's current state.

    The API was misused: for example, sending a message before the opening
    handshake completes or after the closing handshake starts.

    """


class ConcurrencyError(WebSocketException, RuntimeError):
    """Raised when receiving or sending messages concurrently.

    The API was misused: two coroutines or threads called ``recv()`` at the
    same time, or interleaved fragmented messages with ``send()``.

    """


# Deprecated names, mapped to the names that replace them. Upstream's other
# deprecated names (AbortHandshake, InvalidStatusCode, RedirectHandshake) are
# classes of its legacy implementation, which this project doesn't provide.
_DEPRECATED_ALIASES = {
    "WebSocketProtocolError": "ProtocolError",
}

# Hidden from type checkers, like upstream's lazy names: code that uses a
# deprecated name fails type checking, and so does a typo in any name.
if not TYPE_CHECKING:

    def __getattr__(name: str) -> type[WebSocketException]:
        try:
            replacement = _DEPRECATED_ALIASES[name]
        except KeyError:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
        # stacklevel=2 points at the code that accessed the name.
        warnings.warn(f"{__name__}.{name} is deprecated", DeprecationWarning, stacklevel=2)
        return globals()[replacement]

    def __dir__() -> list[str]:
        return [*globals(), *_DEPRECATED_ALIASES]
