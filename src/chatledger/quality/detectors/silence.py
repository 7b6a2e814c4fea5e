"""Long silences: a customer waits and no agent speaks for longer than a threshold (per channel).

The wait starts at the customer's first message after the agent last spoke; the customer writing
again does not restart it. A session that ends with the customer still waiting is ``silence.unanswered``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from chatledger.quality.detectors._lexicon import (
    AGENT,
    CUSTOMER,
    default_table,
    get_bool,
    get_number,
    get_str_list,
    get_table,
    ids,
)
from chatledger.quality.findings import Finding, Session, Severity, Turn

NAME = "silence"


@dataclass(frozen=True, slots=True)
class Thresholds:
    minor_s: float
    major_s: float


@dataclass(frozen=True, slots=True)
class Config:
    base: Thresholds
    channels: tuple[tuple[str, Thresholds], ...]
    report_unanswered: bool
    acknowledgements: tuple[str, ...]

    @classmethod
    def from_toml(cls, table: dict[str, Any]) -> Config:
        base = _thresholds(table, NAME, Thresholds(180, 600))
        channels = get_table(table, "channels", NAME)
        return cls(
            base=base,
            channels=tuple(
                (
                    name,
                    _thresholds(
                        get_table(channels, name, f"{NAME}.channels"), f"{NAME}.channels.{name}", base
                    ),
                )
                for name in channels
            ),
            report_unanswered=get_bool(table, "report_unanswered", NAME, True),
            acknowledgements=tuple(
                sorted(get_str_list(table, "acknowledgements", NAME), key=len, reverse=True)
            ),
        )

    @classmethod
    def default(cls) -> Config:
        return cls.from_toml(default_table(NAME))

    def for_channel(self, channel: str) -> Thresholds:
        return dict(self.channels).get(channel, self.base)


def _thresholds(table: dict[str, Any], section: str, base: Thresholds) -> Thresholds:
    return Thresholds(
        minor_s=get_number(table, "minor_s", section, base.minor_s),
        major_s=get_number(table, "major_s", section, base.major_s),
    )


def detect(session: Session, config: Config) -> list[Finding]:
    """One finding per wait longer than the channel's ``minor_s``, naming the first waiting customer
    message and the agent reply that ended the wait (or every waiting message when none came).
    A bare acknowledgement (``好的谢谢``) starts no wait."""
    limits = config.for_channel(session.channel)
    out: list[Finding] = []
    waiting: list[Turn] = []
    acks = _acknowledgement_pattern(config.acknowledgements)
    for turn in session.turns:
        if turn.role is CUSTOMER:
            if waiting or not _is_acknowledgement(turn.message.text, acks):
                waiting.append(turn)
        elif turn.role is AGENT and waiting:
            seconds = (turn.message.ts_ms - waiting[0].message.ts_ms) / 1000
            if seconds > limits.minor_s:
                severity = Severity.MAJOR if seconds > limits.major_s else Severity.MINOR
                out.append(
                    Finding(
                        detector="silence.long_wait",
                        severity=severity,
                        message_ids=ids((waiting[0], turn)),
                        reason_zh=f"顾客等待 {_zh_duration(seconds)} 才得到回复（阈值 {_zh_duration(limits.minor_s)}）",
                        reason_en=f"the customer waited {_en_duration(seconds)} for a reply (threshold {_en_duration(limits.minor_s)})",
                        data={"wait_s": seconds, "threshold_s": limits.minor_s},
                    )
                )
            waiting = []
    if (
        waiting
        and config.report_unanswered
        and not all(_is_acknowledgement(t.message.text, acks) for t in waiting)
    ):
        out.append(
            Finding(
                detector="silence.unanswered",
                severity=Severity.MAJOR,
                message_ids=ids(waiting),
                reason_zh=f"顾客的 {len(waiting)} 条消息在会话结束前没有得到客服回复",
                reason_en=f"{len(waiting)} customer message(s) got no agent reply before the session ended",
                data={"waiting_messages": len(waiting)},
            )
        )
    return out


@lru_cache(maxsize=8)
def _acknowledgement_pattern(acks: tuple[str, ...]) -> re.Pattern[str]:
    """Acknowledgement words, punctuation, spaces and emoji, nothing else."""
    words = "".join(re.escape(a) + "|" for a in acks)
    return re.compile(f"(?:{words}[\\W_])*", re.IGNORECASE)


def _is_acknowledgement(text: str, acks: re.Pattern[str]) -> bool:
    """A short thanks or okay that waits for nothing (``好的谢谢``, ``收到``, ``ok``, ``👍``)."""
    if len(text) > 24 or "?" in text or "？" in text or "吗" in text:
        return False
    return acks.fullmatch(text) is not None


def _zh_duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} 秒"
    if seconds < 7200:
        return f"{seconds / 60:.0f} 分钟"
    return f"{seconds / 3600:.1f} 小时"


def _en_duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
