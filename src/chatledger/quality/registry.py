"""Detectors are found, not listed: every module of ``chatledger.quality.detectors`` with a ``detect``.

The contract: a module ``detectors/<name>.py`` defines ``detect(session: Session, config: <Config>) ->
list[Finding]`` (or ``detect(sessions: Sequence[Session], …)`` for a corpus-wide detector such as top
questions), where ``<Config>`` has a ``from_toml`` (or ``from_dict``) classmethod, or is a dataclass, built
from the TOML table ``defaults/<name>.toml`` merged with the user's ``detectors/<name>.toml``. Modules
whose name starts with ``_`` are helpers and skipped; ``enabled = false`` in a detector's table switches it
off (the key is not passed on). A detector that fails names itself in the error.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from chatledger.errors import ChatledgerError
from chatledger.quality.config import QualityConfig, QualityConfigError
from chatledger.quality.findings import Finding, Session

PACKAGE = "chatledger.quality.detectors"


class DetectorError(ChatledgerError):
    """A detector module breaks the contract or raised while reading a session."""


@dataclass(frozen=True, slots=True)
class Detector:
    """A discovered detector, ready to run with its configuration. A ``corpus`` detector's ``detect``
    reads every session at once (``Sequence[Session]``: top questions) and runs after the others."""

    name: str
    detect: Callable[[Any, Any], list[Finding]]
    config: Any
    corpus: bool = False

    def run_corpus(self, sessions: Sequence[Session]) -> list[Finding]:
        try:
            return list(self.detect(sessions, self.config))
        except Exception as exc:
            raise DetectorError(f"detector {self.name!r} failed on the corpus: {exc}") from exc

    def __call__(self, session: Session) -> list[Finding]:
        try:
            return list(self.detect(session, self.config))
        except Exception as exc:  # a plug-in's bug: say whose, keep the cause
            raise DetectorError(
                f"detector {self.name!r} failed on conversation {session.conversation_id} "
                f"session {session.index}: {exc}"
            ) from exc


def _modules(package: str) -> list[ModuleType]:
    try:
        root = importlib.import_module(package)
    except ModuleNotFoundError:
        return []
    paths = getattr(root, "__path__", None)
    if paths is None:
        return []
    found = []
    for info in sorted(pkgutil.iter_modules(paths), key=lambda i: i.name):
        if info.name.startswith("_") or info.ispkg:
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        if callable(getattr(module, "detect", None)):
            found.append(module)
    return found


def signature(detect: Callable[..., Any]) -> tuple[type | None, bool]:
    """The class of ``detect``'s config parameter, and whether its first parameter is a corpus of sessions."""
    params = list(inspect.signature(detect).parameters.values())
    if len(params) < 2:
        raise DetectorError(f"{detect.__module__}.detect must take (session, config)")
    try:
        hints = typing.get_type_hints(detect)
    except Exception:  # unresolvable annotations: fall back to the raw dict
        return None, False
    annotation = hints.get(params[1].name)
    corpus = typing.get_origin(hints.get(params[0].name)) in (Sequence, list, tuple)
    return (annotation if isinstance(annotation, type) else None), corpus


def build_config(kind: type | None, table: dict[str, Any], where: str) -> Any:
    """An instance of ``kind`` from a TOML table (lists become tuples where the field's default is one)."""
    if kind is None or kind is dict:
        return table
    for constructor in ("from_toml", "from_dict"):
        build = getattr(kind, constructor, None)
        if callable(build):
            return build(table)
    if not dataclasses.is_dataclass(kind):
        return kind(**table)
    fields = {f.name: f for f in dataclasses.fields(kind)}
    unknown = sorted(set(table) - set(fields))
    if unknown:
        raise QualityConfigError(where, unknown[0], f"one of {', '.join(sorted(fields))}", table[unknown[0]])
    values = {}
    for name, value in table.items():
        spec = fields[name]
        factory = spec.default_factory
        default = factory() if callable(factory) else spec.default
        values[name] = tuple(value) if isinstance(value, list) and isinstance(default, tuple) else value
    try:
        return kind(**values)
    except TypeError as exc:
        raise QualityConfigError(where, "(table)", f"the fields of {kind.__name__}", str(exc)) from exc


def discover(
    config: QualityConfig, *, package: str = PACKAGE, only: set[str] | None = None
) -> list[Detector]:
    """Every detector in ``package`` with its configuration; ``only`` restricts them by module name."""
    detectors = []
    for module in _modules(package):
        name = module.__name__.rsplit(".", 1)[-1]
        if only is not None and name not in only:
            continue
        detect = module.detect
        table = dict(config.detectors.get(name, {}))
        if table.pop("enabled", True) is False:
            continue
        kind, corpus = signature(detect)
        detectors.append(Detector(name, detect, build_config(kind, table, f"detectors/{name}.toml"), corpus))
    return detectors
