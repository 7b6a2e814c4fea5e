"""Sentiment per message from a project-owned lexicon (offline, no model): words with weights,
negations (``不是很满意`` is negative), degree adverbs (``非常``) and clause breaks, scanned with one
Aho-Corasick automaton (longest match first, so ``不好意思`` is not 不 + 好).

Why not pysenti: measured here, its RuleClassifier takes 6 s to start, scores 2.9k sentences/s (1e6
messages would take 6 minutes) and reads ``不是很满意`` as positive.

``message_sentiments`` gives a score (-1…1) and an anger level (0…1) per message; ``detect`` reports
``sentiment.customer_angry`` (info), ``sentiment.anger_rising`` (the customer grows angrier across the
session) and ``sentiment.agent_not_calm`` (an agent message that is itself negative or angry).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chatledger.quality.detectors._lexicon import (
    AGENT,
    CUSTOMER,
    CompiledCache,
    ConfigValueError,
    PhraseScanner,
    TextMemo,
    default_table,
    get_number,
    get_str_list,
    get_table,
    ids,
    message_id,
)
from chatledger.quality.findings import Finding, Role, Session, Severity, Turn

NAME = "sentiment"
_BREAK_CHARS = frozenset("，。！？；,.!?;\n~～…")  # a negation does not reach past a clause break
_WORD, _ANGER, _NEGATION, _DEGREE = range(4)
_NEGATION_REACH = 2  # a negation turns a word at most this many characters after it (不是很满意)


@dataclass(frozen=True, slots=True)
class Config:
    words: tuple[tuple[str, float], ...]
    anger: tuple[tuple[str, float], ...]
    negations: tuple[str, ...]
    degrees: tuple[tuple[str, float], ...]
    angry_level: float
    rising_delta: float
    min_customer_messages: int
    agent_floor: float

    @classmethod
    def from_toml(cls, table: dict[str, Any]) -> Config:
        return cls(
            words=_weights(table, "words"),
            anger=_weights(table, "anger"),
            negations=get_str_list(table, "negations", NAME),
            degrees=_weights(table, "degrees"),
            angry_level=get_number(table, "angry_level", NAME, 0.5),
            rising_delta=get_number(table, "rising_delta", NAME, 0.3),
            min_customer_messages=int(get_number(table, "min_customer_messages", NAME, 3)),
            agent_floor=get_number(table, "agent_floor", NAME, -0.35),
        )

    @classmethod
    def default(cls) -> Config:
        return cls.from_toml(default_table(NAME))


def _weights(table: dict[str, Any], key: str) -> tuple[tuple[str, float], ...]:
    section = get_table(table, key, NAME)
    out = []
    for word, weight in section.items():
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            raise ConfigValueError(f"{NAME}.{key}", word, "a number", weight)
        out.append((word.lower(), float(weight)))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class MessageSentiment:
    """``score`` from -1 (very negative) to 1 (very positive); ``anger`` from 0 to 1."""

    message_id: int
    role: Role
    score: float
    anger: float


class _Compiled:
    def __init__(self, config: Config) -> None:
        entries: dict[str, tuple[float, float, int]] = {}  # word -> (valence, anger, kind)
        for word in config.negations:
            entries[word.lower()] = (0.0, 0.0, _NEGATION)
        for word, weight in config.degrees:
            entries[word] = (weight, 0.0, _DEGREE)
        for word, weight in config.words:
            entries[word] = (weight, 0.0, _WORD)
        for word, weight in config.anger:
            # an anger phrase that is not also a listed word counts as negative as it is angry
            valence = entries[word][0] if word in entries and entries[word][2] == _WORD else -weight
            entries[word] = (valence, weight, _ANGER)
        self.scanner = PhraseScanner({w: (*e, len(w)) for w, e in entries.items()})
        self.ascii = any(w.isascii() and w.isalpha() for w in entries)
        self.score = TextMemo(self._score)

    def _score(self, text: str) -> tuple[float, float]:
        if self.ascii:
            text = text.lower()
        raw = anger = 0.0
        degree, negated, negation_end = 1.0, False, 0
        for end, (value, wrath, kind, length) in self.scanner.payloads(text):
            if kind == _NEGATION:
                negated, negation_end = not negated, end + 1
            elif kind == _DEGREE:
                degree *= value
            else:
                start = end + 1 - length
                if (
                    negated
                    and start - negation_end <= _NEGATION_REACH
                    and not _BREAK_CHARS.intersection(text[negation_end:start])
                ):
                    raw += -0.5 * value * degree
                else:
                    raw += value * degree
                    anger += wrath * degree
                degree, negated = 1.0, False
        score = raw / (abs(raw) + 3.0)
        if raw < 0 and ("！！" in text or "!!" in text or "？？" in text or "??" in text):
            anger *= 1.3
            score = max(-1.0, score * 1.2)
        return score, min(1.0, 0.5 * anger + max(0.0, -score))


_COMPILED = CompiledCache(_Compiled)


def message_sentiments(session: Session, config: Config) -> list[MessageSentiment]:
    """A score and an anger level for every customer and agent message with text."""
    compiled = _COMPILED.get(config)
    out = []
    for turn in session.turns:
        if turn.role in (CUSTOMER, AGENT) and turn.message.text:
            score, anger = compiled.score(turn.message.text)
            out.append(MessageSentiment(message_id(turn), turn.role, score, anger))
    return out


def detect(session: Session, config: Config) -> list[Finding]:
    compiled = _COMPILED.get(config)
    customer: list[tuple[Turn, float, float]] = []
    out: list[Finding] = []
    measure, floor, angry_level = compiled.score, config.agent_floor, config.angry_level
    for turn in session.turns:
        role, text = turn.role, turn.message.text
        if not text or (role is not CUSTOMER and role is not AGENT):
            continue
        score, anger = measure(text)
        if role is CUSTOMER:
            customer.append((turn, score, anger))
        elif score < floor or anger >= angry_level:
            out.append(
                Finding(
                    detector="sentiment.agent_not_calm",
                    severity=Severity.MAJOR,
                    message_ids=(message_id(turn),),
                    reason_zh=f"客服回复情绪不稳（情绪分 {score:.2f}，愤怒 {anger:.2f}）",
                    reason_en=f"the agent's reply is not calm (sentiment {score:.2f}, anger {anger:.2f})",
                    data={"score": round(score, 3), "anger": round(anger, 3)},
                )
            )
    angry = [c for c in customer if c[2] >= config.angry_level]
    if angry:
        peak = max(c[2] for c in angry)
        out.append(
            Finding(
                detector="sentiment.customer_angry",
                severity=Severity.INFO,
                message_ids=ids(c[0] for c in angry),
                reason_zh=f"顾客有 {len(angry)} 条消息带有不满或愤怒情绪（最高 {peak:.2f}）",
                reason_en=f"{len(angry)} customer message(s) are upset or angry (peak {peak:.2f})",
                data={"messages": len(angry), "peak_anger": round(peak, 3)},
            )
        )
    rising = _rising(customer, config)
    if rising is not None:
        out.append(rising)
    return out


def _rising(customer: list[tuple[Turn, float, float]], config: Config) -> Finding | None:
    """Anger rising: the last third of the customer's messages is clearly angrier than the first."""
    n = len(customer)
    if n < config.min_customer_messages:
        return None
    third = max(1, n // 3)
    first, last = customer[:third], customer[-third:]
    before = sum(c[2] for c in first) / len(first)
    after = sum(c[2] for c in last) / len(last)
    if after - before < config.rising_delta or max(c[2] for c in last) < config.angry_level:
        return None
    cited = [first[0][0], *(c[0] for c in last if c[2] >= config.angry_level)]
    return Finding(
        detector="sentiment.anger_rising",
        severity=Severity.MAJOR,
        message_ids=ids(cited),
        reason_zh=f"顾客情绪在会话中不断恶化（愤怒从 {before:.2f} 升到 {after:.2f}）",
        reason_en=f"the customer grew angrier during the session (anger {before:.2f} → {after:.2f})",
        data={"anger_before": round(before, 3), "anger_after": round(after, 3)},
    )
