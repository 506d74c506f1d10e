"""Fuzz target: WebSocket URIs (:func:`websockets.uri.parse_uri`), proxy URLs
(:func:`websockets.proxy.parse_proxy`) and the ``Location`` of redirects
(:func:`websockets.client.follow_redirect`).

Input layout: byte 0 chooses the function (low 2 bits) and how the rest is
decoded (bits 5-6, see ``_harness.decode``: UTF-8 in three ways, for URIs
that applications pass, or ISO-8859-1, as a ``Location`` header is). For
redirects, the value is the ``Location`` header of a 302 response to
``wss://example.com/a/b?c`` or, with 0x04, ``ws://example.com/a/b?c``.

Beyond raising only documented exceptions: a parsed URI is made of ASCII
only, its parts are consistent, and parsing the URI rebuilt from them gives
the same result; the opening request built from a URI, and the ``CONNECT``
request for reaching it through a proxy, are well-formed HTTP whose ``Host``
names the URI's host, without its IPv6 zone (:rfc:`6874#section-4`).

"""

from __future__ import annotations

from urllib.parse import quote

from fuzz import _harness

with _harness.instrumented():
    from fuzz import _checks
    from websockets.client import ClientProtocol, follow_redirect
    from websockets.exceptions import InvalidProxy, InvalidStatus, InvalidURI, SecurityError
    from websockets.headers import build_host
    from websockets.http11 import Response
    from websockets.proxy import Proxy, parse_proxy, prepare_connect_request
    from websockets.uri import WebSocketURI, parse_uri


def rebuild(uri: WebSocketURI) -> str:
    """Rebuild a URI from its parts."""
    authority = build_host(uri.host, uri.port, uri.secure)
    if "%" in uri.host:  # IPv6 zone: %25 then the zone, escaped, in a URI
        address, _, zone = uri.host.partition("%")
        # build_host() leaves the zone out, as it must in a Host header.
        authority = authority.replace(f"[{address}]", f"[{address}%25{quote(zone, safe='')}]", 1)
    if uri.user_info is not None:
        username, password = uri.user_info
        authority = f"{quote(username, safe='')}:{quote(password, safe='')}@{authority}"
    return f"{'wss' if uri.secure else 'ws'}://{authority}{uri.resource_name}"


EXAMPLE_URI = parse_uri("wss://example.com/")
EXAMPLE_PROXY = parse_proxy("http://user:pass@proxy.example:8080")


def check_requests(uri: WebSocketURI, proxy: Proxy) -> None:
    """The opening request and the CONNECT request for ``uri`` are well-formed."""
    request = ClientProtocol(uri).connect().serialize()
    connect = prepare_connect_request(proxy, uri)
    authority = build_host(uri.host, uri.port, uri.secure, always_include_port=True)
    assert connect.startswith(f"CONNECT {authority} HTTP/1.1\r\n".encode()), connect
    for data in (request, connect):
        head, end, rest = data.partition(b"\r\n\r\n")
        assert end and not rest, data  # one header block, nothing injected
        lines = head.split(b"\r\n")
        assert all(b"\r" not in line and b"\n" not in line for line in lines), data
        (host,) = [line[6:].decode() for line in lines if line.startswith(b"Host: ")]
        # The Host header reads back as the host, without an IPv6 zone.
        assert parse_uri(f"ws://{host}/").host == uri.host.partition("%")[0], (host, uri)


def check_uri(value: str) -> None:
    try:
        uri = parse_uri(value)
    except InvalidURI:
        return
    assert uri.host.isascii() and uri.host.isprintable() and uri.host, uri
    assert uri.path.isascii() and uri.path.startswith("/"), uri
    assert uri.query.isascii(), uri
    assert 1 <= uri.port <= 65535
    assert (uri.username is None) == (uri.password is None)
    assert uri.resource_name.isascii() and uri.resource_name.isprintable()
    again = parse_uri(rebuild(uri))
    assert again == uri, f"{again} != {uri}"
    check_requests(uri, EXAMPLE_PROXY)


def check_proxy(value: str) -> None:
    try:
        proxy = parse_proxy(value)
    except InvalidProxy:
        return
    assert proxy.host.isascii() and proxy.host.isprintable() and proxy.host, proxy
    assert 1 <= proxy.port <= 65535
    assert (proxy.username is None) == (proxy.password is None)
    if proxy.scheme.startswith("http"):
        check_requests(EXAMPLE_URI, proxy)


def check_redirect(value: str, secure: bool) -> None:
    uri = f"{'wss' if secure else 'ws'}://example.com/a/b?c"
    response = Response(302, "Found", _checks.received_headers([("Location", value)]))
    try:
        new_uri = follow_redirect(uri, InvalidStatus(response))
    except (InvalidURI, SecurityError):
        return
    assert new_uri is not None
    new = parse_uri(new_uri)
    assert new.secure or not secure


def test_one_input(data: bytes) -> None:
    selector = data[0] if data else 0
    raw = data[1:]
    value = _harness.decode(raw, selector >> 5)
    kind = selector & 0x03
    if kind == 0:
        check_uri(value)
    elif kind == 1:
        check_proxy(value)
    else:
        check_redirect(value, secure=not selector & 0x04)


if __name__ == "__main__":
    _harness.main(test_one_input)
