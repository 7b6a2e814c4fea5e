"""Parse the dates users type and format archive times for people; read 12-hour clock words."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

from chatledger.errors import InputError
from chatledger.model import to_datetime


def parse_user_time(text: str, *, zone: tzinfo, option: str, end_of_day: bool = False) -> int:
    """UTC epoch ms for ``2024-05-01``, ``2024-05-01 13:00`` or a full ISO-8601 time (naive = ``zone``).

    With ``end_of_day`` a bare date means the end of that day (for ``--to``).
    """
    value = text.strip()
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = datetime.combine(day + timedelta(days=1) if end_of_day else day, time(0), zone)
        else:
            moment = datetime.fromisoformat(value.replace(" ", "T", 1))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=zone)
    except ValueError:
        raise InputError(
            f"{option} {text!r}: expected a date like 2024-05-01 or a time like 2024-05-01T13:00 (+08:00 optional)."
        ) from None
    return int(moment.astimezone(UTC).timestamp() * 1000)


def format_ts(ts_ms: int | None, offset_min: int = 0, *, seconds: bool = True) -> str:
    if ts_ms is None:
        return "-"
    moment = to_datetime(ts_ms, offset_min)
    return moment.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


_UNITS_MS = {"ms": 1, "s": 1000, "m": 60_000, "min": 60_000, "h": 3_600_000, "d": 86_400_000}


def parse_duration(text: str, *, option: str) -> int:
    """Milliseconds for ``90`` (seconds), ``90s``, ``3m``, ``-8h``, ``1h30m``, ``250ms``."""
    import re

    value = text.strip().lower()
    sign = -1 if value.startswith("-") else 1
    value = value.lstrip("+-")
    if value.isdigit():
        return sign * int(value) * 1000
    parts = re.findall(r"(\d+)(ms|min|s|m|h|d)", value)
    if not parts or "".join(n + u for n, u in parts) != value:
        raise InputError(f"{option} {text!r}: expected a duration like 90s, 3m, -8h or 1h30m.")
    return sign * sum(int(n) * _UNITS_MS[u] for n, u in parts)


AFTERNOON_WORDS = frozenset({"午後", "下午"})


def half_day_hour(half: str, hour: int) -> int:
    """The 24-hour hour of ``<half><hour>`` in LINE's Japanese/Chinese clock (午前/午後, 上午/下午): 12 stays
    12 after either word (LINE writes 12:30 after noon as 午前12:30), other afternoon hours gain 12."""
    return hour + 12 if half in AFTERNOON_WORDS and hour != 12 else hour
