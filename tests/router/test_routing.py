"""Tests for websockets.routing, the I/O-free routing core: requests in, outcomes out."""

from __future__ import annotations

import http
import unittest
from typing import Any

from werkzeug.exceptions import Forbidden, HTTPException
from werkzeug.routing import BaseConverter, BuildError, Map, Rule

from websockets.datastructures import Headers
from websockets.http11 import Request
from websockets.routing import (
    Match,
    Redirect,
    Reject,
    add_route,
    build_url,
    host,
    match,
    route,
    websocket_rules,
)


def make_request(path: str, host: str | None = "example.com") -> Request:
    headers = Headers()
    if host is not None:
        headers["Host"] = host
    return Request(path, headers)


async def lobby(websocket: Any) -> None:
    pass  # pragma: no cover


async def item(websocket: Any, item_id: int) -> None:
    pass  # pragma: no cover


async def folder(websocket: Any) -> None:
    pass  # pragma: no cover


async def upload(websocket: Any) -> None:
    pass  # pragma: no cover


class NoConverter(BaseConverter):
    """Refuse the value "no" with 403 Forbidden."""

    def to_python(self, value: str) -> str:
        if value == "no":
            raise Forbidden()
        return value


def make_map(**options: Any) -> Map:
    url_map = Map(
        [
            Rule("/", endpoint=lobby),
            Rule("/item/<int:item_id>", endpoint=item),
            Rule("/folder/", endpoint=folder),
            Rule("/old", redirect_to="/folder/"),
            Rule("/upload", endpoint=upload, methods=["POST"]),
            Rule("/check/<no:value>", endpoint=lobby),
        ],
        converters={"no": NoConverter},
        **options,
    )
    websocket_rules(url_map)
    return url_map


def route_path(
    url_map: Map, path: str, host: str | None = "example.com", scheme: str = "ws"
) -> Any:
    request = make_request(path, host)
    return match(url_map, request, lambda: host_of(request), scheme)


def host_of(request: Request) -> str:
    return host(request, None)


class MatchTests(unittest.TestCase):
    def test_match_without_variables(self) -> None:
        self.assertEqual(route_path(make_map(), "/"), Match(lobby, {}))

    def test_match_converts_variables(self) -> None:
        self.assertEqual(route_path(make_map(), "/item/42"), Match(item, {"item_id": 42}))

    def test_query_string_is_ignored(self) -> None:
        self.assertEqual(route_path(make_map(), "/item/42?x=1"), Match(item, {"item_id": 42}))

    def test_no_rule_is_404(self) -> None:
        self.assertEqual(
            route_path(make_map(), "/nope"), Reject(http.HTTPStatus.NOT_FOUND, "Not Found")
        )

    def test_converter_mismatch_is_404(self) -> None:
        outcome = route_path(make_map(), "/item/abc")
        self.assertEqual(outcome.status, http.HTTPStatus.NOT_FOUND)

    def test_percent_encoding_is_not_decoded(self) -> None:
        # Upstream matches the raw path of the request line: %34%32 isn't 42.
        outcome = route_path(make_map(), "/item/%34%32")
        self.assertEqual(outcome.status, http.HTTPStatus.NOT_FOUND)

    def test_missing_slash_redirects(self) -> None:
        self.assertEqual(
            route_path(make_map(), "/folder", host="example.com:8000"),
            Redirect("ws://example.com:8000/folder/"),
        )

    def test_redirect_keeps_query(self) -> None:
        self.assertEqual(
            route_path(make_map(), "/folder?q=1"),
            Redirect("ws://example.com/folder/?q=1"),
        )

    def test_redirect_to_rule(self) -> None:
        self.assertEqual(route_path(make_map(), "/old"), Redirect("ws://example.com/folder/"))

    def test_redirect_uses_wss_scheme(self) -> None:
        self.assertEqual(
            route_path(make_map(), "/folder", scheme="wss"),
            Redirect("wss://example.com/folder/"),
        )

    def test_other_method_is_405_with_allow(self) -> None:
        self.assertEqual(
            route_path(make_map(), "/upload"),
            Reject(http.HTTPStatus.METHOD_NOT_ALLOWED, "Method Not Allowed", (("Allow", "POST"),)),
        )

    def test_absolute_form(self) -> None:
        # RFC 9112, section 3.2.2: servers accept the absolute form; as
        # upstream, only its path and query are matched.
        self.assertEqual(
            route_path(make_map(), "http://example.com/item/42?x=1"), Match(item, {"item_id": 42})
        )

    def test_path_parameters_and_fragment_are_left_out(self) -> None:
        # As upstream, which splits the target with urllib.parse.urlparse().
        self.assertEqual(route_path(make_map(), "/item/42;v=1"), Match(item, {"item_id": 42}))
        self.assertEqual(route_path(make_map(), "/folder/#top"), Match(folder, {}))

    def test_unknown_status_code_is_500(self) -> None:
        class Odd(HTTPException):
            code = 499

        class OddConverter(BaseConverter):
            def to_python(self, value: str) -> str:
                raise Odd()

        url_map = Map([Rule("/odd/<odd:value>", endpoint=lobby)], converters={"odd": OddConverter})
        websocket_rules(url_map)
        self.assertEqual(
            route_path(url_map, "/odd/x").status, http.HTTPStatus.INTERNAL_SERVER_ERROR
        )

    def test_http_exception_from_converter_gives_its_status(self) -> None:
        self.assertEqual(route_path(make_map(), "/check/no").status, http.HTTPStatus.FORBIDDEN)
        self.assertEqual(route_path(make_map(), "/check/yes"), Match(lobby, {"value": "yes"}))

    def test_missing_host_is_400(self) -> None:
        self.assertEqual(
            route_path(make_map(), "/", host=None),
            Reject(http.HTTPStatus.BAD_REQUEST, "Bad Request"),
        )

    def test_repeated_host_is_400(self) -> None:
        request = make_request("/")
        request.headers["Host"] = "example.org"
        outcome = match(make_map(), request, lambda: host_of(request), "ws")
        self.assertEqual(outcome, Reject(http.HTTPStatus.BAD_REQUEST, "Bad Request"))

    def test_other_exceptions_propagate(self) -> None:
        def server_name() -> str:
            raise RuntimeError("bug")

        with self.assertRaises(RuntimeError):
            match(make_map(), make_request("/"), server_name, "ws")

    def test_rule_without_websocket_flag(self) -> None:
        # websocket_rules() is what makes a plain Rule match WebSocket requests.
        url_map = Map([Rule("/", endpoint=lobby)])
        self.assertEqual(route_path(url_map, "/").status, http.HTTPStatus.BAD_REQUEST)
        websocket_rules(url_map)
        self.assertEqual(route_path(url_map, "/"), Match(lobby, {}))


class HostMatchingTests(unittest.TestCase):
    def make_map(self) -> Map:
        url_map = Map(
            [
                Rule("/", endpoint=lobby, host="www.example.com"),
                Rule("/", endpoint=item, host="<user>.example.com"),
            ],
            host_matching=True,
        )
        websocket_rules(url_map)
        return url_map

    def test_exact_host(self) -> None:
        self.assertEqual(route_path(self.make_map(), "/", host="www.example.com"), Match(lobby, {}))

    def test_host_variable(self) -> None:
        self.assertEqual(
            route_path(self.make_map(), "/", host="bob.example.com"), Match(item, {"user": "bob"})
        )

    def test_unknown_host_is_404(self) -> None:
        outcome = route_path(self.make_map(), "/", host="example.org")
        self.assertEqual(outcome.status, http.HTTPStatus.NOT_FOUND)

    def test_configured_server_name_wins_over_host(self) -> None:
        request = make_request("/", host="bob.example.com")
        outcome = match(self.make_map(), request, lambda: host(request, "www.example.com"), "ws")
        self.assertEqual(outcome, Match(lobby, {}))

    def test_subdomain(self) -> None:
        url_map = Map(
            [Rule("/", endpoint=item, subdomain="<user>")],
            default_subdomain="www",
        )
        websocket_rules(url_map)
        request = make_request("/", host="alice.example.com")
        outcome = match(url_map, request, lambda: "example.com", "ws")
        self.assertEqual(outcome, Match(item, {"user": "www"}))


class DecoratorTests(unittest.TestCase):
    def test_route_decorator_adds_websocket_rule(self) -> None:
        url_map = Map()

        @route(url_map, "/x/<int:n>")
        async def handler(websocket: Any, n: int) -> None:
            pass  # pragma: no cover

        self.assertEqual(route_path(url_map, "/x/3"), Match(handler, {"n": 3}))

    def test_add_route_passes_rule_options(self) -> None:
        url_map = Map(host_matching=True)
        add_route(url_map, lobby, "/", host="a.example.com")
        self.assertEqual(route_path(url_map, "/", host="a.example.com"), Match(lobby, {}))
        self.assertEqual(route_path(url_map, "/", host="b.example.com").status, 404)


class BuildTests(unittest.TestCase):
    def test_build_url(self) -> None:
        url = build_url(make_map(), "example.com:8000", "wss", item, {"item_id": 7})
        self.assertEqual(url, "wss://example.com:8000/item/7")

    def test_build_url_with_missing_value(self) -> None:
        with self.assertRaises(BuildError):
            build_url(make_map(), "example.com", "ws", item, {})
