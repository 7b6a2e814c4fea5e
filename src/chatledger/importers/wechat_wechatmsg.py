"""WeChatMsg / 留痕 CSV exports of one WeChat chat: v1 (2023–2024) and v2 / MemoTrace (FORMATS.md 1.4, 1.5).

``wechat-wechatmsg-csv`` — v1, ``<remark>_utf8.csv`` (UTF-8 with BOM), header
``localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender``
(the earliest versions stop after ``StrTime``; one version wrote 9-field rows under the 12-field
header for 1:1 chats — both are read).

* No server message id is exported, so messages are keyed by content (sender, time, kind, text,
  ordinal); ``localId`` is per database file and not stable, and is not used.
* ``CreateTime`` (epoch seconds) is the time; the offset it was shown in is ``StrTime − CreateTime``
  (the exporting PC's zone); when they do not pair up, the assumed zone's offset is used and a
  warning given.
* The chat id is not in the file. In order: option ``chat_id``; the ``(<wxid>)`` in the file or a
  parent folder name (``聊天记录/<remark>(<wxid>)/…``); for a 1:1 chat whose received rows all name
  one ``Sender`` whose Remark or NickName is the file's remark, that wxid; failing all, ``remark:<remark>`` from ``<remark>_utf8.csv`` (warned:
  pass ``chat_id`` to merge it with other exports of the chat). A chat is a group when its id ends in
  ``@chatroom`` or received rows come from two or more senders (judged on the first 256 records).
* ``IsSender=1`` → the owner (``ctx.me[0]`` else ``"self"``, shown as 我; the owner's wxid from
  ``Sender`` goes to ``meta["owner_ids"]``); otherwise ``Sender`` (a wxid), or in 1:1 rows without
  it the chat partner. ``Remark``/``NickName`` become the participant's names.
* ``StrContent`` XML is rendered by ``_shared.wechat_content`` (transfers, red packets, quotes with
  ``reply_to`` = the quoted ``svrid``, recalls, media as NOT_EXPORTED attachments).

``wechat-memotrace-csv`` — v2 / MemoTrace, ``<remark>.csv``, header
``消息ID,类型,发送人,时间,内容,备注,昵称,更多信息``: ``消息ID`` → ``platform_msg_id``; ``时间`` is local
time read in the assumed zone; ``内容`` is already rendered. Senders are display names only (no wxid,
no is-self flag): they become participants ``name:<发送人>``, and a sender equal to a ``--me`` value
(or 我) is the owner. The chat id comes from ``chat_id``, the folder's ``(<wxid>)``, or
``remark:<file stem>``; three or more senders make it a group.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import chain, islice
from typing import Any, ClassVar

from chatledger.errors import ImportFormatError
from chatledger.importers import register
from chatledger.importers._shared.timestamps import epoch_ms_from_number
from chatledger.importers._shared.wechat_content import (
    MEDIA_KINDS,
    QUOTE_LABELS,
    SYSTEM_KINDS,
    Content,
    attachment,
    content_from_xml,
    kind_for_label,
    recall_from_text,
    split_group_prefix,
    split_memotrace_quote,
    transfer_from_memotrace,
)
from chatledger.importers._shared.wechat_fields import (
    FALSE_FLAGS,
    FLAGS,
    SELF_NAME,
    Damage,
    Names,
    Times,
    arity_error,
    chat_from_path,
    csv_records,
    header_fields,
    parse_flag,
    parse_msg_id,
    read_header,
)
from chatledger.importers.base import ImportContext, SourceFile
from chatledger.model import (
    Attachment,
    Conversation,
    ConversationKind,
    Message,
    MessageKind,
    ParsedItem,
    Platform,
    TimePrecision,
)

V1_BASE = (
    "localId",
    "TalkerId",
    "Type",
    "SubType",
    "IsSender",
    "CreateTime",
    "Status",
    "StrContent",
    "StrTime",
)
V1_NAMES = ("Remark", "NickName", "Sender")
V2_COLUMNS = ("消息ID", "类型", "发送人", "时间", "内容", "备注", "昵称", "更多信息")
LOOKAHEAD = 256
_FLOATISH = re.compile(r"\s*\d+(?:\.\d*)?(?:[eE][-+]?\d+)?\s*\Z", re.ASCII)


def _chat(
    source: SourceFile,
    ctx: ImportContext,
    senders: set[str],
    suffix: str,
    *,
    group_at: int,
    partner_names: dict[str, set[str]] | None,
) -> Conversation:
    """The chat a single-chat CSV holds (see the module docstring for the order of evidence).

    ``senders`` are the other party's senders seen in the first records; ``group_at`` of them make
    a group. ``partner_names`` (WeChatMsg v1: sender wxid → the Remark/NickName its rows carry)
    lets a lone sender be taken as the 1:1 partner, but only when the file is named after that
    sender's remark or nickname, as WeChatMsg names 1:1 exports: a group in which one member
    happened to speak first must never be merged into that member's 1:1 chat.
    """
    path_id, title = chat_from_path(source, strip_suffix=suffix)
    chat_id = ctx.options.get("chat_id") or path_id
    if not chat_id and partner_names is not None and len(senders) == 1:
        [only] = senders
        if title in partner_names.get(only, set()):
            chat_id = only
    if not chat_id:
        chat_id = f"remark:{title}"
        ctx.warn(
            "",
            f"the file names no chat id; imported as {chat_id!r} — pass the chat's wxid as option chat_id "
            "to match other exports of this chat",
        )
    group = chat_id.endswith("@chatroom") or len(senders) >= group_at
    kind = ConversationKind.GROUP if group else ConversationKind.DIRECT
    return Conversation(Platform.WECHAT, chat_id, title or chat_id, kind)


def _recaller(me: str, by: str | None, is_self: bool, sender: str | None) -> str | None:
    """Who recalled: the notice's own words win (你 = the owner) over a conflicting sender flag."""
    if by == "你":
        return me
    if is_self:
        return me if by is None else None
    return sender


@register
class WeChatMsgCsvImporter:
    name: ClassVar[str] = "wechat-wechatmsg-csv"
    platform: ClassVar[Platform] = Platform.WECHAT
    version: ClassVar[str] = "1"
    description: ClassVar[str] = "WeChat chat exported by WeChatMsg/留痕 v1 as CSV (localId,TalkerId,Type,…)"
    obtain: ClassVar[str] = (
        "WeChat has no export of its own: run WeChatMsg / 留痕 v1 (LC044/WeChatMsg, now only in "
        "forks and old releases) on the PC logged in to WeChat, export the chat as CSV and pick "
        "`<remark>_utf8.csv` under `聊天记录/`. chatledger only reads the exported file and never "
        "decrypts WeChat databases itself."
    )
    extra_kept: ClassVar[str] = (
        "what the message XML says beyond the text: transfer details and ids, quotes, file `md5`/`size`/`ext`, links, locations (`latitude`, `longitude`, `poi`), durations, app types, recall details"
    )
    suffixes: ClassVar[tuple[str, ...]] = (".csv",)
    capabilities: ClassVar[frozenset[str]] = frozenset(
        {"replies", "recalls", "attachments", "transfers", "system", "seconds", "zone"}
    )

    def sniff(self, source: SourceFile) -> float:
        return 1.0 if header_fields(source) in (V1_BASE, V1_BASE + V1_NAMES) else 0.0

    def parse(self, source: SourceFile, ctx: ImportContext) -> Iterator[ParsedItem]:
        with source.open_text() as stream:
            records = csv_records(source, stream)
            header = tuple(read_header(source, records, ",".join(V1_BASE + V1_NAMES)))
            if header not in (V1_BASE, V1_BASE + V1_NAMES):
                raise ImportFormatError(
                    source.name,
                    "line 1",
                    expected=f"the WeChatMsg header {','.join(V1_BASE + V1_NAMES)}",
                    found=",".join(header),
                )
            head = list(islice(records, LOOKAHEAD))
            partner_names: dict[str, set[str]] = {}
            for _, r in head:
                if len(r) == 12 and r[4] in FALSE_FLAGS and r[11] and r[2] not in ("10000", "10002"):
                    partner_names.setdefault(r[11], set()).update(n for n in (r[9], r[10]) if n)
            senders = set(partner_names)
            conversation = _chat(source, ctx, senders, "_utf8", group_at=2, partner_names=partner_names)
            yield conversation
            reader = _V1Rows(source, ctx, conversation, len(header))
            pending = reader.pending
            for line, row in chain(head, records):
                message = reader.row(line, row)
                if pending:
                    yield from pending
                    pending.clear()
                yield message
            reader.finish()


class _V1Rows:
    def __init__(
        self, source: SourceFile, ctx: ImportContext, conversation: Conversation, width: int
    ) -> None:
        self.source = source
        self.ctx = ctx
        self.chat = conversation.platform_id
        self.group = conversation.kind is ConversationKind.GROUP
        self.partner_name = conversation.title if conversation.title != conversation.platform_id else ""
        self.width = width
        self.expected = (
            "12 fields (localId,…,StrTime,Remark,NickName,Sender) or 9" if width == 12 else "9 fields"
        )
        self.times = Times(ctx)
        self.damage = Damage(ctx)
        self.names = Names(ctx)
        self.me = self.names.me
        self.pending: list[ParsedItem] = []
        self.owner_ids: set[str] = set()
        self.counts: dict[str, int] = {}

    def _count(self, what: str, locator: str, message: str) -> None:
        seen = self.counts.get(what, 0)
        self.counts[what] = seen + 1
        if not seen:
            self.ctx.warn(locator, message)

    def _error(self, locator: str, field: str, expected: str, found: str) -> ImportFormatError:
        return ImportFormatError(self.source.name, locator, field=field, expected=expected, found=found)

    def row(self, line: int, row: list[str]) -> Message:
        size = len(row)
        if size != self.width and not (size == 9 and self.width == 12):
            raise arity_error(self.source, line, self.expected, row)
        locator = f"line {line}"
        _, _, type_raw, sub_raw, flag, created, _, content, str_time = row[:9]
        remark, nickname, sender_id = row[9:12] if size == 12 else ("", "", "")
        if not type_raw.isdigit():
            raise self._error(locator, "Type", "an integer message type such as 1 or 49", type_raw)
        if sub_raw and not sub_raw.isdigit():
            raise self._error(locator, "SubType", "an integer sub-type such as 0 or 57", sub_raw)
        type_code, sub_type = int(type_raw), int(sub_raw or 0)
        is_sender = FLAGS.get(flag)
        if is_sender is None:
            is_sender = parse_flag(flag, self.damage)
            if is_sender is None:
                raise self._error(locator, "IsSender", "0 or 1", flag)
        ts_ms, offset, precision = self._time(locator, created, str_time)
        sender: str | None
        name: str | None
        attachments: tuple[Attachment, ...]
        if is_sender:
            sender, name = self.me, SELF_NAME
            if sender_id and sender_id != self.me:
                self.owner_ids.add(sender_id)
            names: tuple[str, ...] = (remark, nickname)
        else:
            sender = sender_id or (None if self.group else self.chat)
            name = remark or nickname or None
            # A 1:1 row without names is from the partner, whose remark names the chat.
            names = (remark, nickname) if name or sender != self.chat else (self.partner_name,)
            if self.group and ":\n" in content[:70]:
                prefix, content = split_group_prefix(content)
                if prefix is not None and not sender_id:
                    sender = prefix
        if type_code == 1:
            kind, text, extra, reply_to, attachments = MessageKind.TEXT, content, None, None, ()
        else:
            rendered = content_from_xml(type_code, sub_type, content)
            if rendered.xml_error:
                self._count("xml", locator, f"Type {type_code} content is not well-formed XML; kept as text")
            kind, text, extra = rendered.kind, rendered.text, rendered.extra
            reply_to, attachments = rendered.reply_to, rendered.attachments
            if kind is MessageKind.SYSTEM:
                sender = name = None
            elif kind is MessageKind.RECALL:
                sender = _recaller(self.me, rendered.recalled_by, is_sender, sender)
                name = SELF_NAME if sender == self.me else name if sender else None
        if sender is not None:
            participant = self.names.participant(sender, *names)
            if participant is not None:
                self.pending.append(participant)
        return Message(
            conversation=self.chat,
            sender=sender,
            ts_ms=ts_ms,
            kind=kind,
            text=text,
            utc_offset_min=offset,
            precision=precision,
            sender_name=name,
            reply_to=reply_to,
            attachments=attachments,
            extra=extra,
            locator=locator,
        )

    def _time(self, locator: str, created: str, str_time: str) -> tuple[int, int, TimePrecision]:
        if created.isdigit() and created.isascii():
            ts_ms = epoch_ms_from_number(int(created))
            utc_s = ts_ms // 1000
            offset = None
            if str_time:
                try:
                    naive_s, precision, spreadsheet = self.times.naive(str_time)
                except ValueError:
                    naive_s, precision, spreadsheet = None, TimePrecision.SECOND, False
                if spreadsheet:
                    self.damage.excel = True
                if naive_s is not None:
                    offset = self.times.offset_from_pair(utc_s, naive_s, precision)
                if offset is None:
                    self._count(
                        "strtime",
                        locator,
                        f"StrTime {str_time!r} is not CreateTime {created} in any time zone; "
                        f"CreateTime kept, shown in the assumed zone",
                    )
            if offset is None:
                offset = self.times.zone_offset_at(utc_s)
            return ts_ms, offset, TimePrecision.SECOND
        rounded = bool(_FLOATISH.match(created))
        if rounded or not created.strip():
            try:
                ts_ms, offset, precision, spreadsheet = self.times.local(str_time)
            except ValueError:
                pass
            else:
                if rounded:
                    self.damage.excel = True
                    self.damage.note("create_time_rounded", locator, f"CreateTime {created!r}")
                else:
                    self._count(
                        "no_create_time", locator, "CreateTime is empty; StrTime read in the assumed zone"
                    )
                if precision is TimePrecision.MINUTE:
                    self.damage.note("seconds_dropped", locator, f"StrTime {str_time!r}")
                return ts_ms, offset, precision
        raise self._error(locator, "CreateTime", "Unix seconds such as 1682904612", created)

    def finish(self) -> None:
        self.damage.finish()
        if self.owner_ids:
            self.ctx.meta["owner_ids"] = sorted(self.owner_ids)
        for what, label in (
            ("strtime", "StrTime does not match CreateTime"),
            ("xml", "malformed XML content"),
        ):
            if self.counts.get(what, 0) > 1:
                self.ctx.warn("", f"{self.counts[what]} rows: {label}")


_MEMOTRACE_FILE = re.compile(
    r"【文件】\s*(?P<name>.*?)\s+(?P<size>\S+)\s+(?P<path>\S*[\\/]\S*)\s+(?P<ext>\S*)\s+(?P<md5>[0-9a-fA-F]{32})\s*\Z",
    re.S,
)


@register
class MemoTraceCsvImporter:
    name: ClassVar[str] = "wechat-memotrace-csv"
    platform: ClassVar[Platform] = Platform.WECHAT
    version: ClassVar[str] = "1"
    description: ClassVar[str] = (
        "WeChat chat exported by WeChatMsg v2 / MemoTrace as CSV (消息ID,类型,发送人,…)"
    )
    obtain: ClassVar[str] = (
        "WeChat has no export of its own: run WeChatMsg v2 / MemoTrace on the PC logged in to "
        "WeChat, export the chat as CSV and pick `<remark>.csv`. chatledger only reads the "
        "exported file and never decrypts WeChat databases itself."
    )
    extra_kept: ClassVar[str] = (
        "transfer details (`direction`, `amount`, `currency`, `amount_text`, `memo`, `label`), quotes, recall details, `msg_id_as_written` when the id was rewritten"
    )
    suffixes: ClassVar[tuple[str, ...]] = (".csv",)
    capabilities: ClassVar[frozenset[str]] = frozenset(
        {"platform_ids", "recalls", "attachments", "transfers", "system", "seconds"}
    )

    def sniff(self, source: SourceFile) -> float:
        return 1.0 if header_fields(source) in (V2_COLUMNS, V2_COLUMNS[:5]) else 0.0

    def parse(self, source: SourceFile, ctx: ImportContext) -> Iterator[ParsedItem]:
        with source.open_text() as stream:
            records = csv_records(source, stream)
            header = tuple(read_header(source, records, ",".join(V2_COLUMNS)))
            if header not in (V2_COLUMNS, V2_COLUMNS[:5]):
                raise ImportFormatError(
                    source.name,
                    "line 1",
                    expected=f"the MemoTrace header {','.join(V2_COLUMNS)}",
                    found=",".join(header),
                )
            ctx.meta["sender_identity"] = "display_name"
            head = list(islice(records, LOOKAHEAD))
            me_names = {*ctx.me, SELF_NAME}
            senders = {
                r[2]
                for _, r in head
                if len(r) >= 5 and r[2] and kind_for_label(r[1]) not in SYSTEM_KINDS and r[2] not in me_names
            }
            # Without --me the owner is among the senders: a 1:1 chat shows two names.
            conversation = _chat(source, ctx, senders, "", group_at=2 if ctx.me else 3, partner_names=None)
            if not ctx.me:
                ctx.warn(
                    "",
                    "MemoTrace CSV names senders by display name only and has no is-sender flag; pass --me "
                    "<your display name> to mark your own messages",
                )
            yield conversation
            reader = _V2Rows(source, ctx, conversation, len(header), me_names)
            pending = reader.pending
            for line, row in chain(head, records):
                message = reader.row(line, row)
                if pending:
                    yield from pending
                    pending.clear()
                yield message
            reader.damage.finish()


class _V2Rows:
    def __init__(
        self,
        source: SourceFile,
        ctx: ImportContext,
        conversation: Conversation,
        width: int,
        me_names: set[str],
    ) -> None:
        self.source = source
        self.ctx = ctx
        self.chat = conversation.platform_id
        self.width = width
        self.me_names = me_names
        self.times = Times(ctx)
        self.damage = Damage(ctx)
        self.names = Names(ctx)
        self.me = self.names.me
        self.pending: list[ParsedItem] = []
        self.unknown_labels: set[str] = set()
        self.warned: set[str] = set()

    def _error(self, locator: str, field: str, expected: str, found: str) -> ImportFormatError:
        return ImportFormatError(self.source.name, locator, field=field, expected=expected, found=found)

    def row(self, line: int, row: list[str]) -> Message:
        if len(row) != self.width:
            raise arity_error(
                self.source, line, f"{self.width} fields ({','.join(V2_COLUMNS[: self.width])})", row
            )
        locator = f"line {line}"
        msg_id_raw, label, shown, when, text = row[:5]
        remark, nickname = (row[5], row[6]) if self.width >= 7 else ("", "")
        try:
            ts_ms, offset, precision, spreadsheet = self.times.local(when)
        except ValueError:
            raise self._error(locator, "时间", "a local time like 2025-01-31 09:30:00", when) from None
        if spreadsheet:
            self.damage.excel = True
        if precision is TimePrecision.MINUTE:
            self.damage.note("seconds_dropped", locator, f"时间 {when!r}")
        try:
            msg_id, rounded = parse_msg_id(msg_id_raw, spreadsheet=spreadsheet)
        except ValueError:
            raise self._error(locator, "消息ID", "a numeric message id", msg_id_raw) from None
        extra: dict[str, Any] | None = None
        if rounded:
            self.damage.excel = True
            self.damage.note("msg_id_rounded", locator, f"消息ID {msg_id_raw!r}")
            extra = {"msg_id_as_written": msg_id_raw}
        kind = kind_for_label(label)
        if kind is None:
            kind = MessageKind.OTHER
            if label not in self.unknown_labels:
                self.unknown_labels.add(label)
                self.ctx.warn(locator, f"类型 {label!r} is not a known MemoTrace type; imported as other")
        is_self = shown in self.me_names
        sender = self.me if is_self else (f"name:{shown}" if shown else None)
        name = SELF_NAME if is_self else (shown or None)
        attachments: tuple[Attachment, ...] = ()
        if kind is MessageKind.TEXT:
            if label in QUOTE_LABELS:
                quote = split_memotrace_quote(text)
                if quote is not None:
                    text, extra = quote[0], {**(extra or {}), "quote": quote[1]}
        else:
            content = self._typed(kind, label, text, locator)
            kind, text, attachments = content.kind, content.text, content.attachments
            if content.extra:
                extra = {**(extra or {}), **content.extra}
            if kind is MessageKind.SYSTEM:
                sender = name = None
            elif kind is MessageKind.RECALL:
                by = content.recalled_by
                if sender is None and by and by not in ("你", "对方"):
                    sender = f"name:{by}"
                sender = _recaller(self.me, by, is_self, sender)
                name = SELF_NAME if sender == self.me else (sender[5:] if sender else None)
        if sender is not None:
            participant = self.names.participant(sender, *((shown, remark, nickname) if not is_self else ()))
            if participant is not None:
                self.pending.append(participant)
        return Message(
            conversation=self.chat,
            sender=sender,
            ts_ms=ts_ms,
            kind=kind,
            text=text,
            utc_offset_min=offset,
            precision=precision,
            sender_name=name,
            platform_msg_id=msg_id,
            attachments=attachments,
            extra=extra,
            locator=locator,
        )

    def _typed(self, kind: MessageKind, label: str, text: str, locator: str) -> Content:
        if kind in SYSTEM_KINDS:
            return recall_from_text(text) or Content(kind, text)
        if kind is MessageKind.TRANSFER:
            transfer = transfer_from_memotrace(text)
            if transfer is None and "transfer" not in self.warned:
                self.warned.add("transfer")
                self.ctx.warn(locator, f"{label} text {text[:40]!r} not understood; kept as text")
            return Content(kind, text, transfer)
        if kind in MEDIA_KINDS:
            if kind is MessageKind.FILE:
                match = _MEMOTRACE_FILE.match(text.strip())
                if match:
                    extra = {"size": match["size"], "ext": match["ext"], "md5": match["md5"]}
                    return Content(
                        kind, text, extra, attachments=(attachment(kind, match["path"], match["name"]),)
                    )
                name = text.strip().removeprefix("【文件】").strip()
                return Content(kind, text, attachments=(attachment(kind, None, name or None),))
            return Content(kind, text, attachments=(attachment(kind),))
        return Content(kind, text)
