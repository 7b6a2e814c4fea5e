"""Whether a session solved the customer's problem, and the satisfaction rating it carries.

Resolution reads the customer's last ``tail_messages`` messages after an agent first spoke (what the
customer wrote before that is the problem, not the outcome); the last signal in them decides: a confirmation (解决了,
好的谢谢, 可以了) makes the session resolved, an explicit unresolved signal (还是不行, 没解决, 投诉)
unresolved, neither unconfirmed. Questions that look like confirmations (解决了吗) are no signal.
Ratings (``评价：非常满意``, ``评分：4``, ``5星``, ``★★★★☆``, ``rating: 2/5``) are read from system and
customer messages; a rating at or below ``low`` is a major finding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from chatledger.quality.detectors._lexicon import (
    AGENT,
    CUSTOMER,
    SYSTEM,
    CompiledCache,
    ConfigValueError,
    PhraseScanner,
    TextMemo,
    default_table,
    get_number,
    get_str_list,
    get_table,
    message_id,
)
from chatledger.quality.findings import Finding, Session, Severity, Turn

NAME = "resolution"
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5}


class Outcome(StrEnum):
    RESOLVED = "resolved"
    UNRESOLVED = "unresolved"
    UNCONFIRMED = "unconfirmed"


@dataclass(frozen=True, slots=True)
class Config:
    confirm: tuple[str, ...]
    unresolved: tuple[str, ...]
    neutral: tuple[str, ...]
    rating_patterns: tuple[str, ...]
    rating_labels: tuple[tuple[str, int], ...]
    low_rating: int
    tail_messages: int

    @classmethod
    def from_toml(cls, table: dict[str, Any]) -> Config:
        ratings = get_table(table, "ratings", NAME)
        patterns = get_str_list(ratings, "patterns", f"{NAME}.ratings")
        for pattern in patterns:
            try:
                if re.compile(pattern).groups < 1:
                    raise ConfigValueError(f"{NAME}.ratings", "patterns", "a regex with one group", pattern)
            except re.error as error:
                raise ConfigValueError(
                    f"{NAME}.ratings", "patterns", f"a valid regex ({error})", pattern
                ) from None
        labels = get_table(ratings, "labels", f"{NAME}.ratings")
        for label, value in labels.items():
            if not isinstance(value, int) or not 1 <= value <= 5:
                raise ConfigValueError(f"{NAME}.ratings.labels", label, "a whole number 1-5", value)
        return cls(
            confirm=get_str_list(get_table(table, "confirm", NAME), "phrases", f"{NAME}.confirm"),
            unresolved=get_str_list(get_table(table, "unresolved", NAME), "phrases", f"{NAME}.unresolved"),
            neutral=get_str_list(table, "neutral", NAME),
            rating_patterns=patterns,
            rating_labels=tuple(labels.items()),
            low_rating=int(get_number(ratings, "low", f"{NAME}.ratings", 2)),
            tail_messages=max(1, int(get_number(table, "tail_messages", NAME, 2))),
        )

    @classmethod
    def default(cls) -> Config:
        return cls.from_toml(default_table(NAME))


@dataclass(frozen=True, slots=True)
class Resolution:
    """A session's outcome, the message that decided it, and its rating (1–5) if it carries one."""

    outcome: Outcome
    message_id: int | None
    phrase: str | None
    rating: int | None
    rating_message_id: int | None


class _Compiled:
    def __init__(self, config: Config) -> None:
        signals: dict[str, Outcome | None] = {p.lower(): Outcome.UNRESOLVED for p in config.unresolved}
        signals.update({p.lower(): Outcome.RESOLVED for p in config.confirm})
        signals.update({p.lower(): None for p in config.neutral})
        self.scanner = PhraseScanner(signals)
        self.rating = (
            re.compile("|".join(f"(?:{p})" for p in config.rating_patterns), re.IGNORECASE)
            if config.rating_patterns
            else None
        )
        self.labels = dict(config.rating_labels)
        self.markers = re.compile("评|满意|星|★|分|rat", re.IGNORECASE)
        self.signal = TextMemo(self._signal)
        self.read_rating = TextMemo(self._read_rating)

    def _signal(self, text: str) -> tuple[Outcome, str] | None:
        last = None
        for hit in self.scanner.scan(text.lower(), longest=True):
            if hit.payload is not None:
                last = (hit.payload, hit.phrase)
        return last

    def _read_rating(self, text: str) -> int | None:
        if self.rating is None or not self.markers.search(text):
            return None
        found = self.rating.search(text)
        if found is None:
            return None
        value = next(g for g in found.groups() if g is not None)
        if value in self.labels:
            return self.labels[value]
        if value.startswith("★"):
            return len(value)
        if value in _CN_DIGITS:
            return _CN_DIGITS[value]
        return int(value) if value.isdigit() and 1 <= int(value) <= 5 else None


_COMPILED = CompiledCache(_Compiled)


def resolve(session: Session, config: Config) -> Resolution:
    """The session's outcome and rating (see the module docstring for the rules)."""
    compiled = _COMPILED.get(config)
    decided: tuple[Outcome, str, Turn] | None = None
    rating: tuple[int, Turn] | None = None
    first_agent = next((i for i, t in enumerate(session.turns) if t.role is AGENT), len(session.turns))
    customer = [t for t in session.turns[first_agent:] if t.role is CUSTOMER and t.message.text]
    for turn in customer[-config.tail_messages :]:
        signal = compiled.signal(turn.message.text)
        if signal is not None:
            decided = (signal[0], signal[1], turn)
    for turn in session.turns:
        if turn.message.text and turn.role in (CUSTOMER, SYSTEM):
            value = compiled.read_rating(turn.message.text)
            if value is not None:
                rating = (value, turn)
    return Resolution(
        outcome=decided[0] if decided else Outcome.UNCONFIRMED,
        message_id=message_id(decided[2]) if decided else None,
        phrase=decided[1] if decided else None,
        rating=rating[0] if rating else None,
        rating_message_id=message_id(rating[1]) if rating else None,
    )


def detect(session: Session, config: Config) -> list[Finding]:
    """``resolution.resolved`` (info), ``resolution.unresolved`` (major), ``resolution.unconfirmed``
    (info) and, when the chat carries a rating, ``resolution.rating`` (info) or ``resolution.low_rating``."""
    result = resolve(session, config)
    out = []
    if result.outcome is Outcome.RESOLVED and result.message_id is not None:
        out.append(
            Finding(
                "resolution.resolved",
                Severity.INFO,
                (result.message_id,),
                f"顾客确认问题已解决（“{result.phrase}”）",
                f"the customer confirmed the problem was solved ('{result.phrase}')",
                {"phrase": result.phrase},
            )
        )
    elif result.outcome is Outcome.UNRESOLVED and result.message_id is not None:
        out.append(
            Finding(
                "resolution.unresolved",
                Severity.MAJOR,
                (result.message_id,),
                f"问题没有解决：顾客最后说“{result.phrase}”",
                f"the problem was not solved: the customer's last word was '{result.phrase}'",
                {"phrase": result.phrase},
            )
        )
    else:
        customer = [t for t in session.turns if t.role is CUSTOMER]
        if customer:
            out.append(
                Finding(
                    "resolution.unconfirmed",
                    Severity.INFO,
                    (message_id(customer[-1]),),
                    "顾客没有确认问题是否解决",
                    "the customer did not confirm whether the problem was solved",
                )
            )
    if result.rating is not None and result.rating_message_id is not None:
        low = result.rating <= config.low_rating
        out.append(
            Finding(
                "resolution.low_rating" if low else "resolution.rating",
                Severity.MAJOR if low else Severity.INFO,
                (result.rating_message_id,),
                f"满意度评价 {result.rating}/5" + ("（差评）" if low else ""),
                f"satisfaction rating {result.rating}/5" + (" (poor)" if low else ""),
                {"rating": result.rating, "scale": 5},
            )
        )
    return out
