"""Tests for websockets.asyncio.compatibility."""

from __future__ import annotations

import asyncio

from websockets.asyncio.compatibility import ExceptionGroup, asyncio_timeout

from .utils import LONG_TIMEOUT, MS, AsyncTestCase


class AsyncioTimeoutTests(AsyncTestCase):
    async def test_timeout_expires(self) -> None:
        with self.assertRaises(TimeoutError):
            async with asyncio_timeout(MS):
                await asyncio.sleep(1000 * MS)

    async def test_block_completes_in_time(self) -> None:
        async with asyncio_timeout(LONG_TIMEOUT):
            await asyncio.sleep(0)

    async def test_no_timeout(self) -> None:
        async with asyncio_timeout(None):
            await asyncio.sleep(MS)

    async def test_cancellation_propagates(self) -> None:
        async def block() -> None:
            async with asyncio_timeout(LONG_TIMEOUT):
                await asyncio.sleep(2 * LONG_TIMEOUT)

        task = self.create_task(block())
        await asyncio.sleep(0)
        task.cancel()
        with self.assertRaises(asyncio.CancelledError):
            await task


class ExceptionGroupTests(AsyncTestCase):
    async def test_exception_group(self) -> None:
        errors = [ValueError("a"), TypeError("b")]
        group = ExceptionGroup("errors", errors)
        self.assertEqual(group.message, "errors")
        self.assertEqual(list(group.exceptions), errors)
