"""WEBSOCKETS_MAX_FRAGMENTS with the asyncio implementation, over real sockets."""

from __future__ import annotations

import asyncio
import unittest
import unittest.mock

from websockets.asyncio import messages
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosedError, TooManyFragments
from websockets.frames import CloseCode

from .utils import AsyncTestCase, get_uri


class MaxFragmentsTests(AsyncTestCase):
    def setUp(self) -> None:
        # The limit is read from the environment at import; patch it where
        # integrators patch upstream's.
        patcher = unittest.mock.patch.object(messages, "MAX_FRAGMENTS", 3)
        patcher.start()
        self.addCleanup(patcher.stop)

    async def test_message_at_limit(self) -> None:
        async def handler(websocket: ServerConnection) -> None:
            await websocket.send(await websocket.recv())

        async with (
            serve(handler, "127.0.0.1", 0) as server,
            connect(get_uri(server)) as client,
        ):
            # Two fragments and the empty final frame: three frames.
            await client.send(["a", "b"])
            self.assertEqual(await client.recv(), "ab")

    async def test_too_many_fragments(self) -> None:
        raised: asyncio.Future[BaseException] = asyncio.get_running_loop().create_future()

        async def handler(websocket: ServerConnection) -> None:
            try:
                await websocket.recv()
            except BaseException as exc:
                raised.set_result(exc)
                raise

        async with (
            serve(handler, "127.0.0.1", 0) as server,
            connect(get_uri(server)) as client,
        ):
            # Three fragments and the empty final frame: four frames.
            await client.send(["a", "b", "c"])
            with self.assertRaises(ConnectionClosedError) as client_raised:
                await client.recv()

        server_exc = await raised
        self.assertIsInstance(server_exc.__cause__, TooManyFragments)
        assert isinstance(server_exc, ConnectionClosedError)
        assert server_exc.sent is not None
        self.assertEqual(server_exc.sent.code, CloseCode.MESSAGE_TOO_BIG)
        self.assertEqual(server_exc.sent.reason, "too many fragments")
        rcvd = client_raised.exception.rcvd
        assert rcvd is not None
        self.assertEqual((rcvd.code, rcvd.reason), (1009, "too many fragments"))

    async def test_limit_patched_after_connecting(self) -> None:
        async def handler(websocket: ServerConnection) -> None:
            async for message in websocket:
                # Three fragments and the empty final frame: four frames.
                await websocket.send(list(message))

        async with (
            serve(handler, "127.0.0.1", 0) as server,
            connect(get_uri(server)) as client,
        ):
            with unittest.mock.patch.object(messages, "MAX_FRAGMENTS", None):
                await client.send("abc")
                self.assertEqual(await client.recv(), "abc")
            # Back to 3, for the connection opened before.
            await client.send("abc")
            with self.assertRaises(ConnectionClosedError) as raised:
                await client.recv()
            self.assertIsInstance(raised.exception.__cause__, TooManyFragments)

    async def test_recv_streaming_isnt_limited(self) -> None:
        async def handler(websocket: ServerConnection) -> None:
            fragments = [fragment async for fragment in websocket.recv_streaming()]
            await websocket.send(fragments)

        async with (
            serve(handler, "127.0.0.1", 0) as server,
            connect(get_uri(server)) as client,
        ):
            await client.send(["a", "b", "c", "d"])
            fragments = [fragment async for fragment in client.recv_streaming()]
            # The server echoes the empty final frame as a fragment too.
            self.assertEqual([f for f in fragments if f], ["a", "b", "c", "d"])

    async def test_later_recv_keeps_cause(self) -> None:
        async def handler(websocket: ServerConnection) -> None:
            # Three fragments and the empty final frame: four frames.
            await websocket.send(["a", "b", "c"])
            await websocket.wait_closed()

        async with (
            serve(handler, "127.0.0.1", 0) as server,
            connect(get_uri(server)) as client,
        ):
            for _ in range(2):
                # Like upstream, every recv() after the failure says why.
                with self.assertRaises(ConnectionClosedError) as raised:
                    await client.recv()
                self.assertIsInstance(raised.exception.__cause__, TooManyFragments)
            # So does send(), like upstream.
            with self.assertRaises(ConnectionClosedError) as raised:
                await client.send("x")
            self.assertIsInstance(raised.exception.__cause__, TooManyFragments)
