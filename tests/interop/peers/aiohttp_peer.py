"""aiohttp as a remote-controlled WebSocket peer for tests/interop/.

Runs in aiohttp's own virtual environment (scripts/interop-setup), never in
the test process, so that our ``websockets`` distributions and aiohttp never
share an interpreter. The test drives it with one JSON command per line on
stdin and reads one JSON event per line on stdout; the protocol is described
in tests/interop/peer.py. Every data message received is reported (type,
size, SHA-256), then echoed with the same type, so that the test checks what
aiohttp decoded as well as what it encoded.

aiohttp sends each message as one frame: it has no API to send fragments.

"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sys
from typing import Any

import aiohttp
from aiohttp import web

WebSocket = web.WebSocketResponse | aiohttp.ClientWebSocketResponse


def emit(event: str, **fields: Any) -> None:
    """Report an event to the test, one JSON object a line."""
    print(json.dumps({"event": event, **fields}), flush=True)


class Peer:
    """State of the peer: its servers and its one current connection."""

    def __init__(self) -> None:
        self.runners: list[web.AppRunner] = []
        self.session: aiohttp.ClientSession | None = None
        self.tasks: set[asyncio.Task[None]] = set()
        self.ws: WebSocket | None = None
        # Set by a close command: (code, reason).
        self.close_request: asyncio.Future[tuple[int, str]] | None = None

    async def listen(self, command: dict[str, Any]) -> None:
        """Start a server on 127.0.0.1, on a port that the OS picks."""

        async def handler(request: web.Request) -> web.WebSocketResponse:
            ws = web.WebSocketResponse(
                compress=command["compress"],
                autoping=command.get("autoping", True),
                max_msg_size=0,
            )
            await ws.prepare(request)
            emit(
                "open",
                role="server",
                path=request.path_qs,
                deflate=bool(ws.compress),
                extensions=ws.headers.get("Sec-WebSocket-Extensions", ""),
            )
            await self.run(ws)
            return ws

        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", handler)
        runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.runners.append(runner)
        emit("listening", port=runner.addresses[0][1])

    async def connect(self, command: dict[str, Any]) -> None:
        """Open a client connection; it runs in a task of its own."""
        if self.session is None:
            self.session = aiohttp.ClientSession()
        # True, False, or the server's LZ77 window to ask for, in bits (9-15).
        compress = command["compress"]
        ws = await self.session.ws_connect(
            command["url"],
            compress=15 if compress is True else int(compress),
            autoping=command.get("autoping", True),
            max_msg_size=0,
        )
        emit("open", role="client", deflate=bool(ws.compress), extensions="")
        # Keep a reference: the loop holds tasks only weakly.
        self.tasks.add(asyncio.create_task(self.run(ws)))

    async def run(self, ws: WebSocket) -> None:
        """Receive until the connection closes: report, echo, answer pings."""
        self.ws = ws
        close_request = self.close_request = asyncio.get_running_loop().create_future()
        received: dict[str, Any] = {"code": None, "reason": None}
        while True:
            receiving = asyncio.ensure_future(ws.receive())
            await asyncio.wait([receiving, close_request], return_when=asyncio.FIRST_COMPLETED)
            if not receiving.done():
                break
            if not await self.handle(ws, receiving.result(), received):
                return
        # A close command. aiohttp's server and client differ in how close()
        # gets along with a pending receive(), and only one way each reads
        # the close frame that answers ours (no data flows at this point):
        code, reason = close_request.result()
        if isinstance(ws, web.WebSocketResponse):
            # The server's close() wouldn't wait for the answer while another
            # task is in receive(): stop receiving first. Cancelling keeps
            # what's buffered, as receive()'s own timeout does.
            receiving.cancel()
            await asyncio.wait([receiving])
            await ws.close(code=code, message=reason.encode())
        else:
            # Cancelling the client's receive() marks the connection as
            # failed (1006); its close() interrupts receive() instead.
            await asyncio.gather(ws.close(code=code, message=reason.encode()), receiving)
        # aiohttp keeps the code of the close frame that answered its own,
        # but not the reason: there's no public API to read it.
        emit("closed", code=ws.close_code, reason=None)

    async def handle(
        self, ws: WebSocket, message: aiohttp.WSMessage, received: dict[str, Any]
    ) -> bool:
        """Act on what receive() returned; False once the connection is closed."""
        if message.type in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
            text = message.type is aiohttp.WSMsgType.TEXT
            data = message.data.encode() if text else message.data
            emit(
                "message",
                type="text" if text else "binary",
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
            )
            if text:
                await ws.send_str(message.data)
            else:
                await ws.send_bytes(message.data)
        elif message.type is aiohttp.WSMsgType.PING:
            # Only with autoping=False: answer as aiohttp's autoping does.
            emit("ping", data=message.data.decode(errors="replace"))
            await ws.pong(message.data)
        elif message.type is aiohttp.WSMsgType.PONG:
            emit("pong", data=message.data.decode(errors="replace"))
        elif message.type is aiohttp.WSMsgType.CLOSE:
            # The other side closed, and aiohttp already answered
            # (autoclose): the next receive() returns CLOSED.
            received.update(code=message.data, reason=message.extra)
        elif message.type is aiohttp.WSMsgType.ERROR:
            emit("failed", error=repr(message.data))
            return False
        else:  # CLOSED, or CLOSING
            emit("closed", **received)
            return False
        return True

    async def ping(self, command: dict[str, Any]) -> None:
        assert self.ws is not None
        await self.ws.ping(command["data"].encode())

    async def close(self, command: dict[str, Any]) -> None:
        """Ask the connection's task to start the closing handshake."""
        assert self.close_request is not None
        self.close_request.set_result((command["code"], command["reason"]))

    async def fragments(self, command: dict[str, Any]) -> None:
        emit("unsupported", op="fragments")

    async def stop(self) -> None:
        if self.session is not None:
            await self.session.close()
        for runner in self.runners:
            await runner.cleanup()


async def main() -> None:
    peer = Peer()
    loop = asyncio.get_running_loop()
    emit("ready", implementation="aiohttp", version=aiohttp.__version__)
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:  # The test went away: stdin is closed.
            break
        command = json.loads(line)
        op = command["op"]
        if op == "stop":
            break
        try:
            await getattr(peer, op)(command)
        except Exception as exc:
            emit("error", op=op, error=repr(exc))
        else:
            emit("done", op=op)
    await peer.stop()


if __name__ == "__main__":
    asyncio.run(main())
