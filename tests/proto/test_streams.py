"""Tests for websockets.streams."""

from __future__ import annotations

from collections.abc import Generator
from typing import TypeVar

import pytest

from websockets.exceptions import RequestLineTooLong, SecurityError
from websockets.streams import StreamReader

__all__: list[str] = []

T = TypeVar("T")


def run(gen: Generator[None, None, T]) -> T:
    """Run a parser that must complete without waiting for more data."""
    with pytest.raises(StopIteration) as exc_info:
        next(gen)
    return exc_info.value.value  # type: ignore[no-any-return]


def assert_waits(gen: Generator[None, None, object]) -> None:
    """Check that a parser waits for more data."""
    assert next(gen) is None


@pytest.fixture
def reader() -> StreamReader:
    return StreamReader()


class TestReadLine:
    def test_line_in_buffer(self, reader: StreamReader) -> None:
        reader.feed_data(b"spam\neggs\n")
        assert run(reader.read_line(32)) == b"spam\n"
        assert run(reader.read_line(32)) == b"eggs\n"
        assert reader.buffer == b""

    def test_line_fed_in_pieces(self, reader: StreamReader) -> None:
        gen = reader.read_line(32)
        assert_waits(gen)
        reader.feed_data(b"sp")
        assert_waits(gen)
        reader.feed_data(b"am\neg")
        with pytest.raises(StopIteration) as exc_info:
            next(gen)
        assert exc_info.value.value == b"spam\n"
        assert reader.buffer == b"eg"

    def test_line_at_limit(self, reader: StreamReader) -> None:
        reader.feed_data(b"spam\n")
        assert run(reader.read_line(5)) == b"spam\n"

    def test_line_too_long_with_newline(self, reader: StreamReader) -> None:
        reader.feed_data(b"spam\n")
        with pytest.raises(RuntimeError, match="read 5 bytes, expected no more than 4 bytes"):
            run(reader.read_line(4))

    def test_line_too_long_without_newline(self, reader: StreamReader) -> None:
        gen = reader.read_line(4)
        reader.feed_data(b"spam")
        assert_waits(gen)  # 4 bytes without newline: still acceptable
        reader.feed_data(b"s")
        with pytest.raises(RuntimeError, match="read 5 bytes, expected no more than 4 bytes"):
            next(gen)

    def test_too_long_exc_type_with_newline(self, reader: StreamReader) -> None:
        reader.feed_data(b"spam\n")
        with pytest.raises(SecurityError) as exc_info:
            run(reader.read_line(4, too_long_exc_type=SecurityError))
        assert type(exc_info.value) is SecurityError
        assert str(exc_info.value) == "read 5 bytes, expected no more than 4 bytes"

    def test_too_long_exc_type_without_newline(self, reader: StreamReader) -> None:
        # Passed positionally, as upstream's http11 does.
        gen = reader.read_line(4, RequestLineTooLong)
        reader.feed_data(b"spams")
        with pytest.raises(RequestLineTooLong) as exc_info:
            next(gen)
        assert str(exc_info.value) == "read 5 bytes, expected no more than 4 bytes"

    def test_too_long_exc_type_before_eof(self, reader: StreamReader) -> None:
        # A line too long is reported as such even if the stream ended.
        reader.feed_data(b"spams")
        reader.feed_eof()
        with pytest.raises(SecurityError, match="read 5 bytes"):
            run(reader.read_line(4, too_long_exc_type=SecurityError))

    def test_eof_before_newline(self, reader: StreamReader) -> None:
        gen = reader.read_line(32)
        reader.feed_data(b"spam")
        assert_waits(gen)
        reader.feed_eof()
        with pytest.raises(EOFError, match="stream ends after 4 bytes, before end of line"):
            next(gen)


class TestReturnTypes:
    """Like upstream's, read_line() and read_to_eof() return a new bytearray."""

    def test_read_line(self, reader: StreamReader) -> None:
        reader.feed_data(b"spam\neggs\n")
        line = run(reader.read_line(32))
        assert type(line) is bytearray
        # It's the caller's: modifying it doesn't touch the buffer.
        line.extend(b"!")
        assert line == b"spam\n!"
        assert reader.buffer == b"eggs\n"

    def test_read_to_eof(self, reader: StreamReader) -> None:
        reader.feed_data(b"spam")
        reader.feed_eof()
        data = run(reader.read_to_eof(32))
        assert type(data) is bytearray
        data.extend(b"!")
        assert data == b"spam!"
        assert reader.buffer == b""

    def test_read_exact(self, reader: StreamReader) -> None:
        # The frame parser's: payloads stay bytes, like messages; upstream's
        # returns a bytearray (a listed difference).
        reader.feed_data(b"spameggs")
        data = run(reader.read_exact(4))
        assert type(data) is bytes
        assert data == b"spam"
        assert reader.buffer == b"eggs"


class TestReadExact:
    def test_exact(self, reader: StreamReader) -> None:
        reader.feed_data(b"spameggs")
        assert run(reader.read_exact(4)) == b"spam"
        assert reader.buffer == b"eggs"

    def test_zero(self, reader: StreamReader) -> None:
        assert run(reader.read_exact(0)) == b""

    def test_in_pieces(self, reader: StreamReader) -> None:
        gen = reader.read_exact(4)
        assert_waits(gen)
        reader.feed_data(b"sp")
        assert_waits(gen)
        reader.feed_data(b"amX")
        with pytest.raises(StopIteration) as exc_info:
            next(gen)
        assert exc_info.value.value == b"spam"
        assert reader.buffer == b"X"

    def test_eof(self, reader: StreamReader) -> None:
        gen = reader.read_exact(4)
        reader.feed_data(b"sp")
        assert_waits(gen)
        reader.feed_eof()
        with pytest.raises(EOFError, match="stream ends after 2 bytes, expected 4 bytes"):
            next(gen)


class TestReadSome:
    def test_less_than_max(self, reader: StreamReader) -> None:
        reader.feed_data(b"spam")
        assert run(reader.read_some(32)) == b"spam"

    def test_more_than_max(self, reader: StreamReader) -> None:
        reader.feed_data(b"spameggs")
        assert run(reader.read_some(4)) == b"spam"
        assert reader.buffer == b"eggs"

    def test_waits_for_data(self, reader: StreamReader) -> None:
        gen = reader.read_some(32)
        assert_waits(gen)
        reader.feed_data(b"sp")
        with pytest.raises(StopIteration) as exc_info:
            next(gen)
        assert exc_info.value.value == b"sp"

    def test_eof(self, reader: StreamReader) -> None:
        gen = reader.read_some(32)
        assert_waits(gen)
        reader.feed_eof()
        with pytest.raises(EOFError, match="stream ends, expected up to 32 more bytes"):
            next(gen)


class TestReadToEOF:
    def test_to_eof(self, reader: StreamReader) -> None:
        gen = reader.read_to_eof(32)
        reader.feed_data(b"spam")
        assert_waits(gen)
        reader.feed_data(b"eggs")
        assert_waits(gen)
        reader.feed_eof()
        with pytest.raises(StopIteration) as exc_info:
            next(gen)
        assert exc_info.value.value == b"spameggs"
        assert reader.buffer == b""

    def test_empty(self, reader: StreamReader) -> None:
        reader.feed_eof()
        assert run(reader.read_to_eof(32)) == b""

    def test_too_much_before_eof(self, reader: StreamReader) -> None:
        gen = reader.read_to_eof(4)
        reader.feed_data(b"spam")
        assert_waits(gen)
        reader.feed_data(b"e")
        with pytest.raises(RuntimeError, match="read 5 bytes, expected no more than 4 bytes"):
            next(gen)

    def test_too_much_at_eof(self, reader: StreamReader) -> None:
        reader.feed_data(b"spameggs")
        reader.feed_eof()
        with pytest.raises(RuntimeError, match="read 8 bytes, expected no more than 4 bytes"):
            run(reader.read_to_eof(4))

    def test_too_long_exc_type_before_eof(self, reader: StreamReader) -> None:
        gen = reader.read_to_eof(4, too_long_exc_type=SecurityError)
        reader.feed_data(b"spams")
        with pytest.raises(SecurityError) as exc_info:
            next(gen)
        assert type(exc_info.value) is SecurityError
        assert str(exc_info.value) == "read 5 bytes, expected no more than 4 bytes"

    def test_too_long_exc_type_at_eof(self, reader: StreamReader) -> None:
        # Passed positionally, as upstream's http11 does.
        reader.feed_data(b"spameggs")
        reader.feed_eof()
        with pytest.raises(SecurityError, match="read 8 bytes, expected no more than 4 bytes"):
            run(reader.read_to_eof(4, SecurityError))


class TestAtEOF:
    def test_data(self, reader: StreamReader) -> None:
        reader.feed_data(b"spam")
        assert run(reader.at_eof()) is False

    def test_eof(self, reader: StreamReader) -> None:
        reader.feed_eof()
        assert run(reader.at_eof()) is True

    def test_data_then_eof(self, reader: StreamReader) -> None:
        reader.feed_data(b"spam")
        reader.feed_eof()
        assert run(reader.at_eof()) is False
        assert run(reader.read_exact(4)) == b"spam"
        assert run(reader.at_eof()) is True

    def test_waits(self, reader: StreamReader) -> None:
        gen = reader.at_eof()
        assert_waits(gen)
        assert_waits(gen)
        reader.feed_eof()
        with pytest.raises(StopIteration) as exc_info:
            next(gen)
        assert exc_info.value.value is True


class TestFeed:
    def test_feed_data_after_eof(self, reader: StreamReader) -> None:
        reader.feed_eof()
        with pytest.raises(EOFError, match="stream ended"):
            reader.feed_data(b"spam")

    def test_feed_eof_twice(self, reader: StreamReader) -> None:
        reader.feed_eof()
        with pytest.raises(EOFError, match="stream ended"):
            reader.feed_eof()

    def test_feed_bytearray(self, reader: StreamReader) -> None:
        reader.feed_data(bytearray(b"spam"))
        assert run(reader.read_exact(4)) == b"spam"

    def test_discard(self, reader: StreamReader) -> None:
        reader.feed_data(b"spam")
        reader.discard()
        assert reader.buffer == b""
        gen = reader.read_some(4)
        assert_waits(gen)  # nothing left to read


class TestPayload:
    """Receiving a payload into its own buffer: start_payload() and friends."""

    def test_buffered_bytes_move_to_payload(self, reader: StreamReader) -> None:
        reader.feed_data(b"spameggs")
        payload = reader.start_payload(6)
        assert len(payload) == 6
        assert reader.payload_filled == 6
        assert reader.buffer == b"gs"
        assert reader.finish_payload() == b"spameg"
        assert reader.payload is None

    def test_feed_data_fills_payload_then_buffer(self, reader: StreamReader) -> None:
        reader.start_payload(6)
        reader.feed_data(b"spa")
        assert reader.payload_filled == 3
        assert reader.buffer == b""
        reader.feed_data(memoryview(b"meggs"))
        assert reader.payload_filled == 6
        assert reader.buffer == b"gs"
        assert reader.finish_payload() == b"spameg"

    def test_get_buffer_without_payload(self, reader: StreamReader) -> None:
        assert reader.get_buffer() is None

    def test_get_buffer_and_buffer_updated(self, reader: StreamReader) -> None:
        reader.feed_data(b"sp")
        reader.start_payload(6)
        view = reader.get_buffer()
        assert view is not None
        assert len(view) == 4
        view[:3] = b"ame"
        reader.buffer_updated(3)
        assert reader.payload_filled == 5
        # The view is released: writing into it after the update is an error.
        with pytest.raises(ValueError):
            view[0] = 0
        view = reader.get_buffer()
        assert view is not None and len(view) == 1
        view[0] = ord("g")
        reader.buffer_updated(1)
        assert reader.finish_payload() == b"spameg"

    def test_finish_payload_while_view_in_use(self, reader: StreamReader) -> None:
        reader.start_payload(2)
        view = reader.get_buffer()
        assert view is not None
        view[:] = b"ok"
        # An export of the view, e.g. an I/O operation still in progress,
        # keeps it from being released.
        with memoryview(view) as export:
            reader.buffer_updated(2)
            data = reader.finish_payload()
            assert data == b"ok"
            # It's a copy: changes through the export don't show.
            export[:] = b"ko"
            assert data == b"ok"

    def test_no_buffer_after_eof(self, reader: StreamReader) -> None:
        reader.start_payload(4)
        reader.feed_eof()
        assert reader.get_buffer() is None
        with pytest.raises(EOFError, match="stream ended"):
            reader.buffer_updated(0)

    def test_discard_drops_payload(self, reader: StreamReader) -> None:
        reader.start_payload(4)
        view = reader.get_buffer()
        assert view is not None
        reader.discard()
        assert reader.payload is None
        assert reader.get_buffer() is None
        reader.feed_data(b"spam")
        assert reader.buffer == b"spam"
