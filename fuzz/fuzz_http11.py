"""Fuzz target: the HTTP/1.1 parsers of the opening handshake,
:meth:`websockets.http11.Request.parse` and
:meth:`websockets.http11.Response.parse`, driven by a
:class:`websockets.streams.StreamReader` as the protocols drive them, and
the proxy's response through :class:`websockets.proxy.HTTPProxyHandshake`.

Input layout: byte 0 chooses the parser (0: request, 1: response, 2: response
to ``CONNECT`` through ``HTTPProxyHandshake``); byte 1 is 0 to feed the
message in one chunk, or N > 0 to split it in chunks of 1 to N bytes; the
rest is the message. The end of the stream follows it.

Beyond raising only documented exceptions: the parser finishes at EOF, a
parsed message respects the limits, and serializing it then parsing it again
gives the same message.

"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from fuzz import _harness

with _harness.instrumented():
    from fuzz import _checks
    from websockets import http11
    from websockets.exceptions import InvalidProxyMessage, InvalidProxyStatus
    from websockets.http11 import Request, Response
    from websockets.proxy import HTTPProxyHandshake, parse_proxy
    from websockets.streams import StreamReader
    from websockets.uri import parse_uri

PROXY = parse_proxy("http://proxy.example:3128")
URI = parse_uri("wss://example.com/")


def drive(parser: Generator[None, None, Any], reader: StreamReader, chunks: list[bytes]) -> Any:
    """Feed chunks then EOF to a parser; return its result or raise its error."""
    next_chunk = iter(chunks)
    try:
        next(parser)
        for chunk in next_chunk:
            reader.feed_data(chunk)
            next(parser)
        reader.feed_eof()
        next(parser)
    except StopIteration as done:
        return done.value
    raise AssertionError("parser didn't finish at EOF")


def parse_again(message: Request | Response, proxy: bool) -> Request | Response:
    reader = StreamReader()
    reader.feed_data(message.serialize())
    reader.feed_eof()
    parser: Generator[None, None, Any]
    if isinstance(message, Request):
        parser = Request.parse(reader.read_line)
    else:
        parser = Response.parse(reader.read_line, reader.read_exact, reader.read_to_eof, proxy)
    try:
        next(parser)
    except StopIteration as done:
        assert not reader.buffer, "serialized message has extra bytes"
        result: Request | Response = done.value
        return result
    raise AssertionError("parser didn't finish")


def check_message(message: Request | Response, proxy: bool) -> None:
    headers = list(message.headers.raw_items())
    assert len(headers) <= http11.MAX_NUM_HEADERS
    for name, value in headers:
        assert name and value == value.strip(" \t"), (name, value)
        value.encode("latin-1")  # every character comes from one byte
    if isinstance(message, Response):
        assert 100 <= message.status_code < 600
        assert len(message.body) <= http11.MAX_BODY_SIZE
        # Transfer-Encoding doesn't survive serialization: the body does.
        if "Transfer-Encoding" in message.headers:
            return
    # Parsers decode ISO-8859-1; serialize() encodes UTF-8, for values that
    # applications set. Only ASCII messages go through a round trip.
    if not all(name.isascii() and value.isascii() for name, value in headers):
        return
    if isinstance(message, Response) and not message.reason_phrase.isascii():
        return
    again = parse_again(message, proxy)
    assert again == message, f"{again} != {message}"


def check_proxy_handshake(chunks: list[bytes]) -> None:
    handshake = HTTPProxyHandshake(PROXY, URI)
    for chunk in chunks:
        handshake.receive_data(chunk)
    if not handshake.done:
        handshake.receive_eof()
    assert handshake.done
    if handshake.exc is None:
        assert handshake.response is not None and 200 <= handshake.response.status_code < 300
        assert isinstance(handshake.tunnel_data(), bytes)
    elif isinstance(handshake.exc, InvalidProxyMessage):
        assert handshake.exc.__cause__ is not None
        _checks.check_http_error(handshake.exc.__cause__)
    else:
        assert isinstance(handshake.exc, InvalidProxyStatus), repr(handshake.exc)


def test_one_input(data: bytes) -> None:
    source = _harness.Input(data)
    kind = source.byte() % 3
    split = source.byte()
    message = source.rest()
    chunks: list[bytes] = []
    offset = 0
    for size in _checks.split_sizes(len(message), split):
        chunks.append(message[offset : offset + size])
        offset += size

    if kind == 2:
        check_proxy_handshake(chunks)
        return
    reader = StreamReader()
    parser: Generator[None, None, Any]
    if kind == 0:
        parser = Request.parse(reader.read_line)
    else:
        parser = Response.parse(reader.read_line, reader.read_exact, reader.read_to_eof)
    try:
        result = drive(parser, reader, chunks)
    except Exception as exc:
        _checks.check_http_error(exc)
        return
    check_message(result, proxy=False)


if __name__ == "__main__":
    _harness.main(test_one_input)
