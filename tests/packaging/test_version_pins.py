"""Packages that depend on upstream websockets install next to ours.

Projects such as uvicorn declare ``websockets>=13``. Our metapackage is
called ``websockets`` and carries the number of the upstream release whose API
the family implements, so such pins resolve to it. These tests install, into
scratch virtual environments and without the index (``--no-index``):

- an application that declares ``websockets>=13`` (and one that declares
  ``websockets~=X.Y``, X.Y being the upstream release we implement), built on
  the fly with hatchling from the local wheelhouse;
- a decoy ``websockets`` numbered 9999.0, which plays upstream's latest
  release on PyPI: pip must leave it alone when our distributions are
  installed or named, as the README tells users to do.

They reuse the wheels that test_namespace builds and its helpers.

"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from .test_namespace import (
    DISTRIBUTIONS,
    ROOT,
    _check,
    _make_venv,
    _offline_env,
    _pip_install,
    _run,
    wheelhouse,  # noqa: F401 - a fixture that the wheels fixture needs
    wheels,  # noqa: F401 - a fixture
)

pytestmark = pytest.mark.slow

VERSION = (ROOT / "VERSION").read_text().strip()
# The upstream release whose API we implement: the first two numbers.
UPSTREAM_API = ".".join(VERSION.split(".")[:2])

DECOY_VERSION = "9999.0"


def _write_project(path: Path, name: str, version: str, dependencies: list[str]) -> Path:
    """Write a tiny project without modules, built by hatchling; return its folder."""
    path.mkdir()
    (path / "pyproject.toml").write_text(
        textwrap.dedent(
            f"""\
            [build-system]
            requires = ["hatchling"]
            build-backend = "hatchling.build"

            [project]
            name = "{name}"
            version = "{version}"
            dependencies = {dependencies!r}

            [tool.hatch.build.targets.wheel]
            bypass-selection = true
            """
        ).replace("'", '"')
    )
    return path


@pytest.fixture(scope="module")
def applications(tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path) -> Path:  # noqa: F811
    """Build wheels of two applications that depend on websockets; return their folder."""
    sources = tmp_path_factory.mktemp("applications-src")
    path = tmp_path_factory.mktemp("applications")
    projects = [
        _write_project(sources / "ge13", "uses-websockets", "1.0", ["websockets>=13"]),
        _write_project(
            sources / "compatible",
            "uses-websockets-compatible",
            "1.0",
            [f"websockets~={UPSTREAM_API}"],
        ),
    ]
    _build(projects, path, wheelhouse)
    return path


@pytest.fixture(scope="module")
def decoy(tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path) -> Path:  # noqa: F811
    """Build a wheel of a websockets newer than ours, like the index has; return its folder."""
    sources = tmp_path_factory.mktemp("decoy-src")
    path = tmp_path_factory.mktemp("decoy")
    _build(
        [_write_project(sources / "websockets", "websockets", DECOY_VERSION, [])], path, wheelhouse
    )
    return path


def _build(projects: list[Path], path: Path, wheelhouse: Path) -> None:  # noqa: F811
    _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-index",
        "--find-links",
        wheelhouse,
        "--wheel-dir",
        path,
        *projects,
        env=_offline_env(),
    )


# What's installed, seen from inside the scratch environment.
PROBE = """
    import importlib.metadata, json
    import websockets, websockets.asyncio.server, websockets.http11, websockets.sync.client
    import websockets.version

    def version(name):
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return None

    print(json.dumps({
        "versions": {name: version(name) for name in %(names)r},
        "requires": importlib.metadata.requires("websockets"),
        "module": [websockets.__version__, websockets.version.tag, websockets.version.commit],
        "user_agent": websockets.http11.USER_AGENT,
    }))
"""


def _check_ours(python: Path, cwd: Path, applications: list[str]) -> None:
    """Check that our distributions, at VERSION, and ``applications`` are installed."""
    found = _check(python, cwd, PROBE % {"names": [*DISTRIBUTIONS, *applications]})
    expected = dict.fromkeys(DISTRIBUTIONS, VERSION) | dict.fromkeys(applications, "1.0")
    assert found["versions"] == expected
    siblings = [name for name in DISTRIBUTIONS if name != "websockets"]
    assert sorted(found["requires"]) == sorted(f"{name}=={VERSION}" for name in siblings)
    assert found["module"] == [VERSION] * 3
    assert found["user_agent"] == "Python/{}.{} websockets/{}".format(
        *sys.version_info[:2], VERSION
    )
    # Every requirement is met, the applications' pins on websockets included.
    _run(python, "-m", "pip", "check", env=_offline_env())


def test_full_install_with_websockets_pins(
    tmp_path: Path,
    wheels: dict[str, Path],  # noqa: F811
    wheelhouse: Path,  # noqa: F811
    applications: Path,
) -> None:
    """Our full install and applications that pin websockets install together."""
    python = _make_venv(tmp_path / "venv")
    apps = ["uses-websockets", "uses-websockets-compatible"]
    _pip_install(
        python,
        "websockets",
        *apps,
        find_links=[wheels["websockets"].parent, applications, wheelhouse],
    )
    _check_ours(python, tmp_path, apps)


def test_installed_family_satisfies_later_pins(
    tmp_path: Path,
    wheels: dict[str, Path],  # noqa: F811
    wheelhouse: Path,  # noqa: F811
    applications: Path,
    decoy: Path,
) -> None:
    """An application pinning websockets, installed later, keeps ours over a newer one."""
    python = _make_venv(tmp_path / "venv")
    # The wheelhouse has the third-party dependencies, such as werkzeug.
    _pip_install(python, "websockets", find_links=[wheels["websockets"].parent, wheelhouse])
    # Our wheels are no longer on offer, a newer websockets is: ours satisfies
    # the pins, so pip keeps it rather than replace it (and, with the real
    # index, overwrite the files of ws-proto with upstream's).
    apps = ["uses-websockets", "uses-websockets-compatible"]
    _pip_install(python, *apps, find_links=[applications, decoy])
    _check_ours(python, tmp_path, apps)


def test_named_distributions_win_over_newer_websockets(
    tmp_path: Path,
    wheels: dict[str, Path],  # noqa: F811
    wheelhouse: Path,  # noqa: F811
    applications: Path,
    decoy: Path,
) -> None:
    """Naming our wheels with the application, like the README names folders, keeps a
    newer websockets out."""
    python = _make_venv(tmp_path / "venv")
    _pip_install(
        python,
        *[wheels[name] for name in DISTRIBUTIONS],
        "uses-websockets",
        find_links=[applications, decoy, wheelhouse],
    )
    _check_ours(python, tmp_path, ["uses-websockets"])
