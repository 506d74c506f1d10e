"""Tests for websockets.asyncio.router, over real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import http
import uuid
from typing import Any

from werkzeug.routing import Map, Rule

from websockets.asyncio.client import connect, unix_connect
from websockets.asyncio.router import Router, route, unix_route
from websockets.asyncio.server import ServerConnection, basic_auth
from websockets.datastructures import Headers
from websockets.exceptions import InvalidStatus
from websockets.http11 import Request, Response

from ..asyncio.utils import CLIENT_CONTEXT, SERVER_CONTEXT, AsyncTestCase, get_host_port
from .utils import load_example, raw_request, temp_unix_socket_path


async def lobby(websocket: ServerConnection) -> None:
    await websocket.send("lobby")


async def item(websocket: ServerConnection, item_id: int) -> None:
    await websocket.send(f"item {item_id!r}")


async def channel(websocket: ServerConnection, channel_id: uuid.UUID) -> None:
    await websocket.send(f"channel {channel_id!r}")


async def files(websocket: ServerConnection, name: str) -> None:
    await websocket.send(f"file {name}")


async def folder(websocket: ServerConnection) -> None:
    await websocket.send(f"folder {websocket.request.path}")  # type: ignore[union-attr]


async def upload(websocket: ServerConnection) -> None:
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


class RouteTests(AsyncTestCase):
    async def recv(self, uri: str, **kwargs: Any) -> str:
        """Connect to ``uri`` and return the first message."""
        async with connect(uri, **kwargs) as client:
            message = await client.recv()
            assert isinstance(message, str)
            return message

    async def assert_status(self, uri: str, status: int, **kwargs: Any) -> Response:
        with self.assertRaises(InvalidStatus) as raised:
            async with connect(uri, **kwargs):
                self.fail("handshake succeeded")  # pragma: no cover
        self.assertEqual(raised.exception.response.status_code, status)
        return raised.exception.response

    async def test_variables_and_converters(self) -> None:
        async with route(make_map(), "127.0.0.1", 0) as server:
            host, port = get_host_port(server)
            base = f"ws://{host}:{port}"
            self.assertEqual(await self.recv(f"{base}/"), "lobby")
            self.assertEqual(await self.recv(f"{base}/item/42"), "item 42")
            cid = uuid.UUID(int=1)
            self.assertEqual(await self.recv(f"{base}/channel/{cid}"), f"channel {cid!r}")
            self.assertEqual(await self.recv(f"{base}/files/a/b.txt"), "file a/b.txt")

    async def test_no_match_is_404_without_error_log(self) -> None:
        async with route(make_map(), "127.0.0.1", 0) as server:
            host, port = get_host_port(server)
            with self.assertNoLogs("websockets", "ERROR"):
                response = await self.assert_status(f"ws://{host}:{port}/nope", 404)
                await self.assert_status(f"ws://{host}:{port}/item/abc", 404)
            self.assertEqual(response.body, b"Not Found")

    async def test_client_follows_redirect_to_trailing_slash(self) -> None:
        async with route(make_map(), "127.0.0.1", 0) as server:
            host, port = get_host_port(server)
            self.assertEqual(await self.recv(f"ws://{host}:{port}/folder"), "folder /folder/")
            self.assertEqual(await self.recv(f"ws://{host}:{port}/old"), "folder /folder/")

    async def test_redirect_response(self) -> None:
        async with route(make_map(), "127.0.0.1", 0) as server:
            host, port = get_host_port(server)
            status, headers = await asyncio.to_thread(
                raw_request, (host, port), "/folder", "example.com:8000"
            )
        self.assertEqual(status, http.HTTPStatus.FOUND)
        self.assertEqual(headers["Location"], "ws://example.com:8000/folder/")

    async def test_other_method_is_405(self) -> None:
        async with route(make_map(), "127.0.0.1", 0) as server:
            host, port = get_host_port(server)
            with self.assertNoLogs("websockets", "ERROR"):
                response = await self.assert_status(f"ws://{host}:{port}/upload", 405)
        self.assertEqual(response.headers["Allow"], "POST")

    async def test_plain_http_on_matching_path_is_426(self) -> None:
        async with route(make_map(), "127.0.0.1", 0) as server:
            host, port = get_host_port(server)
            status, headers = await asyncio.to_thread(
                raw_request, (host, port), "/item/1", f"{host}:{port}", upgrade=False
            )
        self.assertEqual(status, http.HTTPStatus.UPGRADE_REQUIRED)
        self.assertEqual(headers["Upgrade"], "websocket")

    async def test_host_matching(self) -> None:
        routed: list[tuple[str, dict[str, Any]]] = []

        async def www(websocket: ServerConnection) -> None:
            routed.append(("www", {}))

        async def user(websocket: ServerConnection, name: str) -> None:
            routed.append(("user", {"name": name}))

        url_map = Map(
            [
                Rule("/", endpoint=www, host="www.example.com"),
                Rule("/", endpoint=user, host="<name>.example.com"),
            ],
            host_matching=True,
        )
        async with route(url_map, "127.0.0.1", 0) as server:
            address = get_host_port(server)
            for host in ["www.example.com", "bob.example.com", "example.org"]:
                status, _ = await asyncio.to_thread(raw_request, address, "/", host)
                self.assertEqual(status, 404 if host == "example.org" else 101)
        # Closing the server waited for handlers, which ran in any order.
        self.assertEqual(sorted(routed), [("user", {"name": "bob"}), ("www", {})])

    async def test_server_name_replaces_host(self) -> None:
        async with route(make_map(), "127.0.0.1", 0, server_name="ws.example.com") as server:
            status, headers = await asyncio.to_thread(
                raw_request, get_host_port(server), "/folder", "127.0.0.1"
            )
        self.assertEqual(status, 302)
        self.assertEqual(headers["Location"], "ws://ws.example.com/folder/")

    async def test_ssl_true_builds_wss_urls_without_tls(self) -> None:
        async with route(make_map(), "127.0.0.1", 0, ssl=True) as server:
            host, port = get_host_port(server)
            self.assertEqual(await self.recv(f"ws://{host}:{port}/"), "lobby")
            _, headers = await asyncio.to_thread(
                raw_request, (host, port), "/folder", "example.com"
            )
        self.assertEqual(headers["Location"], "wss://example.com/folder/")

    async def test_tls(self) -> None:
        async with route(make_map(), "127.0.0.1", 0, ssl=SERVER_CONTEXT) as server:
            host, port = get_host_port(server)
            uri = f"wss://{host}:{port}"
            self.assertEqual(await self.recv(f"{uri}/item/7", ssl=CLIENT_CONTEXT), "item 7")
            # The redirect goes to a wss:// URL, which the client follows.
            self.assertEqual(
                await self.recv(f"{uri}/folder", ssl=CLIENT_CONTEXT), "folder /folder/"
            )

    async def test_unix_route(self) -> None:
        with temp_unix_socket_path() as path:
            async with (
                unix_route(make_map(), path),
                unix_connect(path, "ws://localhost/item/5") as client,
            ):
                self.assertEqual(await client.recv(), "item 5")

    async def test_process_request_runs_before_routing(self) -> None:
        seen: list[str] = []

        async def process_request(
            connection: ServerConnection, request: Request
        ) -> Response | None:
            seen.append(request.path)
            if request.path == "/healthz":
                return connection.respond(http.HTTPStatus.OK, "OK\n")
            return None

        async with route(make_map(), "127.0.0.1", 0, process_request=process_request) as server:
            host, port = get_host_port(server)
            # /healthz has no rule: process_request answers before routing.
            await self.assert_status(f"ws://{host}:{port}/healthz", 200)
            self.assertEqual(await self.recv(f"ws://{host}:{port}/item/1"), "item 1")
        self.assertEqual(seen, ["/healthz", "/item/1"])

    async def test_sync_process_request_and_process_response(self) -> None:
        def process_request(connection: ServerConnection, request: Request) -> Response | None:
            return None

        def process_response(
            connection: ServerConnection, request: Request, response: Response
        ) -> Response | None:
            response.headers["X-Routed"] = "yes"
            return None

        async with route(
            make_map(),
            "127.0.0.1",
            0,
            process_request=process_request,
            process_response=process_response,
        ) as server:
            host, port = get_host_port(server)
            async with connect(f"ws://{host}:{port}/item/2") as client:
                assert client.response is not None
                self.assertEqual(client.response.headers["X-Routed"], "yes")
                self.assertEqual(await client.recv(), "item 2")

    async def test_basic_auth(self) -> None:
        async def whoami(websocket: ServerConnection, room: str) -> None:
            await websocket.send(f"{websocket.username} in {room}")

        url_map = Map([Rule("/room/<room>", endpoint=whoami)])
        auth = basic_auth(credentials=("alice", "s3cr3t"))
        async with route(url_map, "127.0.0.1", 0, process_request=auth) as server:
            host, port = get_host_port(server)
            await self.assert_status(f"ws://{host}:{port}/room/a", 401)
            # Authentication comes first: no 404 leaks which paths exist.
            await self.assert_status(f"ws://{host}:{port}/nope", 401)
            message = await self.recv(f"ws://alice:s3cr3t@{host}:{port}/room/a")
            self.assertEqual(message, "alice in a")
            await self.assert_status(f"ws://alice:s3cr3t@{host}:{port}/nope", 404)

    async def test_origins_and_subprotocols(self) -> None:
        async def chat(websocket: ServerConnection) -> None:
            await websocket.send(f"subprotocol {websocket.subprotocol}")

        url_map = Map([Rule("/chat", endpoint=chat)])
        async with route(
            url_map,
            "127.0.0.1",
            0,
            origins=["https://good.example"],
            subprotocols=["chat"],  # type: ignore[list-item]
        ) as server:
            host, port = get_host_port(server)
            uri = f"ws://{host}:{port}/chat"
            await self.assert_status(uri, 403, origin="https://evil.example")
            message = await self.recv(
                uri,
                origin="https://good.example",
                subprotocols=["chat"],
            )
            self.assertEqual(message, "subprotocol chat")

    async def test_handler_builds_url(self) -> None:
        async def link(websocket: ServerConnection, item_id: int) -> None:
            assert websocket.request is not None
            adapter = url_map.bind(websocket.request.headers["Host"])
            await websocket.send(adapter.build(link, {"item_id": item_id + 1}, force_external=True))

        url_map = Map([Rule("/link/<int:item_id>", endpoint=link)])
        async with route(url_map, "127.0.0.1", 0) as server:
            host, port = get_host_port(server)
            self.assertEqual(
                await self.recv(f"ws://{host}:{port}/link/1"), f"ws://{host}:{port}/link/2"
            )

    async def test_create_router(self) -> None:
        class TeapotRouter(Router):
            def not_found(self, connection: ServerConnection) -> Response:
                return connection.respond(http.HTTPStatus.IM_A_TEAPOT, "no such teapot")

        async with route(make_map(), "127.0.0.1", 0, create_router=TeapotRouter) as server:
            host, port = get_host_port(server)
            response = await self.assert_status(f"ws://{host}:{port}/nope", 418)
            self.assertEqual(response.body, b"no such teapot")
            self.assertEqual(await self.recv(f"ws://{host}:{port}/"), "lobby")

    async def test_create_router_with_router_is_an_error(self) -> None:
        with self.assertRaises(TypeError):
            route(Router(), "127.0.0.1", 0, create_router=Router)

    async def test_upstream_router_attributes(self) -> None:
        # Upstream's Router keeps the handler on the connection.
        attributes: dict[str, Any] = {}

        async def handler(websocket: ServerConnection, item_id: int) -> None:
            attributes.update(vars(websocket))

        url_map = Map([Rule("/<int:item_id>", endpoint=handler)])
        async with route(url_map, "127.0.0.1", 0) as server:
            host, port = get_host_port(server)
            async with connect(f"ws://{host}:{port}/3") as client:
                await client.wait_closed()
        self.assertIs(attributes["handler"], handler)
        self.assertEqual(attributes["handler_kwargs"], {"item_id": 3})


class RouterTests(AsyncTestCase):
    async def test_decorator_and_add_route(self) -> None:
        router = Router()

        @router.route("/a/<int:n>")
        async def a(websocket: ServerConnection, n: int) -> None:
            await websocket.send(f"a {n}")

        async def b(websocket: ServerConnection) -> None:
            await websocket.send("b")

        router.add_route(b, "/b")
        async with route(router, "127.0.0.1", 0) as server:
            host, port = get_host_port(server)
            async with connect(f"ws://{host}:{port}/a/1") as client:
                self.assertEqual(await client.recv(), "a 1")
            async with connect(f"ws://{host}:{port}/b") as client:
                self.assertEqual(await client.recv(), "b")

    async def test_router_with_map_marks_rules(self) -> None:
        router = Router(Map([Rule("/", endpoint=lobby)]), url_scheme="wss")
        self.assertTrue(all(rule.websocket for rule in router.url_map.iter_rules()))
        self.assertEqual(router.url_scheme, "wss")

    async def test_route_updates_router_settings(self) -> None:
        router = Router(make_map())
        async with route(router, "127.0.0.1", 0, server_name="ws.example.com", ssl=True) as server:
            _, headers = await asyncio.to_thread(
                raw_request, get_host_port(server), "/folder", "127.0.0.1"
            )
        self.assertEqual(headers["Location"], "wss://ws.example.com/folder/")

    async def test_get_server_name(self) -> None:
        request = Request("/", Headers({"Host": "example.com:8000"}))
        self.assertEqual(Router().get_server_name(None, request), "example.com:8000")  # type: ignore[arg-type]
        named = Router(server_name="ws.example.com")
        self.assertEqual(named.get_server_name(None, request), "ws.example.com")  # type: ignore[arg-type]


class ExampleTests(AsyncTestCase):
    async def test_map_example(self) -> None:
        example = load_example("routing_map")
        async with route(example.url_map, "127.0.0.1", 0) as server:
            host, port = get_host_port(server)
            async with connect(f"ws://{host}:{port}/") as client:
                self.assertEqual(await client.recv(), "welcome to the lobby")
            async with connect(f"ws://{host}:{port}/channel/3") as client:
                await client.send("hi")
                self.assertEqual(await client.recv(), "#3: hi")

    async def test_decorator_example(self) -> None:
        example = load_example("routing_decorator")
        async with route(example.router, "127.0.0.1", 0) as server:
            host, port = get_host_port(server)
            async with connect(f"ws://{host}:{port}/") as client:
                self.assertEqual(await client.recv(), "welcome to the lobby")
            async with connect(f"ws://{host}:{port}/channel/3") as client:
                self.assertEqual(await client.recv(), f"ws://{host}:{port}/channel/4")
                await client.send("hi")
                self.assertEqual(await client.recv(), "#3: hi")
            async with connect(f"ws://{host}:{port}/echo") as client:
                await client.send("echo")
                self.assertEqual(await client.recv(), "echo")
