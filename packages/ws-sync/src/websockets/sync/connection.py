"""WebSocket connections on top of sockets and threads.

:class:`Connection` holds no protocol logic. It feeds bytes read from a
socket to a Sans-I/O :class:`~websockets.protocol.Protocol`, writes the bytes
that the protocol returns, and wakes the threads waiting for what the
protocol reported: messages, pongs, the end of the connection.

Theory of operation
===================

Threads
-------

Once the opening handshake succeeded, a reading thread reads from the
socket. It feeds what it reads to the protocol, puts data frames in an
:class:`~websockets.sync.messages.Assembler` where :meth:`~Connection.recv`
finds them, acknowledges pongs, and sends keepalive pings: it waits for the
socket to become readable, with a timeout that ends when the next keepalive
ping or pong is due. Nothing polls.

On the server side, on plain sockets, the reading thread is one thread
shared by every such connection of the process, the hub, which waits for all
their sockets at once; it wakes up the threads waiting in
:meth:`~Connection.recv` a few at a time, so that many busy connections don't
keep hundreds of threads fighting for the GIL (see ``_hub.py``). Clients,
TLS connections, whose records can't be read without blocking, and
connections with extensions such as permessage-deflate have a reading
thread each (:meth:`~Connection.recv_events`): compressing or decompressing
a large message holds a connection's mutex, or the thread that reads, for a
long time, and the hub mustn't make every other connection wait for that.

The opening handshake itself runs in the thread that opens the connection:
the thread calling :func:`~websockets.sync.client.connect`, or the server's
thread for this connection. That thread also waits for the client to close a
connection that the server rejected, so a rejected request costs no reading
thread.

Application threads call :meth:`~Connection.send`, :meth:`~Connection.recv`
and the other public methods, from any thread.

Locks
-----

``protocol_mutex`` protects the protocol and the queue of bytes to send. The
reading thread holds it while feeding bytes to the protocol, application
threads while building frames. Whoever changed the protocol's state then
calls :meth:`~Connection._send_data`, the single path to the socket: it
appends :meth:`~websockets.protocol.Protocol.data_to_send` to the queue and,
unless another thread is writing already, writes the queue to the socket,
releasing the mutex during the write. So bytes go out in the order in which
the protocol produced them and the frames of two messages never interleave.

Application threads wait until their data is written; this is the
backpressure of :meth:`~Connection.send`. The reading thread and
:func:`~websockets.sync.server.broadcast` never block on writing, lest a peer
that doesn't read stop them: they queue their data; when no thread is
writing, they write what the socket takes at once, on plain sockets, and
start a thread that writes the rest, and leaves as soon as the queue is
empty or an application thread waits to write. The reading thread goes on
reading, sending keepalive pings and answering pings meanwhile; the peer's
pings can't grow the queue, since a pong that isn't sent yet is replaced by
the next one (:rfc:`6455#section-5.5.3`).

Flow control and timeouts
-------------------------

When the application falls behind, the assembler's queue grows beyond
``max_queue`` frames and the reading thread stops reading, until the queue
drains; TCP flow control then slows the peer down. Keepalive stops meanwhile,
since the peer's pongs can't be read; the pong awaited gets a full
``ping_timeout`` once reading resumes. The reading thread reads again as soon
as the closing handshake starts, to receive the peer's close frame; from then
on, data frames beyond ``max_queue`` are dropped.

When :meth:`~websockets.protocol.Protocol.close_expected` turns true, the
connection asks a watchdog, one thread shared by every connection, to abort
the TCP connection if it isn't closed within ``close_timeout``. Aborting
shuts the socket down, which wakes up every thread blocked on it, including
one that's writing to a peer that stopped reading.

The connection is closed once the reading thread sees EOF or an error: it
feeds EOF to the protocol, which reaches
:attr:`~websockets.protocol.State.CLOSED`, waits for a write in progress to
end, closes the socket and wakes everything that's waiting. Operations
attempted afterwards raise :attr:`~websockets.protocol.Protocol.close_exc`.

"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import math
import os
import select
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, NoReturn, TypeVar, cast, overload

from .._chunks import join_small_chunks
from .._keepalive import Keepalive, KeepaliveAction
from .._options import queue_limits
from ..exceptions import ConcurrencyError, ConnectionClosed, ConnectionClosedOK, TooManyFragments
from ..frames import DATA_OPCODES, OP_BINARY, OP_CONT, OP_PONG, OP_TEXT, CloseCode, Frame, Opcode
from ..http11 import Request, Response
from ..protocol import OPEN, SERVER, Event, Protocol, State
from ..typing import BytesLike, Data, DataLike, LoggerLike, Subprotocol
from ._hub import Hub, get_hub
from .messages import Assembler

__all__ = ["Connection"]

_ConnectionT = TypeVar("_ConnectionT", bound="Connection")


class Connection:
    """Base class of threading WebSocket connections, for clients and servers.

    Applications get instances of its subclasses,
    :class:`~websockets.sync.client.ClientConnection` from
    :func:`~websockets.sync.client.connect` and
    :class:`~websockets.sync.server.ServerConnection` in the handler given to
    :func:`~websockets.sync.server.serve`; they don't create it themselves.

    Args:
        sock: Connected socket, TCP or Unix, with TLS or not, in blocking
            mode.
        protocol: Sans-I/O connection that this object drives.
        ping_interval: Delay between two keepalive pings, in seconds; 20 by
            default. :obj:`None` sends no keepalive pings.
        ping_timeout: How long to wait for the pong that answers a keepalive
            ping, in seconds; 20 by default. When no pong comes in time, the
            connection fails with close code 1011. :obj:`None` waits forever.
            While ``max_queue`` pauses reading, keepalive pauses too, and the
            pong gets a full ``ping_timeout`` once reading resumes.
        close_timeout: How long the closing handshake and then the closing of
            the TCP connection may take, in seconds; 10 by default. Past it,
            the TCP connection is aborted. :obj:`None` waits forever.
        max_queue: How many received frames may wait for the application
            before the connection stops reading from the network; 16 by
            default. Reading resumes when a quarter of that is left. Give a
            ``(high, low)`` tuple to choose both marks; :obj:`None` means no
            limit. Once the closing handshake started, reading goes on
            regardless, and data frames beyond the high-water mark are
            dropped.

    """

    recv_bufsize = 65536
    """How many bytes the reading thread asks the socket for at once."""

    # Whether the hub reads from plain sockets, rather than a thread of the
    # connection's own. It pays off with many connections, which servers
    # have; with one, the hub's bookkeeping costs about a fifth more CPU per
    # message than a thread waiting in poll(): clients keep their thread.
    _use_hub = True

    def __init__(
        self,
        sock: socket.socket,
        protocol: Protocol,
        *,
        ping_interval: float | None = 20,
        ping_timeout: float | None = 20,
        close_timeout: float | None = 10,
        max_queue: int | None | tuple[int | None, int | None] = 16,
    ) -> None:
        self.socket = sock
        """Socket of the connection."""
        # Whether the socket can be written without blocking with
        # MSG_DONTWAIT, which leaves its mode alone for other threads, and
        # with sendmsg(): plain sockets, where the system has the flag; not
        # TLS.
        self._plain_socket = (
            _MSG_DONTWAIT is not None
            and isinstance(sock, socket.socket)
            and not isinstance(sock, ssl.SSLSocket)
        )
        self.protocol = protocol
        """Sans-I/O connection driven by this connection."""
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.close_timeout = close_timeout
        self.max_queue = queue_limits(max_queue)

        # Every log record about this connection carries it in its extra
        # attributes, including those that the Sans-I/O layer emits.
        self.protocol.logger = logging.LoggerAdapter(self.protocol.logger, {"websocket": self})

        self.id: uuid.UUID = self.protocol.id
        """Unique identifier of the connection. Useful in logs."""
        self.logger: LoggerLike = self.protocol.logger
        """Logger for this connection."""
        self.debug = self.protocol.debug

        self.request: Request | None = None
        """Opening handshake request."""
        self.response: Response | None = None
        """Opening handshake response."""

        self.latency: float = 0
        """Round-trip time of the connection, in seconds.

        It's measured between sending a ping and receiving the matching pong:
        by keepalive pings every ``ping_interval`` seconds and by
        :meth:`ping`. It's ``0`` until the first measurement.

        """

        # Addresses, read now: the socket can't tell them once it's closed.
        self._local_address = _address(sock, "getsockname")
        self._remote_address = _address(sock, "getpeername")

        # Protects the protocol and everything below, up to the next comment.
        self.protocol_mutex = threading.Lock()
        # Notified when a write ends and when a fragmented message is done.
        self._write_cond = threading.Condition(self.protocol_mutex)
        # Chunks waiting to be written; SEND_EOF (b"") half-closes. The first
        # one may be the rest of a chunk written in part.
        self._outgoing: list[bytes | memoryview] = []
        # Chunks queued since the connection opened, chunks written or
        # dropped, and chunks written successfully. Each call to _send_data()
        # waits until the chunks it queued are written.
        self._queued = 0
        self._written = 0
        self._written_ok = 0
        # Whether a thread is writing to the socket, without the mutex.
        self._writing = False
        self._write_waiters = 0
        # Number of the last pong that the reading thread queued, counted
        # like _queued; it's unsent while it's in _outgoing, untouched.
        self._last_pong = 0
        # Set when nothing may be written any more: after a write error, or
        # when the reading thread is closing the socket.
        self._socket_done = False
        self._write_exc: Exception | None = None
        # Thread sending a fragmented message; others wait until it's done.
        self._fragmented_sender: threading.Thread | None = None
        # Pings waiting for a pong: payload -> (event, time sent, whether to
        # set the event when the connection closes). Dicts keep insertion
        # order, i.e. the order in which pings were sent.
        self._pong_waiters: dict[bytes, tuple[threading.Event, float, bool]] = {}
        # Whether close_expected() turned true.
        self._closing = False
        # Whether _finish() started.
        self._finishing = False

        # Flow control of reads: whether the assembler's queue is above its
        # high-water mark, protected by a condition of its own that the
        # reading thread waits on until the queue drains.
        self._reading = threading.Condition()
        self._read_paused = False
        self.recv_messages = Assembler(
            *self.max_queue,
            pause=self._pause_reading,
            resume=self._resume_reading,
        )

        # Used only by the reading thread.
        self._keepalive: Keepalive | None = None
        self._keepalive_ping: bytes | None = None
        # When keepalive must run next, on time.monotonic()'s clock, in a
        # reading thread of the connection's own; 0 when it must be computed.
        self._keepalive_due = 0.0
        # The large payload being received, to receive into, if any.
        self._recv_view: memoryview | None = None
        # TLS may have decrypted data that the kernel doesn't know about.
        self._pending: Callable[[], int] | None = getattr(sock, "pending", None)
        self._poller: Any = None
        if hasattr(select, "poll"):
            self._poller = select.poll()
            self._poller.register(sock.fileno(), select.POLLIN)

        self.recv_events_thread: threading.Thread | None = None
        """Thread reading from the socket, once the opening handshake succeeded.

        It's the thread of the connection on TLS sockets and the thread
        shared by every connection on plain sockets.

        """
        # Hub reading from the socket instead of a thread of our own, once
        # the opening handshake succeeded; see _hub.py. The hub's thread
        # alone uses the attributes below.
        self._hub: Hub | None = None
        # The socket's file descriptor: its registration must be undone with
        # it after the socket is closed.
        self._fileno = sock.fileno()
        self._registered = False
        self._keepalive_seq = -1
        # Exception with which reading from the socket failed, if any.
        self._lost_exc: Exception | None = None
        # Error with which the connection failed itself, if any: it's the
        # cause of every ConnectionClosed raised afterwards, as upstream.
        self._connection_exc: Exception | None = None
        # Whether the TCP connection was aborted on purpose.
        self._aborted = False
        # Set when the socket is closed and the protocol is CLOSED.
        self._closed = threading.Event()

    # Public attributes

    @property
    def local_address(self) -> Any:
        """Address of this end of the connection.

        A ``(host, port)`` tuple for IPv4, a longer tuple for IPv6, a path for
        Unix sockets: whatever :meth:`socket.socket.getsockname` returns.

        """
        return self._local_address

    @property
    def remote_address(self) -> Any:
        """Address of the other end of the connection.

        A ``(host, port)`` tuple for IPv4, a longer tuple for IPv6, a path for
        Unix sockets: whatever :meth:`socket.socket.getpeername` returns.

        """
        return self._remote_address

    @property
    def state(self) -> State:
        """State of the WebSocket connection (:rfc:`6455#section-4.1`).

        Applications rarely need it: :meth:`recv` and :meth:`send` raise
        :exc:`~websockets.exceptions.ConnectionClosed` when the connection is
        closed, which is the usual way of finding out.

        """
        return self.protocol.state

    @property
    def subprotocol(self) -> Subprotocol | None:
        """Subprotocol agreed on during the opening handshake.

        :obj:`None` when client and server didn't agree on one.

        """
        return cast(Subprotocol | None, getattr(self.protocol, "subprotocol", None))

    @property
    def close_code(self) -> int | None:
        """Close code received from the peer (:rfc:`6455#section-7.1.5`).

        :obj:`None` until the connection is closed; 1006 when it closed
        without receiving a close frame. The
        :exc:`~websockets.exceptions.ConnectionClosed` exception raised by
        :meth:`recv` and :meth:`send` carries the same information.

        """
        return self.protocol.close_code

    @property
    def close_reason(self) -> str | None:
        """Close reason received from the peer (:rfc:`6455#section-7.1.6`).

        :obj:`None` until the connection is closed; an empty string when it
        closed without receiving a close frame.

        """
        return self.protocol.close_reason

    # Public methods

    def __enter__(self: _ConnectionT) -> _ConnectionT:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.close(CloseCode.INTERNAL_ERROR)

    def __iter__(self) -> Iterator[Data]:
        """Iterate over incoming messages, calling :meth:`recv` until the end.

        The iteration stops quietly when the connection closes normally
        (close codes 1000 and 1001, or no code). Any other closure raises
        :exc:`~websockets.exceptions.ConnectionClosedError`.

        Yields:
            Messages, as :class:`str` or :class:`bytes`.

        """
        try:
            while True:
                yield self.recv()
        except ConnectionClosedOK:
            return

    @overload
    def recv(self, timeout: float | None, decode: Literal[True]) -> str: ...

    @overload
    def recv(self, timeout: float | None, decode: Literal[False]) -> bytes: ...

    @overload
    def recv(self, timeout: float | None = None, *, decode: Literal[True]) -> str: ...

    @overload
    def recv(self, timeout: float | None = None, *, decode: Literal[False]) -> bytes: ...

    @overload
    def recv(self, timeout: float | None = None, decode: bool | None = None) -> Data: ...

    def recv(self, timeout: float | None = None, decode: bool | None = None) -> Data:
        """Wait for the next message and return it.

        A text message comes out as :class:`str`, a binary message as
        :class:`bytes`; ``decode`` can change that. A fragmented message is
        returned whole, once its last fragment arrived.

        Messages that arrived before the connection closed are still
        returned. After that, :meth:`recv` raises
        :exc:`~websockets.exceptions.ConnectionClosedOK` if the connection
        closed normally and
        :exc:`~websockets.exceptions.ConnectionClosedError` otherwise.

        When ``timeout`` elapses, no data is lost: the next call returns the
        message that was on its way.

        Args:
            timeout: How long to wait, in seconds; :obj:`None`, the default,
                waits forever. ``0`` returns a message only if one arrived
                already.
            decode: :obj:`False` returns text messages as UTF-8 encoded
                :class:`bytes`, without decoding them. :obj:`True` decodes
                binary messages as UTF-8 and returns :class:`str`.
                :obj:`None`, the default, keeps the type of the message.

        Returns:
            The message: :class:`str` when ``decode`` is :obj:`True`,
            :class:`bytes` when it's :obj:`False`, either one otherwise. Type
            checkers infer the same.

        Raises:
            ConnectionClosed: When the connection is closed.
            TimeoutError: If ``timeout`` elapses before a message arrives.
            ConcurrencyError: If another thread is already waiting in
                :meth:`recv` or :meth:`recv_streaming`.
            UnicodeDecodeError: If ``decode`` is :obj:`True` and a binary
                message isn't valid UTF-8.

        """
        try:
            return self.recv_messages.get(timeout, decode)
        except EOFError:
            pass
        except ConcurrencyError:
            raise ConcurrencyError(
                "cannot call recv while another thread is already running recv or recv_streaming"
            ) from None
        except TooManyFragments as exc:
            # The peer exceeded WEBSOCKETS_MAX_FRAGMENTS: fail like upstream.
            with self.protocol_mutex:
                if self._connection_exc is None:
                    self._connection_exc = exc
                if self.protocol.state is OPEN:
                    self.protocol.fail(CloseCode.MESSAGE_TOO_BIG, "too many fragments")
                    self._send_data()
        self._raise_close_exc()

    @overload
    def recv_streaming(self, decode: Literal[True]) -> Iterator[str]: ...

    @overload
    def recv_streaming(self, decode: Literal[False]) -> Iterator[bytes]: ...

    @overload
    def recv_streaming(self, decode: bool | None = None) -> Iterator[Data]: ...

    def recv_streaming(self, decode: bool | None = None) -> Iterator[Data]:
        """Receive the next message fragment by fragment, as frames arrive.

        This avoids buffering large fragmented messages. An unfragmented
        message comes out in one piece. Text fragments are decoded
        incrementally, so a character split between two frames comes out
        whole; as a consequence, a fragment may come out as an empty string.

        Consume the iterator until the end. Leaving it earlier drops the rest
        of the message; close it (for example with :func:`contextlib.closing`)
        for the next :meth:`recv` to start immediately.

        Args:
            decode: Same as for :meth:`recv`.

        Yields:
            Fragments of the message, as :class:`str` or :class:`bytes`.

        Raises:
            ConnectionClosed: When the connection is closed.
            ConcurrencyError: If another thread is already waiting in
                :meth:`recv` or :meth:`recv_streaming`.
            UnicodeDecodeError: If ``decode`` is :obj:`True` and a binary
                message isn't valid UTF-8.

        """
        try:
            yield from self.recv_messages.get_iter(decode)
            return
        except EOFError:
            pass
        except ConcurrencyError:
            raise ConcurrencyError(
                "cannot call recv_streaming while another thread "
                "is already running recv or recv_streaming"
            ) from None
        self._raise_close_exc()

    def send(
        self,
        message: DataLike | Iterable[DataLike],
        *,
        text: bool | None = None,
        compress: bool = True,
    ) -> None:
        """Send a message.

        A :class:`str` goes out as a text message; :class:`bytes`,
        :class:`bytearray` and :class:`memoryview` go out as binary messages.
        ``text`` overrides that choice: with ``text=True``, bytes are sent as
        a text message without checking that they're valid UTF-8, which
        saves decoding and encoding again data that's already UTF-8, such as
        JSON; with ``text=False``, a string is encoded and sent as a binary
        message.

        An iterable sends a fragmented message (:rfc:`6455#section-5.4`), one
        frame per item. Items must be all strings or all bytes-like objects.
        An empty iterable sends nothing. If the iterable raises an exception
        or yields an item of the wrong type midway, the connection fails with
        close code 1011, since the message can't be completed.

        Mappings are rejected: sending the keys of a dict is almost always a
        mistake. Pass ``mapping.keys()`` to really do it.

        :meth:`send` may be called from any thread. Messages sent
        concurrently go out one after the other, never interleaved: while a
        thread sends a fragmented message, other threads wait until it's
        complete. :meth:`send` returns once the message is written to the
        socket; when the peer doesn't read, it waits.

        Args:
            message: Message to send.
            text: :obj:`True` sends a text message, :obj:`False` a binary
                message; :obj:`None`, the default, picks according to the
                type of ``message``.
            compress: :obj:`False` sends this message uncompressed even when
                permessage-deflate is negotiated, e.g. for data that's
                compressed already. An addition of ours: upstream websockets
                has no such switch.

        Raises:
            ConnectionClosed: When the connection is closed.
            ConcurrencyError: If the same thread is sending a fragmented
                message already, e.g. when called from the iterable being
                sent.
            TypeError: If ``message`` or one of its items has an unsupported
                type.

        """
        if isinstance(message, str):
            self._send_frame(OP_BINARY if text is False else OP_TEXT, message.encode(), compress)
        elif isinstance(message, (bytes, bytearray, memoryview)):
            self._send_frame(OP_TEXT if text is True else OP_BINARY, message, compress)
        elif isinstance(message, Mapping):
            raise TypeError("data is a dict-like object")
        elif isinstance(message, Iterable):
            self._send_fragments(iter(message), text, compress)
        else:
            raise TypeError("data must be str, bytes, or iterable")

    def close(
        self,
        code: CloseCode | int = CloseCode.NORMAL_CLOSURE,
        reason: str = "",
    ) -> None:
        """Start the closing handshake and wait until the connection is closed.

        The closing handshake and the closing of the TCP connection may take
        up to ``close_timeout`` seconds; after that, the TCP connection is
        aborted. Closing a connection that's already closing or closed just
        waits for it to be closed.

        If a fragmented message is being sent, the connection fails with code
        1011 instead, since the message can't be completed.

        Args:
            code: Close code; 1000 by default.
            reason: Close reason, at most 123 bytes once encoded in UTF-8;
                empty by default.

        Raises:
            ProtocolError: If ``code`` may not be sent in a close frame or if
                ``reason`` is too long.

        """
        with self.protocol_mutex:
            if self.protocol.state is OPEN:
                if self._fragmented_sender is not None:
                    # The fragmented message can't be completed: fail.
                    self.protocol.fail(CloseCode.INTERNAL_ERROR, "close during fragmented message")
                else:
                    self.protocol.send_close(code, reason)
                self._send_data()
        self._wait_closed()

    def wait_closed(self, timeout: float | None = None) -> bool:
        """Wait until the connection is closed, without starting to close it.

        The connection is closed once the closing handshake completed, or
        failed, and the TCP connection is closed.

        Args:
            timeout: How long to wait, in seconds; :obj:`None`, the default,
                waits as long as it takes.

        Returns:
            Whether the connection is closed: :obj:`False` when ``timeout``
            elapsed first.

        """
        return self._closed.wait(timeout)

    def ping(self, data: DataLike | None = None, *, ack_on_close: bool = False) -> threading.Event:
        """Send a ping (:rfc:`6455#section-5.5.2`).

        The peer answers with a pong carrying the same payload. A pong also
        acknowledges the pings sent before the one it answers.

        Args:
            data: Payload, at most 125 bytes; a :class:`str` is encoded to
                UTF-8. :obj:`None`, the default, sends four random bytes.
            ack_on_close: Whether to set the event when the connection closes
                before the pong arrives. Then, waiting for the event can't
                block forever, but check that :attr:`state` is still
                :attr:`~websockets.protocol.State.OPEN` to know that the pong
                arrived. :obj:`False` by default: the event is set only by
                the pong.

        Returns:
            An event that's set when the matching pong arrives. Wait for it,
            with a timeout, to wait for the pong, or ignore it. The latency
            is in :attr:`latency` then.

        Raises:
            ConnectionClosed: When the connection is closed.
            ConcurrencyError: If a ping with the same payload is still waiting
                for its pong.

        """
        if isinstance(data, str):
            data = data.encode()
        elif data is not None:
            data = bytes(data)

        with self.protocol_mutex:
            if data in self._pong_waiters:
                raise ConcurrencyError("already waiting for a pong with the same data")
            if self.protocol.state is OPEN:
                pong_waiter, data = self._send_ping(data, ack_on_close)
                sent = self._send_data()
            else:
                sent = False
        if not sent:
            self._raise_close_exc()
        return pong_waiter

    def pong(self, data: DataLike = b"") -> None:
        """Send a pong (:rfc:`6455#section-5.5.3`).

        Pings are answered automatically. An unsolicited pong can serve as a
        one-way heartbeat.

        Args:
            data: Payload, at most 125 bytes; a :class:`str` is encoded to
                UTF-8. Empty by default.

        Raises:
            ConnectionClosed: When the connection is closed.

        """
        if isinstance(data, str):
            data = data.encode()
        with self.protocol_mutex:
            if self.protocol.state is OPEN:
                self.protocol.send_pong(data)
                sent = self._send_data()
            else:
                sent = False
        if not sent:
            self._raise_close_exc()

    # Sending

    def _send_frame(self, opcode: Opcode, data: BytesLike, compress: bool = True) -> None:
        """Send an unfragmented data frame, after any fragmented message."""
        with self.protocol_mutex:
            while self._fragmented_sender is not None:
                if self._fragmented_sender is threading.current_thread():
                    raise ConcurrencyError(
                        "cannot call send while sending a fragmented message in the same thread"
                    )
                self._write_cond.wait()
            sent = self._send_frame_locked(opcode, data, fin=True, compress=compress)
        if not sent:
            self._raise_close_exc()

    def _send_frame_locked(
        self, opcode: Opcode, data: BytesLike, fin: bool, compress: bool = True
    ) -> bool:
        """Send a data frame; return whether it was written.

        Call it with ``protocol_mutex`` held. ``compress=False`` on the first
        frame of a message sends that message uncompressed.

        """
        if self.protocol.state is not OPEN:
            return False
        if not compress:
            for extension in self.protocol.extensions:
                extension.skip_next_message()
        if opcode is OP_TEXT:
            self.protocol.send_text(data, fin)
        elif opcode is OP_BINARY:
            self.protocol.send_binary(data, fin)
        else:
            self.protocol.send_continuation(data, fin)
        return self._send_data()

    def _send_fragments(
        self, fragments: Iterator[DataLike], text: bool | None, compress: bool = True
    ) -> None:
        """Send a fragmented message, one frame per fragment."""
        try:
            fragment = next(fragments)
        except StopIteration:
            return

        if isinstance(fragment, str):
            is_str = True
        elif isinstance(fragment, (bytes, bytearray, memoryview)):
            is_str = False
        else:
            raise TypeError("iterable must contain bytes or str")
        opcode = OP_TEXT if (text is None and is_str) or text is True else OP_BINARY

        with self.protocol_mutex:
            while self._fragmented_sender is not None:
                if self._fragmented_sender is threading.current_thread():
                    raise ConcurrencyError(
                        "cannot call send while sending a fragmented message in the same thread"
                    )
                self._write_cond.wait()
            if self.protocol.state is not OPEN:
                sent = False
            else:
                self._fragmented_sender = threading.current_thread()
                sent = True
        if not sent:
            self._raise_close_exc()

        try:
            self._send_fragment(opcode, _encode(fragment), fin=False, compress=compress)
            for fragment in fragments:
                if isinstance(fragment, str) != is_str or not isinstance(
                    fragment, (str, bytes, bytearray, memoryview)
                ):
                    raise TypeError("iterable must contain uniform types")
                self._send_fragment(OP_CONT, _encode(fragment), fin=False)
            self._send_fragment(OP_CONT, b"", fin=True)
        except ConnectionClosed:
            raise
        except BaseException:
            # The message can't be completed: fail the connection, so that
            # the peer doesn't wait for the rest of it forever.
            with self.protocol_mutex:
                if self.protocol.state is OPEN:
                    self.protocol.fail(CloseCode.INTERNAL_ERROR, "error in fragmented message")
                    self._send_data()
            raise
        finally:
            with self.protocol_mutex:
                self._fragmented_sender = None
                self._write_cond.notify_all()

    def _send_fragment(
        self, opcode: Opcode, data: BytesLike, fin: bool, compress: bool = True
    ) -> None:
        """Send a frame of the fragmented message that this thread is sending."""
        with self.protocol_mutex:
            sent = self._send_frame_locked(opcode, data, fin, compress)
        if not sent:
            self._raise_close_exc()

    def _send_ping(self, data: bytes | None, ack_on_close: bool) -> tuple[threading.Event, bytes]:
        """Send a ping and register its pong waiter; return both.

        Call it with ``protocol_mutex`` held, in the ``OPEN`` state, then call
        :meth:`_send_data`.

        """
        while data is None or data in self._pong_waiters:
            data = os.urandom(4)
        self.protocol.send_ping(data)
        pong_waiter = threading.Event()
        # The monotonic clock is the right one for latency.
        self._pong_waiters[data] = (pong_waiter, time.monotonic(), ack_on_close)
        return pong_waiter, data

    def _send_data(self, wait: bool = True) -> bool:
        """Write the data that the protocol has to send.

        This is the single path for writing to the socket. Call it with
        ``protocol_mutex`` held, after every call to a ``receive_*``,
        ``send_*`` or ``fail`` method of the protocol. It may release the
        mutex while writing.

        Args:
            wait: Whether to wait until the data is written. Application
                threads wait: that's the backpressure of :meth:`send`. The
                reading thread and :func:`~websockets.sync.server.broadcast`
                must never block: they write what the socket accepts at once
                and leave the rest to the thread that's writing, or to a
                thread started for that.

        Returns:
            Whether the data was written (or, without ``wait``, will be
            written unless the connection breaks): :obj:`False` when the
            connection is broken.

        """
        chunks = self.protocol.data_to_send()
        # The reading thread usually has nothing to send.
        if not chunks:
            pass
        elif wait:
            self._outgoing.extend(chunks)
            self._queued += len(chunks)
        else:
            self._queue_without_waiting(chunks)
        target = self._queued

        if not self._closing and self.protocol.close_expected():
            self._closing = True
            # The peer's close frame may be waiting behind messages that the
            # application didn't read: read it anyway. A peer that keeps
            # sending data frames instead mustn't fill memory until
            # close_timeout: frames beyond max_queue are dropped.
            self.recv_messages.cap()
            self._reading_changed()
            if self.close_timeout is not None:
                _watchdog.watch(time.monotonic() + self.close_timeout, self)

        if not self._socket_done and not self._writing and self._outgoing:
            # Write what the socket takes at once, with the mutex held: it's
            # cheaper than handing the socket to a writer, and usually all.
            self._write_available()
            if not wait and self._outgoing and not self._socket_done:
                self._start_writer()

        if not wait:
            if self._socket_done:
                self._drop_outgoing()
                return self._written_ok >= target
            return True

        while True:
            if self._socket_done:
                self._drop_outgoing()
                return self._written_ok >= target
            if self._writing:
                if self._written >= target:
                    return True
                self._write_waiters += 1
                try:
                    self._write_cond.wait()
                finally:
                    self._write_waiters -= 1
                continue
            if not self._outgoing:
                return self._written_ok >= target
            # Once its own data is written, a thread leaves the rest to the
            # threads waiting for theirs, which it just woke up.
            if self._written >= target and self._write_waiters:
                return self._written_ok >= target
            self._flush()

    def _queue_without_waiting(self, chunks: list[bytes]) -> None:
        """Queue chunks, keeping at most one pong that isn't sent yet.

        A peer that sends pings faster than it reads pongs would otherwise
        grow the queue without bound while a thread is blocked writing.
        :rfc:`6455#section-5.5.3` allows answering only the most recent ping:
        a new pong replaces the previous one while it's still waiting, in its
        place. Pongs that aren't answers, sent by :meth:`pong`, come through
        the other path and are never replaced.

        Call it with ``protocol_mutex`` held.

        """
        for chunk in chunks:
            if _is_pong(chunk):
                index = self._last_pong - (self._queued - len(self._outgoing)) - 1
                if index >= 0:
                    self._outgoing[index] = chunk
                    continue
                self._outgoing.append(chunk)
                self._queued += 1
                self._last_pong = self._queued
            else:
                self._outgoing.append(chunk)
                self._queued += 1

    def _drop_outgoing(self) -> None:
        """Drop the queue: nothing can be written any more. Call it with the mutex held."""
        self._outgoing.clear()
        self._written = self._queued

    def _outgoing_size(self) -> int:
        """Count the bytes waiting to be written. Call it with ``protocol_mutex`` held."""
        return sum(len(chunk) for chunk in self._outgoing)

    def _flush(self) -> None:
        """Write every queued chunk to the socket, releasing the mutex meanwhile."""
        chunks, self._outgoing = self._outgoing, []
        self._writing = True
        error: Exception | None = None
        self.protocol_mutex.release()
        try:
            self._write(chunks)
        except (OSError, ValueError) as exc:
            error = exc
        finally:
            self.protocol_mutex.acquire()
            self._writing = False
            self._written += len(chunks)
            if error is None:
                self._written_ok = self._written
            self._write_cond.notify_all()
        if error is not None:
            self._write_failed(error)

    def _write_failed(self, error: Exception) -> None:
        """Give up writing after an error. Call it with ``protocol_mutex`` held."""
        if self.debug:
            self.logger.debug("! error while sending data", exc_info=error)
        self._write_exc = error
        self._socket_done = True
        # The reading thread closes the connection.
        self._abort()

    def _write(self, chunks: list[bytes | memoryview]) -> None:
        """Write chunks to the socket; an empty chunk half-closes it."""
        pending: list[bytes | memoryview] = []
        for chunk in chunks:
            if chunk:
                pending.append(chunk)
                continue
            if pending:
                self._sendall(pending)
                pending = []
            self._half_close()
        if pending:
            self._sendall(pending)

    def _sendall(self, chunks: list[bytes | memoryview]) -> None:
        """Write non-empty chunks to the socket, blocking until they're written.

        Large payloads come as chunks of their own (see
        :meth:`~websockets.protocol.Protocol.data_to_send`): they're never
        copied to be joined with others.

        """
        if len(chunks) == 1:
            self.socket.sendall(chunks[0])
        elif self._plain_socket:
            # Gather the chunks in as few system calls as possible.
            while chunks:
                sent = self.socket.sendmsg(chunks[:_MAX_BUFFERS])
                chunks = _consume(chunks, sent)
        else:
            # TLS has no sendmsg(): join runs of small chunks, e.g. a frame
            # header with its payload, and write large chunks on their own.
            for chunk in join_small_chunks(chunks):
                self.socket.sendall(chunk)

    def _half_close(self) -> None:
        """Half-close the TCP connection: the peer reads EOF."""
        # TLS can't half-close a connection, but shutting down the TCP
        # connection sends the same signal.
        if self.debug:
            self.logger.debug("x half-closing TCP connection")
        _shutdown(self.socket, socket.SHUT_WR)

    def _write_available(self) -> None:
        """Write the queued chunks that the socket accepts without blocking.

        The rest stays queued; the first chunk may be written in part. This
        works on plain sockets, with ``MSG_DONTWAIT``, which makes one call
        non-blocking without changing the socket's mode for other threads,
        where the system has it. It writes nothing with TLS.

        Call it with ``protocol_mutex`` held, when no thread is writing.

        """
        if not self._plain_socket:
            return
        outgoing = self._outgoing
        try:
            if len(outgoing) == 1 and outgoing[0]:
                # The usual case, one frame: skip the loop below.
                sent = self.socket.sendmsg(outgoing, (), _DONTWAIT)
                if sent == len(outgoing[0]):
                    outgoing.clear()
                    self._written += 1
                elif sent:
                    self._written_in_part(sent)
                self._written_ok = self._written
                return
            while outgoing:
                if not outgoing[0]:
                    self._half_close()
                    del outgoing[0]
                    self._written += 1
                    continue
                if len(outgoing) == 1:
                    # The usual case: one frame, which isn't empty.
                    buffers = outgoing[:]
                else:
                    buffers = list(itertools.takewhile(bool, outgoing[:_MAX_BUFFERS]))
                sent = self.socket.sendmsg(buffers, (), _DONTWAIT)
                count = 0
                for buffer in buffers:
                    if sent < len(buffer):
                        break
                    sent -= len(buffer)
                    count += 1
                del outgoing[:count]
                self._written += count
                if count < len(buffers):
                    if sent:
                        self._written_in_part(sent)
                    break
        except BlockingIOError:
            pass
        except OSError as exc:
            self._write_failed(exc)
            return
        self._written_ok = self._written

    def _written_in_part(self, sent: int) -> None:
        """Keep the rest of the first queued chunk, of which ``sent`` bytes were written."""
        outgoing = self._outgoing
        # A chunk written in part can't be replaced any more.
        if self._last_pong == self._queued - len(outgoing) + 1:
            self._last_pong = 0
        outgoing[0] = memoryview(outgoing[0])[sent:]

    def _start_writer(self) -> None:
        """Start a thread to write the queue, which may block.

        Call it with ``protocol_mutex`` held, when no thread is writing.

        """
        # Claim writing now, so that the queue goes out in order.
        self._writing = True
        writer = threading.Thread(
            target=self._write_in_background,
            name=f"websockets writer {self.id}",
            daemon=True,
        )
        try:
            writer.start()
        except RuntimeError as exc:  # pragma: no cover
            # The process ran out of threads: this connection can't go on.
            self.logger.error("failed to start a thread for writing", exc_info=True)
            self._writing = False
            self._write_failed(exc)

    def _write_in_background(self) -> None:
        """Write the queue until it's empty, or until a thread waits to write."""
        with self.protocol_mutex:
            self._writing = False
            # Threads waiting to write their own data take over: they wait
            # until it's written, which is the backpressure of send().
            while self._outgoing and not self._socket_done and not self._write_waiters:
                self._flush()
            self._write_cond.notify_all()

    def _abort(self) -> None:
        """Abort the TCP connection; it wakes up every thread blocked on the socket.

        It's safe to call from any thread, at any time.

        """
        if self._closed.is_set():
            return
        self._aborted = True
        # OSError: the socket is closed or disconnected already.
        with contextlib.suppress(OSError):
            _shutdown(self.socket, socket.SHUT_RDWR)
        # Wake up the reading thread if reading is paused: it must read EOF
        # and close the connection.
        self._reading_changed()

    def _close_timed_out(self) -> None:
        """Abort the TCP connection: the peer didn't close it in time."""
        if self._closed.is_set():
            return
        if self.debug:
            self.logger.debug("x aborting TCP connection after %.1f seconds", self.close_timeout)
        self._abort()

    # Receiving

    def _start_reading(self) -> None:
        """Start reading from the socket, and keepalive."""
        if self.ping_interval is not None:
            self._keepalive = Keepalive(self.ping_interval, self.ping_timeout, time.monotonic())
        if (
            self._use_hub
            and _MSG_DONTWAIT is not None
            and type(self.socket) is socket.socket
            and not self.protocol.extensions
        ):
            # The hub reads with MSG_DONTWAIT, on plain sockets only; see _hub.py.
            hub = get_hub()
            self._hub = hub
            self.recv_events_thread = hub.thread
            self.recv_messages.gate = hub.gate
            hub.update(self)
            return
        self.recv_events_thread = threading.Thread(
            target=self.recv_events,
            name=f"websockets reader {self.id}",
            daemon=True,
        )
        self.recv_events_thread.start()

    def _reading_changed(self) -> None:
        """Tell the reading thread that whether it must read may have changed."""
        if self._hub is not None:
            self._hub.update(self)
        else:
            with self._reading:
                self._reading.notify()

    def _hub_update(self) -> None:
        """Register the socket with the hub when it must be read, unregister it otherwise.

        This runs in the hub's thread.

        """
        hub = self._hub
        assert hub is not None
        with self._reading:
            read = not self._read_paused or self._closing or self._aborted
        if self._finishing:
            read = False
        if read and not self._registered:
            hub.register(self, self._fileno)
            self._registered = True
            if self._keepalive is not None:
                # Keepalive starts now, or resumes after a pause.
                self._keepalive.reading_resumed(time.monotonic())
                self._hub_keepalive()
        elif not read and self._registered:
            hub.unregister(self._fileno)
            self._registered = False

    def _hub_read(self) -> None:
        """Read what the socket has; close the connection at EOF.

        This runs in the hub's thread, when the socket is readable.

        """
        try:
            if self._receive(_DONTWAIT):
                return
        except BlockingIOError:
            return
        except Exception:
            self.logger.error("unexpected internal error", exc_info=True)
        self._hub_finish()

    def _hub_finish(self) -> None:
        """Unregister the socket, then close the connection, in the hub's thread."""
        hub = self._hub
        assert hub is not None
        if self._registered:
            hub.unregister(self._fileno)
            self._registered = False
        self._keepalive_seq = -1
        self._finish()

    def _hub_keepalive(self) -> None:
        """Run keepalive and schedule its next run, in the hub's thread."""
        hub = self._hub
        assert hub is not None
        if not self._registered:
            # Reading is paused: keepalive waits; _hub_update() resumes it.
            self._keepalive_seq = -1
            return
        try:
            timeout = self._run_keepalive()
        except Exception:  # pragma: no cover
            self.logger.error("unexpected internal error", exc_info=True)
            self._hub_finish()
            return
        if timeout is None:
            self._keepalive_seq = -1
        else:
            hub.schedule(self, time.monotonic() + timeout)

    def recv_events(self) -> None:
        """Read from the socket until the connection is closed, then close it.

        This runs in the reading thread.

        """
        try:
            paused = False
            while True:
                # Reading the flag without the lock is a shortcut for the
                # usual case; pausing just after it costs one more read.
                if self._read_paused:
                    with self._reading:
                        if self._read_paused and not self._closing and not self._aborted:
                            # Pongs can't be read while reading is paused:
                            # keepalive waits too, lest the application's
                            # slowness fail a healthy connection.
                            self._reading.wait()
                            paused = True
                            continue
                if paused:
                    paused = False
                    if self._keepalive is not None:
                        self._keepalive.reading_resumed(time.monotonic())
                        self._keepalive_due = 0.0
                timeout: float | None = None
                if self._keepalive is not None:
                    # Running keepalive for every message would cost more
                    # than the rest of reading it: run it when it's due.
                    timeout = self._keepalive_due - time.monotonic()
                    if timeout <= 0:
                        timeout = self._run_keepalive()
                        if timeout is not None:
                            self._keepalive_due = time.monotonic() + timeout
                if not self._read_once(timeout):
                    break
        except Exception:
            self.logger.error("unexpected internal error", exc_info=True)
        finally:
            self._finish()

    def _read_once(self, timeout: float | None) -> bool:
        """Wait up to ``timeout`` seconds for data and process it.

        Returns:
            :obj:`False` once the connection reached EOF, :obj:`True`
            otherwise.

        """
        if not self._wait_readable(timeout):
            return True
        return self._receive(0)

    def _receive(self, flags: int) -> bool:
        """Read from the socket once and feed what came to the protocol.

        While the protocol receives a large payload, bytes go straight into it
        (:meth:`~websockets.protocol.Protocol.get_buffer`), which saves
        copying them.

        Args:
            flags: ``MSG_DONTWAIT`` in the hub's thread, then
                :exc:`BlockingIOError` means that there was nothing to read;
                ``0`` in a reading thread of the connection's own, once the
                socket is readable.

        Returns:
            :obj:`False` at EOF, :obj:`True` otherwise.

        """
        view = self._recv_view
        target: memoryview | None = None
        if view is not None:
            # fail(), in an application thread, drops the payload and may
            # release the view; a slice keeps the memory valid meanwhile.
            with contextlib.suppress(ValueError):
                target = view[:]
        nbytes = 0
        data = b""
        try:
            if target is None:
                data = self.socket.recv(self.recv_bufsize, flags)
            else:
                with target:
                    nbytes = self.socket.recv_into(target, 0, flags)
        except BlockingIOError:
            raise
        except Exception as exc:
            if not self._aborted:
                if self.debug:
                    self.logger.debug("! error while receiving data", exc_info=True)
                self._lost_exc = exc
        with self.protocol_mutex:
            if nbytes:
                # Unless fail() dropped the payload meanwhile: then the
                # protocol discards what it receives anyway.
                if self.protocol.reader.payload_view is view:
                    self.protocol.buffer_updated(nbytes)
            elif data:
                self.protocol.receive_data(data)
            else:
                if self.debug:
                    self.logger.debug("< EOF")
                self.protocol.receive_eof()
            # The view must be taken now, with the mutex held, lest fail()
            # drop the payload in between.
            self._recv_view = self.protocol.get_buffer()
            events = self.protocol.events_received()
            # When this data starts the closing handshake, _send_data() caps
            # the queue: queue the frames that came before the close frame
            # first, lest they be dropped.
            closing = not self._closing and self.protocol.close_expected()
            if not closing:
                self._send_data(wait=False)
        for event in events:
            self.process_event(event)
        if closing:
            with self.protocol_mutex:
                self._send_data(wait=False)
        return bool(nbytes or data)

    def _wait_readable(self, timeout: float | None) -> bool:
        """Wait up to ``timeout`` seconds until reading won't block."""
        pending = self._pending
        if pending is not None and pending():
            return True
        if self._poller is not None:
            milliseconds = None if timeout is None else max(0, math.ceil(timeout * 1000))
            return bool(self._poller.poll(milliseconds))
        readable, _, _ = select.select([self.socket], [], [], timeout)  # pragma: no cover
        return bool(readable)  # pragma: no cover

    def _run_keepalive(self) -> float | None:
        """Send a keepalive ping or fail the connection if it's time.

        Returns:
            How long to wait until the next keepalive event, in seconds;
            :obj:`None` when there's none.

        """
        keepalive = self._keepalive
        if keepalive is None:
            return None
        if self.protocol.state is not OPEN:
            # Once the closing handshake started, close_timeout takes over.
            self._keepalive = None
            return None
        now = time.monotonic()
        action = keepalive.poll(now)
        if action is KeepaliveAction.SEND_PING:
            with self.protocol_mutex:
                if self.protocol.state is OPEN:
                    if self.debug:
                        self.logger.debug("% sending keepalive ping")
                    _, self._keepalive_ping = self._send_ping(None, False)
                    keepalive.ping_sent(now)
                    self._send_data(wait=False)
        elif action is KeepaliveAction.FAIL:
            if self.debug:
                self.logger.debug("- timed out waiting for keepalive pong")
            with self.protocol_mutex:
                if self.protocol.state is OPEN:
                    self.protocol.fail(CloseCode.INTERNAL_ERROR, "keepalive ping timeout")
                    self._send_data(wait=False)
            self._keepalive = None
            return None
        deadline = keepalive.deadline
        if deadline is None:  # pragma: no cover
            return None
        return max(0.0, deadline - time.monotonic())

    def process_event(self, event: Event) -> None:
        """Process one incoming event.

        This method is overridden in subclasses to handle the handshake.

        Args:
            event: Frame received from the peer.

        """
        assert isinstance(event, Frame)
        if event.opcode in DATA_OPCODES:
            self.recv_messages.put(event)
        elif event.opcode is OP_PONG:
            with self.protocol_mutex:
                self._acknowledge_pings(bytes(event.data))

    def _acknowledge_pings(self, data: bytes) -> None:
        """Acknowledge the ping matching a pong, and every ping before it.

        Call it with ``protocol_mutex`` held.

        """
        if data not in self._pong_waiters:
            return  # unsolicited pong
        pong_timestamp = time.monotonic()
        # Pings are acknowledged in the order they were sent: a pong for a
        # ping acknowledges the pings sent before it too.
        sent = list(self._pong_waiters)
        for ping_data in sent[: sent.index(data) + 1]:
            pong_waiter, ping_timestamp, _ack_on_close = self._pong_waiters.pop(ping_data)
            latency = pong_timestamp - ping_timestamp
            pong_waiter.set()
            if ping_data == self._keepalive_ping and self._keepalive is not None:
                if self.debug:
                    self.logger.debug("% received keepalive pong")
                self._keepalive.pong_received(pong_timestamp)
                self._keepalive_ping = None
                # The next ping may be due before the pong's deadline.
                self._keepalive_due = 0.0
                if self._hub is not None and self._registered:
                    # The next ping may be due before the pong's deadline,
                    # for which keepalive is scheduled.
                    self._hub_keepalive_later()
        self.latency = latency

    def _hub_keepalive_later(self) -> None:
        """Schedule keepalive at its deadline, in the hub's thread."""
        keepalive, hub = self._keepalive, self._hub
        if keepalive is None or hub is None:  # pragma: no cover
            return
        deadline = keepalive.deadline
        if deadline is not None:
            hub.schedule(self, deadline)

    def _pause_reading(self) -> None:
        """Stop reading from the network: the queue of frames is full."""
        with self._reading:
            self._read_paused = True
        if self._hub is not None:
            self._hub.update(self)

    def _resume_reading(self) -> None:
        """Read from the network again: the queue of frames drained."""
        with self._reading:
            self._read_paused = False
            self._reading.notify()
        if self._hub is not None:
            self._hub.update(self)

    # Closing

    def _finish(self) -> None:
        """Close the connection once the socket reached EOF or failed.

        It runs once, in the thread that read from the socket last.

        """
        with self.protocol_mutex:
            if self._finishing:
                return
            self._finishing = True
            # Feeding EOF moves the protocol to CLOSED. Nothing can be
            # written any more; drop what the protocol wants to send.
            self.protocol.receive_eof()
            events = self.protocol.events_received()
            self.protocol.data_to_send()
            self._socket_done = True
            if self._writing:
                # Wake up the thread blocked on writing, then wait until it
                # isn't using the socket, before closing it. This isn't an
                # abort: EOF arrived, and the writer may just be done.
                with contextlib.suppress(OSError):
                    _shutdown(self.socket, socket.SHUT_RDWR)
                while self._writing:
                    self._write_cond.wait()
            self._outgoing.clear()
            self._written = self._queued
            self._write_cond.notify_all()
        for event in events:
            self.process_event(event)

        with contextlib.suppress(OSError):
            self.socket.close()
        self._keepalive = None
        self.recv_messages.close()

        with self.protocol_mutex:
            # Set the events of pings that asked for it; the others never
            # will be: no pong can arrive any more.
            for pong_waiter, _ping_timestamp, ack_on_close in self._pong_waiters.values():
                if ack_on_close:
                    pong_waiter.set()
            self._pong_waiters.clear()

        # A server logs every connection it closes, as upstream, even one
        # aborted during the opening handshake, which the protocol doesn't
        # see close; a client stays silent at INFO, as upstream.
        if self.protocol.side is SERVER:
            self.logger.info("connection closed")
        self._closed.set()

    def _wait_closed(self) -> None:
        """Wait until the connection is closed.

        The reading thread closes it when the peer closes the TCP connection;
        the watchdog aborts it ``close_timeout`` seconds after the closing
        handshake started, if the peer doesn't.

        """
        if self.recv_events_thread is threading.current_thread():  # pragma: no cover
            raise RuntimeError("cannot wait for the connection to close in its reading thread")
        self._closed.wait()

    def _raise_close_exc(self) -> NoReturn:
        """Wait until the connection is closed, then raise why it closed."""
        self._wait_closed()
        exc = self.protocol.close_exc
        # The network error that broke the connection explains it better
        # than the unexpected EOF that the protocol saw as a consequence.
        cause = next(
            (c for c in (self._connection_exc, self._lost_exc, self._write_exc) if c is not None),
            None,
        )
        if cause is not None:
            exc.__cause__ = cause
        raise exc


class _Watchdog:
    """Abort connections whose closing handshake outlasts ``close_timeout``.

    One thread serves every connection of the process. It sleeps until the
    earliest deadline; connections that are closed by then are skipped.

    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._deadlines: list[tuple[float, int, Connection]] = []
        self._counter = 0
        self._thread: threading.Thread | None = None

    def watch(self, deadline: float, connection: Connection) -> None:
        """Abort ``connection`` at ``deadline`` if it isn't closed by then.

        Args:
            deadline: Time on :func:`time.monotonic`'s clock.
            connection: Connection to watch.

        """
        with self._cond:
            # The counter breaks ties: connections can't be compared.
            self._counter += 1
            heapq.heappush(self._deadlines, (deadline, self._counter, connection))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="websockets close watchdog", daemon=True
                )
                self._thread.start()
            elif self._deadlines[0][2] is connection:
                self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while True:
                    if not self._deadlines:
                        self._cond.wait()
                        continue
                    deadline, _, connection = self._deadlines[0]
                    timeout = deadline - time.monotonic()
                    if timeout <= 0:
                        heapq.heappop(self._deadlines)
                        break
                    self._cond.wait(timeout)
            try:
                connection._close_timed_out()
            except Exception:  # pragma: no cover
                connection.logger.error("failed to abort the connection", exc_info=True)


_watchdog = _Watchdog()

_MSG_DONTWAIT: int | None = getattr(socket, "MSG_DONTWAIT", None)
"""Flag for writing to a socket without blocking, where the system has it."""

_DONTWAIT = _MSG_DONTWAIT or 0
"""The same, typed as it's used where :attr:`Connection._plain_socket` holds."""

_MAX_BUFFERS = 64
"""Most chunks written by one system call, well below ``IOV_MAX``."""


def _consume(chunks: list[bytes | memoryview], sent: int) -> list[bytes | memoryview]:
    """Return what's left of ``chunks`` once their first ``sent`` bytes are written."""
    for index, chunk in enumerate(chunks):
        if sent < len(chunk):
            rest = chunks[index:]
            if sent:
                rest[0] = memoryview(chunk)[sent:]
            return rest
        sent -= len(chunk)
    return []


def _shutdown(sock: Any, how: int) -> None:
    """Shut down a socket's TCP connection, under TLS if there's TLS.

    :meth:`ssl.SSLSocket.shutdown` stops using TLS on the socket, which would
    break a thread that's reading or writing concurrently: shut down the
    underlying TCP connection without touching TLS.

    """
    if isinstance(sock, socket.socket):
        socket.socket.shutdown(sock, how)
    else:
        sock.shutdown(how)


def _address(sock: socket.socket, method: str) -> Any:
    """Return the local or remote address of a socket, if it has one."""
    try:
        return getattr(sock, method)()
    except OSError:  # pragma: no cover
        return None


def _encode(fragment: DataLike) -> BytesLike:
    """Encode a fragment of a text message, pass a binary fragment through."""
    return fragment.encode() if isinstance(fragment, str) else fragment


def _is_pong(chunk: bytes) -> bool:
    """Tell whether a chunk from the protocol is a whole pong frame.

    A control frame is never compressed nor fragmented: a pong starts with
    FIN and opcode 0xA, and holds its header, masking key if any, and at most
    125 bytes of payload. No HTTP message starts with that byte. A data
    frame's large payload may, but it's a chunk of its own (of 64 KiB or
    more) whose length doesn't match.

    """
    if len(chunk) < 2 or len(chunk) > 131 or chunk[0] != 0x8A:
        return False
    head2 = chunk[1]
    return len(chunk) == 2 + (4 if head2 & 0x80 else 0) + (head2 & 0x7F)


# broadcast() is documented and defined in the server module, which imports
# this one, and it's importable from here too: it works on any connection.
# Importing it on first access instead of at the top breaks the cycle.
if TYPE_CHECKING:
    from .server import broadcast as broadcast


def __getattr__(name: str) -> Any:
    if name == "broadcast":
        from .server import broadcast

        return broadcast
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
