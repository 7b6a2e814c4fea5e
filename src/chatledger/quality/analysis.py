"""One call from an archive to scored sessions: columns → roles → sessions → timing → detectors → scores."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase

import numpy as np

from chatledger.errors import InputError
from chatledger.model import Message
from chatledger.quality.config import QualityConfig
from chatledger.quality.findings import Finding, Role, Session, Turn
from chatledger.quality.registry import Detector, discover
from chatledger.quality.scoring import SessionScore, score_session, timing_findings
from chatledger.quality.sessions import RoleMap, SessionFrame, session_channels, split_sessions
from chatledger.quality.timing import Timing, compute_timing
from chatledger.store import Store


@dataclass(frozen=True, slots=True)
class Scope:
    """Which sessions to analyse: chats (archive ids), a time range, one agent, one channel."""

    conversation_ids: tuple[int, ...] | None = None
    after_ms: int | None = None
    before_ms: int | None = None
    agent: str | None = None
    channel: str | None = None


@dataclass(slots=True)
class Analysis:
    """What ``analyse`` found: the timing, each session's findings and score, the detectors that ran."""

    config: QualityConfig
    scope: Scope
    timing: Timing
    scores: list[SessionScore]
    detectors: list[str]
    titles: dict[int, str] = field(default_factory=dict)
    corpus_findings: list[Finding] = field(default_factory=list)  # from corpus detectors (top questions)


def _time_timing(store: Store, config: QualityConfig, scope: Scope) -> Timing:
    columns = store.timeline_columns(
        conversation_ids=scope.conversation_ids, after_ms=scope.after_ms, before_ms=scope.before_ms
    )
    roles = RoleMap.from_store(store, config)
    frame = split_sessions(columns, roles, config)
    channels = session_channels(frame, store.conversation_refs(), config)
    keep = np.ones(frame.n_sessions, dtype=np.bool_)
    if scope.agent is not None:
        matching = [i for i, a in enumerate(frame.agents) if fnmatchcase(a, scope.agent)]
        if not matching:
            known = ", ".join(frame.agents[:12]) or "none"
            raise InputError(f"--agent {scope.agent!r}: no such agent in these chats (agents: {known}).")
        keep &= np.logical_or.reduce([frame.sessions_with_agent(i) for i in matching])
    if scope.channel is not None:
        keep &= np.array([c == scope.channel for c in channels], dtype=np.bool_)
    if not keep.all():
        channels = [c for c, k in zip(channels, keep.tolist(), strict=True) if k]
        frame = frame.subset(keep)
    first_seen = _first_seen(store, roles, frame)
    return compute_timing(frame, channels, config, first_seen_ms=first_seen)


def timing(store: Store, config: QualityConfig, scope: Scope | None = None) -> Timing:
    """The time metrics only (no message text is read)."""
    return _time_timing(store, config, scope or Scope())


def _first_seen(store: Store, roles: RoleMap, frame: SessionFrame) -> dict[str, int]:
    handles = [pid for pid, label in roles.agent_of.items() if label in set(frame.agents)]
    first = store.first_message_ms(handles)
    seen: dict[str, int] = {}
    for pid, ts in first.items():
        label = roles.agent_of[pid]
        seen[label] = min(ts, seen.get(label, ts))
    return seen


def iter_sessions(store: Store, timing: Timing, scope: Scope) -> Iterator[tuple[int, Session]]:
    """(number, session) for the sessions of ``timing.frame`` with their messages, in one ordered pass."""
    frame = timing.frame
    if frame.n_sessions == 0:
        return
    ids = frame.id
    row, n = 0, len(frame)
    session = 0
    turns: list[Turn] = []
    conv_ids = sorted({int(c) for c in frame.conversation.tolist()})
    for message in store.iter_timeline(
        conversation_ids=conv_ids, after_ms=scope.after_ms, before_ms=scope.before_ms
    ):
        if row >= n:
            break
        if message.id != ids[row]:
            continue  # a bot, system event or recall, or a session outside the scope
        agent = int(frame.agent[row])
        turns.append(_turn(message, agent, frame))
        row += 1
        if row == frame.stop[session]:
            yield (
                session,
                Session(
                    int(frame.conversation[session]),
                    int(frame.index[session]),
                    tuple(turns),
                    timing.channels[session],
                ),
            )
            turns = []
            session += 1


def _customer_view(session: Session) -> Session:
    """The session with only its customers' text messages, each kept as id, time and text: what corpus
    detectors read, at a third of the memory (1e6 messages would otherwise all stay alive)."""
    turns = tuple(
        Turn(
            Message("", None, t.message.ts_ms, t.message.kind, t.message.text, id=t.message.id), Role.CUSTOMER
        )
        for t in session.turns
        if t.role is Role.CUSTOMER and t.message.text
    )
    return replace(session, turns=turns)


def _turn(message: Message, agent: int, frame: SessionFrame) -> Turn:
    if agent >= 0:
        return Turn(message, Role.AGENT, frame.agents[agent])
    return Turn(message, Role.CUSTOMER, None)


def analyse(
    store: Store,
    config: QualityConfig,
    scope: Scope | None = None,
    *,
    detectors: Sequence[Detector] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Analysis:
    """Score every session in scope: timing findings plus every detector's (default: all discovered)."""
    scope = scope or Scope()
    measured = _time_timing(store, config, scope)
    running = list(discover(config) if detectors is None else detectors)
    per_session = [d for d in running if not d.corpus]
    corpus = [d for d in running if d.corpus]
    by_session = timing_findings(measured, config)
    scores: list[SessionScore] = []
    total = measured.frame.n_sessions
    customer_sessions: list[Session] = []  # corpus detectors read what customers said, nothing more
    if running:
        for number, session in iter_sessions(store, measured, scope):
            found: list[Finding] = list(by_session.get(number, ()))
            for detector in per_session:
                found.extend(detector(session))
            scores.append(score_session(number, measured, found, config))
            if corpus:
                customer_sessions.append(_customer_view(session))
            if progress is not None and number % 1000 == 0:
                progress(number, total)
    else:
        scores = [score_session(s, measured, by_session.get(s, ()), config) for s in range(total)]
    corpus_findings = [f for d in corpus for f in d.run_corpus(customer_sessions)]
    del customer_sessions
    titles = store.conversation_titles()
    return Analysis(config, scope, measured, scores, [d.name for d in running], titles, corpus_findings)
