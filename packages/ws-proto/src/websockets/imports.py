"""Lazy imports for module namespaces.

:func:`lazy_import` installs a module-level ``__getattr__`` (:pep:`562`) that
imports a name from its source module on first access, so that importing a
package doesn't import everything it re-exports.

"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

__all__ = ["lazy_import"]


def import_name(name: str, source: str, namespace: dict[str, Any]) -> Any:
    """Import ``name`` from the module ``source``, as ``from source import name``.

    ``name`` is either an object defined in ``source`` or a submodule of
    ``source``, imported if needed. A ``source`` starting with dots is
    relative, resolved like a relative import written in ``namespace``: from
    its ``__package__`` (or ``__spec__``), else from its ``__name__`` and
    ``__path__``, with an :exc:`ImportWarning`.

    Args:
        name: Name of the object or submodule.
        source: Absolute or relative name of the module, e.g. ``"json"`` or
            ``".frames"``.
        namespace: Namespace of the module that imports, i.e. its
            ``globals()``; only used when ``source`` is relative.

    Returns:
        The object or the submodule.

    Raises:
        ImportError: If ``source`` can't be imported, or if it's relative and
            ``namespace`` tells no package to resolve it from.
        KeyError: If ``source`` is relative and ``namespace`` has neither a
            package nor a ``__name__``.
        AttributeError: If ``source`` has no attribute and no submodule
            called ``name``.
        AssertionError: If ``source`` is only dots: importing from a parent
            package isn't supported.

    """
    level = len(source) - len(source.lstrip("."))
    assert level < len(source), "importing from parent isn't supported"
    # __import__ rather than importlib.import_module: it resolves a relative
    # name from a namespace as the import statement does, and it imports
    # name when it's a submodule.
    module = __import__(source[level:], namespace, None, [name], level)
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

    Accessing a name imports it with :func:`import_name`, which raises
    :exc:`ImportError` (after an :exc:`ImportWarning`) when the module is
    relative and ``namespace`` has no ``__package__`` to resolve it from.

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
            return import_name(name, aliases[name], namespace)
        if name in deprecated_aliases:
            # stacklevel=2 points at the code that accessed the name.
            warnings.warn(f"{module_name}.{name} is deprecated", DeprecationWarning, stacklevel=2)
            return import_name(name, deprecated_aliases[name], namespace)
        raise AttributeError(f"module {module_name!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return [*names, *aliases, *deprecated_aliases]

    namespace["__getattr__"] = __getattr__
    namespace["__dir__"] = __dir__
