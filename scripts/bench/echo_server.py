"""The fixed frame-echo server that clients under test talk to.

    python -m bench.echo_server

Raw asyncio, standard library only. It answers the opening handshake, then
streams every frame back as it arrives, header first, payload unmasked chunk
by chunk, so that it never buffers a whole message:

- on ``/``, data frames come back as they were (same FIN, RSV1 and opcode);
- on ``/sink``, binary messages are dropped and text messages echoed: a
  client sends large messages one way, then a short text marker whose echo
  tells it they all arrived;
- on ``/deflate``, permessage-deflate is accepted when offered, with the
  parameters upstream's server picks by default (12 window bits each way),
  and compressed frames come back verbatim: a client's compressed stream is a
  valid stream for its own decompressor as long as the window it compresses
  with fits the one it decompresses with, which the negotiation ensures;
- close frames are answered with the same close frame, then TCP is closed;
  pings are answered with pongs.

Unmasking is pure Python (≈ 0.6 GB/s), so large echoed messages are bounded
by this server: read the client's CPU time per message there, not its
throughput. Prints ``READY <port>``, then serves until its standard input
closes.

"""

from __future__ import annotations

import asyncio
import os
import sys
import threading

from bench.common import (
    OP_BINARY,
    OP_CLOSE,
    OP_CONT,
    OP_PING,
    OP_PONG,
    READY,
    accept_key,
    apply_mask,
    frame_header,
    parse_headers,
    peek_header,
    raise_nofile_limit,
)


def negotiate_deflate(offer: str) -> str | None:
    """Answer the first permessage-deflate offer so that echoing compressed
    frames verbatim stays valid."""
    for extension in offer.split(","):
        name, *params = (part.strip() for part in extension.split(";"))
        if name != "permessage-deflate":
            continue
        values = {}
        for param in params:
            key, _, value = param.partition("=")
            values[key.strip()] = value.strip().strip('"')
        server_bits = int(values.get("server_max_window_bits") or 12)
        server_bits = min(server_bits, 12)
        response = [name, f"server_max_window_bits={server_bits}"]
        if "client_max_window_bits" in values:
            client_bits = min(int(values["client_max_window_bits"] or 15), server_bits)
            response.append(f"client_max_window_bits={client_bits}")
        elif server_bits < 15:
            # The client compresses with 15 bits; we'd need a window as
            # large to echo verbatim, and upstream's server asks for 12.
            response[1] = "server_max_window_bits=15"
        if "server_no_context_takeover" in values:
            response.append("server_no_context_takeover")
            response.append("client_no_context_takeover")
        elif "client_no_context_takeover" in values:
            response.append("client_no_context_takeover")
        return "; ".join(response)
    return None


class Echo(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.head = b""
        self.open = False
        self.sink = False
        self.buffer = b""
        self.in_frame = False
        self.remaining = 0
        self.offset = 0
        self.key = b""
        self.opcode = 0
        self.message_opcode = 0
        self.drop = False
        self.control = b""
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if self.closed:
            return
        if not self.open:
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                return
            head, data = self.head[:end], self.head[end + 4 :]
            self.head = b""
            self.handshake(head)
            if not data:
                return
        if self.buffer:
            data = self.buffer + data
            self.buffer = b""
        out: list[bytes | bytearray] = []
        closed = self.parse(data, out)
        if out:
            assert self.transport is not None
            self.transport.write(b"".join(out) if len(out) > 1 else out[0])
            if closed:
                self.transport.close()

    def handshake(self, head: bytes) -> None:
        assert self.transport is not None
        first, headers = parse_headers(head)
        path = first.split()[1] if len(first.split()) > 1 else "/"
        self.sink = path == "/sink"
        lines = [
            "HTTP/1.1 101 Switching Protocols",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Accept: {accept_key(headers['sec-websocket-key'])}",
        ]
        if path == "/deflate" and "sec-websocket-extensions" in headers:
            accepted = negotiate_deflate(headers["sec-websocket-extensions"])
            if accepted:
                lines.append(f"Sec-WebSocket-Extensions: {accepted}")
        self.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.open = True

    def parse(self, data: bytes, out: list[bytes | bytearray]) -> bool:
        """Echo what ``data`` completes into ``out``; tell if a close frame came."""
        pos, end = 0, len(data)
        while not self.closed:
            if self.in_frame:
                take = min(self.remaining, end - pos)
                if take:
                    if not self.drop:
                        chunk = data[pos : pos + take]
                        shift = self.offset % 4
                        key = self.key[shift:] + self.key[:shift] if shift else self.key
                        payload = apply_mask(chunk, key)
                        if self.opcode >= 8:
                            self.control += payload
                        else:
                            out.append(payload)
                    self.remaining -= take
                    self.offset += take
                    pos += take
                if self.remaining:
                    return False
                self.in_frame = False
                if self.opcode >= 8:
                    self.control_frame(out)
            # Clients always mask their frames.
            peeked = peek_header(data, pos, end, masked=True)
            if peeked is None:
                break
            b0, length, header = peeked
            self.key = data[pos + header - 4 : pos + header]
            pos += header
            opcode = b0 & 0x0F
            self.opcode = opcode
            if opcode != OP_CONT and opcode < 8:
                self.message_opcode = opcode
            self.drop = self.sink and opcode < 8 and self.message_opcode == OP_BINARY
            if opcode < 8 and not self.drop:
                out.append(
                    frame_header(
                        opcode, length, fin=bool(b0 & 0x80), rsv1=bool(b0 & 0x40), masked=False
                    )
                )
            self.remaining, self.offset, self.in_frame = length, 0, True
        if pos < end and not self.closed:
            self.buffer = data[pos:]
        return self.closed

    def control_frame(self, out: list[bytes | bytearray]) -> None:
        payload, self.control = self.control, b""
        if self.opcode == OP_CLOSE:
            out.append(frame_header(OP_CLOSE, len(payload), masked=False) + payload)
            self.closed = True
        elif self.opcode == OP_PING:
            out.append(frame_header(OP_PONG, len(payload), masked=False) + payload)


async def serve() -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Echo, "127.0.0.1", 0, backlog=4096)
    port = server.sockets[0].getsockname()[1]
    print(READY, port, flush=True)
    stopped: asyncio.Future[None] = loop.create_future()

    def stop() -> None:
        if not stopped.done():
            stopped.set_result(None)

    def watch_stdin() -> None:
        sys.stdin.read()
        loop.call_soon_threadsafe(stop)

    threading.Thread(target=watch_stdin, daemon=True).start()
    await stopped
    server.close()


def main() -> None:
    raise_nofile_limit()
    asyncio.run(serve())
    os._exit(0)


if __name__ == "__main__":
    main()
