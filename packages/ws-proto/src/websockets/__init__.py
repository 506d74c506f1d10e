"""websockets: WebSocket servers and clients (RFC 6455, RFC 7692).

Public names are importable from this package for convenience, for example
``websockets.serve`` or ``websockets.ConnectionClosed``. They're imported
lazily, on first access, so that ``import websockets`` stays cheap and works
when only the ``ws-proto`` distribution is installed. Accessing a name whose
distribution isn't installed raises an :exc:`ImportError` naming the
distribution to install.

"""

from __future__ import annotations

# Other distributions (ws-asyncio, ws-sync, ws-router, the metapackage) add
# subpackages and modules to this package: extend __path__ so that they're
# found in editable installs too, where each distribution's sources live in a
# folder of their own.
from pkgutil import extend_path

__path__ = extend_path(__path__, __name__)

import importlib
import importlib.util
import typing
import warnings
from typing import Any

# Submodules that upstream makes attributes of the package on import.
from . import imports as imports
from . import version as version

__all__ = [
    # .asyncio.client
    "ClientConnection",
    "connect",
    "unix_connect",
    # .asyncio.router
    "Router",
    "route",
    "unix_route",
    # .asyncio.server
    "Server",
    "ServerConnection",
    "basic_auth",
    "broadcast",
    "serve",
    "unix_serve",
    # .client
    "ClientProtocol",
    # .datastructures
    "Headers",
    "HeadersLike",
    "MultipleValuesError",
    # .exceptions
    "ConcurrencyError",
    "ConnectionClosed",
    "ConnectionClosedError",
    "ConnectionClosedOK",
    "DuplicateParameter",
    "HeaderLineTooLong",
    "InvalidHandshake",
    "InvalidHeader",
    "InvalidHeaderFormat",
    "InvalidHeaderValue",
    "InvalidMessage",
    "InvalidMethod",
    "InvalidOrigin",
    "InvalidParameterName",
    "InvalidParameterValue",
    "InvalidProtocol",
    "InvalidProxy",
    "InvalidProxyMessage",
    "InvalidProxyStatus",
    "InvalidState",
    "InvalidStatus",
    "InvalidURI",
    "InvalidUpgrade",
    "NegotiationError",
    "PayloadTooBig",
    "ProtocolError",
    "ProxyError",
    "RequestLineTooLong",
    "SecurityError",
    "StatusLineTooLong",
    "TooManyFragments",
    "TooManyHeaders",
    "WebSocketException",
    # .frames
    "Close",
    "CloseCode",
    "Frame",
    "Opcode",
    # .http11
    "Request",
    "Response",
    # .protocol
    "Protocol",
    "Side",
    "State",
    # .server
    "ServerProtocol",
    # .typing
    "Data",
    "ExtensionName",
    "ExtensionParameter",
    "LoggerLike",
    "Origin",
    "StatusLike",
    "Subprotocol",
]

_EXCEPTIONS = (
    "ConcurrencyError",
    "ConnectionClosed",
    "ConnectionClosedError",
    "ConnectionClosedOK",
    "DuplicateParameter",
    "HeaderLineTooLong",
    "InvalidHandshake",
    "InvalidHeader",
    "InvalidHeaderFormat",
    "InvalidHeaderValue",
    "InvalidMessage",
    "InvalidMethod",
    "InvalidOrigin",
    "InvalidParameterName",
    "InvalidParameterValue",
    "InvalidProtocol",
    "InvalidProxy",
    "InvalidProxyMessage",
    "InvalidProxyStatus",
    "InvalidState",
    "InvalidStatus",
    "InvalidURI",
    "InvalidUpgrade",
    "NegotiationError",
    "PayloadTooBig",
    "ProtocolError",
    "ProxyError",
    "RequestLineTooLong",
    "SecurityError",
    "StatusLineTooLong",
    "TooManyFragments",
    "TooManyHeaders",
    "WebSocketException",
)

# Module defining each public name, relative to this package.
_MODULES: dict[str, tuple[str, ...]] = {
    ".asyncio.client": ("ClientConnection", "connect", "unix_connect"),
    ".asyncio.router": ("Router", "route", "unix_route"),
    ".asyncio.server": (
        "Server",
        "ServerConnection",
        "basic_auth",
        "broadcast",
        "serve",
        "unix_serve",
    ),
    ".client": ("ClientProtocol",),
    ".datastructures": ("Headers", "HeadersLike", "MultipleValuesError"),
    ".exceptions": _EXCEPTIONS,
    ".frames": ("Close", "CloseCode", "Frame", "Opcode"),
    ".http11": ("Request", "Response"),
    ".protocol": ("Protocol", "Side", "State"),
    ".server": ("ServerProtocol",),
    ".typing": (
        "Data",
        "ExtensionName",
        "ExtensionParameter",
        "LoggerLike",
        "Origin",
        "StatusLike",
        "Subprotocol",
    ),
}

_LAZY: dict[str, str] = {name: module for module, names in _MODULES.items() for name in names}

# Distributions to install for the names that ws-proto doesn't provide, with
# the top-level modules whose absence means that one of them is missing.
_DISTRIBUTIONS: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    ".asyncio.client": (("ws-asyncio",), frozenset({"websockets.asyncio"})),
    ".asyncio.server": (("ws-asyncio",), frozenset({"websockets.asyncio"})),
    # As upstream, websockets.asyncio.router imports without werkzeug: its
    # names resolve with ws-asyncio alone and name ws-router when used.
    ".asyncio.router": (("ws-asyncio", "ws-router"), frozenset({"websockets.asyncio"})),
}


def _installed(module: str) -> bool:
    """Tell whether the distributions that provide ``module`` are installed."""
    if module not in _DISTRIBUTIONS:
        return True
    _, providers = _DISTRIBUTIONS[module]
    return all(importlib.util.find_spec(provider) is not None for provider in providers)


# ``from websockets import *`` gets every name of __all__: leave out those
# of distributions that aren't installed, which would raise ImportError.
_INSTALLED = {module: _installed(module) for module in _DISTRIBUTIONS}
__all__ = [name for name in __all__ if _INSTALLED.get(_LAZY[name], True)]

# Deprecated aliases, as upstream: module defining each one and its new name.
_DEPRECATED: dict[str, tuple[str, str]] = {
    "WebSocketProtocolError": (".exceptions", "ProtocolError"),
}


def _requires(feature: str, distributions: tuple[str, ...]) -> str:
    """Say that ``feature`` needs ``distributions`` of this project, and how to install them.

    These distributions aren't installed by name from PyPI, where ``ws-sync``
    is an unrelated project: they come from this project's wheels or source
    folders, at the same version as ws-proto.

    """
    from .version import version

    names = " and ".join(distributions)
    plural = len(distributions) > 1
    folders = " ".join(f"./packages/{name}" for name in ("ws-proto", *distributions))
    pins = " ".join(f"{name}=={version}" for name in distributions)
    return (
        f"{feature} requires the {names} distribution{'s' if plural else ''} "
        f"at version {version}, like ws-proto. "
        f"{'They are' if plural else 'It is'} part of this websockets project and "
        f"{'come' if plural else 'comes'} from the project's wheels or source folders, "
        f"not from PyPI by name. From a checkout of the project: pip install {folders}; "
        f"from a directory DIR holding the project's wheels: "
        f"pip install --no-index --find-links DIR {pins}, "
        f"or websockets=={version} for every distribution."
    )


def _missing_distribution(name: str, module: str, exc: ModuleNotFoundError) -> ImportError:
    distributions, providers = _DISTRIBUTIONS[module]
    missing = exc.name or ""
    if not any(missing == p or missing.startswith(p + ".") for p in providers):
        raise exc
    return ImportError(_requires(f"websockets.{name}", distributions), name=missing)


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from .version import version

        return version
    if name in _DEPRECATED:
        warnings.warn(f"websockets.{name} is deprecated", DeprecationWarning, stacklevel=2)
        module_name, new_name = _DEPRECATED[name]
        return getattr(importlib.import_module(module_name, __name__), new_name)
    try:
        module_name = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    try:
        module = importlib.import_module(module_name, __name__)
    except ModuleNotFoundError as exc:
        if module_name not in _DISTRIBUTIONS:
            raise
        raise _missing_distribution(name, module_name, exc) from exc
    value = getattr(module, name)
    globals()[name] = value  # later accesses skip __getattr__
    return value


def __dir__() -> list[str]:
    # Only names that resolve: help() and inspect.getmembers() get them all.
    lazy = {name for name, module in _LAZY.items() if _INSTALLED.get(module, True)}
    return sorted(set(globals()) | lazy | set(_DEPRECATED) | {"__version__"})


if typing.TYPE_CHECKING:
    from .asyncio.client import ClientConnection, connect, unix_connect
    from .asyncio.server import (
        Server,
        ServerConnection,
        basic_auth,
        broadcast,
        serve,
        unix_serve,
    )
    from .client import ClientProtocol
    from .datastructures import Headers, HeadersLike, MultipleValuesError
    from .exceptions import (
        ConcurrencyError,
        ConnectionClosed,
        ConnectionClosedError,
        ConnectionClosedOK,
        DuplicateParameter,
        HeaderLineTooLong,
        InvalidHandshake,
        InvalidHeader,
        InvalidHeaderFormat,
        InvalidHeaderValue,
        InvalidMessage,
        InvalidMethod,
        InvalidOrigin,
        InvalidParameterName,
        InvalidParameterValue,
        InvalidProtocol,
        InvalidProxy,
        InvalidProxyMessage,
        InvalidProxyStatus,
        InvalidState,
        InvalidStatus,
        InvalidUpgrade,
        InvalidURI,
        NegotiationError,
        PayloadTooBig,
        ProtocolError,
        ProxyError,
        RequestLineTooLong,
        SecurityError,
        StatusLineTooLong,
        TooManyFragments,
        TooManyHeaders,
        WebSocketException,
    )
    from .frames import Close, CloseCode, Frame, Opcode
    from .http11 import Request, Response
    from .protocol import Protocol, Side, State
    from .server import ServerProtocol
    from .typing import (
        Data,
        ExtensionName,
        ExtensionParameter,
        LoggerLike,
        Origin,
        StatusLike,
        Subprotocol,
    )
    from .version import version as __version__  # noqa: F401
