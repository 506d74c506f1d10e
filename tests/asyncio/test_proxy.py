"""Tests for connecting through proxies with websockets.asyncio.client.

Every proxy runs inside the test, on 127.0.0.1 (see tests/asyncio/proxy.py).

"""

from __future__ import annotations

import asyncio
import http
import os
import socket
import struct
import sys
import unittest
import unittest.mock

import websockets.asyncio.client as client_module
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import (
    InvalidProxy,
    InvalidProxyMessage,
    InvalidProxyStatus,
    ProxyError,
)
from websockets.http11 import Request, Response
from websockets.proxy import HTTPProxyHandshake, parse_proxy
from websockets.uri import parse_uri

from .proxy import custom_proxy, http_proxy, silent_proxy, socks_proxy, tunnel
from .utils import CLIENT_CONTEXT, MS, SERVER_CONTEXT, AsyncTestCase, get_host_port, get_uri

try:
    import python_socks
except ImportError:  # pragma: no cover
    python_socks = None


async def echo(websocket: ServerConnection) -> None:
    async for message in websocket:
        await websocket.send(message)


def closed_port() -> int:
    """Find a port on 127.0.0.1 where nothing listens."""
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return int(sock.getsockname()[1])


# TLS inside TLS needs loop.start_tls() on a TLS transport: Python >= 3.11.
TLS_IN_TLS = sys.version_info >= (3, 11)


class HTTPProxyTests(AsyncTestCase):
    async def test_ws(self) -> None:
        async with (
            serve(echo, "127.0.0.1", 0) as server,
            http_proxy() as proxy,
            connect(get_uri(server), proxy=proxy.url("http")) as client,
        ):
            await client.send("café")
            self.assertEqual(await client.recv(), "café")
            # The client is connected to the proxy.
            self.assertEqual(client.remote_address, (proxy.host, proxy.port))
            host, port = get_host_port(server)
        self.assertEqual(proxy.tunnels, [(host, port)])
        request = proxy.requests[0]
        assert isinstance(request, str)
        self.assertTrue(request.startswith(f"CONNECT {host}:{port} HTTP/1.1\r\n"))
        self.assertIn(f"\r\nHost: {host}:{port}\r\n", request)
        self.assertIn("\r\nUser-Agent: Python/", request)
        self.assertNotIn("Proxy-Authorization", request)

    async def test_wss(self) -> None:
        async with (
            serve(echo, "127.0.0.1", 0, ssl=SERVER_CONTEXT) as server,
            http_proxy() as proxy,
            connect(
                get_uri(server, secure=True), proxy=proxy.url("http"), ssl=CLIENT_CONTEXT
            ) as client,
        ):
            await client.send("café")
            self.assertEqual(await client.recv(), "café")
            ssl_object = client.transport.get_extra_info("ssl_object")
            self.assertEqual(ssl_object.server_hostname, "127.0.0.1")
            self.assertEqual(proxy.tunnels, [get_host_port(server)])

    async def test_wss_server_hostname(self) -> None:
        async with serve(echo, "127.0.0.1", 0, ssl=SERVER_CONTEXT) as server, http_proxy() as proxy:
            _, port = get_host_port(server)
            async with connect(
                f"wss://127.0.0.1:{port}/",
                proxy=proxy.url("http"),
                ssl=CLIENT_CONTEXT,
                server_hostname="localhost",
            ) as client:
                ssl_object = client.transport.get_extra_info("ssl_object")
                self.assertEqual(ssl_object.server_hostname, "localhost")

    async def test_wss_default_context(self) -> None:
        """Without ``ssl``, the default context doesn't trust the test CA."""
        async with serve(echo, "127.0.0.1", 0, ssl=SERVER_CONTEXT) as server, http_proxy() as proxy:
            with self.assertRaises(OSError):
                await connect(get_uri(server, secure=True), proxy=proxy.url("http"))

    async def test_https_proxy_ws(self) -> None:
        async with (
            serve(echo, "127.0.0.1", 0) as server,
            http_proxy(ssl_context=SERVER_CONTEXT) as proxy,
            connect(get_uri(server), proxy=proxy.url("https"), proxy_ssl=CLIENT_CONTEXT) as client,
        ):
            await client.send("café")
            self.assertEqual(await client.recv(), "café")
            # TLS is with the proxy; the WebSocket connection is plain.
            ssl_object = client.transport.get_extra_info("ssl_object")
            self.assertEqual(ssl_object.server_hostname, "127.0.0.1")
            self.assertEqual(proxy.tunnels, [get_host_port(server)])

    @unittest.skipUnless(TLS_IN_TLS, "TLS in TLS requires Python >= 3.11")
    async def test_https_proxy_wss(self) -> None:
        async with (
            serve(echo, "127.0.0.1", 0, ssl=SERVER_CONTEXT) as server,
            http_proxy(ssl_context=SERVER_CONTEXT) as proxy,
            connect(
                get_uri(server, secure=True),
                proxy=proxy.url("https"),
                ssl=CLIENT_CONTEXT,
                proxy_ssl=CLIENT_CONTEXT,
            ) as client,
        ):
            await client.send("café")
            self.assertEqual(await client.recv(), "café")
            self.assertEqual(proxy.tunnels, [get_host_port(server)])

    async def test_https_proxy_without_open_timeout(self) -> None:
        async with (
            serve(echo, "127.0.0.1", 0) as server,
            http_proxy(ssl_context=SERVER_CONTEXT) as proxy,
            connect(
                get_uri(server),
                proxy=proxy.url("https"),
                proxy_ssl=CLIENT_CONTEXT,
                open_timeout=None,
            ) as client,
        ):
            await client.send("café")
            self.assertEqual(await client.recv(), "café")

    async def test_https_proxy_server_hostname(self) -> None:
        async with (
            serve(echo, "127.0.0.1", 0) as server,
            http_proxy(ssl_context=SERVER_CONTEXT) as proxy,
            connect(
                get_uri(server),
                proxy=proxy.url("https"),
                proxy_ssl=CLIENT_CONTEXT,
                proxy_server_hostname="localhost",
            ) as client,
        ):
            ssl_object = client.transport.get_extra_info("ssl_object")
            self.assertEqual(ssl_object.server_hostname, "localhost")

    async def test_https_proxy_default_context(self) -> None:
        """Without ``proxy_ssl``, the default context doesn't trust the test CA."""
        async with (
            serve(echo, "127.0.0.1", 0) as server,
            http_proxy(ssl_context=SERVER_CONTEXT) as proxy,
        ):
            with self.assertRaises(OSError):
                await connect(get_uri(server), proxy=proxy.url("https"))
        self.assertEqual(proxy.tunnels, [])

    async def test_proxy_ssl_with_http_proxy(self) -> None:
        async with serve(echo, "127.0.0.1", 0) as server, http_proxy() as proxy:
            with self.assertRaises(ValueError):
                await connect(get_uri(server), proxy=proxy.url("http"), proxy_ssl=CLIENT_CONTEXT)

    async def test_credentials(self) -> None:
        async with (
            serve(echo, "127.0.0.1", 0) as server,
            http_proxy(credentials=("us@er", "pâss")) as proxy,
            connect(get_uri(server), proxy=proxy.url("http", "us%40er:p%C3%A2ss")) as client,
        ):
            await client.send("café")
            self.assertEqual(await client.recv(), "café")
        self.assertEqual(len(proxy.tunnels), 1)

    async def test_missing_credentials(self) -> None:
        async with (
            serve(echo, "127.0.0.1", 0) as server,
            http_proxy(credentials=("user", "pass")) as proxy,
        ):
            with self.assertRaises(InvalidProxyStatus) as raised:
                await connect(get_uri(server), proxy=proxy.url("http"))
        self.assertEqual(raised.exception.response.status_code, 407)
        self.assertEqual(str(raised.exception), "proxy rejected connection: HTTP 407")
        self.assertEqual(proxy.tunnels, [])

    async def test_wrong_credentials(self) -> None:
        async with (
            serve(echo, "127.0.0.1", 0) as server,
            http_proxy(credentials=("user", "pass")) as proxy,
        ):
            with self.assertRaises(InvalidProxyStatus) as raised:
                await connect(get_uri(server), proxy=proxy.url("http", "user:wrong"))
        self.assertEqual(raised.exception.response.status_code, 407)

    async def test_forbidden(self) -> None:
        async with http_proxy(status=403) as proxy:
            with self.assertRaises(InvalidProxyStatus) as raised:
                await connect("ws://127.0.0.1:1/", proxy=proxy.url("http"))
        self.assertEqual(raised.exception.response.status_code, 403)

    async def test_server_unreachable_through_proxy(self) -> None:
        async with http_proxy() as proxy:
            with self.assertRaises(InvalidProxyStatus) as raised:
                await connect(f"ws://127.0.0.1:{closed_port()}/", proxy=proxy.url("http"))
        self.assertEqual(raised.exception.response.status_code, 502)

    async def test_connect_request_host(self) -> None:
        """As upstream: the Host header leaves out the default port."""
        cases = [
            ("ws://example.com/", "example.com:80", "example.com"),
            ("wss://example.com/", "example.com:443", "example.com"),
            ("ws://example.com:8080/", "example.com:8080", "example.com:8080"),
            ("wss://example.com:80/", "example.com:80", "example.com:80"),
            ("ws://[::1]/", "[::1]:80", "[::1]"),
            ("wss://[2001:db8::1]:8443/", "[2001:db8::1]:8443", "[2001:db8::1]:8443"),
        ]
        async with http_proxy(status=403) as proxy:
            for uri, _, _ in cases:
                with self.assertRaises(InvalidProxyStatus):
                    await connect(uri, proxy=proxy.url("http"), user_agent_header=None)
        self.assertEqual(
            proxy.requests,
            [f"CONNECT {target} HTTP/1.1\r\nHost: {host}\r\n\r\n" for _, target, host in cases],
        )

    async def test_garbage(self) -> None:
        async with http_proxy(answer=b"SSH-2.0-OpenSSH_9.6\r\n") as proxy:
            with self.assertRaises(InvalidProxyMessage) as raised:
                await connect("ws://127.0.0.1:1/", proxy=proxy.url("http"))
        self.assertIsInstance(raised.exception.__cause__, ValueError)

    async def test_proxy_closes_without_answering(self) -> None:
        async with http_proxy(answer=b"") as proxy:
            with self.assertRaises(InvalidProxyMessage) as raised:
                await connect("ws://127.0.0.1:1/", proxy=proxy.url("http"))
        self.assertIsInstance(raised.exception.__cause__, EOFError)

    async def test_proxy_unreachable(self) -> None:
        with self.assertRaises(OSError):
            await connect("ws://127.0.0.1:1/", proxy=f"http://127.0.0.1:{closed_port()}")

    async def test_proxy_resets_connection(self) -> None:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()

        async with custom_proxy(handle) as proxy:
            with self.assertRaises(ConnectionResetError):
                await connect("ws://127.0.0.1:1/", proxy=proxy.url("http"))

    async def test_response_in_several_reads(self) -> None:
        async with serve(echo, "127.0.0.1", 0) as server:
            host, port = get_host_port(server)

            async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
                await reader.readuntil(b"\r\n\r\n")
                server_reader, server_writer = await asyncio.open_connection(host, port)
                for chunk in [b"HTTP/1.1 200 ", b"OK\r\n", b"\r\n"]:
                    writer.write(chunk)
                    await writer.drain()
                    await asyncio.sleep(MS)
                await tunnel(reader, writer, server_reader, server_writer)

            async with (
                custom_proxy(handle) as proxy,
                connect(get_uri(server), proxy=proxy.url("http")) as client,
            ):
                await client.send("café")
                self.assertEqual(await client.recv(), "café")

    async def test_connection_lost_without_eof(self) -> None:
        """Transports report EOF first; if one didn't, the handshake fails all the same."""
        handshake = HTTPProxyHandshake(parse_proxy("http://proxy"), parse_uri("ws://example.com"))
        tunnel = client_module._HTTPProxyConnection(handshake)
        tunnel.connection_made(unittest.mock.Mock())
        tunnel.connection_lost(None)
        with self.assertRaises(InvalidProxyMessage) as raised:
            await tunnel.opened
        self.assertEqual(str(raised.exception), "proxy closed the connection before answering")

    async def test_proxy_silent(self) -> None:
        """open_timeout covers the CONNECT handshake."""
        async with silent_proxy() as proxy:
            with self.assertRaises(TimeoutError) as raised:
                await connect("ws://127.0.0.1:1/", proxy=proxy.url("http"), open_timeout=50 * MS)
        self.assertEqual(str(raised.exception), "timed out during opening handshake")

    async def test_tunnel_data(self) -> None:
        """The server can't speak before the client."""
        answer = b"HTTP/1.1 200 OK\r\n\r\nHTTP/1.1 404 Not Found\r\n\r\n"
        async with http_proxy(answer=answer) as proxy:
            for uri in ["ws://127.0.0.1:1/", "wss://127.0.0.1:1/"]:
                with self.assertRaises(InvalidProxyMessage) as raised:
                    await connect(
                        uri,
                        proxy=proxy.url("http"),
                        ssl=CLIENT_CONTEXT if uri.startswith("wss") else None,
                    )
                self.assertEqual(
                    str(raised.exception),
                    "received 26 bytes from the tunnel before the client's first message",
                )

    async def test_host_and_port(self) -> None:
        """``host`` and ``port`` choose where the tunnel goes."""
        async with serve(echo, "127.0.0.1", 0) as server, http_proxy() as proxy:
            host, port = get_host_port(server)
            async with connect(
                "ws://example.com/", proxy=proxy.url("http"), host=host, port=port
            ) as client:
                await client.send("café")
                self.assertEqual(await client.recv(), "café")
        self.assertEqual(proxy.tunnels, [(host, port)])

    async def test_redirect_through_proxy(self) -> None:
        def redirect(connection: ServerConnection, request: Request) -> Response:
            response = connection.respond(http.HTTPStatus.FOUND, "")
            response.headers["Location"] = get_uri(target)
            return response

        async with (
            serve(echo, "127.0.0.1", 0) as target,
            serve(echo, "127.0.0.1", 0, process_request=redirect) as server,
            http_proxy() as proxy,
            connect(get_uri(server), proxy=proxy.url("http")) as client,
        ):
            await client.send("café")
            self.assertEqual(await client.recv(), "café")
            self.assertEqual(proxy.tunnels, [get_host_port(server), get_host_port(target)])

    async def test_user_agent(self) -> None:
        async with (
            serve(echo, "127.0.0.1", 0) as server,
            http_proxy() as proxy,
            connect(get_uri(server), proxy=proxy.url("http"), user_agent_header="Test/1.0"),
        ):
            pass
        request = proxy.requests[0]
        assert isinstance(request, str)
        self.assertIn("\r\nUser-Agent: Test/1.0\r\n", request)

    async def test_cancelled(self) -> None:
        async with silent_proxy() as proxy:
            task = asyncio.ensure_future(connect("ws://127.0.0.1:1/", proxy=proxy.url("http")))
            await asyncio.sleep(20 * MS)
            task.cancel()
            with self.assertRaises(asyncio.CancelledError):
                await task


@unittest.skipIf(python_socks is None, "python-socks isn't installed")
class SOCKSProxyTests(AsyncTestCase):
    async def test_socks5h(self) -> None:
        async with (
            serve(echo, "127.0.0.1", 0) as server,
            socks_proxy() as proxy,
        ):
            _, port = get_host_port(server)
            async with connect(f"ws://localhost:{port}/", proxy=proxy.url("socks5h")) as client:
                await client.send("café")
                self.assertEqual(await client.recv(), "café")
        # The proxy resolved the host name.
        self.assertEqual(proxy.requests, [(5, 1, "localhost", port, None)])

    async def test_socks5(self) -> None:
        async with serve(echo, "127.0.0.1", 0) as server, socks_proxy() as proxy:
            _, port = get_host_port(server)
            async with connect(f"ws://127.0.0.1:{port}/", proxy=proxy.url("socks5")) as client:
                await client.send("café")
                self.assertEqual(await client.recv(), "café")
        self.assertEqual(proxy.requests, [(5, 1, "127.0.0.1", port, None)])

    async def test_socks5_resolves_locally(self) -> None:
        """With socks5, the client resolves the host name."""
        async with serve(echo, "127.0.0.1", 0) as server, socks_proxy() as proxy:
            _, port = get_host_port(server)
            try:
                async with connect(f"ws://localhost:{port}/", proxy=proxy.url("socks5")):
                    pass
            except ProxyError:  # pragma: no cover
                # localhost resolved to ::1, where the server doesn't listen.
                pass
        ((_version, _command, host, _port, _username),) = proxy.requests  # type: ignore[misc]
        self.assertIn(host, ("127.0.0.1", "::1"))

    async def test_socks4a(self) -> None:
        async with serve(echo, "127.0.0.1", 0) as server, socks_proxy() as proxy:
            _, port = get_host_port(server)
            async with connect(f"ws://localhost:{port}/", proxy=proxy.url("socks4a")) as client:
                await client.send("café")
                self.assertEqual(await client.recv(), "café")
        self.assertEqual(proxy.requests, [(4, 1, "localhost", port, "")])

    async def test_socks4(self) -> None:
        async with serve(echo, "127.0.0.1", 0) as server, socks_proxy() as proxy:
            _, port = get_host_port(server)
            async with connect(f"ws://127.0.0.1:{port}/", proxy=proxy.url("socks4")) as client:
                await client.send("café")
                self.assertEqual(await client.recv(), "café")
        self.assertEqual(proxy.requests, [(4, 1, "127.0.0.1", port, "")])

    async def test_wss(self) -> None:
        async with (
            serve(echo, "127.0.0.1", 0, ssl=SERVER_CONTEXT) as server,
            socks_proxy() as proxy,
            connect(
                get_uri(server, secure=True), proxy=proxy.url("socks5h"), ssl=CLIENT_CONTEXT
            ) as client,
        ):
            await client.send("café")
            self.assertEqual(await client.recv(), "café")
            ssl_object = client.transport.get_extra_info("ssl_object")
            self.assertEqual(ssl_object.server_hostname, "127.0.0.1")
            self.assertEqual(proxy.tunnels, [get_host_port(server)])

    async def test_wss_default_context(self) -> None:
        """Without ``ssl``, the default context doesn't trust the test CA."""
        async with (
            serve(echo, "127.0.0.1", 0, ssl=SERVER_CONTEXT) as server,
            socks_proxy() as proxy,
        ):
            with self.assertRaises(OSError):
                await connect(get_uri(server, secure=True), proxy=proxy.url("socks5h"))

    async def test_credentials(self) -> None:
        async with (
            serve(echo, "127.0.0.1", 0) as server,
            # python-socks only supports ASCII credentials.
            socks_proxy(credentials=("us@er", "p:ss")) as proxy,
            connect(get_uri(server), proxy=proxy.url("socks5h", "us%40er:p%3Ass")) as client,
        ):
            await client.send("café")
            self.assertEqual(await client.recv(), "café")
        self.assertEqual(proxy.requests[0][-1], "us@er")  # type: ignore[index]

    async def test_wrong_credentials(self) -> None:
        async with (
            serve(echo, "127.0.0.1", 0) as server,
            socks_proxy(credentials=("user", "pass")) as proxy,
        ):
            with self.assertRaises(ProxyError) as raised:
                await connect(get_uri(server), proxy=proxy.url("socks5h", "user:wrong"))
        self.assertIn("SOCKS proxy failed to open a tunnel", str(raised.exception))
        self.assertEqual(proxy.tunnels, [])

    async def test_missing_credentials(self) -> None:
        async with (
            serve(echo, "127.0.0.1", 0) as server,
            socks_proxy(credentials=("user", "pass")) as proxy,
        ):
            with self.assertRaises(ProxyError):
                await connect(get_uri(server), proxy=proxy.url("socks5h"))

    async def test_server_unreachable_through_proxy(self) -> None:
        async with socks_proxy() as proxy:
            with self.assertRaises(ProxyError):
                await connect(f"ws://127.0.0.1:{closed_port()}/", proxy=proxy.url("socks5h"))

    async def test_proxy_unreachable(self) -> None:
        with self.assertRaises(OSError):
            await connect("ws://127.0.0.1:1/", proxy=f"socks5h://127.0.0.1:{closed_port()}")

    async def test_proxy_silent(self) -> None:
        async with silent_proxy() as proxy:
            with self.assertRaises(TimeoutError):
                await connect("ws://127.0.0.1:1/", proxy=proxy.url("socks5h"), open_timeout=50 * MS)

    async def test_local_addr(self) -> None:
        async with (
            serve(echo, "127.0.0.1", 0) as server,
            socks_proxy() as proxy,
            connect(
                get_uri(server), proxy=proxy.url("socks5h"), local_addr=("127.0.0.1", 0)
            ) as client,
        ):
            self.assertEqual(client.local_address[0], "127.0.0.1")


class SOCKSWithoutPythonSocksTests(AsyncTestCase):
    async def test_import_error(self) -> None:
        with (
            unittest.mock.patch.dict(
                sys.modules,
                {"python_socks": None, "python_socks.async_.asyncio": None},
            ),
            self.assertRaises(ImportError) as raised,
        ):
            await connect("ws://127.0.0.1:1/", proxy="socks5h://127.0.0.1:1080")
        self.assertIn("pip install python-socks", str(raised.exception))


def proxy_environment(**variables: str) -> unittest.mock._patch[dict[str, str]]:
    """Set proxy environment variables for the duration of a test."""
    return unittest.mock.patch.dict(os.environ, variables)


class ProxyFromEnvironmentTests(AsyncTestCase):
    async def test_http_proxy(self) -> None:
        async with serve(echo, "127.0.0.1", 0) as server, http_proxy() as proxy:
            with proxy_environment(http_proxy=proxy.url("http")):
                async with connect(get_uri(server)) as client:
                    await client.send("café")
                    self.assertEqual(await client.recv(), "café")
            self.assertEqual(proxy.tunnels, [get_host_port(server)])

    async def test_http_proxy_not_used_for_wss(self) -> None:
        async with serve(echo, "127.0.0.1", 0, ssl=SERVER_CONTEXT) as server, http_proxy() as proxy:
            with proxy_environment(http_proxy=proxy.url("http")):
                async with connect(get_uri(server, secure=True), ssl=CLIENT_CONTEXT):
                    pass
        self.assertEqual(proxy.tunnels, [])

    async def test_https_proxy(self) -> None:
        async with (
            serve(echo, "127.0.0.1", 0, ssl=SERVER_CONTEXT) as secure_server,
            serve(echo, "127.0.0.1", 0) as server,
            http_proxy() as proxy,
        ):
            with proxy_environment(https_proxy=proxy.url("http")):
                async with connect(get_uri(secure_server, secure=True), ssl=CLIENT_CONTEXT):
                    pass
                async with connect(get_uri(server)):
                    pass
            self.assertEqual(proxy.tunnels, [get_host_port(secure_server), get_host_port(server)])

    async def test_wss_proxy(self) -> None:
        async with serve(echo, "127.0.0.1", 0, ssl=SERVER_CONTEXT) as server, http_proxy() as proxy:
            with proxy_environment(wss_proxy=proxy.url("http"), https_proxy="http://127.0.0.1:1"):
                async with connect(get_uri(server, secure=True), ssl=CLIENT_CONTEXT):
                    pass
            self.assertEqual(proxy.tunnels, [get_host_port(server)])

    @unittest.skipIf(python_socks is None, "python-socks isn't installed")
    async def test_socks_proxy(self) -> None:
        async with serve(echo, "127.0.0.1", 0) as server, socks_proxy() as proxy:
            with proxy_environment(https_proxy=proxy.url("socks5h")):
                async with connect(get_uri(server)):
                    pass
            self.assertEqual(proxy.tunnels, [get_host_port(server)])

    async def test_all_proxy_not_used(self) -> None:
        async with serve(echo, "127.0.0.1", 0) as server, http_proxy() as proxy:
            with proxy_environment(all_proxy=proxy.url("http")):
                async with connect(get_uri(server)):
                    pass
        self.assertEqual(proxy.tunnels, [])

    async def test_no_proxy(self) -> None:
        async with serve(echo, "127.0.0.1", 0) as server, http_proxy() as proxy:
            with proxy_environment(http_proxy=proxy.url("http"), no_proxy="127.0.0.1"):
                async with connect(get_uri(server)):
                    pass
        self.assertEqual(proxy.tunnels, [])

    async def test_proxy_none(self) -> None:
        async with serve(echo, "127.0.0.1", 0) as server, http_proxy() as proxy:
            with proxy_environment(http_proxy=proxy.url("http")):
                async with connect(get_uri(server), proxy=None):
                    pass
        self.assertEqual(proxy.tunnels, [])

    async def test_explicit_proxy_overrides_environment(self) -> None:
        async with serve(echo, "127.0.0.1", 0) as server, http_proxy() as proxy:
            with proxy_environment(http_proxy="http://127.0.0.1:1"):
                async with connect(get_uri(server), proxy=proxy.url("http")):
                    pass
            self.assertEqual(proxy.tunnels, [get_host_port(server)])

    async def test_invalid_proxy_in_environment(self) -> None:
        with proxy_environment(http_proxy="127.0.0.1:3128"), self.assertRaises(InvalidProxy):
            await connect("ws://127.0.0.1:1/")

    async def test_sock_ignores_environment(self) -> None:
        async with serve(echo, "127.0.0.1", 0) as server, http_proxy() as proxy:
            sock = socket.create_connection(get_host_port(server))
            with proxy_environment(http_proxy=proxy.url("http")):
                async with connect(get_uri(server), sock=sock):
                    pass
        self.assertEqual(proxy.tunnels, [])


class ProxyArgumentTests(AsyncTestCase):
    async def test_invalid_proxy(self) -> None:
        with self.assertRaises(InvalidProxy) as raised:
            await connect("ws://127.0.0.1:1/", proxy="ftp://proxy")
        self.assertEqual(
            str(raised.exception), "ftp://proxy isn't a valid proxy: scheme ftp isn't supported"
        )

    async def test_proxy_with_sock(self) -> None:
        with socket.socket() as sock, self.assertRaises(ValueError):
            await connect("ws://127.0.0.1:1/", proxy="http://127.0.0.1:1", sock=sock)

    async def test_proxy_with_unix(self) -> None:
        with self.assertRaises(ValueError):
            await connect(
                "ws://localhost/", proxy="http://127.0.0.1:1", unix=True, path="/nonexistent"
            )
