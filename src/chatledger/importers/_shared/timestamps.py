"""Turn the times exports write into UTC epoch milliseconds plus the original offset."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Protocol


class HasZone(Protocol):
    """Anything carrying the import's zone (an ImportContext)."""

    zone: tzinfo


class LocalClock:
    """Converts naive wall-clock times of one zone to (UTC ms, offset minutes), caching per hour.

    Exports such as WhatsApp, LINE and QQ write the exporting device's local time with no zone;
    the zone is assumed (``--tz``) and recorded with the source.
    """

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone
        self._offsets: dict[int, int] = {}

    def offset_minutes(self, naive_epoch_s: int) -> int:
        hour = naive_epoch_s // 3600
        cached = self._offsets.get(hour)
        if cached is None:
            naive = datetime(1970, 1, 1) + timedelta(hours=hour)
            offset = self.zone.utcoffset(naive) or timedelta(0)
            cached = int(offset.total_seconds() // 60)
            self._offsets[hour] = cached
        return cached

    def to_utc_ms(
        self, year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, ms: int = 0
    ) -> tuple[int, int]:
        """UTC epoch ms and the zone's offset (minutes) for a local wall-clock time."""
        naive_s = calendar.timegm((year, month, day, hour, minute, second))
        offset = self.offset_minutes(naive_s)
        return (naive_s - offset * 60) * 1000 + ms, offset


def epoch_ms_from_number(value: float | int | str) -> int:
    """Epoch seconds or milliseconds (decided by magnitude) as milliseconds."""
    number = float(value)
    if abs(number) >= 1e11:  # beyond year 5138 in seconds: must be milliseconds
        return int(number)
    return int(round(number * 1000))


def shown_offset(ts_ms: int, ctx: HasZone) -> int:
    """The ``--tz`` offset (minutes) at a UTC instant."""
    offset = datetime.fromtimestamp(ts_ms / 1000, UTC).astimezone(ctx.zone).utcoffset()
    return int(offset.total_seconds() // 60) if offset else 0
