"""Copy-paste repetition: the same long agent reply sent several times in one session (compared after
folding whitespace, punctuation and digits, so a template with another order number still counts)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from chatledger.quality.detectors._lexicon import (
    AGENT,
    ConfigValueError,
    TextMemo,
    default_table,
    get_number,
    ids,
)
from chatledger.quality.findings import Finding, Session, Severity, Turn

NAME = "repetition"
_NOISE = re.compile(r"[\W_]+")  # whitespace, punctuation, emoji
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class Config:
    min_chars: int
    min_repeats: int
    severity: Severity

    @classmethod
    def from_toml(cls, table: dict[str, Any]) -> Config:
        value = table.get("severity", Severity.MINOR.value)
        try:
            severity = Severity(value)
        except ValueError:
            raise ConfigValueError(NAME, "severity", "a severity", value) from None
        repeats = int(get_number(table, "min_repeats", NAME, 3))
        if repeats < 2:
            raise ConfigValueError(NAME, "min_repeats", "2 or more", repeats)
        return cls(int(get_number(table, "min_chars", NAME, 15)), repeats, severity)

    @classmethod
    def default(cls) -> Config:
        return cls.from_toml(default_table(NAME))


def fold(text: str) -> str:
    """The text with whitespace and punctuation removed and every run of digits written ``0``."""
    return _DIGITS.sub("0", _NOISE.sub("", text))


_FOLDED = TextMemo(fold)  # agents resend the same replies: fold each text once


def detect(session: Session, config: Config) -> list[Finding]:
    """One finding per agent and repeated reply, naming every copy."""
    groups: dict[tuple[str | None, str], list[Turn]] = {}
    folded, min_chars = _FOLDED, config.min_chars
    for turn in session.turns:
        text = turn.message.text
        if turn.role is not AGENT or len(text) < min_chars:
            continue
        key = folded(text)
        if len(key) >= config.min_chars:
            groups.setdefault((turn.agent, key), []).append(turn)
    out = []
    for (agent, _), turns in groups.items():
        if len(turns) < config.min_repeats:
            continue
        sample = turns[0].message.text
        shown = sample if len(sample) <= 40 else sample[:39] + "…"
        out.append(
            Finding(
                detector="repetition.copy_paste",
                severity=config.severity,
                message_ids=ids(turns),
                reason_zh=f"同一段回复在本会话中重复发送了 {len(turns)} 次：“{shown}”",
                reason_en=f"the same reply was sent {len(turns)} times in this session: '{shown}'",
                data={"count": len(turns), "agent": agent, "text": sample},
            )
        )
    return out
