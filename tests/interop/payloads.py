"""Messages that the interop tests exchange, and how both ends describe them.

Sizes straddle the boundaries of the frame header's length encodings (125 /
126, 65535 / 65536 bytes) and go up to several MiB. Text mixes ASCII with
two-, three- and four-byte UTF-8 sequences, so that a peer which splits or
reassembles at the wrong place, or mixes UTF-16 and UTF-8 lengths, gets
caught. Binary messages are either random (deflate can't shrink them) or
repetitive (deflate shrinks them a lot): both paths of a compressor.

Contents are seeded, hence the same on every run. Both ends describe a
message by its type, its size in bytes and the SHA-256 of its bytes (UTF-8
for text), which a peer can report in one short line.

"""

from __future__ import annotations

import functools
import hashlib
import random
from typing import Any

from websockets.typing import Data

MiB = 2**20

# 64 symbols: a random byte picks one with its low 6 bits. Some of them stand
# for multi-byte characters, substituted afterwards.
_SYMBOLS = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 \n"
_TABLE = bytes(_SYMBOLS[i % 64] for i in range(256))
_WIDE = {"Q": "é", "W": "€", "X": "😀", "Z": "\u0800"}


def text(size: int, seed: int = 0) -> str:
    """A text message of ``size`` characters."""
    ascii_text = random.Random(seed).randbytes(size).translate(_TABLE).decode()
    for symbol, wide in _WIDE.items():
        ascii_text = ascii_text.replace(symbol, wide)
    return ascii_text


def binary(size: int, seed: int = 0, *, compressible: bool = False) -> bytes:
    """A binary message of ``size`` bytes."""
    if compressible:
        pattern = random.Random(seed).randbytes(251)
        return (pattern * (size // len(pattern) + 1))[:size]
    return random.Random(seed).randbytes(size)


def describe(message: Data) -> dict[str, Any]:
    """Type, size in bytes and SHA-256, as the peers report a message."""
    if isinstance(message, str):
        data = message.encode()
        kind = "text"
    else:
        data = bytes(message)
        kind = "binary"
    return {"type": kind, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def label(message: Data) -> str:
    """Short description for assertion messages: never print MiB of data."""
    info = describe(message)
    return f"{info['type']} message of {info['size']} bytes"


@functools.cache
def messages() -> list[Data]:
    """The messages of the round-trip tests, small to large."""
    return [
        text(0),
        text(1, seed=1),
        text(125, seed=2),
        text(126, seed=3),
        text(65_536, seed=4),
        text(3 * MiB, seed=5),
        binary(0),
        binary(1, seed=6),
        binary(125, seed=7),
        binary(126, seed=8),
        binary(65_535, seed=9),
        binary(65_536, seed=10),
        binary(4 * MiB, seed=11),
        binary(5 * MiB, seed=12, compressible=True),
    ]


def split(message: Data, count: int) -> list[Data]:
    """Split a message into ``count`` fragments of about the same size."""
    step = -(-len(message) // count)
    return [message[i * step : (i + 1) * step] for i in range(count)]


@functools.cache
def fragmented_messages() -> list[list[Data]]:
    """Messages to send in fragments: (fragments, ...) including an empty one."""
    large_text = text(2 * MiB, seed=13)
    large_binary = binary(3 * MiB, seed=14)
    return [
        ["héllo", "", " wörld ", "😀"],
        split(large_text, 3),
        [b"\x00\x01", b"", b"\x02" * 200],
        split(large_binary, 4),
    ]


def join(fragments: list[Data]) -> Data:
    """The message that fragments make up."""
    if isinstance(fragments[0], str):
        return "".join(fragments)  # type: ignore[arg-type]
    return b"".join(fragments)  # type: ignore[arg-type]
