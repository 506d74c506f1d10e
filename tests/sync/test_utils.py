"""Tests for websockets.sync.utils: deadlines."""

from __future__ import annotations

import unittest.mock

import pytest

from websockets.sync.utils import Deadline


def test_no_deadline() -> None:
    deadline = Deadline(None)
    assert deadline.deadline is None
    assert deadline.timeout() is None
    assert deadline.timeout(raise_if_elapsed=False) is None


def test_time_left() -> None:
    with unittest.mock.patch("time.monotonic", return_value=100.0):
        deadline = Deadline(10)
    assert deadline.deadline == 110.0
    with unittest.mock.patch("time.monotonic", return_value=104.0):
        assert deadline.timeout() == 6.0
        assert deadline.timeout(raise_if_elapsed=False) == 6.0


def test_reached() -> None:
    with unittest.mock.patch("time.monotonic", return_value=100.0):
        deadline = Deadline(10)
    with unittest.mock.patch("time.monotonic", return_value=110.0):
        with pytest.raises(TimeoutError, match="timed out"):
            deadline.timeout()
        assert deadline.timeout(raise_if_elapsed=False) == 0.0


def test_elapsed() -> None:
    with unittest.mock.patch("time.monotonic", return_value=100.0):
        deadline = Deadline(10)
    with unittest.mock.patch("time.monotonic", return_value=112.5):
        with pytest.raises(TimeoutError, match="timed out"):
            deadline.timeout()
        # How long ago the deadline passed, like upstream's Deadline.
        assert deadline.timeout(raise_if_elapsed=False) == -2.5


def test_negative_timeout() -> None:
    with unittest.mock.patch("time.monotonic", return_value=100.0):
        deadline = Deadline(-1)
        with pytest.raises(TimeoutError, match="timed out"):
            deadline.timeout()
        assert deadline.timeout(raise_if_elapsed=False) == -1.0
