"""Routing API shared by the asyncio and threading servers.

:class:`websockets.asyncio.router.Router` and
:class:`websockets.sync.router.Router` differ only in how they run a
handler. This module imports without ws-router and werkzeug, as those
modules must; the routing itself is :mod:`websockets.routing`, from
ws-router, imported when it's used.

"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from .http11 import Response

if TYPE_CHECKING:
    from werkzeug.routing import Map

    from .http11 import Request
    from .routing import Outcome
    from .typing import StatusLike


__all__: list[str] = []


class ServerConnectionLike(Protocol):
    """What the router needs of the server connections of both servers."""

    request: Request | None

    def respond(self, status: StatusLike, text: str) -> Response: ...


_HandlerT = TypeVar("_HandlerT", bound=Callable[..., Any])
_RouterT = TypeVar("_RouterT", bound="RouterBase")

# Modules that ws-router brings: websockets.routing and its werkzeug dependency.
_PROVIDERS = ("websockets.routing", "werkzeug")


def _require_routing(module: str) -> None:
    """Raise :exc:`ImportError` saying how to install ws-router if it's missing."""
    try:
        # Not "from . import routing": that raises a plain ImportError.
        importlib.import_module("websockets.routing")
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if not any(missing == p or missing.startswith(p + ".") for p in _PROVIDERS):
            raise
        from . import _requires

        raise ImportError(_requires(module, ("ws-router",)), name=missing) from exc


class RouterBase:
    """What :class:`Router` does in both servers; see their documentation."""

    # Module of the subclass, for the ImportError when ws-router is missing.
    _module = "websockets.router"

    def __init__(
        self,
        url_map: Map | None = None,
        server_name: str | None = None,
        url_scheme: str = "ws",
    ) -> None:
        _require_routing(self._module)
        from werkzeug.routing import Map

        from .routing import websocket_rules

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
        """Decorator routing ``path`` to the connection handler it decorates.

        Example::

            router = Router()

            @router.route("/channel/<int:channel_id>")
            async def channel(websocket, channel_id):  # or def, with threads
                ...

        Args:
            path: URL pattern, with werkzeug's ``<converter:name>`` variables,
                which the handler receives as keyword arguments.
            options: Other arguments of :class:`werkzeug.routing.Rule`, e.g.
                ``host``, ``subdomain``, ``strict_slashes``, ``redirect_to``.

        """
        from .routing import route

        return route(self.url_map, path, **options)

    def add_route(self, handler: Callable[..., Any], path: str, **options: Any) -> None:
        """Route ``path`` to ``handler``; see :meth:`route` for the arguments."""
        from .routing import add_route

        add_route(self.url_map, handler, path, **options)

    def get_server_name(self, connection: ServerConnectionLike, request: Request) -> str:
        """Return the name of the server as seen by the client of ``request``.

        Raises:
            werkzeug.exceptions.BadRequest: If :attr:`server_name` is
                :obj:`None` and ``request`` doesn't have one ``Host`` header;
                :meth:`route_request` answers 400 Bad Request.

        """
        from .routing import host

        return host(request, self.server_name)

    def url_for(
        self,
        connection: ServerConnectionLike,
        handler: Callable[..., Any],
        /,
        **values: Any,
    ) -> str:
        """Build the URL of ``handler`` with ``values``, as the client of ``connection`` sees the server.

        Example: ``router.url_for(websocket, channel, channel_id=42)``.

        Raises:
            werkzeug.routing.BuildError: If no rule for ``handler`` accepts
                ``values``.

        """
        from .routing import build_url

        assert connection.request is not None, "connection wasn't routed"
        server_name = self.get_server_name(connection, connection.request)
        return build_url(self.url_map, server_name, self.url_scheme, handler, values)

    def redirect(self, connection: ServerConnectionLike, url: str) -> Response:
        """Return a 302 Found response redirecting the client to ``url``."""
        response = connection.respond(302, f"Found at {url}")
        response.headers["Location"] = url
        return response

    def not_found(self, connection: ServerConnectionLike) -> Response:
        """Return a 404 Not Found response."""
        return connection.respond(404, "Not Found")

    def route_request(self, connection: ServerConnectionLike, request: Request) -> Response | None:
        """Route ``request``: remember its handler, or return an HTTP response.

        It's the ``process_request`` of the server that :func:`route` creates.

        """
        from .routing import match

        outcome = match(
            self.url_map,
            request,
            lambda: self.get_server_name(connection, request),
            self.url_scheme,
        )
        return self._respond(connection, outcome)

    def _respond(self, connection: ServerConnectionLike, outcome: Outcome) -> Response | None:
        from .routing import Match, Redirect

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


def configure_router(
    router_class: type[_RouterT],
    url_map: Map | _RouterT,
    server_name: str | None,
    ssl: Any,
    create_router: type[_RouterT] | None,
    kwargs: dict[str, Any],
) -> _RouterT:
    """Return the router that ``route()`` serves with, from its arguments.

    ``ssl=True`` only makes URLs ``wss://``; a real TLS configuration goes to
    the server, in ``kwargs``.

    Raises:
        TypeError: If ``url_map`` is a router and ``create_router`` is set.

    """
    url_scheme = "ws" if ssl is None else "wss"
    if ssl is not None and ssl is not True:
        kwargs["ssl"] = ssl
    if isinstance(url_map, router_class):
        router = url_map
        if create_router is not None:
            raise TypeError("create_router requires a Map, not a Router")
        if server_name is not None:
            router.server_name = server_name
        if ssl is not None:
            router.url_scheme = url_scheme
        return router
    return (router_class if create_router is None else create_router)(
        cast("Map", url_map), server_name, url_scheme
    )
