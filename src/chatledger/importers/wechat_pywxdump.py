"""PyWxDump exports of one WeChat chat: CSV (2024 and 2023 layouts) and JSON (FORMATS.md 1.6).

* ``wechat-pywxdump-csv`` reads both CSV headers:
  ``id,MsgSvrID,type_name,is_sender,talker,room_name,msg,src,CreateTime`` (2024) and the legacy
  ``id,MsgSvrID,type_name,is_sender,talker,room_name,content,CreateTime`` (2023), whose ``content``
  is a JSON string ``{"src": …, "msg": …}``. ``Source.meta["layout"]`` says which.
* ``wechat-pywxdump-json`` reads the JSON list of objects with the same keys plus ``extra``, and the
  2024-01…04 list whose objects carry ``content: {"src", "msg"}`` instead of ``msg`` and ``src``.
* A merged-forward record's ``src`` is a structure (the parsed ``recorditem``), not a path; it is kept
  as JSON text in ``extra["src"]``.

Mapping:

* ``MsgSvrID`` → ``platform_msg_id`` (a string). A spreadsheet-rounded id (``7.43727E+18``) is
  dropped (the message is then keyed by content), warned about and listed in ``meta["lossy"]``.
* ``room_name`` → the conversation (``…@chatroom`` is a group); option ``chat_id`` overrides it.
* ``is_sender=1`` → the account owner: participant ``ctx.me[0]`` (else ``"self"``) shown as 我.
  ``talker`` is then ``我`` or the owner's wxid, which is kept in ``meta["owner_ids"]``. Otherwise
  ``talker`` (the sender's wxid) is the sender, as written; a 1:1 row whose talker is not the chat
  partner is kept and warned about.
* ``CreateTime`` is the exporting PC's local time without zone: read in the assumed zone (``--tz``);
  Excel re-saves without seconds become minute precision and are flagged lossy.
* ``type_name`` labels map to kinds (``_shared.wechat_content.LABEL_KINDS``); recalls among system
  notices become RECALL, ``转账：￥…`` texts TRANSFER with amount/direction/memo in ``extra``,
  ``引用回复`` texts split into the reply and ``extra["quote"]``; media rows get an attachment record
  (status NOT_EXPORTED, ``path`` = ``src`` on the exporting PC).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from typing import Any, BinaryIO, ClassVar

import ijson  # type: ignore[import-untyped,unused-ignore]

from chatledger.errors import ImportFormatError
from chatledger.importers import register
from chatledger.importers._shared.wechat_content import (
    MEDIA_KINDS,
    QUOTE_LABELS,
    SYSTEM_KINDS,
    Content,
    attachment,
    kind_for_label,
    media_name,
    recall_from_text,
    split_group_prefix,
    split_pywxdump_quote,
    transfer_from_pywxdump,
)
from chatledger.importers._shared.wechat_fields import (
    FLAGS,
    SELF_NAME,
    Damage,
    Times,
    arity_error,
    csv_records,
    header_fields,
    parse_flag,
    parse_msg_id,
    read_header,
    self_id,
    self_participant,
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

CURRENT = ("id", "MsgSvrID", "type_name", "is_sender", "talker", "room_name", "msg", "src", "CreateTime")
LEGACY = ("id", "MsgSvrID", "type_name", "is_sender", "talker", "room_name", "content", "CreateTime")
JSON_KEYS = ("MsgSvrID", "type_name", "is_sender", "talker", "room_name", "msg", "src", "CreateTime")
_NO_SENDER = frozenset({"", "未知", "系统"})  # PyWxDump's placeholders when BytesExtra named nobody
_CAPABILITIES = frozenset(
    {"platform_ids", "recalls", "attachments", "transfers", "system", "seconds", "multi_chat"}
)


class _Rows:
    """Turns PyWxDump rows into model objects; new conversations and participants queue in ``pending``."""

    def __init__(self, source: SourceFile, ctx: ImportContext) -> None:
        self.source = source
        self.ctx = ctx
        self.times = Times(ctx)
        self.damage = Damage(ctx)
        self.me = self_id(ctx)
        self.override = ctx.options.get("chat_id") or None
        self.chats: dict[str, tuple[str, bool]] = {}
        self.pending: list[ParsedItem] = []
        self.self_announced = False
        self.owner_ids: set[str] = set()
        self.unknown_labels: set[str] = set()
        self.counts: dict[str, int] = {}

    def _count(self, what: str, locator: str, message: str) -> None:
        seen = self.counts.get(what, 0)
        self.counts[what] = seen + 1
        if not seen:
            self.ctx.warn(locator, message)

    def _error(self, locator: str, field: str, expected: str, found: str) -> ImportFormatError:
        return ImportFormatError(self.source.name, locator, field=field, expected=expected, found=found)

    def _chat(self, room: str, locator: str) -> tuple[str, bool]:
        if not room and not self.override:
            raise self._error(locator, "room_name", "the chat's wxid or …@chatroom id", room)
        chat_id = self.override or room
        group = (room or chat_id).endswith("@chatroom")
        if self.override and self.chats:
            self.ctx.warn(
                locator, f"room_name {room!r} differs from the first; chat_id puts it in {chat_id!r}"
            )
        kind = ConversationKind.GROUP if group else ConversationKind.DIRECT
        self.pending.append(Conversation(Platform.WECHAT, chat_id, chat_id, kind))
        self.chats[room] = chat_id, group
        return chat_id, group

    def row(
        self,
        locator: str,
        msg_id_raw: str,
        label: str,
        flag_raw: str,
        talker: str,
        room: str,
        text: str,
        src: str,
        created: str,
    ) -> Message:
        try:
            ts_ms, offset, precision, spreadsheet = self.times.local(created)
        except ValueError:
            raise self._error(
                locator, "CreateTime", "a local time like 2024-10-04 11:42:05", created
            ) from None
        if spreadsheet:
            self.damage.excel = True
        if precision is TimePrecision.MINUTE:
            self.damage.note("seconds_dropped", locator, f"CreateTime {created!r}")
        try:
            msg_id, rounded = parse_msg_id(msg_id_raw, spreadsheet=spreadsheet)
        except ValueError:
            raise self._error(locator, "MsgSvrID", "a numeric message id", msg_id_raw) from None
        extra: dict[str, Any] | None = None
        if rounded:
            self.damage.excel = True
            self.damage.note("msg_id_rounded", locator, f"MsgSvrID {msg_id_raw!r}")
            extra = {"msg_id_as_written": msg_id_raw}
        is_sender = FLAGS.get(flag_raw)
        if is_sender is None:
            is_sender = parse_flag(flag_raw, self.damage)
            if is_sender is None:
                raise self._error(locator, "is_sender", "0 or 1", flag_raw)
        chat = self.chats.get(room)
        conversation, group = chat if chat is not None else self._chat(room, locator)
        kind = kind_for_label(label)
        if kind is None:
            kind = MessageKind.OTHER
            if label not in self.unknown_labels:
                self.unknown_labels.add(label)
                self.ctx.warn(locator, f"type_name {label!r} is not a known PyWxDump type; imported as other")
        sender: str | None
        if is_sender:
            sender, name = self.me, SELF_NAME
            if not self.self_announced:
                self.self_announced = True
                self.pending.append(self_participant(self.ctx))
            if talker not in _NO_SENDER and talker != SELF_NAME and talker != self.me:
                self.owner_ids.add(talker)
        else:
            sender = None if talker in _NO_SENDER else talker
            name = None
            if group and ":\n" in text[:70]:
                prefix, text = split_group_prefix(text)
                if prefix is not None and sender is None:
                    sender = prefix
            elif not group and sender != room and kind not in SYSTEM_KINDS:
                self._count(
                    "partner",
                    locator,
                    f"is_sender=0 but talker {talker!r} is not the chat partner {room!r}; kept as written",
                )
        attachments: tuple[Attachment, ...] = ()
        if kind is not MessageKind.TEXT:
            content = self._typed(kind, label, text, src, locator)
            kind, text, attachments = content.kind, content.text, content.attachments
            if content.extra:
                extra = {**(extra or {}), **content.extra}
            if kind is MessageKind.SYSTEM:
                sender, name = None, None
            elif kind is MessageKind.RECALL:
                sender, name = self._recaller(content.recalled_by, is_sender, sender, name)
        elif label in QUOTE_LABELS:
            quote = split_pywxdump_quote(text)
            if quote is not None:
                text = quote[0]
                extra = {**(extra or {}), "quote": quote[1]}
        return Message(
            conversation=conversation,
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

    def _typed(self, kind: MessageKind, label: str, text: str, src: str, locator: str) -> Content:
        if kind in SYSTEM_KINDS:
            recall = recall_from_text(text)
            if recall is not None:
                return recall
            return Content(kind, text)
        if kind in MEDIA_KINDS:
            # PyWxDump writes the file name as the text for type 49/0 but its type label ("文件") for 49/6.
            named = kind is MessageKind.FILE and text.strip() not in ("", label)
            name = (text if named else "") or (media_name(src) if src else "")
            return Content(kind, text, attachments=(attachment(kind, src or None, name or None),))
        extra: dict[str, Any] = {}
        if kind is MessageKind.TRANSFER:
            transfer = transfer_from_pywxdump(text)
            if transfer is None:
                self._count("transfer", locator, f"{label} text {text[:40]!r} not understood; kept as text")
            else:
                extra.update(transfer)
        if src:
            extra["url" if src.startswith(("http://", "https://")) else "src"] = src
        return Content(kind, text, extra or None)

    def _recaller(
        self, by: str | None, is_sender: bool, sender: str | None, name: str | None
    ) -> tuple[str | None, str | None]:
        """Who recalled: the notice's own words win (你 = the owner) over a conflicting is_sender."""
        if by == "你":
            return self.me, SELF_NAME
        if is_sender:
            return (sender, name) if by is None else (None, None)
        return sender, name

    def finish(self) -> None:
        self.damage.finish()
        if self.owner_ids:
            self.ctx.meta["owner_ids"] = sorted(self.owner_ids)
        if self.counts.get("partner", 0) > 1:
            self.ctx.warn(
                "", f"{self.counts['partner']} rows: talker is not the chat partner although is_sender=0"
            )


@register
class PyWxDumpCsvImporter:
    name: ClassVar[str] = "wechat-pywxdump-csv"
    platform: ClassVar[Platform] = Platform.WECHAT
    version: ClassVar[str] = "1"
    description: ClassVar[str] = (
        "WeChat chat exported by PyWxDump as CSV (2024 msg/src and 2023 content-JSON layouts)"
    )
    obtain: ClassVar[str] = (
        "WeChat has no export of its own: PyWxDump (now only in forks) decrypts the PC client's "
        "database and exports a chat as CSV (`<wxid>_<start>_<end>.csv`, paged); import every "
        "page. chatledger only reads the exported file and never decrypts WeChat databases "
        "itself."
    )
    extra_kept: ClassVar[str] = (
        "transfer details (`direction`, `amount`, `currency`, `amount_text`, `memo`, `transfer_time`), quotes (`quote`), media `url`/`src`, recall details (`recalled_by`, `recalled_msg_id`), `msg_id_as_written` when the id was rewritten"
    )
    suffixes: ClassVar[tuple[str, ...]] = (".csv",)
    capabilities: ClassVar[frozenset[str]] = _CAPABILITIES

    def sniff(self, source: SourceFile) -> float:
        return 1.0 if header_fields(source) in (CURRENT, LEGACY) else 0.0

    def parse(self, source: SourceFile, ctx: ImportContext) -> Iterator[ParsedItem]:
        with source.open_text() as stream:
            records = csv_records(source, stream)
            header = tuple(read_header(source, records, ",".join(CURRENT)))
            if header not in (CURRENT, LEGACY):
                raise ImportFormatError(
                    source.name,
                    "line 1",
                    expected=f"the PyWxDump header {','.join(CURRENT)} (or …,content,CreateTime)",
                    found=",".join(header),
                )
            legacy = header == LEGACY
            ctx.meta["layout"] = "pywxdump-2023-content-json" if legacy else "pywxdump-2024"
            rows = _Rows(source, ctx)
            width = len(header)
            expected = f"{width} fields ({','.join(header)})"
            pending = rows.pending
            for line, row in records:
                if len(row) != width:
                    raise arity_error(source, line, expected, row)
                locator = f"line {line}"
                if legacy:
                    _, msg_id, label, flag, talker, room, content, created = row
                    msg, src = _legacy_content(content, locator, rows)
                else:
                    _, msg_id, label, flag, talker, room, msg, src, created = row
                message = rows.row(locator, msg_id, label, flag, talker, room, msg, src, created)
                if pending:
                    yield from pending
                    pending.clear()
                yield message
            rows.finish()


def _legacy_content(content: str, locator: str, rows: _Rows) -> tuple[str, str]:
    """The 2023 ``content`` cell: JSON ``{"src", "msg"}``; anything else is kept whole as the text."""
    try:
        value = json.loads(content)
    except ValueError:
        value = None
    parts = _content_parts(value)
    if parts is not None:
        return parts
    rows._count("content", locator, 'content is not PyWxDump\'s {"src", "msg"} JSON; kept whole as the text')
    return content, ""


def _content_parts(value: Any) -> tuple[str, str] | None:
    """(msg, src) of a legacy ``{"src", "msg"}`` object, or None when it is not one.

    ``src`` is a path or URL, or for a merged-forward record the parsed ``recorditem`` structure,
    which is kept as JSON text.
    """
    if not isinstance(value, dict) or not isinstance(value.get("msg", ""), str):
        return None
    src = value.get("src", "")
    if src is None:
        src = ""
    elif not isinstance(src, str):
        src = json.dumps(_plain_json(src), ensure_ascii=False, sort_keys=True)
    return value.get("msg", ""), src


@register
class PyWxDumpJsonImporter:
    name: ClassVar[str] = "wechat-pywxdump-json"
    platform: ClassVar[Platform] = Platform.WECHAT
    version: ClassVar[str] = "1"
    description: ClassVar[str] = "WeChat chat exported by PyWxDump as JSON (list of message objects)"
    obtain: ClassVar[str] = (
        "WeChat has no export of its own: PyWxDump (now only in forks) decrypts the PC client's "
        "database and exports a chat as JSON; pick that `.json` file. chatledger only reads the "
        "exported file and never decrypts WeChat databases itself."
    )
    extra_kept: ClassVar[str] = (
        "transfer details (`direction`, `amount`, `currency`, `amount_text`, `memo`, `transfer_time`), quotes (`quote`), media `url`/`src`, recall details (`recalled_by`, `recalled_msg_id`), `msg_id_as_written` when the id was rewritten"
    )
    suffixes: ClassVar[tuple[str, ...]] = (".json",)
    capabilities: ClassVar[frozenset[str]] = _CAPABILITIES

    def sniff(self, source: SourceFile) -> float:
        head = source.head_text(8192).lstrip()
        if head.startswith("[") and all(f'"{key}"' in head for key in ("MsgSvrID", "type_name", "room_name")):
            return 0.95
        return 0.0

    def parse(self, source: SourceFile, ctx: ImportContext) -> Iterator[ParsedItem]:
        rows = _Rows(source, ctx)
        pending = rows.pending
        with _utf8_stream(source) as stream:
            items = ijson.items(stream, "item")
            index = 0
            while True:
                locator = f"$[{index}]"
                try:
                    item = next(items)
                except StopIteration:
                    break
                except ijson.JSONError as exc:
                    raise ImportFormatError(
                        source.name, locator, expected="a JSON array of messages", found=str(exc)
                    ) from None
                if not isinstance(item, dict):
                    raise ImportFormatError(
                        source.name, locator, expected="a message object", found=type(item).__name__
                    )
                if "msg" not in item and isinstance(item.get("content"), dict):
                    item = _flatten_legacy(source, locator, item)
                values = [_json_value(source, locator, item, key) for key in JSON_KEYS]
                msg_id, label, flag, talker, room, msg, src, created = values
                message = rows.row(locator, msg_id, label, flag, talker, room, msg, src, created)
                pyw_extra = item.get("extra")
                if pyw_extra:
                    message = _with_extra(message, {"pywxdump_extra": _plain_json(pyw_extra)})
                if pending:
                    yield from pending
                    pending.clear()
                yield message
                index += 1
        rows.finish()


def _flatten_legacy(source: SourceFile, locator: str, item: dict[str, Any]) -> dict[str, Any]:
    """A 2024-01…04 object (``content: {"src", "msg"}``) with ``msg`` and ``src`` lifted out of ``content``."""
    parts = _content_parts(item["content"])
    if parts is None:
        raise ImportFormatError(
            source.name,
            locator,
            field="content",
            expected='PyWxDump\'s {"src": …, "msg": "…"} object',
            found=json.dumps(_plain_json(item["content"]), ensure_ascii=False)[:120],
        )
    return {**item, "msg": parts[0], "src": parts[1]}


def _json_value(source: SourceFile, locator: str, item: dict[str, Any], key: str) -> str:
    if key not in item:
        raise ImportFormatError(source.name, locator, field=key, expected="present", found="missing")
    value = item[key]
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, str):
        return value
    if key == "src":  # merged-forward records carry a structure here
        return json.dumps(_plain_json(value), ensure_ascii=False, sort_keys=True)
    raise ImportFormatError(source.name, locator, field=key, expected="a string or number", found=repr(value))


def _plain_json(value: Any) -> Any:
    """ijson's Decimals as ints or strings, so ``extra`` stays JSON-serialisable."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    if isinstance(value, dict):
        return {k: _plain_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_json(v) for v in value]
    return value


def _with_extra(message: Message, more: dict[str, Any]) -> Message:
    return replace(message, extra={**(message.extra or {}), **more})


def _utf8_stream(source: SourceFile) -> BinaryIO:
    """UTF-8 bytes for ijson: the file itself (BOM skipped), or its decoded text re-encoded."""
    encoding = source.encoding
    if encoding in ("utf-8", "utf-8-sig"):
        stream = source.open_binary()
        if encoding == "utf-8-sig":
            stream.read(3)
        return stream
    with source.open_text() as text:
        return io.BytesIO(text.read().encode("utf-8"))
