"""Proxies run inside the tests, on threads: an HTTP CONNECT proxy and a SOCKS proxy.

Both listen on 127.0.0.1 and only open tunnels to loopback addresses, so
tests never send traffic elsewhere. They record what clients asked for, so
that tests can check that a connection went through them.

"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import ipaddress
import socket
import ssl
import struct
import threading
from collections.abc import Callable, Iterator

from .utils import JOIN_TIMEOUT, close_listener

__all__ = ["ProxyServer", "http_proxy", "socks_proxy"]


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


def _relay(source: socket.socket, destination: socket.socket) -> None:
    """Copy bytes from ``source`` to ``destination`` until EOF."""
    try:
        while data := source.recv(65536):
            destination.sendall(data)
        # Half-close TCP, under TLS if there's TLS: the peer reads EOF.
        socket.socket.shutdown(destination, socket.SHUT_WR)
    except OSError:
        pass


def _tunnel(client: socket.socket, server: socket.socket) -> None:
    """Relay bytes both ways until both directions end."""
    client.settimeout(None)
    server.settimeout(None)
    upstream = threading.Thread(target=_relay, args=(client, server), daemon=True)
    upstream.start()
    _relay(server, client)
    upstream.join(JOIN_TIMEOUT)
    server.close()


def _read_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise EOFError("connection closed")
        data += chunk
    return data


def _read_until(sock: socket.socket, end: bytes) -> bytes:
    data = b""
    while not data.endswith(end):
        data += _read_exactly(sock, 1)
    return data


@contextlib.contextmanager
def _serve(
    handle: Callable[[socket.socket], None],
    ssl_context: ssl.SSLContext | None = None,
) -> Iterator[tuple[str, int]]:
    """Run a TCP server on 127.0.0.1, a thread per connection; stop it on exit."""
    listener = socket.create_server(("127.0.0.1", 0))
    connections: list[socket.socket] = []
    threads: list[threading.Thread] = []

    def handle_connection(sock: socket.socket) -> None:
        try:
            sock.settimeout(JOIN_TIMEOUT)
            if ssl_context is not None:
                sock = ssl_context.wrap_socket(sock, server_side=True)
                connections.append(sock)
            handle(sock)
        except (OSError, EOFError):
            pass
        finally:
            sock.close()

    def accept() -> None:
        while True:
            try:
                sock, _ = listener.accept()
            except OSError:
                return  # the listener is closed
            connections.append(sock)
            thread = threading.Thread(target=handle_connection, args=(sock,), daemon=True)
            threads.append(thread)
            thread.start()

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield listener.getsockname()[:2]
    finally:
        close_listener(listener)
        acceptor.join(JOIN_TIMEOUT)
        for sock in connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in threads:
            thread.join(JOIN_TIMEOUT)


@contextlib.contextmanager
def http_proxy(
    *,
    credentials: tuple[str, str] | None = None,
    status: int | None = None,
    answer: bytes | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> Iterator[ProxyServer]:
    """Run an HTTP proxy that opens tunnels with ``CONNECT``.

    Args:
        credentials: ``(username, password)`` that clients must send with
            ``Proxy-Authorization: Basic``; without them, the proxy answers
            407. :obj:`None` accepts every client.
        status: Answer every request with this status, without a tunnel.
        answer: Answer every request with these bytes, then close.
        ssl_context: Speak TLS with clients: an https proxy.

    """

    def handle(sock: socket.socket) -> None:
        head = _read_until(sock, b"\r\n\r\n").decode("latin-1")
        proxy.requests.append(head)
        request_line, *header_lines = head.split("\r\n")
        headers = {}
        for line in header_lines:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()

        if answer is not None:
            sock.sendall(answer)
            return
        if status is not None:
            sock.sendall(f"HTTP/1.1 {status} Nope\r\nContent-Length: 0\r\n\r\n".encode())
            return
        if credentials is not None:
            expected = "Basic " + base64.b64encode(":".join(credentials).encode()).decode()
            if headers.get("proxy-authorization") != expected:
                sock.sendall(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                    b'Proxy-Authenticate: Basic realm="test"\r\n'
                    b"Content-Length: 0\r\n\r\n"
                )
                return

        method, target, _ = request_line.split(" ", 2)
        host, _, port = target.rpartition(":")
        host = host.strip("[]")
        if method != "CONNECT" or host not in LOOPBACK:
            sock.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        try:
            server = socket.create_connection((host, int(port)), timeout=JOIN_TIMEOUT)
        except OSError:
            sock.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        proxy.tunnels.append((host, int(port)))
        sock.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        _tunnel(sock, server)

    with _serve(handle, ssl_context) as (host, port):
        proxy = ProxyServer(host, port)
        yield proxy


@contextlib.contextmanager
def socks_proxy(*, credentials: tuple[str, str] | None = None) -> Iterator[ProxyServer]:
    """Run a SOCKS proxy: SOCKS5 (:rfc:`1928`) and SOCKS4 and 4a, ``CONNECT`` only.

    Args:
        credentials: ``(username, password)`` that SOCKS5 clients must send
            with username/password authentication (:rfc:`1929`). :obj:`None`
            accepts clients without authentication.

    """

    def connect(host: str, port: int) -> socket.socket:
        if host not in LOOPBACK:
            raise ConnectionRefusedError(f"not a loopback address: {host}")
        server = socket.create_connection((host, port), timeout=JOIN_TIMEOUT)
        proxy.tunnels.append((host, port))
        return server

    def handle_socks5(sock: socket.socket) -> None:
        (nmethods,) = _read_exactly(sock, 1)
        methods = _read_exactly(sock, nmethods)
        method = 0x00 if credentials is None else 0x02
        if method not in methods:
            sock.sendall(b"\x05\xff")  # no acceptable method
            return
        sock.sendall(bytes([0x05, method]))

        username = None
        if method == 0x02:
            _version, ulen = _read_exactly(sock, 2)
            username = _read_exactly(sock, ulen).decode()
            (plen,) = _read_exactly(sock, 1)
            password = _read_exactly(sock, plen).decode()
            if (username, password) != credentials:
                sock.sendall(b"\x01\x01")  # authentication failure
                return
            sock.sendall(b"\x01\x00")

        _version, command, _reserved, address_type = _read_exactly(sock, 4)
        if address_type == 0x01:
            host = socket.inet_ntop(socket.AF_INET, _read_exactly(sock, 4))
        elif address_type == 0x04:
            host = socket.inet_ntop(socket.AF_INET6, _read_exactly(sock, 16))
        else:
            (length,) = _read_exactly(sock, 1)
            host = _read_exactly(sock, length).decode()
        (port,) = struct.unpack("!H", _read_exactly(sock, 2))
        proxy.requests.append((5, command, host, port, username))

        if command != 0x01:
            sock.sendall(b"\x05\x07\x00\x01" + bytes(6))  # command not supported
            return
        try:
            server = connect(host, port)
        except OSError:
            sock.sendall(b"\x05\x05\x00\x01" + bytes(6))  # connection refused
            return
        sock.sendall(b"\x05\x00\x00\x01" + bytes(6))  # succeeded
        _tunnel(sock, server)

    def handle_socks4(sock: socket.socket) -> None:
        command, port, address = struct.unpack("!BH4s", _read_exactly(sock, 7))
        username = _read_until(sock, b"\0")[:-1].decode()
        host = socket.inet_ntop(socket.AF_INET, address)
        if ipaddress.IPv4Address(address) in ipaddress.IPv4Network("0.0.0.0/24"):
            # SOCKS4a: the proxy resolves the host name that follows.
            host = _read_until(sock, b"\0")[:-1].decode()
        proxy.requests.append((4, command, host, port, username))
        try:
            server = connect(host, port)
        except OSError:
            sock.sendall(b"\x00\x5b" + bytes(6))  # request rejected or failed
            return
        sock.sendall(b"\x00\x5a" + bytes(6))  # request granted
        _tunnel(sock, server)

    def handle(sock: socket.socket) -> None:
        (version,) = _read_exactly(sock, 1)
        if version == 5:
            handle_socks5(sock)
        elif version == 4:
            handle_socks4(sock)

    with _serve(handle) as (host, port):
        proxy = ProxyServer(host, port)
        yield proxy
