"""Property-based tests of the parsers of ws-proto: what goes on the wire comes back.

The test module of each parser holds its basic round trips: frames and close
payloads in test_frames.py, requests and responses parsed at once in
test_http11.py, extensions, subprotocols and basic credentials in
test_headers.py, Headers in test_datastructures.py. This module adds what
they leave out: input split at any point, the parts of each grammar that
they don't generate, builders paired with parsers of other modules, invalid
input, and whole messages from a client to a server and back.

"""

from __future__ import annotations

import dataclasses
import re
import struct
import urllib.parse
from unittest import mock

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from websockets import protocol as protocol_module
from websockets.client import ClientProtocol
from websockets.datastructures import Headers
from websockets.exceptions import (
    InvalidHeaderFormat,
    InvalidHeaderValue,
    InvalidProxyStatus,
    InvalidUpgrade,
    InvalidURI,
    PayloadTooBig,
    ProtocolError,
)
from websockets.extensions import Extension
from websockets.frames import (
    CTRL_OPCODES,
    EXTERNAL_CLOSE_CODES,
    OP_BINARY,
    OP_CLOSE,
    OP_CONT,
    OP_TEXT,
    Close,
    CloseCode,
    Frame,
    Opcode,
    parse_buffered_header,
    parse_header,
)
from websockets.headers import (
    build_authorization_basic,
    build_extension,
    build_host,
    build_quoted_string,
    build_subprotocol,
    build_www_authenticate_basic,
    parse_authorization_basic,
    parse_connection,
    parse_extension,
    parse_quoted_string,
    parse_subprotocol,
    parse_token,
    parse_upgrade,
    validate_upgrade,
)
from websockets.http11 import Request, Response, parse_headers
from websockets.protocol import CLIENT, SERVER, Protocol
from websockets.proxy import HTTPProxyHandshake, Proxy, parse_proxy, prepare_connect_request
from websockets.server import ServerProtocol
from websockets.streams import StreamReader
from websockets.typing import ExtensionName, ExtensionParameter, Subprotocol
from websockets.uri import WebSocketURI, parse_uri

from .wire import (
    Message,
    Payload,
    chunks,
    connect_client,
    connect_server,
    cut_points,
    feed_protocol,
    fragment,
    messages,
    run_parser,
)

__all__: list[str] = []


TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
tokens = st.text(alphabet=TCHARS, min_size=1, max_size=12)

# Header values as parsing returns them: no leading or trailing whitespace.
ascii_values = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E) | st.just("\t"),
    max_size=30,
).map(lambda value: value.strip(" \t"))
# ... and with obs-text, which parsing decodes as ISO-8859-1.
latin_1_values = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f")
    | st.just("\t"),
    max_size=30,
).map(lambda value: value.strip(" \t"))

# Request.parse rejects requests with a body: leave out the headers that
# announce one. Response tests add them as needed.
header_names = tokens.filter(
    lambda name: name.lower() not in {"content-length", "transfer-encoding"}
)
header_lists = st.lists(st.tuples(header_names, ascii_values), max_size=8)

CONTROL_CHARACTERS = [chr(code) for code in [*range(0x09), *range(0x0A, 0x20), 0x7F]]


def bytewise(data: bytes) -> list[bytes]:
    return [data[index : index + 1] for index in range(len(data))]


# Frames.

BOUNDARY_LENGTHS = [0, 1, 125, 126, 127, 65535, 65536]


@st.composite
def payloads(draw: st.DrawFn, max_size: int) -> bytes:
    """Payloads of any small size or of a size where the length encoding changes."""
    boundaries = [length for length in BOUNDARY_LENGTHS if length <= max_size]
    size = draw(st.one_of(st.integers(0, min(max_size, 300)), st.sampled_from(boundaries)))
    # A short pattern, repeated: large payloads cost little to draw.
    pattern = draw(st.binary(min_size=1, max_size=8))
    return (pattern * (size // len(pattern) + 1))[:size]


@st.composite
def frames(draw: st.DrawFn, max_size: int = 65536, rsv: bool = False) -> Frame:
    """Frames valid on the wire; with ``rsv``, with any reserved bits."""
    opcode = draw(st.sampled_from(list(Opcode)))
    if opcode in CTRL_OPCODES:
        data, fin = draw(payloads(125)), True
    else:
        data, fin = draw(payloads(max_size)), draw(st.booleans())
    bits = draw(st.tuples(st.booleans(), st.booleans(), st.booleans())) if rsv else (False,) * 3
    return Frame(opcode, data, fin, *bits)


def parse_frame(
    pieces: list[bytes], *, mask: bool, extensions: list[Extension] | None = None
) -> Frame:
    frame, rest = run_parser(
        lambda reader: Frame.parse(reader.read_exact, mask=mask, extensions=extensions),
        pieces,
    )
    assert rest == b"", "the parser left bytes behind"
    assert isinstance(frame, Frame)
    return frame


@given(frame=frames(max_size=300), mask=st.booleans())
def test_frame_parsed_bytewise_as_at_once(frame: Frame, mask: bool) -> None:
    """The frame parser doesn't depend on how much of the frame is buffered."""
    encoded = frame.serialize(mask=mask)
    assert parse_frame([encoded], mask=mask) == frame
    assert parse_frame(bytewise(encoded), mask=mask) == frame


@given(
    size=st.sampled_from([65535, 65536]),
    opcode=st.sampled_from([OP_TEXT, OP_BINARY, OP_CONT]),
    mask=st.booleans(),
)
@settings(max_examples=8)
def test_large_frame_parsed_bytewise_as_at_once(size: int, opcode: Opcode, mask: bool) -> None:
    """The 16-bit and 64-bit lengths are read the same, a byte at a time."""
    frame = Frame(opcode, bytes(range(256)) * (size // 256))
    encoded = frame.serialize(mask=mask)
    assert parse_frame(bytewise(encoded), mask=mask) == parse_frame([encoded], mask=mask) == frame


class GetBits(Extension):
    """Toy extension giving a meaning to RSV1-3: it records frames and clears them."""

    name = ExtensionName("x-get-bits")

    def __init__(self) -> None:
        self.received: list[Frame] = []

    def decode(self, frame: Frame, *, max_size: int | None = None) -> Frame:
        self.received.append(frame)
        return dataclasses.replace(frame, rsv1=False, rsv2=False, rsv3=False)


@given(frame=frames(max_size=300, rsv=True), mask=st.booleans(), data=st.data())
def test_reserved_bits_round_trip(frame: Frame, mask: bool, data: st.DataObject) -> None:
    """RSV1-3 reach the peer's extensions as sent, and are refused without one."""

    class SetBits(Extension):
        name = ExtensionName("x-set-bits")

        def encode(self, encoded: Frame) -> Frame:
            return dataclasses.replace(encoded, rsv1=frame.rsv1, rsv2=frame.rsv2, rsv3=frame.rsv3)

    clean = dataclasses.replace(frame, rsv1=False, rsv2=False, rsv3=False)
    encoded = clean.serialize(mask=mask, extensions=[SetBits()])
    assert (encoded[0] & 0x70) >> 4 == frame.rsv1 << 2 | frame.rsv2 << 1 | frame.rsv3

    pieces = chunks(encoded, cut_points(data, len(encoded)))
    extension = GetBits()
    assert parse_frame(pieces, mask=mask, extensions=[extension]) == clean
    assert extension.received == [frame]
    if frame.rsv1 or frame.rsv2 or frame.rsv3:
        with pytest.raises(ProtocolError, match="reserved bits must be 0"):
            parse_frame(pieces, mask=mask)


def header_with_generator(
    data: bytes, mask: bool, max_size: int | None
) -> tuple[str, object, object]:
    """Parse a frame header from ``data`` with parse_header().

    Returns:
        ``("header", header, bytes consumed)``, ``("error", type, message)``,
        or ``("incomplete", None, None)`` when the parser waits for more.

    """
    reader = StreamReader()
    reader.feed_data(data)
    parser = parse_header(reader.read_exact, mask=mask, max_size=max_size)
    try:
        next(parser)
    except StopIteration as exc:
        return "header", exc.value, len(data) - len(reader.buffer)
    except (ProtocolError, PayloadTooBig) as exc:
        return "error", type(exc), str(exc)
    return "incomplete", None, None


@st.composite
def header_bytes(draw: st.DrawFn) -> bytes:
    """Frame headers with any values in their fields, cut anywhere, then any bytes."""
    if draw(st.integers(0, 4)) == 0:
        return draw(st.binary(max_size=16))
    head1 = draw(st.sampled_from([0x81, 0x82, 0x01, 0x00, 0x80, 0x88, 0x89, 0x8A, 0xC1]))
    head1 = draw(st.just(head1) | st.integers(0, 255))
    mask = draw(st.booleans())
    length = draw(
        st.sampled_from([*BOUNDARY_LENGTHS, 2**16, 2**63 - 1, 2**63, 2**64 - 1])
        | st.integers(0, 2**64 - 1)
    )
    # The shortest encoding of the length, or a longer one, which RFC 6455
    # forbids, but parsers don't check.
    encoding = draw(st.sampled_from([7, 16, 64]))
    head2 = 0x80 if mask else 0
    if length < 126 and encoding == 7:
        header = bytes([head1, head2 | length])
    elif length < 65536 and encoding <= 16:
        header = bytes([head1, head2 | 126]) + struct.pack("!H", length)
    else:
        header = bytes([head1, head2 | 127]) + struct.pack("!Q", length)
    if mask:
        header += draw(st.binary(min_size=4, max_size=4))
    end = draw(st.just(len(header)) | st.integers(0, len(header)))
    return header[:end] + draw(st.binary(max_size=4))


@given(
    data=header_bytes(),
    mask=st.booleans(),
    max_size=st.none() | st.integers(0, 70000),
)
def test_buffered_header_parser_agrees_with_generator(
    data: bytes, mask: bool, max_size: int | None
) -> None:
    """The protocol's fast path reads headers like the generator-based parser.

    When the header isn't complete, the fast path consumes nothing and lets
    the protocol wait with the generator, which may reject it earlier: it
    checks the length before the masking key arrives.

    """
    expected = header_with_generator(data, mask, max_size)
    buffer = bytearray(data)
    try:
        header = parse_buffered_header(buffer, mask=mask, max_size=max_size)
    except (ProtocolError, PayloadTooBig) as exc:
        assert expected == ("error", type(exc), str(exc))
        return
    if header is None:
        assert buffer == data, "the fast path consumed an incomplete header"
        assert expected[0] in {"incomplete", "error"}
    else:
        assert expected == ("header", header, len(data) - len(buffer))


@given(
    payload=st.one_of(
        st.binary(max_size=20),
        st.builds(
            lambda code, reason: struct.pack("!H", code) + reason,
            st.integers(0, 65535),
            st.binary(max_size=10) | st.text(max_size=10).map(str.encode),
        ),
    )
)
def test_close_payload_parsed_then_serialized(payload: bytes) -> None:
    """A close payload that parses serializes back to the same bytes.

    The parser rejects the others with the documented exceptions.

    """
    try:
        close = Close.parse(payload)
    except (ProtocolError, UnicodeDecodeError):
        valid = False
    else:
        valid = True
        if payload:
            assert close.serialize() == payload
        else:
            assert close == Close(CloseCode.NO_STATUS_RCVD, "")
    if len(payload) >= 2:
        (code,) = struct.unpack("!H", payload[:2])
        allowed = code in EXTERNAL_CLOSE_CODES or 3000 <= code < 5000
        try:
            payload[2:].decode()
        except UnicodeDecodeError:
            allowed = False
        assert valid == allowed
    else:
        assert valid == (len(payload) == 0)


@given(code=st.integers(0, 65535), reason=st.text(max_size=10))
def test_close_codes_allowed_on_the_wire(code: int, reason: str) -> None:
    """Codes reserved for local use, unassigned or out of range can't be sent."""
    if code in EXTERNAL_CLOSE_CODES or 3000 <= code < 5000:
        assert Close.parse(Close(code, reason).serialize()) == Close(code, reason)
    else:
        with pytest.raises(ProtocolError, match=f"invalid status code: {code}"):
            Close(code, reason).serialize()


# HTTP messages.


def parse_request(pieces: list[bytes]) -> tuple[Request, bytes]:
    request, rest = run_parser(lambda reader: Request.parse(reader.read_line), pieces)
    assert isinstance(request, Request)
    return request, rest


def parse_response(pieces: list[bytes], *, eof: bool = False) -> tuple[Response, bytes]:
    response, rest = run_parser(
        lambda reader: Response.parse(reader.read_line, reader.read_exact, reader.read_to_eof),
        pieces,
        eof=eof,
    )
    assert isinstance(response, Response)
    return response, rest


requests = st.builds(
    Request,
    path=st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1),
    headers=header_lists.map(Headers),
    method=tokens,
    protocol=st.sampled_from(["HTTP/1.1", "HTTP/1.0"]),
)


@given(request=requests, trailer=st.binary(max_size=10), data=st.data())
def test_request_in_any_chunks(request: Request, trailer: bytes, data: st.DataObject) -> None:
    """A request parses the same at once, a byte at a time, or in any chunks.

    Whatever follows it, the first frames, stays in the reader.

    """
    encoded = request.serialize() + trailer
    for pieces in [
        [encoded],
        bytewise(encoded),
        chunks(encoded, cut_points(data, len(encoded))),
    ]:
        assert parse_request(pieces) == (request, trailer)


@st.composite
def responses(draw: st.DrawFn) -> tuple[Response, bool]:
    """Responses with each way of delimiting the body.

    Returns:
        The response and whether its body ends with the stream.

    """
    status_code = draw(st.integers(100, 599))
    reason_phrase = draw(ascii_values)
    headers = draw(header_lists)
    body = draw(st.binary(max_size=100))
    until_eof = False
    if 100 <= status_code < 200 or status_code in (204, 304):
        body = b""
    elif draw(st.booleans()):
        headers.append(("Content-Length", str(len(body))))
    else:
        until_eof = True
    return Response(status_code, reason_phrase, Headers(headers), body), until_eof


@given(response=responses(), trailer=st.binary(max_size=10), data=st.data())
def test_response_in_any_chunks(
    response: tuple[Response, bool], trailer: bytes, data: st.DataObject
) -> None:
    """A response parses the same at once, a byte at a time, or in any chunks.

    Unless its body ends with the stream, what follows it stays in the reader.

    """
    expected, until_eof = response
    encoded = expected.serialize()
    if not until_eof:
        encoded += trailer
    for pieces in [
        [encoded],
        bytewise(encoded),
        chunks(encoded, cut_points(data, len(encoded))),
    ]:
        parsed, rest = parse_response(pieces, eof=until_eof)
        assert parsed == expected
        assert parsed.reason_phrase == expected.reason_phrase
        assert parsed.body == expected.body
        assert list(parsed.headers.raw_items()) == list(expected.headers.raw_items())
        assert rest == (b"" if until_eof else trailer)


@given(
    headers=st.lists(st.tuples(tokens, latin_1_values), max_size=5),
    reason_phrase=latin_1_values,
)
# The first non-ASCII character shows the bug: shrinking would only cost time.
@settings(phases=[Phase.explicit, Phase.reuse, Phase.generate])
def test_obs_text_round_trip(headers: list[tuple[str, str]], reason_phrase: str) -> None:
    """What the parsers accept and decode, the serializers must write back."""
    serialized = Headers(headers).serialize()
    parsed, _ = run_parser(lambda reader: parse_headers(reader.read_line), [serialized])
    assert isinstance(parsed, Headers)
    assert list(parsed.raw_items()) == headers
    response = Response(101, reason_phrase, Headers(headers))
    assert parse_response([response.serialize()])[0].reason_phrase == reason_phrase


@given(
    headers=header_lists,
    value=ascii_values,
    index=st.integers(0, 30),
    control=st.sampled_from(CONTROL_CHARACTERS),
)
def test_control_character_in_header_value_rejected(
    headers: list[tuple[str, str]], value: str, index: int, control: str
) -> None:
    """No control character but HTAB gets through a header value, CR and LF included.

    :class:`Headers` refuses to send it, and the parser refuses to receive it.

    """
    value = value[:index] + control + value[index:]
    with pytest.raises(InvalidHeaderValue):
        Headers([*headers, ("X-Header", value)])
    unchecked = Headers(headers)
    unchecked.set_insecure("X-Header", value)
    encoded = Request("/", unchecked).serialize()
    # A bare LF ends the line early: it counts as an incomplete line.
    with pytest.raises((ValueError, EOFError), match=r"invalid HTTP header|reading HTTP headers"):
        parse_request([encoded])


@given(
    name=st.text(
        alphabet=st.characters(codec="utf-8", exclude_characters=":\n"), min_size=1, max_size=10
    ).filter(lambda name: re.fullmatch(f"[{re.escape(TCHARS)}]+", name) is None),
    value=ascii_values,
)
def test_header_name_must_be_a_token(name: str, value: str) -> None:
    """Whitespace before the colon included (RFC 7230, section 3.2.4)."""
    encoded = f"GET / HTTP/1.1\r\n{name}: {value}\r\n\r\n".encode()
    with pytest.raises(ValueError, match=r"invalid HTTP header|obsolete line folding"):
        parse_request([encoded])


# Headers of the opening handshake.

protocol_names = st.builds(
    lambda name, version: name if version is None else f"{name}/{version}",
    tokens,
    st.none() | tokens,
)


@given(st.lists(protocol_names, min_size=1, max_size=5))
def test_upgrade_round_trip(protocols: list[str]) -> None:
    """Upgrade protocols come with an optional version (RFC 7230, section 6.7)."""
    assert parse_upgrade(", ".join(protocols)) == protocols


def random_case(data: st.DataObject, text: str) -> str:
    flips = data.draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(
        char.upper() if flip else char.lower() for char, flip in zip(text, flips, strict=True)
    )


@given(
    connection=st.lists(tokens, max_size=4),
    upgrade=st.lists(protocol_names, max_size=3),
    data=st.data(),
)
def test_validate_upgrade(connection: list[str], upgrade: list[str], data: st.DataObject) -> None:
    """The handshake needs the Upgrade option and the websocket protocol alone, in any case."""
    if data.draw(st.booleans(), "add upgrade option"):
        index = data.draw(st.integers(0, len(connection)))
        connection.insert(index, random_case(data, "upgrade"))
    if data.draw(st.booleans(), "upgrade to websocket"):
        upgrade = [random_case(data, "websocket")]
    headers = Headers()
    if connection:
        headers["Connection"] = ", ".join(connection)
    if upgrade:
        headers["Upgrade"] = ", ".join(upgrade)
    valid = any(option.lower() == "upgrade" for option in connection) and [
        protocol.lower() for protocol in upgrade
    ] == ["websocket"]
    if valid:
        validate_upgrade(headers)
    else:
        with pytest.raises(InvalidUpgrade):
            validate_upgrade(headers)


# Characters of a quoted string once it's decoded as ISO-8859-1.
quotable = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f")
    | st.just("\t")
)


@given(quotable)
def test_www_authenticate_basic_round_trip(realm: str) -> None:
    header = build_www_authenticate_basic(realm)
    scheme, pos = parse_token(header, 0, "WWW-Authenticate")
    assert scheme == "Basic"
    prefix = " realm="
    assert header[pos : pos + len(prefix)] == prefix
    parsed, pos = parse_quoted_string(header, pos + len(prefix), "WWW-Authenticate")
    assert parsed == realm
    assert header[pos:] == ', charset="UTF-8"'


@given(
    value=quotable,
    index=st.integers(0, 30),
    control=st.sampled_from([char for char in CONTROL_CHARACTERS if char != "\t"]),
)
def test_build_quoted_string_rejects_control_characters(
    value: str, index: int, control: str
) -> None:
    """Rather than send a header that would end early or inject another one."""
    with pytest.raises(ValueError, match="invalid character"):
        build_quoted_string(value[:index] + control + value[index:])


non_tokens = st.text(max_size=10).filter(
    lambda text: re.fullmatch(f"[{re.escape(TCHARS)}]+", text) is None
)


@given(name=tokens, bad=non_tokens, where=st.sampled_from(["name", "param", "value"]))
def test_build_extension_rejects_non_tokens(name: str, bad: str, where: str) -> None:
    """RFC 6455 allows only tokens in Sec-WebSocket-Extensions."""
    params: list[ExtensionParameter] = [("ok", None)]
    if where == "param":
        params.append((bad, None))
    elif where == "value":
        params.append(("param", bad))
    extension = ExtensionName(bad if where == "name" else name)
    with pytest.raises(ValueError, match="invalid extension"):
        build_extension([(extension, params)])


@given(good=st.lists(tokens, max_size=3), bad=non_tokens)
def test_build_subprotocol_rejects_non_tokens(good: list[str], bad: str) -> None:
    with pytest.raises(ValueError, match="invalid subprotocol"):
        build_subprotocol([Subprotocol(item) for item in [*good, bad]])


@given(username=st.text(max_size=10), password=st.text(max_size=10), index=st.integers(0, 10))
def test_build_authorization_basic_rejects_colon_in_username(
    username: str, password: str, index: int
) -> None:
    """user-id can't contain a colon in basic credentials (RFC 7617, section 2)."""
    with pytest.raises(ValueError, match="must not contain a colon"):
        build_authorization_basic(username[:index] + ":" + username[index:], password)


# Text in the alphabet of the list headers, so that parsing gets far.
list_header_texts = st.text(alphabet=TCHARS[:6] + 'ab/ ,;="\t\\', max_size=25)


@given(list_header_texts)
def test_list_headers_parse_to_what_builds_back(header: str) -> None:
    """Parsers fail only with InvalidHeaderFormat, and only return what builders accept.

    What they return builds a header that parses to the same, whatever the
    whitespace, empty elements and quoting of the original.

    """
    for parse, build in [
        (parse_extension, build_extension),
        (parse_subprotocol, build_subprotocol),
        (parse_connection, ", ".join),
        (parse_upgrade, ", ".join),
    ]:
        try:
            parsed = parse(header)
        except InvalidHeaderFormat:
            continue
        assert parsed
        assert parse(build(parsed)) == parsed  # type: ignore[operator]


@given(
    st.one_of(
        st.text(max_size=30),
        st.builds(
            lambda scheme, spaces, token68: scheme + spaces + token68,
            st.sampled_from(["Basic", "basic", "BASIC", "Bearer"]),
            st.sampled_from(["", " ", "  "]),
            st.text(alphabet="AZaz09+/=-._~ :", max_size=20),
        ),
        st.builds(
            build_authorization_basic, st.text().map(lambda u: u.replace(":", "")), st.text()
        ),
    )
)
def test_authorization_basic_parses_to_what_builds_back(header: str) -> None:
    try:
        username, password = parse_authorization_basic(header)
    except (InvalidHeaderFormat, InvalidHeaderValue):
        return
    assert parse_authorization_basic(build_authorization_basic(username, password)) == (
        username,
        password,
    )


# URIs.

labels = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=10)
domain_names = st.lists(labels, min_size=1, max_size=4).map(".".join)
ipv4_addresses = st.ip_addresses(v=4).map(str)
ipv6_addresses = st.ip_addresses(v=6).map(str)
hosts = st.one_of(domain_names, ipv4_addresses, ipv6_addresses)
ports = st.integers(1, 65535)
# Characters of a path or a query that a URI contains as they are.
uri_texts = st.text(alphabet="abcXYZ019-._~!$&'()*+,;=:@/", max_size=20)
# A user-id can't contain a colon in Basic Auth (RFC 7617, section 2).
user_info = st.none() | st.tuples(
    st.text(max_size=8).filter(lambda username: ":" not in username), st.text(max_size=8)
)


def authority(host: str, port: int | None, credentials: tuple[str, str] | None) -> str:
    """Build the authority of a URI, percent-encoding what needs it."""
    address, percent, zone = host.partition("%")
    if ":" in address:
        if percent:
            address = f"{address}%25{urllib.parse.quote(zone, safe='')}"
        address = f"[{address}]"
    if port is not None:
        address = f"{address}:{port}"
    if credentials is not None:
        username, password = (urllib.parse.quote(part, safe="") for part in credentials)
        address = f"{username}:{password}@{address}"
    return address


def unparse_uri(uri: WebSocketURI) -> str:
    scheme = "wss" if uri.secure else "ws"
    return f"{scheme}://{authority(uri.host, uri.port, uri.user_info)}{uri.resource_name}"


@given(
    secure=st.booleans(),
    host=hosts,
    port=st.none() | ports,
    path=uri_texts.map(lambda path: "/" + path),
    query=st.none() | uri_texts.map(lambda query: query + "?"),
    credentials=user_info,
)
def test_parse_uri_gives_back_components(
    secure: bool,
    host: str,
    port: int | None,
    path: str,
    query: str | None,
    credentials: tuple[str, str] | None,
) -> None:
    uri = "wss" if secure else "ws"
    uri += f"://{authority(host, port, credentials)}{path}"
    if query is not None:
        uri += f"?{query}"
    expected_port = (443 if secure else 80) if port is None else port
    username, password = credentials or (None, None)
    assert parse_uri(uri) == WebSocketURI(
        secure, host, expected_port, path, query or "", username, password
    )


# Everything that may appear in a WebSocket URI or IRI, and some that may not.
iri_texts = st.text(
    alphabet=st.sampled_from("aZ09-._~!$&'()*+,;=:@/?#%[] \"<>\\^`{|}") | st.characters(),
    max_size=25,
)
# RFC 6874 zone identifiers, with any byte escaped.
zones = st.lists(
    st.sampled_from(["eth0", "-", ".", "_", "~"]) | st.integers(0, 255).map("%{:02X}".format),
    min_size=1,
    max_size=4,
).map("".join)
any_uris = st.builds(
    lambda scheme, authority, rest: f"{scheme}://{authority}{rest}",
    st.sampled_from(["ws", "wss", "WS"]),
    st.one_of(
        hosts,
        st.builds(authority, hosts, st.none() | ports, user_info),
        st.builds("[{}%25{}]".format, ipv6_addresses, zones),
        st.text(alphabet="aé.:@[]%25", max_size=12),
    ),
    iri_texts,
)


@given(any_uris)
def test_parse_uri_is_idempotent(uri: str) -> None:
    """Parsing the URI rebuilt from a parsed URI or IRI changes nothing."""
    try:
        parsed = parse_uri(uri)
    except InvalidURI:
        return
    assert parse_uri(unparse_uri(parsed)) == parsed


@given(any_uris)
def test_opening_request_from_any_uri_parses(uri: str) -> None:
    """Any URI that parse_uri() accepts makes a request that parses back to the same.

    Everything that comes from the URI, the resource name, the ``Host`` and
    ``Authorization`` headers, is valid HTTP, without extra headers.

    """
    try:
        parsed = parse_uri(uri)
    except InvalidURI:
        return
    request = ClientProtocol(parsed).connect()
    parsed_request, rest = parse_request([request.serialize()])
    assert (parsed_request, rest) == (request, b"")
    assert list(parsed_request.headers.raw_items()) == list(request.headers.raw_items())


@given(
    host=domain_names | ipv4_addresses | ipv6_addresses,
    port=ports,
    secure=st.booleans(),
    always_include_port=st.booleans(),
)
def test_host_header_gives_back_host_and_port(
    host: str, port: int, secure: bool, always_include_port: bool
) -> None:
    """The Host header reads like the authority of the URI (RFC 7230, section 5.4)."""
    header = build_host(host, port, secure, always_include_port=always_include_port)
    parsed = parse_uri(f"{'wss' if secure else 'ws'}://{header}/")
    assert (parsed.host, parsed.port) == (host.lower(), port)
    default_port = 443 if secure else 80
    assert header.endswith(f":{port}") == (always_include_port or port != default_port)


proxy_schemes = st.sampled_from(["socks5h", "socks5", "socks4a", "socks4", "https", "http"])
DEFAULT_PROXY_PORTS = {"https": 443, "http": 80}


@given(
    scheme=proxy_schemes,
    host=hosts,
    port=st.none() | ports,
    credentials=user_info,
    slash=st.booleans(),
    data=st.data(),
)
def test_parse_proxy_gives_back_components(
    scheme: str,
    host: str,
    port: int | None,
    credentials: tuple[str, str] | None,
    slash: bool,
    data: st.DataObject,
) -> None:
    url = f"{random_case(data, scheme)}://{authority(host, port, credentials)}"
    if slash:
        url += "/"
    expected_port = DEFAULT_PROXY_PORTS.get(scheme, 1080) if port is None else port
    username, password = credentials or (None, None)
    assert parse_proxy(url) == Proxy(scheme, host, expected_port, username, password)


websocket_uris = st.builds(
    WebSocketURI,
    secure=st.booleans(),
    host=hosts,
    port=ports,
    path=st.just("/"),
    query=st.just(""),
)
http_proxies = st.builds(
    Proxy,
    scheme=st.sampled_from(["http", "https"]),
    host=hosts,
    port=ports,
    username=st.none(),
    password=st.none(),
) | st.builds(
    lambda proxy, username, password: dataclasses.replace(
        proxy, username=username, password=password
    ),
    st.builds(Proxy, st.just("http"), hosts, ports),
    st.text(max_size=8).map(lambda username: username.replace(":", "")),
    st.text(max_size=8),
)


@given(proxy=http_proxies, uri=websocket_uris, user_agent=st.none() | ascii_values)
def test_connect_request_parses(proxy: Proxy, uri: WebSocketURI, user_agent: str | None) -> None:
    """The CONNECT request is a valid HTTP request naming the server to reach."""
    request, rest = parse_request([prepare_connect_request(proxy, uri, user_agent)])
    assert rest == b""
    assert (request.method, request.protocol) == ("CONNECT", "HTTP/1.1")
    # Host leaves out the default port of the scheme, as upstream does.
    assert request.headers["Host"] == build_host(uri.host, uri.port, uri.secure)
    target = parse_uri(f"ws://{request.path}/")
    assert (target.host, target.port) == (uri.host, uri.port)
    assert request.headers.get_all("User-Agent") == ([] if user_agent is None else [user_agent])
    credentials = request.headers.get_all("Proxy-Authorization")
    if proxy.user_info is None:
        assert credentials == []
    else:
        assert [parse_authorization_basic(value) for value in credentials] == [proxy.user_info]


@given(
    status_code=st.integers(200, 599),
    headers=header_lists,
    body=st.binary(max_size=20),
    tunnel=st.binary(max_size=40),
    data=st.data(),
)
def test_proxy_handshake_in_any_chunks(
    status_code: int,
    headers: list[tuple[str, str]],
    body: bytes,
    tunnel: bytes,
    data: st.DataObject,
) -> None:
    """A 2xx response opens the tunnel: the bytes after it belong to the server.

    Another status fails the handshake, after reading the body.

    """
    handshake = HTTPProxyHandshake(Proxy("http", "proxy", 8080), parse_uri("ws://example.com/"))
    success = 200 <= status_code < 300
    if success:
        # A 2xx response to CONNECT has no body, even with Content-Length.
        headers.append(("Content-Length", str(len(body))))
        body = b""
    elif status_code not in (204, 304):
        headers.append(("Content-Length", str(len(body))))
    else:
        body = b""
    response = Response(status_code, "Status", Headers(headers), body)
    stream = response.serialize() + tunnel
    for chunk in chunks(stream, cut_points(data, len(stream))):
        handshake.receive_data(chunk)
    assert handshake.done
    if success:
        assert handshake.exc is None
        assert handshake.response == response
        assert handshake.tunnel_data() == tunnel
    else:
        assert isinstance(handshake.exc, InvalidProxyStatus)
        assert handshake.exc.response == response


# Messages between a client and a server.

# Large enough for a frame to be received in place, in a view offered by
# get_buffer(), even when a chunk holds its header and part of its payload.
LARGE = 3 * 65536


@st.composite
def message_data(draw: st.DrawFn, opcode: Opcode) -> bytes:
    """Text or binary data; sometimes large (see LARGE)."""
    large = draw(st.sampled_from([False] * 4 + [True]))
    if opcode is OP_TEXT:
        text = draw(st.text(min_size=1 if large else 0, max_size=20 if large else 100))
        if large:
            text = text * (LARGE // len(text.encode()) + 1)
        return text.encode()
    if large:
        pattern = draw(st.binary(min_size=1, max_size=8))
        return (pattern * (LARGE // len(pattern) + 1))[: draw(st.integers(65536, LARGE))]
    return draw(payloads(300))


closes = st.none() | st.builds(
    Close,
    st.sampled_from(sorted(EXTERNAL_CLOSE_CODES)) | st.integers(3000, 4999),
    st.text(max_size=30),
)


@given(
    sent=st.lists(messages(message_data), max_size=3),
    close=closes,
    into_buffer=st.booleans(),
    direct=st.booleans(),
    data=st.data(),
)
@settings(max_examples=60)
def test_client_to_server(
    sent: list[Message],
    close: Close | None,
    into_buffer: bool,
    direct: bool,
    data: st.DataObject,
) -> None:
    """Messages from a client reach a server frame by frame, however the stream is cut.

    The stream starts with the handshake request: frames that arrive with it
    wait for the handshake response. ``direct`` receives payloads of 64 KiB
    or more in place, which the protocol does with the C speedups only.

    """
    client, request = connect_client()
    expected: list[Frame] = []
    for message in sent:
        expected += message.send(client)
    if close is not None:
        client.send_close(close.code, close.reason)
        expected.append(Frame(OP_CLOSE, close.serialize()))
    stream = request + b"".join(client.data_to_send())

    server = ServerProtocol()
    with mock.patch.object(protocol_module, "_DIRECT_PAYLOADS", direct):
        events = feed_protocol(
            server, stream, cut_points(data, len(stream)), into_buffer=into_buffer
        )
    assert isinstance(events[0], Request)
    assert events[0].path == "/chat?room=1"
    assert events[1:] == expected
    assert server.close_rcvd == close
    # The server answers a close frame, and nothing else failed the connection.
    assert server.close_sent == close


@given(
    sent=st.lists(messages(message_data), max_size=3),
    close=closes,
    into_buffer=st.booleans(),
    direct=st.booleans(),
    data=st.data(),
)
@settings(max_examples=60)
def test_server_to_client(
    sent: list[Message],
    close: Close | None,
    into_buffer: bool,
    direct: bool,
    data: st.DataObject,
) -> None:
    """Messages from a server reach a client frame by frame, however the stream is cut.

    The stream starts with the handshake response: the frames after it in
    the same chunk are parsed once the client opens the connection.

    """
    server, client, response = connect_server()
    expected: list[Frame] = []
    for message in sent:
        expected += message.send(server)
    if close is not None:
        server.send_close(close.code, close.reason)
        expected.append(Frame(OP_CLOSE, close.serialize()))
    stream = response + b"".join(server.data_to_send())

    with mock.patch.object(protocol_module, "_DIRECT_PAYLOADS", direct):
        events = feed_protocol(
            client, stream, cut_points(data, len(stream)), into_buffer=into_buffer
        )
    assert isinstance(events[0], Response)
    assert events[0].status_code == 101
    assert events[1:] == expected
    assert client.close_rcvd == close
    assert client.close_sent == close


@st.composite
def maybe_utf8(draw: st.DrawFn) -> bytes:
    """Valid UTF-8, the same with one byte changed, added or cut off, or any bytes."""
    kind = draw(st.sampled_from(["valid", "changed", "added", "cut", "any"]))
    if kind == "any":
        return draw(st.binary(max_size=30))
    text = draw(st.text(max_size=30))
    if draw(st.sampled_from([False] * 4 + [True])) and text:
        text = text * (LARGE // len(text.encode()) + 1)
    data = text.encode()
    index = draw(st.integers(0, len(data)))
    byte = bytes([draw(st.integers(0x80, 0xFF))])
    if kind == "changed" and index < len(data):
        data = data[:index] + byte + data[index + 1 :]
    elif kind == "added":
        data = data[:index] + byte + data[index:]
    elif kind == "cut":
        data = data[:index]
    return data


@given(
    message=maybe_utf8().map(Payload),
    to_server=st.booleans(),
    into_buffer=st.booleans(),
    direct=st.booleans(),
    data=st.data(),
)
@settings(max_examples=150)
def test_text_validated_like_bytes_decode(
    message: bytes, to_server: bool, into_buffer: bool, direct: bool, data: st.DataObject
) -> None:
    """The protocol accepts a text message iff ``bytes.decode()`` does.

    It checks text incrementally, as fragments and chunks arrive: an invalid
    message fails the connection with 1007 and the error's position in the
    message is that of ``bytes.decode()``, wherever the cuts fall.

    """
    sender = Protocol(CLIENT if to_server else SERVER)
    receiver = Protocol(SERVER if to_server else CLIENT)
    max_cuts = 1 if len(message) > 65536 else 4
    cuts = data.draw(st.lists(st.integers(0, len(message)), max_size=max_cuts), "fragments")
    fragments = fragment(message, cuts)
    expected = Message(OP_TEXT, message, fragments, [None] * len(fragments)).send(sender)
    stream = b"".join(sender.data_to_send())
    with mock.patch.object(protocol_module, "_DIRECT_PAYLOADS", direct):
        events = feed_protocol(
            receiver, stream, cut_points(data, len(stream)), into_buffer=into_buffer
        )
    try:
        message.decode()
    except UnicodeDecodeError as exc:
        assert receiver.close_sent is not None
        assert receiver.close_sent.code == CloseCode.INVALID_DATA
        assert isinstance(receiver.parser_exc, UnicodeDecodeError)
        assert receiver.parser_exc.reason.endswith(f" at position {exc.start}")
        # The frames received before the error are delivered.
        assert len(events) < len(expected)
        assert events == expected[: len(events)]
    else:
        assert events == expected
        assert receiver.close_sent is None
