"""Tests for websockets.frames, driven bytes-in through a StreamReader."""

from __future__ import annotations

import dataclasses
import struct
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from websockets import frames
from websockets.exceptions import PayloadTooBig, ProtocolError
from websockets.extensions import Extension
from websockets.frames import (
    CLOSE_CODE_EXPLANATIONS,
    CTRL_OPCODES,
    DATA_OPCODES,
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
    is_utf8_fragment,
    parse_header,
)
from websockets.streams import StreamReader
from websockets.typing import ExtensionName

__all__: list[str] = []


# Masking key of the examples of RFC 6455, section 5.7.
RFC_MASK = b"\x37\xfa\x21\x3d"


def parse(
    data: bytes,
    *,
    mask: bool,
    max_size: int | None = None,
    extensions: Sequence[Extension] | None = None,
) -> Frame:
    """Parse one frame from ``data``, which must contain exactly that frame."""
    reader = StreamReader()
    reader.feed_data(data)
    gen = Frame.parse(reader.read_exact, mask=mask, max_size=max_size, extensions=extensions)
    with pytest.raises(StopIteration) as exc_info:
        next(gen)
    assert reader.buffer == b"", "parser left bytes behind"
    frame: Frame = exc_info.value.value
    return frame


def parse_in_chunks(data: bytes, chunk_sizes: Sequence[int], *, mask: bool) -> Frame:
    """Parse one frame from ``data`` fed in chunks of the given sizes.

    After the sizes run out, the rest is fed at once.

    """
    reader = StreamReader()
    gen = Frame.parse(reader.read_exact, mask=mask)
    sizes = iter(chunk_sizes)
    pos = 0
    while True:
        try:
            next(gen)
        except StopIteration as exc:
            assert pos == len(data), "parser returned before the end of the frame"
            assert reader.buffer == b"", "parser left bytes behind"
            frame: Frame = exc.value
            return frame
        assert pos < len(data), "parser waits after the whole frame was fed"
        size = next(sizes, len(data))
        reader.feed_data(data[pos : pos + size])
        pos = min(pos + size, len(data))


def start_parse(
    data: bytes, *, mask: bool, max_size: int | None = None
) -> tuple[StreamReader, object]:
    """Feed ``data`` and run the parser until it returns, raises or waits.

    Returns the reader and the result of :func:`next`: :obj:`None` when the
    parser waits for more bytes. Exceptions propagate.

    """
    reader = StreamReader()
    reader.feed_data(data)
    gen = Frame.parse(reader.read_exact, mask=mask, max_size=max_size)
    return reader, next(gen)


def with_reserved_bit(frame: Frame, name: str) -> Frame:
    """Return a copy of ``frame`` with the reserved bit ``name`` set."""
    return dataclasses.replace(frame, rsv1=name == "rsv1", rsv2=name == "rsv2", rsv3=name == "rsv3")


@pytest.fixture
def rfc_mask(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make serialize() mask with the key of RFC 6455's examples."""
    monkeypatch.setattr(frames, "_next_masking_key", lambda: RFC_MASK)


# RFC 6455, section 5.7: frame, bytes on the wire, whether they're masked.
RFC_EXAMPLES = [
    pytest.param(
        Frame(OP_TEXT, b"Hello"),
        bytes([0x81, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F]),
        False,
        id="unmasked-text",
    ),
    pytest.param(
        Frame(OP_TEXT, b"Hello"),
        bytes([0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58]),
        True,
        id="masked-text",
    ),
    pytest.param(
        Frame(OP_TEXT, b"Hel", fin=False),
        bytes([0x01, 0x03, 0x48, 0x65, 0x6C]),
        False,
        id="fragmented-text-first",
    ),
    pytest.param(
        Frame(OP_CONT, b"lo"),
        bytes([0x80, 0x02, 0x6C, 0x6F]),
        False,
        id="fragmented-text-last",
    ),
    pytest.param(
        Frame(OP_PING, b"Hello"),
        bytes([0x89, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F]),
        False,
        id="unmasked-ping",
    ),
    pytest.param(
        Frame(OP_PONG, b"Hello"),
        bytes([0x8A, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58]),
        True,
        id="masked-pong",
    ),
    pytest.param(
        Frame(OP_BINARY, bytes(range(256))),
        bytes([0x82, 0x7E, 0x01, 0x00]) + bytes(range(256)),
        False,
        id="binary-256-bytes",
    ),
    pytest.param(
        Frame(OP_BINARY, bytes(range(256)) * 256),
        bytes([0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00])
        + bytes(range(256)) * 256,
        False,
        id="binary-64-KiB",
    ),
]


class TestRFCExamples:
    @pytest.mark.parametrize(("frame", "encoded", "mask"), RFC_EXAMPLES)
    def test_parse(self, frame: Frame, encoded: bytes, mask: bool) -> None:
        assert parse(encoded, mask=mask) == frame

    @pytest.mark.parametrize(("frame", "encoded", "mask"), RFC_EXAMPLES)
    @pytest.mark.usefixtures("rfc_mask")
    def test_serialize(self, frame: Frame, encoded: bytes, mask: bool) -> None:
        assert frame.serialize(mask=mask) == encoded

    # Feeding 64 KiB one byte at a time is slow and proves nothing more.
    @pytest.mark.parametrize(("frame", "encoded", "mask"), RFC_EXAMPLES[:-1])
    def test_parse_byte_by_byte(self, frame: Frame, encoded: bytes, mask: bool) -> None:
        assert parse_in_chunks(encoded, [1] * len(encoded), mask=mask) == frame

    def test_fragmented_message_from_one_buffer(self) -> None:
        reader = StreamReader()
        reader.feed_data(bytes([0x01, 0x03, 0x48, 0x65, 0x6C, 0x80, 0x02, 0x6C, 0x6F]))
        parsed = []
        for _ in range(2):
            gen = Frame.parse(reader.read_exact, mask=False)
            with pytest.raises(StopIteration) as exc_info:
                next(gen)
            parsed.append(exc_info.value.value)
        assert parsed == [Frame(OP_TEXT, b"Hel", fin=False), Frame(OP_CONT, b"lo")]
        assert reader.buffer == b""


class TestParse:
    def test_waits_for_header(self) -> None:
        _, result = start_parse(b"\x81", mask=False)
        assert result is None

    def test_waits_for_payload(self) -> None:
        reader, result = start_parse(b"\x81\x05Hel", mask=False)
        assert result is None
        # The header was consumed; the partial payload waits in the buffer.
        assert reader.buffer == b"Hel"

    def test_eof_in_header(self) -> None:
        reader = StreamReader()
        reader.feed_data(b"\x81")
        reader.feed_eof()
        with pytest.raises(EOFError):
            next(Frame.parse(reader.read_exact, mask=False))

    def test_eof_in_payload(self) -> None:
        reader = StreamReader()
        reader.feed_data(b"\x81\x05Hel")
        reader.feed_eof()
        with pytest.raises(EOFError, match="stream ends after 3 bytes, expected 5 bytes"):
            next(Frame.parse(reader.read_exact, mask=False))

    def test_empty_payload(self) -> None:
        assert parse(b"\x82\x00", mask=False) == Frame(OP_BINARY, b"")

    def test_masked_empty_payload(self) -> None:
        assert parse(b"\x82\x80" + RFC_MASK, mask=True) == Frame(OP_BINARY, b"")

    @pytest.mark.parametrize(
        ("header", "length"),
        [
            (b"\x82\x7d", 125),
            (b"\x82\x7e\x00\x7e", 126),
            (b"\x82\x7e\xff\xff", 65535),
            (b"\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 65536),
        ],
    )
    def test_length_encodings(self, header: bytes, length: int) -> None:
        assert parse(header + b"x" * length, mask=False).data == b"x" * length

    @pytest.mark.parametrize("opcode", [OP_CLOSE, OP_PING, OP_PONG])
    def test_control_frame_125_bytes(self, opcode: Opcode) -> None:
        data = b"\x03\xe8" + b"x" * 123 if opcode is OP_CLOSE else b"x" * 125
        encoded = bytes([0x80 | opcode, 125]) + data
        assert parse(encoded, mask=False) == Frame(opcode, data)

    @pytest.mark.parametrize("opcode", [OP_CLOSE, OP_PING, OP_PONG])
    @pytest.mark.parametrize("length_field", [126, 127])
    def test_control_frame_too_long_rejected_from_header(
        self, opcode: Opcode, length_field: int
    ) -> None:
        # Only the first two bytes are fed: the parser must not wait for the
        # extended length or the payload before rejecting the frame.
        with pytest.raises(
            ProtocolError,
            match="control frame too long or its length not minimally encoded: "
            f"length field {length_field}, expected no more than 125",
        ):
            start_parse(bytes([0x80 | opcode, length_field]), mask=False)

    @pytest.mark.parametrize("opcode", [OP_CLOSE, OP_PING, OP_PONG])
    def test_fragmented_control_frame_rejected_from_header(self, opcode: Opcode) -> None:
        with pytest.raises(ProtocolError, match="fragmented control frame"):
            start_parse(bytes([opcode, 5]), mask=False)

    @pytest.mark.parametrize("bit", [0x40, 0x20, 0x10], ids=["rsv1", "rsv2", "rsv3"])
    def test_reserved_bit_rejected(self, bit: int) -> None:
        with pytest.raises(ProtocolError, match="reserved bits must be 0"):
            parse(bytes([0x80 | bit | OP_TEXT, 2]) + b"hi", mask=False)

    @pytest.mark.parametrize("opcode", [*range(0x3, 0x8), *range(0xB, 0x10)])
    def test_unknown_opcode_rejected(self, opcode: int) -> None:
        with pytest.raises(ProtocolError, match=f"invalid opcode: {opcode:#x}$"):
            start_parse(bytes([0x80 | opcode, 0]), mask=False)

    def test_unmasked_frame_when_mask_expected(self) -> None:
        with pytest.raises(ProtocolError, match="incorrect masking"):
            start_parse(b"\x81\x05", mask=True)

    def test_masked_frame_when_no_mask_expected(self) -> None:
        with pytest.raises(ProtocolError, match="incorrect masking"):
            start_parse(b"\x81\x85", mask=False)

    def test_64_bit_length_with_most_significant_bit_set(self) -> None:
        header = b"\x82\x7f\x80\x00\x00\x00\x00\x00\x00\x05"
        with pytest.raises(ProtocolError, match="most significant bit set"):
            start_parse(header, mask=False)

    def test_largest_64_bit_length_accepted_in_header(self) -> None:
        # 2**63 - 1 is valid: the parser waits for that payload (in vain).
        reader, result = start_parse(b"\x82\x7f\x7f" + b"\xff" * 7, mask=False)
        assert result is None
        assert reader.buffer == b""

    @pytest.mark.parametrize(
        ("header", "length"),
        [
            (b"\x82\x06", 6),
            (b"\x82\x7e\x01\x00", 256),
            (b"\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 65536),
        ],
    )
    @pytest.mark.parametrize("mask", [False, True])
    def test_max_size_exceeded_before_payload(self, header: bytes, length: int, mask: bool) -> None:
        # Only the header is fed, without masking key or payload: the parser
        # rejects the frame from its length alone.
        if mask:
            header = bytes([header[0], header[1] | 0x80]) + header[2:]
        with pytest.raises(PayloadTooBig) as exc_info:
            start_parse(header, mask=mask, max_size=length - 1)
        assert exc_info.value.size == length
        assert exc_info.value.max_size == length - 1
        assert str(exc_info.value) == (
            f"frame with {length} bytes exceeds limit of {length - 1} bytes"
        )

    def test_max_size_reached(self) -> None:
        assert parse(b"\x82\x06abcdef", mask=False, max_size=6).data == b"abcdef"

    def test_max_size_none(self) -> None:
        encoded = b"\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00" + bytes(65536)
        assert len(parse(encoded, mask=False, max_size=None).data) == 65536

    def test_unmasks_payload(self) -> None:
        payload = b"\x00\x01\x02\x03\x04\x05\x06"
        masked = bytes(b ^ RFC_MASK[i % 4] for i, b in enumerate(payload))
        assert parse(b"\x82\x87" + RFC_MASK + masked, mask=True).data == payload


class TestParseHeader:
    def test_stops_before_payload(self) -> None:
        reader = StreamReader()
        reader.feed_data(b"\xc1\x85" + RFC_MASK + b"\x7f\x9f\x4d\x51\x58")
        gen = parse_header(reader.read_exact, mask=True)
        with pytest.raises(StopIteration) as exc_info:
            next(gen)
        header = exc_info.value.value
        assert header == frames.FrameHeader(
            opcode=OP_TEXT, fin=True, rsv1=True, rsv2=False, rsv3=False, length=5, mask=RFC_MASK
        )
        # The reserved bit isn't checked yet: an extension may use it.
        assert reader.buffer == b"\x7f\x9f\x4d\x51\x58"


class TestSerialize:
    @pytest.mark.parametrize(
        ("length", "header"),
        [
            (0, b"\x82\x00"),
            (125, b"\x82\x7d"),
            (126, b"\x82\x7e\x00\x7e"),
            (65535, b"\x82\x7e\xff\xff"),
            (65536, b"\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00"),
        ],
    )
    def test_length_encodings(self, length: int, header: bytes) -> None:
        assert Frame(OP_BINARY, b"x" * length).serialize(mask=False) == header + b"x" * length

    @pytest.mark.usefixtures("rfc_mask")
    def test_masked_length_encodings(self) -> None:
        encoded = Frame(OP_BINARY, bytes(126)).serialize(mask=True)
        assert encoded[:8] == b"\x82\xfe\x00\x7e" + RFC_MASK
        assert encoded[8:] == RFC_MASK * 31 + RFC_MASK[:2]

    @pytest.mark.parametrize("data", [bytearray(b"Hello"), memoryview(b"Hello")])
    @pytest.mark.usefixtures("rfc_mask")
    def test_bytes_like_payload(self, data: bytearray | memoryview) -> None:
        assert Frame(OP_TEXT, data).serialize(mask=False) == b"\x81\x05Hello"
        assert Frame(OP_TEXT, data).serialize(mask=True) == (
            b"\x81\x85" + RFC_MASK + b"\x7f\x9f\x4d\x51\x58"
        )

    def test_flags(self) -> None:
        frame = Frame(OP_BINARY, b"", fin=False)
        assert frame.serialize(mask=False) == b"\x02\x00"

    @given(
        opcode=st.sampled_from([OP_TEXT, OP_BINARY, OP_CONT]),
        size=st.sampled_from([0, 1, 125, 126, 65535, 65536, 70000]),
        fin=st.booleans(),
    )
    @settings(max_examples=50)
    def test_head_and_payload_match_serialize(self, opcode: Opcode, size: int, fin: bool) -> None:
        # The protocol's fast path serializes data frames without a Frame.
        data = bytes(range(256)) * (size // 256) + bytes(size % 256)
        head1 = (0x80 if fin else 0) | opcode
        header, payload = frames.serialize_head_and_payload(head1, data, mask=False)
        assert header + payload == Frame(opcode, data, fin).serialize(mask=False)
        header, payload = frames.serialize_head_and_payload(head1, data, mask=True)
        assert parse(header + bytes(payload), mask=True) == Frame(opcode, data, fin)

    def test_parts_unmasked(self) -> None:
        data = b"x" * 70000
        header, payload = Frame(OP_BINARY, data).serialize_parts(mask=False)
        assert header == b"\x82\x7f\x00\x00\x00\x00\x00\x01\x11\x70"
        assert payload is data  # not copied

    @pytest.mark.usefixtures("rfc_mask")
    def test_parts_masked(self) -> None:
        header, payload = Frame(OP_TEXT, b"Hello").serialize_parts(mask=True)
        assert header == b"\x81\x85" + RFC_MASK
        assert payload == b"\x7f\x9f\x4d\x51\x58"

    def test_random_masking_key(self) -> None:
        first = Frame(OP_TEXT, b"Hello").serialize(mask=True)
        second = Frame(OP_TEXT, b"Hello").serialize(mask=True)
        assert first[:2] == second[:2] == b"\x81\x85"
        # Each frame gets its own key; 2**-32 chance of a false failure.
        assert first[2:6] != second[2:6]
        assert parse(first, mask=True) == parse(second, mask=True) == Frame(OP_TEXT, b"Hello")

    def test_masking_keys_span_batches(self) -> None:
        # More keys than one batch of random bytes holds.
        count = frames._MASK_BATCH // 4 + 2
        keys = [frames._next_masking_key() for _ in range(count)]
        assert all(len(key) == 4 for key in keys)
        assert len(set(keys)) > count // 2

    @pytest.mark.parametrize("name", ["rsv1", "rsv2", "rsv3"])
    def test_reserved_bit_rejected(self, name: str) -> None:
        frame = with_reserved_bit(Frame(OP_TEXT, b"hi"), name)
        with pytest.raises(ProtocolError, match="reserved bits must be 0"):
            frame.serialize(mask=False)

    @pytest.mark.parametrize("opcode", [OP_CLOSE, OP_PING, OP_PONG])
    def test_control_frame_too_long(self, opcode: Opcode) -> None:
        with pytest.raises(ProtocolError, match="payload of 126 bytes, expected no more than 125"):
            Frame(opcode, b"\x03\xe8" + b"x" * 124).serialize(mask=False)

    @pytest.mark.parametrize("opcode", [OP_CLOSE, OP_PING, OP_PONG])
    def test_fragmented_control_frame(self, opcode: Opcode) -> None:
        with pytest.raises(ProtocolError, match="fragmented control frame"):
            Frame(opcode, b"", fin=False).serialize(mask=False)


class TestCheck:
    @pytest.mark.parametrize("opcode", list(Opcode))
    def test_valid(self, opcode: Opcode) -> None:
        Frame(opcode, b"x" * 125).check()

    @pytest.mark.parametrize("opcode", [OP_CONT, OP_TEXT, OP_BINARY])
    def test_data_frames_unlimited_and_fragmentable(self, opcode: Opcode) -> None:
        Frame(opcode, b"x" * 126, fin=False).check()

    @pytest.mark.parametrize("opcode", [OP_CLOSE, OP_PING, OP_PONG])
    def test_control_frame_too_long(self, opcode: Opcode) -> None:
        with pytest.raises(ProtocolError, match="control frame too long"):
            Frame(opcode, b"x" * 126).check()

    @pytest.mark.parametrize("opcode", [OP_CLOSE, OP_PING, OP_PONG])
    def test_fragmented_control_frame(self, opcode: Opcode) -> None:
        with pytest.raises(ProtocolError, match="fragmented control frame"):
            Frame(opcode, b"", fin=False).check()

    @pytest.mark.parametrize("name", ["rsv1", "rsv2", "rsv3"])
    def test_reserved_bits(self, name: str) -> None:
        with pytest.raises(ProtocolError, match="reserved bits must be 0"):
            with_reserved_bit(Frame(OP_BINARY, b""), name).check()


class Tag(Extension):
    """Fake extension: appends a tag byte on encode, removes it on decode.

    Decoding fails unless the payload ends with this extension's tag, so
    decoding in the wrong order fails. Every call is logged.

    """

    def __init__(self, tag: bytes, log: list[str], *, use_rsv1: bool = False) -> None:
        self.name = ExtensionName(f"x-tag-{tag.decode()}")
        self.tag = tag
        self.log = log
        self.use_rsv1 = use_rsv1

    def encode(self, frame: Frame) -> Frame:
        self.log.append(f"encode {self.tag.decode()}")
        data = bytes(frame.data) + self.tag
        return dataclasses.replace(frame, data=data, rsv1=frame.rsv1 or self.use_rsv1)

    def decode(self, frame: Frame, *, max_size: int | None = None) -> Frame:
        self.log.append(f"decode {self.tag.decode()} max_size={max_size}")
        assert bytes(frame.data).endswith(self.tag), f"{self.tag!r} isn't last"
        if self.use_rsv1:
            assert frame.rsv1, "RSV1 isn't set"
            frame = dataclasses.replace(frame, rsv1=False)
        return dataclasses.replace(frame, data=bytes(frame.data)[: -len(self.tag)])


class TestExtensions:
    def test_encode_in_order(self) -> None:
        log: list[str] = []
        extensions = [Tag(b"A", log), Tag(b"B", log)]
        encoded = Frame(OP_TEXT, b"spam").serialize(mask=False, extensions=extensions)
        assert encoded == b"\x81\x06spamAB"
        assert log == ["encode A", "encode B"]

    def test_decode_in_reverse_order(self) -> None:
        log: list[str] = []
        extensions = [Tag(b"A", log), Tag(b"B", log)]
        frame = parse(b"\x81\x06spamAB", mask=False, max_size=100, extensions=extensions)
        assert frame == Frame(OP_TEXT, b"spam")
        assert log == ["decode B max_size=100", "decode A max_size=100"]

    def test_round_trip(self) -> None:
        log: list[str] = []
        extensions = [Tag(b"A", log, use_rsv1=True), Tag(b"B", log), Tag(b"C", log)]
        encoded = Frame(OP_BINARY, b"eggs").serialize(mask=True, extensions=extensions)
        assert parse(encoded, mask=True, extensions=extensions) == Frame(OP_BINARY, b"eggs")

    def test_extension_may_set_reserved_bit(self) -> None:
        # serialize() checks the frame before extensions set RSV1; parse()
        # checks it after extensions clear RSV1.
        extensions = [Tag(b"Z", [], use_rsv1=True)]
        encoded = Frame(OP_TEXT, b"spam").serialize(mask=False, extensions=extensions)
        assert encoded == b"\xc1\x05spamZ"
        assert parse(encoded, mask=False, extensions=extensions) == Frame(OP_TEXT, b"spam")

    def test_reserved_bit_not_cleared_by_extensions(self) -> None:
        with pytest.raises(ProtocolError, match="reserved bits must be 0"):
            parse(b"\xc1\x05spamZ", mask=False, extensions=[Tag(b"Z", [])])

    def test_no_extensions(self) -> None:
        assert Frame(OP_TEXT, b"spam").serialize(mask=False, extensions=[]) == b"\x81\x04spam"
        assert parse(b"\x81\x04spam", mask=False, extensions=[]) == Frame(OP_TEXT, b"spam")


class TestFrameStr:
    @pytest.mark.parametrize(
        ("frame", "expected"),
        [
            (Frame(OP_TEXT, b"spam"), "TEXT 'spam' [4 bytes]"),
            (Frame(OP_TEXT, b"s"), "TEXT 's' [1 byte]"),
            (Frame(OP_TEXT, b""), "TEXT '' [0 bytes]"),
            (Frame(OP_TEXT, b"spam", fin=False), "TEXT 'spam' [4 bytes, continued]"),
            (Frame(OP_TEXT, "café".encode()), "TEXT 'café' [5 bytes]"),
            # A fragment that ends inside a multi-byte character.
            (Frame(OP_TEXT, b"caf\xc3", fin=False), "TEXT 'caf\\\\xc3' [4 bytes, continued]"),
            (Frame(OP_BINARY, b"\x00\x01\xff"), "BINARY 00 01 ff [3 bytes]"),
            (Frame(OP_BINARY, b""), "BINARY  [0 bytes]"),
            (Frame(OP_BINARY, b"\x2a", fin=False), "BINARY 2a [1 byte, continued]"),
            (Frame(OP_CLOSE, b""), "CLOSE 1005 (no status received [internal]) [0 bytes]"),
            (Frame(OP_CLOSE, b"\x03\xe8"), "CLOSE 1000 (OK) [2 bytes]"),
            (Frame(OP_CLOSE, b"\x03\xe9bye"), "CLOSE 1001 (going away) bye [5 bytes]"),
            (Frame(OP_CLOSE, b"\x0f\xa0"), "CLOSE 4000 (private use) [2 bytes]"),
            # Invalid close payloads are shown as hex rather than raising.
            (Frame(OP_CLOSE, b"\x03"), "CLOSE 03 [invalid, 1 byte]"),
            (Frame(OP_CLOSE, b"\x03\xed"), "CLOSE 03 ed [invalid, 2 bytes]"),
            (Frame(OP_CLOSE, b"\x03\xe8\xff"), "CLOSE 03 e8 ff [invalid, 3 bytes]"),
            (Frame(OP_PING, b""), "PING '' [0 bytes]"),
            (Frame(OP_PING, b"ping"), "PING 'ping' [text, 4 bytes]"),
            (Frame(OP_PING, b"\xff\x00"), "PING ff 00 [binary, 2 bytes]"),
            (Frame(OP_PONG, b""), "PONG '' [0 bytes]"),
            (Frame(OP_PONG, b"pong"), "PONG 'pong' [text, 4 bytes]"),
            (Frame(OP_PONG, b"\x80"), "PONG 80 [binary, 1 byte]"),
            (Frame(OP_CONT, b""), "CONT '' [0 bytes]"),
            (Frame(OP_CONT, b"", fin=False), "CONT '' [0 bytes, continued]"),
            (Frame(OP_CONT, b"am", fin=False), "CONT 'am' [text, 2 bytes, continued]"),
            (Frame(OP_CONT, b"\xc3\xa9"), "CONT 'é' [text, 2 bytes]"),
            (Frame(OP_CONT, b"\xfe\xff"), "CONT fe ff [binary, 2 bytes]"),
        ],
    )
    def test_str(self, frame: Frame, expected: str) -> None:
        assert str(frame) == expected

    def test_max_log_size_default(self) -> None:
        assert Frame.MAX_LOG_SIZE == frames.MAX_LOG_SIZE == 75

    def test_text_truncated(self) -> None:
        data = "".join(chr(ord("a") + i % 26) for i in range(100))
        # repr() adds quotes: 102 characters, cut to 48 + ellipsis + 24.
        expected = "'" + data[:47] + "…" + data[-23:] + "'"
        assert str(Frame(OP_TEXT, data.encode())) == f"TEXT {expected} [100 bytes]"
        assert len(expected) == 73

    def test_text_at_limit_not_truncated(self) -> None:
        data = "x" * 73  # 75 characters with the quotes
        assert str(Frame(OP_TEXT, data.encode())) == f"TEXT '{data}' [73 bytes]"

    @pytest.mark.parametrize("opcode", [OP_PING, OP_PONG, OP_CONT])
    def test_text_like_truncated(self, opcode: Opcode) -> None:
        data = "0123456789" * 10
        expected = "'" + data[:47] + "…" + data[-23:] + "'"
        frame = Frame(opcode, data.encode())
        assert str(frame) == f"{opcode.name} {expected} [text, 100 bytes]"

    @pytest.mark.parametrize("size", [26, 100, 65536])
    def test_binary_truncated(self, size: int) -> None:
        data = bytes(i % 256 for i in range(size))
        # The first 16 bytes and the last 8 bytes are shown.
        head = " ".join(f"{byte:02x}" for byte in data[:16])
        tail = " ".join(f"{byte:02x}" for byte in data[-8:])
        assert str(Frame(OP_BINARY, data)) == f"BINARY {head} … {tail} [{size} bytes]"

    def test_binary_at_limit_not_truncated(self) -> None:
        data = bytes(range(25))  # 25 * 3 - 1 = 74 characters
        expected = " ".join(f"{byte:02x}" for byte in data)
        assert str(Frame(OP_BINARY, data)) == f"BINARY {expected} [25 bytes]"

    def test_ping_binary_truncated(self) -> None:
        data = b"\xff" * 125
        head = " ".join(["ff"] * 16)
        tail = " ".join(["ff"] * 8)
        assert str(Frame(OP_PING, data)) == f"PING {head} … {tail} [binary, 125 bytes]"

    def test_close_truncated(self) -> None:
        frame = Frame(OP_CLOSE, Close(CloseCode.GOING_AWAY, "x" * 100).serialize())
        expected = "1001 (going away) " + "x" * 30 + "…" + "x" * 24
        assert str(frame) == f"CLOSE {expected} [102 bytes]"

    def test_custom_max_log_size(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(Frame, "MAX_LOG_SIZE", 15)
        # cut = 15 // 3 - 1 = 4: 8 characters, ellipsis, 4 characters.
        assert str(Frame(OP_TEXT, b"abcdefghijklmnopqrstuvwxyz")) == (
            "TEXT 'abcdefg…xyz' [26 bytes]"
        )

    @pytest.mark.parametrize(("value", "expected"), [("300", 300), ("spam", 75), ("", 75)])
    def test_max_log_size_from_environment(
        self, monkeypatch: pytest.MonkeyPatch, value: str, expected: int
    ) -> None:
        monkeypatch.setenv("WEBSOCKETS_MAX_LOG_SIZE", value)
        assert frames._max_log_size() == expected

    def test_max_log_size_unset(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("WEBSOCKETS_MAX_LOG_SIZE", raising=False)
        assert frames._max_log_size() == 75


def is_allowed_close_code(code: int) -> bool:
    """Close codes that may appear on the wire, per RFC 6455, section 7.4."""
    return 1000 <= code <= 1003 or 1007 <= code <= 1014 or 3000 <= code <= 4999


ALLOWED_CLOSE_CODES = [*range(1000, 1004), *range(1007, 1015), 3000, 3999, 4000, 4999]
REJECTED_CLOSE_CODES = [0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1999, 2000, 2999, 5000, 65535]


class TestClose:
    @pytest.mark.parametrize("code", ALLOWED_CLOSE_CODES)
    def test_parse_allowed(self, code: int) -> None:
        close = Close.parse(struct.pack("!H", code) + b"reason")
        assert close == Close(code, "reason")

    @pytest.mark.parametrize("code", ALLOWED_CLOSE_CODES)
    def test_serialize_allowed(self, code: int) -> None:
        assert Close(code, "reason").serialize() == struct.pack("!H", code) + b"reason"

    @pytest.mark.parametrize("code", ALLOWED_CLOSE_CODES)
    def test_check_allowed(self, code: int) -> None:
        Close(code, "").check()

    @pytest.mark.parametrize("code", REJECTED_CLOSE_CODES)
    def test_parse_rejected(self, code: int) -> None:
        with pytest.raises(ProtocolError, match=f"invalid status code: {code}$"):
            Close.parse(struct.pack("!H", code))

    @pytest.mark.parametrize("code", REJECTED_CLOSE_CODES)
    def test_serialize_rejected(self, code: int) -> None:
        with pytest.raises(ProtocolError, match=f"invalid status code: {code}$"):
            Close(code, "").serialize()

    @pytest.mark.parametrize("code", [*REJECTED_CLOSE_CODES, -1, 65536])
    def test_check_rejected(self, code: int) -> None:
        with pytest.raises(ProtocolError, match="invalid status code"):
            Close(code, "").check()

    def test_every_close_code(self) -> None:
        for code in range(65536):
            payload = struct.pack("!H", code)
            if is_allowed_close_code(code):
                assert Close.parse(payload).code == code
                assert Close(code, "").serialize() == payload
            else:
                with pytest.raises(ProtocolError):
                    Close.parse(payload)
                with pytest.raises(ProtocolError):
                    Close(code, "").serialize()

    def test_external_close_codes(self) -> None:
        # 1005, 1006 and 1015 are for local reporting only.
        reserved = {CloseCode.NO_STATUS_RCVD, CloseCode.ABNORMAL_CLOSURE, CloseCode.TLS_HANDSHAKE}
        assert frames.EXTERNAL_CLOSE_CODES == set(CloseCode) - reserved
        assert frames.OK_CLOSE_CODES == {1000, 1001, 1005}

    def test_parse_empty_payload(self) -> None:
        close = Close.parse(b"")
        assert close == Close(CloseCode.NO_STATUS_RCVD, "")
        assert close.code == 1005

    def test_parse_code_without_reason(self) -> None:
        assert Close.parse(b"\x03\xe8") == Close(CloseCode.NORMAL_CLOSURE, "")

    def test_parse_one_byte_payload(self) -> None:
        with pytest.raises(ProtocolError, match="close frame too short"):
            Close.parse(b"\x03")

    def test_parse_utf8_reason(self) -> None:
        assert Close.parse(b"\x03\xe8caf\xc3\xa9") == Close(1000, "café")

    def test_serialize_utf8_reason(self) -> None:
        assert Close(1000, "café").serialize() == b"\x03\xe8caf\xc3\xa9"

    @pytest.mark.parametrize("reason", [b"\xff", b"caf\xc3", b"\xed\xa0\x80"])
    def test_parse_invalid_utf8_reason(self, reason: bytes) -> None:
        with pytest.raises(UnicodeDecodeError):
            Close.parse(b"\x03\xe8" + reason)

    @pytest.mark.parametrize("data", [bytearray(b"\x03\xe8ok"), memoryview(b"\x03\xe8ok")])
    def test_parse_bytes_like(self, data: bytearray | memoryview) -> None:
        assert Close.parse(data) == Close(1000, "ok")

    def test_parse_from_close_frame(self) -> None:
        frame = parse(b"\x88\x82" + RFC_MASK + b"\x34\x13", mask=True)
        assert Close.parse(frame.data) == Close(CloseCode.GOING_AWAY, "")


class TestCloseStr:
    @pytest.mark.parametrize(
        ("close", "expected"),
        [
            (Close(1000, ""), "1000 (OK)"),
            (Close(CloseCode.GOING_AWAY, "bye"), "1001 (going away) bye"),
            (Close(1002, ""), "1002 (protocol error)"),
            (Close(1003, ""), "1003 (unsupported data)"),
            (Close(1004, ""), "1004 (unknown)"),
            (Close(1005, ""), "1005 (no status received [internal])"),
            (Close(1006, ""), "1006 (abnormal closure [internal])"),
            (Close(1007, ""), "1007 (invalid frame payload data)"),
            (Close(1008, ""), "1008 (policy violation)"),
            (Close(1009, ""), "1009 (message too big)"),
            (Close(1010, ""), "1010 (mandatory extension)"),
            (Close(1011, "oops"), "1011 (internal error) oops"),
            (Close(1012, ""), "1012 (service restart)"),
            (Close(1013, ""), "1013 (try again later)"),
            (Close(1014, ""), "1014 (bad gateway)"),
            (Close(1015, ""), "1015 (TLS handshake failure [internal])"),
            (Close(1016, ""), "1016 (unknown)"),
            (Close(2999, ""), "2999 (unknown)"),
            (Close(3000, ""), "3000 (registered)"),
            (Close(3999, "why"), "3999 (registered) why"),
            (Close(4000, ""), "4000 (private use)"),
            (Close(4999, "app"), "4999 (private use) app"),
            (Close(5000, ""), "5000 (unknown)"),
            (Close(999, ""), "999 (unknown)"),
        ],
    )
    def test_str(self, close: Close, expected: str) -> None:
        assert str(close) == expected

    def test_every_named_code_explained(self) -> None:
        assert set(CLOSE_CODE_EXPLANATIONS) == set(CloseCode)


class TestOpcodes:
    def test_values(self) -> None:
        assert {opcode.name: opcode.value for opcode in Opcode} == {
            "CONT": 0x0,
            "TEXT": 0x1,
            "BINARY": 0x2,
            "CLOSE": 0x8,
            "PING": 0x9,
            "PONG": 0xA,
        }

    def test_data_and_control(self) -> None:
        assert DATA_OPCODES | CTRL_OPCODES == set(Opcode)
        assert not DATA_OPCODES & CTRL_OPCODES
        assert all(opcode < 0x8 for opcode in DATA_OPCODES)
        assert all(opcode >= 0x8 for opcode in CTRL_OPCODES)

    def test_aliases(self) -> None:
        assert (frames.OP_CONT, frames.OP_TEXT, frames.OP_BINARY) == (
            frames.CONT,
            frames.TEXT,
            frames.BINARY,
        )
        assert (frames.OP_CLOSE, frames.OP_PING, frames.OP_PONG) == (
            frames.CLOSE,
            frames.PING,
            frames.PONG,
        )


# Property-based tests.

VALID_CLOSE_CODES = st.one_of(
    st.sampled_from(sorted(frames.EXTERNAL_CLOSE_CODES)),
    st.integers(3000, 4999),
)


@st.composite
def close_payloads(draw: st.DrawFn) -> bytes:
    """Valid close frame payloads: empty, or a code and a short reason."""
    if draw(st.booleans()):
        return b""
    code = draw(VALID_CLOSE_CODES)
    # 123 bytes of reason at most: UTF-8 takes up to 4 bytes per character.
    reason = draw(st.text(max_size=30))
    return Close(code, reason).serialize()


@st.composite
def payloads(draw: st.DrawFn, max_size: int) -> bytes:
    """Payloads with sizes around the boundaries of the length encodings."""
    sizes = [st.integers(0, min(130, max_size)), st.integers(0, max_size)]
    if max_size > 65540:
        sizes.append(st.integers(65530, 65540))
    size = draw(st.one_of(sizes))
    pattern = draw(st.binary(min_size=1, max_size=16))
    return (pattern * (size // len(pattern) + 1))[:size]


@st.composite
def valid_frames(draw: st.DrawFn) -> Frame:
    opcode = draw(st.sampled_from(list(Opcode)))
    if opcode is OP_CLOSE:
        return Frame(opcode, draw(close_payloads()))
    if opcode in CTRL_OPCODES:
        return Frame(opcode, draw(payloads(125)))
    return Frame(opcode, draw(payloads(70000)), fin=draw(st.booleans()))


class TestProperties:
    @given(
        frame=valid_frames(),
        mask=st.booleans(),
        chunk_sizes=st.lists(st.integers(1, 20), max_size=20),
    )
    @settings(deadline=None)
    def test_round_trip(self, frame: Frame, mask: bool, chunk_sizes: list[int]) -> None:
        encoded = frame.serialize(mask=mask)
        assert parse_in_chunks(encoded, chunk_sizes, mask=mask) == frame

    @given(frame=valid_frames(), mask=st.booleans())
    @settings(deadline=None)
    def test_wire_format(self, frame: Frame, mask: bool) -> None:
        encoded = frame.serialize(mask=mask)
        assert encoded[0] == (0x80 if frame.fin else 0) | frame.opcode
        assert bool(encoded[1] & 0x80) == mask
        length = len(frame.data)
        header_size = 2 + (0 if length < 126 else 2 if length < 65536 else 8)
        assert len(encoded) == header_size + (4 if mask else 0) + length

    @given(code=VALID_CLOSE_CODES, reason=st.text(max_size=100))
    def test_close_round_trip(self, code: int, reason: str) -> None:
        close = Close(code, reason)
        assert Close.parse(close.serialize()) == close


class TestIsUtf8Fragment:
    # (data, must_start_clean, must_end_clean) -> result, as upstream 17.4.
    @pytest.mark.parametrize(
        ("data", "start_clean", "end_clean", "expected"),
        [
            (b"", True, True, True),
            (b"caf\xc3\xa9", True, True, True),
            (b"\t\r\n", True, True, True),
            # Cut in the middle of a character, at either end.
            (b"\xa9abc", False, False, True),
            (b"\xa9abc", True, False, False),
            (b"abc\xe2\x82", False, False, True),
            (b"abc\xe2\x82", False, True, False),
            (b"\x9f\x98\x80", False, True, True),
            (b"\xa9", True, False, True),
            (b"\xa9\xa9", True, False, False),
            (b"\x80\x80\x80\x80", False, False, True),
            (b"\x80\x80\x80\x80a", False, False, False),
            # Incomplete sequences are checked loosely, complete ones strictly.
            (b"abc\xc0", False, False, True),
            (b"abc\xc0\x80", False, False, False),
            (b"abc\xed\xa0", False, False, True),
            (b"abc\xed\xa0\x80", False, False, False),
            (b"abc\xf8", False, False, False),
            (b"\xff", False, False, False),
            # Control characters and a few others aren't text.
            (b"a\x00", True, True, False),
            (b"\x7f", True, True, False),
            (b"a\xc2\xa0a", True, True, False),
            (b"\xee\x80\x80", True, True, True),
        ],
    )
    def test_cases(self, data: bytes, start_clean: bool, end_clean: bool, expected: bool) -> None:
        assert is_utf8_fragment(data, start_clean, end_clean) is expected

    def test_defaults(self) -> None:
        assert is_utf8_fragment(b"\xa9abc\xc3")
        assert not is_utf8_fragment(b"\xa9abc\xc3", must_start_clean=True)
        assert not is_utf8_fragment(b"\xa9abc\xc3", must_end_clean=True)
