"""Parse WebSocket URIs (:rfc:`6455#section-3`) and proxy URLs.

:func:`parse_uri` turns a ``ws://`` or ``wss://`` URI into the pieces that
the opening handshake needs: where to connect (:attr:`WebSocketURI.host`,
:attr:`WebSocketURI.port`, :attr:`WebSocketURI.secure`), what to request
(:attr:`WebSocketURI.resource_name`) and, optionally, credentials for HTTP
Basic Auth (:attr:`WebSocketURI.user_info`).

It also accepts IRIs (:rfc:`3987`), URIs with non-ASCII characters, and
converts them to URIs: the host name with IDNA, the path and the query with
UTF-8 percent-encoding.

Proxy URLs are parsed by :mod:`websockets.proxy`, which shares the helpers
below; ``Proxy``, ``parse_proxy`` and ``get_proxy`` remain importable from
here.

"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import urllib.parse
from typing import Any

from .exceptions import InvalidURI

__all__ = ["WebSocketURI", "parse_uri"]


# Names that moved to websockets.proxy, which imports this module: resolve
# them lazily to avoid a circular import.
_MOVED_TO_PROXY = frozenset({"Proxy", "get_proxy", "parse_proxy"})


def __getattr__(name: str) -> Any:
    if name in _MOVED_TO_PROXY:
        from . import proxy

        return getattr(proxy, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Characters that may appear unencoded in each component, on top of the
# letters, digits and "-._~" that urllib.parse.quote always keeps, and of "%",
# which starts an escape (:rfc:`3986#section-3.3`, :rfc:`3986#section-3.4`).
_SUB_DELIMS = "!$&'()*+,;="
_PATH_SAFE = _SUB_DELIMS + ":@/"
_QUERY_SAFE = _PATH_SAFE + "?"

# A "%" that doesn't start a %XX escape.
_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")

# reg-name of :rfc:`3986#section-3.2.2`, without percent-encoding: a host name
# is resolved with DNS, where escapes make no sense.
_REG_NAME = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=]+")

# The regular expression of :rfc:`3986#appendix-B`, which splits any string
# into scheme (2), authority (4), path (5), query (7) and fragment (9).
_URI_REFERENCE = re.compile(r"(([^:/?#]+):)?(//([^/?#]*))?([^?#]*)(\?([^#]*))?(#(.*))?", re.DOTALL)

# C0 control characters and DEL.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# ZoneID of :rfc:`6874#section-2`: unreserved characters and %XX escapes.
_ZONE_ID = re.compile(r"(?:[A-Za-z0-9\-._~]|%[0-9A-Fa-f]{2})+")

# What a zone identifier may contain once decoded: the unreserved characters
# of RFC 3986, which interface names and numeric zones are made of. Nothing
# that would end the host in a Host header or a CONNECT request: "]", ":",
# "@", "/", "%", whitespace.
_ZONE_CHARS = re.compile(r"[A-Za-z0-9\-._~]+")


@dataclasses.dataclass
class WebSocketURI:
    """WebSocket URI, split into the parts that the opening handshake needs.

    Attributes:
        secure: :obj:`True` for ``wss`` (TLS), :obj:`False` for ``ws``.
        host: Host name, as an ASCII string: an IDNA-encoded DNS name or an IP
            address; IPv6 addresses are written without brackets.
        port: Port number, 80 or 443 when the URI doesn't give one.
        path: Path, percent-encoded; ``/`` when the URI doesn't give one.
        query: Query, percent-encoded, without the ``?``; empty when the URI
            doesn't give one.
        username: User name for HTTP Basic Auth, percent-decoded;
            :obj:`None` when the URI doesn't give user info.
        password: Password for HTTP Basic Auth, percent-decoded;
            :obj:`None` when the URI doesn't give user info.

    """

    secure: bool
    host: str
    port: int
    path: str
    query: str
    username: str | None = None
    password: str | None = None

    @property
    def resource_name(self) -> str:
        """Target of the opening handshake request: path and query."""
        resource_name = self.path or "/"
        if self.query:
            resource_name += "?" + self.query
        return resource_name

    @property
    def user_info(self) -> tuple[str, str] | None:
        """``(username, password)`` for HTTP Basic Auth, or :obj:`None`."""
        if self.username is None:
            return None
        assert self.password is not None, "username without password"
        return (self.username, self.password)


def parse_uri(uri: str) -> WebSocketURI:
    """Parse and validate a WebSocket URI.

    The scheme must be ``ws`` or ``wss``, in any case. A host is required; the
    port defaults to 80 for ``ws`` and 443 for ``wss``. A fragment isn't
    allowed (:rfc:`6455#section-3`). User info, if any, must contain a user
    name and a password, separated by ``:``; both are percent-decoded.

    Characters that a URI can't contain, such as non-ASCII characters or
    spaces, are converted: the host name with IDNA (:rfc:`3490`), the path and
    the query with UTF-8 percent-encoding (:rfc:`3987#section-3.1`). Valid
    characters and existing ``%XX`` escapes are kept as they are.

    Args:
        uri: WebSocket URI or IRI.

    Returns:
        The parsed WebSocket URI.

    Raises:
        InvalidURI: If ``uri`` isn't a valid WebSocket URI; the message says
            why.

    """
    try:
        scheme, authority, path, query, fragment = _split(uri)
        if scheme not in ("ws", "wss"):
            raise ValueError("scheme isn't ws or wss")
        if fragment is not None:
            raise ValueError("fragment identifier is meaningless")
        secure = scheme == "wss"
        host, port, username, password = _parse_authority(
            authority, default_port=443 if secure else 80
        )
        path = _quote(path, _PATH_SAFE, "path") or "/"
        query = _quote(query or "", _QUERY_SAFE, "query")
    except ValueError as exc:
        raise InvalidURI(uri, str(exc)) from None
    return WebSocketURI(secure, host, port, path, query, username, password)


def _split(uri: str) -> tuple[str, str | None, str, str | None, str | None]:
    """Split a URI into scheme, authority, path, query and fragment.

    The scheme is lowercased. Missing components are :obj:`None`, which tells
    ``ws://host/?`` from ``ws://host/``. Unlike :func:`urllib.parse.urlsplit`,
    this neither drops tabs and newlines nor strips control characters
    silently: it rejects them.

    Raises:
        ValueError: If the URI contains control characters or leading or
            trailing whitespace.

    """
    match = _CONTROL.search(uri)
    if match is not None:
        raise ValueError(f"control character {match.group()!r} at position {match.start()}")
    if uri != uri.strip():
        raise ValueError("leading or trailing whitespace")
    # Every string matches: each group is optional, except the path.
    parts = _URI_REFERENCE.fullmatch(uri)
    assert parts is not None
    scheme, authority, path, query, fragment = parts.group(2, 4, 5, 7, 9)
    return (scheme or "").lower(), authority, path, query, fragment


def _parse_authority(
    authority: str | None, *, default_port: int
) -> tuple[str, int, str | None, str | None]:
    """Split the authority of a URI into host, port, user name and password.

    Raises:
        ValueError: If the authority isn't valid.

    """
    if authority is None:
        raise ValueError("hostname isn't provided")
    # The last "@" ends the user info, even though "@" is only allowed there
    # as "%40", like browsers and urllib.parse do.
    userinfo, at, hostport = authority.rpartition("@")
    username = password = None
    if at:
        user, colon, passwd = userinfo.partition(":")
        if not colon:
            raise ValueError("username provided without password")
        username = _unquote(user, "username")
        password = _unquote(passwd, "password")
        # RFC 7617, section 2: Basic Auth can't carry a colon in the user-id;
        # say so now rather than when the Authorization header is built.
        if ":" in username:
            raise ValueError("username can't contain a colon, even percent-encoded")

    if hostport.startswith("["):
        host, bracket, port_str = hostport[1:].partition("]")
        if not bracket:
            raise ValueError("IPv6 address isn't closed with ]")
        if port_str and not port_str.startswith(":"):
            raise ValueError(f"unexpected characters after IPv6 address: {port_str}")
        port_str = port_str[1:]
        host = _parse_ipv6(host)
    elif hostport.count(":") > 1:
        raise ValueError(f"too many colons in {hostport}; enclose IPv6 addresses in brackets")
    else:
        host, _, port_str = hostport.partition(":")
        host = _parse_host(host)

    if port_str:
        if not (port_str.isascii() and port_str.isdigit()):
            raise ValueError(f"port isn't a number: {port_str}")
        port = int(port_str)
        if not 1 <= port <= 65535:
            raise ValueError(f"port out of range: {port}, expected 1 to 65535")
    else:
        port = default_port

    return host, port, username, password


def _parse_host(host: str) -> str:
    """Validate a host name or IPv4 address; convert it to ASCII, lowercase."""
    if not host:
        raise ValueError("hostname isn't provided")
    if not host.isascii():
        try:
            host = host.encode("idna").decode()
        except UnicodeError as exc:
            raise ValueError(f"hostname can't be encoded with IDNA: {host}: {exc}") from None
    if _REG_NAME.fullmatch(host) is None:
        invalid = next(char for char in host if _REG_NAME.fullmatch(char) is None)
        raise ValueError(f"invalid character in hostname: {invalid!r}")
    return host.lower()


def _parse_ipv6(host: str) -> str:
    """Validate an IPv6 address, found between brackets; lowercase it.

    A zone identifier is accepted as :rfc:`6874` writes it, ``%25`` then the
    zone, and decoded to ``%`` then the zone, as socket APIs expect it. Once
    decoded, the zone must be made of unreserved characters (letters, digits,
    ``-._~``), as interface names are: nothing that could end the host where
    it's written, nor CR or LF.

    """
    address, percent, zone = host.partition("%")
    try:
        ipaddress.IPv6Address(address)
    except ValueError:
        raise ValueError(f"invalid IPv6 address: {host}") from None
    if not percent:
        return address.lower()
    if not zone.startswith("25") or len(zone) == 2:
        raise ValueError(f"invalid zone in IPv6 address: {host}; expected %25 and a zone")
    if _ZONE_ID.fullmatch(zone, 2) is None:
        raise ValueError(f"invalid zone in IPv6 address: {host}; expected RFC 6874 ZoneID")
    zone = _unquote(zone[2:], "zone identifier")
    if _ZONE_CHARS.fullmatch(zone) is None:
        raise ValueError(f"invalid zone in IPv6 address: {host}; expected letters, digits and -._~")
    return f"{address.lower()}%{zone}"


def _quote(value: str, safe: str, what: str) -> str:
    """Percent-encode characters that aren't allowed in a URI component."""
    value = _STRAY_PERCENT.sub("%25", value)
    try:
        return urllib.parse.quote(value, safe=safe + "%")
    except UnicodeEncodeError:
        raise ValueError(f"{what} can't be encoded with UTF-8: {value!r}") from None


def _unquote(value: str, what: str) -> str:
    """Percent-decode a component of the authority, which must be UTF-8."""
    # Like the path and the query, the component must be encodable: a lone
    # surrogate would pass unquote() and fail later, e.g. when the user info
    # is encoded for the Authorization header.
    try:
        value.encode()
    except UnicodeEncodeError:
        raise ValueError(f"{what} can't be encoded with UTF-8: {value!r}") from None
    try:
        return urllib.parse.unquote(value, errors="strict")
    except UnicodeDecodeError:
        raise ValueError(f"{what} isn't valid UTF-8 once percent-decoded") from None
