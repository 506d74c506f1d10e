"""Tests for websockets.compression: the compression option of both backends."""

from __future__ import annotations

import sys

import pytest

from websockets.compression import DEFAULT_COMPRESSION, client_extensions, server_extensions
from websockets.extensions import ClientExtensionFactory, ServerExtensionFactory

MODULE = "websockets.extensions.permessage_deflate"


@pytest.fixture
def without_deflate(monkeypatch: pytest.MonkeyPatch) -> None:
    # None in sys.modules makes the import fail as if ws-deflate were absent.
    monkeypatch.setitem(sys.modules, MODULE, None)


def test_default_reads_deflate() -> None:
    assert DEFAULT_COMPRESSION == "deflate"
    assert repr(DEFAULT_COMPRESSION) == "'deflate'"


@pytest.mark.usefixtures("without_deflate")
class TestWithoutDeflate:
    def test_default_negotiates_nothing(self) -> None:
        assert client_extensions(DEFAULT_COMPRESSION, None) is None
        extensions: list[ServerExtensionFactory] = []
        assert server_extensions(DEFAULT_COMPRESSION, extensions) is extensions

    @pytest.mark.parametrize("function", [client_extensions, server_extensions])
    def test_explicit_deflate_names_distribution(self, function: object) -> None:
        with pytest.raises(ImportError, match="requires the ws-deflate distribution"):
            function("deflate", None)  # type: ignore[operator]


def test_none_disables() -> None:
    extensions: list[ClientExtensionFactory] = []
    assert client_extensions(None, extensions) is extensions
    assert server_extensions(None, None) is None


@pytest.mark.parametrize("function", [client_extensions, server_extensions])
def test_unsupported(function: object) -> None:
    with pytest.raises(ValueError, match="unsupported compression: gzip"):
        function("gzip", None)  # type: ignore[operator]


def test_other_import_errors_propagate(monkeypatch: pytest.MonkeyPatch) -> None:
    # A broken ws-deflate isn't mistaken for a missing one.
    monkeypatch.setitem(sys.modules, "websockets.extensions.permessage_deflate", None)
    monkeypatch.setattr("websockets.compression._MODULE", "websockets.extensions.something_else")
    with pytest.raises(ModuleNotFoundError):
        client_extensions(DEFAULT_COMPRESSION, None)


class TestWithDeflate:
    @pytest.fixture(autouse=True)
    def deflate(self) -> None:
        pytest.importorskip(MODULE, reason="ws-deflate isn't installed")

    @pytest.mark.parametrize("compression", [DEFAULT_COMPRESSION, "deflate"])
    def test_client(self, compression: str) -> None:
        (factory,) = client_extensions(compression, None) or []
        assert factory.name == "permessage-deflate"
        assert isinstance(factory, ClientExtensionFactory)

    @pytest.mark.parametrize("compression", [DEFAULT_COMPRESSION, "deflate"])
    def test_server(self, compression: str) -> None:
        (factory,) = server_extensions(compression, None) or []
        assert factory.name == "permessage-deflate"
        assert isinstance(factory, ServerExtensionFactory)
