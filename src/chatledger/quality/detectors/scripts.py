"""Standard scripts (话术): which greeting, apology, closing and disclosure an agent used, matched fuzzily
(rapidfuzz ``partial_ratio`` over punctuation-free, character-folded text), and which a session misses.

``usage(session, config)`` says what was used where (for per-session and per-agent shares);
``detect`` reports ``script.<category>_missing`` for each category the channel requires, and
``script.apology_missing`` when a customer complained and no agent apologised afterwards.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process

from chatledger.quality.detectors._lexicon import (
    AGENT,
    CUSTOMER,
    CompiledCache,
    ConfigValueError,
    PhraseScanner,
    TextMemo,
    default_table,
    fold_text,
    get_number,
    get_str_list,
    get_str_map,
    get_table,
    message_id,
)
from chatledger.quality.findings import Finding, Session, Severity, Turn

NAME = "scripts"
_POSITIONS = ("start", "end", "any")
_LABEL = {
    "greeting": ("问候语", "greeting"),
    "apology": ("致歉语", "apology"),
    "closing": ("结束语", "closing"),
    "disclosure": ("必要告知", "mandatory disclosure"),
}


@dataclass(frozen=True, slots=True)
class Category:
    name: str
    position: str
    phrases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Config:
    threshold: float
    greeting_window: int
    closing_window: int
    fold: tuple[tuple[str, str], ...]
    categories: tuple[Category, ...]
    channels: tuple[tuple[str, tuple[str, ...], tuple[tuple[str, tuple[str, ...]], ...]], ...]
    apology_severity: Severity
    complaint_words: tuple[str, ...]

    @classmethod
    def from_toml(cls, table: dict[str, Any]) -> Config:
        categories = []
        for name, body in get_table(table, "categories", NAME).items():
            section = f"{NAME}.categories.{name}"
            if not isinstance(body, dict):
                raise ConfigValueError(f"{NAME}.categories", name, "a table", body)
            position = body.get("position", "any")
            if position not in _POSITIONS:
                raise ConfigValueError(section, "position", f"one of {list(_POSITIONS)}", position)
            categories.append(Category(name, position, get_str_list(body, "phrases", section)))
        known = {c.name for c in categories}
        channels = []
        for name, body in get_table(table, "channels", NAME).items():
            section = f"{NAME}.channels.{name}"
            required = get_str_list(body, "required", section)
            extra = get_table(body, "phrases", section)
            for category in (*required, *extra):
                if category not in known:
                    raise ConfigValueError(section, category, f"a category among {sorted(known)}", category)
            channels.append(
                (name, required, tuple((c, get_str_list(extra, c, f"{section}.phrases")) for c in extra))
            )
        apology = get_table(table, "apology_expected", NAME)
        value = apology.get("severity", Severity.MINOR.value)
        try:
            apology_severity = Severity(value)
        except ValueError:
            raise ConfigValueError(f"{NAME}.apology_expected", "severity", "a severity", value) from None
        return cls(
            threshold=get_number(table, "threshold", NAME, 80),
            greeting_window=int(get_number(table, "greeting_window", NAME, 2)),
            closing_window=int(get_number(table, "closing_window", NAME, 2)),
            fold=tuple(sorted(get_str_map(table, "fold", NAME).items(), key=lambda kv: -len(kv[0]))),
            categories=tuple(categories),
            channels=tuple(channels),
            apology_severity=apology_severity,
            complaint_words=get_str_list(apology, "when_customer_says", f"{NAME}.apology_expected"),
        )

    @classmethod
    def default(cls) -> Config:
        return cls.from_toml(default_table(NAME))


@dataclass(frozen=True, slots=True)
class ScriptMatch:
    """An agent message that used a script phrase (``score`` 0–100)."""

    category: str
    message_id: int
    agent: str | None
    phrase: str
    score: float


@dataclass(frozen=True, slots=True)
class ScriptUsage:
    """Which script categories a session used, and which of its channel's required ones it missed."""

    matches: tuple[ScriptMatch, ...]
    required: tuple[str, ...]
    missing: tuple[str, ...]

    def used(self, category: str) -> bool:
        return any(m.category == category for m in self.matches)


class _Library:
    """One channel's phrases, folded, with an index of their character pairs.

    rapidfuzz only scores the phrases that share enough character pairs (bigrams) with the text (a
    third of the phrase's pairs; ``你好呀很高兴为你服务`` shares 7 of 8 with ``您好，很高兴为您服务``),
    found in one Aho-Corasick pass; and agents reuse replies, so results are remembered per text."""

    def __init__(self, config: Config, channel: str) -> None:
        extra = dict(dict((n, x) for n, _, x in config.channels).get(channel, ()))
        self.fold = config.fold
        self.threshold = config.threshold
        self.order = [c.name for c in config.categories]
        self.positions = {c.name: c.position for c in config.categories}
        # (category, normalised, original, bigrams needed), longest phrases first within a category
        self.phrases: list[tuple[str, str, str, int]] = []
        pairs: dict[str, list[int]] = {}
        for category in config.categories:
            folded = {(self.normalise(p), p) for p in (*category.phrases, *extra.get(category.name, ()))}
            for normalised, original in sorted(folded, key=lambda f: (-len(f[0]), f)):
                if not normalised:
                    continue
                grams = _bigrams(normalised)
                for gram in grams:
                    pairs.setdefault(gram, []).append(len(self.phrases))
                self.phrases.append((category.name, normalised, original, max(1, math.ceil(len(grams) / 3))))
        self._pairs = PhraseScanner({g: tuple(ks) for g, ks in pairs.items()})
        self.matches = TextMemo(self._matches)

    def normalise(self, text: str) -> str:
        text = fold_text(text).lower()
        for source, target in self.fold:
            if source in text:
                text = text.replace(source, target)
        return text

    def _matches(self, text: str) -> tuple[tuple[str, str, str, float], ...]:
        """(category, position, phrase, score) of every category whose script ``text`` uses.
        Only phrases at most a quarter longer than the text compete: ``您好`` alone is no full greeting."""
        normalised = self.normalise(text[:300])
        shared: dict[int, int] = {}
        for phrases in self._pairs.distinct_payloads(normalised):
            for k in phrases:
                shared[k] = shared.get(k, 0) + 1
        longest = len(normalised) * 5 // 4 + 1
        candidates: dict[str, list[int]] = {}
        for k in sorted(shared):
            category, phrase, _, need = self.phrases[k]
            if shared[k] >= need and len(phrase) <= longest:
                candidates.setdefault(category, []).append(k)
        found = []
        for category in self.order:
            ks = candidates.get(category)
            if not ks:
                continue
            best = process.extractOne(
                normalised,
                [self.phrases[k][1] for k in ks],
                scorer=fuzz.partial_ratio,
                score_cutoff=self.threshold,
            )
            if best is not None:  # of equal scores the first, longest phrase wins
                found.append(
                    (category, self.positions[category], self.phrases[ks[best[2]]][2], float(best[1]))
                )
        return tuple(found)


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


class _Compiled:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.libraries: dict[str, _Library] = {}
        self.required = {name: required for name, required, _ in config.channels}
        self.complaints = PhraseScanner({w: w for w in config.complaint_words})

    def library(self, channel: str) -> _Library:
        library = self.libraries.get(channel)
        if library is None:
            library = self.libraries[channel] = _Library(self.config, channel)
        return library


_COMPILED = CompiledCache(_Compiled)


def usage(session: Session, config: Config) -> ScriptUsage:
    """Every script phrase the session's agents used, by category, where the category's position allows."""
    compiled = _COMPILED.get(config)
    library = compiled.library(session.channel)
    agent_turns = [t for t in session.turns if t.role is AGENT and t.message.text]
    last_start = config.greeting_window
    first_end = len(agent_turns) - config.closing_window if config.closing_window else len(agent_turns)
    matches: list[ScriptMatch] = []
    for index, turn in enumerate(agent_turns):
        for category, position, phrase, score in library.matches(turn.message.text):
            if (position == "start" and index >= last_start) or (position == "end" and index < first_end):
                continue
            matches.append(ScriptMatch(category, message_id(turn), turn.agent, phrase, score))
    required = compiled.required.get(session.channel, ())
    used = {m.category for m in matches}
    missing = tuple(c for c in required if c not in used) if agent_turns else ()
    return ScriptUsage(tuple(matches), required, missing)


def detect(session: Session, config: Config) -> list[Finding]:
    """Missing required scripts, and complaints left without an apology."""
    script_usage = usage(session, config)
    agent_turns = [t for t in session.turns if t.role is AGENT]
    out = []
    for category in script_usage.missing:
        zh, en = _LABEL.get(category, (category, category))
        where = _where(category, agent_turns, config)
        out.append(
            Finding(
                detector=f"script.{category}_missing",
                severity=Severity.MINOR,
                message_ids=tuple(message_id(t) for t in where),
                reason_zh=f"会话缺少标准{zh}",
                reason_en=f"the session lacks the standard {en}",
                data={"category": category, "channel": session.channel},
            )
        )
    complaint = _first_complaint(session, _COMPILED.get(config))
    if complaint is not None:
        apologies = {m.message_id for m in script_usage.matches if m.category == "apology"}
        after = [t for t in agent_turns if t.message.ts_ms >= complaint[0].message.ts_ms]
        if after and not any(message_id(t) in apologies for t in after):
            out.append(
                Finding(
                    detector="script.apology_missing",
                    severity=config.apology_severity,
                    message_ids=(message_id(complaint[0]),),
                    reason_zh=f"顾客抱怨（“{complaint[1]}”）后客服没有致歉",
                    reason_en=f"the customer complained ('{complaint[1]}') and no agent apologised",
                    data={"complaint": complaint[1]},
                )
            )
    return out


def _where(category: str, agent_turns: list[Turn], config: Config) -> list[Turn]:
    """The agent messages where the missing script was expected."""
    position = next((c.position for c in config.categories if c.name == category), "any")
    if position == "start":
        return agent_turns[: config.greeting_window]
    if position == "end":
        return agent_turns[-config.closing_window :] if config.closing_window else []
    return agent_turns[:1]


def _first_complaint(session: Session, compiled: _Compiled) -> tuple[Turn, str] | None:
    for turn in session.turns:
        if turn.role is CUSTOMER:
            hits = compiled.complaints.scan(turn.message.text)
            if hits:
                return turn, hits[0].phrase
    return None
