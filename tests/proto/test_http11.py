"""Tests for websockets.http11."""

from __future__ import annotations

import http
import itertools
import os
import subprocess
import sys
from collections.abc import Generator, Iterator
from typing import TypeVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from websockets import http11
from websockets.datastructures import Headers, MultipleValuesError
from websockets.exceptions import (
    HeaderLineTooLong,
    RequestLineTooLong,
    SecurityError,
    StatusLineTooLong,
    TooManyHeaders,
)
from websockets.http11 import Request, Response
from websockets.proxy import HTTPProxyHandshake, parse_proxy
from websockets.streams import StreamReader
from websockets.uri import parse_uri
from websockets.version import version

__all__: list[str] = []

T = TypeVar("T")

UNSUPPORTED = "unsupported protocol; expected HTTP/1.1 or HTTP/1.0"

WHOLE = "whole"
BYTEWISE = "bytewise"


def split(data: bytes, mode: str) -> list[bytes]:
    """Cut ``data`` in the pieces fed to the reader: one, or one per byte."""
    if mode == WHOLE:
        return [data]
    return [data[i : i + 1] for i in range(len(data))]


def drive(
    reader: StreamReader,
    parser: Generator[None, None, T],
    chunks: list[bytes],
    eof: bool,
) -> T:
    """Run ``parser``, feeding ``chunks`` to ``reader`` each time it waits.

    Pieces left when the parser completes are fed to the reader as well, so
    that tests can check what remains in the buffer.

    """
    remaining = iter(chunks)
    try:
        next(parser)
        for chunk in remaining:
            reader.feed_data(chunk)
            next(parser)
        if eof:
            reader.feed_eof()
            next(parser)
    except StopIteration as exc:
        for chunk in remaining:
            reader.feed_data(chunk)
        return exc.value  # type: ignore[no-any-return]
    raise AssertionError("parser is still waiting for data")


def parse_request(
    data: bytes,
    mode: str = WHOLE,
    *,
    eof: bool = False,
    reader: StreamReader | None = None,
) -> Request:
    reader = StreamReader() if reader is None else reader
    return drive(reader, Request.parse(reader.read_line), split(data, mode), eof)


def parse_response(
    data: bytes,
    mode: str = WHOLE,
    *,
    eof: bool = False,
    proxy: bool = False,
    reader: StreamReader | None = None,
) -> Response:
    reader = StreamReader() if reader is None else reader
    parser = Response.parse(reader.read_line, reader.read_exact, reader.read_to_eof, proxy=proxy)
    return drive(reader, parser, split(data, mode), eof)


@pytest.fixture(params=[WHOLE, BYTEWISE])
def mode(request: pytest.FixtureRequest) -> Iterator[str]:
    """Feed data at once, then byte by byte, to prove incremental parsing."""
    yield request.param


@pytest.fixture
def limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lower limits, so that tests exceeding them stay small."""
    monkeypatch.setattr(http11, "MAX_NUM_HEADERS", 4)
    monkeypatch.setattr(http11, "MAX_LINE_LENGTH", 32)
    monkeypatch.setattr(http11, "MAX_BODY_SIZE", 16)


REQUEST = (
    b"GET /chat?room=1 HTTP/1.1\r\n"
    b"Host: server.example.com\r\n"
    b"Upgrade: websocket\r\n"
    b"Connection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    b"Sec-WebSocket-Version: 13\r\n"
    b"\r\n"
)

RESPONSE = (
    b"HTTP/1.1 101 Switching Protocols\r\n"
    b"Upgrade: websocket\r\n"
    b"Connection: Upgrade\r\n"
    b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
    b"\r\n"
)


class TestModule:
    def test_all(self) -> None:
        assert http11.__all__ == ["SERVER", "USER_AGENT", "Request", "Response"]

    def test_default_limits_and_names(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("WEBSOCKETS_")}
        output = run_python(
            "from websockets import http11\n"
            "print(http11.MAX_NUM_HEADERS, http11.MAX_LINE_LENGTH, http11.MAX_BODY_SIZE)\n"
            "print(http11.SERVER)\n"
            "print(http11.USER_AGENT)\n",
            env,
        )
        python = f"Python/{sys.version_info.major}.{sys.version_info.minor}"
        assert output.splitlines() == [
            "128 8192 1048576",
            f"{python} websockets/{version}",
            f"{python} websockets/{version}",
        ]

    def test_environment_variables(self) -> None:
        env = dict(
            os.environ,
            WEBSOCKETS_MAX_NUM_HEADERS="2",
            WEBSOCKETS_MAX_LINE_LENGTH="64",
            WEBSOCKETS_MAX_BODY_SIZE="1000",
            WEBSOCKETS_SERVER="my-server/1.0",
            WEBSOCKETS_USER_AGENT="my-client/2.0",
        )
        output = run_python(
            "from websockets import http11\n"
            "print(http11.MAX_NUM_HEADERS, http11.MAX_LINE_LENGTH, http11.MAX_BODY_SIZE)\n"
            "print(http11.SERVER)\n"
            "print(http11.USER_AGENT)\n",
            env,
        )
        assert output.splitlines() == ["2 64 1000", "my-server/1.0", "my-client/2.0"]

    def test_environment_variables_apply_to_parsing(self) -> None:
        env = dict(os.environ, WEBSOCKETS_MAX_NUM_HEADERS="1")
        output = run_python(
            "from websockets.exceptions import TooManyHeaders\n"
            "from websockets.http11 import Request\n"
            "from websockets.streams import StreamReader\n"
            "reader = StreamReader()\n"
            "reader.feed_data(b'GET / HTTP/1.1\\r\\nA: 1\\r\\nB: 2\\r\\n\\r\\n')\n"
            "try:\n"
            "    next(Request.parse(reader.read_line))\n"
            "except TooManyHeaders as exc:\n"
            "    print(exc)\n",
            env,
        )
        assert output == "expected no more than 1 headers\n"


def run_python(code: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


class TestRequestParse:
    def test_handshake_request(self, mode: str) -> None:
        request = parse_request(REQUEST, mode)
        assert request.path == "/chat?room=1"
        assert request.method == "GET"
        assert request.protocol == "HTTP/1.1"
        assert list(request.headers.raw_items()) == [
            ("Host", "server.example.com"),
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
            ("Sec-WebSocket-Version", "13"),
        ]
        assert request._exception is None

    def test_waits_for_the_last_byte(self) -> None:
        reader = StreamReader()
        parser = Request.parse(reader.read_line)
        next(parser)
        for byte in split(REQUEST[:-1], BYTEWISE):
            reader.feed_data(byte)
            assert next(parser) is None  # still waiting
        reader.feed_data(REQUEST[-1:])
        with pytest.raises(StopIteration) as exc_info:
            next(parser)
        assert exc_info.value.value.path == "/chat?room=1"

    def test_leaves_following_data(self) -> None:
        reader = StreamReader()
        parse_request(REQUEST + b"\x81\x00", reader=reader)
        assert reader.buffer == b"\x81\x00"

    def test_no_headers(self) -> None:
        request = parse_request(b"GET / HTTP/1.1\r\n\r\n")
        assert request == Request("/", Headers())

    @pytest.mark.parametrize("method", ["POST", "HEAD", "OPTIONS", "M-SEARCH", "get"])
    def test_other_method(self, method: str) -> None:
        request = parse_request(f"{method} / HTTP/1.1\r\n\r\n".encode())
        assert request.method == method

    def test_http_1_0(self) -> None:
        # Parsed, so that a server can answer 505 HTTP Version Not Supported.
        request = parse_request(b"GET / HTTP/1.0\r\n\r\n")
        assert request.protocol == "HTTP/1.0"

    @pytest.mark.parametrize("protocol", [b"HTTP/2.0", b"HTTP/0.9", b"HTTP/1.2", b"HTTP/3"])
    def test_other_protocol(self, protocol: bytes) -> None:
        # Like upstream: the request line is rejected, with this message.
        with pytest.raises(ValueError) as exc_info:
            parse_request(b"GET / " + protocol + b"\r\n\r\n")
        assert str(exc_info.value) == (
            f"unsupported protocol; expected HTTP/1.1 or HTTP/1.0: GET / {protocol.decode()}"
        )

    @pytest.mark.parametrize(
        "target",
        ["*", "http://example.com/chat", "/a%20b?c=d&e=f#g", "/~user/!$&'()*+,;=:@"],
    )
    def test_request_targets(self, target: str) -> None:
        request = parse_request(f"GET {target} HTTP/1.1\r\n\r\n".encode())
        assert request.path == target

    @pytest.mark.parametrize(
        ("request_line", "message"),
        [
            (b"GET /", "invalid HTTP request line: GET /"),
            (b"GET", "invalid HTTP request line: GET"),
            (b"", "invalid HTTP request line: "),
            (b"GET\t/ HTTP/1.1", "invalid HTTP request line: GET\t/ HTTP/1.1"),
            # The version is checked first, like upstream does.
            (b"GET / ", f"{UNSUPPORTED}: GET / "),
            (b"GET / HTTP/1.1 ", f"{UNSUPPORTED}: GET / HTTP/1.1 "),
            (b"GET / HTTP/1.1 extra", f"{UNSUPPORTED}: GET / HTTP/1.1 extra"),
            (b"GET / x HTTP/1.1", f"{UNSUPPORTED}: GET / x HTTP/1.1"),
            (b"GET / HTTP/1.x", f"{UNSUPPORTED}: GET / HTTP/1.x"),
            (b"GET / http/1.1", f"{UNSUPPORTED}: GET / http/1.1"),
            (b"GET / HTTP/11", f"{UNSUPPORTED}: GET / HTTP/11"),
            (b"GET / HTTP/\xd9\xa1.1", f"{UNSUPPORTED}: GET / HTTP/\u0661.1"),
            (b"GET  / HTTP/1.1", f"{UNSUPPORTED}: GET  / HTTP/1.1"),
            (b" GET / HTTP/1.1", f"{UNSUPPORTED}:  GET / HTTP/1.1"),
            # Stricter than upstream, which accepts these.
            (b"GET  HTTP/1.1", "invalid HTTP request target: "),
            (b"G(T / HTTP/1.1", "invalid HTTP method: G(T"),
            (b"GET /\x7f HTTP/1.1", "invalid HTTP request target: /\x7f"),
            (b"GET /\x00 HTTP/1.1", "invalid HTTP request target: /\x00"),
            (b"GET /a\rb HTTP/1.1", "invalid HTTP request target: /a\rb"),
        ],
    )
    def test_invalid_request_line(self, request_line: bytes, message: str) -> None:
        with pytest.raises(ValueError) as exc_info:
            parse_request(request_line + b"\r\n\r\n")
        assert type(exc_info.value) is ValueError
        assert str(exc_info.value) == message

    @pytest.mark.parametrize(
        "request_line",
        [b"G\xc9T / HTTP/1.1", b"GET /caf\xc3\xa9 HTTP/1.1", b"GET /caf\xe9 HTTP/1.1"],
    )
    def test_non_ascii_request_line(self, request_line: bytes) -> None:
        # Like upstream: UnicodeDecodeError, a subclass of ValueError.
        with pytest.raises(UnicodeDecodeError) as exc_info:
            parse_request(request_line + b"\r\n\r\n")
        assert exc_info.value.encoding == "ascii"

    def test_request_line_without_crlf(self) -> None:
        # Like upstream, a line that ends with a bare LF counts as incomplete.
        with pytest.raises(EOFError) as exc_info:
            parse_request(b"GET / HTTP/1.1\n\r\n")
        assert str(exc_info.value) == "connection closed while reading HTTP request line"
        assert str(exc_info.value.__cause__) == "line without CRLF"

    def test_request_line_at_limit(self, mode: str) -> None:
        line = b"GET /" + b"a" * (8192 - 16) + b" HTTP/1.1\r\n"
        assert len(line) == 8192
        request = parse_request(line + b"\r\n", mode)
        assert request.path == "/" + "a" * (8192 - 16)

    def test_request_line_too_long(self) -> None:
        line = b"GET /" + b"a" * (8192 - 15) + b" HTTP/1.1\r\n"
        assert len(line) == 8193
        with pytest.raises(RequestLineTooLong) as exc_info:
            parse_request(line + b"\r\n")
        assert str(exc_info.value) == "read 8193 bytes, expected no more than 8192 bytes"
        assert exc_info.value.__cause__ is None

    def test_request_line_too_long_without_newline(self, limits: None, mode: str) -> None:
        # Doesn't wait for the end of the line to detect that it's too long.
        with pytest.raises(RequestLineTooLong, match="expected no more than 32 bytes"):
            parse_request(b"GET /" + b"a" * 40, mode)

    def test_eof_before_request(self) -> None:
        with pytest.raises(EOFError, match="connection closed while reading HTTP request line"):
            parse_request(b"", eof=True)

    def test_eof_in_request_line(self, mode: str) -> None:
        with pytest.raises(EOFError) as exc_info:
            parse_request(b"GET / HTTP", mode, eof=True)
        assert str(exc_info.value) == "connection closed while reading HTTP request line"
        assert isinstance(exc_info.value.__cause__, EOFError)

    def test_eof_in_headers(self, mode: str) -> None:
        with pytest.raises(EOFError, match="connection closed while reading HTTP headers"):
            parse_request(b"GET / HTTP/1.1\r\nHost: a\r\n", mode, eof=True)

    def test_transfer_encoding(self) -> None:
        with pytest.raises(NotImplementedError, match="transfer codings aren't supported"):
            parse_request(b"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")

    def test_content_length_zero(self) -> None:
        request = parse_request(b"GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
        assert request.headers["Content-Length"] == "0"

    def test_content_length_zero_repeated(self) -> None:
        data = b"GET / HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n"
        assert parse_request(data).headers.get_all("Content-Length") == ["0", "0"]

    def test_content_length(self) -> None:
        with pytest.raises(ValueError, match="unsupported request body"):
            parse_request(b"GET / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc")

    def test_content_length_repeated(self) -> None:
        with pytest.raises(ValueError, match="unsupported request body"):
            parse_request(b"GET / HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 3\r\n\r\n")

    @pytest.mark.parametrize("value", ["", "x", "-1", "+1", "0x0", "1 0", "00"])
    def test_invalid_content_length(self, value: str) -> None:
        # Like upstream, anything but "0" is a body.
        data = f"GET / HTTP/1.1\r\nContent-Length: {value}\r\n\r\n".encode()
        with pytest.raises(ValueError) as exc_info:
            parse_request(data)
        assert str(exc_info.value) == "unsupported request body"


class TestParseHeaders:
    """Header parsing, shared by requests and responses."""

    def parse_headers(self, lines: bytes, mode: str = WHOLE) -> Headers:
        return parse_request(b"GET / HTTP/1.1\r\n" + lines + b"\r\n", mode).headers

    def test_ows(self, mode: str) -> None:
        headers = self.parse_headers(b"A:1\r\nB: 2\r\nC:\t 3 \t\r\nD:   \r\nE:\r\n", mode)
        assert list(headers.raw_items()) == [
            ("A", "1"),
            ("B", "2"),
            ("C", "3"),
            ("D", ""),
            ("E", ""),
        ]

    def test_inner_whitespace_preserved(self) -> None:
        headers = self.parse_headers(b"User-Agent: a b\t c\r\n")
        assert headers["User-Agent"] == "a b\t c"

    def test_colon_in_value(self) -> None:
        headers = self.parse_headers(b"Host: example.com:8080\r\n")
        assert headers["Host"] == "example.com:8080"

    def test_repeated_headers(self) -> None:
        headers = self.parse_headers(b"Set-Cookie: a=1\r\nset-cookie: b=2\r\n")
        assert headers.get_all("Set-Cookie") == ["a=1", "b=2"]

    def test_obs_text_decoded_as_latin_1(self) -> None:
        headers = self.parse_headers(b"X-Name: caf\xe9 \xc3\xa9\r\n")
        assert headers["X-Name"] == "caf\xe9 \xc3\xa9"

    def test_token_characters_in_name(self) -> None:
        headers = self.parse_headers(b"!#$%&'*+-.^_`|~09azAZ: x\r\n")
        assert headers["!#$%&'*+-.^_`|~09azAZ"] == "x"

    @pytest.mark.parametrize(
        ("line", "message"),
        [
            (b"Host", "invalid HTTP header line: Host"),
            (b"Host example.com", "invalid HTTP header line: Host example.com"),
            (b": value", "invalid HTTP header name: "),
            (b"Host : example.com", "invalid HTTP header name: Host "),
            (b"Ho(st: example.com", "invalid HTTP header name: Ho(st"),
            (b"H\xe9: x", "invalid HTTP header name: H\\xe9"),
            (b"X: a\rb", "invalid HTTP header value: a\rb"),
            (b"X: a\x00b", "invalid HTTP header value: a\x00b"),
            (b"X: a\x7fb", "invalid HTTP header value: a\x7fb"),
            (b"X: \x1b", "invalid HTTP header value: \x1b"),
        ],
    )
    def test_invalid_header_line(self, line: bytes, message: str) -> None:
        with pytest.raises(ValueError) as exc_info:
            self.parse_headers(line + b"\r\n")
        assert str(exc_info.value) == message

    @pytest.mark.parametrize(
        ("fold", "message"),
        [
            (b" b", "invalid HTTP header line:  b"),
            (b"\tb", "invalid HTTP header line: \tb"),
            (b" b: c", "invalid HTTP header name:  b"),
        ],
    )
    def test_obsolete_line_folding(self, fold: bytes, message: str) -> None:
        with pytest.raises(ValueError) as exc_info:
            self.parse_headers(b"X-Long: a\r\n" + fold + b"\r\n")
        assert str(exc_info.value) == message

    def test_header_line_without_crlf(self) -> None:
        with pytest.raises(EOFError, match="connection closed while reading HTTP headers"):
            self.parse_headers(b"Host: a\n")

    def test_end_of_headers_without_crlf(self) -> None:
        with pytest.raises(EOFError, match="connection closed while reading HTTP headers"):
            parse_request(b"GET / HTTP/1.1\r\nHost: a\r\n\n")

    def test_max_num_headers(self, mode: str) -> None:
        lines = b"".join(f"X-{i}: {i}\r\n".encode() for i in range(128))
        headers = self.parse_headers(lines, mode)
        assert len(headers) == 128

    def test_too_many_headers(self, mode: str) -> None:
        lines = b"".join(f"X-{i}: {i}\r\n".encode() for i in range(129))
        with pytest.raises(TooManyHeaders) as exc_info:
            self.parse_headers(lines, mode)
        assert str(exc_info.value) == "expected no more than 128 headers"

    def test_too_many_repeated_headers(self, limits: None) -> None:
        with pytest.raises(TooManyHeaders, match="expected no more than 4 headers"):
            self.parse_headers(b"X: 1\r\n" * 5)

    def test_header_line_at_limit(self, mode: str) -> None:
        line = b"X: " + b"a" * (8192 - 5) + b"\r\n"
        assert len(line) == 8192
        headers = self.parse_headers(line, mode)
        assert headers["X"] == "a" * (8192 - 5)

    def test_header_line_too_long(self) -> None:
        line = b"X: " + b"a" * (8192 - 4) + b"\r\n"
        with pytest.raises(HeaderLineTooLong) as exc_info:
            self.parse_headers(line)
        assert str(exc_info.value) == "read 8193 bytes, expected no more than 8192 bytes"

    def test_header_line_too_long_without_newline(self, limits: None, mode: str) -> None:
        with pytest.raises(HeaderLineTooLong, match="expected no more than 32 bytes"):
            parse_request(b"GET / HTTP/1.1\r\nX: " + b"a" * 40, mode)


class TestSharedStrings:
    """Strings common to every handshake are shared between connections."""

    HANDSHAKE = (
        b"GET / HTTP/1.1\r\n"
        b"Host: example.com\r\n"
        b"Upgrade: websocket\r\n"
        b"Connection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        b"Sec-WebSocket-Version: 13\r\n"
        b"Origin: https://example.com\r\n"
        b"\r\n"
    )

    def test_common_strings_are_shared(self, mode: str) -> None:
        first = parse_request(self.HANDSHAKE, mode)
        second = parse_request(self.HANDSHAKE, mode)
        assert first == second
        assert first.method is second.method
        assert first.protocol is second.protocol
        for (name1, value1), (name2, value2) in zip(
            first.headers.raw_items(), second.headers.raw_items(), strict=True
        ):
            assert name1 is name2, name1
            if name1 in ("Upgrade", "Connection", "Sec-WebSocket-Version"):
                assert value1 is value2, value1

    def test_common_lines_share_their_pair(self) -> None:
        first = list(parse_request(self.HANDSHAKE).headers.raw_items())
        second = list(parse_request(self.HANDSHAKE).headers.raw_items())
        assert first[1] == ("Upgrade", "websocket")
        assert first[1] is second[1]
        assert first[0] is not second[0]  # the host isn't a common line

    @pytest.mark.parametrize(
        "line",
        [
            b"Upgrade:websocket",
            b"Upgrade: websocket ",
            b"upgrade: websocket",
            b"Upgrade:\twebsocket",
        ],
    )
    def test_variants_of_common_lines(self, line: bytes) -> None:
        headers = parse_request(b"GET / HTTP/1.1\r\n" + line + b"\r\n\r\n").headers
        assert headers["Upgrade"] == "websocket"
        ((name, value),) = headers.raw_items()
        assert (name, value) == (line.partition(b":")[0].decode(), "websocket")

    def test_uncommon_strings_are_decoded(self) -> None:
        strings, fields = dict(http11._STRINGS), dict(http11._FIELDS)
        headers = parse_request(
            b"POST / HTTP/1.0\r\nX-Custom: caf\xe9\r\nUpgrade: WEBSOCKET\r\n\r\n"
        )
        assert list(headers.headers.raw_items()) == [
            ("X-Custom", "caf\xe9"),
            ("Upgrade", "WEBSOCKET"),
        ]
        assert (headers.method, headers.protocol) == ("POST", "HTTP/1.0")
        # Peer input never grows the tables.
        assert http11._STRINGS == strings and http11._FIELDS == fields

    def test_reason_phrase_is_shared(self) -> None:
        response = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"
        first, second = parse_response(response), parse_response(response)
        assert first.reason_phrase == "Switching Protocols"
        assert first.reason_phrase is second.reason_phrase

    def test_common_lines_are_checked_like_others(self) -> None:
        # A default value from the environment that the grammar rejects or
        # that has OWS isn't a common line: it's parsed like any other.
        env = dict(os.environ, WEBSOCKETS_USER_AGENT="agent ", WEBSOCKETS_SERVER="bad\x01")
        output = run_python(
            "from websockets.http11 import Request, _FIELDS\n"
            "from websockets.streams import StreamReader\n"
            "print(sorted(n for n, _ in _FIELDS.values() if n in ('User-Agent', 'Server')))\n"
            "for line in [b'User-Agent: agent ', b'Server: bad\\x01']:\n"
            "    reader = StreamReader()\n"
            "    reader.feed_data(b'GET / HTTP/1.1\\r\\n' + line + b'\\r\\n\\r\\n')\n"
            "    try:\n"
            "        next(Request.parse(reader.read_line))\n"
            "    except StopIteration as exc:\n"
            "        print(list(exc.value.headers.raw_items()))\n"
            "    except ValueError as exc:\n"
            "        print(ascii(str(exc)))\n",
            env,
        )
        assert output.splitlines() == [
            "[]",
            "[('User-Agent', 'agent')]",
            "'invalid HTTP header value: bad\\x01'",
        ]


class TestRequestSerialize:
    def test_serialize(self) -> None:
        request = Request("/chat", Headers([("Host", "example.com"), ("Upgrade", "websocket")]))
        assert request.serialize() == (
            b"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\r\n"
        )

    def test_serialize_method_and_protocol(self) -> None:
        request = Request("/", Headers(), method="OPTIONS", protocol="HTTP/1.0")
        assert request.serialize() == b"OPTIONS / HTTP/1.0\r\n\r\n"

    def test_round_trip_handshake(self) -> None:
        request = parse_request(REQUEST)
        assert request.serialize() == REQUEST
        assert parse_request(request.serialize()) == request

    def test_headers_are_latin_1(self) -> None:
        request = Request("/", Headers([("X", "caf\xe9")]))
        assert request.serialize() == b"GET / HTTP/1.1\r\nX: caf\xe9\r\n\r\n"

    @pytest.mark.parametrize("protocol", ["HTTP/1.1\r\nX-Injected: 1", "HTTP/2.0", ""])
    def test_invalid_protocol(self, protocol: str) -> None:
        with pytest.raises(ValueError, match="invalid HTTP version"):
            Request("/", Headers(), protocol=protocol).serialize()

    def test_non_ascii_path(self) -> None:
        # Like upstream: a path must be percent-encoded.
        with pytest.raises(UnicodeEncodeError):
            Request("/caf\xe9", Headers()).serialize()

    @pytest.mark.parametrize("path", ["/a\r\nX: y", "/a b", "", "/\x00"])
    def test_invalid_path(self, path: str) -> None:
        with pytest.raises(ValueError) as exc_info:
            Request(path, Headers()).serialize()
        assert str(exc_info.value) == f"invalid HTTP request target: {path!r}"

    @pytest.mark.parametrize("method", ["GET / HTTP/1.1\r\nX:", "G T", ""])
    def test_invalid_method(self, method: str) -> None:
        with pytest.raises(ValueError) as exc_info:
            Request("/", Headers(), method=method).serialize()
        assert str(exc_info.value) == f"invalid HTTP method: {method!r}"


class TestRequestException:
    def test_exception_is_deprecated(self) -> None:
        error = ValueError("bad")
        request = Request("/", Headers(), _exception=error)
        with pytest.warns(DeprecationWarning, match="handshake_exc"):
            assert request.exception is error

    def test_exception_is_read_only(self) -> None:
        request = Request("/", Headers())
        with pytest.raises(AttributeError):
            request.exception = ValueError()  # type: ignore[misc]


class TestResponseParse:
    def test_handshake_response(self, mode: str) -> None:
        reader = StreamReader()
        response = parse_response(RESPONSE + b"\x81\x00", mode, reader=reader)
        assert response.status_code == 101
        assert response.reason_phrase == "Switching Protocols"
        assert list(response.headers.raw_items()) == [
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
        ]
        assert response.body == b""
        assert response._exception is None
        # The body of a 101 response is empty: what follows is WebSocket data.
        assert reader.buffer == b"\x81\x00"

    def test_waits_for_the_last_byte(self) -> None:
        reader = StreamReader()
        parser = Response.parse(reader.read_line, reader.read_exact, reader.read_to_eof)
        next(parser)
        for byte in split(RESPONSE[:-1], BYTEWISE):
            reader.feed_data(byte)
            assert next(parser) is None
        reader.feed_data(RESPONSE[-1:])
        with pytest.raises(StopIteration) as exc_info:
            next(parser)
        assert exc_info.value.value.status_code == 101

    @pytest.mark.parametrize(
        ("status_line", "status_code", "reason_phrase"),
        [
            (b"HTTP/1.1 101 Switching Protocols", 101, "Switching Protocols"),
            (b"HTTP/1.1 101 ", 101, ""),
            (b"HTTP/1.1 101  two  spaces ", 101, " two  spaces "),
            (b"HTTP/1.1 101 tab\there", 101, "tab\there"),
            (b"HTTP/1.1 101 caf\xe9", 101, "caf\xe9"),
            (b"HTTP/1.1 100 Continue", 100, "Continue"),
            (b"HTTP/1.1 199 x", 199, "x"),
        ],
    )
    def test_status_line(self, status_line: bytes, status_code: int, reason_phrase: str) -> None:
        response = parse_response(status_line + b"\r\n\r\n")
        assert response.status_code == status_code
        assert response.reason_phrase == reason_phrase

    @pytest.mark.parametrize(
        ("status_line", "message"),
        [
            (b"HTTP/1.1 101", "invalid HTTP status line: HTTP/1.1 101"),
            (b"HTTP/1.1", "invalid HTTP status line: HTTP/1.1"),
            (b"", "invalid HTTP status line: "),
            (b"HTTP/1.0 101 OK", "unsupported protocol; expected HTTP/1.1: HTTP/1.0 101 OK"),
            (b"HTTP/2.0 101 OK", "unsupported protocol; expected HTTP/1.1: HTTP/2.0 101 OK"),
            (b"ICY 200 OK", "unsupported protocol; expected HTTP/1.1: ICY 200 OK"),
            (b"http/1.1 101 OK", "unsupported protocol; expected HTTP/1.1: http/1.1 101 OK"),
            (b"HTTP/1.1  101 OK", "invalid status code; expected integer; got "),
            (b"HTTP/1.1 1O1 OK", "invalid status code; expected integer; got 1O1"),
            (b"HTTP/1.1 +11 OK", "invalid status code; expected integer; got +11"),
            (
                b"HTTP/1.1 \xd9\xa1\xd9\xa0\xd9\xa1 OK",
                "invalid status code; expected integer; got \u0661\u0660\u0661",
            ),
            (b"HTTP/1.1 1011 OK", "invalid status code; expected 100\u2013599; got 1011"),
            (b"HTTP/1.1 11 OK", "invalid status code; expected 100\u2013599; got 11"),
            (b"HTTP/1.1 099 OK", "invalid status code; expected 100\u2013599; got 099"),
            (b"HTTP/1.1 600 OK", "invalid status code; expected 100\u2013599; got 600"),
            # Stricter than upstream, which accepts it: a status code has 3 digits.
            (b"HTTP/1.1 0101 OK", "invalid status code; expected 100\u2013599; got 0101"),
            (b"HTTP/1.1 101 O\x00K", "invalid HTTP reason phrase: O\x00K"),
            (b"HTTP/1.1 101 O\x7fK", "invalid HTTP reason phrase: O\x7fK"),
            (b"HTTP/1.1 101 O\rK", "invalid HTTP reason phrase: O\rK"),
        ],
    )
    def test_invalid_status_line(self, status_line: bytes, message: str) -> None:
        with pytest.raises(ValueError) as exc_info:
            parse_response(status_line + b"\r\n\r\n")
        assert str(exc_info.value) == message

    def test_status_line_without_crlf(self) -> None:
        with pytest.raises(EOFError, match="connection closed while reading HTTP status line"):
            parse_response(b"HTTP/1.1 101 Switching Protocols\n\r\n")

    def test_reason_phrase_is_latin_1(self) -> None:
        # UTF-8 bytes aren't decoded as UTF-8: every byte is one character.
        response = parse_response(b"HTTP/1.1 200 caf\xc3\xa9\r\nContent-Length: 0\r\n\r\n")
        assert response.reason_phrase == "caf\xc3\xa9"

    def test_proxy_http_1_0(self, mode: str) -> None:
        # Some proxies still answer CONNECT with HTTP/1.0.
        reader = StreamReader()
        data = b"HTTP/1.0 200 Connection established\r\n\r\nTLS"
        response = parse_response(data, mode, proxy=True, reader=reader)
        assert (response.status_code, response.reason_phrase) == (200, "Connection established")
        assert reader.buffer == b"TLS"

    def test_proxy_handshake_http_1_0(self) -> None:
        # Through the CONNECT handshake that clients perform.
        handshake = HTTPProxyHandshake(parse_proxy("http://proxy:8080"), parse_uri("ws://a/"))
        handshake.receive_data(b"HTTP/1.0 200 Connection established\r\n\r\n\x81\x00")
        assert handshake.done
        assert handshake.exc is None
        assert handshake.tunnel_data() == b"\x81\x00"

    @pytest.mark.parametrize("protocol", [b"HTTP/2.0", b"HTTP/0.9", b"ICY"])
    def test_proxy_other_protocol(self, protocol: bytes) -> None:
        with pytest.raises(ValueError) as exc_info:
            parse_response(protocol + b" 200 OK\r\n\r\n", proxy=True)
        assert str(exc_info.value) == (
            f"unsupported protocol; expected HTTP/1.1 or HTTP/1.0: {protocol.decode()} 200 OK"
        )

    def test_status_line_too_long(self, mode: str) -> None:
        line = b"HTTP/1.1 101 " + b"a" * (8192 - 14) + b"\r\n"
        assert len(line) == 8193
        with pytest.raises(StatusLineTooLong, match="expected no more than 8192 bytes"):
            parse_response(line + b"\r\n", mode)

    def test_status_line_at_limit(self) -> None:
        line = b"HTTP/1.1 101 " + b"a" * (8192 - 15) + b"\r\n"
        response = parse_response(line + b"\r\n")
        assert response.reason_phrase == "a" * (8192 - 15)

    def test_header_line_too_long(self, limits: None) -> None:
        with pytest.raises(HeaderLineTooLong, match="expected no more than 32 bytes"):
            parse_response(b"HTTP/1.1 101 OK\r\nX: " + b"a" * 40 + b"\r\n\r\n")

    def test_too_many_headers(self, limits: None) -> None:
        with pytest.raises(TooManyHeaders, match="expected no more than 4 headers"):
            parse_response(b"HTTP/1.1 101 OK\r\n" + b"X: 1\r\n" * 5 + b"\r\n")

    def test_eof_before_response(self) -> None:
        with pytest.raises(EOFError, match="connection closed while reading HTTP status line"):
            parse_response(b"", eof=True)

    def test_eof_in_status_line(self, mode: str) -> None:
        with pytest.raises(EOFError, match="connection closed while reading HTTP status line"):
            parse_response(b"HTTP/1.1 10", mode, eof=True)

    def test_eof_in_headers(self, mode: str) -> None:
        with pytest.raises(EOFError, match="connection closed while reading HTTP headers"):
            parse_response(b"HTTP/1.1 101 OK\r\nUpgrade: websocket\r\n", mode, eof=True)


class TestResponseBody:
    @pytest.mark.parametrize("status_code", [100, 101, 103, 199, 204, 304])
    def test_no_body(self, status_code: int) -> None:
        # Content-Length doesn't apply to these responses.
        reader = StreamReader()
        data = f"HTTP/1.1 {status_code} X\r\nContent-Length: 3\r\n\r\nabc".encode()
        response = parse_response(data, reader=reader)
        assert response.body == b""
        assert reader.buffer == b"abc"

    def test_content_length(self, mode: str) -> None:
        reader = StreamReader()
        data = b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot foundEXTRA"
        response = parse_response(data, mode, reader=reader)
        assert response.status_code == 404
        assert response.body == b"not found"
        assert reader.buffer == b"EXTRA"

    def test_content_length_zero(self) -> None:
        response = parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        assert response.body == b""

    def test_content_length_at_limit(self, limits: None) -> None:
        body = b"a" * 16
        response = parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\n" + body)
        assert response.body == body

    def test_content_length_too_large(self, limits: None) -> None:
        with pytest.raises(SecurityError) as exc_info:
            parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 17\r\n\r\n")
        assert str(exc_info.value) == "body too large: 17 bytes"

    @pytest.mark.parametrize("digits", [20, 4301, 6000])
    def test_content_length_with_many_digits(self, digits: int) -> None:
        # int() refuses more than 4300 digits with ValueError: it's never reached.
        data = b"HTTP/1.1 200 OK\r\nContent-Length: " + b"9" * digits + b"\r\n\r\n"
        with pytest.raises(SecurityError, match=r"^body too large: 9+ bytes$"):
            parse_response(data)

    def test_content_length_with_leading_zeros(self) -> None:
        data = b"HTTP/1.1 200 OK\r\nContent-Length: " + b"0" * 5000 + b"3\r\n\r\nabc"
        assert parse_response(data).body == b"abc"

    def test_content_length_too_large_default_limit(self) -> None:
        with pytest.raises(SecurityError, match="body too large: 1048577 bytes"):
            parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 1048577\r\n\r\n")

    @pytest.mark.parametrize("value", ["", "x", "-1", "+1", "0x10", "1 0", "1,1"])
    def test_invalid_content_length(self, value: str) -> None:
        # Like upstream: SecurityError.
        data = f"HTTP/1.1 200 OK\r\nContent-Length: {value}\r\n\r\n".encode()
        with pytest.raises(SecurityError) as exc_info:
            parse_response(data)
        assert str(exc_info.value) == f"invalid content length: {value}"

    def test_multiple_content_length(self) -> None:
        # Like upstream: MultipleValuesError, a LookupError.
        data = b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na"
        with pytest.raises(MultipleValuesError) as exc_info:
            parse_response(data)
        assert str(exc_info.value) == "'Content-Length'"

    def test_eof_in_body(self, mode: str) -> None:
        data = b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nnot"
        with pytest.raises(EOFError) as exc_info:
            parse_response(data, mode, eof=True)
        assert str(exc_info.value) == "stream ends after 3 bytes, expected 9 bytes"

    def test_body_until_eof(self, mode: str) -> None:
        data = b"HTTP/1.1 500 Internal Server Error\r\n\r\nerror page"
        response = parse_response(data, mode, eof=True)
        assert response.body == b"error page"

    def test_body_until_eof_is_bytearray(self) -> None:
        # Like upstream: the body is what StreamReader.read_to_eof() returns.
        data = b"HTTP/1.1 500 Internal Server Error\r\n\r\nerror page"
        response = parse_response(data, eof=True)
        assert type(response.body) is bytearray
        assert response.serialize().endswith(b"\r\n\r\nerror page")

    def test_body_until_eof_waits_for_eof(self) -> None:
        reader = StreamReader()
        parser = Response.parse(reader.read_line, reader.read_exact, reader.read_to_eof)
        reader.feed_data(b"HTTP/1.1 200 OK\r\n\r\nbody")
        assert next(parser) is None
        reader.feed_data(b" more")
        assert next(parser) is None
        reader.feed_eof()
        with pytest.raises(StopIteration) as exc_info:
            next(parser)
        assert exc_info.value.value.body == b"body more"

    def test_body_until_eof_at_limit(self, limits: None) -> None:
        response = parse_response(b"HTTP/1.1 200 OK\r\n\r\n" + b"a" * 16, eof=True)
        assert response.body == b"a" * 16

    def test_body_until_eof_too_large(self, limits: None, mode: str) -> None:
        # Upstream misses this when the end of the stream arrives with the
        # last bytes; the limit holds anyway here.
        with pytest.raises(SecurityError) as exc_info:
            parse_response(b"HTTP/1.1 200 OK\r\n\r\n" + b"a" * 17, mode, eof=True)
        assert str(exc_info.value) == "read 17 bytes, expected no more than 16 bytes"

    def test_body_until_eof_too_large_before_eof(self, limits: None) -> None:
        # Detected without waiting for the end of the stream.
        with pytest.raises(SecurityError) as exc_info:
            parse_response(b"HTTP/1.1 200 OK\r\n\r\n" + b"a" * 17, BYTEWISE)
        assert type(exc_info.value) is SecurityError
        assert str(exc_info.value) == "read 17 bytes, expected no more than 16 bytes"

    def test_proxy_2xx_has_no_body(self, mode: str) -> None:
        reader = StreamReader()
        data = b"HTTP/1.1 200 Connection established\r\nContent-Length: 3\r\n\r\nTLS"
        response = parse_response(data, mode, proxy=True, reader=reader)
        assert response.status_code == 200
        assert response.body == b""
        assert reader.buffer == b"TLS"

    def test_proxy_2xx_without_length_has_no_body(self) -> None:
        reader = StreamReader()
        response = parse_response(b"HTTP/1.1 299 OK\r\n\r\nTLS", proxy=True, reader=reader)
        assert response.body == b""
        assert reader.buffer == b"TLS"

    def test_proxy_error_has_body(self) -> None:
        data = b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 4\r\n\r\ndeny"
        response = parse_response(data, proxy=True)
        assert response.body == b"deny"

    def test_2xx_without_proxy_has_body(self) -> None:
        data = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nTLS"
        assert parse_response(data).body == b"TLS"


class TestResponseChunked:
    HEAD = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"

    def test_chunked(self, mode: str) -> None:
        reader = StreamReader()
        data = self.HEAD + b"4\r\nWiki\r\n6\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\n\r\nNEXT"
        response = parse_response(data, mode, reader=reader)
        assert response.body == b"Wikipedia in \r\n\r\nchunks."
        assert reader.buffer == b"NEXT"

    def test_empty(self) -> None:
        assert parse_response(self.HEAD + b"0\r\n\r\n").body == b""

    def test_many_tiny_chunks(self) -> None:
        # Collected in one buffer, not one object per chunk.
        data = self.HEAD + b"1\r\nx\r\n" * 100_000 + b"0\r\n\r\n"
        body = parse_response(data).body
        assert type(body) is bytes
        assert body == b"x" * 100_000

    def test_hex_sizes(self) -> None:
        body = b"x" * 0x1A + b"y" * 0xB
        data = self.HEAD + b"1a\r\n" + b"x" * 0x1A + b"\r\n0B\r\n" + b"y" * 0xB + b"\r\n000\r\n\r\n"
        assert parse_response(data).body == body

    def test_chunk_extensions(self, mode: str) -> None:
        data = self.HEAD + b'3;name=value\r\nabc\r\n2 ; a ; b="c"\r\nde\r\n0;last\r\n\r\n'
        assert parse_response(data, mode).body == b"abcde"

    def test_trailers(self, mode: str) -> None:
        reader = StreamReader()
        data = self.HEAD + b"3\r\nabc\r\n0\r\nExpires: never\r\nX-Checksum: 1\r\n\r\nNEXT"
        response = parse_response(data, mode, reader=reader)
        assert response.body == b"abc"
        assert "Expires" not in response.headers
        assert reader.buffer == b"NEXT"

    @pytest.mark.parametrize(
        "value", ["chunked", "Chunked", "CHUNKED", " chunked ", ", chunked", "chunked,"]
    )
    def test_coding_names(self, value: str) -> None:
        data = f"HTTP/1.1 200 OK\r\nTransfer-Encoding: {value}\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
        assert parse_response(data.encode()).body == b"abc"

    def test_chunked_overrides_content_length(self) -> None:
        data = (
            b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"3\r\nabc\r\n0\r\n\r\n"
        )
        assert parse_response(data).body == b"abc"

    @pytest.mark.parametrize(
        ("lines", "message"),
        [
            (b"Transfer-Encoding: gzip\r\n", "gzip"),
            (b"Transfer-Encoding: gzip, chunked\r\n", "gzip, chunked"),
            (b"Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", "gzip, chunked"),
            (b"Transfer-Encoding: chunked, chunked\r\n", "chunked, chunked"),
            (b"Transfer-Encoding: \r\n", ""),
        ],
    )
    def test_unsupported_coding(self, lines: bytes, message: str) -> None:
        with pytest.raises(NotImplementedError) as exc_info:
            parse_response(b"HTTP/1.1 200 OK\r\n" + lines + b"\r\n")
        assert str(exc_info.value) == f"transfer coding {message} isn't supported"

    @pytest.mark.parametrize("size_line", [b"", b"x", b"-1", b"+1", b"0x3", b" 3", b";3"])
    def test_invalid_chunk_size(self, size_line: bytes) -> None:
        # Like upstream: SecurityError.
        with pytest.raises(SecurityError, match="invalid chunk size"):
            parse_response(self.HEAD + size_line + b"\r\nabc\r\n0\r\n\r\n")

    def test_chunk_size_without_crlf(self) -> None:
        with pytest.raises(EOFError, match="line without CRLF"):
            parse_response(self.HEAD + b"3\nabc\r\n0\r\n\r\n")

    def test_chunk_without_crlf(self) -> None:
        with pytest.raises(ValueError) as exc_info:
            parse_response(self.HEAD + b"3\r\nabcd\r\n0\r\n\r\n")
        assert str(exc_info.value) == "chunk without CRLF"

    def test_body_at_limit(self, limits: None) -> None:
        data = self.HEAD + b"8\r\n" + b"a" * 8 + b"\r\n8\r\n" + b"b" * 8 + b"\r\n0\r\n\r\n"
        assert parse_response(data).body == b"a" * 8 + b"b" * 8

    def test_body_too_large(self, limits: None) -> None:
        # The third chunk exceeds the limit; it isn't even sent.
        data = self.HEAD + b"8\r\n" + b"a" * 8 + b"\r\n8\r\n" + b"b" * 8 + b"\r\n1\r\n"
        with pytest.raises(SecurityError) as exc_info:
            parse_response(data)
        assert str(exc_info.value) == "chunk too large: 1 bytes after 16 bytes"

    def test_huge_chunk_size(self) -> None:
        with pytest.raises(SecurityError, match="chunk too large"):
            parse_response(self.HEAD + b"F" * 100 + b"\r\n")

    def test_chunk_size_line_too_long(self, limits: None, mode: str) -> None:
        with pytest.raises(SecurityError) as exc_info:
            parse_response(self.HEAD + b"1;" + b"x" * 40 + b"\r\na\r\n0\r\n\r\n", mode)
        assert type(exc_info.value) is SecurityError
        assert "expected no more than 32 bytes" in str(exc_info.value)

    def test_too_many_trailers(self, limits: None) -> None:
        with pytest.raises(TooManyHeaders):
            parse_response(self.HEAD + b"0\r\n" + b"X: 1\r\n" * 5 + b"\r\n")

    def test_trailer_line_too_long(self, limits: None) -> None:
        with pytest.raises(HeaderLineTooLong):
            parse_response(self.HEAD + b"0\r\nX: " + b"a" * 40 + b"\r\n\r\n")

    @pytest.mark.parametrize(
        "body",
        [b"", b"3", b"3\r\n", b"3\r\nab", b"3\r\nabc", b"3\r\nabc\r"],
    )
    def test_eof_in_chunks(self, body: bytes, mode: str) -> None:
        with pytest.raises(EOFError, match="stream ends after"):
            parse_response(self.HEAD + body, mode, eof=True)

    def test_eof_in_trailers(self) -> None:
        with pytest.raises(EOFError, match="connection closed while reading HTTP headers"):
            parse_response(self.HEAD + b"0\r\nX: 1\r\n", eof=True)


class TestResponseSerialize:
    def test_serialize(self) -> None:
        response = Response(
            101,
            "Switching Protocols",
            Headers([("Upgrade", "websocket"), ("Connection", "Upgrade")]),
        )
        assert response.serialize() == (
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
        )

    def test_serialize_with_body(self) -> None:
        response = Response(404, "Not Found", Headers([("Content-Length", "3")]), b"404")
        assert response.serialize() == (b"HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\n404")

    @pytest.mark.parametrize("status_code", [-1, 0, 99, 600, 2000])
    def test_invalid_status_code(self, status_code: int) -> None:
        with pytest.raises(ValueError, match="invalid HTTP status code"):
            Response(status_code, "OK", Headers()).serialize()

    def test_serialize_bytearray_body(self) -> None:
        response = Response(200, "OK", Headers(), bytearray(b"abc"))
        assert response.serialize() == b"HTTP/1.1 200 OK\r\n\r\nabc"

    def test_round_trip_handshake(self) -> None:
        response = parse_response(RESPONSE)
        assert response.serialize() == RESPONSE
        assert parse_response(response.serialize()) == response

    def test_reason_phrase_is_latin_1(self) -> None:
        response = Response(101, "caf\xe9", Headers([("X", "\xff")]))
        assert response.serialize() == b"HTTP/1.1 101 caf\xe9\r\nX: \xff\r\n\r\n"
        assert parse_response(response.serialize()) == response

    def test_reason_phrase_above_latin_1(self) -> None:
        # Like upstream.
        with pytest.raises(UnicodeEncodeError):
            Response(200, "\u2192", Headers()).serialize()

    @pytest.mark.parametrize("reason", ["OK\r\nX: y", "OK\n", "O\x00K", "O\x7fK"])
    def test_invalid_reason_phrase(self, reason: str) -> None:
        # Upstream sends these as they are, letting a reason phrase inject
        # headers.
        with pytest.raises(ValueError) as exc_info:
            Response(200, reason, Headers()).serialize()
        assert str(exc_info.value) == f"invalid HTTP reason phrase: {reason!r}"

    def test_status_code_enum(self) -> None:
        response = Response(http.HTTPStatus.OK, "OK", Headers())
        assert response.serialize() == b"HTTP/1.1 200 OK\r\n\r\n"


class TestResponseException:
    def test_exception_is_deprecated(self) -> None:
        error = ValueError("bad")
        response = Response(101, "Switching Protocols", Headers(), _exception=error)
        with pytest.warns(DeprecationWarning, match="handshake_exc"):
            assert response.exception is error

    def test_exception_is_read_only(self) -> None:
        response = Response(101, "Switching Protocols", Headers())
        with pytest.raises(AttributeError):
            response.exception = ValueError()  # type: ignore[misc]


# Round trips: parse(serialize(x)) == x.

TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
tokens = st.text(alphabet=TCHARS, min_size=1, max_size=20)
# Header values without leading or trailing whitespace, which parsing strips.
header_values = st.from_regex(r"([\x21-\x7e]([\x20-\x7e\t]*[\x21-\x7e])?)?", fullmatch=True)
header_names = tokens.filter(
    lambda name: name.lower() not in {"content-length", "transfer-encoding"}
)
header_lists = st.lists(st.tuples(header_names, header_values), max_size=10)


@given(
    path=st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1),
    headers=header_lists,
    method=tokens,
    protocol=st.sampled_from(["HTTP/1.1", "HTTP/1.0"]),
)
def test_request_round_trip(
    path: str, headers: list[tuple[str, str]], method: str, protocol: str
) -> None:
    request = Request(path, Headers(headers), method, protocol)
    parsed = parse_request(request.serialize())
    assert parsed == request
    assert list(parsed.headers.raw_items()) == headers


@given(
    status_code=st.integers(100, 599),
    reason_phrase=st.text(
        alphabet=st.sampled_from(
            ["\t"] + [chr(i) for i in [*range(0x20, 0x7F), *range(0x80, 0x100)]]
        )
    ),
    headers=header_lists,
    body=st.binary(max_size=100),
)
def test_response_round_trip(
    status_code: int, reason_phrase: str, headers: list[tuple[str, str]], body: bytes
) -> None:
    if 100 <= status_code < 200 or status_code in (204, 304):
        body = b""
    else:
        headers = [*headers, ("Content-Length", str(len(body)))]
    response = Response(status_code, reason_phrase, Headers(headers), body)
    parsed = parse_response(response.serialize())
    assert parsed == response
    assert list(parsed.headers.raw_items()) == headers


@given(body=st.binary(max_size=200), cuts=st.lists(st.integers(0, 200), max_size=10))
def test_chunked_body_in_any_chunks(body: bytes, cuts: list[int]) -> None:
    points = sorted({0, len(body), *(cut for cut in cuts if cut < len(body))})
    chunks = [body[start:end] for start, end in itertools.pairwise(points)]
    data = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    data += b"".join(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" for chunk in chunks)
    data += b"0\r\n\r\n"
    assert parse_response(data).body == body
    assert parse_response(data, BYTEWISE).body == body
