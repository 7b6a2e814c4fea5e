"""The importer registry: ``register``, ``get``, ``available``, ``detect``.

Built-in formats (``_builtin.BUILTIN_IMPORTERS``) and third-party ones (entry-point group
``chatledger.importers``) load lazily on first lookup through the same path.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import TypeVar

from chatledger.errors import ChatledgerError, UnknownFormatError
from chatledger.importers._builtin import BUILTIN_IMPORTERS
from chatledger.importers.base import ImportContext, Importer, SourceFile

__all__ = ["ImportContext", "Importer", "SourceFile", "available", "detect", "get", "register"]

_REGISTRY: dict[str, Importer] = {}
_loaded = False
T = TypeVar("T")


def register(cls: type[T]) -> type[T]:
    """Class decorator adding an importer; a duplicate name fails with both classes named."""
    instance = cls()
    name: str = getattr(instance, "name")  # noqa: B009 - checked by the Importer protocol at use
    if name in _REGISTRY:
        other = type(_REGISTRY[name])
        raise ChatledgerError(
            f"importer name {name!r} registered twice: {other.__module__}.{other.__qualname__} "
            f"and {cls.__module__}.{cls.__qualname__}"
        )
    _REGISTRY[name] = instance  # type: ignore[assignment]
    return cls


def _ensure_loaded() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module in BUILTIN_IMPORTERS:
        importlib.import_module(module)
    for entry in entry_points(group="chatledger.importers"):
        entry.load()


def available() -> list[Importer]:
    """Every registered importer, sorted by name."""
    _ensure_loaded()
    return [_REGISTRY[name] for name in sorted(_REGISTRY)]


def get(name: str) -> Importer:
    _ensure_loaded()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownFormatError(name, [], sorted(_REGISTRY)) from None


def detect(source: SourceFile) -> Importer:
    """The importer with the highest sniff score; none or a tie raises UnknownFormatError."""
    scores = sorted(((imp.sniff(source), imp.name) for imp in available()), reverse=True)
    positive = [(name, score) for score, name in scores if score > 0]
    if not positive or (len(positive) > 1 and positive[0][1] == positive[1][1]):
        raise UnknownFormatError(source.name, positive, sorted(_REGISTRY))
    return _REGISTRY[positive[0][0]]
