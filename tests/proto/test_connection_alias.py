"""Tests for websockets.connection, the deprecated alias of websockets.protocol."""

from __future__ import annotations

import subprocess
import sys


def test_import_warns_and_reexports() -> None:
    # A fresh interpreter: the warning is emitted once, at the first import.
    code = (
        "import warnings\n"
        "with warnings.catch_warnings(record=True) as record:\n"
        "    warnings.simplefilter('always')\n"
        "    import websockets.connection as c\n"
        "import websockets.protocol as p\n"
        "assert [(w.category, str(w.message)) for w in record] == [(DeprecationWarning, "
        "'websockets.connection was renamed to websockets.protocol "
        "and Connection was renamed to Protocol')], record\n"
        "assert c.Connection is p.Protocol and c.Side is p.Side\n"
        "assert c.State is p.State and c.SEND_EOF is p.SEND_EOF\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.stdout == "ok\n", result.stderr
