"""The I/O-free part of reassembling messages, shared by the I/O layers.

Each I/O layer feeds every data frame it receives (text, binary and
continuation frames) to an assembler, which queues them; readers take whole
messages or fragments as they arrive. :class:`FrameQueue` holds what every
assembler has in common: the queue, its flow control, and the collection of
fragments. The assemblers of ws-asyncio and ws-sync add the waiting, locking
and reading on top.

Frames wait in a queue until a reader takes them. The length of that queue,
counted in frames, drives flow control: above the high-water mark, the
queue asks the connection to stop reading from the network; at or below the
low-water mark, it asks it to resume. This is what bounds memory when the
application reads messages more slowly than the peer sends them.

A reader that's waiting for the rest of a message moves the fragments it
already has out of the queue, so a message fragmented into more frames than
the high-water mark can't stall the connection. Reassembly must then stay
linear in the size of the message and hold little more memory than its
payload, which ``max_size`` bounds, whatever the number of fragments: a peer
may send a message as millions of one-byte or empty fragments. Payloads of
:data:`_LARGE` bytes or more are kept as they are, in a list, and joined once
the final fragment arrives; smaller ones are copied into a :class:`bytearray`
at the end of that list, which grows geometrically; empty ones are skipped.
So a large message is copied once, as it would be with a plain list, and
every object in the list holds at least :data:`_LARGE` bytes, which keeps its
overhead (about 40 bytes with the list's pointer) small next to the payload.
An unfragmented message, the common case, is returned without a copy.

Since reassembly costs little per fragment, the number of fragments of a
message isn't limited by default. Setting the ``WEBSOCKETS_MAX_FRAGMENTS``
environment variable sets a limit, read once at import, in
:data:`MAX_FRAGMENTS`: reading a whole message made of more frames than that
raises :exc:`~websockets.exceptions.TooManyFragments`, and the connection
fails with close code 1009. Streaming a message fragment by fragment isn't
limited: it doesn't hold the fragments. Each I/O layer copies the limit into
the ``MAX_FRAGMENTS`` constant of its ``messages`` module and its assembler
reads it there, through :meth:`FrameQueue._max_fragments`, for every
fragment: assigning it, like upstream's, changes the limit of every
connection of that I/O layer from the next fragment on.

Once the closing handshake started, the connection must read until the
peer's close frame arrives, even if the application left messages unread,
and nobody will wait for more than a queue's worth of messages:
:meth:`FrameQueue._cap` turns flow control off and caps the queue at the
high-water mark, dropping data frames beyond it.

"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from ._options import queue_limits
from .exceptions import TooManyFragments
from .frames import OP_CONT, Frame
from .typing import BytesLike

__all__ = ["MAX_FRAGMENTS", "FrameQueue"]


def _max_fragments() -> int | None:
    value = os.environ.get("WEBSOCKETS_MAX_FRAGMENTS")
    return None if value is None else int(value)


MAX_FRAGMENTS = _max_fragments()
"""Maximum number of frames of a message read whole; :obj:`None`, the
default, means no limit.

Set the ``WEBSOCKETS_MAX_FRAGMENTS`` environment variable, before importing
websockets, to set a limit. Unfragmented messages are never limited."""

_LARGE = 1024
"""Size from which the payload of a fragment is kept as is during reassembly,
in bytes; smaller payloads are copied together."""

_COMPACT = 32
"""Number of frames read from the head of the queue from which the queue
drops them, when they're more than half of it."""

_TAKEN = Frame(OP_CONT, b"")
"""Placeholder for a frame taken from the queue, so the queue doesn't keep
its payload alive."""


class FrameQueue:
    """Queue of data frames with flow control, and the message being read.

    Not thread-safe: the threading assembler calls every method with its
    lock held.

    Args:
        high: High-water mark of the queue of frames, in frames; ``pause``
            is called when the queue holds more frames than this.
            :obj:`None` disables flow control. It defaults to four times
            ``low`` when only ``low`` is given.
        low: Low-water mark of the queue of frames, in frames; ``resume`` is
            called when the queue shrinks to this length. It defaults to
            ``high // 4`` when only ``high`` is given.
        pause: Called without arguments to stop reading from the network.
        resume: Called without arguments to start reading again.

    Raises:
        ValueError: If ``low`` is negative or if ``high`` is lower than
            ``low``.

    """

    def __init__(
        self,
        high: int | None = None,
        low: int | None = None,
        pause: Callable[[], Any] = lambda: None,
        resume: Callable[[], Any] = lambda: None,
    ) -> None:
        # Derive a missing mark and check them as every I/O layer does.
        high, low = queue_limits((high, low))
        self.high = high
        """High-water mark, in frames; :obj:`None` when flow control is off."""
        self.low = low
        """Low-water mark, in frames; :obj:`None` when flow control is off."""
        # Queue length at which reading resumes; only used while paused.
        self._resume_at = 0 if low is None else low
        self.pause = pause
        self.resume = resume
        self.paused = False
        """Whether reading from the network is paused."""
        self.closed = False
        """Whether the stream of frames ended: no more frames will arrive."""
        # Whether _cap() was called, and whether frames are being dropped.
        self._capped = False
        self._dropping = False

        # Frames received and not taken by a reader yet: _queue[_head:].
        # A list with a read index rather than a deque: an empty deque keeps
        # a 600-byte block allocated, an empty list holds no storage, and
        # most connections are idle with an empty queue. _pop() empties the
        # list when it reads the last frame and compacts a long list once
        # the read frames are more than half of it, so pops stay O(1)
        # amortized and the list never holds much more than the queue.
        self._queue: list[Frame] = []
        self._head = 0
        # get() and get_iter() can't run concurrently.
        self._get_in_progress = False
        # Message being read: whether it's a text message, or None between
        # messages, and the payloads that a reader took out of the queue.
        # They survive an interrupted read, so the next read resumes there.
        self._text: bool | None = None
        self._chunks: list[BytesLike] = []
        # Number of fragments collected, counted only when there's a limit.
        self._fragments = 0
        # Last item of _chunks when small payloads are copied into it.
        self._small: bytearray | None = None
        # Whether to drop the rest of a message whose reading by get_iter()
        # was interrupted after it had yielded some fragments.
        self._skip = False

    def __len__(self) -> int:
        """Number of frames waiting in the queue."""
        return len(self._queue) - self._head

    def _enqueue(self, frame: Frame) -> bool:
        """Add a data frame to the queue; return whether it was queued.

        After :meth:`_cap`, frames beyond the high-water mark are dropped and
        this returns :obj:`False`. The caller wakes up readers otherwise.

        """
        if self._capped:
            # Once a frame is dropped, drop every frame after it: keeping
            # later ones could splice fragments of different messages.
            # Not len(self): subclasses may lock in __len__.
            waiting = len(self._queue) - self._head
            if self._dropping or (self.high is not None and waiting >= self.high):
                self._dropping = True
                return False
        self._queue.append(frame)
        if (
            self.high is not None
            and not self.paused
            and not self._capped
            and len(self._queue) - self._head > self.high
        ):
            self.paused = True
            self.pause()
        return True

    def _cap(self) -> None:
        """Turn flow control off and cap the queue at the high-water mark.

        Frames queued before can still be read. Without a high-water mark,
        nothing is dropped.

        """
        if self._capped:
            return
        self._capped = True
        if self.paused:
            self.paused = False
            self.resume()

    def _collect(self, data: BytesLike, fin: bool = False) -> None:
        """Add the payload of a fragment to the message being read.

        ``fin`` tells whether it's the last fragment of the message.

        Raises:
            TooManyFragments: If the message has more fragments than
                :meth:`_max_fragments` returns. The rest of the message is
                dropped.

        """
        limit = self._max_fragments()
        if limit is not None:
            self._fragments += 1
            # Unfragmented messages are never limited, even by a limit of 0.
            if self._fragments > limit and self._fragments > 1:
                self._join()
                self._text = None
                self._skip = not fin
                raise TooManyFragments(limit)
        if len(data) >= _LARGE:
            self._chunks.append(data)
            self._small = None
        elif data:
            if self._small is None:
                self._small = bytearray()
                self._chunks.append(self._small)
            self._small += data

    def _max_fragments(self) -> int | None:
        """Return the current limit on the number of fragments of a message.

        This returns :data:`MAX_FRAGMENTS`. The assemblers of the I/O layers
        return the ``MAX_FRAGMENTS`` constant of their ``messages`` module
        instead, so that assigning it there takes effect, as with upstream.

        """
        return MAX_FRAGMENTS

    def _join(self) -> bytes:
        """Return the payload collected so far and forget it."""
        chunks = self._chunks
        self._chunks, self._small, self._fragments = [], None, 0
        return b"".join(chunks)

    def _pop(self) -> Frame | None:
        """Take the next frame to read out of the queue, if there's one."""
        queue = self._queue
        # Read the index at each turn: resume() might reenter.
        while (head := self._head) < len(queue):
            frame = queue[head]
            head += 1
            if head == len(queue):
                # The queue is empty: free the list's storage.
                queue.clear()
                head = 0
            elif head >= _COMPACT and 2 * head > len(queue):
                del queue[:head]
                head = 0
            else:
                queue[head - 1] = _TAKEN
            self._head = head
            if self.paused and len(queue) - head <= self._resume_at:
                self.paused = False
                self.resume()
            if self._skip:
                if frame.fin:
                    self._skip = False
                continue
            return frame
        return None
