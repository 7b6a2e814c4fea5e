"""LINE "Export chat history" text (``[LINE] <chat>.txt``): the mobile and the PC layout, any of four locales.

Layout (FORMATS.md §8). Line 1 names the chat (``[LINE] Chat history with X``, ``[LINE] Xとのトーク履歴``,
``[LINE] 与X的聊天记录``, ``[LINE] 與X的聊天記錄``; ``… in X`` / ``Xのトーク履歴`` / ``X的聊天记录`` are groups),
line 2 the save time (``Saved on: 2024/01/15 10:30``, or a label in any other language before a date).
LINE PC may write neither; the chat is then named by the file name. Each day opens with a date line (``2021/1/1(金)``, ``2015/12/25 Fri``, ``2021.1.1 金曜日``, ``Sat, 11/01/2025``,
``2026/1/30周五``); a message line starts with the time of day (``09:15``, ``午前11:24``, ``下午5:38``,
``10:30 AM``) and carries no date and no seconds.

Mobile separates the fields with TABs (``TIME<TAB>SENDER<TAB>TEXT``) and wraps a multi-line text in
double quotes (``""`` inside stands for ``"``). A text that opens a quote no line closes before the next
message line (or the end) was not quoted after all: it is kept with its ``"``, with a warning, so no
message is swallowed. PC separates the fields with one space (a sender whose name holds a space cannot be
told from its text there) and simply continues a text on the following lines. A line that is neither a
date nor a message continues the previous message; blank lines are kept inside a text but
dropped at its end, where they separate days.

Times are the exporting device's wall clock: read in the import's zone, precision MINUTE. ``午前12:03`` is
12:03 (the Japanese convention LINE follows; the PC export of the same chat writes ``12:03``).

Kinds: ``☎ …`` lines are calls, placeholders (``[写真]``, ``[Photo]``, ``[スタンプ]``, …) are media with a
NOT_EXPORTED attachment, "X unsent a message" notices are RECALL by X, and a line with no or an empty
sender field is SYSTEM. No message has an id; the sender id is the display name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import ClassVar

from chatledger.errors import ImportFormatError
from chatledger.importers import register
from chatledger.importers.base import ImportContext, SourceFile
from chatledger.model import (
    Attachment,
    AttachmentStatus,
    Conversation,
    ConversationKind,
    Message,
    MessageKind,
    ParsedItem,
    Participant,
    Platform,
    TimePrecision,
)
from chatledger.timefmt import AFTERNOON_WORDS, half_day_hour

_PREFIX = "[LINE]"
# (pattern on the title after "[LINE] ", kind); the first that matches names the chat
_TITLES: tuple[tuple[re.Pattern[str], ConversationKind], ...] = (
    (re.compile(r"Chat history with (.+)"), ConversationKind.DIRECT),
    (re.compile(r"Chat history in (.+)"), ConversationKind.GROUP),
    (re.compile(r"(.+)とのトーク履歴"), ConversationKind.DIRECT),
    (re.compile(r"(.+)のトーク履歴"), ConversationKind.GROUP),
    (re.compile(r"与(.+)的聊天记录"), ConversationKind.DIRECT),
    (re.compile(r"(.+)的聊天记录"), ConversationKind.GROUP),
    (re.compile(r"與(.+)的聊天記錄"), ConversationKind.DIRECT),
    (re.compile(r"(.+)的聊天記錄"), ConversationKind.GROUP),
)
_SAVED = re.compile(r"(?:Saved on|保存日時|保存日期|儲存日期)\s*[:：]\s*(.*)")
# the same line in a language not listed (Thai "บันทึกวันที่: 2024/01/15 10:30"): a label, then a date
_SAVED_ANY = re.compile(r"[^\t\d:：]{1,40}[:：]\s*(\d{4}[/.-]\d{1,2}[/.-]\d{1,2}\b.*)")
_WEEKDAY = r"(?:\((?P<wd1>[^()\t]{1,12})\)|\s*(?P<wd2>[^\d\s:\t()][^\t:]{0,11}))?"
_DATE_YMD = re.compile(r"(?P<y>\d{4})(?P<s>[/.-])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})\s*" + _WEEKDAY + r"\s*")
_DATE_MDY = re.compile(r"(?P<wd>[A-Za-z]{3,9})\.?, (?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})\s*")
_TIME = re.compile(
    r"(?:(?P<half>午前|午後|上午|下午)\s?)?(?P<h>\d{1,2}):(?P<min>\d{2})(?:\s?(?P<ap>[AaPp])\.?[Mm]\.?)?"
    r"(?P<sep>\t| |$)"
)
_EN_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CJK_DAYS = "月火水木金土日"
_ZH_DAYS = "一二三四五六日"
_RECALLS = (
    re.compile(r"(.+?)がメッセージの送信を取り消しました"),
    re.compile(r"(.+?) unsent a message\.?"),
    re.compile(r"(.+?)撤回了一条消息"),
    re.compile(r"(.+?)已收回訊息"),
    re.compile(r"(.+?)收回了一則訊息"),
)
_PLACEHOLDERS: dict[str, MessageKind] = {
    **dict.fromkeys(("[写真]", "[Photo]", "[照片]", "[圖片]", "[图片]"), MessageKind.IMAGE),
    **dict.fromkeys(("[アルバム]", "[Album]", "[相簿]", "[相册]"), MessageKind.IMAGE),
    **dict.fromkeys(("[スタンプ]", "[Sticker]", "[贴图]", "[貼圖]"), MessageKind.STICKER),
    **dict.fromkeys(("[動画]", "[Video]", "[视频]", "[影片]"), MessageKind.VIDEO),
    **dict.fromkeys(("[ファイル]", "[File]", "[文件]", "[檔案]"), MessageKind.FILE),
    **dict.fromkeys(("[ボイスメッセージ]", "[Voice message]", "[语音信息]", "[語音訊息]"), MessageKind.VOICE),
    **dict.fromkeys(("[位置情報]", "[Location]", "[位置信息]", "[位置資訊]"), MessageKind.LOCATION),
    **dict.fromkeys(("[連絡先]", "[Contact]", "[联系人]", "[聯絡人資訊]"), MessageKind.CONTACT),
    **dict.fromkeys(("[プレゼント]", "[Gift]", "[礼物]", "[禮物]"), MessageKind.OTHER),
}
_NO_ATTACHMENT = frozenset({MessageKind.LOCATION, MessageKind.CONTACT, MessageKind.OTHER})


@dataclass
class _Pending:
    """A message being read: its header fields and its text lines (more may follow)."""

    line: int
    ts_ms: int
    offset: int
    sender: str | None
    lines: list[str]
    fields: int  # 2 = TIME TEXT (no sender field), 3 = TIME SENDER TEXT
    quoted: bool = False
    open_quote: bool = False
    blanks: list[str] = field(default_factory=list)


@register
class LineTxtImporter:
    name: ClassVar[str] = "line-txt"
    platform: ClassVar[Platform] = Platform.LINE
    version: ClassVar[str] = "1"
    description: ClassVar[str] = (
        "LINE chat history text (mobile TAB-separated and PC space-separated; EN, JA, zh-CN, zh-TW)"
    )
    obtain: ClassVar[str] = (
        "In LINE open the chat → ≡ → *Settings* → *Export chat history* (mobile) or *Save chat* "
        "(PC) and pick the `[LINE] <chat name>.txt` file."
    )
    extra_kept: ClassVar[str] = "`sender_field` when a system line had an empty sender column"
    suffixes: ClassVar[tuple[str, ...]] = (".txt",)
    capabilities: ClassVar[frozenset[str]] = frozenset({"attachments", "recalls", "system"})

    def sniff(self, source: SourceFile) -> float:
        if source.is_zip or source.suffix not in self.suffixes:
            return 0.0
        lines = [line for line in source.head_text(8192).splitlines() if line.strip()][:4]
        if not lines:
            return 0.0
        if lines[0].startswith(_PREFIX + " "):
            return 0.95
        # LINE PC without a title: a date line with a weekday, then a message line
        if len(lines) >= 2 and _date_of(lines[0]) is not None:
            found = _TIME.match(lines[1])
            if found and found.group("sep"):
                return 0.9 if found.group("sep") == "\t" else 0.7
        return 0.0

    def parse(self, source: SourceFile, ctx: ImportContext) -> Iterator[ParsedItem]:
        yield from _Reader(source, ctx).run()


class _Reader:
    def __init__(self, source: SourceFile, ctx: ImportContext) -> None:
        self.source = source
        self.ctx = ctx
        self.chat = ""
        self.day: date | None = None
        self.senders: set[str] = set()
        self.noon_warned = False

    def error(self, line: int, expected: str, found: str, field: str | None = None) -> ImportFormatError:
        return ImportFormatError(
            self.source.name, f"line {line}", expected=expected, found=found, field=field
        )

    def run(self) -> Iterator[ParsedItem]:
        with self.source.open_text() as text:
            pending: _Pending | None = None
            started = False
            for number, raw in enumerate(text, start=1):
                line = raw.rstrip("\n").lstrip("\ufeff") if number == 1 else raw.rstrip("\n")
                if pending is not None and pending.open_quote:
                    opens = _TIME.match(line)
                    if opens is None or opens.group("sep") != "\t":
                        self._quoted_line(pending, line)
                        continue
                    self._literal_quote(pending, f"line {number} starts the next message")
                if not started:
                    if number <= 2 and not line.strip():
                        continue
                    if number == 1 and line.startswith(_PREFIX):
                        yield self._title(line)
                        started = True
                        continue
                    yield self._untitled()
                    started = True
                if not line.strip():
                    if pending is not None:
                        pending.blanks.append(line)
                    continue
                if number <= 3 and self.day is None and (saved := _saved_on(line.strip())):
                    self.ctx.meta["line_saved_on"] = saved.group(1)
                    continue
                day = _date_of(line)
                if day is not None:
                    if pending is not None:
                        yield from self._emit(pending)
                        pending = None
                    self.day = self._valid_day(day, number, line)
                    continue
                header = _TIME.match(line)
                if header is not None:
                    if pending is not None:
                        yield from self._emit(pending)
                    pending = self._start(header, line, number)
                    continue
                if pending is None:
                    raise self.error(
                        number,
                        "a date line such as '2021/1/1(金)' or a message line starting with a time",
                        line.strip(),
                    )
                pending.lines.extend(pending.blanks)
                pending.blanks = []
                pending.lines.append(line)
            if not started:
                return
            if pending is not None:
                if pending.open_quote:
                    self._literal_quote(pending, "the file ends")
                yield from self._emit(pending)

    # -- header ------------------------------------------------------------------------------------
    def _title(self, line: str) -> Conversation:
        rest = line[len(_PREFIX) :].strip()
        for pattern, kind in _TITLES:
            found = pattern.fullmatch(rest)
            if found:
                self.chat = found.group(1).strip()
                return Conversation(Platform.LINE, self.chat, self.chat, kind)
        self.chat = rest or Path(self.source.member_name or self.source.path.name).stem
        self.ctx.warn("line 1", f"title {line!r} is in no known language; the chat is named {self.chat!r}")
        return Conversation(Platform.LINE, self.chat, self.chat, ConversationKind.DIRECT)

    def _untitled(self) -> Conversation:
        stem = Path(self.source.member_name or self.source.path.name).stem
        self.chat = stem.removeprefix(_PREFIX).strip() or stem
        self.ctx.warn(
            "line 1",
            f"no '[LINE] …' title line (LINE PC writes none); the chat is named by the file: {self.chat!r}",
        )
        return Conversation(Platform.LINE, self.chat, self.chat, ConversationKind.DIRECT)

    def _valid_day(self, day: tuple[int, int, int, str | None], number: int, line: str) -> date:
        year, month, dom, weekday = day
        try:
            value = date(year, month, dom)
        except ValueError:
            raise self.error(number, "a real calendar date", line.strip(), field="date") from None
        expected = _weekday_index(weekday)
        if expected is not None and expected != value.weekday():
            self.ctx.warn(
                f"line {number}",
                f"{line.strip()!r}: {value.isoformat()} is a {_EN_DAYS[value.weekday()].title()}, "
                "not the weekday written; the date is kept as written",
            )
        return value

    # -- messages ----------------------------------------------------------------------------------
    def _start(self, header: re.Match[str], line: str, number: int) -> _Pending:
        if self.day is None:
            raise self.error(
                number, "a date line such as '2021/1/1(金)' before the first message", line.strip()
            )
        hour, minute = int(header.group("h")), int(header.group("min"))
        half, ap = header.group("half"), header.group("ap")
        if half or ap:
            if not 0 <= hour <= 12 or (ap and hour == 0):
                raise self.error(
                    number, "a 12-hour time such as 午後5:38 or 5:38 PM", header.group(0).strip()
                )
            if ap:
                hour = hour % 12 + (12 if ap in "Pp" else 0)
            elif half in AFTERNOON_WORDS:
                hour = half_day_hour(half, hour)
            elif hour == 12 and not self.noon_warned:
                self.noon_warned = True
                self.ctx.warn(f"line {number}", f"'{half}12:MM' read as 12:MM (noon), as LINE writes it")
        if hour > 23 or minute > 59:
            raise self.error(number, "a time of day such as 09:15", header.group(0).strip(), field="time")
        ts_ms, offset = self.ctx.clock.to_utc_ms(self.day.year, self.day.month, self.day.day, hour, minute)
        rest = line[header.end() :]
        sep = header.group("sep")
        if sep == "\t":
            parts = rest.split("\t", 1)
            if len(parts) == 1:
                sender, body, fields = None, parts[0], 2
            else:
                sender, body, fields = parts[0], parts[1], 3
        elif sep == " ":
            recall = _recall_name(rest)
            if recall is not None:
                sender, body, fields = None, rest, 2
            else:
                sender, _, body = rest.partition(" ")
                fields = 3
        else:
            sender, body, fields = None, "", 2
        pending = _Pending(number, ts_ms, offset, sender or None, [], fields)
        if sep == "\t" and body.startswith('"'):
            pending.quoted = True
            pending.open_quote = True
            self._quoted_line(pending, body[1:])
        else:
            pending.lines.append(body)
        return pending

    def _literal_quote(self, pending: _Pending, reason: str) -> None:
        """A text that starts with '"' but is never closed was not quoted: keep the '"' and every line."""
        pending.quoted = False
        pending.open_quote = False
        pending.lines[0] = '"' + pending.lines[0]
        self.ctx.warn(
            f"line {pending.line}",
            f"the text starts with '\"' but no closing '\"' comes before {reason}; "
            "the '\"' is kept as part of the text",
        )

    def _quoted_line(self, pending: _Pending, line: str) -> None:
        trailing = len(line) - len(line.rstrip('"'))
        if trailing % 2 == 1:
            pending.lines.append(line[:-1])
            pending.open_quote = False
        else:
            if _date_of(line) is not None:
                self.ctx.warn(
                    f"line {pending.line}",
                    f"a quoted multi-line text holds a line that looks like a date line ({line.strip()!r}); "
                    "it is read as part of the text",
                )
            pending.lines.append(line)

    def _emit(self, pending: _Pending) -> Iterator[ParsedItem]:
        text = "\n".join(pending.lines)
        if pending.quoted:
            text = text.replace('""', '"')
        locator = f"line {pending.line}"
        sender = pending.sender
        kind = MessageKind.TEXT
        attachments: tuple[Attachment, ...] = ()
        extra: dict[str, str] | None = None
        recall = _recall_name(text) if sender is None else None
        if recall is not None:
            kind, sender = MessageKind.RECALL, recall
        elif sender is None:
            kind = MessageKind.SYSTEM
            if pending.fields == 3:
                extra = {"sender_field": ""}
        elif text.startswith("☎"):
            kind = MessageKind.CALL
        elif text in _PLACEHOLDERS:
            kind = _PLACEHOLDERS[text]
            if kind not in _NO_ATTACHMENT:
                attachments = (Attachment(text, kind, AttachmentStatus.NOT_EXPORTED),)
        if sender is not None and sender not in self.senders:
            self.senders.add(sender)
            me = self.ctx.me
            yield Participant(Platform.LINE, sender, sender, is_self=(sender in me) if me else None)
        yield Message(
            conversation=self.chat,
            sender=sender,
            ts_ms=pending.ts_ms,
            kind=kind,
            text=text,
            utc_offset_min=pending.offset,
            precision=TimePrecision.MINUTE,
            sender_name=sender,
            attachments=attachments,
            extra=extra,
            locator=locator,
        )


def _saved_on(line: str) -> re.Match[str] | None:
    return _SAVED.fullmatch(line) or _SAVED_ANY.fullmatch(line)


def _recall_name(text: str) -> str | None:
    for pattern in _RECALLS:
        found = pattern.fullmatch(text.strip())
        if found:
            return found.group(1)
    return None


def _date_of(line: str) -> tuple[int, int, int, str | None] | None:
    """(year, month, day, weekday as written) when ``line`` is a date line."""
    found = _DATE_YMD.fullmatch(line)
    if found:
        weekday = found.group("wd1") or found.group("wd2")
        return int(found.group("y")), int(found.group("m")), int(found.group("d")), weekday
    found = _DATE_MDY.fullmatch(line)
    if found:
        return int(found.group("y")), int(found.group("m")), int(found.group("d")), found.group("wd")
    return None


def _weekday_index(written: str | None) -> int | None:
    """Monday = 0 for a weekday name LINE writes (``Fri``, ``金``, ``金曜日``, ``周五``, ``星期五``)."""
    if not written:
        return None
    word = written.strip().strip("()（）").lower()
    if not word:
        return None
    if word[:3] in _EN_DAYS:
        return _EN_DAYS.index(word[:3])
    if word[0] in _CJK_DAYS and (len(word) == 1 or word[1:] in ("曜日", "曜")):
        return _CJK_DAYS.index(word[0])
    if len(word) == 1 and word in _ZH_DAYS:
        return _ZH_DAYS.index(word)
    for prefix in ("周", "週", "星期", "禮拜", "礼拜"):
        if word.startswith(prefix) and len(word) == len(prefix) + 1:
            last = word[-1].replace("天", "日")
            if last in _ZH_DAYS:
                return _ZH_DAYS.index(last)
    return None
