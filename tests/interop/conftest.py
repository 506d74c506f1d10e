"""Fixtures of the interoperability tests: our two I/O layers and the real peers.

These tests need peers that scripts/interop-setup installs. They don't skip
when one is missing: they fail, saying which peer and how to install it, so
that an environment set up to run them can't pass by running nothing. The
default test environments leave tests/interop out; ``-m "not interop"``
deselects them too.

"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# Helpers that assert, so that their failures show the values compared.
pytest.register_assert_rewrite("tests.interop.ours", "tests.interop.peer")

from .ours import IMPLEMENTATIONS, LoopThread, Ours  # noqa: E402
from .peer import AIOHTTP, WS, Peer, PeerKind, PeerMissing, aiohttp_command, ws_command  # noqa: E402


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "interop: talks to real peers installed by scripts/interop-setup"
    )


@pytest.fixture(scope="session", autouse=True)
def _no_proxy_from_environment() -> Iterator[None]:
    """Connect directly: our clients, and the peers, use proxies from the environment.

    tox passes ``http_proxy`` and friends through; on a machine that sets
    them, connections to 127.0.0.1 would go through that proxy. Removing them
    from this process's environment covers the peers' subprocesses too.

    """
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name in list(os.environ):
            if name.lower().endswith("_proxy"):
                monkeypatch.delenv(name)
        yield


@pytest.fixture(scope="session")
def loop() -> Iterator[LoopThread]:
    """One event loop for the asyncio side of every test."""
    loop = LoopThread()
    yield loop
    loop.close()


@pytest.fixture(params=IMPLEMENTATIONS)
def ours(request: pytest.FixtureRequest, loop: LoopThread) -> Iterator[Ours]:
    """Our side: asyncio or threading; closes what the test leaves open."""
    ours = Ours(request.param, loop)
    yield ours
    ours.cleanup()


@pytest.fixture(params=[AIOHTTP, WS], ids=lambda kind: kind.name)
def peer(request: pytest.FixtureRequest) -> Iterator[Peer]:
    """A remote-controlled peer in a subprocess, stopped after the test."""
    kind: PeerKind = request.param
    try:
        command = aiohttp_command() if kind is AIOHTTP else ws_command()
        peer = Peer(kind, command)
    except PeerMissing as exc:
        missing = str(exc)
    else:
        yield peer
        peer.stop()
        return
    # Outside the except clause, so that the message isn't repeated as the
    # context of another exception.
    pytest.fail(missing, pytrace=False)
