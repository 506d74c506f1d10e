"""WEBSOCKETS_MAX_FRAGMENTS with the threading implementation, over real sockets."""

from __future__ import annotations

import pytest

from websockets import _assembly
from websockets.exceptions import ConnectionClosedError, TooManyFragments
from websockets.frames import CloseCode
from websockets.sync.client import connect
from websockets.sync.server import ServerConnection

from .utils import get_uri, run_server


@pytest.fixture(autouse=True)
def max_fragments(monkeypatch: pytest.MonkeyPatch) -> None:
    # The limit is read from the environment at import; patch it instead.
    monkeypatch.setattr(_assembly, "MAX_FRAGMENTS", 3)


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
