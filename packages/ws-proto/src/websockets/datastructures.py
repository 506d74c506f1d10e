"""Data structures for HTTP headers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import Any, Protocol, Union, cast

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
        """Serialize headers as in an HTTP message, ending with an empty line."""
        return str(self).encode()

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
