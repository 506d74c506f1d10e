"""Our clients and servers against aiohttp's and node's ws, in both roles.

Every test runs for each peer (``aiohttp``, ``ws``), each of our I/O layers
(``asyncio``, ``sync``) and each role of ours (``our_client``: our client
connects to the peer's server; ``our_server``: the peer's client connects
to our server). The peer runs in a subprocess (tests/interop/peer.py) and
reports what it observed; the test asserts on what both ends saw.

"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from websockets.exceptions import ConnectionClosedOK
from websockets.extensions.permessage_deflate import (
    ClientPerMessageDeflateFactory,
    ServerPerMessageDeflateFactory,
)
from websockets.typing import Data

from .ours import CLOSES, OurConnection, Ours, assert_closed
from .payloads import MiB, binary, describe, fragmented_messages, join, label, messages, text
from .peer import AIOHTTP, WS, Peer, PeerKind

pytestmark = pytest.mark.interop

ROLES = ["our_client", "our_server"]


@dataclass
class Pair:
    """Both ends of a connection: ours, and the peer's report of its opening."""

    ours: OurConnection
    peer: Peer
    opened: dict[str, Any]


def open_pair(peer: Peer, ours: Ours, role: str, *, compress: bool, autoping: bool = True) -> Pair:
    """Connect our client to the peer's server, or the peer's client to ours.

    ``compress`` enables permessage-deflate on both ends. ``autoping=False``
    asks aiohttp to report pings instead of answering them by itself.
    """
    if role == "our_client":
        peer.send("listen", compress=compress, autoping=autoping)
        port = peer.expect("listening")["port"]
        peer.expect("done")
        connection = ours.connect(f"ws://127.0.0.1:{port}/interop", compress)
        opened = peer.expect("open")
    else:
        server = ours.serve(compress)
        url = f"ws://127.0.0.1:{server.port}/interop"
        peer.send("connect", url=url, compress=compress, autoping=autoping)
        opened = peer.expect("open")
        peer.expect("done")
        connection = server.accept()
    return Pair(connection, peer, opened)


def round_trip(pair: Pair, message: Data | list[Data]) -> None:
    """Send a message (fragmented if it's a list); check what the peer got and echoed."""
    whole = join(message) if isinstance(message, list) else message
    pair.ours.send(message)
    received = pair.peer.expect("message")
    assert received == {"event": "message", **describe(whole)}, f"peer got {label(whole)} wrong"
    echo = pair.ours.recv()
    assert describe(echo) == describe(whole), f"echo of {label(whole)} differs"


def close_normally(pair: Pair) -> None:
    """Close from our side with 1000 and check that both ends saw it."""
    pair.ours.close()
    assert isinstance(pair.ours.closed(), ConnectionClosedOK)
    closed = pair.peer.expect("closed")
    assert (closed["code"], closed["reason"]) == (1000, "")


@pytest.mark.parametrize("compress", [True, False], ids=["deflate", "no_compression"])
@pytest.mark.parametrize("role", ROLES)
def test_messages(peer: Peer, ours: Ours, role: str, compress: bool) -> None:
    """Text and binary messages up to several MiB, whole and fragmented, both ways.

    The peer reports the type, size and SHA-256 of each message it decoded,
    then echoes it; our side checks the echo. With ``deflate`` both ends
    enable permessage-deflate and must have negotiated it; without, neither
    offers nor accepts it.
    """
    pair = open_pair(peer, ours, role, compress=compress)
    connection = pair.ours

    # Negotiation, as each end saw it.
    assert pair.opened["deflate"] is compress
    if compress:
        assert connection.offered_extensions.startswith("permessage-deflate")
        assert connection.extensions.startswith("permessage-deflate")
    else:
        assert connection.extensions == ""
        if role == "our_client":
            assert connection.offered_extensions == ""
    if pair.opened["extensions"]:  # The peer exposes its response header.
        assert pair.opened["extensions"] == connection.extensions

    for message in messages():
        round_trip(pair, message)

    # Fragmented messages from us: the peer reassembles them.
    for fragments in fragmented_messages():
        round_trip(pair, fragments)

    # Fragmented messages from the peer, where its API can send them:
    # recv_streaming() yields one item per frame, which proves that the
    # message came in fragments.
    if peer.kind.sends_fragments:
        peer.command("fragments", count=3)
        large: list[Data] = [text(100_000, seed=20), binary(MiB, seed=21)]
        for message in large:
            connection.send(message)
            assert peer.expect("message") == {"event": "message", **describe(message)}
            fragments = connection.recv_fragments()
            assert len(fragments) == 3
            assert describe(join(fragments)) == describe(message)
    else:
        peer.send("fragments", count=3)
        peer.expect("unsupported")

    # The peer answers our ping by itself.
    connection.ping("are you there?")

    close_normally(pair)


@pytest.mark.parametrize("role", ROLES)
def test_pings(peer: Peer, ours: Ours, role: str) -> None:
    """Pings both ways, answered with the same payload: 125 bytes is the most allowed.

    aiohttp runs with autoping off here, so that it reports the pings and
    pongs it receives; it answers pings as autoping does. test_messages
    checks that aiohttp's autoping answers ours.
    """
    pair = open_pair(peer, ours, role, compress=False, autoping=False)
    connection = pair.ours
    payloads = ["ping from us", "p" * 125, ""]

    for payload in payloads:
        connection.ping(payload)
        assert peer.expect("ping")["data"] == payload

    for payload in payloads:
        peer.command("ping", data=payload)
        # Our library answered: the peer got a pong with the same payload.
        assert peer.expect("pong")["data"] == payload

    # Data messages still flow after control frames.
    round_trip(pair, "still here")
    close_normally(pair)


@pytest.mark.parametrize(("code", "reason"), CLOSES, ids=["4000", "1000", "3000_unicode"])
@pytest.mark.parametrize("initiator", ["us", "peer"])
@pytest.mark.parametrize("role", ROLES)
def test_close(peer: Peer, ours: Ours, role: str, initiator: str, code: int, reason: str) -> None:
    """A closing handshake started by either end; code and reason checked on both.

    RFC 6455 lets the end that receives a close frame choose the code of its
    answer: ours and ws echo the code and reason, aiohttp answers 1000
    without a reason.
    """
    pair = open_pair(peer, ours, role, compress=False)
    connection = pair.ours
    round_trip(pair, "before closing")

    if initiator == "us":
        connection.close(code, reason)
        reply = (code, reason) if peer.kind.echoes_close else (1000, "")
        assert_closed(connection.closed(), sent=(code, reason), rcvd=reply)
        assert (connection.close_code, connection.close_reason) == reply
        closed = peer.expect("closed")
        assert (closed["code"], closed["reason"]) == (code, reason)
    else:
        peer.send("close", code=code, reason=reason)
        # Our side echoes the close frame it received.
        assert_closed(connection.closed(), sent=(code, reason), rcvd=(code, reason))
        assert (connection.close_code, connection.close_reason) == (code, reason)
        closed = peer.expect("closed")
        assert closed["code"] == code
        # aiohttp doesn't expose the reason of the frame that answers its close.
        assert closed["reason"] == (reason if peer.kind.sees_reply_reason else None)


@pytest.mark.parametrize("declined_by", ["us", "peer"])
@pytest.mark.parametrize("role", ROLES)
def test_compression_declined(peer: Peer, ours: Ours, role: str, declined_by: str) -> None:
    """One end supports permessage-deflate, the other doesn't: messages flow uncompressed.

    When the client doesn't offer it the server can't use it; when the
    server doesn't accept the client's offer the client must do without.
    """
    our_compress = declined_by != "us"
    if role == "our_client":
        peer.send("listen", compress=not our_compress)
        port = peer.expect("listening")["port"]
        connection = ours.connect(f"ws://127.0.0.1:{port}/interop", our_compress)
        assert connection.offered_extensions.startswith("permessage-deflate") is our_compress
    else:
        server = ours.serve(our_compress)
        url = f"ws://127.0.0.1:{server.port}/interop"
        peer.send("connect", url=url, compress=not our_compress)
        connection = server.accept()
        assert connection.offered_extensions.startswith("permessage-deflate") is not our_compress
    opened = peer.expect("open")
    pair = Pair(connection, peer, opened)

    assert opened["deflate"] is False
    assert connection.extensions == ""
    round_trip(pair, text(100_000, seed=40))
    round_trip(pair, binary(MiB, seed=41, compressible=True))
    close_normally(pair)


# Tight permessage-deflate parameters, asked for by one end: no context
# takeover either way, LZ77 windows of 1 KiB (10 bits) instead of 32 KiB.
OUR_CLIENT_DEFLATE = ClientPerMessageDeflateFactory(
    server_no_context_takeover=True,
    client_no_context_takeover=True,
    server_max_window_bits=10,
    client_max_window_bits=10,
)
OUR_SERVER_DEFLATE = ServerPerMessageDeflateFactory(
    server_no_context_takeover=True,
    client_no_context_takeover=True,
    server_max_window_bits=10,
    client_max_window_bits=10,
)
# ws's perMessageDeflate options; threshold 0 compresses even small messages.
WS_DEFLATE = {
    "serverNoContextTakeover": True,
    "clientNoContextTakeover": True,
    "serverMaxWindowBits": 10,
    "clientMaxWindowBits": 10,
    "threshold": 0,
}
ALL_FOUR = {
    "server_no_context_takeover",
    "client_no_context_takeover",
    "server_max_window_bits=10",
    "client_max_window_bits=10",
}


def parameters(extensions: str) -> set[str]:
    """Parameters of the one permessage-deflate in a Sec-WebSocket-Extensions header."""
    name, *params = (item.strip() for item in extensions.split(";"))
    assert name == "permessage-deflate"
    return set(params)


def tight_case(kind: PeerKind, role: str, asked_by: str, expected: set[str]) -> Any:
    return pytest.param(
        kind, role, asked_by, expected, id=f"{kind.name}-{role}-asked_by_{asked_by}"
    )


@pytest.mark.parametrize(
    ("peer", "role", "asked_by", "expected"),
    [
        # RFC 7692 requires a server to accept server_no_context_takeover and
        # server_max_window_bits as offered (or a smaller window); aiohttp
        # ignores the client_* parameters, which it may.
        tight_case(
            AIOHTTP, "our_client", "us", {"server_no_context_takeover", "server_max_window_bits=10"}
        ),
        tight_case(WS, "our_client", "us", ALL_FOUR),
        # Our server answers with its own parameters.
        tight_case(AIOHTTP, "our_server", "us", ALL_FOUR),
        tight_case(WS, "our_server", "us", ALL_FOUR),
        # The peer asks: aiohttp's client can only ask for a smaller server
        # window; ws asks for all four, or its server imposes them.
        tight_case(
            AIOHTTP,
            "our_server",
            "peer",
            {"server_max_window_bits=10", "client_max_window_bits=12"},
        ),
        tight_case(WS, "our_server", "peer", ALL_FOUR),
        tight_case(WS, "our_client", "peer", ALL_FOUR),
    ],
    indirect=["peer"],
)
def test_deflate_parameters(
    peer: Peer, ours: Ours, role: str, asked_by: str, expected: set[str]
) -> None:
    """permessage-deflate with tight parameters asked for by one end or the other.

    Compressors that ignore a negotiated window size or context takeover
    setting produce data that the other end can't decompress: repeated
    messages (context takeover helps, unless it's off) and a large
    repetitive one (LZ77 distances beyond the window) would fail.
    """
    peer_compress: object = True
    if asked_by == "us":
        factory = OUR_CLIENT_DEFLATE if role == "our_client" else OUR_SERVER_DEFLATE
        options: dict[str, Any] = {"compression": None, "extensions": [factory]}
    else:
        peer_compress = WS_DEFLATE if peer.kind is WS else 10
        options = {}
    # compress=True, unless options replace compression with extensions.
    if role == "our_client":
        peer.send("listen", compress=peer_compress)
        port = peer.expect("listening")["port"]
        connection = ours.connect(f"ws://127.0.0.1:{port}/interop", True, **options)
    else:
        server = ours.serve(True, **options)
        peer.send("connect", url=f"ws://127.0.0.1:{server.port}/interop", compress=peer_compress)
        connection = server.accept()
    opened = peer.expect("open")
    pair = Pair(connection, peer, opened)

    assert opened["deflate"] is True
    assert parameters(connection.extensions) == expected
    if opened["extensions"]:
        assert opened["extensions"] == connection.extensions

    repeated = text(20_000, seed=30)
    compressible: list[Data] = [
        repeated,
        repeated,
        repeated,
        binary(2 * MiB, seed=31, compressible=True),
    ]
    for message in compressible:
        round_trip(pair, message)
    round_trip(pair, [repeated, repeated, "end"])
    close_normally(pair)
