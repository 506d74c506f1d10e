"""Tests for websockets.sync.messages: reassembly of messages, with threads."""

from __future__ import annotations

import threading
import time
import unittest.mock
from collections.abc import Callable

import pytest

from websockets.exceptions import ConcurrencyError, TooManyFragments
from websockets.frames import OP_BINARY, OP_CONT, OP_TEXT, Frame
from websockets.sync import messages
from websockets.sync._hub import WakeGate
from websockets.sync.messages import Assembler

from .utils import JOIN_TIMEOUT, MS, PATIENCE, join_thread, start_thread, wait_until


def text(data: str, fin: bool = True) -> Frame:
    return Frame(OP_TEXT, data.encode(), fin)


def binary(data: bytes, fin: bool = True) -> Frame:
    return Frame(OP_BINARY, data, fin)


def cont(data: bytes | str, fin: bool = True) -> Frame:
    return Frame(OP_CONT, data.encode() if isinstance(data, str) else data, fin)


def when_waiting(
    assembler: Assembler, function: Callable[..., object], *args: object
) -> threading.Thread:
    """Call ``function(*args)`` in a thread once a reader waits for a frame."""

    def run() -> None:
        wait_until(lambda: assembler._waiting)
        function(*args)

    return start_thread(run)


# get


def test_get_text() -> None:
    assembler = Assembler()
    assembler.put(text("café"))
    assert assembler.get() == "café"


def test_get_binary() -> None:
    assembler = Assembler()
    assembler.put(binary(b"tea"))
    assert assembler.get() == b"tea"


@pytest.mark.parametrize(
    ("frame", "decode", "message"),
    [
        (text("café"), False, "café".encode()),
        (binary("café".encode()), True, "café"),
        (text("café"), None, "café"),
    ],
)
def test_get_decode(frame: Frame, decode: bool | None, message: object) -> None:
    assembler = Assembler()
    assembler.put(frame)
    assert assembler.get(decode=decode) == message


def test_get_fragmented() -> None:
    assembler = Assembler()
    for frame in [text("ca", fin=False), cont(b"f\xc3", fin=False), cont(b"\xa9")]:
        assembler.put(frame)
    assert assembler.get() == "café"


def test_get_waits_for_frames() -> None:
    assembler = Assembler()
    thread = when_waiting(assembler, assembler.put, binary(b"tea"))
    assert assembler.get(timeout=JOIN_TIMEOUT) == b"tea"
    join_thread(thread)


def test_get_timeout_keeps_fragments() -> None:
    assembler = Assembler()
    assembler.put(text("ca", fin=False))
    with pytest.raises(TimeoutError, match="timed out after 0 seconds"):
        assembler.get(timeout=0)
    assembler.put(cont("fé"))
    assert assembler.get(timeout=0) == "café"


def test_get_timeout_waits() -> None:
    assembler = Assembler()
    start = time.monotonic()
    with pytest.raises(TimeoutError):
        assembler.get(timeout=10 * MS)
    assert time.monotonic() - start >= 10 * MS


def test_get_eof() -> None:
    assembler = Assembler()
    assembler.put(text("last"))
    assembler.close()
    assert assembler.get() == "last"
    with pytest.raises(EOFError):
        assembler.get()


def test_get_unblocked_by_close() -> None:
    assembler = Assembler()
    thread = when_waiting(assembler, assembler.close)
    with pytest.raises(EOFError):
        assembler.get(timeout=JOIN_TIMEOUT)
    join_thread(thread)


def test_get_concurrently() -> None:
    assembler = Assembler()
    thread = start_thread(assembler.get, JOIN_TIMEOUT)
    wait_until(lambda: assembler._get_in_progress)
    with pytest.raises(ConcurrencyError):
        assembler.get()
    with pytest.raises(ConcurrencyError):
        list(assembler.get_iter())
    assembler.put(text("done"))
    join_thread(thread)


def test_get_unfragmented_not_copied() -> None:
    assembler = Assembler()
    payload = bytes(2048)
    assembler.put(binary(payload))
    assert assembler.get() is payload


def test_get_skips_empty_fragments() -> None:
    """Empty fragments cost nothing while get() waits for the end."""
    assembler = Assembler()
    assembler.put(binary(b"a", fin=False))
    with pytest.raises(TimeoutError):
        assembler.get(timeout=0)
    for _ in range(1000):
        assembler.put(cont(b"", fin=False))
        with pytest.raises(TimeoutError):
            assembler.get(timeout=0)
    assert assembler._chunks == [bytearray(b"a")]
    assembler.put(cont(b"b"))
    assert assembler.get() == b"ab"


def test_get_copies_small_fragments_together() -> None:
    """Small fragments share one buffer; large ones are kept as they are."""
    assembler = Assembler(None)
    large = bytes(range(256)) * 8
    frames = [text("c", fin=False), cont("a", fin=False), cont(large, fin=False)]
    frames += [cont("f", fin=False), cont("é", fin=False)]
    for frame in frames:
        assembler.put(frame)
    with pytest.raises(TimeoutError):
        assembler.get(timeout=0)
    assert assembler._chunks == [bytearray(b"ca"), large, bytearray("fé".encode())]
    assert assembler._chunks[1] is large
    assembler.put(cont(""))
    assert assembler.get(decode=False) == b"ca" + large + "fé".encode()
    # Nothing is left over for the next message.
    assembler.put(text("next"))
    assert assembler.get() == "next"


def test_len() -> None:
    assembler = Assembler()
    assembler.put(text("a"))
    assembler.put(text("b"))
    assert len(assembler) == 2


# get_iter


def test_get_iter_text() -> None:
    assembler = Assembler()
    for frame in [text("ca", fin=False), cont(b"f\xc3", fin=False), cont(b"\xa9")]:
        assembler.put(frame)
    assert list(assembler.get_iter()) == ["ca", "f", "é"]


def test_get_iter_binary_decoded() -> None:
    assembler = Assembler()
    for frame in [binary(b"t", fin=False), cont(b"ea")]:
        assembler.put(frame)
    assert list(assembler.get_iter(decode=True)) == ["t", "ea"]


def test_get_iter_text_not_decoded() -> None:
    assembler = Assembler()
    assembler.put(text("tea"))
    assert list(assembler.get_iter(decode=False)) == [b"tea"]


def test_get_iter_waits_for_frames() -> None:
    assembler = Assembler()
    assembler.put(binary(b"t", fin=False))
    thread = when_waiting(assembler, assembler.put, cont(b"ea"))
    assert list(assembler.get_iter()) == [b"t", b"ea"]
    join_thread(thread)


def test_get_iter_after_get_timeout() -> None:
    assembler = Assembler()
    assembler.put(text("ca", fin=False))
    with pytest.raises(TimeoutError):
        assembler.get(timeout=0)
    assembler.put(cont("fé"))
    assert list(assembler.get_iter()) == ["ca", "fé"]


def test_get_iter_after_get_timeout_decode() -> None:
    assembler = Assembler()
    assembler.put(binary(b"t", fin=False))
    with pytest.raises(TimeoutError):
        assembler.get(timeout=0)
    assembler.put(cont(b"ea"))
    assert list(assembler.get_iter(decode=True)) == ["t", "ea"]


def test_get_iter_stopped_early_drops_message() -> None:
    assembler = Assembler()
    for frame in [text("a", fin=False), cont("b", fin=False), cont("c"), text("next")]:
        assembler.put(frame)
    fragments = assembler.get_iter()
    assert next(fragments) == "a"
    fragments.close()
    assert assembler.get() == "next"


def test_get_iter_eof() -> None:
    assembler = Assembler()
    assembler.put(text("a", fin=False))
    assembler.close()
    fragments = assembler.get_iter()
    assert next(fragments) == "a"
    with pytest.raises(EOFError):
        next(fragments)


# flow control


def test_pause_and_resume() -> None:
    pause, resume = unittest.mock.Mock(), unittest.mock.Mock()
    assembler = Assembler(4, 2, pause=pause, resume=resume)
    for index in range(5):
        assembler.put(text(str(index)))
    pause.assert_called_once_with()
    assert assembler.paused
    assert assembler.get() == "0"
    assert assembler.get() == "1"
    resume.assert_not_called()
    assert assembler.get() == "2"
    resume.assert_called_once_with()
    assert not assembler.paused


def test_low_water_mark_none_resumes_on_get_and_get_iter() -> None:
    # low=None defaults to high // 4, as in upstream; both readers resume.
    def get(assembler: Assembler) -> object:
        return assembler.get()

    def get_iter(assembler: Assembler) -> object:
        return "".join(str(fragment) for fragment in assembler.get_iter())

    for read in [get, get_iter]:
        pause, resume = unittest.mock.Mock(), unittest.mock.Mock()
        assembler = Assembler(4, None, pause=pause, resume=resume)
        for index in range(6):
            assembler.put(text(str(index)))
        pause.assert_called_once_with()
        assert [read(assembler) for _ in range(4)] == ["0", "1", "2", "3"]
        resume.assert_not_called()
        assert read(assembler) == "4"
        resume.assert_called_once_with()
        assert not assembler.paused


def test_close_while_paused_resumes() -> None:
    pause, resume = unittest.mock.Mock(), unittest.mock.Mock()
    assembler = Assembler(4, None, pause=pause, resume=resume)
    for index in range(6):
        assembler.put(text(str(index)))
    assert assembler.paused
    assembler.close()
    resume.assert_called_once_with()
    assert not assembler.paused
    # Frames already queued can still be read, without resuming again.
    assert assembler.get() == "0"
    assembler.close()
    resume.assert_called_once_with()


def test_close_while_not_paused_does_not_resume() -> None:
    resume = unittest.mock.Mock()
    assembler = Assembler(4, None, resume=resume)
    assembler.put(text("0"))
    assembler.close()
    resume.assert_not_called()


def test_default_low_water_mark() -> None:
    assembler = Assembler(16)
    assert (assembler.high, assembler.low) == (16, 4)


def test_no_flow_control() -> None:
    pause = unittest.mock.Mock()
    assembler = Assembler(None, pause=pause)
    for _ in range(100):
        assembler.put(text("x"))
    pause.assert_not_called()


def test_invalid_limits() -> None:
    with pytest.raises(ValueError, match="high must be greater than or equal to low"):
        Assembler(1, 2)


def test_cap_drops_frames_beyond_high_water_mark() -> None:
    pause, resume = unittest.mock.Mock(), unittest.mock.Mock()
    assembler = Assembler(2, 1, pause=pause, resume=resume)
    for index in range(3):
        assembler.put(text(str(index)))
    assert assembler.paused
    assembler.cap()
    assembler.cap()  # no effect
    resume.assert_called_once_with()
    assert not assembler.paused
    # The queue is full: this frame and every later one are dropped, even
    # once there's room again, so that messages are never spliced.
    assembler.put(text("3", fin=False))
    assert assembler.get() == "0"
    assembler.put(cont("4"))
    assert [assembler.get(), assembler.get()] == ["1", "2"]
    assert len(assembler) == 0
    pause.assert_called_once_with()


def test_cap_without_flow_control() -> None:
    assembler = Assembler(None)
    assembler.cap()
    for _ in range(100):
        assembler.put(text("x"))
    assert len(assembler) == 100


def test_put_after_close() -> None:
    assembler = Assembler()
    assembler.close()
    assembler.close()  # no effect
    with pytest.raises(EOFError):
        assembler.put(text("late"))


# Waking up readers through a gate


def test_gate_wakes_readers_one_at_a_time() -> None:
    gate = WakeGate(limit=1, expiry=JOIN_TIMEOUT)
    first, second = Assembler(gate=gate), Assembler(gate=gate)
    results: dict[str, object] = {}

    def read(name: str, assembler: Assembler) -> None:
        results[name] = assembler.get(timeout=JOIN_TIMEOUT)

    first_reader = start_thread(read, "first", first)
    second_reader = start_thread(read, "second", second)
    wait_until(lambda: first._waiting and second._waiting)
    first.put(text("one"))
    join_thread(first_reader)
    assert results["first"] == "one"
    # The first reader holds the gate's only admission until it's back.
    second.put(text("two"))
    assert second._in_line
    assert "second" not in results
    # Coming back to read lets the second reader in.
    with pytest.raises(TimeoutError):
        first.get(timeout=0)
    join_thread(second_reader)
    assert results["second"] == "two"


def test_gate_reader_in_line_times_out() -> None:
    """A reader whose timeout ends while it's in line gets its message anyway."""
    gate = WakeGate(limit=1, expiry=JOIN_TIMEOUT)
    admission = gate.admit(lambda admission: True)
    assert admission is not None
    assembler = Assembler(gate=gate)
    results: list[object] = []
    # PATIENCE leaves the test thread the time to put the message while the
    # reader waits: this message wakes up nobody, since the gate is full.
    reader = start_thread(lambda: results.append(assembler.get(timeout=PATIENCE)))
    wait_until(lambda: assembler._waiting)
    assembler.put(text("late"))
    assert assembler._in_line
    join_thread(reader)
    assert results == ["late"]
    # The admission that comes later finds nobody waiting and is given back.
    gate.leave(admission)
    assert gate.admit(lambda admission: True) is not None


def test_gate_admission_ends_when_closed() -> None:
    gate = WakeGate(limit=1, expiry=JOIN_TIMEOUT)
    assembler = Assembler(gate=gate)
    reader = start_thread(assembler.get, JOIN_TIMEOUT)
    wait_until(lambda: assembler._waiting)
    assembler.put(text("one"))
    join_thread(reader)
    assembler.close()
    assert gate.admit(lambda admission: True) is not None


# WEBSOCKETS_MAX_FRAGMENTS


def test_get_too_many_fragments(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(messages, "MAX_FRAGMENTS", 3)
    assembler = Assembler()
    assembler.put(text("a", fin=False))
    for _ in range(3):
        assembler.put(cont("b", fin=False))
    assembler.put(cont("c"))
    assembler.put(text("next"))
    # Raised as soon as the fourth fragment is read, like upstream.
    with pytest.raises(TooManyFragments, match="fragmented message exceeds limit of 3 frames"):
        assembler.get(timeout=0)
    # The rest of that message is dropped.
    assert assembler.get(timeout=0) == "next"


def test_get_at_fragment_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(messages, "MAX_FRAGMENTS", 3)
    assembler = Assembler()
    for _ in range(2):
        assembler.put(text("a", fin=False))
        assembler.put(cont("b", fin=False))
        assembler.put(cont("c"))
        assert assembler.get(timeout=0) == "abc"


def test_fragment_limit_patched_after_creation(monkeypatch: pytest.MonkeyPatch) -> None:
    assembler = Assembler()
    # Like upstream's, the constant is read when fragments arrive.
    monkeypatch.setattr(messages, "MAX_FRAGMENTS", 2)
    assembler.put(text("a", fin=False))
    assembler.put(cont("b", fin=False))
    assembler.put(cont("c"))
    with pytest.raises(TooManyFragments, match="exceeds limit of 2 frames"):
        assembler.get(timeout=0)


def test_get_iter_isnt_limited(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(messages, "MAX_FRAGMENTS", 1)
    assembler = Assembler()
    assembler.put(text("a", fin=False))
    assembler.put(cont("b", fin=False))
    assembler.put(cont("c"))
    assert list(assembler.get_iter()) == ["a", "b", "c"]
