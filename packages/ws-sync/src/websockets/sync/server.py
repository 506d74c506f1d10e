"""WebSocket servers on top of sockets and threads.

:func:`serve` creates a :class:`Server` listening on a socket. Its
:meth:`~Server.serve_forever` accepts connections and starts a thread for
each of them, which performs the TLS handshake, if any, and the opening
handshake, then runs the application's handler. When the handler returns,
the connection closes with code 1000; when it raises an exception, the
exception is logged and the connection closes with code 1011.

"""

from __future__ import annotations

import logging
import os
import re
import select
import socket
import ssl as ssl_module
import threading
import traceback
from collections.abc import Callable, Iterable, Sequence
from types import TracebackType
from typing import Any

from .._compatibility import ExceptionGroup
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
from .connection import Connection
from .utils import Deadline

__all__ = [
    "Server",
    "ServerConnection",
    "basic_auth",
    "broadcast",
    "serve",
    "unix_serve",
]


class ServerConnection(Connection):
    """Server side of a threading WebSocket connection.

    :func:`serve` creates one for each client and passes it to the handler,
    which receives messages with :meth:`recv` or by iterating over it and
    sends messages with :meth:`send`::

        def handler(websocket):
            for message in websocket:
                websocket.send(message)

    ``ping_interval``, ``ping_timeout``, ``close_timeout`` and ``max_queue``
    are described in :func:`serve`.

    Args:
        sock: Socket connected to the client, with TLS when the server
            speaks TLS.
        protocol: Sans-I/O server connection that this object drives.
        server: Server that accepted the connection.

    """

    def __init__(
        self,
        sock: socket.socket,
        protocol: ServerProtocol,
        server: Server,
        *,
        ping_interval: float | None = 20,
        ping_timeout: float | None = 20,
        close_timeout: float | None = 10,
        max_queue: int | None | tuple[int | None, int | None] = 16,
    ) -> None:
        self.protocol: ServerProtocol
        super().__init__(
            sock,
            protocol,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            close_timeout=close_timeout,
            max_queue=max_queue,
        )
        self.server = server
        """Server that manages this connection."""
        self.username: str
        """User name of the client, set by :func:`basic_auth` when it succeeds."""

    def respond(self, status: StatusLike, text: str) -> Response:
        """Build a plain text HTTP response that rejects the opening handshake.

        Call it from ``process_request`` or ``process_response`` and return
        the result, possibly after changing its headers, to answer the
        request with HTTP instead of opening a WebSocket connection, e.g. for
        a health check::

            def health_check(connection, request):
                if request.path == "/healthz":
                    return connection.respond(http.HTTPStatus.OK, "OK\\n")

        Args:
            status: HTTP status code, for example 403 or
                :attr:`http.HTTPStatus.FORBIDDEN`.
            text: Body of the response; it's encoded to UTF-8.

        Returns:
            The HTTP response.

        """
        return self.protocol.reject(status, text)

    def handshake(
        self,
        process_request: Callable[[ServerConnection, Request], Response | None] | None = None,
        process_response: (
            Callable[[ServerConnection, Request, Response], Response | None] | None
        ) = None,
        server_header: str | None = SERVER,
        timeout: float | None = None,
    ) -> None:
        """Perform the opening handshake: read the request, send the response.

        It runs in the calling thread. Afterwards, when the response accepted
        the connection (101 Switching Protocols), the connection started its
        reading thread and keepalive, and the handler must run, even if frames
        that came with the request started the closing handshake already: the
        messages before it are the handler's. Otherwise, the response rejected
        the connection, or the client didn't send a valid request or went
        away.

        When ``process_request`` or ``process_response`` raises an exception,
        it's logged and the client gets a 500 Internal Server Error response.

        Args:
            process_request: See :func:`serve`.
            process_response: See :func:`serve`.
            server_header: See :func:`serve`.
            timeout: How long to wait for the request, in seconds;
                :obj:`None` waits forever.

        Raises:
            TimeoutError: If the request doesn't arrive within ``timeout``.

        """
        deadline = Deadline(timeout)
        while self.request is None and self._read_once(deadline.timeout()):
            pass
        if self.request is None:
            # The protocol couldn't parse a request and answered it already,
            # or the client went away before sending one.
            return

        response: Response | None = None
        if process_request is not None:
            try:
                response = process_request(self, self.request)
            except Exception:
                self.logger.error("process_request failed", exc_info=True)
                response = internal_error(self.protocol)

        self.response = server_response(
            self.protocol,
            self.request,
            response,
            serving=self.server._serving,
            server_header=server_header,
        )

        if process_response is not None:
            try:
                result = process_response(self, self.request, self.response)
                if result is not None:
                    self.response = result
            except Exception:
                self.logger.error("process_response failed", exc_info=True)
                self.response = internal_error(self.protocol)

        with self.protocol_mutex:
            self.protocol.send_response(self.response)
            # Frames sent right after the request are parsed now.
            events = self.protocol.events_received()
            self._send_data()
        for event in events:
            self.process_event(event)
        # Whether the connection opened depends on the response only: the
        # state may have moved on already, e.g. if a close frame came along
        # with the request.
        if self.response.status_code == 101:
            self._start_reading()

    def _handshake_abortable(self) -> bool:
        """Tell whether aborting the connection during the handshake loses nothing.

        That's the case before the request arrives, and once a response that
        rejects it is entirely written. The protocol records the end of the
        response before it's written: aborting in between would lose it.

        """
        with self.protocol_mutex:
            if self.request is None:
                return True
            return self.protocol.eof_sent and not self._writing and not self._outgoing

    def process_event(self, event: Event) -> None:
        """Handle an event from the protocol: the request, then frames.

        Args:
            event: Opening handshake request or frame.

        """
        if isinstance(event, Request):
            self.request = event
        else:
            super().process_event(event)


class Server:
    """WebSocket server, as returned by :func:`serve`.

    It accepts connections on a listening socket, like
    :class:`socketserver.TCPServer`, and keeps track of connections, so that
    it can close them when it shuts down. Use it as a context manager, which
    shuts it down on exit::

        with serve(handler, "localhost", 8765) as server:
            server.serve_forever()

    Args:
        sock: Listening socket.
        handler: Function called in a new thread for each connection
            accepted, with the socket and the client's address;
            :func:`serve` builds it around the application's handler.
        logger: Logger for the server's own messages;
            ``logging.getLogger("websockets.server")`` by default.

    """

    def __init__(
        self,
        sock: socket.socket,
        handler: Callable[[socket.socket, Any], None],
        logger: LoggerLike | None = None,
    ) -> None:
        self.socket = sock
        """Listening socket."""
        self.handler = handler
        if logger is None:
            logger = logging.getLogger("websockets.server")
        self.logger = logger
        """Logger for this server."""

        self._lock = threading.Lock()
        # Whether the server accepts connections and completes handshakes.
        self._serving = True
        # Close code and reason for connections that complete their opening
        # handshake while the server is closing them.
        self._closing: tuple[int, str] | None = None
        # Threads handling connections, and the connections they created.
        self._threads: set[threading.Thread] = set()
        self._connections: set[ServerConnection] = set()
        # serve_forever() waits for the listening socket or for this pair,
        # which shutdown() writes to, to wake it up.
        self._wakeup_reader, self._wakeup_writer = socket.socketpair()
        # Thread running serve_forever(), and an event set when it returns.
        self._serving_thread: threading.Thread | None = None
        self._stopped = threading.Event()
        self._stopped.set()
        self.logger.info("server listening on %s", _format_address(sock))

    @property
    def connections(self) -> set[ServerConnection]:
        """Connections that are open.

        Their opening handshake succeeded and their closing handshake hasn't
        started.

        Pass it to :func:`broadcast` to send a message to every client.

        """
        with self._lock:
            connections = list(self._connections)
        return {connection for connection in connections if connection.state is OPEN}

    def serve_forever(self) -> None:
        """Accept connections until :meth:`shutdown` is called.

        Each connection is handled in a new thread.

        """
        with self._lock:
            if not self._serving:
                return
            if self._serving_thread is not None:
                raise RuntimeError("serve_forever is already running")
            self._serving_thread = threading.current_thread()
            self._stopped.clear()
        try:
            while True:
                readable, _, _ = select.select([self.socket, self._wakeup_reader], [], [])
                if self._wakeup_reader in readable:
                    break
                try:
                    sock, address = self.socket.accept()
                except OSError as exc:  # pragma: no cover
                    # The client went away before accept(), or the process
                    # ran out of file descriptors. Don't spin on an error
                    # that persists: wait a little, unless shutting down.
                    self.logger.warning("failed to accept connection: %s", exc)
                    select.select([self._wakeup_reader], [], [], 0.1)
                    continue
                thread = threading.Thread(
                    target=self._handle,
                    args=(sock, address),
                    name=f"websockets handler {address}",
                )
                with self._lock:
                    self._threads.add(thread)
                thread.start()
        finally:
            with self._lock:
                self._serving_thread = None
            self._stopped.set()

    def _handle(self, sock: socket.socket, address: Any) -> None:
        """Run the handler of a connection, in its thread."""
        try:
            self.handler(sock, address)
        except Exception:  # pragma: no cover
            # The handler logs the errors it expects: this is a bug.
            self.logger.error("unexpected error in connection handler", exc_info=True)
        finally:
            with self._lock:
                self._threads.discard(threading.current_thread())

    def _add_connection(self, connection: ServerConnection) -> None:
        with self._lock:
            self._connections.add(connection)

    def _remove_connection(self, connection: ServerConnection) -> None:
        with self._lock:
            self._connections.discard(connection)

    def shutdown(
        self,
        close_connections: bool = True,
        code: CloseCode | int = CloseCode.GOING_AWAY,
        reason: str = "",
    ) -> None:
        """Shut the server down and wait until that's done.

        The server stops accepting connections: :meth:`serve_forever`
        returns. With ``close_connections``, it also closes open connections
        with ``code`` and ``reason``, answers opening handshakes still in
        progress with 503 Service Unavailable, and drops connections that
        didn't send a request yet. Then it waits until the thread of every
        connection has returned: the handlers must return once their
        connection is closed, as they do when they spend their time in
        :meth:`~ServerConnection.recv` or iterating over the connection.

        Calling :meth:`shutdown` again has no effect.

        Args:
            close_connections: Whether to close the connections; :obj:`True`
                by default. With :obj:`False`, the server waits until handlers
                close them.
            code: Close code sent to clients; 1001 (going away) by default.
            reason: Close reason sent to clients; empty by default.

        """
        with self._lock:
            if not self._serving:
                return
            self._serving = False
            serving_thread = self._serving_thread
        self.logger.info("server closing")

        # Stop accepting new connections: wake up serve_forever(), wait until
        # it returned (unless it's running in this thread, e.g. in a signal
        # handler), then close the listening socket.
        self._wakeup_writer.send(b"\0")
        if serving_thread is not threading.current_thread():
            self._stopped.wait()
        self.socket.close()
        self._wakeup_reader.close()
        self._wakeup_writer.close()

        if close_connections:
            self._closing = (code, reason)
            with self._lock:
                connections = list(self._connections)
            closers = []
            for connection in connections:
                if connection.state is OPEN:
                    closer = threading.Thread(
                        target=connection.close,
                        args=(code, reason),
                        name=f"websockets closer {connection.id}",
                    )
                    closer.start()
                    closers.append(closer)
                elif connection.state is CONNECTING and connection._handshake_abortable():
                    # Don't wait up to open_timeout for a request, nor up to
                    # close_timeout for a client whose request was rejected
                    # to close the connection. Connections that sent a request
                    # and wait for the response get a 503.
                    connection._abort()
            for closer in closers:
                closer.join()

        # Wait until every connection handler returns.
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join()
        self.logger.info("server closed")

    def fileno(self) -> int:
        """Return the file descriptor of the listening socket.

        This makes it possible to wait for incoming connections with
        :mod:`select` or :mod:`selectors`.

        """
        return self.socket.fileno()

    def __enter__(self) -> Server:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.shutdown()


def _format_address(sock: socket.socket) -> str:
    """Describe where a socket listens, for logs."""
    address = sock.getsockname()
    if sock.family == socket.AF_INET6:
        return f"[{address[0]}]:{address[1]}"
    if sock.family == socket.AF_INET:
        return f"{address[0]}:{address[1]}"
    return str(address)


def serve(
    handler: Callable[[ServerConnection], None],
    host: str | None = None,
    port: int | None = None,
    *,
    # TCP/TLS
    sock: socket.socket | None = None,
    ssl: ssl_module.SSLContext | None = None,
    # WebSocket
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
    # HTTP
    process_request: (
        Callable[
            [ServerConnection, Request],
            Response | None,
        ]
        | None
    ) = None,
    process_response: (
        Callable[
            [ServerConnection, Request, Response],
            Response | None,
        ]
        | None
    ) = None,
    server_header: str | None = SERVER,
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
    create_connection: type[ServerConnection] | None = None,
    **kwargs: Any,
) -> Server:
    """Create a WebSocket server listening on ``host`` and ``port``.

    Whenever a client connects, the server creates a :class:`ServerConnection`,
    performs the opening handshake, and calls ``handler`` with the
    connection, in a thread of its own. When ``handler`` returns, the
    connection closes with code 1000; when it raises an exception, the
    exception is logged and the connection closes with code 1011.

    :func:`serve` starts listening and returns a :class:`Server`. Call its
    :meth:`~Server.serve_forever` method to accept connections, and use it as
    a context manager to shut it down on exit::

        def handler(websocket):
            ...

        with serve(handler, "localhost", 8765) as server:
            server.serve_forever()

    Args:
        handler: Function that handles a connection. When it returns, the
            connection is closed.
        host: Network interface to listen on; all interfaces by default.
        port: TCP port to listen on; ``0`` picks a free port.
        sock: Listening socket to use instead of creating one from ``host``
            and ``port``.
        ssl: TLS context to serve over TLS (``wss://``).
        origins: Acceptable values of the ``Origin`` header, to defend
            against Cross-Site WebSocket Hijacking attacks: strings, compiled
            regular expressions that must match the whole value, and
            :obj:`None` for requests without an ``Origin`` header. :obj:`None`,
            the default, accepts any origin.
        extensions: Extensions that the server supports, in the order in
            which they're negotiated and applied.
        subprotocols: Subprotocols that the server supports, most preferred
            first.
        select_subprotocol: Function choosing the subprotocol, instead of the
            default choice, the first of ``subprotocols`` that the client
            supports. It receives the connection and the subprotocols
            requested by the client and returns a subprotocol or :obj:`None`
            for none.
        compression: ``"deflate"``, the default, negotiates the
            permessage-deflate extension (:rfc:`7692`) when the ``ws-deflate``
            distribution is installed, and no compression without it; given
            explicitly, it requires ``ws-deflate``. :obj:`None` disables
            compression.
        process_request: Function called with the connection and the opening
            handshake request, before accepting it. It may return a response
            to reject the handshake with, for example one built with
            :meth:`ServerConnection.respond`, or :obj:`None` to continue.
        process_response: Function called with the connection, the request
            and the response, before sending the response. It may modify the
            response or return a new one to send instead; :obj:`None` sends
            the response as is.
        server_header: Value of the ``Server`` header;
            ``"Python/x.y websockets/X.Y"`` by default, or the
            ``WEBSOCKETS_SERVER`` environment variable. :obj:`None` omits it.
        open_timeout: How long the TLS handshake and the opening handshake
            may take, in seconds; 10 by default. :obj:`None` waits forever.
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
        logger: Logger for the server and its connections;
            ``logging.getLogger("websockets.server")`` by default.
        create_connection: Subclass of :class:`ServerConnection` to
            instantiate for each connection, to customize it.
        kwargs: Passed on to :func:`socket.create_server`, for example
            ``reuse_port`` or ``dualstack_ipv6``.

    Returns:
        The server, listening.

    Raises:
        TypeError: If ``subprotocols`` isn't a list, for example a
            :class:`str`.
        ValueError: If a subprotocol isn't a valid token
            (:rfc:`6455#section-4.1`), or if ``compression`` is neither
            ``"deflate"`` nor :obj:`None`.
        ImportError: If ``compression="deflate"`` is given explicitly
            without ``ws-deflate``.
        OSError: If the server can't listen on ``host`` and ``port``.

    """
    # Catch a misconfiguration now rather than when a client connects, and
    # before creating a socket that would leak.
    if subprotocols is not None:
        validate_subprotocols(subprotocols)
    extensions = server_extensions(compression, extensions)
    if create_connection is None:
        create_connection = ServerConnection
    connection_class = create_connection

    unix: bool = kwargs.pop("unix", False)
    path: str | bytes | None = kwargs.pop("path", None)
    if path is not None:
        # socket.bind() doesn't take os.PathLike objects for AF_UNIX.
        path = os.fspath(path)
    if sock is None:
        if unix:
            if path is None:
                raise ValueError("missing path argument")
            sock = socket.create_server(path, family=socket.AF_UNIX, **kwargs)
        else:
            sock = socket.create_server((host or "", port or 0), **kwargs)

    def conn_handler(sock: socket.socket, address: Any) -> None:
        """Handle a connection: TLS, opening handshake, handler, closing handshake."""
        deadline = Deadline(open_timeout)
        try:
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                # Don't delay small frames such as pongs and close frames.
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, True)
            if ssl is not None:
                sock.settimeout(deadline.timeout())
                sock = ssl.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
                sock.do_handshake()
            sock.settimeout(None)
        except Exception as exc:
            server.logger.debug("TLS handshake failed with %s: %s", address, exc)
            sock.close()
            return

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

        try:
            protocol = ServerProtocol(
                origins=origins,
                extensions=extensions,
                subprotocols=subprotocols,
                select_subprotocol=selector,
                max_size=max_size,
                logger=logger,
            )
            connection = connection_class(
                sock,
                protocol,
                server,
                ping_interval=ping_interval,
                ping_timeout=ping_timeout,
                close_timeout=close_timeout,
                max_queue=max_queue,
            )
        except Exception:
            server.logger.error("failed to create connection", exc_info=True)
            sock.close()
            return

        server._add_connection(connection)
        try:
            try:
                connection.handshake(
                    process_request,
                    process_response,
                    server_header,
                    deadline.timeout(raise_if_elapsed=False),
                )
            except TimeoutError:
                # Clients that give up during the handshake are routine: this
                # isn't worth an INFO record.
                connection.logger.debug("! opening handshake timed out")
                connection._finish()
                return
            except Exception:
                connection.logger.error("opening handshake failed", exc_info=True)
                connection._finish()
                return

            if connection.recv_events_thread is None:
                # The response rejected the connection, or there was no
                # request to respond to. Wait for the client to close the TCP
                # connection, in this thread, or for close_timeout; unless
                # the server is shutting down: then the response is written,
                # and shutdown() may have found it still being written and
                # left the connection to this thread.
                if server._closing is not None:
                    connection._abort()
                connection.recv_events()
                return

            if server._closing is not None:
                # The server started closing during the handshake.
                connection.close(*server._closing)
                return

            try:
                handler(connection)
            except Exception:
                connection.logger.error("connection handler failed", exc_info=True)
                connection.close(CloseCode.INTERNAL_ERROR)
            else:
                connection.close()
        finally:
            server._remove_connection(connection)

    server = Server(sock, conn_handler, logger)
    return server


def unix_serve(
    handler: Callable[[ServerConnection], None],
    path: PathLike | None = None,
    **kwargs: Any,
) -> Server:
    """Create a WebSocket server listening on a Unix socket.

    It takes the same arguments as :func:`serve`, with ``path`` instead of
    ``host`` and ``port``. It's useful behind a reverse proxy on the same
    machine. It's only available on Unix.

    Args:
        handler: Function that handles a connection.
        path: Path of the Unix socket in the file system, as a :class:`str`,
            :class:`bytes` or :class:`os.PathLike` object.
        kwargs: Same as for :func:`serve`.

    """
    return serve(handler, unix=True, path=path, **kwargs)


def broadcast(
    connections: Iterable[Connection],
    message: DataLike,
    *,
    raise_exceptions: bool = False,
    text: bool | None = None,
    **kwargs: Any,
) -> None:
    """Send a message to several connections at once.

    The message is serialized once per connection and queued.
    :func:`broadcast` never blocks: if another thread is writing to the
    socket, that thread writes the message after its own data; otherwise,
    :func:`broadcast` writes what the socket accepts without blocking, if it
    isn't a TLS socket, and a thread started for that connection writes the
    rest. So a client that doesn't read delays no one else. It can't make
    the server buffer without bound either: once the bytes waiting to be
    written to its socket exceed 64 KiB, the connection is skipped.

    Connections are skipped when:

    * they aren't open;
    * they're in the middle of sending a fragmented message, since frames of
      two messages can't interleave;
    * their queue of bytes waiting to be written is full, as explained above.
      That client misses the message.

    Skipped connections and errors on one connection don't prevent sending
    to the others: they're logged as warnings, or, with
    ``raise_exceptions``, collected and raised at the end in an
    :exc:`ExceptionGroup`. Connections that aren't open are skipped
    silently.

    It works with client connections as well as server connections.

    Args:
        connections: Connections to send the message to, for example
            :attr:`Server.connections`.
        message: Message; a :class:`str` is sent as a text message, bytes-like
            objects as a binary message. Fragmented messages aren't supported.
        raise_exceptions: Whether to raise the errors instead of logging them;
            :obj:`False` by default.
        text: :obj:`True` sends a text message, :obj:`False` a binary
            message; :obj:`None`, the default, picks according to the type of
            ``message``.
        kwargs: Reserved; no other option is supported yet.

    Raises:
        TypeError: If ``message`` has an unsupported type, or if an unknown
            keyword argument is given.
        ExceptionGroup: If ``raise_exceptions`` is :obj:`True` and the
            message couldn't be sent to some connections.

    """
    if kwargs:
        raise TypeError(f"broadcast() got unexpected keyword arguments: {', '.join(kwargs)}")
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
        error: Exception | None = None
        with connection.protocol_mutex:
            if connection.protocol.state is not OPEN:
                continue
            size = connection._outgoing_size()
            if connection._fragmented_sender is not None:
                error = ConcurrencyError("sending a fragmented message")
            elif size > _BROADCAST_HIGH_WATER:
                error = RuntimeError(
                    f"write buffer is full: {size} bytes, "
                    f"above the high-water mark of {_BROADCAST_HIGH_WATER} bytes"
                )
            else:
                try:
                    if send_text:
                        connection.protocol.send_text(data)
                    else:
                        connection.protocol.send_binary(data)
                    if not connection._send_data(wait=False):
                        raise connection._write_exc or ConnectionError("connection is broken")
                except Exception as write_exception:
                    error = RuntimeError("failed to write message")
                    error.__cause__ = write_exception
        if error is None:
            continue
        if raise_exceptions:
            exceptions.append(error)
        elif error.__cause__ is None:
            connection.logger.warning("skipped broadcast: %s", error)
        else:
            connection.logger.warning(
                "skipped broadcast: %s: %s",
                error,
                traceback.format_exception_only(error.__cause__)[0].strip(),
            )

    if raise_exceptions and exceptions:
        raise ExceptionGroup("skipped broadcast", exceptions)


# Bytes waiting to be written above which broadcast() skips a connection.
_BROADCAST_HIGH_WATER = 2**16


def basic_auth(
    realm: str = "",
    credentials: tuple[str, str] | Iterable[tuple[str, str]] | None = None,
    check_credentials: Callable[[str, str], bool] | None = None,
) -> Callable[[ServerConnection, Request], Response | None]:
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
        credentials: Valid ``(username, password)`` pair, or iterable of
            pairs. Passwords are compared in constant time, with
            :func:`~websockets.auth.credentials_checker`.
        check_credentials: Function that receives a user name and a password
            and returns whether they're valid.

    Returns:
        A ``process_request`` function.

    Raises:
        ValueError: If neither or both of ``credentials`` and
            ``check_credentials`` are given.
        TypeError: If ``credentials`` isn't a pair of strings or an iterable
            of such pairs.

    """
    checker = credentials_checker(credentials, check_credentials)

    def process_request(
        connection: ServerConnection,
        request: Request,
    ) -> Response | None:
        """Check the credentials in the ``Authorization`` header."""
        try:
            username, password = get_credentials(request)
        except InvalidCredentials as exc:
            return unauthorized(connection.protocol, realm, str(exc))

        if not checker(username, password):
            return unauthorized(connection.protocol, realm, "Invalid credentials\n")

        connection.username = username
        return None

    return process_request
