"""Tests for websockets.sync.router, over real sockets on 127.0.0.1."""

from __future__ import annotations

import contextlib
import http
import unittest
import uuid
from collections.abc import Iterator
from typing import Any

from werkzeug.routing import Map, Rule

from websockets.datastructures import Headers
from websockets.exceptions import InvalidStatus
from websockets.http11 import Request, Response
from websockets.sync.client import connect, unix_connect
from websockets.sync.router import Router, route, unix_route
from websockets.sync.server import Server, ServerConnection, basic_auth

from ..sync.utils import (
    CLIENT_CONTEXT,
    SERVER_CONTEXT,
    get_host_port,
    running,
    temp_unix_socket_path,
    wait_until,
)
from .utils import load_example, raw_request


def lobby(websocket: ServerConnection) -> None:
    websocket.send("lobby")


def item(websocket: ServerConnection, item_id: int) -> None:
    websocket.send(f"item {item_id!r}")


def channel(websocket: ServerConnection, channel_id: uuid.UUID) -> None:
    websocket.send(f"channel {channel_id!r}")


def files(websocket: ServerConnection, name: str) -> None:
    websocket.send(f"file {name}")


def folder(websocket: ServerConnection) -> None:
    websocket.send(f"folder {websocket.request.path}")  # type: ignore[union-attr]


def upload(websocket: ServerConnection) -> None:
    pass  # pragma: no cover


def make_map() -> Map:
    return Map(
        [
            Rule("/", endpoint=lobby),
            Rule("/item/<int:item_id>", endpoint=item),
            Rule("/channel/<uuid:channel_id>", endpoint=channel),
            Rule("/files/<path:name>", endpoint=files),
            Rule("/folder/", endpoint=folder),
            Rule("/old", redirect_to="/folder/"),
            Rule("/upload", endpoint=upload, methods=["POST"]),
        ]
    )


@contextlib.contextmanager
def run_route(url_map: Map | Router, **kwargs: Any) -> Iterator[Server]:
    """Run ``route(url_map, "127.0.0.1", 0, **kwargs)`` in a thread for a ``with`` block."""
    with running(route(url_map, "127.0.0.1", 0, **kwargs)) as server:
        yield server


def base_uri(server: Server, scheme: str = "ws") -> str:
    host, port = get_host_port(server)
    return f"{scheme}://{host}:{port}"


def recv(uri: str, **kwargs: Any) -> str:
    """Connect to ``uri`` and return the first message."""
    with connect(uri, **kwargs) as client:
        message = client.recv()
        assert isinstance(message, str)
        return message


class RouteTests(unittest.TestCase):
    def assert_status(self, uri: str, status: int, **kwargs: Any) -> Response:
        with self.assertRaises(InvalidStatus) as raised, connect(uri, **kwargs):
            self.fail("handshake succeeded")  # pragma: no cover
        self.assertEqual(raised.exception.response.status_code, status)
        return raised.exception.response

    def test_variables_and_converters(self) -> None:
        with run_route(make_map()) as server:
            base = base_uri(server)
            self.assertEqual(recv(f"{base}/"), "lobby")
            self.assertEqual(recv(f"{base}/item/42"), "item 42")
            cid = uuid.UUID(int=1)
            self.assertEqual(recv(f"{base}/channel/{cid}"), f"channel {cid!r}")
            self.assertEqual(recv(f"{base}/files/a/b.txt"), "file a/b.txt")

    def test_no_match_is_404_without_error_log(self) -> None:
        with run_route(make_map()) as server, self.assertNoLogs("websockets", "ERROR"):
            response = self.assert_status(f"{base_uri(server)}/nope", 404)
            self.assert_status(f"{base_uri(server)}/item/abc", 404)
        self.assertEqual(response.body, b"Not Found")

    def test_client_follows_redirect_to_trailing_slash(self) -> None:
        with run_route(make_map()) as server:
            self.assertEqual(recv(f"{base_uri(server)}/folder"), "folder /folder/")
            self.assertEqual(recv(f"{base_uri(server)}/old"), "folder /folder/")

    def test_redirect_response(self) -> None:
        with run_route(make_map()) as server:
            status, headers = raw_request(get_host_port(server), "/folder", "example.com:8000")
        self.assertEqual(status, http.HTTPStatus.FOUND)
        self.assertEqual(headers["Location"], "ws://example.com:8000/folder/")

    def test_other_method_is_405(self) -> None:
        with run_route(make_map()) as server, self.assertNoLogs("websockets", "ERROR"):
            response = self.assert_status(f"{base_uri(server)}/upload", 405)
        self.assertEqual(response.headers["Allow"], "POST")

    def test_plain_http_on_matching_path_is_426(self) -> None:
        with run_route(make_map()) as server:
            host, port = get_host_port(server)
            status, headers = raw_request((host, port), "/item/1", f"{host}:{port}", upgrade=False)
        self.assertEqual(status, http.HTTPStatus.UPGRADE_REQUIRED)
        self.assertEqual(headers["Upgrade"], "websocket")

    def test_host_matching(self) -> None:
        routed: list[tuple[str, dict[str, Any]]] = []

        def www(websocket: ServerConnection) -> None:
            routed.append(("www", {}))

        def user(websocket: ServerConnection, name: str) -> None:
            routed.append(("user", {"name": name}))

        url_map = Map(
            [
                Rule("/", endpoint=www, host="www.example.com"),
                Rule("/", endpoint=user, host="<name>.example.com"),
            ],
            host_matching=True,
        )
        with run_route(url_map) as server:
            for host in ["www.example.com", "bob.example.com", "example.org"]:
                status, _ = raw_request(get_host_port(server), "/", host)
                self.assertEqual(status, 404 if host == "example.org" else 101)
            # Handlers run in their own threads, in any order.
            wait_until(lambda: len(routed) == 2)
        self.assertEqual(sorted(routed), [("user", {"name": "bob"}), ("www", {})])

    def test_server_name_replaces_host(self) -> None:
        with run_route(make_map(), server_name="ws.example.com") as server:
            status, headers = raw_request(get_host_port(server), "/folder", "127.0.0.1")
        self.assertEqual(status, 302)
        self.assertEqual(headers["Location"], "ws://ws.example.com/folder/")

    def test_ssl_true_builds_wss_urls_without_tls(self) -> None:
        with run_route(make_map(), ssl=True) as server:
            self.assertEqual(recv(f"{base_uri(server)}/"), "lobby")
            _, headers = raw_request(get_host_port(server), "/folder", "example.com")
        self.assertEqual(headers["Location"], "wss://example.com/folder/")

    def test_tls(self) -> None:
        with run_route(make_map(), ssl=SERVER_CONTEXT) as server:
            base = base_uri(server, "wss")
            self.assertEqual(recv(f"{base}/item/7", ssl=CLIENT_CONTEXT), "item 7")
            # The redirect goes to a wss:// URL, which the client follows.
            self.assertEqual(recv(f"{base}/folder", ssl=CLIENT_CONTEXT), "folder /folder/")

    def test_unix_route(self) -> None:
        with (
            temp_unix_socket_path() as path,
            running(unix_route(make_map(), path)),
            unix_connect(path, "ws://localhost/item/5") as client,
        ):
            self.assertEqual(client.recv(), "item 5")

    def test_process_request_runs_before_routing(self) -> None:
        seen: list[str] = []

        def process_request(connection: ServerConnection, request: Request) -> Response | None:
            seen.append(request.path)
            if request.path == "/healthz":
                return connection.respond(http.HTTPStatus.OK, "OK\n")
            return None

        def process_response(
            connection: ServerConnection, request: Request, response: Response
        ) -> Response | None:
            response.headers["X-Routed"] = "yes"
            return None

        with run_route(
            make_map(), process_request=process_request, process_response=process_response
        ) as server:
            # /healthz has no rule: process_request answers before routing.
            self.assert_status(f"{base_uri(server)}/healthz", 200)
            with connect(f"{base_uri(server)}/item/1") as client:
                assert client.response is not None
                self.assertEqual(client.response.headers["X-Routed"], "yes")
                self.assertEqual(client.recv(), "item 1")
        self.assertEqual(seen, ["/healthz", "/item/1"])

    def test_basic_auth(self) -> None:
        def whoami(websocket: ServerConnection, room: str) -> None:
            websocket.send(f"{websocket.username} in {room}")

        url_map = Map([Rule("/room/<room>", endpoint=whoami)])
        auth = basic_auth(credentials=("alice", "s3cr3t"))
        with run_route(url_map, process_request=auth) as server:
            host, port = get_host_port(server)
            self.assert_status(f"ws://{host}:{port}/room/a", 401)
            # Authentication comes first: no 404 leaks which paths exist.
            self.assert_status(f"ws://{host}:{port}/nope", 401)
            self.assertEqual(recv(f"ws://alice:s3cr3t@{host}:{port}/room/a"), "alice in a")
            self.assert_status(f"ws://alice:s3cr3t@{host}:{port}/nope", 404)

    def test_origins_and_subprotocols(self) -> None:
        def chat(websocket: ServerConnection) -> None:
            websocket.send(f"subprotocol {websocket.subprotocol}")

        url_map = Map([Rule("/chat", endpoint=chat)])
        with run_route(
            url_map,
            origins=["https://good.example"],
            subprotocols=["chat"],
        ) as server:
            uri = f"{base_uri(server)}/chat"
            self.assert_status(uri, 403, origin="https://evil.example")
            message = recv(uri, origin="https://good.example", subprotocols=["chat"])
            self.assertEqual(message, "subprotocol chat")

    def test_handler_builds_url(self) -> None:
        def link(websocket: ServerConnection, item_id: int) -> None:
            assert websocket.request is not None
            adapter = url_map.bind(websocket.request.headers["Host"])
            websocket.send(adapter.build(link, {"item_id": item_id + 1}, force_external=True))

        url_map = Map([Rule("/link/<int:item_id>", endpoint=link)])
        with run_route(url_map) as server:
            self.assertEqual(recv(f"{base_uri(server)}/link/1"), f"{base_uri(server)}/link/2")

    def test_create_router(self) -> None:
        class TeapotRouter(Router):
            def not_found(self, connection: ServerConnection) -> Response:
                return connection.respond(http.HTTPStatus.IM_A_TEAPOT, "no such teapot")

        with run_route(make_map(), create_router=TeapotRouter) as server:
            response = self.assert_status(f"{base_uri(server)}/nope", 418)
            self.assertEqual(response.body, b"no such teapot")
            self.assertEqual(recv(f"{base_uri(server)}/"), "lobby")

    def test_create_router_with_router_is_an_error(self) -> None:
        with self.assertRaises(TypeError):
            route(Router(), "127.0.0.1", 0, create_router=Router)


class RouterTests(unittest.TestCase):
    def test_decorator_and_add_route(self) -> None:
        router = Router()

        @router.route("/a/<int:n>")
        def a(websocket: ServerConnection, n: int) -> None:
            websocket.send(f"a {n}")

        def b(websocket: ServerConnection) -> None:
            websocket.send("b")

        router.add_route(b, "/b")
        with run_route(router) as server:
            self.assertEqual(recv(f"{base_uri(server)}/a/1"), "a 1")
            self.assertEqual(recv(f"{base_uri(server)}/b"), "b")

    def test_route_updates_router_settings(self) -> None:
        router = Router(make_map())
        with run_route(router, server_name="ws.example.com", ssl=True) as server:
            _, headers = raw_request(get_host_port(server), "/folder", "127.0.0.1")
        self.assertEqual(headers["Location"], "wss://ws.example.com/folder/")

    def test_get_server_name(self) -> None:
        request = Request("/", Headers({"Host": "example.com:8000"}))
        self.assertEqual(Router().get_server_name(None, request), "example.com:8000")  # type: ignore[arg-type]
        named = Router(server_name="ws.example.com")
        self.assertEqual(named.get_server_name(None, request), "ws.example.com")  # type: ignore[arg-type]


class ExampleTests(unittest.TestCase):
    def test_map_example(self) -> None:
        example = load_example("routing_sync_map")
        with run_route(example.url_map) as server:
            self.assertEqual(recv(f"{base_uri(server)}/"), "welcome to the lobby")
            with connect(f"{base_uri(server)}/channel/3") as client:
                client.send("hi")
                self.assertEqual(client.recv(), "#3: hi")

    def test_decorator_example(self) -> None:
        example = load_example("routing_sync_decorator")
        with run_route(example.router) as server:
            base = base_uri(server)
            self.assertEqual(recv(f"{base}/"), "welcome to the lobby")
            with connect(f"{base}/channel/3") as client:
                self.assertEqual(client.recv(), f"{base}/channel/4")
                client.send("hi")
                self.assertEqual(client.recv(), "#3: hi")
            with connect(f"{base}/echo") as client:
                client.send("echo")
                self.assertEqual(client.recv(), "echo")
