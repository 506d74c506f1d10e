"""Tests for websockets.protocol: bytes in, events and bytes out."""

from __future__ import annotations

import logging
import struct
import uuid

import pytest

from websockets import protocol as protocol_module
from websockets.exceptions import (
    ConnectionClosedError,
    ConnectionClosedOK,
    InvalidState,
    PayloadTooBig,
    ProtocolError,
)
from websockets.extensions import Extension
from websockets.frames import Close, CloseCode, Frame, Opcode
from websockets.protocol import (
    CLIENT,
    CLOSED,
    CLOSING,
    CONNECTING,
    OPEN,
    SEND_EOF,
    SERVER,
    Protocol,
    Side,
    State,
)
from websockets.typing import ExtensionName
from websockets.utils import apply_mask

MASK = b"\x37\xfa\x21\x3d"


def frame_bytes(
    opcode: int,
    data: bytes,
    *,
    fin: bool = True,
    masked: bool = True,
    rsv: int = 0,
    length: int | None = None,
) -> bytes:
    """Build a frame by hand, so that invalid frames can be built too."""
    head1 = (0x80 if fin else 0) | rsv | opcode
    size = len(data) if length is None else length
    mask_bit = 0x80 if masked else 0
    if size < 126:
        header = bytes([head1, mask_bit | size])
    elif size < 65536:
        header = bytes([head1, mask_bit | 126]) + struct.pack("!H", size)
    else:
        header = bytes([head1, mask_bit | 127]) + struct.pack("!Q", size)
    if masked:
        return header + MASK + apply_mask(data, MASK)
    return header + data


def to_server(opcode: int, data: bytes = b"", **kwargs: bool) -> bytes:
    """Frame as a client sends it: masked."""
    return frame_bytes(opcode, data, masked=True, **kwargs)  # type: ignore[arg-type]


def to_client(opcode: int, data: bytes = b"", **kwargs: bool) -> bytes:
    """Frame as a server sends it: unmasked."""
    return frame_bytes(opcode, data, masked=False, **kwargs)  # type: ignore[arg-type]


def close_payload(code: int, reason: str = "") -> bytes:
    return struct.pack("!H", code) + reason.encode()


def unmask_output(data: bytes) -> bytes:
    """Decode one masked frame written by a client into its payload."""
    length = data[1] & 0x7F
    offset = 2
    if length == 126:
        (length,) = struct.unpack("!H", data[2:4])
        offset = 4
    elif length == 127:
        (length,) = struct.unpack("!Q", data[2:10])
        offset = 10
    mask = data[offset : offset + 4]
    return apply_mask(data[offset + 4 : offset + 4 + length], mask)


def server() -> Protocol:
    return Protocol(SERVER)


def client() -> Protocol:
    return Protocol(CLIENT)


def assert_failed(protocol: Protocol, code: int) -> Close:
    """Check that ``protocol`` sent a close frame with ``code``; return it."""
    writes = protocol.data_to_send()
    assert writes, "expected a close frame"
    raw = writes[0]
    assert raw[0] == 0x88, f"expected a close frame, got {raw!r}"
    payload = unmask_output(raw) if protocol.side is CLIENT else raw[2:]
    close = Close.parse(payload)
    assert close.code == code
    if protocol.side is SERVER:
        assert writes[1:] == [SEND_EOF]
    else:
        assert writes[1:] == []
    assert protocol.state is CLOSING
    return close


class TestEnums:
    def test_values(self) -> None:
        assert [s.value for s in State] == [0, 1, 2, 3]
        assert Side.SERVER == 0 and Side.CLIENT == 1
        assert CONNECTING is State.CONNECTING and CLOSED is State.CLOSED
        assert SEND_EOF == b""

    def test_negative_max_size(self) -> None:
        with pytest.raises(ValueError, match="max_size"):
            Protocol(SERVER, max_size=-1)
        with pytest.raises(ValueError, match="max_size"):
            Protocol(SERVER, max_size=(10, -1))


class TestReceiveData:
    def test_text(self) -> None:
        s = server()
        s.receive_data(to_server(Opcode.TEXT, "café".encode()))
        assert s.events_received() == [Frame(Opcode.TEXT, "café".encode())]
        assert s.data_to_send() == []

    def test_binary(self) -> None:
        c = client()
        c.receive_data(to_client(Opcode.BINARY, b"\x00\xff"))
        assert c.events_received() == [Frame(Opcode.BINARY, b"\x00\xff")]

    def test_events_emptied(self) -> None:
        s = server()
        s.receive_data(to_server(Opcode.BINARY, b"x"))
        assert len(s.events_received()) == 1
        assert s.events_received() == []

    def test_byte_by_byte(self) -> None:
        s = server()
        data = to_server(Opcode.BINARY, bytes(range(200)))
        for i in range(len(data) - 1):
            s.receive_data(data[i : i + 1])
            assert s.events_received() == []
        s.receive_data(data[-1:])
        assert s.events_received() == [Frame(Opcode.BINARY, bytes(range(200)))]

    def test_byte_by_byte_client(self) -> None:
        c = client()
        data = to_client(Opcode.BINARY, bytes(range(200)))
        for i in range(len(data)):
            c.receive_data(data[i : i + 1])
        assert c.events_received() == [Frame(Opcode.BINARY, bytes(range(200)))]

    def test_fragmented_text_byte_by_byte(self) -> None:
        s = server()
        data = to_server(Opcode.TEXT, "é".encode()[:1], fin=False)
        data += to_server(Opcode.CONT, "é".encode()[1:] + b"!")
        for i in range(len(data)):
            s.receive_data(data[i : i + 1])
        events = s.events_received()
        assert b"".join(bytes(e.data) for e in events) == "é!".encode()
        assert s.state is OPEN

    def test_several_frames_in_one_chunk(self) -> None:
        s = server()
        s.receive_data(to_server(Opcode.TEXT, b"a") + to_server(Opcode.BINARY, b"b"))
        assert s.events_received() == [Frame(Opcode.TEXT, b"a"), Frame(Opcode.BINARY, b"b")]

    def test_large_frames(self) -> None:
        for size in (125, 126, 65535, 65536, 2**20):
            c = client()
            payload = b"\x01" * size
            c.receive_data(to_client(Opcode.BINARY, payload))
            assert c.events_received() == [Frame(Opcode.BINARY, payload)]

    def test_fragmented_text(self) -> None:
        s = server()
        s.receive_data(to_server(Opcode.TEXT, b"Hel", fin=False))
        s.receive_data(to_server(Opcode.CONT, b"lo", fin=False))
        s.receive_data(to_server(Opcode.CONT, b"!"))
        assert s.events_received() == [
            Frame(Opcode.TEXT, b"Hel", fin=False),
            Frame(Opcode.CONT, b"lo", fin=False),
            Frame(Opcode.CONT, b"!"),
        ]
        # A new message may start afterwards.
        s.receive_data(to_server(Opcode.BINARY, b"next"))
        assert s.events_received() == [Frame(Opcode.BINARY, b"next")]

    def test_control_frames_between_fragments(self) -> None:
        # RFC 6455 5.4: control frames may be injected between fragments.
        s = server()
        s.receive_data(to_server(Opcode.BINARY, b"a", fin=False))
        s.receive_data(to_server(Opcode.PING, b"p"))
        s.receive_data(to_server(Opcode.PONG, b"q"))
        s.receive_data(to_server(Opcode.CONT, b"b"))
        assert s.events_received() == [
            Frame(Opcode.BINARY, b"a", fin=False),
            Frame(Opcode.PING, b"p"),
            Frame(Opcode.PONG, b"q"),
            Frame(Opcode.CONT, b"b"),
        ]
        assert s.data_to_send() == [b"\x8a\x01p"]

    def test_tens_of_thousands_of_fragments(self) -> None:
        count = 30_000
        s = Protocol(SERVER, max_size=count)
        chunks = [to_server(Opcode.TEXT, b"a", fin=False)]
        chunks += [to_server(Opcode.CONT, b"a", fin=False)] * (count - 2)
        chunks.append(to_server(Opcode.CONT, b"a"))
        s.receive_data(b"".join(chunks))
        events = s.events_received()
        assert len(events) == count
        assert b"".join(bytes(e.data) for e in events) == b"a" * count
        assert s.state is OPEN
        assert s.data_to_send() == []

    def test_tens_of_thousands_of_fragments_over_max_size(self) -> None:
        count = 30_000
        s = Protocol(SERVER, max_size=count - 1)
        chunks = [to_server(Opcode.BINARY, b"a", fin=False)]
        chunks += [to_server(Opcode.CONT, b"a", fin=False)] * (count - 2)
        chunks.append(to_server(Opcode.CONT, b"a"))
        s.receive_data(b"".join(chunks))
        assert len(s.events_received()) == count - 1
        close = assert_failed(s, CloseCode.MESSAGE_TOO_BIG)
        assert (
            close.reason
            == f"frame with 1 bytes after reading {count - 1} bytes exceeds limit of {count - 1} bytes"
        )

    def test_receive_data_after_eof(self) -> None:
        s = server()
        s.receive_eof()
        with pytest.raises(EOFError):
            s.receive_data(b"\x81")

    def test_receive_eof_twice(self) -> None:
        s = server()
        s.receive_eof()
        s.data_to_send()
        s.receive_eof()
        assert s.state is CLOSED
        assert s.data_to_send() == []


class TestFramingErrors:
    """Each violation fails the connection with 1002 (RFC 6455 7.4.1)."""

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            (to_client(Opcode.TEXT, b"x"), "incorrect masking"),
            (to_server(Opcode.TEXT, b"x", rsv=0x40), "reserved bits must be 0"),
            (to_server(Opcode.TEXT, b"x", rsv=0x20), "reserved bits must be 0"),
            (to_server(Opcode.TEXT, b"x", rsv=0x10), "reserved bits must be 0"),
            (to_server(0x3, b"x"), "invalid opcode: 0x3"),
            (to_server(0xB, b"x"), "invalid opcode: 0xb"),
            (to_server(Opcode.PING, b"x" * 126), "control frame too long"),
            (to_server(Opcode.PING, b"x", fin=False), "fragmented control frame"),
            (to_server(Opcode.CONT, b"x"), "unexpected continuation frame"),
        ],
    )
    def test_server_receives(self, data: bytes, message: str) -> None:
        s = server()
        s.receive_data(data)
        assert s.events_received() == []
        close = assert_failed(s, CloseCode.PROTOCOL_ERROR)
        assert message in close.reason
        assert isinstance(s.parser_exc, ProtocolError)

    def test_client_receives_masked_frame(self) -> None:
        c = client()
        c.receive_data(to_server(Opcode.TEXT, b"x"))
        close = assert_failed(c, CloseCode.PROTOCOL_ERROR)
        assert close.reason == "incorrect masking"

    @pytest.mark.parametrize("opcode", [Opcode.TEXT, Opcode.BINARY])
    def test_new_message_during_fragmented_message(self, opcode: Opcode) -> None:
        s = server()
        s.receive_data(to_server(Opcode.TEXT, b"a", fin=False))
        s.receive_data(to_server(opcode, b"b"))
        close = assert_failed(s, CloseCode.PROTOCOL_ERROR)
        assert "expected a continuation frame" in close.reason

    def test_rejected_before_payload(self) -> None:
        # Only the header is received: the error is detected without it.
        s = server()
        s.receive_data(to_server(Opcode.BINARY, b"x" * 1000, rsv=0x40)[:8])
        assert_failed(s, CloseCode.PROTOCOL_ERROR)

    def test_data_discarded_after_failure(self) -> None:
        s = server()
        s.receive_data(to_client(Opcode.TEXT, b"x"))
        s.data_to_send()
        s.receive_data(to_server(Opcode.TEXT, b"ignored"))
        assert s.events_received() == []
        assert s.data_to_send() == []
        s.receive_eof()
        assert s.state is CLOSED
        exc = s.close_exc
        assert isinstance(exc, ConnectionClosedError)
        assert isinstance(exc.__cause__, ProtocolError)

    def test_peer_error_is_logged(self, caplog: pytest.LogCaptureFixture) -> None:
        s = server()
        with caplog.at_level(logging.INFO, logger="websockets.server"):
            s.receive_data(to_client(Opcode.TEXT, b"x"))
        assert "failing connection with 1002 (protocol error): incorrect masking" in caplog.text


class TestMaxSize:
    def test_frame_at_limit(self) -> None:
        s = Protocol(SERVER, max_size=100)
        s.receive_data(to_server(Opcode.BINARY, b"x" * 100))
        assert s.events_received() == [Frame(Opcode.BINARY, b"x" * 100)]

    def test_frame_over_limit_rejected_from_header(self) -> None:
        s = Protocol(SERVER, max_size=100)
        # Only the header of a 64-bit-length frame: nothing is buffered.
        s.receive_data(to_server(Opcode.BINARY, b"", length=2**40)[:10])
        close = assert_failed(s, CloseCode.MESSAGE_TOO_BIG)
        assert close.reason == f"frame with {2**40} bytes exceeds limit of 100 bytes"
        assert isinstance(s.parser_exc, PayloadTooBig)

    def test_message_over_limit(self) -> None:
        s = Protocol(SERVER, max_size=100)
        s.receive_data(to_server(Opcode.TEXT, b"x" * 60, fin=False))
        s.receive_data(to_server(Opcode.CONT, b"x" * 41))
        close = assert_failed(s, CloseCode.MESSAGE_TOO_BIG)
        assert (
            close.reason == "frame with 41 bytes after reading 60 bytes exceeds limit of 100 bytes"
        )

    def test_limit_resets_between_messages(self) -> None:
        s = Protocol(SERVER, max_size=100)
        for _ in range(3):
            s.receive_data(to_server(Opcode.BINARY, b"x" * 60, fin=False))
            s.receive_data(to_server(Opcode.CONT, b"x" * 40))
        assert len(s.events_received()) == 6
        assert s.state is OPEN

    def test_no_limit(self) -> None:
        s = Protocol(SERVER, max_size=None)
        s.receive_data(to_server(Opcode.BINARY, b"x" * (2**20 + 1)))
        assert len(s.events_received()) == 1

    def test_separate_message_and_frame_limits(self) -> None:
        s = Protocol(SERVER, max_size=(1000, 10))
        for _ in range(99):
            s.receive_data(to_server(Opcode.CONT if _ else Opcode.BINARY, b"x" * 10, fin=False))
        s.receive_data(to_server(Opcode.CONT, b"x" * 10))
        assert len(s.events_received()) == 100
        s.receive_data(to_server(Opcode.BINARY, b"x" * 11))
        close = assert_failed(s, CloseCode.MESSAGE_TOO_BIG)
        assert close.reason == "frame with 11 bytes exceeds limit of 10 bytes"

    def test_control_frames_ignore_message_limit(self) -> None:
        s = Protocol(SERVER, max_size=(10, None))
        s.receive_data(to_server(Opcode.BINARY, b"x" * 10, fin=False))
        s.receive_data(to_server(Opcode.PING, b"y" * 100))
        s.receive_data(to_server(Opcode.CONT, b""))
        assert len(s.events_received()) == 3
        assert s.state is OPEN


class TestUTF8:
    """Invalid UTF-8 in a text message fails with 1007 (RFC 6455 8.1)."""

    def test_invalid_in_one_frame(self) -> None:
        s = server()
        s.receive_data(to_server(Opcode.TEXT, b"ab\xffcd"))
        assert s.events_received() == []
        close = assert_failed(s, CloseCode.INVALID_DATA)
        assert close.reason == "invalid UTF-8: invalid start byte at position 2"
        assert isinstance(s.parser_exc, UnicodeDecodeError)

    def test_binary_not_validated(self) -> None:
        s = server()
        s.receive_data(to_server(Opcode.BINARY, b"\xff"))
        assert s.events_received() == [Frame(Opcode.BINARY, b"\xff")]

    def test_control_frames_not_validated(self) -> None:
        s = server()
        s.receive_data(to_server(Opcode.PING, b"\xff"))
        assert s.events_received() == [Frame(Opcode.PING, b"\xff")]

    def test_character_split_across_frames(self) -> None:
        euro = "€".encode()  # 3 bytes
        s = server()
        s.receive_data(to_server(Opcode.TEXT, b"a" + euro[:1], fin=False))
        s.receive_data(to_server(Opcode.CONT, euro[1:2], fin=False))
        s.receive_data(to_server(Opcode.CONT, euro[2:] + b"b"))
        assert len(s.events_received()) == 3
        assert s.state is OPEN

    def test_invalid_continuation_across_frames(self) -> None:
        s = server()
        s.receive_data(to_server(Opcode.TEXT, b"abc\xe2\x82", fin=False))
        assert len(s.events_received()) == 1
        s.receive_data(to_server(Opcode.CONT, b"A"))
        close = assert_failed(s, CloseCode.INVALID_DATA)
        assert close.reason == "invalid UTF-8: invalid continuation byte at position 3"

    def test_truncated_at_end_of_message(self) -> None:
        s = server()
        s.receive_data(to_server(Opcode.TEXT, b"ok", fin=False))
        s.receive_data(to_server(Opcode.CONT, b"\xe2\x82"))
        close = assert_failed(s, CloseCode.INVALID_DATA)
        assert close.reason == "invalid UTF-8: unexpected end of data at position 2"

    def test_valid_split_across_chunks(self) -> None:
        text = "Ω≈ç√∫˜µ≤≥÷ 😀 ünïcödé" * 10
        data = to_server(Opcode.TEXT, text.encode())
        s = server()
        for i in range(len(data)):
            s.receive_data(data[i : i + 1])
        assert s.events_received() == [Frame(Opcode.TEXT, text.encode())]
        assert s.data_to_send() == []

    def test_fails_as_soon_as_invalid_byte_arrives(self) -> None:
        # A 1000-byte text frame whose 11th byte is invalid: the connection
        # fails when that byte arrives, not when the frame is complete.
        payload = b"a" * 10 + b"\xc0" + b"a" * 989
        data = to_server(Opcode.TEXT, payload)
        header_size = 2 + 2 + 4
        s = server()
        s.receive_data(data[: header_size + 10])
        assert s.data_to_send() == []
        s.receive_data(data[header_size + 10 : header_size + 11])
        close = assert_failed(s, CloseCode.INVALID_DATA)
        assert "at position 10" in close.reason

    def test_fails_early_client_side(self) -> None:
        payload = b"\xed\xa0\x80" + b"a" * 500  # encoded surrogate: invalid
        data = to_client(Opcode.TEXT, payload)
        c = client()
        c.receive_data(data[:5])  # header and \xed: a valid prefix so far
        assert c.data_to_send() == []
        c.receive_data(data[5:6])  # \xa0 can't follow \xed
        close = assert_failed(c, CloseCode.INVALID_DATA)
        assert close.reason == "invalid UTF-8: invalid continuation byte at position 0"

    @pytest.mark.parametrize(
        "prefix", [b"\xe0\x80", b"\xed\xa0", b"\xf0\x80", b"\xf4\x90", b"\xf0\x8f"]
    )
    def test_restricted_second_bytes(self, prefix: bytes) -> None:
        data = to_server(Opcode.TEXT, b"ab" + prefix + b"\x80\x80")
        s = server()
        s.receive_data(data[: 8 + 2 + len(prefix)])
        close = assert_failed(s, CloseCode.INVALID_DATA)
        assert close.reason.endswith("at position 2")

    @pytest.mark.parametrize("char", ["\u0800", "\ud7ff", "\U00010000", "\U0010ffff", "\ue000"])
    def test_boundary_characters_byte_by_byte(self, char: str) -> None:
        data = to_server(Opcode.TEXT, char.encode())
        s = server()
        for i in range(len(data)):
            s.receive_data(data[i : i + 1])
        assert s.events_received() == [Frame(Opcode.TEXT, char.encode())]

    def test_invalid_across_chunks_within_frame(self) -> None:
        data = to_server(Opcode.TEXT, b"xx\xf0\x9f\x98" + b"(")
        s = server()
        for i in range(len(data)):
            s.receive_data(data[i : i + 1])
        close = assert_failed(s, CloseCode.INVALID_DATA)
        assert close.reason == "invalid UTF-8: invalid continuation byte at position 2"


class TestSending:
    def test_send_text(self) -> None:
        s = server()
        s.send_text("café".encode())
        assert s.data_to_send() == [b"\x81\x05caf\xc3\xa9"]

    def test_send_binary(self) -> None:
        s = server()
        s.send_binary(b"\x01\x02")
        assert s.data_to_send() == [b"\x82\x02\x01\x02"]

    def test_client_masks(self) -> None:
        c = client()
        c.send_binary(b"payload")
        (raw,) = c.data_to_send()
        assert raw[0] == 0x82 and raw[1] == 0x80 | 7
        assert unmask_output(raw) == b"payload"

    @pytest.mark.parametrize("size", [0, 5, 200, 70000])
    def test_same_frames_with_debug_logs(self, size: int) -> None:
        # Debug logs take the path through Frame objects; the fast path
        # without them must produce the same bytes.
        logger = logging.getLogger("test.sending")
        logger.setLevel(logging.DEBUG)
        fast, logged = server(), Protocol(SERVER, logger=logger)
        assert logged.debug and not fast.debug
        for protocol in (fast, logged):
            protocol.send_text(b"x" * size, fin=False)
            protocol.send_continuation(b"y" * size, fin=True)
            protocol.send_binary(b"z" * size)
        assert [bytes(c) for c in fast.data_to_send()] == [bytes(c) for c in logged.data_to_send()]

    def test_large_payload_not_copied(self) -> None:
        data = b"x" * 65536
        s = server()
        s.send_binary(data)
        header, payload = s.data_to_send()
        assert header == b"\x82\x7f" + struct.pack("!Q", 65536)
        assert payload is data

    def test_large_masked_payload(self) -> None:
        data = bytes(range(256)) * 300
        c = client()
        c.send_binary(data)
        header, payload = c.data_to_send()
        assert unmask_output(header + payload) == data

    def test_large_mutable_payload_copied(self) -> None:
        data = bytearray(b"x" * 65536)
        s = server()
        s.send_binary(data)
        (raw,) = s.data_to_send()
        data[:] = b"y" * 65536  # the application reuses its buffer
        assert raw[10:] == b"x" * 65536

    def test_fragmented(self) -> None:
        s = server()
        s.send_text(b"Hel", fin=False)
        s.send_continuation(b"lo", fin=True)
        assert s.data_to_send() == [b"\x01\x03Hel", b"\x80\x02lo"]

    def test_control_frames_between_fragments(self) -> None:
        s = server()
        s.send_binary(b"a", fin=False)
        s.send_ping(b"")
        s.send_pong(b"")
        s.send_continuation(b"b", fin=True)
        assert s.data_to_send() == [b"\x02\x01a", b"\x89\x00", b"\x8a\x00", b"\x80\x01b"]

    def test_continuation_without_message(self) -> None:
        s = server()
        with pytest.raises(ProtocolError, match="unexpected continuation frame"):
            s.send_continuation(b"", fin=True)

    @pytest.mark.parametrize("method", ["send_text", "send_binary"])
    def test_new_message_during_fragmented_message(self, method: str) -> None:
        s = server()
        s.send_text(b"a", fin=False)
        with pytest.raises(ProtocolError, match="expected a continuation frame"):
            getattr(s, method)(b"b")

    def test_ping_too_long(self) -> None:
        s = server()
        with pytest.raises(ProtocolError, match="control frame too long"):
            s.send_ping(b"x" * 126)

    @pytest.mark.parametrize("method", ["send_text", "send_binary"])
    def test_data_when_closing(self, method: str) -> None:
        s = server()
        s.send_close()
        with pytest.raises(InvalidState, match="connection is CLOSING"):
            getattr(s, method)(b"x")

    def test_continuation_when_closing(self) -> None:
        s = server()
        s.send_text(b"x", fin=False)
        s.send_close()
        with pytest.raises(InvalidState):
            s.send_continuation(b"x", fin=True)

    def test_ping_pong_when_closing(self) -> None:
        s = server()
        s.send_close()
        s.data_to_send()
        s.send_ping(b"p")
        s.send_pong(b"q")
        assert s.data_to_send() == [b"\x89\x01p", b"\x8a\x01q"]

    def test_ping_when_closed(self) -> None:
        s = server()
        s.receive_eof()
        with pytest.raises(InvalidState, match="connection is CLOSED"):
            s.send_ping(b"")
        with pytest.raises(InvalidState):
            s.send_pong(b"")

    def test_send_when_connecting(self) -> None:
        s = Protocol(SERVER, state=CONNECTING)
        with pytest.raises(InvalidState, match="connection is CONNECTING"):
            s.send_text(b"")

    def test_ping_is_answered(self) -> None:
        c = client()
        c.receive_data(to_client(Opcode.PING, b"hello"))
        assert c.events_received() == [Frame(Opcode.PING, b"hello")]
        (raw,) = c.data_to_send()
        assert raw[0] == 0x8A and unmask_output(raw) == b"hello"

    def test_pong_is_not_answered(self) -> None:
        s = server()
        s.receive_data(to_server(Opcode.PONG, b"hello"))
        assert s.events_received() == [Frame(Opcode.PONG, b"hello")]
        assert s.data_to_send() == []


class TestClosingHandshake:
    def test_server_closes_first(self) -> None:
        s = server()
        s.send_close(CloseCode.NORMAL_CLOSURE, "bye")
        assert s.data_to_send() == [b"\x88\x05\x03\xe8bye"]
        assert s.state is CLOSING
        assert s.close_expected()
        # The peer may still send data until it receives our close frame.
        s.receive_data(to_server(Opcode.TEXT, b"late"))
        assert s.events_received() == [Frame(Opcode.TEXT, b"late")]
        s.receive_data(to_server(Opcode.CLOSE, close_payload(1000, "bye")))
        assert s.events_received() == [Frame(Opcode.CLOSE, close_payload(1000, "bye"))]
        # The server closes the TCP connection once the handshake completes.
        assert s.data_to_send() == [SEND_EOF]
        assert s.state is CLOSING
        s.receive_eof()
        assert s.state is CLOSED
        assert not s.close_expected()
        assert s.close_code == 1000 and s.close_reason == "bye"
        exc = s.close_exc
        assert isinstance(exc, ConnectionClosedOK)
        assert exc.rcvd == Close(1000, "bye") and exc.sent == Close(1000, "bye")
        assert exc.rcvd_then_sent is False

    def test_client_closes_first(self) -> None:
        c = client()
        c.send_close(CloseCode.GOING_AWAY)
        (raw,) = c.data_to_send()
        assert Close.parse(unmask_output(raw)) == Close(1001, "")
        c.receive_data(to_client(Opcode.CLOSE, close_payload(1001)))
        # The client waits for the server to close the TCP connection.
        assert c.data_to_send() == []
        assert c.state is CLOSING
        c.receive_eof()
        assert c.data_to_send() == [SEND_EOF]
        assert c.state is CLOSED
        assert isinstance(c.close_exc, ConnectionClosedOK)

    def test_peer_closes_first_server(self) -> None:
        s = server()
        s.receive_data(to_server(Opcode.CLOSE, close_payload(1000, "done")))
        assert s.events_received() == [Frame(Opcode.CLOSE, close_payload(1000, "done"))]
        # Echo of the code and reason, then EOF.
        assert s.data_to_send() == [b"\x88\x06\x03\xe8done", SEND_EOF]
        assert s.state is CLOSING
        assert s.close_expected()
        s.receive_eof()
        assert s.state is CLOSED
        exc = s.close_exc
        assert isinstance(exc, ConnectionClosedOK)
        assert exc.rcvd_then_sent is True
        assert str(exc) == "received 1000 (OK) done; then sent 1000 (OK) done"

    def test_peer_closes_first_client(self) -> None:
        c = client()
        c.receive_data(to_client(Opcode.CLOSE, close_payload(4000, "custom")))
        (raw,) = c.data_to_send()
        assert Close.parse(unmask_output(raw)) == Close(4000, "custom")
        c.receive_eof()
        assert c.data_to_send() == [SEND_EOF]
        assert c.close_code == 4000
        # 4000 isn't an OK code.
        assert isinstance(c.close_exc, ConnectionClosedError)

    def test_empty_close_frame(self) -> None:
        s = server()
        s.receive_data(to_server(Opcode.CLOSE, b""))
        # An empty payload is echoed as is: 1005 must not be on the wire.
        assert s.data_to_send() == [b"\x88\x00", SEND_EOF]
        s.receive_eof()
        assert s.close_code == CloseCode.NO_STATUS_RCVD
        assert s.close_reason == ""
        assert isinstance(s.close_exc, ConnectionClosedOK)

    def test_send_close_without_code(self) -> None:
        s = server()
        s.send_close()
        assert s.data_to_send() == [b"\x88\x00"]
        assert s.close_sent == Close(CloseCode.NO_STATUS_RCVD, "")

    def test_close_between_fragments(self) -> None:
        # RFC 6455 5.4: the close frame starts the normal closing handshake,
        # echoing the peer's code; the incomplete message is abandoned.
        s = server()
        s.receive_data(to_server(Opcode.TEXT, b"part", fin=False))
        s.receive_data(to_server(Opcode.CLOSE, close_payload(1001, "leaving")))
        assert s.events_received() == [
            Frame(Opcode.TEXT, b"part", fin=False),
            Frame(Opcode.CLOSE, close_payload(1001, "leaving")),
        ]
        assert s.data_to_send() == [b"\x88\x09\x03\xe9leaving", SEND_EOF]
        s.receive_eof()
        assert isinstance(s.close_exc, ConnectionClosedOK)
        assert s.parser_exc is None

    def test_data_after_close_frame_discarded(self) -> None:
        c = client()
        c.receive_data(
            to_client(Opcode.CLOSE, close_payload(1000)) + to_client(Opcode.TEXT, b"late")
        )
        assert c.events_received() == [Frame(Opcode.CLOSE, close_payload(1000))]
        c.receive_data(to_client(Opcode.PING, b""))
        assert c.events_received() == []
        assert len(c.data_to_send()) == 1  # the echo only, no pong

    def test_send_close_twice(self) -> None:
        s = server()
        s.send_close()
        with pytest.raises(InvalidState, match="connection is CLOSING"):
            s.send_close()

    def test_send_close_invalid_code(self) -> None:
        s = server()
        for code in (999, 1004, 1005, 1006, 1015, 2000, 5000):
            with pytest.raises(ProtocolError, match=f"invalid status code: {code}"):
                s.send_close(code)
        assert s.state is OPEN
        assert s.data_to_send() == []

    def test_send_close_reason_without_code(self) -> None:
        with pytest.raises(ProtocolError, match="reason without a code"):
            server().send_close(None, "reason")

    def test_send_close_reason_too_long(self) -> None:
        s = server()
        s.send_close(1000, "x" * 123)
        with pytest.raises(ProtocolError, match="close reason too long: 124 bytes"):
            server().send_close(1000, "x" * 124)

    @pytest.mark.parametrize(
        ("payload", "code"),
        [
            (b"\x03", CloseCode.PROTOCOL_ERROR),  # 1 byte
            (close_payload(1005), CloseCode.PROTOCOL_ERROR),
            (close_payload(1006), CloseCode.PROTOCOL_ERROR),
            (close_payload(1015), CloseCode.PROTOCOL_ERROR),
            (close_payload(999), CloseCode.PROTOCOL_ERROR),
            (close_payload(1004), CloseCode.PROTOCOL_ERROR),
            (close_payload(2999), CloseCode.PROTOCOL_ERROR),
            (close_payload(5000), CloseCode.PROTOCOL_ERROR),
            (close_payload(1000) + b"\xff", CloseCode.INVALID_DATA),
        ],
    )
    def test_invalid_close_frame(self, payload: bytes, code: int) -> None:
        s = server()
        s.receive_data(to_server(Opcode.CLOSE, payload))
        assert s.events_received() == []
        assert_failed(s, code)
        s.receive_eof()
        assert s.close_code == CloseCode.ABNORMAL_CLOSURE
        assert isinstance(s.close_exc, ConnectionClosedError)

    @pytest.mark.parametrize(
        "code",
        [
            1000,
            1001,
            1002,
            1003,
            1007,
            1008,
            1009,
            1010,
            1011,
            1012,
            1013,
            1014,
            3000,
            3999,
            4000,
            4999,
        ],
    )
    def test_valid_close_codes(self, code: int) -> None:
        s = server()
        s.receive_data(to_server(Opcode.CLOSE, close_payload(code)))
        assert s.data_to_send()[0] == b"\x88\x02" + struct.pack("!H", code)

    def test_close_properties_before_closed(self) -> None:
        s = server()
        assert s.close_code is None
        assert s.close_reason is None
        with pytest.raises(AssertionError):
            s.close_exc  # noqa: B018


def receive_into(protocol: Protocol, data: bytes, chunk: int) -> None:
    """Feed ``data`` in chunks, into the protocol's buffer when it offers one."""
    offset = 0
    while offset < len(data):
        view = protocol.get_buffer()
        if view is None:
            protocol.receive_data(data[offset : offset + chunk])
            offset += chunk
        else:
            size = min(len(view), chunk, len(data) - offset)
            view[:size] = data[offset : offset + size]
            del view  # the protocol releases the view; drop our reference
            protocol.buffer_updated(size)
            offset += size


class TestLargePayload:
    """Payloads of 64 KiB or more are received into their final bytes object."""

    @pytest.fixture(autouse=True)
    def direct_payloads(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # Without the C speedups, the protocol doesn't use this path, but it
        # works with their Python twin: test it in both builds.
        monkeypatch.setattr(protocol_module, "_DIRECT_PAYLOADS", True)

    SIZE = 3 * 65536 + 5

    @pytest.mark.parametrize("side", [SERVER, CLIENT])
    @pytest.mark.parametrize("chunk", [4096, 65536 + 3, 1 << 20])
    def test_binary(self, side: Side, chunk: int) -> None:
        payload = bytes(range(256)) * (self.SIZE // 256) + b"tail"
        protocol = Protocol(side)
        build = to_server if side is SERVER else to_client
        # A frame after the large one is parsed from the same chunks.
        receive_into(protocol, build(Opcode.BINARY, payload) + build(Opcode.TEXT, b"next"), chunk)
        events = protocol.events_received()
        assert events == [Frame(Opcode.BINARY, payload), Frame(Opcode.TEXT, b"next")]
        assert type(events[0].data) is bytes
        assert protocol.get_buffer() is None

    def test_get_buffer_only_for_large_payloads(self) -> None:
        s = server()
        frame = to_server(Opcode.BINARY, b"x" * 65535)
        s.receive_data(frame[:8])  # 4-byte header, masking key
        assert s.get_buffer() is None  # less than 64 KiB to receive
        s.receive_data(frame[8:])
        frame = to_server(Opcode.BINARY, b"x" * 65536)
        s.receive_data(frame[:14])  # 10-byte header, masking key
        view = s.get_buffer()
        assert view is not None and len(view) == 65536
        view.release()

    def test_data_received_during_large_payload(self) -> None:
        payload = b"\x00\xff" * 50000
        s = server()
        # receive_data() works while a payload is being received, too.
        data = to_server(Opcode.BINARY, payload, fin=False) + to_server(Opcode.CONT, b"!")
        s.receive_data(data[:1000])
        assert s.get_buffer() is not None
        s.receive_data(data[1000:])
        assert s.events_received() == [
            Frame(Opcode.BINARY, payload, fin=False),
            Frame(Opcode.CONT, b"!"),
        ]

    def test_text(self) -> None:
        text = "Ω≈ç√∫˜µ≤≥÷ 😀 ünïcödé" * 5000
        c = client()
        receive_into(c, to_client(Opcode.TEXT, text.encode()), 1000)
        [frame] = c.events_received()
        assert frame.data.decode() == text

    def test_invalid_utf8_fails_as_it_arrives(self) -> None:
        data = b"a" * 100000 + b"\xc0\xaf" + b"b" * 100000
        s = server()
        frame = to_server(Opcode.TEXT, data)
        # The invalid byte is around 100 KB into the payload: the connection
        # fails once it arrives, before the rest of the frame.
        receive_into(s, frame[: 14 + 100010], 4096)
        close = assert_failed(s, CloseCode.INVALID_DATA)
        assert close.reason == "invalid UTF-8: invalid start byte at position 100000"
        assert s.get_buffer() is None
        s.receive_data(frame[14 + 100010 :])  # discarded
        assert s.events_received() == []

    def test_invalid_utf8_in_continuation_frame(self) -> None:
        s = server()
        s.receive_data(to_server(Opcode.TEXT, b"abc\xe2", fin=False))
        receive_into(s, to_server(Opcode.CONT, b"\x82\xac" + b"\xff" * 70000), 8192)
        close = assert_failed(s, CloseCode.INVALID_DATA)
        assert close.reason == "invalid UTF-8: invalid start byte at position 6"

    def test_truncated_character_at_end(self) -> None:
        s = server()
        receive_into(s, to_server(Opcode.TEXT, b"a" * 70000 + b"\xe2\x82"), 8192)
        close = assert_failed(s, CloseCode.INVALID_DATA)
        assert close.reason == "invalid UTF-8: unexpected end of data at position 70000"

    def test_eof_in_middle_of_payload(self) -> None:
        s = server()
        receive_into(s, to_server(Opcode.BINARY, b"x" * 100000)[:50000], 8192)
        assert s.get_buffer() is not None
        s.receive_eof()
        assert s.state is CLOSED
        assert s.close_code == CloseCode.ABNORMAL_CLOSURE
        assert str(s.parser_exc) == "stream ends after 49986 bytes, expected 100000 bytes"

    def test_fail_during_payload(self) -> None:
        s = server()
        receive_into(s, to_server(Opcode.BINARY, b"x" * 100000)[:50000], 8192)
        s.fail(CloseCode.GOING_AWAY)
        assert s.get_buffer() is None
        s.receive_data(b"x" * 50000)  # discarded
        assert s.events_received() == []

    def test_close_frame_after_payload(self) -> None:
        c = client()
        data = to_client(Opcode.BINARY, b"x" * 70000) + to_client(Opcode.CLOSE, close_payload(1000))
        receive_into(c, data, 65536)
        events = c.events_received()
        assert [event.opcode for event in events] == [Opcode.BINARY, Opcode.CLOSE]
        assert c.state is CLOSING

    def test_huge_payload_not_allocated_up_front(self) -> None:
        # Without max_size, a peer may announce any length: above 64 MiB,
        # the payload is buffered as it arrives instead.
        s = Protocol(SERVER, max_size=None)
        s.receive_data(to_server(Opcode.BINARY, b"", length=2**26 + 1)[:14])
        assert s.get_buffer() is None
        s.receive_data(b"x" * 1000)
        assert len(s.reader.buffer) == 1000
        s = Protocol(SERVER, max_size=None)
        s.receive_data(to_server(Opcode.BINARY, b"", length=2**26)[:14])
        view = s.get_buffer()
        assert view is not None and len(view) == 2**26
        view.release()

    def test_through_buffer_without_speedups(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(protocol_module, "_DIRECT_PAYLOADS", False)
        payload = b"x" * 100000
        s = server()
        frame = to_server(Opcode.BINARY, payload)
        s.receive_data(frame[:14])
        assert s.get_buffer() is None
        s.receive_data(frame[14:])
        assert s.events_received() == [Frame(Opcode.BINARY, payload)]

    def test_too_big_not_allocated(self) -> None:
        s = Protocol(SERVER, max_size=100000)
        s.receive_data(to_server(Opcode.BINARY, b"", length=100001)[:14])
        assert s.get_buffer() is None
        assert_failed(s, CloseCode.MESSAGE_TOO_BIG)


class TestEOF:
    def test_eof_when_open_server(self) -> None:
        s = server()
        s.receive_eof()
        # No close frame: nobody would read it. 1006 is reported locally.
        assert s.data_to_send() == [SEND_EOF]
        assert s.state is CLOSED
        assert s.close_code == CloseCode.ABNORMAL_CLOSURE
        assert s.close_reason == ""
        exc = s.close_exc
        assert isinstance(exc, ConnectionClosedError)
        assert str(exc) == "no close frame received or sent"
        assert isinstance(exc.__cause__, EOFError)

    def test_eof_when_open_client(self) -> None:
        c = client()
        c.receive_eof()
        assert c.data_to_send() == [SEND_EOF]
        assert c.state is CLOSED
        assert c.close_code == CloseCode.ABNORMAL_CLOSURE

    def test_eof_in_middle_of_frame(self) -> None:
        s = server()
        s.receive_data(to_server(Opcode.BINARY, b"x" * 10)[:5])
        s.receive_eof()
        assert s.state is CLOSED
        assert isinstance(s.parser_exc, EOFError)
        assert s.close_code == CloseCode.ABNORMAL_CLOSURE

    def test_eof_when_closing_before_close_frame(self) -> None:
        c = client()
        c.send_close()
        c.data_to_send()
        c.receive_eof()
        assert c.state is CLOSED
        exc = c.close_exc
        assert isinstance(exc, ConnectionClosedError)
        assert exc.rcvd is None and exc.sent == Close(1005, "")
        assert str(exc) == "sent 1005 (no status received [internal]); no close frame received"

    def test_eof_logged(self, caplog: pytest.LogCaptureFixture) -> None:
        logger = logging.getLogger("test.eof")
        logger.setLevel(logging.DEBUG)
        s = Protocol(SERVER, logger=logger)
        with caplog.at_level(logging.DEBUG, logger="test.eof"):
            s.receive_data(to_server(Opcode.TEXT, b"hi"))
            s.send_text(b"yo")
            s.receive_eof()
        messages = [r.getMessage() for r in caplog.records]
        assert "< TEXT 'hi' [2 bytes]" in messages
        assert "> TEXT 'yo' [2 bytes]" in messages
        assert "< EOF" in messages
        assert "> EOF" in messages
        assert "= connection is CLOSED" in messages


class TestFail:
    def test_server_fail(self) -> None:
        s = server()
        s.fail(CloseCode.POLICY_VIOLATION, "go away")
        assert s.data_to_send() == [b"\x88\x09\x03\xf0go away", SEND_EOF]
        assert s.state is CLOSING
        assert s.close_expected()
        s.receive_data(to_server(Opcode.CLOSE, close_payload(1008)))
        assert s.events_received() == []  # discarded
        s.receive_eof()
        assert s.state is CLOSED
        exc = s.close_exc
        assert isinstance(exc, ConnectionClosedError)
        assert exc.sent == Close(1008, "go away") and exc.rcvd is None

    def test_client_fail(self) -> None:
        c = client()
        c.fail(CloseCode.INTERNAL_ERROR)
        (raw,) = c.data_to_send()
        assert Close.parse(unmask_output(raw)) == Close(1011, "")
        # The client waits for the server to close the connection.
        c.receive_eof()
        assert c.data_to_send() == [SEND_EOF]
        assert c.state is CLOSED

    def test_fail_abnormal_closure_sends_no_frame(self) -> None:
        s = server()
        s.fail(CloseCode.ABNORMAL_CLOSURE)
        assert s.data_to_send() == [SEND_EOF]
        assert s.state is OPEN
        s.receive_eof()
        assert s.state is CLOSED

    @pytest.mark.parametrize("side", [CLIENT, SERVER])
    def test_fail_when_connecting(self, side: Side) -> None:
        # No close frame before the handshake completes; the TCP connection
        # is closed by whichever side fails.
        p = Protocol(side, state=CONNECTING)
        p.fail(CloseCode.INTERNAL_ERROR)
        assert p.data_to_send() == [SEND_EOF]
        assert p.close_expected()
        p.receive_eof()
        assert p.state is CLOSED
        assert p.data_to_send() == []

    def test_fail_when_closing(self) -> None:
        c = client()
        c.send_close(1000)
        c.data_to_send()
        c.fail(CloseCode.PROTOCOL_ERROR)
        assert c.data_to_send() == []
        assert c.close_sent == Close(1000, "")

    def test_fail_truncates_long_reason(self) -> None:
        s = server()
        s.fail(CloseCode.PROTOCOL_ERROR, "é" * 100)
        raw = s.data_to_send()[0]
        assert len(raw) <= 127
        close = Close.parse(raw[2:])
        assert close.code == 1002
        assert close.reason == "é" * 61
        assert s.close_sent == close

    def test_fail_after_close_frame_received(self) -> None:
        # An I/O layer may fail the connection while processing a close
        # frame that the protocol hasn't echoed: record the order.
        s = server()
        s.close_rcvd = Close(1000, "")
        s.fail(CloseCode.INTERNAL_ERROR)
        assert s.close_rcvd_then_sent is True

    def test_internal_error(self, caplog: pytest.LogCaptureFixture) -> None:
        class Broken(Extension):
            name = ExtensionName("x-broken")

            def decode(self, frame: Frame, *, max_size: int | None = None) -> Frame:
                raise RuntimeError("secret details")

            def encode(self, frame: Frame) -> Frame:
                return frame

        s = server()
        s.extensions = [Broken()]
        with caplog.at_level(logging.ERROR, logger="websockets.server"):
            s.receive_data(to_server(Opcode.TEXT, b"x"))
        close = assert_failed(s, CloseCode.INTERNAL_ERROR)
        assert close.reason == ""  # details stay in the log
        assert "parser failed" in caplog.text
        assert "secret details" in caplog.text
        assert isinstance(s.parser_exc, RuntimeError)


class TestCloseExpected:
    def test_states(self) -> None:
        s = Protocol(SERVER, state=CONNECTING)
        assert not s.close_expected()
        s.send_eof()
        assert s.close_expected()
        assert not server().close_expected()
        c = client()
        c.send_close()
        assert c.close_expected()
        c.receive_eof()
        assert not c.close_expected()


class Reverse(Extension):
    """Toy extension: reverses payloads of data frames and flags RSV2."""

    name = ExtensionName("x-reverse")

    def __init__(self) -> None:
        self.max_sizes: list[int | None] = []

    def encode(self, frame: Frame) -> Frame:
        if frame.opcode >= Opcode.CLOSE:
            return frame
        return Frame(frame.opcode, bytes(frame.data)[::-1], frame.fin, frame.rsv1, True, frame.rsv3)

    def decode(self, frame: Frame, *, max_size: int | None = None) -> Frame:
        if frame.opcode >= Opcode.CLOSE:
            return frame
        if not frame.rsv2:
            raise ProtocolError("expected RSV2")
        self.max_sizes.append(max_size)
        data = bytes(frame.data)[::-1]
        if max_size is not None and len(data) > max_size:
            raise PayloadTooBig(len(data), max_size)
        return Frame(frame.opcode, data, frame.fin, frame.rsv1, False, frame.rsv3)


class Append(Extension):
    """Toy extension: appends a byte to data frames."""

    name = ExtensionName("x-append")

    def encode(self, frame: Frame) -> Frame:
        if frame.opcode >= Opcode.CLOSE:
            return frame
        return Frame(
            frame.opcode, bytes(frame.data) + b"!", frame.fin, frame.rsv1, frame.rsv2, True
        )

    def decode(self, frame: Frame, *, max_size: int | None = None) -> Frame:
        if frame.opcode >= Opcode.CLOSE:
            return frame
        assert frame.rsv3
        return Frame(frame.opcode, bytes(frame.data)[:-1], frame.fin, frame.rsv1, frame.rsv2)


class TestExtensions:
    def test_encode_in_order_decode_in_reverse(self) -> None:
        c, s = client(), server()
        c.extensions = [Reverse(), Append()]
        s.extensions = [Reverse(), Append()]
        c.send_text("àbc".encode())
        for data in c.data_to_send():
            s.receive_data(data)
        assert s.events_received() == [Frame(Opcode.TEXT, "àbc".encode())]

    def test_rsv_bit_accepted_with_extension(self) -> None:
        s = server()
        s.extensions = [Reverse()]
        s.receive_data(to_server(Opcode.BINARY, b"abc", rsv=0x20))
        assert s.events_received() == [Frame(Opcode.BINARY, b"cba")]

    def test_rsv_bit_not_handled_by_extension(self) -> None:
        s = server()
        s.extensions = [Reverse()]
        s.receive_data(to_server(Opcode.BINARY, b"abc", rsv=0x60))
        close = assert_failed(s, CloseCode.PROTOCOL_ERROR)
        assert close.reason == "reserved bits must be 0"

    def test_invalid_utf8_after_decoding(self) -> None:
        s = server()
        s.extensions = [Reverse()]
        s.receive_data(to_server(Opcode.TEXT, b"\xa9\xc3a\xff", rsv=0x20))
        close = assert_failed(s, CloseCode.INVALID_DATA)
        assert close.reason == "invalid UTF-8: invalid start byte at position 0"

    def test_max_size_passed_to_extension(self) -> None:
        s = Protocol(SERVER, max_size=10)
        reverse = Reverse()
        s.extensions = [reverse]
        s.receive_data(to_server(Opcode.BINARY, b"abcd", rsv=0x20, fin=False))
        s.receive_data(to_server(Opcode.PING, b""))
        assert s.data_to_send() == [b"\x8a\x00"]  # the pong
        s.receive_data(to_server(Opcode.CONT, b"efghij", rsv=0x20))
        # Remaining budget of the message; None for control frames.
        assert reverse.max_sizes == [10, 6]
        assert s.state is OPEN

    def test_frame_over_budget_rejected_before_extension(self) -> None:
        """With extensions too, a frame that doesn't fit isn't buffered."""
        s = Protocol(SERVER, max_size=10)
        reverse = Reverse()
        s.extensions = [reverse]
        s.receive_data(to_server(Opcode.BINARY, b"abcd", rsv=0x20, fin=False))
        # Only the header of a frame that can't fit: rejected at once.
        s.receive_data(to_server(Opcode.CONT, b"efghijk", rsv=0x20)[:6])
        assert reverse.max_sizes == [10]
        assert_failed(s, CloseCode.MESSAGE_TOO_BIG)

    def test_frame_limit_passed_to_extension(self) -> None:
        s = Protocol(SERVER, max_size=(None, 5))
        reverse = Reverse()
        s.extensions = [reverse]
        s.receive_data(to_server(Opcode.BINARY, b"abc", rsv=0x20))
        assert reverse.max_sizes == [5]
        t = Protocol(SERVER, max_size=(100, 5))
        t.extensions = [reverse]
        t.receive_data(to_server(Opcode.BINARY, b"abc", rsv=0x20))
        assert reverse.max_sizes == [5, 5]


def test_id_is_a_stable_random_uuid() -> None:
    protocol = Protocol(Side.SERVER)
    other = Protocol(Side.SERVER)
    assert isinstance(protocol.id, uuid.UUID) and protocol.id.version == 4
    assert protocol.id == protocol.id
    assert protocol.id != other.id


def test_id_is_writable() -> None:
    protocol = Protocol(Side.CLIENT)
    new_id = uuid.uuid4()
    protocol.id = new_id
    assert protocol.id is new_id
