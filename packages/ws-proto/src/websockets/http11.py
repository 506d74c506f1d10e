"""HTTP/1.1 messages of the opening handshake (:rfc:`7230`, :rfc:`6455#section-4`).

The opening handshake is the only place where WebSocket speaks HTTP, and it
needs very little of it: a ``GET`` request without a body and a response,
usually ``101 Switching Protocols`` without a body, or an error page with one.
This module parses and serializes just that.

Parsers are generators, in the style of :mod:`websockets.streams`: they take
the ``read_*`` methods of a :class:`~websockets.streams.StreamReader` and
``yield`` whenever they need more bytes. They are strict: anything that
doesn't match the grammar of :rfc:`7230` raises :exc:`ValueError` (or its
subclass :exc:`UnicodeDecodeError` for non-ASCII bytes in the request line),
features that the handshake doesn't need (request bodies, transfer codings
other than ``chunked``) raise :exc:`NotImplementedError`, and messages
exceeding the limits below raise a
:exc:`~websockets.exceptions.SecurityError`. The end of the stream before
the end of a message, or a line that ends with LF without CR, raises
:exc:`EOFError`.

Header values and reason phrases are decoded as ISO-8859-1 and serialized
the same way, so that every byte that the grammar allows round-trips.

Limits are read from environment variables when this module is imported:

* ``WEBSOCKETS_MAX_NUM_HEADERS``: maximum number of headers, 128 by default;
* ``WEBSOCKETS_MAX_LINE_LENGTH``: maximum length of the request line, of the
  status line and of each header line, CRLF included, 8192 bytes by default;
* ``WEBSOCKETS_MAX_BODY_SIZE``: maximum size of a response body, 1 MiB
  (1048576 bytes) by default.

``WEBSOCKETS_SERVER`` and ``WEBSOCKETS_USER_AGENT`` override the default
values of the ``Server`` and ``User-Agent`` headers.

"""

from __future__ import annotations

import dataclasses
import os
import re
import sys
import warnings
from collections.abc import Callable, Generator

from .datastructures import Headers
from .exceptions import (
    HeaderLineTooLong,
    RequestLineTooLong,
    SecurityError,
    StatusLineTooLong,
    TooManyHeaders,
)
from .version import version as websockets_version

__all__ = ["SERVER", "USER_AGENT", "Request", "Response"]


PYTHON_VERSION = "{}.{}".format(*sys.version_info)

SERVER: str = os.environ.get(
    "WEBSOCKETS_SERVER",
    f"Python/{PYTHON_VERSION} websockets/{websockets_version}",
)
"""Default value of the ``Server`` header sent by servers.

Set the ``WEBSOCKETS_SERVER`` environment variable to override it.

"""

USER_AGENT: str = os.environ.get(
    "WEBSOCKETS_USER_AGENT",
    f"Python/{PYTHON_VERSION} websockets/{websockets_version}",
)
"""Default value of the ``User-Agent`` header sent by clients.

Set the ``WEBSOCKETS_USER_AGENT`` environment variable to override it.

"""

MAX_NUM_HEADERS: int = int(os.environ.get("WEBSOCKETS_MAX_NUM_HEADERS", "128"))
"""Maximum number of HTTP headers in a message (trailers count separately)."""

MAX_LINE_LENGTH: int = int(os.environ.get("WEBSOCKETS_MAX_LINE_LENGTH", "8192"))
"""Maximum length of a line of an HTTP message, CRLF included, in bytes.

This limits the request line, the status line, each header line and each
chunk-size line. 8 KiB by default, like common HTTP servers.

"""

MAX_BODY_SIZE: int = int(os.environ.get("WEBSOCKETS_MAX_BODY_SIZE", "1048576"))
"""Maximum size of the body of an HTTP response, in bytes."""


ReadLine = Callable[[int, type[Exception]], Generator[None, None, bytes | bytearray]]
"""Signature of :meth:`~websockets.streams.StreamReader.read_line`: reads a
line of at most the given number of bytes, else raises the given exception."""

ReadExact = Callable[[int], Generator[None, None, bytes | bytearray]]
"""Signature of :meth:`~websockets.streams.StreamReader.read_exact`: reads
exactly the given number of bytes."""

ReadToEOF = Callable[[int, type[Exception]], Generator[None, None, bytes | bytearray]]
"""Signature of :meth:`~websockets.streams.StreamReader.read_to_eof`: reads
until the end of the stream, at most the given number of bytes, else raises
the given exception."""


# Grammar of RFC 7230, on bytes. Character classes are spelled out in ASCII so
# that non-ASCII digits or letters never match.

# token = 1*tchar (RFC 7230, section 3.2.6)
_TOKEN_RE = re.compile(rb"[-!#$%&'*+.^_`|~0-9A-Za-z]+")

# RFC 6455, section 4.1 requires HTTP/1.1 or later; HTTP/1.0 is parsed so
# that a server can answer 505 HTTP Version Not Supported, and because some
# proxies still answer CONNECT with it.
_VERSIONS = (b"HTTP/1.1", b"HTTP/1.0")

# request-target: visible ASCII characters only (RFC 7230, section 5.3 refers
# to RFC 3986, whose URI references contain no spaces nor control characters)
_TARGET_RE = re.compile(rb"[\x21-\x7e]+")

# status-code = 3DIGIT (RFC 7230, section 3.1.2)
_STATUS_RE = re.compile(rb"[1-5][0-9]{2}")

# reason-phrase = *( HTAB / SP / VCHAR / obs-text ) (RFC 7230, section 3.1.2);
# field-value after removing OWS uses the same characters (section 3.2).
_TEXT_RE = re.compile(rb"[\t\x20-\x7e\x80-\xff]*")

# chunk-size = 1*HEXDIG (RFC 7230, section 4.1)
_CHUNK_SIZE_RE = re.compile(rb"[0-9A-Fa-f]+")

# Content-Length = 1*DIGIT (RFC 7230, section 3.3.2); also the test of an
# integer in a status code.
_DIGITS_RE = re.compile(rb"[0-9]+")


# A connection keeps the request or the response of its opening handshake
# for its whole life, and most of their strings are the same on every
# connection: decoding them anew would cost about 50 bytes per string, and
# hundreds of bytes per connection. Parsers look up the raw bytes here first
# and share these objects. The tables are built once, here, and never grow
# from peer input, so their size is fixed.

# Header fields (name and value) that handshakes commonly send verbatim.
_COMMON_FIELDS = [
    ("Upgrade", "websocket"),
    ("Connection", "Upgrade"),
    ("Connection", "upgrade"),
    ("Connection", "keep-alive, Upgrade"),
    ("Connection", "close"),
    ("Sec-WebSocket-Version", "13"),
    ("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"),
    ("Sec-WebSocket-Extensions", "permessage-deflate"),
    ("Pragma", "no-cache"),
    ("Cache-Control", "no-cache"),
    ("Content-Length", "0"),
    ("Content-Type", "text/plain; charset=utf-8"),
    ("User-Agent", USER_AGENT),
    ("Server", SERVER),
]

# Other header names, and other strings found in request and status lines.
_COMMON_NAMES = [
    "Host",
    "Origin",
    "Date",
    "Sec-WebSocket-Key",
    "Sec-WebSocket-Accept",
    "Sec-WebSocket-Protocol",
    "Authorization",
    "Cookie",
    "Set-Cookie",
    "Accept",
    "Accept-Encoding",
    "Accept-Language",
    "Transfer-Encoding",
    "Location",
    "WWW-Authenticate",
    "X-Forwarded-For",
    "X-Forwarded-Proto",
    "X-Real-IP",
]
_COMMON_OTHERS = [
    "WebSocket",
    "keep-alive",
    "GET",
    "HTTP/1.1",
    "HTTP/1.0",
    "Switching Protocols",
]


def _common_strings() -> dict[bytes, str]:
    names = [name for name, _ in _COMMON_FIELDS] + _COMMON_NAMES
    strings = [
        *names,
        *(value for _, value in _COMMON_FIELDS),
        *_COMMON_OTHERS,
        # Some clients send names in lower case (HTTP/2 style) or in Go's
        # canonical form (Sec-Websocket-Key).
        *(name.lower() for name in names),
        *(name.replace("WebSocket", "Websocket") for name in names),
    ]
    table: dict[bytes, str] = {}
    for string in strings:
        # Values from the environment may not be ASCII: skip those.
        if string.isascii():
            table.setdefault(string.encode(), string)
    return table


_STRINGS = _common_strings()
"""Common strings of handshakes by their encoding, to share them."""


def _common_fields() -> dict[bytes, tuple[str, str]]:
    table: dict[bytes, tuple[str, str]] = {}
    for name, value in _COMMON_FIELDS:
        raw_value = value.encode("latin-1", errors="replace")
        # parse_headers() skips its checks for these lines: only keep the
        # ones that pass them, and parse the same (values from the
        # environment may be anything).
        if (
            value.isascii()
            and _TOKEN_RE.fullmatch(name.encode())
            and raw_value == raw_value.strip(b" \t")
            and _TEXT_RE.fullmatch(raw_value)
        ):
            table[f"{name}: {value}".encode()] = (
                _STRINGS[name.encode()],
                _STRINGS[raw_value],
            )
    return table


_FIELDS = _common_fields()
"""Common header lines, without CRLF, and their ``(name, value)`` pair, to share
the pair as well as its strings."""


def _d(value: bytes) -> str:
    """Decode bytes for display in an error message, never failing."""
    return value.decode(errors="backslashreplace")


@dataclasses.dataclass
class Request:
    """WebSocket handshake request.

    Attributes:
        path: Request target, usually a path and a query, for example
            ``"/chat?room=1"``.
        headers: Request headers.
        method: Request method; the opening handshake requires ``"GET"``.
        protocol: HTTP version, for example ``"HTTP/1.1"``.

    :meth:`parse` accepts any method, and HTTP/1.0 as well as HTTP/1.1, and
    records them, so that a server can answer 405 Method Not Allowed or 505
    HTTP Version Not Supported rather than 400 Bad Request.

    """

    path: str
    headers: Headers
    method: str = "GET"
    protocol: str = "HTTP/1.1"
    # Kept for compatibility; ServerProtocol.handshake_exc replaces it.
    _exception: Exception | None = None

    @property
    def exception(self) -> Exception | None:
        """Error found while processing this request; deprecated.

        Use ``ServerProtocol.handshake_exc`` instead.

        """
        warnings.warn(
            "Request.exception is deprecated; use ServerProtocol.handshake_exc",
            DeprecationWarning,
            stacklevel=2,
        )
        return self._exception

    @classmethod
    def parse(cls, read_line: ReadLine) -> Generator[None, None, Request]:
        """Parse a WebSocket handshake request.

        This is a generator-based coroutine: drive it with ``yield from``.

        The request line is ``method SP request-target SP HTTP-version CRLF``
        (:rfc:`7230#section-3.1.1`); the version must be HTTP/1.1 or HTTP/1.0.
        The request must not have a body (:rfc:`6455#section-4.1`):
        ``Content-Length`` may only be ``0``.

        Args:
            read_line: Generator-based coroutine reading a line; in practice
                :meth:`~websockets.streams.StreamReader.read_line`.

        Raises:
            EOFError: If the connection is closed before the request is
                complete, or if a line ends with LF without CR.
            RequestLineTooLong: If the request line is longer than
                ``MAX_LINE_LENGTH`` bytes.
            HeaderLineTooLong: If a header line is longer than
                ``MAX_LINE_LENGTH`` bytes.
            TooManyHeaders: If there are more than ``MAX_NUM_HEADERS``
                headers.
            UnicodeDecodeError: If the method or the request target isn't
                ASCII.
            ValueError: If the request is malformed or has a body.
            NotImplementedError: If the request uses a transfer coding.

        """
        try:
            request_line = yield from parse_line(read_line, RequestLineTooLong)
        except EOFError as exc:
            raise EOFError("connection closed while reading HTTP request line") from exc

        parts = request_line.split(b" ", 2)
        if len(parts) != 3:
            raise ValueError(f"invalid HTTP request line: {_d(request_line)}")
        raw_method, raw_target, raw_version = parts
        if raw_version not in _VERSIONS:
            raise ValueError(
                f"unsupported protocol; expected HTTP/1.1 or HTTP/1.0: {_d(request_line)}"
            )
        # Non-ASCII bytes raise UnicodeDecodeError, before the stricter checks.
        method = _STRINGS.get(raw_method) or raw_method.decode("ascii")
        if not _TOKEN_RE.fullmatch(raw_method):
            raise ValueError(f"invalid HTTP method: {_d(raw_method)}")
        path = raw_target.decode("ascii")
        if not _TARGET_RE.fullmatch(raw_target):
            raise ValueError(f"invalid HTTP request target: {_d(raw_target)}")

        headers = yield from parse_headers(read_line)

        # RFC 7230, section 3.3.3: Transfer-Encoding, then Content-Length,
        # define the length of a request body. A handshake request has none.
        if "Transfer-Encoding" in headers:
            raise NotImplementedError("transfer codings aren't supported")
        # Some clients send "Content-Length: 0", even several times.
        if any(value != "0" for value in headers.get_all("Content-Length")):
            raise ValueError("unsupported request body")

        return cls(path, headers, method, _STRINGS[raw_version])

    def serialize(self) -> bytes:
        """Serialize the request as sent on the wire.

        Returns:
            The request line, the headers and an empty line.

        Raises:
            UnicodeEncodeError: If the request line isn't ASCII; a non-ASCII
                path must be percent-encoded (:rfc:`3987#section-3.1`).
            ValueError: If the method isn't a token, the path contains
                spaces or control characters, or the protocol isn't
                ``HTTP/1.1`` or ``HTTP/1.0``, which would corrupt the request.

        """
        request_line = f"{self.method} {self.path} {self.protocol}\r\n".encode("ascii")
        if not _TOKEN_RE.fullmatch(self.method.encode()):
            raise ValueError(f"invalid HTTP method: {self.method!r}")
        if not _TARGET_RE.fullmatch(self.path.encode()):
            raise ValueError(f"invalid HTTP request target: {self.path!r}")
        if self.protocol not in ("HTTP/1.1", "HTTP/1.0"):
            raise ValueError(f"invalid HTTP version: {self.protocol!r}")
        return request_line + self.headers.serialize()


@dataclasses.dataclass
class Response:
    """WebSocket handshake response.

    Attributes:
        status_code: Response status code, for example ``101``.
        reason_phrase: Response reason phrase, for example
            ``"Switching Protocols"``; may be empty.
        headers: Response headers.
        body: Response body; empty by default.

    """

    status_code: int
    reason_phrase: str
    headers: Headers
    body: bytes | bytearray = b""
    # Kept for compatibility; ClientProtocol.handshake_exc replaces it.
    _exception: Exception | None = None

    @property
    def exception(self) -> Exception | None:
        """Error found while processing this response; deprecated.

        Use ``ClientProtocol.handshake_exc`` instead.

        """
        warnings.warn(
            "Response.exception is deprecated; use ClientProtocol.handshake_exc",
            DeprecationWarning,
            stacklevel=2,
        )
        return self._exception

    @classmethod
    def parse(
        cls,
        read_line: ReadLine,
        read_exact: ReadExact,
        read_to_eof: ReadToEOF,
        proxy: bool = False,
    ) -> Generator[None, None, Response]:
        """Parse a WebSocket handshake response.

        This is a generator-based coroutine: drive it with ``yield from``.

        The status line is ``HTTP/1.1 SP status-code SP reason-phrase CRLF``
        (:rfc:`7230#section-3.1.2`); only HTTP/1.1 is accepted, and HTTP/1.0
        from a proxy. The reason phrase is decoded as ISO-8859-1. The length
        of the body follows :rfc:`7230#section-3.3.3`: none for 1xx, 204 and
        304 responses, ``Transfer-Encoding: chunked``, else
        ``Content-Length``, else until the end of the stream.

        Args:
            read_line: Generator-based coroutine reading a line; in practice
                :meth:`~websockets.streams.StreamReader.read_line`.
            read_exact: Generator-based coroutine reading a given number of
                bytes; in practice
                :meth:`~websockets.streams.StreamReader.read_exact`.
            read_to_eof: Generator-based coroutine reading until the end of
                the stream; in practice
                :meth:`~websockets.streams.StreamReader.read_to_eof`.
            proxy: Whether this answers a ``CONNECT`` request to a proxy; then
                HTTP/1.0 is accepted, as some proxies still use it, and a 2xx
                response has no body: the tunnel starts right after the
                headers (:rfc:`9110#section-9.3.6`). :obj:`False` by default.

        Raises:
            EOFError: If the connection is closed before the response is
                complete, or if a line ends with LF without CR.
            StatusLineTooLong: If the status line is longer than
                ``MAX_LINE_LENGTH`` bytes.
            HeaderLineTooLong: If a header line is longer than
                ``MAX_LINE_LENGTH`` bytes.
            TooManyHeaders: If there are more than ``MAX_NUM_HEADERS``
                headers.
            SecurityError: If the body is larger than ``MAX_BODY_SIZE`` bytes,
                if ``Content-Length`` isn't a number, or if a chunk size
                isn't a hexadecimal number.
            LookupError: If there are several ``Content-Length`` headers;
                :exc:`~websockets.datastructures.MultipleValuesError`,
                precisely.
            ValueError: If the response is malformed.
            NotImplementedError: If the response uses a transfer coding other
                than ``chunked``.

        """
        try:
            status_line = yield from parse_line(read_line, StatusLineTooLong)
        except EOFError as exc:
            raise EOFError("connection closed while reading HTTP status line") from exc

        parts = status_line.split(b" ", 2)
        if len(parts) != 3:
            raise ValueError(f"invalid HTTP status line: {_d(status_line)}")
        raw_version, raw_status_code, raw_reason = parts
        if proxy:
            if raw_version not in _VERSIONS:
                raise ValueError(
                    f"unsupported protocol; expected HTTP/1.1 or HTTP/1.0: {_d(status_line)}"
                )
        elif raw_version != b"HTTP/1.1":
            raise ValueError(f"unsupported protocol; expected HTTP/1.1: {_d(status_line)}")
        if not _DIGITS_RE.fullmatch(raw_status_code):
            raise ValueError(f"invalid status code; expected integer; got {_d(raw_status_code)}")
        # Exactly three digits: "0200" isn't a status code.
        if not _STATUS_RE.fullmatch(raw_status_code):
            raise ValueError(
                f"invalid status code; expected 100\u2013599; got {_d(raw_status_code)}"
            )
        status_code = int(raw_status_code)
        if not _TEXT_RE.fullmatch(raw_reason):
            raise ValueError(f"invalid HTTP reason phrase: {_d(raw_reason)}")
        reason_phrase = _STRINGS.get(raw_reason) or raw_reason.decode("iso-8859-1")

        headers = yield from parse_headers(read_line)

        body: bytes | bytearray
        if (
            100 <= status_code < 200
            or status_code in (204, 304)
            or (proxy and 200 <= status_code < 300)
        ):
            body = b""
        elif "Transfer-Encoding" in headers:
            # RFC 7230, section 3.3.3: Transfer-Encoding overrides
            # Content-Length. Only "chunked" alone is supported.
            codings = [
                coding.strip(" \t").lower()
                for value in headers.get_all("Transfer-Encoding")
                for coding in value.split(",")
                if coding.strip(" \t")
            ]
            if codings != ["chunked"]:
                raw = ", ".join(headers.get_all("Transfer-Encoding"))
                raise NotImplementedError(f"transfer coding {raw} isn't supported")
            body = yield from _parse_chunked(read_line, read_exact)
        elif "Content-Length" in headers:
            # Several Content-Length headers raise MultipleValuesError.
            content_length = headers["Content-Length"]
            if not _DIGITS_RE.fullmatch(content_length.encode("iso-8859-1")):
                raise SecurityError(f"invalid content length: {content_length}")
            # Compare lengths first: int() refuses over 4300 digits, and a
            # number with more digits than the limit exceeds it anyway.
            digits = content_length.lstrip("0") or "0"
            if len(digits) > len(str(MAX_BODY_SIZE)) or int(digits) > MAX_BODY_SIZE:
                raise SecurityError(f"body too large: {digits} bytes")
            size = int(digits)
            body = yield from read_exact(size)
        else:
            body = yield from read_to_eof(MAX_BODY_SIZE, SecurityError)

        return cls(status_code, reason_phrase, headers, body)

    def serialize(self) -> bytes:
        """Serialize the response as sent on the wire.

        The reason phrase is encoded as ISO-8859-1, like headers.

        Returns:
            The status line, the headers, an empty line and the body.

        Raises:
            UnicodeEncodeError: If the reason phrase contains a character
                above U+00FF.
            ValueError: If the status code isn't between 100 and 599
                (:rfc:`9110#section-15`) or the reason phrase contains a
                control character, such as CR or LF, which would corrupt the
                response.

        """
        if not 100 <= self.status_code <= 599:
            raise ValueError(f"invalid HTTP status code: {self.status_code}")
        raw_reason = self.reason_phrase.encode("iso-8859-1")
        if not _TEXT_RE.fullmatch(raw_reason):
            raise ValueError(f"invalid HTTP reason phrase: {self.reason_phrase!r}")
        status_line = b"HTTP/1.1 %d %b\r\n" % (self.status_code, raw_reason)
        return status_line + self.headers.serialize() + self.body


def parse_line(
    read_line: ReadLine,
    too_long_exc_type: type[Exception] = SecurityError,
) -> Generator[None, None, bytes]:
    """Read a line of an HTTP message and remove its CRLF.

    This is a generator-based coroutine: drive it with ``yield from``.

    Args:
        read_line: Generator-based coroutine reading a line.
        too_long_exc_type: Exception to raise when the line is longer than
            ``MAX_LINE_LENGTH`` bytes; :exc:`SecurityError` by default.

    Raises:
        EOFError: If the connection is closed before the end of the line, or
            if the line ends with LF without CR.
        SecurityError: If the line is too long; ``too_long_exc_type``,
            precisely.

    """
    line = yield from read_line(MAX_LINE_LENGTH, too_long_exc_type)
    # RFC 7230, section 3.5 allows accepting a bare LF; we don't, because
    # WebSocket clients and servers all send CRLF. Like upstream, the line
    # counts as incomplete.
    if not line.endswith(b"\r\n"):
        raise EOFError("line without CRLF")
    # read_line() returns a bytearray, like upstream's StreamReader, and a
    # bytearray can't be looked up in _STRINGS.
    return bytes(line[:-2])


def parse_headers(read_line: ReadLine) -> Generator[None, None, Headers]:
    """Parse HTTP headers, up to and including the empty line that ends them.

    This is a generator-based coroutine: drive it with ``yield from``.

    Each header line is ``field-name ":" OWS field-value OWS CRLF``
    (:rfc:`7230#section-3.2`). Values are decoded as ISO-8859-1, so that
    every byte allowed by the grammar maps to one character.

    Args:
        read_line: Generator-based coroutine reading a line.

    Raises:
        EOFError: If the connection is closed before the empty line.
        HeaderLineTooLong: If a line is longer than ``MAX_LINE_LENGTH`` bytes.
        TooManyHeaders: If there are more than ``MAX_NUM_HEADERS`` headers.
        ValueError: If a line is malformed.

    """
    headers = Headers()
    # Append pairs directly, to share the common ones (see _FIELDS).
    pairs = headers._list
    count = 0
    while True:
        try:
            line = yield from parse_line(read_line, HeaderLineTooLong)
        except EOFError as exc:
            raise EOFError("connection closed while reading HTTP headers") from exc
        if line == b"":
            return headers

        count += 1
        if count > MAX_NUM_HEADERS:
            raise TooManyHeaders(f"expected no more than {MAX_NUM_HEADERS} headers")

        pair = _FIELDS.get(line)
        if pair is not None:
            # A well-formed line, known to match the grammar.
            pairs.append(pair)
            continue

        raw_name, colon, raw_value = line.partition(b":")
        if not colon:
            raise ValueError(f"invalid HTTP header line: {_d(line)}")
        # This also rejects whitespace before the colon, as required by
        # RFC 7230, section 3.2.4, and obs-fold, a continuation line that
        # starts with whitespace: it's deprecated, and a server may reject
        # it with 400 and a client may reject the response.
        if not _TOKEN_RE.fullmatch(raw_name):
            raise ValueError(f"invalid HTTP header name: {_d(raw_name)}")
        raw_value = raw_value.strip(b" \t")
        if not _TEXT_RE.fullmatch(raw_value):
            raise ValueError(f"invalid HTTP header value: {_d(raw_value)}")
        pairs.append(
            (
                _STRINGS.get(raw_name) or raw_name.decode("ascii"),
                _STRINGS.get(raw_value) or raw_value.decode("latin-1"),
            )
        )


def _parse_chunked(read_line: ReadLine, read_exact: ReadExact) -> Generator[None, None, bytes]:
    """Read a body with the chunked transfer coding (:rfc:`7230#section-4.1`).

    Chunk extensions are ignored; trailers are read with the same limits as
    headers and discarded.

    Raises:
        EOFError: If the connection is closed before the end of the body.
        SecurityError: If the body is larger than ``MAX_BODY_SIZE`` bytes, a
            chunk-size line is longer than ``MAX_LINE_LENGTH`` bytes, or a
            chunk size isn't a hexadecimal number.
        ValueError: If chunk data doesn't end with CRLF.

    """
    # One growing buffer: a list of chunks would cost an object per chunk,
    # and a peer may send a million one-byte chunks.
    body = bytearray()
    while True:
        line = yield from parse_line(read_line)
        # chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
        raw_chunk_size = line.partition(b";")[0].rstrip(b" \t")
        if not _CHUNK_SIZE_RE.fullmatch(raw_chunk_size):
            raise SecurityError(f"invalid chunk size: {_d(raw_chunk_size)}")
        chunk_size = int(raw_chunk_size, 16)
        if chunk_size == 0:
            break
        if len(body) + chunk_size > MAX_BODY_SIZE:
            raise SecurityError(f"chunk too large: {chunk_size} bytes after {len(body)} bytes")
        body += yield from read_exact(chunk_size)
        if (yield from read_exact(2)) != b"\r\n":
            raise ValueError("chunk without CRLF")
    # trailer-part = *( header-field CRLF ), followed by the final CRLF.
    yield from parse_headers(read_line)
    return bytes(body)
