"""The single version of all distributions: where it's written, how to check it and bump it.

``VERSION`` at the root of the repository is the source. The same number is
written in:

- ``version = "..."`` in the ``[project]`` table of every
  ``packages/*/pyproject.toml``;
- every ``==`` pin on a sibling distribution in their dependencies;
- ``tag = "..."`` in ``packages/ws-proto/src/websockets/version.py``.

``scripts/bump-version`` rewrites them all; ``scripts/check-versions`` fails
when any of them disagree. Standard library only, Python >= 3.11 (tomllib).

The number says which upstream ``websockets`` release the family implements,
so that packages declaring ``websockets>=13`` resolve to our metapackage:
``X.Y.Z`` is our first release of upstream's ``X.Y`` (``Z`` = 0) or ``X.Y.Z``
API, and a fourth number counts our own releases after it: 17.4.0, then
17.4.0.1, 17.4.0.2... which stay below upstream's next release, 17.4.1 or
17.5. PEP 440 suffixes are allowed (17.4.0.1.dev0 between releases).

"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VERSION_FILE = ROOT / "VERSION"
VERSION_PY = ROOT / "packages" / "ws-proto" / "src" / "websockets" / "version.py"

# PEP 440 versions in their canonical form, without epochs or local parts:
# three numbers for the upstream release implemented, maybe a fourth for ours.
_VERSION_RE = re.compile(r"\d+\.\d+\.\d+(\.\d+)?((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?")
_SCHEME = (
    "a version number such as 17.4.0 (first release implementing upstream's 17.4),"
    " 17.4.0.1 (our next one) or 17.4.0.2.dev0"
)
# A requirement: name, optional extras, then the rest (specifiers, markers).
_REQUIREMENT_RE = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)")
# `tag = "..."` or `tag: str = "..."` at the start of a line of version.py.
_TAG_RE = re.compile(r'^(tag\s*(?::\s*str\s*)?=\s*)"[^"]*"', re.MULTILINE)


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class Distribution:
    name: str
    pyproject: Path
    version: str
    dependencies: list[str]


def distributions() -> list[Distribution]:
    """Read the metadata of every distribution under packages/."""
    result = []
    for pyproject in sorted(ROOT.glob("packages/*/pyproject.toml")):
        with pyproject.open("rb") as f:
            project = tomllib.load(f).get("project", {})
        dependencies = list(project.get("dependencies", []))
        for extra in project.get("optional-dependencies", {}).values():
            dependencies.extend(extra)
        result.append(
            Distribution(
                name=_normalize(project.get("name", "")),
                pyproject=pyproject,
                version=project.get("version", ""),
                dependencies=dependencies,
            )
        )
    return result


def read_version_file() -> str:
    return VERSION_FILE.read_text().strip()


def read_tag() -> str | None:
    """Return the string assigned to ``tag`` in version.py, or None if there's none."""
    for node in ast.parse(VERSION_PY.read_text()).body:
        target: ast.expr | None = None
        value: ast.expr | None = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        if (
            isinstance(target, ast.Name)
            and target.id == "tag"
            and isinstance(value, ast.Constant)
            and isinstance(value.value, str)
        ):
            return value.value
    return None


def problems() -> list[str]:
    """List every place that disagrees with VERSION, as readable messages."""
    expected = read_version_file()
    found = []
    if not _VERSION_RE.fullmatch(expected):
        found.append(f"VERSION: {expected!r} isn't {_SCHEME}")

    dists = distributions()
    siblings = {dist.name for dist in dists}
    for dist in dists:
        where = dist.pyproject.relative_to(ROOT)
        if dist.version != expected:
            found.append(f"{where}: version is {dist.version!r}, VERSION says {expected!r}")
        pinned = set()
        for requirement in dist.dependencies:
            match = _REQUIREMENT_RE.fullmatch(requirement)
            if match is None or _normalize(match[1]) not in siblings:
                continue
            name = _normalize(match[1])
            pinned.add(name)
            specifier = match[3].split(";")[0].replace(" ", "")
            if specifier != f"=={expected}":
                found.append(
                    f"{where}: dependency {requirement!r} must pin {name}=={expected} exactly"
                )
        if dist.name != "ws-proto" and "ws-proto" not in pinned:
            found.append(f"{where}: {dist.name} must depend on ws-proto=={expected}")
        if dist.name == "websockets" and (missing := siblings - pinned - {"websockets"}):
            found.append(
                f"{where}: the metapackage must depend on every distribution; "
                f"missing: {', '.join(sorted(missing))}"
            )

    tag = read_tag()
    where = VERSION_PY.relative_to(ROOT)
    if tag is None:
        found.append(f'{where}: no `tag = "..."` assignment found')
    elif tag != expected:
        found.append(f"{where}: tag is {tag!r}, VERSION says {expected!r}")
    return found


def _replace(pattern: re.Pattern[str], replacement: str, text: str, where: Path) -> str:
    text, count = pattern.subn(replacement, text)
    if count == 0:
        raise SystemExit(f"bump-version: found nothing to rewrite in {where.relative_to(ROOT)}")
    return text


def bump(new: str) -> None:
    """Write ``new`` everywhere the version appears."""
    dists = distributions()
    # Any spelling of a sibling's name, in a quoted requirement, pinned with ==.
    names = "|".join("[-_.]".join(map(re.escape, dist.name.split("-"))) for dist in dists)
    pin_re = re.compile(rf"""(["'])((?i:{names})\s*(?:\[[^\]]*\])?\s*==\s*)[^"';,\s]+""")
    project_version_re = re.compile(r'^(version\s*=\s*)"[^"]*"', re.MULTILINE)

    for dist in dists:
        text = dist.pyproject.read_text()
        # Only the [project] table's `version`: other tables may have one too.
        start = re.search(r"^\[project\]\s*$", text, re.MULTILINE)
        if start is None:
            raise SystemExit(f"bump-version: no [project] table in {dist.pyproject}")
        end = re.search(r"^\[", text[start.end() :], re.MULTILINE)
        stop = start.end() + end.start() if end else len(text)
        table = text[start.end() : stop]
        table = _replace(project_version_re, rf'\g<1>"{new}"', table, dist.pyproject)
        text = text[: start.end()] + table + text[stop:]
        dist.pyproject.write_text(pin_re.sub(rf"\g<1>\g<2>{new}", text))

    VERSION_PY.write_text(_replace(_TAG_RE, rf'\g<1>"{new}"', VERSION_PY.read_text(), VERSION_PY))
    VERSION_FILE.write_text(f"{new}\n")


def check_main() -> int:
    found = problems()
    if found:
        print("check-versions: the versions disagree:", file=sys.stderr)
        for problem in found:
            print(f"  {problem}", file=sys.stderr)
        print(
            "scripts/bump-version NEW_VERSION rewrites versions and == pins;"
            " a pin that's missing or not == needs an edit by hand.",
            file=sys.stderr,
        )
        return 1
    print(f"check-versions: all {len(distributions())} distributions are at {read_version_file()}")
    return 0


def bump_main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0].startswith("-"):
        print("usage: scripts/bump-version NEW_VERSION", file=sys.stderr)
        return 2
    new = argv[0]
    if not _VERSION_RE.fullmatch(new):
        print(
            f"bump-version: {new!r} isn't {_SCHEME}",
            file=sys.stderr,
        )
        return 2
    old = read_version_file()
    bump(new)
    print(f"bump-version: {old} -> {new}")
    return check_main()
