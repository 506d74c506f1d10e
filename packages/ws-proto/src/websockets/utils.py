"""Helpers for the opening handshake and for masking (RFC 6455)."""

from __future__ import annotations

import base64
import hashlib
import secrets
import sys

from .typing import BytesLike

__all__ = ["accept_key", "apply_mask", "generate_key"]


GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
"""Globally unique identifier of RFC 6455 (:rfc:`6455#section-1.3`)."""


def generate_key() -> str:
    """Generate a random ``Sec-WebSocket-Key`` header value.

    Returns:
        16 random bytes, base64-encoded (:rfc:`6455#section-4.1`).

    """
    return base64.b64encode(secrets.token_bytes(16)).decode()


def accept_key(key: str) -> str:
    """Compute the ``Sec-WebSocket-Accept`` value for a ``Sec-WebSocket-Key``.

    Args:
        key: Value of the ``Sec-WebSocket-Key`` header.

    Returns:
        The base64-encoded SHA-1 of the key and the RFC's GUID
        (:rfc:`6455#section-4.2.2`).

    """
    sha1 = hashlib.sha1((key + GUID).encode()).digest()
    return base64.b64encode(sha1).decode()


def _apply_mask_python(data: BytesLike, mask: bytes) -> bytes:
    """Mask or unmask ``data`` with a 4-byte masking key.

    Masking is its own inverse (:rfc:`6455#section-5.3`).

    Args:
        data: Payload to mask or unmask.
        mask: Masking key, exactly 4 bytes.

    Raises:
        ValueError: If ``mask`` isn't 4 bytes long.

    """
    if len(mask) != 4:
        raise ValueError(f"mask must contain 4 bytes, got {len(mask)} bytes")
    size = len(data)
    if size == 0:
        return b""
    # XOR the whole payload at once as one big integer: CPython does this in
    # C, orders of magnitude faster than a Python loop over bytes.
    repeats, extra = divmod(size, 4)
    key = int.from_bytes(mask * repeats + mask[:extra], sys.byteorder)
    return (int.from_bytes(data, sys.byteorder) ^ key).to_bytes(size, sys.byteorder)


try:
    from .speedups import apply_mask
except ImportError:  # not compiled: see packages/ws-proto/hatch_build.py
    apply_mask = _apply_mask_python
