"""Tests for websockets/__init__.py and the de-facto public API of the core."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import websockets
import websockets.client
import websockets.datastructures
import websockets.exceptions
import websockets.frames
import websockets.headers
import websockets.http11
import websockets.protocol
import websockets.server
import websockets.typing
import websockets.utils
import websockets.version

CORE_MODULES = [
    websockets.client,
    websockets.datastructures,
    websockets.exceptions,
    websockets.frames,
    websockets.http11,
    websockets.protocol,
    websockets.server,
    websockets.typing,
]


@pytest.mark.parametrize("module", CORE_MODULES, ids=lambda m: m.__name__)
def test_convenience_imports(module: object) -> None:
    # Every name a core module exports is also available from websockets,
    # except http11's constants, which upstream doesn't re-export.
    for name in module.__all__:  # type: ignore[attr-defined]
        if name in {"SERVER", "USER_AGENT", "SEND_EOF"}:
            continue
        assert name in websockets.__all__
        assert getattr(websockets, name) is getattr(module, name)


def test_lazy_import_is_cached() -> None:
    frame = websockets.Frame
    assert websockets.__dict__["Frame"] is frame


def test_unknown_attribute() -> None:
    with pytest.raises(AttributeError, match="module 'websockets' has no attribute 'nope'"):
        websockets.nope  # noqa: B018


def test_dir_lists_lazy_names() -> None:
    names = dir(websockets)
    assert "ClientProtocol" in names and "__version__" in names
    assert "WebSocketProtocolError" in names


def test_dir_lists_only_names_that_resolve() -> None:
    # help() and inspect.getmembers() get every name that dir() lists.
    code = (
        "import inspect, warnings, websockets; "
        "warnings.simplefilter('ignore', DeprecationWarning); "
        "inspect.getmembers(websockets)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_version() -> None:
    assert websockets.__version__ == websockets.version.version
    assert websockets.version.tag == websockets.version.version
    assert isinstance(websockets.version.released, bool)
    assert websockets.version.commit


def test_eager_submodules() -> None:
    # As upstream, importing the package makes these attributes of it.
    code = "import websockets; websockets.version.version; websockets.imports.lazy_import"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_deprecated_alias() -> None:
    with pytest.warns(
        DeprecationWarning, match="^websockets.WebSocketProtocolError is deprecated$"
    ):
        alias = websockets.WebSocketProtocolError  # type: ignore[attr-defined]
    assert alias is websockets.exceptions.ProtocolError


def test_import_is_lazy() -> None:
    # Importing the package doesn't import the protocol modules.
    code = (
        "import sys, websockets; "
        "assert 'websockets.protocol' not in sys.modules, sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_defacto_api() -> None:
    # Names that integrators (ASGI servers) and test suites use.
    frames = websockets.frames
    assert [frames.CONT, frames.TEXT, frames.BINARY] == [0, 1, 2]
    assert [frames.CLOSE, frames.PING, frames.PONG] == [8, 9, 10]
    protocol = websockets.protocol
    assert protocol.CLIENT is protocol.Side.CLIENT and protocol.SERVER is protocol.Side.SERVER
    assert [protocol.CONNECTING, protocol.OPEN, protocol.CLOSING, protocol.CLOSED] == [0, 1, 2, 3]
    p = protocol.Protocol(protocol.SERVER)
    for attribute in (
        "parser_exc",
        "close_rcvd",
        "close_sent",
        "close_rcvd_then_sent",
        "handshake_exc",
    ):
        assert getattr(p, attribute) is None
    for function in ("accept_key", "generate_key", "apply_mask"):
        assert callable(getattr(websockets.utils, function))
    assert callable(frames.Frame.parse) and callable(frames.Frame.serialize)
    # Re-exports and former names that upstream keeps.
    assert [protocol.TEXT, protocol.BINARY, protocol.CONT] == [frames.TEXT, frames.BINARY, 0]
    assert [protocol.CLOSE, protocol.PING, protocol.PONG] == [8, 9, 10]
    assert protocol.Origin is websockets.typing.Origin
    assert protocol.Subprotocol is websockets.typing.Subprotocol
    headers = websockets.headers
    assert headers.ConnectionOption is websockets.typing.ConnectionOption
    assert headers.UpgradeProtocol is websockets.typing.UpgradeProtocol
    assert headers.build_extension_list is headers.build_extension
    assert headers.parse_extension_list is headers.parse_extension
    assert headers.build_subprotocol_list is headers.build_subprotocol
    assert headers.parse_subprotocol_list is headers.parse_subprotocol


def test_missing_module_error_is_not_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    # An ImportError for an unrelated module inside a backend propagates.
    def fail(name: str, package: str | None = None) -> object:
        raise ModuleNotFoundError("No module named 'somethingelse'", name="somethingelse")

    monkeypatch.delitem(websockets.__dict__, "serve", raising=False)
    monkeypatch.setattr(importlib, "import_module", fail)
    with pytest.raises(ModuleNotFoundError, match="somethingelse"):
        websockets.serve  # noqa: B018


def test_missing_backend_named(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(name: str, package: str | None = None) -> object:
        raise ModuleNotFoundError("No module named 'websockets.asyncio'", name="websockets.asyncio")

    monkeypatch.delitem(websockets.__dict__, "connect", raising=False)
    monkeypatch.setattr(importlib, "import_module", fail)
    with pytest.raises(ImportError) as raised:
        websockets.connect  # noqa: B018
    message = str(raised.value)
    version = websockets.version.version
    assert message.startswith(
        f"websockets.connect requires the ws-asyncio distribution at version {version}, "
    )
    assert raised.value.name == "websockets.asyncio"
    assert "not from PyPI by name" in message
    # How to install it from this project, which is true, rather than from
    # PyPI, where there's no ws-asyncio (and an unrelated ws-sync).
    assert "pip install ./packages/ws-proto ./packages/ws-asyncio;" in message
    assert f"pip install --no-index --find-links DIR ws-asyncio=={version}," in message
    assert f"or websockets=={version} for every distribution." in message
    assert "pip install ws-asyncio" not in message


def test_missing_router_named(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(name: str, package: str | None = None) -> object:
        raise ModuleNotFoundError("No module named 'websockets.asyncio'", name="websockets.asyncio")

    monkeypatch.delitem(websockets.__dict__, "route", raising=False)
    monkeypatch.setattr(importlib, "import_module", fail)
    with pytest.raises(ImportError) as raised:
        websockets.route  # noqa: B018
    message = str(raised.value)
    version = websockets.version.version
    assert message.startswith(
        "websockets.route requires the ws-asyncio and ws-router distributions "
        f"at version {version}, like ws-proto. They are part of this websockets project "
    )
    assert "pip install ./packages/ws-proto ./packages/ws-asyncio ./packages/ws-router;" in message
    assert f"DIR ws-asyncio=={version} ws-router=={version}," in message


def test_missing_deflate_named(monkeypatch: pytest.MonkeyPatch) -> None:
    # compression="deflate" without ws-deflate says how to install it, too.
    from websockets.compression import client_extensions

    monkeypatch.setitem(sys.modules, "websockets.extensions.permessage_deflate", None)
    with pytest.raises(ImportError) as raised:
        client_extensions("deflate", None)
    message = str(raised.value)
    version = websockets.version.version
    assert message.startswith(
        f"compression='deflate' requires the ws-deflate distribution at version {version}, "
    )
    assert raised.value.name == "websockets.extensions.permessage_deflate"
    assert "pip install ./packages/ws-proto ./packages/ws-deflate;" in message
    assert f"pip install --no-index --find-links DIR ws-deflate=={version}," in message
    assert "pip install ws-deflate" not in message


def test_core_module_errors_propagate(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(name: str, package: str | None = None) -> object:
        raise ModuleNotFoundError("No module named 'websockets.frames'", name="websockets.frames")

    monkeypatch.delitem(websockets.__dict__, "Frame", raising=False)
    monkeypatch.setattr(importlib, "import_module", fail)
    with pytest.raises(ModuleNotFoundError):
        websockets.Frame  # noqa: B018
