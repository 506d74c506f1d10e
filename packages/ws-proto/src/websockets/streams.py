"""Incremental reader over a byte stream, for generator-based parsers.

The parsers of the Sans-I/O layer are generators: they ``yield`` whenever they
need more bytes than the buffer holds and resume when :meth:`feed_data` or
:meth:`feed_eof` added some. Parse state therefore lives in the parser's local
variables, and bytes already examined are never scanned again.

"""

from __future__ import annotations

import contextlib
from collections.abc import Generator

from .utils import PayloadBuffer

__all__ = ["StreamReader"]


# Above this size, copying through a memoryview beats slicing the bytearray,
# which copies twice (to a new bytearray, then to bytes).
_VIEW_THRESHOLD = 4096


def take(buffer: bytearray, n: int) -> bytes:
    """Remove the first ``n`` bytes of ``buffer`` and return them as bytes."""
    if n < _VIEW_THRESHOLD:
        data = bytes(buffer[:n])
    else:
        with memoryview(buffer) as view:
            data = bytes(view[:n])
    del buffer[:n]
    return data


class StreamReader:
    """Buffer of received bytes, read by generator-based parsers.

    Feed it with :meth:`feed_data` and :meth:`feed_eof`; read it with
    ``yield from reader.read_*(...)`` inside a parser.

    """

    # Slots: one reader per connection, and connections should be cheap.
    __slots__ = ("buffer", "eof", "payload", "payload_filled", "payload_view")

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.eof = False
        # Destination of a large payload being received, see start_payload().
        self.payload: PayloadBuffer | None = None
        self.payload_filled = 0
        self.payload_view: memoryview | None = None

    def read_line(
        self,
        m: int,
        too_long_exc_type: type[Exception] = RuntimeError,
    ) -> Generator[None, None, bytearray]:
        """Read a line ending with ``\\n``, which is included.

        Args:
            m: Maximum length of the line, in bytes, ``\\n`` included.
            too_long_exc_type: Exception to raise when the line exceeds
                ``m`` bytes; :exc:`RuntimeError` by default. HTTP parsers pass
                a :exc:`~websockets.exceptions.SecurityError`.

        Returns:
            The line, in a new :class:`bytearray`, as with upstream: the
            caller may modify it.

        Raises:
            EOFError: If the stream ends before a ``\\n``.
            RuntimeError: If the line exceeds ``m`` bytes; an instance of
                ``too_long_exc_type``, precisely. This is raised as soon as
                more than ``m`` bytes without ``\\n`` are buffered.

        """
        start = 0  # where to resume scanning for b"\n"
        while True:
            end = self.buffer.find(b"\n", start) + 1
            if end:
                break
            start = len(self.buffer)
            if start > m:
                raise too_long_exc_type(f"read {start} bytes, expected no more than {m} bytes")
            if self.eof:
                raise EOFError(f"stream ends after {start} bytes, before end of line")
            yield
        if end > m:
            raise too_long_exc_type(f"read {end} bytes, expected no more than {m} bytes")
        line = self.buffer[:end]
        del self.buffer[:end]
        return line

    def read_exact(self, n: int) -> Generator[None, None, bytes]:
        """Read exactly ``n`` bytes.

        Unlike :meth:`read_line` and :meth:`read_to_eof`, and unlike
        upstream's, this returns :class:`bytes`: the frame parser reads
        payloads with it, and a payload becomes a message, which is
        :class:`bytes`, without another copy.

        Raises:
            EOFError: If the stream ends before ``n`` bytes.

        """
        assert n >= 0
        while len(self.buffer) < n:
            if self.eof:
                raise EOFError(f"stream ends after {len(self.buffer)} bytes, expected {n} bytes")
            yield
        return take(self.buffer, n)

    def read_some(self, m: int) -> Generator[None, None, bytes]:
        """Read between one and ``m`` bytes: what is buffered, up to ``m``.

        Waits only when the buffer is empty.

        Raises:
            EOFError: If the stream ends before any byte is available.

        """
        assert m > 0
        while not self.buffer:
            if self.eof:
                raise EOFError(f"stream ends, expected up to {m} more bytes")
            yield
        data = bytes(self.buffer[:m])
        del self.buffer[:m]
        return data

    def read_to_eof(
        self,
        m: int,
        too_long_exc_type: type[Exception] = RuntimeError,
    ) -> Generator[None, None, bytearray]:
        """Read every byte until the end of the stream.

        Args:
            m: Maximum number of bytes, to bound memory.
            too_long_exc_type: Exception to raise when the stream holds more
                than ``m`` bytes; :exc:`RuntimeError` by default. HTTP parsers
                pass a :exc:`~websockets.exceptions.SecurityError`.

        Returns:
            The bytes, in a new :class:`bytearray`, as with upstream: the
            caller may modify it.

        Raises:
            RuntimeError: If the stream holds more than ``m`` bytes; an
                instance of ``too_long_exc_type``, precisely.

        """
        while not self.eof:
            if len(self.buffer) > m:
                raise too_long_exc_type(
                    f"read {len(self.buffer)} bytes, expected no more than {m} bytes"
                )
            yield
        # Unlike upstream, check again once the end was fed: the last chunk
        # of data may have pushed the stream over the limit.
        if len(self.buffer) > m:
            raise too_long_exc_type(
                f"read {len(self.buffer)} bytes, expected no more than {m} bytes"
            )
        # Copy rather than hand over the buffer: parsers may hold it.
        data = self.buffer[:]
        del self.buffer[:]
        return data

    def at_eof(self) -> Generator[None, None, bool]:
        """Tell whether the stream ended and every byte was read.

        Waits until either a byte or the end of the stream is available.

        """
        while True:
            if self.buffer:
                return False
            if self.eof:
                return True
            # Neither data nor EOF: we can't tell yet.
            yield

    def start_payload(self, size: int) -> PayloadBuffer:
        """Receive the next ``size`` bytes into a new :class:`PayloadBuffer`.

        Bytes already buffered move there first. Until :meth:`finish_payload`,
        :meth:`feed_data` fills the payload before the buffer, and
        :meth:`get_buffer` lets the caller receive into it directly, with no
        intermediate copy. :attr:`payload_filled` tells how many bytes of the
        payload were received.

        """
        assert self.payload is None, "a payload is being received already"
        payload = PayloadBuffer(size)
        have = min(len(self.buffer), size)
        if have:
            with memoryview(payload) as target, memoryview(self.buffer) as source:
                target[:have] = source[:have]
            del self.buffer[:have]
        self.payload = payload
        self.payload_filled = have
        return payload

    def finish_payload(self) -> bytes:
        """Return the payload started by :meth:`start_payload`, once complete.

        If a view returned by :meth:`get_buffer` is still in use, e.g. by an
        I/O operation that didn't release it yet, this returns a copy.

        """
        payload = self.payload
        assert payload is not None and self.payload_filled == len(payload)
        self._release_view()
        self.payload = None
        try:
            return payload.take()
        except BufferError:
            # The caller didn't release the view yet: copy the payload rather
            # than hand over bytes that could still change.
            return bytes(payload)

    def get_buffer(self) -> memoryview | None:
        """Return where the next received bytes belong, if not in the buffer.

        While a payload is being received (see :meth:`start_payload`), return
        a writable view of its missing part; the caller receives bytes into
        it, then calls :meth:`buffer_updated`. Otherwise, return :obj:`None`:
        the caller feeds bytes with :meth:`feed_data`.

        The view is valid until the next call to a method of this reader.

        """
        payload = self.payload
        if payload is None or self.eof:
            return None
        self._release_view()
        with memoryview(payload) as view:
            self.payload_view = view[self.payload_filled :]
        return self.payload_view

    def buffer_updated(self, nbytes: int) -> None:
        """Record that ``nbytes`` were received into the view from :meth:`get_buffer`.

        Raises:
            EOFError: If the end of the stream was already fed.

        """
        if self.eof:
            raise EOFError("stream ended")
        view = self.payload_view
        assert view is not None, "get_buffer() didn't return a buffer"
        assert 0 <= nbytes <= len(view), f"{nbytes} bytes don't fit in {len(view)} bytes"
        self._release_view()
        self.payload_filled += nbytes

    def _release_view(self) -> None:
        view = self.payload_view
        if view is not None:
            self.payload_view = None
            # If the caller still uses the view, e.g. an I/O operation still
            # in progress, it stays valid; then finish_payload() fails rather
            # than handing over bytes that could still change.
            with contextlib.suppress(BufferError):
                view.release()

    def feed_data(self, data: bytes | bytearray | memoryview) -> None:
        """Append received bytes to the buffer, or to the payload being received.

        Raises:
            EOFError: If the end of the stream was already fed.

        """
        if self.eof:
            raise EOFError("stream ended")
        payload = self.payload
        if payload is not None:
            self._release_view()
            filled = self.payload_filled
            size = min(len(payload) - filled, len(data))
            with memoryview(payload) as target, memoryview(data) as source:
                target[filled : filled + size] = source[:size]
                self.payload_filled = filled + size
                if size < len(data):
                    self.buffer += source[size:]
            return
        self.buffer += data

    def feed_eof(self) -> None:
        """Record the end of the stream.

        Raises:
            EOFError: If the end of the stream was already fed.

        """
        if self.eof:
            raise EOFError("stream ended")
        self.eof = True

    def discard(self) -> None:
        """Drop every buffered byte, and the payload being received if any."""
        del self.buffer[:]
        if self.payload is not None:
            self._release_view()
            self.payload = None
            self.payload_filled = 0
