"""Version of the websockets distributions.

Every distribution of the project carries the same version, and that number
says which upstream ``websockets`` release the family implements, so that
packages which declare ``websockets>=13`` can be installed next to ours:

- ``17.4.0`` is our first release of upstream's 17.4 API (PEP 440 compares it
  equal to ``17.4``);
- a fourth number counts our later releases of the same API: ``17.4.0.1``,
  ``17.4.0.2``... sort after ``17.4.0`` and before upstream's next release,
  whether ``17.4.1`` or ``17.5``;
- ``.devN`` marks what's built between two releases, e.g. ``17.4.0.1.dev0``.

``scripts/bump-version`` rewrites :data:`tag` here together with every
``pyproject.toml``; ``scripts/check-versions`` fails when any of them
disagree.

"""

from __future__ import annotations

__all__ = ["tag", "version", "commit"]


tag: str = "17.4.0"
"""Version number of the distributions, as a string, e.g. ``"17.4.0"``."""

version: str = tag
"""Version of the installed distributions, as a string; equal to :data:`tag`.

``websockets.__version__`` is the same string, and the default ``User-Agent``
and ``Server`` headers carry it: ``Python/3.11 websockets/17.4.0``.

"""

commit: str = tag
"""Identifier of the source this was built from; equal to :data:`tag`."""

released: bool = ".dev" not in tag
"""Whether this is a release (``True``) or a development version (``False``)."""
