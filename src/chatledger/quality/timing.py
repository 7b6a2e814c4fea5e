"""Reply-time metrics over sessions, computed on arrays (1e6 messages in well under a second).

Definitions (all within one service session, see ``chatledger.quality.sessions``):

* A **wait** starts at a customer message that opens the session or follows an agent message — the
  moment the customer *started* waiting; further customer messages before an answer do not restart it.
  It ends at the next agent message of the session (the **reply**); a wait with no agent message after it
  in the session is **unanswered** and has no reply time.
* **Reply time** = reply − wait start, for every answered wait. **First response time** = the reply
  time of the session's first wait (sessions an agent opens count from the customer's first message).
* **Resolution time** = from the session's first customer message to its last agent message (sessions
  with an agent message after a customer message only).
* Each is measured on the wall clock and in **business time** (only the open hours of ``[calendar]``).
* Figures are the **median**, **P90** (linear interpolation between order statistics, as
  ``numpy.percentile``) and **mean**, always with the **count** of waits or sessions behind them; the
  **share within SLA** is the share of reply times ≤ the SLA of the session's channel (wall clock).
* Hour of day and weekday are those of the wait start in the calendar's time zone. An agent is **new**
  while their reply falls within ``agents.new_days`` of their first archived message (or listed in
  ``agents.new``; ``agents.experienced`` wins over both).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fnmatch import fnmatchcase

import numpy as np
import numpy.typing as npt

from chatledger.quality.calendar import BusinessCalendar
from chatledger.quality.config import QualityConfig
from chatledger.quality.sessions import SessionFrame

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
NO_TEAM = "未分组"
_VALUE_BITS = 40  # durations below 2**40 ms (34 years) pack beside the group number into one sort key
_VALUE_LIMIT = 1 << _VALUE_BITS
_BITMAP_LIMIT = 1 << 26  # (session, agent) flags up to 64 MB; beyond, distinct pairs by sorting


@dataclass(frozen=True, slots=True)
class Stats:
    """Median, P90 and mean in seconds over ``count`` values; ``within_sla`` is a share in [0, 1]."""

    count: int
    median_s: float | None
    p90_s: float | None
    mean_s: float | None
    within_sla: float | None = None


@dataclass(frozen=True, slots=True)
class Waits:
    """One row per customer wait, in session order. ``reply_row`` is -1 for an unanswered wait."""

    session: I64
    wait_row: I64
    reply_row: I64
    wall_ms: I64
    business_ms: I64
    agent: I64
    sla_ms: I64
    first: Bools
    hour: I64
    weekday: I64
    new_agent: Bools

    @property
    def answered(self) -> Bools:
        return self.reply_row >= 0


@dataclass(frozen=True, slots=True)
class AgentTiming:
    agent: str
    team: str
    new: bool
    sessions: int
    first_response: Stats
    replies: Stats


@dataclass(frozen=True, slots=True)
class Timing:
    """Every time metric of a set of sessions, plus the arrays behind them for scoring and reports."""

    frame: SessionFrame
    waits: Waits
    channels: list[str]
    calendar: BusinessCalendar
    session_first_response_ms: I64  # -1: no answered first wait
    session_resolution_ms: I64  # -1: not resolved by an agent message
    session_day: I64  # local calendar day index of the session start
    first_response: Stats
    first_response_business: Stats
    replies: Stats
    replies_business: Stats
    resolution: Stats
    resolution_business: Stats
    unanswered: int
    by_channel: dict[str, tuple[Stats, Stats]]  # channel -> (first response, replies)
    by_agent: list[AgentTiming]
    new_vs_experienced: dict[str, tuple[Stats, Stats]]  # "new"/"experienced" -> (first response, replies)
    heatmap_median_s: list[list[float | None]]  # [weekday][hour], first response
    heatmap_count: list[list[int]]

    def day_of(self, index: int) -> date:
        """The local date of calendar day ``index`` (as in ``session_day``)."""
        first = int(self.calendar.day_start[0] + self.calendar.day_offset[0]) // 86_400_000
        return date(1970, 1, 1) + timedelta(days=first + index)


def _quantiles(sorted_values: F64, starts: I64, counts: I64, q: float) -> F64:
    """The q-quantile of each group of ``sorted_values`` (groups contiguous, ascending inside)."""
    pos = (counts - 1) * q
    lo = np.floor(pos).astype(np.int64)
    frac = pos - lo
    hi = np.minimum(lo + 1, counts - 1)
    a = sorted_values[starts + lo]
    b = sorted_values[starts + hi]
    return np.asarray(a + (b - a) * frac, dtype=np.float64)


def group_stats(groups: I64, values_ms: I64, n_groups: int, sla_ms: I64 | None = None) -> list[Stats]:
    """``Stats`` (in seconds) of ``values_ms`` for each group number in ``range(n_groups)``."""
    counts = np.bincount(groups, minlength=n_groups).astype(np.int64)
    result: list[Stats] = []
    if len(values_ms) == 0:
        return [Stats(0, None, None, None, None) for _ in range(n_groups)]
    if values_ms.min() >= 0 and values_ms.max() < _VALUE_LIMIT:  # one packed int64 key: a plain sort
        packed = np.sort((groups.astype(np.int64) << _VALUE_BITS) | values_ms)
        values = (packed & (_VALUE_LIMIT - 1)).astype(np.float64) / 1000.0
    else:
        values = values_ms[np.lexsort((values_ms, groups))].astype(np.float64) / 1000.0
    starts = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
    nonzero = counts > 0
    safe = np.maximum(counts, 1)
    medians = _quantiles(values, np.where(nonzero, starts, 0), safe, 0.5)
    p90s = _quantiles(values, np.where(nonzero, starts, 0), safe, 0.9)
    sums = np.bincount(groups, weights=values_ms.astype(np.float64), minlength=n_groups) / 1000.0
    within = (
        np.bincount(groups, weights=(values_ms <= sla_ms).astype(np.float64), minlength=n_groups)
        if sla_ms is not None
        else None
    )
    for g in range(n_groups):
        n = int(counts[g])
        if n == 0:
            result.append(Stats(0, None, None, None, None))
            continue
        result.append(
            Stats(
                n,
                round(float(medians[g]), 3),
                round(float(p90s[g]), 3),
                round(float(sums[g]) / n, 3),
                round(float(within[g]) / n, 4) if within is not None else None,
            )
        )
    return result


def stats(values_ms: I64, sla_ms: I64 | None = None) -> Stats:
    return group_stats(np.zeros(len(values_ms), dtype=np.int64), values_ms, 1, sla_ms)[0]


def _first_at_or_after(positions: I64, rows: I64, stops: I64) -> I64:
    """For each row, the first of the ascending ``positions`` at or after it and before its stop, else -1."""
    if not len(positions):
        return np.full(len(rows), -1, dtype=np.int64)
    k = np.searchsorted(positions, rows)
    hit = positions[np.minimum(k, len(positions) - 1)]
    return np.where((k < len(positions)) & (hit < stops), hit, -1).astype(np.int64)


def team_of(agent: str, config: QualityConfig) -> str:
    for team, patterns in config.agents.teams.items():
        if any(fnmatchcase(agent, p) for p in patterns):
            return team
    return NO_TEAM


def compute_timing(
    frame: SessionFrame,
    channels: Sequence[str],
    config: QualityConfig,
    *,
    first_seen_ms: dict[str, int] | None = None,
) -> Timing:
    """All time metrics of ``frame``; ``first_seen_ms`` maps agent label to their first archived message."""
    n_sessions = frame.n_sessions
    ts = frame.ts_ms
    first_ms = int(ts.min()) if len(ts) else 0
    last_ms = int(ts.max()) if len(ts) else 0
    calendar = BusinessCalendar(config.calendar, first_ms, last_ms)
    business = calendar.business_ms(ts)

    rows = np.arange(len(frame), dtype=np.int64)
    customer = ~frame.is_agent
    opens = customer.copy()
    if len(rows):
        opens[1:] &= (frame.session[1:] != frame.session[:-1]) | frame.is_agent[:-1]
    wait_row = rows[opens]
    wait_session = frame.session[wait_row]
    agent_rows = rows[frame.is_agent]
    reply_row = _first_at_or_after(agent_rows, wait_row, frame.stop[wait_session])
    answered = reply_row >= 0
    safe_reply = np.where(answered, reply_row, 0)
    wall = np.where(answered, ts[safe_reply] - ts[wait_row], -1)
    wall_business = np.where(answered, business[safe_reply] - business[wait_row], -1)
    reply_agent = np.where(answered, frame.agent[safe_reply], -1)
    first = np.ones(len(wait_row), dtype=np.bool_)
    first[1:] = wait_session[1:] != wait_session[:-1]

    channel_names = sorted(set(channels) | set(config.sla.seconds))
    code = {name: i for i, name in enumerate(channel_names)}
    session_channel = np.fromiter((code[c] for c in channels), dtype=np.int64, count=len(channels))
    sla_of_channel = np.array([config.sla.for_channel(c) * 1000 for c in channel_names], dtype=np.int64)
    sla = sla_of_channel[session_channel[wait_session]] if n_sessions else np.zeros(0, np.int64)
    hour, weekday = calendar.local_hour_weekday(ts[wait_row])

    labels = frame.agents
    seen = first_seen_ms or {}
    agent_first = np.array([seen.get(a, first_ms) for a in labels] or [0], dtype=np.int64)
    new_window = int(config.agents.new_days * 86_400_000)
    is_new = answered & (ts[safe_reply] - agent_first[np.maximum(reply_agent, 0)] < new_window)
    forced_new = np.array([any(fnmatchcase(a, p) for p in config.agents.new) for a in labels] or [False])
    forced_old = np.array(
        [any(fnmatchcase(a, p) for p in config.agents.experienced) for a in labels] or [False]
    )
    agent_safe = np.maximum(reply_agent, 0)
    is_new = answered & ((is_new | forced_new[agent_safe]) & ~forced_old[agent_safe])

    waits = Waits(
        session=wait_session, wait_row=wait_row, reply_row=reply_row, wall_ms=wall, business_ms=wall_business,
        agent=reply_agent, sla_ms=sla, first=first, hour=hour, weekday=weekday, new_agent=is_new,
    )  # fmt: skip

    # per session: first response and resolution
    session_frt = np.full(n_sessions, -1, dtype=np.int64)
    firsts = first & answered
    session_frt[wait_session[firsts]] = wall[firsts]
    customer_rows = rows[customer]
    first_customer = _first_at_or_after(customer_rows, frame.start, frame.stop)
    k = np.searchsorted(agent_rows, frame.stop) - 1
    last_agent = np.where(k >= 0, agent_rows[np.maximum(k, 0)] if len(agent_rows) else -1, -1)
    resolved = (first_customer >= 0) & (last_agent > first_customer)
    fc, la = np.maximum(first_customer, 0), np.maximum(last_agent, 0)
    session_res = np.where(resolved, ts[la] - ts[fc], -1)
    session_res_business = np.where(resolved, business[la] - business[fc], -1)

    a = answered
    fa = firsts
    by_channel: dict[str, tuple[Stats, Stats]] = {}
    ch_of_wait = session_channel[wait_session] if n_sessions else np.zeros(0, np.int64)
    frt_by_ch = group_stats(ch_of_wait[fa], wall[fa], len(channel_names), sla[fa])
    rep_by_ch = group_stats(ch_of_wait[a], wall[a], len(channel_names), sla[a])
    for i, name in enumerate(channel_names):
        if frt_by_ch[i].count or rep_by_ch[i].count:
            by_channel[name] = (frt_by_ch[i], rep_by_ch[i])

    n_agents = len(labels)
    frt_by_agent = group_stats(reply_agent[fa], wall[fa], n_agents, sla[fa]) if n_agents else []
    rep_by_agent = group_stats(reply_agent[a], wall[a], n_agents, sla[a]) if n_agents else []
    sessions_of_agent = np.zeros(n_agents, dtype=np.int64)
    if n_agents and len(frame):
        pairs = frame.session[frame.is_agent] * n_agents + frame.agent[frame.is_agent]
        if n_sessions * n_agents <= _BITMAP_LIMIT:  # one flag per (session, agent): no sort
            spoke = np.zeros(n_sessions * n_agents, dtype=np.bool_)
            spoke[pairs] = True
            sessions_of_agent = spoke.reshape(n_sessions, n_agents).sum(axis=0).astype(np.int64)
        else:
            sessions_of_agent = np.bincount(np.unique(pairs) % n_agents, minlength=n_agents).astype(np.int64)
    new_share = np.bincount(reply_agent[a], weights=is_new[a].astype(np.float64), minlength=max(n_agents, 1))
    by_agent = [
        AgentTiming(
            agent=label,
            team=team_of(label, config),
            new=bool(rep_by_agent[i].count and new_share[i] * 2 > rep_by_agent[i].count),
            sessions=int(sessions_of_agent[i]),
            first_response=frt_by_agent[i],
            replies=rep_by_agent[i],
        )
        for i, label in enumerate(labels)
        if sessions_of_agent[i]
    ]

    newness = is_new.astype(np.int64)
    frt_new = group_stats(newness[fa], wall[fa], 2, sla[fa])
    rep_new = group_stats(newness[a], wall[a], 2, sla[a])

    cell = weekday[fa] * 24 + hour[fa]
    cells = group_stats(cell, wall[fa], 7 * 24)
    heat_median = [[cells[d * 24 + h].median_s for h in range(24)] for d in range(7)]
    heat_count = [[cells[d * 24 + h].count for h in range(24)] for d in range(7)]

    session_day = (
        np.clip(np.searchsorted(calendar.day_start, ts[frame.start], side="right") - 1, 0, None)
        if n_sessions
        else np.zeros(0, np.int64)
    )
    return Timing(
        frame=frame,
        waits=waits,
        channels=list(channels),
        calendar=calendar,
        session_first_response_ms=session_frt,
        session_resolution_ms=session_res,
        session_day=session_day.astype(np.int64),
        first_response=stats(wall[fa], sla[fa]),
        first_response_business=stats(wall_business[fa]),
        replies=stats(wall[a], sla[a]),
        replies_business=stats(wall_business[a]),
        resolution=stats(session_res[resolved]),
        resolution_business=stats(session_res_business[resolved]),
        unanswered=int((~answered).sum()),
        by_channel=by_channel,
        by_agent=by_agent,
        new_vs_experienced={"new": (frt_new[1], rep_new[1]), "experienced": (frt_new[0], rep_new[0])},
        heatmap_median_s=heat_median,
        heatmap_count=heat_count,
    )
