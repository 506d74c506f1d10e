#!/usr/bin/env python
"""Route connections by URL with a werkzeug Map, as upstream websockets does.

Run it, then connect to ws://localhost:8765/ or ws://localhost:8765/channel/1.

"""

import asyncio

from werkzeug.routing import Map, Rule

from websockets.asyncio.router import route


async def lobby(websocket):
    await websocket.send("welcome to the lobby")


async def channel(websocket, channel_id):
    # channel_id comes from the URL, converted to an int by <int:...>.
    async for message in websocket:
        await websocket.send(f"#{channel_id}: {message}")


url_map = Map(
    [
        Rule("/", endpoint=lobby),
        Rule("/channel/<int:channel_id>", endpoint=channel),
    ]
)


async def main(host="localhost", port=8765):
    async with route(url_map, host, port) as server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
