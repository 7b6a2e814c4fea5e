"""The quality configuration: roles, sessions, SLA per channel, business calendar, agents, scoring, detectors.

Everything lives in editable TOML, shipped as defaults in ``chatledger/quality/defaults/``:
``quality.toml`` (this module's sections) and one ``<detector>.toml`` per detector. A user configuration
is a directory written by ``chatledger quality init`` (``quality.toml`` + ``detectors/<name>.toml``) or a
single ``quality.toml``; whatever it sets replaces the default key by key (tables merge), so a user file
may hold only what it changes. A wrong value raises ``QualityConfigError`` naming the file and the key.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chatledger.errors import InputError

DIMENSIONS = ("speed", "professionalism", "resolution", "experience", "emotion")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CONFIG_FILE = "quality.toml"
DETECTOR_DIR = "detectors"

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)?\s*$")
_UNIT_S = {None: 1.0, "ms": 0.001, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
_HOURS = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


class QualityConfigError(InputError):
    """A quality configuration value is wrong: names the file, the key, what was expected and found."""

    def __init__(self, where: str, key: str, expected: str, found: object) -> None:
        super().__init__(f"{where}: {key}: expected {expected}, found {found!r}.")


Hours = tuple[tuple[int, int], ...]
"""Opening hours of one day as (start, end) minutes after local midnight, end exclusive."""


@dataclass(frozen=True, slots=True)
class RolesConfig:
    agents: tuple[str, ...]
    exporting_side_is_agent: bool
    bots: tuple[str, ...]
    customers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SessionsConfig:
    gap_s: float
    max_wait_s: float


@dataclass(frozen=True, slots=True)
class ChannelRule:
    name: str
    conversations: tuple[str, ...] = ()
    agents: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SlaConfig:
    default_channel: str
    seconds: dict[str, float]
    channels: tuple[ChannelRule, ...] = ()

    def for_channel(self, channel: str) -> float:
        return self.seconds.get(channel, self.seconds.get(self.default_channel, 30.0))


@dataclass(frozen=True, slots=True)
class CalendarConfig:
    timezone: str
    week: tuple[Hours, ...]  # Monday first
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    workday_hours: Hours = ()

    def hours_on(self, day: date) -> Hours:
        """The opening hours of one local date, holidays and make-up workdays applied."""
        if day in self.holidays:
            return ()
        if day in self.workdays:
            return self.workday_hours
        return self.week[day.weekday()]


@dataclass(frozen=True, slots=True)
class AgentsConfig:
    new_days: float
    new: tuple[str, ...]
    experienced: tuple[str, ...]
    teams: dict[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class ScoringConfig:
    weights: dict[str, float]
    points: dict[str, float]
    critical: tuple[str, ...]
    critical_total: float
    pass_mark: float
    dimensions: dict[str, str]
    detector_points: dict[str, float]
    first_response_steps: tuple[tuple[float, float], ...]
    reply_steps: tuple[tuple[float, float], ...]
    reply_cap: float
    unanswered_points: float

    def dimension_of(self, detector: str) -> str:
        """The dimension a detector's findings count against: the longest configured name prefix."""
        best, best_len = "experience", -1
        for prefix, dimension in self.dimensions.items():
            if (detector == prefix or detector.startswith(prefix + ".")) and len(prefix) > best_len:
                best, best_len = dimension, len(prefix)
        return best

    def is_critical(self, detector: str) -> bool:
        return any(detector == c or detector.startswith(c + ".") for c in self.critical)


@dataclass(frozen=True, slots=True)
class ReportConfig:
    worst_sessions: int
    suggestions: int
    top_questions: int
    period: str


@dataclass(frozen=True, slots=True)
class QualityConfig:
    """The whole configuration; ``detectors`` holds each detector's merged TOML table by module name."""

    roles: RolesConfig
    sessions: SessionsConfig
    sla: SlaConfig
    calendar: CalendarConfig
    agents: AgentsConfig
    scoring: ScoringConfig
    report: ReportConfig
    detectors: dict[str, dict[str, Any]] = field(default_factory=dict)
    origin: str = "built-in defaults"


# -- reading ------------------------------------------------------------------------------------


def default_texts() -> dict[str, str]:
    """The shipped default files by relative name: ``quality.toml`` and ``detectors/<name>.toml``."""
    folder = resources.files("chatledger.quality").joinpath("defaults")
    texts = {CONFIG_FILE: folder.joinpath(CONFIG_FILE).read_text(encoding="utf-8")}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml") and entry.name != CONFIG_FILE:
            texts[f"{DETECTOR_DIR}/{entry.name}"] = entry.read_text(encoding="utf-8")
    return texts


def write_defaults(target: Path, *, overwrite: bool = False) -> list[Path]:
    """Write every default file under ``target`` (a directory); refuse to replace files unless asked."""
    written: list[Path] = []
    texts = default_texts()
    existing = [target / name for name in texts if (target / name).exists()]
    if existing and not overwrite:
        raise InputError(
            f"{existing[0]} already exists; pass --force to overwrite the configuration in {target}."
        )
    for name, text in texts.items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _parse(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{where}: not valid TOML ({exc}).") from exc


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_config(path: Path | None = None) -> QualityConfig:
    """The defaults, overridden by the configuration at ``path`` (a directory or a ``quality.toml``)."""
    texts = default_texts()
    core = _parse(texts[CONFIG_FILE], f"defaults/{CONFIG_FILE}")
    detectors = {
        Path(name).stem: _parse(text, f"defaults/{Path(name).name}")
        for name, text in texts.items()
        if name.startswith(DETECTOR_DIR + "/")
    }
    origin = "built-in defaults"
    where = f"defaults/{CONFIG_FILE}"
    if path is not None:
        if not path.exists():
            raise InputError(
                f"{path}: no such configuration; write one with `chatledger quality init {path}`."
            )
        folder, main = (path, path / CONFIG_FILE) if path.is_dir() else (path.parent, path)
        if main.exists():
            user = _parse(main.read_text(encoding="utf-8"), str(main))
            for name, table in user.pop("detectors", {}).items():
                detectors[name] = _merge(detectors.get(name, {}), table)
            core = _merge(core, user)
            where = str(main)
        for file in sorted((folder / DETECTOR_DIR).glob("*.toml")):
            detectors[file.stem] = _merge(
                detectors.get(file.stem, {}), _parse(file.read_text(encoding="utf-8"), str(file))
            )
        origin = str(path)
    return _build(core, where, detectors, origin)


# -- checking -----------------------------------------------------------------------------------


class _Reader:
    """Typed access to one TOML table that reports the file and dotted key on a wrong value."""

    def __init__(self, table: Any, where: str, prefix: str) -> None:
        if not isinstance(table, dict):
            raise QualityConfigError(where, prefix, "a table", table)
        self.table: dict[str, Any] = table
        self.where = where
        self.prefix = prefix

    def _key(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix else key

    def get(self, key: str) -> Any:
        if key not in self.table:
            raise QualityConfigError(self.where, self._key(key), "a value (missing)", None)
        return self.table[key]

    def sub(self, key: str) -> _Reader:
        return _Reader(self.table.get(key, {}), self.where, self._key(key))

    def fail(self, key: str, expected: str, found: object) -> QualityConfigError:
        return QualityConfigError(self.where, self._key(key), expected, found)

    def number(self, key: str) -> float:
        value = self.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise self.fail(key, "a non-negative number", value)
        return float(value)

    def flag(self, key: str) -> bool:
        value = self.get(key)
        if not isinstance(value, bool):
            raise self.fail(key, "true or false", value)
        return value

    def text(self, key: str) -> str:
        value = self.get(key)
        if not isinstance(value, str) or not value:
            raise self.fail(key, "a non-empty string", value)
        return value

    def strings(self, key: str, default: tuple[str, ...] | None = None) -> tuple[str, ...]:
        value = self.table.get(key, default) if default is not None else self.get(key)
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, "a list of strings", value)
        return tuple(value)

    def duration(self, key: str) -> float:
        return parse_duration(self.get(key), self.where, self._key(key))

    def steps(self, key: str) -> tuple[tuple[float, float], ...]:
        value = self.get(key)
        ok = isinstance(value, list) and all(
            isinstance(s, list) and len(s) == 2 and all(isinstance(x, int | float) for x in s) for s in value
        )
        if not ok:
            raise self.fail(key, "a list of [multiple of SLA, points] pairs", value)
        return tuple(sorted((float(a), float(b)) for a, b in value))

    def hours(self, key: str) -> Hours:
        value = self.strings(key)
        ranges = []
        for item in value:
            match = _HOURS.match(item.strip())
            if not match:
                raise self.fail(key, 'opening hours like "09:00-18:00"', item)
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            start, end = h1 * 60 + m1, h2 * 60 + m2
            if not (0 <= start < end <= 24 * 60) or m1 > 59 or m2 > 59:
                raise self.fail(key, "a range inside one day, start before end", item)
            ranges.append((start, end))
        return tuple(sorted(ranges))

    def dates(self, key: str) -> frozenset[date]:
        found = set()
        for item in self.strings(key, ()):
            try:
                found.add(date.fromisoformat(item))
            except ValueError:
                raise self.fail(key, "dates like 2024-10-01", item) from None
        return frozenset(found)

    def numbers_by_name(self, key: str) -> dict[str, float]:
        table = self.sub(key)
        return {name: table.number(name) for name in table.table}


def parse_duration(value: object, where: str = "", key: str = "") -> float:
    """Seconds from ``30``, ``"30s"``, ``"5m"``, ``"2h"`` or ``"1d"``."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match is None:
        raise QualityConfigError(where, key, 'a duration such as 30, "30s", "5m", "2h" or "1d"', value)
    return float(match.group(1)) * _UNIT_S[match.group(2)]


def _build(
    core: dict[str, Any], where: str, detectors: dict[str, dict[str, Any]], origin: str
) -> QualityConfig:
    top = _Reader(core, where, "")
    roles = top.sub("roles")
    sessions = top.sub("sessions")
    sla = top.sub("sla")
    calendar = top.sub("calendar")
    agents = top.sub("agents")
    scoring = top.sub("scoring")
    report = top.sub("report")

    zone = calendar.text("timezone")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise calendar.fail("timezone", "an IANA time zone such as Asia/Shanghai", zone) from None

    rules = []
    channel_list = core.get("channels", [])
    if not isinstance(channel_list, list):
        raise top.fail("channels", "an array of tables ([[channels]])", channel_list)
    for i, rule in enumerate(channel_list):
        reader = _Reader(rule, where, f"channels[{i}]")
        rules.append(
            ChannelRule(
                reader.text("name"), reader.strings("conversations", ()), reader.strings("agents", ())
            )
        )

    sla_seconds = {
        name: parse_duration(v, where, f"sla.channels.{name}")
        for name, v in sla.sub("channels").table.items()
    }
    default_channel = sla.text("default_channel")
    if default_channel not in sla_seconds:
        raise sla.fail(
            "default_channel", f"one of the channels in [sla.channels] {sorted(sla_seconds)}", default_channel
        )

    teams_reader = agents.sub("teams")
    weights = scoring.numbers_by_name("weights")
    unknown = set(weights) - set(DIMENSIONS)
    if unknown or not any(weights.values()):
        raise scoring.fail("weights", f"weights for {', '.join(DIMENSIONS)} (not all zero)", weights)
    dims = scoring.sub("dimensions").table
    for prefix, dimension in dims.items():
        if dimension not in DIMENSIONS:
            raise scoring.fail(f"dimensions.{prefix}", f"one of {', '.join(DIMENSIONS)}", dimension)
    points = scoring.numbers_by_name("points")
    speed = scoring.sub("speed")
    period = report.text("period")
    if period not in ("day", "week", "month"):
        raise report.fail("period", "day, week or month", period)

    return QualityConfig(
        roles=RolesConfig(
            agents=roles.strings("agents"),
            exporting_side_is_agent=roles.flag("exporting_side_is_agent"),
            bots=roles.strings("bots"),
            customers=roles.strings("customers", ()),
        ),
        sessions=SessionsConfig(gap_s=sessions.duration("gap"), max_wait_s=sessions.duration("max_wait")),
        sla=SlaConfig(default_channel=default_channel, seconds=sla_seconds, channels=tuple(rules)),
        calendar=CalendarConfig(
            timezone=zone,
            week=tuple(calendar.hours(day) for day in WEEKDAYS),
            holidays=calendar.dates("holidays"),
            workdays=calendar.dates("workdays"),
            workday_hours=calendar.hours("workday_hours"),
        ),
        agents=AgentsConfig(
            new_days=agents.number("new_days"),
            new=agents.strings("new", ()),
            experienced=agents.strings("experienced", ()),
            teams={name: teams_reader.strings(name) for name in teams_reader.table},
        ),
        scoring=ScoringConfig(
            weights={d: weights.get(d, 0.0) for d in DIMENSIONS},
            points={s: points.get(s, 0.0) for s in ("info", "minor", "major", "critical")},
            critical=scoring.strings("critical", ()),
            critical_total=scoring.number("critical_total"),
            pass_mark=scoring.number("pass_mark"),
            dimensions={str(k): str(v) for k, v in dims.items()},
            detector_points=scoring.numbers_by_name("detector_points"),
            first_response_steps=speed.steps("first_response_steps"),
            reply_steps=speed.steps("reply_steps"),
            reply_cap=speed.number("reply_cap"),
            unanswered_points=speed.number("unanswered_points"),
        ),
        report=ReportConfig(
            worst_sessions=int(report.number("worst_sessions")),
            suggestions=int(report.number("suggestions")),
            top_questions=int(report.number("top_questions")),
            period=period,
        ),
        detectors=detectors,
        origin=origin,
    )
