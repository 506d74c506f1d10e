"""WebSocket clients on top of :mod:`asyncio`.

:func:`connect` opens a TCP (or TLS) connection with
:meth:`asyncio.loop.create_connection`, performs the opening handshake, and
returns a :class:`ClientConnection`. Used with ``async for``, it reconnects
automatically after errors that look transient.

"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import socket
import ssl as ssl_module
import traceback
from collections.abc import AsyncIterator, Callable, Generator, Sequence
from types import TracebackType
from typing import Any, Literal, cast

# The policy shared with other I/O layers lives in websockets.client. These
# names remain importable from here: backoff and process_exception are the
# defaults of connect().
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
from .compatibility import asyncio_timeout
from .connection import Connection

__all__ = ["ClientConnection", "connect", "unix_connect"]


class ClientConnection(Connection):
    """Client side of an asyncio WebSocket connection.

    :func:`connect` returns one once the opening handshake succeeded. Receive
    messages with :meth:`recv` or ``async for`` and send messages with
    :meth:`send`::

        async with connect("ws://localhost:8765") as websocket:
            await websocket.send("Hello!")
            async for message in websocket:
                print(message)

    ``ping_interval``, ``ping_timeout``, ``close_timeout``, ``max_queue`` and
    ``write_limit`` are described in :func:`connect`.

    Args:
        protocol: Sans-I/O client connection that this object drives.

    """

    # See Connection.__slots__.
    __slots__ = ()

    def __init__(
        self,
        protocol: ClientProtocol,
        *,
        ping_interval: float | None = 20,
        ping_timeout: float | None = 20,
        close_timeout: float | None = 10,
        max_queue: int | None | tuple[int | None, int | None] = 16,
        write_limit: int | tuple[int, int | None] = 2**15,
    ) -> None:
        self.protocol: ClientProtocol
        super().__init__(
            protocol,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            close_timeout=close_timeout,
            max_queue=max_queue,
            write_limit=write_limit,
        )

    async def handshake(
        self,
        additional_headers: HeadersLike | None = None,
        user_agent_header: str | None = USER_AGENT,
    ) -> None:
        """Perform the opening handshake: send the request, wait for the response.

        Args:
            additional_headers: Headers added to the request.
            user_agent_header: Value of the ``User-Agent`` header, unless
                ``additional_headers`` already has one; :obj:`None` omits it.

        Raises:
            InvalidHandshake: If the opening handshake fails, for example
                :exc:`~websockets.exceptions.InvalidStatus` when the server
                answers with another status than 101, or
                :exc:`~websockets.exceptions.InvalidMessage` when the response
                isn't valid HTTP.

        """
        self.request = self.protocol.connect()
        if additional_headers is not None:
            self.request.headers.update(additional_headers)
        if user_agent_header is not None and "User-Agent" not in self.request.headers:
            self.request.headers["User-Agent"] = user_agent_header
        self.protocol.send_request(self.request)
        self._send_data()

        # Shield the waiter from the cancellation of the handshake: the
        # protocol may still produce the response, which resolves it.
        await asyncio.shield(self._handshake_waiter)
        if self.protocol.handshake_exc is not None:
            raise self.protocol.handshake_exc

    def process_event(self, event: Event) -> None:
        """Handle an event from the protocol: the response, then frames.

        Args:
            event: Opening handshake response or frame.

        """
        if isinstance(event, Response):
            self.response = event
            self._handshake_waiter.set_result(None)
        else:
            super().process_event(event)


class connect:
    """Open a WebSocket connection to ``uri``.

    Await it to get a :class:`ClientConnection` once the opening handshake
    succeeded, or use it as an asynchronous context manager, which closes the
    connection on exit::

        async with connect("ws://localhost:8765") as websocket:
            ...

    Iterate on it with ``async for`` to reconnect automatically: each iteration
    yields a new connection, which is closed when the iteration ends. When an
    attempt fails with an error that looks temporary (see
    :func:`process_exception`), the client waits according to
    ``reconnect_delays`` and tries again; other errors are raised::

        async for websocket in connect("ws://localhost:8765"):
            try:
                async for message in websocket:
                    ...
            except ConnectionClosed:
                continue

    With a ``sock`` argument, every attempt uses that socket, as upstream
    does: once it's closed, attempts fail with :exc:`OSError`, which the
    default ``process_exception`` retries forever, so leave the loop or pass
    a ``process_exception`` that stops it.

    Awaiting it again, or using it again as a context manager once the
    previous ``async with`` block exited, opens a new connection. Entering it
    while a previous ``async with`` block, or an ``async for`` loop, still
    uses it raises :exc:`RuntimeError`.

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
    with the python-socks library, which must be installed for that
    (``pip install python-socks[asyncio]``, or the ``socks`` extra of
    ``ws-asyncio``). Then it speaks TLS, for ``wss://`` URIs, and WebSocket
    through the tunnel.

    Args:
        uri: URI of the server, ``ws://`` or ``wss://``.
        origin: Value of the ``Origin`` header, for servers that check it.
        extensions: Extensions that the client supports, in the order in which
            they're negotiated and applied.
        subprotocols: Subprotocols that the client supports, most preferred
            first.
        compression: ``"deflate"``, the default, negotiates the
            permessage-deflate extension (:rfc:`7692`) when the ``ws-deflate``
            distribution is installed, and no compression without it; given
            explicitly, it requires ``ws-deflate``. :obj:`None` disables
            compression.
        additional_headers: Headers added to the handshake request.
        user_agent_header: Value of the ``User-Agent`` header, in the handshake
            request and in the ``CONNECT`` request to an HTTP proxy;
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
        process_exception: Function deciding whether to try again after a
            failed attempt, when reconnecting with ``async for``; see
            :func:`process_exception`, the default.
        open_timeout: How long connecting to the proxy, if any, the TCP
            connection, the TLS handshake and the opening handshake may take
            together, redirects included, in seconds; 10 by default.
            :obj:`None` waits forever.
        ping_interval: Delay between two keepalive pings, in seconds; 20 by
            default. :obj:`None` sends no keepalive pings.
        ping_timeout: How long to wait for the pong that answers a keepalive
            ping, in seconds; 20 by default. :obj:`None` waits forever.
        close_timeout: How long the closing handshake and then the closing of
            the TCP connection may take, in seconds; 10 by default. :obj:`None`
            waits forever.
        reconnect_delays: Function returning a generator of delays between
            attempts to reconnect, in seconds;
            :func:`~websockets.client.backoff` by default.
        max_size: Largest message accepted, in bytes; 1 MiB by default.
            :obj:`None` means no limit. A ``(max_message_size, max_frame_size)``
            tuple also limits the size of each frame. Larger messages fail the
            connection with close code 1009.
        max_queue: How many received frames may wait for the application
            before the connection stops reading from the network; 16 by
            default. Reading resumes when a quarter of that is left. Give a
            ``(high, low)`` tuple to choose both marks; :obj:`None` means no
            limit.
        write_limit: How many bytes may wait in the write buffer before
            :meth:`~ClientConnection.send` waits for it to drain; 32 KiB by
            default. Give a ``(high, low)`` tuple to choose both marks.
        logger: Logger for the connection;
            ``logging.getLogger("websockets.client")`` by default.
        create_connection: Subclass of :class:`ClientConnection` to
            instantiate, to customize it.
        kwargs: Passed on to :meth:`~asyncio.loop.create_connection`. For
            example: ``ssl``, an :class:`ssl.SSLContext` for ``wss://`` URIs
            (by default, :func:`ssl.create_default_context`; :obj:`None` is
            an error, since a ``wss://`` URI requires TLS);
            ``server_hostname``, the name to check in the server's certificate
            instead of the host of ``uri``; ``host`` and ``port``, where to
            connect (or, through a proxy, where the tunnel goes) instead of
            the host and port of ``uri``, which still go in the ``Host``
            header; ``sock``, an already connected socket. Two more apply to
            ``https://`` proxies: ``proxy_ssl``, the :class:`ssl.SSLContext`
            for TLS with the proxy (by default,
            :func:`ssl.create_default_context`; :obj:`None` is an error), and
            ``proxy_server_hostname``, the name to check in the proxy's
            certificate instead of the host of the proxy URL. Through an HTTP
            proxy, TLS arguments apply to the server and the others, such as
            ``local_addr``, to the connection to the proxy.

    :class:`connect` checks ``uri``, ``ssl`` against the scheme of ``uri``,
    ``subprotocols`` and ``compression`` when it's called; it raises the
    other exceptions when it's awaited or iterated.

    Raises:
        InvalidURI: If ``uri`` isn't a valid WebSocket URI.
        TypeError: If ``subprotocols`` is a string rather than a list.
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
        ImportError: If connecting through a SOCKS proxy without python-socks,
            or with an explicit ``compression="deflate"`` without ws-deflate.
        ValueError: If ``compression`` is neither ``"deflate"`` nor
            :obj:`None`; if ``ssl`` is given with a ``ws://`` URI or
            ``proxy_ssl`` with an ``http://`` proxy; if ``ssl=None`` is given
            with a ``wss://`` URI or ``proxy_ssl=None`` with an ``https://``
            proxy, before any connection is opened; if ``proxy`` is a URL and
            ``sock`` is given or the connection is on a Unix socket; if a
            redirect can't be followed with ``sock``, ``host``, ``port`` or a
            Unix socket.
        RuntimeError: If it's entered with ``async with`` while a previous
            ``async with`` block or ``async for`` loop still uses it.

    """

    def __init__(
        self,
        uri: str,
        *,
        origin: Origin | None = None,
        extensions: Sequence[ClientExtensionFactory] | None = None,
        subprotocols: Sequence[Subprotocol] | None = None,
        compression: str | None = DEFAULT_COMPRESSION,
        additional_headers: HeadersLike | None = None,
        user_agent_header: str | None = USER_AGENT,
        proxy: str | Literal[True] | None = True,
        process_exception: Callable[[Exception], Exception | None] = process_exception,
        open_timeout: float | None = 10,
        ping_interval: float | None = 20,
        ping_timeout: float | None = 20,
        close_timeout: float | None = 10,
        reconnect_delays: Callable[[], Generator[float]] = backoff,
        max_size: int | None | tuple[int | None, int | None] = 2**20,
        max_queue: int | None | tuple[int | None, int | None] = 16,
        write_limit: int | tuple[int, int | None] = 2**15,
        logger: LoggerLike | None = None,
        create_connection: type[ClientConnection] | None = None,
        **kwargs: Any,
    ) -> None:
        self.uri = uri

        # Fail on misuse here, where the caller made it, as upstream does,
        # rather than when the connection is awaited; in upstream's order,
        # so that the same mistake raises the same exception. After a
        # redirect, create_connection() checks the new URI.
        ws_uri = parse_uri(uri)
        if not ws_uri.secure and kwargs.get("ssl") is not None:
            raise ValueError("ssl argument is incompatible with a ws:// URI")
        if subprotocols is not None:
            validate_subprotocols(subprotocols)
        extensions = client_extensions(compression, extensions)

        if logger is None:
            logger = logging.getLogger("websockets.client")
        self.logger: LoggerLike = logger

        if create_connection is None:
            create_connection = ClientConnection

        self.origin = origin
        self.extensions = extensions
        self.subprotocols = subprotocols
        self.additional_headers = additional_headers
        self.user_agent_header = user_agent_header
        self.proxy = proxy
        self.process_exception = process_exception
        self.open_timeout = open_timeout
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.close_timeout = close_timeout
        self.reconnect_delays = reconnect_delays
        self.max_size = max_size
        self.max_queue = max_queue
        self.write_limit = write_limit
        self.connection_factory = create_connection
        self.kwargs = kwargs

        # URI of the attempt that process_redirect() looks at, and how many
        # redirects led there.
        self._redirect_state = (uri, 0)

        # Set by __aenter__, deleted by __aexit__.
        self.connection: ClientConnection

    def _select_proxy(self, ws_uri: WebSocketURI) -> Proxy | None:
        """Choose the proxy for connecting to ``ws_uri``, if any.

        Raises:
            InvalidProxy: If the proxy URL isn't valid.
            ValueError: If a proxy URL is given with ``sock`` or ``unix``.

        """
        if self.kwargs.get("sock") is not None or self.kwargs.get("unix", False):
            # The connection is given or local: there's nothing to proxy.
            if isinstance(self.proxy, str):
                raise ValueError("proxy argument is incompatible with sock and Unix sockets")
            return None
        proxy = get_proxy(ws_uri) if self.proxy is True else self.proxy
        if proxy is None:
            return None
        return parse_proxy(proxy)

    async def create_connection(self, uri: str) -> ClientConnection:
        """Open a TCP or TLS connection to the server at ``uri``.

        Through a proxy, this opens the tunnel to the server too.

        Args:
            uri: URI of the server.

        Returns:
            The connection, before the opening handshake.

        Raises:
            InvalidURI: If ``uri`` isn't a valid WebSocket URI.
            InvalidProxy: If the proxy URL isn't valid.
            ProxyError: If the proxy doesn't open a tunnel.
            ValueError: If ``ssl`` is given with a ``ws://`` URI, ``ssl=None``
                with a ``wss://`` URI or ``proxy_ssl=None`` with an
                ``https://`` proxy.

        """
        ws_uri = parse_uri(uri)
        kwargs = dict(self.kwargs)
        # Tell proxy_ssl=None apart from no proxy_ssl.
        proxy_ssl = kwargs.pop("proxy_ssl", _NO_CONTEXT)
        proxy_server_hostname = kwargs.pop("proxy_server_hostname", None)

        if ws_uri.secure:
            if "ssl" not in kwargs:
                kwargs["ssl"] = ssl_module.create_default_context()
            elif kwargs["ssl"] is None:
                # loop.create_connection() would open a plain TCP connection.
                raise ValueError("ssl=None is incompatible with a wss:// URI")
            kwargs.setdefault("server_hostname", ws_uri.host)
            if self.open_timeout is not None:
                kwargs.setdefault("ssl_handshake_timeout", self.open_timeout)
        elif kwargs.get("ssl") is not None:
            raise ValueError("ssl argument is incompatible with a ws:// URI")

        proxy = self._select_proxy(ws_uri)
        if proxy is not None and proxy.scheme == "https":
            if proxy_ssl is _NO_CONTEXT:
                proxy_ssl = ssl_module.create_default_context()
            elif proxy_ssl is None:
                raise ValueError("proxy_ssl=None is incompatible with an https:// proxy")
        elif proxy is not None and proxy.scheme == "http":
            if proxy_ssl is not _NO_CONTEXT and proxy_ssl is not None:
                raise ValueError("proxy_ssl argument is incompatible with an http:// proxy")

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

        def factory() -> ClientConnection:
            return self.connection_factory(
                protocol,
                ping_interval=self.ping_interval,
                ping_timeout=self.ping_timeout,
                close_timeout=self.close_timeout,
                max_queue=self.max_queue,
                write_limit=self.write_limit,
            )

        loop = asyncio.get_running_loop()
        if kwargs.pop("unix", False):
            path = kwargs.pop("path", None)
            if path is not None:
                path = os.fspath(path)
            _, connection = await loop.create_unix_connection(factory, path, **kwargs)
        elif kwargs.get("sock") is not None:
            _, connection = await loop.create_connection(factory, **kwargs)
        elif proxy is None:
            host = kwargs.pop("host", ws_uri.host)
            port = kwargs.pop("port", ws_uri.port)
            _, connection = await loop.create_connection(factory, host, port, **kwargs)
        else:
            # host and port choose where the tunnel goes.
            target = dataclasses.replace(
                ws_uri,
                host=kwargs.pop("host", ws_uri.host),
                port=kwargs.pop("port", ws_uri.port),
            )
            if proxy.scheme.startswith("socks"):
                sock = await _connect_socks_proxy(
                    proxy,
                    target,
                    timeout=self.open_timeout,
                    local_addr=kwargs.pop("local_addr", None),
                )
                try:
                    _, connection = await loop.create_connection(factory, sock=sock, **kwargs)
                except BaseException:
                    sock.close()
                    raise
            else:
                if proxy.scheme == "https":
                    kwargs["proxy_ssl"] = proxy_ssl
                    kwargs["proxy_server_hostname"] = (
                        proxy.host if proxy_server_hostname is None else proxy_server_hostname
                    )
                connection = await self._connect_http_proxy(proxy, target, factory, kwargs)
        return connection

    async def _connect_http_proxy(
        self,
        proxy: Proxy,
        target: WebSocketURI,
        factory: Callable[[], ClientConnection],
        kwargs: dict[str, Any],
    ) -> ClientConnection:
        """Open a tunnel to ``target`` through an HTTP proxy; connect through it.

        ``kwargs`` holds the arguments of :meth:`~asyncio.loop.create_connection`:
        ``ssl`` and the other TLS arguments apply to the server, through the
        tunnel; ``proxy_ssl`` and ``proxy_server_hostname``, set for https
        proxies, to the proxy; the others to the TCP connection to the proxy.

        """
        loop = asyncio.get_running_loop()
        server_tls = {key: kwargs.pop(key) for key in _TLS_ARGUMENTS if key in kwargs}
        if "proxy_ssl" in kwargs:
            kwargs["ssl"] = kwargs.pop("proxy_ssl")
            kwargs["server_hostname"] = kwargs.pop("proxy_server_hostname")
            if self.open_timeout is not None:
                kwargs["ssl_handshake_timeout"] = self.open_timeout

        handshake = HTTPProxyHandshake(proxy, target, self.user_agent_header)
        transport, tunnel = await loop.create_connection(
            lambda: _HTTPProxyConnection(handshake),
            proxy.host,
            proxy.port,
            **kwargs,
        )
        try:
            await tunnel.opened
            tunnel_data = handshake.tunnel_data()
            if tunnel_data:
                # The client speaks first, in TLS and in the opening
                # handshake: the server can't have sent anything yet.
                raise InvalidProxyMessage(
                    f"received {len(tunnel_data)} bytes from the tunnel "
                    f"before the client's first message"
                )
            connection = factory()
            if "ssl" in server_tls:
                sslcontext = server_tls.pop("ssl")
                tls_transport = await loop.start_tls(
                    transport, connection, sslcontext, **server_tls
                )
                # start_tls() returns None only when the loop is closing.
                assert tls_transport is not None, "start_tls() returned None"
                connection.connection_made(tls_transport)
            else:
                transport.set_protocol(connection)
                connection.connection_made(transport)
                transport.resume_reading()
        except BaseException:
            transport.abort()
            raise
        return connection

    async def __aiter__(self) -> AsyncIterator[ClientConnection]:
        delays: Generator[float] | None = None
        while True:
            try:
                async with self as connection:
                    # The connection is open: reset the backoff.
                    delays = None
                    yield connection
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
                self.logger.info(
                    "connect failed; reconnecting in %.1f seconds: %s",
                    delay,
                    # One line, as upstream: the type and the message.
                    traceback.format_exception_only(exc)[0].strip(),
                )
                await asyncio.sleep(delay)

    async def __aenter__(self) -> ClientConnection:
        # As upstream: one connection per context at a time, so that
        # __aexit__ knows which connection to close.
        if hasattr(self, "connection"):
            raise RuntimeError("connect() isn't reentrant")
        self.connection = await self
        return self.connection

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            await self.connection.close()
        finally:
            del self.connection

    def __await__(self) -> Generator[Any, None, ClientConnection]:
        # Awaiting this object awaits a fresh coroutine doing the work.
        return self._await().__await__()

    def process_redirect(self, exc: Exception) -> Exception | str:
        """Tell whether a failed opening handshake is a redirect to follow.

        The client calls it when an attempt to connect fails with ``exc``.
        Tests and applications may override or patch it, as with upstream,
        for example to stop following redirects.

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
        uri, redirects = self._redirect_state
        try:
            # Read MAX_REDIRECTS now: tests and applications patch this
            # module's value.
            new_uri = follow_redirect(uri, exc, redirects, MAX_REDIRECTS)
            if new_uri is None:
                return exc
            self._check_redirect(uri, new_uri)
        except Exception as error:
            return error
        return new_uri

    def _check_redirect(self, uri: str, new_uri: str) -> None:
        """Refuse redirects that the connection arguments can't follow.

        Raises:
            ValueError: With ``sock``, which can't be reused, or when leaving
                the origin of ``uri`` with ``host``, ``port`` or ``unix``,
                which would still lead to the old server.

        """
        if self.kwargs.get("sock") is not None:
            raise ValueError(f"cannot follow redirect to {new_uri} with sock")
        if same_origin(uri, new_uri):
            return
        if self.kwargs.get("unix", False):
            raise ValueError(f"cannot follow cross-origin redirect to {new_uri} on a Unix socket")
        if "host" in self.kwargs or "port" in self.kwargs:
            raise ValueError(f"cannot follow cross-origin redirect to {new_uri} with host or port")

    async def _await(self) -> ClientConnection:
        uri = self.uri
        additional_headers = self.additional_headers
        redirects = 0
        try:
            async with asyncio_timeout(self.open_timeout):
                while True:
                    connection = await self.create_connection(uri)
                    try:
                        await connection.handshake(
                            additional_headers,
                            self.user_agent_header,
                        )
                    except asyncio.CancelledError:
                        connection.transport.abort()
                        raise
                    except Exception as exc:
                        connection.transport.close()
                        self._redirect_state = (uri, redirects)
                        result = self.process_redirect(exc)
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
                    connection.start_keepalive()
                    return connection
        except TimeoutError as exc:
            # Re-raise with a clearer message.
            raise TimeoutError("timed out during opening handshake") from exc


# Default of proxy_ssl, to tell it apart from proxy_ssl=None.
_NO_CONTEXT: Any = object()

# Arguments of loop.create_connection() that configure TLS. Through an HTTP
# proxy, they apply to the server, with loop.start_tls(), which takes them too.
_TLS_ARGUMENTS = ("ssl", "server_hostname", "ssl_handshake_timeout", "ssl_shutdown_timeout")


class _HTTPProxyConnection(asyncio.Protocol):
    """Drive the ``CONNECT`` handshake with an HTTP proxy.

    :attr:`opened` completes once the proxy opened the tunnel, or fails with
    the reason why it didn't. Then reading is paused until the connection
    hands the transport over to the WebSocket connection.

    """

    def __init__(self, handshake: HTTPProxyHandshake) -> None:
        self.handshake = handshake
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.transport.write(self.handshake.data_to_send())

    def data_received(self, data: bytes) -> None:
        self.handshake.receive_data(data)
        self._check_done()

    def eof_received(self) -> None:
        self.handshake.receive_eof()
        self._check_done()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            if exc is None:
                exc = InvalidProxyMessage("proxy closed the connection before answering")
            self.opened.set_exception(exc)

    def _check_done(self) -> None:
        if not self.handshake.done or self.opened.done():
            return
        if self.handshake.exc is not None:
            self.opened.set_exception(self.handshake.exc)
        else:
            # Further bytes come from the server: keep them in the transport
            # until the WebSocket connection takes it over.
            self.transport.pause_reading()
            self.opened.set_result(None)


# Versions of SOCKS in python-socks' ProxyType, and whether the proxy resolves
# the host name of the server (remote DNS), by scheme.
_SOCKS_SCHEMES = {
    "socks5h": ("SOCKS5", True),
    "socks5": ("SOCKS5", False),
    "socks4a": ("SOCKS4", True),
    "socks4": ("SOCKS4", False),
}


async def _connect_socks_proxy(
    proxy: Proxy,
    target: WebSocketURI,
    timeout: float | None,
    local_addr: Any = None,
) -> socket.socket:
    """Open a tunnel to ``target`` through a SOCKS proxy, with python-socks.

    Returns:
        A socket connected to the server through the proxy.

    Raises:
        ImportError: If python-socks isn't installed.
        ProxyError: If the proxy refuses to open the tunnel.
        OSError: If the connection to the proxy fails.
        TimeoutError: If opening the tunnel takes longer than ``timeout``
            seconds, or 60 seconds when it's :obj:`None`.

    """
    try:
        from python_socks import (  # type: ignore[import-not-found, unused-ignore]
            ProxyError as SocksProxyError,
        )
        from python_socks import ProxyType  # type: ignore[import-not-found, unused-ignore]
        from python_socks.async_.asyncio import (  # type: ignore[import-not-found, unused-ignore]
            Proxy as SocksProxy,
        )
    except ImportError as exc:
        raise ImportError(
            "connecting through a SOCKS proxy requires python-socks: "
            "pip install python-socks[asyncio]"
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
    try:
        sock: socket.socket = await socks_proxy.connect(
            target.host,
            target.port,
            timeout=timeout,
            local_addr=local_addr,
        )
    except OSError:
        # Failing to reach the proxy, or timing out: network errors.
        raise
    except SocksProxyError as exc:
        raise ProxyError(f"SOCKS proxy failed to open a tunnel: {exc}") from exc
    return sock


def unix_connect(
    path: PathLike | None = None,
    uri: str | None = None,
    **kwargs: Any,
) -> connect:
    """Open a WebSocket connection through a Unix socket.

    It takes the same arguments as :func:`connect`, with ``path`` as well. It's
    mostly useful for testing servers that listen on Unix sockets. It's only
    available on Unix.

    Args:
        path: Path of the Unix socket in the file system, a :class:`str` or a
            path-like object such as :class:`pathlib.Path`.
        uri: URI sent in the opening handshake; ``ws://localhost/`` by default,
            or ``wss://localhost/`` when ``ssl`` is given.
        kwargs: Same as for :func:`connect`.

    """
    if uri is None:
        uri = "ws://localhost/" if kwargs.get("ssl") is None else "wss://localhost/"
    return connect(uri=uri, unix=True, path=path, **kwargs)
