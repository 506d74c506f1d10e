"""Tests for the CONNECT request of websockets.proxy: request target and Host.

The request target always carries the port (RFC 9110, section 9.3.6); the
``Host`` header is the one a request to the WebSocket URI would carry, without
the default port of its scheme, as upstream websockets 17.4 sends it.

"""

from __future__ import annotations

import pytest

from websockets.proxy import HTTPProxyHandshake, Proxy, prepare_connect_request
from websockets.uri import parse_uri

PROXY = Proxy("http", "proxy", 3128)


@pytest.mark.parametrize(
    ("uri", "target", "host"),
    [
        ("ws://example.com", "example.com:80", "example.com"),
        ("wss://example.com", "example.com:443", "example.com"),
        ("ws://example.com:80/path", "example.com:80", "example.com"),
        ("wss://example.com:443/path?query", "example.com:443", "example.com"),
        ("ws://example.com:8080", "example.com:8080", "example.com:8080"),
        ("ws://example.com:443", "example.com:443", "example.com:443"),
        ("wss://example.com:80", "example.com:80", "example.com:80"),
        ("ws://[::1]", "[::1]:80", "[::1]"),
        ("wss://[::1]:8443", "[::1]:8443", "[::1]:8443"),
        ("ws://[2001:db8::1]:80/", "[2001:db8::1]:80", "[2001:db8::1]"),
        ("ws://user:pass@EXAMPLE.com", "example.com:80", "example.com"),
        ("ws://\u00e9t\u00e9.fr", "xn--t-9fab.fr:80", "xn--t-9fab.fr"),
    ],
)
def test_request_line_and_host(uri: str, target: str, host: str) -> None:
    request = prepare_connect_request(PROXY, parse_uri(uri), None)
    assert request == f"CONNECT {target} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()


def test_handshake_sends_the_same_request() -> None:
    uri = parse_uri("wss://example.com/")
    handshake = HTTPProxyHandshake(PROXY, uri, None)
    assert handshake.data_to_send() == prepare_connect_request(PROXY, uri, None)
    assert handshake.data_to_send().startswith(
        b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n"
    )


def test_keyword_argument_named_as_upstream() -> None:
    request = prepare_connect_request(PROXY, ws_uri=parse_uri("ws://example.com/"))
    assert request.startswith(b"CONNECT example.com:80 HTTP/1.1\r\nHost: example.com\r\n")
