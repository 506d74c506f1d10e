"""Options of clients and servers that every I/O layer interprets the same way.

The I/O layers take these options from the application and pass them on; the
rules for reading them live here, once, so that ``max_queue=16`` means the
same thing whichever I/O layer receives it.

"""

from __future__ import annotations

__all__ = ["queue_limits"]


def queue_limits(
    max_queue: int | None | tuple[int | None, int | None],
) -> tuple[int | None, int | None]:
    """Turn the ``max_queue`` option into high-water and low-water marks.

    ``max_queue`` bounds how many received frames wait for the application.
    Above the high-water mark, the connection stops reading from the network;
    once the queue shrinks to the low-water mark, it reads again. This is
    flow control: the peer is slowed down by TCP instead of filling memory.

    * An :class:`int` is the high-water mark; the low-water mark is a quarter
      of it, rounded down.
    * A ``(high, low)`` tuple gives both marks. When only one of them is
      given, the other one is derived from it: ``low = high // 4`` or ``high
      = low * 4``.
    * :obj:`None`, or ``(None, None)``, disables flow control: the queue has
      no limit.

    Args:
        max_queue: Value of the option, as given by the application.

    Returns:
        ``(high, low)``, in frames; ``(None, None)`` when there's no limit.

    Raises:
        ValueError: If a mark is negative or if ``high`` is lower than
            ``low``. This is a bug in the calling code.

    """
    if isinstance(max_queue, tuple):
        high, low = max_queue
    else:
        high, low = max_queue, None
    if high is not None and low is None:
        low = high // 4
    elif high is None and low is not None:
        high = low * 4
    if high is not None and low is not None:
        if low < 0:
            raise ValueError(f"low must be positive or equal to zero, got {low}")
        if high < low:
            raise ValueError(f"high must be greater than or equal to low, got {high} < {low}")
    return high, low
