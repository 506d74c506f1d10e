"""Tests for websockets._assembly: the queue shared by the assemblers."""

from __future__ import annotations

import collections
import functools
import gc
import os
import subprocess
import sys
import weakref

import pytest
from hypothesis import given
from hypothesis import strategies as st

from websockets import _assembly
from websockets._assembly import _COMPACT, _LARGE, FrameQueue
from websockets.exceptions import TooManyFragments
from websockets.frames import Frame, Opcode


def make_queue(high: int | None = 4, low: int | None = None) -> tuple[FrameQueue, list[str]]:
    calls: list[str] = []
    queue = FrameQueue(high, low, lambda: calls.append("pause"), lambda: calls.append("resume"))
    return queue, calls


def paused(queue: FrameQueue) -> bool:
    # A call, so that mypy doesn't narrow the attribute between steps.
    return queue.paused


def text(data: bytes = b"x", fin: bool = True) -> Frame:
    return Frame(Opcode.TEXT, data, fin)


def test_marks() -> None:
    queue, _ = make_queue(high=8)
    assert (queue.high, queue.low) == (8, 2)
    queue, _ = make_queue(high=None, low=3)
    assert (queue.high, queue.low) == (12, 3)
    with pytest.raises(ValueError):
        FrameQueue(2, 3)


def test_flow_control() -> None:
    queue, calls = make_queue(high=4, low=1)
    for _ in range(4):
        assert queue._enqueue(text())
    assert calls == [] and not paused(queue)
    queue._enqueue(text())
    assert calls == ["pause"] and paused(queue)
    queue._enqueue(text())
    assert calls == ["pause"], "pause is called once"
    assert len(queue) == 6
    for _ in range(4):
        assert queue._pop() is not None
    assert calls == ["pause"]
    queue._pop()  # one frame left: the low-water mark
    assert calls == ["pause", "resume"] and not paused(queue)
    assert len(queue) == 1


def test_no_flow_control() -> None:
    queue, calls = make_queue(high=None)
    for _ in range(1000):
        queue._enqueue(text())
    assert calls == [] and len(queue) == 1000


def test_cap_resumes_and_drops_beyond_high_water_mark() -> None:
    queue, calls = make_queue(high=2)
    for _ in range(3):
        queue._enqueue(text())
    assert calls == ["pause"]
    queue._cap()
    assert calls == ["pause", "resume"] and not paused(queue)
    queue._cap()
    assert calls == ["pause", "resume"], "cap is idempotent"
    assert not queue._enqueue(text(b"dropped"))
    queue._pop()
    queue._pop()
    # Once a frame was dropped, later ones are too, even with room again.
    assert not queue._enqueue(text(b"also dropped"))
    assert queue._pop() == text()
    assert queue._pop() is None


def test_cap_without_flow_control_keeps_everything() -> None:
    queue, _ = make_queue(high=None)
    queue._cap()
    assert all(queue._enqueue(text()) for _ in range(100))


def test_pop_skips_the_rest_of_an_interrupted_message() -> None:
    queue, _ = make_queue(high=None)
    queue._enqueue(Frame(Opcode.CONT, b"rest", fin=False))
    queue._enqueue(Frame(Opcode.CONT, b"end"))
    queue._enqueue(text(b"next"))
    queue._skip = True
    assert queue._pop() == text(b"next")
    assert not queue._skip


def test_collect_and_join() -> None:
    queue, _ = make_queue()
    large = b"L" * _LARGE
    for data in [b"a", b"", b"b", large, b"c", b"", b"d"]:
        queue._collect(data)
    # Small payloads share bytearrays; the large one is kept as is.
    assert len(queue._chunks) == 3
    assert queue._chunks[1] is large
    assert queue._join() == b"ab" + large + b"cd"
    assert queue._chunks == [] and queue._small is None
    assert queue._join() == b""


def test_many_empty_fragments_hold_nothing() -> None:
    queue, _ = make_queue()
    for _ in range(100_000):
        queue._collect(b"")
    assert queue._chunks == []


def test_pop_returns_frames_in_order_and_frees_storage() -> None:
    queue, _ = make_queue(high=None)
    frames = [text(str(i).encode()) for i in range(3 * _COMPACT)]
    for frame in frames:
        queue._enqueue(frame)
    popped = [queue._pop() for _ in frames]
    assert popped == frames
    assert queue._pop() is None and len(queue) == 0
    # An empty queue holds no list storage, whatever it held before.
    assert queue._queue == [] and queue._head == 0


def test_pop_drops_its_reference_to_the_frame() -> None:
    queue, _ = make_queue(high=None)
    frame = text(b"first")
    ref = weakref.ref(frame)
    queue._enqueue(frame)
    queue._enqueue(text(b"second"))
    assert queue._pop() is frame
    del frame
    gc.collect()
    assert ref() is None, "the queue still holds a frame it returned"
    assert len(queue) == 1


def test_storage_stays_bounded_by_the_queue_length() -> None:
    queue, _ = make_queue(high=None)
    # A reader that keeps up with a writer one frame behind: the queue never
    # empties, so only compaction bounds its storage.
    queue._enqueue(text())
    for _ in range(10 * _COMPACT):
        queue._enqueue(text())
        assert queue._pop() is not None
        assert len(queue._queue) <= max(2 * len(queue), _COMPACT) + 1
    assert len(queue) == 1


def waiting(queue: FrameQueue) -> list[Frame]:
    """Frames waiting in the queue, in order."""
    return queue._queue[queue._head :]


def test_len_counts_waiting_frames() -> None:
    queue, _ = make_queue(high=None)
    frames = [text(b"a"), text(b"b"), text(b"c")]
    for frame in frames:
        queue._enqueue(frame)
    queue._pop()
    assert waiting(queue) == frames[1:]
    assert len(queue) == 2


@given(st.lists(st.one_of(st.none(), st.integers(0, 2**16))))
def test_queue_matches_a_deque(operations: list[int | None]) -> None:
    # None pops a frame; an integer enqueues a frame carrying it.
    queue, _ = make_queue(high=None)
    model: collections.deque[Frame] = collections.deque()
    for operation in operations:
        if operation is None:
            assert queue._pop() == (model.popleft() if model else None)
        else:
            frame = text(str(operation).encode())
            queue._enqueue(frame)
            model.append(frame)
        assert len(queue) == len(model)
        assert len(queue._queue) <= max(2 * len(model), _COMPACT) + 1
    assert waiting(queue) == list(model)


class TestMaxFragments:
    """WEBSOCKETS_MAX_FRAGMENTS limits the fragments of a message read whole."""

    def test_no_limit_by_default(self) -> None:
        # Read at import: check in a fresh interpreter, with and without it.
        code = "import websockets._assembly as a; print(a.MAX_FRAGMENTS)"
        env = {k: v for k, v in os.environ.items() if k != "WEBSOCKETS_MAX_FRAGMENTS"}
        run = functools.partial(subprocess.run, [sys.executable, "-c", code], check=True)
        assert run(env=env, capture_output=True, text=True).stdout == "None\n"
        env["WEBSOCKETS_MAX_FRAGMENTS"] = "7"
        assert run(env=env, capture_output=True, text=True).stdout == "7\n"

    def test_collect_raises_beyond_limit(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(_assembly, "MAX_FRAGMENTS", 3)
        queue, _ = make_queue(high=None)
        for _ in range(3):
            queue._collect(b"x")
        with pytest.raises(TooManyFragments, match="exceeds limit of 3 frames"):
            queue._collect(b"x")
        # The message is dropped up to its final frame.
        assert queue._chunks == [] and queue._text is None
        for frame in [text(fin=False), text(fin=True), text(b"next")]:
            queue._enqueue(frame)
        assert queue._pop() == text(b"next")

    def test_final_fragment_beyond_limit_skips_nothing(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(_assembly, "MAX_FRAGMENTS", 1)
        queue, _ = make_queue(high=None)
        queue._collect(b"x")
        with pytest.raises(TooManyFragments):
            queue._collect(b"x", fin=True)
        queue._enqueue(text(b"next"))
        assert queue._pop() == text(b"next")

    def test_join_resets_the_count(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(_assembly, "MAX_FRAGMENTS", 2)
        queue, _ = make_queue(high=None)
        for _ in range(3):
            queue._collect(b"x")
            queue._collect(b"y", fin=True)
            assert queue._join() == b"xy"

    def test_zero_limits_fragmented_messages_only(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # The first fragment never raises: get_ready() collects it alone.
        monkeypatch.setattr(_assembly, "MAX_FRAGMENTS", 0)
        queue, _ = make_queue(high=None)
        queue._collect(b"x")
        with pytest.raises(TooManyFragments, match="exceeds limit of 0 frames"):
            queue._collect(b"x", fin=True)
