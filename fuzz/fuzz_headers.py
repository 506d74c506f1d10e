"""Fuzz target: every header parser of :mod:`websockets.headers`, and the
Basic Auth helpers of :mod:`websockets.auth` that read the ``Authorization``
header.

Input layout: byte 0 chooses the parser (low 4 bits) and how the rest is
decoded (bits 5-6, see ``_harness.decode``: ISO-8859-1, as
:mod:`websockets.http11` decodes header values, or UTF-8 in three ways, which
puts characters above U+00FF in the value, as an application may). A value that contains
``\\x00`` is split there into several values of the same header, for the
parsers that read every value of a header.

Beyond raising only documented exceptions, values that parse must survive a
round trip through the matching builder.

"""

from __future__ import annotations

from fuzz import _harness

with _harness.instrumented():
    from fuzz import _checks
    from websockets import auth, headers
    from websockets.auth import InvalidCredentials
    from websockets.exceptions import (
        InvalidHeaderFormat,
        InvalidHeaderValue,
        InvalidUpgrade,
    )
    from websockets.http11 import Request


def check_connection(value: str) -> None:
    try:
        options = headers.parse_connection(value)
    except InvalidHeaderFormat:
        return
    assert options and all(headers._is_token(option) for option in options)


def check_upgrade(value: str) -> None:
    try:
        protocols = headers.parse_upgrade(value)
    except InvalidHeaderFormat:
        return
    assert protocols
    assert headers.parse_upgrade(", ".join(protocols)) == protocols


def check_extension(value: str) -> None:
    try:
        extensions = headers.parse_extension(value)
    except InvalidHeaderFormat:
        return
    assert extensions
    assert headers.parse_extension(headers.build_extension(extensions)) == extensions


def check_subprotocol(value: str) -> None:
    try:
        subprotocols = headers.parse_subprotocol(value)
    except InvalidHeaderFormat:
        return
    assert subprotocols
    assert headers.parse_subprotocol(headers.build_subprotocol(subprotocols)) == subprotocols


def check_authorization(value: str) -> None:
    try:
        username, password = headers.parse_authorization_basic(value)
    except (InvalidHeaderFormat, InvalidHeaderValue):
        return
    assert ":" not in username
    rebuilt = headers.build_authorization_basic(username, password)
    assert headers.parse_authorization_basic(rebuilt) == (username, password)


def check_credentials(values: list[str]) -> None:
    request = Request("/", _checks.received_headers([("Authorization", value) for value in values]))
    try:
        username, password = auth.get_credentials(request)
    except InvalidCredentials:
        return
    check = auth.credentials_checker(credentials=("user", "pass"))
    assert check(username, password) == ((username, password) == ("user", "pass"))


def check_validate_upgrade(values: list[str]) -> None:
    # Alternate Connection and Upgrade values, so that both get every kind.
    pairs = [
        ("Connection" if index % 2 else "Upgrade", value) for index, value in enumerate(values)
    ]
    try:
        headers.validate_upgrade(_checks.received_headers(pairs))
    except (InvalidHeaderFormat, InvalidUpgrade):
        return


def check_list_items(value: str) -> None:
    # The low-level parsers at every position.
    for pos in range(len(value) + 1):
        try:
            token, end = headers.parse_token(value, pos, "X")
        except InvalidHeaderFormat:
            pass
        else:
            assert value[pos:end] == token and end > pos
        try:
            _, end = headers.parse_quoted_string(value, pos, "X")
        except InvalidHeaderFormat:
            pass
        else:
            assert pos < end <= len(value)
        assert pos <= headers.parse_OWS(value, pos) <= len(value)


def check_quoted_string(value: str) -> None:
    try:
        quoted = headers.build_quoted_string(value)
    except ValueError:
        return
    try:
        unquoted, end = headers.parse_quoted_string(quoted, 0, "X")
    except InvalidHeaderFormat:
        # Characters above U+00FF are left to the encoder.
        assert any(ord(char) > 0xFF for char in value)
        return
    assert unquoted == value and end == len(quoted)
    try:
        challenge = headers.build_www_authenticate_basic(value)
    except ValueError:  # pragma: no cover - build_quoted_string accepted it
        raise AssertionError("realm accepted by build_quoted_string, not here") from None
    assert challenge.startswith("Basic realm=")


def check_host(value: str) -> None:
    host = headers.build_host(value, 8080, secure=False)
    assert host.endswith(":8080")
    assert headers.build_host(value, 80, secure=False) == host[: -len(":8080")]


CHECKS = [
    check_connection,
    check_upgrade,
    check_extension,
    check_subprotocol,
    check_authorization,
    check_list_items,
    check_quoted_string,
    check_host,
]
MULTI_CHECKS = [check_credentials, check_validate_upgrade]


def test_one_input(data: bytes) -> None:
    selector = data[0] if data else 0
    raw = data[1:]
    # Mode 3, ISO-8859-1, when bits 5-6 are 0: the common case.
    value = _harness.decode(raw, 3 - (selector >> 5))
    index = selector & 0x0F
    if index < len(CHECKS):
        CHECKS[index](value)
    else:
        MULTI_CHECKS[index % len(MULTI_CHECKS)](value.split("\x00"))


if __name__ == "__main__":
    _harness.main(test_one_input)
