"""Type-check a parser built on StreamReader against the installed distributions.

Integrators' parsers rely on the types of :class:`~websockets.streams.StreamReader`:
``line = yield from reader.read_line(...); line.extend(b"!")`` must pass
``mypy --strict``, as it does with upstream. This runs mypy on
streams_program.py in a scratch directory, like test_user_program.py.

It needs mypy; elsewhere it's skipped. It needs ws-proto only.

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

PROGRAM = pathlib.Path(__file__).with_name("streams_program.py")


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy isn't installed")
def test_streams_program_type_checks(tmp_path: pathlib.Path) -> None:
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
