"""Tests for websockets.speedups, the optional C implementation of hot paths.

The C functions must behave exactly like their Python twins in
websockets.utils. ``WEBSOCKETS_TESTS_SPEEDUPS`` tells whether the install
under test must have them (``required``), must not (``absent``, to test the
pure Python fallback), or either (unset).

"""

from __future__ import annotations

import importlib.util
import itertools
import os
import threading

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


PAYLOAD_BUFFERS = [pytest.param(utils._PayloadBufferPython, id="python")]
if speedups is not None:
    PAYLOAD_BUFFERS.append(pytest.param(speedups.PayloadBuffer, id="c"))


def test_payload_buffer_install_shape() -> None:
    if speedups is None:
        assert utils.PayloadBuffer is utils._PayloadBufferPython
    else:
        assert utils.PayloadBuffer is speedups.PayloadBuffer


@pytest.mark.parametrize("cls", PAYLOAD_BUFFERS)
class TestPayloadBuffer:
    def test_fill_and_take(self, cls: type[utils._PayloadBufferPython]) -> None:
        payload = cls(5)
        assert len(payload) == 5
        with memoryview(payload) as view:
            assert not view.readonly
            view[:] = b"hello"
        data = payload.take()
        assert type(data) is bytes
        assert data == b"hello"

    def test_empty(self, cls: type[utils._PayloadBufferPython]) -> None:
        assert cls(0).take() == b""

    def test_negative_size(self, cls: type[utils._PayloadBufferPython]) -> None:
        with pytest.raises(ValueError, match="size must be positive or zero"):
            cls(-1)

    def test_take_while_exported(self, cls: type[utils._PayloadBufferPython]) -> None:
        payload = cls(4)
        view = memoryview(payload)
        with pytest.raises(BufferError, match="payload buffer is still exported"):
            payload.take()
        view.release()
        assert len(payload.take()) == 4

    def test_take_twice(self, cls: type[utils._PayloadBufferPython]) -> None:
        payload = cls(4)
        payload.take()
        with pytest.raises(ValueError, match="payload was taken already"):
            payload.take()
        with pytest.raises(ValueError, match="payload was taken already"):
            payload.unmask(0, 0, b"abcd")

    @given(
        data=st.binary(max_size=100),
        mask=st.binary(min_size=4, max_size=4),
        cuts=st.lists(st.integers(min_value=0, max_value=100), max_size=4),
    )
    def test_unmask_in_pieces(
        self, cls: type[utils._PayloadBufferPython], data: bytes, mask: bytes, cuts: list[int]
    ) -> None:
        # Unmasking any partition of the payload, piece by piece, must give
        # the same result as unmasking it at once: the key follows the offset.
        masked = utils._apply_mask_python(data, mask)
        payload = cls(len(data))
        with memoryview(payload) as view:
            view[:] = masked
        bounds = sorted({0, len(data), *(cut for cut in cuts if cut <= len(data))})
        for start, end in itertools.pairwise(bounds):
            payload.unmask(start, end, mask)
        assert payload.take() == data

    @pytest.mark.parametrize("start, end", [(-1, 2), (3, 2), (0, 5)])
    def test_unmask_invalid_range(
        self, cls: type[utils._PayloadBufferPython], start: int, end: int
    ) -> None:
        with pytest.raises(ValueError, match=f"invalid range {start}:{end}"):
            cls(4).unmask(start, end, b"abcd")

    def test_unmask_wrong_mask_length(self, cls: type[utils._PayloadBufferPython]) -> None:
        with pytest.raises(ValueError, match="mask must contain 4 bytes, got 3 bytes"):
            cls(4).unmask(0, 4, b"abc")

    def test_unmask_large(self, cls: type[utils._PayloadBufferPython]) -> None:
        # Above 64 KiB, the C version releases the GIL while unmasking.
        data = os.urandom(2**17 + 5)
        payload = cls(len(data))
        with memoryview(payload) as view:
            view[:] = utils._apply_mask_python(data, b"\x01\x02\x03\x04")
        payload.unmask(0, 7, b"\x01\x02\x03\x04")
        payload.unmask(7, len(data), b"\x01\x02\x03\x04")
        assert payload.take() == data


@needs_speedups
def test_payload_buffer_not_taken_while_unmasking() -> None:
    # unmask() releases the GIL on large ranges: take() must not hand over
    # the bytes before it's done, since they'd change afterwards.
    size = 64 * 2**20
    payload = speedups.PayloadBuffer(size)
    with memoryview(payload) as view:
        view[:] = bytes(size)
    started = threading.Event()

    def unmask() -> None:
        started.set()
        payload.unmask(0, size, b"\xff\xff\xff\xff")

    thread = threading.Thread(target=unmask)
    thread.start()
    started.wait()
    while True:
        try:
            data = payload.take()
        except BufferError:
            continue
        break
    last = data[-1]
    thread.join()
    # Whenever take() succeeded, the bytes were final.
    assert data[-1] == last == 0xFF
