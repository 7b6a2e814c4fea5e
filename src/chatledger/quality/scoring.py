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
from collections.abc import Iterable, Sequence
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
    over = np.flatnonzero((waits.answered & (waits.wall_ms > waits.sla_ms)) | ~waits.answered)
    found: dict[int, list[Finding]] = defaultdict(list)
    reply_total: dict[int, float] = defaultdict(float)
    # plain lists of only the waits over their SLA: indexing numpy arrays one value at a time costs more
    sessions, firsts = waits.session[over].tolist(), waits.first[over].tolist()
    wall, slas = waits.wall_ms[over].tolist(), waits.sla_ms[over].tolist()
    wait_ids = frame.id[waits.wait_row[over]].tolist()
    reply_rows = waits.reply_row[over]
    answered, reply_ids = (reply_rows >= 0).tolist(), frame.id[np.maximum(reply_rows, 0)].tolist()
    for w in range(len(over)):
        session, wait_id = sessions[w], wait_ids[w]
        if not answered[w]:
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
        ms, sla = wall[w], slas[w]
        multiple = ms / sla if sla else float("inf")
        ids = (wait_id, reply_ids[w])
        if firsts[w]:
            points = _step_points(multiple, sc.first_response_steps)
            name, zh, en = "timing.first_response", "首次响应", "first response"
        else:
            points = min(
                _step_points(multiple, sc.reply_steps), max(0.0, sc.reply_cap - reply_total[session])
            )
            reply_total[session] += points
            name, zh, en = "timing.reply", "回复", "reply"
        if points <= 0 and not firsts[w]:
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


def _explicit_points(finding: Finding) -> float | None:
    points = finding.data.get("points") if finding.data else None
    if isinstance(points, int | float) and not isinstance(points, bool):
        return float(points)
    return None


def _named_points(detector: str, scoring: ScoringConfig) -> float | None:
    """``[scoring.detector_points]`` of the longest prefix of ``detector``, if any."""
    best, best_len = None, -1
    for prefix, value in scoring.detector_points.items():
        if (detector == prefix or detector.startswith(prefix + ".")) and len(prefix) > best_len:
            best, best_len = value, len(prefix)
    return best


class _Rules:
    """What ``ScoringConfig`` says of each detector name (dimension, default points, critical), looked up
    once per name: scoring 1e6 messages meets the same dozen names half a million times."""

    def __init__(self, scoring: ScoringConfig) -> None:
        self.scoring = scoring
        self.by_name: dict[str, tuple[str, float | None, bool]] = {}

    def of(self, detector: str) -> tuple[str, float | None, bool]:
        rule = self.by_name.get(detector)
        if rule is None:
            sc = self.scoring
            points = _named_points(detector, sc)
            rule = self.by_name[detector] = (sc.dimension_of(detector), points, sc.is_critical(detector))
        return rule


_RULES: dict[int, _Rules] = {}


def _rules(scoring: ScoringConfig) -> _Rules:
    rules = _RULES.get(id(scoring))
    if rules is None or rules.scoring is not scoring:
        if len(_RULES) >= 8:
            _RULES.pop(next(iter(_RULES)))
        rules = _RULES[id(scoring)] = _Rules(scoring)
    return rules


def score_session(
    session: int, timing: Timing, findings: Iterable[Finding], config: QualityConfig
) -> SessionScore:
    """The five dimension scores and the total of one session of ``timing.frame``."""
    sc = config.scoring
    rules = _rules(sc)
    frame = timing.frame
    lost = dict.fromkeys(DIMENSIONS, 0.0)
    deductions = []
    critical = []
    kept = tuple(findings)
    info = Severity.INFO
    for finding in kept:
        dimension, named, is_critical = rules.of(finding.detector)
        if is_critical and finding.severity is not info:
            critical.append(finding)
        points = _explicit_points(finding)
        if points is None:
            points = named if named is not None else sc.points.get(finding.severity.value, 0.0)
        if points <= 0:
            continue
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
