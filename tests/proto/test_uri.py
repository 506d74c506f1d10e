"""Tests for websockets.uri."""

from __future__ import annotations

import pytest

import websockets.uri
from websockets.exceptions import InvalidURI
from websockets.uri import WebSocketURI, parse_uri

__all__: list[str] = []


VALID_URIS = [
    ("ws://localhost/", WebSocketURI(False, "localhost", 80, "/", "")),
    ("wss://localhost/", WebSocketURI(True, "localhost", 443, "/", "")),
    ("ws://localhost", WebSocketURI(False, "localhost", 80, "/", "")),
    ("ws://localhost/path?query", WebSocketURI(False, "localhost", 80, "/path", "query")),
    ("ws://localhost?query", WebSocketURI(False, "localhost", 80, "/", "query")),
    ("ws://localhost/?", WebSocketURI(False, "localhost", 80, "/", "")),
    ("ws://localhost/a/b/?x=1&y=2", WebSocketURI(False, "localhost", 80, "/a/b/", "x=1&y=2")),
    ("ws://localhost/?q?r/s", WebSocketURI(False, "localhost", 80, "/", "q?r/s")),
    ("ws://localhost:8765/", WebSocketURI(False, "localhost", 8765, "/", "")),
    ("wss://localhost:8765/", WebSocketURI(True, "localhost", 8765, "/", "")),
    ("ws://localhost:443/", WebSocketURI(False, "localhost", 443, "/", "")),
    ("wss://localhost:80/", WebSocketURI(True, "localhost", 80, "/", "")),
    ("ws://localhost:1/", WebSocketURI(False, "localhost", 1, "/", "")),
    ("ws://localhost:65535/", WebSocketURI(False, "localhost", 65535, "/", "")),
    ("ws://localhost:08080/", WebSocketURI(False, "localhost", 8080, "/", "")),
    # An empty port is allowed by RFC 3986 and means the default port.
    ("ws://localhost:/", WebSocketURI(False, "localhost", 80, "/", "")),
    # The scheme and the host name are case-insensitive.
    ("WS://LocalHost/Path", WebSocketURI(False, "localhost", 80, "/Path", "")),
    ("wSs://EXAMPLE.com/", WebSocketURI(True, "example.com", 443, "/", "")),
    ("ws://127.0.0.1:8000/", WebSocketURI(False, "127.0.0.1", 8000, "/", "")),
    ("ws://[::1]/", WebSocketURI(False, "::1", 80, "/", "")),
    ("wss://[::1]:8443/x", WebSocketURI(True, "::1", 8443, "/x", "")),
    ("ws://[::1]:/", WebSocketURI(False, "::1", 80, "/", "")),
    ("ws://[2001:DB8::FF]/", WebSocketURI(False, "2001:db8::ff", 80, "/", "")),
    ("ws://[::ffff:192.0.2.1]/", WebSocketURI(False, "::ffff:192.0.2.1", 80, "/", "")),
    # RFC 6874 zone identifier: %25 in the URI, % in the host.
    ("ws://[fe80::1%25eth0]:9000/", WebSocketURI(False, "fe80::1%eth0", 9000, "/", "")),
    ("ws://[fe80::1%25%45th-0]/", WebSocketURI(False, "fe80::1%Eth-0", 80, "/", "")),
    # Characters valid in a URI are kept.
    (
        "ws://localhost/a-b_c.d~e!$&'()*+,;=:@/?f-g_h.i~j!$&'()*+,;=:@/?",
        WebSocketURI(
            False, "localhost", 80, "/a-b_c.d~e!$&'()*+,;=:@/", "f-g_h.i~j!$&'()*+,;=:@/?"
        ),
    ),
    ("ws://under_score.example/", WebSocketURI(False, "under_score.example", 80, "/", "")),
    # Existing escapes are kept, in their case.
    (
        "ws://localhost/%7Euser/%2f?q=%3d%3D",
        WebSocketURI(False, "localhost", 80, "/%7Euser/%2f", "q=%3d%3D"),
    ),
]


class TestParseURI:
    @pytest.mark.parametrize(("uri", "expected"), VALID_URIS)
    def test_valid(self, uri: str, expected: WebSocketURI) -> None:
        assert parse_uri(uri) == expected

    @pytest.mark.parametrize(
        ("uri", "path", "query"),
        [
            # RFC 3987: non-ASCII characters become UTF-8 %XX escapes.
            ("ws://localhost/π?q=é", "/%CF%80", "q=%C3%A9"),
            ("ws://localhost/日本?語", "/%E6%97%A5%E6%9C%AC", "%E8%AA%9E"),
            ("ws://localhost/🙂", "/%F0%9F%99%82", ""),
            # Escapes and valid characters next to them are kept.
            ("ws://localhost/%C3%A9/é?a=%20&b=é", "/%C3%A9/%C3%A9", "a=%20&b=%C3%A9"),
            # Characters that no URI may contain are escaped too.
            ("ws://localhost/a b?c d", "/a%20b", "c%20d"),
            ('ws://localhost/<"{|}>^`\\', "/%3C%22%7B%7C%7D%3E%5E%60%5C", ""),
            ("ws://localhost/[x]?[y]", "/%5Bx%5D", "%5By%5D"),
            # A "%" that doesn't start an escape is escaped itself.
            ("ws://localhost/100%?50%", "/100%25", "50%25"),
            ("ws://localhost/%zz%4?%", "/%25zz%254", "%25"),
        ],
    )
    def test_path_and_query_encoding(self, uri: str, path: str, query: str) -> None:
        wsuri = parse_uri(uri)
        assert (wsuri.path, wsuri.query) == (path, query)

    def test_iri(self) -> None:
        assert parse_uri("ws://bücher.example/π?q=é") == WebSocketURI(
            False, "xn--bcher-kva.example", 80, "/%CF%80", "q=%C3%A9"
        )

    @pytest.mark.parametrize(
        ("uri", "host"),
        [
            ("wss://bücher.example/", "xn--bcher-kva.example"),
            # IDNA's nameprep lowercases.
            ("wss://BÜCHER.example/", "xn--bcher-kva.example"),
            ("wss://münchen.de:8443/", "xn--mnchen-3ya.de"),
            ("wss://例え.テスト/", "xn--r8jz45g.xn--zckzah"),
            # An ideographic full stop separates labels.
            ("wss://bücher。example/", "xn--bcher-kva.example"),
        ],
    )
    def test_idna_host(self, uri: str, host: str) -> None:
        assert parse_uri(uri).host == host

    def test_idna_host_and_port(self) -> None:
        wsuri = parse_uri("wss://münchen.de:8443/")
        assert (wsuri.secure, wsuri.port) == (True, 8443)

    def test_ascii_uri_unchanged(self) -> None:
        uri = "wss://xn--bcher-kva.example:8443/%CF%80?q=%C3%A9"
        assert parse_uri(uri) == WebSocketURI(
            True, "xn--bcher-kva.example", 8443, "/%CF%80", "q=%C3%A9"
        )

    @pytest.mark.parametrize(
        ("uri", "username", "password"),
        [
            ("ws://user:pass@localhost/", "user", "pass"),
            ("ws://user:@localhost/", "user", ""),
            ("ws://:pass@localhost/", "", "pass"),
            ("ws://user:pa:ss@localhost/", "user", "pa:ss"),
            # Percent-escapes are decoded.
            ("ws://us%40er:p%3Ass%2F%25@localhost/", "us@er", "p:ss/%"),
            ("ws://%C3%A9:%E2%82%AC@localhost/", "é", "€"),
            # Non-ASCII user info is taken as is.
            ("ws://é:€@localhost/", "é", "€"),
            # The last "@" ends the user info.
            ("ws://user:p@ss@localhost/", "user", "p@ss"),
            ("ws://user:pass@[::1]:8080/", "user", "pass"),
        ],
    )
    def test_user_info(self, uri: str, username: str, password: str) -> None:
        wsuri = parse_uri(uri)
        assert (wsuri.username, wsuri.password) == (username, password)
        assert wsuri.user_info == (username, password)
        assert wsuri.host in ("localhost", "::1")

    def test_no_user_info(self) -> None:
        wsuri = parse_uri("ws://localhost/")
        assert wsuri.username is None
        assert wsuri.password is None
        assert wsuri.user_info is None

    @pytest.mark.parametrize(
        ("uri", "msg"),
        [
            ("http://localhost/", "scheme isn't ws or wss"),
            ("https://localhost/", "scheme isn't ws or wss"),
            ("wss+unix://localhost/", "scheme isn't ws or wss"),
            ("localhost:8000/", "scheme isn't ws or wss"),
            ("//localhost/", "scheme isn't ws or wss"),
            ("/path", "scheme isn't ws or wss"),
            ("", "scheme isn't ws or wss"),
            ("ws:localhost", "hostname isn't provided"),
            ("ws:/localhost", "hostname isn't provided"),
            ("ws://", "hostname isn't provided"),
            ("ws:///path", "hostname isn't provided"),
            ("ws://:8080/", "hostname isn't provided"),
            ("ws://user:pass@/", "hostname isn't provided"),
            ("ws://localhost/#", "fragment identifier is meaningless"),
            ("ws://localhost/#fragment", "fragment identifier is meaningless"),
            ("ws://localhost/path?query#fragment", "fragment identifier is meaningless"),
            ("ws://localhost#", "fragment identifier is meaningless"),
            ("ws://user@localhost/", "username provided without password"),
            ("ws://@localhost/", "username provided without password"),
            ("ws://localhost:0/", "port out of range: 0, expected 1 to 65535"),
            ("ws://localhost:65536/", "port out of range: 65536, expected 1 to 65535"),
            ("ws://localhost:99999999999/", "port out of range: 99999999999, expected 1 to 65535"),
            ("ws://localhost:http/", "port isn't a number: http"),
            ("ws://localhost:+80/", "port isn't a number: +80"),
            ("ws://localhost:-1/", "port isn't a number: -1"),
            ("ws://localhost:8_0/", "port isn't a number: 8_0"),
            ("ws://localhost: 80/", "port isn't a number:  80"),
            ("ws://localhost:٨٠/", "port isn't a number: ٨٠"),
            (
                "ws://localhost:80:80/",
                "too many colons in localhost:80:80; enclose IPv6 addresses in brackets",
            ),
            ("ws://::1/", "too many colons in ::1; enclose IPv6 addresses in brackets"),
            ("ws://[::1/", "IPv6 address isn't closed with ]"),
            ("ws://[::1]80/", "unexpected characters after IPv6 address: 80"),
            ("ws://[::1]x:80/", "unexpected characters after IPv6 address: x:80"),
            ("ws://[]/", "invalid IPv6 address: "),
            ("ws://[zz]/", "invalid IPv6 address: zz"),
            ("ws://[127.0.0.1]/", "invalid IPv6 address: 127.0.0.1"),
            ("ws://[v1.future]/", "invalid IPv6 address: v1.future"),
            ("ws://[::1:2:3:4:5:6:7:8]/", "invalid IPv6 address: ::1:2:3:4:5:6:7:8"),
            (
                "ws://[fe80::1%eth0]/",
                "invalid zone in IPv6 address: fe80::1%eth0; expected %25 and a zone",
            ),
            (
                "ws://[fe80::1%25]/",
                "invalid zone in IPv6 address: fe80::1%25; expected %25 and a zone",
            ),
            ("ws://[fe80::1%25%ff]/", "zone identifier isn't valid UTF-8 once percent-decoded"),
            ("ws://local host/", "invalid character in hostname: ' '"),
            ("ws://local%20host/", "invalid character in hostname: '%'"),
            ("ws://local<host/", "invalid character in hostname: '<'"),
            ("ws://localhost\\.evil.example/", "invalid character in hostname: '\\\\'"),
            # IDNA maps fullwidth delimiters to ASCII ones, which a host can't contain.
            ("ws://evil.example／good.example/", "invalid character in hostname: '/'"),
            ("ws://localhost/\udc80", "path can't be encoded with UTF-8: '/\\udc80'"),
            ("ws://localhost/?\udc80", "query can't be encoded with UTF-8: '\\udc80'"),
            ("ws://%ff:pass@localhost/", "username isn't valid UTF-8 once percent-decoded"),
            ("ws://user:%C3@localhost/", "password isn't valid UTF-8 once percent-decoded"),
            # urllib.parse would drop tabs and newlines and strip the rest.
            ("ws://local\nhost/", "control character '\\n' at position 10"),
            ("ws://localhost/\t", "control character '\\t' at position 15"),
            ("\x00ws://localhost/", "control character '\\x00' at position 0"),
            ("ws://localhost/\x7f", "control character '\\x7f' at position 15"),
            (" ws://localhost/", "leading or trailing whitespace"),
            ("ws://localhost/ ", "leading or trailing whitespace"),
            ("ws://localhost/\u3000", "leading or trailing whitespace"),
        ],
    )
    def test_invalid(self, uri: str, msg: str) -> None:
        with pytest.raises(InvalidURI) as exc_info:
            parse_uri(uri)
        assert exc_info.value.uri == uri
        assert exc_info.value.msg == msg
        assert str(exc_info.value) == f"{uri} isn't a valid URI: {msg}"

    @pytest.mark.parametrize(
        ("uri", "reason"),
        [
            ("ws://xn--ü.example/", "Label starts with ACE prefix"),
            # Python 3.13 says "label too long" or "label empty" instead.
            ("ws://" + "ü" * 64 + ".example/", "label"),
            ("ws://ü..example/", "label"),
            ("ws://\udc80.example/", "Invalid character '\\udc80'"),
        ],
    )
    def test_invalid_idna(self, uri: str, reason: str) -> None:
        # The message of the idna codec is included.
        host = uri[5:-1]
        with pytest.raises(InvalidURI) as exc_info:
            parse_uri(uri)
        assert exc_info.value.msg.startswith(f"hostname can't be encoded with IDNA: {host}: ")
        assert reason in exc_info.value.msg

    def test_invalid_error_not_chained(self) -> None:
        with pytest.raises(InvalidURI) as exc_info:
            parse_uri("ws://localhost:http/")
        assert exc_info.value.__cause__ is None
        assert exc_info.value.__suppress_context__


class TestWebSocketURI:
    @pytest.mark.parametrize(
        ("uri", "resource_name"),
        [
            ("ws://localhost", "/"),
            ("ws://localhost/", "/"),
            ("ws://localhost/path", "/path"),
            ("ws://localhost/path?", "/path"),
            ("ws://localhost/path?query", "/path?query"),
            ("ws://localhost?query", "/?query"),
            ("ws://localhost/π?q=é", "/%CF%80?q=%C3%A9"),
        ],
    )
    def test_resource_name(self, uri: str, resource_name: str) -> None:
        assert parse_uri(uri).resource_name == resource_name

    def test_resource_name_empty_path(self) -> None:
        assert WebSocketURI(False, "localhost", 80, "", "").resource_name == "/"
        assert WebSocketURI(False, "localhost", 80, "", "q").resource_name == "/?q"

    def test_defaults(self) -> None:
        wsuri = WebSocketURI(True, "example.com", 443, "/", "")
        assert (wsuri.username, wsuri.password, wsuri.user_info) == (None, None, None)

    def test_user_info(self) -> None:
        wsuri = WebSocketURI(True, "example.com", 443, "/", "", "user", "pass")
        assert wsuri.user_info == ("user", "pass")

    def test_equality(self) -> None:
        assert parse_uri("ws://localhost:80/") == parse_uri("WS://LOCALHOST")
        assert parse_uri("ws://localhost/") != parse_uri("wss://localhost:80/")


def test_proxy_names_moved_to_proxy_module() -> None:
    """Proxy URLs moved to websockets.proxy; the old import path still works."""
    import websockets.proxy
    import websockets.uri

    for name in ("Proxy", "get_proxy", "parse_proxy"):
        assert getattr(websockets.uri, name) is getattr(websockets.proxy, name)
    from websockets.uri import Proxy, get_proxy, parse_proxy

    assert (Proxy, get_proxy, parse_proxy) == (
        websockets.proxy.Proxy,
        websockets.proxy.get_proxy,
        websockets.proxy.parse_proxy,
    )


def test_unknown_attribute() -> None:
    with pytest.raises(AttributeError, match=r"module 'websockets\.uri' has no attribute 'nope'"):
        websockets.uri.nope  # type: ignore[attr-defined]  # noqa: B018
