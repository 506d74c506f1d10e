"""Tests for websockets.asyncio.messages: reassembly and flow control."""

from __future__ import annotations

import asyncio
import tracemalloc
import unittest
from unittest.mock import Mock

from websockets.asyncio import messages
from websockets.asyncio.messages import Assembler, SimpleQueue
from websockets.exceptions import ConcurrencyError, TooManyFragments
from websockets.frames import OP_BINARY, OP_CONT, OP_TEXT, Frame

from .utils import AsyncTestCase


class AssemblerTests(AsyncTestCase):
    def setUp(self) -> None:
        self.pause = Mock()
        self.resume = Mock()
        self.assembler = Assembler(high=2, low=1, pause=self.pause, resume=self.resume)

    # get

    async def test_get_text_message_already_received(self) -> None:
        self.assembler.put(Frame(OP_TEXT, b"caf\xc3\xa9"))
        self.assertEqual(await self.assembler.get(), "café")

    async def test_get_binary_message_already_received(self) -> None:
        self.assembler.put(Frame(OP_BINARY, b"tea"))
        self.assertEqual(await self.assembler.get(), b"tea")

    # get_ready

    async def test_get_ready_message(self) -> None:
        self.assembler.put(Frame(OP_TEXT, b"caf\xc3\xa9"))
        self.assembler.put(Frame(OP_BINARY, b"tea"))
        self.assertEqual(self.assembler.get_ready(), "café")
        self.assertEqual(self.assembler.get_ready(decode=True), "tea")
        self.assertIsNone(self.assembler.get_ready())

    async def test_get_ready_fragment_kept_for_get(self) -> None:
        self.assembler.put(Frame(OP_TEXT, b"ca", fin=False))
        self.assertIsNone(self.assembler.get_ready())
        # Until the message is complete, get_ready() leaves it to get().
        self.assembler.put(Frame(OP_CONT, b"f\xc3\xa9"))
        self.assertIsNone(self.assembler.get_ready())
        self.assertEqual(await self.assembler.get(), "café")

    async def test_get_ready_while_get_waits(self) -> None:
        task = asyncio.create_task(self.assembler.get())
        await asyncio.sleep(0)
        self.assembler.put(Frame(OP_BINARY, b"tea"))
        self.assertIsNone(self.assembler.get_ready())  # get() takes it
        self.assertEqual(await task, b"tea")

    async def test_get_ready_decode_invalid_utf8(self) -> None:
        self.assembler.put(Frame(OP_BINARY, b"\xff"))
        with self.assertRaises(UnicodeDecodeError):
            self.assembler.get_ready(decode=True)

    async def test_get_text_message_not_received_yet(self) -> None:
        task = asyncio.create_task(self.assembler.get())
        await asyncio.sleep(0)
        self.assembler.put(Frame(OP_TEXT, b"caf\xc3\xa9"))
        self.assertEqual(await task, "café")

    async def test_get_fragmented_message(self) -> None:
        task = asyncio.create_task(self.assembler.get())
        self.assembler.put(Frame(OP_TEXT, b"ca", fin=False))
        await asyncio.sleep(0)
        self.assembler.put(Frame(OP_CONT, b"f\xc3", fin=False))
        await asyncio.sleep(0)
        self.assembler.put(Frame(OP_CONT, b"\xa9"))
        self.assertEqual(await task, "café")

    async def test_get_decode_text_false(self) -> None:
        self.assembler.put(Frame(OP_TEXT, b"caf\xc3\xa9"))
        self.assertEqual(await self.assembler.get(decode=False), b"caf\xc3\xa9")

    async def test_get_decode_binary_true(self) -> None:
        self.assembler.put(Frame(OP_BINARY, b"tea"))
        self.assertEqual(await self.assembler.get(decode=True), "tea")

    async def test_get_decode_binary_true_invalid_utf8(self) -> None:
        self.assembler.put(Frame(OP_BINARY, b"\xff"))
        with self.assertRaises(UnicodeDecodeError):
            await self.assembler.get(decode=True)

    async def test_get_memoryview_payloads(self) -> None:
        self.assembler.put(Frame(OP_BINARY, memoryview(b"te"), fin=False))
        self.assembler.put(Frame(OP_CONT, bytearray(b"a")))
        self.assertEqual(await self.assembler.get(), b"tea")

    async def test_get_many_tiny_fragments(self) -> None:
        """Reassembly is linear: 50,000 one-byte fragments aren't copied over and over.

        Copying the message so far at each fragment would need the old copy
        and the new one at once: memory would peak at twice the payload. Small
        payloads are copied once, into a buffer that grows geometrically.

        This test measures memory, not time: in debug mode, which
        IsolatedAsyncioTestCase turns on, the event loop keeps a traceback
        for every callback; that isn't the memory that reassembly takes.

        """
        asyncio.get_running_loop().set_debug(False)
        count = 50_000
        assembler = Assembler()

        async def get_fragments(fragments: list[Frame]) -> tuple[bytes | str, int]:
            """Get a message; return it and the peak of memory before its last fragment."""
            *first, last = fragments
            task = self.create_task(assembler.get())
            tracemalloc.start()
            try:
                before, _ = tracemalloc.get_traced_memory()
                # Fragments arrive a hundred at a time; get() takes them as
                # they arrive, as it does from a connection.
                for index in range(0, len(first), 100):
                    for frame in first[index : index + 100]:
                        assembler.put(frame)
                    await asyncio.sleep(0)
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
            assembler.put(last)
            return await task, peak - before

        # What's allocated once, such as coverage's records of the code that
        # runs, is allocated by a first, short message.
        fragments = [Frame(OP_BINARY, b"x", fin=False), Frame(OP_CONT, b"x", fin=False)]
        await get_fragments([*fragments, Frame(OP_CONT, b"x")])
        fragments += [Frame(OP_CONT, b"x", fin=False) for _ in range(count - 3)]
        message, peak = await get_fragments([*fragments, Frame(OP_CONT, b"x")])
        self.assertEqual(message, b"x" * count)
        self.assertLess(peak, 1.5 * count)

    async def test_get_skips_empty_fragments(self) -> None:
        """Empty fragments hold no memory while a message is being read."""
        assembler = Assembler()
        task = asyncio.create_task(assembler.get())
        assembler.put(Frame(OP_TEXT, b"", fin=False))
        for _ in range(1000):
            assembler.put(Frame(OP_CONT, b"", fin=False))
        await asyncio.sleep(0)
        self.assertEqual(assembler._chunks, [])
        assembler.put(Frame(OP_CONT, b"ok"))
        self.assertEqual(await task, "ok")

    async def test_get_coalesces_small_fragments(self) -> None:
        """Small payloads share one buffer; large ones are kept as they are."""
        assembler = Assembler()
        task = asyncio.create_task(assembler.get())
        large = b"L" * 1024
        assembler.put(Frame(OP_BINARY, b"a", fin=False))
        for _ in range(999):
            assembler.put(Frame(OP_CONT, b"a", fin=False))
        assembler.put(Frame(OP_CONT, large, fin=False))
        assembler.put(Frame(OP_CONT, b"b", fin=False))
        await asyncio.sleep(0)
        self.assertEqual(len(assembler._chunks), 3)
        self.assertIs(assembler._chunks[1], large)
        assembler.put(Frame(OP_CONT, b"c"))
        self.assertEqual(await task, b"a" * 1000 + large + b"bc")

    async def test_get_unfragmented_message_isnt_copied(self) -> None:
        payload = b"tea" * 1000
        self.assembler.put(Frame(OP_BINARY, payload))
        self.assertIs(await self.assembler.get(), payload)

    async def test_get_cancelled_keeps_fragments(self) -> None:
        self.assembler.put(Frame(OP_TEXT, b"ca", fin=False))
        task = asyncio.create_task(self.assembler.get())
        await asyncio.sleep(0)
        task.cancel()
        with self.assertRaises(asyncio.CancelledError):
            await task
        self.assembler.put(Frame(OP_CONT, b"f\xc3\xa9"))
        self.assertEqual(await self.assembler.get(), "café")

    async def test_get_concurrently(self) -> None:
        task = asyncio.create_task(self.assembler.get())
        await asyncio.sleep(0)
        with self.assertRaises(ConcurrencyError):
            await self.assembler.get()
        self.assembler.put(Frame(OP_BINARY, b"tea"))
        self.assertEqual(await task, b"tea")

    async def test_get_after_close(self) -> None:
        self.assembler.close()
        with self.assertRaises(EOFError):
            await self.assembler.get()

    async def test_get_queued_message_after_close(self) -> None:
        self.assembler.put(Frame(OP_BINARY, b"tea"))
        self.assembler.close()
        self.assertEqual(await self.assembler.get(), b"tea")
        with self.assertRaises(EOFError):
            await self.assembler.get()

    async def test_get_close_while_waiting(self) -> None:
        task = asyncio.create_task(self.assembler.get())
        self.assembler.put(Frame(OP_BINARY, b"te", fin=False))
        await asyncio.sleep(0)
        self.assembler.close()
        with self.assertRaises(EOFError):
            await task

    # get_iter

    async def test_get_iter_unfragmented(self) -> None:
        self.assembler.put(Frame(OP_TEXT, b"caf\xc3\xa9"))
        fragments = [fragment async for fragment in self.assembler.get_iter()]
        self.assertEqual(fragments, ["café"])

    async def test_get_iter_fragmented_text(self) -> None:
        """A character split across frames comes out whole."""
        task = asyncio.create_task(self._collect())
        self.assembler.put(Frame(OP_TEXT, b"ca", fin=False))
        await asyncio.sleep(0)
        self.assembler.put(Frame(OP_CONT, b"f\xc3", fin=False))
        await asyncio.sleep(0)
        self.assembler.put(Frame(OP_CONT, b"\xa9"))
        self.assertEqual(await task, ["ca", "f", "é"])

    async def test_get_iter_fragmented_binary(self) -> None:
        self.assembler.put(Frame(OP_BINARY, b"t", fin=False))
        self.assembler.put(Frame(OP_CONT, memoryview(b"ea")))
        self.assertEqual(await self._collect(), [b"t", b"ea"])

    async def test_get_iter_decode_text_false(self) -> None:
        self.assembler.put(Frame(OP_TEXT, b"caf\xc3", fin=False))
        self.assembler.put(Frame(OP_CONT, b"\xa9"))
        self.assertEqual(await self._collect(decode=False), [b"caf\xc3", b"\xa9"])

    async def test_get_iter_decode_binary_true(self) -> None:
        self.assembler.put(Frame(OP_BINARY, b"te", fin=False))
        self.assembler.put(Frame(OP_CONT, b"a"))
        self.assertEqual(await self._collect(decode=True), ["te", "a"])

    async def test_get_iter_resumes_cancelled_get(self) -> None:
        self.assembler.put(Frame(OP_TEXT, b"ca", fin=False))
        self.assembler.put(Frame(OP_CONT, b"f", fin=False))
        task = asyncio.create_task(self.assembler.get())
        await asyncio.sleep(0)
        task.cancel()
        with self.assertRaises(asyncio.CancelledError):
            await task
        self.assembler.put(Frame(OP_CONT, b"\xc3\xa9"))
        self.assertEqual(await self._collect(), ["caf", "é"])

    async def test_get_iter_resumes_cancelled_get_binary(self) -> None:
        self.assembler.put(Frame(OP_BINARY, b"te", fin=False))
        task = asyncio.create_task(self.assembler.get())
        await asyncio.sleep(0)
        task.cancel()
        with self.assertRaises(asyncio.CancelledError):
            await task
        self.assembler.put(Frame(OP_CONT, b"a"))
        self.assertEqual(await self._collect(), [b"te", b"a"])

    async def test_get_iter_resumes_cancelled_get_with_decode(self) -> None:
        self.assembler.put(Frame(OP_TEXT, b"caf", fin=False))
        task = asyncio.create_task(self.assembler.get())
        await asyncio.sleep(0)
        task.cancel()
        with self.assertRaises(asyncio.CancelledError):
            await task
        self.assembler.put(Frame(OP_CONT, b"\xc3\xa9"))
        self.assertEqual(await self._collect(decode=False), [b"caf", b"\xc3\xa9"])

    async def test_get_iter_interrupted_drops_rest_of_message(self) -> None:
        self.assembler.put(Frame(OP_TEXT, b"ca", fin=False))
        self.assembler.put(Frame(OP_CONT, b"f", fin=False))
        iterator = self.assembler.get_iter()
        self.assertEqual(await anext(iterator), "ca")
        await iterator.aclose()
        # The rest of the message is dropped, whether it's already queued or
        # not, and the next message is intact.
        self.assembler.put(Frame(OP_CONT, b"\xc3\xa9"))
        self.assembler.put(Frame(OP_BINARY, b"tea"))
        self.assertEqual(await self.assembler.get(), b"tea")

    async def test_get_iter_cancelled_before_first_fragment(self) -> None:
        task = asyncio.create_task(self._collect())
        await asyncio.sleep(0)
        task.cancel()
        with self.assertRaises(asyncio.CancelledError):
            await task
        self.assembler.put(Frame(OP_BINARY, b"tea"))
        self.assertEqual(await self.assembler.get(), b"tea")

    async def test_get_iter_concurrently(self) -> None:
        task = asyncio.create_task(self.assembler.get())
        await asyncio.sleep(0)
        with self.assertRaises(ConcurrencyError):
            await self._collect()
        task.cancel()

    async def test_get_iter_after_close(self) -> None:
        self.assembler.close()
        with self.assertRaises(EOFError):
            await self._collect()

    async def _collect(self, decode: bool | None = None) -> list[str | bytes]:
        return [fragment async for fragment in self.assembler.get_iter(decode)]

    # put

    async def test_put_after_close(self) -> None:
        """Frames put after close are dropped: nobody will read them."""
        self.assembler.close()
        self.assembler.put(Frame(OP_BINARY, b"tea"))
        self.assertEqual(len(self.assembler), 0)
        with self.assertRaises(EOFError):
            await self.assembler.get()

    async def test_close_is_idempotent(self) -> None:
        self.assembler.close()
        self.assembler.close()
        self.assertTrue(self.assembler.closed)

    # flow control

    async def test_pause_above_high_water_mark(self) -> None:
        self.assembler.put(Frame(OP_BINARY, b"a"))
        self.assembler.put(Frame(OP_BINARY, b"b"))
        self.pause.assert_not_called()
        self.assembler.put(Frame(OP_BINARY, b"c"))
        self.pause.assert_called_once_with()
        self.assertTrue(self.assembler.paused)
        self.assertEqual(len(self.assembler), 3)
        # Pausing happens once until reading resumes.
        self.assembler.put(Frame(OP_BINARY, b"d"))
        self.pause.assert_called_once_with()

    async def test_resume_at_low_water_mark(self) -> None:
        for data in [b"a", b"b", b"c"]:
            self.assembler.put(Frame(OP_BINARY, data))
        self.assertEqual(await self.assembler.get(), b"a")
        self.resume.assert_not_called()
        self.assertEqual(await self.assembler.get(), b"b")
        self.resume.assert_called_once_with()
        self.assertFalse(self.assembler.paused)

    async def test_long_fragmented_message_doesnt_stall(self) -> None:
        """A reader waiting for a message drains the queue as frames arrive."""
        task = asyncio.create_task(self.assembler.get())
        await asyncio.sleep(0)
        self.assembler.put(Frame(OP_BINARY, b"a", fin=False))
        for _ in range(10):
            self.assembler.put(Frame(OP_CONT, b"a", fin=False))
            await asyncio.sleep(0)
        self.assembler.put(Frame(OP_CONT, b"a"))
        self.assertEqual(await task, b"a" * 12)
        self.pause.assert_not_called()

    async def test_cap_resumes_reading(self) -> None:
        for data in [b"a", b"b", b"c"]:
            self.assembler.put(Frame(OP_BINARY, data))
        self.assertTrue(self.assembler.paused)
        self.assembler.cap()
        self.resume.assert_called_once_with()
        self.assertFalse(self.assembler.paused)
        # Calling it again has no effect.
        self.assembler.cap()
        self.resume.assert_called_once_with()

    async def test_cap_drops_frames_beyond_high_water_mark(self) -> None:
        self.assembler.cap()
        self.assembler.put(Frame(OP_BINARY, b"a"))
        self.assembler.put(Frame(OP_TEXT, b"b", fin=False))
        # The queue is at the high-water mark: drop, and drop every frame
        # after, whether the queue has room again or not.
        self.assembler.put(Frame(OP_CONT, b"c"))
        self.assertEqual(len(self.assembler), 2)
        self.assertEqual(await self.assembler.get(), b"a")
        self.assembler.put(Frame(OP_BINARY, b"d"))
        self.assertEqual(len(self.assembler), 1)
        self.pause.assert_not_called()
        # The incomplete message ends the stream.
        self.assembler.close()
        with self.assertRaises(EOFError):
            await self.assembler.get()

    async def test_cap_without_flow_control(self) -> None:
        assembler = Assembler()
        assembler.cap()
        for _ in range(100):
            assembler.put(Frame(OP_BINARY, b"a"))
        self.assertEqual(len(assembler), 100)

    async def test_no_flow_control(self) -> None:
        assembler = Assembler(pause=self.pause)
        for _ in range(100):
            assembler.put(Frame(OP_BINARY, b"a"))
        self.pause.assert_not_called()
        self.assertIsNone(assembler.high)

    async def test_default_water_marks(self) -> None:
        self.assertEqual((Assembler(high=16).high, Assembler(high=16).low), (16, 4))
        self.assertEqual((Assembler(low=4).high, Assembler(low=4).low), (16, 4))


class AssemblerArgumentsTests(unittest.TestCase):
    def test_negative_low(self) -> None:
        with self.assertRaises(ValueError):
            Assembler(high=1, low=-1)

    def test_high_below_low(self) -> None:
        with self.assertRaises(ValueError):
            Assembler(high=1, low=2)

    def test_default_callbacks(self) -> None:
        assembler = Assembler(high=0)
        assembler.put(Frame(OP_BINARY, b"a"))
        self.assertTrue(assembler.paused)
        assembler._pop()
        self.assertFalse(assembler.paused)


class MaxFragmentsTests(AsyncTestCase):
    """WEBSOCKETS_MAX_FRAGMENTS, patched in this module, like upstream's."""

    def setUp(self) -> None:
        patcher = unittest.mock.patch.object(messages, "MAX_FRAGMENTS", 3)
        patcher.start()
        self.addCleanup(patcher.stop)
        self.assembler = Assembler()

    def put_message(self, fragments: int) -> None:
        self.assembler.put(Frame(OP_TEXT, b"a", fin=False))
        for _ in range(fragments - 2):
            self.assembler.put(Frame(OP_CONT, b"b", fin=False))
        self.assembler.put(Frame(OP_CONT, b"c"))

    async def test_get_too_many_fragments(self) -> None:
        self.put_message(4)
        self.assembler.put(Frame(OP_TEXT, b"next"))
        # get_ready() takes the first fragment; get() raises on the fourth.
        self.assertIsNone(self.assembler.get_ready())
        with self.assertRaisesRegex(TooManyFragments, "exceeds limit of 3 frames"):
            await self.assembler.get()
        # The rest of that message is dropped.
        self.assertEqual(await self.assembler.get(), "next")

    async def test_get_at_fragment_limit(self) -> None:
        self.put_message(3)
        self.put_message(3)
        self.assertEqual(await self.assembler.get(), "abc")
        self.assertEqual(await self.assembler.get(), "abc")

    async def test_get_raises_before_the_message_ends(self) -> None:
        for _ in range(4):
            self.assembler.put(Frame(OP_TEXT, b"a", fin=False))
        with self.assertRaises(TooManyFragments):
            await self.assembler.get()

    async def test_patching_applies_to_existing_assemblers(self) -> None:
        with unittest.mock.patch.object(messages, "MAX_FRAGMENTS", None):
            self.put_message(4)
            self.assertEqual(await self.assembler.get(), "abbc")
        # Back to 3, for the assembler created before.
        self.put_message(4)
        with self.assertRaises(TooManyFragments):
            await self.assembler.get()

    async def test_get_iter_isnt_limited(self) -> None:
        self.put_message(5)
        fragments = [fragment async for fragment in self.assembler.get_iter()]
        self.assertEqual(fragments, ["a", "b", "b", "b", "c"])


class SimpleQueueTests(AsyncTestCase):
    def setUp(self) -> None:
        self.queue: SimpleQueue[int] = SimpleQueue()

    async def test_put_then_get(self) -> None:
        self.queue.put(1)
        self.queue.put(2)
        self.assertEqual(len(self.queue), 2)
        self.assertEqual([await self.queue.get(), await self.queue.get()], [1, 2])
        self.assertEqual(len(self.queue), 0)

    async def test_get_waits_for_put(self) -> None:
        getter = asyncio.create_task(self.queue.get())
        await asyncio.sleep(0)
        self.assertFalse(getter.done())
        self.queue.put(3)
        self.assertEqual(await getter, 3)
        self.assertIsNone(self.queue.get_waiter)

    async def test_get_non_blocking(self) -> None:
        with self.assertRaisesRegex(EOFError, "stream of frames ended"):
            await self.queue.get(block=False)
        self.queue.put(4)
        self.assertEqual(await self.queue.get(block=False), 4)

    async def test_get_concurrently(self) -> None:
        getter = asyncio.create_task(self.queue.get())
        await asyncio.sleep(0)
        with self.assertRaisesRegex(AssertionError, "cannot call get\\(\\) concurrently"):
            await self.queue.get()
        self.queue.put(5)
        self.assertEqual(await getter, 5)

    async def test_cancelled_get(self) -> None:
        getter = asyncio.create_task(self.queue.get())
        await asyncio.sleep(0)
        getter.cancel()
        with self.assertRaises(asyncio.CancelledError):
            await getter
        self.assertIsNone(self.queue.get_waiter)
        self.queue.put(6)
        self.assertEqual(await self.queue.get(), 6)

    async def test_put_back(self) -> None:
        self.queue.put(3)
        self.queue.put_back([1, 2])
        self.assertEqual(list(self.queue.queue), [1, 2, 3])
        self.queue.put_back([])
        self.assertEqual(len(self.queue), 3)

    async def test_put_back_while_get_waits(self) -> None:
        getter = asyncio.create_task(self.queue.get())
        await asyncio.sleep(0)
        with self.assertRaisesRegex(
            AssertionError, "cannot put_back\\(\\) while get\\(\\) is running"
        ):
            self.queue.put_back([1])
        self.queue.put(7)
        self.assertEqual(await getter, 7)

    async def test_abort_wakes_get(self) -> None:
        getter = asyncio.create_task(self.queue.get())
        await asyncio.sleep(0)
        self.queue.abort()
        self.queue.abort()
        with self.assertRaisesRegex(EOFError, "stream of frames ended"):
            await getter
        # Later gets work as usual.
        self.queue.put(8)
        self.assertEqual(await self.queue.get(), 8)

    async def test_abort_without_get(self) -> None:
        self.queue.abort()
        self.queue.put(9)
        self.assertEqual(await self.queue.get(), 9)
