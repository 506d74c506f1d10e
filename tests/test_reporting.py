"""Failures are reported normally while other code builds ASTs.

See the workaround for gh-106905 in ``tests/conftest.py``: without it, on
CPython 3.11.0-3.11.7 and 3.12.0-3.12.1, parsing failed with ``SystemError:
AST constructor recursion depth mismatch`` when another thread or a
finalizer parsed at the same time, and pytest crashed instead of reporting a
failure.

"""

from __future__ import annotations

import ast
import gc
import pathlib
import subprocess
import sys
import textwrap

ROOT = pathlib.Path(__file__).resolve().parent.parent

# A failing test, while two threads build ASTs (as the traceback module of
# Python 3.11 does when a server thread logs an exception) and create garbage
# with finalizers, which lets another thread run in the middle of building an
# AST.
FAILING_TEST = """
import ast
import threading

SOURCE = "\\n".join(f"x{i} = [{i}, ({i}, {{'k': {i}}})]" for i in range(100))


class Cycle:
    def __del__(self):
        sum(range(100))


def build_asts(stop):
    while not stop.is_set():
        for _ in range(20):
            cycle = Cycle()
            cycle.self = cycle
        ast.parse(SOURCE)


def fail_at_depth(depth):
    if depth:
        fail_at_depth(depth - 1)
    assert [1, {"nested": (1, 2)}] == [1, {"nested": (1, 3)}]


def test_fails():
    stop = threading.Event()
    for _ in range(2):
        threading.Thread(target=build_asts, args=(stop,), daemon=True).start()
    # pytest parses the source of each entry of the traceback.
    fail_at_depth(20)
"""


def test_failure_reported_while_threads_format_tracebacks(tmp_path: pathlib.Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_failing.py").write_text(textwrap.dedent(FAILING_TEST))
    # Load tests/conftest.py as a plugin into a pytest run of its own.
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "tests.conftest",
            "-c",
            str(tmp_path / "pytest.ini"),
            "--rootdir",
            str(tmp_path),
            str(tmp_path / "test_failing.py"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert "SystemError" not in output, output
    assert "INTERNALERROR" not in output, output
    assert "1 failed" in output, output
    assert result.returncode == 1, output


class _ParsingFinalizer:
    """Object whose finalizer parses, like the logging of a task's exception."""

    def __del__(self) -> None:
        ast.parse("x = [1, (2, {3: 4})]")


def test_parse_while_a_finalizer_parses() -> None:
    """A finalizer that parses, run by the garbage collector in the middle of a
    parse, doesn't break the outer parse (the single-thread form of gh-106905)."""
    source = "\n".join(
        f"def f{i}(a, b):\n    return [a + b * {i} for _ in range(3)]" for i in range(500)
    )
    threshold = gc.get_threshold()
    gc.set_threshold(100)
    try:
        for _ in range(20):
            finalizer = _ParsingFinalizer()
            finalizer.cycle = finalizer  # type: ignore[attr-defined]
            del finalizer  # only the garbage collector can free it
            ast.parse(source)
    finally:
        gc.set_threshold(*threshold)
