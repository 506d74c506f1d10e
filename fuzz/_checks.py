"""Invariants of a Sans-I/O protocol, checked after every call by the targets
that drive :class:`~websockets.protocol.Protocol`.

Import this module inside :func:`fuzz._harness.instrumented`, like the code
under test, since it imports websockets.

"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import websockets.protocol
import websockets.streams
import websockets.utils
from websockets.datastructures import Headers, MultipleValuesError
from websockets.exceptions import (
    ConnectionClosed,
    InvalidHandshake,
    InvalidMessage,
    InvalidState,
    PayloadTooBig,
    ProtocolError,
    SecurityError,
)
from websockets.frames import OP_CLOSE, OP_CONT, OP_TEXT, Close, CloseCode, Frame, Opcode
from websockets.http11 import Request, Response
from websockets.protocol import CLOSED, CLOSING, CONNECTING, OPEN, SEND_EOF, Protocol

from ._harness import RecordingHandler

# Limits offered to the fuzzer: (max_message_size, max_frame_size) tuples or
# plain values, as the max_size argument accepts them.
MAX_SIZES: list[Any] = [2**20, None, 0, 125, 126, (1024, 64), (None, 200), (200, None)]

# What a parser may raise, mapped to the close code that failing the
# connection sends (None: nothing is sent, the TCP connection is gone).
PARSER_ERRORS: dict[type[Exception], int | None] = {
    ProtocolError: CloseCode.PROTOCOL_ERROR,
    UnicodeDecodeError: CloseCode.INVALID_DATA,
    PayloadTooBig: CloseCode.MESSAGE_TOO_BIG,
    EOFError: None,
}

# Documented exceptions of Request.parse and Response.parse, as upstream's:
# exact types, so that another subclass of ValueError is reported.
# UnicodeDecodeError is for a request line that isn't ASCII.
HTTP_ERRORS = (EOFError, ValueError, UnicodeDecodeError, NotImplementedError, MultipleValuesError)


def check_http_error(exc: BaseException) -> None:
    """Fail unless ``exc`` is documented by the HTTP parsers."""
    if isinstance(exc, SecurityError):
        return
    if type(exc) not in HTTP_ERRORS:
        raise AssertionError(f"HTTP parser raised {type(exc).__name__}: {exc}") from exc


def received_headers(pairs: list[tuple[str, str]]) -> Headers:
    """Headers as a peer may send them: unchecked, like the parser's output.

    ``Headers(pairs)`` would refuse what an application mustn't send; the
    header parsers under test must cope with whatever a peer sends.
    """
    headers = Headers()
    for name, value in pairs:
        headers.set_insecure(name, value)
    return headers


def split_sizes(total: int, seed: int) -> Iterator[int]:
    """Chunk sizes that add up to ``total``, from a small deterministic PRNG."""
    if seed == 0:
        yield total
        return
    state = seed * 2654435761 & 0xFFFFFFFF
    while total > 0:
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        size = min(total, 1 + (state >> 8) % max(1, seed))
        yield size
        total -= size


@contextlib.contextmanager
def implementation(speedups: bool, direct_payloads: bool, small_thresholds: bool) -> Iterator[None]:
    """Run with the C speedups or their Python twins, and choose thresholds.

    Small thresholds take the paths meant for large payloads with small
    inputs, which the fuzzer can reach.

    """
    patches: list[tuple[Any, str, Any]] = []
    if speedups:
        from websockets import speedups as c_speedups

        apply_mask: Any = c_speedups.apply_mask
        payload_buffer: Any = c_speedups.PayloadBuffer
    else:
        apply_mask = websockets.utils._apply_mask_python
        payload_buffer = websockets.utils._PayloadBufferPython
    patches += [
        (websockets.frames, "apply_mask", apply_mask),
        (websockets.protocol, "apply_mask", apply_mask),
        (websockets.streams, "PayloadBuffer", payload_buffer),
        (websockets.protocol, "_DIRECT_PAYLOADS", direct_payloads),
    ]
    if small_thresholds:
        patches += [
            (websockets.protocol, "_DIRECT_PAYLOAD_SIZE", 8),
            (websockets.protocol, "_DIRECT_PAYLOAD_MAX", 300),
            (websockets.streams, "_VIEW_THRESHOLD", 4),
        ]
    saved = [(module, name, getattr(module, name)) for module, name, _ in patches]
    try:
        for module, name, value in patches:
            setattr(module, name, value)
        yield
    finally:
        for module, name, value in saved:
            setattr(module, name, value)


def text_payload_received(protocol: Protocol) -> int:
    """Bytes of a text payload that the parser received and holds so far."""
    generator = protocol.parser
    while generator is not None:
        if getattr(generator, "gi_code", None) is Protocol._read_text_payload.__code__:
            offset: int = generator.gi_frame.f_locals["offset"]
            return offset
        generator = getattr(generator, "gi_yieldfrom", None)
    return 0


def limits(max_size: Any) -> tuple[int | None, int | None]:
    if isinstance(max_size, tuple):
        return max_size[0], max_size[1]
    return max_size, max_size


class ProtocolChecker:
    """Drive a protocol the way an I/O layer does and check its invariants.

    Call its methods instead of the protocol's; each one checks everything
    after the call. :attr:`log` records what happened, for comparing runs.

    """

    def __init__(self, protocol: Protocol, handler: RecordingHandler, use_buffer: bool) -> None:
        self.protocol = protocol
        self.handler = handler
        self.use_buffer = use_buffer
        self.max_message_size = protocol.max_message_size
        self.max_frame_size = protocol.max_frame_size
        self.state = protocol.state
        self.eof_sent = False
        self.eof_received = False
        self.close_frame_received = False
        self.handshake_done = protocol.state is not CONNECTING
        self.message: list[bytes] | None = None
        self.message_opcode: Opcode | None = None
        self.message_size = 0
        self.parser_exc: Exception | None = None
        self.log: list[Any] = []
        # Hook for targets: answer the opening handshake after each receive.
        self.on_events: Callable[[list[Any]], None] | None = None

    # Driving

    def receive(self, data: bytes) -> None:
        """Feed ``data``, through get_buffer() when there is one and it's wanted."""
        if self.eof_received:
            return
        protocol = self.protocol
        while data:
            buffer = protocol.get_buffer() if self.use_buffer else None
            if buffer is None:
                self._call(protocol.receive_data, data)
                return
            assert isinstance(buffer, memoryview) and len(buffer) > 0 and not buffer.readonly
            size = min(len(buffer), len(data))
            # Like sock.recv_into(buffer): the protocol owns the view.
            buffer[:size] = data[:size]
            data = data[size:]
            self._call(protocol.buffer_updated, size)

    def receive_eof(self) -> None:
        if self.eof_received:
            # A second call has no effect.
            self._call(self.protocol.receive_eof)
            return
        self.eof_received = True
        self._call(self.protocol.receive_eof)
        # Once the handshake was answered, EOF always closes the connection.
        assert self.protocol.state is CLOSED, f"state {self.protocol.state.name} after EOF"
        assert self.protocol.close_expected() is False

    def call(self, method: Callable[..., Any], *args: Any) -> None:
        """Call a ``send_*`` method or :meth:`~Protocol.fail`; allow what they document."""
        try:
            self._call(method, *args)
        except InvalidState:
            self.log.append(("InvalidState", method.__name__))
        except ProtocolError as exc:
            self.log.append(("ProtocolError", method.__name__, str(exc)))
            self.check()

    def _call(self, method: Callable[..., Any], *args: Any) -> None:
        before = (self.protocol.state, self.protocol.close_sent)
        method(*args)
        self.check(before)

    # Checks

    def check(self, before: tuple[Any, Any] | None = None) -> None:
        protocol = self.protocol
        assert not self.handler.errors, "\n".join(self.handler.errors)

        state = protocol.state
        assert state >= self.state, f"state went from {self.state.name} to {state.name}"
        if state is CLOSED:
            assert self.eof_received, "CLOSED before EOF was received"
        self.state = state

        self.check_writes(protocol.data_to_send())
        events = protocol.events_received()
        while events:
            for event in events:
                self.check_event(event)
            if self.on_events is None:
                break
            # The target answers the opening handshake, which may open the
            # connection and parse frames received with the request.
            self.on_events(events)
            assert protocol.state >= self.state
            self.state = protocol.state
            self.check_writes(protocol.data_to_send())
            events = protocol.events_received()

        assert isinstance(protocol.close_expected(), bool)
        if protocol.state is CLOSING:
            assert protocol.close_expected()

        self.check_parser_exc(before)
        self.check_handshake_exc()

        # Memory: a payload received into its final object is allocated when
        # its header arrives, so it must be within the limits.
        payload = protocol.reader.payload
        if payload is not None:
            assert len(payload) <= websockets.protocol._DIRECT_PAYLOAD_MAX
            if self.max_frame_size is not None:
                assert len(payload) <= self.max_frame_size, f"payload of {len(payload)} bytes"

        # Memory: once the connection is open, what stays buffered after a
        # call is the part received of the frame in progress: its header, at
        # most 14 bytes, and a payload within the limits (125 bytes for a
        # control frame). Before the handshake is answered, the I/O layer
        # stops reading instead.
        # A text payload that arrives in pieces is held by the parser itself,
        # which validates it as UTF-8 piece by piece: count it too.
        limits = [
            limit for limit in (self.max_frame_size, self.max_message_size) if limit is not None
        ]
        if self.handshake_done and protocol.state in (OPEN, CLOSING) and limits:
            held = len(protocol.reader.buffer) + (0 if payload is None else len(payload))
            held += text_payload_received(protocol)
            bound = 14 + max(125, min(limits))
            assert held <= bound, f"{held} bytes buffered, expected no more than {bound}"

        # Once the connection failed or closing, incoming data is discarded.
        if self.close_frame_received or protocol.parser_exc is not None:
            assert not protocol.reader.buffer, "data buffered after closing"
            assert protocol.reader.payload is None, "payload buffered after closing"

        if protocol.state is CLOSED:
            assert isinstance(protocol.close_code, int)
            assert isinstance(protocol.close_reason, str)
            assert isinstance(protocol.close_exc, ConnectionClosed)

    def check_writes(self, writes: list[bytes]) -> None:
        assert isinstance(writes, list)
        for data in writes:
            assert type(data) is bytes, f"data_to_send returned {type(data).__name__}"
            assert not self.eof_sent, "data to send after EOF"
            if data == SEND_EOF:
                self.eof_sent = True
            self.log.append(("send", data))

    def check_event(self, event: Any) -> None:
        protocol = self.protocol
        assert not self.close_frame_received, f"event after a close frame: {event!r}"
        if isinstance(event, (Request, Response)):
            assert not self.handshake_done, "second handshake event"
            self.handshake_done = True
            self.log.append(("handshake", type(event).__name__))
            return
        assert isinstance(event, Frame), f"unexpected event {event!r}"
        assert self.handshake_done, "frame before the handshake"
        assert isinstance(event.data, (bytes, bytearray))
        assert not (event.rsv1 or event.rsv2 or event.rsv3), "reserved bit in an event"
        size = len(event.data)
        self.log.append(("frame", event.opcode, event.fin, bytes(event.data)))
        if event.opcode >= OP_CLOSE:
            assert size <= 125, f"control frame of {size} bytes"
            assert event.fin, "fragmented control frame"
            if event.opcode is OP_CLOSE:
                self.close_frame_received = True
                close = Close.parse(event.data)
                assert protocol.close_rcvd == close
                # The message in progress is abandoned.
                self.message = None
            return

        if self.max_frame_size is not None:
            assert size <= self.max_frame_size, f"frame of {size} bytes"
        if event.opcode is OP_CONT:
            assert self.message is not None, "continuation without a message"
        else:
            assert self.message is None, "new message within a message"
            self.message, self.message_opcode, self.message_size = [], event.opcode, 0
        assert self.message is not None
        self.message.append(bytes(event.data))
        self.message_size += size
        if self.max_message_size is not None:
            assert self.message_size <= self.max_message_size, (
                f"message of {self.message_size} bytes"
            )
        if event.fin:
            if self.message_opcode is OP_TEXT:
                b"".join(self.message).decode()  # must be valid UTF-8
            self.message = None

    def check_parser_exc(self, before: tuple[Any, Any] | None) -> None:
        exc = self.protocol.parser_exc
        if exc is None or exc is self.parser_exc:
            return
        assert self.parser_exc is None, "parser failed twice"
        self.parser_exc = exc
        expected = PARSER_ERRORS.get(type(exc), "bug")
        assert expected != "bug", f"parser raised {type(exc).__name__}: {exc}"
        # How far an incomplete frame got depends on the path that read it:
        # compare the messages of other errors only.
        message = "" if isinstance(exc, EOFError) else str(exc)
        self.log.append(("parser_exc", type(exc).__name__, message))
        if before is None:
            return
        state_before, close_sent_before = before
        if state_before is OPEN and close_sent_before is None:
            close_sent = self.protocol.close_sent
            if expected is None:
                assert close_sent is None, f"close frame {close_sent} after {exc!r}"
            else:
                assert close_sent is not None and close_sent.code == expected, (
                    f"close frame {close_sent} after {exc!r}, expected {expected}"
                )

    def check_handshake_exc(self) -> None:
        exc = self.protocol.handshake_exc
        if exc is None:
            return
        assert isinstance(exc, InvalidHandshake), f"handshake failed with {exc!r}"
        if isinstance(exc, InvalidMessage):
            cause = exc.__cause__
            assert cause is not None
            check_http_error(cause)


def summary(checker: ProtocolChecker) -> list[Any]:
    """What two runs of the same input must agree on."""
    protocol = checker.protocol
    # Events and writes of one call come out of separate lists: compare
    # each sequence, not how they interleave.
    return [
        [entry for entry in checker.log if entry[0] != "send"],
        b"|".join(entry[1] for entry in checker.log if entry[0] == "send"),
        protocol.state,
        protocol.close_rcvd,
        protocol.close_sent,
        protocol.close_rcvd_then_sent,
    ]
