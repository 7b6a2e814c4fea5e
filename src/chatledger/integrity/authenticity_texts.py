"""The words of authenticity findings (English and Chinese) and the export's own time, for
``chatledger.integrity.authenticity``."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from chatledger.integrity.canonical import normalise_text
from chatledger.model import FindingSeverity, MessageKind, Source, to_datetime
from chatledger.store.base import MessageContent
from chatledger.timefmt import half_day_hour

INFO, WARNING, HIGH = FindingSeverity.INFO, FindingSeverity.WARNING, FindingSeverity.HIGH


def when(ts_ms: int, offset: int) -> str:
    """A time as the finding texts print it, in the offset the record used."""
    return to_datetime(ts_ms, offset).strftime("%Y-%m-%d %H:%M:%S %z").removesuffix(" +0000") + (
        " UTC" if offset == 0 else ""
    )


def plural(count: int, noun: str = "message") -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def difference(old: MessageContent, new: MessageContent) -> str:
    parts = []
    if old.sender != new.sender:
        parts.append(f"sender {old.sender!r} → {new.sender!r}")
    if old.kind != new.kind:
        parts.append(f"kind {old.kind} → {new.kind}")
    if normalise_text(old.text) != normalise_text(new.text):
        parts.append(f"text {clip(old.text)!r} → {clip(new.text)!r}")
    if old.ts_ms != new.ts_ms:
        parts.append(f"time moved {duration(abs(new.ts_ms - old.ts_ms))}")
    return ", ".join(parts)


def difference_zh(old: MessageContent, new: MessageContent) -> str:
    parts = []
    if old.sender != new.sender:
        parts.append(f"发送者 {old.sender} → {new.sender}")
    if old.kind != new.kind:
        parts.append(f"类型 {old.kind} → {new.kind}")
    if normalise_text(old.text) != normalise_text(new.text):
        parts.append(f"文本「{clip(old.text)}」→「{clip(new.text)}」")
    if old.ts_ms != new.ts_ms:
        parts.append(f"时间相差 {duration_zh(abs(new.ts_ms - old.ts_ms))}")
    return "，".join(parts)


CAUSE_ZH = {
    "edited since": "此后被编辑过",
    "edited before": "存档中的一份是后来编辑过的版本",
    "recalled since": "此后被撤回",
    "re-timed": "只有时间不同：两次导入的 --tz 是否一致？",
    "unexplained": "没有编辑或撤回标记",
}
BASIS_ZH = {"file modification time": "文件修改时间", "zip member time": "压缩包内文件时间"}


def conflict_cause(old: MessageContent, new: MessageContent) -> tuple[str, FindingSeverity]:
    if (old.sender, old.kind, normalise_text(old.text)) == (new.sender, new.kind, normalise_text(new.text)):
        return "re-timed", WARNING
    if new.kind == MessageKind.RECALL.value and old.kind != new.kind:
        return "recalled since", INFO
    if new.edited_ts_ms is not None and (old.edited_ts_ms is None or new.edited_ts_ms > old.edited_ts_ms):
        return "edited since", INFO
    if old.edited_ts_ms is not None and (new.edited_ts_ms is None or old.edited_ts_ms > new.edited_ts_ms):
        return "edited before", INFO
    return "unexplained", HIGH


def clip(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _duration(ms: int, units: tuple[str, str, str, str, str]) -> str:
    """``ms`` in milliseconds, seconds, minutes, hours or days (the unit names given), whichever reads best."""
    millisecond, second, minute, hour, day = units
    if ms < 1000:
        return f"{ms} {millisecond}"
    seconds = ms // 1000
    if seconds < 120:
        return f"{seconds} {second}"
    if seconds < 7200:
        return f"{seconds // 60} {minute}"
    if seconds < 172_800:
        return f"{seconds / 3600:.1f} {hour}"
    return f"{seconds / 86_400:.1f} {day}"


def duration(ms: int) -> str:
    return _duration(ms, ("ms", "s", "min", "h", "days"))


def duration_zh(ms: int) -> str:
    return _duration(ms, ("毫秒", "秒", "分钟", "小时", "天"))


def offset_label(minutes: int) -> str:
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


# -- the export's own time ------------------------------------------------------------------------------
_LINE_SAVED = re.compile(r"(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})\s+(午前|午後|上午|下午)?\s*(\d{1,2}):(\d{2})")
_FRACTION = re.compile(r"(\.\d{6})\d+")


def zip_member_times(path: Path, members: Sequence[str], zone_name: str) -> list[tuple[str, datetime]]:
    """The modification times a zip records for the members imported (DOS local time, read in the zone)."""
    if not members:
        return []
    try:
        zone = ZoneInfo(zone_name)
        with zipfile.ZipFile(path) as archive:
            return [
                ("zip member time", datetime(*archive.getinfo(member).date_time, tzinfo=zone))
                for member in members
            ]
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return []


def export_time(
    meta: dict[str, Any], source: Source, hints: Sequence[tuple[str, datetime]] = ()
) -> tuple[str, int] | None:
    """When the export says it was made (``(basis, epoch ms)``), else the file's modification time."""
    stated = meta.get("exported_at")
    if isinstance(stated, (int, float)) and not isinstance(stated, bool):
        return "stated in the export", int(stated * 1000 if stated < 1e11 else stated)
    if isinstance(stated, str):
        try:
            parsed = datetime.fromisoformat(_FRACTION.sub(r"\1", stated.replace("Z", "+00:00")))
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return "stated in the export", int(parsed.timestamp() * 1000)
    saved = meta.get("line_saved_on")
    if isinstance(saved, str) and (match := _LINE_SAVED.search(saved)):
        year, month, day, half, hour, minute = match.groups()
        hour_24 = half_day_hour(half, int(hour)) if half else int(hour)  # as line_txt reads message times
        try:
            local = datetime(
                int(year), int(month), int(day), hour_24, int(minute), tzinfo=ZoneInfo(source.timezone)
            )
            return "stated in the export", int(local.timestamp() * 1000)
        except (ValueError, KeyError):
            pass
    if hints:
        basis, latest = max(hints, key=lambda h: h[1])
        return basis, int(latest.timestamp() * 1000)
    if source.modified_at is not None:
        return "file modification time", int(source.modified_at.timestamp() * 1000)
    return None
