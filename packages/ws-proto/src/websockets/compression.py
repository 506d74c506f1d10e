"""The ``compression`` option of clients and servers, shared by the I/O layers.

``compression="deflate"`` negotiates permessage-deflate (:rfc:`7692`), which
the ``ws-deflate`` distribution provides; ``compression=None`` negotiates no
compression. The default is :data:`DEFAULT_COMPRESSION`: it reads
``"deflate"``, but when ``ws-deflate`` isn't installed it quietly negotiates
nothing, while an explicit ``"deflate"`` raises :exc:`ImportError` naming the
distribution to install.

"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from .extensions import ClientExtensionFactory, ServerExtensionFactory

__all__ = ["DEFAULT_COMPRESSION", "client_extensions", "server_extensions"]


class _DefaultCompression(str):
    """``"deflate"``, as the default rather than as the caller's choice."""

    __slots__ = ()


DEFAULT_COMPRESSION: Final[str] = _DefaultCompression("deflate")
"""Default value of ``compression``: equal to ``"deflate"``, and identified
by identity to fall back to no compression when ``ws-deflate`` is missing."""

_MODULE = "websockets.extensions.permessage_deflate"


def _load(compression: str | None) -> object | None:
    """Import permessage_deflate for ``compression``; :obj:`None` to skip it.

    Raises:
        ImportError: If ``compression="deflate"`` was given explicitly and
            ``ws-deflate`` isn't installed.
        ValueError: If ``compression`` isn't ``"deflate"`` or :obj:`None`.

    """
    if compression is None:
        return None
    if compression != "deflate":
        raise ValueError(f"unsupported compression: {compression}")
    try:
        import websockets.extensions.permessage_deflate as module
    except ModuleNotFoundError as exc:
        if exc.name != _MODULE:
            raise
        if compression is DEFAULT_COMPRESSION:
            return None
        from . import _requires

        raise ImportError(
            _requires("compression='deflate'", ("ws-deflate",)), name=_MODULE
        ) from exc
    return module


def client_extensions(
    compression: str | None,
    extensions: Sequence[ClientExtensionFactory] | None,
) -> Sequence[ClientExtensionFactory] | None:
    """Add the client's permessage-deflate factory to ``extensions`` if needed.

    Args:
        compression: ``"deflate"``, :data:`DEFAULT_COMPRESSION` or :obj:`None`.
        extensions: Extension factories given by the caller, if any.

    Returns:
        Extension factories to pass to
        :class:`~websockets.client.ClientProtocol`.

    Raises:
        ImportError: If ``compression="deflate"`` was given explicitly and
            ``ws-deflate`` isn't installed.
        ValueError: If ``compression`` isn't supported.

    """
    module = _load(compression)
    if module is None:
        return extensions
    return module.enable_client_permessage_deflate(extensions)  # type: ignore[attr-defined, no-any-return]


def server_extensions(
    compression: str | None,
    extensions: Sequence[ServerExtensionFactory] | None,
) -> Sequence[ServerExtensionFactory] | None:
    """Add the server's permessage-deflate factory to ``extensions`` if needed.

    Args:
        compression: ``"deflate"``, :data:`DEFAULT_COMPRESSION` or :obj:`None`.
        extensions: Extension factories given by the caller, if any.

    Returns:
        Extension factories to pass to
        :class:`~websockets.server.ServerProtocol`.

    Raises:
        ImportError: If ``compression="deflate"`` was given explicitly and
            ``ws-deflate`` isn't installed.
        ValueError: If ``compression`` isn't supported.

    """
    module = _load(compression)
    if module is None:
        return extensions
    return module.enable_server_permessage_deflate(extensions)  # type: ignore[attr-defined, no-any-return]
