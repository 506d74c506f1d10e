"""Sans-I/O implementation of the WebSocket protocol (:rfc:`6455`).

Theory of operation
===================

A :class:`Protocol` is a state machine that turns bytes received into events
and method calls into bytes to send. It performs no I/O: it never touches a
socket, a thread, an event loop or a clock. An I/O layer drives it:

* bytes received go in through :meth:`~Protocol.receive_data`, the end of the
  stream through :meth:`~Protocol.receive_eof`;
* the events they produced come out of :meth:`~Protocol.events_received`:
  the opening handshake's :class:`~websockets.http11.Request` (server) or
  :class:`~websockets.http11.Response` (client), then :class:`~websockets.frames.Frame`;
* calls such as :meth:`~Protocol.send_text` or :meth:`~Protocol.send_close`
  queue bytes, which come out of :meth:`~Protocol.data_to_send`. An empty
  bytestring, :data:`SEND_EOF`, asks the I/O layer to half-close the
  connection (write EOF).

After every call to ``receive_*``, ``send_*`` or :meth:`~Protocol.fail`, the
I/O layer writes :meth:`~Protocol.data_to_send`, processes
:meth:`~Protocol.events_received`, and checks :meth:`~Protocol.close_expected`
to arm a timeout for closing the TCP connection.

States
------

:attr:`~State.CONNECTING`
    The opening handshake is in progress (:mod:`websockets.client` and
    :mod:`websockets.server` handle it). A server moves to ``OPEN`` when it
    sends a 101 response; a client when it receives a valid one. When the
    handshake fails, the connection goes straight to ``CLOSED`` once the TCP
    connection closes, and :attr:`~Protocol.handshake_exc` says why.

:attr:`~State.OPEN`
    Messages flow in both directions. Data frames are parsed, checked and
    delivered as events; pings are answered with pongs automatically.

:attr:`~State.CLOSING`
    A close frame was sent (:meth:`~Protocol.send_close`, the echo of the
    peer's close frame, or :meth:`~Protocol.fail`). No data frame may be sent
    any more; control frames may, until EOF is sent (a server sends it once
    it received a close frame or failed the connection).

:attr:`~State.CLOSED`
    The TCP connection is closed: EOF was received.

Transitions::

    CONNECTING ──handshake succeeds──> OPEN ──close frame sent──> CLOSING
         │                               │                           │
         └──────handshake fails──────────┴──────────EOF──────────────┴──> CLOSED

The closing handshake
---------------------

*We close first* (:meth:`~Protocol.send_close`): the state becomes
``CLOSING``; we keep delivering the data frames the peer sends until its
close frame arrives (:rfc:`6455#section-5.5.1` lets it finish what it was
sending). When it arrives, a server half-closes the TCP connection at once; a
client waits for the server to close it (:rfc:`6455#section-7.1.1`).

*The peer closes first*: we echo its close code and reason in our close
frame, and the state becomes ``CLOSING``; then the same rule applies. A close
frame may arrive between the fragments of a message (:rfc:`6455#section-5.4`):
it starts the closing handshake normally and the incomplete message is
abandoned.

After receiving a close frame, any further data is discarded until EOF
(:rfc:`6455#section-1.4`).

Failing the connection
----------------------

When the peer breaks the protocol, :meth:`~Protocol.fail` sends a close frame
with the matching code (:rfc:`6455#section-7.1.7`): 1002 for a framing
error, 1007 for invalid UTF-8 in a text message, 1009 for a frame or a
message above ``max_size``, 1011 when a bug in websockets raised an exception.
It then discards everything the peer sends (a server also closes the TCP
connection immediately; a client waits for the server to do so).

What EOF means
--------------

In ``CONNECTING``, EOF fails the handshake. In ``OPEN``, it is an abnormal
closure: no close frame was received, :attr:`~Protocol.close_code` reports
1006 and no close frame is sent (there's no one to send it to). In
``CLOSING``, EOF before the peer's close frame is abnormal too; after it,
EOF completes the closing handshake. In every case the state becomes
``CLOSED``; receiving data after EOF is an error.

"""

from __future__ import annotations

import enum
import logging
import uuid
from codecs import utf_8_decode as _utf_8_decode
from collections.abc import Generator
from typing import Union

from ._chunks import LARGE_CHUNK
from .exceptions import (
    ConnectionClosed,
    ConnectionClosedError,
    ConnectionClosedOK,
    InvalidState,
    PayloadTooBig,
    ProtocolError,
)
from .extensions import Extension
from .frames import BINARY as BINARY
from .frames import CLOSE as CLOSE
from .frames import (
    CLOSE_CODE_EXPLANATIONS,
    OK_CLOSE_CODES,
    OP_BINARY,
    OP_CLOSE,
    OP_CONT,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    Close,
    CloseCode,
    Frame,
    Opcode,
    parse_buffered_header,
    parse_header,
    serialize_head_and_payload,
)
from .frames import CONT as CONT
from .frames import PING as PING
from .frames import PONG as PONG
from .frames import TEXT as TEXT
from .http11 import Request, Response
from .streams import StreamReader, take
from .typing import BytesLike, LoggerLike
from .typing import Origin as Origin  # re-exported, as upstream
from .typing import Subprotocol as Subprotocol  # re-exported, as upstream
from .utils import SPEEDUPS, apply_mask

# Allowed second bytes of multi-byte UTF-8 sequences whose first byte
# restricts them (RFC 3629 4); others allow 80-BF.
_SECOND_BYTE_RANGES = {
    0xE0: (0xA0, 0xBF),  # no overlong 3-byte sequences
    0xED: (0x80, 0x9F),  # no surrogates
    0xF0: (0x90, 0xBF),  # no overlong 4-byte sequences
    0xF4: (0x80, 0x8F),  # nothing above U+10FFFF
}

# From this many bytes still to receive, a frame's payload is received into
# its final bytes object rather than through the buffer (see get_buffer).
_DIRECT_PAYLOAD_SIZE = 65536
# Without the C speedups, a payload buffer is a bytearray, zero-filled: its
# memory would be committed when the header arrives, before the payload.
_DIRECT_PAYLOADS = SPEEDUPS
# Above this size, a payload is received through the buffer as it arrives,
# rather than into an object of its full size allocated up front: with
# max_size=None, a peer could announce any size.
_DIRECT_PAYLOAD_MAX = 2**26

__all__ = [
    "SEND_EOF",
    "Protocol",
    "Side",
    "State",
]

Event = Union[Request, Response, Frame]
"""Events that :meth:`~Protocol.events_received` may return."""


class Side(enum.IntEnum):
    """A WebSocket connection is either a server or a client."""

    SERVER, CLIENT = range(2)


SERVER = Side.SERVER
CLIENT = Side.CLIENT


class State(enum.IntEnum):
    """A WebSocket connection is in one of these four states."""

    CONNECTING, OPEN, CLOSING, CLOSED = range(4)


CONNECTING = State.CONNECTING
OPEN = State.OPEN
CLOSING = State.CLOSING
CLOSED = State.CLOSED


SEND_EOF = b""
"""Sentinel in :meth:`~Protocol.data_to_send`: half-close the TCP connection."""


def _parse_max_size(
    max_size: tuple[int | None, int | None] | int | None,
) -> tuple[int | None, int | None]:
    if isinstance(max_size, tuple):
        max_message_size, max_frame_size = max_size
    else:
        max_message_size = max_frame_size = max_size
    for limit in (max_message_size, max_frame_size):
        if limit is not None and limit < 0:
            raise ValueError(f"max_size must be None or >= 0, got {limit}")
    return max_message_size, max_frame_size


class Protocol:
    """Sans-I/O implementation of a WebSocket connection.

    Args:
        side: :attr:`~Side.CLIENT` or :attr:`~Side.SERVER`.
        state: Initial state of the WebSocket connection.
        max_size: Maximum size of incoming messages, in bytes; :obj:`None`
            disables the limit. A ``(max_message_size, max_frame_size)``
            tuple sets separate limits for whole messages and for each frame,
            for messages sent in many small fragments. Default: 1 MiB for
            both.
        logger: Logger for this connection; defaults to
            ``logging.getLogger("websockets.client")`` or ``"websockets.server"``
            depending on ``side``.

    Raises:
        ValueError: If ``max_size`` is negative.

    """

    def __init__(
        self,
        side: Side,
        *,
        state: State = OPEN,
        max_size: tuple[int | None, int | None] | int | None = 2**20,
        logger: LoggerLike | None = None,
    ) -> None:
        # Created on first use: most connections never need it, and a UUID
        # costs about 150 bytes and a system call for randomness.
        self._id: uuid.UUID | None = None

        if logger is None:
            logger = logging.getLogger(f"websockets.{side.name.lower()}")
        self.logger: LoggerLike = logger
        """Logger for this connection."""

        # Formatting debug messages is expensive; do it only when enabled.
        self.debug = logger.isEnabledFor(logging.DEBUG)

        self.side = side
        self.max_message_size, self.max_frame_size = _parse_max_size(max_size)

        self._state = state
        if self.debug:
            self.logger.debug("= connection is %s", self._state.name)

        # Extensions negotiated in the opening handshake, in order.
        self.extensions: list[Extension] = []

        # Close frames received and sent, and which came first, once known.
        self.close_rcvd: Close | None = None
        self.close_sent: Close | None = None
        self.close_rcvd_then_sent: bool | None = None

        # Exception that failed the opening handshake; None iff it succeeded
        # (or is still in progress).
        self.handshake_exc: Exception | None = None
        """Exception to raise if the opening handshake failed.

        :obj:`None` if the opening handshake succeeded.

        """

        # Exception that made the parser fail the connection, if any.
        self.parser_exc: Exception | None = None

        # Fragmented message being received: opcode of its first frame
        # (None between messages), bytes received so far, and the UTF-8
        # decoder checking it, for text messages.
        self.recv_opcode: Opcode | None = None
        self.recv_size = 0
        # Bytes of an incomplete character at the end of the text received
        # so far: they're validated with the bytes that follow.
        self.recv_pending = b""

        # Whether the next frame sent must continue a fragmented message.
        self.expect_continuation_frame = False

        self.eof_sent = False
        self.reader = StreamReader()
        self.events: list[Event] = []
        self.writes: list[bytes] = []
        self.parser = self.parse()
        next(self.parser)  # run up to the first yield

    # Public attributes

    @property
    def id(self) -> uuid.UUID:
        """Unique identifier of the connection. Useful in logs.

        A random :class:`~uuid.UUID`, the same for the connection's whole
        life; it may be replaced by assigning another one.

        """
        id = self._id
        if id is None:
            id = self._id = uuid.uuid4()
        return id

    @id.setter
    def id(self, id: uuid.UUID) -> None:
        self._id = id

    @property
    def state(self) -> State:
        """State of the WebSocket connection.

        Defined in 4.1_, 4.2_, 7.1.3_, and 7.1.4_ of :rfc:`6455`.

        .. _4.1: https://datatracker.ietf.org/doc/html/rfc6455#section-4.1
        .. _4.2: https://datatracker.ietf.org/doc/html/rfc6455#section-4.2
        .. _7.1.3: https://datatracker.ietf.org/doc/html/rfc6455#section-7.1.3
        .. _7.1.4: https://datatracker.ietf.org/doc/html/rfc6455#section-7.1.4

        """
        return self._state

    @state.setter
    def state(self, state: State) -> None:
        if self.debug:
            self.logger.debug("= connection is %s", state.name)
        self._state = state

    @property
    def close_code(self) -> int | None:
        """WebSocket close code received from the peer (:rfc:`6455#section-7.1.5`).

        :obj:`None` while the connection isn't closed; 1006 when it closed
        without receiving a close frame.

        """
        if self._state is not CLOSED:
            return None
        if self.close_rcvd is None:
            return CloseCode.ABNORMAL_CLOSURE
        return self.close_rcvd.code

    @property
    def close_reason(self) -> str | None:
        """WebSocket close reason received from the peer (:rfc:`6455#section-7.1.6`).

        :obj:`None` while the connection isn't closed; empty when it closed
        without receiving a close frame.

        """
        if self._state is not CLOSED:
            return None
        if self.close_rcvd is None:
            return ""
        return self.close_rcvd.reason

    @property
    def close_exc(self) -> ConnectionClosed:
        """Exception to raise when using the connection after it closed.

        :exc:`~websockets.exceptions.ConnectionClosedOK` when close codes
        1000, 1001 or 1005 were both received and sent,
        :exc:`~websockets.exceptions.ConnectionClosedError` otherwise. The
        exception that failed the connection, if any, is chained as
        ``__cause__``.

        Raises:
            AssertionError: If the connection isn't closed yet (API misuse).

        """
        assert self._state is CLOSED, "connection isn't closed yet"
        exc_type: type[ConnectionClosed]
        if (
            self.close_rcvd is not None
            and self.close_sent is not None
            and self.close_rcvd.code in OK_CLOSE_CODES
            and self.close_sent.code in OK_CLOSE_CODES
        ):
            exc_type = ConnectionClosedOK
        else:
            exc_type = ConnectionClosedError
        exc = exc_type(self.close_rcvd, self.close_sent, self.close_rcvd_then_sent)
        exc.__cause__ = self.parser_exc
        return exc

    # Public methods for receiving data

    def receive_data(self, data: bytes | bytearray | memoryview) -> None:
        """Receive data from the network.

        After calling this method:

        - call :meth:`events_received` and process the resulting events;
        - call :meth:`data_to_send` and send the resulting data;
        - call :meth:`close_expected` to tell whether to arm a timeout for
          closing the TCP connection.

        Raises:
            EOFError: If :meth:`receive_eof` was called earlier (API misuse).

        """
        self.reader.feed_data(data)
        next(self.parser)

    def get_buffer(self) -> memoryview | None:
        """Return a buffer to receive the next bytes into, if there's one.

        While the protocol is receiving a large frame payload (64 KiB or
        more that aren't buffered yet, in a frame of 64 MiB at most, when the
        C speedups are available), this is a writable view of the payload's
        missing part: receive into it, e.g.
        with :meth:`socket.socket.recv_into`, then call :meth:`buffer_updated`.
        This saves copying the payload; the resulting frame's data is the very
        object that the bytes went into.

        Otherwise, return :obj:`None`: receive bytes as usual and call
        :meth:`receive_data`.

        The view is valid until the next call to a ``receive_*`` method or to
        :meth:`buffer_updated`; release any other view of it before then.

        Returns:
            memoryview | None: Writable view of one byte or more, or :obj:`None`.

        """
        return self.reader.get_buffer()

    def buffer_updated(self, nbytes: int) -> None:
        """Receive ``nbytes`` written at the start of the view from :meth:`get_buffer`.

        Then process events and send data as after :meth:`receive_data`. For
        the end of the stream, call :meth:`receive_eof` instead.

        Raises:
            EOFError: If :meth:`receive_eof` was called earlier (API misuse).

        """
        self.reader.buffer_updated(nbytes)
        next(self.parser)

    def receive_eof(self) -> None:
        """Receive the end of the data stream from the network.

        After calling this method, process events and send data as after
        :meth:`receive_data`. Calling it again has no effect.

        """
        if self.reader.eof:
            return
        self.reader.feed_eof()
        next(self.parser)

    # Public methods for sending events

    def send_continuation(self, data: BytesLike, fin: bool) -> None:
        """Send a `Continuation frame`_.

        .. _Continuation frame:
            https://datatracker.ietf.org/doc/html/rfc6455#section-5.6

        Then call :meth:`data_to_send` and send its output to the network.

        Args:
            data: Payload containing the same kind of data as the initial
                frame of the message.
            fin: FIN bit; :obj:`True` for the last frame of the message.

        Raises:
            ProtocolError: If no fragmented message is in progress.
            InvalidState: If the connection isn't :attr:`~State.OPEN`, or
                if EOF was sent already (a server sends it when it fails the
                connection).

        """
        if not self.expect_continuation_frame:
            raise ProtocolError("unexpected continuation frame: no message to continue")
        self._check_open("send a continuation frame")
        self.expect_continuation_frame = not fin
        self._send_data_frame(OP_CONT, data, fin)

    def send_text(self, data: BytesLike, fin: bool = True) -> None:
        """Send a `Text frame`_.

        .. _Text frame:
            https://datatracker.ietf.org/doc/html/rfc6455#section-5.6

        Then call :meth:`data_to_send` and send its output to the network.

        Args:
            data: Payload containing text encoded with UTF-8.
            fin: FIN bit; :obj:`False` to start a fragmented message.

        Raises:
            ProtocolError: If a fragmented message is in progress.
            InvalidState: If the connection isn't :attr:`~State.OPEN`, or
                if EOF was sent already (a server sends it when it fails the
                connection).

        """
        if self.expect_continuation_frame:
            raise ProtocolError(
                "expected a continuation frame: a fragmented message is in progress"
            )
        self._check_open("send a text frame")
        self.expect_continuation_frame = not fin
        self._send_data_frame(OP_TEXT, data, fin)

    def send_binary(self, data: BytesLike, fin: bool = True) -> None:
        """Send a `Binary frame`_.

        .. _Binary frame:
            https://datatracker.ietf.org/doc/html/rfc6455#section-5.6

        Then call :meth:`data_to_send` and send its output to the network.

        Args:
            data: Payload containing arbitrary binary data.
            fin: FIN bit; :obj:`False` to start a fragmented message.

        Raises:
            ProtocolError: If a fragmented message is in progress.
            InvalidState: If the connection isn't :attr:`~State.OPEN`, or
                if EOF was sent already (a server sends it when it fails the
                connection).

        """
        if self.expect_continuation_frame:
            raise ProtocolError(
                "expected a continuation frame: a fragmented message is in progress"
            )
        self._check_open("send a binary frame")
        self.expect_continuation_frame = not fin
        self._send_data_frame(OP_BINARY, data, fin)

    def send_close(self, code: CloseCode | int | None = None, reason: str = "") -> None:
        """Send a `Close frame`_ and start the closing handshake.

        .. _Close frame:
            https://datatracker.ietf.org/doc/html/rfc6455#section-5.5.1

        Then call :meth:`data_to_send` and send its output to the network,
        and :meth:`close_expected`.

        Args:
            code: Close code; :obj:`None` sends a close frame without one.
            reason: Close reason, at most 123 bytes once encoded in UTF-8.

        Raises:
            ProtocolError: If the code isn't allowed on the wire
                (:rfc:`6455#section-7.4`), if a reason is given without a
                code, or if the reason is too long.
            InvalidState: If the connection isn't :attr:`~State.OPEN`, or
                if EOF was sent already (a server sends it when it fails the
                connection).

        """
        self._check_open("send a close frame")
        if code is None:
            if reason != "":
                raise ProtocolError("cannot send a reason without a code")
            close = Close(CloseCode.NO_STATUS_RCVD, "")
            data = b""
        else:
            close = Close(code, reason)
            data = close.serialize()
            if len(data) > 125:
                raise ProtocolError(
                    f"close reason too long: {len(data) - 2} bytes, expected no more than 123 bytes"
                )
        # 7.1.3. The WebSocket Closing Handshake is Started
        self.send_frame(Frame(OP_CLOSE, data))
        self.close_sent = close
        self.state = CLOSING

    def send_ping(self, data: BytesLike) -> None:
        """Send a `Ping frame`_.

        .. _Ping frame:
            https://datatracker.ietf.org/doc/html/rfc6455#section-5.5.2

        Then call :meth:`data_to_send` and send its output to the network.

        Args:
            data: Payload, at most 125 bytes.

        Raises:
            ProtocolError: If the payload is longer than 125 bytes.
            InvalidState: If the connection is neither :attr:`~State.OPEN`
                nor :attr:`~State.CLOSING`, or if EOF was sent already (a
                server half-closes the TCP connection when it receives a
                close frame or fails the connection).

        """
        # Control frames may be sent after starting the closing handshake.
        self._check_open_or_closing("send a ping")
        self.send_frame(Frame(OP_PING, data))

    def send_pong(self, data: BytesLike) -> None:
        """Send a `Pong frame`_.

        .. _Pong frame:
            https://datatracker.ietf.org/doc/html/rfc6455#section-5.5.3

        Then call :meth:`data_to_send` and send its output to the network.

        Args:
            data: Payload, at most 125 bytes.

        Raises:
            ProtocolError: If the payload is longer than 125 bytes.
            InvalidState: If the connection is neither :attr:`~State.OPEN`
                nor :attr:`~State.CLOSING`, or if EOF was sent already (a
                server half-closes the TCP connection when it receives a
                close frame or fails the connection).

        """
        self._check_open_or_closing("send a pong")
        self.send_frame(Frame(OP_PONG, data))

    def fail(self, code: CloseCode | int, reason: str = "") -> None:
        """`Fail the WebSocket connection`_.

        .. _Fail the WebSocket connection:
            https://datatracker.ietf.org/doc/html/rfc6455#section-7.1.7

        Sends a close frame with ``code`` and ``reason`` when the connection
        is :attr:`~State.OPEN` (except for 1006, which means the TCP
        connection is already gone), then stops processing incoming data. A
        server also half-closes the TCP connection. Once the connection is
        :attr:`~State.CLOSED`, this does nothing.

        Then call :meth:`data_to_send` and send its output to the network,
        and :meth:`close_expected`.

        Args:
            code: Close code.
            reason: Close reason.

        Raises:
            ProtocolError: If the code isn't allowed on the wire.

        """
        # Once the TCP connection is closed, there's nothing left to fail:
        # discard() ran to the end already, and a client sent EOF then, so
        # starting it again would send EOF twice.
        if self._state is CLOSED:
            return

        # 7.1.7. Fail the WebSocket Connection: "If _The WebSocket Connection
        # is Established_ prior to the point where the endpoint is required
        # to _Fail the WebSocket Connection_, the endpoint SHOULD send a
        # Close frame with an appropriate status code."
        if self._state is OPEN and code != CloseCode.ABNORMAL_CLOSURE:
            # Keep the code; cut the reason at a character boundary so that
            # the payload fits in a control frame (123 bytes of reason).
            reason = reason.encode()[:123].decode(errors="ignore")
            close = Close(code, reason)
            data = close.serialize()
            self.send_frame(Frame(OP_CLOSE, data))
            self.close_sent = close
            # A close frame was received but not echoed yet when an I/O
            # layer fails the connection while processing it.
            if self.close_rcvd is not None:
                self.close_rcvd_then_sent = True
            self.state = CLOSING

        # A server closes the TCP connection without waiting for the client
        # to complete the closing handshake; a client waits for the server.
        # During the opening handshake, there's no WebSocket connection to
        # close: either side closes the TCP connection.
        if (self.side is SERVER or self._state is CONNECTING) and not self.eof_sent:
            self.send_eof()

        # 7.1.7: "An endpoint MUST NOT continue to attempt to process data
        # (including a responding Close frame) from the remote endpoint
        # after being instructed to _Fail the WebSocket Connection_."
        self.parser = self.discard()
        next(self.parser)  # run up to the first yield

    # Public methods for getting results

    def events_received(self) -> list[Event]:
        """Fetch events generated from data received from the network.

        Call this method immediately after any of the ``receive_*()`` methods.

        Process resulting events, likely by passing them to the application.

        Returns:
            Events read from the connection, in order; then the list is
            emptied.

        """
        events, self.events = self.events, []
        return events

    def data_to_send(self) -> list[bytes]:
        """Obtain data to send to the network.

        Call this method immediately after any of the ``receive_*()``,
        ``send_*()``, or :meth:`fail` methods.

        Write resulting data to the connection.

        Returns:
            Chunks of bytes to write, in order; then the list is emptied.
            The empty bytestring :data:`SEND_EOF` signals the end of the data
            stream: half-close the TCP connection.

        """
        writes, self.writes = self.writes, []
        return writes

    def close_expected(self) -> bool:
        """Tell whether the TCP connection is expected to close soon.

        Call this method immediately after any of the ``receive_*()``,
        :meth:`send_close`, or :meth:`fail` methods.

        If it returns :obj:`True`, arm a timeout to close the TCP connection,
        in case the peer doesn't close it first.

        """
        # In CONNECTING, a TCP close is expected iff the handshake failed,
        # which made us send EOF. Once OPEN, it's expected iff we sent a
        # close frame (CLOSING). In CLOSED, it already happened.
        if self._state is OPEN:
            return False
        if self._state is CLOSING:
            return True
        if self._state is CLOSED:
            return False
        return self.eof_sent

    # Private methods for receiving data

    def parse(self) -> Generator[None, None, None]:
        """Parse incoming data into frames.

        :meth:`receive_data` and :meth:`receive_eof` step this generator.
        :meth:`fail` and the reception of a close frame replace it with
        :meth:`discard`.

        """
        reader = self.reader
        try:
            while True:
                # reader.at_eof(), inlined: an idle connection waits here,
                # and a nested generator would stay allocated meanwhile.
                while not reader.buffer:
                    if reader.eof:
                        if self.debug:
                            self.logger.debug("< EOF")
                        # A clean closing handshake replaces this generator
                        # with discard() before EOF: reaching EOF here is
                        # abnormal.
                        raise EOFError("unexpected end of stream")
                    yield
                frame = yield from self.parse_frame()
                if self.debug:
                    self.logger.debug("< %s", frame)
                self.recv_frame(frame)

        except ProtocolError as exc:
            self._parser_failed(CloseCode.PROTOCOL_ERROR, str(exc), exc)
        except EOFError as exc:
            self._parser_failed(CloseCode.ABNORMAL_CLOSURE, str(exc), exc)
        except UnicodeDecodeError as exc:
            self._parser_failed(
                CloseCode.INVALID_DATA,
                f"invalid UTF-8: {exc.reason}",
                exc,
            )
        except PayloadTooBig as exc:
            self._parser_failed(CloseCode.MESSAGE_TOO_BIG, str(exc), exc)
        except Exception as exc:  # a bug in websockets or in an extension
            self.logger.error("parser failed", exc_info=True)
            # Don't send the exception's details: they may be sensitive.
            self._parser_failed(CloseCode.INTERNAL_ERROR, "", exc)

        # After an error, fail() replaced this generator with discard().
        yield
        raise AssertionError("parse() shouldn't step after error")  # pragma: no cover

    def _parser_failed(self, code: CloseCode, reason: str, exc: Exception) -> None:
        if code != CloseCode.ABNORMAL_CLOSURE and code != CloseCode.INTERNAL_ERROR:
            # The peer misbehaved: say so where operators look.
            self.logger.info(
                "failing connection with %d (%s): %s",
                code,
                CLOSE_CODE_EXPLANATIONS[code],
                reason,
            )
        self.parser_exc = exc
        self.fail(code, reason)

    def parse_frame(self) -> Generator[None, None, Frame]:
        """Parse one frame, enforcing RFC 6455's rules before buffering.

        Raises:
            ProtocolError: If the frame breaks the framing or fragmentation
                rules (:rfc:`6455#section-5`).
            PayloadTooBig: If the frame or its message exceeds ``max_size``.
            UnicodeDecodeError: If a text message isn't valid UTF-8.
            EOFError: If the stream ends in the middle of the frame.

        """
        reader = self.reader
        # Fast path: the whole header is buffered (see parse_buffered_header).
        header = parse_buffered_header(
            reader.buffer,
            mask=self.side is SERVER,
            max_size=self.max_frame_size,
        )
        if header is None:
            header = yield from parse_header(
                reader.read_exact,
                mask=self.side is SERVER,
                max_size=self.max_frame_size,
            )
        opcode = header.opcode
        length = header.length
        extensions = self.extensions

        # 5.2: reserved bits "MUST be 0 unless an extension is negotiated
        # that defines meanings for non-zero values". Extensions check them
        # after decoding; without any, reject the frame before its payload.
        if not extensions and (header.rsv1 or header.rsv2 or header.rsv3):
            raise ProtocolError("reserved bits must be 0")

        # 5.4. Fragmentation: a data frame continues the current message iff
        # it's a continuation frame. Check before buffering the payload.
        if opcode is OP_CONT:
            if self.recv_opcode is None:
                raise ProtocolError("unexpected continuation frame: no message to continue")
            is_data = True
            is_text = self.recv_opcode is OP_TEXT
        elif opcode is OP_TEXT or opcode is OP_BINARY:
            if self.recv_opcode is not None:
                raise ProtocolError(
                    f"expected a continuation frame, got a {opcode.name.lower()} frame: "
                    f"a fragmented message is in progress"
                )
            is_data = True
            is_text = opcode is OP_TEXT
        else:
            is_data = is_text = False

        budget = self.max_message_size
        if is_data and budget is not None:
            budget -= self.recv_size
            # Reject a frame that doesn't fit before buffering its payload,
            # with extensions too: a compressed payload that's larger than
            # what's left of the budget almost never decodes to less, and
            # buffering it would let a peer use memory without bound when
            # there's no frame limit. Extensions check what they decode.
            if length > budget:
                raise PayloadTooBig(length, budget, self.recv_size or None)

        buffer = reader.buffer
        if len(buffer) >= length:
            # Fast path: the whole payload is buffered.
            if header.mask is None:
                data = take(buffer, length)
            else:
                # Unmask straight from the buffer: one copy instead of two.
                with memoryview(buffer) as view:
                    data = apply_mask(view[:length], header.mask)
                del buffer[:length]
            if is_text and not extensions:
                self._validate_text(data, 0, header.fin)
        elif (
            _DIRECT_PAYLOADS
            and length - len(buffer) >= _DIRECT_PAYLOAD_SIZE
            and length <= _DIRECT_PAYLOAD_MAX
        ):
            data = yield from self._read_large_payload(
                length, header.mask, is_text and not extensions, header.fin
            )
        elif is_text and not extensions:
            # Validate UTF-8 as bytes arrive, so invalid text fails as soon as
            # the offending byte is received, even in the middle of a frame.
            data = yield from self._read_text_payload(length, header.mask, header.fin)
        else:
            data = yield from reader.read_exact(length)
            if header.mask is not None:
                data = apply_mask(data, header.mask)

        frame = Frame(opcode, data, header.fin, header.rsv1, header.rsv2, header.rsv3)
        if extensions:
            max_size = budget if is_data else None
            if self.max_frame_size is not None and is_data:
                max_size = (
                    self.max_frame_size if max_size is None else min(max_size, self.max_frame_size)
                )
            for extension in reversed(extensions):
                frame = extension.decode(frame, max_size=max_size)
            frame.check()
            # Extensions enforce max_size on what they decode, but they may
            # leave a frame as is, e.g. permessage-deflate for a message sent
            # uncompressed: check its size like that of any frame.
            size = len(frame.data)
            if is_data and self.max_frame_size is not None and size > self.max_frame_size:
                raise PayloadTooBig(size, self.max_frame_size)
            if is_data and budget is not None and size > budget:
                raise PayloadTooBig(size, budget, self.recv_size or None)
            if is_text:
                # Decoded by an extension: validate the whole frame at once.
                self._validate_text(frame.data, 0, frame.fin)

        if is_data:
            if frame.fin:
                self.recv_opcode = None
                self.recv_size = 0
            else:
                if opcode is not OP_CONT:
                    self.recv_opcode = opcode
                self.recv_size += len(frame.data)

        return frame

    def _read_text_payload(
        self,
        length: int,
        mask: bytes | None,
        fin: bool,
    ) -> Generator[None, None, bytes]:
        chunks: list[bytes] = []
        offset = 0
        while offset < length:
            chunk = yield from self.reader.read_some(length - offset)
            if mask is not None:
                # Rotate the key so that it lines up with this chunk.
                shift = offset % 4
                chunk = apply_mask(chunk, mask[shift:] + mask[:shift])
            self._validate_text(chunk, offset, False)
            chunks.append(chunk)
            offset += len(chunk)
        if fin:
            self._validate_text(b"", offset, True)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def _read_large_payload(
        self,
        length: int,
        mask: bytes | None,
        validate: bool,
        fin: bool,
    ) -> Generator[None, None, bytes]:
        """Receive a payload into its final :class:`bytes` object.

        The I/O layer may receive bytes straight into it: see
        :meth:`get_buffer`. Each chunk is unmasked in place, and validated as
        UTF-8 if ``validate``, as it arrives, while it's still in CPU caches.

        """
        reader = self.reader
        payload = reader.start_payload(length)
        done = 0
        while True:
            filled = reader.payload_filled
            if filled > done:
                if mask is not None:
                    payload.unmask(done, filled, mask)
                if validate:
                    with memoryview(payload) as view:
                        self._validate_text(view[done:filled], done, False)
                done = filled
            if done == length:
                break
            if reader.eof:
                raise EOFError(f"stream ends after {done} bytes, expected {length} bytes")
            yield
        if validate and fin:
            self._validate_text(b"", length, True)
        return reader.finish_payload()

    def _validate_text(self, data: BytesLike, offset: int, final: bool) -> None:
        """Check that ``data``, at ``offset`` in the current frame, continues
        valid UTF-8 text; ``final`` when it ends the message.

        Raises:
            UnicodeDecodeError: If the message so far isn't a valid prefix of
                UTF-8 text, with the position in the message in its reason.

        """
        pending = self.recv_pending
        if pending:
            data = pending + data
        try:
            # The decoded text is discarded: CPython has no faster validator.
            _, consumed = _utf_8_decode(data, "strict", final)
        except UnicodeDecodeError as exc:
            # Report the position in the message, not in this chunk.
            position = self.recv_size + offset - len(pending) + exc.start
            exc.reason = f"{exc.reason} at position {position}"
            raise
        if consumed == len(data):
            self.recv_pending = b""
            return
        # The end of data is an incomplete character: keep it for later.
        partial = self.recv_pending = bytes(data[consumed:])
        # CPython's decoder holds back an incomplete sequence until it's
        # complete, even when its second byte is already out of the range
        # that its first byte allows (RFC 3629 4, e.g. ED A0: a surrogate).
        # Check it so that the error is reported when that byte arrives.
        if len(partial) >= 2:
            low, high = _SECOND_BYTE_RANGES.get(partial[0], (0x80, 0xBF))
            if not low <= partial[1] <= high:
                position = self.recv_size + offset + len(data) - len(pending) - len(partial)
                raise UnicodeDecodeError(
                    "utf-8",
                    partial,
                    0,
                    1,
                    f"invalid continuation byte at position {position}",
                )

    def recv_frame(self, frame: Frame) -> None:
        """Process an incoming frame: queue it as an event and react to it."""
        opcode = frame.opcode
        if opcode is OP_PING:
            # 5.5.2. Ping: "Upon receipt of a Ping frame, an endpoint MUST
            # send a Pong frame in response, unless it already received a
            # Close frame." Receiving one replaces this parser: we haven't.
            self.send_frame(Frame(OP_PONG, frame.data))

        elif opcode is OP_CLOSE:
            # 7.1.5. The WebSocket Connection Close Code
            # 7.1.6. The WebSocket Connection Close Reason
            self.close_rcvd = Close.parse(frame.data)
            if self._state is CLOSING:
                assert self.close_sent is not None
                self.close_rcvd_then_sent = False

            # 5.4: a close frame may arrive between the fragments of a
            # message; the closing handshake proceeds normally and the
            # message remains incomplete.
            self.recv_opcode = None
            self.recv_size = 0
            self.recv_pending = b""

            # 5.5.1. Close: "If an endpoint receives a Close frame and did
            # not previously send a Close frame, the endpoint MUST send a
            # Close frame in response. (When sending a Close frame in
            # response, the endpoint typically echos the status code it
            # received.)"
            if self._state is OPEN:
                # Echo the payload as received: re-serializing would fail for
                # an empty payload, parsed as the internal code 1005.
                self.send_frame(Frame(OP_CLOSE, frame.data))
                self.close_sent = self.close_rcvd
                self.close_rcvd_then_sent = True
                self.state = CLOSING

            # 7.1.2: once a close frame was both sent and received, the
            # server closes the TCP connection; the client waits for it.
            if self.side is SERVER:
                self.send_eof()

            # 1.4. Closing Handshake: "after receiving a control frame
            # indicating the connection should be closed, a peer discards
            # any further data received."
            self.parser = self.discard()
            next(self.parser)  # run up to the first yield

        self.events.append(frame)

    def discard(self) -> Generator[None, None, None]:
        """Discard incoming data until EOF, then move to :attr:`~State.CLOSED`.

        Replaces :meth:`parse` once the connection is closing or failed.

        """
        # A server sent EOF when it started discarding (after a failed
        # handshake, failing the connection, or receiving a close frame);
        # a client sends EOF only once it receives EOF from the server.
        assert (self._state is CONNECTING or self.side is SERVER) == self.eof_sent
        # Drop a payload being received too: the loop below only empties the
        # buffer.
        self.reader.discard()
        while not (yield from self.reader.at_eof()):
            self.reader.discard()
        if self.debug:
            self.logger.debug("< EOF")
        if self._state is not CONNECTING and self.side is CLIENT:
            self.send_eof()
        self.state = CLOSED
        # Once the reader reached EOF, receive_data() raises EOFError and
        # receive_eof() returns early: this generator never steps again.
        yield
        raise AssertionError("discard() shouldn't step after EOF")  # pragma: no cover

    # Private methods for sending events

    def send_frame(self, frame: Frame) -> None:
        """Serialize a frame and queue it for sending."""
        if self.debug:
            self.logger.debug("> %s", frame)
        header, payload = frame.serialize_parts(
            mask=self.side is CLIENT, extensions=self.extensions
        )
        self._queue_frame(header, payload)

    def _send_data_frame(self, opcode: Opcode, data: BytesLike, fin: bool) -> None:
        """Serialize a data frame and queue it for sending.

        Without extensions or debug logs, there's no need for a :class:`Frame`
        object nor for its checks, which a frame built here always passes:
        this is the path of every message sent.

        """
        if self.extensions or self.debug:
            self.send_frame(Frame(opcode, data, fin))
            return
        header, payload = serialize_head_and_payload(
            (0x80 if fin else 0) | opcode, data, self.side is CLIENT
        )
        self._queue_frame(header, payload)

    def _queue_frame(self, header: bytes, payload: BytesLike) -> None:
        if len(payload) < LARGE_CHUNK or type(payload) is not bytes:
            # Join: one chunk to write. Also copy mutable data, which the
            # application may change after sending it.
            self.writes.append(b"".join((header, payload)))
        else:
            # Don't copy a large payload into the frame: send it as is.
            self.writes.append(header)
            self.writes.append(payload)

    def send_eof(self) -> None:
        """Queue the end of the data stream: half-close the TCP connection."""
        assert not self.eof_sent, "EOF was sent already"
        self.eof_sent = True
        if self.debug:
            self.logger.debug("> EOF")
        self.writes.append(SEND_EOF)

    def _check_open(self, action: str) -> None:
        if self._state is not OPEN:
            raise InvalidState(f"cannot {action}: connection is {self._state.name}")
        self._check_eof_not_sent(action)

    def _check_open_or_closing(self, action: str) -> None:
        if self._state is not OPEN and self._state is not CLOSING:
            raise InvalidState(f"cannot {action}: connection is {self._state.name}")
        self._check_eof_not_sent(action)

    def _check_eof_not_sent(self, action: str) -> None:
        # A server half-closes the TCP connection once it received a close
        # frame or failed the connection, while still CLOSING, or still OPEN
        # after fail(1006): a frame queued after EOF would be written to a
        # connection closed for writing.
        if self.eof_sent:
            raise InvalidState(f"cannot {action}: connection is half-closed (EOF was sent)")
