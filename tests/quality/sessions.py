"""Build a ``Session`` from a few lines of dialogue for the hand-written detector tests."""

from __future__ import annotations

from chatledger.model import Message, MessageKind
from chatledger.quality.findings import Role, Session, Turn

ROLES = {"a": Role.AGENT, "c": Role.CUSTOMER, "s": Role.SYSTEM, "b": Role.BOT}


def session(*lines: tuple[str, str] | tuple[str, str, float], channel: str = "support") -> Session:
    """``("c", "在吗")``, ``("a", "您好", 12)``: role letter, text, seconds after the previous line
    (30 by default). Message ids count from 1; agent lines are spoken by ``agent1``."""
    ts = 1_717_200_000_000
    turns = []
    for number, line in enumerate(lines, start=1):
        role = ROLES[line[0]]
        ts += int(1000 * (line[2] if len(line) == 3 else 30))
        sender = {"a": "agent1", "c": "customer1"}.get(line[0])
        message = Message("chat", sender, ts, MessageKind.TEXT, line[1], id=number)
        turns.append(Turn(message, role, "agent1" if role is Role.AGENT else None))
    return Session(1, 0, tuple(turns), channel=channel)


def agent_says(*texts: str) -> Session:
    return session(*(("a", t) for t in texts))
