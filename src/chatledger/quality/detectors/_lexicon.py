"""What every text detector shares: the shipped TOML defaults, typed reads of a config table, and a
phrase scanner (Aho-Corasick via pyahocorasick) that honours "this phrase, but not inside that word"."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Generic, TypeVar

import ahocorasick

from chatledger.errors import InputError
from chatledger.quality.findings import Role, Turn

# Enum members read through the class cost ~0.5 µs each; the hot loops compare against these.
AGENT = Role.AGENT
CUSTOMER = Role.CUSTOMER
SYSTEM = Role.SYSTEM

T = TypeVar("T")
C = TypeVar("C")
K = TypeVar("K")

DEFAULTS_PACKAGE = "chatledger.quality.defaults"


def default_text(name: str) -> str:
    """The shipped, commented TOML of detector ``name`` (``typos``, ``scripts``, …), as written."""
    return resources.files(DEFAULTS_PACKAGE).joinpath(f"{name}.toml").read_text(encoding="utf-8")


def default_table(name: str) -> dict[str, Any]:
    """The shipped defaults of detector ``name``, parsed."""
    return tomllib.loads(default_text(name))


class ConfigValueError(InputError):
    """A quality config value has the wrong type or an impossible value."""

    def __init__(self, section: str, key: str, expected: str, found: object) -> None:
        super().__init__(
            f"quality config [{section}] {key}: expected {expected}, found {found!r}. "
            f"Fix the value, or delete the key to use the shipped default."
        )


def get_str_list(table: Mapping[str, Any], key: str, section: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigValueError(section, key, "a list of strings", value)
    return tuple(v for v in value if v)


def get_number(table: Mapping[str, Any], key: str, section: str, default: float) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigValueError(section, key, "a number", value)
    return float(value)


def get_bool(table: Mapping[str, Any], key: str, section: str, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ConfigValueError(section, key, "true or false", value)
    return value


def get_table(table: Mapping[str, Any], key: str, section: str) -> dict[str, Any]:
    value = table.get(key, {})
    if not isinstance(value, dict):
        raise ConfigValueError(section, key, "a table", value)
    return value


def get_str_map(table: Mapping[str, Any], key: str, section: str) -> dict[str, str]:
    value = get_table(table, key, section)
    if not all(isinstance(v, str) for v in value.values()):
        raise ConfigValueError(section, key, "a table of strings", value)
    return {k: v for k, v in value.items() if k}


def get_roles(table: Mapping[str, Any], key: str, section: str, default: Sequence[Role]) -> frozenset[Role]:
    if key not in table:
        return frozenset(default)
    names = get_str_list(table, key, section)
    try:
        return frozenset(Role(n) for n in names)
    except ValueError:
        raise ConfigValueError(section, key, f"roles among {[r.value for r in Role]}", names) from None


def message_id(turn: Turn) -> int:
    """The archive id of a turn's message; detectors only run on archived messages."""
    mid = turn.message.id
    if mid is None:
        raise ValueError("quality detectors need archived messages: Message.id is None")
    return mid


def ids(turns: Iterable[Turn]) -> tuple[int, ...]:
    return tuple(message_id(t) for t in turns)


@dataclass(frozen=True, slots=True)
class Hit(Generic[T]):
    """A phrase found in a text: ``text[start:end] == phrase``."""

    start: int
    end: int
    phrase: str
    payload: T


class PhraseScanner(Generic[T]):
    """Finds many phrases at once. ``exceptions`` maps a phrase to longer strings that contain it
    but are not it (``在见`` is not wrong inside ``现在见``): a hit inside one of them is dropped."""

    def __init__(
        self, phrases: Mapping[str, T], exceptions: Mapping[str, Sequence[str]] | None = None
    ) -> None:
        self._automaton = ahocorasick.Automaton()
        self.size = 0
        for phrase, payload in phrases.items():
            if not phrase:
                continue
            around = [(e.find(phrase), e) for e in (exceptions or {}).get(phrase, ()) if phrase in e]
            self._automaton.add_word(phrase, (phrase, payload, tuple(around)))
            self.size += 1
        if self.size:
            self._automaton.make_automaton()

    def payloads(self, text: str) -> list[tuple[int, T]]:
        """(end offset, payload) of the longest non-overlapping hits, left to right; exceptions not
        applied. The lean loop for hot paths that need neither the phrase nor a ``Hit``."""
        if not self.size or not text:
            return []
        return [(end, found[1]) for end, found in self._automaton.iter_long(text)]

    def distinct_payloads(self, text: str) -> list[T]:
        """The payload of every distinct phrase in ``text`` (overlapping hits; exceptions not applied)."""
        if not self.size or not text:
            return []
        return [found[1] for found in {found[0]: found for _, found in self._automaton.iter(text)}.values()]

    def scan(self, text: str, *, longest: bool = False) -> list[Hit[T]]:
        """Every hit (overlapping), or with ``longest`` the longest non-overlapping ones, left to right."""
        if not self.size or not text:
            return []
        found = self._automaton.iter_long(text) if longest else self._automaton.iter(text)
        hits: list[Hit[T]] = []
        for end, (phrase, payload, around) in found:
            start = end + 1 - len(phrase)
            if around and _inside_exception(text, start, around):
                continue
            hits.append(Hit(start, end + 1, phrase, payload))
        return hits


def _inside_exception(text: str, start: int, around: Sequence[tuple[int, str]]) -> bool:
    for offset, word in around:
        at = start - offset
        if at >= 0 and text.startswith(word, at):
            return True
    return False


_FOLD_NOISE = re.compile(r"[\W_]+")  # whitespace, punctuation, emoji and other symbols
_FOLD_DIGIT = re.compile(r"\d")


def fold_text(text: str) -> str:
    """``text`` without whitespace, punctuation and symbols, every digit written ``0``."""
    return _FOLD_DIGIT.sub("0", _FOLD_NOISE.sub("", text))


class TextMemo(Generic[T]):
    """What a pure function of a message text gave last time: agents and customers repeat themselves
    (好的, 谢谢, quick replies), so hot loops ask here first. Cleared when it reaches ``limit``."""

    def __init__(self, compute: Callable[[str], T], limit: int = 200_000) -> None:
        self._compute = compute
        self._limit = limit
        self._items: dict[str, T] = {}

    def __call__(self, text: str) -> T:
        items = self._items
        if text in items:
            return items[text]
        if len(items) >= self._limit:
            items.clear()
        value = items[text] = self._compute(text)
        return value


@lru_cache(maxsize=1)
def jieba_frequencies() -> dict[str, int]:
    """jieba's dictionary as word → frequency (also every word prefix, at 0), from the segmenter
    itself, so the homophone table, keywords and segmentation share one dictionary load."""
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    freq: dict[str, int] = jieba.dt.FREQ
    return freq


def is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


class CompiledCache(Generic[K, C]):
    """The compiled form (automata, tables) of the last few configs seen, so ``detect(session, config)``
    compiles a config once however many sessions it reads. Keyed by identity: configs hold dicts."""

    def __init__(self, compile: Callable[[K], C], size: int = 8) -> None:
        self._compile = compile
        self._size = size
        self._items: dict[int, tuple[K, C]] = {}

    def get(self, config: K) -> C:
        item = self._items.get(id(config))
        if item is None or item[0] is not config:
            if len(self._items) >= self._size:
                self._items.pop(next(iter(self._items)))
            item = (config, self._compile(config))
            self._items[id(config)] = item
        return item[1]
