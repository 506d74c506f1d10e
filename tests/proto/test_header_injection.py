"""Header injection: user input never reaches the wire with CR or LF.

Every place where the Sans-I/O layer turns a value supplied by the
application into an HTTP header goes through :class:`Headers`, which rejects
names that aren't tokens and values with forbidden characters.

"""

from __future__ import annotations

import pytest

from websockets._handshake import client_request, server_response
from websockets.client import ClientProtocol
from websockets.datastructures import Headers
from websockets.exceptions import InvalidHeaderFormat, InvalidHeaderValue
from websockets.http11 import Request, Response
from websockets.proxy import parse_proxy, prepare_connect_request
from websockets.server import ServerProtocol
from websockets.typing import Origin, Subprotocol
from websockets.uri import parse_uri

__all__: list[str] = []

URI = parse_uri("ws://example.com/chat")

# A value that would add a header, one that would end the headers and start
# a body, and one that ISO-8859-1 can't encode.
BAD_VALUES = ["a\r\nX-Injected: 1", "a\r\n\r\nbody", "\u2192"]

REQUEST = (
    b"GET /chat HTTP/1.1\r\n"
    b"Host: example.com\r\n"
    b"Upgrade: websocket\r\n"
    b"Connection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    b"Sec-WebSocket-Version: 13\r\n"
    b"\r\n"
)


def received_request(server: ServerProtocol) -> Request:
    server.receive_data(REQUEST)
    (request,) = server.events_received()
    assert isinstance(request, Request)
    return request


class TestClient:
    @pytest.mark.parametrize("origin", BAD_VALUES)
    def test_origin(self, origin: str) -> None:
        client = ClientProtocol(URI, origin=Origin(origin))
        with pytest.raises(InvalidHeaderValue) as exc_info:
            client.connect()
        assert exc_info.value.args == ("Origin", origin)

    @pytest.mark.parametrize("subprotocol", ["chat\r\nX-Injected: 1", "chat\n"])
    def test_subprotocols(self, subprotocol: str) -> None:
        # Subprotocols must be tokens, which is stricter still.
        with pytest.raises(ValueError, match="invalid subprotocol"):
            ClientProtocol(URI, subprotocols=[Subprotocol(subprotocol)])

    @pytest.mark.parametrize("value", BAD_VALUES)
    def test_additional_headers_value(self, value: str) -> None:
        with pytest.raises(InvalidHeaderValue) as exc_info:
            client_request(ClientProtocol(URI), {"X-Custom": value})
        assert exc_info.value.args == ("X-Custom", value)

    @pytest.mark.parametrize("name", ["X-Custom\r\nX-Injected", "X Custom", "X-Custom:"])
    def test_additional_headers_name(self, name: str) -> None:
        with pytest.raises(InvalidHeaderFormat) as exc_info:
            client_request(ClientProtocol(URI), [(name, "value")])
        assert exc_info.value.name == name

    def test_additional_headers_as_headers(self) -> None:
        # Headers built with set_insecure() are checked again when copied.
        headers = Headers()
        headers.set_insecure("X-Custom", "a\r\nX-Injected: 1")
        with pytest.raises(InvalidHeaderValue):
            client_request(ClientProtocol(URI), headers)

    @pytest.mark.parametrize("user_agent", BAD_VALUES)
    def test_user_agent_header(self, user_agent: str) -> None:
        with pytest.raises(InvalidHeaderValue) as exc_info:
            client_request(ClientProtocol(URI), user_agent_header=user_agent)
        assert exc_info.value.args == ("User-Agent", user_agent)

    def test_request_headers_edited(self) -> None:
        request = ClientProtocol(URI).connect()
        with pytest.raises(InvalidHeaderValue):
            request.headers["X-Custom"] = "a\r\nX-Injected: 1"
        assert b"X-Injected" not in request.serialize()

    @pytest.mark.parametrize("user_agent", BAD_VALUES)
    def test_proxy_user_agent_header(self, user_agent: str) -> None:
        proxy = parse_proxy("http://proxy.example:8080")
        with pytest.raises(InvalidHeaderValue) as exc_info:
            prepare_connect_request(proxy, URI, user_agent)
        assert exc_info.value.args == ("User-Agent", user_agent)


class TestServer:
    @pytest.mark.parametrize("server_header", BAD_VALUES)
    def test_server_header(self, server_header: str) -> None:
        server = ServerProtocol()
        request = received_request(server)
        with pytest.raises(InvalidHeaderValue) as exc_info:
            server_response(server, request, server_header=server_header)
        assert exc_info.value.args == ("Server", server_header)

    @pytest.mark.parametrize("value", BAD_VALUES)
    def test_response_headers_edited(self, value: str) -> None:
        # What process_response does.
        server = ServerProtocol()
        response = server.accept(received_request(server))
        with pytest.raises(InvalidHeaderValue):
            response.headers["X-Custom"] = value
        server.send_response(response)
        (data,) = server.data_to_send()
        assert data.startswith(b"HTTP/1.1 101 Switching Protocols\r\n")
        assert b"X-Custom" not in data

    @pytest.mark.parametrize("value", BAD_VALUES)
    def test_rejection_headers_edited(self, value: str) -> None:
        # What process_request does with connection.respond().
        server = ServerProtocol()
        received_request(server)
        response = server.reject(403, "Forbidden\n")
        with pytest.raises(InvalidHeaderValue):
            response.headers["X-Custom"] = value

    def test_response_built_with_headers(self) -> None:
        # What process_request does when it builds a Response itself.
        with pytest.raises(InvalidHeaderValue):
            Response(200, "OK", Headers({"X-Custom": "a\r\nX-Injected: 1"}))

    def test_reason_phrase(self) -> None:
        server = ServerProtocol()
        received_request(server)
        response = server.reject(403, "Forbidden\n")
        response.reason_phrase = "Forbidden\r\nX-Injected: 1"
        with pytest.raises(ValueError, match="invalid HTTP reason phrase"):
            server.send_response(response)


class TestReceived:
    def test_obs_text_still_parsed(self) -> None:
        # Checks on added headers don't apply to received headers: obs-text,
        # which ISO-8859-1 decodes, keeps working.
        server = ServerProtocol()
        server.receive_data(REQUEST[:-2] + b"X-Custom: caf\xe9 \xff\r\n\r\n")
        (request,) = server.events_received()
        assert isinstance(request, Request)
        assert request.headers["X-Custom"] == "caf\xe9 \xff"
        response = server.accept(request)
        assert response.status_code == 101

    def test_received_headers_copied(self) -> None:
        # Received values can be echoed: they pass the checks.
        server = ServerProtocol()
        server.receive_data(REQUEST[:-2] + b"X-Custom: caf\xe9\r\n\r\n")
        (request,) = server.events_received()
        assert isinstance(request, Request)
        response = server.accept(request)
        response.headers["X-Echo"] = request.headers["X-Custom"]
        assert b"X-Echo: caf\xe9\r\n" in response.serialize()
