"""Business hours as arrays: business milliseconds between two instants and local hour/weekday, vectorised.

The configured calendar (``[calendar]``: opening hours per weekday in one IANA zone, holidays, make-up
workdays) is laid out once per covered local day as UTC opening intervals, so daylight-saving changes
are exact. ``business_ms(t)`` is the business time elapsed from the first interval up to ``t``; the business
duration of a wait is ``business_ms(end) - business_ms(start)``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from chatledger.quality.config import CalendarConfig

I64 = npt.NDArray[np.int64]
_DAY_MS = 86_400_000


class BusinessCalendar:
    """The calendar laid out over ``[first_ms, last_ms]`` (plus a day either side)."""

    def __init__(self, config: CalendarConfig, first_ms: int, last_ms: int) -> None:
        zone = ZoneInfo(config.timezone)
        first = datetime.fromtimestamp(first_ms / 1000, zone).date() - timedelta(days=1)
        last = datetime.fromtimestamp(last_ms / 1000, zone).date() + timedelta(days=1)
        day_starts, offsets, opens, closes = [], [], [], []
        day: date = first
        while day <= last:
            midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
            day_starts.append(int(midnight.timestamp() * 1000))
            offsets.append(int((midnight.utcoffset() or timedelta(0)).total_seconds() * 1000))
            for start_min, end_min in config.hours_on(day):
                opens.append(_local_ms(day, start_min, zone))
                closes.append(_local_ms(day, end_min, zone))
            day += timedelta(days=1)
        self.day_start: I64 = np.array(day_starts, dtype=np.int64)
        self.day_offset: I64 = np.array(offsets, dtype=np.int64)
        self.open_ms: I64 = np.array(opens, dtype=np.int64)
        lengths = np.array(closes, dtype=np.int64) - self.open_ms
        self.length_ms: I64 = lengths
        self.before_ms: I64 = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)

    def business_ms(self, ts_ms: I64) -> I64:
        """Business milliseconds elapsed from the calendar's start up to each instant."""
        if len(self.open_ms) == 0:
            return np.zeros(len(ts_ms), dtype=np.int64)
        k = np.searchsorted(self.open_ms, ts_ms, side="right") - 1
        inside = np.clip(ts_ms - self.open_ms[np.maximum(k, 0)], 0, self.length_ms[np.maximum(k, 0)])
        return np.where(k >= 0, self.before_ms[np.maximum(k, 0)] + inside, 0).astype(np.int64)

    def is_open(self, ts_ms: I64) -> npt.NDArray[np.bool_]:
        """Whether each instant falls inside opening hours."""
        return np.asarray(self.business_ms(ts_ms + 1) > self.business_ms(ts_ms), dtype=np.bool_)

    def local_hour_weekday(self, ts_ms: I64) -> tuple[I64, I64]:
        """Local hour (0–23) and weekday (0 = Monday) of each instant in the calendar's zone."""
        k = np.clip(np.searchsorted(self.day_start, ts_ms, side="right") - 1, 0, len(self.day_start) - 1)
        local = ts_ms + self.day_offset[k]
        hour = (local // 3_600_000) % 24
        weekday = (local // _DAY_MS + 3) % 7  # 1970-01-01 was a Thursday
        return hour.astype(np.int64), weekday.astype(np.int64)


def _local_ms(day: date, minutes: int, zone: ZoneInfo) -> int:
    """Local wall-clock ``minutes`` after midnight of ``day`` as UTC ms (09:00 stays 09:00 across DST)."""
    wall = datetime(day.year, day.month, day.day) + timedelta(minutes=minutes)
    return int(wall.replace(tzinfo=zone).timestamp() * 1000)
