"""Tests for websockets.speedups, the optional C implementation of hot paths.

The C functions must behave exactly like their Python twins in
websockets.utils. ``WEBSOCKETS_TESTS_SPEEDUPS`` tells whether the install
under test must have them (``required``), must not (``absent``, to test the
pure Python fallback), or either (unset).

"""

from __future__ import annotations

import importlib.util
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from websockets import utils

EXPECTED = os.environ.get("WEBSOCKETS_TESTS_SPEEDUPS")

try:
    from websockets import speedups
except ImportError:
    speedups = None  # type: ignore[assignment]


def test_install_shape() -> None:
    if EXPECTED == "required":
        assert speedups is not None, "the C speedups weren't compiled"
        assert utils.apply_mask is speedups.apply_mask
    elif EXPECTED == "absent":
        assert importlib.util.find_spec("websockets.speedups") is None, "speedups were compiled"
        assert utils.apply_mask is utils._apply_mask_python
    else:
        assert EXPECTED is None, f"unknown WEBSOCKETS_TESTS_SPEEDUPS: {EXPECTED!r}"
        expected = utils._apply_mask_python if speedups is None else speedups.apply_mask
        assert utils.apply_mask is expected


needs_speedups = pytest.mark.skipif(speedups is None, reason="C speedups not compiled")


@needs_speedups
@given(data=st.binary(max_size=300), mask=st.binary(min_size=4, max_size=4))
def test_apply_mask_matches_python(data: bytes, mask: bytes) -> None:
    assert speedups.apply_mask(data, mask) == utils._apply_mask_python(data, mask)


@needs_speedups
@pytest.mark.parametrize("size", [0, 1, 3, 4, 7, 8, 9, 15, 16, 17, 65535, 65536, 65537, 2**20 + 3])
def test_apply_mask_sizes(size: int) -> None:
    data = os.urandom(size)
    mask = os.urandom(4)
    masked = speedups.apply_mask(data, mask)
    assert masked == utils._apply_mask_python(data, mask)
    assert speedups.apply_mask(masked, mask) == data


@needs_speedups
@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
def test_apply_mask_bytes_like(kind: type) -> None:
    data = kind(b"Hello, world")
    result = speedups.apply_mask(data, b"\x37\xfa\x21\x3d")
    assert type(result) is bytes
    assert result == utils._apply_mask_python(bytes(data), b"\x37\xfa\x21\x3d")


@needs_speedups
def test_apply_mask_keywords() -> None:
    assert speedups.apply_mask(data=b"\x00\x00", mask=b"abcd") == b"ab"


@needs_speedups
@pytest.mark.parametrize("mask", [b"", b"abc", b"abcde"])
def test_apply_mask_wrong_mask_length(mask: bytes) -> None:
    with pytest.raises(ValueError, match=f"mask must contain 4 bytes, got {len(mask)} bytes"):
        speedups.apply_mask(b"data", mask)


@needs_speedups
def test_apply_mask_wrong_type() -> None:
    with pytest.raises(TypeError):
        speedups.apply_mask("text", b"abcd")  # type: ignore[arg-type]
