#!/usr/bin/env python
"""A WebSocket server and a client talking to each other over localhost.

The server echoes every message it receives. The client sends text and binary
messages and checks each echo, measures the round trip of a ping, then closes
the connection; the closing handshake leaves both sides with close code 1000
(normal closure).

Run it with ``scripts/demo``, which installs the distributions first, or with
``python docs/examples/demo.py`` in an environment where ws-asyncio is
installed. It exits with status 0 when everything went as expected.

"""

from __future__ import annotations

import asyncio
import sys

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.frames import CloseCode

MESSAGES: list[str | bytes] = [
    "Hello, world!",
    "Ünïcödé tëxt, sent as one Text frame 🙂",
    b"\x00\x01\x02\x03 binary payload",
    "x" * 100_000,  # longer than a frame header's 16-bit length field
    bytes(range(256)) * 10,
]


def describe(message: str | bytes) -> str:
    kind = "text" if isinstance(message, str) else "binary"
    preview = repr(message if len(message) <= 40 else message[:37])
    ellipsis = "" if len(message) <= 40 else "..."
    return f"{kind}, {len(message)} {'chars' if kind == 'text' else 'bytes'}: {preview}{ellipsis}"


def closed(websocket: ClientConnection | ServerConnection) -> str:
    code = websocket.close_code
    if code is None:
        return "connection closed without a close code"
    try:
        name = CloseCode(code).name
    except ValueError:  # a code that the RFC doesn't define
        name = "unregistered"
    return f"connection closed with code {code} ({name}), reason {websocket.close_reason!r}"


async def main() -> int:
    server_closed: asyncio.Future[ServerConnection] = asyncio.get_running_loop().create_future()

    async def echo(websocket: ServerConnection) -> None:
        try:
            # The loop ends when the client closes the connection.
            async for message in websocket:
                await websocket.send(message)
        finally:
            server_closed.set_result(websocket)

    failures = 0

    async with serve(echo, "127.0.0.1", 0) as server:
        host, port = server.sockets[0].getsockname()[:2]
        uri = f"ws://{host}:{port}/"
        print(f"server: listening on {uri}")

        async with connect(uri) as websocket:
            print(f"client: connected to {uri}")

            for message in MESSAGES:
                await websocket.send(message)
                echoed = await websocket.recv()
                ok = echoed == message
                failures += not ok
                status = "" if ok else " -- MISMATCH"
                print(f"client: sent and received back {describe(message)}{status}")

            pong_waiter = await websocket.ping()
            latency = await pong_waiter
            print(f"client: ping answered by a pong after {latency * 1000:.3f} ms")

            await websocket.close()
            print(f"client: {closed(websocket)}")
            failures += websocket.close_code != CloseCode.NORMAL_CLOSURE

        server_side = await asyncio.wait_for(server_closed, timeout=10)
        print(f"server: {closed(server_side)}")
        failures += server_side.close_code != CloseCode.NORMAL_CLOSURE

    print("server: stopped")
    if failures:
        print(f"demo: {failures} check(s) failed", file=sys.stderr)
        return 1
    print("demo: everything worked")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(asyncio.wait_for(main(), timeout=30)))
