"""Deprecated alias of :mod:`websockets.protocol`.

This module was renamed to :mod:`websockets.protocol` and its ``Connection``
class to :class:`~websockets.protocol.Protocol`. Importing it emits a
:exc:`DeprecationWarning`.

"""

from __future__ import annotations

import warnings

from .protocol import SEND_EOF, Side, State
from .protocol import Protocol as Connection

__all__ = ["SEND_EOF", "Connection", "Side", "State"]

warnings.warn(
    "websockets.connection was renamed to websockets.protocol "
    "and Connection was renamed to Protocol",
    DeprecationWarning,
    # Attributed to this module, like upstream: above it, there's only the
    # import machinery.
    stacklevel=1,
)
