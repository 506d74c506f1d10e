"""Reassembly of fragmented messages for the asyncio implementation.

The connection feeds every data frame it receives (text, binary and
continuation frames) to an :class:`Assembler`, which queues them. Readers take
whole messages with :meth:`~Assembler.get` or fragments as they arrive with
:meth:`~Assembler.get_iter`.

Frames wait in a queue until a reader takes them. The length of that queue,
counted in frames, drives flow control: above the high-water mark, the
assembler asks the connection to stop reading from the network; at or below
the low-water mark, it asks it to resume. This is what bounds memory when the
application reads messages more slowly than the peer sends them.

A reader that's waiting for the rest of a message moves the fragments it
already has out of the queue, so a message fragmented into more frames than
the high-water mark can't stall the connection. Reassembly must then stay
linear in the size of the message and hold little more memory than its
payload, which ``max_size`` bounds, whatever the number of fragments: a peer
may send a message as a million one-byte or empty fragments. Payloads of
:data:`_LARGE` bytes or more are kept as they are, in a list, and joined once
the final fragment arrives; smaller ones are appended to a :class:`bytearray`
at the end of that list, which grows geometrically; empty ones are skipped.
Large messages are copied once, as with a plain list, and each object in the
list holds at least :data:`_LARGE` bytes, so its overhead (about 40 bytes)
stays small next to the payload. An unfragmented message, the common case,
is returned without copying.

Once the closing handshake started, the peer's close frame must be read even
if the application left messages unread, and nobody will wait for more than a
queue's worth of messages: :meth:`Assembler.cap` turns flow control off and
caps the queue at the high-water mark, dropping data frames beyond it.

"""

from __future__ import annotations

import asyncio
import codecs
import collections
from collections.abc import AsyncGenerator, Callable
from typing import Any

from .._options import queue_limits
from ..exceptions import ConcurrencyError
from ..frames import OP_TEXT, Frame
from ..typing import BytesLike, Data

__all__ = ["Assembler"]

_LARGE = 1024
"""Size from which a fragment's payload is kept as is while reassembling, in
bytes; smaller payloads are copied together."""


class Assembler:
    """Assemble messages from data frames.

    This class is an implementation detail of
    :class:`~websockets.asyncio.connection.Connection`. It isn't safe to use
    from several threads; all its methods must run in the event loop.

    Args:
        high: High-water mark of the queue of frames, in frames; the assembler
            calls ``pause`` when the queue holds more frames than this.
            :obj:`None` disables flow control. It defaults to four times
            ``low`` when only ``low`` is given.
        low: Low-water mark of the queue of frames, in frames; the assembler
            calls ``resume`` when the queue shrinks to this length. It
            defaults to ``high // 4`` when only ``high`` is given.
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
        """Whether :meth:`close` was called: no more frames will arrive."""
        # Whether cap() was called, and whether frames are being dropped.
        self._capped = False
        self._dropping = False

        # Frames received and not taken by a reader yet.
        self._frames: collections.deque[Frame] = collections.deque()
        # Future that a reader waits on until put() or close() is called.
        self._waiter: asyncio.Future[None] | None = None
        # get() and get_iter() can't run concurrently.
        self._get_in_progress = False
        # Message being read: whether it's a text message, or None between
        # messages, and the payload of the fragments that get() took out of
        # the queue. They survive the cancellation of get(), so the next read
        # resumes there.
        self._text: bool | None = None
        self._chunks: list[BytesLike] = []
        # Last item of _chunks if small payloads are being appended to it.
        self._small: bytearray | None = None
        # Whether to drop the rest of a message whose reading by get_iter()
        # was interrupted after it had yielded some fragments.
        self._skip = False

    def __len__(self) -> int:
        """Number of frames waiting in the queue."""
        return len(self._frames)

    async def get(self, decode: bool | None = None) -> Data:
        """Read the next message.

        Fragments are collected as they arrive and joined once, when the last
        one arrives. Cancelling :meth:`get` is safe: fragments already taken
        from the queue are kept for the next call.

        Args:
            decode: :obj:`True` returns a :class:`str`, decoding the payload
                as UTF-8; :obj:`False` returns a :class:`bytes`; :obj:`None`,
                the default, decodes text messages and not binary messages.

        Returns:
            The message.

        Raises:
            EOFError: If the stream of frames has ended before a complete
                message arrived.
            ConcurrencyError: If :meth:`get` or :meth:`get_iter` is already
                running.
            UnicodeDecodeError: If ``decode`` is :obj:`True` and a binary
                message isn't valid UTF-8.

        """
        if self._get_in_progress:
            raise ConcurrencyError("get() or get_iter() is already running")
        self._get_in_progress = True
        try:
            while True:
                frame = self._pop()
                if frame is None:
                    if self.closed:
                        raise EOFError("stream of frames ended")
                    await self._wait()
                    continue
                if self._text is None:
                    if frame.fin:
                        # An unfragmented message: return its payload as is.
                        return _convert(frame.data, frame.opcode is OP_TEXT, decode)
                    self._text = frame.opcode is OP_TEXT
                self._collect(frame.data)
                if frame.fin:
                    break
        finally:
            self._get_in_progress = False

        text, chunks = self._text, self._chunks
        self._text, self._chunks, self._small = None, [], None
        return _convert(b"".join(chunks), text, decode)

    async def get_iter(self, decode: bool | None = None) -> AsyncGenerator[Data, None]:
        """Stream the next message, one fragment at a time.

        Text fragments are decoded incrementally, so a character encoded over
        two frames comes out whole (and an empty string may come out when a
        frame holds only the beginning of a character).

        Cancelling the iterator before it yields anything is safe. Stopping
        it after it yielded fragments drops the rest of the message: the next
        read starts with the following message.

        Args:
            decode: :obj:`True` yields :class:`str`, decoding payloads as
                UTF-8; :obj:`False` yields :class:`bytes`; :obj:`None`, the
                default, decodes text messages and not binary messages.

        Yields:
            Fragments of the message.

        Raises:
            EOFError: If the stream of frames has ended before the end of the
                message.
            ConcurrencyError: If :meth:`get` or :meth:`get_iter` is already
                running.
            UnicodeDecodeError: If ``decode`` is :obj:`True` and a binary
                message isn't valid UTF-8.

        """
        if self._get_in_progress:
            raise ConcurrencyError("get() or get_iter() is already running")
        self._get_in_progress = True
        finished = False
        try:
            decoder: codecs.IncrementalDecoder | None = None
            if self._text is not None:
                # A cancelled get() left the beginning of a message.
                if decode is None:
                    decode = self._text
                if decode:
                    decoder = codecs.getincrementaldecoder("utf-8")()
                data = b"".join(self._chunks)
                self._chunks, self._small = [], None
                yield data if decoder is None else decoder.decode(data)
            while True:
                frame = self._pop()
                if frame is None:
                    if self.closed:
                        raise EOFError("stream of frames ended")
                    await self._wait()
                    continue
                if self._text is None:
                    self._text = frame.opcode is OP_TEXT
                    if decode is None:
                        decode = self._text
                    if decode:
                        decoder = codecs.getincrementaldecoder("utf-8")()
                if frame.fin:
                    finished = True
                    self._text = None
                if decoder is None:
                    yield bytes(frame.data)
                else:
                    yield decoder.decode(frame.data, frame.fin)
                if finished:
                    break
        finally:
            self._get_in_progress = False
            if self._text is not None and not finished:
                # Some fragments were yielded; drop the rest of the message.
                self._text = None
                self._skip = True

    def put(self, frame: Frame) -> None:
        """Add a data frame to the queue.

        After :meth:`close`, nobody will read it: it's dropped. This happens
        when the TCP connection closes while a server prepares its opening
        handshake response: sending the response lets the protocol parse
        frames that arrived with the request. After :meth:`cap`, frames
        beyond the high-water mark are dropped.

        Args:
            frame: Text, binary or continuation frame.

        """
        if self.closed:
            return
        if self._capped:
            # Once a frame is dropped, drop every frame after it: keeping
            # later ones would splice fragments of different messages.
            if self._dropping or (self.high is not None and len(self._frames) >= self.high):
                self._dropping = True
                return
        self._frames.append(frame)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)
        if (
            self.high is not None
            and not self.paused
            and not self._capped
            and len(self._frames) > self.high
        ):
            self.paused = True
            self.pause()

    def cap(self) -> None:
        """Stop flow control and cap the queue at the high-water mark instead.

        Call it once the closing handshake started. Reading must go on until
        the peer's close frame arrives, even if the application doesn't read
        the messages before it; if the peer keeps sending, frames beyond the
        high-water mark are dropped rather than queued. Frames queued before
        that can still be read. Without a high-water mark, nothing is
        dropped.

        """
        if self._capped:
            return
        self._capped = True
        if self.paused:
            self.paused = False
            self.resume()

    def close(self) -> None:
        """End the stream of frames.

        Frames already queued can still be read. Once they're exhausted,
        :meth:`get` and :meth:`get_iter` raise :exc:`EOFError`.

        """
        if self.closed:
            return
        self.closed = True
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def _collect(self, data: BytesLike) -> None:
        """Add the payload of a fragment to the message being read."""
        if len(data) >= _LARGE:
            self._chunks.append(data)
            self._small = None
        elif data:
            if self._small is None:
                self._small = bytearray()
                self._chunks.append(self._small)
            self._small += data

    def _pop(self) -> Frame | None:
        """Take the next frame to read out of the queue, if there's one."""
        frames = self._frames
        while frames:
            frame = frames.popleft()
            if self.paused and len(frames) <= self._resume_at:
                self.paused = False
                self.resume()
            if self._skip:
                if frame.fin:
                    self._skip = False
                continue
            return frame
        return None

    async def _wait(self) -> None:
        """Wait until :meth:`put` or :meth:`close` is called."""
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None


def _convert(data: BytesLike, text: bool, decode: bool | None) -> Data:
    """Return a payload as :class:`str` or :class:`bytes`, as ``decode`` says."""
    if decode is None:
        decode = text
    if decode:
        return str(data, "utf-8")
    return data if isinstance(data, bytes) else bytes(data)
