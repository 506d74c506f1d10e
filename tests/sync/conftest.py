"""Fixtures for every test of the threading implementation.

A test that hangs fails after the ``timeout`` that pyproject.toml sets for
pytest-timeout, which prints the stack of every thread first; the run goes
on with the next test. Blocking calls in tests have bounds of their own, far
below that: see :data:`~tests.sync.utils.JOIN_TIMEOUT`.

"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator

import pytest

from websockets.sync import _hub, connection

from .utils import JOIN_TIMEOUT


@pytest.fixture(autouse=True)
def _no_proxy_from_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Connect directly: clients use proxies from the environment by default.

    A developer's or CI's ``http_proxy`` would otherwise send the tests'
    connections to 127.0.0.1 through that proxy. Tests of proxies set the
    variables they need.

    """
    for name in list(os.environ):
        if name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)
    yield


def _shared_threads() -> set[threading.Thread | None]:
    """Threads that the library starts once and shares between connections."""
    hub = _hub._hub
    return {hub.thread if hub is not None else None, connection._watchdog._thread}


@pytest.fixture(autouse=True)
def _no_leaked_threads() -> Iterator[None]:
    """Fail a test that leaves threads running: its own, a server's, a connection's.

    A thread left behind runs on during later tests: it may fail one of them,
    e.g. with an exception or a socket that the garbage collector finds
    unclosed, far from its cause. Threads about to finish, such as a reading
    thread that just closed its connection, get a moment to do so.

    """
    before = set(threading.enumerate())
    yield
    shared = _shared_threads()
    leaked = [
        thread
        for thread in threading.enumerate()
        if thread not in before and thread not in shared and thread.is_alive()
    ]
    deadline = time.monotonic() + JOIN_TIMEOUT
    for thread in leaked:
        thread.join(max(0.0, deadline - time.monotonic()))
    still_running = [thread.name for thread in leaked if thread.is_alive()]
    assert not still_running, f"threads leaked: {', '.join(still_running)}"
