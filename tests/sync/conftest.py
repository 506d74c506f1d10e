"""Fixtures for every test of the threading implementation."""

from __future__ import annotations

import faulthandler
import os
import threading
from collections.abc import Iterator

import pytest

from .utils import TEST_TIMEOUT


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


@pytest.fixture(autouse=True)
def _no_hang() -> Iterator[None]:
    """Abort the test run, with every thread's traceback, if a test hangs.

    Blocking calls in tests have their own bounds; this is the last resort,
    for a bug that escapes them: a thread can't be interrupted, so the
    process exits.

    """
    faulthandler.dump_traceback_later(TEST_TIMEOUT * 3, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.fixture(autouse=True)
def _no_leaked_threads() -> Iterator[None]:
    """Fail a test that leaves non-daemon threads running."""
    before = set(threading.enumerate())
    yield
    leaked = [
        thread
        for thread in threading.enumerate()
        if thread not in before and not thread.daemon and thread.is_alive()
    ]
    for thread in leaked:
        thread.join(TEST_TIMEOUT)
    assert not [thread for thread in leaked if thread.is_alive()], "threads leaked"
