"""Tests for websockets.proxy: proxy URLs, proxy selection, HTTP CONNECT."""

from __future__ import annotations

import base64
import os
import unittest.mock

import pytest

from websockets.exceptions import (
    InvalidProxy,
    InvalidProxyMessage,
    InvalidProxyStatus,
    SecurityError,
)
from websockets.http11 import USER_AGENT
from websockets.proxy import (
    HTTPProxyHandshake,
    Proxy,
    get_proxy,
    parse_proxy,
    prepare_connect_request,
)
from websockets.uri import parse_uri

__all__: list[str] = []


class TestParseProxy:
    @pytest.mark.parametrize(
        ("proxy", "expected"),
        [
            ("http://proxy", Proxy("http", "proxy", 80)),
            ("http://proxy/", Proxy("http", "proxy", 80)),
            ("http://proxy:3128", Proxy("http", "proxy", 3128)),
            ("https://proxy", Proxy("https", "proxy", 443)),
            ("https://proxy:8443/", Proxy("https", "proxy", 8443)),
            ("socks5h://proxy", Proxy("socks5h", "proxy", 1080)),
            ("socks5://proxy", Proxy("socks5", "proxy", 1080)),
            ("socks4a://proxy", Proxy("socks4a", "proxy", 1080)),
            ("socks4://proxy:9050", Proxy("socks4", "proxy", 9050)),
            ("HTTP://Proxy.Example:3128", Proxy("http", "proxy.example", 3128)),
            ("SOCKS5H://proxy", Proxy("socks5h", "proxy", 1080)),
            ("http://[::1]:3128", Proxy("http", "::1", 3128)),
            ("http://127.0.0.1:3128", Proxy("http", "127.0.0.1", 3128)),
            ("http://user:pass@proxy:3128", Proxy("http", "proxy", 3128, "user", "pass")),
            ("socks5://us%40er:p%3Ass@proxy", Proxy("socks5", "proxy", 1080, "us@er", "p:ss")),
            ("http://prøxy.example", Proxy("http", "xn--prxy-hra.example", 80)),
        ],
    )
    def test_valid(self, proxy: str, expected: Proxy) -> None:
        assert parse_proxy(proxy) == expected

    @pytest.mark.parametrize(
        ("proxy", "msg"),
        [
            ("proxy:3128", "scheme isn't provided"),
            ("proxy", "scheme isn't provided"),
            ("", "scheme isn't provided"),
            ("ftp://proxy", "scheme ftp isn't supported"),
            ("ws://proxy", "scheme ws isn't supported"),
            ("socks://proxy", "scheme socks isn't supported"),
            ("://proxy", "scheme  isn't supported"),
            ("http:proxy", "path is meaningless"),
            ("http://proxy/path", "path is meaningless"),
            ("http://proxy//", "path is meaningless"),
            ("http://proxy?", "query is meaningless"),
            ("http://proxy/?q", "query is meaningless"),
            ("http://proxy#", "fragment is meaningless"),
            ("http://proxy/#f", "fragment is meaningless"),
            ("http://", "hostname isn't provided"),
            ("http://:3128", "hostname isn't provided"),
            ("http://user@proxy", "username provided without password"),
            ("http://proxy:0", "port out of range: 0, expected 1 to 65535"),
            ("http://proxy:65536", "port out of range: 65536, expected 1 to 65535"),
            ("http://proxy:port", "port isn't a number: port"),
            ("http://[::1", "IPv6 address isn't closed with ]"),
            ("http://pro xy", "invalid character in hostname: ' '"),
            ("http://proxy\n", "control character '\\n' at position 12"),
            (" http://proxy", "leading or trailing whitespace"),
        ],
    )
    def test_invalid(self, proxy: str, msg: str) -> None:
        with pytest.raises(InvalidProxy) as exc_info:
            parse_proxy(proxy)
        assert exc_info.value.proxy == proxy
        assert exc_info.value.msg == msg
        assert str(exc_info.value) == f"{proxy} isn't a valid proxy: {msg}"

    def test_user_info(self) -> None:
        assert parse_proxy("http://user:pass@proxy").user_info == ("user", "pass")
        assert parse_proxy("http://proxy").user_info is None

    def test_defaults(self) -> None:
        proxy = Proxy("http", "proxy", 80)
        assert (proxy.username, proxy.password, proxy.user_info) == (None, None, None)


@pytest.fixture
def environ(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Start from an environment without proxy settings."""
    for name in list(os.environ):
        if name.lower().endswith("_proxy") or name == "REQUEST_METHOD":
            monkeypatch.delenv(name)
    return monkeypatch


WS = parse_uri("ws://example.com/")
WSS = parse_uri("wss://example.com/")


class TestGetProxy:
    def test_no_proxy_configured(self, environ: pytest.MonkeyPatch) -> None:
        assert get_proxy(WS) is None
        assert get_proxy(WSS) is None

    def test_ws_proxy_for_ws_only(self, environ: pytest.MonkeyPatch) -> None:
        environ.setenv("ws_proxy", "http://proxy:3128")
        assert get_proxy(WS) == "http://proxy:3128"
        assert get_proxy(WSS) is None

    def test_wss_proxy_for_wss_only(self, environ: pytest.MonkeyPatch) -> None:
        environ.setenv("wss_proxy", "http://proxy:3129")
        assert get_proxy(WS) is None
        assert get_proxy(WSS) == "http://proxy:3129"

    def test_http_proxy_for_ws_only(self, environ: pytest.MonkeyPatch) -> None:
        environ.setenv("http_proxy", "http://proxy:3128")
        assert get_proxy(WS) == "http://proxy:3128"
        assert get_proxy(WSS) is None

    def test_https_proxy_for_ws_and_wss(self, environ: pytest.MonkeyPatch) -> None:
        environ.setenv("https_proxy", "http://proxy:3129")
        assert get_proxy(WS) == "http://proxy:3129"
        assert get_proxy(WSS) == "http://proxy:3129"

    def test_https_proxy_preferred_over_http_proxy(self, environ: pytest.MonkeyPatch) -> None:
        environ.setenv("http_proxy", "http://proxy:3128")
        environ.setenv("https_proxy", "https://proxy:3129")
        assert get_proxy(WS) == "https://proxy:3129"
        assert get_proxy(WSS) == "https://proxy:3129"

    def test_socks_proxy_preferred_over_https_proxy(self, environ: pytest.MonkeyPatch) -> None:
        environ.setenv("https_proxy", "http://proxy:3129")
        environ.setenv("socks_proxy", "socks5://proxy:1080")
        assert get_proxy(WS) == "socks5://proxy:1080"
        assert get_proxy(WSS) == "socks5://proxy:1080"

    def test_ws_proxies_preferred_over_socks_proxy(self, environ: pytest.MonkeyPatch) -> None:
        environ.setenv("socks_proxy", "socks5://proxy:1080")
        environ.setenv("ws_proxy", "http://proxy:3128")
        environ.setenv("wss_proxy", "http://proxy:3129")
        assert get_proxy(WS) == "http://proxy:3128"
        assert get_proxy(WSS) == "http://proxy:3129"

    @pytest.mark.parametrize(
        ("socks", "expected"),
        [
            ("http://proxy:1080", "socks5h://proxy:1080"),
            ("socks://proxy:1080", "socks5h://proxy:1080"),
            ("SOCKS://proxy:1080", "socks5h://proxy:1080"),
            ("socks4://proxy:1080", "socks4://proxy:1080"),
        ],
    )
    def test_system_socks_proxy(
        self, environ: pytest.MonkeyPatch, socks: str, expected: str
    ) -> None:
        """macOS and Windows give a SOCKS proxy without its version."""
        with unittest.mock.patch("urllib.request.getproxies", return_value={"socks": socks}):
            assert get_proxy(WS) == expected

    def test_any_proxy_in_any_variable(self, environ: pytest.MonkeyPatch) -> None:
        environ.setenv("https_proxy", "socks5h://proxy:1080")
        environ.setenv("ws_proxy", "https://proxy:3129")
        assert get_proxy(WSS) == "socks5h://proxy:1080"
        assert get_proxy(WS) == "https://proxy:3129"

    def test_all_proxy_not_used(self, environ: pytest.MonkeyPatch) -> None:
        environ.setenv("all_proxy", "socks5h://proxy:1080")
        assert get_proxy(WS) is None
        assert get_proxy(WSS) is None

    def test_uppercase_variables(self, environ: pytest.MonkeyPatch) -> None:
        environ.setenv("HTTPS_PROXY", "http://proxy:3129")
        environ.setenv("WS_PROXY", "http://proxy:3128")
        assert get_proxy(WSS) == "http://proxy:3129"
        assert get_proxy(WS) == "http://proxy:3128"

    def test_lowercase_wins(self, environ: pytest.MonkeyPatch) -> None:
        environ.setenv("HTTP_PROXY", "http://upper:3128")
        environ.setenv("http_proxy", "http://lower:3128")
        assert get_proxy(WS) == "http://lower:3128"

    def test_empty_variable_ignored(self, environ: pytest.MonkeyPatch) -> None:
        environ.setenv("wss_proxy", "")
        environ.setenv("https_proxy", "http://proxy:3129")
        assert get_proxy(WSS) == "http://proxy:3129"

    def test_proxy_returned_unvalidated(self, environ: pytest.MonkeyPatch) -> None:
        environ.setenv("http_proxy", "proxy:3128")
        assert get_proxy(WS) == "proxy:3128"
        with pytest.raises(InvalidProxy, match="scheme isn't provided"):
            parse_proxy("proxy:3128")

    @pytest.mark.parametrize(
        ("no_proxy", "uri"),
        [
            ("*", "ws://example.com/"),
            ("example.com", "ws://example.com/"),
            ("EXAMPLE.COM", "ws://example.com/"),
            ("example.com", "ws://www.example.com/"),
            (".example.com", "ws://www.example.com/"),
            ("other.org, example.com", "ws://example.com/"),
            ("other.org,example.com", "ws://www.example.com:8080/"),
            ("example.com:8080", "ws://example.com:8080/"),
            ("127.0.0.1", "ws://127.0.0.1:8000/"),
            ("localhost", "ws://localhost/"),
            ("::1", "ws://[::1]:8080/"),
            # Hosts are matched in their IDNA form.
            ("xn--bcher-kva.example", "ws://bücher.example/"),
        ],
    )
    def test_no_proxy_bypasses(self, environ: pytest.MonkeyPatch, no_proxy: str, uri: str) -> None:
        environ.setenv("http_proxy", "http://proxy:3128")
        environ.setenv("no_proxy", no_proxy)
        assert get_proxy(parse_uri(uri)) is None

    @pytest.mark.parametrize(
        ("no_proxy", "uri"),
        [
            ("example.com", "ws://example.org/"),
            ("example.com", "ws://notexample.com/"),
            ("www.example.com", "ws://example.com/"),
            ("example.com:8080", "ws://example.com:8081/"),
            ("", "ws://example.com/"),
        ],
    )
    def test_no_proxy_does_not_bypass(
        self, environ: pytest.MonkeyPatch, no_proxy: str, uri: str
    ) -> None:
        environ.setenv("http_proxy", "http://proxy:3128")
        environ.setenv("no_proxy", no_proxy)
        assert get_proxy(parse_uri(uri)) == "http://proxy:3128"

    def test_no_proxy_uppercase(self, environ: pytest.MonkeyPatch) -> None:
        environ.setenv("HTTPS_PROXY", "http://proxy:3129")
        environ.setenv("NO_PROXY", "example.com")
        assert get_proxy(WSS) is None

    def test_no_proxy_bypasses_every_proxy(self, environ: pytest.MonkeyPatch) -> None:
        environ.setenv("wss_proxy", "http://proxy:3129")
        environ.setenv("socks_proxy", "socks5h://proxy:1080")
        environ.setenv("no_proxy", "example.com")
        assert get_proxy(WSS) is None

    def test_no_proxy_alone(self, environ: pytest.MonkeyPatch) -> None:
        environ.setenv("no_proxy", "other.org")
        assert get_proxy(WS) is None


def basic(credentials: str) -> str:
    return "Basic " + base64.b64encode(credentials.encode()).decode()


class TestPrepareConnectRequest:
    def test_ws(self) -> None:
        request = prepare_connect_request(Proxy("http", "proxy", 3128), WS)
        assert (
            request
            == (
                f"CONNECT example.com:80 HTTP/1.1\r\n"
                f"Host: example.com\r\n"
                f"User-Agent: {USER_AGENT}\r\n"
                f"\r\n"
            ).encode()
        )

    def test_wss_with_port(self) -> None:
        uri = parse_uri("wss://example.com:8443/path?query")
        request = prepare_connect_request(Proxy("http", "proxy", 3128), uri, None)
        assert request == b"CONNECT example.com:8443 HTTP/1.1\r\nHost: example.com:8443\r\n\r\n"

    def test_ipv6(self) -> None:
        uri = parse_uri("wss://[::1]/")
        request = prepare_connect_request(Proxy("http", "proxy", 3128), uri, None)
        assert request == b"CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]\r\n\r\n"

    def test_user_agent(self) -> None:
        request = prepare_connect_request(Proxy("http", "proxy", 3128), WS, "Test/1.0")
        assert b"\r\nUser-Agent: Test/1.0\r\n" in request

    def test_proxy_authorization(self) -> None:
        proxy = parse_proxy("http://us%40er:p%C3%A4ss@proxy:3128")
        request = prepare_connect_request(proxy, WS, None)
        header = f"Proxy-Authorization: {basic('us@er:päss')}\r\n".encode()
        assert header in request

    def test_user_info_of_uri_not_sent_to_proxy(self) -> None:
        uri = parse_uri("ws://user:pass@example.com/")
        request = prepare_connect_request(Proxy("http", "proxy", 3128), uri, None)
        assert b"Authorization" not in request


def make_handshake() -> HTTPProxyHandshake:
    return HTTPProxyHandshake(Proxy("http", "proxy", 3128), WS, None)


class TestHTTPProxyHandshake:
    def test_request(self) -> None:
        handshake = make_handshake()
        assert handshake.data_to_send() == handshake.request
        assert handshake.request.startswith(b"CONNECT example.com:80 HTTP/1.1\r\n")
        assert not handshake.done
        assert (handshake.response, handshake.exc) == (None, None)

    def test_user_agent_by_default(self) -> None:
        handshake = HTTPProxyHandshake(Proxy("http", "proxy", 3128), WS)
        assert f"User-Agent: {USER_AGENT}\r\n".encode() in handshake.request

    def test_tunnel_opened(self) -> None:
        handshake = make_handshake()
        handshake.receive_data(b"HTTP/1.1 200 Connection established\r\n\r\n")
        assert handshake.done
        assert handshake.exc is None
        assert handshake.response is not None
        assert handshake.response.status_code == 200
        assert handshake.tunnel_data() == b""

    def test_response_byte_by_byte(self) -> None:
        handshake = make_handshake()
        data = b"HTTP/1.1 200 OK\r\nVia: proxy\r\n\r\n"
        for i in range(len(data)):
            assert not handshake.done
            handshake.receive_data(data[i : i + 1])
        assert handshake.done
        assert handshake.exc is None

    def test_2xx_body_ignored(self) -> None:
        """A 2xx answer to CONNECT has no body, whatever its headers say."""
        handshake = make_handshake()
        handshake.receive_data(b"HTTP/1.1 204 OK\r\nContent-Length: 5\r\n\r\nhello")
        assert handshake.done
        assert handshake.exc is None
        assert handshake.tunnel_data() == b"hello"

    def test_tunnel_data(self) -> None:
        handshake = make_handshake()
        handshake.receive_data(b"HTTP/1.1 200 OK\r\n\r\nHTTP/1.1 101")
        handshake.receive_data(b" Switching Protocols\r\n")
        assert handshake.tunnel_data() == b"HTTP/1.1 101 Switching Protocols\r\n"

    def test_eof_after_tunnel_opened(self) -> None:
        handshake = make_handshake()
        handshake.receive_data(b"HTTP/1.1 200 OK\r\n\r\n")
        handshake.receive_eof()
        assert handshake.exc is None

    def test_status_407(self) -> None:
        handshake = make_handshake()
        handshake.receive_data(
            b"HTTP/1.1 407 Proxy Authentication Required\r\n"
            b'Proxy-Authenticate: Basic realm="proxy"\r\n'
            b"Content-Length: 6\r\n\r\n"
            b"denied"
        )
        assert handshake.done
        assert isinstance(handshake.exc, InvalidProxyStatus)
        assert handshake.exc.response.status_code == 407
        assert handshake.exc.response.body == b"denied"
        assert str(handshake.exc) == "proxy rejected connection: HTTP 407"
        assert handshake.response is handshake.exc.response

    @pytest.mark.parametrize("status", [101, 301, 403, 502])
    def test_status_not_2xx(self, status: int) -> None:
        handshake = make_handshake()
        handshake.receive_data(f"HTTP/1.1 {status} Nope\r\nContent-Length: 0\r\n\r\n".encode())
        assert isinstance(handshake.exc, InvalidProxyStatus)
        assert handshake.exc.response.status_code == status

    def test_body_until_eof(self) -> None:
        handshake = make_handshake()
        handshake.receive_data(b"HTTP/1.1 403 Forbidden\r\n\r\nForbidden")
        assert not handshake.done
        handshake.receive_eof()
        assert isinstance(handshake.exc, InvalidProxyStatus)
        assert handshake.exc.response.body == b"Forbidden"

    def test_garbage(self) -> None:
        handshake = make_handshake()
        handshake.receive_data(b"SSH-2.0-OpenSSH_9.6\r\n")
        assert handshake.done
        assert isinstance(handshake.exc, InvalidProxyMessage)
        assert str(handshake.exc) == "did not receive a valid HTTP response from proxy"
        assert isinstance(handshake.exc.__cause__, ValueError)

    def test_eof_before_response(self) -> None:
        handshake = make_handshake()
        handshake.receive_data(b"HTTP/1.1 200 OK\r\n")
        handshake.receive_eof()
        assert handshake.done
        assert isinstance(handshake.exc, InvalidProxyMessage)
        assert isinstance(handshake.exc.__cause__, EOFError)

    def test_eof_without_data(self) -> None:
        handshake = make_handshake()
        handshake.receive_eof()
        assert isinstance(handshake.exc, InvalidProxyMessage)
        assert isinstance(handshake.exc.__cause__, EOFError)

    def test_line_too_long(self) -> None:
        handshake = make_handshake()
        handshake.receive_data(b"HTTP/1.1 200 OK\r\nVia: " + b"a" * 10000)
        assert isinstance(handshake.exc, InvalidProxyMessage)
        assert isinstance(handshake.exc.__cause__, SecurityError)

    def test_receive_after_eof(self) -> None:
        handshake = make_handshake()
        handshake.receive_eof()
        with pytest.raises(EOFError):
            handshake.receive_data(b"late")
        with pytest.raises(EOFError):
            handshake.receive_eof()
