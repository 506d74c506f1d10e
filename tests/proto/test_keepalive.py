"""Tests for websockets._keepalive: the schedule of keepalive pings, without a clock."""

from __future__ import annotations

import pytest

from websockets._keepalive import Keepalive, KeepaliveAction

SEND_PING = KeepaliveAction.SEND_PING
FAIL = KeepaliveAction.FAIL


def test_disabled() -> None:
    keepalive = Keepalive(None, 20, now=100.0)
    assert keepalive.deadline is None
    assert keepalive.poll(1e9) is None


def test_first_ping_after_interval() -> None:
    keepalive = Keepalive(20, 10, now=100.0)
    assert keepalive.deadline == 120.0
    assert keepalive.poll(119.9) is None
    assert keepalive.poll(120.0) is SEND_PING
    # Polling again before ping_sent() asks again.
    assert keepalive.poll(120.5) is SEND_PING


def test_pong_in_time() -> None:
    keepalive = Keepalive(20, 10, now=100.0)
    keepalive.ping_sent(120.0)
    assert keepalive.deadline == 130.0
    assert keepalive.poll(125.0) is None
    keepalive.pong_received(125.0)
    # Pings stay ping_interval apart, whatever the latency.
    assert keepalive.deadline == 140.0
    assert keepalive.poll(139.0) is None
    assert keepalive.poll(140.0) is SEND_PING


def test_pong_after_interval() -> None:
    keepalive = Keepalive(5, 10, now=100.0)
    keepalive.ping_sent(105.0)
    keepalive.pong_received(112.0)
    # The pong took longer than ping_interval: ping again immediately.
    assert keepalive.deadline == 112.0
    assert keepalive.poll(112.0) is SEND_PING


def test_pong_timeout() -> None:
    keepalive = Keepalive(20, 10, now=100.0)
    keepalive.ping_sent(120.0)
    assert keepalive.poll(129.9) is None
    assert keepalive.poll(130.0) is FAIL
    # Keepalive stops once it failed.
    assert keepalive.deadline is None
    assert keepalive.poll(1e9) is None


def test_reading_resumed() -> None:
    keepalive = Keepalive(20, 10, now=100.0)
    keepalive.ping_sent(120.0)
    # Reading was paused from 122 to 135: the pong is due 10 seconds later.
    keepalive.reading_resumed(135.0)
    assert keepalive.deadline == 145.0
    assert keepalive.poll(144.9) is None
    assert keepalive.poll(145.0) is FAIL


def test_reading_resumed_without_ping_in_flight() -> None:
    keepalive = Keepalive(20, 10, now=100.0)
    keepalive.reading_resumed(150.0)
    # The next ping is overdue: it goes out at once.
    assert keepalive.deadline == 120.0
    assert keepalive.poll(150.0) is SEND_PING


def test_no_ping_timeout() -> None:
    keepalive = Keepalive(20, None, now=100.0)
    assert keepalive.poll(120.0) is SEND_PING
    keepalive.ping_sent(120.0)
    # Pongs aren't awaited: the next ping follows ping_interval later.
    assert keepalive.deadline == 140.0
    keepalive.pong_received(121.0)
    assert keepalive.deadline == 140.0
    assert keepalive.poll(1e9) is SEND_PING


def test_unsolicited_pong() -> None:
    keepalive = Keepalive(20, 10, now=100.0)
    keepalive.pong_received(110.0)
    assert keepalive.deadline == 120.0


def test_ping_sent_when_disabled() -> None:
    keepalive = Keepalive(None, 10, now=100.0)
    with pytest.raises(AssertionError, match="keepalive is disabled"):
        keepalive.ping_sent(100.0)
