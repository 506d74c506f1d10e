"""Sans-I/O implementation of the client side of WebSocket connections.

The client sends the opening handshake request built by
:meth:`ClientProtocol.connect` and checks the server's response
(:rfc:`6455#section-4.1`); then :class:`~websockets.protocol.Protocol` takes
over.

"""

from __future__ import annotations

from collections.abc import Generator, Sequence

from .datastructures import Headers, MultipleValuesError
from .exceptions import (
    InvalidHandshake,
    InvalidHeader,
    InvalidHeaderValue,
    InvalidMessage,
    InvalidStatus,
    InvalidUpgrade,
    NegotiationError,
)
from .extensions import ClientExtensionFactory, Extension
from .headers import (
    ConnectionOption,
    UpgradeProtocol,
    build_authorization_basic,
    build_extension,
    build_host,
    build_subprotocol,
    parse_connection,
    parse_extension,
    parse_subprotocol,
    parse_upgrade,
    validate_subprotocols,
)
from .http11 import Request, Response
from .protocol import CLIENT, CONNECTING, OPEN, Protocol, State
from .typing import ExtensionName, ExtensionParameter, LoggerLike, Origin, Subprotocol
from .uri import WebSocketURI
from .utils import accept_key, generate_key

__all__ = ["ClientProtocol"]


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

        connection: list[ConnectionOption] = sum(
            [parse_connection(value) for value in headers.get_all("Connection")], []
        )
        if not any(value.lower() == "upgrade" for value in connection):
            raise InvalidUpgrade("Connection", ", ".join(connection) if connection else None)

        upgrade: list[UpgradeProtocol] = sum(
            [parse_upgrade(value) for value in headers.get_all("Upgrade")], []
        )
        # RFC 6455 4.1 requires "websocket", compared case-insensitively.
        # Like browsers, accept nothing else alongside it.
        if not (len(upgrade) == 1 and upgrade[0].lower() == "websocket"):
            raise InvalidUpgrade("Upgrade", ", ".join(upgrade) if upgrade else None)

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
            except InvalidHandshake as exc:
                response._exception = exc
                self.events.append(response)
                self.handshake_exc = exc
                self._handshake_failed()
                yield
                raise AssertionError("parse() shouldn't step after error")  # pragma: no cover

            assert self.state is CONNECTING
            self.state = OPEN
            self.events.append(response)

        yield from super().parse()

    def _handshake_failed(self) -> None:
        # The client closes the TCP connection: no WebSocket connection
        # exists to close with a closing handshake.
        self.send_eof()
        self.parser = self.discard()
        next(self.parser)  # run up to the first yield
