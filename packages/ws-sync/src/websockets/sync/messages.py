"""Reassembly of fragmented messages for the threading implementation.

The thread that reads from the network feeds every data frame it receives
(text, binary and continuation frames) to an :class:`Assembler`, which queues
them. Application threads take whole messages with :meth:`~Assembler.get` or
fragments as they arrive with :meth:`~Assembler.get_iter`. The queue, its flow
control and the collection of fragments are shared with ws-asyncio: see
:mod:`websockets._assembly`.

"""

from __future__ import annotations

import codecs
import threading
from collections.abc import Callable, Iterator
from typing import Any

from .. import _assembly
from .._assembly import FrameQueue
from ..exceptions import ConcurrencyError
from ..frames import OP_TEXT, Frame
from ..typing import Data
from ._hub import WakeGate
from .utils import Deadline

# Like upstream's: MAX_FRAGMENTS is public, outside __all__.
__all__ = ["Assembler"]

MAX_FRAGMENTS: int | None = _assembly.MAX_FRAGMENTS
"""Maximum number of frames of a message read whole; :obj:`None` means no
limit.

It comes from the ``WEBSOCKETS_MAX_FRAGMENTS`` environment variable, read at
import; without it, there's no limit. Assigning this constant changes the
limit of every connection of this implementation from the next fragment on."""


class Assembler(FrameQueue):
    """Assemble messages from data frames.

    This class is an implementation detail of
    :class:`~websockets.sync.connection.Connection`. It's thread-safe: one
    thread puts frames while another one gets messages.

    Args:
        high: High-water mark of the queue of frames, in frames; the assembler
            calls ``pause`` when the queue holds more frames than this.
            :obj:`None` disables flow control. It defaults to four times
            ``low`` when only ``low`` is given.
        low: Low-water mark of the queue of frames, in frames; the assembler
            calls ``resume`` when the queue shrinks to this length. It
            defaults to ``high // 4`` when only ``high`` is given.
        pause: Called without arguments to stop reading from the network. It
            runs in the thread that calls :meth:`put`, with the assembler's
            lock held: it must not block.
        resume: Called without arguments to start reading again. It runs in
            the thread that calls :meth:`get`, :meth:`get_iter` or
            :meth:`close`, with the assembler's lock held: it must not block.
        gate: Gate through which :meth:`put` wakes up a reader; :obj:`None`
            wakes it up at once.

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
        gate: WakeGate | None = None,
    ) -> None:
        super().__init__(high, low, pause, resume)
        # Protects the state of the queue.
        self._mutex = threading.Lock()
        # The reader waits until put() or close() releases this lock, which
        # is held otherwise. It's a lighter handoff than a Condition, which
        # allocates a lock and runs several lines of Python per wait and per
        # notification, for every message; there's at most one reader.
        self._wakeup = threading.Lock()
        self._wakeup.acquire()
        self.gate = gate
        # Whether a reader waits for a frame and wasn't woken up yet, and
        # whether it's in line at the gate.
        self._waiting = False
        self._in_line = False
        # Admission by the gate of the reader that it woke up last, until
        # that reader comes back.
        self._admission: list[float | bool] | None = None

    def __len__(self) -> int:
        """Number of frames waiting in the queue."""
        with self._mutex:
            return FrameQueue.__len__(self)

    def _max_fragments(self) -> int | None:
        # This module's constant, read at every fragment, like upstream's.
        return MAX_FRAGMENTS

    def get(self, timeout: float | None = None, decode: bool | None = None) -> Data:
        """Read the next message.

        Fragments are collected as they arrive and joined once, when the last
        one arrives. When the timeout elapses, fragments already taken from
        the queue are kept for the next call.

        Args:
            timeout: How long to wait for a complete message, in seconds;
                :obj:`None`, the default, waits forever. ``0`` returns a
                message only if one is available already.
            decode: :obj:`True` returns a :class:`str`, decoding the payload
                as UTF-8; :obj:`False` returns a :class:`bytes`; :obj:`None`,
                the default, decodes text messages and not binary messages.

        Returns:
            The message.

        Raises:
            EOFError: If the stream of frames has ended before a complete
                message arrived.
            TimeoutError: If ``timeout`` elapsed before a complete message
                arrived.
            ConcurrencyError: If :meth:`get` or :meth:`get_iter` is already
                running.
            UnicodeDecodeError: If ``decode`` is :obj:`True` and a binary
                message isn't valid UTF-8.

        """
        # Without a timeout, the usual case, skip the clock.
        deadline = None if timeout is None else Deadline(timeout)
        if self._admission is not None:
            self._leave()
        with self._mutex:
            if self._get_in_progress:
                raise ConcurrencyError("get() or get_iter() is already running")
            self._get_in_progress = True
            try:
                while True:
                    frame = self._pop()
                    if frame is None:
                        if self.closed:
                            raise EOFError("stream of frames ended")
                        if deadline is None:
                            self._wait(None)
                            continue
                        remaining = deadline.timeout(raise_if_elapsed=False)
                        if remaining is not None and remaining <= 0:
                            raise TimeoutError(f"timed out after {timeout} seconds")
                        self._wait(remaining)
                        continue
                    if self._text is None:
                        if frame.fin:
                            # An unfragmented message: no reassembly, no copy.
                            text, chunks = frame.opcode is OP_TEXT, [frame.data]
                            break
                        self._text = frame.opcode is OP_TEXT
                    self._collect(frame.data, frame.fin)
                    if frame.fin:
                        text, chunks = self._text, self._chunks
                        self._text, self._chunks, self._small = None, [], None
                        self._fragments = 0
                        break
            finally:
                self._get_in_progress = False

        # Join and decode without holding the lock: messages may be large.
        # join() returns a lone bytes object as is, without copying it.
        data = b"".join(chunks)
        if decode is None:
            decode = text
        return data.decode() if decode else data

    def get_iter(self, decode: bool | None = None) -> Iterator[Data]:
        """Stream the next message, one fragment at a time.

        Text fragments are decoded incrementally, so a character encoded over
        two frames comes out whole (and an empty string may come out when a
        frame holds only the beginning of a character).

        Stopping the iterator after it yielded fragments drops the rest of the
        message: the next read starts with the following message.

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
        if self._admission is not None:
            self._leave()
        with self._mutex:
            if self._get_in_progress:
                raise ConcurrencyError("get() or get_iter() is already running")
            self._get_in_progress = True
        finished = False
        try:
            decoder: codecs.IncrementalDecoder | None = None
            with self._mutex:
                leftover: bytes | None = None
                if self._text is not None:
                    # A get() that timed out left the beginning of a message.
                    if decode is None:
                        decode = self._text
                    if decode:
                        decoder = codecs.getincrementaldecoder("utf-8")()
                    leftover = self._join()
            if leftover is not None:
                yield leftover if decoder is None else decoder.decode(leftover)
            while True:
                with self._mutex:
                    frame = self._pop()
                    while frame is None:
                        if self.closed:
                            raise EOFError("stream of frames ended")
                        self._wait(None)
                        frame = self._pop()
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
            with self._mutex:
                self._get_in_progress = False
                if self._text is not None and not finished:
                    # Some fragments were yielded; drop the rest of the message.
                    self._text = None
                    self._skip = True

    def put(self, frame: Frame) -> None:
        """Add a data frame to the queue.

        After :meth:`cap`, frames beyond the high-water mark are dropped.

        Args:
            frame: Text, binary or continuation frame.

        Raises:
            EOFError: If the stream of frames has ended.

        """
        with self._mutex:
            if self.closed:
                raise EOFError("stream of frames ended")
            if self._enqueue(frame) and self._waiting:
                self._wake_reader()

    def cap(self) -> None:
        """Turn flow control off and cap the queue at the high-water mark instead.

        Call it once the closing handshake started. Reading must go on until
        the peer's close frame arrives, even if the application doesn't read
        the messages before it; if the peer keeps sending data frames, those
        beyond the high-water mark are dropped rather than queued until
        ``close_timeout``. Frames queued before can still be read. Without a
        high-water mark, nothing is dropped.

        """
        with self._mutex:
            self._cap()

    def close(self) -> None:
        """End the stream of frames.

        Frames already queued can still be read. Once they're exhausted,
        :meth:`get` and :meth:`get_iter` raise :exc:`EOFError`. If reading
        from the network is paused, this calls ``resume``: nothing reads
        the queue down to the low-water mark anymore.

        """
        with self._mutex:
            if self.closed:
                return
            self.closed = True
            if self.paused:
                self.paused = False
                self.resume()
            self._notify()
        if self._admission is not None:
            self._leave()

    # Waking up the reader. A reader waits only in _wait(); whoever wakes it
    # up clears _waiting, with the lock held, so it's woken up only once.

    def _wait(self, timeout: float | None) -> None:
        """Wait until put() or close() wakes us up. Call it with the lock held."""
        self._waiting = True
        woken = False
        self._mutex.release()
        try:
            woken = self._wakeup.acquire(True, -1 if timeout is None else timeout)
        finally:
            self._mutex.acquire()
            if self._waiting:
                # Timed out, or interrupted: a gate that admits us later
                # finds that nobody waits and lets the next reader in line in.
                self._waiting = False
            elif not woken:
                # Woken up between the timeout and now: consume the wake-up,
                # which _notify() gave with the mutex held, so it's there.
                self._wakeup.acquire(False)

    def _notify(self) -> None:
        """Wake up the waiting reader, if there's one. Call it with the lock held."""
        if self._waiting:
            self._waiting = False
            self._wakeup.release()

    def _wake_reader(self) -> None:
        """Wake up the waiting reader, through the gate. Call it with the lock held."""
        gate = self.gate
        if gate is None or gate.bypass:
            self._notify()
            return
        if self._in_line:
            return
        admission = gate.admit(self._admitted)
        if admission is None:
            self._in_line = True
            return
        self._take_admission(admission)

    def _admitted(self, admission: list[float | bool]) -> bool:
        """The gate's callback: our turn came. Return whether a reader was woken up."""
        with self._mutex:
            self._in_line = False
            if not self._waiting:
                return False
            self._take_admission(admission)
            return True

    def _take_admission(self, admission: list[float | bool]) -> None:
        previous, self._admission = self._admission, admission
        if previous is not None and self.gate is not None:  # pragma: no cover
            # The reader didn't come back since its last admission, e.g. it
            # was reading with a timeout; that one ends now.
            self.gate.end(previous)
        self._notify()

    def _leave(self) -> None:
        """End the admission of the reader, which is back, or gone."""
        with self._mutex:
            admission, self._admission = self._admission, None
        if admission is not None and self.gate is not None:
            self.gate.leave(admission)
