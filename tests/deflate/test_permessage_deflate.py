"""Tests for websockets.extensions.permessage_deflate (RFC 7692)."""

from __future__ import annotations

import itertools
import os
import tracemalloc
import zlib
from collections.abc import Sequence

import pytest

from websockets.client import ClientProtocol
from websockets.exceptions import (
    DuplicateParameter,
    InvalidParameterName,
    InvalidParameterValue,
    NegotiationError,
    PayloadTooBig,
    ProtocolError,
)
from websockets.extensions.permessage_deflate import (
    DEFAULT_COMPRESS_THRESHOLD,
    ClientPerMessageDeflateFactory,
    PerMessageDeflate,
    ServerPerMessageDeflateFactory,
    enable_client_permessage_deflate,
    enable_server_permessage_deflate,
)
from websockets.frames import CloseCode, Frame, Opcode
from websockets.protocol import OPEN
from websockets.server import ServerProtocol
from websockets.typing import ExtensionParameter
from websockets.uri import parse_uri


def deflate(**kwargs: object) -> PerMessageDeflate:
    settings: dict[str, object] = {
        "remote_no_context_takeover": False,
        "local_no_context_takeover": False,
        "remote_max_window_bits": 15,
        "local_max_window_bits": 15,
        "compress_threshold": 0,
    }
    settings.update(kwargs)
    return PerMessageDeflate(**settings)  # type: ignore[arg-type]


class TestRFC7692Examples:
    """RFC 7692 7.2.3: examples of compressed payloads."""

    HELLO = bytes.fromhex("f2 48 cd c9 c9 07 00")

    def test_hello(self) -> None:
        # 7.2.3.1: a message compressed in one frame.
        frame = deflate().encode(Frame(Opcode.TEXT, b"Hello"))
        assert frame == Frame(Opcode.TEXT, self.HELLO, rsv1=True)
        assert deflate().decode(frame) == Frame(Opcode.TEXT, b"Hello")

    def test_hello_fragmented(self) -> None:
        # 7.2.3.1: the same payload split over two frames.
        ext = deflate()
        first = ext.decode(Frame(Opcode.TEXT, bytes.fromhex("f2 48 cd"), fin=False, rsv1=True))
        second = ext.decode(Frame(Opcode.CONT, bytes.fromhex("c9 c9 07 00")))
        assert bytes(first.data) + bytes(second.data) == b"Hello"
        assert not first.rsv1 and not second.rsv1

    def test_sharing_lz77_window(self) -> None:
        # 7.2.3.2: the second "Hello" refers to the first.
        encoder, decoder = deflate(), deflate()
        first = encoder.encode(Frame(Opcode.TEXT, b"Hello"))
        second = encoder.encode(Frame(Opcode.TEXT, b"Hello"))
        assert bytes(first.data) == self.HELLO
        assert bytes(second.data) == bytes.fromhex("f2 00 11 00 00")
        assert decoder.decode(first).data == b"Hello"
        assert decoder.decode(second).data == b"Hello"

    def test_no_context_takeover(self) -> None:
        encoder = deflate(local_no_context_takeover=True)
        first = encoder.encode(Frame(Opcode.TEXT, b"Hello"))
        second = encoder.encode(Frame(Opcode.TEXT, b"Hello"))
        assert bytes(first.data) == bytes(second.data) == self.HELLO

    def test_stored_block(self) -> None:
        # 7.2.3.3: DEFLATE block with no compression.
        payload = bytes.fromhex("00 05 00 fa ff 48 65 6c 6c 6f 00")
        assert deflate().decode(Frame(Opcode.TEXT, payload, rsv1=True)).data == b"Hello"

    def test_bfinal_set(self) -> None:
        # 7.2.3.4: DEFLATE block with BFINAL set; the next message starts
        # with a fresh decompressor.
        payload = bytes.fromhex("f3 48 cd c9 c9 07 00 00")
        decoder = deflate()
        assert decoder.decode(Frame(Opcode.TEXT, payload, rsv1=True)).data == b"Hello"
        assert decoder.decoder is None
        assert decoder.decode(Frame(Opcode.TEXT, self.HELLO, rsv1=True)).data == b"Hello"

    def test_two_deflate_blocks(self) -> None:
        # 7.2.3.5: two DEFLATE blocks in one message.
        payload = bytes.fromhex("f2 48 05 00 00 00 ff ff ca c9 c9 07 00")
        assert deflate().decode(Frame(Opcode.TEXT, payload, rsv1=True)).data == b"Hello"

    def test_empty_message(self) -> None:
        # 7.2.3.6: an empty message compresses to a single 0x00 byte.
        frame = deflate().encode(Frame(Opcode.BINARY, b""))
        assert frame == Frame(Opcode.BINARY, b"\x00", rsv1=True)
        assert deflate().decode(frame) == Frame(Opcode.BINARY, b"")


class TestFrames:
    def test_control_frames_untouched(self) -> None:
        ext = deflate()
        for opcode in (Opcode.PING, Opcode.PONG, Opcode.CLOSE):
            frame = Frame(opcode, b"\x03\xe8data")
            assert ext.encode(frame) is frame
            assert ext.decode(frame) is frame

    def test_uncompressed_message_untouched(self) -> None:
        ext = deflate()
        frame = Frame(Opcode.TEXT, b"plain", fin=False)
        assert ext.decode(frame) is frame
        cont = Frame(Opcode.CONT, b"text")
        assert ext.decode(cont) is cont

    def test_rsv1_on_continuation_frame(self) -> None:
        ext = deflate()
        ext.decode(Frame(Opcode.TEXT, b"\xf2\x48", fin=False, rsv1=True))
        with pytest.raises(ProtocolError, match="RSV1 set on a continuation frame"):
            ext.decode(Frame(Opcode.CONT, b"\xcd", rsv1=True))

    def test_corrupt_data(self) -> None:
        with pytest.raises(ProtocolError, match="decompression failed"):
            deflate().decode(Frame(Opcode.BINARY, b"\xff\xff\xff\xff", rsv1=True))

    def test_fragmented_round_trip(self) -> None:
        encoder, decoder = deflate(), deflate()
        parts = [b"first part, ", b"second part, ", b"", b"last part"]
        frames = [
            Frame(Opcode.TEXT if i == 0 else Opcode.CONT, part, fin=i == len(parts) - 1)
            for i, part in enumerate(parts)
        ]
        encoded = [encoder.encode(frame) for frame in frames]
        assert [frame.rsv1 for frame in encoded] == [True, False, False, False]
        decoded = [decoder.decode(frame) for frame in encoded]
        assert b"".join(bytes(f.data) for f in decoded) == b"".join(parts)
        # The next message is independent of the fragmentation state.
        plain = decoder.decode(encoder.encode(Frame(Opcode.BINARY, b"next")))
        assert plain == Frame(Opcode.BINARY, b"next")

    def test_rsv2_rsv3_preserved(self) -> None:
        frame = deflate().encode(Frame(Opcode.TEXT, b"x", rsv2=True, rsv3=True))
        assert frame.rsv1 and frame.rsv2 and frame.rsv3
        decoded = deflate().decode(frame)
        assert not decoded.rsv1 and decoded.rsv2 and decoded.rsv3

    @pytest.mark.parametrize("bits", range(8, 16))
    def test_window_bits(self, bits: int) -> None:
        # Repeats 600 bytes apart: within reach of windows of 10 bits and
        # more only. An 8-bit window compresses with 9 bits in zlib.
        data = os.urandom(600) * 20
        encoder = deflate(local_max_window_bits=bits)
        decoder = deflate(remote_max_window_bits=bits)
        for _ in range(3):
            frame = encoder.encode(Frame(Opcode.BINARY, data))
            assert decoder.decode(frame).data == data
        assert (len(frame.data) < len(data) // 5) == (bits >= 10)

    def test_compress_settings(self) -> None:
        data = b"abcdefgh" * 1000
        fast = deflate(compress_settings={"level": 1, "memLevel": 1}).encode(
            Frame(Opcode.BINARY, data)
        )
        assert deflate().decode(fast).data == data

    def test_compress_settings_wbits(self) -> None:
        with pytest.raises(ValueError, match="wbits"):
            deflate(compress_settings={"wbits": 10})

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"remote_max_window_bits": 7},
            {"local_max_window_bits": 16},
            {"compress_threshold": -1},
        ],
    )
    def test_invalid_parameters(self, kwargs: dict[str, int]) -> None:
        with pytest.raises(ValueError):
            deflate(**kwargs)

    def test_repr(self) -> None:
        assert repr(deflate()) == (
            "PerMessageDeflate(remote_no_context_takeover=False, "
            "local_no_context_takeover=False, remote_max_window_bits=15, "
            "local_max_window_bits=15)"
        )


class TestThresholdAndSkip:
    def test_default_threshold(self) -> None:
        ext = deflate(compress_threshold=DEFAULT_COMPRESS_THRESHOLD)
        small = Frame(Opcode.TEXT, b"x" * (DEFAULT_COMPRESS_THRESHOLD - 1))
        assert ext.encode(small) is small
        assert ext.encoder is None  # never allocated
        large = ext.encode(Frame(Opcode.TEXT, b"x" * DEFAULT_COMPRESS_THRESHOLD))
        assert large.rsv1

    def test_fragmented_messages_always_compressed(self) -> None:
        ext = deflate(compress_threshold=1000)
        assert ext.encode(Frame(Opcode.TEXT, b"x", fin=False)).rsv1

    def test_skip_next_message(self) -> None:
        encoder, decoder = deflate(), deflate()
        encoder.skip_next_message()
        frame = Frame(Opcode.BINARY, b"y" * 1000, fin=False)
        assert encoder.encode(frame) is frame
        cont = Frame(Opcode.CONT, b"z" * 1000)
        assert encoder.encode(cont) is cont
        # Only one message is skipped.
        encoded = encoder.encode(Frame(Opcode.BINARY, b"y" * 1000))
        assert encoded.rsv1
        assert decoder.decode(encoded).data == b"y" * 1000

    def test_skipped_messages_dont_break_context(self) -> None:
        encoder, decoder = deflate(), deflate()
        messages = [b"alpha " * 50, b"beta " * 50, b"alpha beta " * 50]
        for i, message in enumerate(messages * 3):
            if i % 2:
                encoder.skip_next_message()
            frame = encoder.encode(Frame(Opcode.BINARY, message))
            assert decoder.decode(frame).data == message


class TestDecompressionBomb:
    def test_limit(self) -> None:
        bomb = zlib.compressobj(wbits=-15)
        payload = bomb.compress(b"\x00" * 10_000_000) + bomb.flush(zlib.Z_SYNC_FLUSH)
        payload = payload[:-4]
        assert len(payload) < 20_000
        decoder = deflate()
        tracemalloc.start()
        try:
            with pytest.raises(PayloadTooBig) as raised:
                decoder.decode(Frame(Opcode.BINARY, payload, rsv1=True), max_size=2**20)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert str(raised.value) == f"frame exceeds limit of {2**20} bytes"
        # The whole 10 MB are never inflated: memory stays near the limit.
        assert peak < 3 * 2**20

    def test_at_limit(self) -> None:
        data = b"\x00" * 1000
        frame = deflate().encode(Frame(Opcode.BINARY, data))
        assert deflate().decode(frame, max_size=1000).data == data
        with pytest.raises(PayloadTooBig):
            deflate().decode(frame, max_size=999)

    def test_through_protocol(self) -> None:
        # The Sans-I/O protocol fails the connection with 1009.
        client, server = handshake(
            ClientPerMessageDeflateFactory(compress_settings={"memLevel": 9}),
            ServerPerMessageDeflateFactory(),
            server_max_size=100_000,
        )
        client.send_binary(b"\x00" * 1_000_000)
        for data in client.data_to_send():
            server.receive_data(data)
        assert server.events_received() == []
        assert server.close_sent is not None
        assert server.close_sent.code == CloseCode.MESSAGE_TOO_BIG
        assert server.close_sent.reason == "frame exceeds limit of 100000 bytes"


class TestMemory:
    def test_lazy_allocation(self) -> None:
        ext = deflate()
        assert ext.encoder is None and ext.decoder is None
        frame = ext.encode(Frame(Opcode.TEXT, b"hello"))
        assert ext.encoder is not None and ext.decoder is None
        ext.decode(frame)
        assert ext.decoder is not None

    def test_released_without_context_takeover(self) -> None:
        ext = deflate(local_no_context_takeover=True, remote_no_context_takeover=True)
        frame = ext.encode(Frame(Opcode.TEXT, b"hello", fin=False))
        assert ext.encoder is not None
        ext.encode(Frame(Opcode.CONT, b" world"))
        assert ext.encoder is None
        ext.decode(Frame(Opcode.TEXT, frame.data, fin=False, rsv1=True))
        assert ext.decoder is not None
        ext.decode(Frame(Opcode.CONT, b"\x00"))
        assert ext.decoder is None

    def test_kept_with_context_takeover(self) -> None:
        ext = deflate()
        ext.decode(ext.encode(Frame(Opcode.TEXT, b"hello")))
        assert ext.encoder is not None and ext.decoder is not None


def negotiate_server(
    factory: ServerPerMessageDeflateFactory, offer: Sequence[ExtensionParameter]
) -> tuple[list[ExtensionParameter], PerMessageDeflate]:
    return factory.process_request_params(offer, [])


class TestServerNegotiation:
    @pytest.mark.parametrize(
        ("config", "offer", "response", "remote", "local"),
        [
            # (remote_no_context_takeover, remote_max_window_bits), (local ...)
            ({}, [], [], (False, 15), (False, 15)),
            (
                {},
                [("server_no_context_takeover", None)],
                [("server_no_context_takeover", None)],
                (False, 15),
                (True, 15),
            ),
            (
                {},
                [("client_no_context_takeover", None)],
                [("client_no_context_takeover", None)],
                (True, 15),
                (False, 15),
            ),
            (
                {"server_no_context_takeover": True, "client_no_context_takeover": True},
                [],
                [("server_no_context_takeover", None), ("client_no_context_takeover", None)],
                (True, 15),
                (True, 15),
            ),
            (
                {},
                [("server_max_window_bits", "10")],
                [("server_max_window_bits", "10")],
                (False, 15),
                (False, 10),
            ),
            (
                {"server_max_window_bits": 12},
                [],
                [("server_max_window_bits", "12")],
                (False, 15),
                (False, 12),
            ),
            (
                {"server_max_window_bits": 12},
                [("server_max_window_bits", "14")],
                [("server_max_window_bits", "12")],
                (False, 15),
                (False, 12),
            ),
            (
                {"server_max_window_bits": 12},
                [("server_max_window_bits", "9")],
                [("server_max_window_bits", "9")],
                (False, 15),
                (False, 9),
            ),
            # The client supports limiting its window but the server doesn't.
            ({}, [("client_max_window_bits", None)], [], (False, 15), (False, 15)),
            (
                {},
                [("client_max_window_bits", "11")],
                [("client_max_window_bits", "11")],
                (False, 11),
                (False, 15),
            ),
            (
                {"client_max_window_bits": 12},
                [("client_max_window_bits", None)],
                [("client_max_window_bits", "12")],
                (False, 12),
                (False, 15),
            ),
            (
                {"client_max_window_bits": 12},
                [("client_max_window_bits", "10")],
                [("client_max_window_bits", "10")],
                (False, 10),
                (False, 15),
            ),
            (
                {"client_max_window_bits": 12},
                [("client_max_window_bits", "15")],
                [("client_max_window_bits", "12")],
                (False, 12),
                (False, 15),
            ),
            # A client that can't limit its window uses 15 bits.
            ({"client_max_window_bits": 12}, [], [], (False, 15), (False, 15)),
        ],
    )
    def test_accept(
        self,
        config: dict[str, int | bool],
        offer: list[ExtensionParameter],
        response: list[ExtensionParameter],
        remote: tuple[bool, int],
        local: tuple[bool, int],
    ) -> None:
        params, ext = negotiate_server(ServerPerMessageDeflateFactory(**config), offer)  # type: ignore[arg-type]
        assert params == response
        assert (ext.remote_no_context_takeover, ext.remote_max_window_bits) == remote
        assert (ext.local_no_context_takeover, ext.local_max_window_bits) == local

    def test_require_client_max_window_bits(self) -> None:
        factory = ServerPerMessageDeflateFactory(
            client_max_window_bits=10, require_client_max_window_bits=True
        )
        with pytest.raises(NegotiationError, match="required client_max_window_bits"):
            negotiate_server(factory, [])
        params, _ = negotiate_server(factory, [("client_max_window_bits", None)])
        assert params == [("client_max_window_bits", "10")]

    def test_duplicate_extension(self) -> None:
        factory = ServerPerMessageDeflateFactory()
        _, ext = negotiate_server(factory, [])
        with pytest.raises(NegotiationError, match="skipped duplicate permessage-deflate"):
            factory.process_request_params([], [ext])

    @pytest.mark.parametrize(
        ("offer", "exc_type", "message"),
        [
            ([("foo", None)], InvalidParameterName, "invalid parameter name: foo"),
            (
                [("server_no_context_takeover", None), ("server_no_context_takeover", None)],
                DuplicateParameter,
                "duplicate parameter: server_no_context_takeover",
            ),
            (
                [("server_no_context_takeover", "yes")],
                InvalidParameterValue,
                "invalid value for parameter server_no_context_takeover: yes",
            ),
            (
                [("client_no_context_takeover", "1")],
                InvalidParameterValue,
                "invalid value for parameter client_no_context_takeover: 1",
            ),
            (
                [("server_max_window_bits", None)],
                InvalidParameterValue,
                "missing value for parameter server_max_window_bits",
            ),
            (
                [("server_max_window_bits", "7")],
                InvalidParameterValue,
                "invalid value for parameter server_max_window_bits: 7",
            ),
            (
                [("server_max_window_bits", "16")],
                InvalidParameterValue,
                "invalid value for parameter server_max_window_bits: 16",
            ),
            (
                [("client_max_window_bits", "08")],
                InvalidParameterValue,
                "invalid value for parameter client_max_window_bits: 08",
            ),
        ],
    )
    def test_invalid_offer(
        self, offer: list[ExtensionParameter], exc_type: type[Exception], message: str
    ) -> None:
        with pytest.raises(exc_type) as raised:
            negotiate_server(ServerPerMessageDeflateFactory(), offer)
        assert str(raised.value) == message
        assert isinstance(raised.value, NegotiationError)

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"server_max_window_bits": 7},
            {"server_max_window_bits": 16},
            {"client_max_window_bits": 16},
            {"client_max_window_bits": True},
            {"compress_settings": {"wbits": 9}},
            {"require_client_max_window_bits": True},
            {"compress_threshold": -5},
        ],
    )
    def test_invalid_settings(self, kwargs: dict[str, object]) -> None:
        with pytest.raises(ValueError):
            ServerPerMessageDeflateFactory(**kwargs)  # type: ignore[arg-type]


class TestClientNegotiation:
    def test_request_params(self) -> None:
        assert ClientPerMessageDeflateFactory().get_request_params() == [
            ("client_max_window_bits", None)
        ]
        factory = ClientPerMessageDeflateFactory(
            server_no_context_takeover=True,
            client_no_context_takeover=True,
            server_max_window_bits=10,
            client_max_window_bits=11,
        )
        assert factory.get_request_params() == [
            ("server_no_context_takeover", None),
            ("client_no_context_takeover", None),
            ("server_max_window_bits", "10"),
            ("client_max_window_bits", "11"),
        ]
        assert (
            ClientPerMessageDeflateFactory(client_max_window_bits=None).get_request_params() == []
        )

    @pytest.mark.parametrize(
        ("config", "response", "remote", "local"),
        [
            ({}, [], (False, 15), (False, 15)),
            ({"client_max_window_bits": None}, [], (False, 15), (False, 15)),
            (
                {},
                [("server_no_context_takeover", None)],
                (True, 15),
                (False, 15),
            ),
            # The server may ask the client not to take over context.
            ({}, [("client_no_context_takeover", None)], (False, 15), (True, 15)),
            # A client that offered it keeps its word.
            ({"client_no_context_takeover": True}, [], (False, 15), (True, 15)),
            ({}, [("server_max_window_bits", "9")], (False, 9), (False, 15)),
            (
                {"server_max_window_bits": 10},
                [("server_max_window_bits", "10")],
                (False, 10),
                (False, 15),
            ),
            (
                {"server_max_window_bits": 10},
                [("server_max_window_bits", "8")],
                (False, 8),
                (False, 15),
            ),
            ({}, [("client_max_window_bits", "12")], (False, 15), (False, 12)),
            ({"client_max_window_bits": 11}, [], (False, 15), (False, 11)),
            (
                {"client_max_window_bits": 11},
                [("client_max_window_bits", "10")],
                (False, 15),
                (False, 10),
            ),
        ],
    )
    def test_accept(
        self,
        config: dict[str, int | bool],
        response: list[ExtensionParameter],
        remote: tuple[bool, int],
        local: tuple[bool, int],
    ) -> None:
        ext = ClientPerMessageDeflateFactory(**config).process_response_params(response, [])  # type: ignore[arg-type]
        assert (ext.remote_no_context_takeover, ext.remote_max_window_bits) == remote
        assert (ext.local_no_context_takeover, ext.local_max_window_bits) == local

    @pytest.mark.parametrize(
        ("config", "response", "message"),
        [
            (
                {"server_no_context_takeover": True},
                [],
                "expected server_no_context_takeover",
            ),
            ({"server_max_window_bits": 10}, [], "expected server_max_window_bits"),
            (
                {"server_max_window_bits": 10},
                [("server_max_window_bits", "11")],
                "unsupported server_max_window_bits",
            ),
            (
                {"client_max_window_bits": None},
                [("client_max_window_bits", "10")],
                "unexpected client_max_window_bits",
            ),
            (
                {"client_max_window_bits": 10},
                [("client_max_window_bits", "11")],
                "unsupported client_max_window_bits",
            ),
        ],
    )
    def test_reject(
        self, config: dict[str, object], response: list[ExtensionParameter], message: str
    ) -> None:
        factory = ClientPerMessageDeflateFactory(**config)  # type: ignore[arg-type]
        with pytest.raises(NegotiationError, match=message):
            factory.process_response_params(response, [])

    def test_value_required_in_response(self) -> None:
        # Unlike in an offer, client_max_window_bits needs a value here.
        with pytest.raises(InvalidParameterValue):
            ClientPerMessageDeflateFactory().process_response_params(
                [("client_max_window_bits", None)], []
            )

    def test_duplicate_extension(self) -> None:
        factory = ClientPerMessageDeflateFactory()
        ext = factory.process_response_params([], [])
        with pytest.raises(NegotiationError, match="received duplicate permessage-deflate"):
            factory.process_response_params([], [ext])

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"server_max_window_bits": 7},
            {"client_max_window_bits": 16},
            {"client_max_window_bits": False},
            {"compress_settings": {"wbits": 9}},
        ],
    )
    def test_invalid_settings(self, kwargs: dict[str, object]) -> None:
        with pytest.raises(ValueError):
            ClientPerMessageDeflateFactory(**kwargs)  # type: ignore[arg-type]


class TestEnable:
    def test_client(self) -> None:
        (factory,) = enable_client_permessage_deflate(None)
        assert isinstance(factory, ClientPerMessageDeflateFactory)
        assert factory.client_max_window_bits is True
        assert factory.compress_settings == {"memLevel": 5}
        # Not added twice.
        custom = ClientPerMessageDeflateFactory(server_no_context_takeover=True)
        assert enable_client_permessage_deflate([custom]) == [custom]

    def test_server(self) -> None:
        (factory,) = enable_server_permessage_deflate(None)
        assert isinstance(factory, ServerPerMessageDeflateFactory)
        assert factory.server_max_window_bits == 12
        assert factory.client_max_window_bits == 12
        custom = ServerPerMessageDeflateFactory()
        assert enable_server_permessage_deflate([custom]) == [custom]


def handshake(
    client_factory: ClientPerMessageDeflateFactory,
    server_factory: ServerPerMessageDeflateFactory,
    server_max_size: int = 2**20,
    extension_header: str | None = None,
) -> tuple[ClientProtocol, ServerProtocol]:
    """Run the opening handshake in memory; return both open protocols."""
    client = ClientProtocol(parse_uri("ws://localhost/"), extensions=[client_factory])
    server = ServerProtocol(extensions=[server_factory], max_size=server_max_size)
    request = client.connect()
    if extension_header is not None:
        del request.headers["Sec-WebSocket-Extensions"]
        request.headers["Sec-WebSocket-Extensions"] = extension_header
    client.send_request(request)
    for data in client.data_to_send():
        server.receive_data(data)
    (request,) = server.events_received()
    server.send_response(server.accept(request))
    for data in server.data_to_send():
        client.receive_data(data)
    client.events_received()
    assert client.state is OPEN and server.state is OPEN
    return client, server


class TestSansIO:
    """Negotiation and compression through the handshake of ws-proto."""

    def test_defaults(self) -> None:
        (client_factory,) = enable_client_permessage_deflate(None)
        (server_factory,) = enable_server_permessage_deflate(None)
        client, server = handshake(client_factory, server_factory)  # type: ignore[arg-type]
        (client_ext,) = client.extensions
        (server_ext,) = server.extensions
        assert isinstance(client_ext, PerMessageDeflate)
        assert isinstance(server_ext, PerMessageDeflate)
        assert client_ext.local_max_window_bits == server_ext.remote_max_window_bits == 12
        assert server_ext.local_max_window_bits == client_ext.remote_max_window_bits == 12

    def test_first_acceptable_offer(self) -> None:
        server_factory = ServerPerMessageDeflateFactory(
            client_max_window_bits=10, require_client_max_window_bits=True
        )
        _, server = handshake(
            ClientPerMessageDeflateFactory(),
            server_factory,
            extension_header=(
                "permessage-deflate; server_max_window_bits=10, "
                "permessage-deflate; client_max_window_bits, "
                "permessage-deflate"
            ),
        )
        (server_ext,) = server.extensions
        assert isinstance(server_ext, PerMessageDeflate)
        assert server_ext.remote_max_window_bits == 10  # the second offer

    @pytest.mark.parametrize(
        ("server_no_context_takeover", "client_no_context_takeover"),
        list(itertools.product([False, True], repeat=2)),
    )
    def test_round_trips(
        self, server_no_context_takeover: bool, client_no_context_takeover: bool
    ) -> None:
        client, server = handshake(
            ClientPerMessageDeflateFactory(
                server_no_context_takeover=server_no_context_takeover,
                client_no_context_takeover=client_no_context_takeover,
                compress_threshold=0,
            ),
            ServerPerMessageDeflateFactory(compress_threshold=0),
        )
        messages = [b"", "café".encode() * 100, os.urandom(5000), b"{'json': true}" * 40]
        for sender, receiver in [(client, server), (server, client)]:
            for message in messages:
                sender.send_binary(message[:10], fin=False)
                sender.send_continuation(message[10:], fin=True)
                sender.send_text(b"text " * 20)
                for data in sender.data_to_send():
                    receiver.receive_data(data)
                frames = receiver.events_received()
                assert b"".join(bytes(f.data) for f in frames[:2]) == message
                assert frames[2].data == b"text " * 20

    def test_compressed_text_validated(self) -> None:
        client, server = handshake(
            ClientPerMessageDeflateFactory(compress_threshold=0),
            ServerPerMessageDeflateFactory(),
        )
        client.send_text(b"valid \xff invalid")
        for data in client.data_to_send():
            server.receive_data(data)
        assert server.close_sent is not None
        assert server.close_sent.code == CloseCode.INVALID_DATA
