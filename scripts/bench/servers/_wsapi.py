"""Servers for implementations of the websockets API (ours, upstream, and
picows' compatibility layer), which differ only by the import prefix."""

from __future__ import annotations

import asyncio
import importlib
from typing import Any

from bench.common import skip
from bench.servers._support import parse_args, ready


def main(prefix: str) -> None:
    args = parse_args()
    exceptions = importlib.import_module(f"{prefix}.exceptions")
    closed = exceptions.ConnectionClosed
    if args.api == "sync":
        try:
            sync_server = importlib.import_module(f"{prefix}.sync.server")
        except ImportError as exc:
            skip(f"no threading API ({exc})")
        serve_sync(sync_server, closed)
    else:
        asyncio_server = importlib.import_module(f"{prefix}.asyncio.server")
        asyncio.run(serve_asyncio(asyncio_server, closed))


async def serve_asyncio(module: Any, closed: type[Exception]) -> None:
    async def handler(websocket: Any) -> None:
        sink = websocket.request.path == "/sink"
        try:
            async for message in websocket:
                if sink and not isinstance(message, str):
                    continue
                await websocket.send(message)
        except closed:
            pass

    async with module.serve(handler, "127.0.0.1", 0, max_size=None) as server:
        ready(next(iter(server.sockets)).getsockname()[1])
        await asyncio.get_running_loop().create_future()


def serve_sync(module: Any, closed: type[Exception]) -> None:
    def handler(websocket: Any) -> None:
        sink = websocket.request.path == "/sink"
        try:
            for message in websocket:
                if sink and not isinstance(message, str):
                    continue
                websocket.send(message)
        except closed:
            pass

    with module.serve(handler, "127.0.0.1", 0, max_size=None) as server:
        ready(server.socket.getsockname()[1])
        server.serve_forever()
