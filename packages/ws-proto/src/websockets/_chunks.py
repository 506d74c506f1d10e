"""Grouping the chunks of :meth:`~websockets.protocol.Protocol.data_to_send`
for writing, shared by the I/O layers."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from .typing import BytesLike

__all__ = ["LARGE_CHUNK", "join_small_chunks"]


LARGE_CHUNK = 65536
"""Size from which a chunk is written on its own, in bytes: copying it to
join it with others would cost more than the system call it saves. The
protocol queues payloads of this size or more as chunks of their own."""


def join_small_chunks(chunks: Sequence[BytesLike]) -> Iterator[BytesLike]:
    """Yield each run of small chunks joined in one, and large chunks as they are.

    Joining small chunks, e.g. a frame header with its payload, or many small
    frames, saves system calls.

    """
    small: list[BytesLike] = []
    for chunk in chunks:
        if len(chunk) < LARGE_CHUNK:
            small.append(chunk)
            continue
        if small:
            # bytes.join() returns a lone bytes object as it is: no copy.
            yield b"".join(small)
            small = []
        yield chunk
    if small:
        yield b"".join(small)
