"""Tests for websockets.sync._hub: the shared reading thread and its wake gate."""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time

import pytest

from websockets.extensions import Extension
from websockets.protocol import OPEN, SERVER, Protocol
from websockets.sync._hub import WakeGate, get_hub
from websockets.sync.client import connect
from websockets.sync.connection import Connection
from websockets.sync.server import ServerConnection

from .utils import (
    CLIENT_CONTEXT,
    JOIN_TIMEOUT,
    MS,
    SERVER_CONTEXT,
    get_uri,
    run_server,
    wait_until,
)


class Waker:
    """A gate callback that records its admissions."""

    def __init__(self, waiting: bool = True) -> None:
        self.waiting = waiting
        self.admissions: list[list[float | bool]] = []

    def __call__(self, admission: list[float | bool]) -> bool:
        if not self.waiting:
            return False
        self.admissions.append(admission)
        return True


# WakeGate


def test_gate_admits_up_to_limit() -> None:
    gate = WakeGate(limit=2, expiry=JOIN_TIMEOUT)
    first, second, third = Waker(), Waker(), Waker()
    assert gate.admit(first) is not None
    assert gate.admit(second) is not None
    assert gate.admit(third) is None
    assert third.admissions == []


def test_gate_leave_admits_next_in_line() -> None:
    gate = WakeGate(limit=1, expiry=JOIN_TIMEOUT)
    first, second, third = Waker(), Waker(), Waker()
    admission = gate.admit(first)
    assert admission is not None
    assert gate.admit(second) is None
    assert gate.admit(third) is None
    gate.leave(admission)
    # The line is first come, first served.
    assert len(second.admissions) == 1
    assert third.admissions == []
    gate.leave(second.admissions[0])
    assert len(third.admissions) == 1


def test_gate_leave_twice_counts_once() -> None:
    gate = WakeGate(limit=1, expiry=JOIN_TIMEOUT)
    admission = gate.admit(Waker())
    assert admission is not None
    gate.leave(admission)
    gate.leave(admission)
    assert gate.admit(Waker()) is not None
    assert gate.admit(Waker()) is None


def test_gate_skips_threads_that_stopped_waiting() -> None:
    gate = WakeGate(limit=1, expiry=JOIN_TIMEOUT)
    gone, next_one = Waker(waiting=False), Waker()
    admission = gate.admit(Waker())
    assert admission is not None
    assert gate.admit(gone) is None
    assert gate.admit(next_one) is None
    gate.leave(admission)
    # The admission that nobody took goes to the next thread in line.
    assert len(next_one.admissions) == 1


def test_gate_skips_many_threads_that_stopped_waiting() -> None:
    # Readers that timed out leave stale entries in line: skipping them
    # mustn't grow the stack, whatever their number.
    gate = WakeGate(limit=1, expiry=JOIN_TIMEOUT)
    admission = gate.admit(Waker())
    assert admission is not None
    for _ in range(5 * sys.getrecursionlimit()):
        assert gate.admit(Waker(waiting=False)) is None
    last = Waker()
    assert gate.admit(last) is None
    gate.leave(admission)
    assert len(last.admissions) == 1


def test_gate_admissions_expire() -> None:
    """A thread that doesn't come back can't hold its place forever."""
    gate = WakeGate(limit=1, expiry=10 * MS)
    waiting = Waker()
    assert gate.admit(Waker()) is not None
    assert gate.admit(waiting) is None
    deadline = gate.deadline()
    assert deadline is not None
    assert deadline <= time.monotonic() + 10 * MS
    time.sleep(max(0, deadline - time.monotonic()) + MS)
    gate.run()
    assert len(waiting.admissions) == 1


def test_gate_deadline_without_line() -> None:
    gate = WakeGate(limit=1, expiry=JOIN_TIMEOUT)
    assert gate.deadline() is None
    assert gate.admit(Waker()) is not None
    # Nobody waits in line: there's nothing to wake up later.
    assert gate.deadline() is None


# Hub


def test_hub_reads_plain_sockets() -> None:
    """Connections on plain sockets share the hub's thread."""
    hub = get_hub()
    assert get_hub() is hub
    connections = []
    for _ in range(2):
        sock, peer = socket.socketpair()
        connection = Connection(sock, Protocol(SERVER, state=OPEN))
        connection._start_reading()
        connections.append((connection, peer))
    try:
        for connection, _peer in connections:
            assert connection.recv_events_thread is hub.thread
            assert connection.recv_messages.gate is hub.gate
    finally:
        for connection, peer in connections:
            peer.close()
            assert connection._closed.wait(JOIN_TIMEOUT)


def test_hub_leaves_tls_connections_their_own_thread() -> None:
    threads: list[threading.Thread | None] = []

    def handler(websocket: ServerConnection) -> None:
        threads.append(websocket.recv_events_thread)
        websocket.send("done")

    with (
        run_server(handler, ssl=SERVER_CONTEXT) as server,
        connect(get_uri(server, secure=True), ssl=CLIENT_CONTEXT) as client,
    ):
        assert client.recv(timeout=JOIN_TIMEOUT) == "done"
        assert client.recv_events_thread is not get_hub().thread
    (thread,) = threads
    assert thread is not None
    assert thread is not get_hub().thread


def test_hub_leaves_connections_with_any_extension_their_own_thread() -> None:
    sock, peer = socket.socketpair()
    protocol = Protocol(SERVER, state=OPEN)
    protocol.extensions = [Extension()]
    connection = Connection(sock, protocol)
    connection._start_reading()
    try:
        assert connection.recv_events_thread is not None
        assert connection.recv_events_thread is not get_hub().thread
    finally:
        peer.close()
        assert connection._closed.wait(JOIN_TIMEOUT)


def test_hub_leaves_connections_with_extensions_their_own_thread() -> None:
    # Compressing a large message holds the connection's mutex for long:
    # the hub mustn't wait for it.
    pytest.importorskip("websockets.extensions.permessage_deflate", reason="needs ws-deflate")
    threads: list[threading.Thread | None] = []
    compressed: list[bool] = []

    def handler(websocket: ServerConnection) -> None:
        threads.append(websocket.recv_events_thread)
        compressed.append(bool(websocket.protocol.extensions))
        websocket.send("done")

    with run_server(handler) as server, connect(get_uri(server)) as client:
        assert client.recv(timeout=JOIN_TIMEOUT) == "done"
    assert compressed == [True]  # permessage-deflate, negotiated by default
    (thread,) = threads
    assert thread is not None
    assert thread is not get_hub().thread


def test_hub_drops_stale_keepalive_timers() -> None:
    # With max_queue=(2, 0), reading pauses and resumes every two messages,
    # and each resume reschedules keepalive.
    def handler(websocket: ServerConnection) -> None:
        for _ in websocket:
            pass

    with (
        run_server(handler, max_queue=(2, 0), ping_interval=20) as server,
        connect(get_uri(server), compression=None) as client,
    ):
        for _ in range(50000):
            client.send(b"x")
        assert client.ping().wait(JOIN_TIMEOUT)  # the server read everything
        # Without dropping them, thousands of stale timers pile up here.
        assert len(get_hub()._timers) < 300


def test_hub_handlers_blocked_elsewhere_do_not_stop_others() -> None:
    """More handlers than the gate admits block outside recv(); others go on."""
    blocked = get_hub().gate.limit + 2
    release = threading.Event()
    waiting: list[ServerConnection] = []

    def handler(websocket: ServerConnection) -> None:
        for message in websocket:
            if message == "block":
                # Admitted by the gate, and never back in recv() for a while.
                waiting.append(websocket)
                release.wait(JOIN_TIMEOUT)
            websocket.send(message)

    # Without compression: connections with extensions don't use the hub.
    with run_server(handler, compression=None) as server, contextlib.ExitStack() as stack:
        clients = [stack.enter_context(connect(get_uri(server))) for _ in range(blocked)]
        # Last in, first out: release the handlers before closing clients.
        stack.callback(release.set)
        for client in clients:
            client.send("block")
        wait_until(lambda: len(waiting) == blocked)
        assert all(websocket.recv_events_thread is get_hub().thread for websocket in waiting)
        with connect(get_uri(server)) as other:
            for index in range(3):
                other.send(str(index))
                assert other.recv(timeout=JOIN_TIMEOUT) == str(index)
        release.set()
        for client in clients:
            assert client.recv(timeout=JOIN_TIMEOUT) == "block"
