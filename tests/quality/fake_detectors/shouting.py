"""Flags agent messages written in capitals (a dataclass config)."""

from __future__ import annotations

from dataclasses import dataclass

from chatledger.quality.findings import Finding, Role, Session, Severity


@dataclass(frozen=True)
class Config:
    min_letters: int = 4
    words: tuple[str, ...] = ()


def detect(session: Session, config: Config) -> list[Finding]:
    return [
        Finding("shouting", Severity.MINOR, (t.message.id or 0,), "客服大写喊话", "agent shouted")
        for t in session.turns
        if t.role is Role.AGENT and sum(c.isupper() for c in t.message.text) >= config.min_letters
    ]
