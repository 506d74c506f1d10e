"""Collect the tests of the backends that are installed.

tox's ``router`` environment installs ws-router with one backend, ws-asyncio;
``full`` installs both.

"""

from __future__ import annotations

import importlib.util

collect_ignore = [
    f"test_{backend}.py"
    for backend in ["asyncio", "sync"]
    if importlib.util.find_spec(f"websockets.{backend}") is None
]
