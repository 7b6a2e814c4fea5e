"""Classic PC QQ 消息管理器 text export (``*.txt``, e.g. ``全部消息记录.txt``).

Layout (FORMATS.md §7.1): an optional title line, then per conversation a block of 64 ``=`` lines
around ``消息分组:<group>`` and ``消息对象:<name>``, then messages. A message is a header line
``YYYY-MM-DD H:MM:SS <display>(<QQ>)`` (or ``<display><e-mail or phone>``, or the display name
alone in 1:1 chats; English Windows writes ``8:43:38 PM``) followed by a body that may span many
lines, blank ones included. Only the header is a reliable delimiter, so every line matching it
starts a message; the blank lines QQ writes between messages are trimmed from the end of a body.
A file is written in one clock style, 24-hour or 12-hour, decided before reading from its header-shaped
lines (those after a blank line, as QQ writes headers, count first): a line in the other style, such as
a quoted header in a forwarded text, is body.

Identity. A person is the id in the *last* ``(...)``/``<...>`` of the header (QQ number, e-mail or
phone); names are group cards of that moment and are kept as ``sender_name``. Without an id the
display name is the sender. ``系统消息(10000)`` and ``(1000000)`` are system events (no sender). A shared file
(``… 分享文件 HH:MM:SS`` then ``"<file>" 下载``) is FILE with an attachment of that name.
Conversations carry no id in the export: a chat is named by its ``消息对象`` title (a second chat of
the same title under another ``消息分组`` in the same file, e.g. a friend and a group, is kept apart as
``<分组>/<title>`` with a warning); a file with no such block (a fragment) is named after the file.

Times are naive wall-clock times of the exporting PC, read in ``--tz`` with second precision.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
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
    Platform,
    TimePrecision,
)

RULE = "=" * 64
TITLE_PREFIX = "消息记录"
GROUP_LABEL = "消息分组:"
OBJECT_LABEL = "消息对象:"
SYSTEM_IDS = frozenset({"10000", "1000000"})
HEADER_EXAMPLE = "a message header like '2019-03-02 9:05:11 name(10001)'"

HEADER = re.compile(
    r"(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2}) (?P<h>\d{1,2}):(?P<mi>\d{2}):(?P<s>\d{2})"
    r"(?: (?P<ampm>[AP]M))?(?: (?P<who>.*))?"
)
_TRAILING_ID = re.compile(r"(?:\((?P<qq>\d+)\)|<(?P<other>[^<>\s]+)>)\s*$")
_RECALL = re.compile(r"(?P<who>.{0,64}?)撤回了一条消息")
_PLACEHOLDERS = {"[图片]": MessageKind.IMAGE, "[表情]": MessageKind.STICKER, "[文件]": MessageKind.FILE}
_GROUP_HINTS = ("群", "讨论组")
# A shared file (FORMATS.md §7.1): ``[图片] <name> 分享文件 HH:MM:SS`` then ``"<file>" 下载``.
_FILE_SHARE = re.compile(
    r"(?:\[图片\] ?)?.*?分享文件 \d{1,2}:\d{2}:\d{2}\n[\"“](?P<file>[^\"”\n]+)[\"”] ?下载"
)


def split_sender(who: str) -> tuple[str | None, str]:
    """(id, display name) of a header's sender part; the id is the last ``(digits)`` or ``<...>``."""
    found = _TRAILING_ID.search(who)
    if found is None:
        return None, who.strip()
    return found["qq"] or found["other"], who[: found.start()].strip()


@register
class QQTxtImporter:
    name: ClassVar[str] = "qq-txt"
    platform: ClassVar[Platform] = Platform.QQ
    version: ClassVar[str] = "1"
    description: ClassVar[str] = "QQ 消息管理器 text export (.txt): one or many chats, any encoding"
    obtain: ClassVar[str] = (
        "In PC QQ's 消息管理器 select a friend, group or category → ▽ → *导出消息记录* and save as "
        "`文本文件(*.txt)` (*导出全部消息记录* writes every chat to `全部消息记录.txt`); pick the `.txt` file."
    )
    extra_kept: ClassVar[str] = "`system_id` of a system sender, `recalled_by` of a recall notice"
    suffixes: ClassVar[tuple[str, ...]] = (".txt",)
    capabilities: ClassVar[frozenset[str]] = frozenset({"recalls", "system", "seconds", "multi_chat"})

    def sniff(self, source: SourceFile) -> float:
        if source.is_zip:
            return 0.0
        head = source.head_text()
        lines = head.splitlines()
        if any(line.startswith(OBJECT_LABEL) for line in lines[:40]) and RULE in head:
            return 0.95
        if lines and lines[0].startswith(TITLE_PREFIX + "（此消息记录为文本格式"):
            return 0.95
        for line in lines[:60]:
            found = HEADER.fullmatch(line)
            if found and found["who"] and _TRAILING_ID.search(found["who"]):
                return 0.6 if source.suffix == ".txt" else 0.3
        return 0.0

    def parse(self, source: SourceFile, ctx: ImportContext) -> Iterator[ParsedItem]:
        yield from _Reader(source, ctx).run()


class _Pending:
    __slots__ = ("body", "header", "line")

    def __init__(self, line: int, header: re.Match[str]) -> None:
        self.line = line
        self.header = header
        self.body: list[str] = []


class _Reader:
    def __init__(self, source: SourceFile, ctx: ImportContext) -> None:
        self.source = source
        self.ctx = ctx
        self.conversation: str | None = None
        self.group: str | None = None
        self.seen_block = False
        self.chats: set[str] = set()
        self.groups: dict[str, str] = {}  # chat title -> the 消息分组 it was first seen in
        self.ordinal = 0

    def run(self) -> Iterator[ParsedItem]:
        twelve_hour = _uses_twelve_hour(self.source)
        pending: _Pending | None = None
        preamble: list[tuple[int, str]] = []
        previous = ""
        with self.source.open_text() as text:
            lines = enumerate(text, start=1)
            for number, raw in lines:
                line = raw.rstrip("\n").rstrip("\r")
                bare = line.lstrip("\ufeff")
                # Framed by rules as QQ writes them, or (a hand-trimmed copy) bare before any message.
                if bare.startswith((GROUP_LABEL, OBJECT_LABEL)) and (
                    previous == RULE or (pending is None and self.conversation is None)
                ):
                    if pending is not None:
                        if pending.body and pending.body[-1] == RULE:
                            pending.body.pop()  # the rule opening this block
                        yield from self._emit(pending)
                        pending = None
                    if bare.startswith(GROUP_LABEL):
                        self.group = bare[len(GROUP_LABEL) :].strip()
                    else:
                        yield self._start(bare[len(OBJECT_LABEL) :].strip(), number)
                    preamble = []
                    previous = bare
                    continue
                if bare == RULE and (pending is None or previous.startswith((GROUP_LABEL, OBJECT_LABEL))):
                    previous = bare
                    continue
                previous = bare
                header = HEADER.fullmatch(bare)
                if header is not None and (header["ampm"] is not None) == twelve_hour:
                    if pending is not None:
                        yield from self._emit(pending)
                    elif self.conversation is None:
                        yield self._fragment(number)
                    if preamble:
                        self._skip_preamble(preamble)
                        preamble = []
                    pending = _Pending(number, header)
                elif pending is not None:
                    pending.body.append(line)
                elif bare.strip():
                    if self.seen_block:
                        raise ImportFormatError(
                            self.source.name, f"line {number}", expected=HEADER_EXAMPLE, found=bare.strip()
                        )
                    preamble.append((number, bare))
        if pending is not None:
            yield from self._emit(pending)
        self.ctx.meta["qq_chats"] = len(self.chats)

    def _skip_preamble(self, preamble: list[tuple[int, str]]) -> None:
        shown = [text for _, text in preamble if not text.startswith(TITLE_PREFIX)]
        if shown:
            self.ctx.warn(
                f"line {preamble[0][0]}",
                f"{len(preamble)} lines before the first message are not a QQ header and were not "
                f"read as messages: {' | '.join(shown)[:120]!r}",
            )

    def _start(self, title: str, number: int) -> Conversation:
        if not title:
            raise ImportFormatError(
                self.source.name, f"line {number}", field=OBJECT_LABEL[:-1], expected="a chat name", found=""
            )
        self.seen_block = True
        group = self.group or ""
        chat = title
        if self.groups.setdefault(title, group) != group:  # two chats of one name (a friend and a group)
            chat = f"{group}/{title}"
            self.ctx.warn(
                f"line {number}",
                f"a second chat named {title!r} (消息分组 {group!r}, the first was in "
                f"{self.groups[title]!r}); it is kept apart as {chat!r}",
            )
        self.conversation = chat
        self.chats.add(chat)
        kind = ConversationKind.GROUP if any(h in group for h in _GROUP_HINTS) else ConversationKind.DIRECT
        return Conversation(Platform.QQ, chat, title, kind)

    def _fragment(self, number: int) -> Conversation:
        name = Path(self.source.member_name or self.source.path.name).stem
        self.ctx.warn(f"line {number}", f"no '{OBJECT_LABEL}' block names the chat; it is named {name!r}")
        self.conversation = name
        self.chats.add(name)
        return Conversation(Platform.QQ, name, name, ConversationKind.DIRECT)

    def _emit(self, pending: _Pending) -> Iterator[Message]:
        header = pending.header
        locator = f"line {pending.line}"
        year, month, day = int(header["y"]), int(header["mo"]), int(header["d"])
        hour, minute, second = int(header["h"]), int(header["mi"]), int(header["s"])
        ampm = header["ampm"]
        valid_hour = 1 <= hour <= 12 if ampm else hour <= 23
        if ampm == "PM" and hour != 12:
            hour += 12
        elif ampm == "AM" and hour == 12:
            hour = 0
        stamp = header.group(0)[: header.end("ampm") if ampm else header.end("s")]
        if not valid_hour or minute > 59 or second > 59 or not _real_date(year, month, day):
            raise ImportFormatError(
                self.source.name,
                locator,
                field="time",
                expected="a real date and time such as 2019-03-02 9:05:11 or 2019-09-23 8:43:38 PM",
                found=stamp,
            )
        ts_ms, offset = self.ctx.clock.to_utc_ms(year, month, day, hour, minute, second)
        body = pending.body
        while body and not body[-1].strip():
            body.pop()
        text = "\n".join(body)
        sender_id, display = split_sender(header["who"] or "")
        sender: str | None = sender_id or display or None
        kind = MessageKind.TEXT
        extra: dict[str, str] = {}
        attachments: tuple[Attachment, ...] = ()
        if sender_id in SYSTEM_IDS:
            sender = None
            kind = MessageKind.SYSTEM
            extra["system_id"] = sender_id
        stripped = text.strip()
        recall = _RECALL.fullmatch(stripped)
        if recall is not None:
            kind = MessageKind.RECALL
            if recall["who"]:
                extra["recalled_by"] = recall["who"]
        elif kind is MessageKind.TEXT and stripped in _PLACEHOLDERS:
            kind = _PLACEHOLDERS[stripped]
            attachments = (Attachment(stripped, kind, AttachmentStatus.NOT_EXPORTED),)
        elif kind is MessageKind.TEXT and (shared := _FILE_SHARE.fullmatch(stripped)) is not None:
            kind = MessageKind.FILE
            attachments = (Attachment(shared["file"], kind, AttachmentStatus.NOT_EXPORTED),)
        elif kind is MessageKind.TEXT and stripped.startswith("[QQ红包]"):
            kind = MessageKind.RED_PACKET
        if sender is None and kind is MessageKind.TEXT:
            self.ctx.warn(locator, "message header names no sender")
        self.ordinal += 1
        assert self.conversation is not None
        yield Message(
            conversation=self.conversation,
            sender=sender,
            ts_ms=ts_ms,
            kind=kind,
            text=text,
            utc_offset_min=offset,
            precision=TimePrecision.SECOND,
            sender_name=display or None,
            attachments=attachments,
            extra=extra or None,
            locator=locator,
            ordinal=self.ordinal,
        )


def _uses_twelve_hour(source: SourceFile) -> bool:
    """Whether the file's headers are 12-hour (``8:43:38 PM``): the style of most header-shaped lines
    that follow a blank line (a body quoting a header rarely does), then of most of all such lines, then
    of the first."""
    framed = {False: 0, True: 0}
    shaped = {False: 0, True: 0}
    first: bool | None = None
    previous = ""
    with source.open_text(counted=False) as text:
        for raw in text:
            line = raw.rstrip("\n").lstrip("\ufeff")
            header = HEADER.fullmatch(line)
            if header is not None:
                style = header["ampm"] is not None
                first = style if first is None else first
                shaped[style] += 1
                framed[style] += not previous.strip()
            previous = line
    if framed[True] != framed[False]:
        return framed[True] > framed[False]
    if shaped[True] != shaped[False]:
        return shaped[True] > shaped[False]
    return bool(first)


def _real_date(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]
