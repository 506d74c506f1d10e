"""Tests for websockets._options: options that every I/O layer reads the same way."""

from __future__ import annotations

import pytest

from websockets._options import queue_limits


@pytest.mark.parametrize(
    ("max_queue", "limits"),
    [
        (16, (16, 4)),
        (1, (1, 0)),
        (0, (0, 0)),
        (None, (None, None)),
        ((None, None), (None, None)),
        ((16, 8), (16, 8)),
        ((16, None), (16, 4)),
        ((None, 8), (32, 8)),
        ((8, 8), (8, 8)),
    ],
)
def test_queue_limits(
    max_queue: int | None | tuple[int | None, int | None],
    limits: tuple[int | None, int | None],
) -> None:
    assert queue_limits(max_queue) == limits


def test_queue_limits_negative_low() -> None:
    with pytest.raises(ValueError, match="low must be positive or equal to zero, got -1"):
        queue_limits((4, -1))


def test_queue_limits_high_below_low() -> None:
    with pytest.raises(ValueError, match="high must be greater than or equal to low, got 4 < 8"):
        queue_limits((4, 8))
