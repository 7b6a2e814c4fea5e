"""One call from an archive to scored sessions: columns → roles → sessions → timing → detectors → scores."""

from __future__ import annotations

import heapq
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import overload

import numpy as np

from chatledger.errors import InputError
from chatledger.model import Message, MessageKind, by_value
from chatledger.quality.config import QualityConfig
from chatledger.quality.findings import Finding, Role, Session, Turn
from chatledger.quality.registry import Detector, discover
from chatledger.quality.scoring import SessionScore, score_session, timing_findings
from chatledger.quality.sessions import RoleMap, SessionFrame, session_channels, split_sessions
from chatledger.quality.summary import Tally
from chatledger.quality.timing import Timing, compute_timing
from chatledger.store import Store

AGENT, CUSTOMER = Role.AGENT, Role.CUSTOMER
_KINDS = by_value(MessageKind)
_IN_LIMIT = 900  # chats named in one read at most (SQLite's bound-parameter limit is far above)


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
    """What ``analyse`` found: the timing, every session's figures (``tally``), the full scores it kept,
    the detectors that ran."""

    config: QualityConfig
    scope: Scope
    timing: Timing
    scores: list[SessionScore]  # every session's, or only the worst ``analyse(keep=...)`` kept
    detectors: list[str]
    tally: Tally
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
    if frame.n_sessions == 0:
        raise InputError(
            "No service sessions to measure: no agent or customer messages in "
            + ("this archive. Import chats first (chatledger import)." if scope == Scope() else
               "this scope. Widen --chat, --from, --to, --agent or --channel.")
        )  # fmt: skip
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
    """(number, session) for the sessions of ``timing.frame`` with their messages, in one ordered pass.

    A session's messages carry what the store's lean timeline read gives: id, chat, time, offset, kind,
    text and sender name (not the platform ids, locator or attachments)."""
    frame = timing.frame
    if frame.n_sessions == 0:
        return
    ids, ts, agent = frame.id.tolist(), frame.ts_ms.tolist(), frame.agent.tolist()
    stops, conversations, indexes = frame.stop.tolist(), frame.conversation.tolist(), frame.index.tolist()
    labels, channels, kinds = frame.agents, timing.channels, _KINDS
    chats = sorted(set(conversations))
    # Name the chats when that narrows the read (an agent or channel scope); else the scope's own filter.
    read_only = chats if len(chats) <= _IN_LIMIT else scope.conversation_ids
    row, n, session, stop = 0, len(ids), 0, stops[0]
    turns: list[Turn] = []
    for mid, kind, text, sender_name, offset in store.timeline_texts(
        conversation_ids=read_only, after_ms=scope.after_ms, before_ms=scope.before_ms
    ):
        if mid != ids[row]:
            continue  # a bot, system event or recall, or a session outside the scope
        message = Message(
            "", None, ts[row], kinds[kind], text, offset, sender_name=sender_name, id=mid,
            conversation_id=conversations[session],
        )  # fmt: skip
        a = agent[row]
        turns.append(Turn(message, AGENT, labels[a]) if a >= 0 else Turn(message, CUSTOMER, None))
        row += 1
        if row == stop:
            yield session, Session(conversations[session], indexes[session], tuple(turns), channels[session])
            turns = []
            session += 1
            if row >= n:
                return
            stop = stops[session]


class CustomerSessions(Sequence[Session]):
    """What corpus detectors read: every session with only its customers' text messages, kept as three
    columns (id, time, text; repeated texts stored once) and turned back into ``Session``s on access, so
    1e6 messages cost tens of megabytes, not the gigabyte their ``Message`` objects would."""

    def __init__(self, timing: Timing) -> None:
        self._timing = timing
        self._bounds = array("q", [0])
        self._ids = array("q")
        self._ts = array("q")
        self._texts: list[str] = []
        self._interned: dict[str, str] = {}

    def add(self, session: Session) -> None:
        """Append the next session (sessions arrive in number order)."""
        intern = self._interned.setdefault
        for t in session.turns:
            if t.role is CUSTOMER and t.message.text:
                self._ids.append(t.message.id or 0)
                self._ts.append(t.message.ts_ms)
                self._texts.append(intern(t.message.text, t.message.text))
        self._bounds.append(len(self._ids))

    def __len__(self) -> int:
        return len(self._bounds) - 1

    @overload
    def __getitem__(self, index: int) -> Session: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Session]: ...
    def __getitem__(self, index: int | slice) -> Session | Sequence[Session]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        number = index % len(self)
        frame, text_kind = self._timing.frame, MessageKind.TEXT
        conversation = int(frame.conversation[number])
        turns = tuple(
            Turn(
                Message(
                    "",
                    None,
                    self._ts[i],
                    text_kind,
                    self._texts[i],
                    id=self._ids[i],
                    conversation_id=conversation,
                ),
                CUSTOMER,
            )  # fmt: skip
            for i in range(self._bounds[number], self._bounds[number + 1])
        )
        return Session(conversation, int(frame.index[number]), turns, self._timing.channels[number])

    def __iter__(self) -> Iterator[Session]:
        return (self[i] for i in range(len(self)))


class WorstSessions:
    """The ``limit`` lowest-scoring sessions seen so far (lowest total, then most deductions, then first)."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._heap: list[tuple[float, int, int, SessionScore]] = []  # the best kept one on top

    def offer(self, score: SessionScore) -> None:
        item = (-score.total, len(score.deductions), -score.session, score)
        if len(self._heap) < self._limit:
            heapq.heappush(self._heap, item)
        elif self._heap and item[:3] > self._heap[0][:3]:
            heapq.heapreplace(self._heap, item)

    def scores(self) -> list[SessionScore]:
        return sorted((item[3] for item in self._heap), key=worst_first)


def worst_first(score: SessionScore) -> tuple[float, int, int]:
    """The order of "worst sessions": lowest total, then most points-losing findings, then session number."""
    return (score.total, -len(score.deductions), score.session)


def analyse(
    store: Store,
    config: QualityConfig,
    scope: Scope | None = None,
    *,
    detectors: Sequence[Detector] | None = None,
    keep: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Analysis:
    """Score every session in scope: timing findings plus every detector's (default: all discovered).

    Every session's figures go into ``Analysis.tally``; ``Analysis.scores`` holds the full scores, with
    their findings, of every session, or with ``keep`` only of the ``keep`` worst (what a report shows:
    memory then stays flat however large the archive)."""
    scope = scope or Scope()
    measured = _time_timing(store, config, scope)
    running = list(discover(config) if detectors is None else detectors)
    per_session = [d for d in running if not d.corpus]
    corpus = [d for d in running if d.corpus]
    by_session = timing_findings(measured, config)
    total = measured.frame.n_sessions
    tally = Tally.sized(total)
    kept: list[SessionScore] = []
    worst = WorstSessions(keep) if keep is not None else None
    customer_sessions = CustomerSessions(measured)  # corpus detectors read what customers said, nothing more

    def record(score: SessionScore) -> None:
        tally.add(score, config.scoring)
        if worst is None:
            kept.append(score)
        else:
            worst.offer(score)

    if running:
        for number, session in iter_sessions(store, measured, scope):
            found: list[Finding] = by_session.pop(number, [])  # freed as the sessions pass
            for detector in per_session:
                found.extend(detector(session))
            record(score_session(number, measured, found, config))
            if corpus:
                customer_sessions.add(session)
            if progress is not None and number % 1000 == 0:
                progress(number, total)
    else:
        for number in range(total):
            record(score_session(number, measured, by_session.pop(number, ()), config))
    del by_session
    corpus_findings = [f for d in corpus for f in d.run_corpus(customer_sessions)]
    del customer_sessions
    titles = store.conversation_titles()
    scores = kept if worst is None else worst.scores()
    return Analysis(
        config, scope, measured, scores, [d.name for d in running], tally, titles, corpus_findings
    )
