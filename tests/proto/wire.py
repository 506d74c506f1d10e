"""Sending messages and feeding bytes to the Sans-I/O parsers, for property tests.

A parser must give the same result however the network splits its input:
these helpers turn cut points drawn by Hypothesis into chunks and feed them
the ways an I/O layer would, and send messages between a client and a
server. The property tests of tests/proto and tests/deflate share them.

"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Generator, Iterable, Sequence

import pytest
from hypothesis import strategies as st

from websockets.client import ClientProtocol
from websockets.extensions import ClientExtensionFactory, ServerExtensionFactory
from websockets.frames import OP_CONT, OP_PING, OP_TEXT, Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import OPEN, Event, Protocol
from websockets.server import ServerProtocol
from websockets.streams import StreamReader
from websockets.uri import parse_uri

__all__ = [
    "Message",
    "Payload",
    "chunks",
    "connect_client",
    "connect_server",
    "cut_points",
    "feed_protocol",
    "fragment",
    "messages",
    "run_parser",
]


# Feeding bytes.


def cut_points(data: st.DataObject, size: int, max_cuts: int = 12) -> list[int]:
    """Draw positions where to cut ``size`` bytes.

    Hypothesis draws small integers more often than large ones: positions
    drawn from ``range(size)`` would cut near the start of the stream, in
    the handshake, and rarely in the frames after it. Here positions are
    drawn near the start, near the end, or anywhere with a scrambling
    multiplication; some come in runs of cuts a byte apart, which feed the
    bytes around a position one at a time.

    """
    if size < 2:
        return []
    near_start = st.integers(1, size - 1)
    near_end = near_start.map(lambda distance: size - distance)
    anywhere = st.integers(0, 2**32 - 1).map(lambda key: 1 + key * 2654435761 % (size - 1))
    single = (near_start | near_end | anywhere).map(lambda cut: [cut])
    run = st.tuples(anywhere, st.integers(2, 8)).map(
        lambda args: list(range(args[0], min(args[0] + args[1], size)))
    )
    groups = data.draw(st.lists(single | run, max_size=max_cuts), "cuts")
    return [cut for group in groups for cut in group]


def chunks(stream: bytes, cuts: Iterable[int]) -> list[bytes]:
    """Cut ``stream`` at ``cuts``; no chunk is empty, except for an empty stream."""
    points = sorted({0, len(stream), *(cut for cut in cuts if 0 < cut < len(stream))})
    return [stream[start:end] for start, end in itertools.pairwise(points)] or [stream]


def run_parser(
    make_parser: Callable[[StreamReader], Generator[None, None, object]],
    pieces: Iterable[bytes],
    *,
    eof: bool = False,
) -> tuple[object, bytes]:
    """Feed ``pieces`` to a generator-based parser until it returns.

    Returns:
        What the parser returned and the bytes it didn't consume: those left
        in the reader and those it didn't need to be fed.

    """
    reader = StreamReader()
    parser = make_parser(reader)
    pending = iter(pieces)
    while True:
        try:
            next(parser)
        except StopIteration as exc:
            return exc.value, bytes(reader.buffer) + b"".join(pending)
        piece = next(pending, None)
        if piece is not None:
            reader.feed_data(piece)
        elif eof and not reader.eof:
            reader.feed_eof()
        else:
            pytest.fail("the parser waits for more bytes after the whole input")


def feed_protocol(
    protocol: Protocol,
    stream: bytes,
    cuts: Iterable[int],
    *,
    into_buffer: bool = False,
) -> list[Event]:
    """Feed ``stream`` to ``protocol`` in chunks; return the events received.

    With ``into_buffer``, bytes go into the view that
    :meth:`~websockets.protocol.Protocol.get_buffer` offers, when it offers
    one, like an I/O layer that receives with ``recv_into``.

    A server answers the handshake request as soon as it's received, in the
    middle of the stream: the frames that follow the request in the same
    chunk wait until the connection opens.

    """
    events: list[Event] = []

    def collect() -> None:
        for event in protocol.events_received():
            events.append(event)
            if isinstance(event, Request):
                assert isinstance(protocol, ServerProtocol)
                protocol.send_response(protocol.accept(event))
                collect()

    for chunk in chunks(stream, cuts):
        offset = 0
        while offset < len(chunk):
            view = protocol.get_buffer() if into_buffer else None
            if view is None:
                protocol.receive_data(chunk[offset:])
                offset = len(chunk)
            else:
                size = min(len(view), len(chunk) - offset)
                view[:size] = chunk[offset : offset + size]
                del view  # the protocol releases the view: drop our reference
                protocol.buffer_updated(size)
                offset += size
            collect()
    return events


# Sending messages.


class Payload(bytes):
    """Bytes with a short repr.

    Hypothesis prints the arguments of a failing example, and warns about a
    repr over 100 kB, which the test suite turns into an error that hides
    the failure.

    """

    def __repr__(self) -> str:
        if len(self) <= 64:
            return bytes(self).__repr__()
        return f"<{len(self)} bytes: {bytes(self[:32])!r}...>"


@dataclasses.dataclass
class Message:
    """A message, with how to fragment it and the pings to send between fragments."""

    opcode: Opcode
    data: bytes
    fragments: list[bytes]
    pings: list[bytes | None]

    def __repr__(self) -> str:
        sizes = [len(fragment) for fragment in self.fragments]
        return (
            f"Message({self.opcode.name}, {Payload(self.data)!r}, {sizes=}, pings={self.pings!r})"
        )

    def send(self, protocol: Protocol) -> list[Frame]:
        """Send the message with ``protocol``; return the frames the peer must receive."""
        sent = []
        last = len(self.fragments) - 1
        for index, (fragment, ping) in enumerate(zip(self.fragments, self.pings, strict=True)):
            fin = index == last
            if index == 0:
                if self.opcode is OP_TEXT:
                    protocol.send_text(fragment, fin=fin)
                else:
                    protocol.send_binary(fragment, fin=fin)
                sent.append(Frame(self.opcode, fragment, fin))
            else:
                protocol.send_continuation(fragment, fin=fin)
                sent.append(Frame(OP_CONT, fragment, fin))
            if ping is not None and not fin:
                protocol.send_ping(ping)
                sent.append(Frame(OP_PING, ping))
        return sent


def fragment(data: bytes, cuts: Iterable[int]) -> list[bytes]:
    """Split ``data`` at ``cuts``; fragments may be empty."""
    points = [0, *sorted(cut for cut in cuts if cut <= len(data)), len(data)]
    return [data[start:end] for start, end in itertools.pairwise(points)]


@st.composite
def messages(
    draw: st.DrawFn,
    message_data: Callable[[Opcode], st.SearchStrategy[bytes]],
    max_fragments: int = 5,
) -> Message:
    """Text and binary messages with data drawn by ``message_data(opcode)``.

    A message over 64 KiB comes in two fragments at most, so that one of them
    is often large enough to be received in place.

    """
    opcode = draw(st.sampled_from([OP_TEXT, Opcode.BINARY]))
    data = draw(message_data(opcode))
    max_cuts = 1 if len(data) > 65536 else max_fragments - 1
    fragments = fragment(data, draw(st.lists(st.integers(0, len(data)), max_size=max_cuts)))
    pings = draw(
        st.lists(
            st.none() | st.binary(max_size=10), min_size=len(fragments), max_size=len(fragments)
        )
    )
    return Message(opcode, data, fragments, pings)


# Opening connections.

URI = "ws://example.com/chat?room=1"


def connect_client(
    client_extensions: Sequence[ClientExtensionFactory] | None = None,
    server_extensions: Sequence[ServerExtensionFactory] | None = None,
) -> tuple[ClientProtocol, bytes]:
    """Open a client; return it and its handshake request.

    A throwaway server, with ``server_extensions``, answers the request, so
    that the client can send frames; the server under test gets the request
    and the frames in one stream, like from the network.

    """
    client = ClientProtocol(parse_uri(URI), extensions=client_extensions)
    client.send_request(client.connect())
    request = b"".join(client.data_to_send())
    server = ServerProtocol(extensions=server_extensions)
    server.receive_data(request)
    (event,) = server.events_received()
    assert isinstance(event, Request)
    server.send_response(server.accept(event))
    client.receive_data(b"".join(server.data_to_send()))
    assert client.events_received()
    assert client.state is OPEN, client.handshake_exc
    return client, request


def connect_server(
    client_extensions: Sequence[ClientExtensionFactory] | None = None,
    server_extensions: Sequence[ServerExtensionFactory] | None = None,
) -> tuple[ServerProtocol, ClientProtocol, bytes]:
    """Open a server; return it, a client waiting for the response, and the response."""
    client = ClientProtocol(parse_uri(URI), extensions=client_extensions)
    client.send_request(client.connect())
    server = ServerProtocol(extensions=server_extensions)
    server.receive_data(b"".join(client.data_to_send()))
    (event,) = server.events_received()
    assert isinstance(event, Request)
    server.send_response(server.accept(event))
    assert server.state is OPEN, server.handshake_exc
    return server, client, b"".join(server.data_to_send())
