"""Check that an install shape contains what it should, and nothing more.

tox sets ``WEBSOCKETS_TEST_SHAPE`` in each environment that installs a shape:

- ``proto``: ws-proto alone;
- ``asyncio``: ws-asyncio and what it pulls in, that is, ws-proto;
- ``sync``: ws-sync and what it pulls in, that is, ws-proto;
- ``deflate``: ws-deflate and what it pulls in, that is, ws-proto;
- ``router``: ws-router with one backend, ws-asyncio, and what they pull in,
  that is, ws-proto and werkzeug;
- ``full``: the websockets metapackage and every distribution it pins.

Without that variable, for example in a development environment with editable
installs, there's no shape to check and these tests are skipped.

"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import re

import pytest

SHAPE = os.environ.get("WEBSOCKETS_TEST_SHAPE")

if SHAPE is None:
    pytest.skip("WEBSOCKETS_TEST_SHAPE isn't set", allow_module_level=True)

import websockets  # noqa: E402

DISTRIBUTIONS = ("ws-proto", "ws-asyncio", "ws-sync", "ws-deflate", "ws-router", "websockets")

# Public names of the websockets package that ws-proto doesn't provide, with
# the distributions they require. Every other name in websockets.__all__
# comes with ws-proto.
BACKEND_NAMES = {
    ("ws-asyncio",): [
        "ClientConnection",
        "connect",
        "unix_connect",
        "Server",
        "ServerConnection",
        "basic_auth",
        "broadcast",
        "serve",
        "unix_serve",
        # As upstream, these resolve without werkzeug; using them needs
        # ws-router (see test_router_names_need_ws_router).
        "Router",
        "route",
        "unix_route",
    ],
}


def installed() -> set[str]:
    """Return which of the project's distributions are installed."""
    found = set()
    for name in DISTRIBUTIONS:
        try:
            importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        found.add(name)
    return found


def pinned_siblings(name: str) -> set[str]:
    """Return which of the project's distributions ``name`` depends on."""
    siblings = set()
    for requirement in importlib.metadata.requires(name) or []:
        match = re.match(r"[A-Za-z0-9._-]+", requirement)
        assert match is not None, f"can't parse requirement {requirement!r} of {name}"
        sibling = re.sub(r"[-_.]+", "-", match[0]).lower()
        if sibling in DISTRIBUTIONS:
            siblings.add(sibling)
    return siblings


def expected() -> set[str]:
    if SHAPE == "proto":
        return {"ws-proto"}
    if SHAPE == "asyncio":
        return {"ws-proto", "ws-asyncio"}
    if SHAPE == "sync":
        return {"ws-proto", "ws-sync"}
    if SHAPE == "deflate":
        return {"ws-proto", "ws-deflate"}
    if SHAPE == "router":
        return {"ws-proto", "ws-asyncio", "ws-router"}
    if SHAPE == "full":
        # The metapackage and what it pins; scripts/check-versions makes sure
        # that it pins every distribution under packages/.
        return {"websockets"} | pinned_siblings("websockets")
    pytest.fail(
        f"unknown WEBSOCKETS_TEST_SHAPE: {SHAPE!r}; expected proto, asyncio, sync, deflate, router or full"
    )


def test_installed_distributions() -> None:
    assert installed() == expected()


def test_versions_agree() -> None:
    from websockets.version import version

    versions = {name: importlib.metadata.version(name) for name in installed()}
    assert versions == dict.fromkeys(versions, version)


def test_core_names_resolve() -> None:
    backend_names = {name for names in BACKEND_NAMES.values() for name in names}
    unresolved = []
    for name in websockets.__all__:
        if name in backend_names:
            continue
        try:
            getattr(websockets, name)
        except Exception as exc:
            unresolved.append(f"websockets.{name}: {exc!r}")
    assert not unresolved, "\n".join(unresolved)


def test_core_modules() -> None:
    from websockets.datastructures import Headers
    from websockets.exceptions import ConnectionClosed
    from websockets.frames import Close, CloseCode, Frame, Opcode

    assert websockets.Frame is Frame
    assert websockets.Opcode is Opcode
    assert websockets.Close is Close
    assert websockets.CloseCode is CloseCode
    assert websockets.Headers is Headers
    assert websockets.ConnectionClosed is ConnectionClosed


@pytest.mark.parametrize(
    ("requires", "names"),
    [
        pytest.param(requires, names, id="+".join(requires))
        for requires, names in BACKEND_NAMES.items()
    ],
)
def test_backend_names(requires: tuple[str, ...], names: list[str]) -> None:
    """Names of a backend resolve when it's installed and name it when it isn't."""
    missing = set(requires) - installed()
    for name in names:
        if missing:
            with pytest.raises(ImportError) as raised:
                getattr(websockets, name)
            for distribution in missing:
                assert distribution in str(raised.value), name
        else:
            getattr(websockets, name)


@pytest.mark.skipif(SHAPE in ("proto", "sync", "deflate"), reason="ws-asyncio isn't installed")
def test_asyncio_convenience_imports() -> None:
    import websockets.asyncio.client
    import websockets.asyncio.server

    assert websockets.serve is websockets.asyncio.server.serve
    assert websockets.connect is websockets.asyncio.client.connect


@pytest.mark.skipif(SHAPE not in ("proto", "sync", "deflate"), reason="ws-asyncio is installed")
def test_proto_alone_names_ws_asyncio() -> None:
    for name in ["serve", "connect"]:
        with pytest.raises(ImportError, match="ws-asyncio"):
            getattr(websockets, name)


def test_sync_only_with_ws_sync() -> None:
    if "ws-sync" in expected():
        import websockets.sync.client
        import websockets.sync.server

        assert websockets.sync.client.connect.__module__ == "websockets.sync.client"
        assert websockets.sync.server.serve.__module__ == "websockets.sync.server"
    else:
        with pytest.raises(ModuleNotFoundError):
            import websockets.sync.client


def test_permessage_deflate_only_with_ws_deflate() -> None:
    if "ws-deflate" in expected():
        import websockets.extensions.permessage_deflate as module

        assert module.PerMessageDeflate.name == "permessage-deflate"
    else:
        with pytest.raises(ModuleNotFoundError):
            import websockets.extensions.permessage_deflate  # noqa: F401


def test_routing_only_with_ws_router() -> None:
    if "ws-router" in expected():
        import websockets.asyncio.router
        import websockets.routing

        assert websockets.route is websockets.asyncio.router.route
        assert websockets.Router is websockets.asyncio.router.Router
    else:
        with pytest.raises(ModuleNotFoundError):
            import websockets.routing


def test_star_import() -> None:
    """``from websockets import *`` works in every shape, with what's installed."""
    namespace: dict[str, object] = {}
    exec("from websockets import *", namespace)
    for requires, names in BACKEND_NAMES.items():
        available = set(requires) <= installed()
        for name in names:
            assert (name in websockets.__all__) == available, name
            assert (name in namespace) == available, name
    core_names = set(websockets.__all__) - {n for ns in BACKEND_NAMES.values() for n in ns}
    assert core_names and core_names <= set(namespace)


@pytest.mark.skipif(SHAPE in ("proto", "sync", "deflate"), reason="ws-asyncio isn't installed")
def test_router_names_need_ws_router() -> None:
    if "ws-router" in installed():
        assert isinstance(websockets.Router(), websockets.Router)
    else:
        with pytest.raises(ImportError, match="ws-router"):
            websockets.Router()
