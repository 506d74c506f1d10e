"""Route WebSocket connections to handlers by URL, with the threading server.

The routing itself is :mod:`websockets.routing`, from the ws-router
distribution, on werkzeug. This module imports without them, so that
``import websockets.sync.router`` always works; creating a :class:`Router`
or calling :func:`route` raises :exc:`ImportError` when they're missing.

"""

from __future__ import annotations

import ssl as ssl_module
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from .._router import RouterBase, configure_router
from ..http11 import Request, Response
from ..typing import PathLike
from .server import Server, ServerConnection, serve

if TYPE_CHECKING:
    from werkzeug.routing import Map


__all__ = ["Router", "route", "unix_route"]

_ProcessRequest = Callable[[ServerConnection, Request], Response | None]


class Router(RouterBase):
    """Dispatch connections to handlers according to a URL map.

    :func:`route` creates one from its arguments; create one yourself to add
    routes with :meth:`route` or :meth:`add_route` instead of building a
    :class:`werkzeug.routing.Map`, then pass it to :func:`route`.

    Subclass it and pass the subclass to :func:`route` as ``create_router``
    to change how requests are routed, e.g. :meth:`not_found`.

    Args:
        url_map: Rules mapping URL patterns to connection handlers, which are
            the rules' endpoints. :obj:`None` (the default) starts an empty
            map for :meth:`route` and :meth:`add_route`. Every rule is marked
            as a WebSocket rule (``websocket=True``).
        server_name: Name of the server as seen by clients, for host
            matching and for the URLs of redirects. :obj:`None` (the default)
            means the value of each request's ``Host`` header.
        url_scheme: ``"ws"`` (the default), or ``"wss"`` when clients connect
            with TLS.

    Raises:
        ImportError: If ws-router or werkzeug isn't installed.

    """

    _module = "websockets.sync.router"

    def handler(self, connection: ServerConnection) -> None:
        """Run the handler that :meth:`route_request` picked for ``connection``."""
        handler = connection.handler  # type: ignore[attr-defined]
        handler(connection, **connection.handler_kwargs)  # type: ignore[attr-defined]


def route(
    url_map: Map | Router,
    *args: Any,
    server_name: str | None = None,
    ssl: ssl_module.SSLContext | Literal[True] | None = None,
    create_router: type[Router] | None = None,
    **kwargs: Any,
) -> Server:
    """Create a WebSocket server dispatching connections to handlers by URL.

    It takes the arguments of :func:`~websockets.sync.server.serve`, except
    the handler: each :class:`~werkzeug.routing.Rule` of ``url_map`` has a
    connection handler as its endpoint; the handler receives the connection
    and the variables captured in the URL as keyword arguments. Like
    :func:`~websockets.sync.server.serve`, it returns a
    :class:`~websockets.sync.server.Server`: run it with
    :meth:`~websockets.sync.server.Server.serve_forever`.

    A request that matches no rule gets 404 Not Found; one that matches a
    rule's URL without the trailing slash of the rule, or a rule with
    ``redirect_to``, gets 302 Found with the URL to connect to; one that
    matches a rule only for other methods, 405 Method Not Allowed.

    ``process_request``, if given, runs before routing: when it returns a
    response, the request isn't routed.

    Args:
        url_map: Rules mapping URL patterns to connection handlers, or a
            :class:`Router` with routes added by :meth:`Router.route`; then
            ``server_name`` and ``ssl``, when set, update its
            :attr:`~Router.server_name` and :attr:`~Router.url_scheme`.
        server_name: Name of the server as seen by clients, for host matching
            and the URLs of redirects. :obj:`None` (the default) means the
            value of each request's ``Host`` header. Set it when a reverse
            proxy changes ``Host``.
        ssl: TLS configuration, as for
            :func:`~websockets.sync.server.serve`; or :obj:`True` to
            build ``wss://`` URLs without enabling TLS, when a reverse proxy
            terminates TLS.
        create_router: Router class, e.g. a subclass of :class:`Router`,
            called with ``url_map``, ``server_name`` and the URL scheme;
            :obj:`None` (the default) means :class:`Router`. Can't be combined
            with a :class:`Router` as ``url_map``.

    Raises:
        ImportError: If ws-router or werkzeug isn't installed.
        TypeError: If ``url_map`` is a :class:`Router` and ``create_router``
            is set.

    """
    router = configure_router(Router, url_map, server_name, ssl, create_router, kwargs)

    user_process_request: _ProcessRequest | None = kwargs.pop("process_request", None)

    def process_request(connection: ServerConnection, request: Request) -> Response | None:
        if user_process_request is not None:
            response = user_process_request(connection, request)
            if response is not None:
                return response
        return router.route_request(connection, request)

    return serve(router.handler, *args, process_request=process_request, **kwargs)


def unix_route(url_map: Map | Router, path: PathLike | None = None, **kwargs: Any) -> Server:
    """Create a WebSocket server on a Unix socket, dispatching connections by URL.

    It combines :func:`route` and :func:`~websockets.sync.server.unix_serve`.

    Args:
        url_map: Rules mapping URL patterns to connection handlers, or a
            :class:`Router`.
        path: File system path to the Unix socket.

    """
    return route(url_map, unix=True, path=path, **kwargs)
