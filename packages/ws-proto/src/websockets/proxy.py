"""Sans-I/O part of connecting through a proxy.

A client reaches a WebSocket server through a proxy in three steps, and this
module holds every decision that doesn't need a socket:

1. Which proxy, if any: :func:`get_proxy` reads the configuration of the
   environment (and, on macOS and Windows, of the system) for a WebSocket URI;
   an explicit ``proxy`` argument replaces it. :func:`parse_proxy` validates
   the proxy URL into a :class:`Proxy`.
2. Opening a tunnel to the server. A SOCKS proxy (``socks5h``, ``socks5``,
   ``socks4a``, ``socks4``) speaks a binary protocol, which the I/O layers
   delegate to the python-socks library. An HTTP proxy (``http``, or
   ``https`` for TLS between the client and the proxy) is asked with an HTTP
   ``CONNECT`` request (:rfc:`9110#section-9.3.6`), which
   :class:`HTTPProxyHandshake` builds and whose response it checks: a 2xx
   status opens the tunnel, anything else fails.
3. Once the tunnel is open, the client speaks to the server as if connected
   directly: TLS for ``wss://`` URIs, then the opening handshake.

The I/O layer opens the TCP (or TLS) connection to the proxy, sends
:meth:`HTTPProxyHandshake.data_to_send`, feeds what it receives to
:meth:`HTTPProxyHandshake.receive_data` and :meth:`HTTPProxyHandshake.receive_eof`
until :attr:`HTTPProxyHandshake.done`, then raises
:attr:`HTTPProxyHandshake.exc` or hands the connection, with
:meth:`HTTPProxyHandshake.tunnel_data`, to the WebSocket protocol.

"""

from __future__ import annotations

import dataclasses
import urllib.request
from collections.abc import Generator

from .datastructures import Headers
from .exceptions import InvalidProxy, InvalidProxyMessage, InvalidProxyStatus, ProxyError
from .headers import build_authorization_basic, build_host
from .http11 import USER_AGENT, Response
from .streams import StreamReader
from .uri import WebSocketURI, _parse_authority, _split

__all__ = [
    "HTTPProxyHandshake",
    "Proxy",
    "get_proxy",
    "parse_proxy",
    "prepare_connect_request",
]


@dataclasses.dataclass
class Proxy:
    """Proxy URL, split into the parts needed to connect through the proxy.

    Attributes:
        scheme: ``socks5h``, ``socks5``, ``socks4a``, ``socks4``, ``https``
            or ``http``, in lowercase.
        host: Host name, as an ASCII string: an IDNA-encoded DNS name or an IP
            address; IPv6 addresses are written without brackets.
        port: Port number; 1080 for SOCKS, 443 for ``https`` and 80 for
            ``http`` when the URL doesn't give one.
        username: User name for the proxy, percent-decoded; :obj:`None` when
            the URL doesn't give user info.
        password: Password for the proxy, percent-decoded; :obj:`None` when
            the URL doesn't give user info.

    """

    scheme: str
    host: str
    port: int
    username: str | None = None
    password: str | None = None

    @property
    def user_info(self) -> tuple[str, str] | None:
        """``(username, password)`` for the proxy, or :obj:`None`."""
        if self.username is None:
            return None
        assert self.password is not None, "username without password"
        return (self.username, self.password)


_PROXY_DEFAULT_PORTS = {
    "socks5h": 1080,
    "socks5": 1080,
    "socks4a": 1080,
    "socks4": 1080,
    "https": 443,
    "http": 80,
}


def parse_proxy(proxy: str) -> Proxy:
    """Parse and validate a proxy URL.

    The scheme must be one of ``socks5h``, ``socks5``, ``socks4a``,
    ``socks4``, ``https`` and ``http``, in any case. A host is required; the
    port defaults to 1080 for SOCKS, 443 for ``https`` and 80 for ``http``.
    The path must be empty or ``/``; a query or a fragment isn't allowed. User
    info, if any, must contain a user name and a password, separated by
    ``:``; both are percent-decoded. Non-ASCII host names are converted with
    IDNA, as in :func:`~websockets.uri.parse_uri`.

    Args:
        proxy: Proxy URL, e.g. ``http://proxy.example:3128``.

    Returns:
        The parsed proxy URL.

    Raises:
        InvalidProxy: If ``proxy`` isn't a valid proxy URL; the message says
            why.

    """
    try:
        scheme, authority, path, query, fragment = _split(proxy)
        if scheme not in _PROXY_DEFAULT_PORTS:
            # Without "://", "proxy.example:3128" reads as a URI whose scheme
            # is "proxy.example": say what is actually missing.
            if "://" not in proxy:
                raise ValueError("scheme isn't provided")
            raise ValueError(f"scheme {scheme} isn't supported")
        if path not in ("", "/"):
            raise ValueError("path is meaningless")
        if query is not None:
            raise ValueError("query is meaningless")
        if fragment is not None:
            raise ValueError("fragment is meaningless")
        host, port, username, password = _parse_authority(
            authority, default_port=_PROXY_DEFAULT_PORTS[scheme]
        )
    except ValueError as exc:
        raise InvalidProxy(proxy, str(exc)) from None
    return Proxy(scheme, host, port, username, password)


def get_proxy(uri: WebSocketURI) -> str | None:
    """Find the proxy configured for a WebSocket URI.

    First, when ``no_proxy`` lists the host of ``uri`` (alone or as
    ``host:port``), or the system's proxy bypass list does, no proxy is used,
    as decided by :func:`urllib.request.proxy_bypass`.

    Then the proxy comes from :func:`urllib.request.getproxies`, which reads
    the ``<scheme>_proxy`` environment variables, lowercase winning over
    uppercase (and, on macOS and Windows, the system settings when none is
    set). The first one set in this order is used:

    1. ``wss_proxy`` for ``wss://`` URIs, ``ws_proxy`` for ``ws://`` URIs:
       a proxy for WebSocket connections only;
    2. a SOCKS proxy configured in the system, or ``socks_proxy``;
    3. ``https_proxy``, for ``wss://`` and ``ws://`` URIs alike;
    4. ``http_proxy``, only for ``ws://`` URIs.

    ``all_proxy`` isn't used. Any of these variables may name a SOCKS or an
    HTTP proxy, e.g. ``https_proxy=socks5h://proxy:1080/``. A system SOCKS
    proxy given as ``http://`` or ``socks://`` is returned as ``socks5h://``.

    Args:
        uri: Parsed WebSocket URI.

    Returns:
        The proxy URL, unvalidated (pass it to :func:`parse_proxy`), or
        :obj:`None` when no proxy must be used.

    """
    if urllib.request.proxy_bypass(f"{uri.host}:{uri.port}"):
        return None
    proxies = urllib.request.getproxies()
    # http_proxy is for plain HTTP: it's only used for plain WebSocket.
    keys = ["wss", "socks", "https"] if uri.secure else ["ws", "socks", "https", "http"]
    for key in keys:
        proxy = proxies.get(key)
        if not proxy:
            continue
        if key == "socks":
            # The system settings of macOS and Windows give a SOCKS proxy as
            # host and port only, to which getproxies() adds a scheme.
            for prefix in ("http://", "socks://"):
                if proxy.lower().startswith(prefix):
                    proxy = "socks5h://" + proxy[len(prefix) :]
        return proxy
    return None


def prepare_connect_request(
    proxy: Proxy,
    ws_uri: WebSocketURI,
    user_agent_header: str | None = USER_AGENT,
) -> bytes:
    """Build the HTTP ``CONNECT`` request asking a proxy to open a tunnel.

    The request target is the host and port of ``ws_uri``, the port always
    included, as ``CONNECT`` requires (:rfc:`9110#section-9.3.6`). The
    ``Host`` header is the one a request to ``ws_uri`` would carry
    (:rfc:`9112#section-3.2`): the port is left out when it's the default
    port of the scheme, 80 for ``ws://`` and 443 for ``wss://``, e.g.
    ``CONNECT example.com:443`` with ``Host: example.com``. When the proxy URL
    has user info, it's sent with HTTP Basic Auth in a
    ``Proxy-Authorization`` header (:rfc:`9110#section-11.7.2`).

    Args:
        proxy: HTTP proxy, parsed with :func:`parse_proxy`.
        ws_uri: WebSocket URI of the server to reach through the proxy.
        user_agent_header: Value of the ``User-Agent`` header;
            ``"Python/x.y websockets/X.Y"`` by default, or the
            ``WEBSOCKETS_USER_AGENT`` environment variable. :obj:`None` omits
            it.

    Returns:
        The request, as sent on the wire.

    """
    target = build_host(ws_uri.host, ws_uri.port, ws_uri.secure, always_include_port=True)
    headers = Headers()
    headers["Host"] = build_host(ws_uri.host, ws_uri.port, ws_uri.secure)
    if user_agent_header is not None:
        headers["User-Agent"] = user_agent_header
    if proxy.user_info is not None:
        headers["Proxy-Authorization"] = build_authorization_basic(*proxy.user_info)
    # http11.Request only serializes GET requests with a path.
    return f"CONNECT {target} HTTP/1.1\r\n".encode() + headers.serialize()


class HTTPProxyHandshake:
    """Sans-I/O ``CONNECT`` handshake with an HTTP proxy.

    Send :meth:`data_to_send` to the proxy, feed its answer to
    :meth:`receive_data` and :meth:`receive_eof` until :attr:`done` is
    :obj:`True`, then check :attr:`exc`. When it's :obj:`None`, the tunnel is
    open: :attr:`response` is the proxy's 2xx response, and the bytes that
    follow it on the connection, starting with :meth:`tunnel_data`, come from
    the server.

    Args:
        proxy: HTTP proxy, parsed with :func:`parse_proxy`.
        uri: WebSocket URI of the server to reach through the proxy.
        user_agent_header: Value of the ``User-Agent`` header; see
            :func:`prepare_connect_request`.

    """

    def __init__(
        self,
        proxy: Proxy,
        uri: WebSocketURI,
        user_agent_header: str | None = USER_AGENT,
    ) -> None:
        self.request = prepare_connect_request(proxy, uri, user_agent_header)
        """``CONNECT`` request, as sent on the wire."""

        self.response: Response | None = None
        """Response of the proxy, once received and parsed."""

        self.exc: ProxyError | None = None
        """Why the proxy didn't open the tunnel, once :attr:`done`; else :obj:`None`."""

        self.done = False
        """Whether the handshake is over, successfully or not."""

        self._reader = StreamReader()
        self._parser = self._parse()
        next(self._parser)

    def data_to_send(self) -> bytes:
        """Return the ``CONNECT`` request, to send once the connection is open."""
        return self.request

    def receive_data(self, data: bytes | bytearray) -> None:
        """Feed bytes received from the proxy.

        After :attr:`done`, bytes are kept for :meth:`tunnel_data`.

        Raises:
            EOFError: If :meth:`receive_eof` was called already.

        """
        self._reader.feed_data(data)
        next(self._parser)

    def receive_eof(self) -> None:
        """Signal that the proxy closed the connection.

        Before the response is complete, this fails the handshake with
        :exc:`~websockets.exceptions.InvalidProxyMessage`.

        Raises:
            EOFError: If :meth:`receive_eof` was called already.

        """
        self._reader.feed_eof()
        next(self._parser)

    def tunnel_data(self) -> bytes:
        """Return the bytes received after the proxy's response.

        They are the beginning of the server's stream, which the I/O layer
        passes on with the connection. In practice there are none: the client
        speaks first in the opening handshake and in TLS.

        """
        return bytes(self._reader.buffer)

    def _parse(self) -> Generator[None, None, None]:
        try:
            response = yield from Response.parse(
                self._reader.read_line,
                self._reader.read_exact,
                self._reader.read_to_eof,
                proxy=True,
            )
        except Exception as exc:
            # EOFError, ValueError, SecurityError, NotImplementedError: none
            # of them leaves a usable tunnel.
            self.exc = InvalidProxyMessage("did not receive a valid HTTP response from proxy")
            self.exc.__cause__ = exc
        else:
            self.response = response
            if not 200 <= response.status_code < 300:
                self.exc = InvalidProxyStatus(response)
        self.done = True
        # The rest of the stream belongs to the tunnel: leave it buffered.
        while True:
            yield
