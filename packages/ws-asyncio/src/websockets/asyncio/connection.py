"""WebSocket connections on top of :mod:`asyncio`.

:class:`Connection` is an :class:`asyncio.Protocol` and an
:class:`asyncio.BufferedProtocol`: the event loop reads from the socket into
the buffer that :meth:`~Connection.get_buffer` returns and calls
:meth:`~Connection.buffer_updated`, and the connection writes to an
:class:`asyncio.Transport`. It holds no protocol
logic. It feeds bytes to a Sans-I/O :class:`~websockets.protocol.Protocol`,
writes the bytes that the protocol returns, and wakes the coroutines waiting
for what the protocol reported: messages, pongs, the end of the connection.

Theory of operation
===================

Reading
-------

Bytes are read into a buffer shared by every connection in the thread, then
copied into the protocol's, which costs less than reading into a fresh
:class:`bytes` object each time, as :meth:`~Connection.data_received` does.
While the protocol receives a large frame payload, they're read straight
into the payload instead (:meth:`~websockets.protocol.Protocol.get_buffer`):
large messages aren't copied at all on their way to the application.

Every path that changes the protocol's state ends with :meth:`_send_data`:
it takes :meth:`~websockets.protocol.Protocol.data_to_send` and, when
:meth:`~websockets.protocol.Protocol.close_expected` turns true, arms a timer
that aborts the TCP connection if the peer doesn't close it within
``close_timeout``.

While the connection is open, the first bytes of a turn of the event loop
are written at once; the following go to a batch that's written to the
transport in one call at the next turn of the event loop, so that frames
produced in the same turn — replies to many pipelined messages, a burst of
:meth:`~Connection.send` calls — cost one system call instead of one each.
One callback (``call_soon``) writes the batches of every connection of the
thread's event loop. The batch is written at once instead when it would take the write
buffer above ``write_limit`` (so that :meth:`~Connection.send` waits exactly
as before), when the write buffer is already above it, and whenever the
protocol leaves the ``OPEN`` state: the closing handshake, EOF and handshake
failures go out immediately, after everything produced before them.

Keepalive holds no task: a timer of the event loop runs
:class:`~websockets._keepalive.Keepalive` when it's due, and the arrival of
a pong or the end of a pause of reading reschedules it.

Incoming data frames go to an :class:`~websockets.asyncio.messages.Assembler`
that reassembles messages for :meth:`~Connection.recv`. When the application
falls behind, the assembler's queue grows beyond ``max_queue`` frames and the
connection stops reading from the transport; TCP flow control then slows the
peer down. Once the closing handshake started, reading resumes, to find the
peer's close frame, and data frames beyond ``max_queue`` are dropped.

A server stops reading while it prepares its opening handshake response if
the client sent data after its request. Reading also stops when the peer doesn't read what it makes us write: while
the write buffer is above ``write_limit``, the pongs and close frames that
received data produces add up, and past another ``write_limit`` bytes of
them, the connection stops reading until the buffer drains. A peer flooding
pings can't grow the buffer without bound. Messages sent by the application
don't count, so two peers sending large messages to each other at the same
time keep reading each other's and can't deadlock.
``_update_reading()`` combines the reasons to stop reading. In the other direction, :meth:`~Connection.send` waits when the
transport's write buffer exceeds ``write_limit`` bytes.

The connection is closed once the transport calls
:meth:`~Connection.connection_lost`: this feeds EOF to the protocol (which
then reaches :attr:`~websockets.protocol.State.CLOSED`) and wakes everything
that's waiting. Operations attempted afterwards raise
:attr:`~websockets.protocol.Protocol.close_exc`.

"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import threading
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Iterable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, NoReturn, TypeVar, cast, overload

from .._chunks import LARGE_CHUNK, join_small_chunks
from .._keepalive import Keepalive, KeepaliveAction
from .._options import queue_limits
from ..exceptions import ConcurrencyError, ConnectionClosed, ConnectionClosedOK, TooManyFragments
from ..frames import DATA_OPCODES, OP_BINARY, OP_CONT, OP_PONG, OP_TEXT, CloseCode, Frame, Opcode
from ..http11 import Request, Response
from ..protocol import CLOSED, OPEN, SERVER, Event, Protocol, State
from ..typing import BytesLike, Data, DataLike, LoggerLike, Subprotocol
from .messages import Assembler

__all__ = ["Connection"]

_ConnectionT = TypeVar("_ConnectionT", bound="Connection")

# Large enough for one read to take many small frames; small enough that
# little of a large payload goes through this buffer, and gets copied twice,
# before the protocol asks to read into the payload itself. (asyncio's
# transports read 256 KiB at once; 64 KiB makes 1 MiB messages a third
# cheaper to receive, and small messages no more expensive.)
_READ_BUFFER_SIZE = 64 * 1024


class _ReadBuffer(threading.local):
    """Buffer that connections read into, one per thread.

    Event loops call :meth:`~Connection.buffer_updated` right after reading
    into the buffer that :meth:`~Connection.get_buffer` returned, before
    reading for another connection, so connections running in the same
    thread can share one buffer.

    """

    def __init__(self) -> None:
        self.view = memoryview(bytearray(_READ_BUFFER_SIZE))


_read_buffer = _ReadBuffer()


class _PendingFlushes(threading.local):
    """Connections with coalesced writes waiting for the next turn of the
    event loop, one list per thread.

    One callback flushes them all: with many connections, one callback per
    connection and per turn would cost as much as the writes it saves.

    It also counts turns, approximately: a turn ends when data is received or
    when the callback runs. A connection writes its first data of a turn at
    once, which saves request-response traffic a turn of latency and the
    callback, and batches what follows in the same turn.

    """

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        # Connections to flush when the scheduled callback runs.
        self.connections: list[Connection] = []
        # Whether a call to flush() is scheduled on loop.
        self.scheduled = False
        self.turn = 0

    def add(self, connection: Connection) -> None:
        """Flush the batch of ``connection`` at the next turn of its loop."""
        loop = connection.loop
        if not self.scheduled or self.loop is not loop:
            # If another loop ran in this thread and stopped before flushing,
            # its connections are gone with it.
            self.loop = loop
            self.connections = []
            self.scheduled = True
            loop.call_soon(self.flush, self.connections)
        self.connections.append(connection)

    def flush(self, connections: list[Connection]) -> None:
        if self.connections is connections:
            self.loop = None
            self.connections = []
            self.scheduled = False
            self.turn += 1
        for connection in connections:
            # One connection's error mustn't leave the others' data unsent.
            try:
                connection._flush_write_batch()
            except Exception:
                connection.logger.error("failed to write", exc_info=True)


_pending_flushes = _PendingFlushes()


class Connection(asyncio.Protocol, asyncio.BufferedProtocol):
    """Base class of asyncio WebSocket connections, for clients and servers.

    Applications get instances of its subclasses,
    :class:`~websockets.asyncio.client.ClientConnection` from
    :func:`~websockets.asyncio.client.connect` and
    :class:`~websockets.asyncio.server.ServerConnection` in the handler given to
    :func:`~websockets.asyncio.server.serve`; they don't create it themselves.

    Args:
        protocol: Sans-I/O connection that this object drives.
        ping_interval: Delay between two keepalive pings, in seconds; 20 by
            default. :obj:`None` sends no keepalive pings.
        ping_timeout: How long to wait for the pong that answers a keepalive
            ping, in seconds; 20 by default. When no pong comes in time, the
            connection fails with close code 1011. :obj:`None` waits forever.
        close_timeout: How long the closing handshake and then the closing of
            the TCP connection may take, in seconds; 10 by default. Past it, the
            TCP connection is aborted. :obj:`None` waits forever.
        max_queue: How many received frames may wait for the application
            before the connection stops reading from the network; 16 by default.
            Frames decoded from data already read still join the queue.
            Reading resumes when a quarter of that is left. Give a
            ``(high, low)`` tuple to choose both marks; :obj:`None` means no
            limit. Once the closing handshake started, reading goes on
            regardless, and data frames beyond the high-water mark are
            dropped.
        write_limit: How many bytes may wait in the write buffer before
            :meth:`send` waits for it to drain, in bytes; 32 KiB by default.
            Sending resumes when a quarter of that is left. Give a
            ``(high, low)`` tuple to choose both marks.

    """

    # Slots: an idle connection is mostly its own attributes; slots cost 8
    # bytes each, where an instance dict costs more, and much more once
    # CPython stops sharing the keys of its instances' dicts. Subclasses and
    # applications may still add attributes, which go to __dict__.
    __slots__ = (
        "__dict__",
        "__weakref__",
        "_answers_while_writing_paused",
        "_close_timer",
        "_closing",
        "_connection_exc",
        "_drain_waiter",
        "_fragmented_send_waiter",
        "_handshake_waiter",
        "_keepalive",
        "_keepalive_pong",
        "_keepalive_timer",
        "_lost_exc",
        "_pong_waiters",
        "_preparing_response",
        "_reading_paused",
        "_too_many_answers",
        "_write_batch",
        "_write_batch_size",
        "_write_turn",
        "_writing_paused",
        "close_timeout",
        "connection_lost_waiter",
        "debug",
        "latency",
        "logger",
        "loop",
        "max_queue",
        "ping_interval",
        "ping_timeout",
        "protocol",
        "recv_messages",
        "request",
        "response",
        "transport",
        "write_limit",
    )

    def __init__(
        self,
        protocol: Protocol,
        *,
        ping_interval: float | None = 20,
        ping_timeout: float | None = 20,
        close_timeout: float | None = 10,
        max_queue: int | None | tuple[int | None, int | None] = 16,
        write_limit: int | tuple[int, int | None] = 2**15,
    ) -> None:
        self.protocol = protocol
        """Sans-I/O connection driven by this connection."""
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.close_timeout = close_timeout
        self.max_queue = queue_limits(max_queue)
        if not isinstance(write_limit, tuple):
            write_limit = (write_limit, None)
        self.write_limit = write_limit

        # Every log record about this connection carries it in its extra
        # attributes, including those that the Sans-I/O layer emits.
        self.protocol.logger = logging.LoggerAdapter(self.protocol.logger, {"websocket": self})

        self.logger: LoggerLike = self.protocol.logger
        """Logger for this connection."""
        self.debug = self.protocol.debug

        self.request: Request | None = None
        """Opening handshake request."""
        self.response: Response | None = None
        """Opening handshake response."""

        self.loop = asyncio.get_running_loop()

        update_reading = self._update_reading
        self.recv_messages = Assembler(*self.max_queue, pause=update_reading, resume=update_reading)

        self.latency: float = 0
        """Round-trip time of the connection, in seconds.

        It's measured between sending a ping and receiving the matching pong:
        by keepalive pings every ``ping_interval`` seconds and by
        :meth:`ping`. It's ``0`` until the first measurement.

        """

        # Set by connection_made().
        self.transport: asyncio.Transport

        # Pings waiting for a pong: payload -> (future, time sent). Python
        # dicts keep insertion order, i.e. the order in which pings were sent.
        self._pong_waiters: dict[bytes, tuple[asyncio.Future[float], float]] = {}
        # Keepalive schedule and the timer that runs it; see start_keepalive().
        self._keepalive: Keepalive | None = None
        self._keepalive_timer: asyncio.TimerHandle | None = None
        # Pong waiter of the keepalive ping in flight, if its pong is awaited.
        self._keepalive_pong: asyncio.Future[float] | None = None

        # Resolved when the opening handshake request or response arrives, or
        # when the TCP connection is lost, whichever happens first.
        self._handshake_waiter: asyncio.Future[None] = self.loop.create_future()
        # Resolved when the TCP connection is closed.
        self.connection_lost_waiter: asyncio.Future[None] = self.loop.create_future()
        # Whether the TCP connection is expected to close, and the timer that
        # aborts it if it doesn't close in time.
        self._closing = False
        self._close_timer: asyncio.TimerHandle | None = None
        # Exception with which the transport reported the loss of the TCP
        # connection, if any.
        self._lost_exc: Exception | None = None
        # Error with which the connection failed itself, if any: it's the
        # cause of every ConnectionClosed raised afterwards, as upstream.
        self._connection_exc: Exception | None = None

        # Flow control of writes: whether the transport's buffer is above its
        # high-water mark, and a future resolved when it drains, shared by
        # every coroutine waiting for that.
        self._writing_paused = False
        self._drain_waiter: asyncio.Future[None] | None = None
        # Coalescing of writes: bytes waiting to be written in one call at
        # the next turn of the event loop, or None when nothing is waiting
        # (then no flush is scheduled), and their size. See _send_data().
        self._write_batch: list[bytes] | None = None
        self._write_batch_size = 0
        # Turn in which the connection last wrote without batching.
        self._write_turn = -1

        # Flow control of reads: whether reading from the transport is
        # paused, and what received data made us write while the write
        # buffer was above its high-water mark, in bytes, and whether that
        # exceeded the high-water mark too. See _update_reading().
        self._reading_paused = False
        self._answers_while_writing_paused = 0
        self._too_many_answers = False
        # Whether a server is preparing its opening handshake response.
        self._preparing_response = False

        # Resolved when a fragmented message being sent is complete. Other
        # messages wait for it: their frames can't interleave.
        self._fragmented_send_waiter: asyncio.Future[None] | None = None

    # Public attributes

    @property
    def id(self) -> uuid.UUID:
        """Unique identifier of the connection. Useful in logs.

        It's the :attr:`~websockets.protocol.Protocol.id` of :attr:`protocol`,
        created when it's first read.

        """
        return self.protocol.id

    @id.setter
    def id(self, id: uuid.UUID) -> None:
        self.protocol.id = id

    @property
    def local_address(self) -> Any:
        """Address of this end of the TCP connection.

        A ``(host, port)`` tuple for IPv4, a longer tuple for IPv6, a path for
        Unix sockets: whatever :meth:`socket.socket.getsockname` returns.

        """
        return self.transport.get_extra_info("sockname")

    @property
    def remote_address(self) -> Any:
        """Address of the other end of the TCP connection.

        A ``(host, port)`` tuple for IPv4, a longer tuple for IPv6, a path for
        Unix sockets: whatever :meth:`socket.socket.getpeername` returns.

        """
        return self.transport.get_extra_info("peername")

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

        :obj:`None` until the connection is closed; 1006 when it closed without
        receiving a close frame. The
        :exc:`~websockets.exceptions.ConnectionClosed` exception raised by
        :meth:`recv` and :meth:`send` carries the same information.

        """
        return self.protocol.close_code

    @property
    def close_reason(self) -> str | None:
        """Close reason received from the peer (:rfc:`6455#section-7.1.6`).

        :obj:`None` until the connection is closed; an empty string when it closed
        without receiving a close frame.

        """
        return self.protocol.close_reason

    # Public methods

    async def __aenter__(self: _ConnectionT) -> _ConnectionT:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            await self.close()
        else:
            await self.close(CloseCode.INTERNAL_ERROR)

    async def __aiter__(self) -> AsyncIterator[Data]:
        """Iterate over incoming messages, calling :meth:`recv` until the end.

        The iteration stops quietly when the connection closes normally (close
        codes 1000 and 1001, or no code). Any other closure raises
        :exc:`~websockets.exceptions.ConnectionClosedError`.

        Yields:
            Messages, as :class:`str` or :class:`bytes`.

        """
        try:
            while True:
                yield await self.recv()
        except ConnectionClosedOK:
            return

    @overload
    async def recv(self, decode: Literal[True]) -> str: ...

    @overload
    async def recv(self, decode: Literal[False]) -> bytes: ...

    @overload
    async def recv(self, decode: bool | None = None) -> Data: ...

    async def recv(self, decode: bool | None = None) -> Data:
        """Wait for the next message and return it.

        A text message comes out as :class:`str`, a binary message as
        :class:`bytes`; ``decode`` can change that. A fragmented message is
        returned whole, once its last fragment arrived.

        Messages that arrived before the connection closed are still returned.
        After that, :meth:`recv` raises
        :exc:`~websockets.exceptions.ConnectionClosedOK` if the connection closed
        normally and :exc:`~websockets.exceptions.ConnectionClosedError`
        otherwise.

        It's safe to cancel :meth:`recv`, for example with
        :func:`asyncio.timeout`: no data is lost, the next call returns the
        message that was on its way.

        Args:
            decode: :obj:`False` returns text messages as UTF-8 encoded
                :class:`bytes`, without decoding them. :obj:`True` decodes binary
                messages as UTF-8 and returns :class:`str`. :obj:`None`, the
                default, keeps the type of the message.

        Returns:
            The message: :class:`str` when ``decode`` is :obj:`True`,
            :class:`bytes` when it's :obj:`False`, either one otherwise. Type
            checkers infer the same.

        Raises:
            ConnectionClosed: When the connection is closed.
            ConcurrencyError: If another coroutine is already waiting in
                :meth:`recv` or :meth:`recv_streaming`.
            UnicodeDecodeError: If ``decode`` is :obj:`True` and a binary message
                isn't valid UTF-8.

        """
        # Without waiting when a message is ready: one coroutine less.
        message = self.recv_messages.get_ready(decode)
        if message is not None:
            return message
        try:
            return await self.recv_messages.get(decode)
        except EOFError:
            pass
        except ConcurrencyError:
            raise ConcurrencyError(
                "cannot call recv while another coroutine is already running recv or recv_streaming"
            ) from None
        except TooManyFragments as exc:
            # The peer exceeded WEBSOCKETS_MAX_FRAGMENTS: fail like upstream.
            if self._connection_exc is None:
                self._connection_exc = exc
            if self.protocol.state is OPEN:
                self.protocol.fail(CloseCode.MESSAGE_TOO_BIG, "too many fragments")
                self._send_data()
        await self._raise_close_exc()

    # An async generator function returns its iterator without being awaited:
    # its overloads are plain functions.
    @overload
    def recv_streaming(self, decode: Literal[True]) -> AsyncIterator[str]: ...

    @overload
    def recv_streaming(self, decode: Literal[False]) -> AsyncIterator[bytes]: ...

    @overload
    def recv_streaming(self, decode: bool | None = None) -> AsyncIterator[Data]: ...

    async def recv_streaming(self, decode: bool | None = None) -> AsyncIterator[Data]:
        """Receive the next message fragment by fragment, as frames arrive.

        This avoids buffering large fragmented messages. An unfragmented message
        comes out in one piece. Text fragments are decoded incrementally, so a
        character split between two frames comes out whole; as a consequence, a
        fragment may come out as an empty string.

        Consume the iterator until the end. Leaving it earlier drops the rest of
        the message; close it (for example with :func:`contextlib.aclosing`) for
        the next :meth:`recv` to start immediately. Cancelling it before the first
        fragment is safe.

        Args:
            decode: Same as for :meth:`recv`.

        Yields:
            Fragments of the message, as :class:`str` or :class:`bytes`.

        Raises:
            ConnectionClosed: When the connection is closed.
            ConcurrencyError: If another coroutine is already waiting in
                :meth:`recv` or :meth:`recv_streaming`.
            UnicodeDecodeError: If ``decode`` is :obj:`True` and a binary message
                isn't valid UTF-8.

        """
        try:
            async with contextlib.aclosing(self.recv_messages.get_iter(decode)) as fragments:
                async for fragment in fragments:
                    yield fragment
            return
        except EOFError:
            pass
        except ConcurrencyError:
            raise ConcurrencyError(
                "cannot call recv_streaming while another coroutine "
                "is already running recv or recv_streaming"
            ) from None
        await self._raise_close_exc()

    async def send(
        self,
        message: DataLike | Iterable[DataLike] | AsyncIterable[DataLike],
        *,
        text: bool | None = None,
        compress: bool = True,
    ) -> None:
        """Send a message.

        A :class:`str` goes out as a text message; :class:`bytes`,
        :class:`bytearray` and :class:`memoryview` go out as binary messages.
        ``text`` overrides that choice: with ``text=True``, bytes are sent as a
        text message without checking that they're valid UTF-8, which saves
        decoding and encoding again data that's already UTF-8, such as JSON; with
        ``text=False``, a string is encoded and sent as a binary message.

        An iterable or an asynchronous iterable sends a fragmented message
        (:rfc:`6455#section-5.4`), one frame per item. Items must be all strings
        or all bytes-like objects. An empty iterable sends nothing. If the
        iterable raises an exception or yields an item of the wrong type midway,
        the connection fails with close code 1011, since the message can't be
        completed. Meanwhile, other calls to :meth:`send` wait for the fragmented
        message to be complete.

        Mappings are rejected: sending the keys of a dict is almost always a
        mistake. Pass ``mapping.keys()`` to really do it.

        When the write buffer is above ``write_limit``, :meth:`send` waits until
        it drains. Cancelling it then, or in the middle of a fragmented message,
        leaves the connection in a state where :meth:`close` is the only
        sensible next step.

        When permessage-deflate is negotiated, messages are compressed, except
        those smaller than the extension's ``compress_threshold``.
        ``compress=False`` sends this message uncompressed, for example when it's
        already compressed data such as an image; this parameter is an addition
        of this implementation, which upstream websockets doesn't have. See
        :doc:`/topics/compression`.

        Args:
            message: Message to send.
            text: :obj:`True` sends a text message, :obj:`False` a binary message;
                :obj:`None`, the default, picks according to the type of
                ``message``.
            compress: :obj:`False` sends the message uncompressed even if
                compression is negotiated; :obj:`True`, the default, lets the
                extensions decide.

        Raises:
            ConnectionClosed: When the connection is closed.
            TypeError: If ``message`` or one of its items has an unsupported type.

        """
        # A fragmented message is being sent: wait until it's complete.
        # Shield the waiter so that cancelling this call doesn't affect it.
        while self._fragmented_send_waiter is not None:
            await asyncio.shield(self._fragmented_send_waiter)

        data: BytesLike
        if isinstance(message, str):
            opcode = OP_BINARY if text is False else OP_TEXT
            data = message.encode()
        elif isinstance(message, (bytes, bytearray, memoryview)):
            opcode = OP_TEXT if text is True else OP_BINARY
            data = message
        elif isinstance(message, Mapping):
            raise TypeError("data is a dict-like object")
        elif isinstance(message, Iterable):
            await self._send_fragments(_aiter_sync(message), text, compress)
            return
        elif isinstance(message, AsyncIterable):
            await self._send_fragments(aiter(message), text, compress)
            return
        else:
            raise TypeError("data must be str, bytes, iterable, or async iterable")

        # _send_frame(), inlined: one coroutine less per message.
        if not self._queue_frame(opcode, data, True, compress):
            await self._raise_close_exc()
        if self._writing_paused:
            await self._drain()

    async def close(
        self,
        code: CloseCode | int = CloseCode.NORMAL_CLOSURE,
        reason: str = "",
    ) -> None:
        """Start the closing handshake and wait until the connection is closed.

        The closing handshake and the closing of the TCP connection may take up to
        ``close_timeout`` seconds; after that, the TCP connection is aborted.
        Closing a connection that's already closing or closed just waits for it
        to be closed.

        If a fragmented message is being sent, the connection fails with code 1011
        instead, since the message can't be completed.

        Args:
            code: Close code; 1000 by default.
            reason: Close reason, at most 123 bytes once encoded in UTF-8; empty by
                default.

        Raises:
            ProtocolError: If ``code`` may not be sent in a close frame or if
                ``reason`` is too long.

        """
        if self.protocol.state is OPEN:
            if self.protocol.expect_continuation_frame:
                # The fragmented message can't be completed: fail.
                self.protocol.fail(CloseCode.INTERNAL_ERROR, "close during fragmented message")
            else:
                self.protocol.send_close(code, reason)
            self._send_data()
        await asyncio.shield(self.connection_lost_waiter)

    async def wait_closed(self) -> None:
        """Wait until the connection is closed, without closing it.

        It returns once the closing handshake is over and the TCP connection is
        closed. Call :meth:`close` to close the connection.

        """
        await asyncio.shield(self.connection_lost_waiter)

    async def ping(self, data: DataLike | None = None) -> Awaitable[float]:
        """Send a ping (:rfc:`6455#section-5.5.2`).

        The peer answers with a pong carrying the same payload. A pong also
        acknowledges the pings sent before the one it answers.

        Args:
            data: Payload, at most 125 bytes; a :class:`str` is encoded to UTF-8.
                :obj:`None`, the default, sends four random bytes.

        Returns:
            A future that completes when the matching pong arrives. Its result is
            the latency, in seconds. Await it to wait for the pong, or ignore it.
            It raises :exc:`~websockets.exceptions.ConnectionClosed` if the
            connection closes first.

        Raises:
            ConnectionClosed: When the connection is closed.
            ConcurrencyError: If a ping with the same payload is still waiting for
                its pong.

        """
        if isinstance(data, str):
            data = data.encode()
        elif data is not None:
            data = bytes(data)

        if data in self._pong_waiters:
            raise ConcurrencyError("already waiting for a pong with the same data")
        if self.protocol.state is not OPEN:
            await self._raise_close_exc()
        return self._send_ping(data)

    def _send_ping(self, data: bytes | None) -> asyncio.Future[float]:
        """Send a ping with ``data``, or 4 random bytes; return its pong waiter."""
        while data is None or data in self._pong_waiters:
            data = os.urandom(4)
        pong_waiter: asyncio.Future[float] = self.loop.create_future()
        # The event loop's clock is monotonic: it's the right one for latency.
        self._pong_waiters[data] = (pong_waiter, self.loop.time())
        self.protocol.send_ping(data)
        self._send_data()
        return pong_waiter

    async def pong(self, data: DataLike = b"") -> None:
        """Send a pong (:rfc:`6455#section-5.5.3`).

        Pings are answered automatically. An unsolicited pong can serve as a
        one-way heartbeat.

        Args:
            data: Payload, at most 125 bytes; a :class:`str` is encoded to UTF-8.
                Empty by default.

        Raises:
            ConnectionClosed: When the connection is closed.

        """
        if isinstance(data, str):
            data = data.encode()
        if self.protocol.state is not OPEN:
            await self._raise_close_exc()
        self.protocol.send_pong(data)
        self._send_data()

    # Private methods

    async def _raise_close_exc(self) -> NoReturn:
        """Wait until the connection is closed, then raise why it closed."""
        await asyncio.shield(self.connection_lost_waiter)
        exc = self.protocol.close_exc
        # The network error that broke the connection explains it better
        # than the unexpected EOF that the protocol saw as a consequence.
        cause = self._connection_exc if self._connection_exc is not None else self._lost_exc
        if cause is not None:
            exc.__cause__ = cause
        raise exc

    async def _send_frame(
        self,
        opcode: Opcode,
        data: BytesLike,
        fin: bool = True,
        *,
        compress: bool = True,
    ) -> None:
        """Send a data frame, then wait if the write buffer is full.

        ``compress=False`` applies to the first frame of a message: the
        extensions leave that message as it is.

        """
        if not self._queue_frame(opcode, data, fin, compress):
            await self._raise_close_exc()
        if self._writing_paused:
            await self._drain()

    def _queue_frame(self, opcode: Opcode, data: BytesLike, fin: bool, compress: bool) -> bool:
        """Send a data frame without waiting; return :obj:`False` if the
        connection isn't open."""
        if self.protocol.state is not OPEN:
            return False
        if not compress:
            # Nothing else can be sent between this and the frame below.
            for extension in self.protocol.extensions:
                extension.skip_next_message()
        if opcode is OP_TEXT:
            self.protocol.send_text(data, fin)
        elif opcode is OP_BINARY:
            self.protocol.send_binary(data, fin)
        else:
            self.protocol.send_continuation(data, fin)
        self._send_data()
        return True

    async def _send_fragments(
        self,
        fragments: AsyncIterator[DataLike],
        text: bool | None,
        compress: bool,
    ) -> None:
        """Send a fragmented message, one frame per fragment."""
        # Claim the connection before the first await: send() checked that
        # no other fragmented message is in progress and another send() may
        # check as soon as this one waits for the first fragment.
        waiter: asyncio.Future[None] = self.loop.create_future()
        self._fragmented_send_waiter = waiter
        try:
            try:
                fragment = await anext(fragments)
            except StopAsyncIteration:
                return

            if isinstance(fragment, str):
                is_str = True
            elif isinstance(fragment, (bytes, bytearray, memoryview)):
                is_str = False
            else:
                raise TypeError("iterable must contain bytes or str")
            opcode = OP_TEXT if (text is None and is_str) or text is True else OP_BINARY

            await self._send_frame(opcode, _encode(fragment), fin=False, compress=compress)
            async for fragment in fragments:
                if isinstance(fragment, str) != is_str or not isinstance(
                    fragment, (str, bytes, bytearray, memoryview)
                ):
                    raise TypeError("iterable must contain uniform types")
                await self._send_frame(OP_CONT, _encode(fragment), fin=False)
            await self._send_frame(OP_CONT, b"", fin=True)
        except ConnectionClosed:
            raise
        except BaseException:
            # Once a frame is sent, the message can't be completed: fail the
            # connection, so that the peer doesn't wait for the rest forever.
            if self.protocol.state is OPEN and self.protocol.expect_continuation_frame:
                self.protocol.fail(CloseCode.INTERNAL_ERROR, "error in fragmented message")
                self._send_data()
            raise
        finally:
            # send() doesn't claim the connection before the waiter it saw
            # is released, so it's still ours; never release another's.
            if self._fragmented_send_waiter is waiter:  # pragma: no branch
                self._fragmented_send_waiter = None
            waiter.set_result(None)

    async def _drain(self) -> None:
        """Wait until the write buffer drains below its low-water mark."""
        if self._drain_waiter is None:
            self._drain_waiter = self.loop.create_future()
        # Shield the shared future: cancelling one sender mustn't cancel it.
        await asyncio.shield(self._drain_waiter)
        if self.connection_lost_waiter.done():
            await self._raise_close_exc()

    def _wake_drain_waiters(self) -> None:
        """Resume the coroutines waiting in :meth:`_drain`."""
        if self._drain_waiter is not None:
            self._drain_waiter.set_result(None)
            self._drain_waiter = None

    def _send_data(self) -> int:
        """Write the data that the protocol has to send.

        This is the single path for writing to the transport. Call it after
        every call to a ``receive_*``, ``send_*`` or ``fail`` method of the
        protocol.

        While the connection is open and the write buffer has room, the
        first data of a turn of the event loop is written now, and the rest
        joins a batch written at the next turn; otherwise the batch and the
        data are written now.

        Returns:
            How many bytes were written or added to the batch.

        """
        # Most received frames make the protocol write nothing: don't create
        # a list for nothing.
        if not self.protocol.writes:
            return 0
        chunks = self.protocol.data_to_send()
        if (
            self.protocol.state is OPEN
            and not self._writing_paused
            and b"" not in chunks
            and not self.transport.is_closing()
        ):
            size = sum(len(chunk) for chunk in chunks)
            batch = self._write_batch
            if batch is None:
                flushes = _pending_flushes
                if self._write_turn != flushes.turn:
                    # The first write of this turn: nothing to coalesce it
                    # with yet. Write it now, and batch what follows.
                    self._write_turn = flushes.turn
                    self._write_chunks(chunks)
                    return size
                batch = self._write_batch = chunks
                self._write_batch_size = size
                flushes.add(self)
            else:
                batch.extend(chunks)
                self._write_batch_size += size
            # Past the high-water mark, write now: the transport pauses
            # writing and send() waits for the buffer to drain, as it would
            # without coalescing, and the batch can't grow without bound.
            if (
                self._write_batch_size + self.transport.get_write_buffer_size()
                > self.write_limit[0]
            ):
                self._flush_write_batch()
            return size

        written = 0
        pending: list[bytes] = []
        for data in chunks:
            if data:
                pending.append(data)
                continue
            # An empty chunk means EOF: flush what comes before, then
            # half-close the TCP connection.
            written += self._write(pending)
            pending = []
            # Neither write_eof() nor close() has any effect once the
            # transport is closing.
            if self.transport.can_write_eof():
                if self.debug:
                    self.logger.debug("x half-closing TCP connection")
                self.transport.write_eof()
            else:
                # TLS can't half-close a connection. Once we've sent EOF, we
                # have nothing else to send and don't care about what we may
                # receive: close the connection.
                if self.debug:
                    self.logger.debug("x closing TCP connection")
                self.transport.close()
        written += self._write(pending)

        if not self._closing and self.protocol.close_expected():
            self._closing = True
            # The peer's close frame may be waiting behind messages that the
            # application didn't read: read it anyway. A peer that keeps
            # sending data frames instead mustn't fill memory until
            # close_timeout: frames beyond max_queue are dropped.
            self.recv_messages.cap()
            if self.close_timeout is not None:
                self._close_timer = self.loop.call_later(self.close_timeout, self._close_timed_out)

        return written

    def _flush_write_batch(self) -> None:
        """Write the batch of coalesced data, if any, in one call."""
        batch = self._write_batch
        if batch is None:
            return
        self._write_batch = None
        self._write_batch_size = 0
        # Dropped if the transport is closing, like any write.
        if not self.transport.is_closing():
            self._write_chunks(batch)

    def _write_chunks(self, chunks: list[bytes]) -> None:
        """Write chunks to the transport, joining small ones, not large ones.

        Joining small chunks saves system calls; copying large ones would
        cost more than a system call each. (Before Python 3.12, the
        transport's writelines() joins everything.)

        """
        write = self.transport.write
        if len(chunks) == 1 and len(chunks[0]) < LARGE_CHUNK:
            write(chunks[0])
            return
        for chunk in join_small_chunks(chunks):
            if len(chunk) < LARGE_CHUNK:
                write(chunk)
            else:
                # Transports slice what the socket didn't take to buffer it:
                # slicing a memoryview doesn't copy, slicing bytes does.
                write(memoryview(chunk))

    def _write(self, chunks: list[bytes]) -> int:
        """Write the batch, then chunks of data, to the transport, in one call.

        Returns:
            How many bytes of ``chunks`` were written.

        """
        size = sum(len(chunk) for chunk in chunks)
        if self._write_batch is not None:
            chunks = self._write_batch + chunks
            self._write_batch = None
            self._write_batch_size = 0
        if not chunks or self.transport.is_closing():
            return 0
        self._write_chunks(chunks)
        return size

    def _close_timed_out(self) -> None:
        """Abort the TCP connection: the peer didn't close it in time."""
        if self.debug:
            self.logger.debug("x aborting TCP connection after %.1f seconds", self.close_timeout)
        self.transport.abort()

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
            self._acknowledge_pings(bytes(event.data))

    def _acknowledge_pings(self, data: bytes) -> None:
        """Acknowledge the ping matching a pong, and every ping before it."""
        if data not in self._pong_waiters:
            return  # unsolicited pong
        pong_timestamp = self.loop.time()
        # Pings are acknowledged in the order they were sent: a pong for a
        # ping acknowledges the pings sent before it too.
        sent = list(self._pong_waiters)
        for ping_data in sent[: sent.index(data) + 1]:
            pong_waiter, ping_timestamp = self._pong_waiters.pop(ping_data)
            latency = pong_timestamp - ping_timestamp
            # The application may have cancelled the future.
            if not pong_waiter.done():
                pong_waiter.set_result(latency)
        self.latency = latency

    def _abort_pings(self) -> None:
        """Fail the pings still waiting for a pong: they never will get one."""
        if not self._pong_waiters:
            return
        exc = self.protocol.close_exc
        for pong_waiter, _ping_timestamp in self._pong_waiters.values():
            if not pong_waiter.done():
                pong_waiter.set_exception(exc)
                # Nobody may be waiting for this pong: don't let asyncio
                # complain that the exception was never retrieved.
                pong_waiter.exception()
        self._pong_waiters.clear()

    def start_keepalive(self) -> None:
        """Start sending keepalive pings, every ``ping_interval`` seconds.

        :class:`~websockets._keepalive.Keepalive` decides when to send a ping
        and when a missing pong fails the connection; a timer of the event
        loop runs it when it's due, and the arrival of a pong reschedules it.
        There's no task: an idle connection stays cheap.

        """
        if self.ping_interval is not None:
            self._keepalive = Keepalive(self.ping_interval, self.ping_timeout, self.loop.time())
            self._schedule_keepalive()

    def _schedule_keepalive(self) -> None:
        """(Re)arm the keepalive timer for the next deadline."""
        if self._keepalive_timer is not None:
            self._keepalive_timer.cancel()
            self._keepalive_timer = None
        keepalive = self._keepalive
        if keepalive is None or self.protocol.state is not OPEN:
            return
        # There's always a deadline: keepalive runs until it fails.
        deadline = keepalive.deadline
        assert deadline is not None
        self._keepalive_timer = self.loop.call_at(deadline, self._run_keepalive)

    def _run_keepalive(self) -> None:
        """Send a keepalive ping, or fail the connection, as the schedule says."""
        self._keepalive_timer = None
        keepalive = self._keepalive
        # Once the closing handshake started, close_timeout takes over.
        if keepalive is None or self.protocol.state is not OPEN:
            return
        pong_waiter = self._keepalive_pong
        if pong_waiter is not None and pong_waiter.done():
            # The pong arrived, but the callback that records it hasn't run
            # yet, e.g. after the event loop was blocked: don't fail.
            self._keepalive_pong_received(pong_waiter)
            return
        if keepalive.pong_deadline is not None and self.recv_messages.paused:
            # max_queue paused reading: the pong may be waiting unread. The
            # pause doesn't count: _update_reading() reschedules keepalive,
            # with a new deadline, when reading resumes. Meanwhile, no timer
            # is armed.
            return
        # The event loop may run the timer a bit early, within the resolution
        # of its clock: the deadline is reached.
        deadline = keepalive.deadline
        assert deadline is not None
        action = keepalive.poll(max(self.loop.time(), deadline))
        if action is KeepaliveAction.SEND_PING:
            if self.debug:
                self.logger.debug("% sending keepalive ping")
            pong_waiter = self._send_ping(None)
            keepalive.ping_sent(self.loop.time())
            # Without ping_timeout, pongs aren't awaited.
            if self.ping_timeout is not None:
                self._keepalive_pong = pong_waiter
                pong_waiter.add_done_callback(self._keepalive_pong_received)
        else:
            # The deadline is reached: poll() asks for something.
            assert action is KeepaliveAction.FAIL
            if self.debug:
                self.logger.debug("- timed out waiting for keepalive pong")
            self.protocol.fail(CloseCode.INTERNAL_ERROR, "keepalive ping timeout")
            self._send_data()
            return
        self._schedule_keepalive()

    def _keepalive_pong_received(self, pong_waiter: asyncio.Future[float]) -> None:
        """Record the pong of a keepalive ping and schedule the next ping."""
        keepalive = self._keepalive
        if keepalive is None or pong_waiter is not self._keepalive_pong:
            return  # recorded already, or keepalive stopped
        self._keepalive_pong = None
        # When the connection closes, pending pings fail: nothing to do.
        if pong_waiter.cancelled() or pong_waiter.exception() is not None:
            return
        if self.debug:
            self.logger.debug("% received keepalive pong")
        keepalive.pong_received(self.loop.time())
        self._schedule_keepalive()

    def _stop_keepalive(self) -> None:
        self._keepalive = None
        self._keepalive_pong = None
        self._schedule_keepalive()  # cancels the timer, and arms none

    def _update_reading(self) -> None:
        """Pause or resume reading from the transport, as flow control says.

        Reading stops while:

        * the queue of frames is above its high-water mark (``max_queue``);
        * data received made us write more than the write buffer's
          high-water mark while the write buffer was above it already;
        * a server is preparing its opening handshake response and the
          client sent data after its request. ``process_request`` and
          ``process_response`` may take their time, and the protocol can't
          process frames before the response is sent: they would pile up in
          its buffer. A client that waits for the response, as it should
          (:rfc:`6455#section-4.1`), sends nothing, and reading goes on, so
          that the server notices if the client goes away.

        """
        pause = (
            self.recv_messages.paused
            or self._too_many_answers
            or (self._preparing_response and bool(self.protocol.reader.buffer))
        )
        if pause is self._reading_paused or self.transport.is_closing():
            return
        self._reading_paused = pause
        if pause:
            self.transport.pause_reading()
        else:
            self.transport.resume_reading()
            keepalive = self._keepalive
            if (
                keepalive is not None
                and keepalive.pong_deadline is not None
                and self._keepalive_timer is None
            ):
                # The pong deadline passed while reading was paused, when the
                # pong couldn't be read: give it a full ping_timeout from now.
                keepalive.reading_resumed(self.loop.time())
                self._schedule_keepalive()

    def _count_answers(self, size: int) -> None:
        """Account for data written in response to data received.

        Received data makes the protocol write: pongs for pings, close frames.
        A peer that sends pings and doesn't read the pongs could otherwise
        grow the write buffer without bound.

        Args:
            size: How many bytes were written, in bytes.

        """
        if not self._writing_paused:
            return
        self._answers_while_writing_paused += size
        if self._answers_while_writing_paused > self.write_limit[0]:
            self._too_many_answers = True
            self._update_reading()

    # asyncio.Protocol methods

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Called by the event loop when the TCP (or TLS) connection opens.

        Args:
            transport: Transport of the connection.

        """
        transport = cast(asyncio.Transport, transport)
        high, low = self.write_limit
        transport.set_write_buffer_limits(high, low)
        self.transport = transport

    def get_buffer(self, sizehint: int) -> memoryview:
        """Called by the event loop to get a buffer to read into.

        Args:
            sizehint: Ignored: asyncio doesn't make it meaningful.

        Returns:
            The missing part of the large frame payload being received, if
            any; else a buffer shared by the connections of this thread.

        """
        view = self.protocol.get_buffer()
        if view is None:
            return _read_buffer.view
        return view

    def buffer_updated(self, nbytes: int) -> None:
        """Called by the event loop after reading into the buffer from :meth:`get_buffer`.

        Args:
            nbytes: How many bytes were read, at the start of the buffer.

        """
        # The protocol has a buffer to read into iff get_buffer() returned
        # it: only receiving data changes that.
        if self.protocol.reader.payload_view is not None:
            self.protocol.buffer_updated(nbytes)
        else:
            self.protocol.receive_data(_read_buffer.view[:nbytes])
        self._data_processed()

    def data_received(self, data: bytes) -> None:
        """Called with data received from the network, by an event loop that
        doesn't support :class:`asyncio.BufferedProtocol`.

        Args:
            data: Bytes received.

        """
        self.protocol.receive_data(data)
        self._data_processed()

    def _data_processed(self) -> None:
        # Receiving data ends a turn, for write coalescing.
        _pending_flushes.turn += 1
        # Queue the frames first: when a close frame arrives, _send_data()
        # caps the queue, and the frames that came before it in the same
        # read must make it into the queue. Then write pongs, the echo of a
        # close frame and other answers: neither waits for the application.
        for event in self.protocol.events_received():
            self.process_event(event)
        self._count_answers(self._send_data())
        if self._preparing_response:
            self._update_reading()

    def eof_received(self) -> None:
        """Called by the event loop when the peer half-closes the connection.

        Returning :obj:`None` lets the transport close the connection: the
        WebSocket closing handshake already took place, or it never will.

        """
        self.protocol.receive_eof()
        events = self.protocol.events_received()
        self._send_data()
        for event in events:
            self.process_event(event)

    def connection_lost(self, exc: Exception | None) -> None:
        """Called by the event loop when the TCP connection closes.

        Args:
            exc: Exception that broke the connection, or :obj:`None` when it
                closed normally (EOF or an explicit close).

        """
        # Feeding EOF moves the protocol to CLOSED (or lets it get there once
        # an in-progress opening handshake completes). Nothing can be written
        # any more; drop what the protocol wants to send.
        self.protocol.receive_eof()
        events = self.protocol.events_received()
        self.protocol.data_to_send()
        self._write_batch = None
        self._write_batch_size = 0
        for event in events:
            self.process_event(event)

        self._lost_exc = exc
        if sys.version_info < (3, 11):  # pragma: no cover
            # On Python 3.10, a TLS transport whose close() wasn't called
            # warns when it's collected, even after the connection is lost.
            if not self.transport.is_closing():
                self.transport.close()
        if self._close_timer is not None:
            self._close_timer.cancel()
            self._close_timer = None
        self._stop_keepalive()

        self.recv_messages.close()
        if self.protocol.state is CLOSED:
            self._abort_pings()
        # A server logs every connection it closes, as upstream, even one
        # aborted during the opening handshake, which the protocol doesn't
        # see close; a client stays silent at INFO, as upstream.
        if self.protocol.side is SERVER:
            self.logger.info("connection closed")
        self._wake_drain_waiters()
        if not self._handshake_waiter.done():
            self._handshake_waiter.set_result(None)
        self.connection_lost_waiter.set_result(None)

    def pause_writing(self) -> None:
        """Called by the transport when its buffer exceeds the high-water mark."""
        self._writing_paused = True
        self._answers_while_writing_paused = 0

    def resume_writing(self) -> None:
        """Called by the transport when its buffer drains to the low-water mark."""
        self._writing_paused = False
        if self._too_many_answers:
            self._too_many_answers = False
            self._update_reading()
        self._wake_drain_waiters()


async def _aiter_sync(iterable: Iterable[DataLike]) -> AsyncIterator[DataLike]:
    """Turn an iterable into an asynchronous iterator."""
    for item in iterable:
        yield item


def _encode(fragment: DataLike) -> BytesLike:
    """Encode a fragment of a text message, pass a binary fragment through."""
    return fragment.encode() if isinstance(fragment, str) else fragment


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
