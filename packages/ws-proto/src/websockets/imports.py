"""Lazy imports for module namespaces.

:func:`lazy_import` installs a module-level ``__getattr__`` (:pep:`562`) that
imports a name from its source module on first access, so that importing a
package doesn't import everything it re-exports.

"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Iterable
from typing import Any

__all__ = ["lazy_import"]


def _import_name(name: str, source: str, namespace: dict[str, Any]) -> Any:
    """Import ``name`` from the module ``source``, relative to ``namespace``."""
    module = importlib.import_module(source, namespace.get("__package__"))
    return getattr(module, name)


def lazy_import(
    namespace: dict[str, Any],
    aliases: dict[str, str] | None = None,
    deprecated_aliases: dict[str, str] | None = None,
) -> None:
    """Make names of a module's namespace import lazily.

    Call it at the end of a module with ``globals()``. Each name is imported
    from its source module every time it's accessed as an attribute of the
    module; results aren't cached in the namespace.

    Args:
        namespace: The module's namespace, i.e. its ``globals()``.
        aliases: Maps names to the modules to import them from; a module
            name starting with a dot is relative to the namespace's
            ``__package__``.
        deprecated_aliases: Like ``aliases``, but accessing these names
            emits a :exc:`DeprecationWarning` saying ``module.name is
            deprecated``.

    Raises:
        AssertionError: If a name is in both mappings or already in
            ``namespace``.

    """
    if aliases is None:
        aliases = {}
    if deprecated_aliases is None:
        deprecated_aliases = {}

    names: Iterable[str] = list(namespace)
    assert not (set(names) & set(aliases)), "namespace conflict"
    assert not (set(names) & set(deprecated_aliases)), "namespace conflict"
    assert not (set(aliases) & set(deprecated_aliases)), "namespace conflict"

    module_name = namespace.get("__name__")

    def __getattr__(name: str) -> Any:
        if name in aliases:
            return _import_name(name, aliases[name], namespace)
        if name in deprecated_aliases:
            # stacklevel=2 points at the code that accessed the name.
            warnings.warn(f"{module_name}.{name} is deprecated", DeprecationWarning, stacklevel=2)
            return _import_name(name, deprecated_aliases[name], namespace)
        raise AttributeError(f"module {module_name!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return [*names, *aliases, *deprecated_aliases]

    namespace["__getattr__"] = __getattr__
    namespace["__dir__"] = __dir__
