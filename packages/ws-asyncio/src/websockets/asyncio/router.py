"""Route WebSocket connections to handlers by URL, with the asyncio server.

The routing itself is :mod:`websockets.routing`, from the ws-router
distribution, on werkzeug. This module imports without them, so that
``import websockets.asyncio.router`` always works; creating a :class:`Router`
or calling :func:`route` raises :exc:`ImportError` when they're missing.

"""

from __future__ import annotations

import importlib
import ssl as ssl_module
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from ..http11 import Request, Response
from ..typing import PathLike
from .server import Server, ServerConnection, serve

if TYPE_CHECKING:
    from werkzeug.routing import Map

    from ..routing import Outcome


__all__ = ["Router", "route", "unix_route"]

_HandlerT = TypeVar("_HandlerT", bound=Callable[..., Awaitable[None]])

_ProcessRequest = Callable[
    [ServerConnection, Request],
    Awaitable[Response | None] | Response | None,
]


def _require_routing() -> None:
    """Raise :exc:`ImportError` saying how to install ws-router if it's missing."""
    try:
        # Not "from .. import routing": that raises a plain ImportError.
        importlib.import_module("websockets.routing")
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if not any(missing == p or missing.startswith(p + ".") for p in _PROVIDERS):
            raise
        from .. import _requires

        raise ImportError(
            _requires("websockets.asyncio.router", ("ws-router",)), name=missing
        ) from exc


# Modules that ws-router brings: websockets.routing and its werkzeug dependency.
_PROVIDERS = ("websockets.routing", "werkzeug")


class Router:
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

    def __init__(
        self,
        url_map: Map | None = None,
        server_name: str | None = None,
        url_scheme: str = "ws",
    ) -> None:
        _require_routing()
        from werkzeug.routing import Map

        from ..routing import websocket_rules

        if url_map is None:
            url_map = Map()
        websocket_rules(url_map)
        self.url_map = url_map
        """Rules mapping URL patterns to connection handlers."""
        self.server_name = server_name
        """Name of the server as seen by clients; :obj:`None` for ``Host``."""
        self.url_scheme = url_scheme
        """URL scheme of redirects and built URLs: ``"ws"`` or ``"wss"``."""

    def route(self, path: str, **options: Any) -> Callable[[_HandlerT], _HandlerT]:
        """Decorator routing ``path`` to the coroutine function it decorates.

        Example::

            router = Router()

            @router.route("/channel/<int:channel_id>")
            async def channel(websocket, channel_id):
                ...

        Args:
            path: URL pattern, with werkzeug's ``<converter:name>`` variables,
                which the handler receives as keyword arguments.
            options: Other arguments of :class:`werkzeug.routing.Rule`, e.g.
                ``host``, ``subdomain``, ``strict_slashes``, ``redirect_to``.

        """
        from ..routing import route

        return route(self.url_map, path, **options)

    def add_route(self, handler: Callable[..., Awaitable[None]], path: str, **options: Any) -> None:
        """Route ``path`` to ``handler``; see :meth:`route` for the arguments."""
        from ..routing import add_route

        add_route(self.url_map, handler, path, **options)

    def get_server_name(self, connection: ServerConnection, request: Request) -> str:
        """Return the name of the server as seen by the client of ``request``.

        Raises:
            werkzeug.exceptions.BadRequest: If :attr:`server_name` is
                :obj:`None` and ``request`` doesn't have one ``Host`` header;
                :meth:`route_request` answers 400 Bad Request.

        """
        from ..routing import host

        return host(request, self.server_name)

    def url_for(
        self,
        connection: ServerConnection,
        handler: Callable[..., Awaitable[None]],
        /,
        **values: Any,
    ) -> str:
        """Build the URL of ``handler`` with ``values``, as the client of ``connection`` sees the server.

        Example: ``router.url_for(websocket, channel, channel_id=42)``.

        Raises:
            werkzeug.routing.BuildError: If no rule for ``handler`` accepts
                ``values``.

        """
        from ..routing import build_url

        assert connection.request is not None, "connection wasn't routed"
        server_name = self.get_server_name(connection, connection.request)
        return build_url(self.url_map, server_name, self.url_scheme, handler, values)

    def redirect(self, connection: ServerConnection, url: str) -> Response:
        """Return a 302 Found response redirecting the client to ``url``."""
        response = connection.respond(302, f"Found at {url}")
        response.headers["Location"] = url
        return response

    def not_found(self, connection: ServerConnection) -> Response:
        """Return a 404 Not Found response."""
        return connection.respond(404, "Not Found")

    def route_request(self, connection: ServerConnection, request: Request) -> Response | None:
        """Route ``request``: remember its handler, or return an HTTP response.

        It's the ``process_request`` of the server that :func:`route` creates.

        """
        from ..routing import match

        outcome = match(
            self.url_map,
            request,
            lambda: self.get_server_name(connection, request),
            self.url_scheme,
        )
        return self._respond(connection, outcome)

    def _respond(self, connection: ServerConnection, outcome: Outcome) -> Response | None:
        from ..routing import Match, Redirect

        if isinstance(outcome, Match):
            # Like upstream, keep the handler on the connection until the
            # handshake completes and handler() runs.
            connection.handler = outcome.handler  # type: ignore[attr-defined]
            connection.handler_kwargs = outcome.kwargs  # type: ignore[attr-defined]
            return None
        if isinstance(outcome, Redirect):
            return self.redirect(connection, outcome.url)
        if outcome.status == 404:
            return self.not_found(connection)
        response = connection.respond(outcome.status, outcome.text)
        for name, value in outcome.headers:
            response.headers[name] = value
        return response

    async def handler(self, connection: ServerConnection) -> None:
        """Run the handler that :meth:`route_request` picked for ``connection``."""
        handler = connection.handler  # type: ignore[attr-defined]
        await handler(connection, **connection.handler_kwargs)  # type: ignore[attr-defined]


def route(
    url_map: Map | Router,
    *args: Any,
    server_name: str | None = None,
    ssl: ssl_module.SSLContext | Literal[True] | None = None,
    create_router: type[Router] | None = None,
    **kwargs: Any,
) -> Server:
    """Create a WebSocket server dispatching connections to handlers by URL.

    It takes the arguments of :func:`~websockets.asyncio.server.serve`, except
    the handler: each :class:`~werkzeug.routing.Rule` of ``url_map`` has a
    connection handler as its endpoint; the handler receives the connection
    and the variables captured in the URL as keyword arguments. Like
    :func:`~websockets.asyncio.server.serve`, await it or use it as an
    asynchronous context manager.

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
            :func:`~websockets.asyncio.server.serve`; or :obj:`True` to
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
    url_scheme = "ws" if ssl is None else "wss"
    if ssl is not None and ssl is not True:
        kwargs["ssl"] = ssl
    if isinstance(url_map, Router):
        if create_router is not None:
            raise TypeError("create_router requires a Map, not a Router")
        router = url_map
        if server_name is not None:
            router.server_name = server_name
        if ssl is not None:
            router.url_scheme = url_scheme
    else:
        router = (Router if create_router is None else create_router)(
            url_map, server_name, url_scheme
        )

    user_process_request: _ProcessRequest | None = kwargs.pop("process_request", None)

    async def process_request(connection: ServerConnection, request: Request) -> Response | None:
        if user_process_request is not None:
            response = user_process_request(connection, request)
            if isinstance(response, Awaitable):
                response = await response
            if response is not None:
                return response
        return router.route_request(connection, request)

    return serve(router.handler, *args, process_request=process_request, **kwargs)


def unix_route(url_map: Map | Router, path: PathLike | None = None, **kwargs: Any) -> Server:
    """Create a WebSocket server on a Unix socket, dispatching connections by URL.

    It combines :func:`route` and :func:`~websockets.asyncio.server.unix_serve`.

    Args:
        url_map: Rules mapping URL patterns to connection handlers, or a
            :class:`Router`.
        path: File system path to the Unix socket.

    """
    return route(url_map, unix=True, path=path, **kwargs)
