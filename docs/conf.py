"""Sphinx configuration for the websockets documentation.

Build with ``tox -e docs``, which installs every distribution first: autodoc
imports the modules it documents. Nothing is fetched from the network at
build time (no intersphinx).

"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

project = "websockets"
author = "The websockets contributors"
copyright = author
release = (ROOT / "VERSION").read_text().strip()
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
]

exclude_patterns = ["_build", "examples"]

# autodoc: document members in source order, type hints in signatures.
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_class_signature = "separated"

# Docstrings follow the Google style.
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False

html_theme = "furo"
html_title = f"websockets {release}"
