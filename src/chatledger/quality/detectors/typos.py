"""Chinese typos and English misspellings in what agents write.

Four checks, each a finding naming the message, the wrong form and its correction:

* ``typo.word``: a project-owned confusion set (pinyin-same and shape-similar words: 因该→应该,
  定单→订单, 帐户→账户, 在/再 …), scanned with one Aho-Corasick automaton; exceptions keep
  ``在次日`` or ``一定单独`` quiet.
* ``typo.de``: 的/地/得 rules, only collocations that are nearly never right (``尽快的处理``,
  ``认真的为您``, ``处理的很快``); ``认真的态度``, ``你说的很对`` and ``感谢您耐心的解释`` do not fire.
* ``typo.pinyin``: for each business word (订单, 退款 …) every spelling with the same toneless pinyin
  (pypinyin) that jieba's dictionary almost never uses; a hit is confirmed by segmenting that one
  message with jieba, so ``一定单独`` (一定/单独) is not read as ``定单``.
* ``typo.english``: lower-case English words missing from pyspellchecker's shipped dictionary.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from chatledger.quality.detectors._lexicon import (
    CompiledCache,
    ConfigValueError,
    Hit,
    PhraseScanner,
    TextMemo,
    default_table,
    get_bool,
    get_number,
    get_roles,
    get_str_list,
    get_str_map,
    get_table,
    is_cjk,
    jieba_frequencies,
    message_id,
)
from chatledger.quality.findings import Finding, Role, Session, Severity

NAME = "typos"


@dataclass(frozen=True, slots=True)
class DeRule:
    """``before`` + ``wrong`` (+ ``after``) should read ``right``; empty ``after`` means any Chinese character."""

    name: str
    wrong: str
    right: str
    before: tuple[str, ...]
    after: tuple[str, ...]
    not_followed_by: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Config:
    roles: frozenset[Role]
    severity: Severity
    confusions: Mapping[str, str]
    exceptions: Mapping[str, tuple[str, ...]]
    de_rules: tuple[DeRule, ...]
    pinyin_enabled: bool
    pinyin_words: tuple[str, ...]
    pinyin_max_ratio: float
    pinyin_min_char_freq: int
    english_enabled: bool
    english_min_length: int
    english_ignore: frozenset[str]

    @classmethod
    def from_toml(cls, table: dict[str, Any]) -> Config:
        exceptions = get_table(table, "exceptions", NAME)
        for key, value in exceptions.items():
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigValueError(f"{NAME}.exceptions", key, "a list of strings", value)
        rules = table.get("de_rules", [])
        if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
            raise ConfigValueError(NAME, "de_rules", "an array of tables ([[de_rules]])", rules)
        pinyin = get_table(table, "pinyin", NAME)
        english = get_table(table, "english", NAME)
        return cls(
            roles=get_roles(table, "roles", NAME, (Role.AGENT,)),
            severity=_severity(table, NAME, Severity.MINOR),
            confusions=get_str_map(table, "confusions", NAME),
            exceptions={k: tuple(v) for k, v in exceptions.items()},
            de_rules=tuple(_de_rule(r, i) for i, r in enumerate(rules)),
            pinyin_enabled=get_bool(pinyin, "enabled", f"{NAME}.pinyin", True),
            pinyin_words=get_str_list(pinyin, "words", f"{NAME}.pinyin"),
            pinyin_max_ratio=get_number(pinyin, "max_ratio", f"{NAME}.pinyin", 0.01),
            pinyin_min_char_freq=int(get_number(pinyin, "min_char_freq", f"{NAME}.pinyin", 3000)),
            english_enabled=get_bool(english, "enabled", f"{NAME}.english", True),
            english_min_length=int(get_number(english, "min_length", f"{NAME}.english", 4)),
            english_ignore=frozenset(w.lower() for w in get_str_list(english, "ignore", f"{NAME}.english")),
        )

    @classmethod
    def default(cls) -> Config:
        return cls.from_toml(default_table(NAME))


def _severity(table: Mapping[str, Any], section: str, default: Severity) -> Severity:
    value = table.get("severity", default.value)
    try:
        return Severity(value)
    except ValueError:
        raise ConfigValueError(section, "severity", f"one of {[s.value for s in Severity]}", value) from None


def _de_rule(table: dict[str, Any], index: int) -> DeRule:
    section = f"{NAME}.de_rules[{index}]"
    wrong, right = table.get("wrong"), table.get("right")
    if not isinstance(wrong, str) or not isinstance(right, str) or len(wrong) != 1 or len(right) != 1:
        raise ConfigValueError(section, "wrong/right", "one character each", (wrong, right))
    return DeRule(
        name=str(table.get("name", f"{wrong}→{right}")),
        wrong=wrong,
        right=right,
        before=get_str_list(table, "before", section),
        after=get_str_list(table, "after", section),
        not_followed_by=get_str_list(table, "not_followed_by", section),
    )


@dataclass(frozen=True, slots=True)
class _Fix:
    """What a phrase hit means: the check, the correct phrase, and which slice of the hit is wrong."""

    check: str
    right: str
    rule: str
    any_cjk_after: bool = False
    not_followed_by: tuple[str, ...] = ()


class TypoChecker:
    """The compiled form of a ``Config``: build once, reuse for every session."""

    def __init__(self, config: Config) -> None:
        self.config = config
        phrases: dict[str, _Fix] = {
            w: _Fix("typo.word", r, "confusion") for w, r in config.confusions.items()
        }
        for rule in config.de_rules:
            for before in rule.before:
                if not rule.after:
                    phrases.setdefault(
                        before + rule.wrong,
                        _Fix("typo.de", before + rule.right, rule.name, True, rule.not_followed_by),
                    )
                for after in rule.after:
                    phrases.setdefault(
                        before + rule.wrong + after, _Fix("typo.de", before + rule.right + after, rule.name)
                    )
        if config.pinyin_enabled:
            for wrong, right in homophone_typos(
                config.pinyin_words, config.pinyin_max_ratio, config.pinyin_min_char_freq
            ).items():
                phrases.setdefault(wrong, _Fix("typo.pinyin", right, "pinyin"))
        self._scanner = PhraseScanner(phrases, config.exceptions)
        self.typos_in = TextMemo(self._typos_in)

    def findings(self, session: Session) -> list[Finding]:
        out: list[Finding] = []
        roles = self.config.roles
        for turn in session.turns:
            if turn.role in roles and turn.message.text:
                for check, wrong, right, rule, offset in self.typos_in(turn.message.text):
                    out.append(self._finding(check, message_id(turn), wrong, right, rule, offset))
        return out

    def _typos_in(self, text: str) -> list[tuple[str, str, str, str, int]]:
        """(check, wrong, right, rule, offset) for every typo in ``text``."""
        found = []
        hits = self._scanner.scan(text)
        for hit in hits:
            if len(hits) > 1 and _contained(hit, hits):
                continue
            fix = hit.payload
            if fix.any_cjk_after:
                nxt = text[hit.end : hit.end + 1]
                if not nxt or not is_cjk(nxt) or nxt in fix.not_followed_by:
                    continue
            if fix.check == "typo.pinyin" and not _segmented_as_one(text, hit.start, hit.end):
                continue
            found.append((fix.check, hit.phrase, fix.right, fix.rule, hit.start))
        if self.config.english_enabled and _HAS_LATIN.search(text):
            for word, suggestion, start in self._misspellings(text):
                found.append(("typo.english", word, suggestion, "english", start))
        return found

    def _misspellings(self, text: str) -> list[tuple[str, str, int]]:
        found = []
        for m in _WORD.finditer(text):
            word = m.group()
            if len(word) < self.config.english_min_length or not (word.islower() or word[1:].islower()):
                continue
            lower = word.lower()
            if lower in self.config.english_ignore or _known_english(lower):
                continue
            found.append((word, _english_suggestion(lower), m.start()))
        return found

    def _finding(self, check: str, mid: int, wrong: str, right: str, rule: str, offset: int) -> Finding:
        kind_zh = {
            "typo.word": "错别字",
            "typo.de": "的/地/得 误用",
            "typo.pinyin": "同音错字",
            "typo.english": "英文拼写错误",
        }[check]
        kind_en = {
            "typo.word": "typo",
            "typo.de": "的/地/得 misuse",
            "typo.pinyin": "homophone typo",
            "typo.english": "English misspelling",
        }[check]
        fix_zh = f"，应为“{right}”" if right else ""
        fix_en = f", should be '{right}'" if right else ""
        return Finding(
            detector=check,
            severity=self.config.severity,
            message_ids=(mid,),
            reason_zh=f"{kind_zh}：“{wrong}”{fix_zh}",
            reason_en=f"{kind_en}: '{wrong}'{fix_en}",
            data={"wrong": wrong, "right": right, "rule": rule, "offset": offset},
        )


def _contained(hit: Hit[_Fix], hits: list[Hit[_Fix]]) -> bool:
    """Whether a longer hit covers this one (``尽快的为您`` covers ``尽快的``): report the longer."""
    return any(
        o is not hit and o.start <= hit.start and hit.end <= o.end and o.end - o.start > hit.end - hit.start
        for o in hits
    )


_HAS_LATIN = re.compile(r"[A-Za-z]{2}")
_WORD = re.compile(r"(?<![A-Za-z0-9_@./#-])[A-Za-z]+(?:'[a-z]+)?(?![A-Za-z0-9_@/#-])")


_CHECKERS = CompiledCache(TypoChecker)


def detect(session: Session, config: Config) -> list[Finding]:
    """Typos in the messages of ``config.roles`` (agents by default)."""
    return _CHECKERS.get(config).findings(session)


# --- English -----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _spell() -> Any:
    from spellchecker import SpellChecker

    return SpellChecker(distance=1)


@lru_cache(maxsize=65536)
def _known_english(word: str) -> bool:
    base = word.split("'", 1)[0]
    return base in _spell()


@lru_cache(maxsize=4096)
def _english_suggestion(word: str) -> str:
    return str(_spell().correction(word) or "")


# --- homophones --------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _homophone_chars(min_char_freq: int) -> dict[str, tuple[str, ...]]:
    """Toneless pinyin → the common characters that read so (pypinyin; commonness from jieba)."""
    from pypinyin import Style, pinyin

    by_sound: dict[str, list[str]] = {}
    for char, count in jieba_frequencies().items():
        if len(char) != 1 or count < min_char_freq or not is_cjk(char):
            continue
        for sound in pinyin(char, style=Style.NORMAL)[0]:
            by_sound.setdefault(sound, []).append(char)
    return {s: tuple(cs) for s, cs in by_sound.items()}


@lru_cache(maxsize=4)
def _homophone_typos(words: tuple[str, ...], max_ratio: float, min_char_freq: int) -> dict[str, str]:
    from pypinyin import Style, lazy_pinyin

    freq = jieba_frequencies()
    chars = _homophone_chars(min_char_freq)
    typos: dict[str, str] = {}
    for word in words:
        base = max(freq.get(word, 0), 1)
        for i, sound in enumerate(lazy_pinyin(word, style=Style.NORMAL)):
            for char in chars.get(sound, ()):
                if char == word[i]:
                    continue
                candidate = word[:i] + char + word[i + 1 :]
                if freq.get(candidate, 0) < base * max_ratio and candidate not in words:
                    typos.setdefault(candidate, word)
    return typos


def homophone_typos(words: tuple[str, ...], max_ratio: float, min_char_freq: int) -> dict[str, str]:
    """Wrong spelling → business word, for every single-character homophone swap jieba rarely sees."""
    return _homophone_typos(tuple(words), max_ratio, min_char_freq)


def _segmented_as_one(text: str, start: int, end: int) -> bool:
    """Whether jieba keeps ``text[start:end]`` from straddling two words (only run on hits). jieba's
    dictionary also holds fragments (一下张), so ``提供一下张号`` is missed: recall traded for precision,
    since 处理结果 (frequency 3) is as rare and real."""
    import jieba

    jieba_frequencies()  # loads the dictionary quietly
    pos = 0
    for token in jieba.cut(text, HMM=False):
        t_start, t_end = pos, pos + len(token)
        pos = t_end
        crosses = t_start < start < t_end or t_start < end < t_end
        if crosses and len(token) > 1:
            return False
        if t_start >= end:
            break
    return True
