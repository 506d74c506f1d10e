"""Fuzz target: negotiation of permessage-deflate, from the
``Sec-WebSocket-Extensions`` header to the extensions in use.

Input layout: byte 0 chooses the side (0x80: a client processing the
server's response, else a server processing the client's offer) and the
configuration of the factory (low 4 bits, in ``SERVER_FACTORIES`` or
``CLIENT_FACTORIES``); the rest is the header value, decoded as
ISO-8859-1, as :mod:`websockets.http11` does; ``\\x00`` separates several
values of the header.

Beyond raising only documented exceptions: what the server answers parses as
a valid response, the parameters in use are within what was offered and
configured, and the negotiated extensions of both ends understand each other:
each one decompresses what the other compressed.

"""

from __future__ import annotations

from typing import Any

from fuzz import _harness

with _harness.instrumented():
    from fuzz import _checks
    from websockets.client import ClientProtocol
    from websockets.exceptions import InvalidHeaderFormat, NegotiationError
    from websockets.extensions.permessage_deflate import (
        ClientPerMessageDeflateFactory,
        PerMessageDeflate,
        ServerPerMessageDeflateFactory,
        _extract_parameters,
    )
    from websockets.frames import OP_BINARY, OP_CONT, OP_TEXT, Frame
    from websockets.headers import parse_extension
    from websockets.server import ServerProtocol
    from websockets.uri import parse_uri

SERVER_FACTORIES: list[dict[str, Any]] = [
    {},
    {"server_no_context_takeover": True, "client_no_context_takeover": True},
    {"server_max_window_bits": 10, "client_max_window_bits": 9},
    {"server_max_window_bits": 12, "client_max_window_bits": 12},
    {"client_max_window_bits": 8, "require_client_max_window_bits": True},
    {"server_max_window_bits": 8},
    {"compress_settings": {"memLevel": 5}, "compress_threshold": 0},
]

CLIENT_FACTORIES: list[dict[str, Any]] = [
    {},
    {"server_no_context_takeover": True, "client_no_context_takeover": True},
    {"server_max_window_bits": 10, "client_max_window_bits": 9},
    {"client_max_window_bits": None},
    {"server_max_window_bits": 8, "client_max_window_bits": 8},
    {"compress_settings": {"memLevel": 5}, "compress_threshold": 0},
]

MESSAGES = [b"", b"a", b"Hello, world! " * 20, bytes(range(256)) * 3]


def mirror(extension: PerMessageDeflate) -> PerMessageDeflate:
    """The extension of the other end, with the same parameters seen from there."""
    return PerMessageDeflate(
        remote_no_context_takeover=extension.local_no_context_takeover,
        local_no_context_takeover=extension.remote_no_context_takeover,
        remote_max_window_bits=extension.local_max_window_bits,
        local_max_window_bits=extension.remote_max_window_bits,
        compress_threshold=0,
    )


def check_exchange(sender: PerMessageDeflate, receiver: PerMessageDeflate) -> None:
    """Send a few messages, one of them fragmented, from sender to receiver."""
    sender.compress_threshold = 0
    for message in MESSAGES:
        frame = sender.encode(Frame(OP_BINARY, message))
        assert frame.rsv1
        decoded = receiver.decode(frame, max_size=len(message))
        assert decoded.data == message and not decoded.rsv1
    first = sender.encode(Frame(OP_TEXT, b"fragmented ", fin=False))
    last = sender.encode(Frame(OP_CONT, b"message"))
    data = bytes(receiver.decode(first).data) + bytes(receiver.decode(last).data)
    assert data == b"fragmented message"


def check_server(config: int, values: list[str]) -> None:
    factory = ServerPerMessageDeflateFactory(**SERVER_FACTORIES[config % len(SERVER_FACTORIES)])
    protocol = ServerProtocol(extensions=[factory])
    headers = _checks.received_headers([("Sec-WebSocket-Extensions", value) for value in values])
    try:
        response, extensions = protocol.process_extensions(headers)
    except InvalidHeaderFormat:
        return
    if response is None:
        assert not extensions
        return
    assert len(extensions) == 1  # duplicates are declined
    (extension,) = extensions
    assert isinstance(extension, PerMessageDeflate)
    ((name, params),) = parse_extension(response)
    assert name == "permessage-deflate"
    server_nct, client_nct, server_bits, client_bits = _extract_parameters(params, is_server=False)
    assert extension.local_no_context_takeover == server_nct
    assert extension.remote_no_context_takeover == client_nct
    assert extension.local_max_window_bits == (server_bits or 15)
    assert extension.remote_max_window_bits == (client_bits or 15)
    if factory.client_max_window_bits is not None and client_bits is not None:
        assert client_bits <= factory.client_max_window_bits
    if factory.server_max_window_bits is not None:
        assert extension.local_max_window_bits <= factory.server_max_window_bits
    check_exchange(extension, mirror(extension))
    check_exchange(mirror(extension), extension)


def check_client(config: int, values: list[str]) -> None:
    settings = CLIENT_FACTORIES[config % len(CLIENT_FACTORIES)]
    factory = ClientPerMessageDeflateFactory(**settings)
    protocol = ClientProtocol(parse_uri("ws://example.com/"), extensions=[factory])
    headers = _checks.received_headers([("Sec-WebSocket-Extensions", value) for value in values])
    try:
        extensions = protocol.process_extensions(headers)
    except (InvalidHeaderFormat, NegotiationError):
        return
    if not extensions:
        return
    (extension,) = extensions
    assert isinstance(extension, PerMessageDeflate)
    if factory.server_no_context_takeover:
        assert extension.remote_no_context_takeover
    if factory.client_no_context_takeover:
        assert extension.local_no_context_takeover
    if factory.server_max_window_bits is not None:
        assert extension.remote_max_window_bits <= factory.server_max_window_bits
    if factory.client_max_window_bits is None:
        assert extension.local_max_window_bits == 15
    elif factory.client_max_window_bits is not True:
        assert extension.local_max_window_bits <= factory.client_max_window_bits
    check_exchange(extension, mirror(extension))
    check_exchange(mirror(extension), extension)


def test_one_input(data: bytes) -> None:
    selector = data[0] if data else 0
    values = data[1:].decode("latin-1").split("\x00")
    if selector & 0x80:
        check_client(selector & 0x0F, values)
    else:
        check_server(selector & 0x0F, values)


if __name__ == "__main__":
    _harness.main(test_one_input)
