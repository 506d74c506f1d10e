"""Sans-I/O implementation of the server side of WebSocket connections.

The server receives the opening handshake request, checks it with
:meth:`ServerProtocol.accept` (:rfc:`6455#section-4.2`), and sends the
response with :meth:`ServerProtocol.send_response`; then
:class:`~websockets.protocol.Protocol` takes over.

Failures of the opening handshake map to HTTP statuses:

=================================================  ==========================
Failure                                            Response
=================================================  ==========================
request that can't be parsed                       400 Bad Request
request line too long                              414 URI Too Long
header line too long, too many headers             431 Request Header Fields
                                                   Too Large
method other than ``GET``                          405 Method Not Allowed
protocol other than HTTP/1.1                       505 HTTP Version Not
                                                   Supported
missing or wrong ``Upgrade`` / ``Connection``      426 Upgrade Required
``Sec-WebSocket-Version`` other than 13            426 Upgrade Required, with
                                                   ``Sec-WebSocket-Version: 13``
``Origin`` not allowed                             403 Forbidden
any other invalid header, failed negotiation       400 Bad Request
exception in ``select_subprotocol`` or extension   500 Internal Server Error
=================================================  ==========================

"""

from __future__ import annotations

import base64
import binascii
import email.utils
import http
import re
import warnings
from collections.abc import Callable, Generator, Sequence
from types import MethodType
from typing import Any, cast

from .datastructures import Headers, MultipleValuesError
from .exceptions import (
    HeaderLineTooLong,
    InvalidHandshake,
    InvalidHeader,
    InvalidHeaderValue,
    InvalidMessage,
    InvalidMethod,
    InvalidOrigin,
    InvalidProtocol,
    InvalidStatus,
    InvalidUpgrade,
    NegotiationError,
    RequestLineTooLong,
    TooManyHeaders,
)
from .extensions import Extension, ServerExtensionFactory
from .headers import (
    build_extension,
    parse_extension,
    parse_subprotocol,
    validate_subprotocols,
    validate_upgrade,
)
from .http11 import Request, Response
from .protocol import CONNECTING, OPEN, SERVER, Protocol, State
from .typing import (
    ExtensionName,
    ExtensionParameter,
    LoggerLike,
    Origin,
    StatusLike,
    Subprotocol,
)
from .utils import accept_key

__all__ = ["ServerProtocol"]


class ServerProtocol(Protocol):
    """Sans-I/O implementation of a WebSocket server connection.

    Args:
        origins: Acceptable values of the ``Origin`` header: strings compared
            exactly, compiled regular expressions that must match the whole
            value, and :obj:`None` to accept requests without an ``Origin``
            header (most non-browser clients don't send one). :obj:`None`
            (the default) accepts any origin. This defends against Cross-Site
            WebSocket Hijacking attacks.
        extensions: List of supported extensions, in order in which they
            should be tried.
        subprotocols: List of supported subprotocols, in order of decreasing
            preference.
        select_subprotocol: Callback for selecting a subprotocol among those
            supported by the client and the server. It has the same
            signature as the :meth:`select_subprotocol` method, including a
            :class:`ServerProtocol` instance as first argument.
        state: Initial state of the WebSocket connection.
        max_size: Maximum size of incoming messages, in bytes; :obj:`None`
            disables the limit. A ``(max_message_size, max_frame_size)``
            tuple sets separate limits. Default: 1 MiB.
        logger: Logger for this connection; defaults to
            ``logging.getLogger("websockets.server")``.

    Raises:
        TypeError: If ``subprotocols`` is a :class:`str` rather than a list.
        ValueError: If a subprotocol isn't a valid token.

    """

    def __init__(
        self,
        *,
        origins: Sequence[Origin | re.Pattern[str] | None] | None = None,
        extensions: Sequence[ServerExtensionFactory] | None = None,
        subprotocols: Sequence[Subprotocol] | None = None,
        select_subprotocol: (
            Callable[[ServerProtocol, Sequence[Subprotocol]], Subprotocol | None] | None
        ) = None,
        state: State = CONNECTING,
        max_size: int | None | tuple[int | None, int | None] = 2**20,
        logger: LoggerLike | None = None,
    ) -> None:
        super().__init__(
            side=SERVER,
            state=state,
            max_size=max_size,
            logger=logger,
        )
        if subprotocols is not None:
            validate_subprotocols(subprotocols)
        self.origins = origins
        self.available_extensions = extensions
        self.available_subprotocols = subprotocols
        if select_subprotocol is not None:
            # Bind the callback like a method, so that it can be called as
            # self.select_subprotocol(subprotocols) in both cases.
            self.select_subprotocol = MethodType(select_subprotocol, self)  # type: ignore[method-assign]

        self.origin: Origin | None = None
        """``Origin`` header of the request, if any, once accepted."""

        # True once the request was handled as a WebSocket handshake, by
        # accept() or because it couldn't be parsed; False while the response
        # may be a plain HTTP response, e.g. from process_request. It decides
        # how a response other than 101 is logged, as upstream does.
        self._handshake_attempted = False

        self.subprotocol: Subprotocol | None = None
        """Subprotocol selected during the opening handshake, if any."""

    def accept(self, request: Request) -> Response:
        """Create a handshake response to accept the connection.

        If the handshake request is valid and the handshake successful,
        :meth:`accept` returns an HTTP response with status code 101.

        Else, it returns an HTTP response with another status code, as listed
        in the module's documentation. This rejects the connection, like
        :meth:`reject` would, and sets :attr:`handshake_exc`.

        You must send the handshake response with :meth:`send_response`.

        You may modify the response before sending it, typically by adding
        HTTP headers.

        Args:
            request: WebSocket handshake request received from the client.

        Returns:
            WebSocket handshake response or HTTP response to send to the
            client.

        """
        self._handshake_attempted = True
        try:
            (
                accept_header,
                extensions_header,
                protocol_header,
            ) = self.process_request(request)
        except InvalidHandshake as exc:
            request._exception = exc
            self.handshake_exc = exc
            if self.debug:
                self.logger.debug("! invalid handshake request: %s", exc)
            return self._reject_invalid(exc)
        except Exception as exc:
            # Handle exceptions raised by select_subprotocol() and by
            # extensions: they're bugs in user code or in websockets.
            request._exception = exc
            self.handshake_exc = exc
            self.logger.error("opening handshake failed", exc_info=True)
            return self.reject(
                http.HTTPStatus.INTERNAL_SERVER_ERROR,
                "Failed to open a WebSocket connection.\nSee server log for more information.\n",
            )

        headers = Headers()
        headers["Date"] = email.utils.formatdate(usegmt=True)
        headers["Upgrade"] = "websocket"
        headers["Connection"] = "Upgrade"
        headers["Sec-WebSocket-Accept"] = accept_header
        if extensions_header is not None:
            headers["Sec-WebSocket-Extensions"] = extensions_header
        if protocol_header is not None:
            headers["Sec-WebSocket-Protocol"] = protocol_header
        return Response(101, "Switching Protocols", headers)

    def _reject_invalid(self, exc: InvalidHandshake) -> Response:
        """Build the HTTP response for an invalid handshake request."""
        message = f"Failed to open a WebSocket connection: {exc}.\n"
        if isinstance(exc, InvalidOrigin):
            return self.reject(http.HTTPStatus.FORBIDDEN, message)
        if isinstance(exc, InvalidMethod):
            response = self.reject(http.HTTPStatus.METHOD_NOT_ALLOWED, message)
            response.headers["Allow"] = "GET"
            return response
        if isinstance(exc, InvalidProtocol):
            return self.reject(http.HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, message)
        if isinstance(exc, InvalidUpgrade):
            response = self.reject(
                http.HTTPStatus.UPGRADE_REQUIRED,
                message + "\nYou cannot access a WebSocket server directly with a browser. "
                "You need a WebSocket client.\n",
            )
            response.headers["Upgrade"] = "websocket"
            return response
        if isinstance(exc, InvalidHeader) and exc.name == "Sec-WebSocket-Version":
            # 4.2.2: "If this version does not match a version understood by
            # the server, the server MUST abort the WebSocket handshake [...]
            # and instead send an appropriate HTTP error code (such as 426
            # Upgrade Required) and a |Sec-WebSocket-Version| header field
            # indicating the version(s) the server is capable of understanding."
            response = self.reject(http.HTTPStatus.UPGRADE_REQUIRED, message)
            response.headers["Sec-WebSocket-Version"] = "13"
            return response
        return self.reject(http.HTTPStatus.BAD_REQUEST, message)

    def process_request(
        self,
        request: Request,
    ) -> tuple[str, str | None, str | None]:
        """Check a handshake request and negotiate extensions and subprotocol.

        Checks follow :rfc:`6455#section-4.2.1`, in this order: method,
        protocol version, ``Host``, ``Connection``, ``Upgrade``,
        ``Sec-WebSocket-Key``, ``Sec-WebSocket-Version``, ``Origin``; then
        extensions and subprotocol are negotiated.

        Args:
            request: WebSocket handshake request received from the client.

        Returns:
            ``Sec-WebSocket-Accept``, ``Sec-WebSocket-Extensions``, and
            ``Sec-WebSocket-Protocol`` headers for the handshake response;
            the last two are :obj:`None` when nothing was negotiated.

        Raises:
            InvalidMethod: If the method isn't ``GET``.
            InvalidProtocol: If the protocol isn't HTTP/1.1.
            InvalidHeader: If a required header is missing or repeated.
            InvalidUpgrade: If ``Upgrade`` or ``Connection`` is wrong.
            InvalidHeaderValue: If ``Sec-WebSocket-Key`` or
                ``Sec-WebSocket-Version`` is wrong.
            InvalidOrigin: If the origin isn't acceptable.
            NegotiationError: If negotiating the subprotocol fails.

        """
        # 4.1: "The method of the request MUST be GET, and the HTTP version
        # MUST be at least 1.1."
        if request.method != "GET":
            raise InvalidMethod(request.method)
        if request.protocol != "HTTP/1.1":
            raise InvalidProtocol(request.protocol)

        headers = request.headers

        # 4.2.1: the request includes "A |Host| header field containing the
        # server's authority."
        self._get_single_header(headers, "Host")

        validate_upgrade(headers)

        key = self._get_single_header(headers, "Sec-WebSocket-Key")
        # 4.2.1: "a base64-encoded value that, when decoded, is 16 bytes long."
        try:
            raw_key = base64.b64decode(key.encode(), validate=True)
        except (binascii.Error, UnicodeEncodeError):
            raise InvalidHeaderValue("Sec-WebSocket-Key", key) from None
        if len(raw_key) != 16:
            raise InvalidHeaderValue("Sec-WebSocket-Key", key)

        version = self._get_single_header(headers, "Sec-WebSocket-Version")
        if version != "13":
            raise InvalidHeaderValue("Sec-WebSocket-Version", version)

        self.origin = self.process_origin(headers)
        extensions_header, self.extensions = self.process_extensions(headers)
        protocol_header = self.subprotocol = self.process_subprotocol(headers)

        return accept_key(key), extensions_header, protocol_header

    @staticmethod
    def _get_single_header(headers: Headers, name: str) -> str:
        try:
            return headers[name]
        except KeyError:
            raise InvalidHeader(name) from None
        except MultipleValuesError:
            raise InvalidHeader(name, "multiple values") from None

    def process_origin(self, headers: Headers) -> Origin | None:
        """Handle the ``Origin`` HTTP request header.

        Args:
            headers: WebSocket handshake request headers.

        Returns:
            Origin, if it is acceptable; :obj:`None` if there isn't one.

        Raises:
            InvalidHeader: If the ``Origin`` header is repeated.
            InvalidOrigin: If the origin isn't acceptable.

        """
        # "The user agent MUST NOT include more than one Origin header field
        # in any HTTP request." (RFC 6454 7.3)
        try:
            origin = headers.get("Origin")
        except MultipleValuesError:
            raise InvalidHeader("Origin", "multiple values") from None
        if origin is not None:
            origin = cast(Origin, origin)
        if self.origins is not None:
            for allowed in self.origins:
                if allowed is None:
                    if origin is None:
                        break
                elif isinstance(allowed, str):
                    if origin == allowed:
                        break
                elif origin is not None and allowed.fullmatch(origin):
                    break
            else:
                raise InvalidOrigin(origin)
        return origin

    def process_extensions(
        self,
        headers: Headers,
    ) -> tuple[str | None, list[Extension]]:
        """Handle the ``Sec-WebSocket-Extensions`` HTTP request header.

        Accept or reject each extension offered by the client, in order
        (:rfc:`6455#section-9.1`): the first supported factory of the same
        name that accepts the offer's parameters wins; an offer no factory
        accepts is declined. A factory rejects an offer by raising
        :exc:`~websockets.exceptions.NegotiationError`.

        Args:
            headers: WebSocket handshake request headers.

        Returns:
            ``Sec-WebSocket-Extensions`` header for the response (:obj:`None`
            when no extension is accepted) and the accepted extensions.

        Raises:
            InvalidHeaderFormat: If the header can't be parsed.

        """
        response_header_value: str | None = None
        extension_headers: list[tuple[ExtensionName, list[ExtensionParameter]]] = []
        accepted_extensions: list[Extension] = []

        header_values = headers.get_all("Sec-WebSocket-Extensions")
        if header_values and self.available_extensions:
            parsed: list[tuple[ExtensionName, list[ExtensionParameter]]] = sum(
                [parse_extension(header_value) for header_value in header_values], []
            )
            for name, request_params in parsed:
                for factory in self.available_extensions:
                    if factory.name != name:
                        continue
                    try:
                        response_params, extension = factory.process_request_params(
                            request_params, accepted_extensions
                        )
                    except NegotiationError:
                        continue
                    extension_headers.append((name, response_params))
                    accepted_extensions.append(extension)
                    break
                # No break: no factory accepted this offer; decline it.

        if extension_headers:
            response_header_value = build_extension(extension_headers)
        return response_header_value, accepted_extensions

    def process_subprotocol(self, headers: Headers) -> Subprotocol | None:
        """Handle the ``Sec-WebSocket-Protocol`` HTTP request header.

        Args:
            headers: WebSocket handshake request headers.

        Returns:
            Subprotocol, if one was selected; this is also the value of the
            ``Sec-WebSocket-Protocol`` response header.

        Raises:
            InvalidHeaderFormat: If the header can't be parsed.
            NegotiationError: If :meth:`select_subprotocol` rejects the offer.

        """
        subprotocols: list[Subprotocol] = sum(
            [
                parse_subprotocol(header_value)
                for header_value in headers.get_all("Sec-WebSocket-Protocol")
            ],
            [],
        )
        return self.select_subprotocol(subprotocols)

    def select_subprotocol(
        self,
        subprotocols: Sequence[Subprotocol],
    ) -> Subprotocol | None:
        """Pick a subprotocol among those offered by the client.

        If several subprotocols are supported by both the client and the
        server, pick the first one in the list declared by the server.

        If the server doesn't support any subprotocols, continue without a
        subprotocol, regardless of what the client offers.

        If the server supports at least one subprotocol and the client
        doesn't offer any, abort the handshake with an HTTP 400 error.

        You provide a ``select_subprotocol`` argument to :class:`ServerProtocol`
        to override this logic. For example, you could accept the connection
        even if client doesn't offer a subprotocol, rather than reject it.

        Args:
            subprotocols: List of subprotocols offered by the client.

        Returns:
            Selected subprotocol, if a common subprotocol was found;
            :obj:`None` to continue without a subprotocol.

        Raises:
            NegotiationError: If custom criteria aren't met.

        """
        if not self.available_subprotocols:
            return None
        if not subprotocols:
            raise NegotiationError("missing subprotocol")
        offered = set(subprotocols)
        for subprotocol in self.available_subprotocols:
            if subprotocol in offered:
                return subprotocol
        raise NegotiationError(
            "invalid subprotocol; expected one of " + ", ".join(self.available_subprotocols)
        )

    def reject(self, status: StatusLike, text: str) -> Response:
        """Create a handshake response to reject the connection.

        A short plain text response is the best fallback when failing to
        establish a WebSocket connection.

        You must send the handshake response with :meth:`send_response`.

        You may modify the response before sending it, for example by
        changing HTTP headers.

        Args:
            status: HTTP status code.
            text: HTTP response body; it will be encoded to UTF-8.

        Returns:
            HTTP response to send to the client.

        """
        status = http.HTTPStatus(status)
        body = text.encode()
        headers = Headers(
            [
                ("Date", email.utils.formatdate(usegmt=True)),
                ("Connection", "close"),
                ("Content-Length", str(len(body))),
                ("Content-Type", "text/plain; charset=utf-8"),
            ]
        )
        response = Response(status.value, status.phrase, headers, body)
        # When reject() is called from accept(), handshake_exc is already
        # set. Otherwise, set it so that "handshake_exc is None" keeps
        # meaning "the opening handshake succeeded".
        if self.handshake_exc is None:
            self.handshake_exc = InvalidStatus(response)
        return response

    def send_response(self, response: Response) -> None:
        """Send a handshake response to the client.

        A 101 response opens the connection; any other closes it once sent.
        Then call :meth:`data_to_send` and send its output to the network,
        and :meth:`events_received` (frames received right after the
        request are processed once the connection is open).

        Args:
            response: WebSocket handshake response event to send.

        """
        if self.debug:
            code, phrase = response.status_code, response.reason_phrase
            self.logger.debug("> HTTP/1.1 %d %s", code, phrase)
            for key, value in response.headers.raw_items():
                self.logger.debug("> %s: %s", key, value)
            if response.body:
                self.logger.debug("> [body] (%d bytes)", len(response.body))

        self.writes.append(response.serialize())

        if response.status_code == 101:
            assert self.state is CONNECTING
            self.state = OPEN
            self.logger.info("connection open")
            # Parse frames with the frame parser itself, not through parse(),
            # which would stay suspended around it for the connection's
            # life. Frames may have arrived along with the request: priming
            # it parses them now that the connection is open.
            self.parser = super().parse()
            next(self.parser)
        else:
            if self._handshake_attempted:
                log_message = "connection rejected (%d %s)"
            else:
                log_message = "HTTP response sent (%d %s)"
            self.logger.info(log_message, response.status_code, response.reason_phrase)
            self.send_eof()
            self.parser = self.discard()
            next(self.parser)  # run up to the first yield

    def parse(self) -> Generator[None, None, None]:
        if self.state is CONNECTING:
            try:
                request = yield from Request.parse(self.reader.read_line)
            except Exception as exc:
                self.handshake_exc = InvalidMessage("did not receive a valid HTTP request")
                self.handshake_exc.__cause__ = exc
                self._reject_unparsable(exc)
                yield
                raise AssertionError("parse() shouldn't step after error")  # pragma: no cover

            if self.debug:
                self.logger.debug("< %s %s %s", request.method, request.path, request.protocol)
                for key, value in request.headers.raw_items():
                    self.logger.debug("< %s: %s", key, value)

            self.events.append(request)

            # Frames are parsed once the handshake response opens the
            # connection: send_response() replaces this generator then.
            while self.state is CONNECTING:
                yield

        # A protocol created in the OPEN state parses frames from the start.
        yield from super().parse()

    def _reject_unparsable(self, exc: Exception) -> None:
        """Answer a request that can't be parsed, then close the connection."""
        self._handshake_attempted = True
        status: http.HTTPStatus | None
        if isinstance(exc, RequestLineTooLong):
            if self.debug:
                self.logger.debug("! request line too long", exc_info=exc)
            status = http.HTTPStatus.REQUEST_URI_TOO_LONG
        elif isinstance(exc, (HeaderLineTooLong, TooManyHeaders)):
            if self.debug:
                self.logger.debug("! header fields too large", exc_info=exc)
            status = http.HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
        else:
            if self.debug:
                self.logger.debug("! no valid HTTP request", exc_info=exc)
            # EOFError: the client went away or sent a line ending with a
            # bare LF; there's no one to answer, or no one worth answering.
            status = None if isinstance(exc, EOFError) else http.HTTPStatus.BAD_REQUEST
        if status is None:
            self.send_eof()
            self.parser = self.discard()
            next(self.parser)  # run up to the first yield
        else:
            # send_response() closes the connection too, as status isn't 101.
            response = self.reject(status, f"Failed to open a WebSocket connection: {exc}.\n")
            self.send_response(response)


class ServerConnection(ServerProtocol):
    """Deprecated name of :class:`ServerProtocol` (renamed in 11.0).

    Creating an instance emits a :exc:`DeprecationWarning`; it takes the
    same arguments as :class:`ServerProtocol`. Not in ``__all__``.

    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Warn before checking the arguments, so that the rename is reported
        # even when the call fails. Like upstream, the warning points here,
        # not at the caller.
        warnings.warn(
            "ServerConnection was renamed to ServerProtocol",
            DeprecationWarning,
            stacklevel=1,
        )
        super().__init__(*args, **kwargs)
