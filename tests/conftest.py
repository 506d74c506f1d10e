"""Fixtures and workarounds for the whole test suite."""

from __future__ import annotations

import ast
import functools
import gc
import os
import sys
import threading
from typing import Any

import pytest

# CPython 3.11.0-3.11.7 and 3.12.0-3.12.1 keep the AST constructor's recursion
# depth in a global (gh-106905): when two ASTs are built at once, one of them
# fails with "SystemError: AST constructor recursion depth mismatch". That
# happens when two threads parse, or when the garbage collector runs a
# finalizer in the middle of a parse and the finalizer parses too, e.g. a
# task whose exception is logged: the traceback module of 3.11 parses source
# lines to place its carets. Server threads that log exceptions while pytest
# formats a failure's traceback crashed pytest itself (INTERNALERROR), ending
# the run. Building one AST at a time, with the garbage collector paused,
# removes both; every parse goes through ast.parse.
_AFFECTED = (3, 11, 0) <= sys.version_info[:3] < (3, 11, 8) or (
    (3, 12, 0) <= sys.version_info[:3] < (3, 12, 2)
)

if _AFFECTED:  # pragma: no cover - depends on the interpreter
    _ast_lock = threading.RLock()
    _ast_parse = ast.parse

    @functools.wraps(_ast_parse)
    def _serialized_parse(*args: Any, **kwargs: Any) -> Any:
        with _ast_lock:
            gc_enabled = gc.isenabled()
            gc.disable()
            try:
                return _ast_parse(*args, **kwargs)
            finally:
                if gc_enabled:
                    gc.enable()

    ast.parse = _serialized_parse


try:
    from hypothesis import HealthCheck, settings
except ImportError:  # pragma: no cover - every test environment installs it
    pass
else:
    # Hypothesis fails an example that takes longer than 200 ms by default, and
    # warns when generating data is slow: on a busy machine under coverage,
    # both happen to correct code. Tests bound time themselves where it
    # matters; a property test checks properties, not speed.
    settings.register_profile(
        "websockets",
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.load_profile("websockets")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Scale pytest-timeout's bound like every other timeout of the tests.

    ``WEBSOCKETS_TESTS_TIMEOUT_FACTOR`` stretches the bounds that tests set
    themselves; the last resort, set in pyproject.toml, must stay above them.

    """
    factor = float(os.environ.get("WEBSOCKETS_TESTS_TIMEOUT_FACTOR", "1"))
    timeout = float(config.getini("timeout") or 0)
    if factor <= 1 or timeout <= 0:
        return
    for item in items:
        if item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(timeout * factor))
