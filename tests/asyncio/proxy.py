"""Proxies run inside the tests: an HTTP CONNECT proxy and a SOCKS proxy.

Both listen on 127.0.0.1 and only open tunnels to loopback addresses, so
tests never send traffic elsewhere. They record what clients asked for, so
that tests can check that a connection went through them.

"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import ipaddress
import socket
import ssl
import struct
from collections.abc import AsyncIterator, Awaitable, Callable

from .utils import get_host_port

__all__ = [
    "ProxyServer",
    "custom_proxy",
    "http_proxy",
    "silent_proxy",
    "socks_proxy",
    "tunnel",
]


# Hosts to which the proxies agree to open a tunnel.
LOOPBACK = {"localhost", "127.0.0.1", "::1"}


@dataclasses.dataclass
class ProxyServer:
    """A proxy running for a test.

    Attributes:
        host: Address where the proxy listens.
        port: Port where the proxy listens.
        requests: For an HTTP proxy, the head of each request, decoded; for a
            SOCKS proxy, ``(version, command, host, port, username)`` tuples.
        tunnels: ``(host, port)`` of each tunnel opened.

    """

    host: str
    port: int
    requests: list[object] = dataclasses.field(default_factory=list)
    tunnels: list[tuple[str, int]] = dataclasses.field(default_factory=list)

    def url(self, scheme: str, user_info: str | None = None) -> str:
        """URL of the proxy, e.g. ``http://127.0.0.1:12345``."""
        at = "" if user_info is None else f"{user_info}@"
        return f"{scheme}://{at}{self.host}:{self.port}"


async def _relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy bytes from ``reader`` to ``writer`` until EOF."""
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        # Forward the end of the stream; TLS can't half-close: close.
        if writer.can_write_eof():
            writer.write_eof()
        else:
            writer.close()
    except (ConnectionError, OSError):
        pass


async def tunnel(
    client_reader: asyncio.StreamReader,
    client_writer: asyncio.StreamWriter,
    server_reader: asyncio.StreamReader,
    server_writer: asyncio.StreamWriter,
) -> None:
    """Relay bytes both ways until both directions end."""
    try:
        await asyncio.gather(
            _relay(client_reader, server_writer),
            _relay(server_reader, client_writer),
        )
    finally:
        server_writer.close()


async def drain_then_tunnel(
    client_reader: asyncio.StreamReader,
    client_writer: asyncio.StreamWriter,
    server_reader: asyncio.StreamReader,
    server_writer: asyncio.StreamWriter,
) -> None:
    """Send the proxy's answer, then relay bytes both ways.

    The connection to the server is closed even if the client went away
    before the answer was sent.

    """
    try:
        await client_writer.drain()
    except BaseException:
        server_writer.close()
        raise
    await tunnel(client_reader, client_writer, server_reader, server_writer)


@contextlib.asynccontextmanager
async def _serve(
    handle: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
    ssl_context: ssl.SSLContext | None = None,
) -> AsyncIterator[tuple[str, int]]:
    """Run a TCP server on 127.0.0.1; stop it and its connections on exit."""
    tasks: set[asyncio.Task[None]] = set()

    async def handle_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)
        try:
            await handle(reader, writer)
        except (ConnectionError, OSError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        except asyncio.CancelledError:
            # Stopped at the end of the test: nobody waits for this task.
            pass
        finally:
            writer.close()
            tasks.discard(task)

    server = await asyncio.start_server(handle_connection, "127.0.0.1", 0, ssl=ssl_context)
    try:
        yield get_host_port(server)
    finally:
        server.close()
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()


@contextlib.asynccontextmanager
async def http_proxy(
    *,
    credentials: tuple[str, str] | None = None,
    status: int | None = None,
    answer: bytes | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> AsyncIterator[ProxyServer]:
    """Run an HTTP proxy that opens tunnels with ``CONNECT``.

    Args:
        credentials: ``(username, password)`` that clients must send with
            ``Proxy-Authorization: Basic``; without them, the proxy answers
            407. :obj:`None` accepts every client.
        status: Answer every request with this status, without a tunnel.
        answer: Answer every request with these bytes, then close.
        ssl_context: Speak TLS with clients: an https proxy.

    """

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        proxy.requests.append(head)
        request_line, *header_lines = head.split("\r\n")
        headers = {}
        for line in header_lines:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()

        if answer is not None:
            writer.write(answer)
            await writer.drain()
            return
        if status is not None:
            writer.write(f"HTTP/1.1 {status} Nope\r\nContent-Length: 0\r\n\r\n".encode())
            await writer.drain()
            return
        if credentials is not None:
            expected = "Basic " + base64.b64encode(":".join(credentials).encode()).decode()
            if headers.get("proxy-authorization") != expected:
                writer.write(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                    b'Proxy-Authenticate: Basic realm="test"\r\n'
                    b"Content-Length: 0\r\n\r\n"
                )
                await writer.drain()
                return

        method, target, _ = request_line.split(" ", 2)
        host, _, port = target.rpartition(":")
        host = host.strip("[]")
        if method != "CONNECT" or host not in LOOPBACK:
            writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
            return
        try:
            server_reader, server_writer = await asyncio.open_connection(host, int(port))
        except OSError:
            writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
            return
        proxy.tunnels.append((host, int(port)))
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await drain_then_tunnel(reader, writer, server_reader, server_writer)

    async with _serve(handle, ssl_context) as (host, port):
        proxy = ProxyServer(host, port)
        yield proxy


async def _read_until_nul(reader: asyncio.StreamReader) -> bytes:
    return (await reader.readuntil(b"\0"))[:-1]


@contextlib.asynccontextmanager
async def socks_proxy(
    *,
    credentials: tuple[str, str] | None = None,
) -> AsyncIterator[ProxyServer]:
    """Run a SOCKS proxy: SOCKS5 (:rfc:`1928`) and SOCKS4 and 4a, ``CONNECT`` only.

    Args:
        credentials: ``(username, password)`` that SOCKS5 clients must send
            with username/password authentication (:rfc:`1929`). :obj:`None`
            accepts clients without authentication.

    """

    async def connect(host: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if host not in LOOPBACK:
            raise ConnectionRefusedError(f"not a loopback address: {host}")
        streams = await asyncio.open_connection(host, port)
        proxy.tunnels.append((host, port))
        return streams

    async def handle_socks5(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        (nmethods,) = await reader.readexactly(1)
        methods = await reader.readexactly(nmethods)
        method = 0x00 if credentials is None else 0x02
        if method not in methods:
            writer.write(b"\x05\xff")  # no acceptable method
            return
        writer.write(bytes([0x05, method]))

        username = None
        if method == 0x02:
            _version, ulen = await reader.readexactly(2)
            username = (await reader.readexactly(ulen)).decode()
            (plen,) = await reader.readexactly(1)
            password = (await reader.readexactly(plen)).decode()
            if (username, password) != credentials:
                writer.write(b"\x01\x01")  # authentication failure
                return
            writer.write(b"\x01\x00")

        _version, command, _reserved, address_type = await reader.readexactly(4)
        if address_type == 0x01:
            host = socket.inet_ntop(socket.AF_INET, await reader.readexactly(4))
        elif address_type == 0x04:
            host = socket.inet_ntop(socket.AF_INET6, await reader.readexactly(16))
        else:
            (length,) = await reader.readexactly(1)
            host = (await reader.readexactly(length)).decode()
        (port,) = struct.unpack("!H", await reader.readexactly(2))
        proxy.requests.append((5, command, host, port, username))

        if command != 0x01:
            writer.write(b"\x05\x07\x00\x01" + bytes(6))  # command not supported
            return
        try:
            server_reader, server_writer = await connect(host, port)
        except OSError:
            writer.write(b"\x05\x05\x00\x01" + bytes(6))  # connection refused
            return
        writer.write(b"\x05\x00\x00\x01" + bytes(6))  # succeeded
        await drain_then_tunnel(reader, writer, server_reader, server_writer)

    async def handle_socks4(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        command, port, address = struct.unpack("!BH4s", await reader.readexactly(7))
        username = (await _read_until_nul(reader)).decode()
        host = socket.inet_ntop(socket.AF_INET, address)
        if ipaddress.IPv4Address(address) in ipaddress.IPv4Network("0.0.0.0/24"):
            # SOCKS4a: the proxy resolves the host name that follows.
            host = (await _read_until_nul(reader)).decode()
        proxy.requests.append((4, command, host, port, username))
        try:
            server_reader, server_writer = await connect(host, port)
        except OSError:
            writer.write(b"\x00\x5b" + bytes(6))  # request rejected or failed
            return
        writer.write(b"\x00\x5a" + bytes(6))  # request granted
        await drain_then_tunnel(reader, writer, server_reader, server_writer)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        (version,) = await reader.readexactly(1)
        if version == 5:
            await handle_socks5(reader, writer)
        elif version == 4:
            await handle_socks4(reader, writer)
        await writer.drain()

    async with _serve(handle) as (host, port):
        proxy = ProxyServer(host, port)
        yield proxy


@contextlib.asynccontextmanager
async def custom_proxy(
    handle: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
) -> AsyncIterator[ProxyServer]:
    """Run a proxy that handles each connection with ``handle``."""
    async with _serve(handle) as (host, port):
        yield ProxyServer(host, port)


async def _never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read()


def silent_proxy() -> contextlib.AbstractAsyncContextManager[ProxyServer]:
    """Run a proxy that accepts connections and never answers."""
    return custom_proxy(_never_answer)
