"""Parsers and builders for the headers of the opening handshake.

Parsers follow the grammar of :rfc:`7230#section-3.2.6` (tokens and quoted
strings) and :rfc:`7230#section-7` (comma-separated lists, ``#rule``), plus
the grammar of each header's own specification. They work on :class:`str`
header values, as decoded by :mod:`websockets.http11`, and track a position
in the value, so that every error points at the offending character:
:exc:`~websockets.exceptions.InvalidHeaderFormat` carries it.

Low-level parsers take ``(header, pos, header_name)`` and return
``(result, new_pos)``.

Builders produce values that these parsers accept; they raise
:exc:`ValueError` on arguments that don't fit the grammar rather than send a
header that the peer would reject or, worse, that would inject other headers.

"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Callable, Sequence
from typing import TypeVar

from .datastructures import Headers
from .exceptions import InvalidHeaderFormat, InvalidHeaderValue, InvalidUpgrade
from .typing import (
    ConnectionOption,
    ExtensionName,
    ExtensionParameter,
    Subprotocol,
    UpgradeProtocol,
)

__all__ = [
    "build_authorization_basic",
    "build_extension",
    "build_host",
    "build_subprotocol",
    "build_www_authenticate_basic",
    "parse_authorization_basic",
    "parse_connection",
    "parse_extension",
    "parse_subprotocol",
    "parse_upgrade",
    "validate_subprotocols",
]


T = TypeVar("T")


# tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
#         "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
# token = 1*tchar
_TOKEN_RE = re.compile(r"[-!#$%&'*+.^_`|~0-9A-Za-z]+")

# OWS = *( SP / HTAB )
_OWS_RE = re.compile(r"[ \t]*")

# quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE
# qdtext        = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
# quoted-pair   = "\" ( HTAB / SP / VCHAR / obs-text )
_QUOTED_STRING_RE = re.compile(
    r'"(?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t\x20-\x7e\x80-\xff])*"'
)
_QUOTED_PAIR_RE = re.compile(r"\\(.)", re.DOTALL)

# Characters that can't appear in a quoted-string, even escaped: controls
# other than HTAB. Characters above U+00FF are left to the encoder.
_UNQUOTABLE_RE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")

# protocol = protocol-name ["/" protocol-version]  (RFC 7230, section 6.7)
_PROTOCOL_RE = re.compile(r"[-!#$%&'*+.^_`|~0-9A-Za-z]+(?:/[-!#$%&'*+.^_`|~0-9A-Za-z]+)?")

# token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
# (RFC 7235, section 2.1)
_TOKEN68_RE = re.compile(r"[A-Za-z0-9\-._~+/]+=*")


def _is_token(value: object) -> bool:
    return isinstance(value, str) and _TOKEN_RE.fullmatch(value) is not None


def peek_ahead(header: str, pos: int) -> str | None:
    """Return the character at ``pos`` in ``header``, :obj:`None` at the end."""
    return None if pos == len(header) else header[pos]


def parse_OWS(header: str, pos: int) -> int:  # named after the RFC rule
    """Skip optional whitespace (OWS) at ``pos`` in ``header``.

    Returns:
        The position after the whitespace.

    """
    match = _OWS_RE.match(header, pos)
    assert match is not None  # OWS matches the empty string
    return match.end()


def parse_token(header: str, pos: int, header_name: str) -> tuple[str, int]:
    """Parse a token at ``pos`` in ``header``.

    Returns:
        The token and the position after it.

    Raises:
        InvalidHeaderFormat: If there's no token at ``pos``.

    """
    match = _TOKEN_RE.match(header, pos)
    if match is None:
        raise InvalidHeaderFormat(header_name, "expected token", header, pos)
    return match.group(), match.end()


def parse_quoted_string(header: str, pos: int, header_name: str) -> tuple[str, int]:
    """Parse a quoted string at ``pos`` in ``header``.

    Returns:
        The unquoted value, with quoted pairs unescaped, and the position
        after the closing double quote.

    Raises:
        InvalidHeaderFormat: If there's no valid quoted string at ``pos``.

    """
    match = _QUOTED_STRING_RE.match(header, pos)
    if match is None:
        raise InvalidHeaderFormat(header_name, "expected quoted string", header, pos)
    return _QUOTED_PAIR_RE.sub(r"\1", match.group()[1:-1]), match.end()


def build_quoted_string(value: str) -> str:
    """Quote ``value`` as a quoted string, escaping ``"`` and ``\\``.

    Raises:
        ValueError: If ``value`` contains a control character other than HTAB,
            which can't be represented in a quoted string.

    """
    match = _UNQUOTABLE_RE.search(value)
    if match is not None:
        raise ValueError(f"invalid character {match.group()!r} at {match.start()} in {value!r}")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse_list(
    parse_item: Callable[[str, int, str], tuple[T, int]],
    header: str,
    pos: int,
    header_name: str,
) -> list[T]:
    """Parse a comma-separated list of one or more items (``1#item``).

    Following :rfc:`7230#section-7`, empty list elements and whitespace
    around commas are accepted, but at least one item is required.

    Args:
        parse_item: Parser for an item, with the same signature as
            :func:`parse_token`.
        header: Header value.
        pos: Position where the list starts, usually 0.
        header_name: Header name, for error messages.

    Returns:
        The list of items.

    Raises:
        InvalidHeaderFormat: If the header doesn't match the grammar.

    """
    # Leading empty elements: [ "," ] OWS ...
    pos = parse_OWS(header, pos)
    while peek_ahead(header, pos) == ",":
        pos = parse_OWS(header, pos + 1)

    items: list[T] = []
    while True:
        item, pos = parse_item(header, pos, header_name)
        items.append(item)
        pos = parse_OWS(header, pos)
        if pos == len(header):
            return items
        if header[pos] != ",":
            raise InvalidHeaderFormat(header_name, "expected comma", header, pos)
        # One comma, then any number of empty elements.
        while peek_ahead(header, pos) == ",":
            pos = parse_OWS(header, pos + 1)
        if pos == len(header):
            return items


def parse_connection_option(
    header: str, pos: int, header_name: str
) -> tuple[ConnectionOption, int]:
    """Parse a connection option (a token) at ``pos`` in ``header``."""
    item, pos = parse_token(header, pos, header_name)
    return ConnectionOption(item), pos


def parse_connection(header: str) -> list[ConnectionOption]:
    """Parse a ``Connection`` header (:rfc:`7230#section-6.1`).

    ``Connection = 1#connection-option``, where options are tokens.

    Returns:
        The connection options, as written (not case-folded).

    Raises:
        InvalidHeaderFormat: If the header doesn't match the grammar.

    """
    return parse_list(parse_connection_option, header, 0, "Connection")


def parse_upgrade_protocol(header: str, pos: int, header_name: str) -> tuple[UpgradeProtocol, int]:
    """Parse an upgrade protocol (``token ["/" token]``) at ``pos`` in ``header``."""
    match = _PROTOCOL_RE.match(header, pos)
    if match is None:
        raise InvalidHeaderFormat(header_name, "expected protocol", header, pos)
    return UpgradeProtocol(match.group()), match.end()


def parse_upgrade(header: str) -> list[UpgradeProtocol]:
    """Parse an ``Upgrade`` header (:rfc:`7230#section-6.7`).

    ``Upgrade = 1#protocol``, ``protocol = protocol-name ["/" protocol-version]``.

    Returns:
        The protocols, as written (not case-folded).

    Raises:
        InvalidHeaderFormat: If the header doesn't match the grammar.

    """
    return parse_list(parse_upgrade_protocol, header, 0, "Upgrade")


def parse_extension_item_param(
    header: str, pos: int, header_name: str
) -> tuple[ExtensionParameter, int]:
    """Parse an extension parameter (``name [ "=" value ]``) at ``pos``.

    The value is a token or a quoted string; per :rfc:`6455#section-9.1`, a
    quoted value must still be a token once unquoted.

    Returns:
        The ``(name, value)`` pair, ``value`` being :obj:`None` without
        ``=``, and the position after the parameter.

    Raises:
        InvalidHeaderFormat: If the parameter doesn't match the grammar.

    """
    name, pos = parse_token(header, pos, header_name)
    pos = parse_OWS(header, pos)
    if peek_ahead(header, pos) != "=":
        return (name, None), pos
    pos = parse_OWS(header, pos + 1)
    if peek_ahead(header, pos) == '"':
        value_pos = pos
        value, pos = parse_quoted_string(header, pos, header_name)
        if not _is_token(value):
            raise InvalidHeaderFormat(
                header_name, "invalid quoted header content", header, value_pos
            )
    else:
        value, pos = parse_token(header, pos, header_name)
    return (name, value), pos


def parse_extension_item(
    header: str, pos: int, header_name: str
) -> tuple[tuple[ExtensionName, list[ExtensionParameter]], int]:
    """Parse an extension (``name *( OWS ";" OWS param )``) at ``pos``.

    Returns:
        The ``(name, parameters)`` pair and the position after the extension.

    Raises:
        InvalidHeaderFormat: If the extension doesn't match the grammar.

    """
    name, pos = parse_token(header, pos, header_name)
    pos = parse_OWS(header, pos)
    parameters: list[ExtensionParameter] = []
    while peek_ahead(header, pos) == ";":
        pos = parse_OWS(header, pos + 1)
        parameter, pos = parse_extension_item_param(header, pos, header_name)
        parameters.append(parameter)
        pos = parse_OWS(header, pos)
    return (ExtensionName(name), parameters), pos


def parse_extension(header: str) -> list[tuple[ExtensionName, list[ExtensionParameter]]]:
    """Parse a ``Sec-WebSocket-Extensions`` header (:rfc:`6455#section-9.1`).

    It's a list of extensions, each with a list of parameters::

        extension-list = 1#extension
        extension = extension-token *( ";" extension-param )
        extension-param = token [ "=" (token | quoted-string) ]

    Parameter values are returned unquoted, so ``a="1"`` and ``a=1`` parse
    alike.

    Returns:
        A list of ``(name, parameters)`` pairs, where ``parameters`` is a
        list of ``(name, value)`` pairs and ``value`` is :obj:`None` for a
        parameter without a value.

    Raises:
        InvalidHeaderFormat: If the header doesn't match the grammar.

    """
    return parse_list(parse_extension_item, header, 0, "Sec-WebSocket-Extensions")


def build_extension_item(name: ExtensionName, parameters: Sequence[ExtensionParameter]) -> str:
    """Build an extension for a ``Sec-WebSocket-Extensions`` header.

    Raises:
        ValueError: If the name, a parameter name or a parameter value isn't
            a token.

    """
    if not _is_token(name):
        raise ValueError(f"invalid extension name: {name!r}")
    parts: list[str] = [name]
    for param_name, param_value in parameters:
        if not _is_token(param_name):
            raise ValueError(f"invalid extension parameter name: {param_name!r}")
        if param_value is None:
            parts.append(param_name)
        elif _is_token(param_value):
            parts.append(f"{param_name}={param_value}")
        else:
            raise ValueError(f"invalid extension parameter value: {param_value!r}")
    return "; ".join(parts)


def build_extension(
    extensions: Sequence[tuple[ExtensionName, Sequence[ExtensionParameter]]],
) -> str:
    """Build a ``Sec-WebSocket-Extensions`` header; the reverse of :func:`parse_extension`.

    Args:
        extensions: List of ``(name, parameters)`` pairs, where
            ``parameters`` is a list of ``(name, value)`` pairs and ``value``
            is :obj:`None` for a parameter without a value.

    Raises:
        ValueError: If a name or a value isn't a token; RFC 6455 allows
            nothing else.

    """
    return ", ".join(build_extension_item(name, parameters) for name, parameters in extensions)


def parse_subprotocol_item(header: str, pos: int, header_name: str) -> tuple[Subprotocol, int]:
    """Parse a subprotocol (a token) at ``pos`` in ``header``."""
    item, pos = parse_token(header, pos, header_name)
    return Subprotocol(item), pos


def parse_subprotocol(header: str) -> list[Subprotocol]:
    """Parse a ``Sec-WebSocket-Protocol`` header (:rfc:`6455#section-4.3`).

    ``Sec-WebSocket-Protocol = 1#token``.

    Returns:
        The subprotocols, in order.

    Raises:
        InvalidHeaderFormat: If the header doesn't match the grammar.

    """
    return parse_list(parse_subprotocol_item, header, 0, "Sec-WebSocket-Protocol")


def build_subprotocol(subprotocols: Sequence[Subprotocol]) -> str:
    """Build a ``Sec-WebSocket-Protocol`` header; the reverse of :func:`parse_subprotocol`.

    Raises:
        ValueError: If a subprotocol isn't a token.

    """
    validate_subprotocols(subprotocols)
    return ", ".join(subprotocols)


def validate_subprotocols(subprotocols: Sequence[Subprotocol]) -> None:
    """Check that ``subprotocols`` is a list of subprotocols.

    This catches misuse of the API early, when a client or a server is
    configured, rather than during the opening handshake.

    Raises:
        TypeError: If ``subprotocols`` is a :class:`str`, isn't a sequence,
            or holds something other than a :class:`str`.
        ValueError: If a subprotocol isn't a token (:rfc:`6455#section-4.1`).

    """
    if isinstance(subprotocols, str):
        raise TypeError("subprotocols must be a list, not a str")
    if not isinstance(subprotocols, Sequence):
        raise TypeError("subprotocols must be a list")
    for subprotocol in subprotocols:
        if not isinstance(subprotocol, str):
            raise TypeError(f"expected str, got {type(subprotocol).__name__}")
        if not _is_token(subprotocol):
            raise ValueError(f"invalid subprotocol: {subprotocol}")


def build_www_authenticate_basic(realm: str) -> str:
    """Build a ``WWW-Authenticate`` header for HTTP Basic Auth (:rfc:`7617#section-2`).

    Args:
        realm: Identifier of the protection space; quoted and escaped.

    Returns:
        ``Basic realm="...", charset="UTF-8"``.

    Raises:
        ValueError: If ``realm`` contains a control character.

    """
    return f'Basic realm={build_quoted_string(realm)}, charset="UTF-8"'


def parse_authorization_basic(header: str) -> tuple[str, str]:
    """Parse an ``Authorization`` header for HTTP Basic Auth (:rfc:`7617#section-2`).

    ``credentials = "Basic" 1*SP token68``, where ``token68`` is the
    base64 encoding of ``user-id ":" password`` in UTF-8.

    Returns:
        The ``(username, password)`` pair.

    Raises:
        InvalidHeaderFormat: If the header doesn't match the grammar.
        InvalidHeaderValue: If the scheme isn't ``Basic``, or the credentials
            aren't valid base64-encoded UTF-8 or don't contain a colon.

    """
    scheme, pos = parse_token(header, 0, "Authorization")
    # Auth schemes are case-insensitive (RFC 7235, section 2.1).
    if scheme.lower() != "basic":
        raise InvalidHeaderValue("Authorization", f"unsupported scheme: {scheme}")
    if peek_ahead(header, pos) != " ":
        raise InvalidHeaderFormat("Authorization", "expected space after scheme", header, pos)
    while peek_ahead(header, pos) == " ":
        pos += 1
    match = _TOKEN68_RE.match(header, pos)
    if match is None:
        raise InvalidHeaderFormat("Authorization", "expected token68", header, pos)
    pos = parse_OWS(header, match.end())
    if pos != len(header):
        raise InvalidHeaderFormat("Authorization", "expected end of header", header, pos)

    try:
        user_pass = base64.b64decode(match.group().encode(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise InvalidHeaderValue("Authorization", "expected base64-encoded credentials") from None
    username, colon, password = user_pass.partition(":")
    if not colon:
        raise InvalidHeaderValue("Authorization", "expected username:password credentials")
    return username, password


def build_authorization_basic(username: str, password: str) -> str:
    """Build an ``Authorization`` header for HTTP Basic Auth (:rfc:`7617#section-2`).

    Credentials are encoded in UTF-8, then in base64.

    Raises:
        ValueError: If ``username`` contains a colon, which would make the
            credentials ambiguous.

    """
    if ":" in username:
        raise ValueError(f"username must not contain a colon: {username!r}")
    credentials = base64.b64encode(f"{username}:{password}".encode()).decode()
    return f"Basic {credentials}"


def build_host(host: str, port: int, secure: bool, *, always_include_port: bool = False) -> str:
    """Build a ``Host`` header (:rfc:`7230#section-5.4`).

    Args:
        host: Host name or IP address; an IPv6 address is enclosed in
            brackets (:rfc:`3986#section-3.2.2`), without its zone identifier,
            which only means something to the sending host
            (:rfc:`6874#section-4`).
        port: Port number.
        secure: Whether the connection uses TLS; then the default port is
            443 instead of 80.
        always_include_port: Include the port even when it's the default
            port; :obj:`False` by default.

    Returns:
        ``host`` or ``host:port``.

    """
    # RFC 6874, section 4: "an HTTP client [...] MUST remove any ZoneID
    # attached to an outgoing URI". parse_uri() decodes it as "%" + zone.
    address_part = host.partition("%")[0]
    try:
        address = ipaddress.ip_address(address_part)
    except ValueError:
        pass  # a host name, or an IPv6 address already in brackets
    else:
        if address.version == 6:
            host = f"[{address_part}]"
    if always_include_port or port != (443 if secure else 80):
        host = f"{host}:{port}"
    return host


def validate_upgrade(headers: Headers) -> None:
    """Check the ``Connection`` and ``Upgrade`` headers of a handshake.

    Both the request and the 101 response must carry ``Connection: Upgrade``
    and ``Upgrade: websocket``, compared case-insensitively
    (:rfc:`6455#section-4.1`, :rfc:`6455#section-4.2.1`). Like browsers,
    accept nothing else alongside ``websocket`` in ``Upgrade``.

    Raises:
        InvalidHeaderFormat: If a header can't be parsed.
        InvalidUpgrade: If a header is missing or doesn't ask to upgrade to
            WebSocket.

    """
    connection: list[ConnectionOption] = sum(
        [parse_connection(value) for value in headers.get_all("Connection")], []
    )
    if not any(value.lower() == "upgrade" for value in connection):
        raise InvalidUpgrade("Connection", ", ".join(connection) if connection else None)

    upgrade: list[UpgradeProtocol] = sum(
        [parse_upgrade(value) for value in headers.get_all("Upgrade")], []
    )
    if not (len(upgrade) == 1 and upgrade[0].lower() == "websocket"):
        raise InvalidUpgrade("Upgrade", ", ".join(upgrade) if upgrade else None)


# Former names, which upstream keeps for backwards compatibility.
build_extension_list = build_extension
parse_extension_list = parse_extension
build_subprotocol_list = build_subprotocol
parse_subprotocol_list = parse_subprotocol
