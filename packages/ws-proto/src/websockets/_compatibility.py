"""Helpers that smooth over differences between Python versions, for every I/O layer.

:exc:`ExceptionGroup` is built in since Python 3.11. On Python 3.10, this
module provides a minimal stand-in, so that ``broadcast(...,
raise_exceptions=True)`` raises the same kind of exception everywhere.

"""

from __future__ import annotations

import builtins
import sys
from collections.abc import Sequence

__all__ = ["ExceptionGroup"]


if sys.version_info >= (3, 11):
    ExceptionGroup = builtins.ExceptionGroup

else:  # pragma: no cover

    class ExceptionGroup(Exception):
        """Stand-in for :pep:`654` exception groups on Python 3.10.

        Args:
            message: Description of the group.
            exceptions: Exceptions in the group.

        """

        def __init__(self, message: str, exceptions: Sequence[Exception]) -> None:
            super().__init__(message, exceptions)
            self.message = message
            self.exceptions = tuple(exceptions)
