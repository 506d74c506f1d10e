"""Type-check a user program against the installed distributions.

Applications rely on the types of websockets' API as much as on its
behaviour: ``raw: bytes = await websocket.recv(decode=False)`` must pass
``mypy --strict``, as it does with upstream. This runs mypy on
user_program.py, in a scratch directory so that no configuration or source
folder of this repository gets in the way: mypy sees what's installed.

It needs mypy, which the ``full`` environment installs; elsewhere it's
skipped.

"""

from __future__ import annotations

import importlib.util
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

TIMEOUT_FACTOR = float(os.environ.get("WEBSOCKETS_TESTS_TIMEOUT_FACTOR", "1"))

# mypy takes a few seconds; a cold start on a saturated machine, much more.
MYPY_TIMEOUT = 240 * TIMEOUT_FACTOR

PROGRAM = pathlib.Path(__file__).with_name("user_program.py")


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy isn't installed")
@pytest.mark.skipif(
    importlib.util.find_spec("websockets.asyncio") is None
    or importlib.util.find_spec("websockets.sync") is None,
    reason="the program needs ws-asyncio and ws-sync",
)
def test_user_program_type_checks(tmp_path: pathlib.Path) -> None:
    shutil.copy(PROGRAM, tmp_path / PROGRAM.name)
    # An explicit configuration file, lest mypy look for one in parent
    # folders or in the user's home.
    (tmp_path / "mypy.ini").write_text("[mypy]\nstrict = True\n")
    env = {key: value for key, value in os.environ.items() if not key.startswith("MYPY")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file=mypy.ini",
            f"--cache-dir={tmp_path / 'cache'}",
            "--no-error-summary",
            PROGRAM.name,
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=MYPY_TIMEOUT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
