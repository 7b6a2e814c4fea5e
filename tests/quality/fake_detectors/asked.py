"""Counts customer questions over the whole corpus (a corpus detector with a from_toml config)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from chatledger.quality.findings import Finding, Role, Session, Severity


@dataclass(frozen=True)
class Config:
    marker: str

    @classmethod
    def from_toml(cls, table: dict[str, Any]) -> Config:
        return cls(str(table.get("marker", "吗")))


def detect(sessions: Sequence[Session], config: Config) -> list[Finding]:
    asked = [
        t for s in sessions for t in s.turns if t.role is Role.CUSTOMER and config.marker in t.message.text
    ]
    return [
        Finding(
            "asked",
            Severity.INFO,
            tuple(t.message.id or 0 for t in asked),
            "问题",
            "questions",
            {"topic": config.marker, "sessions": len(asked), "messages": len(asked), "examples": []},
        )
    ]
