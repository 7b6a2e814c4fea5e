"""The vocabulary quality analysis speaks: who plays which role, a service session, and a finding.

Sessions are built from archived ``Message``s (``chatledger.model``); every detector reads a
``Session`` and returns ``Finding``s that name the messages they rest on, so each point a score loses
can be traced to what was said.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from chatledger.model import Message


class Role(StrEnum):
    """What a message's sender is in a service chat."""

    AGENT = "agent"
    CUSTOMER = "customer"
    BOT = "bot"
    SYSTEM = "system"


class Severity(StrEnum):
    """How much a finding weighs: ``CRITICAL`` can fail a session on its own."""

    INFO = "info"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


@dataclass(frozen=True, slots=True)
class Turn:
    """One message of a session with the role of its sender (``agent`` names the agent handle)."""

    message: Message
    role: Role
    agent: str | None = None


@dataclass(frozen=True, slots=True)
class Session:
    """A stretch of one conversation between an inactivity gap and the next, in time order."""

    conversation_id: int
    index: int
    turns: tuple[Turn, ...]
    channel: str = "support"

    @property
    def start_ms(self) -> int:
        return self.turns[0].message.ts_ms

    @property
    def end_ms(self) -> int:
        return self.turns[-1].message.ts_ms

    @property
    def agents(self) -> tuple[str, ...]:
        """The agent handles who spoke in this session, in order of first appearance."""
        return tuple(dict.fromkeys(t.agent for t in self.turns if t.role is Role.AGENT and t.agent))


@dataclass(frozen=True, slots=True)
class Finding:
    """Something a detector noticed: what, how bad, on which messages, and why (zh-CN and English).

    ``detector`` is a dotted name (``typo``, ``rude``, ``script.greeting``, ``sentiment.anger_rising``,
    ``resolution.unresolved``, …); ``data`` holds what a report may chart (the typo and its correction,
    a sentiment score, …).
    """

    detector: str
    severity: Severity
    message_ids: tuple[int, ...]
    reason_zh: str
    reason_en: str
    data: dict[str, Any] = field(default_factory=dict)
