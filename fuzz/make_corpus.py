"""Write the seed corpus of every fuzz target to ``fuzz/corpus/<target>/``.

Run it from the repository's root after changing a target's input layout::

    python -m fuzz.make_corpus

It rewrites the files named ``seed-*`` and leaves the others alone. Seeds
are small, valid (or nearly valid) inputs in each target's layout, from
which the fuzzer mutates its way to the corner cases: frames of every opcode,
fragmented and compressed messages, payload lengths around 125, 126, 65535
and 65536 bytes, complete handshakes... The output is deterministic, so that
running this again changes no file unless the seeds changed.

"""

from __future__ import annotations

import base64
import hashlib
import struct
import zlib
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"

MASK = b"\x37\xfa\x21\x3d"
KEY = "dGhlIHNhbXBsZSBub25jZQ=="
ACCEPT = base64.b64encode(
    hashlib.sha1((KEY + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()
).decode()


def frame(
    opcode: int, payload: bytes, *, fin: bool = True, rsv1: bool = False, mask: bool = False
) -> bytes:
    """Serialize a frame by hand, including invalid ones."""
    head1 = (0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode
    length = len(payload)
    mask_bit = 0x80 if mask else 0
    if length < 126:
        header = bytes([head1, mask_bit | length])
    elif length < 65536:
        header = bytes([head1, mask_bit | 126]) + struct.pack("!H", length)
    else:
        header = bytes([head1, mask_bit | 127]) + struct.pack("!Q", length)
    if mask:
        masked = bytes(byte ^ MASK[index % 4] for index, byte in enumerate(payload))
        return header + MASK + masked
    return header + payload


def deflate(message: bytes) -> bytes:
    """Compress a message as permessage-deflate does, without context takeover."""
    compressor = zlib.compressobj(wbits=-15)
    return (compressor.compress(message) + compressor.flush(zlib.Z_SYNC_FLUSH))[:-4]


def frame_sequences(mask: bool) -> dict[str, bytes]:
    """Frames as a peer sends them: masked by a client, unmasked by a server."""

    def f(opcode: int, payload: bytes, **kwargs: bool) -> bytes:
        return frame(opcode, payload, mask=mask, **kwargs)

    text = "café ☕ 🎉".encode()
    compressed = deflate(b"Hello, compressed world! " * 4)
    return {
        "text": f(1, text),
        "binary": f(2, bytes(range(256))[:100]),
        "ping-pong": f(9, b"ping") + f(10, b"pong"),
        "close": f(8, struct.pack("!H", 1000) + b"bye"),
        "close-empty": f(8, b""),
        "close-1byte": f(8, b"\x03"),
        "close-invalid-code": f(8, struct.pack("!H", 1005)),
        "fragmented-text": f(1, text[:5], fin=False) + f(9, b"") + f(0, text[5:]),
        "fragmented-binary": f(2, b"ab", fin=False) + f(0, b"cd", fin=False) + f(0, b"ef"),
        "invalid-utf8": f(1, b"\xed\xa0\x80"),
        "len-125": f(2, b"x" * 125),
        "len-126": f(2, b"y" * 126),
        "len-200-text": f(1, b"z" * 200),
        "len-65535-header": f(2, b"")[:1] + bytes([0xFE if mask else 0x7E]) + b"\xff\xff",
        "len-65536-header": f(2, b"")[:1]
        + bytes([0xFF if mask else 0x7F])
        + struct.pack("!Q", 65536),
        "len-2pow63": f(2, b"")[:1] + bytes([0xFF if mask else 0x7F]) + b"\x80" + bytes(7),
        "compressed": f(1, compressed, rsv1=True),
        "compressed-fragmented": (
            f(2, compressed[:10], fin=False, rsv1=True) + f(0, compressed[10:])
        ),
        "compressed-empty": f(1, b"\x00", rsv1=True),
        "rsv1-continuation": f(1, b"a", fin=False, rsv1=True) + f(0, b"b", rsv1=True),
        "control-too-long": f(9, b"p" * 126),
        "reserved-opcode": f(3, b"?"),
        "then-eof": f(2, b"abc"),
    }


REQUEST = (
    "GET /chat?room=1 HTTP/1.1\r\n"
    "Host: example.com\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    f"Sec-WebSocket-Key: {KEY}\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "Origin: https://example.com\r\n"
    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
    "Sec-WebSocket-Protocol: chat, superchat\r\n"
    "Authorization: Basic dXNlcjpwYXNz\r\n"
    "\r\n"
).encode()

RESPONSE = (
    "HTTP/1.1 101 Switching Protocols\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    f"Sec-WebSocket-Accept: {ACCEPT}\r\n"
    "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=12; "
    "client_max_window_bits=12\r\n"
    "Sec-WebSocket-Protocol: chat\r\n"
    "\r\n"
).encode()

RESPONSE_PLAIN = (
    "HTTP/1.1 101 Switching Protocols\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    f"Sec-WebSocket-Accept: {ACCEPT}\r\n"
    "\r\n"
).encode()

RESPONSES = {
    "404-content-length": b"HTTP/1.1 404 Not Found\r\nContent-Length: 5\r\n\r\nnope\n",
    "chunked": (
        b"HTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5;ext=1\r\nhello\r\n0\r\nTrailer: x\r\n\r\n"
    ),
    "to-eof": b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\n\r\ngo away",
    "redirect": b"HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n",
    "connect-200": b"HTTP/1.1 200 Connection established\r\n\r\n",
    "101": RESPONSE,
    "101-plain": RESPONSE_PLAIN,
}


def seeds() -> dict[str, dict[str, bytes]]:
    corpus: dict[str, dict[str, bytes]] = {}

    # fuzz_frames: config, options, split, wire.
    frames: dict[str, bytes] = {}
    for side, mask, flag in (("server", True, 0x00), ("client", False, 0x01)):
        for name, wire in frame_sequences(mask).items():
            config = flag | 0x20  # end with EOF
            if "compressed" in name or "rsv1" in name:
                config |= 0x02
            frames[f"{side}-{name}"] = bytes([config, 0, 0]) + wire
        big = frame(2, b"q" * 1000, mask=mask) + frame(1, "é".encode() * 300, mask=mask)
        frames[f"{side}-direct-payloads"] = bytes([flag | 0x2C, 0x00, 37]) + big
        frames[f"{side}-small-limits"] = bytes([flag, 0x05, 3]) + frame(2, b"m" * 70, mask=mask)
        # Found by fuzzing: with permessage-deflate, an uncompressed message
        # escaped max_size (125 here).
        frames[f"{side}-regress-deflate-uncompressed-limit"] = (
            bytes([flag | 0x02, 0x03, 0])
            + frame(2, b"\xff" * 99, fin=False, mask=mask)
            + frame(0, b"\x00" * 36, fin=False, mask=mask)
        )
    corpus["frames"] = frames

    # fuzz_http11: kind, split, message.
    http11 = {"request": bytes([0, 0]) + REQUEST, "request-split": bytes([0, 7]) + REQUEST}
    for name, response in RESPONSES.items():
        kind = 2 if name == "connect-200" else 1
        http11[f"response-{name}"] = bytes([kind, 0]) + response
    http11["request-bad"] = bytes([0, 0]) + b"GET / HTTP/1.0\r\nHost : x\r\n\r\n"
    corpus["http11"] = http11

    # fuzz_headers: selector, value.
    corpus["headers"] = {
        "connection": b"\x00keep-alive, Upgrade",
        "upgrade": b"\x01HTTP/2.0, websocket/13",
        "extension": (
            b"\x02permessage-deflate; client_max_window_bits, "
            b'x-webkit-deflate-frame; server_max_window_bits="10"; no_context_takeover'
        ),
        "subprotocol": b"\x03chat, superchat,,",
        "authorization": b"\x04Basic dXNlcjpwYXNz",
        "list-items": b'\x05a, "b\\"c" ;d=1',
        "quoted-string": b'\x06realm "with" \\ backslash\xe9',
        "host": b"\x07::1",
        "credentials": b"\x08Basic dXNlcjpwYXNz\x00Basic Zm9vOmJhcg==",
        "validate-upgrade": b"\x09websocket\x00Upgrade",
        "utf8": b"\x22permessage-deflate; \xc3\xa9",
        "surrogates": b"\x42chat, \xed\xa0\x80",
    }

    # fuzz_uri: selector, value.
    corpus["uri"] = {
        "uri": b"\x00ws://example.com/path?query",
        "uri-full": b"\x00wss://user:p%40ss@[fe80::1%25eth0]:8443/a b?c=d#",
        "uri-idna": "\x00ws://пример.рф/путь?q=ü".encode(),
        "uri-bad-escape": b"\x00ws://h:80/%zz%4",
        "uri-surrogates": b"\x40ws://h\xed\xa0\x80st/\xed\xb2\x80?\xff",
        "uri-latin1": b"\x60ws://\xe9xample.com/caf\xe9",
        "proxy": b"\x01http://u:p@proxy.example:3128/",
        "proxy-socks": b"\x01socks5h://[::1]:1080",
        "redirect-relative": b"\x02../new?x",
        "redirect-absolute": b"\x02wss://other.example/x",
        "redirect-network-path": b"\x02//host2:8080/p",
        "redirect-insecure": b"\x02ws://insecure/",
        # Found by fuzzing: urljoin() raised ValueError.
        "regress-redirect-urljoin": b"\x02//[",
        # Found by fuzzing: a zone identifier that isn't ASCII, or is CRLF.
        "regress-proxy-zone": b"\x61http://[::%25\xe5]",
        "regress-uri-zone-crlf": b"\x00ws://[::1%25%0D%0AX:%20y]/",
        # Found by fuzzing: a lone surrogate in the user info.
        "regress-uri-userinfo-surrogate": b"\x20ws://:\xe8@y",
        # Found by fuzzing: build_host() didn't bracket this IPv6 address.
        "regress-uri-zone-percent": b"\x00wss://[::%25e%25e]",
    }

    # fuzz_extensions: selector, header value.
    corpus["extensions"] = {
        "offer-default": b"\x00permessage-deflate; client_max_window_bits",
        "offer-all": (
            b"\x01permessage-deflate; server_no_context_takeover; client_no_context_takeover;"
            b' server_max_window_bits=10; client_max_window_bits="9"'
        ),
        "offer-two": b"\x02permessage-deflate; server_max_window_bits=16, permessage-deflate",
        "response": b"\x80permessage-deflate; server_max_window_bits=12; client_max_window_bits=12",
        "response-duplicate": b"\x81permessage-deflate, permessage-deflate",
        "response-unknown": b"\x82permessage-deflate; foo=bar",
    }

    # fuzz_protocol: config, op count, ops, wire.
    def ops(*items: tuple[int, int, int]) -> bytes:
        return bytes([len(items)]) + b"".join(bytes(item) for item in items)

    server_frames = b"".join(
        frame_sequences(True)[name] for name in ("text", "ping-pong", "fragmented-binary")
    ) + frame(8, struct.pack("!H", 1001), mask=True)
    client_frames = b"".join(
        frame_sequences(False)[name] for name in ("text", "ping-pong", "fragmented-text")
    ) + frame(8, struct.pack("!H", 1000), mask=False)
    corpus["protocol"] = {
        "server": bytes([0x40]) + ops() + REQUEST + server_frames,
        "server-deflate": (
            bytes([0x42])
            + ops((0, 0, 40), (1, 1, 60))
            + REQUEST
            + frame(1, deflate(b"compressed " * 10), rsv1=True, mask=True)
        ),
        "server-sends": (
            bytes([0x44])
            + ops((0, 1, 0), (1, 0, 10), (3, 1, 5), (4, 0, 4), (6, 0, 3), (8, 0, 0))
            + REQUEST
            + frame_sequences(True)["close"]
        ),
        "server-reject": bytes([0x40]) + ops((9, 0, 0)) + REQUEST,
        "server-bad-request": bytes([0x40]) + ops() + b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        "client": bytes([0x41]) + ops() + RESPONSE_PLAIN + client_frames,
        "client-deflate": (
            bytes([0x47])
            + ops((0, 0, 30))
            + RESPONSE
            + frame(2, deflate(b"binary " * 20), rsv1=True)
        ),
        "client-404": bytes([0x41]) + ops() + RESPONSES["404-content-length"],
        # Found by fuzzing: fail() on a closed client raised AssertionError.
        "regress-fail-when-closed": (
            bytes([0x01]) + ops((0, 0, 0), (8, 0, 0), (7, 1, 4)) + RESPONSES["404-content-length"]
        ),
        # Found by fuzzing: a server queued a ping after sending EOF.
        "regress-ping-after-eof": (
            bytes([0x00])
            + ops((0, 0, 0), (4, 0, 1), (5, 0, 1))
            + REQUEST
            + frame(8, struct.pack("!H", 1000), mask=True)
        ),
        "client-close-first": (
            bytes([0x41])
            + ops((0, 0, len(RESPONSE_PLAIN)), (6, 1, 2), (0, 0, 0))
            + RESPONSE_PLAIN
            + frame(8, struct.pack("!H", 1000), mask=False)
        ),
    }
    return corpus


def main() -> None:
    for target, files in seeds().items():
        directory = CORPUS / target
        directory.mkdir(parents=True, exist_ok=True)
        # Replace the seeds; keep any other input someone added by hand.
        for path in directory.glob("seed-*"):
            path.unlink()
        for name, data in files.items():
            (directory / f"seed-{name}").write_bytes(data)
    total = sum(path.stat().st_size for path in CORPUS.rglob("*") if path.is_file())
    print(f"wrote {CORPUS}: {total} bytes")


if __name__ == "__main__":
    main()
