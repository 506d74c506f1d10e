"""Frames and close frame payloads (:rfc:`6455#section-5`)."""

from __future__ import annotations

import dataclasses
import enum
import os
import secrets
import struct
import threading
from collections.abc import Callable, Generator, Sequence
from typing import TYPE_CHECKING

from .exceptions import PayloadTooBig, ProtocolError
from .typing import BytesLike
from .utils import apply_mask

if TYPE_CHECKING:
    from .extensions import Extension


__all__ = [
    "Close",
    "CloseCode",
    "Frame",
    "Opcode",
]


class Opcode(enum.IntEnum):
    """Opcode values for WebSocket frames (:rfc:`6455#section-5.2`)."""

    CONT, TEXT, BINARY = 0x00, 0x01, 0x02
    CLOSE, PING, PONG = 0x08, 0x09, 0x0A


OP_CONT = CONT = Opcode.CONT
OP_TEXT = TEXT = Opcode.TEXT
OP_BINARY = BINARY = Opcode.BINARY
OP_CLOSE = CLOSE = Opcode.CLOSE
OP_PING = PING = Opcode.PING
OP_PONG = PONG = Opcode.PONG

DATA_OPCODES = frozenset({Opcode.CONT, Opcode.TEXT, Opcode.BINARY})
"""Opcodes of data frames (:rfc:`6455#section-5.6`)."""

CTRL_OPCODES = frozenset({Opcode.CLOSE, Opcode.PING, Opcode.PONG})
"""Opcodes of control frames (:rfc:`6455#section-5.5`)."""

# Opcode lookup by value: faster than calling Opcode(value) and handling
# ValueError for every frame.
_OPCODES: dict[int, Opcode] = {opcode.value: opcode for opcode in Opcode}


class CloseCode(enum.IntEnum):
    """Close code values for WebSocket close frames (:rfc:`6455#section-7.4.1`)."""

    NORMAL_CLOSURE = 1000
    GOING_AWAY = 1001
    PROTOCOL_ERROR = 1002
    UNSUPPORTED_DATA = 1003
    # 1004 is reserved
    NO_STATUS_RCVD = 1005
    ABNORMAL_CLOSURE = 1006
    INVALID_DATA = 1007
    POLICY_VIOLATION = 1008
    MESSAGE_TOO_BIG = 1009
    MANDATORY_EXTENSION = 1010
    INTERNAL_ERROR = 1011
    SERVICE_RESTART = 1012
    TRY_AGAIN_LATER = 1013
    BAD_GATEWAY = 1014
    TLS_HANDSHAKE = 1015


CLOSE_CODE_EXPLANATIONS: dict[int, str] = {
    CloseCode.NORMAL_CLOSURE: "OK",
    CloseCode.GOING_AWAY: "going away",
    CloseCode.PROTOCOL_ERROR: "protocol error",
    CloseCode.UNSUPPORTED_DATA: "unsupported data",
    CloseCode.NO_STATUS_RCVD: "no status received [internal]",
    CloseCode.ABNORMAL_CLOSURE: "abnormal closure [internal]",
    CloseCode.INVALID_DATA: "invalid frame payload data",
    CloseCode.POLICY_VIOLATION: "policy violation",
    CloseCode.MESSAGE_TOO_BIG: "message too big",
    CloseCode.MANDATORY_EXTENSION: "mandatory extension",
    CloseCode.INTERNAL_ERROR: "internal error",
    CloseCode.SERVICE_RESTART: "service restart",
    CloseCode.TRY_AGAIN_LATER: "try again later",
    CloseCode.BAD_GATEWAY: "bad gateway",
    CloseCode.TLS_HANDSHAKE: "TLS handshake failure [internal]",
}
"""Short human-readable explanation of each close code, for messages and logs."""

EXTERNAL_CLOSE_CODES = frozenset(
    {
        CloseCode.NORMAL_CLOSURE,
        CloseCode.GOING_AWAY,
        CloseCode.PROTOCOL_ERROR,
        CloseCode.UNSUPPORTED_DATA,
        CloseCode.INVALID_DATA,
        CloseCode.POLICY_VIOLATION,
        CloseCode.MESSAGE_TOO_BIG,
        CloseCode.MANDATORY_EXTENSION,
        CloseCode.INTERNAL_ERROR,
        CloseCode.SERVICE_RESTART,
        CloseCode.TRY_AGAIN_LATER,
        CloseCode.BAD_GATEWAY,
    }
)
"""Close codes in 1000-2999 that may appear in a close frame on the wire.

1005, 1006 and 1015 are reserved for reporting a condition locally and MUST
NOT be sent (:rfc:`6455#section-7.4.1`); 1012-1014 are registered with IANA
(:rfc:`6455#section-11.7`); other codes below 3000 are unassigned.

"""

OK_CLOSE_CODES = frozenset(
    {
        CloseCode.NORMAL_CLOSURE,
        CloseCode.GOING_AWAY,
        CloseCode.NO_STATUS_RCVD,
    }
)
"""Close codes that mean the connection closed without an error."""


def _max_log_size() -> int:
    try:
        return int(os.environ.get("WEBSOCKETS_MAX_LOG_SIZE", "75"))
    except ValueError:
        return 75


MAX_LOG_SIZE = _max_log_size()
"""Length at which the debug representation of a frame is truncated, in
characters; ``WEBSOCKETS_MAX_LOG_SIZE``, 75 by default."""


# Bit masks of the first two bytes of the frame header.
_FIN = 0b10000000
_RSV1 = 0b01000000
_RSV2 = 0b00100000
_RSV3 = 0b00010000
_OPCODE = 0b00001111
_MASK = 0b10000000
_LENGTH = 0b01111111

_UINT16 = struct.Struct("!H")
_UINT64 = struct.Struct("!Q")

# Drawing masking keys one at a time costs a system call per frame; draw them
# in batches instead. 4096 bytes make 1024 keys.
_MASK_BATCH = 4096


def _masking_keys() -> Generator[bytes, None, None]:
    while True:
        batch = secrets.token_bytes(_MASK_BATCH)
        for offset in range(0, _MASK_BATCH, 4):
            yield batch[offset : offset + 4]


_masking_keys_iter = _masking_keys()
_masking_keys_lock = threading.Lock()


def _next_masking_key() -> bytes:
    # The lock makes the shared batch safe for the threading backend, where
    # several connections serialize frames from different threads.
    with _masking_keys_lock:
        return next(_masking_keys_iter)


@dataclasses.dataclass(slots=True)
class FrameHeader:
    """Header of a frame, parsed before its payload is read.

    Not part of the public API: the protocol uses it to apply limits before
    buffering a payload and to validate text incrementally.

    """

    opcode: Opcode
    fin: bool
    rsv1: bool
    rsv2: bool
    rsv3: bool
    length: int
    mask: bytes | None


def parse_header(
    read_exact: Callable[[int], Generator[None, None, bytes]],
    *,
    mask: bool,
    max_size: int | None = None,
) -> Generator[None, None, FrameHeader]:
    """Parse a frame header; stop before its payload.

    Checks everything that can be checked without the payload, so that a bad
    frame is rejected before any of its payload is buffered.

    Raises:
        EOFError: If the stream ends first.
        ProtocolError: If the opcode is unknown, the masking bit is wrong, or
            a control frame is fragmented or longer than 125 bytes
            (:rfc:`6455#section-5.2`, :rfc:`6455#section-5.5`).
        PayloadTooBig: If the payload exceeds ``max_size`` bytes.

    """
    data = yield from read_exact(2)
    head1, head2 = data[0], data[1]
    opcode, length = _check_first_bytes(head1, head2, mask)
    if length == 126:
        data = yield from read_exact(2)
        (length,) = _UINT16.unpack(data)
    elif length == 127:
        data = yield from read_exact(8)
        (length,) = _UINT64.unpack(data)
    _check_length(length, max_size)
    mask_bytes = (yield from read_exact(4)) if mask else None
    return FrameHeader(
        opcode,
        bool(head1 & _FIN),
        bool(head1 & _RSV1),
        bool(head1 & _RSV2),
        bool(head1 & _RSV3),
        length,
        mask_bytes,
    )


def parse_buffered_header(
    buffer: bytearray,
    *,
    mask: bool,
    max_size: int | None = None,
) -> FrameHeader | None:
    """Parse a frame header from ``buffer`` if it's there in full.

    This is the fast path of :func:`parse_header`, without generators, for
    when frames arrive faster than they're parsed: it consumes the header
    from ``buffer`` and returns it, or returns :obj:`None` and consumes
    nothing when the header isn't complete yet. It performs the same checks.

    Raises:
        ProtocolError: If the header is invalid.
        PayloadTooBig: If the payload exceeds ``max_size`` bytes.

    """
    available = len(buffer)
    if available < 2:
        return None
    head1, head2 = buffer[0], buffer[1]
    opcode, length = _check_first_bytes(head1, head2, mask)
    size = 2 + _EXTENDED_LENGTH_SIZE[length] + (4 if mask else 0)
    if available < size:
        return None
    if length == 126:
        (length,) = _UINT16.unpack_from(buffer, 2)
    elif length == 127:
        (length,) = _UINT64.unpack_from(buffer, 2)
    _check_length(length, max_size)
    mask_bytes = bytes(buffer[size - 4 : size]) if mask else None
    del buffer[:size]
    return FrameHeader(
        opcode,
        bool(head1 & _FIN),
        bool(head1 & _RSV1),
        bool(head1 & _RSV2),
        bool(head1 & _RSV3),
        length,
        mask_bytes,
    )


def serialize_head_and_payload(head1: int, data: BytesLike, mask: bool) -> tuple[bytes, BytesLike]:
    """Serialize a frame whose first byte is ``head1``, without any checks.

    This is :meth:`Frame.serialize_parts` after the checks and extensions,
    for callers that build valid frames themselves.

    Returns:
        The header, with a new masking key if ``mask``; the payload, masked
        if ``mask``, else ``data`` itself.

    """
    length = len(data)
    head2 = _MASK if mask else 0
    if length < 126:
        header = bytes((head1, head2 | length))
    elif length < 65536:
        header = bytes((head1, head2 | 126)) + _UINT16.pack(length)
    else:
        header = bytes((head1, head2 | 127)) + _UINT64.pack(length)
    if mask:
        key = _next_masking_key()
        return header + key, apply_mask(data, key)
    return header, data


# Size of the extended payload length for each value of the 7-bit length.
_EXTENDED_LENGTH_SIZE = [0] * 126 + [2, 8]


def _check_first_bytes(head1: int, head2: int, mask: bool) -> tuple[Opcode, int]:
    """Check the first two bytes of a header; return the opcode and 7-bit length."""
    opcode = _OPCODES.get(head1 & _OPCODE)
    if opcode is None:
        raise ProtocolError(f"invalid opcode: {head1 & _OPCODE:#x}")
    if bool(head2 & _MASK) != mask:
        raise ProtocolError("incorrect masking")
    length = head2 & _LENGTH
    if opcode >= Opcode.CLOSE:
        # Check before reading an extended length: a control frame can't
        # have one, since its payload is 125 bytes at most (5.5) and its
        # length must be encoded in the fewest bytes (5.2). Upstream reads
        # the extended length and accepts up to 125 there.
        if length > 125:
            raise ProtocolError(
                f"control frame too long or its length not minimally encoded: "
                f"length field {length}, expected no more than 125"
            )
        if not head1 & _FIN:
            raise ProtocolError("fragmented control frame")
    return opcode, length


def _check_length(length: int, max_size: int | None) -> None:
    """Check a payload length read from a header."""
    if length & (1 << 63):
        raise ProtocolError("invalid payload length: most significant bit set")
    if max_size is not None and length > max_size:
        raise PayloadTooBig(length, max_size)


@dataclasses.dataclass
class Frame:
    """WebSocket frame (:rfc:`6455#section-5.2`).

    Attributes:
        opcode: Opcode.
        data: Payload data, unmasked.
        fin: FIN bit: :obj:`True` on the last frame of a message.
        rsv1: RSV1 bit, reserved for extensions.
        rsv2: RSV2 bit, reserved for extensions.
        rsv3: RSV3 bit, reserved for extensions.

    Only these fields are needed. The MASK bit, payload length and masking key
    are handled on the fly by :meth:`parse` and :meth:`serialize`.

    """

    opcode: Opcode
    data: BytesLike
    fin: bool = True
    rsv1: bool = False
    rsv2: bool = False
    rsv3: bool = False

    # Configure if you want to see more in logs. Should be a multiple of 3.
    MAX_LOG_SIZE = MAX_LOG_SIZE

    def __str__(self) -> str:
        """Return a human-readable representation of a frame, for logs."""
        coding = None
        length = f"{len(self.data)} byte{'' if len(self.data) == 1 else 's'}"
        non_final = "" if self.fin else "continued"

        if self.opcode is OP_TEXT:
            # Decode the whole payload, then cut: cutting bytes first could
            # split a multi-byte character. Invalid UTF-8 (the first frame of
            # a fragmented message may end inside a character) shows as
            # backslash escapes.
            data = repr(bytes(self.data).decode(errors="backslashreplace"))
        elif self.opcode is OP_BINARY:
            data = self._hex()
        elif self.opcode is OP_CLOSE:
            # Frames are logged before the protocol validates them: a close
            # frame with a bad payload must still print, as hex.
            try:
                data = str(Close.parse(self.data))
            except (ProtocolError, UnicodeDecodeError):
                data = self._hex()
                coding = "invalid"
        elif self.data:
            # Ping, pong and continuation frames carry arbitrary bytes; show
            # them as text when they decode, as hex otherwise.
            try:
                data = repr(bytes(self.data).decode())
                coding = "text"
            except UnicodeDecodeError:
                data = self._hex()
                coding = "binary"
        else:
            data = "''"

        if len(data) > self.MAX_LOG_SIZE:
            cut = self.MAX_LOG_SIZE // 3 - 1  # -1 for the ellipsis
            data = data[: 2 * cut] + "…" + data[-cut:]

        metadata = ", ".join(filter(None, [coding, length, non_final]))
        return f"{self.opcode.name} {data} [{metadata}]"

    def _hex(self) -> str:
        # Only the bytes that can appear in the log are converted.
        binary = bytes(self.data)
        if len(binary) > self.MAX_LOG_SIZE // 3:
            cut = (self.MAX_LOG_SIZE // 3 - 1) // 3
            binary = b"".join([binary[: 2 * cut], b"\x00" * 4, binary[-cut:]])
        return " ".join(f"{byte:02x}" for byte in binary)

    @classmethod
    def parse(
        cls,
        read_exact: Callable[[int], Generator[None, None, bytes]],
        *,
        mask: bool,
        max_size: int | None = None,
        extensions: Sequence[Extension] | None = None,
    ) -> Generator[None, None, Frame]:
        """Parse a WebSocket frame.

        This is a generator-based coroutine, driven by
        :meth:`~websockets.streams.StreamReader.read_exact`.

        Args:
            read_exact: Generator-based coroutine that reads the requested
                bytes or raises an exception if there isn't enough data.
            mask: Whether the frame should be masked, i.e. whether the read
                happens on the server side.
            max_size: Maximum payload size, in bytes; :obj:`None` for no limit.
            extensions: Extensions to apply, in the order they were
                negotiated; they are applied in reverse order.

        Raises:
            EOFError: If the stream ends before a whole frame is read.
            ProtocolError: If the frame contains incorrect values.
            PayloadTooBig: If the payload exceeds ``max_size``.

        """
        header = yield from parse_header(read_exact, mask=mask, max_size=max_size)
        data = yield from read_exact(header.length)
        if header.mask is not None:
            data = apply_mask(data, header.mask)
        frame = cls(
            header.opcode,
            data,
            header.fin,
            header.rsv1,
            header.rsv2,
            header.rsv3,
        )
        if extensions is None:
            extensions = []
        for extension in reversed(extensions):
            frame = extension.decode(frame, max_size=max_size)
        frame.check()
        return frame

    def serialize(
        self,
        *,
        mask: bool,
        extensions: Sequence[Extension] | None = None,
    ) -> bytes:
        """Serialize a WebSocket frame.

        Args:
            mask: Whether the frame should be masked, i.e. whether the write
                happens on the client side.
            extensions: Extensions to apply, in the order they were
                negotiated.

        Raises:
            ProtocolError: If the frame contains incorrect values.

        """
        header, payload = self.serialize_parts(mask=mask, extensions=extensions)
        return b"".join((header, payload))

    def serialize_parts(
        self,
        *,
        mask: bool,
        extensions: Sequence[Extension] | None = None,
    ) -> tuple[bytes, BytesLike]:
        """Serialize a WebSocket frame into its header and its payload.

        Writing them one after the other saves copying a large payload into
        the serialized frame, which :meth:`serialize` does.

        Args and exceptions are those of :meth:`serialize`.

        Returns:
            The header, with the masking key if ``mask``; the payload, masked
            if ``mask``, which may be the frame's (or an extension's) data
            itself, not a copy.

        """
        self.check()
        frame = self
        for extension in extensions or ():
            frame = extension.encode(frame)

        head1 = (
            (_FIN if frame.fin else 0)
            | (_RSV1 if frame.rsv1 else 0)
            | (_RSV2 if frame.rsv2 else 0)
            | (_RSV3 if frame.rsv3 else 0)
            | frame.opcode
        )
        return serialize_head_and_payload(head1, frame.data, mask)

    def check(self) -> None:
        """Check that reserved bits and opcode have acceptable values.

        Raises:
            ProtocolError: If a reserved bit is set (no extension cleared it)
                or a control frame is fragmented or longer than 125 bytes.

        """
        if self.rsv1 or self.rsv2 or self.rsv3:
            raise ProtocolError("reserved bits must be 0")

        if self.opcode in CTRL_OPCODES:
            if len(self.data) > 125:
                raise ProtocolError(
                    f"control frame too long: payload of {len(self.data)} bytes, expected no more than 125 bytes"
                )
            if not self.fin:
                raise ProtocolError("fragmented control frame")


@dataclasses.dataclass
class Close:
    """Code and reason of a WebSocket close frame (:rfc:`6455#section-5.5.1`).

    Attributes:
        code: Close code.
        reason: Close reason.

    """

    code: CloseCode | int
    reason: str

    def __str__(self) -> str:
        """Return a human-readable representation of a close code and reason."""
        if 3000 <= self.code < 4000:
            explanation = "registered"
        elif 4000 <= self.code < 5000:
            explanation = "private use"
        else:
            explanation = CLOSE_CODE_EXPLANATIONS.get(self.code, "unknown")
        result = f"{self.code} ({explanation})"
        if self.reason:
            result = f"{result} {self.reason}"
        return result

    @classmethod
    def parse(cls, data: BytesLike) -> Close:
        """Parse the payload of a close frame.

        An empty payload means no close code was sent: the result reports
        1005 (:rfc:`6455#section-7.1.5`).

        Args:
            data: Payload of the close frame.

        Raises:
            ProtocolError: If the payload is one byte long or the close code
                isn't allowed on the wire (:rfc:`6455#section-7.4`).
            UnicodeDecodeError: If the reason isn't valid UTF-8.

        """
        if len(data) >= 2:
            (code,) = _UINT16.unpack(data[:2])
            reason = bytes(data[2:]).decode()
            close = cls(code, reason)
            close.check()
            return close
        if len(data) == 0:
            return cls(CloseCode.NO_STATUS_RCVD, "")
        raise ProtocolError(
            "close frame too short: payload of 1 byte, expected 0 or at least 2 bytes"
        )

    def serialize(self) -> bytes:
        """Serialize the payload of a close frame.

        Raises:
            ProtocolError: If the close code isn't allowed on the wire.

        """
        self.check()
        return _UINT16.pack(self.code) + self.reason.encode()

    def check(self) -> None:
        """Check that the close code may be sent on the wire.

        Allowed: the codes of :data:`EXTERNAL_CLOSE_CODES` and 3000-4999.

        Raises:
            ProtocolError: If the close code is reserved, unassigned, or out
                of range (:rfc:`6455#section-7.4`).

        """
        if not (self.code in EXTERNAL_CLOSE_CODES or 3000 <= self.code < 5000):
            raise ProtocolError(f"invalid status code: {self.code}")


# Characters that hardly ever occur in text: C0 controls other than tab, line
# feed and carriage return, DEL, C1 controls, no-break space and soft hyphen.
# Most of them are frequent in binary data.
_NOT_TEXT = frozenset(
    chr(code)
    for code in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA1), 0xAD]
)


def _is_continuation(byte: int) -> bool:
    return 0x80 <= byte <= 0xBF


def _sequence_length(byte: int) -> int:
    """Bytes of the UTF-8 sequence that a lead byte starts; 0 if it doesn't."""
    if 0xC0 <= byte <= 0xDF:
        return 2
    if 0xE0 <= byte <= 0xEF:
        return 3
    if 0xF0 <= byte <= 0xF7:
        return 4
    return 0


def is_utf8_fragment(
    data: bytes,
    must_start_clean: bool = False,
    must_end_clean: bool = False,
) -> bool:
    """Guess whether data is a fragment of UTF-8 text.

    It's a heuristic, for logging frames: data may be cut in the middle of a
    character at either end, and looks like text if the rest decodes as
    UTF-8 without control characters other than tab, line feed and carriage
    return.

    Args:
        data: Bytes to look at.
        must_start_clean: Whether ``data`` must start at the beginning of a
            character; when :obj:`False`, up to 3 leading continuation bytes
            are ignored.
        must_end_clean: Whether ``data`` must end at the end of a character;
            when :obj:`False`, an incomplete sequence at the end is ignored.

    Returns:
        :obj:`True` if ``data`` looks like a fragment of text.

    """
    data = bytes(data)
    start, end = 0, len(data)
    if not must_start_clean:
        while start < min(3, end) and _is_continuation(data[start]):
            start += 1
    if not must_end_clean:
        if end - start == 1 and _is_continuation(data[start]):
            # A lone continuation byte: the middle of a character.
            end = start
        for back in range(1, 4):
            index = end - back
            if index < start:
                break
            byte = data[index]
            if _is_continuation(byte):
                continue
            if _sequence_length(byte) > back:
                end = index
            break
    try:
        text = data[start:end].decode()
    except UnicodeDecodeError:
        return False
    return not any(char in _NOT_TEXT for char in text)
