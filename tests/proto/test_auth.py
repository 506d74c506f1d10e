"""Tests for websockets.auth: HTTP Basic Authentication, without I/O."""

from __future__ import annotations

import base64
import hmac
import unittest.mock

import pytest

from websockets.auth import (
    InvalidCredentials,
    credentials_checker,
    get_credentials,
    unauthorized,
)
from websockets.datastructures import Headers
from websockets.exceptions import InvalidHandshake, InvalidHeader
from websockets.http11 import Request
from websockets.server import ServerProtocol


def request(*authorization: str) -> Request:
    headers = Headers([("Host", "example.com")])
    for value in authorization:
        headers["Authorization"] = value
    return Request("/", headers)


def basic(userinfo: str) -> str:
    return "Basic " + base64.b64encode(userinfo.encode()).decode()


# credentials_checker


def test_single_pair() -> None:
    check = credentials_checker(("hello", "iloveyou"))
    assert check("hello", "iloveyou")
    assert not check("hello", "ihateyou")
    assert not check("bye", "iloveyou")


def test_list_of_pairs() -> None:
    check = credentials_checker(credentials=[("hello", "iloveyou"), ("bye", "ihateyou")])
    assert check("hello", "iloveyou")
    assert check("bye", "ihateyou")
    assert not check("bye", "iloveyou")


def test_iterable_of_pairs() -> None:
    check = credentials_checker(credentials=iter([("hello", "iloveyou")]))
    assert check("hello", "iloveyou")


def test_last_password_wins() -> None:
    check = credentials_checker(credentials=[("hello", "old"), ("hello", "new")])
    assert check("hello", "new")
    assert not check("hello", "old")


def test_non_ascii_and_empty_passwords() -> None:
    check = credentials_checker(credentials=[("hélène", "mot de passe ☃"), ("anon", "")])
    assert check("hélène", "mot de passe ☃")
    assert not check("hélène", "mot de passe")
    assert check("anon", "")
    assert not check("anon", "x")


def test_prefix_of_password_is_rejected() -> None:
    check = credentials_checker(("hello", "iloveyou"))
    assert not check("hello", "ilove")
    assert not check("hello", "iloveyoutoo")


def test_constant_time_comparison() -> None:
    """Passwords are compared with hmac.compare_digest, on digests of equal length."""
    check = credentials_checker(("hello", "iloveyou"))
    calls: list[tuple[bytes, bytes]] = []
    real_compare_digest = hmac.compare_digest

    def compare_digest(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real_compare_digest(a, b)

    with unittest.mock.patch.object(hmac, "compare_digest", compare_digest):
        assert check("hello", "iloveyou")
        assert not check("hello", "x")
        # An unknown user goes through the same comparison.
        assert not check("nobody", "iloveyou")
    assert len(calls) == 3
    for a, b in calls:
        assert len(a) == len(b) == 32


def test_check_credentials_returned_as_is() -> None:
    def check_credentials(username: str, password: str) -> bool:
        return True  # pragma: no cover

    assert credentials_checker(check_credentials=check_credentials) is check_credentials


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"credentials": ("a", "b"), "check_credentials": lambda u, p: True},
    ],
    ids=["neither", "both"],
)
def test_neither_or_both(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError) as raised:
        credentials_checker(**kwargs)  # type: ignore[arg-type]
    assert str(raised.value) == "provide either credentials or check_credentials"


@pytest.mark.parametrize(
    "credentials",
    [42, [("a", "b"), ("c",)], [("a", 1)], ("a", "b", "c"), (b"a", b"b"), {"a": "b"}],
    ids=["int", "short-pair", "non-str", "triple", "bytes", "dict"],
)
def test_invalid_credentials_argument(credentials: object) -> None:
    with pytest.raises(TypeError) as raised:
        credentials_checker(credentials=credentials)  # type: ignore[arg-type]
    assert str(raised.value) == f"invalid credentials argument: {credentials}"


@pytest.mark.parametrize(
    "credentials",
    [["hello", "iloveyou"], [["hello", "iloveyou"]], iter(["hello", "iloveyou"])],
    ids=["list-pair", "list-of-lists", "iterator-pair"],
)
def test_pair_is_anything_that_unpacks_into_two_strings(credentials: object) -> None:
    check = credentials_checker(credentials=credentials)  # type: ignore[arg-type]
    assert check("hello", "iloveyou")
    assert not check("hello", "ihateyou")


def test_two_character_string_is_a_pair() -> None:
    # Surprising, but it's what unpacking does, and what upstream accepts.
    check = credentials_checker(credentials="ab")
    assert check("a", "b")


def test_no_credentials() -> None:
    check = credentials_checker(credentials=[])
    assert not check("", "")


# get_credentials


def test_get_credentials() -> None:
    assert get_credentials(request(basic("hello:iloveyou"))) == ("hello", "iloveyou")


def test_get_credentials_password_with_colon() -> None:
    assert get_credentials(request(basic("hello:i:love:you"))) == ("hello", "i:love:you")


def test_missing_credentials() -> None:
    with pytest.raises(InvalidCredentials) as raised:
        get_credentials(request())
    assert str(raised.value) == "Missing credentials\n"
    assert isinstance(raised.value, InvalidHandshake)


def test_too_many_credentials() -> None:
    with pytest.raises(InvalidCredentials) as raised:
        get_credentials(request(basic("a:b"), basic("c:d")))
    assert str(raised.value) == "Too many credentials\n"


@pytest.mark.parametrize(
    "authorization",
    ["Bearer token", "Basic", "Basic !!!", basic("no colon")],
    ids=["scheme", "no-token", "not-base64", "no-colon"],
)
def test_unsupported_credentials(authorization: str) -> None:
    with pytest.raises(InvalidCredentials) as raised:
        get_credentials(request(authorization))
    assert str(raised.value) == "Unsupported credentials\n"
    assert isinstance(raised.value.__cause__, InvalidHeader)


# unauthorized


def test_unauthorized() -> None:
    protocol = ServerProtocol()
    response = unauthorized(protocol, "my realm", "Invalid credentials\n")
    assert response.status_code == 401
    assert response.reason_phrase == "Unauthorized"
    assert response.headers["WWW-Authenticate"] == 'Basic realm="my realm", charset="UTF-8"'
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.body == b"Invalid credentials\n"
    assert protocol.handshake_exc is not None


def test_unauthorized_escapes_realm() -> None:
    response = unauthorized(ServerProtocol(), 'say "hi"', "Missing credentials\n")
    assert response.headers["WWW-Authenticate"] == r'Basic realm="say \"hi\"", charset="UTF-8"'


def test_unauthorized_invalid_realm() -> None:
    protocol = ServerProtocol()
    with pytest.raises(ValueError):
        unauthorized(protocol, "bad\nrealm", "Missing credentials\n")
    # Nothing was rejected: the realm is a bug in the calling code.
    assert protocol.handshake_exc is None
