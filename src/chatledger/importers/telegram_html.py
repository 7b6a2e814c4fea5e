"""Telegram Desktop's default, human-readable export: ``messages.html``, ``messages2.html``, … per chat.

Layout (FORMATS.md §3.3, checked against Telegram Desktop's ``export_output_html.cpp``). A chat's folder
holds pages of at most 1000 messages, ``messages.html`` then ``messages2.html`` …; an account export
puts each chat in ``chats/chat_NNN/``. The page header (``div.page_header div.text``) names the chat.
Each message is ``div.message.default`` with ``id="message<id>"``: ``div.from_name``, ``div.text``,
``div.pull_right.date.details`` whose ``title`` is ``DD.MM.YYYY HH:MM:SS`` (newer versions append
`` UTC+03:00``), ``div.reply_to`` linking ``#go_to_message<id>``, ``div.forwarded.body`` around a
forwarded message's content, and media blocks linking files relative to the page. Consecutive messages
of one sender carry the class ``joined`` and no ``from_name``: the sender is carried forward (and a
forward's origin likewise). Telegram Desktop starts every page afresh (no page begins ``joined``), so
each page reads on its own.

Sources. A folder's pages are separate sources (each hashed and kept); a ``.zip`` of the export is one
source whose pages are read per chat folder in page order (``messages2.html`` before
``messages10.html``). When ``result.json`` sits beside the pages (an export in both formats), the
pages are left to it: the JSON carries ids and exact times the HTML lacks.

Service messages (``div.message.service``) are SYSTEM; the day separators Telegram writes as service
messages with negative ids are not messages. Service messages carry no time in the HTML: each takes the
time of the last dated message before it on its page, or midnight of the day separator above it when
that is later, that midnight read in ``--tz`` (``extra["time_inferred"]`` says so).

Times without an offset are the exporting PC's wall clock, read in ``--tz``; with `` UTC±HH:MM`` they
are exact. An ``edited`` mark (in the date's ``title`` or an element of class ``edited``) gives
``edited_ts_ms`` when it holds a time, else ``extra["edited"]``.

Identity. Message ids are those of result.json. The HTML has no chat id and no user ids: the chat is
named by its title (as telegram-json names a chat without ``id``) and senders by display name. So
messages keep the keys of the JSON export only when imported into that chat with ``--chat``; the
senders still differ (``user123`` there, a name here), which the archive reports as conflicting copies.
Two chats of one account export with the same title (two "Deleted Account" chats) become one.
"""

from __future__ import annotations

import calendar
import codecs
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from pathlib import PurePosixPath
from typing import IO, Any, ClassVar

from chatledger.errors import ImportFormatError
from chatledger.importers import register
from chatledger.importers._shared.archives import written_name
from chatledger.importers._shared.telegram import MEDIA_KINDS, MediaFiles
from chatledger.importers.base import ByteCounter, ImportContext, SourceFile
from chatledger.model import (
    Attachment,
    Conversation,
    ConversationKind,
    Message,
    MessageKind,
    ParsedItem,
    Participant,
    Platform,
    TimePrecision,
)

_PAGE = re.compile(r"messages(\d*)\.html")
_TIME = re.compile(r"(\d\d)\.(\d\d)\.(\d{4}) (\d\d):(\d\d):(\d\d)(?: UTC([+-])(\d\d):?(\d\d))?")
_EDITED = re.compile(r"edited", re.IGNORECASE)
_DAY = re.compile(
    r"(\d{1,2}) (January|February|March|April|May|June|July|August|September|October|November|December) (\d{4})"
)
_MONTHS = {
    name: i
    for i, name in enumerate(
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
        1,
    )
}
_MESSAGE_LINK = re.compile(r"#go_to_message(\d+)$")
_LAYOUT = re.compile(
    r"\r?\n *"
)  # Telegram writes text on one line (newlines as <br>): raw newlines are layout
_BR = "\x00"  # stands for <br> while a text is collected (html.parser turns &#0; into U+FFFD)
_VOID = frozenset({"br", "img", "meta", "link", "hr", "input", "wbr", "source"})
_GROUP_SIGNS = re.compile(
    r"created group|invited|joined group|converted (?:this|a basic) group|changed group|removed"
)
_CHANNEL_SIGNS = re.compile(r"Channel (?:&laquo;|«|title changed|photo)")
_FROM_NAME = re.compile(r'<div class="from_name">\s*([^<]*?)\s*<')
_CHUNK = 1 << 20
# media block -> the JSON ``media_type`` it stands for (None: a photo), or a message kind of its own
_WRAPS = {
    "photo_wrap": None,
    "sticker_wrap": "sticker",
    "animated_wrap": "animation",
    "video_file_wrap": "video_file",
}
_GENERIC_TITLES = {
    "Sticker": "sticker",
    "Animation": "animation",
    "Video file": "video_file",
    "Self-destructing video": "video_file",
    "Video message": "video_message",
}
_OWN_KINDS = {
    "media_call": MessageKind.CALL,
    "media_contact": MessageKind.CONTACT,
    "media_location": MessageKind.LOCATION,
    "media_live_location": MessageKind.LOCATION,
    "media_venue": MessageKind.LOCATION,
    "media_game": MessageKind.OTHER,
    "media_invoice": MessageKind.OTHER,
}
_UNSUPPORTED = "This message is not supported by this version of Telegram Desktop"

# roles of the elements the page parser follows
_MESSAGE, _DATE, _FROM, _FORWARDED, _FWD_DATE, _TEXT, _REPLY, _SIGNATURE, _SERVICE = range(9)
_MEDIA, _MEDIA_TITLE, _MEDIA_DESCRIPTION, _MEDIA_STATUS, _POLL_QUESTION, _POLL_ANSWER = range(9, 15)
_HEADER, _SKIP, _EDIT = range(15, 18)
_IN_MESSAGE = {
    "pull_right date details": _DATE,
    "from_name": _FROM,
    "forwarded body": _FORWARDED,
    "text": _TEXT,
    "reply_to details": _REPLY,
    "signature details": _SIGNATURE,
    "body details": _SERVICE,
    "title bold": _MEDIA_TITLE,
    "description": _MEDIA_DESCRIPTION,
    "status details": _MEDIA_STATUS,
    "question bold": _POLL_QUESTION,
    "answer": _POLL_ANSWER,
    "details": _SKIP,  # a poll's "Anonymous poll" and an answer's vote count
    "total details\t": _SKIP,
    "total details": _SKIP,
    "pull_left userpic_wrap": _SKIP,
    "pull_left forwarded userpic_wrap": _SKIP,
    "userpic_wrap": _SKIP,
}


@dataclass(slots=True)
class _Media:
    classes: list[str]
    href: str | None = None
    title: list[str] = field(default_factory=list)
    description: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Raw:
    """One message div as read: the pieces of text and the attributes that matter."""

    message_id: str
    service: bool
    joined: bool
    line: int
    date: str | None = None
    from_name: list[str] | None = None
    forwarded: bool = False
    forward_name: list[str] | None = None
    forward_date: str | None = None
    text: list[str] = field(default_factory=list)
    reply_href: str | None = None
    reply: list[str] = field(default_factory=list)
    signature: list[str] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)
    media: list[_Media] = field(default_factory=list)
    poll_question: list[str] | None = None
    poll_answers: list[list[str]] = field(default_factory=list)
    links: list[str] = field(default_factory=list)


class _PageParser(HTMLParser):
    """Turns one page into ``_Raw`` messages as it is fed; ``done`` holds those finished so far."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.done: list[_Raw] = []
        self.title: list[str] | None = None
        self.saw_history = False
        self.message: _Raw | None = None
        self.stack: list[tuple[str, int | None, list[str] | None]] = []  # tag, role, sink before it
        self.sink: list[str] | None = None
        self.in_forward = 0
        self.in_header = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            if tag == "br" and self.sink is not None:
                self.sink.append(_BR)
            return
        classes = ""
        for name, value in attrs:
            if name == "class":
                classes = value or ""
                break
        role: int | None = None
        message = self.message
        sink = self.sink
        if message is not None:
            role = _IN_MESSAGE.get(classes)
            if role is None and classes:
                role = self._media_role(message, tag, classes, attrs)
            if role in (_DATE, _EDIT):
                title = _attr(attrs, "title")
                if role == _EDIT:
                    message.edited.append(title or "edited")
                elif role == _DATE and message.date is None and not self.in_forward:
                    message.date = title
                elif self.in_forward and message.forward_date is None:
                    message.forward_date = title
                sink = None
            elif role == _FROM:
                sink = []
                if self.in_forward:
                    message.forward_name = sink
                elif message.from_name is None:
                    message.from_name = sink
            elif role == _FORWARDED:
                message.forwarded = True
                self.in_forward += 1
            elif role == _TEXT:
                sink = message.text
            elif role == _REPLY:
                sink = message.reply
            elif role == _SERVICE:
                sink = message.text
            elif role == _SIGNATURE:
                sink = message.signature
            elif role == _SKIP:
                sink = None
            elif role == _MEDIA_TITLE and message.media:
                sink = message.media[-1].title
            elif role == _MEDIA_DESCRIPTION and message.media:
                sink = message.media[-1].description
            elif role == _MEDIA_STATUS and message.media:
                sink = message.media[-1].status
            elif role == _POLL_QUESTION:
                sink = message.poll_question = []
            elif role == _POLL_ANSWER:
                sink = []
                message.poll_answers.append(sink)
            elif tag == "a":
                href = _attr(attrs, "href")
                if href is not None and sink is message.reply:
                    message.reply_href = href
                elif href is not None and sink is message.text and message.service:
                    message.links.append(href)
            elif tag == "span" and "date details" in classes and self.in_forward:
                role = _FWD_DATE
                if message.forward_date is None:
                    message.forward_date = _attr(attrs, "title")
                sink = None
        elif tag == "div" and classes.startswith("message "):
            element_id = _attr(attrs, "id") or ""
            tokens = classes.split()
            role = _MESSAGE
            self.message = _Raw(
                element_id.removeprefix("message"),
                "service" in tokens,
                "joined" in tokens,
                self.getpos()[0],
            )
            sink = None
        elif classes == "page_header":
            self.in_header = True
        elif self.in_header and classes == "text bold" and self.title is None:
            role = _HEADER
            sink = self.title = []
        elif classes == "history":
            self.saw_history = True
        self.stack.append((tag, role, self.sink))
        self.sink = sink

    def _media_role(
        self, message: _Raw, tag: str, classes: str, attrs: list[tuple[str, str | None]]
    ) -> int | None:
        tokens = classes.split()
        if "edited" in tokens:
            return _EDIT
        first = tokens[0]
        if first in _WRAPS or first == "media" or first == "media_poll":
            media = _Media(tokens, _attr(attrs, "href") if tag == "a" else None)
            message.media.append(media)
            return _MEDIA
        return None

    def handle_endtag(self, tag: str) -> None:
        stack = self.stack
        for depth in range(len(stack) - 1, -1, -1):
            if stack[depth][0] == tag:
                break
        else:
            return  # an end tag nothing opened (or a void tag's): ignored
        while len(stack) > depth:
            _, role, sink = stack.pop()
            self.sink = sink
            if role == _FORWARDED:
                self.in_forward -= 1
            elif role == _MESSAGE and self.message is not None:
                self.done.append(self.message)
                self.message = None
                self.in_forward = 0
            elif role == _HEADER:
                self.in_header = False

    def handle_data(self, data: str) -> None:
        if self.sink is not None:
            self.sink.append(data)


def _attr(attrs: list[tuple[str, str | None]], name: str) -> str | None:
    for key, value in attrs:
        if key == name:
            return value
    return None


def _joined(parts: list[str] | None) -> str:
    """Collected text as shown: layout newlines dropped, <br> as a newline, ends trimmed of layout."""
    if not parts:
        return ""
    return _LAYOUT.sub("", "".join(parts)).replace(_BR, "\n")


def _plain(parts: list[str] | None) -> str:
    return " ".join(_joined(parts).split())


def _page_number(name: str) -> int:
    match = _PAGE.fullmatch(posixpath.basename(name))
    return int(match.group(1) or 1) if match else 1


def _looks_like_page(head: str) -> bool:
    return "<title>Exported Data</title>" in head and "chat_page" in head and 'class="history"' in head


@register
class TelegramHtmlImporter:
    name: ClassVar[str] = "telegram-html"
    platform: ClassVar[Platform] = Platform.TELEGRAM
    version: ClassVar[str] = "1"
    description: ClassVar[str] = (
        "Telegram Desktop HTML export (messages.html, messages2.html, …): a chat folder, an account export, or its .zip"
    )
    obtain: ClassVar[str] = (
        "Telegram Desktop only: in a chat, ⋮ → *Export chat history*, or *Settings → Advanced → Export "
        "Telegram data*, with the default format *Human-readable HTML*; import the export folder (each "
        "`messages*.html` page is a source) or a `.zip` of it. Prefer *Machine-readable JSON* when you "
        "can: the HTML has no chat or user ids and no times for service messages."
    )
    extra_kept: ClassVar[str] = (
        "`edited` when a message is marked edited without a time, `via_bot`, `author` (a channel post's "
        "signature), `reply_to_other_chat`, `links` of a service message, `message_id` a service message "
        "points to, `time_inferred` for service messages (the HTML gives them no time)"
    )
    suffixes: ClassVar[tuple[str, ...]] = (".html", ".htm", ".zip")
    capabilities: ClassVar[frozenset[str]] = frozenset(
        {"platform_ids", "replies", "edits", "attachments", "system", "seconds", "multi_chat"}
    )

    def sniff(self, source: SourceFile) -> float:
        if source.is_zip:
            try:
                pages = _zip_pages(source)
            except (zipfile.BadZipFile, OSError):
                return 0.0
            if not pages:
                return 0.0
            with zipfile.ZipFile(source.path) as archive, archive.open(pages[0][2]) as stream:
                head = stream.read(8192).decode("utf-8", errors="replace")
            return 0.9 if _looks_like_page(head) else 0.0
        if source.suffix not in (".html", ".htm") or not _looks_like_page(source.head_text(16384)):
            return 0.0
        return 0.0 if _beside_json(source) else 0.95

    def parse(self, source: SourceFile, ctx: ImportContext) -> Iterator[ParsedItem]:
        if source.is_zip:
            pages = _zip_pages(source)
            if not pages:
                raise ImportFormatError(
                    source.name,
                    "",
                    expected="a Telegram Desktop HTML export zip holding messages.html pages",
                    found=", ".join(source.zip_names()[:5]) or "an empty archive",
                )
            # one open archive for every page and media file: reopening it per page rereads its directory
            media = MediaFiles(source.member_file(pages[0][2]), ctx)
            try:
                with zipfile.ZipFile(source.path) as archive:
                    folder: str | None = None
                    first = ""
                    for chat_dir, _, member in pages:
                        if chat_dir != folder:
                            with archive.open(member) as stream:
                                first = stream.read(1 << 16).decode("utf-8", errors="replace")
                            folder = chat_dir
                        media.move_to(written_name(archive.getinfo(member)))
                        with archive.open(member) as stream:
                            page = _Page(
                                f"{source.name}!{member}",
                                member,
                                ctx,
                                media,
                                prefix=f"{member} ",
                                first=first,
                            )
                            yield from page.run(stream, source.on_bytes)
            finally:
                media.close()
        else:
            media = MediaFiles(source, ctx)
            try:
                page = _Page(
                    source.name,
                    source.member_name or source.path.as_posix(),
                    ctx,
                    media,
                    prefix="",
                    first=_sibling_first_head(source),
                )
                with source.open_binary() as stream:
                    yield from page.run(stream, None)
            finally:
                media.close()


def _zip_pages(source: SourceFile) -> list[tuple[str, int, str]]:
    """The zip's chat pages as (chat folder, page number, member), in reading order; none beside a result.json."""
    names = source.zip_names()
    json_dirs = {posixpath.dirname(n) for n in names if posixpath.basename(n) == "result.json"}
    pages = []
    for name in names:
        if _PAGE.fullmatch(posixpath.basename(name)):
            folder = posixpath.dirname(name)
            if not any(folder == d or folder.startswith(d + "/" if d else "") for d in json_dirs):
                pages.append((folder, _page_number(name), name))
    return sorted(pages, key=lambda p: (_natural(p[0]), p[1]))


def _natural(text: str) -> tuple[Any, ...]:
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))


def _beside_json(source: SourceFile) -> bool:
    """A result.json in the page's folder or above it, up to the account export's root (two levels)."""
    if source.member is not None:
        folder = posixpath.dirname(source.member)
        names = set(source.zip_names())
        for _ in range(3):
            if posixpath.join(folder, "result.json") in names:
                return True
            if not folder:
                break
            folder = posixpath.dirname(folder)
        return False
    return any((parent / "result.json").is_file() for parent in list(source.path.resolve().parents)[:3])


def _sibling_first_head(source: SourceFile) -> str:
    """The head of the chat's first page (this one, or messages.html beside it), which tells the chat's kind."""
    if source.member is None and _page_number(source.path.name) > 1:
        first = source.path.with_name("messages.html")
        if first.is_file():
            with open(first, "rb") as stream:
                return stream.read(1 << 16).decode("utf-8", errors="replace")
    return source.head_text()


def _chat_kind(head: str) -> ConversationKind:
    """Groups and channels by their service messages, or a group by more than two senders; else direct."""
    if _CHANNEL_SIGNS.search(head):
        return ConversationKind.CHANNEL
    if _GROUP_SIGNS.search(head) or len(set(_FROM_NAME.findall(head))) > 2:
        return ConversationKind.GROUP
    return ConversationKind.DIRECT


class _Page:
    """One page read: messages built from the parser's raw records as the text streams in."""

    def __init__(
        self, name: str, path: str, ctx: ImportContext, media: MediaFiles, *, prefix: str, first: str
    ) -> None:
        self.name = name  # what errors name: the file, or archive.zip!member
        self.path = path  # the page's path (in its zip), which names a chat without a header
        self.ctx = ctx
        self.media = media
        self.prefix = prefix
        self.first_head = first
        self.chat: str | None = None
        self.sender: str | None = None  # the last default message's sender, for joined ones
        self.forwarded_from: str | None = None
        self.last_ts: tuple[int, int] | None = None  # the last dated message's (ts_ms, offset)
        self.day: tuple[int, int, int] | None = None  # the last day separator
        self.seen_senders: set[str] = set()

    def run(self, stream: IO[bytes], on_bytes: ByteCounter | None) -> Iterator[ParsedItem]:
        """Parse the page's bytes (UTF-8, as Telegram Desktop writes them) as they are read."""
        parser = _PageParser()
        decoder = codecs.getincrementaldecoder("utf-8-sig")()
        read = 0
        try:
            while chunk := stream.read(_CHUNK):
                if on_bytes is not None:
                    on_bytes(len(chunk))
                parser.feed(decoder.decode(chunk))
                read += len(chunk)
                if parser.done:
                    yield from self._drain(parser)
            parser.feed(decoder.decode(b"", final=True))
        except UnicodeDecodeError as exc:
            raise ImportFormatError(
                self.name,
                f"byte {read + exc.start}",
                expected="UTF-8 text (Telegram Desktop writes its pages in UTF-8)",
                found=repr(exc.object[exc.start : exc.start + 8]),
            ) from None
        parser.close()
        yield from self._drain(parser)
        if parser.message is not None:
            raise ImportFormatError(
                self.name,
                f"line {parser.message.line}",
                expected=f"the end of message {parser.message.message_id}",
                found="the end of the file",
                hint="The page is cut short; export the chat again from Telegram Desktop.",
            )
        if not parser.saw_history:
            raise ImportFormatError(
                self.name,
                "",
                expected='a Telegram Desktop chat page (<div class="history">)',
                found="no message history",
            )

    def _where(self, line: int) -> str:
        return f"{self.prefix}line {line}"

    def _drain(self, parser: _PageParser) -> Iterator[ParsedItem]:
        done, parser.done = parser.done, []
        if self.chat is None and done:
            title = _plain(parser.title) or "Deleted Account"
            if parser.title is None:
                folder = PurePosixPath(self.path).parent.name
                title = folder or title
                self.ctx.warn(self._where(done[0].line), f"no chat name in the page header; named {title!r}")
            self.chat = title
            yield Conversation(Platform.TELEGRAM, title, title, _chat_kind(self.first_head))
        for raw in done:
            yield from self._message(raw)

    def _message(self, raw: _Raw) -> Iterator[ParsedItem]:
        locator = self._where(raw.line)
        if raw.service:
            if raw.message_id.startswith("-"):  # a day separator
                found = _DAY.search(_joined(raw.text))
                if found:
                    self.day = (int(found.group(3)), _MONTHS[found.group(2)], int(found.group(1)))
                return
            yield from self._service(raw, locator)
            return
        ts_ms, offset = self._time(raw.date, raw.line, "title")
        self.last_ts = (ts_ms, offset)
        extra: dict[str, Any] = {}
        if raw.from_name is not None:
            name = _plain(raw.from_name)
            name, via = _split_via(name)
            if via:
                extra["via_bot"] = via
            sender: str | None = name or "Deleted Account"
        elif raw.joined and self.sender is not None:
            sender = self.sender
        else:
            sender = None
            self.ctx.warn(locator, f"message {raw.message_id} names no sender and follows none on its page")
        self.sender = sender
        forwarded_from = None
        if raw.forwarded:
            if raw.forward_name is not None:
                forwarded_from, _ = _split_via(_plain(raw.forward_name))
            else:
                forwarded_from = self.forwarded_from
        self.forwarded_from = forwarded_from
        text = _joined(raw.text)
        kind, attachments, text = self._content(raw, text, locator)
        reply_to = None
        if raw.reply_href is not None:
            link = _MESSAGE_LINK.search(raw.reply_href)
            reply_to = link.group(1) if link else None
        elif raw.reply:
            extra["reply_to_other_chat"] = True
        if raw.signature:
            extra["author"] = _plain(raw.signature)
        edited_ms = None
        marks = ([raw.date] if raw.date and _EDITED.search(raw.date) else []) + raw.edited
        for mark in marks:
            edit = _EDITED.search(mark)
            after = [t for t in _TIME.finditer(mark) if edit is None or t.start() > edit.start()]
            if after:
                edited_ms = self._time(after[0].group(0), raw.line, "edited")[0]
            else:
                extra["edited"] = True
        if sender is not None and sender not in self.seen_senders:
            self.seen_senders.add(sender)
            if sender in self.ctx.me:
                yield Participant(Platform.TELEGRAM, sender, sender, is_self=True)
        yield Message(
            conversation=str(self.chat),
            sender=sender,
            ts_ms=ts_ms,
            kind=kind,
            text=text,
            utc_offset_min=offset,
            precision=TimePrecision.SECOND,
            sender_name=sender,
            platform_msg_id=raw.message_id or None,
            reply_to=reply_to,
            forwarded_from=forwarded_from,
            edited_ts_ms=edited_ms,
            attachments=attachments,
            extra=extra or None,
            locator=locator,
        )

    def _service(self, raw: _Raw, locator: str) -> Iterator[ParsedItem]:
        text = _joined(raw.text).strip()
        self.sender = self.forwarded_from = None  # Telegram starts a new group after a service message
        if text.startswith(_UNSUPPORTED):
            self.ctx.warn(
                locator,
                f"message {raw.message_id} is not supported by the exporting Telegram Desktop; nothing to import",
            )
            self.ctx.meta["telegram_unsupported_messages"] = (
                self.ctx.meta.get("telegram_unsupported_messages", 0) + 1
            )
            return
        extra: dict[str, Any] = {}
        candidates = []
        if self.last_ts is not None:
            candidates.append((self.last_ts, "the message before it"))
        if self.day is not None:
            midnight = self.ctx.clock.to_utc_ms(*self.day)
            candidates.append((midnight, "the day above it"))
        if not candidates:
            raise ImportFormatError(
                self.name,
                f"line {raw.line}",
                expected="a dated message or a day heading before this service message",
                found=text or "an empty service message",
            )
        (ts_ms, offset), basis = max(candidates, key=lambda c: c[0][0])
        extra["time_inferred"] = f"from {basis}"
        targets = [m.group(1) for href in raw.links if (m := _MESSAGE_LINK.search(href))]
        if targets:
            extra["message_id"] = int(targets[0])
        others = [href for href in raw.links if not _MESSAGE_LINK.search(href)]
        if others:
            extra["links"] = others
        yield Message(
            conversation=str(self.chat),
            sender=None,
            ts_ms=ts_ms,
            kind=MessageKind.SYSTEM,
            text=text,
            utc_offset_min=offset,
            precision=TimePrecision.SECOND,
            platform_msg_id=raw.message_id or None,
            extra=extra,
            locator=locator,
        )

    def _time(self, value: str | None, line: int, field_name: str) -> tuple[int, int]:
        found = _TIME.search(value) if value else None
        if found is not None:
            day, month, year, hour, minute, second = (int(p) for p in found.groups()[:6])
            try:
                datetime(year, month, day, hour, minute, second)
            except ValueError:
                pass
            else:
                sign = found.group(7)
                if sign is None:
                    return self.ctx.clock.to_utc_ms(year, month, day, hour, minute, second)
                offset = int(found.group(8)) * 60 + int(found.group(9))
                offset = -offset if sign == "-" else offset
                naive = calendar.timegm((year, month, day, hour, minute, second))
                return (naive - offset * 60) * 1000, offset
        raise ImportFormatError(
            self.name,
            f"line {line}",
            field=field_name,
            expected="a time like 01.03.2024 10:00:00 or 01.03.2024 10:00:00 UTC+03:00",
            found=value if value is not None else "no date",
        )

    def _content(self, raw: _Raw, text: str, locator: str) -> tuple[MessageKind, tuple[Attachment, ...], str]:
        """The kind and attachments of the media blocks, and a readable text for media without one."""
        kind = MessageKind.TEXT
        attachments = []
        for media in raw.media:
            first = media.classes[0]
            classes = set(media.classes)
            title = _plain(media.title)
            status = _plain(media.status)
            if first in _WRAPS or "media_photo" in classes or "media_video" in classes:
                media_type = _WRAPS.get(first) if first in _WRAPS else _GENERIC_TITLES.get(title)
                if media_type is None:
                    found_kind, default = MessageKind.IMAGE, "photo"
                else:
                    found_kind, default = MEDIA_KINDS[media_type], media_type
                attachments.append(self.media.attachment(media.href, found_kind, default, {}, locator))
            elif "media_voice_message" in classes or "media_audio_file" in classes:
                media_type = "voice_message" if "media_voice_message" in classes else "audio_file"
                found_kind = MEDIA_KINDS[media_type]
                attachments.append(self.media.attachment(media.href, found_kind, media_type, {}, locator))
            elif "media_file" in classes:
                found_kind = MessageKind.FILE
                attachments.append(
                    self.media.attachment(media.href, found_kind, title or "file", {}, locator)
                )
            elif first == "media_poll":
                found_kind = MessageKind.POLL
                if not text:
                    answers = [_plain(a).removeprefix("- ") for a in raw.poll_answers]
                    text = "\n".join([_plain(raw.poll_question), *(f"- {a}" for a in answers)])
            else:
                found_kind = next((k for c, k in _OWN_KINDS.items() if c in classes), MessageKind.OTHER)
                if found_kind is MessageKind.CONTACT and media.href:
                    attachments.append(
                        self.media.attachment(media.href, found_kind, "contact.vcf", {}, locator)
                    )
                if not text:
                    text = self._media_text(
                        found_kind, classes, title, _plain(media.description), status, media.href
                    )
            if kind is MessageKind.TEXT:
                kind = found_kind
        return kind, tuple(attachments), text

    @staticmethod
    def _media_text(
        kind: MessageKind, classes: set[str], title: str, description: str, status: str, href: str | None
    ) -> str:
        if kind is MessageKind.CONTACT:
            return " ".join(p for p in (title, status.removesuffix(" - vCard")) if p)
        if kind is MessageKind.CALL:
            return status
        if "media_venue" in classes:
            coords = re.search(r"q=(-?[\d.]+),(-?[\d.]+)", href or "")
            parts = [title, description, f"{coords.group(1)}, {coords.group(2)}" if coords else ""]
            return "\n".join(p for p in parts if p)
        if kind is MessageKind.LOCATION:
            return status
        return "\n".join(p for p in (title, description, status) if p)


def _split_via(name: str) -> tuple[str, str | None]:
    """``Ana via @gif`` → (``Ana``, ``@gif``)."""
    head, sep, bot = name.rpartition(" via @")
    if sep and bot and " " not in bot:
        return head, f"@{bot}"
    return name, None
