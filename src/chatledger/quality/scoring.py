"""Session scores: five dimensions from 100 down, every point lost traced to findings and their messages.

Each finding counts against one dimension (``[scoring.dimensions]``, longest detector-name prefix) and
loses ``data["points"]`` when the detector set it, else the ``[scoring.detector_points]`` of its name,
else the points of its severity (``[scoring.points]``). A dimension cannot fall below 0. The total is
the weighted mean of the dimensions; a finding from a critical detector (``scoring.critical``, e.g.
``rude``) fails the session: its total becomes ``critical_total``. Timing findings are made here from
``chatledger.quality.timing`` (first response and replies over the channel's SLA, unanswered waits).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from chatledger.quality.config import DIMENSIONS, QualityConfig, ScoringConfig
from chatledger.quality.findings import Finding, Severity
from chatledger.quality.timing import Timing


@dataclass(frozen=True, slots=True)
class Deduction:
    """Points one finding cost one dimension."""

    dimension: str
    points: float
    finding: Finding


@dataclass(frozen=True, slots=True)
class SessionScore:
    session: int  # number in the analysed SessionFrame
    conversation_id: int
    index: int
    channel: str
    agents: tuple[str, ...]
    start_ms: int
    end_ms: int
    dimensions: dict[str, float]
    total: float
    failed: bool
    critical: tuple[Finding, ...]
    deductions: tuple[Deduction, ...]
    findings: tuple[Finding, ...]

    @property
    def passed(self) -> bool:
        return not self.failed


@dataclass(frozen=True, slots=True)
class ScoreSummary:
    """Mean scores of a group of sessions (an agent, a team, a period)."""

    name: str
    sessions: int
    total: float | None
    dimensions: dict[str, float | None]
    failed: int
    passed_share: float | None


def _step_points(multiple: float, steps: Sequence[tuple[float, float]]) -> float:
    points = 0.0
    for threshold, value in steps:
        if multiple > threshold:
            points = value
    return points


def _fmt_s(ms: int) -> str:
    seconds = ms / 1000
    if seconds < 120:
        return f"{seconds:g} 秒"
    if seconds < 7200:
        return f"{seconds / 60:.1f} 分钟"
    return f"{seconds / 3600:.1f} 小时"


def _fmt_en(ms: int) -> str:
    seconds = ms / 1000
    if seconds < 120:
        return f"{seconds:g} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def timing_findings(timing: Timing, config: QualityConfig) -> dict[int, list[Finding]]:
    """Findings on slow first responses, slow replies and unanswered waits, by session number."""
    waits = timing.waits
    frame = timing.frame
    sc = config.scoring
    over = (waits.answered & (waits.wall_ms > waits.sla_ms)) | ~waits.answered
    found: dict[int, list[Finding]] = defaultdict(list)
    reply_total: dict[int, float] = defaultdict(float)
    for w in np.flatnonzero(over).tolist():
        session = int(waits.session[w])
        wait_id = int(frame.id[waits.wait_row[w]])
        if waits.reply_row[w] < 0:
            if sc.unanswered_points <= 0:
                continue
            found[session].append(
                Finding(
                    "timing.unanswered", Severity.MAJOR, (wait_id,),
                    "顾客的问题在本次会话中没有得到任何回复", "the customer's question got no reply in the session",
                    {"points": sc.unanswered_points},
                )
            )  # fmt: skip
            continue
        ms, sla = int(waits.wall_ms[w]), int(waits.sla_ms[w])
        multiple = ms / sla if sla else float("inf")
        ids = (wait_id, int(frame.id[waits.reply_row[w]]))
        if waits.first[w]:
            points = _step_points(multiple, sc.first_response_steps)
            name, zh, en = "timing.first_response", "首次响应", "first response"
        else:
            points = min(
                _step_points(multiple, sc.reply_steps), max(0.0, sc.reply_cap - reply_total[session])
            )
            reply_total[session] += points
            name, zh, en = "timing.reply", "回复", "reply"
        if points <= 0 and not waits.first[w]:
            continue
        found[session].append(
            Finding(
                name, Severity.MAJOR if multiple > 2 else Severity.MINOR, ids,
                f"{zh}用时 {_fmt_s(ms)}，超过 SLA {_fmt_s(sla)}（{multiple:.1f} 倍）",
                f"{en} took {_fmt_en(ms)}, over the {_fmt_en(sla)} SLA ({multiple:.1f}×)",
                {"points": points, "seconds": ms / 1000, "sla_seconds": sla / 1000},
            )
        )  # fmt: skip
    return found


def finding_points(finding: Finding, scoring: ScoringConfig) -> float:
    points = finding.data.get("points") if finding.data else None
    if isinstance(points, int | float) and not isinstance(points, bool):
        return float(points)
    best, best_len = None, -1
    for prefix, value in scoring.detector_points.items():
        matches = finding.detector == prefix or finding.detector.startswith(prefix + ".")
        if matches and len(prefix) > best_len:
            best, best_len = value, len(prefix)
    return best if best is not None else scoring.points.get(finding.severity.value, 0.0)


def score_session(
    session: int, timing: Timing, findings: Iterable[Finding], config: QualityConfig
) -> SessionScore:
    """The five dimension scores and the total of one session of ``timing.frame``."""
    sc = config.scoring
    frame = timing.frame
    lost = dict.fromkeys(DIMENSIONS, 0.0)
    deductions = []
    critical = []
    kept = tuple(findings)
    for finding in kept:
        if sc.is_critical(finding.detector) and finding.severity is not Severity.INFO:
            critical.append(finding)
        points = finding_points(finding, sc)
        if points <= 0:
            continue
        dimension = sc.dimension_of(finding.detector)
        lost[dimension] += points
        deductions.append(Deduction(dimension, points, finding))
    dims = {d: max(0.0, 100.0 - lost[d]) for d in DIMENSIONS}
    weight = sum(sc.weights.values())
    total = sum(dims[d] * sc.weights[d] for d in DIMENSIONS) / weight
    failed = bool(critical) or total < sc.pass_mark
    if critical:
        total = sc.critical_total
    start, stop = int(frame.start[session]), int(frame.stop[session])
    agent_rows = frame.agent[start:stop]
    agents = tuple(frame.agents[a] for a in dict.fromkeys(agent_rows[agent_rows >= 0].tolist()))
    return SessionScore(
        session=session, conversation_id=int(frame.conversation[session]), index=int(frame.index[session]),
        channel=timing.channels[session], agents=agents, start_ms=int(frame.ts_ms[start]),
        end_ms=int(frame.ts_ms[stop - 1]), dimensions={d: round(v, 2) for d, v in dims.items()},
        total=round(total, 2), failed=failed, critical=tuple(critical), deductions=tuple(deductions),
        findings=kept,
    )  # fmt: skip


def summarise(
    scores: Iterable[SessionScore], key: Callable[[SessionScore], Iterable[str]]
) -> list[ScoreSummary]:
    """Mean scores per group; ``key`` names the groups a session belongs to (several agents: several)."""
    groups: dict[str, list[SessionScore]] = defaultdict(list)
    for score in scores:
        for name in key(score):
            groups[name].append(score)
    summaries = []
    for name, members in groups.items():
        n = len(members)
        summaries.append(
            ScoreSummary(
                name=name,
                sessions=n,
                total=round(sum(s.total for s in members) / n, 2),
                dimensions={d: round(sum(s.dimensions[d] for s in members) / n, 2) for d in DIMENSIONS},
                failed=sum(s.failed for s in members),
                passed_share=round(sum(not s.failed for s in members) / n, 4),
            )
        )
    return sorted(summaries, key=lambda s: (-(s.total or 0), s.name))
