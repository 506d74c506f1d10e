"""Tests for websockets._compatibility: differences between Python versions."""

from __future__ import annotations

import pytest

from websockets._compatibility import ExceptionGroup


def test_exception_group() -> None:
    errors = [ValueError("a"), RuntimeError("b")]
    with pytest.raises(ExceptionGroup) as raised:
        raise ExceptionGroup("failures", errors)
    assert raised.value.message == "failures"
    assert list(raised.value.exceptions) == errors
