"""Opening handshake policy that every I/O layer applies around the protocol.

:class:`~websockets.client.ClientProtocol` and
:class:`~websockets.server.ServerProtocol` build and check the handshake
messages that :rfc:`6455` defines. Clients and servers add a few things on
top, which are the same whatever the I/O model:

* the client's request carries the application's ``additional_headers`` and a
  ``User-Agent`` header (:func:`client_request`);
* the server answers with the response returned by ``process_request``, if
  any; else it accepts the connection, unless it's shutting down, in which
  case it answers 503 Service Unavailable; and it adds a ``Server`` header
  (:func:`server_response`);
* when a callback of the application fails during the handshake, the server
  answers 500 Internal Server Error (:func:`internal_error`).

Running the application's callbacks, which may be coroutines or may block,
is left to the I/O layers.

"""

from __future__ import annotations

import http

from .client import ClientProtocol
from .datastructures import HeadersLike
from .http11 import SERVER, USER_AGENT, Request, Response
from .server import ServerProtocol

__all__ = ["client_request", "internal_error", "server_response"]


def client_request(
    protocol: ClientProtocol,
    additional_headers: HeadersLike | None = None,
    user_agent_header: str | None = USER_AGENT,
) -> Request:
    """Build the opening handshake request of a client.

    Send it with :meth:`~websockets.client.ClientProtocol.send_request`.

    Args:
        protocol: Client connection in the ``CONNECTING`` state.
        additional_headers: Headers added to the request, after those that
            :meth:`~websockets.client.ClientProtocol.connect` sets.
        user_agent_header: Value of the ``User-Agent`` header, unless
            ``additional_headers`` already has one; :obj:`None` omits it.

    Returns:
        The request.

    """
    request = protocol.connect()
    if additional_headers is not None:
        request.headers.update(additional_headers)
    if user_agent_header is not None and "User-Agent" not in request.headers:
        request.headers["User-Agent"] = user_agent_header
    return request


def server_response(
    protocol: ServerProtocol,
    request: Request,
    response: Response | None = None,
    *,
    serving: bool = True,
    server_header: str | None = SERVER,
) -> Response:
    """Choose the response to an opening handshake request.

    Args:
        protocol: Server connection that received ``request``.
        request: Opening handshake request.
        response: Response returned by ``process_request``, if any; it's used
            as is, plus the ``Server`` header.
        serving: Whether the server still accepts connections. When it's
            shutting down, requests get 503 Service Unavailable.
        server_header: Value of the ``Server`` header; :obj:`None` omits it.

    Returns:
        The response: 101 Switching Protocols when the connection is accepted,
        another status otherwise. Send it with
        :meth:`~websockets.server.ServerProtocol.send_response`, after giving
        ``process_response`` a chance to replace it.

    """
    if response is None:
        if serving:
            response = protocol.accept(request)
        else:
            response = protocol.reject(
                http.HTTPStatus.SERVICE_UNAVAILABLE, "Server is shutting down.\n"
            )
    if server_header is not None:
        response.headers["Server"] = server_header
    return response


def internal_error(protocol: ServerProtocol) -> Response:
    """Build the response sent when a callback of the server fails.

    The I/O layer logs the exception; the client only learns that the server
    failed: 500 Internal Server Error.

    """
    return protocol.reject(
        http.HTTPStatus.INTERNAL_SERVER_ERROR,
        "Failed to open a WebSocket connection.\nSee server log for more information.\n",
    )
