"""Tests for websockets.headers."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from websockets.datastructures import Headers
from websockets.exceptions import InvalidHeaderFormat, InvalidHeaderValue, InvalidUpgrade
from websockets.headers import (
    build_authorization_basic,
    build_extension,
    build_host,
    build_quoted_string,
    build_subprotocol,
    build_www_authenticate_basic,
    parse_authorization_basic,
    parse_connection,
    parse_extension,
    parse_OWS,
    parse_quoted_string,
    parse_subprotocol,
    parse_token,
    parse_upgrade,
    peek_ahead,
    validate_subprotocols,
    validate_upgrade,
)
from websockets.typing import ExtensionName, ExtensionParameter, Subprotocol

__all__: list[str] = []


def check_format_error(
    parse: Callable[[str], Any], header: str, name: str, error: str, pos: int
) -> None:
    """Check that ``parse(header)`` raises InvalidHeaderFormat at ``pos``."""
    with pytest.raises(InvalidHeaderFormat) as exc_info:
        parse(header)
    assert exc_info.value.name == name
    assert str(exc_info.value) == f"invalid {name} header: {error} at {pos} in {header}"


class TestLowLevel:
    def test_peek_ahead(self) -> None:
        assert peek_ahead("ab", 0) == "a"
        assert peek_ahead("ab", 1) == "b"
        assert peek_ahead("ab", 2) is None

    def test_parse_ows(self) -> None:
        assert parse_OWS("a \t b", 1) == 4
        assert parse_OWS("ab", 1) == 1
        assert parse_OWS("a", 1) == 1

    def test_parse_token(self) -> None:
        assert parse_token("a foo,", 2, "X") == ("foo", 5)

    def test_parse_token_missing(self) -> None:
        with pytest.raises(InvalidHeaderFormat, match="expected token at 2 in a ,"):
            parse_token("a ,", 2, "X")

    @pytest.mark.parametrize(
        ("header", "value", "end"),
        [
            ('""', "", 2),
            ('"foo" bar', "foo", 5),
            ('"a b\tc"', "a b\tc", 7),
            ('"a\\"b"', 'a"b', 6),
            ('"a\\\\b"', "a\\b", 6),
            ('"\\a\\b"', "ab", 6),
            ('"caf\xe9"', "caf\xe9", 6),
        ],
    )
    def test_parse_quoted_string(self, header: str, value: str, end: int) -> None:
        assert parse_quoted_string(header, 0, "X") == (value, end)

    @pytest.mark.parametrize("header", ['"', '"foo', "foo", '"a\x00b"', '"a\\', '"\\\x7f"'])
    def test_parse_quoted_string_invalid(self, header: str) -> None:
        with pytest.raises(InvalidHeaderFormat, match="expected quoted string at 0"):
            parse_quoted_string(header, 0, "X")

    @pytest.mark.parametrize(
        ("value", "quoted"),
        [
            ("", '""'),
            ("foo", '"foo"'),
            ('a"b', '"a\\"b"'),
            ("a\\b", '"a\\\\b"'),
            ("a\tb", '"a\tb"'),
        ],
    )
    def test_build_quoted_string(self, value: str, quoted: str) -> None:
        assert build_quoted_string(value) == quoted

    @pytest.mark.parametrize("value", ["a\r\nb", "a\x00", "\x7f", "\x1b"])
    def test_build_quoted_string_invalid(self, value: str) -> None:
        with pytest.raises(ValueError, match="invalid character"):
            build_quoted_string(value)


class TestConnection:
    @pytest.mark.parametrize(
        ("header", "options"),
        [
            ("Upgrade", ["Upgrade"]),
            ("upgrade", ["upgrade"]),
            ("keep-alive, Upgrade", ["keep-alive", "Upgrade"]),
            ("keep-alive,Upgrade", ["keep-alive", "Upgrade"]),
            (" keep-alive \t,\t Upgrade ", ["keep-alive", "Upgrade"]),
            (",Upgrade", ["Upgrade"]),
            (", ,Upgrade,, ,", ["Upgrade"]),
            ("a,,b", ["a", "b"]),
        ],
    )
    def test_parse(self, header: str, options: list[str]) -> None:
        assert parse_connection(header) == options

    @pytest.mark.parametrize(
        ("header", "error", "pos"),
        [
            ("", "expected token", 0),
            (" ", "expected token", 1),
            (",", "expected token", 1),
            (", ,", "expected token", 3),
            ("Upgrade;", "expected comma", 7),
            ("keep alive", "expected comma", 5),
            ("Upgrade, @", "expected token", 9),
        ],
    )
    def test_parse_invalid(self, header: str, error: str, pos: int) -> None:
        check_format_error(parse_connection, header, "Connection", error, pos)


class TestUpgrade:
    @pytest.mark.parametrize(
        ("header", "protocols"),
        [
            ("websocket", ["websocket"]),
            ("WebSocket", ["WebSocket"]),
            (
                "HTTP/2.0, SHTTP/1.3, IRC/6.9, RTA/x11",
                ["HTTP/2.0", "SHTTP/1.3", "IRC/6.9", "RTA/x11"],
            ),
            (", websocket ,", ["websocket"]),
        ],
    )
    def test_parse(self, header: str, protocols: list[str]) -> None:
        assert parse_upgrade(header) == protocols

    @pytest.mark.parametrize(
        ("header", "error", "pos"),
        [
            ("", "expected protocol", 0),
            ("/1", "expected protocol", 0),
            ("websocket/", "expected comma", 9),
            ("websocket/1/2", "expected comma", 11),
            ("web socket", "expected comma", 4),
            ("websocket, =", "expected protocol", 11),
        ],
    )
    def test_parse_invalid(self, header: str, error: str, pos: int) -> None:
        check_format_error(parse_upgrade, header, "Upgrade", error, pos)


class TestExtension:
    @pytest.mark.parametrize(
        ("header", "extensions"),
        [
            ("foo", [("foo", [])]),
            ("foo, bar", [("foo", []), ("bar", [])]),
            (
                "permessage-deflate; client_max_window_bits",
                [("permessage-deflate", [("client_max_window_bits", None)])],
            ),
            (
                "permessage-deflate; server_max_window_bits=10; client_no_context_takeover, "
                "x-webkit-deflate-frame",
                [
                    (
                        "permessage-deflate",
                        [("server_max_window_bits", "10"), ("client_no_context_takeover", None)],
                    ),
                    ("x-webkit-deflate-frame", []),
                ],
            ),
            ("foo;bar=baz", [("foo", [("bar", "baz")])]),
            (
                "foo ; bar = baz ; qux , quux",
                [("foo", [("bar", "baz"), ("qux", None)]), ("quux", [])],
            ),
            ('foo; bar="baz"', [("foo", [("bar", "baz")])]),
            ('foo; bar="b\\az"', [("foo", [("bar", "baz")])]),
            ('foo; bar="1"; bar=1', [("foo", [("bar", "1"), ("bar", "1")])]),
            (",foo,,bar,", [("foo", []), ("bar", [])]),
        ],
    )
    def test_parse(
        self, header: str, extensions: list[tuple[str, list[ExtensionParameter]]]
    ) -> None:
        assert parse_extension(header) == extensions

    @pytest.mark.parametrize(
        ("header", "error", "pos"),
        [
            ("", "expected token", 0),
            (";", "expected token", 0),
            ("foo;", "expected token", 4),
            ("foo; ", "expected token", 5),
            ("foo; =1", "expected token", 5),
            ("foo; bar=", "expected token", 9),
            ("foo; bar=@", "expected token", 9),
            ('foo; bar="baz', "expected quoted string", 9),
            ('foo; bar="b az"', "invalid quoted header content", 9),
            ('foo; bar=""', "invalid quoted header content", 9),
            ('foo; bar= "a,b"', "invalid quoted header content", 10),
            ("foo bar", "expected comma", 4),
            ("foo; bar baz", "expected comma", 9),
            ("foo; bar=1 2", "expected comma", 11),
        ],
    )
    def test_parse_invalid(self, header: str, error: str, pos: int) -> None:
        check_format_error(parse_extension, header, "Sec-WebSocket-Extensions", error, pos)

    def test_build(self) -> None:
        header = build_extension(
            [
                (
                    ExtensionName("permessage-deflate"),
                    [("server_max_window_bits", "10"), ("client_no_context_takeover", None)],
                ),
                (ExtensionName("x-webkit-deflate-frame"), []),
            ]
        )
        assert header == (
            "permessage-deflate; server_max_window_bits=10; client_no_context_takeover, "
            "x-webkit-deflate-frame"
        )

    def test_build_empty(self) -> None:
        assert build_extension([]) == ""

    @pytest.mark.parametrize(
        ("extensions", "message"),
        [
            ([(ExtensionName("a b"), [])], "invalid extension name: 'a b'"),
            ([(ExtensionName(""), [])], "invalid extension name: ''"),
            ([(ExtensionName("a"), [("b c", None)])], "invalid extension parameter name: 'b c'"),
            ([(ExtensionName("a"), [("b", "1\r\nX: y")])], "invalid extension parameter value"),
            ([(ExtensionName("a"), [("b", "")])], "invalid extension parameter value: ''"),
        ],
    )
    def test_build_invalid(
        self, extensions: list[tuple[ExtensionName, list[ExtensionParameter]]], message: str
    ) -> None:
        with pytest.raises(ValueError, match=message.replace("(", r"\(")):
            build_extension(extensions)


class TestSubprotocol:
    @pytest.mark.parametrize(
        ("header", "subprotocols"),
        [
            ("chat", ["chat"]),
            ("chat, superchat", ["chat", "superchat"]),
            ("chat,superchat", ["chat", "superchat"]),
            (" ,chat ,, superchat, ", ["chat", "superchat"]),
            ("v1.chat.example.com", ["v1.chat.example.com"]),
        ],
    )
    def test_parse(self, header: str, subprotocols: list[str]) -> None:
        assert parse_subprotocol(header) == subprotocols

    @pytest.mark.parametrize(
        ("header", "error", "pos"),
        [
            ("", "expected token", 0),
            ("chat superchat", "expected comma", 5),
            ("chat; v=1", "expected comma", 4),
            ("chat, @", "expected token", 6),
            ('"chat"', "expected token", 0),
        ],
    )
    def test_parse_invalid(self, header: str, error: str, pos: int) -> None:
        check_format_error(parse_subprotocol, header, "Sec-WebSocket-Protocol", error, pos)

    def test_build(self) -> None:
        assert build_subprotocol([Subprotocol("chat"), Subprotocol("superchat")]) == (
            "chat, superchat"
        )

    def test_build_invalid(self) -> None:
        with pytest.raises(ValueError, match=r"^invalid subprotocol: super chat$"):
            build_subprotocol([Subprotocol("chat"), Subprotocol("super chat")])

    @pytest.mark.parametrize(
        "subprotocols", [[], ["chat"], ("chat", "superchat"), ["!#$%&'*+-.^_`|~09azAZ"]]
    )
    def test_validate(self, subprotocols: list[Subprotocol]) -> None:
        validate_subprotocols(subprotocols)  # doesn't raise
        assert build_subprotocol(subprotocols) == ", ".join(subprotocols)

    def test_validate_str(self) -> None:
        with pytest.raises(TypeError, match=r"^subprotocols must be a list, not a str$"):
            validate_subprotocols("chat")  # type: ignore[arg-type]

    def test_validate_not_a_sequence(self) -> None:
        with pytest.raises(TypeError, match=r"^subprotocols must be a list$"):
            validate_subprotocols({"chat"})  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("subprotocols", "message"),
        [
            (["chat", ""], "invalid subprotocol: "),
            (["super chat"], "invalid subprotocol: super chat"),
            (["chat,superchat"], "invalid subprotocol: chat,superchat"),
            (["caf\xe9"], "invalid subprotocol: caf\xe9"),
        ],
    )
    def test_validate_invalid(self, subprotocols: list[Subprotocol], message: str) -> None:
        # The messages are upstream's.
        with pytest.raises(ValueError) as exc_info:
            validate_subprotocols(subprotocols)
        assert str(exc_info.value) == message

    @pytest.mark.parametrize("subprotocols", [[42], ["chat", b"chat"]])
    def test_validate_not_str(self, subprotocols: list[Subprotocol]) -> None:
        with pytest.raises(TypeError, match=r"^expected str, got (int|bytes)$"):
            validate_subprotocols(subprotocols)


class TestBasicAuth:
    def test_build_www_authenticate_basic(self) -> None:
        assert build_www_authenticate_basic("Protected") == (
            'Basic realm="Protected", charset="UTF-8"'
        )

    def test_build_www_authenticate_basic_escapes(self) -> None:
        assert build_www_authenticate_basic('my "realm" \\o/') == (
            'Basic realm="my \\"realm\\" \\\\o/", charset="UTF-8"'
        )

    def test_build_www_authenticate_basic_invalid(self) -> None:
        with pytest.raises(ValueError, match="invalid character"):
            build_www_authenticate_basic("realm\r\nSet-Cookie: x=1")

    @pytest.mark.parametrize(
        ("header", "credentials"),
        [
            ("Basic dXNlcjpwYXNz", ("user", "pass")),
            ("basic dXNlcjpwYXNz", ("user", "pass")),
            ("BASIC  dXNlcjpwYXNz ", ("user", "pass")),
            ("Basic OnBhc3M=", ("", "pass")),
            ("Basic dXNlcjo=", ("user", "")),
            ("Basic dXNlcjpwOmE6c3M=", ("user", "p:a:ss")),
            (
                "Basic " + base64.b64encode("jos\xe9:p\xe4ss".encode()).decode(),
                ("jos\xe9", "p\xe4ss"),
            ),
        ],
    )
    def test_parse_authorization_basic(self, header: str, credentials: tuple[str, str]) -> None:
        assert parse_authorization_basic(header) == credentials

    @pytest.mark.parametrize(
        ("header", "error", "pos"),
        [
            ("", "expected token", 0),
            (" Basic dXNlcjpwYXNz", "expected token", 0),
            ("Basic", "expected space after scheme", 5),
            ("Basic\tdXNlcjpwYXNz", "expected space after scheme", 5),
            ("Basic ", "expected token68", 6),
            ("Basic !!!!", "expected token68", 6),
            ("Basic dXNlcjpwYXNz extra", "expected end of header", 19),
            ("Basic dXNlcjpwYXNz=a", "expected end of header", 19),
            ('Basic realm="x"', "expected end of header", 12),
        ],
    )
    def test_parse_authorization_basic_invalid_format(
        self, header: str, error: str, pos: int
    ) -> None:
        check_format_error(parse_authorization_basic, header, "Authorization", error, pos)

    @pytest.mark.parametrize(
        ("header", "message"),
        [
            ("Bearer abc", "unsupported scheme: Bearer"),
            ("Digest username=x", "unsupported scheme: Digest"),
            ("Basic dXNlcjpwYXN", "expected base64-encoded credentials"),
            ("Basic ~~~~", "expected base64-encoded credentials"),
            ("Basic dXNl.jpw", "expected base64-encoded credentials"),
            ("Basic /w==", "expected base64-encoded credentials"),
            ("Basic dXNlcg==", "expected username:password credentials"),
        ],
    )
    def test_parse_authorization_basic_invalid_value(self, header: str, message: str) -> None:
        with pytest.raises(InvalidHeaderValue) as exc_info:
            parse_authorization_basic(header)
        assert exc_info.value.name == "Authorization"
        assert str(exc_info.value) == f"invalid Authorization header: {message}"

    def test_build_authorization_basic(self) -> None:
        assert build_authorization_basic("user", "pass") == "Basic dXNlcjpwYXNz"

    def test_build_authorization_basic_utf8(self) -> None:
        header = build_authorization_basic("jos\xe9", "p\xe4ss")
        assert header == "Basic " + base64.b64encode(b"jos\xc3\xa9:p\xc3\xa4ss").decode()

    def test_build_authorization_basic_colon_in_password(self) -> None:
        assert parse_authorization_basic(build_authorization_basic("u", "a:b")) == ("u", "a:b")

    def test_build_authorization_basic_colon_in_username(self) -> None:
        with pytest.raises(ValueError, match="username must not contain a colon: 'us:er'"):
            build_authorization_basic("us:er", "pass")


class TestHost:
    @pytest.mark.parametrize(
        ("host", "port", "secure", "expected"),
        [
            ("example.com", 80, False, "example.com"),
            ("example.com", 443, True, "example.com"),
            ("example.com", 8080, False, "example.com:8080"),
            ("example.com", 8443, True, "example.com:8443"),
            ("example.com", 443, False, "example.com:443"),
            ("example.com", 80, True, "example.com:80"),
            ("127.0.0.1", 80, False, "127.0.0.1"),
            ("127.0.0.1", 8000, False, "127.0.0.1:8000"),
            ("::1", 80, False, "[::1]"),
            ("::1", 8000, True, "[::1]:8000"),
            ("2001:db8::ff00:42:8329", 443, True, "[2001:db8::ff00:42:8329]"),
            ("fe80::1%eth0", 80, False, "[fe80::1]"),  # RFC 6874, section 4
            ("[::1]", 8000, False, "[::1]:8000"),
        ],
    )
    def test_build_host(self, host: str, port: int, secure: bool, expected: str) -> None:
        assert build_host(host, port, secure) == expected

    @pytest.mark.parametrize(
        ("host", "port", "secure", "expected"),
        [
            ("example.com", 80, False, "example.com:80"),
            ("example.com", 443, True, "example.com:443"),
            ("::1", 443, True, "[::1]:443"),
        ],
    )
    def test_build_host_always_include_port(
        self, host: str, port: int, secure: bool, expected: str
    ) -> None:
        assert build_host(host, port, secure, always_include_port=True) == expected


# Property-based tests.

TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
tokens = st.text(alphabet=TCHARS, min_size=1, max_size=20)
ows = st.text(alphabet=" \t", max_size=3)
extension_params = st.lists(st.tuples(tokens, st.none() | tokens), max_size=5)
extension_lists = st.lists(st.tuples(tokens.map(ExtensionName), extension_params), min_size=1)


@given(extension_lists)
def test_extension_round_trip(
    extensions: list[tuple[ExtensionName, list[ExtensionParameter]]],
) -> None:
    assert parse_extension(build_extension(extensions)) == extensions


@given(st.lists(tokens.map(Subprotocol), min_size=1))
def test_subprotocol_round_trip(subprotocols: list[Subprotocol]) -> None:
    assert parse_subprotocol(build_subprotocol(subprotocols)) == subprotocols


@given(st.lists(tokens, min_size=1), st.data())
def test_lists_tolerate_ows_and_empty_elements(items: list[str], data: st.DataObject) -> None:
    # #rule with OWS and empty elements (RFC 7230, section 7).
    # At least one comma, with optional whitespace around each.
    separator = st.lists(ows, min_size=2, max_size=4).map(",".join)
    parts = [data.draw(ows) + data.draw(st.sampled_from(["", ",", ", ,"])) + data.draw(ows)]
    for index, item in enumerate(items):
        if index:
            parts.append(data.draw(separator))
        parts.append(item)
    parts.append(data.draw(ows) + data.draw(st.sampled_from(["", ",", " ,, "])) + data.draw(ows))
    header = "".join(parts)
    assert parse_connection(header) == items
    assert parse_subprotocol(header) == items
    assert parse_upgrade(header) == items
    assert parse_extension(header) == [(item, []) for item in items]


@given(st.lists(st.tuples(tokens, tokens, st.booleans()), max_size=5), tokens)
def test_extension_quoted_values(params: list[tuple[str, str, bool]], name: str) -> None:
    header = name + "".join(
        f"; {key}={build_quoted_string(value) if quoted else value}"
        for key, value, quoted in params
    )
    assert parse_extension(header) == [(name, [(key, value) for key, value, _ in params])]


@given(
    st.text(
        alphabet=st.characters(codec="latin-1", exclude_categories=["Cc"]) | st.just("\t"),
    )
)
def test_quoted_string_round_trip(value: str) -> None:
    quoted = build_quoted_string(value)
    assert parse_quoted_string(quoted, 0, "X") == (value, len(quoted))


@given(st.text().filter(lambda username: ":" not in username), st.text())
def test_authorization_basic_round_trip(username: str, password: str) -> None:
    header = build_authorization_basic(username, password)
    assert parse_authorization_basic(header) == (username, password)


class TestValidateUpgrade:
    def test_valid(self) -> None:
        validate_upgrade(Headers(Connection="keep-alive, Upgrade", Upgrade="WebSocket"))

    @pytest.mark.parametrize(
        ("headers", "message"),
        [
            ({"Upgrade": "websocket"}, "missing Connection header"),
            ({"Connection": "close", "Upgrade": "websocket"}, "invalid Connection header: close"),
            ({"Connection": "Upgrade"}, "missing Upgrade header"),
            ({"Connection": "Upgrade", "Upgrade": "h2c"}, "invalid Upgrade header: h2c"),
            (
                {"Connection": "Upgrade", "Upgrade": "websocket, h2c"},
                "invalid Upgrade header: websocket, h2c",
            ),
        ],
    )
    def test_invalid(self, headers: dict[str, str], message: str) -> None:
        with pytest.raises(InvalidUpgrade) as raised:
            validate_upgrade(Headers(headers))
        assert str(raised.value) == message

    def test_unparsable(self) -> None:
        with pytest.raises(InvalidHeaderFormat):
            validate_upgrade(Headers(Connection="Upgrade", Upgrade="web socket"))
