"""A program that uses websockets' types, as applications do.

tests/typing/test_user_program.py runs ``mypy --strict`` on it. It isn't
meant to run: it connects nowhere.

"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from typing import assert_type

from websockets.asyncio.client import ClientConnection as AsyncClientConnection
from websockets.asyncio.client import connect as async_connect
from websockets.asyncio.connection import Connection as AsyncConnection
from websockets.asyncio.connection import broadcast as async_broadcast
from websockets.asyncio.server import ServerConnection as AsyncServerConnection
from websockets.asyncio.server import serve as async_serve
from websockets.sync.client import ClientConnection as SyncClientConnection
from websockets.sync.client import connect as sync_connect
from websockets.sync.connection import Connection as SyncConnection
from websockets.sync.connection import broadcast as sync_broadcast
from websockets.sync.server import ServerConnection as SyncServerConnection
from websockets.sync.server import serve as sync_serve
from websockets.typing import Data


async def receive_async(ws: AsyncConnection) -> None:
    raw: bytes = await ws.recv(decode=False)
    text: str = await ws.recv(decode=True)
    data: Data = await ws.recv()
    assert_type(raw, bytes)
    assert_type(text, str)
    assert_type(data, Data)
    assert_type(await ws.recv(decode=None), Data)
    assert_type(await ws.recv(False), bytes)
    assert_type(await ws.recv(True), str)
    assert_type(ws.recv_streaming(decode=False), AsyncIterator[bytes])
    assert_type(ws.recv_streaming(decode=True), AsyncIterator[str])
    assert_type(ws.recv_streaming(decode=None), AsyncIterator[Data])
    assert_type(ws.recv_streaming(), AsyncIterator[Data])
    async for fragment in ws.recv_streaming(decode=False):
        assert_type(fragment, bytes)
    async for message in ws:
        assert_type(message, Data)


async def use_async_client(uri: str) -> None:
    async with async_connect(uri) as ws:
        assert_type(ws, AsyncClientConnection)
        await receive_async(ws)
        assert_type(await ws.recv(decode=False), bytes)
        assert_type(await ws.recv(decode=True), str)
        await ws.send("text")
        await ws.send([b"frag", b"ments"], text=False)
        latency: float = await (await ws.ping())
        await ws.pong(b"unsolicited")
        await ws.close(1000, "bye")
        await ws.wait_closed()
        assert_type(latency, float)


async def async_handler(ws: AsyncServerConnection) -> None:
    assert_type(await ws.recv(decode=False), bytes)
    async for text in ws.recv_streaming(decode=True):
        assert_type(text, str)
    async_broadcast([ws], "news")


async def run_async_server() -> None:
    async with async_serve(async_handler, "localhost", 0) as server:
        await server.serve_forever()


def receive_sync(ws: SyncConnection) -> None:
    raw: bytes = ws.recv(decode=False)
    text: str = ws.recv(decode=True)
    data: Data = ws.recv()
    assert_type(raw, bytes)
    assert_type(text, str)
    assert_type(data, Data)
    assert_type(ws.recv(decode=None), Data)
    assert_type(ws.recv(timeout=1.5, decode=False), bytes)
    assert_type(ws.recv(timeout=None, decode=True), str)
    assert_type(ws.recv(timeout=1.5, decode=None), Data)
    assert_type(ws.recv(timeout=1.5), Data)
    assert_type(ws.recv(1.5, False), bytes)
    assert_type(ws.recv(1.5, True), str)
    assert_type(ws.recv(None, None), Data)
    assert_type(ws.recv(1), Data)
    assert_type(ws.recv_streaming(decode=False), Iterator[bytes])
    assert_type(ws.recv_streaming(decode=True), Iterator[str])
    assert_type(ws.recv_streaming(decode=None), Iterator[Data])
    assert_type(ws.recv_streaming(), Iterator[Data])
    for fragment in ws.recv_streaming(decode=True):
        assert_type(fragment, str)
    for message in ws:
        assert_type(message, Data)


def use_sync_client(uri: str) -> None:
    with sync_connect(uri) as ws:
        assert_type(ws, SyncClientConnection)
        receive_sync(ws)
        assert_type(ws.recv(timeout=10, decode=False), bytes)
        ws.send("text")
        ws.send([b"frag", b"ments"], text=False)
        pong: threading.Event = ws.ping(b"data", ack_on_close=True)
        ws.pong()
        ws.close(1001, "bye")
        closed: bool = ws.wait_closed(timeout=1)
        assert_type(pong, threading.Event)
        assert_type(closed, bool)


def sync_handler(ws: SyncServerConnection) -> None:
    assert_type(ws.recv(timeout=5, decode=True), str)
    for raw in ws.recv_streaming(decode=False):
        assert_type(raw, bytes)
    sync_broadcast([ws], b"news")


def run_sync_server() -> None:
    with sync_serve(sync_handler, "localhost", 0) as server:
        server.serve_forever()
