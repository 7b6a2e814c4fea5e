"""Any other tool's CSV, JSON or JSONL output, read through a small TOML mapping file.

``--format generic-csv --option mapping=map.toml`` (likewise ``generic-json``, ``generic-jsonl``). The
mapping names which column or key holds the chat, sender, time, text, ...; the format is documented
with a complete example in ``docs/generic-mapping.md``. Without a mapping, generic-jsonl and
generic-json read chatledger's canonical layout (``chatledger.interchange``), which is what
``export_jsonl`` writes; only that layout is recognised without ``--format``.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import ijson

from chatledger import interchange
from chatledger.errors import ImportFormatError, InputError
from chatledger.importers import register
from chatledger.importers._shared import delimited
from chatledger.importers._shared.jsonstream import JsonStream
from chatledger.importers._shared.timestamps import LocalClock
from chatledger.importers.base import ImportContext, SourceFile
from chatledger.model import (
    Conversation,
    ConversationKind,
    Message,
    MessageKind,
    ParsedItem,
    Platform,
    TimePrecision,
)

FIELD_KEYS = (
    "chat",
    "chat_title",
    "chat_kind",
    "sender",
    "sender_name",
    "time",
    "text",
    "kind",
    "id",
    "reply_to",
)
OPTION_KEYS = ("platform", "time_format", "timezone", "kind_map", "records", "delimiter")
MAPPING_KEYS = FIELD_KEYS + OPTION_KEYS
TIME_FORMATS = ("iso8601", "epoch_s", "epoch_ms")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ISO_CLOCK = re.compile(r"[T ]\d{1,2}:\d{2}(:\d{2}([.,]\d+)?)?")
_NUMERIC_ORDER = ("%Y", "%m", "%d", "%H", "%M", "%S")
_DIGIT_OR_DIRECTIVE = re.compile(r"[\d%]")


def _numeric_time_pattern(fmt: str) -> re.Pattern[str] | None:
    """A regex for a ``time_format`` made only of ``%Y %m %d %H %M [%S]``, in that order and each followed
    by a separator without digits (or the end): the common layouts such as ``%Y-%m-%d %H:%M:%S``. Other
    formats (month names, ``%f``, ``%z``, fields run together, another order) keep ``strptime``; so does a
    value this regex does not match, so what is accepted is never wider than ``strptime`` accepts."""
    parts = re.split(r"(%.)", fmt)
    directives, literals = parts[1::2], parts[0::2]
    if tuple(directives) not in (_NUMERIC_ORDER[:5], _NUMERIC_ORDER):
        return None
    if any(not lit for lit in literals[1:-1]) or any(_DIGIT_OR_DIRECTIVE.search(lit) for lit in literals):
        return None
    pattern = [_literal(literals[0])]
    for directive, literal in zip(directives, literals[1:], strict=True):
        pattern += [r"(\d{4})" if directive == "%Y" else r"(\d\d?)", _literal(literal)]
    return re.compile("".join(pattern), re.IGNORECASE)


def _numeric_datetime(groups: tuple[str | Any, ...]) -> datetime:
    year, month, day, hour, minute, *second = (int(g) for g in groups)
    return datetime(year, month, day, hour, minute, second[0] if second else 0)


def _literal(text: str) -> str:
    """Format text as ``strptime`` reads it: a run of whitespace matches any run, the rest itself."""
    return "".join(r"\s+" if part.isspace() else re.escape(part) for part in re.split(r"(\s+)", text) if part)


_MISSING = object()


@dataclass(frozen=True)
class Field:
    """Where a mapped value comes from: a column/key (``source``; dotted for nested JSON) or a fixed value."""

    source: str | None = None
    value: str | None = None


@dataclass(frozen=True)
class Mapping:
    """A validated mapping file."""

    path: str
    platform: Platform
    fields: dict[str, Field]
    time_format: str
    zone: tzinfo | None
    kind_map: dict[str, MessageKind]
    records: str | None
    delimiter: str  # one character, or "auto": a tab when the header line has more tabs than commas

    def columns(self) -> list[str]:
        """The source columns/keys the mapping reads."""
        return [f.source for f in self.fields.values() if f.source is not None]


def load_mapping(path: str) -> Mapping:
    """Read and check a mapping file; any problem names the file and the key."""
    try:
        with open(path, "rb") as stream:
            data = tomllib.load(stream)
    except FileNotFoundError:
        raise InputError(f"--option mapping={path}: no such file.") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not a valid TOML mapping ({exc}).") from None

    def bad(key: str, expected: str, found: Any, hint: str | None = None) -> ImportFormatError:
        shown = found if isinstance(found, str) else repr(found)
        return ImportFormatError(path, f"key {key!r}", expected=expected, found=shown, hint=hint)

    for key in data:
        if key not in MAPPING_KEYS:
            close = difflib.get_close_matches(key, MAPPING_KEYS, n=1)
            raise bad(
                key,
                f"one of the mapping keys {', '.join(MAPPING_KEYS)}",
                key,
                f"Did you mean {close[0]!r}?" if close else "See docs/generic-mapping.md.",
            )
    fields: dict[str, Field] = {}
    for key in FIELD_KEYS:
        if key not in data:
            continue
        spec = data[key]
        if isinstance(spec, str) and spec:
            fields[key] = Field(source=spec)
        elif isinstance(spec, dict) and len(spec) == 1 and ("field" in spec or "value" in spec):
            name, content = next(iter(spec.items()))
            if not isinstance(content, str | int) or isinstance(content, bool) or content == "":
                raise bad(f"{key}.{name}", "a non-empty string", content)
            fields[key] = Field(source=str(content)) if name == "field" else Field(value=str(content))
        else:
            raise bad(key, 'a column/key name, or { field = "..." } or { value = "..." }', spec)
    for key in ("chat", "time", "text"):
        if key not in fields:
            raise bad(key, "this key (the mapping must say where the chat, time and text are)", "nothing")

    def option(key: str, default: str) -> str:
        value = data.get(key, default)
        if not isinstance(value, str) or not value:
            raise bad(key, "a non-empty string", value)
        return value

    platform_name = option("platform", Platform.GENERIC.value)
    try:
        platform = Platform(platform_name)
    except ValueError:
        raise bad("platform", f"one of {', '.join(p.value for p in Platform)}", platform_name) from None
    time_format = option("time_format", "iso8601")
    if time_format not in TIME_FORMATS and "%" not in time_format:
        raise bad(
            "time_format", f"{', '.join(TIME_FORMATS)} or a strftime pattern like %Y-%m-%d %H:%M", time_format
        )
    zone = None
    if "timezone" in data:
        zone_name = option("timezone", "")
        try:
            zone = ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise bad("timezone", "an IANA time zone such as Asia/Shanghai", zone_name) from None
    kind_map: dict[str, MessageKind] = {}
    raw_map = data.get("kind_map", {})
    if not isinstance(raw_map, dict):
        raise bad("kind_map", "a table of source value = chatledger kind", raw_map)
    for source_value, kind_name in raw_map.items():
        try:
            kind_map[source_value] = MessageKind(kind_name)
        except ValueError:
            raise bad(
                f"kind_map.{source_value}", f"one of {', '.join(k.value for k in MessageKind)}", kind_name
            ) from None
    if "chat_kind" in fields and fields["chat_kind"].value is not None:
        _conversation_kind(fields["chat_kind"].value, lambda found: bad("chat_kind", _CHAT_KINDS, found))
    records = option("records", "") if "records" in data else None
    delimiter = option("delimiter", "auto")
    if len(delimiter) != 1 and delimiter != "auto":
        raise bad("delimiter", "one character", delimiter)
    return Mapping(path, platform, fields, time_format, zone, kind_map, records, delimiter)


_CHAT_KINDS = "one of direct, group, channel"


def _conversation_kind(value: str, fail: Any) -> ConversationKind:
    try:
        return ConversationKind(value)
    except ValueError:
        raise fail(value) from None


class _Mapper:
    """Applies a mapping to one record at a time."""

    def __init__(self, mapping: Mapping, source: SourceFile, ctx: ImportContext) -> None:
        self.mapping = mapping
        self.source = source
        self.zone = mapping.zone or ctx.zone
        self.clock = LocalClock(mapping.zone) if mapping.zone else ctx.clock
        self.chats: set[str] = set()
        fmt = mapping.time_format
        self.precision = (
            TimePrecision.MILLISECOND
            if fmt == "epoch_ms" or "%f" in fmt
            else TimePrecision.SECOND
            if fmt == "epoch_s" or any(d in fmt for d in ("%S", "%T", "%X", "%c", "%s"))
            else TimePrecision.MINUTE
        )
        self.numeric_time = _numeric_time_pattern(fmt)

    def error(self, locator: str, key: str, expected: str, found: Any) -> ImportFormatError:
        spec = self.mapping.fields.get(key)
        field = spec.source if spec and spec.source else key
        shown = found if isinstance(found, str) else repr(found)
        return ImportFormatError(self.source.name, locator, field=field, expected=expected, found=shown)

    def value(self, record: dict[str, Any], key: str) -> Any:
        spec = self.mapping.fields.get(key)
        if spec is None:
            return None
        if spec.value is not None:
            return spec.value
        name = str(spec.source)
        if name in record:
            return record[name]
        if "." in name:
            node: Any = record
            for part in name.split("."):
                if not isinstance(node, dict) or part not in node:
                    return _MISSING
                node = node[part]
            return node
        return _MISSING

    def text(self, record: dict[str, Any], key: str, locator: str, *, required: bool = False) -> str | None:
        value = self.value(record, key)
        if value is _MISSING:
            if required:
                raise self.error(locator, key, "a value", "no such field")
            return None
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            return str(int(value)) if value.is_integer() else repr(value)
        raise self.error(locator, key, "a string or number", json.dumps(value, ensure_ascii=False)[:80])

    def read(self, record: Any, locator: str) -> Iterator[ParsedItem]:
        if not isinstance(record, dict):
            raise ImportFormatError(
                self.source.name, locator, expected="a record (JSON object)", found=type(record).__name__
            )
        chat = self.text(record, "chat", locator, required=True)
        if not chat:
            raise self.error(locator, "chat", "the chat's id or name", "an empty value")
        if chat not in self.chats:
            self.chats.add(chat)
            title = self.text(record, "chat_title", locator) or chat
            kind_name = self.text(record, "chat_kind", locator) or "direct"
            kind = _conversation_kind(
                kind_name, lambda found: self.error(locator, "chat_kind", _CHAT_KINDS, found)
            )
            yield Conversation(self.mapping.platform, chat, title, kind)
        ts_ms, offset, precision = self.time(record, locator)
        text = self.text(record, "text", locator, required=True) or ""
        sender_name = self.text(record, "sender_name", locator) or None
        sender = (
            self.text(record, "sender", locator) if "sender" in self.mapping.fields else sender_name
        ) or None
        yield Message(
            conversation=chat,
            sender=sender,
            ts_ms=ts_ms,
            kind=self.kind(record, locator),
            text=text,
            utc_offset_min=offset,
            precision=precision,
            sender_name=sender_name,
            platform_msg_id=self.text(record, "id", locator) or None,
            reply_to=self.text(record, "reply_to", locator) or None,
            locator=locator,
            platform=self.mapping.platform,
        )

    def kind(self, record: dict[str, Any], locator: str) -> MessageKind:
        if "kind" not in self.mapping.fields:
            return MessageKind.TEXT
        value = self.text(record, "kind", locator)
        key = "" if value is None else value
        kind_map = self.mapping.kind_map
        if key in kind_map:
            return kind_map[key]
        if "*" in kind_map:
            return kind_map["*"]
        try:
            return MessageKind(key)
        except ValueError:
            mapped = ", ".join(repr(k) for k in kind_map) or "none"
            raise self.error(
                locator,
                "kind",
                f"a value listed in [kind_map] (listed: {mapped}) or a chatledger kind; "
                'add it to [kind_map], or "*" for all others',
                key,
            ) from None

    def time(self, record: dict[str, Any], locator: str) -> tuple[int, int, TimePrecision]:
        value = self.value(record, "time")
        fmt = self.mapping.time_format
        if value is _MISSING or value is None or value == "":
            raise self.error(locator, "time", f"a time ({fmt})", "no value")
        try:
            if fmt in ("epoch_s", "epoch_ms"):
                return self._epoch(value, fmt)
            if not isinstance(value, str):
                raise ValueError
            if fmt == "iso8601":
                return self._iso(value)
            value = value.strip()
            found = self.numeric_time.fullmatch(value) if self.numeric_time else None
            # the datetime strptime would build (same checks, same errors), without its per-call set-up
            moment = _numeric_datetime(found.groups()) if found else datetime.strptime(value, fmt)
            return self._moment(moment, self.precision)
        except (ValueError, InvalidOperation, OverflowError):
            example = {
                "iso8601": "2024-05-01T13:45:00+08:00",
                "epoch_s": "1714542300",
                "epoch_ms": "1714542300000",
            }
            raise self.error(locator, "time", f"a time like {example.get(fmt, fmt)!r}", value) from None

    def _epoch(self, value: Any, fmt: str) -> tuple[int, int, TimePrecision]:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValueError
        number = Decimal(str(value).strip())
        if fmt == "epoch_ms":
            ts_ms, precision = int(number), TimePrecision.MILLISECOND
        else:
            ts_ms = int((number * 1000).to_integral_value())
            precision = (
                TimePrecision.MILLISECOND if number != number.to_integral_value() else TimePrecision.SECOND
            )
        offset = datetime.fromtimestamp(ts_ms // 1000, self.zone).utcoffset() or timedelta(0)
        return ts_ms, int(offset.total_seconds() // 60), precision

    def _iso(self, value: str) -> tuple[int, int, TimePrecision]:
        clock = _ISO_CLOCK.search(value)
        if clock is None:
            raise ValueError  # a date alone is no time
        precision = (
            TimePrecision.MILLISECOND
            if clock.group(2)
            else TimePrecision.SECOND
            if clock.group(1)
            else TimePrecision.MINUTE
        )
        return self._moment(datetime.fromisoformat(value.strip().replace(",", ".")), precision)

    def _moment(self, moment: datetime, precision: TimePrecision) -> tuple[int, int, TimePrecision]:
        if moment.tzinfo is None:
            ts_ms, offset = self.clock.to_utc_ms(
                moment.year,
                moment.month,
                moment.day,
                moment.hour,
                moment.minute,
                moment.second,
                moment.microsecond // 1000,
            )
            return ts_ms, offset, precision
        delta = moment.utcoffset() or timedelta(0)
        since = moment - _EPOCH
        ts_ms = (since.days * 86400 + since.seconds) * 1000 + since.microseconds // 1000
        return ts_ms, int(delta.total_seconds() // 60), precision


# -- readers: (record, locator) pairs from each container format -------------------------------
def _csv_records(source: SourceFile, mapping: Mapping) -> Iterator[tuple[Any, str]]:
    with io.TextIOWrapper(source.open_binary(), encoding=source.encoding, newline="") as text:
        separator = delimited.delimiter(source) if mapping.delimiter == "auto" else mapping.delimiter
        reader = csv.reader(text, delimiter=separator)
        line = 1
        try:
            header = next(reader, None)
            if header is None:
                return
            header = [h.lstrip("\ufeff").strip() for h in header]
            for column in mapping.columns():
                if column not in header:
                    raise ImportFormatError(
                        source.name,
                        "line 1",
                        field=column,
                        expected=f"a column named {column!r} (the mapping {Path(mapping.path).name} reads it)",
                        found="columns " + ", ".join(header),
                    )
            line = reader.line_num + 1
            for row in reader:
                start, line = line, reader.line_num + 1
                if not row:
                    continue
                if len(row) != len(header):
                    raise ImportFormatError(
                        source.name,
                        f"line {start}",
                        expected=f"{len(header)} fields, as in the header",
                        found=f"{len(row)} fields",
                    )
                yield dict(zip(header, row, strict=True)), f"line {start}"
        except csv.Error as exc:
            raise ImportFormatError(source.name, f"line {line}", expected="CSV", found=str(exc)) from None
        except UnicodeDecodeError as exc:
            raise ImportFormatError(
                source.name,
                f"line {line}",
                expected=f"text in {source.encoding}",
                found=repr(exc.object[:40]),
            ) from None


def _jsonl_records(source: SourceFile) -> Iterator[tuple[Any, str]]:
    with source.open_text() as text:
        for number, line in enumerate(text, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ImportFormatError(
                    source.name,
                    f"line {number}, column {exc.colno}",
                    expected="one JSON object per line",
                    found=line.strip(),
                    hint=f"The JSON parser reports: {exc.msg}.",
                ) from None
            yield record, f"line {number}"


def _json_records(source: SourceFile, records: str | None) -> Iterator[tuple[Any, str]]:
    prefix, path = ("item", "$") if not records else (f"{records}.item", f"$.{records}")
    stream = JsonStream(source.open_binary())
    index = 0
    try:
        for record in ijson.items(stream, prefix, use_float=True):
            yield record, f"{path}[{index}]"
            index += 1
    except ijson.JSONError as exc:
        raise stream.error(exc, source.name, f"{path}[{index}]") from None
    finally:
        stream.close()
    if index == 0 and (records or _top_level_is_object(source)):
        where = f"at {records!r} (mapping key 'records')" if records else "at the top level"
        raise ImportFormatError(
            source.name,
            path,
            expected=f"an array of records {where}",
            found="none" if records else "an object",
            hint=_candidate_arrays_hint(source),
        )


def _top_level_is_object(source: SourceFile) -> bool:
    return source.head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def _candidate_arrays_hint(source: SourceFile, limit: int = 5) -> str | None:
    """Which arrays of objects the file holds (by mapping path, with their lengths), to name in ``records``."""
    counts: dict[str, int] = {}
    stream = source.open_binary(counted=False)
    try:
        for prefix, event, _ in ijson.parse(stream):
            parent = prefix.rpartition(".")[0] if prefix.endswith("item") else None
            if (
                event == "start_map"
                and parent
                and prefix == f"{parent}.item"
                and "item" not in parent.split(".")
            ):
                counts[parent] = counts.get(parent, 0) + 1
    except ijson.JSONError:
        pass  # the hint is what was seen before the file broke
    finally:
        stream.close()
    if not counts:
        return None
    listed = ", ".join(
        f"{name!r} ({n} record{'s' if n != 1 else ''})"
        for name, n in sorted(counts.items(), key=lambda kv: -kv[1])[:limit]
    )
    best = max(counts, key=lambda name: counts[name])
    return (
        f"Arrays of objects in it: {listed}; name the one holding the messages with the mapping key "
        f'records, e.g. records = "{best}".'
    )


class _Generic:
    platform: ClassVar[Platform] = Platform.GENERIC
    version: ClassVar[str] = "1"
    capabilities: ClassVar[frozenset[str]] = frozenset({"platform_ids", "replies", "seconds", "multi_chat"})

    def _records(self, source: SourceFile, mapping: Mapping | None) -> Iterator[tuple[Any, str]]:
        raise NotImplementedError

    def parse(self, source: SourceFile, ctx: ImportContext) -> Iterator[ParsedItem]:
        mapping_path = ctx.options.get("mapping")
        mapping = load_mapping(mapping_path) if mapping_path else None
        if mapping is not None:
            mapper = _Mapper(mapping, source, ctx)
            for record, locator in self._records(source, mapping):
                yield from mapper.read(record, locator)
            return
        reader = interchange.RecordReader(source.name, ctx)
        first = True
        for record, locator in self._records(source, None):
            if first and reader.check_header(record, locator):
                first = False
                continue
            first = False
            yield from reader.read(record, locator)


_CANONICAL_CAPABILITIES = frozenset(
    {"platform_ids", "replies", "edits", "attachments", "system", "seconds", "zone", "multi_chat"}
)


@register
class GenericJsonlImporter(_Generic):
    name: ClassVar[str] = "generic-jsonl"
    capabilities: ClassVar[frozenset[str]] = _CANONICAL_CAPABILITIES
    description: ClassVar[str] = (
        "JSON Lines: chatledger's canonical export, or any layout with a mapping file"
    )
    obtain: ClassVar[str] = (
        "`chatledger export -o FILE.jsonl` writes this canonical layout; any other JSON Lines "
        "file of message records can be read with a mapping file: `chatledger import FILE "
        "--option mapping=MAP.toml` (docs/generic-mapping.md)."
    )
    extra_kept: ClassVar[str] = (
        "the canonical layout's own `extra` object as written; nothing for a mapped layout (the record stays in the kept file at its locator)"
    )
    suffixes: ClassVar[tuple[str, ...]] = (".jsonl", ".ndjson")

    def sniff(self, source: SourceFile) -> float:
        if source.suffix not in self.suffixes:
            return 0.0
        first = source.head_text().split("\n", 1)[0]
        try:
            record = json.loads(first)
        except ValueError:
            return 0.0
        return 0.95 if interchange.is_canonical(record) else 0.0

    def _records(self, source: SourceFile, mapping: Mapping | None) -> Iterator[tuple[Any, str]]:
        return _jsonl_records(source)


@register
class GenericJsonImporter(_Generic):
    name: ClassVar[str] = "generic-json"
    capabilities: ClassVar[frozenset[str]] = _CANONICAL_CAPABILITIES
    description: ClassVar[str] = (
        "JSON array of records: the canonical layout, or any layout with a mapping file"
    )
    obtain: ClassVar[str] = (
        "`chatledger export` output converted to a JSON array, or any JSON array of message "
        "records from another tool read with a mapping file: `chatledger import FILE --option "
        "mapping=MAP.toml` (docs/generic-mapping.md)."
    )
    extra_kept: ClassVar[str] = (
        "the canonical layout's own `extra` object as written; nothing for a mapped layout (the record stays in the kept file at its locator)"
    )
    suffixes: ClassVar[tuple[str, ...]] = (".json",)

    def sniff(self, source: SourceFile) -> float:
        if source.suffix not in self.suffixes or not source.head_text().lstrip().startswith("["):
            return 0.0
        try:
            first = next(ijson.items(io.BytesIO(source.head.lstrip(b"\xef\xbb\xbf")), "item"), None)
        except ijson.JSONError:
            return 0.0  # the first record does not end inside the head
        return 0.9 if interchange.is_canonical(first) else 0.0

    def _records(self, source: SourceFile, mapping: Mapping | None) -> Iterator[tuple[Any, str]]:
        return _json_records(source, mapping.records if mapping else None)


@register
class GenericCsvImporter(_Generic):
    name: ClassVar[str] = "generic-csv"
    description: ClassVar[str] = "CSV with a header row, read through a mapping file (never auto-detected)"
    obtain: ClassVar[str] = (
        "Any CSV with a header row (a spreadsheet, another tool's export): write a mapping file "
        "naming the columns (docs/generic-mapping.md) and run `chatledger import FILE --format "
        "generic-csv --option mapping=MAP.toml`."
    )
    extra_kept: ClassVar[str] = (
        "nothing: the mapped columns are the message; the row stays in the kept file at its locator"
    )
    suffixes: ClassVar[tuple[str, ...]] = (".csv", ".tsv", ".txt")

    def sniff(self, source: SourceFile) -> float:
        return 0.0  # any CSV could be anything: needs --format generic-csv --option mapping=...

    def _records(self, source: SourceFile, mapping: Mapping | None) -> Iterator[tuple[Any, str]]:
        if mapping is None:
            raise InputError(
                f"{source.name}: generic-csv needs a mapping file: --option mapping=FILE.toml "
                "(see docs/generic-mapping.md)."
            )
        return _csv_records(source, mapping)
