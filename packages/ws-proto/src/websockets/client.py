"""Sans-I/O implementation of the client side of WebSocket connections.

The client sends the opening handshake request built by
:meth:`ClientProtocol.connect` and checks the server's response
(:rfc:`6455#section-4.1`); then :class:`~websockets.protocol.Protocol` takes
over.

This module also holds the policy that every client I/O layer applies around
the handshake, so that it's written once: which failed attempts are worth
retrying (:func:`process_exception`), how long to wait before retrying
(:func:`backoff`), how to follow HTTP redirects (:func:`follow_redirect`) and
which credentials may follow them (:func:`redirect_headers`).
None of it performs I/O: the functions take values and return values.

"""

from __future__ import annotations

import os
import random
import sys
import urllib.parse
import warnings
from collections.abc import Generator, Sequence
from typing import Any

from .datastructures import Headers, HeadersLike, MultipleValuesError
from .exceptions import (
    InvalidHandshake,
    InvalidHeader,
    InvalidHeaderValue,
    InvalidMessage,
    InvalidStatus,
    InvalidURI,
    NegotiationError,
    SecurityError,
)
from .extensions import ClientExtensionFactory, Extension
from .headers import (
    build_authorization_basic,
    build_extension,
    build_host,
    build_subprotocol,
    parse_extension,
    parse_subprotocol,
    validate_subprotocols,
    validate_upgrade,
)
from .http11 import Request, Response
from .protocol import CLIENT, CONNECTING, OPEN, Protocol, State
from .typing import ExtensionName, ExtensionParameter, LoggerLike, Origin, Subprotocol
from .uri import WebSocketURI, parse_uri
from .utils import accept_key, generate_key

# backoff, process_exception, follow_redirect, same_origin, redirect_headers
# and the constants below are public but, as upstream, not re-exported by the
# websockets package.
__all__ = ["ClientProtocol"]


BACKOFF_INITIAL_DELAY = float(os.environ.get("WEBSOCKETS_BACKOFF_INITIAL_DELAY", "5"))
"""Upper bound of the random delay before the first reconnection, in seconds.

Set the ``WEBSOCKETS_BACKOFF_INITIAL_DELAY`` environment variable to change
it; 5 seconds by default.

"""

BACKOFF_MIN_DELAY = float(os.environ.get("WEBSOCKETS_BACKOFF_MIN_DELAY", "3.1"))
"""Delay before the second reconnection, in seconds.

Set the ``WEBSOCKETS_BACKOFF_MIN_DELAY`` environment variable to change it;
3.1 seconds by default.

"""

BACKOFF_MAX_DELAY = float(os.environ.get("WEBSOCKETS_BACKOFF_MAX_DELAY", "90.0"))
"""Longest delay between reconnections, in seconds.

Set the ``WEBSOCKETS_BACKOFF_MAX_DELAY`` environment variable to change it;
90 seconds by default.

"""

BACKOFF_FACTOR = float(os.environ.get("WEBSOCKETS_BACKOFF_FACTOR", "1.618"))
"""Factor by which the delay grows after each failed reconnection.

Set the ``WEBSOCKETS_BACKOFF_FACTOR`` environment variable to change it; 1.618
by default.

"""

MAX_REDIRECTS = int(os.environ.get("WEBSOCKETS_MAX_REDIRECTS", "10"))
"""Maximum number of HTTP redirects that a client follows while connecting.

Set the ``WEBSOCKETS_MAX_REDIRECTS`` environment variable to change it; 10 by
default. The clients of :mod:`websockets.asyncio.client` and
:mod:`websockets.sync.client` read the ``MAX_REDIRECTS`` of their own module,
a copy of this value, when they connect: patch that one to change the limit
of one client.

"""

REDIRECT_STATUSES = frozenset({300, 301, 302, 303, 307, 308})
"""HTTP status codes of the redirects that a client follows, as upstream:
300 Multiple Choices too, when the server gives a ``Location``."""

# Status codes with which servers and proxies say that they're temporarily
# unable to answer: 500 Internal Server Error, 502 Bad Gateway, 503 Service
# Unavailable, 504 Gateway Timeout.
_TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})


class ClientProtocol(Protocol):
    """Sans-I/O implementation of a WebSocket client connection.

    Args:
        uri: URI of the WebSocket server, parsed with
            :func:`~websockets.uri.parse_uri`.
        origin: Value of the ``Origin`` header. This is useful when
            connecting to a server that validates the ``Origin`` header to
            defend against Cross-Site WebSocket Hijacking attacks.
        extensions: List of supported extensions, in order in which they
            should be tried.
        subprotocols: List of supported subprotocols, in order of decreasing
            preference.
        state: Initial state of the WebSocket connection.
        max_size: Maximum size of incoming messages, in bytes; :obj:`None`
            disables the limit. A ``(max_message_size, max_frame_size)``
            tuple sets separate limits. Default: 1 MiB.
        logger: Logger for this connection; defaults to
            ``logging.getLogger("websockets.client")``.

    Raises:
        TypeError: If ``subprotocols`` is a :class:`str` rather than a list.
        ValueError: If a subprotocol isn't a valid token.

    """

    def __init__(
        self,
        uri: WebSocketURI,
        *,
        origin: Origin | None = None,
        extensions: Sequence[ClientExtensionFactory] | None = None,
        subprotocols: Sequence[Subprotocol] | None = None,
        state: State = CONNECTING,
        max_size: int | None | tuple[int | None, int | None] = 2**20,
        logger: LoggerLike | None = None,
    ) -> None:
        super().__init__(
            side=CLIENT,
            state=state,
            max_size=max_size,
            logger=logger,
        )
        if subprotocols is not None:
            validate_subprotocols(subprotocols)
        self.uri = uri
        self.origin = origin
        self.available_extensions = extensions
        self.available_subprotocols = subprotocols
        self.key = generate_key()

        self.subprotocol: Subprotocol | None = None
        """Subprotocol selected by the server, if any."""

    def connect(self) -> Request:
        """Create a handshake request to open a connection.

        You must send the handshake request with :meth:`send_request`.

        You can modify it before sending it, for example to add HTTP headers.

        Returns:
            WebSocket handshake request event to send to the server.

        """
        headers = Headers()
        headers["Host"] = build_host(self.uri.host, self.uri.port, self.uri.secure)
        if self.uri.user_info:
            headers["Authorization"] = build_authorization_basic(*self.uri.user_info)
        if self.origin is not None:
            headers["Origin"] = self.origin
        headers["Upgrade"] = "websocket"
        headers["Connection"] = "Upgrade"
        headers["Sec-WebSocket-Key"] = self.key
        headers["Sec-WebSocket-Version"] = "13"
        if self.available_extensions is not None:
            headers["Sec-WebSocket-Extensions"] = build_extension(
                [
                    (factory.name, factory.get_request_params())
                    for factory in self.available_extensions
                ]
            )
        if self.available_subprotocols is not None:
            headers["Sec-WebSocket-Protocol"] = build_subprotocol(self.available_subprotocols)
        return Request(self.uri.resource_name, headers)

    def process_response(self, response: Response) -> None:
        """Check a handshake response (:rfc:`6455#section-4.1`).

        Args:
            response: WebSocket handshake response received from the server.

        Raises:
            InvalidStatus: If the status isn't 101 Switching Protocols.
            InvalidUpgrade: If the ``Upgrade`` or ``Connection`` header is
                wrong.
            InvalidHeader: If ``Sec-WebSocket-Accept`` is missing, repeated
                or wrong.
            NegotiationError: If the extensions or the subprotocol chosen by
                the server weren't offered.

        """
        if response.status_code != 101:
            raise InvalidStatus(response)

        headers = response.headers

        validate_upgrade(headers)

        try:
            s_w_accept = headers["Sec-WebSocket-Accept"]
        except KeyError:
            raise InvalidHeader("Sec-WebSocket-Accept") from None
        except MultipleValuesError:
            raise InvalidHeader("Sec-WebSocket-Accept", "multiple values") from None
        if s_w_accept != accept_key(self.key):
            raise InvalidHeaderValue("Sec-WebSocket-Accept", s_w_accept)

        self.extensions = self.process_extensions(headers)
        self.subprotocol = self.process_subprotocol(headers)

    def process_extensions(self, headers: Headers) -> list[Extension]:
        """Accept the extensions that the server selected.

        Per :rfc:`6455#section-9.1`, the server may only select extensions
        that the client offered, with parameters the client accepts. Each
        extension in the response is matched with the first offered factory
        of the same name that accepts its parameters.

        Returns:
            Extensions to use, in the order the server listed them.

        Raises:
            NegotiationError: If the server selected an extension that wasn't
                offered or with parameters no factory accepts.

        """
        accepted_extensions: list[Extension] = []
        header_values = headers.get_all("Sec-WebSocket-Extensions")
        if not header_values:
            return accepted_extensions

        if self.available_extensions is None:
            raise NegotiationError("no extensions supported")

        parsed: list[tuple[ExtensionName, list[ExtensionParameter]]] = sum(
            [parse_extension(header_value) for header_value in header_values], []
        )
        for name, response_params in parsed:
            for factory in self.available_extensions:
                if factory.name != name:
                    continue
                try:
                    extension = factory.process_response_params(
                        response_params, accepted_extensions
                    )
                except NegotiationError:
                    continue
                accepted_extensions.append(extension)
                break
            else:
                # No factory accepted these parameters for this extension.
                raise NegotiationError(
                    f"Unsupported extension: name = {name}, params = {response_params}"
                )
        return accepted_extensions

    def process_subprotocol(self, headers: Headers) -> Subprotocol | None:
        """Check the subprotocol that the server selected, if any.

        Returns:
            The subprotocol, or :obj:`None` when the server selected none.

        Raises:
            NegotiationError: If the server selected a subprotocol that
                wasn't offered, or several.

        """
        header_values = headers.get_all("Sec-WebSocket-Protocol")
        if not header_values:
            return None

        if self.available_subprotocols is None:
            raise NegotiationError("no subprotocols supported")

        parsed: list[Subprotocol] = sum(
            [parse_subprotocol(header_value) for header_value in header_values], []
        )
        if len(parsed) > 1:
            raise NegotiationError(f"multiple subprotocols: {', '.join(parsed)}")
        subprotocol = parsed[0]
        if subprotocol not in self.available_subprotocols:
            raise NegotiationError(f"unsupported subprotocol: {subprotocol}")
        return subprotocol

    def send_request(self, request: Request) -> None:
        """Send a handshake request to the server.

        Then call :meth:`data_to_send` and send its output to the network.

        Args:
            request: WebSocket handshake request event.

        """
        if self.debug:
            self.logger.debug("> %s %s HTTP/1.1", request.method, request.path)
            for key, value in request.headers.raw_items():
                self.logger.debug("> %s: %s", key, value)
        self.writes.append(request.serialize())

    def parse(self) -> Generator[None, None, None]:
        if self.state is CONNECTING:
            try:
                response = yield from Response.parse(
                    self.reader.read_line,
                    self.reader.read_exact,
                    self.reader.read_to_eof,
                )
            except Exception as exc:
                self.handshake_exc = InvalidMessage("did not receive a valid HTTP response")
                self.handshake_exc.__cause__ = exc
                self._handshake_failed()
                yield
                raise AssertionError("parse() shouldn't step after error")  # pragma: no cover

            if self.debug:
                self.logger.debug("< HTTP/1.1 %d %s", response.status_code, response.reason_phrase)
                for key, value in response.headers.raw_items():
                    self.logger.debug("< %s: %s", key, value)
                if response.body:
                    self.logger.debug("< [body] (%d bytes)", len(response.body))

            try:
                self.process_response(response)
            except Exception as exc:
                # Extensions may raise other exceptions: they're bugs, but
                # the handshake must fail cleanly, not kill the parser.
                if not isinstance(exc, InvalidHandshake):
                    self.logger.error("opening handshake failed", exc_info=True)
                response._exception = exc
                self.events.append(response)
                self.handshake_exc = exc
                self._handshake_failed()
                yield
                raise AssertionError("parse() shouldn't step after error")  # pragma: no cover

            assert self.state is CONNECTING
            self.state = OPEN
            self.events.append(response)

            # Hand over to the frame parser itself rather than delegating to
            # it, which would keep this generator suspended around it for
            # the connection's life. Priming it parses the frames that
            # arrived with the response. The caller drops this generator.
            self.parser = super().parse()
            next(self.parser)
            yield
            raise AssertionError("parse() shouldn't step after handover")  # pragma: no cover

        yield from super().parse()

    def _handshake_failed(self) -> None:
        # The client closes the TCP connection: no WebSocket connection
        # exists to close with a closing handshake.
        self.send_eof()
        self.parser = self.discard()
        next(self.parser)  # run up to the first yield


def backoff(
    initial_delay: float = BACKOFF_INITIAL_DELAY,
    min_delay: float = BACKOFF_MIN_DELAY,
    max_delay: float = BACKOFF_MAX_DELAY,
    factor: float = BACKOFF_FACTOR,
) -> Generator[float]:
    """Generate delays between attempts to reconnect, in seconds.

    The first delay is random, between 0 and ``initial_delay``, so that
    clients that lost their connections at the same time don't all come back
    at once (:rfc:`6455#section-7.2.3`). The next delays start at
    ``min_delay`` and grow by ``factor`` each time, up to ``max_delay``.

    The defaults come from the environment variables
    ``WEBSOCKETS_BACKOFF_INITIAL_DELAY`` (5 seconds),
    ``WEBSOCKETS_BACKOFF_MIN_DELAY`` (3.1 seconds),
    ``WEBSOCKETS_BACKOFF_MAX_DELAY`` (90 seconds) and
    ``WEBSOCKETS_BACKOFF_FACTOR`` (1.618), read when this module is imported.

    Args:
        initial_delay: Upper bound of the first delay, in seconds.
        min_delay: Second delay, in seconds.
        max_delay: Longest delay, in seconds.
        factor: Growth of delays from one attempt to the next.

    Yields:
        Delays, in seconds; the generator never ends.

    """
    yield random.random() * initial_delay
    delay = min_delay
    while delay < max_delay:
        yield delay
        delay *= factor
    while True:
        yield max_delay


if sys.version_info >= (3, 11):

    def _timeout_errors() -> tuple[type[BaseException], ...]:
        """Exceptions meaning that an operation timed out."""
        # asyncio.TimeoutError is an alias of the built-in TimeoutError.
        return (TimeoutError,)

else:  # pragma: no cover

    def _timeout_errors() -> tuple[type[BaseException], ...]:
        """Exceptions meaning that an operation timed out."""
        # asyncio.TimeoutError is a class of its own. Look it up without
        # importing asyncio: if asyncio isn't loaded, nothing raised it.
        asyncio = sys.modules.get("asyncio")
        if asyncio is None:
            return (TimeoutError,)
        return (TimeoutError, asyncio.TimeoutError)


def process_exception(exc: Exception) -> Exception | None:
    """Decide whether reconnecting after a failed attempt makes sense.

    This is the default ``process_exception`` of the clients' ``connect``:
    when they reconnect automatically, each failed attempt to connect goes
    through it. Errors that may go away by themselves are retried:

    * network errors: :exc:`OSError` (connection refused or reset, host
      unreachable...), :exc:`EOFError`, :exc:`TimeoutError` (and
      :exc:`asyncio.TimeoutError`);
    * :exc:`~websockets.exceptions.InvalidMessage` caused by :exc:`EOFError`:
      the server closed the connection before answering the opening
      handshake, which a server that is shutting down or overloaded does;
    * :exc:`~websockets.exceptions.InvalidStatus` with 500, 502, 503 or 504,
      the statuses with which servers and proxies say that they're
      temporarily unable to answer.

    Other errors are fatal: trying again would fail the same way. That
    includes every other :exc:`~websockets.exceptions.InvalidHandshake`, such
    as a 4xx status, an invalid response or a proxy refusing the connection
    (:exc:`~websockets.exceptions.ProxyError`), and invalid arguments.

    Args:
        exc: Exception raised by the attempt to connect.

    Returns:
        :obj:`None` to try again, or the exception to raise, which stops
        reconnecting: ``exc`` itself or another exception.

    """
    if isinstance(exc, (EOFError, OSError, *_timeout_errors())):
        return None
    if isinstance(exc, InvalidMessage) and isinstance(exc.__cause__, EOFError):
        return None
    if isinstance(exc, InvalidStatus) and exc.response.status_code in _TRANSIENT_STATUSES:
        return None
    return exc


def follow_redirect(
    uri: str,
    exc: Exception,
    redirects: int = 0,
    max_redirects: int | None = None,
) -> str | None:
    """Find where an HTTP redirect sends a client whose handshake failed.

    A failed opening handshake is a redirect when it raised
    :exc:`~websockets.exceptions.InvalidStatus` with one of
    :data:`REDIRECT_STATUSES` (300, 301, 302, 303, 307 or 308) and a ``Location``
    header. The new URI is ``Location`` resolved against ``uri``
    (:rfc:`3986#section-5`), so relative locations work.

    A client follows at most ``max_redirects`` redirects while opening one
    connection, so that a redirect loop ends with an error.

    When the redirect leaves the origin of ``uri``, the client must not send
    the credentials meant for ``uri`` to the new URI: see
    :func:`redirect_headers`. The user info of ``uri`` is never carried over
    to another origin: :rfc:`3986#section-5` only reuses the authority of
    ``uri`` for a ``Location`` without one, which keeps the origin.

    Args:
        uri: URI that the client connected to.
        exc: Exception that failed the opening handshake.
        redirects: How many redirects the client already followed while
            opening this connection.
        max_redirects: Maximum number of redirects; :obj:`None`, the default,
            means :data:`MAX_REDIRECTS` (the ``WEBSOCKETS_MAX_REDIRECTS``
            environment variable, 10 by default), read at each call.

    Returns:
        URI to connect to next, or :obj:`None` when ``exc`` isn't a redirect:
        then the client raises ``exc``.

    Raises:
        InvalidURI: If ``Location`` isn't a valid WebSocket URI once resolved.
        SecurityError: If the redirect goes from ``wss://`` to ``ws://``, which
            would expose the connection, or if the client already followed
            ``max_redirects`` redirects.

    Exceptions are chained to ``exc``.

    """
    if not isinstance(exc, InvalidStatus):
        return None
    response = exc.response
    if response.status_code not in REDIRECT_STATUSES:
        return None
    try:
        location = response.headers["Location"]
    except (KeyError, MultipleValuesError):
        return None

    if max_redirects is None:
        max_redirects = MAX_REDIRECTS
    if redirects >= max_redirects:
        raise SecurityError(f"more than {max_redirects} redirects") from exc

    try:
        new_uri = urllib.parse.urljoin(uri, location)
    except ValueError as error:
        # urljoin() rejects some locations by itself, e.g. "//[", where an
        # IPv6 address isn't closed: the server sent an invalid URI.
        raise InvalidURI(location, str(error)) from exc
    old_ws_uri = parse_uri(uri)
    try:
        new_ws_uri = parse_uri(new_uri)
    except InvalidURI as invalid_uri:
        raise invalid_uri from exc
    if old_ws_uri.secure and not new_ws_uri.secure:
        raise SecurityError(f"cannot follow redirect to non-secure URI {new_uri}") from exc
    return new_uri


# Request headers that carry credentials. Like browsers and HTTP clients
# (e.g. urllib3, requests, curl), a client doesn't send them to another origin
# than the one they were given for: the server that redirects may not control
# where it sends the client, or may not be trusted with them.
_CREDENTIALS_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})


def same_origin(uri: str, other_uri: str) -> bool:
    """Tell whether two WebSocket URIs have the same origin.

    The origin is the scheme, the host and the port (:rfc:`6454#section-4`);
    a port left out is the default port of the scheme, so that
    ``ws://example.com/`` and ``ws://example.com:80/`` have the same origin.
    Host names are compared as :func:`~websockets.uri.parse_uri` normalizes
    them: case-insensitive, IDNA-encoded.

    Args:
        uri: WebSocket URI.
        other_uri: Another WebSocket URI.

    Raises:
        InvalidURI: If either isn't a valid WebSocket URI.

    """
    old, new = parse_uri(uri), parse_uri(other_uri)
    return (old.secure, old.host, old.port) == (new.secure, new.host, new.port)


def uri_for_log(uri: str) -> str:
    """Return ``uri`` without its user info, which mustn't reach logs.

    A redirect to a relative ``Location`` keeps the user info of the URI it
    started from: that's the user's password.

    """
    parts = urllib.parse.urlsplit(uri)
    return urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def redirect_headers(
    uri: str,
    new_uri: str,
    headers: HeadersLike | None,
) -> HeadersLike | None:
    """Choose the additional headers to send after a redirect.

    A client that follows a redirect from ``uri`` to ``new_uri`` with
    :func:`follow_redirect` sends the headers that this function returns
    instead of ``headers``, the additional headers of the previous request.

    When ``new_uri`` has the same origin as ``uri`` (see :func:`same_origin`),
    they're ``headers``, unchanged. When it goes to another origin, the
    ``Authorization``, ``Cookie`` and ``Proxy-Authorization`` headers are
    removed, as browsers and HTTP clients do: these credentials are for the
    origin of ``uri``, not for wherever it redirects. Keep the result for the
    next redirects: once removed, they don't come back, even if a later
    redirect returns to the first origin.

    Args:
        uri: URI that answered with a redirect.
        new_uri: URI returned by :func:`follow_redirect`.
        headers: Additional headers of the request sent to ``uri``.

    Returns:
        Additional headers for the request to ``new_uri``: ``headers`` or a
        new :class:`~websockets.datastructures.Headers`.

    Raises:
        InvalidURI: If ``uri`` or ``new_uri`` isn't a valid WebSocket URI.

    """
    if headers is None or same_origin(uri, new_uri):
        return headers
    return Headers(
        [
            (name, value)
            for name, value in Headers(headers).raw_items()
            if name.lower() not in _CREDENTIALS_HEADERS
        ]
    )


class ClientConnection(ClientProtocol):
    """Deprecated name of :class:`ClientProtocol` (renamed in 11.0).

    Creating an instance emits a :exc:`DeprecationWarning`; it takes the
    same arguments as :class:`ClientProtocol`. Not in ``__all__``.

    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Warn before checking the arguments, so that the rename is reported
        # even when the call fails. Like upstream, the warning points here,
        # not at the caller.
        warnings.warn(
            "ClientConnection was renamed to ClientProtocol",
            DeprecationWarning,
            stacklevel=1,
        )
        super().__init__(*args, **kwargs)
