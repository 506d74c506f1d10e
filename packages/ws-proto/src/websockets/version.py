"""Version of the websockets distributions.

Every distribution of the project carries the same version. ``scripts/bump-version``
rewrites :data:`version` here together with every ``pyproject.toml``;
``scripts/check-versions`` fails when any of them disagree.

"""

from __future__ import annotations

__all__ = ["commit", "released", "tag", "version"]


released: bool = True
"""Whether this is a released version (``True``) or a development one."""

tag: str = "0.1.0"
"""Version number of the latest release, as a string, for example ``"0.1.0"``."""

version: str = tag
"""Version of the installed distributions, as a string.

Equal to :data:`tag` for a release.

"""

commit: str = tag
"""Identifier of the source this was built from; :data:`tag` for a release."""
