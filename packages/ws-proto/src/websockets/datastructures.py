"""Data structures for HTTP headers."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import Any, Protocol, Union, cast

from .exceptions import InvalidHeaderFormat, InvalidHeaderValue

__all__ = [
    "Headers",
    "HeadersLike",
    "MultipleValuesError",
]


class MultipleValuesError(LookupError):
    """Raised when reading a header that has several values as a single value.

    The API was misused: call :meth:`Headers.get_all` for headers that may
    repeat.

    """

    def __str__(self) -> str:
        # LookupError shows the repr of a single argument; show the header
        # name like KeyError does.
        if len(self.args) == 1:
            return repr(self.args[0])
        return super().__str__()


# field-name = token (RFC 9110, section 5.1), spelled out in ASCII so that
# non-ASCII letters never match.
_NAME_RE = re.compile(r"[-!#$%&'*+.^_`|~0-9A-Za-z]+")

# Characters of a field-value (RFC 9110, section 5.5): HTAB, SP, VCHAR and
# obs-text, which ISO-8859-1 maps to U+0080-U+00FF. Above all, no CR nor LF,
# which would let a value inject headers or a body in a message.
_VALUE_RE = re.compile(r"[\t\x20-\x7e\x80-\xff]*")


class Headers(MutableMapping[str, str]):
    """Case-insensitive multi-dict of HTTP headers.

    Most HTTP headers appear once; reading them is ``headers["Name"]``.
    Some may appear several times (``Set-Cookie``, ``Sec-WebSocket-Protocol``
    when split over lines...): :meth:`get_all` returns every value.

    Assigning ``headers[name] = value`` **adds** a header; it does not replace
    an existing one. Delete it first to replace it. Deleting removes every
    value of that name.

    Names are compared case-insensitively; the original case is kept for
    serialization by :meth:`raw_items`. Iterating yields each distinct name
    once, in lower case.

    ``Headers`` accepts the same arguments as :class:`dict`: another
    ``Headers``, a mapping, an iterable of ``(name, value)`` pairs, or
    keyword arguments.

    Adding a header checks it, so that a value coming from user input can't
    smuggle another header or a body into a message: the name must be a
    token (:rfc:`9110#section-5.1`) and the value may only contain tabs,
    spaces, visible ASCII characters and U+0080 to U+00FF
    (:rfc:`9110#section-5.5`). In particular, CR and LF are rejected.

    Headers are serialized as ISO-8859-1, which maps each of these characters
    to one byte, and parsed back the same way, so that values round-trip. HTTP
    has no standard way of sending other characters; to send UTF-8, encode
    it yourself: ``value.encode().decode("iso-8859-1")``, and decode received
    values with ``value.encode("iso-8859-1").decode()``.

    Raises:
        InvalidHeaderFormat: If a name isn't a token.
        InvalidHeaderValue: If a value contains a forbidden character.

    """

    # Only the list of pairs is stored: a connection keeps the headers of its
    # opening handshake for its whole life, and an index by lower-case name
    # would take more memory than the headers themselves. Lookups scan the
    # few headers of a handshake instead.
    __slots__ = ["_list"]

    def __init__(self, *args: HeadersLike, **kwargs: str) -> None:
        self._list: list[tuple[str, str]] = []
        self.update(*args, **kwargs)

    def __str__(self) -> str:
        return "".join(f"{key}: {value}\r\n" for key, value in self._list) + "\r\n"

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self._list!r})"

    def copy(self) -> Headers:
        """Return a shallow copy."""
        copy = self.__class__()
        copy._list = list(self._list)
        return copy

    def serialize(self) -> bytes:
        """Serialize headers as in an HTTP message, ending with an empty line.

        Raises:
            UnicodeEncodeError: If a header added with :meth:`set_insecure`
                contains a character above U+00FF.

        """
        # parse_headers() decodes ISO-8859-1: encode the same to round-trip.
        return str(self).encode("iso-8859-1")

    def _values(self, key: str) -> list[str]:
        lower = key.lower()
        if not lower.isascii():
            return [v for k, v in self._list if k.lower() == lower]
        # A name whose lower case is ASCII has as many characters as it: for
        # ASCII keys, comparing lengths first skips most calls to lower().
        size = len(lower)
        return [v for k, v in self._list if len(k) == size and k.lower() == lower]

    def _by_name(self) -> dict[str, list[str]]:
        result: dict[str, list[str]] = {}
        for key, value in self._list:
            result.setdefault(key.lower(), []).append(value)
        return result

    # Collection methods

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and bool(self._values(key))

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(key.lower() for key, _ in self._list))

    def __len__(self) -> int:
        return len({key.lower() for key, _ in self._list})

    # MutableMapping methods

    def __getitem__(self, key: str) -> str:
        values = self._values(key)
        if len(values) == 1:
            return values[0]
        if not values:
            raise KeyError(key)
        raise MultipleValuesError(key)

    def __setitem__(self, key: str, value: str) -> None:
        """Add a header, after checking its name and value.

        Raises:
            InvalidHeaderFormat: If ``key`` isn't a token.
            InvalidHeaderValue: If ``value`` contains a character other than
                tab, space, visible ASCII and U+0080 to U+00FF.

        """
        if not _NAME_RE.fullmatch(key):
            pos = next((i for i, c in enumerate(key) if not _NAME_RE.fullmatch(c)), 0)
            raise InvalidHeaderFormat(key, "expected token", key, pos)
        # Like upstream, check str(value), so that values such as integers
        # keep working, and store the value as given.
        if not _VALUE_RE.fullmatch(str(value)):
            raise InvalidHeaderValue(key, value)
        self._list.append((key, value))

    def __delitem__(self, key: str) -> None:
        lower = key.lower()
        kept = [(k, v) for k, v in self._list if k.lower() != lower]
        if len(kept) == len(self._list):
            raise KeyError(key)
        self._list = kept

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, Headers):
            return NotImplemented
        return self._by_name() == other._by_name()

    def clear(self) -> None:
        """Remove every header."""
        self._list = []

    def update(self, *args: HeadersLike, **kwargs: str) -> None:
        """Add headers from a mapping, an iterable of pairs, or keywords.

        Like :meth:`__setitem__`, this adds values; it doesn't replace them.

        Raises:
            TypeError: If more than one positional argument is given.

        """
        if len(args) > 1:
            raise TypeError(f"update expected at most 1 argument, got {len(args)}")
        if args:
            other = args[0]
            if isinstance(other, Headers):
                pairs: Iterable[tuple[str, str]] = other.raw_items()
            elif isinstance(other, Mapping):
                pairs = other.items()
            elif hasattr(other, "keys"):
                mapping = cast(SupportsKeysAndGetItem, other)
                pairs = ((key, mapping[key]) for key in mapping.keys())  # noqa: SIM118
            else:
                pairs = other
            for key, value in pairs:
                self[key] = value
        for key, value in kwargs.items():
            self[key] = value

    # Methods for handling multiple values

    def get_all(self, key: str) -> list[str]:
        """Return the (possibly empty) list of all values of a header.

        Args:
            key: Header name, in any case.

        """
        return self._values(key)

    def raw_items(self) -> Iterator[tuple[str, str]]:
        """Return an iterator of all ``(name, value)`` pairs, in order,
        with names in their original case."""
        return iter(self._list)

    def set_insecure(self, key: str, value: str) -> None:
        """Add a header without checking its name nor its value.

        Unlike ``headers[key] = value``, this accepts anything, including CR
        and LF: use it only for names and values that were checked already,
        such as headers received and parsed, or that must be sent as they
        are. Never use it for untrusted input. A value with characters above
        U+00FF makes :meth:`serialize` fail.

        Args:
            key: Header name.
            value: Header value.

        """
        self._list.append((key, value))


class SupportsKeysAndGetItem(Protocol):  # pragma: no cover
    """Dict-like types with ``keys() -> str`` and ``__getitem__(key: str) -> str``."""

    def keys(self) -> Iterable[str]: ...

    def __getitem__(self, key: str) -> str: ...


HeadersLike = Union[
    Headers,
    Mapping[str, str],
    Iterable[tuple[str, str]],
    SupportsKeysAndGetItem,
]
"""Types accepted where :class:`Headers` is expected.

In addition to :class:`Headers` itself, this includes dict-like types where
both keys and values are :class:`str`.

"""
