"""Helpers shared by the tests of the asyncio implementation.

Timing
======

The tests run on busy machines: a saturated CI runner with two cores, under
coverage, next to other test runs. There, what takes a millisecond on a quiet
machine can take tens of milliseconds, occasionally more, and the event loop
can wait that long before it gets to run. So:

* A test never checks that something happened *within* a short time. It
  waits for the condition itself, with :func:`wait_for`, an event or a task,
  and :data:`TEST_TIMEOUT` bounds the whole test: only a failing test gets
  there. It may check that *at least* some time passed, measured from before
  the timer started: a slow machine only makes that longer.
* A library timeout that mustn't expire for the test to pass, e.g. the
  ``ping_timeout`` of a connection whose peer answers pings, is
  :data:`LONG_TIMEOUT`. A test that needs such a deadline to pass moves the
  deadline rather than waiting for it. Timeouts that the test wants to expire
  stay short: multiples of :data:`MS`. The test waits for them to expire
  within :data:`SOON`, which tells them from the library's defaults.
* A test that something is cheap, e.g. that reassembling a message doesn't
  copy it over and over, measures memory with :mod:`tracemalloc`, not time.

``WEBSOCKETS_TESTS_TIMEOUT_FACTOR`` scales all of them, for even slower
machines.

"""

from __future__ import annotations

import asyncio
import functools
import inspect
import os
import socket
import ssl
import unittest
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import trustme

from websockets.asyncio.compatibility import asyncio_timeout

__all__ = [
    "CLIENT_CONTEXT",
    "LONG_TIMEOUT",
    "MS",
    "SERVER_CONTEXT",
    "SOON",
    "TEST_TIMEOUT",
    "TIMEOUT_FACTOR",
    "AsyncTestCase",
    "get_host_port",
    "get_uri",
    "wait_for",
]


TIMEOUT_FACTOR = float(os.environ.get("WEBSOCKETS_TESTS_TIMEOUT_FACTOR", "1"))
"""Scale of every timeout in the tests; raise it on slow machines."""

MS = 0.001 * TIMEOUT_FACTOR
"""One millisecond, scaled by ``WEBSOCKETS_TESTS_TIMEOUT_FACTOR``.

For timeouts that tests want to expire, and for short pauses.

"""

TEST_TIMEOUT = 240 * TIMEOUT_FACTOR
"""Maximum duration of a test, in seconds: no test may hang.

The slowest tests take 2 to 3 seconds on a quiet machine and, under
coverage, as many times longer as there are processes competing for each
core: 70 seconds were measured with a load average of 25 on two cores. Only
a failing test should get anywhere near this. pytest-timeout's bound, set in
pyproject.toml and scaled by the same factor in tests/conftest.py, is above
it, so that this one reports which await hung.

"""

LONG_TIMEOUT = 10 * TIMEOUT_FACTOR
"""A library timeout that mustn't expire for the test to pass, in seconds.

Pongs, closing handshakes and opening handshakes that take a millisecond on
a quiet machine take tens of milliseconds on a saturated one, occasionally
more. Such a timeout only costs time when the test fails.

"""

SOON = min(5 * TIMEOUT_FACTOR, 9)
"""Bound on waiting for a short timeout set by a test to expire, in seconds.

A timeout of tens of milliseconds expires well within this on a saturated
machine, yet it's below the library's default timeouts (10 seconds for
``open_timeout`` and ``close_timeout``, 20 seconds for ``ping_interval`` and
``ping_timeout``): a test that checks that a short timeout expired within
:data:`SOON` notices if the default applied instead. That's why the factor
can't raise it to 10 seconds.

"""


# A certificate authority made up for the tests, and a certificate that it
# issued for the loopback addresses.
_CA = trustme.CA()
_CERT = _CA.issue_cert("localhost", "127.0.0.1", "::1")

SERVER_CONTEXT = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
"""TLS context for servers, with a certificate for localhost."""
_CERT.configure_cert(SERVER_CONTEXT)

CLIENT_CONTEXT = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
"""TLS context for clients, trusting the certificate of :data:`SERVER_CONTEXT`."""
_CA.configure_trust(CLIENT_CONTEXT)


def _bounded(method: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    """Fail a test that doesn't complete within :data:`TEST_TIMEOUT`."""

    @functools.wraps(method)
    async def wrapper(*args: Any, **kwargs: Any) -> None:
        async with asyncio_timeout(TEST_TIMEOUT):
            await method(*args, **kwargs)

    return wrapper


_T = TypeVar("_T")


class AsyncTestCase(unittest.IsolatedAsyncioTestCase):
    """Run each ``test_*`` coroutine in its own event loop, with a timeout."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, value in list(vars(cls).items()):
            if name.startswith("test_") and inspect.iscoroutinefunction(value):
                setattr(cls, name, _bounded(value))

    def create_task(self, awaitable: Awaitable[_T]) -> asyncio.Future[_T]:
        """Run ``awaitable`` in a task that is over by the end of the test.

        If the test doesn't await the task, because it failed midway, the
        task is cancelled and awaited when the test ends: it doesn't run on
        into the next test, and an exception it raised isn't reported, at
        garbage collection, as never retrieved.

        """
        task = asyncio.ensure_future(awaitable)

        async def finish() -> None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

        self.addAsyncCleanup(finish)
        return task


def get_host_port(server: Any) -> tuple[str, int]:
    """Return the host and port where a server listens, for IPv4 or IPv6."""
    for sock in server.sockets:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host, port = sock.getsockname()[:2]
            return host, port
    raise AssertionError("expected a TCP socket")  # pragma: no cover


def get_uri(server: Any, secure: bool = False) -> str:
    """Return a WebSocket URI for connecting to a server."""
    host, port = get_host_port(server)
    if ":" in host:
        host = f"[{host}]"
    return f"{'wss' if secure else 'ws'}://{host}:{port}/"


async def wait_for(predicate: Callable[[], bool], interval: float = MS) -> None:
    """Poll until ``predicate`` returns :obj:`True`; the test timeout bounds it."""
    while not predicate():
        await asyncio.sleep(interval)
