"""Helpers for the opening handshake and for masking (RFC 6455)."""

from __future__ import annotations

import base64
import hashlib
import secrets
import socket
import sys
from typing import TYPE_CHECKING

from .typing import BytesLike

__all__ = ["accept_key", "apply_mask", "generate_key", "get_socket_name"]


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


class _PayloadBufferPython(bytearray):
    """Pure-Python twin of :class:`websockets.speedups.PayloadBuffer`.

    A writable buffer of ``size`` bytes that a frame's payload is received
    into, unmasked in place, then turned into :class:`bytes` by :meth:`take`.
    Unlike the C version, it's zero-filled when created and :meth:`take`
    copies it.

    """

    def __init__(self, size: int) -> None:
        if size < 0:
            raise ValueError("size must be positive or zero")
        super().__init__(size)
        self._taken = False

    def _check_not_taken(self) -> None:
        if self._taken:
            raise ValueError("payload was taken already")

    def unmask(self, start: int, end: int, mask: bytes) -> None:
        """Unmask bytes ``start`` to ``end`` in place.

        ``mask`` is the masking key of the whole payload: it's rotated to line
        up with ``start``.

        Raises:
            ValueError: If ``mask`` isn't 4 bytes long or the range is invalid.

        """
        if len(mask) != 4:
            raise ValueError(f"mask must contain 4 bytes, got {len(mask)} bytes")
        self._check_not_taken()
        if not 0 <= start <= end <= len(self):
            raise ValueError(f"invalid range {start}:{end}")
        shift = start % 4
        with memoryview(self) as view:
            unmasked = _apply_mask_python(view[start:end], mask[shift:] + mask[:shift])
        self[start:end] = unmasked

    def take(self) -> bytes:
        """Return the payload as :class:`bytes`; the buffer becomes unusable.

        Raises:
            BufferError: If a view of the buffer still exists.
            ValueError: If the payload was taken already.

        """
        self._check_not_taken()
        data = bytes(self)
        # Resizing fails while a view exists, like take() in C.
        try:
            del self[:]
        except BufferError:
            raise BufferError("payload buffer is still exported") from None
        self._taken = True
        return data


# SPEEDUPS tells whether the C speedups are available.
if TYPE_CHECKING:
    from .speedups import PayloadBuffer as PayloadBuffer
    from .speedups import apply_mask

    SPEEDUPS: bool
else:
    try:
        from .speedups import PayloadBuffer, apply_mask
    except ImportError:  # not compiled: see packages/ws-proto/hatch_build.py
        PayloadBuffer = _PayloadBufferPython
        apply_mask = _apply_mask_python
        SPEEDUPS = False
    else:
        SPEEDUPS = True


def get_socket_name(sock: socket.socket) -> str:
    """Describe the local address of a socket, for logs.

    Args:
        sock: A bound or unbound socket.

    Returns:
        ``host:port`` for IPv4, ``[host]:port`` for IPv6, the path of a Unix
        socket (empty when it isn't bound), or else the :class:`str` of
        :meth:`~socket.socket.getsockname`.

    Raises:
        OSError: If the socket is closed.

    """
    name = sock.getsockname()
    if sock.family == socket.AF_INET6:
        return f"[{name[0]}]:{name[1]}"
    if sock.family == socket.AF_INET:
        return f"{name[0]}:{name[1]}"
    return name if isinstance(name, str) else str(name)
