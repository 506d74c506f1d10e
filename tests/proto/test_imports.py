"""Tests for websockets.imports."""

from __future__ import annotations

import json
import types
from typing import Any

import pytest

from websockets.imports import lazy_import


def make_module(**kwargs: Any) -> types.ModuleType:
    module = types.ModuleType("fake")
    module.existing = 1  # type: ignore[attr-defined]
    lazy_import(vars(module), **kwargs)
    return module


def test_alias() -> None:
    module = make_module(aliases={"dumps": "json"})
    assert module.dumps is json.dumps
    # Not cached: every access imports again.
    assert "dumps" not in vars(module)


def test_relative_alias() -> None:
    namespace: dict[str, Any] = {"__name__": "websockets.fake", "__package__": "websockets"}
    lazy_import(namespace, aliases={"Frame": ".frames"})
    from websockets.frames import Frame

    assert namespace["__getattr__"]("Frame") is Frame


def test_deprecated_alias() -> None:
    module = make_module(deprecated_aliases={"loads": "json"})
    with pytest.warns(DeprecationWarning) as record:
        assert module.loads is json.loads
    assert [str(w.message) for w in record] == ["fake.loads is deprecated"]
    # The warning points at the code that accessed the name.
    assert record[0].filename == __file__


def test_missing() -> None:
    module = make_module(aliases={"dumps": "json"})
    with pytest.raises(AttributeError, match="module 'fake' has no attribute 'nope'"):
        module.nope  # noqa: B018


def test_dir() -> None:
    module = make_module(aliases={"dumps": "json"}, deprecated_aliases={"loads": "json"})
    assert {"existing", "dumps", "loads"} <= set(dir(module))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"aliases": {"existing": "json"}},
        {"deprecated_aliases": {"existing": "json"}},
        {"aliases": {"dumps": "json"}, "deprecated_aliases": {"dumps": "json"}},
    ],
)
def test_conflict(kwargs: dict[str, dict[str, str]]) -> None:
    with pytest.raises(AssertionError, match="namespace conflict"):
        make_module(**kwargs)
