"""One thread that reads from every plain socket, and a gate on the wake-ups it causes.

Why not one reading thread per connection
=========================================

CPython runs one thread at a time. A thread that wants to run while another
one holds the GIL waits for it with a timeout, the switch interval (5 ms by
default), and when that timeout expires it forces the running thread to hand
the GIL over. With a reading thread per connection, every message wakes two
threads: the reading thread, then the application's thread that waits in
:meth:`~websockets.sync.connection.Connection.recv`. With many busy
connections, hundreds of threads wait for the GIL at once; their timeouts
expire every few microseconds, the GIL changes hands at nearly every
bytecode, and the process spends its time in the kernel switching threads
rather than running Python: a server with 1,000 busy connections handled
fewer messages per second than one with a single connection.

So two things change, for connections on plain sockets:

* :class:`Hub`: one thread, shared by every such server connection of the process,
  waits for their sockets with epoll (:mod:`selectors` elsewhere), reads without blocking
  (``MSG_DONTWAIT``: the sockets stay in blocking mode for the application's
  threads), feeds the protocols and runs keepalive. It's the reading thread
  of each of these connections: the theory of operation of
  :mod:`websockets.sync.connection` holds, with "the reading thread" meaning
  this one. TLS connections keep a reading thread each: reading TLS records
  can't be done without blocking on a blocking socket.
* :class:`WakeGate`: the hub doesn't wake every application thread that a new
  message concerns at once. It lets a few of them run; each one, when it
  comes back to wait for its next message, wakes the next one in line. So
  only a handful of threads ever wait for the GIL, and the process spends its
  time running Python.

Only the hub's thread touches its selector. Other threads that need a
connection's registration to change (reading paused or resumed by
``max_queue``, the closing handshake, an abort) queue a request and wake the
hub up through a socket pair.

"""

from __future__ import annotations

import collections
import contextlib
import heapq
import itertools
import logging
import os
import select
import selectors
import socket
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .connection import Connection

__all__ = ["Hub", "WakeGate", "get_hub"]


class WakeGate:
    """Limit how many threads woken by new messages compete for the GIL.

    An application thread is *admitted* when it's woken because a message
    arrived for it, and *leaves* when it comes back to wait for the next
    message (or when its connection closes). At most ``limit`` admitted
    threads run at once; the others wait in line, blocked on their own lock,
    which costs nothing, until a thread leaves.

    A thread that doesn't come back, because the application blocks on
    something else or doesn't read any more, must not hold its place
    forever: an admission counts for ``expiry`` seconds at most. So the gate
    never stops the process; at worst, it lets a thread in line wait
    ``expiry`` seconds longer.

    Args:
        limit: How many admitted threads may run at once.
        expiry: How long an admission counts, in seconds.

    """

    def __init__(self, limit: int, expiry: float) -> None:
        self.limit = limit
        self.expiry = expiry
        self.bypass = False
        """Whether readers are woken up at once, without admissions.

        The hub sets it while it reads from no more connections than
        ``limit``: with a reader each, they couldn't fill the gate anyway, and
        admissions would only cost time. When it's cleared, readers woken up
        meanwhile may run on top of ``limit`` until they come back.

        """
        self._lock = threading.Lock()
        # Admissions that count, oldest first: [time admitted, still counts].
        # An admission that ends is marked and dropped when it reaches the
        # front, which keeps every operation O(1).
        self._admitted: collections.deque[list[float | bool]] = collections.deque()
        self._count = 0
        # Callbacks that wake up a waiting thread, in line. Each one takes
        # the admission it's given and returns whether it woke a thread up.
        self._line: collections.deque[Callable[[list[float | bool]], bool]] = collections.deque()

    def admit(self, wake: Callable[[list[float | bool]], bool]) -> list[float | bool] | None:
        """Admit a thread now, or put it in line.

        Args:
            wake: Called later, without any lock held, with the admission,
                when the thread's turn comes. It returns whether it woke the
                thread up; if it didn't, the admission goes to the next one.

        Returns:
            The admission when the thread may run now: the caller wakes it up
            itself. :obj:`None` when it's in line.

        """
        with self._lock:
            if self._count < self.limit and not self._line:
                # There's room: no admission needs to expire.
                return self._admit(time.monotonic())
            now = time.monotonic()
            self._expire(now)
            if self._count < self.limit and not self._line:
                return self._admit(now)
            self._line.append(wake)
            return None

    def leave(self, admission: list[float | bool]) -> None:
        """End an admission, and let the next thread in line run."""
        self.end(admission)
        self.run()

    def end(self, admission: list[float | bool]) -> None:
        """End an admission. It's safe to call with an assembler's lock held."""
        with self._lock:
            if admission[1]:
                admission[1] = False
                self._count -= 1
                # Drop ended admissions at the front now: while there's room,
                # admit() doesn't call _expire(), which would.
                admitted = self._admitted
                while admitted and not admitted[0][1]:
                    admitted.popleft()

    def run(self) -> None:
        """Wake up threads in line while there's room, e.g. after admissions expired."""
        # Reading the line without the lock is a shortcut for the usual case.
        # Threads join the line only in the hub's thread, which calls run()
        # after each batch of reads: none is forgotten.
        if not self._line:
            return
        while True:
            with self._lock:
                now = time.monotonic()
                self._expire(now)
                if self._count >= self.limit or not self._line:
                    return
                wake = self._line.popleft()
                admission = self._admit(now)
            # Wake up without the gate's lock: the callback takes the lock of
            # an assembler, which holds it while it calls admit().
            if not wake(admission):
                # Nobody to wake up any more, e.g. the reader timed out: pass
                # the admission on. A loop, not leave(), which calls run():
                # many such entries in a row mustn't grow the stack.
                self.end(admission)

    def deadline(self) -> float | None:
        """When the oldest admission expires, if threads wait in line."""
        if not self._line:
            return None
        with self._lock:
            if not self._line or not self._admitted:
                return None
            return float(self._admitted[0][0]) + self.expiry

    def _admit(self, now: float) -> list[float | bool]:
        admission: list[float | bool] = [now, True]
        self._admitted.append(admission)
        self._count += 1
        return admission

    def _expire(self, now: float) -> None:
        admitted = self._admitted
        while admitted:
            oldest = admitted[0]
            if oldest[1]:
                if float(oldest[0]) + self.expiry > now:
                    return
                oldest[1] = False
                self._count -= 1
            admitted.popleft()


class Hub:
    """Read from many connections' sockets in one thread.

    Use the process's instance, from :func:`get_hub`.

    """

    def __init__(self) -> None:
        # epoll directly rather than through selectors, whose bookkeeping
        # (a SelectorKey and a tuple per event, a dict lookup per fd) was a
        # measurable share of the CPU time of a round trip on one connection.
        self._poller: _Poller = select.epoll() if hasattr(select, "epoll") else _SelectorPoller()
        # Connections by file descriptor of their registered socket.
        self._connections: dict[int, Connection] = {}
        # Other threads write a byte here to wake up the hub's thread.
        self._wakeup_reader, self._wakeup_writer = socket.socketpair()
        self._wakeup_reader.setblocking(False)
        self._wakeup_writer.setblocking(False)
        self._wakeup_fd = self._wakeup_reader.fileno()
        self._poller.register(self._wakeup_fd, select.POLLIN)
        self._lock = threading.Lock()
        # Connections whose registration must be brought up to date.
        self._requests: list[Connection] = []
        self._woken = False
        # Keepalive: (when, sequence number, connection). An entry is stale
        # when the connection's _keepalive_seq doesn't match any more.
        self._timers: list[tuple[float, int, Connection]] = []
        self._sequence = itertools.count()
        # Size of the heap of timers above which stale entries are dropped.
        self._compact_at = 64
        self.gate = WakeGate(limit=8, expiry=0.005)
        self.gate.bypass = True
        self.thread = threading.Thread(target=self._run, name="websockets hub", daemon=True)
        self.thread.start()

    def register(self, connection: Connection, fd: int) -> None:
        """Read from the connection's socket, whose descriptor is ``fd``; in the hub's thread."""
        self._poller.register(fd, select.POLLIN)
        self._connections[fd] = connection
        self.gate.bypass = len(self._connections) <= self.gate.limit

    def unregister(self, fd: int) -> None:
        """Stop reading from a socket registered with :meth:`register`; in the hub's thread."""
        del self._connections[fd]
        self.gate.bypass = len(self._connections) <= self.gate.limit
        # OSError: the socket was closed already, which unregistered it.
        with contextlib.suppress(OSError):
            self._poller.unregister(fd)

    def update(self, connection: Connection) -> None:
        """Bring the registration of a connection up to date, from any thread."""
        if threading.current_thread() is self.thread:
            connection._hub_update()
            return
        with self._lock:
            self._requests.append(connection)
            if self._woken:
                return
            self._woken = True
        # BlockingIOError: the hub has bytes to read already.
        with contextlib.suppress(BlockingIOError):
            self._wakeup_writer.send(b"\0")

    def schedule(self, connection: Connection, when: float) -> None:
        """Run the connection's keepalive at ``when``; call it in the hub's thread."""
        sequence = next(self._sequence)
        connection._keepalive_seq = sequence
        timers = self._timers
        heapq.heappush(timers, (when, sequence, connection))
        # Rescheduling leaves the previous entry in the heap until it's due,
        # e.g. each time max_queue pauses and resumes reading: drop entries
        # that don't count any more once the heap doubled since the last
        # time, which keeps it O(1) per call, amortized.
        if len(timers) > self._compact_at:
            timers[:] = [timer for timer in timers if timer[1] == timer[2]._keepalive_seq]
            heapq.heapify(timers)
            self._compact_at = 2 * len(timers) + 64

    def _run(self) -> None:
        poll = self._poller.poll
        connections = self._connections
        wakeup_fd = self._wakeup_fd
        timers = self._timers
        gate = self.gate
        while True:
            try:
                # What runs between waking up an application thread and
                # blocking in poll() delays that thread, which needs the GIL:
                # keep it short when nothing is due.
                timeout: float | None = None
                if timers:
                    timeout = timers[0][0] - time.monotonic()
                    if timeout <= 0:
                        self._run_timers()
                        timeout = self._timeout()
                if gate._line:
                    gate.run()
                    timeout = self._timeout()
                for fd, _ in poll(timeout):
                    if fd == wakeup_fd:
                        self._take_requests()
                    else:
                        connection = connections.get(fd)
                        # None: unregistered by an earlier event of this batch.
                        if connection is not None:
                            connection._hub_read()
            except Exception:  # pragma: no cover
                # A bug; don't let it stop every connection of the process.
                logging.getLogger("websockets").error("error in the hub", exc_info=True)

    def _take_requests(self) -> None:
        with contextlib.suppress(BlockingIOError):
            while self._wakeup_reader.recv(4096):  # pragma: no branch
                pass
        with self._lock:
            requests, self._requests = self._requests, []
            self._woken = False
        for connection in requests:
            connection._hub_update()

    def _timeout(self) -> float | None:
        deadline = self.gate.deadline()
        if self._timers:
            when = self._timers[0][0]
            deadline = when if deadline is None else min(deadline, when)
        if deadline is None:
            return None
        return max(0.0, deadline - time.monotonic())

    def _run_timers(self) -> None:
        timers = self._timers
        now = time.monotonic()
        while timers and timers[0][0] <= now:
            _, sequence, connection = heapq.heappop(timers)
            if sequence == connection._keepalive_seq:
                connection._hub_keepalive()


class _Poller(Protocol):
    """What the hub needs from :class:`select.epoll`."""

    def register(self, fd: int, eventmask: int, /) -> None: ...

    def unregister(self, fd: int, /) -> None: ...

    def poll(self, timeout: float | None, /) -> list[tuple[int, int]]: ...


class _SelectorPoller:  # pragma: no cover
    """:class:`_Poller` on systems without epoll, e.g. kqueue on macOS."""

    def __init__(self) -> None:
        self._selector = selectors.DefaultSelector()

    def register(self, fd: int, eventmask: int, /) -> None:
        self._selector.register(fd, selectors.EVENT_READ)

    def unregister(self, fd: int, /) -> None:
        self._selector.unregister(fd)

    def poll(self, timeout: float | None, /) -> list[tuple[int, int]]:
        return [(key.fd, events) for key, events in self._selector.select(timeout)]


_hub: Hub | None = None
_hub_lock = threading.Lock()


def get_hub() -> Hub:
    """Return the process's hub, starting it the first time."""
    global _hub
    hub = _hub
    if hub is None:
        with _hub_lock:
            if _hub is None:
                _hub = Hub()
            hub = _hub
    return hub


def _forget_hub() -> None:  # pragma: no cover
    # A child process doesn't have the parent's thread: it starts its own.
    global _hub
    _hub = None


if hasattr(os, "register_at_fork"):  # pragma: no branch
    os.register_at_fork(after_in_child=_forget_hub)
