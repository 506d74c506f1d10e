"""Tests for websockets.datastructures."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from websockets.datastructures import Headers, MultipleValuesError
from websockets.exceptions import InvalidHeader, InvalidHeaderFormat, InvalidHeaderValue

__all__: list[str] = []


@pytest.fixture
def headers() -> Headers:
    return Headers([("Connection", "Upgrade"), ("Server", "websockets")])


class TestMultipleValuesError:
    def test_str_one_argument(self) -> None:
        assert str(MultipleValuesError("Set-Cookie")) == "'Set-Cookie'"

    def test_str_several_arguments(self) -> None:
        assert str(MultipleValuesError("Set-Cookie", "extra")) == "('Set-Cookie', 'extra')"

    def test_is_lookup_error(self) -> None:
        assert issubclass(MultipleValuesError, LookupError)


class TestHeaders:
    def test_str(self, headers: Headers) -> None:
        assert str(headers) == "Connection: Upgrade\r\nServer: websockets\r\n\r\n"

    def test_str_empty(self) -> None:
        assert str(Headers()) == "\r\n"

    def test_repr(self, headers: Headers) -> None:
        assert repr(headers) == ("Headers([('Connection', 'Upgrade'), ('Server', 'websockets')])")

    def test_serialize(self, headers: Headers) -> None:
        assert headers.serialize() == b"Connection: Upgrade\r\nServer: websockets\r\n\r\n"

    def test_copy(self, headers: Headers) -> None:
        copy = headers.copy()
        assert copy == headers
        assert copy is not headers
        copy["Server"] = "other"
        assert headers.get_all("Server") == ["websockets"]
        assert list(headers.raw_items()) == [("Connection", "Upgrade"), ("Server", "websockets")]

    def test_contains(self, headers: Headers) -> None:
        assert "Server" in headers
        assert "server" in headers
        assert "SERVER" in headers
        assert "Date" not in headers

    def test_contains_non_str(self, headers: Headers) -> None:
        assert 42 not in headers  # type: ignore[comparison-overlap]

    def test_iter(self, headers: Headers) -> None:
        assert list(headers) == ["connection", "server"]

    def test_iter_distinct_names(self) -> None:
        headers = Headers([("A", "1"), ("a", "2"), ("B", "3")])
        assert list(headers) == ["a", "b"]
        assert len(headers) == 2

    def test_len(self, headers: Headers) -> None:
        assert len(headers) == 2
        assert len(Headers()) == 0

    def test_getitem(self, headers: Headers) -> None:
        assert headers["Server"] == "websockets"
        assert headers["server"] == "websockets"

    def test_getitem_missing(self, headers: Headers) -> None:
        with pytest.raises(KeyError):
            headers["Date"]

    def test_getitem_multiple_values(self) -> None:
        headers = Headers([("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")])
        with pytest.raises(MultipleValuesError) as exc_info:
            headers["Set-Cookie"]
        assert str(exc_info.value) == "'Set-Cookie'"

    def test_get(self, headers: Headers) -> None:
        assert headers.get("Server") == "websockets"
        assert headers.get("Date") is None
        assert headers.get("Date", "default") == "default"

    def test_setitem_adds(self, headers: Headers) -> None:
        headers["Server"] = "other"
        assert headers.get_all("server") == ["websockets", "other"]
        assert list(headers.raw_items())[-1] == ("Server", "other")

    def test_setitem_keeps_case(self) -> None:
        headers = Headers()
        headers["X-CUSTOM"] = "1"
        assert list(headers.raw_items()) == [("X-CUSTOM", "1")]
        assert headers["x-custom"] == "1"

    def test_delitem(self) -> None:
        headers = Headers([("A", "1"), ("B", "2"), ("a", "3")])
        del headers["A"]
        assert "a" not in headers
        assert list(headers.raw_items()) == [("B", "2")]

    def test_delitem_missing(self, headers: Headers) -> None:
        with pytest.raises(KeyError):
            del headers["Date"]

    def test_eq(self, headers: Headers) -> None:
        assert headers == Headers(connection="Upgrade", server="websockets")
        assert headers != Headers(connection="Upgrade")
        assert headers != Headers(connection="Upgrade", server="other")

    def test_eq_case_of_names_doesnt_matter(self) -> None:
        assert Headers(A="1") == Headers(a="1")

    def test_eq_case_of_values_matters(self) -> None:
        assert Headers(A="x") != Headers(A="X")

    def test_eq_other_type(self, headers: Headers) -> None:
        assert headers.__eq__({"connection": "Upgrade"}) is NotImplemented
        assert headers != {"connection": "Upgrade", "server": "websockets"}

    def test_clear(self, headers: Headers) -> None:
        headers.clear()
        assert len(headers) == 0
        assert list(headers.raw_items()) == []
        assert str(headers) == "\r\n"

    def test_get_all(self) -> None:
        headers = Headers([("A", "1"), ("B", "2"), ("a", "3")])
        assert headers.get_all("A") == ["1", "3"]
        assert headers.get_all("b") == ["2"]
        assert headers.get_all("C") == []

    def test_raw_items(self) -> None:
        pairs = [("A", "1"), ("B", "2"), ("a", "3")]
        assert list(Headers(pairs).raw_items()) == pairs

    def test_init_from_headers(self, headers: Headers) -> None:
        other = Headers(headers)
        assert other == headers
        assert list(other.raw_items()) == list(headers.raw_items())

    def test_init_from_dict(self) -> None:
        headers = Headers({"Connection": "Upgrade", "Server": "websockets"})
        assert list(headers.raw_items()) == [("Connection", "Upgrade"), ("Server", "websockets")]

    def test_init_from_keys_and_getitem(self) -> None:
        class KeysAndGetItem:
            def keys(self) -> list[str]:
                return ["Connection", "Server"]

            def __getitem__(self, key: str) -> str:
                return {"Connection": "Upgrade", "Server": "websockets"}[key]

        headers = Headers(KeysAndGetItem())
        assert list(headers.raw_items()) == [("Connection", "Upgrade"), ("Server", "websockets")]

    def test_init_from_pairs(self) -> None:
        headers = Headers(iter([("Connection", "Upgrade"), ("Server", "websockets")]))
        assert list(headers.raw_items()) == [("Connection", "Upgrade"), ("Server", "websockets")]

    def test_init_from_kwargs(self) -> None:
        headers = Headers(Connection="Upgrade", Server="websockets")
        assert list(headers.raw_items()) == [("Connection", "Upgrade"), ("Server", "websockets")]

    def test_init_from_pairs_and_kwargs(self) -> None:
        headers = Headers([("A", "1")], B="2")
        assert list(headers.raw_items()) == [("A", "1"), ("B", "2")]

    def test_update_adds(self, headers: Headers) -> None:
        headers.update({"Server": "other"}, Date="today")
        assert headers.get_all("Server") == ["websockets", "other"]
        assert headers["Date"] == "today"

    def test_update_too_many_arguments(self, headers: Headers) -> None:
        with pytest.raises(TypeError, match="update expected at most 1 argument, got 2"):
            headers.update({"A": "1"}, {"B": "2"})
        assert list(headers.raw_items()) == [("Connection", "Upgrade"), ("Server", "websockets")]

    def test_init_too_many_arguments(self) -> None:
        with pytest.raises(TypeError, match="update expected at most 1 argument, got 2"):
            Headers({"A": "1"}, {"B": "2"})


# Values that would inject a header or a body, or that ISO-8859-1 can't encode.
BAD_VALUES = [
    "a\r\nX-Injected: 1",
    "a\rb",
    "a\nb",
    "\r\n\r\nbody",
    "a\x00b",
    "a\x7fb",
    "\x1b",
    "\u2192",
]
# Names that aren't tokens: separators, whitespace, CR/LF, non-ASCII, empty.
BAD_NAMES = ["X\r\nX-Injected", "X Y", "X:", "", "(X)", "X\t", "\xe9", "\u212a"]


class TestValidation:
    """Adding a header checks it: user input can't inject headers."""

    @pytest.mark.parametrize("value", BAD_VALUES)
    def test_setitem_rejects_value(self, value: str) -> None:
        headers = Headers()
        with pytest.raises(InvalidHeaderValue) as exc_info:
            headers["X-Custom"] = value
        assert exc_info.value.args == ("X-Custom", value)
        assert (exc_info.value.name, exc_info.value.value) == ("X-Custom", value)
        assert str(exc_info.value) == f"invalid X-Custom header: {value}"
        assert headers == Headers()

    @pytest.mark.parametrize("name", BAD_NAMES)
    def test_setitem_rejects_name(self, name: str) -> None:
        headers = Headers()
        with pytest.raises(InvalidHeaderFormat) as exc_info:
            headers[name] = "value"
        assert isinstance(exc_info.value, InvalidHeader)
        assert exc_info.value.name == name
        assert headers == Headers()

    def test_name_error_gives_position(self) -> None:
        with pytest.raises(InvalidHeaderFormat) as exc_info:
            Headers()["X-Bad Name"] = "value"
        assert str(exc_info.value) == (
            "invalid X-Bad Name header: expected token at 5 in X-Bad Name"
        )

    @pytest.mark.parametrize(
        "args",
        [
            ([("X", "a\r\nb")],),
            ({"X": "a\r\nb"},),
            (Headers([("A", "1")]),),
        ],
    )
    def test_constructor(self, args: tuple[object, ...]) -> None:
        if isinstance(args[0], Headers):
            args[0].set_insecure("X", "a\r\nb")
        with pytest.raises(InvalidHeaderValue, match="invalid X header"):
            Headers(*args)  # type: ignore[arg-type]

    def test_constructor_keywords(self) -> None:
        with pytest.raises(InvalidHeaderValue):
            Headers(X="a\r\nb")

    def test_update_keeps_pairs_before_the_bad_one(self) -> None:
        headers = Headers()
        with pytest.raises(InvalidHeaderValue):
            headers.update([("A", "1"), ("B", "\n"), ("C", "3")])
        assert list(headers.raw_items()) == [("A", "1")]

    def test_setdefault(self) -> None:
        with pytest.raises(InvalidHeaderValue):
            Headers().setdefault("X", "a\r\nb")

    @pytest.mark.parametrize(
        "value", ["", "a b", "a\tb", " padded\t", "caf\xe9", "\x80\xff", '!~"(),/:;<=>?@[]{}']
    )
    def test_accepts_field_values(self, value: str) -> None:
        headers = Headers([("X", value)])
        assert headers["X"] == value

    def test_accepts_token_names(self) -> None:
        name = "!#$%&'*+-.^_`|~09azAZ"
        assert Headers([(name, "x")])[name] == "x"

    def test_value_checked_as_str(self) -> None:
        # Like upstream: str(value) is checked and the value is kept as is.
        headers = Headers()
        headers["Content-Length"] = 3  # type: ignore[assignment]
        value: object = headers["Content-Length"]
        assert value == 3
        assert headers.serialize() == b"Content-Length: 3\r\n\r\n"

    def test_set_insecure_skips_checks(self) -> None:
        headers = Headers()
        headers.set_insecure("X", "a\r\nb")
        assert headers["x"] == "a\r\nb"
        assert list(headers) == ["x"]
        assert headers.serialize() == b"X: a\r\nb\r\n\r\n"

    def test_set_insecure_above_latin_1_fails_to_serialize(self) -> None:
        headers = Headers()
        headers.set_insecure("X", "\u2192")
        with pytest.raises(UnicodeEncodeError):
            headers.serialize()

    def test_serialize_latin_1(self) -> None:
        assert Headers([("X", "caf\xe9")]).serialize() == b"X: caf\xe9\r\n\r\n"


# Printable ASCII names and values: the shapes that go on the wire.
names = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-", min_size=1)
values = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E))
pairs = st.lists(st.tuples(names, values))


@given(pairs)
def test_raw_items_round_trip(items: list[tuple[str, str]]) -> None:
    headers = Headers(items)
    assert list(headers.raw_items()) == items
    assert Headers(headers.raw_items()) == headers
    assert headers.copy() == headers


@given(pairs)
def test_get_all_is_case_insensitive(items: list[tuple[str, str]]) -> None:
    headers = Headers(items)
    for name, _ in items:
        expected = [v for n, v in items if n.lower() == name.lower()]
        assert headers.get_all(name) == expected
        assert headers.get_all(name.upper()) == expected
        assert headers.get_all(name.lower()) == expected
    assert len(headers) == len({n.lower() for n, _ in items})


@given(pairs)
def test_serialize_lists_every_pair(items: list[tuple[str, str]]) -> None:
    expected = "".join(f"{n}: {v}\r\n" for n, v in items) + "\r\n"
    assert Headers(items).serialize() == expected.encode()


def test_non_ascii_names_compare_case_insensitively() -> None:
    # "İ" lower-cases to two characters; the Kelvin sign to ASCII "k". Only
    # set_insecure() adds such names, which aren't tokens.
    headers = Headers()
    headers.set_insecure("İ", "dotted")
    headers.set_insecure("\u212a", "kelvin")
    assert headers["i̇"] == "dotted"
    assert headers["K"] == "kelvin"
    assert headers.get_all("k") == ["kelvin"]
    assert "İ" in headers


def test_equality_ignores_case_and_order_of_names() -> None:
    assert Headers([("A", "1"), ("b", "2")]) == Headers([("B", "2"), ("a", "1")])
    assert Headers([("A", "1"), ("a", "2")]) != Headers([("a", "2"), ("A", "1")])
