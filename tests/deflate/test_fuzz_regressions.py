"""Regression tests for the bugs that fuzzing found with permessage-deflate
negotiated (see fuzz/); tests/proto/test_fuzz_regressions.py has the others."""

from __future__ import annotations

import zlib

import pytest

from websockets.exceptions import PayloadTooBig
from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.frames import (
    OP_BINARY,
    OP_CONT,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    Frame,
    serialize_head_and_payload,
)
from websockets.protocol import CLIENT, CLOSING, OPEN, SERVER, Protocol, Side


def deflate_protocol(side: Side, max_size: int | tuple[int | None, int | None]) -> Protocol:
    protocol = Protocol(side, max_size=max_size)
    protocol.extensions = [PerMessageDeflate(True, False, 9, 15)]
    return protocol


def compress(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-9)
    return (compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH))[:-4]


def compressed_frame(opcode: int, data: bytes) -> bytes:
    """A final frame with RSV1 set, unmasked: Frame.serialize() would refuse RSV1."""
    header, payload = serialize_head_and_payload(0xC0 | opcode, compress(data), mask=False)
    return header + bytes(payload)


def assert_failed_with_1009(protocol: Protocol, message: str) -> None:
    assert isinstance(protocol.parser_exc, PayloadTooBig)
    assert str(protocol.parser_exc) == message
    assert protocol.close_sent is not None and protocol.close_sent.code == 1009
    assert protocol.state is CLOSING


# fuzz_frames: an uncompressed message on a connection that negotiated
# permessage-deflate escaped max_size, since the extension leaves it as is.


def test_uncompressed_fragmented_message_found_by_fuzzing() -> None:
    """The input that found it: a client, max_size=125, a pong, then an
    uncompressed binary message of 99 + 36 bytes."""
    client = deflate_protocol(CLIENT, 125)
    client.receive_data(
        Frame(OP_PONG, b"png\x00").serialize(mask=False)
        + Frame(OP_BINARY, b"\xff" * 99, fin=False).serialize(mask=False)
        + Frame(OP_CONT, b"\x00" * 36, fin=False).serialize(mask=False)
    )
    assert client.events_received() == [
        Frame(OP_PONG, b"png\x00"),
        Frame(OP_BINARY, b"\xff" * 99, fin=False),
    ]
    assert_failed_with_1009(
        client, "frame with 36 bytes after reading 99 bytes exceeds limit of 125 bytes"
    )


@pytest.mark.parametrize("side", [CLIENT, SERVER])
def test_uncompressed_message_counts_against_max_message_size(side: Side) -> None:
    protocol = deflate_protocol(side, (1000, 100))
    mask = side is SERVER
    protocol.receive_data(Frame(OP_TEXT, b"a" * 100, fin=False).serialize(mask=mask))
    for _ in range(9):
        protocol.receive_data(Frame(OP_CONT, b"b" * 100, fin=False).serialize(mask=mask))
    assert len(protocol.events_received()) == 10
    assert protocol.parser_exc is None and protocol.recv_size == 1000
    protocol.receive_data(Frame(OP_CONT, b"e").serialize(mask=mask))
    assert_failed_with_1009(
        protocol, "frame with 1 bytes after reading 1000 bytes exceeds limit of 1000 bytes"
    )


def test_compressed_and_uncompressed_messages_within_limits() -> None:
    client = deflate_protocol(CLIENT, 125)
    client.receive_data(
        compressed_frame(OP_TEXT, b"x" * 125)
        + Frame(OP_BINARY, b"y" * 100, fin=False).serialize(mask=False)
        + Frame(OP_CONT, b"z" * 25).serialize(mask=False)
        + Frame(OP_PING, b"").serialize(mask=False)
    )
    assert client.events_received() == [
        Frame(OP_TEXT, b"x" * 125),
        Frame(OP_BINARY, b"y" * 100, fin=False),
        Frame(OP_CONT, b"z" * 25),
        Frame(OP_PING, b""),
    ]
    assert client.state is OPEN


def test_compressed_message_over_limit_still_fails() -> None:
    client = deflate_protocol(CLIENT, 125)
    client.receive_data(compressed_frame(OP_BINARY, b"x" * 126))
    assert client.events_received() == []
    assert_failed_with_1009(client, "frame exceeds limit of 125 bytes")


# Review: with an extension negotiated, a frame wasn't checked against what's
# left of max_size before its payload was buffered, so with no frame limit,
# max_size=(M, None), a peer could make the connection buffer any amount.


@pytest.mark.parametrize("rsv1", [True, False])
def test_frame_over_message_limit_rejected_at_header(rsv1: bool) -> None:
    server = deflate_protocol(SERVER, (1000, None))
    # The header of a masked frame announcing 2**40 bytes, and a few of them.
    header = bytes([0xC2 if rsv1 else 0x82, 0xFF]) + (2**40).to_bytes(8, "big")
    server.receive_data(header + b"mask" + bytes(1000))
    assert_failed_with_1009(server, "frame with 1099511627776 bytes exceeds limit of 1000 bytes")
    assert len(server.reader.buffer) == 0
