"""Tests for websockets.imports."""

from __future__ import annotations

import json
import os.path
import pathlib
import sys
import types
from typing import Any

import pytest

from websockets import imports
from websockets.imports import import_name, lazy_import


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


def test_relative_alias_without_package() -> None:
    # Like upstream: an ImportError, after the import system's ImportWarning.
    namespace: dict[str, Any] = {"__name__": "fake"}
    lazy_import(namespace, aliases={"Frame": ".frames"})
    with (
        pytest.warns(ImportWarning, match="can't resolve package"),
        pytest.raises(ImportError, match="no known parent package"),
    ):
        namespace["__getattr__"]("Frame")


def test_relative_alias_with_empty_package() -> None:
    namespace: dict[str, Any] = {"__name__": "fake", "__package__": ""}
    lazy_import(namespace, aliases={"Frame": ".frames"})
    with pytest.raises(ImportError, match="no known parent package"):
        namespace["__getattr__"]("Frame")


# import_name


def test_import_name_is_public() -> None:
    assert "import_name" in dir(imports)
    # Like upstream: public, outside __all__.
    assert imports.__all__ == ["lazy_import"]


def test_import_name_object() -> None:
    assert import_name("dumps", "json", {}) is json.dumps


def test_import_name_relative() -> None:
    from websockets.exceptions import ProtocolError

    namespace = {"__name__": "websockets.extensions.fake", "__package__": "websockets.extensions"}
    assert import_name("ProtocolError", "..exceptions", namespace) is ProtocolError


def test_import_name_relative_from_name() -> None:
    from websockets.exceptions import ProtocolError

    # Without __package__, the import system falls back on __name__.
    with pytest.warns(ImportWarning):
        assert import_name("ProtocolError", ".exceptions", {"__name__": "websockets.fake"}) is (
            ProtocolError
        )


def test_import_name_submodule(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert import_name("path", "os", {}) is os.path
    # A submodule that isn't imported yet is imported.
    package = tmp_path / "ws_test_import_name"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "sub.py").write_text("VALUE = 42\n")
    monkeypatch.syspath_prepend(tmp_path)
    for module_name in ["ws_test_import_name", "ws_test_import_name.sub"]:
        monkeypatch.delitem(sys.modules, module_name, raising=False)
    module = import_name("sub", "ws_test_import_name", {})
    assert module.VALUE == 42
    assert module is sys.modules["ws_test_import_name.sub"]


def test_import_name_missing() -> None:
    with pytest.raises(AttributeError, match="module 'json' has no attribute 'nope'"):
        import_name("nope", "json", {})
    with pytest.raises(ModuleNotFoundError, match=r"No module named 'websockets\.nope'"):
        import_name("x", ".nope", {"__name__": "websockets.fake", "__package__": "websockets"})


def test_import_name_from_parent() -> None:
    with pytest.raises(AssertionError, match="importing from parent isn't supported"):
        import_name("frames", ".", {"__package__": "websockets"})
