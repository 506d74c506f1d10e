"""The permessage-deflate extension (:rfc:`7692`).

Provided by the ``ws-deflate`` distribution.

Negotiation
===========

A client offers the extension with :class:`ClientPerMessageDeflateFactory`;
a server accepts an offer with :class:`ServerPerMessageDeflateFactory`
(:rfc:`7692#section-7.1`). Four parameters shape the compression:

* ``server_no_context_takeover`` / ``client_no_context_takeover``: the server
  / the client compresses each message on its own, with a fresh LZ77 window;
* ``server_max_window_bits`` / ``client_max_window_bits``: the base-2
  logarithm of the LZ77 window that the server / the client uses, 8 to 15.

Memory
======

By zlib's formula, a compressor takes ``2 ** (window_bits + 2) +
2 ** (memLevel + 9)`` bytes and a decompressor ``2 ** window_bits`` bytes
plus about 7 KiB: 256 KiB and 39 KiB with the default settings (15 window
bits, ``memLevel`` 8), 32 KiB and 11 KiB with those of
:func:`enable_client_permessage_deflate` and
:func:`enable_server_permessage_deflate` (12 window bits, ``memLevel`` 5). :class:`PerMessageDeflate` allocates them only when
the first message needs them, and with ``no_context_takeover`` releases them
after each message, since the next message starts afresh anyway. An idle
connection therefore holds no zlib memory until it sends or receives a
compressed message; a connection that only exchanges messages smaller than
``compress_threshold`` never allocates a compressor.

zlib can't compress with an 8-bit window: when 8 bits are negotiated for
sending, the compressor uses 9 bits, as other zlib-based implementations do
(zlib's own decompressor accepts such data with an 8-bit window).

"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any, Literal

from ..exceptions import (
    DuplicateParameter,
    InvalidParameterName,
    InvalidParameterValue,
    NegotiationError,
    PayloadTooBig,
    ProtocolError,
)
from ..frames import OP_CONT, Frame
from ..typing import ExtensionName, ExtensionParameter
from .base import ClientExtensionFactory, Extension, ServerExtensionFactory

__all__ = [
    "ClientPerMessageDeflateFactory",
    "PerMessageDeflate",
    "ServerPerMessageDeflateFactory",
    "enable_client_permessage_deflate",
    "enable_server_permessage_deflate",
]

# RFC 7692 7.2.1: the tail of a sync flush, removed from compressed messages
# and appended again before decompressing them.
_EMPTY_UNCOMPRESSED_BLOCK = b"\x00\x00\xff\xff"

_MAX_WINDOW_BITS_VALUES = [str(bits) for bits in range(8, 16)]

DEFAULT_COMPRESS_THRESHOLD = 32
"""Messages shorter than this, in bytes, are sent uncompressed by default.

Below it, what compression saves is negligible next to the deflate block
overhead and the CPU spent; it also spares connections that only exchange
small messages from allocating a compressor.

"""


def _zlib_window_bits(bits: int) -> int:
    # zlib rejects an 8-bit window for raw deflate: use 9 bits instead.
    return -max(bits, 9)


class PerMessageDeflate(Extension):
    """Per-Message Deflate extension, once negotiated.

    Args:
        remote_no_context_takeover: Whether the peer compresses each message
            with a fresh LZ77 window.
        local_no_context_takeover: Whether this endpoint compresses each
            message with a fresh LZ77 window.
        remote_max_window_bits: Base-2 logarithm of the peer's LZ77 window,
            8 to 15.
        local_max_window_bits: Base-2 logarithm of this endpoint's LZ77
            window, 8 to 15.
        compress_settings: Extra keyword arguments for
            :func:`zlib.compressobj`, for example ``{"memLevel": 5}``;
            ``wbits`` isn't allowed.
        compress_threshold: Messages shorter than this, in bytes, are sent
            uncompressed; 0 compresses every message. Fragmented messages
            are always compressed, as their size isn't known upfront.

    Raises:
        ValueError: If a parameter is out of range.

    """

    name = ExtensionName("permessage-deflate")

    def __init__(
        self,
        remote_no_context_takeover: bool,
        local_no_context_takeover: bool,
        remote_max_window_bits: int,
        local_max_window_bits: int,
        compress_settings: dict[Any, Any] | None = None,
        compress_threshold: int = DEFAULT_COMPRESS_THRESHOLD,
    ) -> None:
        if not 8 <= remote_max_window_bits <= 15:
            raise ValueError(f"remote_max_window_bits must be 8-15, got {remote_max_window_bits}")
        if not 8 <= local_max_window_bits <= 15:
            raise ValueError(f"local_max_window_bits must be 8-15, got {local_max_window_bits}")
        if compress_settings is None:
            compress_settings = {}
        if "wbits" in compress_settings:
            raise ValueError("compress_settings must not include wbits")
        if compress_threshold < 0:
            raise ValueError(f"compress_threshold must be >= 0, got {compress_threshold}")

        self.remote_no_context_takeover = remote_no_context_takeover
        self.local_no_context_takeover = local_no_context_takeover
        self.remote_max_window_bits = remote_max_window_bits
        self.local_max_window_bits = local_max_window_bits
        self.compress_settings = compress_settings
        self.compress_threshold = compress_threshold

        # Allocated on first use; released after each message without
        # context takeover (see the module's documentation).
        self.decoder: Any = None  # zlib._Decompress, not exposed by typeshed
        self.encoder: Any = None  # zlib._Compress

        # Whether the message being received / sent is compressed, once its
        # first frame was processed and until its last frame is.
        self.decode_cont_data = False
        self.encode_cont_data = False

        self._skip_next_message = False

    def __repr__(self) -> str:
        return (
            f"PerMessageDeflate("
            f"remote_no_context_takeover={self.remote_no_context_takeover}, "
            f"local_no_context_takeover={self.local_no_context_takeover}, "
            f"remote_max_window_bits={self.remote_max_window_bits}, "
            f"local_max_window_bits={self.local_max_window_bits})"
        )

    def skip_next_message(self) -> None:
        """Send the next message uncompressed, whatever its size.

        The I/O layers call this for ``send(..., compress=False)``.

        """
        self._skip_next_message = True

    def decode(self, frame: Frame, *, max_size: int | None = None) -> Frame:
        """Decompress an incoming frame.

        Decompression stops as soon as the output exceeds ``max_size``: a
        small compressed frame can't make the connection hold a large
        decompressed payload ("zip bomb").

        Raises:
            ProtocolError: If RSV1 is set on a continuation frame
                (:rfc:`7692#section-6.1`) or the payload isn't valid
                deflate data.
            PayloadTooBig: If the decompressed payload exceeds ``max_size``.

        """
        # RFC 7692 6.1: control frames aren't compressed.
        if frame.opcode >= 0x8:
            return frame

        if frame.opcode is OP_CONT:
            if frame.rsv1:
                raise ProtocolError("RSV1 set on a continuation frame")
            if not self.decode_cont_data:
                return frame
            if frame.fin:
                self.decode_cont_data = False
        else:
            # RSV1 on the first frame of a message means it's compressed.
            if not frame.rsv1:
                return frame
            if not frame.fin:
                self.decode_cont_data = True
            # A fresh window for each message without context takeover.
            if self.remote_no_context_takeover or self.decoder is None:
                self.decoder = zlib.decompressobj(
                    wbits=_zlib_window_bits(self.remote_max_window_bits)
                )
        if self.decoder is None:  # pragma: no cover
            raise AssertionError("decoder must exist within a compressed message")

        data = bytes(frame.data)
        if frame.fin:
            data += _EMPTY_UNCOMPRESSED_BLOCK
        # Bound the output: one byte over the limit is enough to tell.
        max_length = 0 if max_size is None else max_size + 1
        try:
            data = self.decoder.decompress(data, max_length)
        except zlib.error as exc:
            raise ProtocolError(f"decompression failed: {exc}") from exc
        if max_size is not None and len(data) > max_size:
            raise PayloadTooBig(None, max_size)

        if frame.fin and (self.remote_no_context_takeover or self.decoder.eof):
            # Release the decompressor: the next message starts afresh,
            # either by agreement or because the peer ended the stream with
            # a final block (RFC 7692 7.2.3.4).
            self.decoder = None

        return Frame(frame.opcode, data, frame.fin, False, frame.rsv2, frame.rsv3)

    def encode(self, frame: Frame) -> Frame:
        """Compress an outgoing frame."""
        # RFC 7692 6.1: control frames aren't compressed.
        if frame.opcode >= 0x8:
            return frame

        if frame.opcode is OP_CONT:
            if not self.encode_cont_data:
                return frame
            if frame.fin:
                self.encode_cont_data = False
            rsv1 = False  # RSV1 is set on the first frame only
        else:
            skip = self._skip_next_message
            self._skip_next_message = False
            if skip or (frame.fin and len(frame.data) < self.compress_threshold):
                return frame
            if not frame.fin:
                self.encode_cont_data = True
            if self.local_no_context_takeover or self.encoder is None:
                self.encoder = zlib.compressobj(
                    wbits=_zlib_window_bits(self.local_max_window_bits),
                    **self.compress_settings,
                )
            rsv1 = True

        data = self.encoder.compress(frame.data) + self.encoder.flush(zlib.Z_SYNC_FLUSH)
        if frame.fin:
            # RFC 7692 7.2.1: remove the tail that Z_SYNC_FLUSH always ends with.
            data = data[:-4]
            if self.local_no_context_takeover:
                self.encoder = None

        return Frame(frame.opcode, data, frame.fin, rsv1, frame.rsv2, frame.rsv3)


def _build_parameters(
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    server_max_window_bits: int | None,
    client_max_window_bits: int | Literal[True] | None,
) -> list[ExtensionParameter]:
    """Build the parameters of an offer or of a response."""
    params: list[ExtensionParameter] = []
    if server_no_context_takeover:
        params.append(("server_no_context_takeover", None))
    if client_no_context_takeover:
        params.append(("client_no_context_takeover", None))
    if server_max_window_bits:
        params.append(("server_max_window_bits", str(server_max_window_bits)))
    if client_max_window_bits is True:  # only in an offer
        params.append(("client_max_window_bits", None))
    elif client_max_window_bits:
        params.append(("client_max_window_bits", str(client_max_window_bits)))
    return params


def _extract_parameters(
    params: Sequence[ExtensionParameter], *, is_server: bool
) -> tuple[bool, bool, int | None, int | Literal[True] | None]:
    """Extract the parameters of an offer or of a response.

    Raises:
        DuplicateParameter: If a parameter is repeated.
        InvalidParameterName: If a parameter is unknown.
        InvalidParameterValue: If a value is missing, extra or out of range
            (:rfc:`7692#section-7.1`).

    """
    server_no_context_takeover = False
    client_no_context_takeover = False
    server_max_window_bits: int | None = None
    client_max_window_bits: int | Literal[True] | None = None
    seen: set[str] = set()

    for name, value in params:
        if name in seen:
            raise DuplicateParameter(name)
        seen.add(name)

        if name == "server_no_context_takeover":
            if value is not None:
                raise InvalidParameterValue(name, value)
            server_no_context_takeover = True

        elif name == "client_no_context_takeover":
            if value is not None:
                raise InvalidParameterValue(name, value)
            client_no_context_takeover = True

        elif name == "server_max_window_bits":
            if value not in _MAX_WINDOW_BITS_VALUES:
                raise InvalidParameterValue(name, value)
            server_max_window_bits = int(value)

        elif name == "client_max_window_bits":
            if is_server and value is None:
                # 7.1.2.2: in an offer, the value is optional.
                client_max_window_bits = True
            elif value not in _MAX_WINDOW_BITS_VALUES:
                raise InvalidParameterValue(name, value)
            else:
                client_max_window_bits = int(value)

        else:
            raise InvalidParameterName(name)

    return (
        server_no_context_takeover,
        client_no_context_takeover,
        server_max_window_bits,
        client_max_window_bits,
    )


def _check_settings(
    server_max_window_bits: int | None,
    client_max_window_bits: int | bool | None,
    compress_settings: dict[str, Any] | None,
    compress_threshold: int,
) -> None:
    if not (server_max_window_bits is None or 8 <= server_max_window_bits <= 15):
        raise ValueError("server_max_window_bits must be between 8 and 15")
    if not (
        client_max_window_bits is None
        or client_max_window_bits is True
        or (not isinstance(client_max_window_bits, bool) and 8 <= client_max_window_bits <= 15)
    ):
        raise ValueError("client_max_window_bits must be between 8 and 15")
    if compress_settings is not None and "wbits" in compress_settings:
        raise ValueError(
            "compress_settings must not include wbits, set client_max_window_bits "
            "or server_max_window_bits instead"
        )
    if compress_threshold < 0:
        raise ValueError(f"compress_threshold must be >= 0, got {compress_threshold}")


class ClientPerMessageDeflateFactory(ClientExtensionFactory):
    """Client-side factory for the Per-Message Deflate extension.

    Parameters behave as described in :rfc:`7692#section-7.1`: set them to
    request them from the server.

    Args:
        server_no_context_takeover: Ask the server to compress each message
            with a fresh window.
        client_no_context_takeover: Compress each message with a fresh
            window (and tell the server).
        server_max_window_bits: Ask the server to use at most this many
            window bits, 8 to 15; :obj:`None` leaves it to the server.
        client_max_window_bits: Window bits for compressing, 8 to 15;
            :obj:`True` (the default) lets the server choose;
            :obj:`None` doesn't offer the parameter, so the client uses 15.
        compress_settings: Extra keyword arguments for
            :func:`zlib.compressobj`, excluding ``wbits``.
        compress_threshold: Messages shorter than this, in bytes, are sent
            uncompressed; 32 by default; 0 compresses every message.

    Raises:
        ValueError: If a parameter is out of range.

    """

    name = ExtensionName("permessage-deflate")

    def __init__(
        self,
        server_no_context_takeover: bool = False,
        client_no_context_takeover: bool = False,
        server_max_window_bits: int | None = None,
        client_max_window_bits: int | Literal[True] | None = True,
        compress_settings: dict[str, Any] | None = None,
        compress_threshold: int = DEFAULT_COMPRESS_THRESHOLD,
    ) -> None:
        _check_settings(
            server_max_window_bits, client_max_window_bits, compress_settings, compress_threshold
        )
        self.server_no_context_takeover = server_no_context_takeover
        self.client_no_context_takeover = client_no_context_takeover
        self.server_max_window_bits = server_max_window_bits
        self.client_max_window_bits = client_max_window_bits
        self.compress_settings = compress_settings
        self.compress_threshold = compress_threshold

    def get_request_params(self) -> Sequence[ExtensionParameter]:
        """Build the parameters of the offer."""
        return _build_parameters(
            self.server_no_context_takeover,
            self.client_no_context_takeover,
            self.server_max_window_bits,
            self.client_max_window_bits,
        )

    def process_response_params(
        self,
        params: Sequence[ExtensionParameter],
        accepted_extensions: Sequence[Extension],
    ) -> PerMessageDeflate:
        """Check the server's response against the offer (:rfc:`7692#section-7.1`).

        Raises:
            NegotiationError: If the response doesn't match the offer.

        """
        if any(other.name == self.name for other in accepted_extensions):
            raise NegotiationError(f"received duplicate {self.name}")

        (
            server_no_context_takeover,
            client_no_context_takeover,
            server_max_window_bits,
            client_max_window_bits,
        ) = _extract_parameters(params, is_server=False)

        # 7.1.1.1: the server must agree if asked not to take over context;
        # it may also decide to on its own.
        if self.server_no_context_takeover and not server_no_context_takeover:
            raise NegotiationError("expected server_no_context_takeover")

        # 7.1.1.2: the server may ask the client not to take over context; a
        # client that offered it keeps its word even if the response omits it.
        if self.client_no_context_takeover:
            client_no_context_takeover = True

        # 7.1.2.1: the server must use at most the window requested.
        if self.server_max_window_bits is not None:
            if server_max_window_bits is None:
                raise NegotiationError("expected server_max_window_bits")
            if server_max_window_bits > self.server_max_window_bits:
                raise NegotiationError("unsupported server_max_window_bits")

        # 7.1.2.2: the server may only limit the client's window if offered.
        if self.client_max_window_bits is None:
            if client_max_window_bits is not None:
                raise NegotiationError("unexpected client_max_window_bits")
        elif self.client_max_window_bits is not True:
            if client_max_window_bits is None:
                client_max_window_bits = self.client_max_window_bits
            elif client_max_window_bits > self.client_max_window_bits:
                raise NegotiationError("unsupported client_max_window_bits")
        assert client_max_window_bits is not True

        return PerMessageDeflate(
            server_no_context_takeover,  # remote_no_context_takeover
            client_no_context_takeover,  # local_no_context_takeover
            server_max_window_bits or 15,
            client_max_window_bits or 15,
            self.compress_settings,
            self.compress_threshold,
        )


def enable_client_permessage_deflate(
    extensions: Sequence[ClientExtensionFactory] | None,
) -> Sequence[ClientExtensionFactory]:
    """Add a client factory of permessage-deflate to ``extensions``, if missing.

    It uses settings that save memory at a small cost in compression ratio:
    12 window bits for the client's compressor and ``memLevel`` 5; the
    server chooses its own window within ``client_max_window_bits`` offered
    without a value.

    """
    if extensions is None:
        extensions = []
    if not any(factory.name == ClientPerMessageDeflateFactory.name for factory in extensions):
        extensions = [
            *extensions,
            ClientPerMessageDeflateFactory(
                client_max_window_bits=True,
                compress_settings={"memLevel": 5},
            ),
        ]
    return extensions


class ServerPerMessageDeflateFactory(ServerExtensionFactory):
    """Server-side factory for the Per-Message Deflate extension.

    Parameters behave as described in :rfc:`7692#section-7.1`: set them to
    require them from the client.

    Args:
        server_no_context_takeover: Compress each message with a fresh
            window.
        client_no_context_takeover: Require the client to compress each
            message with a fresh window.
        server_max_window_bits: Window bits for compressing, 8 to 15;
            :obj:`None` uses what the client asks for, else 15.
        client_max_window_bits: Limit the client's window to this many
            bits, 8 to 15, when the client supports it; :obj:`None` doesn't.
        compress_settings: Extra keyword arguments for
            :func:`zlib.compressobj`, excluding ``wbits``.
        require_client_max_window_bits: Decline offers from clients that
            can't limit their window (they don't send
            ``client_max_window_bits``); requires ``client_max_window_bits``.
        compress_threshold: Messages shorter than this, in bytes, are sent
            uncompressed; 32 by default; 0 compresses every message.

    Raises:
        ValueError: If a parameter is out of range or inconsistent.

    """

    name = ExtensionName("permessage-deflate")

    def __init__(
        self,
        server_no_context_takeover: bool = False,
        client_no_context_takeover: bool = False,
        server_max_window_bits: int | None = None,
        client_max_window_bits: int | None = None,
        compress_settings: dict[str, Any] | None = None,
        require_client_max_window_bits: bool = False,
        compress_threshold: int = DEFAULT_COMPRESS_THRESHOLD,
    ) -> None:
        _check_settings(
            server_max_window_bits, client_max_window_bits, compress_settings, compress_threshold
        )
        if client_max_window_bits is True:
            raise ValueError("client_max_window_bits must be between 8 and 15")
        if require_client_max_window_bits and client_max_window_bits is None:
            raise ValueError("require_client_max_window_bits requires client_max_window_bits")
        self.server_no_context_takeover = server_no_context_takeover
        self.client_no_context_takeover = client_no_context_takeover
        self.server_max_window_bits = server_max_window_bits
        self.client_max_window_bits = client_max_window_bits
        self.compress_settings = compress_settings
        self.require_client_max_window_bits = require_client_max_window_bits
        self.compress_threshold = compress_threshold

    def process_request_params(
        self,
        params: Sequence[ExtensionParameter],
        accepted_extensions: Sequence[Extension],
    ) -> tuple[list[ExtensionParameter], PerMessageDeflate]:
        """Accept or decline an offer (:rfc:`7692#section-7.1`).

        Raises:
            NegotiationError: To decline the offer; the server then tries the
                client's next offer, if any.

        """
        if any(other.name == self.name for other in accepted_extensions):
            raise NegotiationError(f"skipped duplicate {self.name}")

        (
            server_no_context_takeover,
            client_no_context_takeover,
            server_max_window_bits,
            client_max_window_bits,
        ) = _extract_parameters(params, is_server=True)

        # 7.1.1.1: honour the client's request; add it if configured.
        if self.server_no_context_takeover:
            server_no_context_takeover = True

        # 7.1.1.2: always acceptable; require it if configured.
        if self.client_no_context_takeover:
            client_no_context_takeover = True

        # 7.1.2.1: use at most what the client asks for and what we allow.
        if self.server_max_window_bits is not None:
            if (
                server_max_window_bits is None
                or server_max_window_bits > self.server_max_window_bits
            ):
                server_max_window_bits = self.server_max_window_bits

        # 7.1.2.2: limit the client's window only if it supports it.
        if self.client_max_window_bits is None:
            if client_max_window_bits is True:
                client_max_window_bits = None
        elif client_max_window_bits is None:
            if self.require_client_max_window_bits:
                raise NegotiationError("required client_max_window_bits")
        elif client_max_window_bits is True or client_max_window_bits > self.client_max_window_bits:
            client_max_window_bits = self.client_max_window_bits
        assert client_max_window_bits is not True

        return (
            _build_parameters(
                server_no_context_takeover,
                client_no_context_takeover,
                server_max_window_bits,
                client_max_window_bits,
            ),
            PerMessageDeflate(
                client_no_context_takeover,  # remote_no_context_takeover
                server_no_context_takeover,  # local_no_context_takeover
                client_max_window_bits or 15,
                server_max_window_bits or 15,
                self.compress_settings,
                self.compress_threshold,
            ),
        )


def enable_server_permessage_deflate(
    extensions: Sequence[ServerExtensionFactory] | None,
) -> Sequence[ServerExtensionFactory]:
    """Add a server factory of permessage-deflate to ``extensions``, if missing.

    It uses settings that save memory at a small cost in compression ratio:
    12 window bits in both directions, when the client supports limiting its
    window, and ``memLevel`` 5.

    """
    if extensions is None:
        extensions = []
    if not any(factory.name == ServerPerMessageDeflateFactory.name for factory in extensions):
        extensions = [
            *extensions,
            ServerPerMessageDeflateFactory(
                server_max_window_bits=12,
                client_max_window_bits=12,
                compress_settings={"memLevel": 5},
            ),
        ]
    return extensions
