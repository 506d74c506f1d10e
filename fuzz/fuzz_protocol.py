"""Fuzz target: a whole :class:`~websockets.server.ServerProtocol` or
:class:`~websockets.client.ClientProtocol`, from the opening handshake to the
end of the TCP connection, fed with bytes in chunks of the fuzzer's choice
and interleaved with calls of the application.

Input layout (every input is valid; missing bytes read as zeros):

* byte 0, configuration bits:

  - 0x01: client (it sends its request first, with a fixed key), else server
    (it answers the request as soon as it's received, as an I/O layer does);
  - 0x02: permessage-deflate available (when ws-deflate is installed);
  - 0x04: subprotocols ``chat`` and ``superchat`` available;
  - 0x08: debug logs, which format every frame;
  - 0x10: small thresholds for large payloads (see ``fuzz_frames``);
  - 0x20: receive through ``get_buffer`` / ``buffer_updated`` when offered;
  - 0x40: end with EOF;
  - 0x80: a server accepts only some origins;

* byte 1: number of operations, up to 31;
* 3 bytes per operation: kind, a, b (see ``operate``);
* the rest: bytes received from the peer, fed by ``feed`` operations, then
  what's left in one chunk at the end.

"""

from __future__ import annotations

import re
from typing import Any

from fuzz import _harness

with _harness.instrumented():
    from fuzz import _checks
    from websockets.client import ClientProtocol
    from websockets.frames import CloseCode
    from websockets.http11 import Request, Response
    from websockets.protocol import OPEN, Protocol
    from websockets.server import ServerProtocol
    from websockets.typing import Origin
    from websockets.uri import parse_uri
    from websockets.utils import SPEEDUPS, accept_key

    try:
        from websockets.extensions.permessage_deflate import (
            ClientPerMessageDeflateFactory,
            ServerPerMessageDeflateFactory,
        )
    except ImportError:  # ws-proto alone
        ClientPerMessageDeflateFactory = None  # type: ignore[assignment,misc]
        ServerPerMessageDeflateFactory = None  # type: ignore[assignment,misc]

KEY = "dGhlIHNhbXBsZSBub25jZQ=="
URI = parse_uri("ws://example.com/chat?room=1")
ORIGINS: list[Any] = ["https://example.com", None, re.compile(r"https://[a-z]+\.example\.com")]

# Close codes for send_close (None: no code) and fail(): valid and invalid.
CLOSE_CODES: list[int | None] = [None, 1000, 1001, 1005, 1011, 3000, 4999, 5000, 1006, 1015, 999]


class Run:
    def __init__(self, data: bytes) -> None:
        source = _harness.Input(data)
        self.config = config = source.byte()
        count = source.byte() % 32
        self.ops = [(source.byte(), source.byte(), source.byte()) for _ in range(count)]
        self.wire = source.rest()
        self.offset = 0
        self.reject = False

        logger, handler = _harness.make_logger(debug=bool(config & 0x08))
        subprotocols: Any = ["chat", "superchat"] if config & 0x04 else None
        deflate = config & 0x02 and ServerPerMessageDeflateFactory is not None
        self.protocol: Protocol
        if config & 0x01:
            client = ClientProtocol(
                URI,
                origin=Origin("https://example.com"),
                extensions=[ClientPerMessageDeflateFactory()] if deflate else None,
                subprotocols=subprotocols,
                logger=logger,
            )
            client.key = KEY
            self.protocol = client
        else:
            self.protocol = ServerProtocol(
                origins=ORIGINS if config & 0x80 else None,
                extensions=[ServerPerMessageDeflateFactory()] if deflate else None,
                subprotocols=subprotocols,
                logger=logger,
            )
        self.checker = _checks.ProtocolChecker(
            self.protocol, handler, use_buffer=bool(config & 0x20)
        )
        self.checker.on_events = self.on_events

    def on_events(self, events: list[Any]) -> None:
        """Answer the opening handshake, as an I/O layer does."""
        protocol = self.protocol
        for event in events:
            if isinstance(event, Request):
                assert isinstance(protocol, ServerProtocol)
                if self.reject:
                    response = protocol.reject(403, "Forbidden.\n")
                else:
                    response = protocol.accept(event)
                if response.status_code == 101:
                    assert protocol.handshake_exc is None
                    key = event.headers["Sec-WebSocket-Key"]
                    assert response.headers["Sec-WebSocket-Accept"] == accept_key(key)
                else:
                    assert protocol.handshake_exc is not None
                protocol.send_response(response)
                # Frames received with the request are parsed at once: the
                # connection may be closing already.
                assert (protocol.state >= OPEN) == (response.status_code == 101)
            elif isinstance(event, Response):
                assert isinstance(protocol, ClientProtocol)
                if protocol.handshake_exc is None:
                    assert event.status_code == 101

    def feed(self, size: int) -> None:
        end = len(self.wire) if size == 0 else min(len(self.wire), self.offset + size)
        self.checker.receive(self.wire[self.offset : end])
        self.offset = end

    def operate(self, kind: int, a: int, b: int) -> None:
        checker, protocol = self.checker, self.protocol
        fin = not a & 1
        kind %= 10
        if kind == 0:
            self.feed(a << 8 | b)
        elif kind == 1:
            checker.call(protocol.send_text, ("é" * b).encode()[:b], fin)
        elif kind == 2:
            checker.call(protocol.send_binary, bytes(range(256))[:b], fin)
        elif kind == 3:
            checker.call(protocol.send_continuation, b"c" * b, fin)
        elif kind == 4:
            checker.call(protocol.send_ping, b"p" * b)
        elif kind == 5:
            checker.call(protocol.send_pong, b"q" * b)
        elif kind == 6:
            code = CLOSE_CODES[a % len(CLOSE_CODES)]
            reason = "r" * b if code is not None or a & 0x80 else ""
            checker.call(protocol.send_close, code, reason)
        elif kind == 7:
            code = CLOSE_CODES[a % len(CLOSE_CODES)] or CloseCode.GOING_AWAY
            checker.call(protocol.fail, code, "f" * b)
        elif kind == 8:
            checker.receive_eof()
        else:
            self.reject = True

    def run(self) -> None:
        protocol = self.protocol
        with (
            _harness.fixed_masking_key(),
            _checks.implementation(
                speedups=SPEEDUPS,
                direct_payloads=SPEEDUPS,
                small_thresholds=bool(self.config & 0x10),
            ),
        ):
            if isinstance(protocol, ClientProtocol):
                protocol.send_request(protocol.connect())
                self.checker.check()
            for kind, a, b in self.ops:
                self.operate(kind, a, b)
            self.feed(0)
            if self.config & 0x40:
                self.checker.receive_eof()


def test_one_input(data: bytes) -> None:
    Run(data).run()


if __name__ == "__main__":
    _harness.main(test_one_input)
