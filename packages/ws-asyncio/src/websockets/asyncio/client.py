"""WebSocket clients on top of :mod:`asyncio`.

:func:`connect` opens a TCP (or TLS) connection with
:meth:`asyncio.loop.create_connection`, performs the opening handshake, and
returns a :class:`ClientConnection`. Used with ``async for``, it reconnects
automatically after errors that look transient.

"""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
import random
import ssl as ssl_module
import urllib.parse
from collections.abc import AsyncIterator, Callable, Generator, Sequence
from types import TracebackType
from typing import Any, Literal, cast

from ..client import ClientProtocol
from ..datastructures import HeadersLike
from ..exceptions import InvalidMessage, InvalidStatus, InvalidURI, SecurityError
from ..extensions.base import ClientExtensionFactory
from ..http11 import USER_AGENT, Response
from ..protocol import Event
from ..typing import LoggerLike, Origin, Subprotocol
from ..uri import WebSocketURI, parse_uri
from .compatibility import asyncio_timeout
from .connection import Connection

__all__ = ["ClientConnection", "connect", "unix_connect"]


MAX_REDIRECTS = int(os.environ.get("WEBSOCKETS_MAX_REDIRECTS", "10"))
"""Maximum number of redirects that :func:`connect` follows."""

BACKOFF_INITIAL_DELAY = float(os.environ.get("WEBSOCKETS_BACKOFF_INITIAL_DELAY", "5"))
"""Upper bound of the random delay before the first reconnection, in seconds."""
BACKOFF_MIN_DELAY = float(os.environ.get("WEBSOCKETS_BACKOFF_MIN_DELAY", "3.1"))
"""Delay before the second reconnection, in seconds."""
BACKOFF_MAX_DELAY = float(os.environ.get("WEBSOCKETS_BACKOFF_MAX_DELAY", "90.0"))
"""Maximum delay between reconnections, in seconds."""
BACKOFF_FACTOR = float(os.environ.get("WEBSOCKETS_BACKOFF_FACTOR", "1.618"))
"""Factor by which the delay grows after each failed reconnection."""


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
        self.logger.info("connection open")

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


def backoff(
    initial_delay: float = BACKOFF_INITIAL_DELAY,
    min_delay: float = BACKOFF_MIN_DELAY,
    max_delay: float = BACKOFF_MAX_DELAY,
    factor: float = BACKOFF_FACTOR,
) -> Generator[float]:
    """Generate delays between attempts to reconnect, in seconds.

    The first delay is random, between 0 and ``initial_delay``, so that
    clients that lost their connections at the same time don't all come back
    at once (:rfc:`6455#section-7.2.3`). The next delays start at
    ``min_delay`` and grow by ``factor`` each time up to ``max_delay``.

    The defaults come from the environment variables
    ``WEBSOCKETS_BACKOFF_INITIAL_DELAY`` (5 seconds),
    ``WEBSOCKETS_BACKOFF_MIN_DELAY`` (3.1 seconds),
    ``WEBSOCKETS_BACKOFF_MAX_DELAY`` (90 seconds) and
    ``WEBSOCKETS_BACKOFF_FACTOR`` (1.618).

    Args:
        initial_delay: Upper bound of the first delay, in seconds.
        min_delay: Second delay, in seconds.
        max_delay: Longest delay, in seconds.
        factor: Growth of delays from one attempt to the next.

    Yields:
        Delays, in seconds; the generator never ends.

    """
    yield random.random() * initial_delay
    delay = min_delay
    while delay < max_delay:
        yield delay
        delay *= factor
    while True:
        yield max_delay


def process_exception(exc: Exception) -> Exception | None:
    """Decide whether reconnecting after a failed attempt makes sense.

    This is the default ``process_exception`` of :func:`connect`. When
    ``async for`` reconnects automatically, each failed attempt goes through
    it. Errors that may go away by themselves are retried:

    * network errors: :exc:`OSError`, :exc:`EOFError`, :exc:`TimeoutError`,
      and :exc:`~websockets.exceptions.InvalidMessage` caused by the server
      closing the connection before answering;
    * :exc:`~websockets.exceptions.InvalidStatus` with 500, 502, 503 or 504,
      which servers and proxies return when they're temporarily unable to
      answer.

    Other errors are raised: trying again would fail the same way.

    Args:
        exc: Exception raised by the attempt to connect.

    Returns:
        :obj:`None` to try again (the error is logged at the ``INFO`` level),
        or the exception to raise, which stops reconnecting: ``exc`` itself or
        another exception.

    """
    if isinstance(exc, (EOFError, OSError, asyncio.TimeoutError)):
        return None
    if isinstance(exc, InvalidMessage) and isinstance(exc.__cause__, EOFError):
        # The server closed the connection before answering.
        return None
    if isinstance(exc, InvalidStatus) and exc.response.status_code in (500, 502, 503, 504):
        return None
    return exc


def _enable_deflate(
    extensions: Sequence[ClientExtensionFactory] | None,
) -> Sequence[ClientExtensionFactory] | None:
    """Add permessage-deflate to the extensions, when ws-deflate is installed."""
    try:
        module = importlib.import_module("websockets.extensions.permessage_deflate")
    except ModuleNotFoundError as exc:
        if exc.name != "websockets.extensions.permessage_deflate":
            raise
        # ws-deflate isn't installed: negotiate no compression.
        return extensions
    return cast(
        Sequence[ClientExtensionFactory],
        module.enable_client_permessage_deflate(extensions),
    )


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

    The client follows HTTP redirects (301, 302, 303, 307 and 308), up to 10
    of them or the value of the ``WEBSOCKETS_MAX_REDIRECTS`` environment
    variable.

    Args:
        uri: URI of the server, ``ws://`` or ``wss://``.
        origin: Value of the ``Origin`` header, for servers that check it.
        extensions: Extensions that the client supports, in the order in which
            they're negotiated and applied.
        subprotocols: Subprotocols that the client supports, most preferred
            first.
        compression: ``"deflate"``, the default, negotiates the
            permessage-deflate extension (:rfc:`7692`) when the ``ws-deflate``
            distribution is installed, and no compression without it.
            :obj:`None` disables compression.
        additional_headers: Headers added to the handshake request.
        user_agent_header: Value of the ``User-Agent`` header;
            ``"Python/x.y websockets/X.Y"`` by default, or the
            ``WEBSOCKETS_USER_AGENT`` environment variable. :obj:`None` omits
            it.
        proxy: Proxy to connect through. Proxies aren't supported yet:
            :obj:`True`, the default, which should use the proxy configured in
            the environment, connects directly for now; :obj:`None` connects
            directly; a proxy URL raises :exc:`NotImplementedError`.
        process_exception: Function deciding whether to try again after a
            failed attempt, when reconnecting with ``async for``; see
            :func:`process_exception`, the default.
        open_timeout: How long the TCP connection, the TLS handshake and the
            opening handshake may take together, in seconds; 10 by default.
            :obj:`None` waits forever.
        ping_interval: Delay between two keepalive pings, in seconds; 20 by
            default. :obj:`None` sends no keepalive pings.
        ping_timeout: How long to wait for the pong that answers a keepalive
            ping, in seconds; 20 by default. :obj:`None` waits forever.
        close_timeout: How long the closing handshake and then the closing of
            the TCP connection may take, in seconds; 10 by default. :obj:`None`
            waits forever.
        reconnect_delays: Function returning a generator of delays between
            attempts to reconnect, in seconds; :func:`backoff` by default.
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
            (by default, :func:`ssl.create_default_context`);
            ``server_hostname``, the name to check in the server's certificate
            instead of the host of ``uri``; ``host`` and ``port``, where to
            connect instead of the host and port of ``uri``, which still go in
            the ``Host`` header; ``sock``, an already connected socket.

    Raises:
        InvalidURI: If ``uri`` isn't a valid WebSocket URI.
        InvalidHandshake: If the opening handshake fails.
        OSError: If the TCP connection can't be opened.
        TimeoutError: If opening the connection takes longer than
            ``open_timeout``.
        ValueError: If ``compression`` is neither ``"deflate"`` nor
            :obj:`None`, or if ``ssl`` is given with a ``ws://`` URI.
        NotImplementedError: If ``proxy`` is a proxy URL.

    """

    def __init__(
        self,
        uri: str,
        *,
        origin: Origin | None = None,
        extensions: Sequence[ClientExtensionFactory] | None = None,
        subprotocols: Sequence[Subprotocol] | None = None,
        compression: str | None = "deflate",
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

        if compression == "deflate":
            extensions = _enable_deflate(extensions)
        elif compression is not None:
            raise ValueError(f"unsupported compression: {compression}")

        if isinstance(proxy, str):
            raise NotImplementedError("connecting through a proxy isn't supported yet")

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

        # Set when the connection is open.
        self.connection: ClientConnection

    async def create_connection(self, uri: str) -> ClientConnection:
        """Open a TCP or TLS connection to the server at ``uri``.

        Args:
            uri: URI of the server.

        Returns:
            The connection, before the opening handshake.

        Raises:
            InvalidURI: If ``uri`` isn't a valid WebSocket URI.
            ValueError: If ``ssl`` is given with a ``ws://`` URI.

        """
        ws_uri = parse_uri(uri)
        kwargs = dict(self.kwargs)

        if ws_uri.secure:
            if kwargs.get("ssl") is None:
                kwargs["ssl"] = ssl_module.create_default_context()
            kwargs.setdefault("server_hostname", ws_uri.host)
            if self.open_timeout is not None:
                kwargs.setdefault("ssl_handshake_timeout", self.open_timeout)
        elif kwargs.get("ssl") is not None:
            raise ValueError("ssl argument is incompatible with a ws:// URI")

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
            _, connection = await loop.create_unix_connection(factory, **kwargs)
        elif kwargs.get("sock") is not None:
            _, connection = await loop.create_connection(factory, **kwargs)
        else:
            host = kwargs.pop("host", ws_uri.host)
            port = kwargs.pop("port", ws_uri.port)
            _, connection = await loop.create_connection(factory, host, port, **kwargs)
        return connection

    def _redirect_uri(self, uri: str, exc: Exception) -> str | None:
        """Find where a redirect sends the client, when the handshake got one.

        Args:
            uri: URI that the client connected to.
            exc: Exception that failed the opening handshake.

        Returns:
            URI to connect to next, or :obj:`None` when ``exc`` isn't a redirect
            (not :exc:`~websockets.exceptions.InvalidStatus`, another status, or
            no ``Location`` header).

        Raises:
            InvalidURI: If the ``Location`` isn't a WebSocket URI.
            SecurityError: If the redirect goes from ``wss://`` to ``ws://``.

        """
        if not isinstance(exc, InvalidStatus):
            return None
        response = exc.response
        if response.status_code not in (301, 302, 303, 307, 308):
            return None
        try:
            location = response.headers["Location"]
        except LookupError:
            return None
        new_uri = urllib.parse.urljoin(uri, location)
        old_ws_uri = parse_uri(uri)
        try:
            new_ws_uri: WebSocketURI = parse_uri(new_uri)
        except InvalidURI as invalid_uri:
            raise invalid_uri from exc
        if old_ws_uri.secure and not new_ws_uri.secure:
            raise SecurityError("cannot follow redirect to non-secure URI") from exc
        return new_uri

    async def __aiter__(self) -> AsyncIterator[ClientConnection]:
        delays: Generator[float] | None = None
        while True:
            try:
                async with self as connection:
                    # The connection is open: reset the backoff.
                    delays = None
                    yield connection
            except Exception as exc:
                new_exc = self.process_exception(exc)
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
                    exc,
                    exc_info=True,
                )
                await asyncio.sleep(delay)

    async def __aenter__(self) -> ClientConnection:
        return await self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.connection.close()

    def __await__(self) -> Generator[Any, None, ClientConnection]:
        # Awaiting this object awaits a fresh coroutine doing the work.
        return self._await().__await__()

    async def _await(self) -> ClientConnection:
        uri = self.uri
        try:
            async with asyncio_timeout(self.open_timeout):
                for _ in range(MAX_REDIRECTS + 1):
                    connection = await self.create_connection(uri)
                    try:
                        await connection.handshake(
                            self.additional_headers,
                            self.user_agent_header,
                        )
                    except asyncio.CancelledError:
                        connection.transport.abort()
                        raise
                    except Exception as exc:
                        connection.transport.close()
                        new_uri = self._redirect_uri(uri, exc)
                        if new_uri is None:
                            raise
                        self.logger.info("redirecting to %s", new_uri)
                        uri = new_uri
                        continue
                    connection.start_keepalive()
                    self.connection = connection
                    return connection
                raise SecurityError(f"more than {MAX_REDIRECTS} redirects")
        except TimeoutError as exc:
            # Re-raise with a clearer message.
            raise TimeoutError("timed out during opening handshake") from exc


def unix_connect(
    path: str | None = None,
    uri: str | None = None,
    **kwargs: Any,
) -> connect:
    """Open a WebSocket connection through a Unix socket.

    It takes the same arguments as :func:`connect`, with ``path`` as well. It's
    mostly useful for testing servers that listen on Unix sockets. It's only
    available on Unix.

    Args:
        path: Path of the Unix socket in the file system.
        uri: URI sent in the opening handshake; ``ws://localhost/`` by default,
            or ``wss://localhost/`` when ``ssl`` is given.
        kwargs: Same as for :func:`connect`.

    """
    if uri is None:
        uri = "ws://localhost/" if kwargs.get("ssl") is None else "wss://localhost/"
    return connect(uri=uri, unix=True, path=path, **kwargs)
