"""The namespace split: one ``websockets`` package, files from several distributions.

These tests build every distribution under packages/ and install them into
scratch virtual environments, then import across the split there:

- as wheels, installed together into one site-packages;
- as editable installs, where each distribution's sources stay in a folder of
  their own and ``pkgutil.extend_path`` joins them;
- ws-proto alone, where the backends are missing and say so;
- ws-router with the core alone, and a backend without ws-router.

Only the build backend (hatchling) and third-party dependencies come from the
index, once, into a local wheelhouse. Every install after that runs with
``--no-index``, so no distribution of ours can be taken from PyPI by mistake
(``ws-sync`` is an unrelated project there).

"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path
from typing import Any

import pytest

try:
    import tomllib
except ImportError:  # Python 3.10
    pytest.skip("reading pyproject.toml needs Python >= 3.11", allow_module_level=True)

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]

# Files that each distribution other than ws-proto may ship, as fnmatch
# patterns, where "*" also matches "/". ws-proto ships the rest of websockets/.
OWNED = {
    "ws-asyncio": ["websockets/asyncio/*"],
    "ws-sync": ["websockets/sync/*"],
    "ws-router": ["websockets/routing/*"],
    "ws-deflate": ["websockets/extensions/permessage_deflate.py"],
    "websockets": ["websockets/cli.py", "websockets/__main__.py"],
}

# Subpackage that each distribution owns, which must have a py.typed marker.
TYPED = {
    "ws-proto": "websockets",
    "ws-asyncio": "websockets/asyncio",
    "ws-sync": "websockets/sync",
    "ws-router": "websockets/routing",
}


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _read_pyprojects() -> dict[str, dict[str, Any]]:
    """Map each distribution's name to its parsed pyproject.toml, plus its folder."""
    result = {}
    for pyproject in sorted(ROOT.glob("packages/*/pyproject.toml")):
        with pyproject.open("rb") as f:
            data = tomllib.load(f)
        data["folder"] = pyproject.parent
        result[_normalize(data["project"]["name"])] = data
    return result


PYPROJECTS = _read_pyprojects()
DISTRIBUTIONS = sorted(PYPROJECTS)


def _offline_env() -> dict[str, str]:
    """Environment for pip that ignores the user's pip configuration."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _run(*args: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None) -> str:
    result = subprocess.run(
        [str(arg) for arg in args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, (
        f"command failed with exit status {result.returncode}: {' '.join(map(str, args))}\n"
        f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
    )
    return result.stdout


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Wheels of the build backends and third-party dependencies, from the index."""
    siblings = set(DISTRIBUTIONS)
    # hatchling also asks for `editables` to build an editable wheel.
    requirements = {"editables"}
    for data in PYPROJECTS.values():
        requirements.update(data["build-system"]["requires"])
        for requirement in data["project"].get("dependencies", []):
            name = re.match(r"[A-Za-z0-9._-]+", requirement)
            assert name is not None, requirement
            if _normalize(name[0]) not in siblings:
                requirements.add(requirement)
    path = tmp_path_factory.mktemp("wheelhouse")
    # This is the only step that reads the index, with the user's configuration.
    _run(sys.executable, "-m", "pip", "wheel", "--wheel-dir", path, *sorted(requirements))
    return path


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path) -> dict[str, Path]:
    """Build a wheel of every distribution; map each name to its wheel."""
    path = tmp_path_factory.mktemp("wheels")
    result = {}
    for name in DISTRIBUTIONS:
        before = set(path.iterdir())
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
            PYPROJECTS[name]["folder"],
            env=_offline_env(),
        )
        (wheel,) = set(path.iterdir()) - before
        result[name] = wheel
    return result


def _make_venv(path: Path) -> Path:
    """Create a virtual environment; return its Python interpreter."""
    _run(sys.executable, "-m", "venv", path)
    bin_dir = "Scripts" if sys.platform == "win32" else "bin"
    return path / bin_dir / "python"


def _pip_install(python: Path, *args: str | Path, find_links: list[Path]) -> None:
    links = [arg for path in find_links for arg in ("--find-links", str(path))]
    _run(python, "-m", "pip", "install", "--no-index", *links, *args, env=_offline_env())


def _check(python: Path, cwd: Path, code: str) -> Any:
    """Run ``code`` in the isolated interpreter; return what it printed, parsed as JSON."""
    output = _run(python, "-I", "-c", textwrap.dedent(code), cwd=cwd)
    return json.loads(output)


# Imports across the split, run inside the scratch environments: the root
# package from ws-proto, subpackages from ws-asyncio and ws-router, and the
# lazy convenience imports that reach from one into the others.
IMPORT_ACROSS_THE_SPLIT = """
    import json
    import websockets, websockets.asyncio.client, websockets.asyncio.server, websockets.frames
    import websockets.asyncio.router, websockets.extensions, websockets.routing

    assert websockets.serve is websockets.asyncio.server.serve
    assert websockets.connect is websockets.asyncio.client.connect
    assert websockets.route is websockets.asyncio.router.route
    assert websockets.Frame is websockets.frames.Frame
    print(json.dumps({
        "file": websockets.__file__,
        "path": list(websockets.__path__),
        "extensions_path": list(websockets.extensions.__path__),
        "routing_path": list(websockets.routing.__path__),
    }))
"""


def test_wheel_contents(wheels: dict[str, Path]) -> None:
    """Each wheel ships only the files of its own distribution."""
    for name, wheel in wheels.items():
        with zipfile.ZipFile(wheel) as archive:
            files = [
                file
                for file in archive.namelist()
                if not file.split("/")[0].endswith((".dist-info", ".data"))
            ]
        stray = [
            file
            for file in files
            if not file.startswith("websockets/")
            or (name != "ws-proto" and file == "websockets/__init__.py")
        ]
        assert not stray, f"{wheel.name} ships files outside its share of websockets/: {stray}"

        if name == "ws-proto":
            foreign = [
                file
                for file in files
                for patterns in OWNED.values()
                if any(fnmatch.fnmatch(file, pattern) for pattern in patterns)
            ]
            assert not foreign, f"{wheel.name} ships files of other distributions: {foreign}"
            assert "websockets/__init__.py" in files
        else:
            foreign = [
                file
                for file in files
                if not any(fnmatch.fnmatch(file, pattern) for pattern in OWNED[name])
            ]
            assert not foreign, f"{wheel.name} ships files it doesn't own: {foreign}"

        if name in TYPED:
            assert f"{TYPED[name]}/py.typed" in files, f"{wheel.name} lacks {TYPED[name]}/py.typed"


def test_wheels(tmp_path: Path, wheels: dict[str, Path], wheelhouse: Path) -> None:
    """Wheels installed into one site-packages form one websockets package."""
    python = _make_venv(tmp_path / "venv")
    _pip_install(python, *DISTRIBUTIONS, find_links=[wheels["ws-proto"].parent, wheelhouse])

    found = _check(python, tmp_path, IMPORT_ACROSS_THE_SPLIT)
    package_dir = Path(found["file"]).parent
    assert found["path"] == [str(package_dir)]
    assert package_dir.parent.name == "site-packages"
    assert found["routing_path"] == [str(package_dir / "routing")]


def test_editable(tmp_path: Path, wheelhouse: Path) -> None:
    """Editable installs join each distribution's source folder into websockets.__path__."""
    python = _make_venv(tmp_path / "venv")
    editables = [arg for name in DISTRIBUTIONS for arg in ("-e", PYPROJECTS[name]["folder"])]
    _pip_install(python, *editables, find_links=[wheelhouse])

    found = _check(python, tmp_path, IMPORT_ACROSS_THE_SPLIT)
    assert Path(found["file"]) == ROOT / "packages/ws-proto/src/websockets/__init__.py"
    assert found["routing_path"] == [str(ROOT / "packages/ws-router/src/websockets/routing")]
    # Every distribution that has files in websockets/ or in websockets.extensions
    # contributes its source folder to the package's __path__.
    for subpackage, key in [("websockets", "path"), ("websockets/extensions", "extensions_path")]:
        expected = {
            str(folder)
            for folder in sorted(ROOT.glob(f"packages/*/src/{subpackage}"))
            if folder.is_dir()
        }
        assert set(found[key]) == expected, key


def test_proto_alone(tmp_path: Path, wheels: dict[str, Path]) -> None:
    """With ws-proto alone, the core works and websockets.serve names ws-asyncio."""
    python = _make_venv(tmp_path / "venv")
    _pip_install(python, wheels["ws-proto"], find_links=[])

    found = _check(
        python,
        tmp_path,
        """
        import importlib.util, json
        import websockets, websockets.frames

        assert websockets.Frame is websockets.frames.Frame
        assert importlib.util.find_spec("websockets.asyncio") is None
        try:
            websockets.serve
        except ImportError as exc:
            print(json.dumps(str(exc)))
        else:
            raise AssertionError("websockets.serve didn't raise ImportError")
        """,
    )
    assert "ws-asyncio" in found


def test_router_with_core_alone(tmp_path: Path, wheels: dict[str, Path], wheelhouse: Path) -> None:
    """ws-router installs with ws-proto and werkzeug alone: its core needs no backend."""
    python = _make_venv(tmp_path / "venv")
    _pip_install(python, "ws-router", find_links=[wheels["ws-router"].parent, wheelhouse])

    found = _check(
        python,
        tmp_path,
        """
        import importlib.metadata, importlib.util, json
        import websockets, websockets.routing

        print(json.dumps({
            "installed": sorted(
                dist.metadata["Name"].lower() for dist in importlib.metadata.distributions()
            ),
            "asyncio": importlib.util.find_spec("websockets.asyncio") is not None,
            "routing": websockets.routing.__file__,
        }))
        """,
    )
    # pip installed ws-proto and werkzeug (with what werkzeug needs) for it.
    assert {"ws-proto", "ws-router", "werkzeug"} <= set(found["installed"])
    assert not set(found["installed"]) & {"ws-asyncio", "ws-sync", "websockets"}
    assert not found["asyncio"]
    assert Path(found["routing"]).parent.parent.parent.name == "site-packages"


def test_backend_without_router(tmp_path: Path, wheels: dict[str, Path]) -> None:
    """Without ws-router, websockets.asyncio.router imports and route() names ws-router."""
    python = _make_venv(tmp_path / "venv")
    _pip_install(python, "ws-asyncio", find_links=[wheels["ws-asyncio"].parent])

    found = _check(
        python,
        tmp_path,
        """
        import importlib.util, json
        import websockets.asyncio.router

        assert importlib.util.find_spec("websockets.routing") is None
        messages = []
        # As upstream, the names resolve; using them says what's missing.
        calls = {
            "route": lambda: websockets.route(None, "localhost", 0),
            "unix_route": lambda: websockets.unix_route(None),
            "Router": lambda: websockets.Router(),
            "asyncio.router.route": lambda: websockets.asyncio.router.route(None, "localhost", 0),
        }
        for name, call in calls.items():
            try:
                call()
            except ImportError as exc:
                messages.append(str(exc))
            else:
                raise AssertionError(f"{name} didn't raise ImportError")
        print(json.dumps(messages))
        """,
    )
    assert len(found) == 4
    for message in found:
        assert "ws-router" in message, message
