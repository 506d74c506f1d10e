"""Incremental reader over a byte stream, for generator-based parsers.

The parsers of the Sans-I/O layer are generators: they ``yield`` whenever they
need more bytes than the buffer holds and resume when :meth:`feed_data` or
:meth:`feed_eof` added some. Parse state therefore lives in the parser's local
variables, and bytes already examined are never scanned again.

"""

from __future__ import annotations

from collections.abc import Generator

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

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.eof = False

    def read_line(self, m: int) -> Generator[None, None, bytes]:
        """Read a line ending with ``\\n``, which is included.

        Args:
            m: Maximum length of the line, in bytes, ``\\n`` included.

        Raises:
            EOFError: If the stream ends before a ``\\n``.
            RuntimeError: If the line exceeds ``m`` bytes.

        """
        start = 0  # where to resume scanning for b"\n"
        while True:
            end = self.buffer.find(b"\n", start) + 1
            if end:
                break
            start = len(self.buffer)
            if start > m:
                raise RuntimeError(f"read {start} bytes, expected no more than {m} bytes")
            if self.eof:
                raise EOFError(f"stream ends after {start} bytes, before end of line")
            yield
        if end > m:
            raise RuntimeError(f"read {end} bytes, expected no more than {m} bytes")
        line = bytes(self.buffer[:end])
        del self.buffer[:end]
        return line

    def read_exact(self, n: int) -> Generator[None, None, bytes]:
        """Read exactly ``n`` bytes.

        Raises:
            EOFError: If the stream ends before ``n`` bytes.

        """
        assert n >= 0
        while len(self.buffer) < n:
            if self.eof:
                raise EOFError(f"stream ends after {len(self.buffer)} bytes, expected {n} bytes")
            yield
        data = take(self.buffer, n)
        return data

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

    def read_to_eof(self, m: int) -> Generator[None, None, bytes]:
        """Read every byte until the end of the stream.

        Args:
            m: Maximum number of bytes, to bound memory.

        Raises:
            RuntimeError: If the stream holds more than ``m`` bytes.

        """
        while not self.eof:
            if len(self.buffer) > m:
                raise RuntimeError(
                    f"read {len(self.buffer)} bytes, expected no more than {m} bytes"
                )
            yield
        if len(self.buffer) > m:
            raise RuntimeError(f"read {len(self.buffer)} bytes, expected no more than {m} bytes")
        data = bytes(self.buffer)
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

    def feed_data(self, data: bytes | bytearray) -> None:
        """Append received bytes to the buffer.

        Raises:
            EOFError: If the end of the stream was already fed.

        """
        if self.eof:
            raise EOFError("stream ended")
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
        """Drop every buffered byte."""
        del self.buffer[:]
