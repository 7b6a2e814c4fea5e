"""WeChatMsg / 留痕 v1 and MemoTrace (v2) TXT export of one WeChat chat, ``聊天记录/<remark>/<remark>.txt``
(FORMATS.md 1.4, 1.5).

UTF-8, one block per message, each written as ``<StrTime> <name>\\n<body>\\n\\n``:

* ``StrTime`` is ``YYYY-MM-DD HH:MM:SS`` in the exporting PC's zone, read in the assumed zone (``--tz``).
* A system notice is the time line alone: ``<StrTime> <notice>`` followed by the blank line, with no
  body (an empty text still has its one empty body line); MemoTrace writes the time alone and the
  notice below it. Recall notices become RECALL.
* A block starts at a line that matches the time pattern, follows a blank line (or starts the file)
  and is not earlier than the block before (WeChatMsg writes in time order); any other line is body,
  so a body line that starts with a timestamp stays body. A multi-line body whose blank line is
  followed by a later timestamp line cannot be told from a new block.
* Bodies ``[图片]`` ``[语音]`` ``[视频]`` ``[表情包]`` ``[文件]`` are media placeholders (a NOT_EXPORTED
  attachment; a text that is exactly such a placeholder reads as one too); ``[音乐分享]`` and the
  indented ``[链接]:title:… description:… url:… name:…`` card are links; a last line ``引用:<name>:<text>``
  (or ``引用:未知``) splits off a quote into ``extra["quote"]``. MemoTrace's renderings start with a
  ``【label】`` of its type names (``【图片】``, ``【语音】<transcript>``, ``【文件】<name> <size> <path> <ext>
  <md5>``, ``【发起转账】:￥…``): read as its CSV importer reads them; an unknown label is text.
* Names are display names, HTML- and JS-escaped by WeChatMsg (undone here). The owner is shown as 你
  (early versions) or by their display name: 你, 我 and ``--me`` values are the owner; without ``--me``
  a warning says so. In a 1:1 chat the partner is shown by the remark the file is named after and
  becomes the chat id (as in the 9-field CSV export of the same chat, whose texts and notices then
  share message keys with the TXT's); other
  senders are ``name:<name>``. The chat id is option ``chat_id``, the ``(<wxid>)`` of the file or a
  folder, or ``remark:<file stem>``; a group when three or more names speak (two with ``--me``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain, islice
from typing import Any, ClassVar

from chatledger.errors import ImportFormatError
from chatledger.importers import register
from chatledger.importers._shared.wechat_content import (
    MEDIA_KINDS,
    Content,
    attachment,
    memotrace_content,
    memotrace_label_kind,
    recall_from_text,
    split_memotrace_quote,
)
from chatledger.importers._shared.wechat_fields import (
    SELF_NAME,
    SenderNames,
    Times,
    chat_from_path,
    recaller,
    self_id,
)
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

_HEADER = re.compile(r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?: (.*))?\Z")
_WHATSAPP_LIKE = re.compile(r"- [^:]{1,80}: ")  # Android WhatsApp: "<date time> - <name>: <text>"
_PLACEHOLDER_KINDS = {
    "[图片]": MessageKind.IMAGE,
    "[语音]": MessageKind.VOICE,
    "[视频]": MessageKind.VIDEO,
    "[表情包]": MessageKind.STICKER,
    "[文件]": MessageKind.FILE,
    "[音乐分享]": MessageKind.LINK,
}
_CARD_FIELDS = (
    ("title", "[链接]:title:"),
    ("description", "description:"),
    ("url", "url:"),
    ("app", "name:"),
)
OWNER_NAMES = frozenset({SELF_NAME, "你"})
LOOKAHEAD = 256


@dataclass
class _Block:
    line: int
    when: str
    name: str
    body: list[str]


def _unescape(name: str) -> str:
    """WeChatMsg's ``escape_js_and_html`` undone: JS backslash escapes, then HTML entities."""
    if "\\" in name:
        name = re.sub(r"\\(.)", lambda m: "\n" if m[1] == "n" else m[1], name)
    return html.unescape(name) if "&" in name else name


def _blocks(source: SourceFile, lines: Iterator[str]) -> Iterator[_Block]:
    block: _Block | None = None
    previous_blank = True
    last_when = ""
    for number, raw in enumerate(lines, 1):
        line = raw.rstrip("\n").lstrip("\ufeff") if number == 1 else raw.rstrip("\n")
        match = _HEADER.match(line) if previous_blank else None
        if match is not None and match[1] >= last_when:
            if block is not None:
                yield block
            block = _Block(number, match[1], match[2] or "", [])
            last_when = match[1]
        elif block is None:
            if line.strip():
                raise ImportFormatError(
                    source.name,
                    f"line {number}",
                    expected="a message header like '2023-05-01 09:30:12 老王'",
                    found=line[:80],
                )
        else:
            block.body.append(line)
        previous_blank = not line
    if block is not None:
        yield block


def _body(block: _Block) -> list[str] | None:
    """The body lines without the blank line that ends every block; None for a notice (no body)."""
    body = block.body[:-1] if block.body and not block.body[-1] else block.body
    return body or None


def _card(lines: list[str]) -> Content | None:
    stripped = [line.strip() for line in lines if line.strip()]
    if not stripped or not stripped[0].startswith("[链接]:title:"):
        return None
    extra: dict[str, Any] = {}
    for line in stripped:
        for key, prefix in _CARD_FIELDS:
            if line.startswith(prefix):
                value = line[len(prefix) :]
                if value and value != "None":
                    extra[key] = value
                break
    title = extra.get("title", "")
    return Content(MessageKind.LINK, f"[链接] {title}".rstrip(), extra or None)


@register
class WeChatMsgTxtImporter:
    name: ClassVar[str] = "wechat-wechatmsg-txt"
    platform: ClassVar[Platform] = Platform.WECHAT
    version: ClassVar[str] = "1"
    description: ClassVar[str] = (
        "WeChat chat exported by WeChatMsg/留痕 v1 or MemoTrace as TXT (time and name, then the message)"
    )
    obtain: ClassVar[str] = (
        "Run WeChatMsg / 留痕 v1 on the PC logged in to WeChat, export the chat as TXT and pick "
        "`<remark>.txt` under `聊天记录/`; pass `--me <your display name>` (the name it shows for you) and "
        "`--tz` (the exporting PC's zone). The TXT names senders by display name only and drops media, "
        "so the CSV export of the same chat keeps more."
    )
    extra_kept: ClassVar[str] = (
        "a quote's `name` and `text`, a link card's `title`, `description`, `url`, `app`, recall details"
    )
    suffixes: ClassVar[tuple[str, ...]] = (".txt",)
    capabilities: ClassVar[frozenset[str]] = frozenset({"recalls", "attachments", "system", "seconds"})

    def sniff(self, source: SourceFile) -> float:
        if source.is_zip:
            return 0.0
        lines = source.head_text().split("\n")
        first = lines[0].rstrip("\r")
        match = _HEADER.match(first)
        if match is None or _WHATSAPP_LIKE.match(match[2] or ""):
            return 0.0
        # A block ends in a blank line before the next header, unlike WhatsApp's one line per message.
        unblocked = 0
        for before, line in zip(lines[1:-1], lines[2:-1], strict=True):
            if _HEADER.match(line.rstrip("\r")):
                if not before.strip():
                    return 0.8
                unblocked += 1
        return 0.5 if unblocked == 0 else 0.0

    def parse(self, source: SourceFile, ctx: ImportContext) -> Iterator[ParsedItem]:
        ctx.meta["sender_identity"] = "display_name"
        me_names = {*ctx.me, *OWNER_NAMES}
        with source.open_text() as stream:
            blocks = _blocks(source, stream)
            head = list(islice(blocks, LOOKAHEAD))
            if not head:
                raise ImportFormatError(source.name, "line 1", expected="a message header", found="")
            path_id, title = chat_from_path(source)
            title = title or "WeChat"
            speakers = {
                _unescape(b.name) for b in head if _body(b) is not None and _unescape(b.name) not in me_names
            }
            chat_id = ctx.options.get("chat_id") or path_id or f"remark:{title}"
            group = chat_id.endswith("@chatroom") or len(speakers) >= (2 if ctx.me else 3)
            if not ctx.me:
                ctx.warn(
                    "",
                    "WeChatMsg TXT names senders by display name only; pass --me <your display name> to "
                    "mark your own messages (only 你/我 are known to be you)",
                )
            yield Conversation(
                Platform.WECHAT, chat_id, title, ConversationKind.GROUP if group else ConversationKind.DIRECT
            )
            rows = _TxtRows(ctx, chat_id, title, group, me_names)
            for block in chain(head, blocks):
                message = rows.message(source, block)
                if rows.pending:
                    yield from rows.pending
                    rows.pending.clear()
                yield message


class _TxtRows:
    def __init__(self, ctx: ImportContext, chat_id: str, title: str, group: bool, me_names: set[str]) -> None:
        self.ctx = ctx
        self.chat_id = chat_id
        self.title = title
        self.group = group
        self.me_names = me_names
        self.me = self_id(ctx)
        self.times = Times(ctx)
        self.names = SenderNames(ctx)
        self.pending: list[ParsedItem] = []

    def _sender(self, shown: str) -> str:
        if shown in self.me_names:
            return self.me
        if not self.group and shown == self.title:
            return self.chat_id  # the partner, shown by the remark the chat is named after
        return f"name:{shown}"

    def message(self, source: SourceFile, block: _Block) -> Message:
        locator = f"line {block.line}"
        try:
            ts_ms, offset, _, _ = self.times.local(block.when)
        except ValueError:
            raise ImportFormatError(
                source.name,
                locator,
                field="time",
                expected="a date and time like 2023-05-01 09:30:12",
                found=block.when,
            ) from None
        body = _body(block)
        sender: str | None
        if body is None or not block.name:  # WeChatMsg: "<time> <notice>"; MemoTrace: "<time>\n<notice>"
            notice = block.name if body is None else "\n".join(body)
            content = recall_from_text(notice) or Content(MessageKind.SYSTEM, notice)
            sender = None
            if content.kind is MessageKind.RECALL:
                by = content.recalled_by
                if by == "对方" and not self.group:
                    sender = self.chat_id
                elif by and by not in ("你", "对方"):
                    sender = self._sender(by)
                sender = recaller(self.me, by, False, sender)
            name = SELF_NAME if sender == self.me else self.title if sender == self.chat_id else None
        else:
            shown = _unescape(block.name)
            sender = self._sender(shown)
            name = SELF_NAME if sender == self.me else shown
            content = self._content(body)
            participant = self.names.participant(sender, *(() if sender == self.me else (shown,)))
            if participant is not None:
                self.pending.append(participant)
        return Message(
            conversation=self.chat_id,
            sender=sender,
            ts_ms=ts_ms,
            kind=content.kind,
            text=content.text,
            utc_offset_min=offset,
            precision=TimePrecision.SECOND,
            sender_name=name,
            attachments=content.attachments,
            extra=content.extra,
            locator=locator,
        )

    @staticmethod
    def _content(body: list[str]) -> Content:
        card = _card(body)
        if card is not None:
            return card
        text = "\n".join(body)
        kind = _PLACEHOLDER_KINDS.get(text)
        if kind is not None:
            attachments = (attachment(kind),) if kind in MEDIA_KINDS else ()
            return Content(kind, text, attachments=attachments)
        kind = memotrace_label_kind(text) if text.startswith("【") else None
        if kind is not None:
            return memotrace_content(kind, text)
        quote = split_memotrace_quote(text) if "\n引用" in text else None
        if quote is not None:
            return Content(MessageKind.TEXT, quote[0], {"quote": quote[1]})
        if text.endswith("\n引用:未知"):
            return Content(MessageKind.TEXT, text[: -len("\n引用:未知")], {"quote": {}})
        return Content(MessageKind.TEXT, text)
