"""Reading the fields WeChat exporters write: CSV records, times, message ids, flags, spreadsheet damage.

Shared by the WeChat importers (PyWxDump, WeChatMsg/留痕, MemoTrace). The exporters write through
Python's ``csv`` module, and users often open and re-save the files in Excel, which damages them in
known ways (FORMATS.md 1.6): ``2024/10/4 11:42`` (slashes, no padding, seconds dropped), ``TRUE`` and
``FALSE`` for flags, 19-digit ids rounded to ``7.43727E+18``. Nothing here guesses silently: every
loss is counted by :class:`Damage` and lands in the source's metadata as ``lossy``.
"""

from __future__ import annotations

import calendar
import csv
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import PurePosixPath, PureWindowsPath
from typing import IO

from chatledger.errors import ImportFormatError
from chatledger.importers.base import ImportContext, SourceFile
from chatledger.model import Participant, Platform, TimePrecision

SELF_ID = "self"
SELF_NAME = "我"
FIELD_SIZE_LIMIT = 64 * 1024 * 1024  # merged-forward XML can exceed csv's 128 KiB default

# What a loss code means, as told to the user (warnings) and kept in ``Source.meta["lossy"]``.
LOSSES = {
    "msg_id_rounded": "message id rounded by a spreadsheet (e.g. 7.43727E+18); identified by content instead",
    "seconds_dropped": "time written without seconds (spreadsheet re-save); kept at minute precision",
    "create_time_rounded": "CreateTime rounded by a spreadsheet; the time was taken from StrTime",
}


def self_id(ctx: ImportContext) -> str:
    """The account owner's participant id: the first ``--me`` value, else the fixed id ``self``."""
    return ctx.me[0] if ctx.me else SELF_ID


def self_participant(ctx: ImportContext, *aliases: str) -> Participant:
    names = tuple(dict.fromkeys(a for a in aliases if a and a != SELF_NAME))
    return Participant(Platform.WECHAT, self_id(ctx), SELF_NAME, aliases=names, is_self=True)


class Names:
    """Makes a Participant the first time an id is seen with a new set of names (else None)."""

    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        self.me = self_id(ctx)
        self.seen: dict[str, frozenset[str]] = {}

    def participant(self, sender: str, *names: str) -> Participant | None:
        known = self.seen.get(sender)
        shown = frozenset(n for n in names if n)
        if known is not None and shown <= known:
            return None
        self.seen[sender] = shown | (known or frozenset())
        if sender == self.me:
            return self_participant(self.ctx, *names)
        display = next((n for n in names if n), sender)
        aliases = tuple(dict.fromkeys(n for n in names if n and n != display))
        return Participant(Platform.WECHAT, sender, display, aliases=aliases)


class Damage:
    """Counts what a file lost; warns once per kind (with where it was first seen) and sums up at the end."""

    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        self.counts: dict[str, int] = {}
        self.excel = False

    def note(self, code: str, locator: str, detail: str) -> None:
        seen = self.counts.get(code, 0)
        self.counts[code] = seen + 1
        if not seen:
            self.ctx.warn(locator, f"{detail}: {LOSSES[code]}")

    def finish(self) -> None:
        if self.excel:
            self.ctx.meta["excel_resaved"] = True
        if not self.counts:
            return
        self.ctx.meta["lossy"] = sorted(self.counts)
        self.ctx.meta["lossy_counts"] = dict(sorted(self.counts.items()))
        for code, count in sorted(self.counts.items()):
            if count > 1:
                self.ctx.warn("", f"{count} messages: {LOSSES[code]}")


# -- CSV records -------------------------------------------------------------------------------------


def csv_records(source: SourceFile, text: IO[str]) -> Iterator[tuple[int, list[str]]]:
    """(first line number, fields) per record; blank lines are skipped, multi-line quoted fields kept.

    ``reader.line_num`` counts physical lines read so far, so a record starts one line after the
    previous record ended. csv errors (NUL bytes, oversized fields) become ImportFormatError.
    """
    if csv.field_size_limit() < FIELD_SIZE_LIMIT:
        csv.field_size_limit(FIELD_SIZE_LIMIT)
    reader = csv.reader(text)
    end = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ImportFormatError(
                source.name, f"line {end + 1}", expected="well-formed CSV", found=str(exc)
            ) from None
        start, end = end + 1, reader.line_num
        if row:
            yield start, row


def header_fields(source: SourceFile) -> tuple[str, ...]:
    """The first CSV record of the head, for sniffing (BOM and surrounding spaces removed)."""
    line = source.head_text(4096).split("\n", 1)[0].rstrip("\r")
    try:
        fields = next(csv.reader([line]), [])
    except csv.Error:
        return ()
    return tuple(f.strip() for f in fields)


def read_header(source: SourceFile, records: Iterator[tuple[int, list[str]]], expected: str) -> list[str]:
    try:
        _, header = next(records)
    except StopIteration:
        raise ImportFormatError(source.name, "line 1", expected=f"the header {expected}", found="") from None
    if header:
        header[0] = header[0].lstrip("\ufeff")
    return [h.strip() for h in header]


def arity_error(source: SourceFile, line: int, expected: str, row: list[str]) -> ImportFormatError:
    shown = ",".join(row)
    return ImportFormatError(
        source.name, f"line {line}", expected=expected, found=f"{len(row)} fields: {shown}"
    )


# -- times ------------------------------------------------------------------------------------------

_LOOSE_TIME = re.compile(
    r"\s*(\d{4})([-/.])(\d{1,2})[-/.](\d{1,2})[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?\s*\Z", re.ASCII
)
_DIGITS = re.compile(r"\d+\Z", re.ASCII)


class Times:
    """Naive local time strings and epoch seconds → (UTC ms, offset minutes), cached by hour.

    The fast path is the exporters' own ``YYYY-MM-DD HH:MM:SS``; anything else (the Excel forms
    ``2024/10/4 11:42`` or ``2024-10-04 9:05:03``) takes a regular expression and is reported through
    :class:`Damage` when seconds are missing.
    """

    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        self.clock = ctx.clock
        self._hours: dict[str, int] = {}
        self._utc_offsets: dict[int, int] = {}

    def naive(self, text: str) -> tuple[int, TimePrecision, bool]:
        """Naive epoch seconds of a wall-clock string, its precision, and whether a spreadsheet wrote it.

        Raises ValueError when the string is not a time.
        """
        if len(text) == 19 and text[4] == "-" and text[10] == " " and text[13] == ":" and text[16] == ":":
            hour = self._hours.get(text[:13])
            if hour is None:
                hour = self._hour(text)
            minute, second = text[14:16], text[17:19]
            if minute.isdigit() and second.isdigit() and minute < "60" and second < "60":
                return hour + int(minute) * 60 + int(second), TimePrecision.SECOND, False
        match = _LOOSE_TIME.match(text)
        if match is None:
            raise ValueError(text)
        year, sep, month, day, hour_s, minute, second = match.groups()
        when = datetime(int(year), int(month), int(day), int(hour_s), int(minute), int(second or 0))
        naive_s = calendar.timegm(when.timetuple())
        excel = sep == "/" or len(month) == 1 or len(day) == 1 or len(hour_s) == 1
        precision = TimePrecision.SECOND if second is not None else TimePrecision.MINUTE
        return naive_s, precision, excel

    def _hour(self, text: str) -> int:
        if text[7] != "-":
            raise ValueError(text)
        parts = (text[0:4], text[5:7], text[8:10], text[11:13])
        if not all(p.isdigit() for p in parts):
            raise ValueError(text)
        when = datetime(int(parts[0]), int(parts[1]), int(parts[2]), int(parts[3]))  # validates the ranges
        hour = calendar.timegm(when.timetuple())
        if len(self._hours) > 200_000:
            self._hours.clear()
        self._hours[text[:13]] = hour
        return hour

    def local(self, text: str) -> tuple[int, int, TimePrecision, bool]:
        """(UTC ms, offset minutes, precision, spreadsheet-written) for a naive local time string."""
        naive_s, precision, excel = self.naive(text)
        offset = self.clock.offset_minutes(naive_s)
        return (naive_s - offset * 60) * 1000, offset, precision, excel

    def zone_offset_at(self, utc_s: int) -> int:
        """The assumed zone's offset (minutes) at an instant."""
        hour = utc_s // 3600
        cached = self._utc_offsets.get(hour)
        if cached is None:
            offset = datetime.fromtimestamp(utc_s, self.ctx.zone).utcoffset()
            cached = int(offset.total_seconds() // 60) if offset is not None else 0
            self._utc_offsets[hour] = cached
        return cached

    @staticmethod
    def offset_from_pair(utc_s: int, naive_s: int, precision: TimePrecision) -> int | None:
        """The offset a local rendering of ``utc_s`` was written in, or None when they do not pair up.

        WeChatMsg writes ``CreateTime`` (epoch) and ``StrTime`` (the exporting PC's local time); their
        difference is the PC's offset, a multiple of 15 minutes within ±14 h. A minute-precision
        ``StrTime`` is up to 59 s behind.
        """
        diff = naive_s - utc_s
        if precision is TimePrecision.MINUTE:
            diff += utc_s % 60
        if diff % 900 or abs(diff) > 14 * 3600:
            return None
        return diff // 60


def is_epoch_seconds(text: str) -> bool:
    return len(text) == 10 and _DIGITS.match(text) is not None


# -- ids and flags ----------------------------------------------------------------------------------

_FLOATISH = re.compile(r"[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?\Z", re.ASCII)
FLAGS = {"0": False, "1": True}
FALSE_FLAGS = frozenset({"0", "FALSE", "false", "False"})
_EXCEL_FLAGS = {"FALSE": False, "TRUE": True, "false": False, "true": True, "False": False, "True": True}


def parse_flag(text: str, damage: Damage) -> bool | None:
    """0/1 (or a spreadsheet's TRUE/FALSE); None when it is neither."""
    flag = FLAGS.get(text)
    if flag is None:
        flag = _EXCEL_FLAGS.get(text.strip())
        if flag is not None:
            damage.excel = True
    return flag


def parse_msg_id(text: str, *, spreadsheet: bool) -> tuple[str | None, bool]:
    """(server message id or None, whether a spreadsheet rounded it); ValueError when it is no number.

    Ids are kept as strings (they exceed 2**53). ``0`` and empty mean "none". A spreadsheet keeps 15
    significant digits: ``7.43727E+18`` is always rounded, and in a file whose times show a
    spreadsheet re-save a longer id ending in zeros past its 15th digit is taken as rounded too.
    """
    if text.isdigit() and text.isascii():
        if text.strip("0") == "":
            return None, False
        if spreadsheet and len(text) > 15 and text[15:].strip("0") == "":
            return None, True
        return text, False
    stripped = text.strip()
    if not stripped:
        return None, False
    if stripped[0] == "-" and stripped[1:].isdigit() and stripped.isascii():
        return stripped, False  # a uint64 stored as a signed SQLite integer
    if _FLOATISH.match(stripped):
        return None, True
    raise ValueError(text)


# -- where the conversation id comes from when the file does not say ---------------------------------

_NAMED_ID = re.compile(r"^(?P<name>.*)\((?P<id>[A-Za-z0-9_@.\-]{3,64})\)$")


def chat_from_path(source: SourceFile, *, strip_suffix: str = "") -> tuple[str | None, str | None]:
    """(platform id, title) read from the export's folder and file names.

    WeChatMsg writes ``聊天记录/<remark>(<wxid>)/<remark>_utf8.csv`` (older versions ``<remark>/``),
    MemoTrace ``<remark>(<wxid>)/<remark>.csv``. The wxid in brackets, from the file or a parent
    folder, names the chat; failing that only the remark is known.
    """
    raw = source.member or str(source.path)
    path = PureWindowsPath(raw) if "\\" in raw else PurePosixPath(raw)
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    if strip_suffix and stem.endswith(strip_suffix):
        stem = stem[: -len(strip_suffix)]
    title = stem or None
    for part in (stem, *(p.name for p in path.parents)):
        match = _NAMED_ID.match(part)
        if match:
            return match["id"], match["name"] or title
    return None, title
