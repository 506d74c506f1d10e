"""Helpers shared by the tests of the asyncio implementation."""

from __future__ import annotations

import asyncio
import functools
import inspect
import os
import socket
import ssl
import unittest
from collections.abc import Awaitable, Callable
from typing import Any

import trustme

from websockets.asyncio.compatibility import asyncio_timeout

__all__ = [
    "CLIENT_CONTEXT",
    "MS",
    "SERVER_CONTEXT",
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
"""One millisecond, scaled by ``WEBSOCKETS_TESTS_TIMEOUT_FACTOR``."""

TEST_TIMEOUT = 10 * TIMEOUT_FACTOR
"""Maximum duration of a test, in seconds: no test may hang."""


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


class AsyncTestCase(unittest.IsolatedAsyncioTestCase):
    """Run each ``test_*`` coroutine in its own event loop, with a timeout."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, value in list(vars(cls).items()):
            if name.startswith("test_") and inspect.iscoroutinefunction(value):
                setattr(cls, name, _bounded(value))


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
