"""Tests for websockets.asyncio.connection, over a real TCP connection.

Each test opens a TCP connection on 127.0.0.1 and drives both ends with
:class:`~websockets.asyncio.connection.Connection` objects whose protocols
start in the OPEN state, skipping the opening handshake.

"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import struct
import subprocess
import sys
import time
import tracemalloc
import unittest
import uuid
from collections.abc import AsyncIterator
from typing import Any, get_overloads

from websockets._keepalive import Keepalive
from websockets.asyncio.compatibility import asyncio_timeout
from websockets.asyncio.connection import Connection, _PendingFlushes
from websockets.client import ClientProtocol
from websockets.exceptions import (
    ConcurrencyError,
    ConnectionClosed,
    ConnectionClosedError,
    ConnectionClosedOK,
    InvalidStatus,
    ProtocolError,
)
from websockets.extensions import Extension
from websockets.frames import OP_BINARY, OP_CONT, OP_TEXT, Close, CloseCode, Frame
from websockets.http11 import Request, Response
from websockets.protocol import CLOSED, CLOSING, CONNECTING, OPEN, Event
from websockets.server import ServerProtocol
from websockets.typing import ExtensionName
from websockets.uri import parse_uri

from .utils import (
    CLIENT_CONTEXT,
    LONG_TIMEOUT,
    MS,
    SERVER_CONTEXT,
    SOON,
    AsyncTestCase,
    wait_for,
)


class ConnectionTestCase(AsyncTestCase):
    """Open a pair of connected :class:`Connection` objects for each test."""

    async def asyncSetUp(self) -> None:
        self.pairs: list[tuple[Connection, Connection]] = []
        self.raw_clients: list[Connection] = []
        self.client, self.server = await self.make_pair()

    async def asyncTearDown(self) -> None:
        for connection in [*(c for pair in self.pairs for c in pair), *self.raw_clients]:
            connection.transport.abort()
            await connection.wait_closed()

    async def make_pair(
        self,
        *,
        max_size: int | None = 2**20,
        tls: bool = False,
        **kwargs: Any,
    ) -> tuple[Connection, Connection]:
        """Create a client and a server connection over TCP, or TLS.

        ``max_size`` applies to the server; other arguments to both ends.

        """
        loop = asyncio.get_running_loop()
        client_sock, server_sock = tcp_socket_pair()
        client_protocol = ClientProtocol(parse_uri("ws://localhost/"), state=OPEN)
        server_protocol = ServerProtocol(state=OPEN, max_size=max_size)
        (_, client), (_, server) = await asyncio.gather(
            loop.create_connection(
                lambda: Connection(client_protocol, **kwargs),
                sock=client_sock,
                ssl=CLIENT_CONTEXT if tls else None,
                server_hostname="localhost" if tls else None,
            ),
            loop.connect_accepted_socket(
                lambda: Connection(server_protocol, **kwargs),
                server_sock,
                ssl=SERVER_CONTEXT if tls else None,
            ),
        )
        self.pairs.append((client, server))
        return client, server

    async def make_raw_peer(
        self,
        *,
        max_size: int | None = 2**20,
        buffer_size: int | None = None,
        **kwargs: Any,
    ) -> tuple[Connection, socket.socket]:
        """Create a client connection whose peer is a plain TCP socket.

        Tests write arbitrary frames to the socket, which is non-blocking:
        use :meth:`asyncio.loop.sock_sendall` and
        :meth:`asyncio.loop.sock_recv`. Frames sent to the client aren't
        masked. ``buffer_size`` is passed to :func:`tcp_socket_pair`.

        """
        loop = asyncio.get_running_loop()
        client_sock, peer = tcp_socket_pair(buffer_size)
        peer.setblocking(False)
        self.addCleanup(peer.close)
        protocol = ClientProtocol(parse_uri("ws://localhost/"), state=OPEN, max_size=max_size)
        _, client = await loop.create_connection(
            lambda: Connection(protocol, **kwargs), sock=client_sock
        )
        self.raw_clients.append(client)
        return client, peer


def received_code(exc: ConnectionClosed) -> int | None:
    """Return the close code that the peer sent, if any."""
    return None if exc.rcvd is None else exc.rcvd.code


def tcp_socket_pair(buffer_size: int | None = None) -> tuple[socket.socket, socket.socket]:
    """Create two connected TCP sockets on 127.0.0.1.

    ``buffer_size`` sets the size of the kernel's send and receive buffers of
    both sockets, in bytes, before they connect; the kernel's default sizes
    otherwise.

    """
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client_sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if buffer_size is not None:
            # Accepted sockets inherit the sizes of the listening socket.
            for sock in [listener, client_sock]:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, buffer_size)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, buffer_size)
        client_sock.connect(listener.getsockname())
        server_sock, _ = listener.accept()
    return client_sock, server_sock


class SendRecvTests(ConnectionTestCase):
    async def test_text(self) -> None:
        await self.client.send("café")
        self.assertEqual(await self.server.recv(), "café")

    async def test_binary(self) -> None:
        await self.client.send(b"tea")
        self.assertEqual(await self.server.recv(), b"tea")

    async def test_bytearray_and_memoryview(self) -> None:
        await self.client.send(bytearray(b"tea"))
        await self.client.send(memoryview(b"tea"))
        self.assertEqual(await self.server.recv(), b"tea")
        self.assertEqual(await self.server.recv(), b"tea")

    async def test_both_directions(self) -> None:
        await self.server.send("café")
        self.assertEqual(await self.client.recv(), "café")

    async def test_send_bytes_as_text(self) -> None:
        await self.client.send(b"caf\xc3\xa9", text=True)
        self.assertEqual(await self.server.recv(), "café")

    async def test_send_str_as_binary(self) -> None:
        await self.client.send("café", text=False)
        self.assertEqual(await self.server.recv(), b"caf\xc3\xa9")

    async def test_recv_decode(self) -> None:
        await self.client.send("café")
        await self.client.send(b"tea")
        self.assertEqual(await self.server.recv(decode=False), b"caf\xc3\xa9")
        self.assertEqual(await self.server.recv(decode=True), "tea")

    def test_recv_overloads(self) -> None:
        """Type checkers see str with decode=True, bytes with decode=False."""
        # Annotations are strings: the module postpones their evaluation.
        recv = [o.__annotations__["return"] for o in get_overloads(Connection.recv)]
        self.assertEqual(recv, ["str", "bytes", "Data"])
        recv_streaming = [
            o.__annotations__["return"] for o in get_overloads(Connection.recv_streaming)
        ]
        self.assertEqual(
            recv_streaming, ["AsyncIterator[str]", "AsyncIterator[bytes]", "AsyncIterator[Data]"]
        )

    async def test_send_unsupported_type(self) -> None:
        with self.assertRaises(TypeError):
            await self.client.send(42)  # type: ignore[arg-type]

    async def test_send_dict(self) -> None:
        with self.assertRaises(TypeError):
            await self.client.send({"a": "b"})  # type: ignore[arg-type]

    async def test_recv_concurrently(self) -> None:
        task = self.create_task(self.server.recv())
        await asyncio.sleep(0)
        with self.assertRaises(ConcurrencyError):
            await self.server.recv()
        await self.client.send("café")
        self.assertEqual(await task, "café")

    async def test_recv_cancelled_midway_loses_nothing(self) -> None:
        event = asyncio.Event()

        async def fragments() -> AsyncIterator[str]:
            yield "ca"
            await event.wait()
            yield "fé"

        send_task = self.create_task(self.client.send(fragments()))
        recv_task = self.create_task(self.server.recv())
        await wait_for(lambda: self.server.recv_messages._chunks != [])
        recv_task.cancel()
        with self.assertRaises(asyncio.CancelledError):
            await recv_task
        event.set()
        await send_task
        self.assertEqual(await self.server.recv(), "café")

    async def test_messages_received_before_close_are_delivered(self) -> None:
        await self.client.send("one")
        await self.client.send("two")
        await self.client.close()
        self.assertEqual(await self.server.recv(), "one")
        self.assertEqual(await self.server.recv(), "two")
        with self.assertRaises(ConnectionClosedOK):
            await self.server.recv()

    async def test_max_size_minus_one(self) -> None:
        client, server = await self.make_pair(max_size=1000)
        await client.send(b"\x00" * 999)
        self.assertEqual(len(await server.recv()), 999)
        await client.send(b"\x00" * 1000)
        self.assertEqual(len(await server.recv()), 1000)

    async def test_max_size_plus_one(self) -> None:
        """The receiver closes with 1009; both ends see it."""
        client, server = await self.make_pair(max_size=1000)
        await client.send(b"\x00" * 1001)
        with self.assertRaises(ConnectionClosedError) as server_raised:
            await server.recv()
        self.assertEqual(server_raised.exception.sent.code, CloseCode.MESSAGE_TOO_BIG)
        with self.assertRaises(ConnectionClosedError) as client_raised:
            await client.recv()
        self.assertEqual(received_code(client_raised.exception), CloseCode.MESSAGE_TOO_BIG)
        self.assertEqual(client.close_code, CloseCode.MESSAGE_TOO_BIG)

    async def test_max_size_fragmented(self) -> None:
        client, server = await self.make_pair(max_size=1000)
        await client.send([b"\x00" * 500, b"\x00" * 501])
        with self.assertRaises(ConnectionClosedError):
            await server.recv()
        with self.assertRaises(ConnectionClosedError) as client_raised:
            await client.recv()
        self.assertEqual(received_code(client_raised.exception), CloseCode.MESSAGE_TOO_BIG)

    async def test_large_message(self) -> None:
        message = b"\x01" * 2**20
        await self.client.send(message)
        self.assertEqual(await self.server.recv(), message)


class ClosingTests(ConnectionTestCase):
    async def test_messages_read_with_close_frame_are_delivered(self) -> None:
        # With max_queue, reading pauses and resumes many times; the close
        # frame arrives in the same read as the last messages.
        for i in range(2000):
            await self.client.send(f"message {i}")
        await self.client.close()
        received = []
        with self.assertRaises(ConnectionClosedOK):
            while True:
                received.append(await self.server.recv())
        self.assertEqual(received, [f"message {i}" for i in range(2000)])


class MiscTests(ConnectionTestCase):
    async def test_id(self) -> None:
        self.assertIsInstance(self.server.id, uuid.UUID)
        self.assertEqual(self.server.id, self.server.protocol.id)
        new_id = uuid.uuid4()
        self.server.id = new_id
        self.assertEqual(self.server.protocol.id, new_id)

    async def test_send_bytes_after_close(self) -> None:
        await self.client.close()
        with self.assertRaises(ConnectionClosedOK):
            await self.client.send(b"late")

    async def test_data_received(self) -> None:
        # Event loops without buffered protocols call data_received().
        frame = b"\x82\x83" + b"\x00\x00\x00\x00" + b"tea"
        self.server.data_received(frame)
        self.assertEqual(await self.server.recv(), b"tea")

    async def test_attributes_beyond_slots(self) -> None:
        # Applications may set their own attributes, as on upstream's.
        self.server.user = "alice"  # type: ignore[attr-defined]
        self.assertEqual(self.server.user, "alice")  # type: ignore[attr-defined]


class LargeMessageTests(ConnectionTestCase):
    """Large payloads are read straight into the bytes object they end up in."""

    async def test_buffered_protocol(self) -> None:
        self.assertIsInstance(self.server, asyncio.BufferedProtocol)
        # Between messages, connections read into the buffer of their thread.
        self.assertIs(self.server.get_buffer(-1), self.client.get_buffer(-1))

    async def test_both_directions(self) -> None:
        client, server = await self.make_pair(max_size=None)
        binary = os.urandom(5 * 2**20 + 3)
        text = "Ω≈ç√∫˜µ≤≥÷ 😀 ünïcödé" * 50000
        await client.send(binary)
        await client.send(text)
        received = await server.recv()
        self.assertIs(type(received), bytes)
        self.assertEqual(received, binary)
        self.assertEqual(await server.recv(), text)
        # The server doesn't mask: the client receives unmasked payloads, up
        # to its max_size of 1 MiB.
        await server.send(binary[: 2**20])
        await server.send(text[:100000])
        self.assertEqual(await client.recv(), binary[: 2**20])
        self.assertEqual(await client.recv(), text[:100000])

    async def test_small_and_large_messages_in_order(self) -> None:
        large = os.urandom(200000)
        messages = [b"a", large, b"b", b"c", os.urandom(70000), b"d"]
        written: list[Any] = []
        write = self.server.transport.write

        def record(data: Any) -> None:
            written.append(data)
            write(data)

        self.server.transport.write = record  # type: ignore[method-assign]
        # Sent within one turn of the event loop: the writes are coalesced.
        await asyncio.gather(*(self.server.send(message) for message in messages))
        for message in messages:
            self.assertEqual(await self.client.recv(), message)
        # Small chunks were joined, large payloads written as they are.
        self.assertTrue(any(isinstance(data, memoryview) and data.obj is large for data in written))
        self.assertLess(len(written), 2 * len(messages))

    async def test_small_chunks_before_large_chunk(self) -> None:
        large = os.urandom(100000)
        await self.server.send(b"x")  # written at once: first of the turn
        await self.server.send(b"y")  # batched, then joined with nothing
        await self.server.send(large)  # batched, written on its own
        for message in [b"x", b"y", large]:
            self.assertEqual(await self.client.recv(), message)

    async def test_tls(self) -> None:
        client, server = await self.make_pair(tls=True, max_size=None)
        message = os.urandom(2**20)
        await client.send(message)
        self.assertEqual(await server.recv(), message)
        await server.send(message)
        self.assertEqual(await client.recv(), message)

    async def test_invalid_utf8_fails_as_it_arrives(self) -> None:
        client, peer = await self.make_raw_peer(max_size=None)
        loop = asyncio.get_running_loop()
        # A 4 MiB text frame, invalid after 100 kB: send only 200 kB of it.
        payload = b"a" * 100000 + b"\xff" + b"b" * (4 * 2**20)
        frame = b"\x81\x7f" + struct.pack("!Q", len(payload)) + payload
        await loop.sock_sendall(peer, frame[:200000])
        # The client sends a close frame without waiting for the rest.
        close_frame = b""
        while len(close_frame) < 6 or len(close_frame) < 6 + close_frame[1] - 0x80:
            close_frame += await loop.sock_recv(peer, 1024)
        self.assertEqual(close_frame[0], 0x88)
        peer.close()
        with self.assertRaises(ConnectionClosedError) as raised:
            await client.recv()
        assert raised.exception.sent is not None
        self.assertEqual(raised.exception.sent.code, CloseCode.INVALID_DATA)
        self.assertEqual(
            raised.exception.sent.reason, "invalid UTF-8: invalid start byte at position 100000"
        )


class SkipCompressionTests(ConnectionTestCase):
    """send(..., compress=False) tells every extension to skip the message."""

    async def asyncSetUp(self) -> None:
        await super().asyncSetUp()
        self.extension = RecordingExtension()
        self.client.protocol.extensions = [self.extension]

    async def test_send_compress_false(self) -> None:
        await self.client.send("café", compress=False)
        self.assertEqual(self.extension.encoded, [("skip",), (OP_TEXT, True)])

    async def test_send_compress_true(self) -> None:
        await self.client.send(b"tea")
        self.assertEqual(self.extension.encoded, [(OP_BINARY, True)])

    async def test_send_fragmented_compress_false(self) -> None:
        """Only the first frame of the message follows skip_next_message()."""
        await self.client.send(["ca", "fé"], compress=False)
        self.assertEqual(
            self.extension.encoded,
            [("skip",), (OP_TEXT, False), (OP_CONT, False), (OP_CONT, True)],
        )
        self.assertEqual(await self.server.recv(), "café")


class RecordingExtension(Extension):
    """Extension that changes nothing and records what it's asked to do."""

    name = ExtensionName("x-recording")

    def __init__(self) -> None:
        self.encoded: list[tuple[Any, ...]] = []

    def skip_next_message(self) -> None:
        self.encoded.append(("skip",))

    def encode(self, frame: Frame) -> Frame:
        self.encoded.append((frame.opcode, frame.fin))
        return frame

    def decode(self, frame: Frame, *, max_size: int | None = None) -> Frame:
        return frame  # pragma: no cover


class ReassemblyMemoryTests(ConnectionTestCase):
    """A message in many fragments holds little more memory than its payload.

    A raw peer sends the fragments and a ping while :meth:`recv` waits; the
    pong tells that the client processed every fragment. Memory is measured
    then, before the last fragment. These tests measure memory, not time:
    there are just enough fragments for an object per fragment to stand out.

    """

    async def receive_fragments_then_measure(
        self, first: bytes, fragment: bytes, count: int, *, max_size: int | None = 2**20
    ) -> tuple[int, int]:
        """Send ``first`` then ``count`` times ``fragment``; wait until they're processed.

        Return the memory that the client holds then, and its peak.

        """
        loop = asyncio.get_running_loop()
        # In debug mode, which IsolatedAsyncioTestCase turns on, the event
        # loop keeps a traceback for every callback and logs slow ones: that
        # isn't the memory that the connection holds.
        loop.set_debug(False)
        client, peer = await self.make_raw_peer(max_size=max_size)
        # Receive a shorter message like it first: what's allocated once,
        # such as coverage's records of the code that runs, isn't measured.
        await asyncio.gather(
            loop.sock_sendall(peer, first + fragment * 100 + b"\x80\x00"),
            client.recv(),
        )
        ping = b"\x89\x00"
        data = first + fragment * count + ping  # allocated before measuring
        recv = self.create_task(client.recv())
        tracemalloc.start()
        try:
            before, _ = tracemalloc.get_traced_memory()
            await loop.sock_sendall(peer, data)
            pong = b""
            while len(pong) < 6:  # header and masking key
                pong += await loop.sock_recv(peer, 6 - len(pong))
            after, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        self.assertEqual(pong[:2], b"\x8a\x80")  # a masked pong, empty
        await loop.sock_sendall(peer, b"\x80\x00")  # last fragment, empty
        self.recv_result = await recv
        return after - before, peak - before

    async def test_empty_fragments(self) -> None:
        count = 20_000
        held, _ = await self.receive_fragments_then_measure(b"\x01\x00", b"\x00\x00", count)
        self.assertEqual(self.recv_result, "")
        # A list with an entry per fragment would hold 160 kB. What's held is
        # a few kB, about 20 kB under coverage.
        self.assertLess(held, 3 * count)

    async def test_two_byte_fragments(self) -> None:
        count = 10_000
        held, _ = await self.receive_fragments_then_measure(b"\x02\x02ab", b"\x00\x02ab", count)
        self.assertEqual(self.recv_result, b"ab" * (count + 1))
        # The payload takes 20 kB; a list of bytes objects would hold 450 kB.
        self.assertLess(held, 12 * count)

    async def test_large_fragmented_message(self) -> None:
        """Reassembling a large message doesn't copy it once per fragment.

        Copying what came before at each fragment would need two copies at
        once: memory would peak at twice the payload.

        """
        size, count = 2**16, 2**8
        header = b"\x7f" + struct.pack("!Q", size)
        payload = b"\x01" * size
        _, peak = await self.receive_fragments_then_measure(
            b"\x02" + header + payload, b"\x00" + header + payload, count - 1, max_size=None
        )
        self.assertEqual(self.recv_result, payload * count)
        self.assertGreater(peak, size * count)
        self.assertLess(peak, 1.5 * size * count)


class FragmentationTests(ConnectionTestCase):
    async def test_send_list_of_str(self) -> None:
        await self.client.send(["ca", "f", "é"])
        self.assertEqual(await self.server.recv(), "café")

    async def test_send_list_of_bytes(self) -> None:
        await self.client.send([b"t", bytearray(b"e"), memoryview(b"a")])
        self.assertEqual(await self.server.recv(), b"tea")

    async def test_send_list_of_str_as_binary(self) -> None:
        await self.client.send(["ca", "fé"], text=False)
        self.assertEqual(await self.server.recv(), b"caf\xc3\xa9")

    async def test_send_list_of_bytes_as_text(self) -> None:
        await self.client.send([b"ca", b"f\xc3\xa9"], text=True)
        self.assertEqual(await self.server.recv(), "café")

    async def test_send_async_iterable(self) -> None:
        async def fragments() -> AsyncIterator[str]:
            yield "ca"
            await asyncio.sleep(0)
            yield "fé"

        await self.client.send(fragments())
        self.assertEqual(await self.server.recv(), "café")

    async def test_send_empty_iterable(self) -> None:
        await self.client.send([])
        await self.client.send("café")
        self.assertEqual(await self.server.recv(), "café")

    async def test_send_iterable_of_unsupported_type(self) -> None:
        with self.assertRaises(TypeError):
            await self.client.send([1, 2])  # type: ignore[list-item]
        # Nothing was sent: the connection is still usable.
        await self.client.send("café")
        self.assertEqual(await self.server.recv(), "café")

    async def test_send_iterable_of_mixed_types(self) -> None:
        """Changing types midway fails the connection with 1011."""
        with self.assertRaises(TypeError):
            await self.client.send(["ca", b"fe"])
        with self.assertRaises(ConnectionClosedError) as raised:
            await self.server.recv()
        self.assertEqual(received_code(raised.exception), CloseCode.INTERNAL_ERROR)

    async def test_send_iterable_raising(self) -> None:
        def fragments() -> Any:
            yield "ca"
            raise RuntimeError("boom")

        with self.assertRaises(RuntimeError):
            await self.client.send(fragments())
        with self.assertRaises(ConnectionClosedError) as raised:
            await self.server.recv()
        self.assertEqual(received_code(raised.exception), CloseCode.INTERNAL_ERROR)

    async def test_send_fragmented_after_connection_closed(self) -> None:
        """A connection closed midway raises ConnectionClosed, not a 1011."""
        event = asyncio.Event()

        async def fragments() -> AsyncIterator[str]:
            yield "ca"
            await event.wait()
            yield "fé"

        task = self.create_task(self.client.send(fragments()))
        await asyncio.sleep(0)
        self.server.transport.abort()
        await self.client.wait_closed()
        event.set()
        with self.assertRaises(ConnectionClosedError):
            await task

    async def test_send_waits_for_fragmented_message(self) -> None:
        event = asyncio.Event()

        async def fragments() -> AsyncIterator[str]:
            yield "ca"
            await event.wait()
            yield "fé"

        fragmented = self.create_task(self.client.send(fragments()))
        await asyncio.sleep(0)
        other = self.create_task(self.client.send("tea"))
        await asyncio.sleep(10 * MS)
        self.assertFalse(other.done())
        event.set()
        await fragmented
        await other
        self.assertEqual(await self.server.recv(), "café")
        self.assertEqual(await self.server.recv(), "tea")

    async def test_concurrent_fragmented_messages(self) -> None:
        """Fragmented messages sent concurrently go out one after the other.

        The first one claims the connection before waiting for its first
        fragment.

        """

        async def fragments(tag: str) -> AsyncIterator[str]:
            await asyncio.sleep(MS)
            yield f"{tag}1"
            await asyncio.sleep(MS)
            yield f"{tag}2"

        await asyncio.gather(
            self.client.send(fragments("a")),
            self.client.send(fragments("b")),
            self.client.send(["c1", "c2"]),
            self.client.send("d"),
        )
        received = {await self.server.recv() for _ in range(4)}
        self.assertEqual(received, {"a1a2", "b1b2", "c1c2", "d"})
        self.assertIs(self.client.state, OPEN)

    async def test_close_before_first_fragment(self) -> None:
        """Nothing of the message was sent: the connection closes normally."""
        event = asyncio.Event()

        async def fragments() -> AsyncIterator[str]:
            await event.wait()
            yield "ca"

        task = self.create_task(self.client.send(fragments()))
        await asyncio.sleep(0)
        await self.client.close()
        self.assertEqual(self.client.protocol.close_sent, Close(CloseCode.NORMAL_CLOSURE, ""))
        event.set()
        with self.assertRaises(ConnectionClosedOK):
            await task

    async def test_fragmented_message_fails_before_first_fragment(self) -> None:
        """Nothing of the message was sent: the connection stays open."""

        async def fragments() -> AsyncIterator[str]:
            raise RuntimeError("boom")
            yield  # pragma: no cover

        with self.assertRaises(RuntimeError):
            await self.client.send(fragments())
        self.assertIsNone(self.client._fragmented_send_waiter)
        await self.client.send("tea")
        self.assertEqual(await self.server.recv(), "tea")

    async def test_close_during_fragmented_message(self) -> None:
        event = asyncio.Event()

        async def fragments() -> AsyncIterator[str]:
            yield "ca"
            await event.wait()
            yield "fé"  # pragma: no cover

        task = self.create_task(self.client.send(fragments()))
        await asyncio.sleep(0)
        await self.client.close()
        self.assertEqual(self.client.protocol.close_sent.code, CloseCode.INTERNAL_ERROR)
        task.cancel()
        with self.assertRaises(asyncio.CancelledError):
            await task

    async def test_send_fragmented_cancelled(self) -> None:
        """Cancelling a fragmented message fails the connection with 1011."""
        event = asyncio.Event()

        async def fragments() -> AsyncIterator[str]:
            yield "ca"
            await event.wait()
            yield "fé"  # pragma: no cover

        task = self.create_task(self.client.send(fragments()))
        await asyncio.sleep(0)
        task.cancel()
        with self.assertRaises(asyncio.CancelledError):
            await task
        with self.assertRaises(ConnectionClosedError) as raised:
            await self.server.recv()
        self.assertEqual(received_code(raised.exception), CloseCode.INTERNAL_ERROR)

    async def test_many_tiny_fragments(self) -> None:
        """Tens of thousands of one-byte fragments are reassembled."""
        client, server = await self.make_pair(max_queue=None)
        await client.send(b"x" for _ in range(20_000))
        self.assertEqual(await server.recv(), b"x" * 20_000)

    async def test_recv_streaming_fragmented(self) -> None:
        await self.client.send(["ca", "f", "é"])
        fragments = [fragment async for fragment in self.server.recv_streaming()]
        self.assertEqual(fragments, ["ca", "f", "é", ""])

    async def test_recv_streaming_unfragmented(self) -> None:
        await self.client.send(b"tea")
        fragments = [fragment async for fragment in self.server.recv_streaming()]
        self.assertEqual(fragments, [b"tea"])

    async def test_recv_streaming_decode(self) -> None:
        await self.client.send(["ca", "fé"])
        fragments = [fragment async for fragment in self.server.recv_streaming(decode=False)]
        self.assertEqual(fragments, [b"ca", b"f\xc3\xa9", b""])

    async def test_recv_streaming_interrupted(self) -> None:
        await self.client.send(["ca", "f", "é"])
        await self.client.send("tea")
        async with contextlib.aclosing(self.server.recv_streaming()) as fragments:
            async for fragment in fragments:
                self.assertEqual(fragment, "ca")
                break
        self.assertEqual(await self.server.recv(), "tea")

    async def test_recv_streaming_concurrently(self) -> None:
        task = self.create_task(self.server.recv())
        await asyncio.sleep(0)
        with self.assertRaises(ConcurrencyError):
            async for _ in self.server.recv_streaming():
                pass  # pragma: no cover
        await self.client.send("café")
        self.assertEqual(await task, "café")

    async def test_recv_streaming_after_close(self) -> None:
        await self.client.close()
        with self.assertRaises(ConnectionClosedOK):
            async for _ in self.server.recv_streaming():
                pass  # pragma: no cover


class IterationTests(ConnectionTestCase):
    async def test_aiter_ends_on_normal_closure(self) -> None:
        await self.client.send("one")
        await self.client.send("two")
        await self.client.close()
        messages = [message async for message in self.server]
        self.assertEqual(messages, ["one", "two"])

    async def test_aiter_raises_on_error(self) -> None:
        await self.client.send("one")
        await self.client.close(CloseCode.INTERNAL_ERROR)
        messages = []
        with self.assertRaises(ConnectionClosedError):
            async for message in self.server:
                messages.append(message)
        self.assertEqual(messages, ["one"])


class CloseTests(ConnectionTestCase):
    async def test_close_normal(self) -> None:
        await self.client.close()
        await self.server.wait_closed()
        for connection in (self.client, self.server):
            self.assertIs(connection.state, CLOSED)
            self.assertEqual(connection.close_code, CloseCode.NORMAL_CLOSURE)
            self.assertEqual(connection.close_reason, "")
        with self.assertRaises(ConnectionClosedOK):
            await self.client.recv()
        with self.assertRaises(ConnectionClosedOK):
            await self.server.recv()

    async def test_close_code_and_reason(self) -> None:
        await self.server.close(CloseCode.GOING_AWAY, "bye")
        self.assertEqual(self.client.close_code, CloseCode.GOING_AWAY)
        await self.client.wait_closed()
        self.assertEqual(self.client.close_code, CloseCode.GOING_AWAY)
        self.assertEqual(self.client.close_reason, "bye")
        with self.assertRaises(ConnectionClosedOK):
            await self.client.send("café")

    async def test_close_error_code(self) -> None:
        await self.client.close(4000, "custom")
        with self.assertRaises(ConnectionClosedError) as raised:
            await self.server.recv()
        self.assertEqual(raised.exception.rcvd, Close(4000, "custom"))

    async def test_close_without_timeout(self) -> None:
        client, _server = await self.make_pair(close_timeout=None)
        await client.close()
        self.assertEqual(client.close_code, CloseCode.NORMAL_CLOSURE)
        self.assertTrue(client._closing)
        self.assertIsNone(client._close_timer)

    async def test_close_is_idempotent(self) -> None:
        await self.client.close()
        await self.client.close()
        self.assertIs(self.client.state, CLOSED)

    async def test_close_invalid_code(self) -> None:
        with self.assertRaises(ProtocolError):
            await self.client.close(1005)
        self.assertIs(self.client.state, OPEN)

    async def test_close_concurrently(self) -> None:
        await asyncio.gather(self.client.close(), self.server.close())
        self.assertIs(self.client.state, CLOSED)
        self.assertIs(self.server.state, CLOSED)

    async def test_close_timeout(self) -> None:
        """When the peer doesn't answer, close() aborts after close_timeout."""
        client, server = await self.make_pair(close_timeout=20 * MS)
        server.transport.pause_reading()
        start = time.perf_counter()
        await client.close()
        self.assertGreaterEqual(time.perf_counter() - start, 15 * MS)
        self.assertEqual(client.close_code, CloseCode.ABNORMAL_CLOSURE)
        with self.assertRaises(ConnectionClosedError):
            await client.recv()

    async def test_send_while_closing(self) -> None:
        """Sending during the closing handshake waits and raises."""
        client, server = await self.make_pair(close_timeout=20 * MS)
        server.transport.pause_reading()
        close_task = self.create_task(client.close())
        await asyncio.sleep(0)
        self.assertIs(client.state, CLOSING)
        with self.assertRaises(ConnectionClosedError):
            await client.send("café")
        await close_task

    async def test_abnormal_closure(self) -> None:
        """When the peer's TCP connection drops, the code is 1006."""
        self.server.transport.abort()
        with self.assertRaises(ConnectionClosedError) as raised:
            await self.client.recv()
        self.assertIsNone(raised.exception.rcvd)
        self.assertEqual(self.client.close_code, CloseCode.ABNORMAL_CLOSURE)
        with self.assertRaises(ConnectionClosedError):
            await self.client.send("café")

    async def test_connection_reset(self) -> None:
        """The error that broke the TCP connection is chained."""
        sock = self.server.transport.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.server.transport.abort()
        with self.assertRaises(ConnectionClosedError) as raised:
            await self.client.recv()
        self.assertIsInstance(raised.exception.__cause__, ConnectionResetError)

    async def assert_closed(
        self,
        connection: Connection,
        exc_type: type[ConnectionClosed],
        sent: Close | None,
        rcvd: Close | None,
        rcvd_then_sent: bool | None,
    ) -> None:
        """Check what recv(), send() and ping() raise on a closed connection."""
        for operation in [connection.recv(), connection.send("café"), connection.ping()]:
            with self.assertRaises(ConnectionClosed) as raised:
                await operation
            exc = raised.exception
            self.assertIs(type(exc), exc_type)
            self.assertEqual((exc.sent, exc.rcvd, exc.rcvd_then_sent), (sent, rcvd, rcvd_then_sent))

    async def test_closed_ok_carries_close_frames(self) -> None:
        await self.client.close(CloseCode.GOING_AWAY, "bye")
        await self.server.wait_closed()
        close = Close(CloseCode.GOING_AWAY, "bye")
        # The client sent its close frame first; the server echoed it.
        await self.assert_closed(self.client, ConnectionClosedOK, close, close, False)
        await self.assert_closed(self.server, ConnectionClosedOK, close, close, True)

    async def test_closed_error_carries_close_frames(self) -> None:
        await self.server.close(4000, "custom")
        await self.client.wait_closed()
        close = Close(4000, "custom")
        await self.assert_closed(self.server, ConnectionClosedError, close, close, False)
        await self.assert_closed(self.client, ConnectionClosedError, close, close, True)

    async def test_closed_error_without_close_frames(self) -> None:
        self.server.transport.abort()
        await self.client.wait_closed()
        await self.assert_closed(self.client, ConnectionClosedError, None, None, None)
        await self.assert_closed(self.server, ConnectionClosedError, None, None, None)

    async def test_closed_error_after_close_timeout(self) -> None:
        """The close frame was sent; none came back in time."""
        client, server = await self.make_pair(close_timeout=20 * MS)
        server.transport.pause_reading()
        await client.close(CloseCode.GOING_AWAY)
        close = Close(CloseCode.GOING_AWAY, "")
        await self.assert_closed(client, ConnectionClosedError, close, None, None)

    async def test_async_context_manager(self) -> None:
        async with self.client as connection:
            self.assertIs(connection, self.client)
        self.assertEqual(self.server.protocol.close_rcvd.code, CloseCode.NORMAL_CLOSURE)

    async def test_async_context_manager_error(self) -> None:
        with self.assertRaises(RuntimeError):
            async with self.client:
                raise RuntimeError("boom")
        self.assertEqual(self.server.protocol.close_rcvd.code, CloseCode.INTERNAL_ERROR)

    async def test_logs_connection_closed(self) -> None:
        # As upstream, a server logs it at the info level, a client doesn't.
        with (
            self.assertLogs("websockets.server", logging.INFO) as logs,
            self.assertNoLogs("websockets.client", logging.INFO),
        ):
            await self.client.close()
            await self.server.wait_closed()
        self.assertIn("connection closed", [record.getMessage() for record in logs.records])
        self.assertIs(logs.records[-1].websocket, self.server)  # type: ignore[attr-defined]


class PingPongTests(ConnectionTestCase):
    async def test_ping(self) -> None:
        pong_waiter = await self.client.ping()
        latency = await pong_waiter
        self.assertGreater(latency, 0)
        self.assertEqual(self.client.latency, latency)

    async def test_ping_with_data(self) -> None:
        for data in ["café", b"tea", bytearray(b"tea"), memoryview(b"tea")]:
            pong_waiter = await self.client.ping(data)
            await pong_waiter

    async def test_ping_duplicate_data(self) -> None:
        self.server.transport.pause_reading()
        await self.client.ping(b"tea")
        with self.assertRaises(ConcurrencyError):
            await self.client.ping(b"tea")

    async def test_pong_acknowledges_earlier_pings(self) -> None:
        self.server.transport.pause_reading()
        first = await self.client.ping(b"one")
        second = await self.client.ping(b"two")
        third = await self.client.ping(b"three")
        await self.server.pong(b"two")
        await second
        self.assertTrue(first.done())
        self.assertFalse(third.done())
        # The server's automatic answers are now unsolicited, except one.
        self.server.transport.resume_reading()
        await third

    async def test_cancelled_ping(self) -> None:
        self.server.transport.pause_reading()
        first = await self.client.ping()
        first.cancel()
        second = await self.client.ping()
        self.server.transport.resume_reading()
        await second
        self.assertTrue(first.cancelled())

    async def test_cancelled_ping_when_connection_closes(self) -> None:
        self.server.transport.pause_reading()
        pong_waiter = await self.client.ping()
        pong_waiter.cancel()  # type: ignore[attr-defined]
        self.server.transport.abort()
        await self.client.wait_closed()
        self.assertTrue(pong_waiter.cancelled())  # type: ignore[attr-defined]

    async def test_unsolicited_pong(self) -> None:
        await self.server.pong("café")
        await self.server.pong()
        await self.client.send("tea")
        self.assertEqual(await self.server.recv(), "tea")

    async def test_ping_after_close(self) -> None:
        await self.client.close()
        with self.assertRaises(ConnectionClosedOK):
            await self.client.ping()
        with self.assertRaises(ConnectionClosedOK):
            await self.client.pong()

    async def test_pending_ping_fails_on_close(self) -> None:
        self.server.transport.pause_reading()
        pong_waiter = await self.client.ping()
        self.server.transport.abort()
        with self.assertRaises(ConnectionClosedError):
            await pong_waiter

    async def test_keepalive(self) -> None:
        client, _server = await self.make_pair(ping_interval=10 * MS, ping_timeout=LONG_TIMEOUT)
        client.start_keepalive()
        await wait_for(lambda: client.latency > 0)

    async def test_keepalive_without_timeout(self) -> None:
        client, _server = await self.make_pair(ping_interval=10 * MS, ping_timeout=None)
        client.start_keepalive()
        await wait_for(lambda: client.latency > 0)

    async def test_keepalive_disabled(self) -> None:
        client, _server = await self.make_pair(ping_interval=None)
        client.start_keepalive()
        self.assertIsNone(client._keepalive)
        self.assertIsNone(client._keepalive_timer)

    async def test_keepalive_timeout(self) -> None:
        """A peer that doesn't answer pings fails the connection with 1011."""
        client, server = await self.make_pair(
            ping_interval=10 * MS, ping_timeout=10 * MS, close_timeout=10 * MS
        )
        server.transport.pause_reading()
        client.start_keepalive()
        async with asyncio_timeout(SOON):
            await client.wait_closed()
        self.assertEqual(client.protocol.close_sent.code, CloseCode.INTERNAL_ERROR)
        self.assertEqual(client.protocol.close_sent.reason, "keepalive ping timeout")

    async def test_keepalive_while_application_is_slow(self) -> None:
        """max_queue pausing reading doesn't count against ping_timeout."""
        client, server = await self.make_pair(
            ping_interval=LONG_TIMEOUT, ping_timeout=LONG_TIMEOUT, max_queue=2
        )
        # The server's application doesn't read for a while: its queue fills
        # up, reading pauses, and the client's pong stays unread.
        for i in range(10):
            await client.send(f"message {i}")
        await wait_for(lambda: server._reading_paused)
        keepalive = self.send_keepalive_ping_now(server)
        # The pong deadline passes while reading is paused.
        self.expire_pong_deadline(server)
        await wait_for(lambda: server._keepalive_timer is None)
        self.assertIs(server.protocol.state, OPEN)
        received = [await server.recv() for _ in range(10)]
        self.assertEqual(received, [f"message {i}" for i in range(10)])
        # Keepalive goes on once the application catches up: the pong is
        # read and the next ping is scheduled.
        await wait_for(lambda: keepalive.pong_deadline is None)
        self.assertIs(server.protocol.state, OPEN)
        self.assertGreater(server.latency, 0)
        self.assertIsNotNone(keepalive.next_ping)
        self.assertIsNotNone(server._keepalive_timer)

    async def test_keepalive_timeout_while_application_is_slow(self) -> None:
        """A peer that stops answering still fails once reading resumes."""
        client, server = await self.make_pair(
            ping_interval=20 * MS, ping_timeout=20 * MS, max_queue=2, close_timeout=20 * MS
        )
        server.start_keepalive()
        for i in range(10):
            await client.send(f"message {i}")
        await asyncio.sleep(60 * MS)
        client.transport.pause_reading()  # the client stops answering pings
        for _ in range(10):
            await server.recv()
        async with asyncio_timeout(SOON):
            await server.wait_closed()
        self.assertEqual(server.protocol.close_sent.reason, "keepalive ping timeout")

    @staticmethod
    def send_keepalive_ping_now(connection: Connection) -> Keepalive:
        """Start keepalive on ``connection`` and send its first ping now."""
        connection.start_keepalive()
        keepalive = connection._keepalive
        assert keepalive is not None
        keepalive.next_ping = connection.loop.time()
        connection._run_keepalive()
        return keepalive

    @staticmethod
    def expire_pong_deadline(connection: Connection) -> None:
        """Make the pong of the keepalive ping due now, as if ``ping_timeout`` passed.

        Tests that need a pong to be late wait for no short ``ping_timeout``:
        on a busy machine, a pong that isn't late could miss it too.

        """
        keepalive = connection._keepalive
        assert keepalive is not None and keepalive.pong_deadline is not None
        keepalive.pong_deadline = connection.loop.time()
        connection._schedule_keepalive()

    async def test_keepalive_pong_read_when_deadline_is_due(self) -> None:
        """A pong read in the turn when its deadline is due counts."""
        client, _server = await self.make_pair(ping_interval=10, ping_timeout=10)
        keepalive = self.send_keepalive_ping_now(client)
        pong_waiter = client._keepalive_pong
        assert pong_waiter is not None
        # After the event loop was blocked, the pong is read (its waiter is
        # resolved, the callback that records it isn't run yet) when the
        # deadline is due already.
        pong_waiter.set_result(0.1)
        keepalive.pong_deadline = client.loop.time()
        client._run_keepalive()
        self.assertIs(client.protocol.state, OPEN)
        self.assertIsNone(keepalive.pong_deadline)
        self.assertIsNotNone(client._keepalive_timer)  # the next ping
        await asyncio.sleep(0)  # the callback runs and does nothing more
        self.assertIs(client.protocol.state, OPEN)

    async def test_keepalive_deadline_extended_only_if_it_passed_while_paused(self) -> None:
        client, server = await self.make_pair(ping_interval=10, ping_timeout=10, max_queue=2)
        client.transport.pause_reading()  # the pong doesn't come
        keepalive = self.send_keepalive_ping_now(server)
        deadline = keepalive.pong_deadline
        assert deadline is not None
        # Reading pauses and resumes before the deadline: it stays.
        for i in range(5):
            await client.send(f"message {i}")
        await wait_for(lambda: server._reading_paused)
        for _ in range(5):
            await server.recv()
        self.assertFalse(server._reading_paused)
        self.assertEqual(keepalive.pong_deadline, deadline)

    async def test_keepalive_timeout_while_closing(self) -> None:
        """When the closing handshake started, close_timeout takes over."""
        client, server = await self.make_pair(
            ping_interval=LONG_TIMEOUT, ping_timeout=10 * MS, close_timeout=LONG_TIMEOUT
        )
        server.transport.pause_reading()
        self.send_keepalive_ping_now(client)
        # The closing handshake starts at the next turn of the event loop,
        # before timers run, however late that turn is.
        close_task = self.create_task(client.close())
        await asyncio.sleep(0)
        self.assertIs(client.protocol.state, CLOSING)
        # The pong deadline passes: keepalive stops without failing.
        await wait_for(lambda: client._keepalive_timer is None)
        self.assertIs(client.protocol.state, CLOSING)
        self.assertEqual(client.protocol.close_sent.code, CloseCode.NORMAL_CLOSURE)
        server.transport.resume_reading()
        await close_task
        self.assertEqual(client.close_code, CloseCode.NORMAL_CLOSURE)

    async def test_keepalive_stops_when_closing(self) -> None:
        client, server = await self.make_pair(
            ping_interval=10 * MS, ping_timeout=None, close_timeout=LONG_TIMEOUT
        )
        server.transport.pause_reading()
        client.start_keepalive()
        close_task = self.create_task(client.close())
        await wait_for(lambda: client._keepalive_timer is None)
        server.transport.resume_reading()
        await close_task


class PendingFlushesTests(unittest.TestCase):
    """One callback per turn of the event loop flushes every connection."""

    class Stub:
        def __init__(self, loop: asyncio.AbstractEventLoop, fail: bool = False) -> None:
            self.loop = loop
            self.flushed = 0
            self.fail = fail
            self.logger = logging.getLogger("test.flushes")

        def _flush_write_batch(self) -> None:
            self.flushed += 1
            if self.fail:
                raise RuntimeError("boom")

    def test_error_doesnt_stop_other_flushes(self) -> None:
        loop = asyncio.new_event_loop()
        self.addCleanup(loop.close)
        flushes = _PendingFlushes()
        stubs = [self.Stub(loop), self.Stub(loop, fail=True), self.Stub(loop)]
        for stub in stubs:
            flushes.add(stub)  # type: ignore[arg-type]
        with self.assertLogs("test.flushes", logging.ERROR) as logs:
            loop.run_until_complete(asyncio.sleep(0))
        self.assertEqual([stub.flushed for stub in stubs], [1, 1, 1])
        self.assertEqual([record.getMessage() for record in logs.records], ["failed to write"])

    def test_one_callback_for_all_connections(self) -> None:
        loop = asyncio.new_event_loop()
        self.addCleanup(loop.close)
        flushes = _PendingFlushes()
        stubs = [self.Stub(loop) for _ in range(3)]
        for stub in stubs:
            flushes.add(stub)  # type: ignore[arg-type]
        self.assertEqual(len(loop._ready), 1)  # type: ignore[attr-defined]
        loop.run_until_complete(asyncio.sleep(0))
        self.assertEqual([stub.flushed for stub in stubs], [1, 1, 1])
        # The next write schedules a new callback.
        flushes.add(stubs[0])  # type: ignore[arg-type]
        loop.run_until_complete(asyncio.sleep(0))
        self.assertEqual([stub.flushed for stub in stubs], [2, 1, 1])

    def test_two_loops_in_one_thread(self) -> None:
        flushes = _PendingFlushes()
        first_loop, second_loop = asyncio.new_event_loop(), asyncio.new_event_loop()
        self.addCleanup(first_loop.close)
        self.addCleanup(second_loop.close)
        first, second = self.Stub(first_loop), self.Stub(second_loop)
        flushes.add(first)  # type: ignore[arg-type]
        flushes.add(second)  # type: ignore[arg-type]
        # Each loop's callback flushes its own connections.
        first_loop.run_until_complete(asyncio.sleep(0))
        self.assertEqual((first.flushed, second.flushed), (1, 0))
        second_loop.run_until_complete(asyncio.sleep(0))
        self.assertEqual((first.flushed, second.flushed), (1, 1))
        self.assertFalse(flushes.scheduled)

    def test_loop_stopped_before_flushing(self) -> None:
        flushes = _PendingFlushes()
        old_loop = asyncio.new_event_loop()
        old = self.Stub(old_loop)
        flushes.add(old)  # type: ignore[arg-type]
        old_loop.close()  # the callback never runs
        loop = asyncio.new_event_loop()
        self.addCleanup(loop.close)
        new = self.Stub(loop)
        flushes.add(new)  # type: ignore[arg-type]
        loop.run_until_complete(asyncio.sleep(0))
        self.assertEqual((old.flushed, new.flushed), (0, 1))


class FlowControlTests(ConnectionTestCase):
    async def test_max_queue_pauses_reading(self) -> None:
        client, server = await self.make_pair(max_queue=4)
        for index in range(10):
            await server.send(str(index))
        await wait_for(lambda: not client.transport.is_reading())
        messages = [await client.recv() for _ in range(10)]
        self.assertEqual(messages, [str(index) for index in range(10)])
        self.assertTrue(client.transport.is_reading())

    async def test_close_while_reading_is_paused(self) -> None:
        """The closing handshake completes even if messages weren't read.

        Messages queued before the closing handshake can still be read; the
        rest may have been dropped.

        """
        client, server = await self.make_pair(max_queue=1, close_timeout=LONG_TIMEOUT)
        for index in range(10):
            await server.send(str(index))
        await wait_for(lambda: not client.transport.is_reading())
        await client.close()
        self.assertEqual(client.close_code, CloseCode.NORMAL_CLOSURE)
        messages = [message async for message in client]
        self.assertGreaterEqual(len(messages), 2)
        self.assertEqual(messages, [str(index) for index in range(len(messages))])

    async def test_data_frames_dropped_while_closing(self) -> None:
        """A peer that floods data frames after our close frame fills no memory.

        Its close frame is still found behind them.

        """
        loop = asyncio.get_running_loop()
        client, peer = await self.make_raw_peer(max_queue=4, close_timeout=LONG_TIMEOUT)
        frame = b"\x82\x7e\xff\xff" + b"\x00" * 0xFFFF  # 64 KiB binary frame
        await loop.sock_sendall(peer, frame * 8)
        await wait_for(lambda: not client.transport.is_reading())
        close = self.create_task(client.close())
        await wait_for(lambda: client.state is CLOSING)
        queued = len(client.recv_messages)
        for _ in range(32):  # 64 MiB
            await loop.sock_sendall(peer, frame * 32)
            self.assertLessEqual(len(client.recv_messages), max(queued, 4))
        await loop.sock_sendall(peer, b"\x88\x02\x03\xe8")  # close frame, 1000
        peer.shutdown(socket.SHUT_WR)
        await close
        self.assertEqual(client.close_code, CloseCode.NORMAL_CLOSURE)
        # Messages queued before the closing handshake are intact.
        messages = [message async for message in client]
        self.assertEqual(len(messages), queued)
        self.assertTrue(all(message == b"\x00" * 0xFFFF for message in messages))

    async def test_max_queue_tuple(self) -> None:
        client, _server = await self.make_pair(max_queue=(4, 2))
        self.assertEqual((client.recv_messages.high, client.recv_messages.low), (4, 2))

    async def test_write_limit_waits_for_drain(self) -> None:
        client, server = await self.make_pair(max_size=None, write_limit=(1024, 0))
        server.transport.pause_reading()
        message = b"\x00" * 2**24
        task = self.create_task(client.send(message))
        await asyncio.sleep(20 * MS)
        self.assertFalse(task.done())
        server.transport.resume_reading()
        self.assertEqual(len(await server.recv()), 2**24)
        await task

    async def test_concurrent_senders_wait_for_drain(self) -> None:
        client, server = await self.make_pair(max_size=None, write_limit=1024)
        server.transport.pause_reading()
        message = b"\x00" * 2**24
        first = self.create_task(client.send(message))
        await asyncio.sleep(20 * MS)
        second = self.create_task(client.pong())
        third = self.create_task(client.send(b"\x01"))
        await asyncio.sleep(20 * MS)
        self.assertFalse(first.done())
        self.assertFalse(third.done())
        server.transport.resume_reading()
        self.assertEqual(await server.recv(), message)
        self.assertEqual(await server.recv(), b"\x01")
        await asyncio.gather(first, second, third)

    async def test_connection_lost_while_draining(self) -> None:
        client, server = await self.make_pair(max_size=None, write_limit=1024)
        server.transport.pause_reading()
        task = self.create_task(client.send(b"\x00" * 2**24))
        await asyncio.sleep(20 * MS)
        self.assertFalse(task.done())
        server.transport.abort()
        with self.assertRaises(ConnectionClosedError):
            await task

    async def test_keepalive_unblocks_send_to_peer_that_stopped_reading(self) -> None:
        """A send() blocked by a peer that doesn't read fails after keepalive."""
        client, server = await self.make_pair(
            max_size=None,
            ping_interval=20 * MS,
            ping_timeout=20 * MS,
            close_timeout=20 * MS,
            max_queue=1,
        )
        server.transport.pause_reading()
        client.start_keepalive()

        async def send_forever() -> None:
            while True:
                await client.send(b"\x00" * 65536)

        with self.assertRaises(ConnectionClosedError) as raised:
            async with asyncio_timeout(SOON):
                await send_forever()
        self.assertEqual(
            raised.exception.sent, Close(CloseCode.INTERNAL_ERROR, "keepalive ping timeout")
        )
        self.assertIsNone(raised.exception.rcvd)

    async def test_update_reading_after_close(self) -> None:
        """Flow control is harmless once the transport closed."""
        await self.client.close()
        self.client.recv_messages.paused = True
        self.client._update_reading()
        self.assertFalse(self.client._reading_paused)

    async def test_ping_flood_from_peer_that_doesnt_read(self) -> None:
        """Pongs for a peer that doesn't read them don't fill the write buffer.

        Reading pauses once they add up to more than write_limit while the
        write buffer is full, and resumes when it drains.

        """
        loop = asyncio.get_running_loop()
        # With small TCP buffers, the client stops reading after hundreds of
        # pings rather than tens of thousands: that's much less to process.
        client, peer = await self.make_raw_peer(write_limit=2**15, buffer_size=4096)
        ping = b"\x89\x7d" + b"p" * 125
        blob = ping * 8192  # 1 MiB
        # Send up to 32 MiB of pings until the client stops reading them.
        sent = 0
        while sent < 32 * len(blob) and client.transport.is_reading():
            try:
                sent += peer.send(blob[sent % len(blob) :])
            except BlockingIOError:
                await asyncio.sleep(MS)
        self.assertLess(sent, 32 * len(blob))
        self.assertFalse(client.transport.is_reading())
        self.assertLess(client.transport.get_write_buffer_size(), 2**20)
        # Once the peer reads the pongs, the client reads the pings again.
        remaining = -sent % len(ping)
        pongs = (sent + remaining) // len(ping)

        async def read_pongs() -> None:
            received = 0
            while received < pongs * (len(ping) + 4):  # masked pongs
                received += len(await loop.sock_recv(peer, 2**16))

        reader = self.create_task(read_pongs())
        await loop.sock_sendall(peer, ping[len(ping) - remaining :])  # complete the last ping
        await reader
        self.assertTrue(client.transport.is_reading())
        await loop.sock_sendall(peer, b"\x81\x04cafe")
        self.assertEqual(await client.recv(), "cafe")

    async def test_both_peers_send_large_messages_and_ping(self) -> None:
        """Peers whose write buffers are full keep reading data frames.

        Otherwise, two peers sending each other large messages would stop
        reading each other's and wait forever.

        """
        client, server = await self.make_pair(max_queue=None)
        message = b"\x00" * 2**20

        async def send_and_ping(connection: Connection) -> None:
            for _ in range(16):
                await connection.send(message)
                await connection.ping()

        async def recv(connection: Connection) -> None:
            for _ in range(16):
                self.assertEqual(await connection.recv(), message)

        # Both write buffers fill up before anyone reads.
        await asyncio.gather(send_and_ping(client), send_and_ping(server))
        await asyncio.gather(recv(client), recv(server))


class WriteCoalescingTests(ConnectionTestCase):
    def record_writes(self, connection: Connection) -> list[Any]:
        """Record the calls that write to the connection's transport.

        Each entry is the bytes of a write, or ``"EOF"`` for write_eof().

        """
        transport = connection.transport
        calls: list[Any] = []
        write, write_eof = transport.write, transport.write_eof

        def record_write(data: Any) -> None:
            calls.append(bytes(data))
            write(data)

        def record_writelines(chunks: Any) -> None:
            record_write(b"".join(chunks))

        def record_write_eof() -> None:
            calls.append("EOF")
            write_eof()

        transport.write = record_write  # type: ignore[method-assign]
        transport.writelines = record_writelines  # type: ignore[method-assign]
        transport.write_eof = record_write_eof  # type: ignore[method-assign]
        return calls

    async def test_frames_sent_in_one_turn_are_written_at_once(self) -> None:
        writes = self.record_writes(self.server)
        for i in range(10):
            await self.server.send(f"message {i}")
        # The first frame of the turn is written at once, the others at the
        # next turn of the event loop, in one call.
        self.assertEqual(writes, [b"\x81\x09message 0"])
        await asyncio.sleep(0)
        self.assertEqual(len(writes), 2)
        self.assertEqual(writes[1].count(b"message "), 9)
        for i in range(10):
            self.assertEqual(await self.client.recv(), f"message {i}")

    async def test_reply_is_written_at_once(self) -> None:
        writes = self.record_writes(self.server)
        await self.client.send("ping?")
        self.assertEqual(await self.server.recv(), "ping?")
        await self.server.send("pong!")
        # A reply doesn't wait for the next turn of the event loop.
        self.assertEqual(writes, [b"\x81\x05pong!"])
        # Nor does the next one, in a later turn. Receiving data ends a turn:
        # once the client received the reply, that's a later turn, however
        # long the reply took to arrive.
        self.assertEqual(await self.client.recv(), "pong!")
        await self.server.send("again")
        self.assertEqual(writes, [b"\x81\x05pong!", b"\x81\x05again"])

    async def test_answers_to_pipelined_frames_are_written_at_once(self) -> None:
        writes = self.record_writes(self.server)
        for i in range(10):
            self.client.protocol.send_ping(f"ping {i}".encode())
        self.client._send_data()
        await asyncio.sleep(0)  # the client writes its pings
        while len(writes) == 0:
            await asyncio.sleep(MS)
        await asyncio.sleep(10 * MS)
        self.assertEqual(len(writes), 1)
        self.assertEqual(writes[0].count(b"\x8a\x06ping "), 10)

    async def test_batch_above_write_limit_is_written_at_once(self) -> None:
        client, server = await self.make_pair(write_limit=1024)
        writes = self.record_writes(server)
        await server.send(b"\x00" * 1000)  # written at once: first of the turn
        await server.send(b"\x00" * 1000)
        self.assertEqual(len(writes), 1)
        await server.send(b"\x00" * 1000)
        self.assertEqual(len(writes), 2)
        self.assertEqual(len(writes[1]), 2 * (1000 + 4))
        for _ in range(3):
            self.assertEqual(await client.recv(), b"\x00" * 1000)

    async def test_close_is_written_after_batch(self) -> None:
        writes = self.record_writes(self.server)
        for i in range(10):
            await self.server.send(f"message {i}")
        await self.server.close()
        # The batched messages and the close frame go out together, then EOF.
        self.assertEqual(len(writes), 3)
        self.assertEqual(writes[1].count(b"message "), 9)
        self.assertTrue(writes[1].endswith(b"\x88\x02\x03\xe8"))
        self.assertEqual(writes[2], "EOF")
        for i in range(10):
            self.assertEqual(await self.client.recv(), f"message {i}")
        with self.assertRaises(ConnectionClosedOK):
            await self.client.recv()

    async def test_batch_dropped_on_abort(self) -> None:
        writes = self.record_writes(self.server)
        await self.server.send("sent")
        await self.server.send("lost")
        self.server.transport.abort()
        await asyncio.sleep(0)
        self.assertEqual(writes, [b"\x81\x04sent"])
        with self.assertRaises(ConnectionClosedError):
            while True:
                self.assertEqual(await self.client.recv(), "sent")


class DebugLogsTests(ConnectionTestCase):
    async def test_debug_logs_closing_handshake(self) -> None:
        with self.assertLogs("websockets", logging.DEBUG) as logs:
            client, _server = await self.make_pair()
            await client.close()
        messages = [record.getMessage() for record in logs.records]
        self.assertIn("x half-closing TCP connection", messages)

    async def test_debug_logs_keepalive(self) -> None:
        with self.assertLogs("websockets", logging.DEBUG) as logs:
            client, _server = await self.make_pair(ping_interval=10 * MS, ping_timeout=LONG_TIMEOUT)
            client.start_keepalive()
            await wait_for(lambda: client.latency > 0)
        messages = [record.getMessage() for record in logs.records]
        self.assertIn("% sending keepalive ping", messages)
        self.assertIn("% received keepalive pong", messages)

    async def test_debug_logs_keepalive_timeout(self) -> None:
        with self.assertLogs("websockets", logging.DEBUG) as logs:
            client, server = await self.make_pair(
                ping_interval=10 * MS, ping_timeout=10 * MS, close_timeout=10 * MS
            )
            server.transport.pause_reading()
            client.start_keepalive()
            await client.wait_closed()
        messages = [record.getMessage() for record in logs.records]
        self.assertIn("- timed out waiting for keepalive pong", messages)
        self.assertIn(f"x aborting TCP connection after {10 * MS:.1f} seconds", messages)


class TLSTests(ConnectionTestCase):
    async def test_send_recv_and_close(self) -> None:
        """TLS can't half-close: the server closes the connection instead."""
        with self.assertLogs("websockets", logging.DEBUG) as logs:
            client, server = await self.make_pair(tls=True)
            await client.send("café")
            self.assertEqual(await server.recv(), "café")
            await client.close()
            await server.wait_closed()
        self.assertEqual(client.close_code, CloseCode.NORMAL_CLOSURE)
        self.assertEqual(server.close_code, CloseCode.NORMAL_CLOSURE)
        messages = [record.getMessage() for record in logs.records]
        self.assertIn("x closing TCP connection", messages)

    async def test_server_closes(self) -> None:
        client, server = await self.make_pair(tls=True)
        await server.close()
        with self.assertRaises(ConnectionClosedOK):
            await client.recv()


class HandshakeConnection(Connection):
    """Connection that records the handshake event, like subclasses do."""

    def process_event(self, event: Event) -> None:
        if isinstance(event, (Request, Response)):
            self.handshake_event = event
            self._handshake_waiter.set_result(None)
        else:  # pragma: no cover
            super().process_event(event)


class LifecycleTests(AsyncTestCase):
    """Events that arrive when the TCP connection closes are processed."""

    async def asyncSetUp(self) -> None:
        self.client_sock, self.server_sock = tcp_socket_pair()

    async def asyncTearDown(self) -> None:
        self.client_sock.close()
        self.server_sock.close()

    async def connect_client(self) -> HandshakeConnection:
        """Connect a client in the CONNECTING state to the raw server socket."""
        loop = asyncio.get_running_loop()
        protocol = ClientProtocol(parse_uri("ws://localhost/"))
        _, client = await loop.create_connection(
            lambda: HandshakeConnection(protocol), sock=self.client_sock
        )
        protocol.send_request(protocol.connect())
        client._send_data()
        return client

    async def test_response_completed_by_eof(self) -> None:
        client = await self.connect_client()
        self.server_sock.sendall(b"HTTP/1.1 404 Not Found\r\n\r\nNot Found\n")
        self.server_sock.shutdown(socket.SHUT_WR)
        await client.wait_closed()
        self.assertIsInstance(client.handshake_event, Response)
        self.assertIsInstance(client.protocol.handshake_exc, InvalidStatus)

    async def test_response_completed_by_connection_reset(self) -> None:
        client = await self.connect_client()
        self.server_sock.sendall(b"HTTP/1.1 404 Not Found\r\n\r\nNot Found\n")
        await asyncio.sleep(20 * MS)
        self.server_sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.server_sock.close()
        await client.wait_closed()
        self.assertIsInstance(client.handshake_event, Response)
        self.assertIsInstance(client.protocol.handshake_exc, InvalidStatus)

    async def test_connection_lost_during_server_handshake(self) -> None:
        """The protocol stays CONNECTING until the server sends a response."""
        loop = asyncio.get_running_loop()
        _, server = await loop.connect_accepted_socket(
            lambda: HandshakeConnection(ServerProtocol()), self.server_sock
        )
        request = ClientProtocol(parse_uri("ws://localhost/")).connect()
        self.client_sock.sendall(request.serialize())
        self.client_sock.shutdown(socket.SHUT_WR)
        await server.wait_closed()
        self.assertIsInstance(server.handshake_event, Request)
        self.assertIs(server.state, CONNECTING)

    async def test_data_after_request_while_preparing_response(self) -> None:
        """A server that prepares its response stops reading early data."""
        loop = asyncio.get_running_loop()
        _, server = await loop.connect_accepted_socket(
            lambda: HandshakeConnection(ServerProtocol()), self.server_sock
        )
        request = ClientProtocol(parse_uri("ws://localhost/")).connect()
        self.client_sock.sendall(request.serialize())
        await wait_for(lambda: hasattr(server, "handshake_event"))
        # ServerConnection sets this when it receives the request.
        server._preparing_response = True
        self.assertTrue(server.transport.is_reading())
        self.client_sock.sendall(b"\x81\x80")  # the start of a frame
        await wait_for(lambda: not server.transport.is_reading())
        server._preparing_response = False
        server._update_reading()
        self.assertTrue(server.transport.is_reading())
        server.transport.abort()
        await server.wait_closed()


class AttributesTests(ConnectionTestCase):
    async def test_attributes(self) -> None:
        self.assertIsInstance(self.client.id, uuid.UUID)
        self.assertEqual(self.client.id, self.client.protocol.id)
        self.assertIsInstance(self.client.logger, logging.LoggerAdapter)
        self.assertEqual(self.client.local_address, self.server.remote_address)
        self.assertEqual(self.client.remote_address, self.server.local_address)
        self.assertIs(self.client.state, OPEN)
        self.assertIsNone(self.client.subprotocol)
        self.assertIsNone(self.client.close_code)
        self.assertIsNone(self.client.close_reason)
        self.assertEqual(self.client.latency, 0)
        self.assertIsNone(self.client.request)
        self.assertIsNone(self.client.response)


class BroadcastImportTests(ConnectionTestCase):
    """broadcast() is importable from the connection module too."""

    def test_same_function(self) -> None:
        from websockets.asyncio import connection, server
        from websockets.asyncio.connection import broadcast

        self.assertIs(broadcast, server.broadcast)
        with self.assertRaisesRegex(AttributeError, "has no attribute 'nothing'"):
            connection.nothing  # noqa: B018

    def test_imported_first(self) -> None:
        """Importing it before the server module doesn't hit an import cycle."""
        code = (
            "from websockets.asyncio.connection import broadcast\n"
            "import websockets.asyncio.server\n"
            "assert broadcast is websockets.asyncio.server.broadcast\n"
        )
        subprocess.run([sys.executable, "-c", code], check=True, timeout=LONG_TIMEOUT)

    async def test_broadcast(self) -> None:
        from websockets.asyncio.connection import broadcast

        broadcast([self.server], "news")
        self.assertEqual(await self.client.recv(), "news")
