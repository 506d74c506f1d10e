"""Helpers for the threading implementation: deadlines."""

from __future__ import annotations

import time

__all__ = ["Deadline"]


class Deadline:
    """Point in time by which an operation must complete.

    Blocking calls take timeouts; an operation made of several blocking calls,
    such as opening a connection (TCP, TLS, then the opening handshake), gives
    each of them what's left of its overall budget with :meth:`timeout`.

    Args:
        timeout: Time available, in seconds; :obj:`None` for no deadline.

    """

    def __init__(self, timeout: float | None) -> None:
        self.deadline: float | None
        """Time of the deadline on :func:`time.monotonic`'s clock; :obj:`None`
        when there's none."""
        if timeout is None:
            self.deadline = None
        else:
            self.deadline = time.monotonic() + timeout

    def timeout(self, *, raise_if_elapsed: bool = True) -> float | None:
        """Return the time left, in seconds; :obj:`None` without a deadline.

        Once the deadline is reached, the time left is zero or negative: it
        tells how long ago the deadline passed. Callers that hand it to an API
        that rejects negative timeouts, such as :meth:`socket.socket.settimeout`,
        must check it first.

        Args:
            raise_if_elapsed: Whether to raise :exc:`TimeoutError` when the
                deadline is reached; otherwise, return the time left, zero or
                negative.

        Raises:
            TimeoutError: If the deadline is reached and ``raise_if_elapsed``
                is :obj:`True`.

        """
        if self.deadline is None:
            return None
        timeout = self.deadline - time.monotonic()
        if raise_if_elapsed and timeout <= 0:
            raise TimeoutError("timed out")
        return timeout
