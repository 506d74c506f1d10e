"""WebSocket clients on top of sockets and threads.

:func:`connect` opens a TCP (or TLS) connection with
:func:`socket.create_connection`, through a proxy if there's one, performs the
opening handshake in the calling thread, and returns a
:class:`ClientConnection`, whose own thread then reads from the socket.
:class:`reconnect` is iterable: it yields a new connection at each iteration
and reconnects automatically after errors that look transient.

"""

from __future__ import annotations

import functools
import logging
import os
import socket
import ssl as ssl_module
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Generator, Iterator, Sequence
from types import TracebackType
from typing import Any, Literal, TypeVar, cast, overload

from .._handshake import client_request

# The policy shared with other I/O layers lives in websockets.client. These
# names remain importable from here: backoff and process_exception are the
# defaults of reconnection.
from ..client import BACKOFF_FACTOR as BACKOFF_FACTOR
from ..client import BACKOFF_INITIAL_DELAY as BACKOFF_INITIAL_DELAY
from ..client import BACKOFF_MAX_DELAY as BACKOFF_MAX_DELAY
from ..client import BACKOFF_MIN_DELAY as BACKOFF_MIN_DELAY
from ..client import MAX_REDIRECTS as MAX_REDIRECTS
from ..client import ClientProtocol, follow_redirect, redirect_headers, same_origin, uri_for_log
from ..client import backoff as backoff
from ..client import process_exception as process_exception
from ..compression import DEFAULT_COMPRESSION, client_extensions
from ..datastructures import HeadersLike
from ..exceptions import InvalidProxyMessage, ProxyError
from ..extensions.base import ClientExtensionFactory
from ..headers import validate_subprotocols
from ..http11 import USER_AGENT, Response
from ..protocol import Event
from ..proxy import HTTPProxyHandshake, Proxy, get_proxy, parse_proxy
from ..typing import LoggerLike, Origin, PathLike, Subprotocol
from ..uri import WebSocketURI, parse_uri
from .connection import Connection
from .utils import Deadline

__all__ = ["ClientConnection", "connect", "unix_connect", "reconnect", "unix_reconnect"]


# Warning for connections that connect() returns without legacy=True, on their
# first use outside a with block. The wording is upstream's.
_LEGACY_WARNING = (
    "connect() must be used as a context manager: "
    "with connect(...) as websocket: ...; "
    "alternatively, use websocket = connect(..., legacy=True) to connect directly"
)

_F = TypeVar("_F", bound=Callable[..., Any])


def _warns_unless_managed(method: _F) -> _F:
    """Make a method of :class:`ClientConnection` warn about legacy use, once."""

    @functools.wraps(method)
    def wrapper(self: ClientConnection, *args: Any, **kwargs: Any) -> Any:
        if self._legacy_warning:
            self._legacy_warning = False
            # stacklevel=2 points at the application's line.
            warnings.warn(_LEGACY_WARNING, DeprecationWarning, stacklevel=2)
        return method(self, *args, **kwargs)

    return cast(_F, wrapper)


class ClientConnection(Connection):
    """Client side of a threading WebSocket connection.

    :func:`connect` returns one once the opening handshake succeeded. Receive
    messages with :meth:`recv` or by iterating over it, and send messages
    with :meth:`send`::

        with connect("ws://localhost:8765") as websocket:
            websocket.send("Hello!")
            for message in websocket:
                print(message)

    ``ping_interval``, ``ping_timeout``, ``close_timeout`` and ``max_queue``
    are described in :func:`connect`.

    Args:
        sock: Socket connected to the server, with TLS for ``wss://`` URIs.
        protocol: Sans-I/O client connection that this object drives.

    """

    # A client process seldom holds many connections: a reading thread of
    # its own costs it less per message than the hub.
    _use_hub = False

    # connect() sets it when legacy isn't given; see _warns_unless_managed.
    _legacy_warning = False

    def __init__(
        self,
        sock: socket.socket,
        protocol: ClientProtocol,
        *,
        ping_interval: float | None = 20,
        ping_timeout: float | None = 20,
        close_timeout: float | None = 10,
        max_queue: int | None | tuple[int | None, int | None] = 16,
    ) -> None:
        self.protocol: ClientProtocol
        super().__init__(
            sock,
            protocol,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            close_timeout=close_timeout,
            max_queue=max_queue,
        )

    def handshake(
        self,
        additional_headers: HeadersLike | None = None,
        user_agent_header: str | None = USER_AGENT,
        timeout: float | None = None,
    ) -> None:
        """Perform the opening handshake: send the request, read the response.

        It runs in the calling thread. When it succeeds, the connection starts
        its reading thread and keepalive; when it fails, the connection is
        closed.

        Args:
            additional_headers: Headers added to the request.
            user_agent_header: Value of the ``User-Agent`` header, unless
                ``additional_headers`` already has one; :obj:`None` omits it.
            timeout: How long to wait for the response, in seconds;
                :obj:`None` waits forever.

        Raises:
            InvalidHandshake: If the opening handshake fails, for example
                :exc:`~websockets.exceptions.InvalidStatus` when the server
                answers with another status than 101, or
                :exc:`~websockets.exceptions.InvalidMessage` when the response
                isn't valid HTTP.
            TimeoutError: If the response doesn't arrive within ``timeout``.

        """
        try:
            self.request = client_request(self.protocol, additional_headers, user_agent_header)
            with self.protocol_mutex:
                self.protocol.send_request(self.request)
                self._send_data()
            deadline = Deadline(timeout)
            while self.response is None and self._read_once(deadline.timeout()):
                pass
        except BaseException:
            self._finish()
            raise
        if self.protocol.handshake_exc is not None:
            self._finish()
            raise self.protocol.handshake_exc
        self._start_reading()

    def process_event(self, event: Event) -> None:
        """Handle an event from the protocol: the response, then frames.

        Args:
            event: Opening handshake response or frame.

        """
        if isinstance(event, Response):
            self.response = event
        else:
            super().process_event(event)

    def __enter__(self) -> ClientConnection:
        # Used as a context manager, as connect() should be: no warning.
        self._legacy_warning = False
        return self

    # Without legacy=True, the first use of the connection returned by
    # connect() outside a with block emits a DeprecationWarning, as upstream.
    __iter__ = _warns_unless_managed(Connection.__iter__)
    recv = _warns_unless_managed(Connection.recv)
    recv_streaming = _warns_unless_managed(Connection.recv_streaming)
    send = _warns_unless_managed(Connection.send)
    close = _warns_unless_managed(Connection.close)
    ping = _warns_unless_managed(Connection.ping)
    pong = _warns_unless_managed(Connection.pong)


# Versions of SOCKS in python-socks' ProxyType, and whether the proxy resolves
# the host name of the server (remote DNS), by scheme.
_SOCKS_SCHEMES = {
    "socks5h": ("SOCKS5", True),
    "socks5": ("SOCKS5", False),
    "socks4a": ("SOCKS4", True),
    "socks4": ("SOCKS4", False),
}


class _Connector:
    """Open client connections with the arguments of :func:`connect`.

    :func:`connect` opens one connection; reconnection opens many.

    """

    def __init__(
        self,
        uri: str,
        *,
        sock: socket.socket | None,
        ssl: ssl_module.SSLContext | None,
        server_hostname: str | None,
        origin: Origin | None,
        extensions: Sequence[ClientExtensionFactory] | None,
        subprotocols: Sequence[Subprotocol] | None,
        compression: str | None,
        additional_headers: HeadersLike | None,
        user_agent_header: str | None,
        proxy: str | Literal[True] | None,
        proxy_ssl: ssl_module.SSLContext | None,
        proxy_server_hostname: str | None,
        open_timeout: float | None,
        ping_interval: float | None,
        ping_timeout: float | None,
        close_timeout: float | None,
        max_size: int | None | tuple[int | None, int | None],
        max_queue: int | None | tuple[int | None, int | None],
        logger: LoggerLike,
        create_connection: type[ClientConnection],
        unix: bool,
        path: PathLike | None,
        kwargs: dict[str, Any],
    ) -> None:
        self.uri = uri
        self.sock = sock
        self.ssl = ssl
        self.server_hostname = server_hostname
        self.origin = origin
        self.subprotocols = subprotocols
        self.additional_headers = additional_headers
        self.user_agent_header = user_agent_header
        self.proxy = proxy
        self.proxy_ssl = proxy_ssl
        self.proxy_server_hostname = proxy_server_hostname
        self.open_timeout = open_timeout
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.close_timeout = close_timeout
        self.max_size = max_size
        self.max_queue = max_queue
        self.logger = logger
        self.create_connection = create_connection
        self.unix = unix
        self.path = None if path is None else os.fspath(path)
        self.kwargs = kwargs
        # URI of the attempt that process_redirect() looks at, and how many
        # redirects led there.
        self._redirect_state = (uri, 0)

        # Check arguments now, before connecting, in upstream's order, so
        # that the same mistake raises the same exception.
        ws_uri = parse_uri(uri)
        if not ws_uri.secure and ssl is not None:
            raise ValueError("ssl argument is incompatible with a ws:// URI")
        if unix and path is None and sock is None:
            raise ValueError("missing path argument")
        if unix and path is not None and sock is not None:
            raise ValueError("path is incompatible with sock")
        if (sock is not None or unix) and isinstance(proxy, str):
            raise ValueError("proxy argument is incompatible with sock and Unix sockets")
        if subprotocols is not None:
            validate_subprotocols(subprotocols)
        self.extensions = client_extensions(compression, extensions)

    def connect(
        self,
        process_redirect: Callable[[Exception], Exception | str] | None = None,
    ) -> ClientConnection:
        """Open a connection, following redirects, within ``open_timeout``.

        Args:
            process_redirect: Decides whether to follow a failed attempt;
                :meth:`process_redirect` by default.

        Raises:
            TimeoutError: If it takes longer than ``open_timeout``.

        """
        if process_redirect is None:
            process_redirect = self.process_redirect
        deadline = Deadline(self.open_timeout)
        uri = self.uri
        additional_headers = self.additional_headers
        redirects = 0
        try:
            while True:
                connection = self.open(uri, deadline)
                try:
                    # When the deadline already passed, handshake() times
                    # out and closes the connection; raising here instead
                    # would leave the socket open.
                    connection.handshake(
                        additional_headers,
                        self.user_agent_header,
                        deadline.timeout(raise_if_elapsed=False),
                    )
                except Exception as exc:
                    self._redirect_state = (uri, redirects)
                    result = process_redirect(exc)
                    if isinstance(result, Exception):
                        if result is exc:
                            raise
                        raise result from exc
                    new_uri = result
                    # At the debug level, as upstream logs nothing here.
                    self.logger.debug("! redirected to %s", uri_for_log(new_uri))
                    additional_headers = redirect_headers(uri, new_uri, additional_headers)
                    uri = new_uri
                    redirects += 1
                    continue
                return connection
        except TimeoutError as exc:
            # Re-raise with a clearer message.
            raise TimeoutError("timed out during opening handshake") from exc

    def process_redirect(self, exc: Exception) -> Exception | str:
        """Return the URI to follow after ``exc``, or the exception to raise.

        See :meth:`reconnect.process_redirect`.

        """
        uri, redirects = self._redirect_state
        try:
            # Read MAX_REDIRECTS now: tests and applications patch this
            # module's value.
            new_uri = follow_redirect(uri, exc, redirects, MAX_REDIRECTS)
            if new_uri is None:
                return exc
            self.check_redirect(uri, new_uri)
        except Exception as error:
            return error
        return new_uri

    def check_redirect(self, uri: str, new_uri: str) -> None:
        """Refuse redirects that the connection arguments can't follow.

        Raises:
            ValueError: With ``sock``, which can't be reused, or when leaving
                the origin of ``uri`` on a Unix socket, which would still lead
                to the old server.

        """
        if self.sock is not None:
            raise ValueError(f"cannot follow redirect to {new_uri} with sock")
        if same_origin(uri, new_uri):
            return
        if self.unix:
            raise ValueError(f"cannot follow cross-origin redirect to {new_uri} on a Unix socket")

    def select_proxy(self, ws_uri: WebSocketURI) -> Proxy | None:
        """Choose the proxy for connecting to ``ws_uri``, if any.

        Raises:
            InvalidProxy: If the proxy URL isn't valid.
            ValueError: If ``proxy_ssl`` is given with an ``http://`` proxy.

        """
        if self.sock is not None or self.unix:
            return None
        proxy_url = get_proxy(ws_uri) if self.proxy is True else self.proxy
        if proxy_url is None:
            return None
        proxy = parse_proxy(proxy_url)
        if proxy.scheme == "http" and self.proxy_ssl is not None:
            raise ValueError("proxy_ssl argument is incompatible with an http:// proxy")
        return proxy

    def open(self, uri: str, deadline: Deadline) -> ClientConnection:
        """Open a TCP or TLS connection to the server at ``uri``.

        Through a proxy, this opens the tunnel to the server too.

        Returns:
            The connection, before the opening handshake.

        """
        ws_uri = parse_uri(uri)
        proxy = self.select_proxy(ws_uri)
        # Create the protocol before connecting, so that invalid arguments
        # are reported without opening a connection.
        protocol = ClientProtocol(
            ws_uri,
            origin=self.origin,
            extensions=self.extensions,
            subprotocols=self.subprotocols,
            max_size=self.max_size,
            logger=self.logger,
        )

        sock: Any
        if self.sock is not None:
            sock = self.sock
        elif self.unix:
            sock = socket.socket(socket.AF_UNIX)
            try:
                sock.settimeout(deadline.timeout())
                sock.connect(self.path)
            except BaseException:
                sock.close()
                raise
        elif proxy is None:
            sock = socket.create_connection(
                (ws_uri.host, ws_uri.port), timeout=deadline.timeout(), **self.kwargs
            )
        elif proxy.scheme.startswith("socks"):
            sock = _connect_socks_proxy(proxy, ws_uri, deadline, **self.kwargs)
        else:
            sock = self.connect_http_proxy(proxy, ws_uri, deadline)

        try:
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                # Don't delay small frames such as pongs and close frames.
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, True)
            if ws_uri.secure:
                context = self.ssl
                if context is None:
                    context = ssl_module.create_default_context()
                server_hostname = self.server_hostname
                if server_hostname is None:
                    server_hostname = ws_uri.host
                sock.settimeout(deadline.timeout())
                if isinstance(sock, ssl_module.SSLSocket):
                    # TLS with the server inside TLS with an https proxy.
                    sock = _TLSInTLSSocket(sock, context, server_hostname)
                else:
                    sock = context.wrap_socket(sock, server_hostname=server_hostname)
            sock.settimeout(None)
            return self.create_connection(
                sock,
                protocol,
                ping_interval=self.ping_interval,
                ping_timeout=self.ping_timeout,
                close_timeout=self.close_timeout,
                max_queue=self.max_queue,
            )
        except BaseException:
            sock.close()
            raise

    def connect_http_proxy(
        self,
        proxy: Proxy,
        ws_uri: WebSocketURI,
        deadline: Deadline,
    ) -> socket.socket:
        """Open a tunnel to ``ws_uri`` through an HTTP proxy.

        Returns:
            A socket connected to the proxy, TLS for an https proxy, whose
            next bytes come from the server.

        Raises:
            ProxyError: If the proxy doesn't open the tunnel.

        """
        sock = socket.create_connection(
            (proxy.host, proxy.port), timeout=deadline.timeout(), **self.kwargs
        )
        try:
            if proxy.scheme == "https":
                context = self.proxy_ssl
                if context is None:
                    context = ssl_module.create_default_context()
                server_hostname = self.proxy_server_hostname
                if server_hostname is None:
                    server_hostname = proxy.host
                sock.settimeout(deadline.timeout())
                sock = context.wrap_socket(sock, server_hostname=server_hostname)

            handshake = HTTPProxyHandshake(proxy, ws_uri, self.user_agent_header)
            sock.settimeout(deadline.timeout())
            sock.sendall(handshake.data_to_send())
            while not handshake.done:
                sock.settimeout(deadline.timeout())
                data = sock.recv(4096)
                if data:
                    handshake.receive_data(data)
                else:
                    handshake.receive_eof()
            if handshake.exc is not None:
                raise handshake.exc
            tunnel_data = handshake.tunnel_data()
            if tunnel_data:
                # The server can't speak before the client's request or TLS
                # hello: these bytes don't belong to a WebSocket connection.
                raise InvalidProxyMessage(
                    f"received {len(tunnel_data)} bytes from the tunnel before the opening handshake"
                )
        except BaseException:
            sock.close()
            raise
        return sock


def _connect_socks_proxy(
    proxy: Proxy,
    ws_uri: WebSocketURI,
    deadline: Deadline,
    **kwargs: Any,
) -> socket.socket:
    """Open a tunnel to ``ws_uri`` through a SOCKS proxy, with python-socks.

    Returns:
        A socket connected to the server through the proxy.

    Raises:
        ImportError: If python-socks isn't installed.
        ProxyError: If the proxy refuses to open the tunnel.
        OSError: If the connection to the proxy fails.
        TimeoutError: If opening the tunnel takes longer than the deadline.

    """
    try:
        from python_socks import (  # type: ignore[import-not-found, unused-ignore]
            ProxyError as SocksProxyError,
        )
        from python_socks import ProxyType  # type: ignore[import-not-found, unused-ignore]
        from python_socks.sync import (  # type: ignore[import-not-found, unused-ignore]
            Proxy as SocksProxy,
        )
    except ImportError as exc:
        raise ImportError(
            "connecting through a SOCKS proxy requires python-socks: pip install python-socks"
        ) from exc

    version, remote_dns = _SOCKS_SCHEMES[proxy.scheme]
    socks_proxy = SocksProxy(
        getattr(ProxyType, version),
        proxy.host,
        proxy.port,
        username=proxy.username,
        password=proxy.password,
        rdns=remote_dns,
    )
    # python-socks calls the local address local_addr, socket source_address.
    if "source_address" in kwargs:
        kwargs["local_addr"] = kwargs.pop("source_address")
    try:
        sock: socket.socket = socks_proxy.connect(
            ws_uri.host,
            ws_uri.port,
            timeout=deadline.timeout(),
            **kwargs,
        )
    except OSError:
        # Failing to reach the proxy, or timing out: network errors.
        raise
    except SocksProxyError as exc:
        raise ProxyError(f"SOCKS proxy failed to open a tunnel: {exc}") from exc
    return sock


class _TLSInTLSSocket:
    """TLS connection with the server inside the TLS connection with a proxy.

    :meth:`ssl.SSLContext.wrap_socket` can't wrap an :class:`ssl.SSLSocket`.
    This runs the inner TLS connection in memory, with :class:`ssl.MemoryBIO`,
    over the outer one. It provides the methods of :class:`socket.socket` that
    :class:`~websockets.sync.connection.Connection` uses; like a socket, it
    supports one thread reading while another one writes.

    """

    def __init__(
        self,
        sock: ssl_module.SSLSocket,
        context: ssl_module.SSLContext,
        server_hostname: str | None,
    ) -> None:
        self.sock = sock
        self.family = sock.family
        self.incoming = ssl_module.MemoryBIO()
        self.outgoing = ssl_module.MemoryBIO()
        self.ssl_object = context.wrap_bio(
            self.incoming, self.outgoing, server_hostname=server_hostname
        )
        # Protects the SSL object and the memory buffers.
        self.lock = threading.Lock()
        # Taken to move bytes from the outgoing buffer to the socket, so that
        # TLS records go out in the order in which they were produced.
        self.write_lock = threading.Lock()
        while True:
            try:
                with self.lock:
                    self.ssl_object.do_handshake()
                break
            except ssl_module.SSLWantReadError:
                self._flush()
                self._fill()
        self._flush()

    def _fill(self) -> bool:
        """Read TLS records from the outer connection; return :obj:`False` at EOF."""
        data = self.sock.recv(65536)
        with self.lock:
            if data:
                self.incoming.write(data)
            else:
                self.incoming.write_eof()
        return bool(data)

    def _flush(self) -> None:
        """Send the TLS records waiting in the outgoing buffer."""
        with self.write_lock:
            with self.lock:
                data = self.outgoing.read()
            if data:
                self.sock.sendall(data)

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        buffer = bytearray(bufsize)
        count = self.recv_into(buffer, bufsize, flags)
        return bytes(buffer[:count])

    def recv_into(self, buffer: memoryview | bytearray, nbytes: int = 0, flags: int = 0) -> int:
        # Like SSLSocket, this supports no flags: reading always blocks.
        assert flags == 0, "flags aren't supported"
        while True:
            try:
                with self.lock:
                    # With a buffer, read() returns a count, whatever typeshed says.
                    count = cast(int, self.ssl_object.read(nbytes or len(buffer), buffer))
                    records = self.outgoing.pending
            except ssl_module.SSLWantReadError:
                if not self._fill():
                    return 0
                continue
            except (ssl_module.SSLZeroReturnError, ssl_module.SSLEOFError):
                return 0
            if records:
                # Reading may produce records, e.g. a key update.
                self._flush()
            return count

    def sendall(self, data: bytes) -> None:
        with self.write_lock:
            with self.lock:
                view = memoryview(data)
                while view:
                    written = self.ssl_object.write(view)
                    view = view[written:]
                records = self.outgoing.read()
            self.sock.sendall(records)

    def pending(self) -> bool:
        with self.lock:
            return self.ssl_object.pending() > 0 or self.incoming.pending > 0

    def fileno(self) -> int:
        return self.sock.fileno()

    def settimeout(self, timeout: float | None) -> None:
        self.sock.settimeout(timeout)

    def shutdown(self, how: int) -> None:
        socket.socket.shutdown(self.sock, how)

    def close(self) -> None:
        self.sock.close()

    def getsockname(self) -> Any:
        return self.sock.getsockname()

    def getpeername(self) -> Any:
        return self.sock.getpeername()


class reconnect:
    """Connect to the WebSocket server at ``uri``, and reconnect as needed.

    Iterate over it to reconnect automatically: each iteration connects and
    yields a new :class:`ClientConnection`, which is closed when the iteration
    ends, for example with ``continue``, ``break`` or an exception in the
    body of the loop::

        for websocket in reconnect("ws://localhost:8765"):
            try:
                for message in websocket:
                    ...
            except ConnectionClosed:
                continue

    When an attempt to connect fails, ``process_exception`` decides what
    happens: with the default, :func:`~websockets.client.process_exception`,
    errors that look transient, such as a refused connection or a 503
    Service Unavailable status, are retried after a delay taken from
    ``reconnect_delays`` (:func:`~websockets.client.backoff` by default:
    random up to 5 seconds, then 3.1 seconds growing by a factor of 1.618 up
    to 90 seconds), and other errors are raised, which ends the loop. The
    delays start over once a connection opens.

    Use it as a context manager to open one connection, without retrying,
    and close it on exit, like :func:`connect`::

        with reconnect("ws://localhost:8765") as websocket:
            ...

    A ``with`` block or a loop may use it again once the previous one ended;
    entering it while a ``with`` block or a loop still uses it raises
    :exc:`RuntimeError`.

    It takes the same arguments as :func:`connect`, except ``legacy``, plus
    ``process_exception`` and ``reconnect_delays``; ``connect(...,
    legacy=False)`` returns one.

    The client follows HTTP redirects (300, 301, 302, 303, 307 and 308), up to
    ``MAX_REDIRECTS`` of them: this module's ``MAX_REDIRECTS``, read when
    connecting, 10 by default or the value of the ``WEBSOCKETS_MAX_REDIRECTS``
    environment variable; see :func:`websockets.client.follow_redirect`. When
    a redirect goes to another origin (scheme, host or port), the
    ``Authorization``, ``Cookie`` and ``Proxy-Authorization`` headers of
    ``additional_headers`` and the user info of ``uri`` aren't sent there; see
    :func:`websockets.client.redirect_headers`.

    By default, the client connects through the proxy configured in the
    environment, if any: see :func:`websockets.proxy.get_proxy`. It tunnels
    through HTTP proxies with a ``CONNECT`` request, sending the credentials
    of the proxy URL, if any, with HTTP Basic Auth, and through SOCKS proxies
    with the python-socks library, which must be installed for that (``pip
    install python-socks``, or the ``socks`` extra of ``ws-sync``). Then it
    speaks TLS, for ``wss://`` URIs, and WebSocket through the tunnel.

    Args:
        uri: URI of the server, ``ws://`` or ``wss://``.
        sock: Socket already connected to the server, to use instead of
            opening a connection; the host and port of ``uri`` only go in the
            ``Host`` header then. Every attempt to connect uses it, as
            upstream does: once it's closed, attempts fail with
            :exc:`OSError`, which the default ``process_exception`` retries
            forever, so leave the loop or pass a ``process_exception`` that
            stops it.
        ssl: TLS context for ``wss://`` URIs; by default, or when it's
            :obj:`None`, :func:`ssl.create_default_context`.
        server_hostname: Host name to check in the server's certificate, for
            ``wss://`` URIs; by default, the host of ``uri``.
        origin: Value of the ``Origin`` header, for servers that check it.
        extensions: Extensions that the client supports, in the order in
            which they're negotiated and applied.
        subprotocols: Subprotocols that the client supports, most preferred
            first.
        compression: ``"deflate"``, the default, negotiates the
            permessage-deflate extension (:rfc:`7692`) when the ``ws-deflate``
            distribution is installed, and no compression without it; given
            explicitly, it requires ``ws-deflate``. :obj:`None` disables
            compression.
        additional_headers: Headers added to the handshake request.
        user_agent_header: Value of the ``User-Agent`` header, in the
            handshake request and in the ``CONNECT`` request to an HTTP proxy;
            ``"Python/x.y websockets/X.Y"`` by default, or the
            ``WEBSOCKETS_USER_AGENT`` environment variable. :obj:`None` omits
            it.
        proxy: Proxy to connect through. :obj:`True`, the default, uses the
            proxy configured in the environment for ``uri``, if any;
            :obj:`None` connects directly; a proxy URL connects through that
            proxy: ``http://`` or ``https://`` (TLS to the proxy) for an HTTP
            proxy, ``socks5h://``, ``socks5://``, ``socks4a://`` or
            ``socks4://`` for a SOCKS proxy, e.g.
            ``"http://user:password@proxy:3128"``. With ``socks5h`` and
            ``socks4a``, the proxy resolves the host name of the server; with
            ``socks5`` and ``socks4``, the client does. No proxy is used when
            ``sock`` is given or with :func:`unix_connect`.
        proxy_ssl: TLS context for an ``https://`` proxy; by default,
            :func:`ssl.create_default_context`.
        proxy_server_hostname: Host name to check in the certificate of an
            ``https://`` proxy; by default, the host of the proxy URL.
        process_exception: Function deciding whether to try again after a
            failed attempt: it returns :obj:`None` to retry, or the exception
            to raise; :func:`~websockets.client.process_exception` by default.
        open_timeout: How long connecting to the proxy, if any, the TCP
            connection, the TLS handshake and the opening handshake may take
            together, redirects included, in seconds; 10 by default.
            :obj:`None` waits forever.
        ping_interval: Delay between two keepalive pings, in seconds; 20 by
            default. :obj:`None` sends no keepalive pings.
        ping_timeout: How long to wait for the pong that answers a keepalive
            ping, in seconds; 20 by default. :obj:`None` waits forever. While
            ``max_queue`` pauses reading, keepalive pauses too, and the pong
            gets a full ``ping_timeout`` once reading resumes.
        close_timeout: How long the closing handshake and then the closing of
            the TCP connection may take, in seconds; 10 by default. :obj:`None`
            waits forever.
        reconnect_delays: Function returning a generator of delays between
            attempts to reconnect, in seconds;
            :func:`~websockets.client.backoff` by default.
        max_size: Largest message accepted, in bytes; 1 MiB by default.
            :obj:`None` means no limit. A ``(max_message_size,
            max_frame_size)`` tuple also limits the size of each frame. Larger
            messages fail the connection with close code 1009.
        max_queue: How many received frames may wait for the application
            before the connection stops reading from the network; 16 by
            default. Reading resumes when a quarter of that is left. Give a
            ``(high, low)`` tuple to choose both marks; :obj:`None` means no
            limit. Once the closing handshake started, reading goes on
            regardless, and data frames beyond the high-water mark are
            dropped.
        logger: Logger for the connection;
            ``logging.getLogger("websockets.client")`` by default.
        create_connection: Subclass of :class:`ClientConnection` to
            instantiate, to customize it.
        kwargs: Passed on to :func:`socket.create_connection`, as with
            :func:`connect`.

    Raises:
        InvalidURI: If ``uri`` isn't a valid WebSocket URI.
        InvalidProxy: If ``proxy``, or the proxy configured in the
            environment, isn't a valid proxy URL.
        ProxyError: If the proxy refuses to open a tunnel:
            :exc:`~websockets.exceptions.InvalidProxyStatus` when an HTTP
            proxy answers with another status than 2xx, e.g. 407 Proxy
            Authentication Required;
            :exc:`~websockets.exceptions.InvalidProxyMessage` when its answer
            isn't valid HTTP; :exc:`~websockets.exceptions.ProxyError` when a
            SOCKS proxy fails.
        InvalidHandshake: If the opening handshake fails.
        OSError: If the TCP connection to the server or to the proxy can't be
            opened.
        TimeoutError: If opening the connection takes longer than
            ``open_timeout``.
        ImportError: If connecting through a SOCKS proxy without
            python-socks, or if ``compression="deflate"`` is given explicitly
            without ``ws-deflate``.
        ValueError: If ``compression`` is neither ``"deflate"`` nor
            :obj:`None`; if ``ssl`` is given with a ``ws://`` URI or
            ``proxy_ssl`` with an ``http://`` proxy; if ``proxy`` is a URL and
            ``sock`` is given or the connection is on a Unix socket; if a
            redirect can't be followed with ``sock`` or a Unix socket.
        TypeError: If ``subprotocols`` is a string rather than a list.

    :class:`reconnect` checks ``uri``, ``ssl`` against the scheme of ``uri``,
    ``subprotocols`` and ``compression`` when it's created, before
    connecting.


    """

    def __init__(
        self,
        uri: str,
        *,
        # TCP/TLS
        sock: socket.socket | None = None,
        ssl: ssl_module.SSLContext | None = None,
        server_hostname: str | None = None,
        # WebSocket
        origin: Origin | None = None,
        extensions: Sequence[ClientExtensionFactory] | None = None,
        subprotocols: Sequence[Subprotocol] | None = None,
        compression: str | None = DEFAULT_COMPRESSION,
        # HTTP
        additional_headers: HeadersLike | None = None,
        user_agent_header: str | None = USER_AGENT,
        proxy: str | Literal[True] | None = True,
        proxy_ssl: ssl_module.SSLContext | None = None,
        proxy_server_hostname: str | None = None,
        # Reconnection
        process_exception: Callable[[Exception], Exception | None] = process_exception,
        # Timeouts
        open_timeout: float | None = 10,
        ping_interval: float | None = 20,
        ping_timeout: float | None = 20,
        close_timeout: float | None = 10,
        reconnect_delays: Callable[[], Generator[float]] = backoff,
        # Limits
        max_size: int | None | tuple[int | None, int | None] = 2**20,
        max_queue: int | None | tuple[int | None, int | None] = 16,
        # Logging
        logger: LoggerLike | None = None,
        # Escape hatch for advanced customization
        create_connection: type[ClientConnection] | None = None,
        **kwargs: Any,
    ) -> None:
        if logger is None:
            logger = logging.getLogger("websockets.client")
        if create_connection is None:
            create_connection = ClientConnection
        self.process_exception = process_exception
        self.reconnect_delays = reconnect_delays
        self._connector = _Connector(
            uri,
            sock=sock,
            ssl=ssl,
            server_hostname=server_hostname,
            origin=origin,
            extensions=extensions,
            subprotocols=subprotocols,
            compression=compression,
            additional_headers=additional_headers,
            user_agent_header=user_agent_header,
            proxy=proxy,
            proxy_ssl=proxy_ssl,
            proxy_server_hostname=proxy_server_hostname,
            open_timeout=open_timeout,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            close_timeout=close_timeout,
            max_size=max_size,
            max_queue=max_queue,
            logger=logger,
            create_connection=create_connection,
            unix=kwargs.pop("unix", False),
            path=kwargs.pop("path", None),
            kwargs=kwargs,
        )

    def connect(self) -> ClientConnection:
        """Open one connection, following redirects, without retrying.

        It raises the same exceptions as :func:`connect`.

        Returns:
            The connection, once the opening handshake succeeded.

        """
        # Look process_redirect up now: tests patch it on the class.
        return self._connector.connect(self.process_redirect)

    def process_redirect(self, exc: Exception) -> Exception | str:
        """Tell whether a failed opening handshake is a redirect to follow.

        :meth:`connect` calls it when an attempt to connect fails with
        ``exc``. Tests and applications may override or patch it, as with
        upstream, for example to stop following redirects.

        Args:
            exc: Exception with which the opening handshake failed.

        Returns:
            The URI to connect to next, if ``exc`` is a redirect that the
            client can follow (see :func:`~websockets.client.follow_redirect`);
            else the exception to raise: ``exc`` itself when it isn't a
            redirect, or why the redirect can't be followed, e.g.
            :exc:`~websockets.exceptions.SecurityError` after
            ``MAX_REDIRECTS`` redirects.

        """
        return self._connector.process_redirect(exc)

    def _check_reentrancy(self) -> None:
        # As upstream: one connection per context at a time, so that
        # __exit__ knows which connection to close.
        if hasattr(self, "connection"):
            raise RuntimeError("connect() isn't reentrant")

    def __enter__(self) -> ClientConnection:
        self._check_reentrancy()
        self.connection = self.connect()
        return self.connection

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self.connection.__exit__(exc_type, exc_value, traceback)
        finally:
            del self.connection

    def __iter__(self) -> Iterator[ClientConnection]:
        """Yield connections, reconnecting after errors that look transient.

        With ``sock``, the first connection uses it; like upstream, later
        attempts try the same socket again, which fails with :exc:`OSError`
        once it's closed, and :func:`process_exception` decides what then.

        Raises:
            RuntimeError: If a ``with`` block or another loop uses it.

        """
        delays: Generator[float] | None = None
        while True:
            self._check_reentrancy()
            try:
                connection = self.connect()
            except Exception as exc:
                try:
                    new_exc = self.process_exception(exc)
                except Exception as pe_exc:
                    # Re-raising the exception it was given is a common way to say
                    # that it's fatal: don't make it its own cause.
                    if pe_exc is exc:
                        raise
                    raise pe_exc from exc
                if new_exc is exc:
                    raise
                if new_exc is not None:
                    raise new_exc from exc

                # The connection attempt failed and looks transient: retry.
                if delays is None:
                    delays = self.reconnect_delays()
                delay = next(delays)
                self._connector.logger.info(
                    "connect failed; reconnecting in %.1f seconds: %s",
                    delay,
                    # One line, as upstream: the type and the message.
                    traceback.format_exception_only(exc)[0].strip(),
                )
                time.sleep(delay)
                continue

            # The connection is open: reset the backoff.
            delays = None
            self.connection = connection
            try:
                yield connection
            finally:
                del self.connection
                # Also when the loop exits early: GeneratorExit means that
                # the application is done, not that something failed.
                connection.close()


@overload
def connect(
    uri: str,
    *,
    legacy: Literal[False],
    **kwargs: Any,
) -> reconnect: ...


@overload
def connect(
    uri: str,
    *,
    reconnect: Literal[True],
    **kwargs: Any,
) -> reconnect: ...


@overload
def connect(
    uri: str,
    *,
    # TCP/TLS
    sock: socket.socket | None = None,
    ssl: ssl_module.SSLContext | None = None,
    server_hostname: str | None = None,
    # WebSocket
    origin: Origin | None = None,
    extensions: Sequence[ClientExtensionFactory] | None = None,
    subprotocols: Sequence[Subprotocol] | None = None,
    compression: str | None = DEFAULT_COMPRESSION,
    # HTTP
    additional_headers: HeadersLike | None = None,
    user_agent_header: str | None = USER_AGENT,
    proxy: str | Literal[True] | None = True,
    proxy_ssl: ssl_module.SSLContext | None = None,
    proxy_server_hostname: str | None = None,
    # Timeouts
    open_timeout: float | None = 10,
    ping_interval: float | None = 20,
    ping_timeout: float | None = 20,
    close_timeout: float | None = 10,
    # Limits
    max_size: int | None | tuple[int | None, int | None] = 2**20,
    max_queue: int | None | tuple[int | None, int | None] = 16,
    # Logging
    logger: LoggerLike | None = None,
    # Escape hatch for advanced customization
    create_connection: type[ClientConnection] | None = None,
    legacy: Literal[True] | None = None,
    **kwargs: Any,
) -> ClientConnection: ...


def connect(
    uri: str,
    *,
    # TCP/TLS
    sock: socket.socket | None = None,
    ssl: ssl_module.SSLContext | None = None,
    server_hostname: str | None = None,
    # WebSocket
    origin: Origin | None = None,
    extensions: Sequence[ClientExtensionFactory] | None = None,
    subprotocols: Sequence[Subprotocol] | None = None,
    compression: str | None = DEFAULT_COMPRESSION,
    # HTTP
    additional_headers: HeadersLike | None = None,
    user_agent_header: str | None = USER_AGENT,
    proxy: str | Literal[True] | None = True,
    proxy_ssl: ssl_module.SSLContext | None = None,
    proxy_server_hostname: str | None = None,
    # Timeouts
    open_timeout: float | None = 10,
    ping_interval: float | None = 20,
    ping_timeout: float | None = 20,
    close_timeout: float | None = 10,
    # Limits
    max_size: int | None | tuple[int | None, int | None] = 2**20,
    max_queue: int | None | tuple[int | None, int | None] = 16,
    # Logging
    logger: LoggerLike | None = None,
    # Escape hatch for advanced customization
    create_connection: type[ClientConnection] | None = None,
    legacy: bool | None = None,
    **kwargs: Any,
) -> ClientConnection | reconnect:
    """Connect to the WebSocket server at ``uri``.

    Use it as a context manager: it opens the TCP (or TLS) connection and
    performs the opening handshake in the calling thread, then closes the
    connection on exit::

        with connect("ws://localhost:8765") as websocket:
            ...

    To reconnect automatically after errors, iterate over :class:`reconnect`
    instead, or over ``connect(..., legacy=False)``, which returns one.

    With ``legacy=True``, it returns a :class:`ClientConnection` to use
    without a ``with`` block; close it with :meth:`~ClientConnection.close`::

        websocket = connect("ws://localhost:8765", legacy=True)

    Without ``legacy``, it returns a connection too, and the first use of that
    connection outside a ``with`` block emits a :exc:`DeprecationWarning`, as
    upstream websockets does: a future version will make ``legacy=False`` the
    default, which returns a :class:`reconnect`. Iterating over a connection
    yields its messages; iterating over a :class:`reconnect` yields
    connections.

    The client follows HTTP redirects (300, 301, 302, 303, 307 and 308), up to
    ``MAX_REDIRECTS`` of them: this module's ``MAX_REDIRECTS``, read when
    connecting, 10 by default or the value of the ``WEBSOCKETS_MAX_REDIRECTS``
    environment variable; see :func:`websockets.client.follow_redirect`. When
    a redirect goes to another origin (scheme, host or port), the
    ``Authorization``, ``Cookie`` and ``Proxy-Authorization`` headers of
    ``additional_headers`` and the user info of ``uri`` aren't sent there; see
    :func:`websockets.client.redirect_headers`.

    By default, the client connects through the proxy configured in the
    environment, if any: see :func:`websockets.proxy.get_proxy`. It tunnels
    through HTTP proxies with a ``CONNECT`` request, sending the credentials
    of the proxy URL, if any, with HTTP Basic Auth, and through SOCKS proxies
    with the python-socks library, which must be installed for that (``pip
    install python-socks``, or the ``socks`` extra of ``ws-sync``). Then it
    speaks TLS, for ``wss://`` URIs, and WebSocket through the tunnel.

    Args:
        uri: URI of the server, ``ws://`` or ``wss://``.
        sock: Socket already connected to the server, to use instead of
            opening a connection; the host and port of ``uri`` only go in the
            ``Host`` header then.
        ssl: TLS context for ``wss://`` URIs; by default, or when it's
            :obj:`None`, :func:`ssl.create_default_context`.
        server_hostname: Host name to check in the server's certificate, for
            ``wss://`` URIs; by default, the host of ``uri``.
        origin: Value of the ``Origin`` header, for servers that check it.
        extensions: Extensions that the client supports, in the order in
            which they're negotiated and applied.
        subprotocols: Subprotocols that the client supports, most preferred
            first.
        compression: ``"deflate"``, the default, negotiates the
            permessage-deflate extension (:rfc:`7692`) when the ``ws-deflate``
            distribution is installed, and no compression without it; given
            explicitly, it requires ``ws-deflate``. :obj:`None` disables
            compression.
        additional_headers: Headers added to the handshake request.
        user_agent_header: Value of the ``User-Agent`` header, in the
            handshake request and in the ``CONNECT`` request to an HTTP proxy;
            ``"Python/x.y websockets/X.Y"`` by default, or the
            ``WEBSOCKETS_USER_AGENT`` environment variable. :obj:`None` omits
            it.
        proxy: Proxy to connect through. :obj:`True`, the default, uses the
            proxy configured in the environment for ``uri``, if any;
            :obj:`None` connects directly; a proxy URL connects through that
            proxy: ``http://`` or ``https://`` (TLS to the proxy) for an HTTP
            proxy, ``socks5h://``, ``socks5://``, ``socks4a://`` or
            ``socks4://`` for a SOCKS proxy, e.g.
            ``"http://user:password@proxy:3128"``. With ``socks5h`` and
            ``socks4a``, the proxy resolves the host name of the server; with
            ``socks5`` and ``socks4``, the client does. No proxy is used when
            ``sock`` is given or with :func:`unix_connect`.
        proxy_ssl: TLS context for an ``https://`` proxy; by default,
            :func:`ssl.create_default_context`.
        proxy_server_hostname: Host name to check in the certificate of an
            ``https://`` proxy; by default, the host of the proxy URL.
        open_timeout: How long connecting to the proxy, if any, the TCP
            connection, the TLS handshake and the opening handshake may take
            together, redirects included, in seconds; 10 by default.
            :obj:`None` waits forever.
        ping_interval: Delay between two keepalive pings, in seconds; 20 by
            default. :obj:`None` sends no keepalive pings.
        ping_timeout: How long to wait for the pong that answers a keepalive
            ping, in seconds; 20 by default. :obj:`None` waits forever. While
            ``max_queue`` pauses reading, keepalive pauses too, and the pong
            gets a full ``ping_timeout`` once reading resumes.
        close_timeout: How long the closing handshake and then the closing of
            the TCP connection may take, in seconds; 10 by default. :obj:`None`
            waits forever.
        max_size: Largest message accepted, in bytes; 1 MiB by default.
            :obj:`None` means no limit. A ``(max_message_size,
            max_frame_size)`` tuple also limits the size of each frame. Larger
            messages fail the connection with close code 1009.
        max_queue: How many received frames may wait for the application
            before the connection stops reading from the network; 16 by
            default. Reading resumes when a quarter of that is left. Give a
            ``(high, low)`` tuple to choose both marks; :obj:`None` means no
            limit. Once the closing handshake started, reading goes on
            regardless, and data frames beyond the high-water mark are
            dropped.
        logger: Logger for the connection;
            ``logging.getLogger("websockets.client")`` by default.
        create_connection: Subclass of :class:`ClientConnection` to
            instantiate, to customize it.
        legacy: :obj:`True` returns the connection, to use without a
            ``with`` block; :obj:`False` returns a :class:`reconnect`, which
            connects when entered as a context manager or iterated over;
            :obj:`None`, the default, returns the connection and emits a
            :exc:`DeprecationWarning` if it's used outside a ``with`` block.
        kwargs: Passed on to :func:`socket.create_connection`, for example
            ``source_address``; through a proxy, they apply to the connection
            to the proxy. ``process_exception`` and ``reconnect_delays`` are
            those of :class:`reconnect`; they only matter with
            ``legacy=False``. ``reconnect=True`` is an alias of
            ``legacy=False``, kept for compatibility with earlier versions of
            this project.

    Returns:
        The connection, or with ``legacy=False``, a :class:`reconnect`.

    Raises:
        InvalidURI: If ``uri`` isn't a valid WebSocket URI.
        InvalidProxy: If ``proxy``, or the proxy configured in the
            environment, isn't a valid proxy URL.
        ProxyError: If the proxy refuses to open a tunnel:
            :exc:`~websockets.exceptions.InvalidProxyStatus` when an HTTP
            proxy answers with another status than 2xx, e.g. 407 Proxy
            Authentication Required;
            :exc:`~websockets.exceptions.InvalidProxyMessage` when its answer
            isn't valid HTTP; :exc:`~websockets.exceptions.ProxyError` when a
            SOCKS proxy fails.
        InvalidHandshake: If the opening handshake fails.
        OSError: If the TCP connection to the server or to the proxy can't be
            opened.
        TimeoutError: If opening the connection takes longer than
            ``open_timeout``.
        ImportError: If connecting through a SOCKS proxy without
            python-socks, or if ``compression="deflate"`` is given explicitly
            without ``ws-deflate``.
        ValueError: If ``compression`` is neither ``"deflate"`` nor
            :obj:`None`; if ``ssl`` is given with a ``ws://`` URI or
            ``proxy_ssl`` with an ``http://`` proxy; if ``proxy`` is a URL and
            ``sock`` is given or the connection is on a Unix socket; if a
            redirect can't be followed with ``sock`` or a Unix socket.

    Warns:
        DeprecationWarning: On the first use of the connection outside a
            ``with`` block, unless ``legacy=True``.


    """
    if kwargs.pop("reconnect", False):
        legacy = False
    client = reconnect(
        uri,
        sock=sock,
        ssl=ssl,
        server_hostname=server_hostname,
        origin=origin,
        extensions=extensions,
        subprotocols=subprotocols,
        compression=compression,
        additional_headers=additional_headers,
        user_agent_header=user_agent_header,
        proxy=proxy,
        proxy_ssl=proxy_ssl,
        proxy_server_hostname=proxy_server_hostname,
        open_timeout=open_timeout,
        ping_interval=ping_interval,
        ping_timeout=ping_timeout,
        close_timeout=close_timeout,
        max_size=max_size,
        max_queue=max_queue,
        logger=logger,
        create_connection=create_connection,
        **kwargs,
    )
    if legacy is False:
        return client
    connection = client.connect()
    if legacy is None:
        connection._legacy_warning = True
    return connection


@overload
def unix_connect(
    path: PathLike | None = None,
    uri: str | None = None,
    *,
    legacy: Literal[False],
    **kwargs: Any,
) -> reconnect: ...


@overload
def unix_connect(
    path: PathLike | None = None,
    uri: str | None = None,
    *,
    legacy: Literal[True] | None = None,
    **kwargs: Any,
) -> ClientConnection: ...


def unix_connect(
    path: PathLike | None = None,
    uri: str | None = None,
    *,
    legacy: bool | None = None,
    **kwargs: Any,
) -> ClientConnection | reconnect:
    """Connect to a WebSocket server listening on a Unix socket.

    It takes the same arguments as :func:`connect`, with ``path`` as well,
    and returns the same: use it as a context manager. It's mostly useful for
    testing servers that listen on Unix sockets, or servers behind a reverse
    proxy on the same machine. It's only available on Unix.

    Args:
        path: Path of the Unix socket in the file system, a :class:`str` or a
            path-like object such as :class:`pathlib.Path`.
        uri: URI sent in the opening handshake; ``ws://localhost/`` by
            default, or ``wss://localhost/`` when ``ssl`` is given.
        legacy: As for :func:`connect`.
        kwargs: Same as for :func:`connect`.

    """
    if uri is None:
        uri = "ws://localhost/" if kwargs.get("ssl") is None else "wss://localhost/"
    return connect(uri=uri, unix=True, path=path, legacy=legacy, **kwargs)


def unix_reconnect(
    path: PathLike | None = None,
    uri: str | None = None,
    **kwargs: Any,
) -> reconnect:
    """Connect to a WebSocket server listening on a Unix socket, and reconnect.

    It's to :func:`unix_connect` what :class:`reconnect` is to
    :func:`connect`: iterate over what it returns to reconnect automatically.
    It takes the same arguments as :class:`reconnect`, with ``path`` as well.
    It's only available on Unix.

    Args:
        path: Path of the Unix socket in the file system, a :class:`str` or a
            path-like object such as :class:`pathlib.Path`.
        uri: URI sent in the opening handshake; ``ws://localhost/`` by
            default, or ``wss://localhost/`` when ``ssl`` is given.
        kwargs: Same as for :class:`reconnect`.

    """
    if uri is None:
        uri = "ws://localhost/" if kwargs.get("ssl") is None else "wss://localhost/"
    return reconnect(uri=uri, unix=True, path=path, **kwargs)
