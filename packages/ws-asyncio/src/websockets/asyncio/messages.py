"""Reassembly of fragmented messages for the asyncio implementation.

The connection feeds every data frame it receives (text, binary and
continuation frames) to an :class:`Assembler`, which queues them. Readers take
whole messages with :meth:`~Assembler.get` or fragments as they arrive with
:meth:`~Assembler.get_iter`. The queue, its flow control and the collection of
fragments are shared with ws-sync: see :mod:`websockets._assembly`.

"""

from __future__ import annotations

import asyncio
import codecs
import collections
from collections.abc import AsyncGenerator, Callable, Sequence
from typing import Any, Generic, TypeVar

from .. import _assembly
from .._assembly import FrameQueue
from ..exceptions import ConcurrencyError
from ..frames import OP_TEXT, Frame
from ..typing import BytesLike, Data

# Like upstream's: SimpleQueue and MAX_FRAGMENTS are public, outside __all__.
__all__ = ["Assembler"]

MAX_FRAGMENTS: int | None = _assembly.MAX_FRAGMENTS
"""Maximum number of frames of a message read whole; :obj:`None` means no
limit.

It comes from the ``WEBSOCKETS_MAX_FRAGMENTS`` environment variable, read at
import; without it, there's no limit. Assigning this constant changes the
limit of every connection of this implementation from the next fragment on."""

T = TypeVar("T")


class SimpleQueue(Generic[T]):
    """Unbounded FIFO queue for one reader, smaller than :class:`asyncio.Queue`.

    :class:`Assembler` no longer uses it; it's kept for code that imports it.
    Its methods must run in the event loop.

    """

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        """Event loop of the reader, once known."""
        self.get_waiter: asyncio.Future[None] | None = None
        """Future that a :meth:`get` waiting for an item waits on."""
        self.queue: collections.deque[T] = collections.deque()
        """Items in the queue, first out first."""

    def __len__(self) -> int:
        """Number of items in the queue."""
        return len(self.queue)

    def put(self, item: T) -> None:
        """Add an item at the end of the queue, waking up :meth:`get`."""
        self.queue.append(item)
        if self.get_waiter is not None and not self.get_waiter.done():
            self.get_waiter.set_result(None)

    async def get(self, block: bool = True) -> T:
        """Remove and return the first item of the queue.

        Args:
            block: Whether to wait for an item when the queue is empty.

        Raises:
            EOFError: If the queue is empty and ``block`` is :obj:`False`, or
                if :meth:`abort` is called while waiting.
            AssertionError: If another :meth:`get` is waiting.

        """
        if not self.queue:
            if not block:
                raise EOFError("stream of frames ended")
            assert self.get_waiter is None, "cannot call get() concurrently"
            if self.loop is None:
                self.loop = asyncio.get_running_loop()
            self.get_waiter = self.loop.create_future()
            try:
                await self.get_waiter
            finally:
                self.get_waiter = None
        return self.queue.popleft()

    def put_back(self, items: Sequence[T]) -> None:
        """Put items back at the front of the queue, in the same order.

        Raises:
            AssertionError: If :meth:`get` is waiting.

        """
        assert self.get_waiter is None, "cannot put_back() while get() is running"
        self.queue.extendleft(reversed(items))

    def abort(self) -> None:
        """Make a waiting :meth:`get` raise :exc:`EOFError`.

        Later calls to :meth:`get` wait for items as usual.

        """
        if self.get_waiter is not None and not self.get_waiter.done():
            self.get_waiter.set_exception(EOFError("stream of frames ended"))


class Assembler(FrameQueue):
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
        super().__init__(high, low, pause, resume)
        # Future that a reader waits on until put() or close() is called.
        self._waiter: asyncio.Future[None] | None = None
        # Event loop of the readers, once known: get_running_loop() makes a
        # system call, and get() would call it for every message.
        self._loop: asyncio.AbstractEventLoop | None = None

    def _max_fragments(self) -> int | None:
        # This module's constant, read at every fragment, like upstream's.
        return MAX_FRAGMENTS

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
                    # Not a coroutine like _wait(): one coroutine frame less
                    # per connection waiting for a message.
                    try:
                        await self._create_waiter()
                    finally:
                        self._waiter = None
                    continue
                if self._text is None:
                    if frame.fin:
                        # An unfragmented message: return its payload as is.
                        return _convert(frame.data, frame.opcode is OP_TEXT, decode)
                    self._text = frame.opcode is OP_TEXT
                self._collect(frame.data, frame.fin)
                if frame.fin:
                    break
        finally:
            self._get_in_progress = False

        text, self._text = self._text, None
        return _convert(self._join(), text, decode)

    def get_ready(self, decode: bool | None = None) -> Data | None:
        """Return the next message if it's there, without waiting.

        This is :meth:`get` without a coroutine, for the common case of an
        unfragmented message waiting in the queue. When there's none, return
        :obj:`None`; a fragment taken from the queue is kept for :meth:`get`.
        When :meth:`get` or :meth:`get_iter` is running, return :obj:`None`
        too: :meth:`get` raises the error.

        Raises:
            UnicodeDecodeError: If ``decode`` is :obj:`True` and a binary
                message isn't valid UTF-8.

        """
        if self._get_in_progress or self._text is not None:
            return None
        frame = self._pop()
        if frame is None:
            return None
        if frame.fin:
            return _convert(frame.data, frame.opcode is OP_TEXT, decode)
        # The beginning of a fragmented message: get() collects the rest.
        self._text = frame.opcode is OP_TEXT
        self._collect(frame.data)
        return None

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
                data = self._join()
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
        if self._enqueue(frame) and self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def cap(self) -> None:
        """Stop flow control and cap the queue at the high-water mark instead.

        Call it once the closing handshake started. Reading must go on until
        the peer's close frame arrives, even if the application doesn't read
        the messages before it; if the peer keeps sending, frames beyond the
        high-water mark are dropped rather than queued. Frames queued before
        that can still be read. Without a high-water mark, nothing is
        dropped.

        """
        self._cap()

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

    def _create_waiter(self) -> asyncio.Future[None]:
        """Create the future that :meth:`put` or :meth:`close` resolves."""
        loop = self._loop
        if loop is None:
            loop = self._loop = asyncio.get_running_loop()
        self._waiter = loop.create_future()
        return self._waiter

    async def _wait(self) -> None:
        """Wait until :meth:`put` or :meth:`close` is called."""
        try:
            await self._create_waiter()
        finally:
            self._waiter = None


def _convert(data: BytesLike, text: bool, decode: bool | None) -> Data:
    """Return a payload as :class:`str` or :class:`bytes`, as ``decode`` says."""
    if decode is None:
        decode = text
    if decode:
        return str(data, "utf-8")
    return data if isinstance(data, bytes) else bytes(data)
