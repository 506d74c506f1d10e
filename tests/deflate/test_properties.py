"""Property-based tests of permessage-deflate (RFC 7692): what is sent comes back.

test_permessage_deflate.py checks the RFC's examples and each rule of the
negotiation; here, Hypothesis chooses the settings of both sides: whether
they take over the LZ77 window from one message to the next, how large the
window is, how messages are fragmented and how the stream is cut.

Raw zlib serves as an independent peer: what the extension compresses must
inflate with the window negotiated, and what zlib deflates with that window,
flushed and fragmented as any peer may, must decompress. A mistake made the
same way on both sides of the extension doesn't go unnoticed.

"""

from __future__ import annotations

import zlib
from typing import Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from websockets.exceptions import PayloadTooBig
from websockets.extensions.permessage_deflate import (
    ClientPerMessageDeflateFactory,
    PerMessageDeflate,
    ServerPerMessageDeflateFactory,
)
from websockets.frames import OP_CLOSE, OP_CONT, OP_TEXT, Close, Frame, Opcode
from websockets.http11 import Request, Response
from websockets.protocol import Protocol
from websockets.server import ServerProtocol

from ..proto.wire import (
    Message,
    Payload,
    connect_client,
    connect_server,
    cut_points,
    feed_protocol,
    fragment,
    messages,
)

__all__: list[str] = []

# The empty stored block that ends a sync flush (RFC 7692, section 7.2.1).
TAIL = b"\x00\x00\xff\xff"

window_bits = st.integers(8, 15)


# Blocks of random bytes, shorter or longer than the LZ77 window.
blocks = st.builds(
    lambda random, size: random.randbytes(size),
    st.randoms(use_true_random=False),
    st.sampled_from([200, 300, 600, 1200, 2500, 5000]) | st.integers(1, 5000),
)


@st.composite
def message_data(draw: st.DrawFn, opcode: Opcode) -> bytes:
    """Data that compresses well, or not at all.

    Binary data repeats a block of random bytes, shared by every message of
    an example, from any offset, or is random. The compressor refers to
    earlier copies of the block within its window, in the same message or,
    with context takeover, in earlier messages: the decompressor must have
    kept them, and a window as large as the compressor's. A block longer
    than the window leaves the compressor nothing to refer to within it.

    """
    if opcode is OP_TEXT:
        text = draw(st.text(max_size=40))
        return (text * draw(st.integers(1, 50))).encode()
    if draw(st.integers(0, 3)) == 0:
        return draw(blocks)[: draw(st.integers(0, 1000))]
    block = draw(st.shared(blocks, key="block"))
    start = draw(st.integers(0, len(block) - 1))
    size = draw(st.integers(0, 4)) * len(block) + draw(st.integers(0, len(block)))
    return Payload((block * (size // len(block) + 2))[start : start + size])


deflate_messages = st.lists(messages(message_data, max_fragments=4), max_size=5)


def data_frames(message: Message) -> list[Frame]:
    """The frames of ``message``."""
    last = len(message.fragments) - 1
    return [
        Frame(message.opcode if index == 0 else OP_CONT, data, index == last)
        for index, data in enumerate(message.fragments)
    ]


@given(
    sent=deflate_messages,
    no_context_takeover=st.booleans(),
    bits=window_bits,
    threshold=st.sampled_from([0, 32, 500]),
    skips=st.lists(st.booleans(), min_size=5, max_size=5),
    mem_level=st.integers(1, 9),
)
@settings(max_examples=60)
def test_extension_round_trip(
    sent: list[Message],
    no_context_takeover: bool,
    bits: int,
    threshold: int,
    skips: list[bool],
    mem_level: int,
) -> None:
    """The peer's extension decodes every frame that an extension encodes.

    Raw zlib inflates the compressed messages too, with the negotiated
    window, 8 bits included, afresh for each message without context
    takeover: the extension compresses within what it negotiated.

    """
    encoder = PerMessageDeflate(
        remote_no_context_takeover=False,
        local_no_context_takeover=no_context_takeover,
        remote_max_window_bits=15,
        local_max_window_bits=bits,
        compress_settings={"memLevel": mem_level},
        compress_threshold=threshold,
    )
    decoder = PerMessageDeflate(
        remote_no_context_takeover=no_context_takeover,
        local_no_context_takeover=False,
        remote_max_window_bits=bits,
        local_max_window_bits=15,
    )
    inflater = zlib.decompressobj(wbits=-bits)
    for message, skip in zip(sent, skips, strict=False):
        if skip:
            encoder.skip_next_message()
        frames = data_frames(message)
        compressed = not skip and (len(frames) > 1 or len(message.data) >= threshold)
        payload = b""
        for index, frame in enumerate(frames):
            encoded = encoder.encode(frame)
            # RFC 7692, section 6.1: RSV1 marks the first frame of a
            # compressed message, and only it.
            assert encoded.rsv1 == (compressed and index == 0)
            assert (encoded.opcode, encoded.fin, encoded.rsv2, encoded.rsv3) == (
                frame.opcode,
                frame.fin,
                False,
                False,
            )
            if not compressed:
                assert encoded == frame
            assert decoder.decode(encoded) == frame
            payload += bytes(encoded.data)
        if compressed:
            if no_context_takeover:
                inflater = zlib.decompressobj(wbits=-bits)
            assert inflater.decompress(payload + TAIL) == message.data


@given(
    sent=deflate_messages,
    no_context_takeover=st.booleans(),
    bits=window_bits,
    flushes=st.lists(st.sampled_from(["sync", "full", "finish"]), min_size=5, max_size=5),
    mem_level=st.integers(1, 9),
    data=st.data(),
)
@settings(max_examples=60)
def test_decode_what_zlib_compresses(
    sent: list[Message],
    no_context_takeover: bool,
    bits: int,
    flushes: list[Literal["sync", "full", "finish"]],
    mem_level: int,
    data: st.DataObject,
) -> None:
    """The extension decompresses what a peer compresses with zlib, however fragmented.

    A peer may end a message with any flush, including a final block
    (RFC 7692, section 7.2.3.4), after which it starts a new stream, and may
    split the compressed payload into frames anywhere.

    """
    decoder = PerMessageDeflate(
        remote_no_context_takeover=no_context_takeover,
        local_no_context_takeover=False,
        remote_max_window_bits=bits,
        local_max_window_bits=15,
    )
    deflater = None
    for message, flush in zip(sent, flushes, strict=False):
        if deflater is None or no_context_takeover:
            # zlib can't compress with an 8-bit window; with 9 bits, it
            # refers to no more than 250 bytes back.
            deflater = zlib.compressobj(wbits=-max(bits, 9), memLevel=mem_level)
        payload = deflater.compress(message.data)
        if flush == "finish":
            # Append an empty stored block, then remove its last 4 bytes
            # (RFC 7692, section 7.2.1): a zero byte remains.
            payload += deflater.flush(zlib.Z_FINISH) + b"\x00"
            deflater = None
        else:
            payload += deflater.flush(zlib.Z_FULL_FLUSH if flush == "full" else zlib.Z_SYNC_FLUSH)
            assert payload.endswith(TAIL)
            payload = payload[:-4]
        cuts = data.draw(st.lists(st.integers(0, len(payload)), max_size=3), "fragments")
        pieces = fragment(payload, cuts)
        decoded = b""
        for index, piece in enumerate(pieces):
            fin = index == len(pieces) - 1
            frame = Frame(message.opcode if index == 0 else OP_CONT, piece, fin, rsv1=index == 0)
            result = decoder.decode(frame)
            assert (result.opcode, result.fin, result.rsv1) == (frame.opcode, fin, False)
            decoded += bytes(result.data)
        assert decoded == message.data


@given(
    message=message_data(Opcode.BINARY),
    bits=window_bits,
    max_size=st.integers(0, 13000),
)
def test_decode_stops_at_max_size(message: bytes, bits: int, max_size: int) -> None:
    """Decompression fails with PayloadTooBig iff the message exceeds ``max_size``."""
    encoder = PerMessageDeflate(False, False, 15, bits, compress_threshold=0)
    decoder = PerMessageDeflate(False, False, bits, 15)
    frame = encoder.encode(Frame(Opcode.BINARY, message))
    if len(message) > max_size:
        with pytest.raises(PayloadTooBig):
            decoder.decode(frame, max_size=max_size)
    else:
        assert decoder.decode(frame, max_size=max_size).data == message


# Negotiation and messages through the opening handshake of ws-proto.

client_factories = st.builds(
    ClientPerMessageDeflateFactory,
    server_no_context_takeover=st.booleans(),
    client_no_context_takeover=st.booleans(),
    server_max_window_bits=st.none() | window_bits,
    client_max_window_bits=st.none() | st.just(True) | window_bits,
    compress_threshold=st.sampled_from([0, 32, 500]),
)


@st.composite
def server_factories(draw: st.DrawFn) -> ServerPerMessageDeflateFactory:
    client_max_window_bits = draw(st.none() | window_bits)
    return ServerPerMessageDeflateFactory(
        server_no_context_takeover=draw(st.booleans()),
        client_no_context_takeover=draw(st.booleans()),
        server_max_window_bits=draw(st.none() | window_bits),
        client_max_window_bits=client_max_window_bits,
        require_client_max_window_bits=(client_max_window_bits is not None and draw(st.booleans())),
        compress_threshold=draw(st.sampled_from([0, 32, 500])),
    )


@given(client_factory=client_factories, server_factory=server_factories())
def test_negotiation(
    client_factory: ClientPerMessageDeflateFactory,
    server_factory: ServerPerMessageDeflateFactory,
) -> None:
    """Any two configurations agree, on the most restrictive settings of both.

    Each side compresses as the other decompresses. The server declines only
    when it requires limiting the client's window, and the client can't.

    """
    server, client, response = connect_server([client_factory], [server_factory])
    client.receive_data(response)
    assert client.handshake_exc is None
    if server_factory.require_client_max_window_bits and (
        client_factory.client_max_window_bits is None
    ):
        assert client.extensions == server.extensions == []
        return

    (client_ext,) = client.extensions
    (server_ext,) = server.extensions
    assert isinstance(client_ext, PerMessageDeflate)
    assert isinstance(server_ext, PerMessageDeflate)
    assert client_ext.local_no_context_takeover == server_ext.remote_no_context_takeover
    assert client_ext.remote_no_context_takeover == server_ext.local_no_context_takeover
    assert client_ext.local_max_window_bits == server_ext.remote_max_window_bits
    assert client_ext.remote_max_window_bits == server_ext.local_max_window_bits

    # RFC 7692, section 7.1.1: either side may ask for no context takeover.
    assert server_ext.local_no_context_takeover == (
        client_factory.server_no_context_takeover or server_factory.server_no_context_takeover
    )
    assert client_ext.local_no_context_takeover == (
        client_factory.client_no_context_takeover or server_factory.client_no_context_takeover
    )
    # RFC 7692, section 7.1.2: the smallest window that either side asks
    # for; the server limits the client's only if the client offers it.
    assert server_ext.local_max_window_bits == min(
        client_factory.server_max_window_bits or 15,
        server_factory.server_max_window_bits or 15,
    )
    offered = client_factory.client_max_window_bits
    if offered is None:
        assert client_ext.local_max_window_bits == 15
    else:
        assert client_ext.local_max_window_bits == min(
            15 if offered is True else offered,
            server_factory.client_max_window_bits or 15,
        )
    assert client_ext.compress_threshold == client_factory.compress_threshold
    assert server_ext.compress_threshold == server_factory.compress_threshold


closes = st.none() | st.builds(Close, st.integers(3000, 4999), st.text(max_size=30))


@given(
    client_factory=client_factories,
    server_factory=server_factories(),
    to_server=st.booleans(),
    sent=st.lists(messages(message_data, max_fragments=3), max_size=4),
    close=closes,
    into_buffer=st.booleans(),
    data=st.data(),
)
@settings(max_examples=40)
def test_messages_through_negotiated_extension(
    client_factory: ClientPerMessageDeflateFactory,
    server_factory: ServerPerMessageDeflateFactory,
    to_server: bool,
    sent: list[Message],
    close: Close | None,
    into_buffer: bool,
    data: st.DataObject,
) -> None:
    """Messages arrive as sent, with whatever was negotiated, however the stream is cut.

    The stream starts with the handshake request or response, with the first
    frames right after it.

    """
    sender: Protocol
    receiver: Protocol
    if to_server:
        client, handshake = connect_client([client_factory], [server_factory])
        sender, receiver = client, ServerProtocol(extensions=[server_factory])
    else:
        server, client, handshake = connect_server([client_factory], [server_factory])
        sender, receiver = server, client
    expected: list[Frame] = []
    for message in sent:
        expected += message.send(sender)
    if close is not None:
        sender.send_close(close.code, close.reason)
        expected.append(Frame(OP_CLOSE, close.serialize()))
    stream = handshake + b"".join(sender.data_to_send())

    events = feed_protocol(receiver, stream, cut_points(data, len(stream)), into_buffer=into_buffer)
    assert isinstance(events[0], Request if to_server else Response)
    assert len(receiver.extensions) == len(sender.extensions)
    assert events[1:] == expected
    assert receiver.close_rcvd == close
    assert receiver.close_sent == close
