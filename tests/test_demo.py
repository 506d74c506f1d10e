"""Run docs/examples/demo.py, the demo behind ``scripts/demo``, as a user would.

It starts a server and connects a client to it over localhost with the
installed distributions, so it needs ws-asyncio.

"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

DEMO = Path(__file__).resolve().parent.parent / "docs" / "examples" / "demo.py"


@pytest.mark.skipif(
    os.environ.get("WEBSOCKETS_TEST_SHAPE") == "proto", reason="the demo needs ws-asyncio"
)
def test_demo() -> None:
    result = subprocess.run(
        [sys.executable, str(DEMO)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "demo: everything worked" in result.stdout
