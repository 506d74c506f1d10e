"""WEBSOCKETS_MAX_FRAGMENTS with the threading implementation, over real sockets."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from websockets.exceptions import ConnectionClosedError, TooManyFragments
from websockets.frames import CloseCode
from websockets.sync import messages
from websockets.sync.client import connect
from websockets.sync.server import ServerConnection

from .utils import get_uri, run_server


@pytest.fixture(autouse=True)
def max_fragments(monkeypatch: pytest.MonkeyPatch) -> None:
    # The limit is read from the environment at import; patch it where
    # integrators patch upstream's.
    monkeypatch.setattr(messages, "MAX_FRAGMENTS", 3)


def test_limit_from_environment() -> None:
    # Read at import, so in a fresh interpreter; no limit without it.
    code = "import websockets.sync.messages as m; print(m.MAX_FRAGMENTS)"
    env = {k: v for k, v in os.environ.items() if k != "WEBSOCKETS_MAX_FRAGMENTS"}
    run = [sys.executable, "-c", code]
    assert subprocess.run(run, env=env, capture_output=True, text=True).stdout == "None\n"
    env["WEBSOCKETS_MAX_FRAGMENTS"] = "7"
    assert subprocess.run(run, env=env, capture_output=True, text=True).stdout == "7\n"


def test_limit_patched_after_connecting(monkeypatch: pytest.MonkeyPatch) -> None:
    def handler(websocket: ServerConnection) -> None:
        for message in websocket:
            # Three fragments and the empty final frame: four frames.
            websocket.send(list(message))

    monkeypatch.setattr(messages, "MAX_FRAGMENTS", None)
    with run_server(handler) as server, connect(get_uri(server)) as client:
        client.send("abc")
        assert client.recv() == "abc"
        monkeypatch.setattr(messages, "MAX_FRAGMENTS", 3)
        client.send("abc")
        with pytest.raises(ConnectionClosedError) as raised:
            client.recv()
        assert isinstance(raised.value.__cause__, TooManyFragments)


def echo_whole(websocket: ServerConnection) -> None:
    websocket.send(websocket.recv())


def test_message_at_limit() -> None:
    with run_server(echo_whole) as server, connect(get_uri(server)) as client:
        # Two fragments and the empty final frame: three frames.
        client.send(["a", "b"])
        assert client.recv() == "ab"


def test_too_many_fragments() -> None:
    raised: list[BaseException] = []

    def handler(websocket: ServerConnection) -> None:
        try:
            websocket.recv()
        except BaseException as exc:
            raised.append(exc)
            raise

    with run_server(handler) as server, connect(get_uri(server)) as client:
        # Three fragments and the empty final frame: four frames.
        client.send(["a", "b", "c"])
        with pytest.raises(ConnectionClosedError) as client_raised:
            client.recv()

    [server_exc] = raised
    assert isinstance(server_exc, ConnectionClosedError)
    assert isinstance(server_exc.__cause__, TooManyFragments)
    assert server_exc.sent is not None
    assert server_exc.sent.code == CloseCode.MESSAGE_TOO_BIG
    assert server_exc.sent.reason == "too many fragments"
    rcvd = client_raised.value.rcvd
    assert rcvd is not None
    assert (rcvd.code, rcvd.reason) == (1009, "too many fragments")


def test_recv_streaming_isnt_limited() -> None:
    def handler(websocket: ServerConnection) -> None:
        websocket.send(list(websocket.recv_streaming()))

    with run_server(handler) as server, connect(get_uri(server)) as client:
        client.send(["a", "b", "c", "d"])
        # The server echoes the empty final frame as a fragment too.
        assert [f for f in client.recv_streaming() if f] == ["a", "b", "c", "d"]


def test_later_recv_keeps_cause() -> None:
    def handler(websocket: ServerConnection) -> None:
        # Three fragments and the empty final frame: four frames.
        websocket.send(["a", "b", "c"])
        websocket.recv()

    with run_server(handler) as server, connect(get_uri(server)) as client:
        for _ in range(2):
            # Like upstream, every recv() after the failure says why.
            with pytest.raises(ConnectionClosedError) as raised:
                client.recv()
            assert isinstance(raised.value.__cause__, TooManyFragments)
        # So does send(), like upstream.
        with pytest.raises(ConnectionClosedError) as raised:
            client.send("x")
        assert isinstance(raised.value.__cause__, TooManyFragments)
