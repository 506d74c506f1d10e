"""I/O-free URL routing for WebSocket servers, on werkzeug's routing.

A server that routes connections keeps a :class:`werkzeug.routing.Map` whose
rules have handlers as endpoints. For each opening handshake request, the
server's ``Router`` (:mod:`websockets.asyncio.router`,
:mod:`websockets.sync.router`) calls :func:`match`, which returns one of:

* :class:`Match`: the handler and the variables captured in the URL; the
  handshake goes on and the handler is called with them as keyword arguments;
* :class:`Redirect`: werkzeug wants the client elsewhere, e.g. ``/path`` to
  ``/path/`` when the rule ends with a slash (``strict_slashes``), or a rule's
  ``redirect_to``; the server answers with a redirect to that URL;
* :class:`Reject`: the request can't be routed; the server answers with that
  HTTP status: 404 when no rule matches, 405 when a rule matches only for other
  methods, 400 without a ``Host`` header, or the status of any
  :exc:`~werkzeug.exceptions.HTTPException` raised by a converter.

Nothing here performs I/O: the backends turn outcomes into responses.

This module imports werkzeug. The backends import it only when a router is
created, so that they still import without ws-router or werkzeug installed.

"""

from __future__ import annotations

import dataclasses
import http
import urllib.parse
from collections.abc import Callable
from typing import Any, TypeVar

from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.routing import Map, MapAdapter, RequestRedirect, Rule

from ..http11 import Request

__all__ = [
    "Match",
    "Outcome",
    "Redirect",
    "Reject",
    "add_route",
    "bind",
    "build_url",
    "host",
    "match",
    "reject",
    "route",
    "websocket_rules",
]

HandlerT = TypeVar("HandlerT", bound=Callable[..., Any])


@dataclasses.dataclass(frozen=True)
class Match:
    """The request matches a rule: call ``handler(connection, **kwargs)``."""

    handler: Callable[..., Any]
    """Endpoint of the rule that matched."""

    kwargs: dict[str, Any]
    """Variables captured in the URL, converted by the rule's converters."""


@dataclasses.dataclass(frozen=True)
class Redirect:
    """The client should connect to ``url`` instead."""

    url: str
    """Absolute URL, with the ``ws`` or ``wss`` scheme."""


@dataclasses.dataclass(frozen=True)
class Reject:
    """The request can't be routed: answer with this HTTP status."""

    status: http.HTTPStatus
    """Status of the response."""

    text: str
    """Body of the response, in plain text."""

    headers: tuple[tuple[str, str], ...] = ()
    """Headers to add to the response, e.g. ``Allow`` with 405."""


Outcome = Match | Redirect | Reject


def websocket_rules(url_map: Map) -> None:
    """Mark every rule of ``url_map`` as a WebSocket rule.

    werkzeug matches WebSocket requests (``ws`` and ``wss`` URL schemes) only
    against rules created with ``websocket=True``; this spares users from
    setting it on each rule.

    """
    for rule in url_map.iter_rules():
        rule.websocket = True


def add_route(url_map: Map, handler: HandlerT, path: str, **options: Any) -> HandlerT:
    """Add a rule routing ``path`` to ``handler`` to ``url_map``.

    Args:
        url_map: Map receiving the rule.
        handler: Connection handler; it receives the connection and the
            variables captured in the URL as keyword arguments.
        path: URL pattern, e.g. ``"/channel/<uuid:channel_id>"``.
        options: Other arguments of :class:`werkzeug.routing.Rule`, e.g.
            ``host``, ``subdomain``, ``strict_slashes``, ``redirect_to``.

    Returns:
        ``handler``, so that :func:`route` can be a decorator.

    """
    url_map.add(Rule(path, endpoint=handler, websocket=True, **options))
    return handler


def route(url_map: Map, path: str, **options: Any) -> Callable[[HandlerT], HandlerT]:
    """Return a decorator that routes ``path`` to the function it decorates.

    See :func:`add_route` for the arguments.

    """

    def decorator(handler: HandlerT) -> HandlerT:
        return add_route(url_map, handler, path, **options)

    return decorator


def host(request: Request, server_name: str | None) -> str:
    """Return the server name to match ``request`` against.

    Args:
        request: Opening handshake request.
        server_name: Name of the server as seen by clients; :obj:`None` means
            the value of the request's ``Host`` header.

    Raises:
        werkzeug.exceptions.BadRequest: If ``server_name`` is :obj:`None` and
            the request doesn't have exactly one ``Host`` header, which HTTP/1.1
            requires (:rfc:`9112#section-3.2`).

    """
    if server_name is not None:
        return server_name
    values = request.headers.get_all("Host")
    if len(values) != 1:
        raise BadRequest(f"expected one Host header, got {len(values)}")
    return values[0]


def bind(url_map: Map, server_name: str, url_scheme: str) -> MapAdapter:
    """Bind ``url_map`` to a server, for matching requests and building URLs.

    Args:
        url_map: Map to bind.
        server_name: Name of the server as seen by clients, with the port
            unless it's the default port of ``url_scheme``.
        url_scheme: ``"ws"`` or ``"wss"``.

    """
    return url_map.bind(server_name=server_name, url_scheme=url_scheme)


def match(
    url_map: Map,
    request: Request,
    server_name: Callable[[], str],
    url_scheme: str,
) -> Outcome:
    """Route an opening handshake request.

    Args:
        url_map: Rules to match; their endpoints are connection handlers.
        request: Opening handshake request.
        server_name: Returns the name of the server as seen by clients; an
            :exc:`~werkzeug.exceptions.HTTPException` that it raises, such as
            the one from :func:`host`, becomes a :class:`Reject`.
        url_scheme: ``"ws"``, or ``"wss"`` when clients connect with TLS,
            whether the server or a reverse proxy terminates it; redirects
            use it.

    Returns:
        The handler and its arguments, a redirect, or a response status.
        Exceptions other than werkzeug's HTTP exceptions propagate.

    """
    try:
        adapter = bind(url_map, server_name(), url_scheme)
        # Like upstream, match the path as urlparse() reads the request
        # target (so the absolute form of RFC 9112, section 3.2.2, works),
        # without decoding percent-encoded characters.
        target = urllib.parse.urlparse(request.path)
        handler, kwargs = adapter.match(
            path_info=target.path, method="GET", query_args=target.query
        )
    except RequestRedirect as redirect:
        return Redirect(redirect.new_url)
    except HTTPException as exc:
        return reject(exc)
    return Match(handler, dict(kwargs))


def reject(exc: HTTPException) -> Reject:
    """Turn a werkzeug HTTP exception into the response it stands for."""
    try:
        status = http.HTTPStatus(exc.code or http.HTTPStatus.INTERNAL_SERVER_ERROR)
    except ValueError:  # a code that http.HTTPStatus doesn't know, e.g. 499
        status = http.HTTPStatus.INTERNAL_SERVER_ERROR
    # werkzeug's own headers describe its HTML body, which isn't sent; keep
    # only those that carry meaning, e.g. Allow with 405 Method Not Allowed.
    headers = tuple(
        (name, value)
        for name, value in exc.get_headers()
        if name.lower() not in {"content-type", "content-length"}
    )
    return Reject(status, status.phrase, headers)


def build_url(
    url_map: Map,
    server_name: str,
    url_scheme: str,
    handler: Callable[..., Any],
    values: dict[str, Any],
) -> str:
    """Build the absolute URL that routes to ``handler`` with ``values``.

    Raises:
        werkzeug.routing.BuildError: If no rule for ``handler`` accepts
            ``values``.

    """
    adapter = bind(url_map, server_name, url_scheme)
    return adapter.build(handler, values, force_external=True)
