"""Tests for permessage-deflate in the asyncio client and server.

They run over real TCP connections on 127.0.0.1. Most need ``ws-deflate``
and are skipped without it; the fallback tests run in every install shape:
in the full install, they simulate the absence of ``ws-deflate`` by putting
:obj:`None` in :data:`sys.modules`; in the ``asyncio`` tox environment, where
it's truly absent, more tests check the real thing.

To tell whether a message was compressed, tests record the data frames that
the receiving end's extension decodes, as they came off the wire: RSV1 is set
on the first frame of a compressed message.

"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib.util
import inspect
import itertools
import random
import sys
import tracemalloc
import unittest
import unittest.mock
import zlib
from collections.abc import AsyncIterator, Iterable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.compression import DEFAULT_COMPRESSION
from websockets.exceptions import ConnectionClosedError
from websockets.frames import DATA_OPCODES, OP_BINARY, OP_CONT, CloseCode, Frame

from .utils import AsyncTestCase, get_uri

MODULE = "websockets.extensions.permessage_deflate"

DEFLATE_INSTALLED = importlib.util.find_spec(MODULE) is not None

if DEFLATE_INSTALLED:
    from websockets.extensions.permessage_deflate import (
        ClientPerMessageDeflateFactory,
        PerMessageDeflate,
        ServerPerMessageDeflateFactory,
    )

needs_deflate = unittest.skipUnless(DEFLATE_INSTALLED, "needs ws-deflate")


def record_frames(connection: ClientConnection | ServerConnection) -> list[Frame]:
    """Record the data frames that a connection receives, before decoding.

    Returns:
        The list where frames are appended as they arrive.

    """
    frames: list[Frame] = []
    for extension in connection.protocol.extensions:
        decode = extension.decode

        def recording_decode(
            frame: Frame, *, max_size: int | None = None, decode: Any = decode
        ) -> Frame:
            if frame.opcode in DATA_OPCODES:
                frames.append(frame)
            return decode(frame, max_size=max_size)  # type: ignore[no-any-return]

        extension.decode = recording_decode  # type: ignore[method-assign]
    return frames


def raw_frame(opcode: int, payload: bytes, *, fin: bool, rsv1: bool, mask: bool) -> bytes:
    """Serialize a frame as is, with RSV1 whatever the extensions say.

    A masked frame gets a masking key of zeros, which leaves the payload
    unchanged.

    """
    header = bytes([fin << 7 | rsv1 << 6 | opcode])
    length = len(payload)
    if length < 126:
        header += bytes([mask << 7 | length])
    elif length < 2**16:
        header += bytes([mask << 7 | 126]) + length.to_bytes(2, "big")
    else:
        header += bytes([mask << 7 | 127]) + length.to_bytes(8, "big")
    if mask:
        header += bytes(4)
    return header + payload


@functools.cache
def sample_messages() -> tuple[str | bytes, ...]:
    """Messages that exercise compression: empty, small, compressible, random.

    Tests exchange them hundreds of times: they're made once.

    """
    rng = random.Random(42)
    words = ["websocket", "frame", "deflate", "window", "context", "takeover"]
    text = " ".join(rng.choice(words) for _ in range(5000))
    return (
        "",
        b"",
        "café",
        b"tea" * 20,
        text,
        text.encode(),  # the same again: shares the window with takeover
        rng.randbytes(10_000),  # incompressible
        b"\x00" * 300_000,  # larger than the largest window, 32 KiB
    )


class CompressionTestCase(AsyncTestCase):
    @contextlib.asynccontextmanager
    async def pair(
        self,
        server_kwargs: dict[str, Any] | None = None,
        client_kwargs: dict[str, Any] | None = None,
    ) -> AsyncIterator[tuple[ClientConnection, ServerConnection]]:
        """Open a connection; yield its client and server ends."""
        connections: asyncio.Queue[ServerConnection] = asyncio.Queue()

        async def handler(websocket: ServerConnection) -> None:
            await connections.put(websocket)
            await websocket.wait_closed()

        server_kwargs = {"ping_interval": None, **(server_kwargs or {})}
        client_kwargs = {"ping_interval": None, **(client_kwargs or {})}
        async with (
            serve(handler, "127.0.0.1", 0, **server_kwargs) as server,
            connect(get_uri(server), **client_kwargs) as client,
        ):
            yield client, await connections.get()

    async def assert_round_trips(
        self,
        client: ClientConnection,
        server: ServerConnection,
        messages: Iterable[str | bytes],
    ) -> None:
        """Send messages both ways; check they arrive intact."""
        for message in messages:
            await client.send(message)
            self.assertEqual(await server.recv(), message)
            await server.send(message)
            self.assertEqual(await client.recv(), message)


@needs_deflate
class NegotiationTests(CompressionTestCase):
    """Round trips for every combination of negotiated parameters."""

    async def check(
        self,
        client_factory: ClientPerMessageDeflateFactory,
        server_factory: ServerPerMessageDeflateFactory,
        expected: tuple[bool, bool, int, int],
    ) -> None:
        """Negotiate; check the result on both ends, then exchange messages.

        ``expected`` is ``(server_no_context_takeover,
        client_no_context_takeover, server_max_window_bits,
        client_max_window_bits)``.

        """
        # Tests negotiate hundreds of times. In debug mode, which
        # IsolatedAsyncioTestCase turns on, the event loop records a
        # traceback for every callback: that would take a third of the time.
        asyncio.get_running_loop().set_debug(False)
        async with self.pair(
            {"extensions": [server_factory], "compression": None},
            {"extensions": [client_factory], "compression": None},
        ) as (client, server):
            (client_extension,) = client.protocol.extensions
            (server_extension,) = server.protocol.extensions
            assert isinstance(client_extension, PerMessageDeflate)
            assert isinstance(server_extension, PerMessageDeflate)
            self.assertEqual(
                (
                    client_extension.remote_no_context_takeover,
                    client_extension.local_no_context_takeover,
                    client_extension.remote_max_window_bits,
                    client_extension.local_max_window_bits,
                ),
                expected,
            )
            self.assertEqual(
                (
                    server_extension.local_no_context_takeover,
                    server_extension.remote_no_context_takeover,
                    server_extension.local_max_window_bits,
                    server_extension.remote_max_window_bits,
                ),
                expected,
            )
            client_frames = record_frames(client)
            server_frames = record_frames(server)
            await self.assert_round_trips(client, server, sample_messages())
            # Compressible messages were compressed, in both directions.
            self.assertTrue(any(frame.rsv1 for frame in client_frames))
            self.assertTrue(any(frame.rsv1 for frame in server_frames))

    # Both ends may ask for no context takeover and limit both windows: 144
    # combinations, in two tests, which each take a few seconds under load.

    async def test_context_takeover_and_window_bits(self) -> None:
        """Combinations where the client doesn't ask for server_no_context_takeover."""
        await self.check_context_takeover_and_window_bits(server_no_context_takeover=False)

    async def test_server_no_context_takeover_and_window_bits(self) -> None:
        """Combinations where the client asks for server_no_context_takeover."""
        await self.check_context_takeover_and_window_bits(server_no_context_takeover=True)

    async def check_context_takeover_and_window_bits(
        self, *, server_no_context_takeover: bool
    ) -> None:
        combinations = itertools.product(
            [server_no_context_takeover],  # client asks for server_no_context_takeover
            [False, True],  # client offers client_no_context_takeover
            [False, True],  # server requires client_no_context_takeover
            [None, 9, 15],  # client asks for server_max_window_bits
            [None, True, 10],  # client offers client_max_window_bits
            [None, 11],  # server limits client_max_window_bits
        )
        for c_snct, c_cnct, s_cnct, c_sbits, c_cbits, s_cbits in combinations:
            client_factory = ClientPerMessageDeflateFactory(
                server_no_context_takeover=c_snct,
                client_no_context_takeover=c_cnct,
                server_max_window_bits=c_sbits,
                client_max_window_bits=c_cbits,
            )
            server_factory = ServerPerMessageDeflateFactory(
                client_no_context_takeover=s_cnct,
                client_max_window_bits=s_cbits,
            )
            # RFC 7692 7.1.2.2: the server limits the client's window only
            # if the client offered client_max_window_bits.
            if c_cbits is None:
                client_bits = 15
            elif c_cbits is True:
                client_bits = 15 if s_cbits is None else s_cbits
            else:
                client_bits = c_cbits if s_cbits is None else min(c_cbits, s_cbits)
            expected = (c_snct, c_cnct or s_cnct, c_sbits or 15, client_bits)
            with self.subTest(client=client_factory.__dict__, server=server_factory.__dict__):
                await self.check(client_factory, server_factory, expected)

    async def test_server_settings(self) -> None:
        """The server may decide on its own not to take over context."""
        for s_snct, s_sbits in itertools.product([False, True], [None, 12]):
            server_factory = ServerPerMessageDeflateFactory(
                server_no_context_takeover=s_snct,
                server_max_window_bits=s_sbits,
            )
            expected = (s_snct, False, s_sbits or 15, 15)
            with self.subTest(server=server_factory.__dict__):
                await self.check(ClientPerMessageDeflateFactory(), server_factory, expected)

    async def test_window_bits(self) -> None:
        """Every window size, 8 to 15, in each direction."""
        for bits in range(8, 16):
            with self.subTest(direction="server", bits=bits):
                await self.check(
                    ClientPerMessageDeflateFactory(server_max_window_bits=bits),
                    ServerPerMessageDeflateFactory(),
                    (False, False, bits, 15),
                )
            with self.subTest(direction="server, configured", bits=bits):
                await self.check(
                    ClientPerMessageDeflateFactory(),
                    ServerPerMessageDeflateFactory(server_max_window_bits=bits),
                    (False, False, bits, 15),
                )
            with self.subTest(direction="client", bits=bits):
                await self.check(
                    ClientPerMessageDeflateFactory(client_max_window_bits=bits),
                    ServerPerMessageDeflateFactory(),
                    (False, False, 15, bits),
                )
            with self.subTest(direction="client, limited by the server", bits=bits):
                await self.check(
                    ClientPerMessageDeflateFactory(),
                    ServerPerMessageDeflateFactory(client_max_window_bits=bits),
                    (False, False, 15, bits),
                )

    async def test_defaults(self) -> None:
        """The client offers client_max_window_bits; the server answers 12."""
        async with self.pair() as (client, server):
            assert client.request is not None and client.response is not None
            self.assertEqual(
                client.request.headers["Sec-WebSocket-Extensions"],
                "permessage-deflate; client_max_window_bits",
            )
            self.assertEqual(
                client.response.headers["Sec-WebSocket-Extensions"],
                "permessage-deflate; server_max_window_bits=12; client_max_window_bits=12",
            )
            (extension,) = server.protocol.extensions
            assert isinstance(extension, PerMessageDeflate)
            self.assertEqual(extension.compress_settings, {"memLevel": 5})
            await self.assert_round_trips(client, server, sample_messages())

    async def test_default_compression_is_deflate(self) -> None:
        async with self.pair({"compression": "deflate"}, {"compression": "deflate"}) as (
            client,
            server,
        ):
            self.assertEqual(len(client.protocol.extensions), 1)
            self.assertEqual(len(server.protocol.extensions), 1)
        self.assertEqual(DEFAULT_COMPRESSION, "deflate")

    async def test_compression_disabled(self) -> None:
        for server_compression, client_compression in [(None, "deflate"), ("deflate", None)]:
            with self.subTest(server=server_compression, client=client_compression):
                async with self.pair(
                    {"compression": server_compression},
                    {"compression": client_compression},
                ) as (client, server):
                    self.assertEqual(client.protocol.extensions, [])
                    self.assertEqual(server.protocol.extensions, [])
                    await self.assert_round_trips(client, server, sample_messages())


@needs_deflate
class MessageTests(CompressionTestCase):
    async def test_fragmented_messages(self) -> None:
        """RSV1 is set on the first frame of a compressed message only."""
        async with self.pair() as (client, server):
            client_frames = record_frames(client)
            server_frames = record_frames(server)
            fragments = ["café " * 100, "thé " * 100, "", "eau " * 100]
            await client.send(fragments)
            self.assertEqual(await server.recv(), "".join(fragments))
            await server.send(fragment.encode() for fragment in fragments)
            self.assertEqual(await client.recv(), "".join(fragments).encode())
            for frames in [server_frames, client_frames]:
                self.assertEqual([frame.rsv1 for frame in frames], [True] + [False] * 4)
                self.assertEqual([frame.fin for frame in frames], [False] * 4 + [True])

    async def test_fragmented_messages_streamed(self) -> None:
        async with self.pair() as (client, server):
            fragments = [b"\x01" * 10_000, b"\x02" * 10_000]
            await client.send(fragments)
            received = [fragment async for fragment in server.recv_streaming()]
            self.assertEqual(b"".join(received), b"".join(fragments))

    async def test_empty_messages(self) -> None:
        """Empty messages survive compression, small or forced."""
        for threshold in [0, 32]:
            with self.subTest(compress_threshold=threshold):
                async with self.pair(
                    {
                        "extensions": [
                            ServerPerMessageDeflateFactory(compress_threshold=threshold)
                        ],
                        "compression": None,
                    },
                    {
                        "extensions": [
                            ClientPerMessageDeflateFactory(compress_threshold=threshold)
                        ],
                        "compression": None,
                    },
                ) as (client, server):
                    client_frames = record_frames(client)
                    server_frames = record_frames(server)
                    await self.assert_round_trips(client, server, ["", b"", "", b""])
                    for frames in [server_frames, client_frames]:
                        self.assertEqual([frame.rsv1 for frame in frames], [threshold == 0] * 4)

    async def test_context_takeover(self) -> None:
        """With context takeover, a repeated message compresses to little."""
        message = random.Random(42).randbytes(1000) * 2  # compressible within itself
        for no_context_takeover in [False, True]:
            with self.subTest(no_context_takeover=no_context_takeover):
                async with self.pair(
                    {
                        "extensions": [
                            ServerPerMessageDeflateFactory(
                                server_no_context_takeover=no_context_takeover,
                                client_no_context_takeover=no_context_takeover,
                            )
                        ],
                        "compression": None,
                    },
                ) as (client, server):
                    client_frames = record_frames(client)
                    server_frames = record_frames(server)
                    await self.assert_round_trips(client, server, [message] * 3)
                    for frames in [server_frames, client_frames]:
                        sizes = [len(frame.data) for frame in frames]
                        self.assertGreater(sizes[0], 1000)
                        if no_context_takeover:
                            self.assertEqual(sizes, [sizes[0]] * 3)
                        else:
                            self.assertLess(sizes[1], 100)
                            self.assertLess(sizes[2], 100)

    async def test_compress_threshold(self) -> None:
        """Messages shorter than compress_threshold are sent uncompressed."""
        async with self.pair(
            {
                "extensions": [ServerPerMessageDeflateFactory(compress_threshold=1000)],
                "compression": None,
            }
        ) as (client, server):
            client_frames = record_frames(client)
            server_frames = record_frames(server)
            # The client keeps the default threshold, 32 bytes.
            for message in [b"x" * 31, b"x" * 32, b"x" * 999, b"x" * 1000]:
                await client.send(message)
                self.assertEqual(await server.recv(), message)
                await server.send(message)
                self.assertEqual(await client.recv(), message)
            self.assertEqual([frame.rsv1 for frame in server_frames], [False, True, True, True])
            self.assertEqual([frame.rsv1 for frame in client_frames], [False, False, False, True])

    async def test_send_compress_false(self) -> None:
        """send(..., compress=False) sends one message uncompressed."""
        async with self.pair() as (client, server):
            client_frames = record_frames(client)
            server_frames = record_frames(server)
            message = "café " * 200
            for sender, receiver in [(client, server), (server, client)]:
                await sender.send(message, compress=False)
                await sender.send(message)
                await sender.send(message.encode(), compress=False)
                await sender.send([message, message], compress=False)
                await sender.send([message, message])
                self.assertEqual(await receiver.recv(), message)
                self.assertEqual(await receiver.recv(), message)
                self.assertEqual(await receiver.recv(), message.encode())
                self.assertEqual(await receiver.recv(), message * 2)
                self.assertEqual(await receiver.recv(), message * 2)
            expected = [False, True, False, False, False, False, True, False, False]
            self.assertEqual([frame.rsv1 for frame in server_frames], expected)
            self.assertEqual([frame.rsv1 for frame in client_frames], expected)

    async def test_send_compress_false_without_compression(self) -> None:
        async with self.pair({"compression": None}) as (client, server):
            await client.send("café", compress=False)
            self.assertEqual(await server.recv(), "café")

    async def test_broadcast_compresses(self) -> None:
        async with self.pair() as (client, server):
            client_frames = record_frames(client)
            broadcast([server], "café " * 200)
            self.assertEqual(await client.recv(), "café " * 200)
            self.assertEqual([frame.rsv1 for frame in client_frames], [True])


@needs_deflate
class DecompressionBombTests(CompressionTestCase):
    """A small compressed message that inflates past max_size fails with 1009."""

    # 64 MiB of zeros compress to 64 kB; with a 9-bit window, which any
    # negotiated window can decompress.
    SIZE = 2**26

    @classmethod
    def setUpClass(cls) -> None:
        compressor = zlib.compressobj(wbits=-9)
        zeros = bytes(2**20)
        chunks = [compressor.compress(zeros) for _ in range(cls.SIZE // len(zeros))]
        cls.bomb = b"".join(chunks) + compressor.flush(zlib.Z_SYNC_FLUSH)[:-4]

    async def check_bomb(
        self,
        receiver: ClientConnection | ServerConnection,
        write_bomb: Any,
    ) -> None:
        """Check that the receiver rejects the bomb with bounded memory."""
        tracemalloc.start()
        try:
            write_bomb()
            with self.assertRaises(ConnectionClosedError) as raised:
                await receiver.recv()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert raised.exception.sent is not None
        self.assertEqual(raised.exception.sent.code, CloseCode.MESSAGE_TOO_BIG)
        # max_size is 1 MiB; inflating the bomb would take 64 MiB.
        self.assertLess(peak, 8 * 2**20)

    async def test_bomb_to_server(self) -> None:
        async with self.pair({"max_size": 2**20}) as (client, server):
            data = raw_frame(OP_BINARY, self.bomb, fin=True, rsv1=True, mask=True)
            await self.check_bomb(server, lambda: client.transport.write(data))

    async def test_bomb_to_client(self) -> None:
        async with self.pair({}, {"max_size": 2**20}) as (client, server):
            data = raw_frame(OP_BINARY, self.bomb, fin=True, rsv1=True, mask=False)
            await self.check_bomb(client, lambda: server.transport.write(data))

    async def test_fragmented_bomb_to_server(self) -> None:
        """The limit applies to the message, across fragments."""
        async with self.pair({"max_size": 2**20}) as (client, server):
            # Each fragment inflates to about 256 KiB, below max_size.
            size = len(self.bomb) // 256
            chunks = [self.bomb[i : i + size] for i in range(0, len(self.bomb), size)]
            data = raw_frame(OP_BINARY, chunks[0], fin=False, rsv1=True, mask=True)
            for chunk in chunks[1:-1]:
                data += raw_frame(OP_CONT, chunk, fin=False, rsv1=False, mask=True)
            data += raw_frame(OP_CONT, chunks[-1], fin=True, rsv1=False, mask=True)
            decoder = zlib.decompressobj(wbits=-9)
            self.assertLess(len(decoder.decompress(chunks[0])), 2**20)
            del decoder
            await self.check_bomb(server, lambda: client.transport.write(data))


class FallbackTests(CompressionTestCase):
    """Without ws-deflate, compression falls back as documented."""

    def without_deflate(self) -> Any:
        """Make permessage_deflate unimportable, as if ws-deflate were absent."""
        return unittest.mock.patch.dict(sys.modules, {MODULE: None})

    async def test_default_negotiates_nothing(self) -> None:
        """The server ignores an offer of permessage-deflate."""
        offer = {"Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits"}
        with self.without_deflate():
            async with self.pair({}, {"additional_headers": offer, "compression": None}) as (
                client,
                server,
            ):
                assert client.response is not None
                self.assertNotIn("Sec-WebSocket-Extensions", client.response.headers)
                self.assertEqual(server.protocol.extensions, [])
                await self.assert_round_trips(client, server, sample_messages())

    def test_default(self) -> None:
        default = inspect.signature(serve).parameters["compression"].default
        self.assertIs(default, DEFAULT_COMPRESSION)

    async def test_explicit_deflate_requires_ws_deflate(self) -> None:
        with self.without_deflate(), self.assertRaises(ImportError) as raised:
            serve(lambda websocket: websocket.wait_closed(), "127.0.0.1", 0, compression="deflate")
        self.assertIn("ws-deflate", str(raised.exception))

    async def test_client_default_offers_nothing(self) -> None:
        with self.without_deflate():
            async with self.pair({"compression": None}) as (client, _server):
                assert client.request is not None
                self.assertNotIn("Sec-WebSocket-Extensions", client.request.headers)
                self.assertEqual(client.protocol.extensions, [])

    async def test_client_explicit_deflate_requires_ws_deflate(self) -> None:
        with self.without_deflate(), self.assertRaises(ImportError) as raised:
            connect("ws://127.0.0.1:1/", compression="deflate")
        self.assertIn("ws-deflate", str(raised.exception))

    @needs_deflate
    async def test_default_negotiates_nothing_with_client_offer(self) -> None:
        """A client with ws-deflate offers it; the server without declines."""
        client_factory = ClientPerMessageDeflateFactory()  # imported earlier
        with self.without_deflate():
            async with self.pair({}, {"extensions": [client_factory]}) as (client, server):
                self.assertEqual(client.protocol.extensions, [])
                self.assertEqual(server.protocol.extensions, [])
                await self.assert_round_trips(client, server, sample_messages())

    @unittest.skipIf(DEFLATE_INSTALLED, "ws-deflate is installed")
    async def test_ws_deflate_absent(self) -> None:
        """In an install without ws-deflate, the default negotiates nothing."""
        offer = {"Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits"}
        async with self.pair({}, {"additional_headers": offer}) as (client, server):
            assert client.response is not None
            self.assertNotIn("Sec-WebSocket-Extensions", client.response.headers)
            self.assertEqual(server.protocol.extensions, [])
            await client.send("café", compress=False)
            self.assertEqual(await server.recv(), "café")

    @unittest.skipIf(DEFLATE_INSTALLED, "ws-deflate is installed")
    async def test_ws_deflate_absent_explicit_deflate(self) -> None:
        with self.assertRaises(ImportError) as raised:
            serve(lambda websocket: websocket.wait_closed(), "127.0.0.1", 0, compression="deflate")
        self.assertIn("requires the ws-deflate distribution", str(raised.exception))
        with self.assertRaises(ImportError) as raised:
            connect("ws://127.0.0.1:1/", compression="deflate")
        self.assertIn("requires the ws-deflate distribution", str(raised.exception))

    @unittest.skipIf(DEFLATE_INSTALLED, "ws-deflate is installed")
    async def test_ws_deflate_absent_client_default(self) -> None:
        async with self.pair() as (client, server):
            assert client.request is not None
            self.assertNotIn("Sec-WebSocket-Extensions", client.request.headers)
            await self.assert_round_trips(client, server, sample_messages())
