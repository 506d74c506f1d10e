"""permessage-deflate over real threading connections on 127.0.0.1."""

from __future__ import annotations

import itertools
import os
import sys
import tracemalloc
from collections.abc import Sequence

import pytest

from websockets.exceptions import ConnectionClosedError
from websockets.extensions import Extension
from websockets.frames import CloseCode, Frame
from websockets.sync.client import connect
from websockets.sync.server import ServerConnection
from websockets.typing import ExtensionParameter

from .utils import JOIN_TIMEOUT, get_uri, run_server

DEFLATE = "websockets.extensions.permessage_deflate"

pd = pytest.importorskip(DEFLATE, reason="ws-deflate isn't installed")


class RecordingDeflate(pd.PerMessageDeflate):  # type: ignore[name-defined, misc]
    """Records RSV1 of the first frame of each message received."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.compressed: list[bool] = []

    def decode(self, frame: Frame, *, max_size: int | None = None) -> Frame:
        if frame.opcode != 0:
            self.compressed.append(frame.rsv1)
        return super().decode(frame, max_size=max_size)  # type: ignore[no-any-return]


class RecordingServerFactory(pd.ServerPerMessageDeflateFactory):  # type: ignore[name-defined, misc]
    def process_request_params(
        self, params: Sequence[ExtensionParameter], accepted: Sequence[Extension]
    ) -> tuple[list[ExtensionParameter], Extension]:
        response, ext = super().process_request_params(params, accepted)
        recording = RecordingDeflate(
            ext.remote_no_context_takeover,
            ext.local_no_context_takeover,
            ext.remote_max_window_bits,
            ext.local_max_window_bits,
            ext.compress_settings,
            ext.compress_threshold,
        )
        self.last = recording
        return response, recording


def echo(websocket: ServerConnection) -> None:
    for message in websocket:
        websocket.send(message)


MESSAGES: list[str | bytes] = [
    "",
    b"",
    "café " * 500,
    b'{"id": 1, "values": [1, 2, 3]}' * 100,
    os.urandom(3000),
]


@pytest.mark.parametrize(
    ("server_no_context_takeover", "client_no_context_takeover", "window_bits"),
    [(s, c, w) for s, c in itertools.product([False, True], repeat=2) for w in (8, 9, 12, 15)],
)
def test_round_trips(
    server_no_context_takeover: bool, client_no_context_takeover: bool, window_bits: int
) -> None:
    server_factory = pd.ServerPerMessageDeflateFactory(
        server_no_context_takeover=server_no_context_takeover,
        client_no_context_takeover=client_no_context_takeover,
        server_max_window_bits=window_bits,
        client_max_window_bits=window_bits,
        compress_threshold=0,
    )
    client_factory = pd.ClientPerMessageDeflateFactory(compress_threshold=0)
    with (
        run_server(echo, compression=None, extensions=[server_factory]) as server,
        connect(get_uri(server), compression=None, extensions=[client_factory]) as client,
    ):
        (extension,) = client.protocol.extensions
        assert isinstance(extension, pd.PerMessageDeflate)
        assert extension.local_no_context_takeover == client_no_context_takeover
        assert extension.remote_no_context_takeover == server_no_context_takeover
        assert extension.local_max_window_bits == window_bits
        assert extension.remote_max_window_bits == window_bits
        for message in MESSAGES * 2:
            client.send(message)
            assert client.recv(timeout=JOIN_TIMEOUT) == message
        # Fragmented messages, from an iterable.
        client.send(["frag", "mented ", "text" * 100])
        assert client.recv(timeout=JOIN_TIMEOUT) == "fragmented " + "text" * 100
        client.send([b"\x00" * 1000, b"", b"\xff" * 1000])
        assert client.recv(timeout=JOIN_TIMEOUT) == b"\x00" * 1000 + b"\xff" * 1000


def test_default_compression_negotiated() -> None:
    with run_server(echo) as server, connect(get_uri(server)) as client:
        (extension,) = client.protocol.extensions
        assert isinstance(extension, pd.PerMessageDeflate)
        assert extension.local_max_window_bits == extension.remote_max_window_bits == 12
        client.send("hello " * 100)
        assert client.recv(timeout=JOIN_TIMEOUT) == "hello " * 100


def test_threshold_and_compress_false() -> None:
    factory = RecordingServerFactory()
    with (
        run_server(echo, compression=None, extensions=[factory]) as server,
        connect(get_uri(server)) as client,
    ):
        client.send("tiny")  # under the default threshold of 32 bytes
        client.send("x" * 1000)
        client.send("y" * 1000, compress=False)
        client.send(["z" * 500, "z" * 500], compress=False)
        client.send(b"w" * 1000)
        for _ in range(5):
            client.recv(timeout=JOIN_TIMEOUT)
        assert factory.last.compressed == [False, True, False, False, True]


def test_decompression_bomb() -> None:
    def sink(websocket: ServerConnection) -> None:
        for _ in websocket:
            pass

    with (
        run_server(sink, max_size=2**20) as server,
        connect(get_uri(server), max_size=2**20) as client,
    ):
        tracemalloc.start()
        try:
            # 100 MB of zeros compress to about 100 KB.
            client.send(b"\x00" * 100_000_000)
            with pytest.raises(ConnectionClosedError) as raised:
                client.recv(timeout=JOIN_TIMEOUT)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert raised.value.rcvd is not None
        assert raised.value.rcvd.code == CloseCode.MESSAGE_TOO_BIG
    # The sender held the 100 MB message; the receiver never inflated it.
    assert peak < 100_000_000 + 20 * 2**20


def test_explicit_deflate_without_ws_deflate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, DEFLATE, None)
    with pytest.raises(ImportError, match="requires the ws-deflate distribution"):
        connect("ws://127.0.0.1:1/", compression="deflate")


def test_default_without_ws_deflate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, DEFLATE, None)
    with run_server(echo) as server, connect(get_uri(server)) as client:
        assert client.protocol.extensions == []
        assert client.request is not None
        assert "Sec-WebSocket-Extensions" not in client.request.headers
