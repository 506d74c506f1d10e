"""The ceiling: raw asyncio that answers the opening handshake and then does
the least a server can do. On ``/`` it echoes every byte it receives as it
is (masked frames come back masked, which the load generator accepts); on
``/sink`` it reads frame headers only, drops binary frames and echoes text
frames as they are. No unmasking, no UTF-8 check, no compression."""

from __future__ import annotations

import asyncio

from bench.common import OP_BINARY, OP_CONT, accept_key, parse_headers, peek_header, skip
from bench.servers._support import parse_args, ready


class RawEcho(asyncio.Protocol):
    def __init__(self) -> None:
        self.head: bytes | None = b""
        self.sink = False
        # /sink: bytes left in the current frame, whether they're forwarded,
        # and a partial frame header.
        self.skip = 0
        self.forward = False
        self.binary = False
        self.buffer = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if self.head is None:
            if self.sink:
                self.filter(data)
            else:
                self.transport.write(data)
            return
        self.head += data
        end = self.head.find(b"\r\n\r\n")
        if end < 0:
            return
        first, headers = parse_headers(self.head[:end])
        self.sink = first.split()[1] == "/sink"
        rest, self.head = self.head[end + 4 :], None
        self.transport.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + f"Sec-WebSocket-Accept: {accept_key(headers['sec-websocket-key'])}\r\n\r\n".encode()
        )
        if rest:
            self.data_received(rest)

    def filter(self, data: bytes) -> None:
        if self.buffer:
            data, self.buffer = self.buffer + data, b""
        pos, end = 0, len(data)
        out = []
        while True:
            if self.skip:
                take = min(self.skip, end - pos)
                if self.forward:
                    out.append(data[pos : pos + take])
                self.skip -= take
                pos += take
                if self.skip:
                    break
            peeked = peek_header(data, pos, end)
            if peeked is None:
                break
            b0, length, header = peeked
            opcode = b0 & 0x0F
            if opcode != OP_CONT and opcode < 8:
                self.binary = opcode == OP_BINARY
            self.forward = not (opcode < 8 and self.binary)
            if self.forward:
                out.append(data[pos : pos + header])
            pos += header
            self.skip = length
        if pos < end:
            self.buffer = data[pos:]
        if out:
            self.transport.write(b"".join(out))


async def serve() -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(RawEcho, "127.0.0.1", 0, backlog=4096)
    ready(server.sockets[0].getsockname()[1])
    await loop.create_future()


def main() -> None:
    args = parse_args()
    if args.api == "sync":
        skip("the raw ceiling has no threading variant")
    asyncio.run(serve())


if __name__ == "__main__":
    main()
