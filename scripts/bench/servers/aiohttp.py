"""The server under test for aiohttp (``aiohttp.web``; asyncio only)."""

from __future__ import annotations

import asyncio

from aiohttp import WSMsgType, web

from bench.common import skip
from bench.servers._support import parse_args, ready


async def handler(request: web.Request) -> web.WebSocketResponse:
    sink = request.path == "/sink"
    websocket = web.WebSocketResponse(max_msg_size=0)
    await websocket.prepare(request)
    async for message in websocket:
        if message.type == WSMsgType.TEXT:
            await websocket.send_str(message.data)
        elif message.type == WSMsgType.BINARY and not sink:
            await websocket.send_bytes(message.data)
    return websocket


async def serve() -> None:
    app = web.Application()
    app.router.add_get("/{path:.*}", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=4096)
    await site.start()
    assert runner.addresses
    ready(runner.addresses[0][1])
    await asyncio.get_running_loop().create_future()


def main() -> None:
    args = parse_args()
    if args.api == "sync":
        skip("aiohttp has no threading API")
    asyncio.run(serve())


if __name__ == "__main__":
    main()
