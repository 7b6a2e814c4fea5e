"""Figures over every scored session, gathered while the sessions stream past.

``Tally`` keeps one row of numbers per session (total, dimensions, outcome flags, rating) and counts per
detector; the report reads it, so only the sessions it shows keep their findings and reasons in memory
(1e6 messages: 100k sessions, half a million findings otherwise). ``summaries`` turns it into mean
scores per agent or team.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from chatledger.quality.config import DIMENSIONS, ScoringConfig
from chatledger.quality.findings import Severity
from chatledger.quality.scoring import ScoreSummary, SessionScore

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

_COMPLAINTS = ("sentiment.anger", "sentiment.customer_angry", "resolution.low_rating")


@dataclass(slots=True)
class Tally:
    """Per-session columns (indexed by session number) and per-detector counts.

    ``complaint``: a critical finding, rising anger, an angry customer or a low rating. ``notable_*``
    count only findings that are neither timing nor info (what suggestions quote)."""

    total: F64
    failed: Bools
    dimensions: F64  # (sessions, len(DIMENSIONS))
    resolved: Bools
    complaint: Bools
    rating_sum: F64
    rating_count: I64
    detector_count: Counter[str] = field(default_factory=Counter)
    detector_sessions: Counter[str] = field(default_factory=Counter)
    notable_count: Counter[str] = field(default_factory=Counter)
    notable_sessions: Counter[str] = field(default_factory=Counter)
    notable_agents: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    topic_count: Counter[str] = field(default_factory=Counter)
    topic_examples: defaultdict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    complains: dict[str, bool] = field(default_factory=dict)  # detector name -> counts as a complaint

    @classmethod
    def sized(cls, sessions: int) -> Tally:
        return cls(
            total=np.zeros(sessions), failed=np.zeros(sessions, dtype=np.bool_),
            dimensions=np.zeros((sessions, len(DIMENSIONS))), resolved=np.zeros(sessions, dtype=np.bool_),
            complaint=np.zeros(sessions, dtype=np.bool_), rating_sum=np.zeros(sessions),
            rating_count=np.zeros(sessions, dtype=np.int64),
        )  # fmt: skip

    @property
    def sessions(self) -> int:
        return len(self.total)

    def add(self, score: SessionScore, scoring: ScoringConfig) -> None:
        s = score.session
        self.total[s] = score.total
        self.failed[s] = score.failed
        self.dimensions[s] = [score.dimensions[d] for d in DIMENSIONS]
        seen: set[str] = set()
        notable: set[str] = set()
        for f in score.findings:
            name = f.detector
            self.detector_count[name] += 1
            seen.add(name)
            if f.severity is not Severity.INFO and not name.startswith("timing."):
                self.notable_count[name] += 1
                notable.add(name)
            if name == "resolution.resolved":
                self.resolved[s] = True
            complains = self.complains.get(name)
            if complains is None:
                complains = self.complains[name] = scoring.is_critical(name) or name.startswith(_COMPLAINTS)
            if complains:
                self.complaint[s] = True
            if f.data:
                rating = f.data.get("rating")
                if isinstance(rating, int | float) and not isinstance(rating, bool):
                    self.rating_sum[s] += float(rating)
                    self.rating_count[s] += 1
                topic = f.data.get("topic")
                if isinstance(topic, str) and topic:
                    self.topic_count[topic] += 1
                    if len(self.topic_examples[topic]) < 3:
                        self.topic_examples[topic].extend(f.message_ids[:1])
        self.detector_sessions.update(seen)
        self.notable_sessions.update(notable)
        for name in notable:
            self.notable_agents[name].update(score.agents)


def summaries(tally: Tally, pair_session: I64, pair_group: I64, names: list[str]) -> list[ScoreSummary]:
    """Mean scores per group (agent or team), given which sessions belong to which group as (session,
    group number) pairs (a session of two agents counts for both); best first, then by name."""
    n_groups = len(names)
    if not len(pair_session) or not n_groups:
        return []
    pairs = np.unique(pair_session * n_groups + pair_group)
    session, group = pairs // n_groups, pairs % n_groups
    counts = np.bincount(group, minlength=n_groups)
    totals = np.bincount(group, weights=tally.total[session], minlength=n_groups)
    failed = np.bincount(group, weights=tally.failed[session], minlength=n_groups)
    dims = [
        np.bincount(group, weights=tally.dimensions[session, i], minlength=n_groups)
        for i in range(len(DIMENSIONS))
    ]
    out = []
    for g in np.flatnonzero(counts).tolist():
        n = int(counts[g])
        out.append(
            ScoreSummary(
                name=names[g], sessions=n, total=round(float(totals[g]) / n, 2),
                dimensions={d: round(float(dims[i][g]) / n, 2) for i, d in enumerate(DIMENSIONS)},
                failed=int(failed[g]), passed_share=round((n - int(failed[g])) / n, 4),
            )
        )  # fmt: skip
    return sorted(out, key=lambda s: (-(s.total or 0), s.name))
