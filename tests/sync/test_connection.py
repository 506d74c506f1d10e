"""Tests for websockets.sync.connection: one connection, both directions.

Each test runs a connection over one end of a socket pair, with its reading
thread. The other end is either another connection or a :class:`RawPeer`,
which does nothing unless the test says so: it doesn't answer pings, doesn't
close, doesn't read.

"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from typing import Any, get_overloads

import pytest

from websockets.client import ClientProtocol
from websockets.exceptions import (
    ConcurrencyError,
    ConnectionClosedError,
    ConnectionClosedOK,
    ProtocolError,
)
from websockets.frames import (
    OP_BINARY,
    OP_CLOSE,
    OP_CONT,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    Close,
    CloseCode,
    Frame,
)
from websockets.protocol import CLIENT, CLOSED, OPEN, SERVER, Protocol
from websockets.sync.client import ClientConnection, connect
from websockets.sync.connection import Connection, _is_pong
from websockets.uri import parse_uri

from .utils import (
    CLIENT_CONTEXT,
    JOIN_TIMEOUT,
    MS,
    PATIENCE,
    SERVER_CONTEXT,
    get_uri,
    join_thread,
    run_server,
    start_thread,
    tcp_socketpair,
    wait_until,
)


class RawPeer:
    """The other end of a connection, driven by hand."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.sock.settimeout(JOIN_TIMEOUT)
        self.protocol = Protocol(SERVER, state=OPEN)
        self.replies: list[bytes] = []
        """What the protocol prepared in answer to frames received, unsent."""

    def _write(self, chunks: list[bytes]) -> None:
        for data in chunks:
            if data:
                self.sock.sendall(data)
            else:
                self.sock.shutdown(socket.SHUT_WR)

    def flush(self) -> None:
        self._write(self.protocol.data_to_send())

    def send_frame(self, frame: Frame) -> None:
        self.protocol.send_frame(frame)
        self.flush()

    def send_replies(self) -> None:
        """Send what the protocol prepared in answer to frames received."""
        replies, self.replies = self.replies, []
        self._write(replies)

    def receive_frame(self) -> Frame:
        """Read until a frame arrives; don't send anything in return.

        The protocol answers pings and close frames, as RFC 6455 says: these
        answers are set aside in :attr:`replies`. Otherwise, the next frame
        sent would carry them, e.g. an unexpected pong ahead of it.

        """
        while True:
            events = self.protocol.events_received()
            if events:
                (event, *rest) = events
                self.protocol.events = rest
                assert isinstance(event, Frame)
                return event
            data = self.sock.recv(65536)
            if data:
                self.protocol.receive_data(data)
            else:
                self.protocol.receive_eof()
            self.replies.extend(self.protocol.data_to_send())
            if not data and not self.protocol.events:
                raise EOFError("connection closed")

    def read_until_eof(self) -> bytes:
        """Read until the connection closes, without parsing."""
        chunks = []
        while data := self.sock.recv(65536):
            chunks.append(data)
        return b"".join(chunks)


def client_connection(
    sock: socket.socket, logger: logging.Logger | None = None, **kwargs: object
) -> ClientConnection:
    protocol = ClientProtocol(parse_uri("ws://localhost/"), state=OPEN, logger=logger)
    connection = ClientConnection(sock, protocol, **kwargs)  # type: ignore[arg-type]
    connection._start_reading()
    return connection


def server_connection(sock: socket.socket, **kwargs: object) -> Connection:
    connection = Connection(sock, Protocol(SERVER, state=OPEN), **kwargs)  # type: ignore[arg-type]
    connection._start_reading()
    return connection


@contextlib.contextmanager
def connection_pair(
    client_kwargs: dict[str, object] | None = None,
    server_kwargs: dict[str, object] | None = None,
) -> Iterator[tuple[ClientConnection, Connection]]:
    """Connect a client connection and a server connection."""
    client_sock, server_sock = socket.socketpair()
    client = client_connection(client_sock, **(client_kwargs or {}))
    server = server_connection(server_sock, **(server_kwargs or {}))
    try:
        yield client, server
    finally:
        client.close()
        server.close()


@contextlib.contextmanager
def raw_pair(
    tcp: bool = False,
    buffer_size: int | None = None,
    logger: logging.Logger | None = None,
    **kwargs: object,
) -> Iterator[tuple[ClientConnection, RawPeer]]:
    """Connect a client connection and a raw peer, over TCP on 127.0.0.1 with ``tcp``."""
    client_sock, peer_sock = tcp_socketpair(buffer_size) if tcp else socket.socketpair()
    client = client_connection(client_sock, logger, **kwargs)
    peer = RawPeer(peer_sock)
    try:
        yield client, peer
    finally:
        client._abort()
        client._wait_closed()
        peer.sock.close()


@pytest.fixture(params=["thread", "hub"])
def reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the test with the client reading in a thread of its own, then with the hub."""
    monkeypatch.setattr(ClientConnection, "_use_hub", request.param == "hub")


@pytest.fixture
def pair() -> Iterator[tuple[ClientConnection, Connection]]:
    with connection_pair() as pair:
        yield pair


# Attributes


def test_attributes(pair: tuple[ClientConnection, Connection]) -> None:
    client, server = pair
    assert isinstance(client.id, uuid.UUID)
    assert client.id != server.id
    assert client.state is OPEN
    assert client.subprotocol is None
    assert client.close_code is None
    assert client.close_reason is None
    assert client.latency == 0
    assert client.request is None and client.response is None
    assert isinstance(client.logger, logging.LoggerAdapter)
    assert client.logger.extra == {"websocket": client}
    assert client.local_address == client.socket.getsockname()
    assert client.remote_address == client.socket.getpeername()


# Sending and receiving


def test_send_recv_text(pair: tuple[ClientConnection, Connection]) -> None:
    client, server = pair
    client.send("café")
    assert server.recv(timeout=JOIN_TIMEOUT) == "café"


def test_send_recv_binary(pair: tuple[ClientConnection, Connection]) -> None:
    client, server = pair
    for message in [b"tea", bytearray(b"tea"), memoryview(b"tea")]:
        client.send(message)
        assert server.recv(timeout=JOIN_TIMEOUT) == b"tea"


def test_send_text_override(pair: tuple[ClientConnection, Connection]) -> None:
    client, server = pair
    client.send("café", text=False)
    assert server.recv(timeout=JOIN_TIMEOUT) == "café".encode()
    client.send("café".encode(), text=True)
    assert server.recv(timeout=JOIN_TIMEOUT) == "café"


def test_recv_decode(pair: tuple[ClientConnection, Connection]) -> None:
    client, server = pair
    client.send("café")
    assert server.recv(timeout=JOIN_TIMEOUT, decode=False) == "café".encode()
    client.send("café".encode())
    assert server.recv(timeout=JOIN_TIMEOUT, decode=True) == "café"


def test_recv_timeout(pair: tuple[ClientConnection, Connection]) -> None:
    client, server = pair
    start = time.monotonic()
    with pytest.raises(TimeoutError):
        server.recv(timeout=20 * MS)
    assert time.monotonic() - start >= 20 * MS
    # Nothing was lost: the next message comes out.
    client.send("late")
    assert server.recv(timeout=JOIN_TIMEOUT) == "late"


def test_recv_timeout_zero(pair: tuple[ClientConnection, Connection]) -> None:
    _client, server = pair
    with pytest.raises(TimeoutError):
        server.recv(timeout=0)


def test_recv_concurrently(pair: tuple[ClientConnection, Connection]) -> None:
    client, server = pair
    thread = start_thread(server.recv, JOIN_TIMEOUT)
    wait_until(lambda: server.recv_messages._get_in_progress)
    with pytest.raises(ConcurrencyError, match="cannot call recv while another thread"):
        server.recv(timeout=0)
    with pytest.raises(ConcurrencyError, match="cannot call recv_streaming while another"):
        list(server.recv_streaming())
    client.send("unblock")
    join_thread(thread)


def test_send_fragmented(pair: tuple[ClientConnection, Connection]) -> None:
    client, server = pair
    client.send(["ca", "fé"])
    assert server.recv(timeout=JOIN_TIMEOUT) == "café"
    client.send(fragment for fragment in [b"t", bytearray(b"e"), memoryview(b"a")])
    assert server.recv(timeout=JOIN_TIMEOUT) == b"tea"
    client.send(["café"], text=False)
    assert server.recv(timeout=JOIN_TIMEOUT) == "café".encode()


def test_send_empty_iterable(pair: tuple[ClientConnection, Connection]) -> None:
    client, server = pair
    client.send([])
    client.send("next")
    assert server.recv(timeout=JOIN_TIMEOUT) == "next"


def test_recv_streaming(pair: tuple[ClientConnection, Connection]) -> None:
    client, server = pair
    # A fragmented message ends with an empty frame: the end of the
    # iterable is known only after its last item is sent.
    client.send(["ca", "fé"])
    assert list(server.recv_streaming()) == ["ca", "fé", ""]
    client.send([b"t", b"ea"])
    assert list(server.recv_streaming(decode=True)) == ["t", "ea", ""]
    client.send(b"tea")
    assert list(server.recv_streaming()) == [b"tea"]


def test_recv_streaming_left_early(pair: tuple[ClientConnection, Connection]) -> None:
    client, server = pair
    client.send(["a", "b", "c"])
    client.send("next")
    with contextlib.closing(server.recv_streaming()) as fragments:
        assert next(fragments) == "a"
    assert server.recv(timeout=JOIN_TIMEOUT) == "next"


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ({"a": 1}, "data is a dict-like object"),
        (42, "data must be str, bytes, or iterable"),
        ([42], "iterable must contain bytes or str"),
    ],
)
def test_send_invalid_type(
    pair: tuple[ClientConnection, Connection], message: object, error: str
) -> None:
    client, server = pair
    with pytest.raises(TypeError, match=error):
        client.send(message)  # type: ignore[arg-type]
    # The connection still works.
    client.send("ok")
    assert server.recv(timeout=JOIN_TIMEOUT) == "ok"


def test_send_fragmented_mixed_types(pair: tuple[ClientConnection, Connection]) -> None:
    client, server = pair
    with pytest.raises(TypeError, match="iterable must contain uniform types"):
        client.send(["a", b"b"])
    # The message can't be completed: the connection fails with 1011.
    with pytest.raises(ConnectionClosedError) as raised:
        server.recv(timeout=JOIN_TIMEOUT)
    assert raised.value.rcvd == Close(CloseCode.INTERNAL_ERROR, "error in fragmented message")


def test_send_fragmented_iterator_fails(pair: tuple[ClientConnection, Connection]) -> None:
    client, server = pair

    def fragments() -> Iterator[str]:
        yield "a"
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        client.send(fragments())
    with pytest.raises(ConnectionClosedError):
        server.recv(timeout=JOIN_TIMEOUT)


def test_send_from_fragment_iterator(pair: tuple[ClientConnection, Connection]) -> None:
    client, _server = pair

    def fragments() -> Iterator[str]:
        yield "a"
        client.send("reentrant")

    with pytest.raises(ConcurrencyError, match="sending a fragmented message in the same thread"):
        client.send(fragments())


def test_send_while_other_thread_sends_fragmented(
    pair: tuple[ClientConnection, Connection],
) -> None:
    client, server = pair
    release = threading.Event()

    def fragments() -> Iterator[str]:
        yield "frag"
        release.wait(JOIN_TIMEOUT)
        yield "mented"

    thread = start_thread(client.send, fragments())
    try:
        wait_until(lambda: client._fragmented_sender is not None)
        # This send waits until the fragmented message is complete.
        sender = start_thread(client.send, "whole")
        time.sleep(10 * MS)
        assert sender.is_alive()
    finally:
        release.set()
    join_thread(thread)
    join_thread(sender)
    assert server.recv(timeout=JOIN_TIMEOUT) == "fragmented"
    assert server.recv(timeout=JOIN_TIMEOUT) == "whole"


def test_many_threads_send_concurrently(pair: tuple[ClientConnection, Connection]) -> None:
    """Messages sent by many threads at once come out whole, in each thread's order."""
    client, server = pair
    threads, messages = 8, 50

    def send_all(index: int) -> None:
        for count in range(messages):
            payload = f"{index}:{count}:" + "x" * (count * 97 % 3000)
            if count % 3 == 0:
                # Fragmented: three frames that must stay together.
                client.send([payload[:5], payload[5:10], payload[10:]])
            else:
                client.send(payload)

    senders = [start_thread(send_all, index) for index in range(threads)]
    received: dict[int, list[int]] = {index: [] for index in range(threads)}
    for _ in range(threads * messages):
        message = server.recv(timeout=JOIN_TIMEOUT)
        assert isinstance(message, str)
        index, count, padding = message.split(":")
        assert padding == "x" * (int(count) * 97 % 3000)
        received[int(index)].append(int(count))
    for sender in senders:
        join_thread(sender)
    assert received == {index: list(range(messages)) for index in range(threads)}


def test_iteration(pair: tuple[ClientConnection, Connection]) -> None:
    client, server = pair
    client.send("one")
    client.send("two")
    closer = start_thread(client.close)
    assert list(server) == ["one", "two"]
    join_thread(closer)


def test_iteration_error(pair: tuple[ClientConnection, Connection]) -> None:
    client, server = pair
    client.send("one")
    closer = start_thread(client.close, CloseCode.INTERNAL_ERROR)
    messages = []
    with pytest.raises(ConnectionClosedError):
        for message in server:
            messages.append(message)
    assert messages == ["one"]
    join_thread(closer)


def test_recv_overloads() -> None:
    """Type checkers see str with decode=True, bytes with decode=False."""
    # Annotations are strings: the module postpones their evaluation.
    recv = [overload.__annotations__["return"] for overload in get_overloads(Connection.recv)]
    assert recv == ["str", "bytes", "str", "bytes", "Data"]
    recv_streaming = [
        overload.__annotations__["return"] for overload in get_overloads(Connection.recv_streaming)
    ]
    assert recv_streaming == ["Iterator[str]", "Iterator[bytes]", "Iterator[Data]"]


# Closing


def test_close(pair: tuple[ClientConnection, Connection]) -> None:
    client, server = pair
    client.close(CloseCode.GOING_AWAY, "bye")
    assert client.state is CLOSED
    with pytest.raises(ConnectionClosedOK) as raised:
        server.recv(timeout=JOIN_TIMEOUT)
    assert raised.value.rcvd == Close(CloseCode.GOING_AWAY, "bye")
    assert server.close_code == CloseCode.GOING_AWAY
    assert server.close_reason == "bye"
    assert client.close_code == CloseCode.GOING_AWAY


@pytest.mark.parametrize(
    ("chunk", "expected"),
    [
        (b"\x8a\x04ping", True),  # from a server
        (b"\x8a\x84abcd" + bytes(4), True),  # from a client: masked
        (b"\x8a\x00", True),
        (b"\x8a\x7d" + bytes(125), True),
        (b"\x8a" + bytes(99999), False),  # a large payload on its own
        (b"\x8a\x04pin", False),
        (b"\x82\x04data", False),
        (b"HTTP/1.1 101 Switching Protocols\r\n", False),
    ],
)
def test_is_pong(chunk: bytes, expected: bool) -> None:
    assert _is_pong(chunk) is expected


def test_large_payload_starting_like_a_pong() -> None:
    # broadcast() queues without waiting, where pongs replace each other:
    # a large payload that starts with the byte of a pong isn't one.
    payload = b"\x8a" + b"B" * 99999
    with connection_pair() as (client, server):
        client.send(b"x")
        assert server.recv(timeout=JOIN_TIMEOUT) == b"x"
        with server.protocol_mutex:
            server.protocol.send_binary(payload)
            server.protocol.send_pong(b"pong")
            server.protocol.send_binary(payload)
            server._send_data(wait=False)
        assert client.recv(timeout=JOIN_TIMEOUT) == payload
        assert client.recv(timeout=JOIN_TIMEOUT) == payload


def test_messages_read_with_close_frame_are_delivered() -> None:
    # The close frame arrives in the same read as messages beyond max_queue,
    # which mustn't be dropped when the closing handshake caps the queue.
    client_sock, server_sock = tcp_socketpair(2**20)
    client = client_connection(client_sock, close_timeout=JOIN_TIMEOUT)
    server = server_connection(server_sock, close_timeout=JOIN_TIMEOUT)
    try:

        def send_then_close() -> None:
            for i in range(2000):
                client.send(f"message {i}")
            client.close()

        def close_frame_written() -> bool:
            with client.protocol_mutex:
                return client._closing and not client._writing and not client._outgoing

        closer = start_thread(send_then_close)
        # The server's application is slow to start reading: reading pauses
        # after max_queue messages, and the rest, up to the close frame,
        # waits in the socket's buffers.
        wait_until(close_frame_written)
        received = []
        with pytest.raises(ConnectionClosedOK):
            while True:
                received.append(server.recv(timeout=JOIN_TIMEOUT))
        join_thread(closer)
        assert received == [f"message {i}" for i in range(2000)]
    finally:
        client.close()
        server.close()


def test_wait_closed(pair: tuple[ClientConnection, Connection]) -> None:
    client, server = pair
    # Waiting doesn't start the closing handshake: the wait times out.
    assert client.wait_closed(timeout=MS) is False
    assert client.wait_closed(timeout=0) is False
    assert client.state is OPEN
    results: list[bool] = []
    waiter = start_thread(lambda: results.append(client.wait_closed()))
    server.close()
    join_thread(waiter)
    assert results == [True]
    assert client.state is CLOSED
    assert client.wait_closed(timeout=0) is True


def test_close_twice(pair: tuple[ClientConnection, Connection]) -> None:
    client, _server = pair
    client.close()
    client.close()
    assert client.state is CLOSED


def test_close_invalid_code(pair: tuple[ClientConnection, Connection]) -> None:
    client, _server = pair
    with pytest.raises(ProtocolError):
        client.close(1004)
    assert client.state is OPEN


def test_context_manager(pair: tuple[ClientConnection, Connection]) -> None:
    client, _server = pair
    with client as connection:
        assert connection is client
    assert client.close_code == CloseCode.NORMAL_CLOSURE


def test_context_manager_error(pair: tuple[ClientConnection, Connection]) -> None:
    client, server = pair
    with pytest.raises(RuntimeError), client:
        raise RuntimeError
    with pytest.raises(ConnectionClosedError):
        server.recv(timeout=JOIN_TIMEOUT)
    assert server.close_code == CloseCode.INTERNAL_ERROR


def test_operations_after_close(pair: tuple[ClientConnection, Connection]) -> None:
    client, server = pair
    server.send("unread")
    client.close()
    # Messages received before the connection closed are still returned.
    assert client.recv(timeout=JOIN_TIMEOUT) == "unread"
    with pytest.raises(ConnectionClosedOK):
        client.recv()
    with pytest.raises(ConnectionClosedOK):
        list(client.recv_streaming())
    with pytest.raises(ConnectionClosedOK):
        client.send("late")
    with pytest.raises(ConnectionClosedOK):
        client.send(["la", "te"])
    with pytest.raises(ConnectionClosedOK):
        client.ping()
    with pytest.raises(ConnectionClosedOK):
        client.pong()


def test_close_during_fragmented_send(pair: tuple[ClientConnection, Connection]) -> None:
    client, server = pair
    started, release = threading.Event(), threading.Event()

    def fragments() -> Iterator[str]:
        yield "a"
        started.set()
        release.wait(JOIN_TIMEOUT)
        yield "b"

    def send() -> None:
        with pytest.raises(ConnectionClosedError):
            client.send(fragments())

    sender = start_thread(send)
    try:
        assert started.wait(JOIN_TIMEOUT)
        client.close()
    finally:
        release.set()
    join_thread(sender)
    with pytest.raises(ConnectionClosedError) as raised:
        server.recv(timeout=JOIN_TIMEOUT)
    assert raised.value.rcvd == Close(CloseCode.INTERNAL_ERROR, "close during fragmented message")


def test_close_timeout() -> None:
    with raw_pair(close_timeout=20 * MS) as (client, peer):
        start = time.monotonic()
        client.close()
        # The peer never answered: the connection was aborted, after waiting.
        assert time.monotonic() - start >= 20 * MS
        assert client.close_code == CloseCode.ABNORMAL_CLOSURE
        assert peer.receive_frame().opcode is OP_CLOSE


def test_peer_closes(pair: tuple[ClientConnection, Connection]) -> None:
    client, server = pair
    server.close(CloseCode.NORMAL_CLOSURE, "done")
    with pytest.raises(ConnectionClosedOK) as raised:
        client.recv(timeout=JOIN_TIMEOUT)
    assert raised.value.rcvd == Close(CloseCode.NORMAL_CLOSURE, "done")


def test_connection_lost() -> None:
    with raw_pair() as (client, peer):
        peer.sock.close()
        with pytest.raises(ConnectionClosedError) as raised:
            client.recv(timeout=JOIN_TIMEOUT)
        assert raised.value.rcvd is None
        assert client.close_code == CloseCode.ABNORMAL_CLOSURE


def test_connection_reset_while_sending() -> None:
    with raw_pair() as (client, peer):
        # Reset the connection: closing with unread data sends RST.
        peer.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
        peer.sock.close()
        with pytest.raises(ConnectionClosedError):
            for _ in range(100):
                client.send(b"\0" * 65536)


def test_peer_protocol_error() -> None:
    with raw_pair() as (client, peer):
        peer.sock.sendall(b"\x8f\x00")  # reserved opcode
        assert peer.receive_frame().opcode is OP_CLOSE
        peer.sock.shutdown(socket.SHUT_WR)
        with pytest.raises(ConnectionClosedError) as raised:
            client.recv(timeout=JOIN_TIMEOUT)
        assert raised.value.sent is not None
        assert raised.value.sent.code == CloseCode.PROTOCOL_ERROR
        assert isinstance(raised.value.__cause__, ProtocolError)


# Pings and pongs


def test_ping(pair: tuple[ClientConnection, Connection]) -> None:
    client, _server = pair
    pong_received = client.ping()
    assert pong_received.wait(JOIN_TIMEOUT)
    assert client.latency > 0


def test_ping_data(pair: tuple[ClientConnection, Connection]) -> None:
    client, _server = pair
    assert client.ping("café").wait(JOIN_TIMEOUT)
    assert client.ping(b"tea").wait(JOIN_TIMEOUT)


def test_ping_duplicate() -> None:
    with raw_pair() as (client, _peer):
        client.ping(b"same")
        with pytest.raises(ConcurrencyError, match="already waiting for a pong"):
            client.ping(b"same")


def test_pong_acknowledges_earlier_pings() -> None:
    with raw_pair() as (client, peer):
        first = client.ping(b"1")
        second = client.ping(b"2")
        third = client.ping(b"3")
        peer.send_frame(Frame(OP_PONG, b"2"))
        assert second.wait(JOIN_TIMEOUT)
        assert first.is_set()
        assert not third.is_set()


def test_ping_ack_on_close() -> None:
    with raw_pair(close_timeout=10 * MS) as (client, _peer):
        acked = client.ping(ack_on_close=True)
        not_acked = client.ping()
        client.close()
        assert acked.is_set()
        assert not not_acked.is_set()


def test_pong(pair: tuple[ClientConnection, Connection]) -> None:
    with raw_pair() as (client, peer):
        client.pong(b"heartbeat")
        frame = peer.receive_frame()
        assert (frame.opcode, frame.data) == (OP_PONG, b"heartbeat")
        client.pong("café")
        assert peer.receive_frame().data == "café".encode()


@pytest.mark.usefixtures("reader")
def test_pings_answered_automatically() -> None:
    with raw_pair() as (_client, peer):
        peer.send_frame(Frame(OP_PING, b"hello"))
        frame = peer.receive_frame()
        assert (frame.opcode, frame.data) == (OP_PONG, b"hello")


# Keepalive


@pytest.mark.usefixtures("reader")
def test_keepalive() -> None:
    with connection_pair(client_kwargs={"ping_interval": 10 * MS}) as (client, _server):
        wait_until(lambda: client.latency > 0)
        assert client.state is OPEN


@pytest.mark.usefixtures("reader")
def test_keepalive_sends_pings() -> None:
    with raw_pair(ping_interval=10 * MS, ping_timeout=None) as (client, peer):
        # Without ping_timeout, pings go out every ping_interval unanswered.
        assert peer.receive_frame().opcode is OP_PING
        assert peer.receive_frame().opcode is OP_PING
        assert client.state is OPEN


@pytest.mark.usefixtures("reader")
def test_keepalive_pings_at_interval_shorter_than_timeout() -> None:
    """After a pong, the next ping is due before the pong deadline was."""
    with raw_pair(ping_interval=10 * MS, ping_timeout=2 * JOIN_TIMEOUT) as (client, peer):
        for _ in range(3):
            ping = peer.receive_frame()
            assert ping.opcode is OP_PING
            peer.send_frame(Frame(OP_PONG, ping.data))
        assert client.state is OPEN


@pytest.mark.usefixtures("reader")
def test_keepalive_timeout() -> None:
    with raw_pair(ping_interval=10 * MS, ping_timeout=20 * MS, close_timeout=20 * MS) as (
        client,
        peer,
    ):
        assert peer.receive_frame().opcode is OP_PING
        # The peer doesn't answer: the connection fails with 1011.
        frame = peer.receive_frame()
        assert frame.opcode is OP_CLOSE
        assert Close.parse(frame.data) == Close(CloseCode.INTERNAL_ERROR, "keepalive ping timeout")
        with pytest.raises(ConnectionClosedError):
            client.recv(timeout=JOIN_TIMEOUT)


@pytest.mark.usefixtures("reader")
def test_keepalive_while_reading_is_paused() -> None:
    """A pong that waits behind messages the application didn't read yet is fine.

    The pong stays unread for longer than ping_timeout, which must be long
    enough for the peer to answer and for the client to pause reading.

    """
    with raw_pair(tcp=True, ping_interval=10 * MS, ping_timeout=PATIENCE, max_queue=1) as (
        client,
        peer,
    ):
        ping = peer.receive_frame()
        assert ping.opcode is OP_PING
        # The ping left before it arrived: its pong is due by then.
        pong_deadline = time.monotonic() + PATIENCE
        # The application doesn't read: two messages pause reading. The pong
        # comes after a message longer than a read, so it can't be in the
        # read that paused reading: the client doesn't see it for a while.
        messages = ["0", "1", "2" * (client.recv_bufsize + 1)]
        for message in messages:
            peer.send_frame(Frame(OP_TEXT, message.encode()))
        peer.send_frame(Frame(OP_PONG, ping.data))
        wait_until(lambda: client.recv_messages.paused)
        time.sleep(max(0.0, pong_deadline - time.monotonic()) + 10 * MS)
        assert client.state is OPEN
        assert client._keepalive_ping == ping.data  # still waiting for its pong
        for message in messages:
            assert client.recv(timeout=JOIN_TIMEOUT) == message
        # Once reading resumed, the pong arrives and keepalive goes on.
        wait_until(lambda: client._keepalive_ping != ping.data)
        assert client.state is OPEN
        assert peer.receive_frame().opcode is OP_PING


@pytest.mark.usefixtures("reader")
def test_keepalive_when_peer_does_not_read() -> None:
    """A peer that floods pings and reads no pongs can't stop keepalive."""
    with raw_pair(
        tcp=True,
        buffer_size=4096,
        ping_interval=20 * MS,
        ping_timeout=20 * MS,
        close_timeout=50 * MS,
    ) as (client, peer):
        # Unmasked pings of 125 bytes, built by hand: 1 MB.
        pings = (b"\x89\x7d" + bytes(125)) * 8000

        def flood() -> None:
            with contextlib.suppress(OSError):
                while not client._closed.is_set():
                    peer.sock.sendall(pings)

        flooder = start_thread(flood)
        try:
            # The pongs fill the buffers; the reading thread goes on reading,
            # and keepalive fails the connection, which close_timeout aborts.
            assert client._closed.wait(JOIN_TIMEOUT)
            with pytest.raises(ConnectionClosedError) as raised:
                client.recv(timeout=0)
            assert raised.value.sent == Close(CloseCode.INTERNAL_ERROR, "keepalive ping timeout")
        finally:
            # The flooder may be blocked writing to the closed connection:
            # the kernel doesn't always reset it. Shutting down wakes it up.
            with contextlib.suppress(OSError):
                peer.sock.shutdown(socket.SHUT_RDWR)
            join_thread(flooder)


@pytest.mark.usefixtures("reader")
def test_ping_flood_while_writing() -> None:
    """A peer flooding pings while we're blocked writing leaves one pong queued."""
    with raw_pair(tcp=True, buffer_size=4096) as (client, peer):

        def send() -> None:
            with contextlib.suppress(ConnectionClosedError):
                client.send(bytes(2**20))

        # The peer doesn't read: the application thread blocks writing.
        sender = start_thread(send)
        wait_until(lambda: client._writing)
        # 16,000 unmasked pings of 125 bytes, built by hand: 2 MB.
        peer.sock.sendall((b"\x89\x7d" + bytes(125)) * 16_000)
        # Once this message arrives, every ping before it was processed.
        peer.send_frame(Frame(OP_TEXT, b"done"))
        assert client.recv(timeout=JOIN_TIMEOUT) == "done"
        assert client._writing
        with client.protocol_mutex:
            # One masked pong: 2 bytes of header, 4 of mask, 125 of payload.
            assert len(client._outgoing) == 1
            assert client._outgoing_size() == 131
    join_thread(sender)


class ThrottledSocket(socket.socket):
    """Socket whose writes without blocking accept ``budget`` bytes, then none."""

    budget = 0

    def sendmsg(self, buffers: Iterable[bytes], *args: Any) -> int:
        if len(args) < 2 or not args[1] & socket.MSG_DONTWAIT:
            # A blocking write, by the thread started to write the rest.
            return super().sendmsg(buffers, *args)
        data = b"".join(buffers)[: self.budget]
        if not data:
            raise BlockingIOError
        self.budget -= len(data)
        return super().sendmsg([data], *args)


def test_pongs_written_in_part() -> None:
    """Pongs that don't fit in the socket's buffer go out in order, whole."""
    client_sock, peer_sock = socket.socketpair()
    sock = ThrottledSocket(client_sock.family, client_sock.type, fileno=client_sock.detach())
    client = client_connection(sock)
    peer = RawPeer(peer_sock)
    try:
        # Send pongs as the reading thread would: without waiting. Holding
        # the mutex keeps the thread started to write the rest waiting.
        with client.protocol_mutex:
            client.protocol.send_pong(b"a")
            client._send_data(wait=False)
            # Nothing fit: the whole pong waits for the writer thread.
            assert client._writing
            assert client._outgoing_size() == 7
        assert peer.receive_frame() == Frame(OP_PONG, b"a")
        wait_until(lambda: not client._writing)

        with client.protocol_mutex:
            sock.budget = 3
            client.protocol.send_pong(b"b")
            client._send_data(wait=False)
            assert client._outgoing_size() == 4
            # The pong written in part can't be replaced; the next one can.
            for data in [b"c", b"d"]:
                client.protocol.send_pong(data)
                client._send_data(wait=False)
            assert len(client._outgoing) == 2
        assert peer.receive_frame() == Frame(OP_PONG, b"b")
        assert peer.receive_frame() == Frame(OP_PONG, b"d")
    finally:
        client._abort()
        client._wait_closed()
        peer.sock.close()


# Flow control


def test_backpressure() -> None:
    """When the application doesn't read, the connection stops reading."""
    count, size = 100, 10_000
    with connection_pair(server_kwargs={"max_queue": (4, 1)}) as (client, server):
        sender = start_thread(lambda: [client.send(bytes(size)) for _ in range(count)])
        wait_until(lambda: server.recv_messages.paused)
        time.sleep(10 * MS)
        # The queue stays far below what was sent: TCP slows the sender down.
        assert len(server.recv_messages) < count // 2
        for _ in range(count):
            assert server.recv(timeout=JOIN_TIMEOUT) == bytes(size)
        join_thread(sender)
        assert not server.recv_messages.paused


@pytest.mark.usefixtures("reader")
def test_close_while_reading_is_paused() -> None:
    with connection_pair(
        client_kwargs={"close_timeout": JOIN_TIMEOUT},
        server_kwargs={"max_queue": 1, "close_timeout": JOIN_TIMEOUT},
    ) as (client, server):

        def send() -> None:
            # Backpressure blocks this thread until the server reads again.
            with contextlib.suppress(ConnectionClosedOK):
                for _ in range(10):
                    client.send(bytes(100_000))

        sender = start_thread(send)
        wait_until(lambda: server.recv_messages.paused)
        # Closing reads what's pending, to receive the close frame: the
        # client's answer arrives. Had the server waited for close_timeout,
        # it would have aborted the connection, with close code 1006.
        server.close()
        assert server.close_code == CloseCode.NORMAL_CLOSURE
        join_thread(sender)


def test_data_frames_dropped_while_closing() -> None:
    """A peer that ignores our close frame and floods data can't fill memory."""
    with raw_pair(tcp=True, max_queue=4, close_timeout=JOIN_TIMEOUT) as (client, peer):
        closer = start_thread(client.close)
        assert peer.receive_frame().opcode is OP_CLOSE
        # Unmasked binary frames of 64 KiB - 1, built by hand, 6 MiB in all.
        flood = (b"\x82\x7e\xff\xff" + bytes(65535)) * 16
        queued = 0
        for _ in range(6):
            peer.sock.sendall(flood)
            queued = max(queued, len(client.recv_messages))
        assert queued <= 4
        # Reading went on: the close frame that follows the flood, which the
        # peer's protocol prepared when it received ours, arrives.
        peer.send_replies()
        join_thread(closer)
        assert client.close_code == CloseCode.NORMAL_CLOSURE
        assert len(client.recv_messages) <= 4


def test_max_size() -> None:
    client_sock, server_sock = socket.socketpair()
    client = client_connection(client_sock)
    server = Connection(server_sock, Protocol(SERVER, state=OPEN, max_size=10))
    server._start_reading()
    try:
        client.send(b"x" * 11)
        with pytest.raises(ConnectionClosedError) as raised:
            server.recv(timeout=JOIN_TIMEOUT)
        assert raised.value.sent is not None
        assert raised.value.sent.code == CloseCode.MESSAGE_TOO_BIG
    finally:
        client.close()
        server.close()


def test_frames_after_handshake_chunk() -> None:
    """Binary and text frames from a raw peer reach recv()."""
    with raw_pair() as (client, peer):
        peer.send_frame(Frame(OP_TEXT, b"hi"))
        peer.send_frame(Frame(OP_BINARY, b"\x00"))
        assert client.recv(timeout=JOIN_TIMEOUT) == "hi"
        assert client.recv(timeout=JOIN_TIMEOUT) == b"\x00"


def test_many_tiny_fragments() -> None:
    """A message sent as many empty or tiny fragments holds about its payload."""
    with raw_pair(tcp=True) as (client, peer):
        received: list[object] = []
        receiver = start_thread(lambda: received.append(client.recv(timeout=JOIN_TIMEOUT)))
        peer.send_frame(Frame(OP_TEXT, b"a", fin=False))
        # Unmasked continuation frames, empty and with one byte, built by
        # hand: serializing them one by one would take longer.
        peer.sock.sendall(b"\x00\x00" * 50_000)
        peer.sock.sendall(b"\x00\x01b" * 30_000)
        assembler = client.recv_messages
        wait_until(lambda: len(assembler._small or b"") == 30_001)
        # One buffer for the whole payload: no object per fragment.
        assert len(assembler._chunks) == 1
        assert sys.getsizeof(assembler._small) < 2 * 30_001 + 1000
        peer.send_frame(Frame(OP_CONT, b"c"))
        join_thread(receiver)
        assert received == ["a" + "b" * 30_000 + "c"]


def test_send_fragmented_from_fragment_iterator(
    pair: tuple[ClientConnection, Connection],
) -> None:
    client, _server = pair

    def fragments() -> Iterator[str]:
        yield "a"
        client.send(["b", "c"])

    with pytest.raises(ConcurrencyError, match="sending a fragmented message in the same thread"):
        client.send(fragments())


def test_unsolicited_pong() -> None:
    with raw_pair() as (client, peer):
        waiter = client.ping(b"mine")
        peer.send_frame(Frame(OP_PONG, b"other"))
        peer.send_frame(Frame(OP_PONG, b"mine"))
        assert waiter.wait(JOIN_TIMEOUT)


def test_close_without_close_timeout() -> None:
    with connection_pair(
        client_kwargs={"close_timeout": None}, server_kwargs={"close_timeout": None}
    ) as (client, _server):
        client.close()
        assert client.close_code == CloseCode.NORMAL_CLOSURE


def test_close_timeout_after_closing() -> None:
    """The watchdog leaves connections that closed in time alone."""
    with connection_pair() as (client, _server):
        client.close()
        # This is what the watchdog calls when close_timeout elapses.
        client._close_timed_out()
        assert client.close_code == CloseCode.NORMAL_CLOSURE
        assert not client._aborted


def test_debug_logs(caplog: pytest.LogCaptureFixture) -> None:
    """Debug logging covers keepalive, EOF and aborting the connection."""
    logger = logging.getLogger("test.debug")
    with caplog.at_level(logging.DEBUG, logger="test.debug"):
        # A peer that answers a ping, however long it takes.
        with raw_pair(logger=logger, ping_interval=10 * MS, ping_timeout=JOIN_TIMEOUT) as (
            client,
            peer,
        ):
            ping = peer.receive_frame()
            assert ping.opcode is OP_PING
            peer.send_frame(Frame(OP_PONG, ping.data))
            wait_until(lambda: client.latency > 0)
        # A peer that doesn't: the connection fails, then it's aborted.
        with raw_pair(
            logger=logger, ping_interval=10 * MS, ping_timeout=10 * MS, close_timeout=20 * MS
        ) as (client, peer):
            assert peer.receive_frame().opcode is OP_PING
            assert peer.receive_frame().opcode is OP_CLOSE
            with pytest.raises(ConnectionClosedError):
                client.recv(timeout=JOIN_TIMEOUT)
    messages = [record.getMessage() for record in caplog.records if record.name == "test.debug"]
    for expected in [
        "% sending keepalive ping",
        "% received keepalive pong",
        "- timed out waiting for keepalive pong",
        f"x aborting TCP connection after {20 * MS:.1f} seconds",
        "< EOF",
    ]:
        assert expected in messages


def test_idle_connections_use_no_cpu() -> None:
    """Nothing busy-waits: idle reading threads, paused or not, sleep."""
    with connection_pair(server_kwargs={"max_queue": 1}) as (client, server):
        for _ in range(4):
            client.send(b"")
        wait_until(lambda: server.recv_messages.paused)
        start = time.process_time()
        time.sleep(200 * MS)
        assert time.process_time() - start < 50 * MS
        # The paused side closes: it reads again, to get the close frame.
        server.close()


# Large messages: received straight into their payload, written without a copy


@pytest.mark.usefixtures("reader")
@pytest.mark.parametrize("secure", [False, True], ids=["plain", "tls"])
def test_large_messages(secure: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Large messages go through whole both ways: hub or thread, TLS or not."""
    received_into: set[object] = set()
    buffer_updated = Protocol.buffer_updated

    def spy(self: Protocol, nbytes: int) -> None:
        received_into.add(self.side)
        buffer_updated(self, nbytes)

    monkeypatch.setattr(Protocol, "buffer_updated", spy)
    binary = os.urandom(5 * 1024 * 1024)
    text = "Iñtërnâtiônàlizætiøn ☃ 💩 " * 70_000
    assert len(text.encode()) > 2 * 1024 * 1024
    with (
        run_server(max_size=None, ssl=SERVER_CONTEXT if secure else None) as server,
        connect(
            get_uri(server, secure), max_size=None, ssl=CLIENT_CONTEXT if secure else None
        ) as client,
    ):
        client.send(binary)
        assert client.recv(timeout=JOIN_TIMEOUT) == binary
        client.send(text)
        assert client.recv(timeout=JOIN_TIMEOUT) == text
    # Both sides received payloads into their final buffers.
    assert received_into == {CLIENT, SERVER}


def _raw_handshake(sock: socket.socket) -> None:
    """Open a WebSocket connection as a client, by hand."""
    sock.sendall(
        b"GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        b"Sec-WebSocket-Version: 13\r\n\r\n"
    )
    response = b""
    while b"\r\n\r\n" not in response:
        data = sock.recv(4096)
        assert data, "connection closed during the handshake"
        response += data
    assert response.startswith(b"HTTP/1.1 101 ")


def _invalid_text_start(masked: bool) -> bytes:
    """Start a 4 MiB text frame whose first 100 kB hold an invalid byte."""
    length = 4 * 1024 * 1024
    # A zero masking key leaves the payload as is.
    header = b"\x81" + bytes([0xFF if masked else 0x7F]) + length.to_bytes(8, "big")
    # Past the first read (recv_bufsize), into the payload's own buffer.
    payload = b"a" * 90_000 + b"\xff" + b"a" * 9_999
    return header + (b"\x00" * 4 if masked else b"") + payload


def test_invalid_utf8_in_large_text_frame_server() -> None:
    """The server fails a large text frame at its first invalid byte, not at its end."""
    with run_server(max_size=None) as server:
        sock = socket.create_connection(server.socket.getsockname()[:2])
        peer = RawPeer(sock)
        peer.protocol = Protocol(CLIENT, state=OPEN)
        try:
            _raw_handshake(sock)
            sock.sendall(_invalid_text_start(masked=True))
            # The rest of the frame never comes, yet the server closes.
            frame = peer.receive_frame()
            assert frame.opcode is OP_CLOSE
            assert Close.parse(frame.data).code == CloseCode.INVALID_DATA
        finally:
            sock.close()


@pytest.mark.usefixtures("reader")
def test_invalid_utf8_in_large_text_frame_client() -> None:
    """The client fails a large text frame at its first invalid byte, not at its end."""
    client_sock, peer_sock = socket.socketpair()
    protocol = ClientProtocol(parse_uri("ws://localhost/"), state=OPEN, max_size=None)
    client = ClientConnection(client_sock, protocol)
    client._start_reading()
    peer = RawPeer(peer_sock)
    try:
        peer.sock.sendall(_invalid_text_start(masked=False))
        frame = peer.receive_frame()
        assert frame.opcode is OP_CLOSE
        assert Close.parse(frame.data).code == CloseCode.INVALID_DATA
        peer.sock.shutdown(socket.SHUT_WR)
        with pytest.raises(ConnectionClosedError) as raised:
            client.recv(timeout=JOIN_TIMEOUT)
        assert raised.value.sent is not None
        assert raised.value.sent.code == CloseCode.INVALID_DATA
    finally:
        client._abort()
        client._wait_closed()
        peer.sock.close()


class RecordingSocket(socket.socket):
    """Socket that records the objects that it's asked to write whole."""

    written: list[object]

    def sendall(self, data: Any, *args: Any) -> None:
        self.written.append(data)
        super().sendall(data, *args)


def test_large_chunks_written_without_copy() -> None:
    """Where chunks can't be gathered (TLS), a large payload is written as is."""
    client_sock, peer_sock = socket.socketpair()
    sock = RecordingSocket(client_sock.family, client_sock.type, fileno=client_sock.detach())
    sock.written = []
    # A server: a client would mask, i.e. copy, the payload anyway.
    server = server_connection(sock)
    # Take the path of sockets without sendmsg() or MSG_DONTWAIT.
    server._plain_socket = False
    peer = RawPeer(peer_sock)
    peer.protocol = Protocol(CLIENT, state=OPEN)
    payload = bytes(1024 * 1024)
    try:
        sender = start_thread(server.send, payload)
        assert peer.receive_frame() == Frame(OP_BINARY, payload)
        join_thread(sender)
        assert any(data is payload for data in sock.written)
    finally:
        server._abort()
        server._wait_closed()
        peer.sock.close()


def test_large_chunks_gathered(pair: tuple[ClientConnection, Connection]) -> None:
    """On plain sockets, header and payload go out together, in any number of writes."""
    client, server = pair
    payloads = [os.urandom(300_000), os.urandom(100_000)]
    # Two large messages queued at once make one gathered write of four chunks.
    with client.protocol_mutex:
        client.protocol.send_binary(payloads[0])
        client.protocol.send_binary(payloads[1])
        assert client._send_data()
    assert server.recv(timeout=JOIN_TIMEOUT) == payloads[0]
    assert server.recv(timeout=JOIN_TIMEOUT) == payloads[1]


# broadcast() from the connection module


def test_broadcast_importable() -> None:
    from websockets.sync import connection, server
    from websockets.sync.connection import broadcast

    assert broadcast is server.broadcast
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        connection.nothing  # noqa: B018


def test_broadcast_importable_first() -> None:
    """Importing broadcast before the server module doesn't hit an import cycle."""
    code = (
        "from websockets.sync.connection import broadcast\n"
        "import websockets.sync.server\n"
        "assert broadcast is websockets.sync.server.broadcast\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=JOIN_TIMEOUT)


def test_broadcast_from_connection_module(pair: tuple[ClientConnection, Connection]) -> None:
    from websockets.sync.connection import broadcast

    client, server = pair
    broadcast([server], "news")
    assert client.recv(timeout=JOIN_TIMEOUT) == "news"
