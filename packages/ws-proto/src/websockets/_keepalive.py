"""When to send keepalive pings and when a missing pong fails the connection.

Every I/O layer keeps connections alive the same way: a ping every
``ping_interval`` seconds and, when ``ping_timeout`` isn't :obj:`None`, a
failure of the connection with close code 1011 if the matching pong doesn't
arrive within ``ping_timeout`` seconds.

:class:`Keepalive` holds that schedule without a clock: the I/O layer reads
the time, passes it in, and asks what to do. It's a small state machine:

* *waiting*: the next ping is due at ``next_ping``;
* *pinging*: a keepalive ping was sent at ``ping_sent_at`` and its pong is due
  by ``pong_deadline``; the next ping waits for the pong, so that there's at
  most one keepalive ping in flight;
* *stopped*: keepalive is off, because ``ping_interval`` is :obj:`None` or the
  connection failed the pong deadline.

Pings stay ``ping_interval`` apart, whatever the latency: when the pong comes
back after ``t`` seconds, the next ping follows ``ping_interval - t`` seconds
later, or immediately if the pong took longer than ``ping_interval``. Without
``ping_timeout``, pongs aren't awaited: pings go out every ``ping_interval``
seconds.

While the I/O layer doesn't read, because the application is slow to take
messages, a pong can't be seen: the I/O layer shouldn't :meth:`poll` then,
and when it reads again, :meth:`reading_resumed` gives the pong a full
``ping_timeout`` from then on. A slow application mustn't make a healthy
connection fail.

"""

from __future__ import annotations

import enum

__all__ = ["Keepalive", "KeepaliveAction"]


class KeepaliveAction(enum.Enum):
    """What :meth:`Keepalive.poll` asks the I/O layer to do."""

    SEND_PING = enum.auto()
    """Send a ping now, then call :meth:`Keepalive.ping_sent`."""

    FAIL = enum.auto()
    """The pong didn't arrive in time: fail the connection with close code 1011."""


class Keepalive:
    """Schedule of keepalive pings for one connection.

    Times are in seconds, read from a monotonic clock of the I/O layer's
    choosing, e.g. :func:`time.monotonic` or :meth:`asyncio.loop.time`.

    Args:
        ping_interval: Delay between two pings, in seconds; :obj:`None`
            disables keepalive.
        ping_timeout: How long to wait for a pong, in seconds; :obj:`None`
            waits forever.
        now: Time when the connection opened.

    """

    # One per connection: keep it small.
    __slots__ = ("next_ping", "ping_interval", "ping_sent_at", "ping_timeout", "pong_deadline")

    def __init__(self, ping_interval: float | None, ping_timeout: float | None, now: float) -> None:
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.next_ping: float | None = None if ping_interval is None else now + ping_interval
        """When the next ping is due; :obj:`None` when none is scheduled."""
        self.ping_sent_at: float | None = None
        """When the ping waiting for its pong was sent, if any."""
        self.pong_deadline: float | None = None
        """When the pong of that ping is due, if it's awaited."""

    @property
    def deadline(self) -> float | None:
        """When :meth:`poll` next has something to do; :obj:`None` for never.

        The I/O layer sleeps until then, unless something else wakes it up.

        """
        if self.pong_deadline is not None:
            return self.pong_deadline
        return self.next_ping

    def poll(self, now: float) -> KeepaliveAction | None:
        """Tell what to do at time ``now``, if anything.

        Call it when :attr:`deadline` is reached, or at any time: it returns
        :obj:`None` when nothing is due.

        """
        if self.pong_deadline is not None:
            if now >= self.pong_deadline:
                # Stop: the connection fails; there's nothing left to schedule.
                self.next_ping = self.ping_sent_at = self.pong_deadline = None
                return KeepaliveAction.FAIL
            return None
        if self.next_ping is not None and now >= self.next_ping:
            return KeepaliveAction.SEND_PING
        return None

    def ping_sent(self, now: float) -> None:
        """Record that the I/O layer sent the keepalive ping at ``now``."""
        assert self.ping_interval is not None, "keepalive is disabled"
        if self.ping_timeout is None:
            # Don't wait for the pong: schedule the next ping right away.
            self.next_ping = now + self.ping_interval
        else:
            self.ping_sent_at = now
            self.pong_deadline = now + self.ping_timeout
            self.next_ping = None

    def reading_resumed(self, now: float) -> None:
        """Record that the I/O layer read again at ``now``, after a pause.

        A pong that arrived while reading was paused couldn't be seen; the
        pause doesn't count against ``ping_timeout``: the pong of the ping in
        flight, if any, is due ``ping_timeout`` seconds after ``now``.

        """
        if self.pong_deadline is not None:
            assert self.ping_timeout is not None, "pongs aren't awaited"
            self.pong_deadline = now + self.ping_timeout

    def pong_received(self, now: float) -> None:
        """Record that the pong of the keepalive ping arrived at ``now``.

        A pong that acknowledges a later ping counts too: pongs acknowledge
        every ping sent before the one they answer.

        """
        if self.ping_sent_at is None:
            return
        assert self.ping_interval is not None, "keepalive is disabled"
        self.next_ping = max(now, self.ping_sent_at + self.ping_interval)
        self.ping_sent_at = self.pong_deadline = None
