"""Regression tests for the bugs that fuzzing found (see fuzz/).

Each test replays, in readable form, an input that made a fuzz target fail,
and checks the behaviour that the fix established. They need ws-proto alone:
cases that need permessage-deflate live in tests/deflate/.

"""

from __future__ import annotations

import pytest

from websockets.client import ClientProtocol, follow_redirect
from websockets.datastructures import Headers
from websockets.exceptions import (
    InvalidMessage,
    InvalidProxy,
    InvalidState,
    InvalidStatus,
    InvalidURI,
    PayloadTooBig,
)
from websockets.extensions import Extension
from websockets.frames import OP_BINARY, OP_CLOSE, OP_CONT, OP_TEXT, Frame
from websockets.headers import build_host
from websockets.http11 import Request, Response
from websockets.protocol import CLIENT, CLOSED, CLOSING, OPEN, SEND_EOF, SERVER, Protocol, Side
from websockets.proxy import parse_proxy, prepare_connect_request
from websockets.server import ServerProtocol
from websockets.typing import ExtensionName
from websockets.uri import parse_uri


def redirect(location: str) -> InvalidStatus:
    return InvalidStatus(Response(302, "Found", Headers([("Location", location)])))


# fuzz_uri: follow_redirect() let urljoin()'s ValueError escape.


@pytest.mark.parametrize("location", ["//[", "//[::1", "ws://[example.com/", "//]x["])
def test_follow_redirect_to_location_that_urljoin_rejects(location: str) -> None:
    """A Location that urllib.parse.urljoin() can't parse is an invalid URI."""
    exc = redirect(location)
    with pytest.raises(InvalidURI) as raised:
        follow_redirect("wss://example.com/chat", exc)
    assert raised.value.uri == location
    assert raised.value.__cause__ is exc


# fuzz_protocol: fail() on a closed client raised AssertionError in discard().


def test_client_fail_after_failed_handshake_and_eof() -> None:
    """The input that found it: a client whose handshake failed, then closed."""
    client = ClientProtocol(parse_uri("ws://example.com/"))
    client.send_request(client.connect())
    client.data_to_send()
    client.receive_data(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
    assert isinstance(client.handshake_exc, InvalidStatus)
    assert client.data_to_send() == [SEND_EOF]
    (response,) = client.events_received()
    assert isinstance(response, Response) and response.status_code == 404
    client.receive_eof()
    assert client.state is CLOSED

    client.fail(1000, "too late")

    assert client.state is CLOSED
    assert client.data_to_send() == []
    assert client.events_received() == []
    assert isinstance(client.handshake_exc, InvalidStatus)


def test_client_fail_after_unparsable_response_and_eof() -> None:
    client = ClientProtocol(parse_uri("ws://example.com/"))
    client.receive_data(b"HTTP/0.9 what\r\n\r\n")
    assert isinstance(client.handshake_exc, InvalidMessage)
    client.receive_eof()
    client.data_to_send()

    client.fail(1011)

    assert client.state is CLOSED
    assert client.data_to_send() == []


@pytest.mark.parametrize("side", [CLIENT, SERVER])
def test_fail_after_closing_handshake_does_nothing(side: Side) -> None:
    """After a complete closing handshake, both sides ignore fail() alike."""
    protocol = Protocol(side)
    protocol.send_close(1000)
    close = Frame(OP_CLOSE, b"\x03\xe8").serialize(mask=side == SERVER)
    protocol.receive_data(close)
    protocol.receive_eof()
    assert protocol.state is CLOSED
    protocol.data_to_send()

    protocol.fail(1001, "going away")

    assert protocol.state is CLOSED
    assert protocol.data_to_send() == []
    assert protocol.close_code == 1000


@pytest.mark.parametrize("side", [CLIENT, SERVER])
def test_fail_after_abnormal_closure_does_nothing(side: Side) -> None:
    protocol = Protocol(side)
    protocol.receive_eof()
    assert protocol.state is CLOSED
    protocol.data_to_send()

    protocol.fail(1002)

    assert protocol.state is CLOSED
    assert protocol.data_to_send() == []
    assert protocol.close_code == 1006


def test_server_fail_after_rejected_handshake_and_eof() -> None:
    server = ServerProtocol()
    server.receive_data(b"GET / HTTP/1.1\r\n\r\n")
    (request,) = server.events_received()
    assert isinstance(request, Request)
    server.send_response(server.accept(request))
    assert server.state is not OPEN
    server.receive_eof()
    server.data_to_send()

    server.fail(1000)

    assert server.state is CLOSED
    assert server.data_to_send() == []


# fuzz_protocol: a server queued pings and pongs after half-closing the TCP
# connection, in CLOSING, so data_to_send() returned bytes after SEND_EOF.


def server_that_sent_eof(how: str) -> Protocol:
    server = Protocol(SERVER)
    if how == "close received":
        server.receive_data(Frame(OP_CLOSE, b"\x03\xe8").serialize(mask=True))
        assert server.data_to_send() == [b"\x88\x02\x03\xe8", SEND_EOF]
    else:
        server.fail(1002, "protocol error")
        assert server.data_to_send()[-1] == SEND_EOF
    assert server.state is CLOSING
    return server


@pytest.mark.parametrize("how", ["close received", "failed"])
def test_server_ping_after_eof(how: str) -> None:
    server = server_that_sent_eof(how)
    with pytest.raises(InvalidState, match="half-closed"):
        server.send_ping(b"p")
    assert server.data_to_send() == []


@pytest.mark.parametrize("how", ["close received", "failed"])
def test_server_pong_after_eof(how: str) -> None:
    server = server_that_sent_eof(how)
    with pytest.raises(InvalidState, match="half-closed"):
        server.send_pong(b"q")
    assert server.data_to_send() == []


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("send_text", (b"t",)),
        ("send_binary", (b"b",)),
        ("send_close", (1000,)),
        ("send_ping", (b"p",)),
        ("send_pong", (b"q",)),
    ],
)
def test_server_sends_nothing_after_fail_1006(method: str, args: tuple[object, ...]) -> None:
    """fail(1006) leaves a server OPEN, but it sent EOF: no frame may follow.

    Found by a review, with the protocol target's input: feed a frame,
    fail(1006), send_text().

    """
    server = Protocol(SERVER)
    server.fail(1006)
    assert server.data_to_send() == [SEND_EOF]
    assert server.state is OPEN
    with pytest.raises(InvalidState, match="half-closed"):
        getattr(server, method)(*args)
    assert server.data_to_send() == []


def test_server_sends_no_continuation_after_fail_1006() -> None:
    """Not even the rest of a fragmented message in progress."""
    server = Protocol(SERVER)
    server.send_text(b"frag", fin=False)
    server.data_to_send()
    server.fail(1006)
    assert server.data_to_send() == [SEND_EOF]
    with pytest.raises(InvalidState, match="half-closed"):
        server.send_continuation(b"mented", fin=True)
    assert server.data_to_send() == []


def test_client_ping_after_close_received() -> None:
    """A client in CLOSING hasn't sent EOF: it may still send control frames."""
    client = Protocol(CLIENT)
    client.receive_data(Frame(OP_CLOSE, b"\x03\xe8").serialize(mask=False))
    client.data_to_send()
    assert client.state is CLOSING and not client.eof_sent
    client.send_ping(b"p")
    (ping,) = client.data_to_send()
    assert ping[:2] == b"\x89\x81"


# fuzz_uri: the zone identifier of an IPv6 address was percent-decoded into
# anything, so the host, documented as ASCII, wasn't, and an escaped CRLF
# went into the Host header of the opening handshake request.


@pytest.mark.parametrize(
    "zone",
    [
        "%0D%0AX-Injected:%20yes",  # CRLF: headers injected in the request
        "%C3%A9",  # decodes to é: the host must be ASCII
        "%20",  # space
        "\xe5",  # not a ZoneID character
        "eth 0",
        "eth[0",
        # Decodes to characters that end the host in Host or CONNECT.
        "eth0%5D%3A443%40evil.example%2F",
        "Eth%2F0",
        "%25x",
    ],
)
def test_uri_ipv6_zone_must_be_unreserved_characters(zone: str) -> None:
    with pytest.raises(InvalidURI, match="invalid zone in IPv6 address"):
        parse_uri(f"ws://[fe80::1%25{zone}]/")
    with pytest.raises(InvalidProxy, match="invalid zone in IPv6 address"):
        parse_proxy(f"http://[fe80::1%25{zone}]")


def test_proxy_found_by_fuzzing() -> None:
    """The input that found it: an ISO-8859-1 character in the zone."""
    with pytest.raises(InvalidProxy):
        parse_proxy("http://[::%25\xe5]")


@pytest.mark.parametrize(
    ("zone", "host"),
    [("eth0", "fe80::1%eth0"), ("br-1.100_x~", "fe80::1%br-1.100_x~"), ("%65th0", "fe80::1%eth0")],
)
def test_uri_ipv6_zone_still_accepted(zone: str, host: str) -> None:
    assert parse_uri(f"ws://[fe80::1%25{zone}]/").host == host


@pytest.mark.parametrize("scheme", ["ws", "wss"])
def test_zone_not_sent_in_host_or_connect(scheme: str) -> None:
    """RFC 6874, section 4: the zone only means something to this host."""
    uri = parse_uri(f"{scheme}://[fe80::1%25eth0]:8080/")
    request = ClientProtocol(uri).connect()
    assert request.headers["Host"] == "[fe80::1]:8080"
    connect = prepare_connect_request(parse_proxy("http://proxy:8080"), uri)
    assert connect.startswith(b"CONNECT [fe80::1]:8080 HTTP/1.1\r\nHost: [fe80::1]:8080\r\n")


@pytest.mark.parametrize(
    ("uri", "error"),
    [("ws://us%3Aer:pw@host/", InvalidURI), ("http://us%3Aer:pw@host", InvalidProxy)],
)
def test_username_with_colon_rejected_when_parsed(uri: str, error: type[Exception]) -> None:
    """RFC 7617: Basic Auth can't carry it, so the URI can't be used."""
    parse = parse_uri if error is InvalidURI else parse_proxy
    with pytest.raises(error, match="username can't contain a colon"):
        parse(uri)


def test_no_header_injection_through_redirect_zone() -> None:
    """A server can't inject headers in the next request with a redirect."""
    exc = redirect("ws://[::1%25%0D%0AX-Injected:%20yes]/")
    with pytest.raises(InvalidURI) as raised:
        follow_redirect("ws://example.com/", exc)
    assert raised.value.__cause__ is exc


# fuzz_uri: user info with a lone surrogate passed parse_uri(), then
# ClientProtocol.connect() raised UnicodeEncodeError building the
# Authorization header.


@pytest.mark.parametrize("userinfo", [":\udce8", "\ud800:password", "user:pass\udfff"])
def test_uri_user_info_must_be_encodable(userinfo: str) -> None:
    with pytest.raises(InvalidURI, match="can't be encoded with UTF-8"):
        parse_uri(f"ws://{userinfo}@example.com/")
    with pytest.raises(InvalidProxy, match="can't be encoded with UTF-8"):
        parse_proxy(f"http://{userinfo}@proxy.example")


def test_uri_user_info_found_by_fuzzing() -> None:
    """The input that found it; the URI is rejected before connect()."""
    with pytest.raises(InvalidURI):
        parse_uri("ws://:\udce8@y")


def test_uri_user_info_non_ascii_still_accepted() -> None:
    uri = parse_uri("ws://us\xe9r:p%C3%A4ss@example.com/")
    assert uri.user_info == ("us\xe9r", "p\xe4ss")
    request = ClientProtocol(uri).connect()
    assert request.headers["Authorization"].startswith("Basic ")


# fuzz_frames: with an extension negotiated, frames that the extension left
# as is, e.g. a message that permessage-deflate didn't compress, escaped
# max_size: a fragmented message could grow without limit.


class Identity(Extension):
    """An extension that leaves every frame as is."""

    name = ExtensionName("x-identity")

    def decode(self, frame: Frame, *, max_size: int | None = None) -> Frame:
        return frame

    def encode(self, frame: Frame) -> Frame:
        return frame


def failed_with_1009(protocol: Protocol) -> None:
    assert isinstance(protocol.parser_exc, PayloadTooBig)
    assert protocol.close_sent is not None
    assert protocol.close_sent.code == 1009
    assert protocol.state is CLOSING


@pytest.mark.parametrize("side", [CLIENT, SERVER])
def test_message_limit_with_extension_that_leaves_frames(side: Side) -> None:
    protocol = Protocol(side, max_size=125)
    protocol.extensions = [Identity()]
    mask = side == SERVER
    protocol.receive_data(Frame(OP_BINARY, b"a" * 99, fin=False).serialize(mask=mask))
    assert protocol.events_received() == [Frame(OP_BINARY, b"a" * 99, fin=False)]
    protocol.receive_data(Frame(OP_CONT, b"b" * 36, fin=False).serialize(mask=mask))
    assert protocol.events_received() == []
    failed_with_1009(protocol)
    assert (
        str(protocol.parser_exc)
        == "frame with 36 bytes after reading 99 bytes exceeds limit of 125 bytes"
    )


def test_message_limit_with_extension_still_allows_messages_within() -> None:
    protocol = Protocol(CLIENT, max_size=125)
    protocol.extensions = [Identity()]
    protocol.receive_data(Frame(OP_TEXT, b"a" * 100, fin=False).serialize(mask=False))
    protocol.receive_data(Frame(OP_CONT, b"b" * 25).serialize(mask=False))
    events = protocol.events_received()
    assert [len(frame.data) for frame in events if isinstance(frame, Frame)] == [100, 25]
    assert protocol.parser_exc is None and protocol.state is OPEN


# fuzz_uri: build_host() left an IPv6 address unbracketed when ipaddress
# rejected it, e.g. with "%" in its zone, which parse_uri() accepts: the Host
# header said "::%e%e" instead of "[::%e%e]".


def test_host_header_brackets_ipv6_with_percent_in_zone() -> None:
    """The input that found it: wss://[::%25e%25e], now an invalid zone."""
    with pytest.raises(InvalidURI, match="invalid zone"):
        parse_uri("wss://[::%25e%25e]")
    # The zone isn't in the Host header anyway (RFC 6874, section 4).
    assert build_host("::%e%e", 443, secure=True) == "[::]"


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("::%e%e", "[::]:8080"),
        ("fe80::1%eth0", "[fe80::1]:8080"),
        ("[::1]", "[::1]:8080"),
        ("127.0.0.1", "127.0.0.1:8080"),
        ("example.com", "example.com:8080"),
        ("a:b", "a:b:8080"),  # not an IPv6 address: left alone
    ],
)
def test_build_host_brackets_every_ipv6_address(host: str, expected: str) -> None:
    assert build_host(host, 8080, secure=False) == expected
