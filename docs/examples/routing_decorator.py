#!/usr/bin/env python
"""Route connections by URL with a Router and its decorator.

Run it, then connect to ws://localhost:8765/ or ws://localhost:8765/channel/1.

"""

import asyncio

from websockets.asyncio.router import Router, route

router = Router()


@router.route("/")
async def lobby(websocket):
    await websocket.send("welcome to the lobby")


@router.route("/channel/<int:channel_id>")
async def channel(websocket, channel_id):
    # Tell the client where the next channel is, as it sees this server.
    await websocket.send(router.url_for(websocket, channel, channel_id=channel_id + 1))
    async for message in websocket:
        await websocket.send(f"#{channel_id}: {message}")


async def echo(websocket):
    async for message in websocket:
        await websocket.send(message)


# Without the decorator, e.g. for a handler defined elsewhere.
router.add_route(echo, "/echo")


async def main(host="localhost", port=8765):
    async with route(router, host, port) as server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
