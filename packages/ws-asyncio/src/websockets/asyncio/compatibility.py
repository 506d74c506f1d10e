"""Helpers that smooth over differences between Python versions.

Python 3.11 added :func:`asyncio.timeout` and made :exc:`asyncio.TimeoutError`
an alias of the built-in :exc:`TimeoutError`. On Python 3.10, this module
provides an equivalent context manager that raises the built-in
:exc:`TimeoutError` too, so that the rest of the package has a single way of
bounding an operation in time. It also re-exports :exc:`ExceptionGroup`,
or the stand-in that ws-proto provides on Python 3.10, which lacks it.

"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from .._compatibility import ExceptionGroup

__all__ = ["ExceptionGroup", "asyncio_timeout"]


if sys.version_info >= (3, 11):

    def asyncio_timeout(delay: float | None) -> asyncio.Timeout:
        """Bound the time spent in an ``async with`` block.

        Args:
            delay: Maximum duration of the block, in seconds; :obj:`None`
                means no limit.

        Raises:
            TimeoutError: When the block doesn't complete within ``delay``.

        """
        return asyncio.timeout(delay)

else:  # pragma: no cover

    @asynccontextmanager
    async def asyncio_timeout(delay: float | None) -> AsyncIterator[None]:
        """Bound the time spent in an ``async with`` block.

        Args:
            delay: Maximum duration of the block, in seconds; :obj:`None`
                means no limit.

        Raises:
            TimeoutError: When the block doesn't complete within ``delay``.

        """
        if delay is None:
            yield
            return
        task = asyncio.current_task()
        assert task is not None, "asyncio_timeout() must run in a task"
        expired = False

        def expire() -> None:
            nonlocal expired
            expired = True
            task.cancel()

        handle = asyncio.get_running_loop().call_later(delay, expire)
        try:
            yield
        except asyncio.CancelledError as exc:
            # Only the cancellation we requested becomes a timeout; a
            # cancellation coming from elsewhere propagates unchanged.
            if expired:
                raise TimeoutError from exc
            raise
        finally:
            handle.cancel()
