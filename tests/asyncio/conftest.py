"""Fixtures for every test of the asyncio implementation."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


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
