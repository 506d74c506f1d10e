"""Tests for websockets.utils."""

from __future__ import annotations

import base64
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from websockets.utils import GUID, accept_key, apply_mask, generate_key

__all__: list[str] = []


def apply_mask_slowly(data: bytes, mask: bytes) -> bytes:
    """Reference implementation of :rfc:`6455#section-5.3`, byte by byte."""
    return bytes(byte ^ mask[i % 4] for i, byte in enumerate(data))


class TestHandshakeKeys:
    def test_accept_key_rfc_example(self) -> None:
        # RFC 6455, section 1.3.
        assert accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

    def test_guid(self) -> None:
        assert GUID == "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    def test_generate_key_is_16_random_bytes(self) -> None:
        key = generate_key()
        assert len(key) == 24
        assert len(base64.b64decode(key, validate=True)) == 16

    def test_generate_key_is_random(self) -> None:
        assert len({generate_key() for _ in range(10)}) == 10

    def test_accept_key_of_generated_key(self) -> None:
        accept = accept_key(generate_key())
        assert len(base64.b64decode(accept, validate=True)) == 20  # SHA-1 digest


class TestApplyMask:
    MASK = b"\x37\xfa\x21\x3d"

    def test_rfc_example(self) -> None:
        # RFC 6455, section 5.7: "Hello" masked with 37 fa 21 3d.
        assert apply_mask(b"Hello", self.MASK) == b"\x7f\x9f\x4d\x51\x58"

    @pytest.mark.parametrize("size", range(10))
    def test_small_sizes(self, size: int) -> None:
        data = bytes(range(1, size + 1))
        masked = apply_mask(data, self.MASK)
        assert masked == apply_mask_slowly(data, self.MASK)
        assert len(masked) == size
        assert apply_mask(masked, self.MASK) == data

    @pytest.mark.parametrize("size", [65535, 65536, 1_000_003])
    def test_large_sizes(self, size: int) -> None:
        data = os.urandom(size)
        masked = apply_mask(data, self.MASK)
        assert masked == apply_mask_slowly(data, self.MASK)
        assert apply_mask(masked, self.MASK) == data

    def test_leading_and_trailing_zeros_kept(self) -> None:
        # Masking goes through integers; zero bytes at either end must survive.
        data = b"\x00\x00spam\x00\x00"
        assert apply_mask(data, b"\x00\x00\x00\x00") == data
        assert apply_mask(apply_mask(data, self.MASK), self.MASK) == data

    def test_returns_bytes(self) -> None:
        assert type(apply_mask(b"", self.MASK)) is bytes
        assert type(apply_mask(b"spam", self.MASK)) is bytes

    @pytest.mark.parametrize("data", [bytearray(b"Hello"), memoryview(b"Hello")])
    def test_bytes_like(self, data: bytearray | memoryview) -> None:
        assert apply_mask(data, self.MASK) == b"\x7f\x9f\x4d\x51\x58"

    @pytest.mark.parametrize("mask", [b"", b"\x01", b"\x01\x02\x03", b"\x01\x02\x03\x04\x05"])
    def test_wrong_mask_length(self, mask: bytes) -> None:
        with pytest.raises(ValueError, match=f"mask must contain 4 bytes, got {len(mask)} bytes"):
            apply_mask(b"spam", mask)

    def test_wrong_mask_length_with_empty_data(self) -> None:
        with pytest.raises(ValueError, match="mask must contain 4 bytes"):
            apply_mask(b"", b"\x01")

    @given(data=st.binary(max_size=1000), mask=st.binary(min_size=4, max_size=4))
    def test_matches_reference(self, data: bytes, mask: bytes) -> None:
        masked = apply_mask(data, mask)
        assert masked == apply_mask_slowly(data, mask)
        assert apply_mask(masked, mask) == data
