"""Type aliases shared by the public API."""

from __future__ import annotations

import http
import logging
import os
from typing import Any, NewType, Union

# BytesLike, DataLike, PathLike, ConnectionOption and UpgradeProtocol are
# public but, as upstream, not in __all__.
__all__ = [
    "Data",
    "ExtensionName",
    "ExtensionParameter",
    "LoggerLike",
    "Origin",
    "StatusLike",
    "Subprotocol",
]


Data = Union[str, bytes]
"""Types of messages received: :class:`str` for a Text frame, :class:`bytes`
for a Binary frame."""

BytesLike = Union[bytes, bytearray, memoryview]
"""Types accepted where :class:`bytes` is expected."""

DataLike = Union[str, bytes, bytearray, memoryview]
"""Types accepted where :data:`Data` is expected."""

LoggerLike = Union[logging.Logger, "logging.LoggerAdapter[Any]"]
"""Types accepted where a :class:`~logging.Logger` is expected."""

StatusLike = Union[http.HTTPStatus, int]
"""Types accepted where an :class:`~http.HTTPStatus` is expected."""

Origin = NewType("Origin", str)
"""Value of an ``Origin`` header (:rfc:`6454`)."""

Subprotocol = NewType("Subprotocol", str)
"""Subprotocol in a ``Sec-WebSocket-Protocol`` header (:rfc:`6455#section-11.3.4`)."""

ConnectionOption = NewType("ConnectionOption", str)
"""Connection option in a ``Connection`` header (:rfc:`9110#section-7.6.1`)."""

UpgradeProtocol = NewType("UpgradeProtocol", str)
"""Protocol in an ``Upgrade`` header (:rfc:`9110#section-7.8`)."""

ExtensionName = NewType("ExtensionName", str)
"""Name of a WebSocket extension (:rfc:`6455#section-9.1`)."""

PathLike = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]
"""Types accepted for the path of a Unix socket."""

ExtensionParameter = tuple[str, Union[str, None]]
"""Parameter of a WebSocket extension: a name and a value, or :obj:`None` for
a parameter without a value."""
