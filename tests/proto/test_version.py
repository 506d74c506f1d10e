"""Tests for websockets/version.py: the number says which upstream API we implement."""

from __future__ import annotations

import os
import sys

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

import websockets
import websockets.http11
import websockets.version

# The upstream websockets release whose API this project implements. Change it
# when the project moves to a newer API, together with scripts/bump-version.
UPSTREAM_API = "17.4"


def test_attributes_match_upstream() -> None:
    # Upstream 17.4: __all__ is ["tag", "version", "commit"], plus `released`.
    assert websockets.version.__all__ == ["tag", "version", "commit"]
    assert websockets.version.tag == websockets.version.version == websockets.version.commit
    assert websockets.version.released is True
    assert websockets.__version__ == websockets.version.version


def test_version_is_the_upstream_api_release() -> None:
    version = Version(websockets.version.version)
    # Our first release of 17.4 compares equal to upstream's 17.4; later ones,
    # 17.4.0.1 etc., stay below upstream's next release.
    assert version.release[:2] == Version(UPSTREAM_API).release
    assert len(version.release) in (3, 4)


@pytest.mark.parametrize(
    "specifier",
    [
        # What packages that depend on websockets declare, e.g. uvicorn.
        ">=13",
        f">={UPSTREAM_API}",
        f"~={UPSTREAM_API}",
        f"~={UPSTREAM_API}.0",
        f"=={UPSTREAM_API}.*",
    ],
)
def test_version_satisfies_pins_on_upstream(specifier: str) -> None:
    assert SpecifierSet(specifier).contains(websockets.version.version)


@pytest.mark.parametrize(
    ("header", "variable"),
    [("USER_AGENT", "WEBSOCKETS_USER_AGENT"), ("SERVER", "WEBSOCKETS_SERVER")],
)
def test_default_headers_carry_version(header: str, variable: str) -> None:
    # Upstream sends "Python/3.11 websockets/17.4"; we send the same form with
    # our version.
    if variable in os.environ:
        pytest.skip(f"{variable} overrides the default")
    python = "Python/{}.{}".format(*sys.version_info)
    assert getattr(websockets.http11, header) == f"{python} websockets/{websockets.version.version}"
