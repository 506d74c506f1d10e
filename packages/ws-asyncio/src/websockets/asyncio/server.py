"""WebSocket servers on top of :mod:`asyncio`.

:func:`serve` creates a :class:`Server`, which listens with
:meth:`asyncio.loop.create_server`. For every TCP connection, the event loop
creates a :class:`ServerConnection`; the server then runs a task that
performs the opening handshake and, when it succeeds, the application's
connection handler. When the handler returns, the connection closes with
code 1000; when it raises an exception, the exception is logged and the
connection closes with code 1011.

"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import socket
import sys
import traceback
from collections.abc import Awaitable, Callable, Coroutine, Generator, Iterable, Sequence
from types import TracebackType
from typing import Any, TypeVar

from .._handshake import internal_error, server_response
from ..auth import InvalidCredentials, credentials_checker, get_credentials, unauthorized
from ..compression import DEFAULT_COMPRESSION, server_extensions
from ..exceptions import ConcurrencyError
from ..extensions.base import ServerExtensionFactory
from ..frames import CloseCode
from ..headers import validate_subprotocols
from ..http11 import SERVER, Request, Response
from ..protocol import CONNECTING, OPEN, Event
from ..server import ServerProtocol
from ..typing import DataLike, LoggerLike, Origin, PathLike, StatusLike, Subprotocol
from .compatibility import ExceptionGroup, asyncio_timeout
from .connection import Connection

__all__ = [
    "Server",
    "ServerConnection",
    "basic_auth",
    "broadcast",
    "serve",
    "unix_serve",
]


class ServerConnection(Connection):
    """Server side of an asyncio WebSocket connection.

    :func:`serve` creates one for each client and passes it to the handler,
    which receives messages with :meth:`recv` or ``async for`` and sends
    messages with :meth:`send`::

        async def handler(websocket):
            async for message in websocket:
                await websocket.send(message)

    ``ping_interval``, ``ping_timeout``, ``close_timeout``, ``max_queue`` and
    ``write_limit`` are described in :func:`serve`.

    Args:
        protocol: Sans-I/O server connection that this object drives.
        server: Server that accepted the connection.

    """

    # See Connection.__slots__. username is set by basic_auth().
    __slots__ = ("server", "username")

    def __init__(
        self,
        protocol: ServerProtocol,
        server: Server,
        *,
        ping_interval: float | None = 20,
        ping_timeout: float | None = 20,
        close_timeout: float | None = 10,
        max_queue: int | None | tuple[int | None, int | None] = 16,
        write_limit: int | tuple[int, int | None] = 2**15,
    ) -> None:
        self.protocol: ServerProtocol
        super().__init__(
            protocol,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            close_timeout=close_timeout,
            max_queue=max_queue,
            write_limit=write_limit,
        )
        self.server = server
        """Server that manages this connection."""
        self.username: str
        """User name of the client, set by :func:`basic_auth` when it succeeds."""

    def respond(self, status: StatusLike, text: str) -> Response:
        """Build a plain text HTTP response that rejects the opening handshake.

        Call it from ``process_request`` or ``process_response`` and return the
        result, possibly after changing its headers, to answer the request with
        HTTP instead of opening a WebSocket connection.

        Args:
            status: HTTP status code, for example 403 or
                :attr:`http.HTTPStatus.FORBIDDEN`.
            text: Body of the response; it's encoded to UTF-8.

        Returns:
            The HTTP response.

        """
        return self.protocol.reject(status, text)

    async def handshake(
        self,
        process_request: (
            Callable[
                [ServerConnection, Request],
                Awaitable[Response | None] | Response | None,
            ]
            | None
        ) = None,
        process_response: (
            Callable[
                [ServerConnection, Request, Response],
                Awaitable[Response | None] | Response | None,
            ]
            | None
        ) = None,
        server_header: str | None = SERVER,
    ) -> None:
        """Perform the opening handshake: wait for the request, send the response.

        Afterwards, :attr:`state` is :attr:`~websockets.protocol.State.OPEN` when
        the handshake succeeded. Otherwise, the response rejected the connection,
        or the client didn't send a valid request or went away.

        When ``process_request`` or ``process_response`` raises an exception, it's
        logged and the client gets a 500 Internal Server Error response.

        Args:
            process_request: See :func:`serve`.
            process_response: See :func:`serve`.
            server_header: See :func:`serve`.

        """
        # Shield the waiter from the cancellation of the handshake: the
        # protocol may still produce the request, which resolves it.
        await asyncio.shield(self._handshake_waiter)
        if self.request is None:
            # The protocol couldn't parse a request and answered it already,
            # or the client went away before sending one.
            return

        # Until the response is sent, or the handshake fails, reading stops
        # if the client sends data after the request.
        try:
            response: Response | None = None
            if process_request is not None:
                try:
                    result = process_request(self, self.request)
                    if isinstance(result, Awaitable):
                        result = await result
                    response = result
                except Exception:
                    self.logger.error("process_request failed", exc_info=True)
                    response = internal_error(self.protocol)

            self.response = server_response(
                self.protocol,
                self.request,
                response,
                serving=self.server.is_serving(),
                server_header=server_header,
            )

            if process_response is not None:
                try:
                    result = process_response(self, self.request, self.response)
                    if isinstance(result, Awaitable):
                        result = await result
                    if result is not None:
                        self.response = result
                except Exception:
                    self.logger.error("process_response failed", exc_info=True)
                    self.response = internal_error(self.protocol)

            self.protocol.send_response(self.response)
            # Frames sent right after the request are parsed now: process them.
            events = self.protocol.events_received()
            self._send_data()
            # Write the response now rather than with the next batch: if the
            # handler fails right away, aborting the connection would drop it.
            self._flush_write_batch()
            for event in events:
                self.process_event(event)
        finally:
            self._preparing_response = False
            self._update_reading()

    def process_event(self, event: Event) -> None:
        """Handle an event from the protocol: the request, then frames.

        Args:
            event: Opening handshake request or frame.

        """
        if isinstance(event, Request):
            self.request = event
            self._preparing_response = True
            self._handshake_waiter.set_result(None)
        else:
            super().process_event(event)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Called by the event loop when the TCP or TLS connection is established.

        It starts the task that handles the connection.

        Args:
            transport: Transport of the connection.

        """
        super().connection_made(transport)
        self.server.start_connection_handler(self)


# Annotates methods that return the server itself, so that a subclass of
# Server is typed as such.
_ServerT = TypeVar("_ServerT", bound="Server")


class Server:
    """WebSocket server, as returned by :func:`serve`.

    It mirrors :class:`asyncio.Server` and keeps track of connections, so
    that it can close them when it shuts down.

    :func:`serve` returns it before it listens. Awaiting it, or entering it
    with ``async with``, creates the listening sockets and returns the same
    object; this raises :exc:`OSError` if they can't be created, for example
    when the port is in use, and awaiting it again then tries again. Once it
    started, awaiting it or entering it again does nothing more, even after
    it was closed.

    Until it started, :attr:`connections` is empty and :meth:`wait_closed`
    waits for the server to start and then shut down; every other method and
    property raises :exc:`AttributeError`.

    Args:
        create_server: Coroutine function creating the underlying
            :class:`asyncio.Server`; :func:`serve` binds
            :meth:`~asyncio.loop.create_server` to its arguments.
        handler: Coroutine function running for each connection, from the
            opening handshake until the connection is closed.
        logger: Logger for the server's own messages;
            ``logging.getLogger("websockets.server")`` by default.

    Raises:
        RuntimeError: If no event loop is running.

    """

    def __init__(
        self,
        create_server: Callable[[], Coroutine[Any, Any, asyncio.Server]],
        handler: Callable[[ServerConnection], Coroutine[Any, Any, None]],
        logger: LoggerLike | None = None,
    ) -> None:
        self.create_server = create_server
        self.handler = handler
        if logger is None:
            logger = logging.getLogger("websockets.server")
        self.logger = logger
        """Logger for this server."""

        # Set when the server starts. Until then, the methods that use it
        # raise AttributeError, as upstream's do.
        self.server: asyncio.Server
        """Underlying :class:`asyncio.Server`."""
        # Created now, so that wait_closed() works before the server starts;
        # this requires a running event loop, which upstream requires too.
        self.closed_waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        # Serializes concurrent awaits, so that they create one asyncio.Server.
        self._start_lock = asyncio.Lock()

        # Tasks handling connections, from connection_made() until the
        # connection closes.
        self.handlers: dict[ServerConnection, asyncio.Task[None]] = {}
        # Task closing the server, once close() is called.
        self.close_task: asyncio.Task[None] | None = None
        # Close code and reason for connections that complete their opening
        # handshake while the server is closing them.
        self._closing: tuple[int, str] | None = None

    @property
    def connections(self) -> set[ServerConnection]:
        """Connections that are open.

        Their opening handshake succeeded and their closing handshake hasn't
        started.

        Pass it to :func:`broadcast` to send a message to every client.

        """
        return {connection for connection in self.handlers if connection.protocol.state is OPEN}

    async def _start(self) -> None:
        """Create the underlying :class:`asyncio.Server`, unless it exists."""
        async with self._start_lock:
            if hasattr(self, "server"):
                return
            self.server = await self.create_server()
        if self.server.is_serving():
            self._log_listening()

    def _log_listening(self) -> None:
        # Upstream logs this only when the server starts serving as it's
        # created; a server created with start_serving=False logs it too,
        # once it accepts connections.
        for sock in self.server.sockets:
            self.logger.info("server listening on %s", _format_address(sock))

    def start_connection_handler(self, connection: ServerConnection) -> None:
        """Start the task that handles a new connection.

        Args:
            connection: Connection whose transport was just made.

        """
        task = connection.loop.create_task(self._run_handler(connection))
        self.handlers[connection] = task

    async def _run_handler(self, connection: ServerConnection) -> None:
        try:
            await self.handler(connection)
        except Exception:
            # The handler logs the errors it expects: this is a bug.
            connection.logger.error("unexpected error in connection handler", exc_info=True)
            connection.transport.abort()
        finally:
            del self.handlers[connection]

    def close(
        self,
        close_connections: bool = True,
        code: CloseCode | int = CloseCode.GOING_AWAY,
        reason: str = "",
    ) -> None:
        """Shut the server down, in the background.

        The server stops accepting connections. With ``close_connections``, it
        also closes open connections with ``code`` and ``reason``, answers opening
        handshakes still in progress with 503 Service Unavailable, and drops
        connections that didn't send a request yet. Then it waits until every
        connection handler returned. :meth:`wait_closed` waits for all that to be
        done.

        Calling :meth:`close` again has no effect.

        Args:
            close_connections: Whether to close the connections; :obj:`True` by
                default. With :obj:`False`, the server waits until handlers close
                them.
            code: Close code sent to clients; 1001 (going away) by default.
            reason: Close reason sent to clients; empty by default.

        """
        if self.close_task is None:
            self.close_task = self.get_loop().create_task(
                self._close(close_connections, code, reason)
            )

    async def _close(self, close_connections: bool, code: int, reason: str) -> None:
        self.logger.info("server closing")

        # Stop accepting new connections.
        self.server.close()

        if close_connections:
            self._closing = (code, reason)
            close_tasks = []
            for connection in list(self.handlers):
                if connection.protocol.state is OPEN:
                    close_tasks.append(self.get_loop().create_task(connection.close(code, reason)))
                elif connection.protocol.state is CONNECTING and connection.request is None:
                    # Don't wait up to open_timeout for a request. Connections
                    # that sent one get a 503 response.
                    connection.transport.close()
            if close_tasks:
                await asyncio.wait(close_tasks)

        # Wait until all connection handlers terminate.
        if self.handlers:
            await asyncio.wait(list(self.handlers.values()))

        # Wait until the underlying server is closed.
        await self.server.wait_closed()

        self.closed_waiter.set_result(None)
        self.logger.info("server closed")

    async def wait_closed(self) -> None:
        """Wait until the server is shut down.

        This happens after :meth:`close`, once every TCP connection is closed and
        every connection handler returned. For a prompt shutdown, handlers should
        spend their time in :meth:`~ServerConnection.recv` (or ``async for``) or
        :meth:`~ServerConnection.wait_closed`, which return or raise
        :exc:`~websockets.exceptions.ConnectionClosedOK` when the server closes
        the connection.

        """
        await asyncio.shield(self.closed_waiter)

    def get_loop(self) -> asyncio.AbstractEventLoop:
        """Return the event loop that runs the server.

        See :meth:`asyncio.Server.get_loop`.

        """
        return self.server.get_loop()

    def is_serving(self) -> bool:
        """Tell whether the server accepts new connections.

        See :meth:`asyncio.Server.is_serving`.

        """
        return self.server.is_serving()

    async def start_serving(self) -> None:
        """Start accepting connections.

        This is for servers created with ``start_serving=False``; it does
        nothing if the server accepts connections already. The server logs
        that it listens when it starts accepting connections, here or when
        it's awaited.

        See :meth:`asyncio.Server.start_serving`.

        """
        if not self.server.is_serving():
            await self.server.start_serving()
            self._log_listening()

    async def serve_forever(self) -> None:
        """Accept connections until the server is shut down.

        It starts accepting connections if needed, then waits until the server is
        shut down with :meth:`close`. Cancelling it shuts the server down, waits
        until that's done, and propagates the cancellation; it's an alternative to
        leaving an ``async with serve(...)`` block::

            server = await serve(handler, "localhost", 8765)
            await server.serve_forever()

        See :meth:`asyncio.Server.serve_forever`.

        """
        try:
            # Within the try: a cancellation while it starts shuts it down too.
            if not self.is_serving():
                await self.start_serving()
            await self.wait_closed()
        except asyncio.CancelledError:
            self.close()
            await self.wait_closed()
            raise

    @property
    def sockets(self) -> tuple[socket.socket, ...]:
        """Sockets on which the server listens.

        See :attr:`asyncio.Server.sockets`.

        """
        return self.server.sockets

    def __await__(self: _ServerT) -> Generator[Any, None, _ServerT]:
        # Awaiting this object awaits a fresh coroutine doing the work.
        return self._await().__await__()

    async def _await(self: _ServerT) -> _ServerT:
        await self._start()
        return self

    async def __aenter__(self: _ServerT) -> _ServerT:
        return await self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
        await self.wait_closed()


def _format_address(sock: socket.socket) -> str:
    """Format the address of a listening socket for logs."""
    if sock.family == socket.AF_INET6:
        return "[{}]:{}".format(*sock.getsockname()[:2])
    if sock.family == socket.AF_INET:
        return "{}:{}".format(*sock.getsockname())
    return str(sock.getsockname())  # AF_UNIX: a path


def serve(
    handler: Callable[[ServerConnection], Awaitable[None]],
    host: str | None = None,
    port: int | None = None,
    *,
    origins: Sequence[Origin | re.Pattern[str] | None] | None = None,
    extensions: Sequence[ServerExtensionFactory] | None = None,
    subprotocols: Sequence[Subprotocol] | None = None,
    select_subprotocol: (
        Callable[
            [ServerConnection, Sequence[Subprotocol]],
            Subprotocol | None,
        ]
        | None
    ) = None,
    compression: str | None = DEFAULT_COMPRESSION,
    process_request: (
        Callable[
            [ServerConnection, Request],
            Awaitable[Response | None] | Response | None,
        ]
        | None
    ) = None,
    process_response: (
        Callable[
            [ServerConnection, Request, Response],
            Awaitable[Response | None] | Response | None,
        ]
        | None
    ) = None,
    server_header: str | None = SERVER,
    open_timeout: float | None = 10,
    ping_interval: float | None = 20,
    ping_timeout: float | None = 20,
    close_timeout: float | None = 10,
    max_size: int | None | tuple[int | None, int | None] = 2**20,
    max_queue: int | None | tuple[int | None, int | None] = 16,
    write_limit: int | tuple[int, int | None] = 2**15,
    logger: LoggerLike | None = None,
    create_connection: type[ServerConnection] | None = None,
    **kwargs: Any,
) -> Server:
    """Create a WebSocket server listening on ``host`` and ``port``.

    For each TCP connection, the server performs the opening handshake, then
    runs ``handler`` with the :class:`ServerConnection`. When ``handler``
    returns, the server closes the connection with code 1000; when it raises
    an exception, the server logs it and closes the connection with code 1011.

    It returns a :class:`Server`, which starts listening when it's awaited or
    entered as an asynchronous context manager. The context manager shuts the
    server down on exit::

        async with serve(handler, "localhost", 8765) as server:
            await server.serve_forever()

    When you await it, call :meth:`~Server.serve_forever`, :meth:`~Server.close`
    and :meth:`~Server.wait_closed` as you see fit::

        server = await serve(handler, "localhost", 8765)

    Args:
        handler: Coroutine function that handles a connection.
        host: Network interfaces to listen on; see
            :meth:`~asyncio.loop.create_server`.
        port: TCP port to listen on; see :meth:`~asyncio.loop.create_server`.
        origins: Values of the ``Origin`` header that the server accepts, to
            protect browsers against Cross-Site WebSocket Hijacking. A
            :class:`str` must match exactly; a compiled regular expression must
            match in full. Include :obj:`None` to accept requests without an
            ``Origin`` header. :obj:`None`, the default, accepts any origin.
        extensions: Extensions that the server supports, in the order in which
            they're negotiated and applied.
        subprotocols: Subprotocols that the server supports, most preferred
            first.
        select_subprotocol: Function choosing a subprotocol among those that
            the client offered, instead of the default choice. It receives the
            :class:`ServerConnection` and the client's list; it returns a
            subprotocol or :obj:`None`, or raises
            :exc:`~websockets.exceptions.NegotiationError` to reject the
            handshake.
        compression: ``"deflate"``, the default, negotiates the
            permessage-deflate extension (:rfc:`7692`) when the ``ws-deflate``
            distribution is installed, and no compression without it; given
            explicitly, it requires ``ws-deflate``. :obj:`None` disables
            compression. See :doc:`/topics/compression`.
        process_request: Function or coroutine function called with the
            connection and the handshake request, before the handshake. When it
            returns an HTTP response, the server sends that response instead of
            performing the handshake; when it returns :obj:`None`, the
            handshake proceeds.
        process_response: Function or coroutine function called with the
            connection, the request and the response, before sending the
            response. It may modify the response, return a different one, or
            return :obj:`None` to send the response as is.
        server_header: Value of the ``Server`` header of responses;
            ``"Python/x.y websockets/X.Y"`` by default, or the
            ``WEBSOCKETS_SERVER`` environment variable. :obj:`None` omits it.
        open_timeout: How long the opening handshake may take, in seconds; 10
            by default. :obj:`None` waits forever.
        ping_interval: Delay between two keepalive pings, in seconds; 20 by
            default. :obj:`None` sends no keepalive pings.
        ping_timeout: How long to wait for the pong that answers a keepalive
            ping, in seconds; 20 by default. :obj:`None` waits forever.
        close_timeout: How long the closing handshake and then the closing of
            the TCP connection may take, in seconds; 10 by default. :obj:`None`
            waits forever.
        max_size: Largest message accepted, in bytes; 1 MiB by default.
            :obj:`None` means no limit. A ``(max_message_size, max_frame_size)``
            tuple also limits the size of each frame, for clients that send
            large messages in small fragments. Larger messages fail the
            connection with close code 1009.
        max_queue: How many received frames may wait for the handler before
            the connection stops reading from the network; 16 by default.
            Frames decoded from data already read still join the queue.
            Reading resumes when a quarter of that is left. Give a
            ``(high, low)`` tuple to choose both marks; :obj:`None` means no
            limit. Once the closing handshake started, reading goes on
            regardless, and data frames beyond the high-water mark are
            dropped.
        write_limit: How many bytes may wait in the write buffer before
            :meth:`~ServerConnection.send` waits for it to drain; 32 KiB by
            default. Give a ``(high, low)`` tuple to choose both marks.
        logger: Logger for the server and its connections;
            ``logging.getLogger("websockets.server")`` by default.
        create_connection: Subclass of :class:`ServerConnection` to
            instantiate for each connection, to customize it.
        kwargs: Passed on to :meth:`~asyncio.loop.create_server`, for example
            ``ssl`` (an :class:`ssl.SSLContext`) to serve over TLS, ``sock``
            to listen on an existing socket, or ``start_serving=False`` to
            start accepting connections only with
            :meth:`~Server.start_serving` or :meth:`~Server.serve_forever`.

    Returns:
        The server, which doesn't listen until it's awaited or entered.

    Raises:
        TypeError: If ``subprotocols`` isn't a list, for example a
            :class:`str`.
        ValueError: If a subprotocol isn't a valid token
            (:rfc:`6455#section-4.1`), or if ``compression`` is neither
            ``"deflate"`` nor :obj:`None`.
        ImportError: If ``compression="deflate"`` is given explicitly and
            ``ws-deflate`` isn't installed.
        RuntimeError: If no event loop is running.

    These are raised when :func:`serve` is called. Errors creating the
    listening sockets, for example :exc:`OSError` when the port is in use,
    are raised when the server is awaited or entered.

    """

    # Catch a misconfiguration now rather than when a client connects.
    if subprotocols is not None:
        validate_subprotocols(subprotocols)
    extensions = server_extensions(compression, extensions)

    if create_connection is None:
        create_connection = ServerConnection
    connection_class = create_connection

    if kwargs.get("ssl") is not None:
        # Bound the TLS handshake and shutdown like their WebSocket
        # counterparts, unless told otherwise.
        if open_timeout is not None:
            kwargs.setdefault("ssl_handshake_timeout", open_timeout)
        if close_timeout is not None and sys.version_info >= (3, 11):
            kwargs.setdefault("ssl_shutdown_timeout", close_timeout)

    def factory() -> ServerConnection:
        """Create a connection for a new TCP connection."""
        selector: Callable[[ServerProtocol, Sequence[Subprotocol]], Subprotocol | None] | None
        if select_subprotocol is None:
            selector = None
        else:
            user_selector = select_subprotocol

            # The protocol calls the selector with itself; the user's
            # callback expects the connection, created just below.
            def selector(
                protocol: ServerProtocol,
                subprotocols: Sequence[Subprotocol],
            ) -> Subprotocol | None:
                return user_selector(connection, subprotocols)

        protocol = ServerProtocol(
            origins=origins,
            extensions=extensions,
            subprotocols=subprotocols,
            select_subprotocol=selector,
            max_size=max_size,
            logger=logger,
        )
        connection = connection_class(
            protocol,
            server,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            close_timeout=close_timeout,
            max_queue=max_queue,
            write_limit=write_limit,
        )
        return connection

    unix: bool = kwargs.pop("unix", False)
    path: PathLike | None = kwargs.pop("path", None)
    # create_unix_server() is typed for str paths; os.fsdecode() turns a
    # bytes path into one that the OS sees as the same bytes.
    unix_path = None if path is None else os.fsdecode(path)

    def create_server() -> Coroutine[Any, Any, asyncio.Server]:
        loop = asyncio.get_running_loop()
        if unix:
            return loop.create_unix_server(factory, unix_path, **kwargs)
        return loop.create_server(factory, host, port, **kwargs)

    async def handle(connection: ServerConnection) -> None:
        """Handle a connection: opening handshake, handler, closing handshake."""
        try:
            async with asyncio_timeout(open_timeout):
                await connection.handshake(
                    process_request,
                    process_response,
                    server_header,
                )
        except asyncio.CancelledError:
            connection.transport.abort()
            raise
        except TimeoutError:
            # Clients that give up during the handshake are routine: this
            # isn't worth an INFO record.
            connection.logger.debug("! opening handshake timed out")
            connection.transport.abort()
            return
        except Exception:
            connection.logger.error("opening handshake failed", exc_info=True)
            connection.transport.abort()
            return

        if connection.protocol.state is not OPEN:
            # The response rejected the connection, which closes once the
            # response is sent (or close_timeout expires).
            await connection.wait_closed()
            return

        if server._closing is not None:
            # The server started closing during the handshake.
            await connection.close(*server._closing)
            return

        connection.start_keepalive()
        try:
            await handler(connection)
        except asyncio.CancelledError:
            connection.transport.abort()
            raise
        except Exception:
            connection.logger.error("connection handler failed", exc_info=True)
            await connection.close(CloseCode.INTERNAL_ERROR)
        else:
            await connection.close()

    # factory() and handle() refer to the server, which needs them first.
    server = Server(create_server, handle, logger)
    return server


def unix_serve(
    handler: Callable[[ServerConnection], Awaitable[None]],
    path: PathLike | None = None,
    **kwargs: Any,
) -> Server:
    """Create a WebSocket server listening on a Unix socket.

    It takes the same arguments as :func:`serve`, with ``path`` instead of
    ``host`` and ``port``. It's useful behind a reverse proxy on the same
    machine. It's only available on Unix.

    Args:
        handler: Coroutine function that handles a connection.
        path: Path of the Unix socket in the file system, as a :class:`str`,
            :class:`bytes` or :class:`os.PathLike` object.
        kwargs: Same as for :func:`serve`.

    Returns:
        The server, which doesn't listen until it's awaited or entered.

    Raises:
        RuntimeError: If no event loop is running.

    See :func:`serve` for the other exceptions.

    """
    return serve(handler, unix=True, path=path, **kwargs)


def broadcast(
    connections: Iterable[Connection],
    message: DataLike,
    *,
    text: bool | None = None,
    raise_exceptions: bool = False,
) -> None:
    """Send a message to several connections at once, without waiting.

    The message is serialized once per connection and written to its
    transport immediately; :func:`broadcast` doesn't wait for the data to be
    sent. A client that doesn't keep up can't slow down the others.

    Connections are skipped when:

    * they aren't open;
    * they're in the middle of sending a fragmented message, since frames of
      two messages can't interleave;
    * their write buffer is above the high-water mark set by ``write_limit``:
      the client doesn't read as fast as messages are broadcast, and
      buffering more would use memory without bound. That client misses the
      message; it gets the next ones once its buffer drained below the
      low-water mark. Upstream websockets buffers the message instead. To
      disconnect clients that stopped reading, keep ``ping_interval`` and
      ``ping_timeout`` low.

    Skipped connections and errors on one connection don't prevent sending to
    the others: they're logged as warnings, or, with ``raise_exceptions``,
    collected and raised at the end in an :exc:`ExceptionGroup`. Connections
    that aren't open are skipped silently.

    It works with client connections as well as server connections.

    Args:
        connections: Connections to send the message to, for example
            :attr:`Server.connections`.
        message: Message; a :class:`str` is sent as a text message, bytes-like
            objects as a binary message. Fragmented messages aren't supported.
        text: :obj:`True` sends a text message, :obj:`False` a binary message;
            :obj:`None`, the default, picks according to the type of
            ``message``.
        raise_exceptions: Whether to raise the errors instead of logging them;
            :obj:`False` by default.

    Raises:
        TypeError: If ``message`` has an unsupported type.
        ExceptionGroup: If ``raise_exceptions`` is :obj:`True` and the
            message couldn't be sent to some connections.

    """
    if isinstance(message, str):
        send_text = text is not False
        data: bytes | bytearray | memoryview = message.encode()
    elif isinstance(message, (bytes, bytearray, memoryview)):
        send_text = text is True
        data = message
    else:
        raise TypeError("data must be str or bytes")

    exceptions: list[Exception] = []
    for connection in connections:
        if connection.protocol.state is not OPEN:
            continue

        if connection._fragmented_send_waiter is not None:
            if raise_exceptions:
                exceptions.append(ConcurrencyError("sending a fragmented message"))
            else:
                connection.logger.warning("skipped broadcast: sending a fragmented message")
            continue

        if connection._writing_paused:
            size = connection.transport.get_write_buffer_size()
            _low, high = connection.transport.get_write_buffer_limits()
            error = f"write buffer is full: {size} bytes, above the high-water mark of {high} bytes"
            if raise_exceptions:
                exceptions.append(RuntimeError(error))
            else:
                connection.logger.warning("skipped broadcast: %s", error)
            continue

        try:
            if send_text:
                connection.protocol.send_text(data)
            else:
                connection.protocol.send_binary(data)
            connection._send_data()
        except Exception as write_exception:
            if raise_exceptions:
                exc = RuntimeError("failed to write message")
                exc.__cause__ = write_exception
                exceptions.append(exc)
            else:
                connection.logger.warning(
                    "skipped broadcast: failed to write message: %s",
                    traceback.format_exception_only(write_exception)[0].strip(),
                )

    if raise_exceptions and exceptions:
        raise ExceptionGroup("skipped broadcast", exceptions)


def basic_auth(
    realm: str = "",
    credentials: tuple[str, str] | Iterable[tuple[str, str]] | None = None,
    check_credentials: Callable[[str, str], Awaitable[bool] | bool] | None = None,
) -> Callable[[ServerConnection, Request], Awaitable[Response | None]]:
    """Create a ``process_request`` function enforcing HTTP Basic Authentication.

    Pass the result to :func:`serve`::

        serve(handler, process_request=basic_auth(credentials=("alice", "s3cr3t")))

    Clients authenticate with a ``Basic`` ``Authorization`` header
    (:rfc:`7617`), for example with a URI such as
    ``ws://alice:s3cr3t@example.com/``. When credentials are valid, the
    connection's ``username`` attribute is set to the client's user name.
    Otherwise, the server answers 401 Unauthorized, with a
    ``WWW-Authenticate`` header asking for credentials.

    Give either ``credentials`` or ``check_credentials``.

    Args:
        realm: Protection space reported in the ``WWW-Authenticate`` header
            (:rfc:`7235#section-2.2`); empty by default. Stick to ASCII.
        credentials: Valid ``(username, password)`` pair, or iterable of pairs.
            Passwords are compared in constant time, with
            :func:`~websockets.auth.credentials_checker`.
        check_credentials: Function or coroutine function that receives a user
            name and a password and returns whether they're valid.

    Returns:
        A ``process_request`` coroutine function.

    Raises:
        ValueError: If neither or both of ``credentials`` and
            ``check_credentials`` are given.
        TypeError: If ``credentials`` isn't a pair of strings or an iterable
            of such pairs.

    """
    checker = credentials_checker(credentials, check_credentials)

    async def process_request(
        connection: ServerConnection,
        request: Request,
    ) -> Response | None:
        """Check the credentials in the ``Authorization`` header."""
        try:
            username, password = get_credentials(request)
        except InvalidCredentials as exc:
            return unauthorized(connection.protocol, realm, str(exc))

        valid = checker(username, password)
        if isinstance(valid, Awaitable):
            valid = await valid
        if not valid:
            return unauthorized(connection.protocol, realm, "Invalid credentials\n")

        connection.username = username
        return None

    return process_request
