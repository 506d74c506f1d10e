"""Tests for connecting through proxies with websockets.sync.client.

Every proxy runs inside the test, on 127.0.0.1 (see tests/sync/proxy.py).

"""

from __future__ import annotations

import socket
import ssl
import unittest.mock

import pytest

from websockets.exceptions import (
    InvalidProxy,
    InvalidProxyMessage,
    InvalidProxyStatus,
    ProxyError,
)
from websockets.sync.client import connect, unix_connect

from .proxy import http_proxy, socks_proxy
from .utils import (
    CLIENT_CONTEXT,
    JOIN_TIMEOUT,
    SERVER_CONTEXT,
    closed_port,
    get_host_port,
    get_uri,
    run_server,
    temp_unix_socket_path,
)

try:
    import python_socks
except ImportError:  # pragma: no cover
    python_socks = None

needs_python_socks = pytest.mark.skipif(python_socks is None, reason="python-socks isn't installed")


# HTTP proxies


def test_http_proxy_ws() -> None:
    with run_server() as server, http_proxy() as proxy:
        with connect(get_uri(server), proxy=proxy.url("http")) as client:
            client.send("café")
            assert client.recv(timeout=JOIN_TIMEOUT) == "café"
            # The client is connected to the proxy.
            assert client.remote_address == (proxy.host, proxy.port)
        host, port = get_host_port(server)
        assert proxy.tunnels == [(host, port)]
        request = proxy.requests[0]
        assert isinstance(request, str)
        assert request.startswith(f"CONNECT {host}:{port} HTTP/1.1\r\n")
        assert f"\r\nHost: {host}:{port}\r\n" in request
        assert "\r\nUser-Agent: Python/" in request
        assert "Proxy-Authorization" not in request


def test_http_proxy_wss() -> None:
    with run_server(ssl=SERVER_CONTEXT) as server, http_proxy() as proxy:
        with connect(
            get_uri(server, secure=True), proxy=proxy.url("http"), ssl=CLIENT_CONTEXT
        ) as client:
            client.send("café")
            assert client.recv(timeout=JOIN_TIMEOUT) == "café"
        assert proxy.tunnels == [get_host_port(server)]


def test_https_proxy_ws() -> None:
    with run_server() as server, http_proxy(ssl_context=SERVER_CONTEXT) as proxy:
        with connect(get_uri(server), proxy=proxy.url("https"), proxy_ssl=CLIENT_CONTEXT) as client:
            client.send("café")
            assert client.recv(timeout=JOIN_TIMEOUT) == "café"
        assert proxy.tunnels == [get_host_port(server)]


def test_https_proxy_wss() -> None:
    """TLS with the server inside TLS with the proxy."""
    with (
        run_server(ssl=SERVER_CONTEXT) as server,
        http_proxy(ssl_context=SERVER_CONTEXT) as proxy,
    ):
        with connect(
            get_uri(server, secure=True),
            ssl=CLIENT_CONTEXT,
            proxy=proxy.url("https"),
            proxy_ssl=CLIENT_CONTEXT,
            proxy_server_hostname="localhost",
        ) as client:
            for size in [1, 100_000]:
                client.send("x" * size)
                assert client.recv(timeout=JOIN_TIMEOUT) == "x" * size
            assert client.ping().wait(JOIN_TIMEOUT)
        assert proxy.tunnels == [get_host_port(server)]


def test_http_proxy_credentials() -> None:
    with run_server() as server, http_proxy(credentials=("user", "p@ss")) as proxy:
        with connect(get_uri(server), proxy=proxy.url("http", "user:p%40ss")) as client:
            client.send("tea")
            assert client.recv(timeout=JOIN_TIMEOUT) == "tea"
        request = proxy.requests[0]
        assert isinstance(request, str)
        assert "\r\nProxy-Authorization: Basic dXNlcjpwQHNz\r\n" in request


def test_http_proxy_authentication_required() -> None:
    with run_server() as server, http_proxy(credentials=("user", "pass")) as proxy:
        with pytest.raises(InvalidProxyStatus) as raised:
            connect(get_uri(server), proxy=proxy.url("http"))
        assert raised.value.response.status_code == 407


def test_http_proxy_refuses() -> None:
    with http_proxy() as proxy:
        # The proxy can't reach the server: 502 Bad Gateway.
        with pytest.raises(InvalidProxyStatus) as raised:
            connect(f"ws://127.0.0.1:{closed_port()}/", proxy=proxy.url("http"))
        assert raised.value.response.status_code == 502


@pytest.mark.parametrize(
    ("uri", "target", "host"),
    [
        ("ws://example.com/", "example.com:80", "example.com"),
        ("wss://example.com/", "example.com:443", "example.com"),
        ("ws://example.com:8080/", "example.com:8080", "example.com:8080"),
        ("wss://example.com:80/", "example.com:80", "example.com:80"),
        ("ws://[::1]/", "[::1]:80", "[::1]"),
        ("wss://[2001:db8::1]:8443/", "[2001:db8::1]:8443", "[2001:db8::1]:8443"),
    ],
)
def test_http_proxy_connect_request_host(uri: str, target: str, host: str) -> None:
    """As upstream: the Host header leaves out the default port."""
    with http_proxy(status=403) as proxy:
        with pytest.raises(InvalidProxyStatus):
            connect(uri, proxy=proxy.url("http"), user_agent_header=None)
        assert proxy.requests == [f"CONNECT {target} HTTP/1.1\r\nHost: {host}\r\n\r\n"]


def test_http_proxy_invalid_answer() -> None:
    with http_proxy(answer=b"not HTTP\r\n\r\n") as proxy, pytest.raises(InvalidProxyMessage):
        connect("ws://127.0.0.1/", proxy=proxy.url("http"))


def test_http_proxy_closes() -> None:
    with http_proxy(answer=b"") as proxy, pytest.raises(InvalidProxyMessage):
        connect("ws://127.0.0.1/", proxy=proxy.url("http"))


def test_http_proxy_speaks_too_early() -> None:
    with (
        http_proxy(answer=b"HTTP/1.1 200 OK\r\n\r\nhello") as proxy,
        pytest.raises(InvalidProxyMessage, match="received 5 bytes from the tunnel"),
    ):
        connect("ws://127.0.0.1/", proxy=proxy.url("http"))


def test_http_proxy_unreachable() -> None:
    with pytest.raises(ConnectionRefusedError):
        connect("ws://127.0.0.1/", proxy=f"http://127.0.0.1:{closed_port()}")


def test_proxy_ssl_with_http_proxy() -> None:
    with pytest.raises(ValueError, match="proxy_ssl argument is incompatible"):
        connect("ws://127.0.0.1/", proxy="http://127.0.0.1:8080", proxy_ssl=CLIENT_CONTEXT)


def test_invalid_proxy() -> None:
    with pytest.raises(InvalidProxy):
        connect("ws://127.0.0.1/", proxy="ftp://127.0.0.1/")


def test_proxy_with_sock_or_unix() -> None:
    with socket.socket() as sock, pytest.raises(ValueError, match="proxy argument is incompatible"):
        connect("ws://127.0.0.1/", sock=sock, proxy="http://127.0.0.1:8080")
    with (
        temp_unix_socket_path() as path,
        pytest.raises(ValueError, match="proxy argument is incompatible"),
    ):
        unix_connect(path, proxy="http://127.0.0.1:8080")


# Proxies from the environment


def test_proxy_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    with run_server() as server, http_proxy() as proxy:
        monkeypatch.setenv("ws_proxy", proxy.url("http"))
        with connect(get_uri(server)) as client:
            client.send("tea")
            assert client.recv(timeout=JOIN_TIMEOUT) == "tea"
        assert proxy.tunnels == [get_host_port(server)]


def test_no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    with run_server() as server, http_proxy() as proxy:
        monkeypatch.setenv("ws_proxy", proxy.url("http"))
        monkeypatch.setenv("no_proxy", "127.0.0.1")
        with connect(get_uri(server)) as client:
            assert client.remote_address == get_host_port(server)
        assert proxy.tunnels == []


def test_proxy_none_ignores_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    with run_server() as server:
        monkeypatch.setenv("ws_proxy", f"http://127.0.0.1:{closed_port()}")
        with connect(get_uri(server), proxy=None) as client:
            assert client.remote_address == get_host_port(server)


# SOCKS proxies


@needs_python_socks
@pytest.mark.parametrize("scheme", ["socks5h", "socks5", "socks4a", "socks4"])
def test_socks_proxy(scheme: str) -> None:
    with run_server() as server, socks_proxy() as proxy:
        with connect(get_uri(server), proxy=proxy.url(scheme)) as client:
            client.send("café")
            assert client.recv(timeout=JOIN_TIMEOUT) == "café"
        assert proxy.tunnels == [get_host_port(server)]


@needs_python_socks
def test_socks_proxy_resolves_host_name() -> None:
    with run_server() as server, socks_proxy() as proxy:
        _, port = get_host_port(server)
        with connect(f"ws://localhost:{port}/", proxy=proxy.url("socks5h")) as client:
            assert client.state.name == "OPEN"
        (request,) = proxy.requests
        assert request == (5, 1, "localhost", port, None)


@needs_python_socks
def test_socks_proxy_wss() -> None:
    with (
        run_server(ssl=SERVER_CONTEXT) as server,
        socks_proxy() as proxy,
        connect(
            get_uri(server, secure=True), proxy=proxy.url("socks5h"), ssl=CLIENT_CONTEXT
        ) as client,
    ):
        client.send("tea")
        assert client.recv(timeout=JOIN_TIMEOUT) == "tea"


@needs_python_socks
def test_socks_proxy_credentials() -> None:
    with run_server() as server, socks_proxy(credentials=("user", "pass")) as proxy:
        with connect(get_uri(server), proxy=proxy.url("socks5h", "user:pass")) as client:
            assert client.state.name == "OPEN"
        with pytest.raises(ProxyError, match="SOCKS proxy failed to open a tunnel"):
            connect(get_uri(server), proxy=proxy.url("socks5h", "user:wrong"))


@needs_python_socks
def test_socks_proxy_refuses() -> None:
    with socks_proxy() as proxy, pytest.raises(ProxyError):
        connect(f"ws://127.0.0.1:{closed_port()}/", proxy=proxy.url("socks5h"))


@needs_python_socks
def test_socks_proxy_unreachable() -> None:
    with pytest.raises(OSError):
        connect("ws://127.0.0.1/", proxy=f"socks5h://127.0.0.1:{closed_port()}")


def test_socks_proxy_without_python_socks() -> None:
    with (
        unittest.mock.patch.dict("sys.modules", {"python_socks": None}),
        pytest.raises(ImportError, match="requires python-socks"),
    ):
        connect("ws://127.0.0.1/", proxy="socks5h://127.0.0.1:1080")


def test_https_proxy_default_context() -> None:
    """Without proxy_ssl, the proxy's certificate is checked against the system's CAs."""
    with (
        http_proxy(ssl_context=SERVER_CONTEXT) as proxy,
        pytest.raises(ssl.SSLCertVerificationError),
    ):
        connect("ws://127.0.0.1/", proxy=proxy.url("https"))


@needs_python_socks
def test_socks_proxy_source_address() -> None:
    with (
        run_server() as server,
        socks_proxy() as proxy,
        connect(
            get_uri(server), proxy=proxy.url("socks5h"), source_address=("127.0.0.1", 0)
        ) as client,
    ):
        assert client.local_address[0] == "127.0.0.1"
