"""scripts/check-versions and scripts/bump-version, run on a copy of the repository.

The copy holds what the scripts read and write: VERSION, every
packages/*/pyproject.toml, ws-proto's websockets/version.py and the scripts.

"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VERSION_PY = Path("packages/ws-proto/src/websockets/version.py")

# What a sibling pin looks like, as the scripts write it.
PIN = 'dependencies = ["ws-proto=={}"]'


def _script(root: Path, name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, root / "scripts" / name, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """Copy the files that carry the version into ``tmp_path``; return it."""
    files = [Path("VERSION"), VERSION_PY]
    files += [path.relative_to(ROOT) for path in ROOT.glob("packages/*/pyproject.toml")]
    files += [Path("scripts") / name for name in ("versions.py", "bump-version", "check-versions")]
    for file in files:
        (tmp_path / file).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / file, tmp_path / file)
    return tmp_path


def test_repository_agrees() -> None:
    result = _script(ROOT, "check-versions")
    assert result.returncode == 0, result.stderr
    version = (ROOT / "VERSION").read_text().strip()
    assert result.stdout == f"check-versions: all 6 distributions are at {version}\n"


@pytest.mark.parametrize("new", ["17.4.0.1", "17.4.1", "17.5.0", "17.4.0.2.dev0", "18.0.0rc1"])
def test_bump(repository: Path, new: str) -> None:
    old = (repository / "VERSION").read_text().strip()
    result = _script(repository, "bump-version", new)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"bump-version: {old} -> {new}",
        f"check-versions: all 6 distributions are at {new}",
    ]
    assert (repository / "VERSION").read_text() == f"{new}\n"
    assert f'tag: str = "{new}"' in (repository / VERSION_PY).read_text()
    pyproject = (repository / "packages/ws-asyncio/pyproject.toml").read_text()
    assert f'version = "{new}"' in pyproject
    assert PIN.format(new) in pyproject
    metapackage = (repository / "packages/websockets/pyproject.toml").read_text()
    for sibling in ["ws-proto", "ws-asyncio", "ws-sync", "ws-deflate", "ws-router"]:
        assert f'"{sibling}=={new}"' in metapackage


@pytest.mark.parametrize(
    "new",
    [
        # Upstream's own spelling of its release: ours has three numbers.
        "17.4",
        # Post-releases, local versions and non-canonical spellings.
        "17.4.post1",
        "17.4.0+ours.1",
        "v17.4.0",
        "17.4.0.1.2",
    ],
)
def test_bump_refuses_other_schemes(repository: Path, new: str) -> None:
    before = (repository / "VERSION").read_text()
    result = _script(repository, "bump-version", new)
    assert result.returncode == 2
    assert result.stderr == (
        f"bump-version: {new!r} isn't a version number such as 17.4.0 (first release"
        " implementing upstream's 17.4), 17.4.0.1 (our next one) or 17.4.0.2.dev0\n"
    )
    assert (repository / "VERSION").read_text() == before


def test_check_refuses_other_schemes(repository: Path) -> None:
    (repository / "VERSION").write_text("17.4\n")
    result = _script(repository, "check-versions")
    assert result.returncode == 1
    assert "  VERSION: '17.4' isn't a version number such as 17.4.0" in result.stderr


def test_check_finds_disagreements(repository: Path) -> None:
    version = (repository / "VERSION").read_text().strip()
    pyproject = repository / "packages/ws-sync/pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(PIN.format(version), PIN.format("17.3.0")))
    version_py = repository / VERSION_PY
    version_py.write_text(version_py.read_text().replace(f'"{version}"', '"17.3.0"'))
    result = _script(repository, "check-versions")
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert (
        f"  packages/ws-sync/pyproject.toml: dependency 'ws-proto==17.3.0' must pin "
        f"ws-proto=={version} exactly"
    ) in lines
    assert f"  {VERSION_PY}: tag is '17.3.0', VERSION says '{version}'" in lines
