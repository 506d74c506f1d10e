"""Checks shared by the tests of both sides of the Sans-I/O protocol."""

from __future__ import annotations

import types

from websockets.frames import Frame, Opcode
from websockets.protocol import CLOSED, Protocol


def assert_parses_with_one_generator(protocol: Protocol, frame: bytes) -> None:
    """Check that an open ``protocol`` parses ``frame``, a binary frame with
    payload ``b"x"``, with only the frame parser: no handshake parser around
    it, no generator inside it while it waits for a frame."""
    parser = protocol.parser
    assert isinstance(parser, types.GeneratorType)
    assert parser.gi_code is Protocol.parse.__code__
    assert parser.gi_yieldfrom is None
    protocol.receive_data(frame)
    assert protocol.events_received() == [Frame(Opcode.BINARY, b"x")]
    assert protocol.parser is parser and parser.gi_yieldfrom is None
    # In the middle of a frame, the parser waits in parse_frame().
    protocol.receive_data(frame[:1])
    assert parser.gi_yieldfrom is not None
    protocol.receive_data(frame[1:])
    assert protocol.events_received() == [Frame(Opcode.BINARY, b"x")]
    assert parser.gi_yieldfrom is None
    protocol.receive_eof()
    assert protocol.events_received() == []
    assert protocol.state is CLOSED
    assert protocol.close_code == 1006
