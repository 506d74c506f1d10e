"""Tests for websockets._handshake: opening handshake policy shared by the I/O layers."""

from __future__ import annotations

from websockets._handshake import client_request, internal_error, server_response
from websockets.client import ClientProtocol
from websockets.datastructures import Headers
from websockets.http11 import SERVER, USER_AGENT, Request, Response
from websockets.server import ServerProtocol
from websockets.uri import parse_uri

# client_request


def test_client_request_defaults() -> None:
    client = ClientProtocol(parse_uri("ws://example.com/chat"))
    request = client_request(client)
    assert request.path == "/chat"
    assert request.headers["Host"] == "example.com"
    assert request.headers["User-Agent"] == USER_AGENT


def test_client_request_additional_headers() -> None:
    client = ClientProtocol(parse_uri("ws://example.com/"))
    request = client_request(client, {"X-Token": "abc"}, user_agent_header="test/1.0")
    assert request.headers["X-Token"] == "abc"
    assert request.headers["User-Agent"] == "test/1.0"


def test_client_request_user_agent_in_additional_headers() -> None:
    client = ClientProtocol(parse_uri("ws://example.com/"))
    request = client_request(
        client, Headers([("User-Agent", "mine")]), user_agent_header="test/1.0"
    )
    assert request.headers.get_all("User-Agent") == ["mine"]


def test_client_request_no_user_agent() -> None:
    client = ClientProtocol(parse_uri("ws://example.com/"))
    request = client_request(client, user_agent_header=None)
    assert "User-Agent" not in request.headers


# server_response


def handshake_request() -> tuple[ServerProtocol, Request]:
    server = ServerProtocol()
    client = ClientProtocol(parse_uri("ws://example.com/"))
    return server, client.connect()


def test_server_response_accepts() -> None:
    server, request = handshake_request()
    response = server_response(server, request)
    assert response.status_code == 101
    assert response.headers["Server"] == SERVER
    assert server.handshake_exc is None


def test_server_response_shutting_down() -> None:
    server, request = handshake_request()
    response = server_response(server, request, serving=False)
    assert response.status_code == 503
    assert response.body == b"Server is shutting down.\n"
    assert server.handshake_exc is not None


def test_server_response_from_process_request() -> None:
    server, request = handshake_request()
    given = Response(200, "OK", Headers(), b"OK\n")
    response = server_response(server, request, given, server_header="test/1.0")
    assert response is given
    assert response.headers["Server"] == "test/1.0"


def test_server_response_no_server_header() -> None:
    server, request = handshake_request()
    response = server_response(server, request, server_header=None)
    assert "Server" not in response.headers


def test_server_response_empty_server_header() -> None:
    # Only None omits the header, as upstream: an empty string is a value.
    server, request = handshake_request()
    response = server_response(server, request, server_header="")
    assert response.headers.get_all("Server") == [""]


# internal_error


def test_internal_error() -> None:
    server = ServerProtocol()
    response = internal_error(server)
    assert response.status_code == 500
    assert response.body == (
        b"Failed to open a WebSocket connection.\nSee server log for more information.\n"
    )
