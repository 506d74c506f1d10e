"""Tests for the router modules when ws-router or werkzeug isn't installed.

Each test runs in a fresh interpreter where the missing module can't be
imported, as if it weren't installed.

"""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap
import unittest

import websockets
import websockets.asyncio.router

from .utils import BACKENDS

PROGRAM = """
import sys
sys.modules[{missing!r}] = None  # import fails as if it weren't installed

import websockets.{backend}.router as router

for call in [
    lambda: router.route(None, "127.0.0.1", 0),
    lambda: router.unix_route(None, "/nonexistent"),
    lambda: router.Router(),
]:
    try:
        call()
    except ImportError as exc:
        print(exc)
    else:
        raise AssertionError("expected ImportError")
"""


def run(backend: str, missing: str) -> list[str]:
    """Run :data:`PROGRAM` and return the error messages that it prints."""
    program = textwrap.dedent(PROGRAM.format(backend=backend, missing=missing))
    result = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


class MissingTests(unittest.TestCase):
    def test_without_werkzeug_or_ws_router(self) -> None:
        for backend in BACKENDS:
            for missing in ["werkzeug", "websockets.routing"]:
                with self.subTest(backend=backend, missing=missing):
                    messages = run(backend, missing)
                    self.assertEqual(len(messages), 3)
                    for message in messages:
                        self.assertIn(
                            f"websockets.{backend}.router requires the ws-router", message
                        )
                        self.assertIn(
                            "pip install ./packages/ws-proto ./packages/ws-router", message
                        )


class ConvenienceImportTests(unittest.TestCase):
    def test_package_names_are_the_asyncio_router(self) -> None:
        self.assertIs(websockets.route, websockets.asyncio.router.route)
        self.assertIs(websockets.unix_route, websockets.asyncio.router.unix_route)
        self.assertIs(websockets.Router, websockets.asyncio.router.Router)
        for name in ["Router", "route", "unix_route"]:
            self.assertIn(name, websockets.__all__)

    def test_module_all(self) -> None:
        for backend in BACKENDS:
            module = importlib.import_module(f"websockets.{backend}.router")
            self.assertEqual(sorted(module.__all__), ["Router", "route", "unix_route"])
