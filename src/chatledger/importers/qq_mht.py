"""Classic PC QQ 消息管理器 web export (``*.mht``): MIME multipart/related with an HTML table of messages.

Layout (FORMATS.md §7.1): an RFC 2557 MHTML file (``From: <Saved by Tencent MsgMgr>``, ``Subject:
Tencent IM Message``) whose ``text/html`` part is one table. Rows hold divs: the same
``消息分组:`` / ``消息对象:`` blocks as the .txt export, optional ``日期: YYYY-MM-DD`` rows, and per
message a header div (the sender name in a floated div, then the time) followed by a body div.
Headers carry either the full ``YYYY-MM-DD H:MM:SS`` or the time of day only, which then takes the
date of the last ``日期:`` row (both layouts are read). Pictures are further MIME parts (base64),
referenced from ``<img src>`` by ``Content-Location`` (``{GUID}.dat``) or ``cid:`` Content-ID;
they are hashed from their decoded bytes and stored as PRESENT attachments (MISSING, with a warning,
when the part is absent) — MHT is the only QQ export that keeps pictures.

The file is streamed in two passes (``_shared.mime_stream``), so memory stays bounded whatever its size
(an export of every chat reaches gigabytes): the first hashes every picture part and finds the HTML part's
charset (the declared one, else UTF-8, else GB18030, whichever decodes the whole part; a part labelled
GB2312 or GBK is decoded as GB18030, its superset); the second feeds the HTML to ``html.parser`` as it is
read and yields each message as soon as the next one starts. Senders, system senders (10000, 1000000),
recalls and chat naming follow ``qq_txt``; times are naive local times read in ``--tz`` with second
precision.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message as MimeHeaders
from html.parser import HTMLParser
from pathlib import Path
from typing import BinaryIO, ClassVar

from chatledger.errors import ImportFormatError
from chatledger.importers import register
from chatledger.importers._shared.media import digest_chunks
from chatledger.importers._shared.mime_stream import MimeBody, read_headers, walk_parts
from chatledger.importers.base import ImportContext, SourceFile
from chatledger.importers.qq_txt import GROUP_LABEL, OBJECT_LABEL, SYSTEM_IDS, split_sender
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

_GB = {"gb2312", "gbk", "x-gbk", "gb_2312-80", "csgb2312", "euc-cn", "cp936"}
_STAMP = re.compile(
    r"(?:(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2}) )?(?P<h>\d{1,2}):(?P<mi>\d{2}):(?P<s>\d{2})(?: ?(?P<ampm>[AP]M))?"
)
_DATE_ROW = re.compile(r"日期[:：]\s*(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})")
_RECALL = re.compile(r"(?P<who>.{0,64}?)撤回了一条消息")
_GROUP_HINTS = ("群", "讨论组")
STAMP_EXAMPLE = "a time such as 2019-03-02 9:05:11 (or 9:05:11 after a 日期: row)"


@dataclass
class Block:
    """One top-level div of a table cell: its text, the floated name div's text, its images."""

    row: int
    parts: list[str] = field(default_factory=list)
    name: str | None = None
    images: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        lines = "".join(self.parts).replace("\xa0", " ").split("\n")
        return "\n".join(line.strip() for line in lines).strip("\n")


class _Table(HTMLParser):
    """Splits the HTML into blocks: each top-level div inside a ``td`` (or the bare ``td`` text)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.row = 0
        self.in_td = False
        self.depth = 0  # div depth inside the current td
        self.block: Block | None = None
        self.name_depth: int | None = None
        self.name_parts: list[str] = []
        self.hidden = 0

    def _open(self) -> Block:
        block = Block(self.row)
        self.blocks.append(block)
        return block

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script", "title"):
            self.hidden += 1
        elif tag == "tr":
            self.row += 1
        elif tag == "td":
            self.in_td, self.depth, self.block = True, 0, None
        elif tag == "div" and self.in_td:
            style = (dict(attrs).get("style") or "").replace(" ", "").lower()
            if self.depth == 0:
                self.block = self._open()
            elif "float:left" in style and self.name_depth is None and self.block is not None:
                self.name_depth, self.name_parts = self.depth, []
            self.depth += 1
        elif tag == "br" and self.block is not None:
            self.block.parts.append("\n")
        elif tag == "img" and self.in_td:
            if self.block is None:
                self.block = self._open()
            src = dict(attrs).get("src") or ""
            self.block.images.append(src)
            self.block.parts.append("[图片]")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "title"):
            self.hidden = max(0, self.hidden - 1)
        elif tag == "td":
            self.in_td, self.block = False, None
        elif tag == "div" and self.in_td and self.depth:
            self.depth -= 1
            if self.name_depth is not None and self.depth == self.name_depth and self.block is not None:
                self.block.name = "".join(self.name_parts).replace("\xa0", " ").strip()
                self.name_depth = None
            elif self.depth == 0:
                self.block = None

    def handle_data(self, data: str) -> None:
        if self.hidden or not self.in_td:
            return
        if self.block is None:
            if not data.strip():
                return
            self.block = self._open()
        if self.name_depth is not None:
            self.name_parts.append(data)
        else:
            self.block.parts.append(data)


@dataclass(frozen=True)
class _Picture:
    size: int
    sha256: str
    md5: str
    mime_type: str


@dataclass
class _Scan:
    """What the first pass learns: the pictures by Content-Location/Content-ID, the HTML part's charset."""

    pictures: dict[str, _Picture] = field(default_factory=dict)
    html: MimeHeaders | None = None
    charset: str | None = None


def _charsets(headers: MimeHeaders) -> list[str]:
    declared = (headers.get_content_charset() or "").lower()
    return list(
        dict.fromkeys(c for c in ("gb18030" if declared in _GB else declared, "utf-8", "gb18030") if c)
    )


def _is_html(headers: MimeHeaders) -> bool:
    return headers.get_content_type() == "text/html"


def _decodes(chunks: Iterable[bytes], charset: str) -> bool:
    """Whether every chunk decodes in ``charset`` (all chunks are read either way)."""
    try:
        decoder = codecs.getincrementaldecoder(charset)()
    except LookupError:
        decoder = None
    ok = decoder is not None
    for chunk in chunks:
        if ok and decoder is not None:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                ok = False
    if ok and decoder is not None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            ok = False
    return ok


def _picture(part: MimeBody) -> _Picture:
    found = digest_chunks(part.chunks())
    return _Picture(found.size, found.sha256, found.md5, part.headers.get_content_type())


@register
class QQMhtImporter:
    name: ClassVar[str] = "qq-mht"
    platform: ClassVar[Platform] = Platform.QQ
    version: ClassVar[str] = "1"
    description: ClassVar[str] = "QQ 消息管理器 web export (.mht): messages with their pictures"
    obtain: ClassVar[str] = (
        "In PC QQ's 消息管理器 select a friend, group or category → ▽ → *导出消息记录* and save as "
        "`网页格式(*.mht)`; pick the `.mht` file (the `.bak` backup format cannot be read)."
    )
    extra_kept: ClassVar[str] = "`system_id` of a system sender, `recalled_by` of a recall notice"
    suffixes: ClassVar[tuple[str, ...]] = (".mht", ".mhtml")
    capabilities: ClassVar[frozenset[str]] = frozenset(
        {"attachments", "recalls", "system", "seconds", "multi_chat"}
    )

    def sniff(self, source: SourceFile) -> float:
        if source.is_zip:  # a zip that stores an MHT uncompressed shows the MHT's headers in its head
            return 0.0
        head = source.head[:16384].decode("latin-1").lower()
        if "multipart/related" not in head:
            return 0.0
        if "tencent msgmgr" in head or "tencent im message" in head:
            return 0.95
        return 0.5 if source.suffix in self.suffixes else 0.0

    def parse(self, source: SourceFile, ctx: ImportContext) -> Iterator[ParsedItem]:
        scan = self._scan(source)
        if scan.html is None:
            raise ImportFormatError(
                source.name, "MIME parts", expected="a text/html part holding the message table", found="none"
            )
        if scan.charset is None:
            raise ImportFormatError(
                source.name,
                "text/html part",
                field="charset",
                expected=f"HTML in its declared charset {scan.html.get_content_charset()!r}, UTF-8 or GB18030",
                found="undecodable bytes",
            )
        yield from _Messages(source, ctx, scan.pictures).run(self._blocks(source, scan.charset))

    def _scan(self, source: SourceFile) -> _Scan:
        scan = _Scan()
        with source.open_binary() as stream:
            top = read_headers(stream)
            if top.get_content_type() != "multipart/related":
                raise ImportFormatError(
                    source.name,
                    "MIME headers",
                    field="Content-Type",
                    expected="multipart/related (an MHT web archive)",
                    found=top.get_content_type(),
                )
            for part in walk_parts(stream, top):
                headers = part.headers
                if _is_html(headers) and scan.html is None:
                    scan.html, first = headers, _charsets(headers)[0]
                    scan.charset = first if _decodes(part.chunks(), first) else None
                    continue
                keys = [str(headers[h]).strip().strip("<>") for h in ("Content-Location", "Content-ID")]
                keys = [key for key in keys if key and key != "None"]
                if keys:
                    picture = _picture(part)
                    scan.pictures.update(dict.fromkeys(keys, picture))
        if scan.html is not None and scan.charset is None:  # rare: read the part again per fallback
            scan.charset = next((c for c in _charsets(scan.html)[1:] if self._html_decodes(source, c)), None)
        return scan

    def _html_part(self, stream: BinaryIO) -> MimeBody | None:
        return next((p for p in walk_parts(stream, read_headers(stream)) if _is_html(p.headers)), None)

    def _html_decodes(self, source: SourceFile, charset: str) -> bool:
        with source.open_binary(counted=False) as stream:
            part = self._html_part(stream)
            return part is not None and _decodes(part.chunks(), charset)

    def _blocks(self, source: SourceFile, charset: str) -> Iterator[Block]:
        """The HTML part's blocks, each as soon as the next one has started."""
        table = _Table()
        decoder = codecs.getincrementaldecoder(charset)()
        with source.open_binary(counted=False) as stream:
            part = self._html_part(stream)
            for chunk in part.chunks() if part is not None else ():
                table.feed(decoder.decode(chunk))
                if len(table.blocks) > 1:
                    yield from table.blocks[:-1]
                    del table.blocks[:-1]
        table.feed(decoder.decode(b"", final=True))
        table.close()
        yield from table.blocks


class _Messages:
    def __init__(self, source: SourceFile, ctx: ImportContext, pictures: dict[str, _Picture]) -> None:
        self.source = source
        self.ctx = ctx
        self.pictures = pictures
        self.chat: str | None = None
        self.group = ""
        self.day: tuple[int, int, int] | None = None
        self.ordinal = 0
        self.chats: set[str] = set()

    def run(self, blocks: Iterable[Block]) -> Iterator[ParsedItem]:
        header: Block | None = None
        stamp: re.Match[str] | None = None
        body: list[Block] = []
        day: tuple[int, int, int] | None = None  # the 日期 row in force at the header, not at its end
        for block in blocks:
            text = block.text
            if text.startswith(GROUP_LABEL):
                self.group = text[len(GROUP_LABEL) :].strip()
                continue
            if text.startswith(OBJECT_LABEL):
                if header is not None and stamp is not None:
                    yield from self._emit(header, stamp, body, day)
                    header, stamp, body = None, None, []
                yield self._start(text[len(OBJECT_LABEL) :].strip())
                continue
            if text and set(text) == {"="}:
                continue
            date_row = _DATE_ROW.fullmatch(text)
            if date_row is not None:
                self.day = (int(date_row["y"]), int(date_row["mo"]), int(date_row["d"]))
                continue
            if block.name is not None:
                found = _STAMP.fullmatch(text)
                if found is None:
                    raise ImportFormatError(
                        self.source.name,
                        f"html row {block.row}",
                        field="time",
                        expected=STAMP_EXAMPLE,
                        found=text,
                    )
                if header is not None and stamp is not None:
                    yield from self._emit(header, stamp, body, day)
                if self.chat is None:
                    yield self._start(
                        Path(self.source.member_name or self.source.path.name).stem, fragment=True
                    )
                header, stamp, body, day = block, found, [], self.day
            elif header is not None:
                body.append(block)
            elif text and not text.startswith("消息记录"):
                self.ctx.warn(
                    f"html row {block.row}", f"text before the first message was not read: {text[:80]!r}"
                )
        if header is not None and stamp is not None:
            yield from self._emit(header, stamp, body, day)
        self.ctx.meta["qq_chats"] = len(self.chats)

    def _start(self, title: str, *, fragment: bool = False) -> Conversation:
        if fragment:
            self.ctx.warn("", f"no '{OBJECT_LABEL}' block names the chat; it is named {title!r}")
        self.chat = title
        self.chats.add(title)
        kind = (
            ConversationKind.GROUP if any(h in self.group for h in _GROUP_HINTS) else ConversationKind.DIRECT
        )
        return Conversation(Platform.QQ, title, title, kind)

    def _emit(
        self, header: Block, stamp: re.Match[str], body: list[Block], day_row: tuple[int, int, int] | None
    ) -> Iterator[Message]:
        locator = f"html row {header.row}"
        if stamp["y"]:
            year, month, day = int(stamp["y"]), int(stamp["mo"]), int(stamp["d"])
        elif day_row is not None:
            year, month, day = day_row
        else:
            raise ImportFormatError(
                self.source.name, locator, field="time", expected=STAMP_EXAMPLE, found=stamp.group(0)
            )
        hour, minute, second = int(stamp["h"]), int(stamp["mi"]), int(stamp["s"])
        ampm = stamp["ampm"]
        valid_hour = 1 <= hour <= 12 if ampm else hour <= 23
        if ampm == "PM" and hour != 12:
            hour += 12
        elif ampm == "AM" and hour == 12:
            hour = 0
        try:
            datetime(year, month, day, hour, minute, second)
            if not valid_hour:
                raise ValueError
        except ValueError:
            shown = stamp.group(0) if stamp["y"] else f"{year}-{month:02d}-{day:02d} {stamp.group(0)}"
            raise ImportFormatError(
                self.source.name, locator, field="time", expected=STAMP_EXAMPLE, found=shown
            ) from None
        ts_ms, offset = self.ctx.clock.to_utc_ms(year, month, day, hour, minute, second)
        sender_id, display = split_sender(header.name or "")
        sender: str | None = sender_id or display or None
        text = "\n".join(b.text for b in body)
        attachments = tuple(self._image(src, locator) for b in body for src in b.images)
        kind = MessageKind.TEXT
        extra: dict[str, str] = {}
        if sender_id in SYSTEM_IDS:
            sender, kind = None, MessageKind.SYSTEM
            extra["system_id"] = sender_id
        recall = _RECALL.fullmatch(text.strip())
        if recall is not None:
            kind = MessageKind.RECALL
            if recall["who"]:
                extra["recalled_by"] = recall["who"]
        elif kind is MessageKind.TEXT and attachments and not text.replace("[图片]", "").strip():
            kind = MessageKind.IMAGE
        self.ordinal += 1
        assert self.chat is not None
        yield Message(
            conversation=self.chat,
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

    def _image(self, src: str, locator: str) -> Attachment:
        key = src.removeprefix("cid:").strip()
        picture = self.pictures.get(key) or self.pictures.get(key.rsplit("/", 1)[-1])
        if picture is None:
            self.ctx.warn(locator, f"picture {src!r} is not in the file")
            return Attachment(key or "[图片]", MessageKind.IMAGE, AttachmentStatus.MISSING, path=src or None)
        return Attachment(
            key,
            MessageKind.IMAGE,
            AttachmentStatus.PRESENT,
            size=picture.size,
            sha256=picture.sha256,
            md5=picture.md5,
            mime_type=picture.mime_type,
        )
