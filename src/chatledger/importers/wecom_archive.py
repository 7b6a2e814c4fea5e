"""WeCom (企业微信) 会话内容存档: decrypted archive messages as a JSON array or JSON Lines.

The finance SDK's ``GetChatData`` returns encrypted records; after ``DecryptData`` each is one JSON
message (FORMATS.md §9)::

    {"msgid": "8451237782261503981_1712031234567", "action": "send", "from": "zhangsan",
     "tolist": ["wmAbCdEf0123456789"], "roomid": "", "msgtime": 1712031234567,
     "msgtype": "text", "text": {"content": "您好，订单已发货"}}

This importer reads a file of such decrypted messages (still-encrypted ``chatdata`` records are
refused with a hint). The payload sits under the key named by ``msgtype``, but for the types whose
official layout names it otherwise (``docmsg`` → ``doc``; ``markdown``, ``news`` and ``qydiskfile`` →
``info``; ``external_redpacket`` → ``redpacket``) and ``vote``, whose fields (``votetitle``, ``voteitem``,
...) sit beside the envelope; it is kept whole in ``extra[msgtype]`` (but a plain text's ``{"content"}``, which is the text column); ``text`` is a readable
rendering. ``extra`` also keeps ``msgtype`` unless ``text``, ``action`` unless ``send``, and a group
message's ``tolist`` (a 1:1 chat is named by its two ids). ``action: recall`` with ``revoke {pre_msgid}``
is a RECALL whose ``reply_to`` is the withdrawn message (both records are kept). ``action: switch``
records (``{"msgid", "action": "switch", "time", "user"}``, no ``msgtype``) are SYSTEM events in a
conversation ``switch-log``. Red packets carry ``totalamount`` in fen, shown as yuan
(``extra.amount_yuan`` "12.34").

Conversations: ``roomid`` for groups, else the sorted pair ``from|tolist[0]`` for 1:1 chats, so both
directions of a talk land in one chat. ``msgtime`` is UTC epoch milliseconds per the official
documentation, seconds in some wrappers: values below 10^11 are read as seconds (second precision).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, ClassVar

from chatledger.errors import ImportFormatError
from chatledger.importers import register
from chatledger.importers._shared.jsonrecords import iter_json_records
from chatledger.importers._shared.timestamps import epoch_ms_from_number, shown_offset
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

K = MessageKind
SWITCH_CHAT = "switch-log"

# msgtype -> (kind, label, payload fields shown after the label, field naming an attachment)
TYPES: dict[str, tuple[MessageKind, str, tuple[str, ...], str | None]] = {
    "text": (K.TEXT, "", ("content",), None),
    "markdown": (K.TEXT, "", ("content",), None),
    "image": (K.IMAGE, "[图片]", (), "[图片]"),
    "revoke": (K.RECALL, "撤回了一条消息", (), None),
    "agree": (K.SYSTEM, "[同意会话存档]", ("userid",), None),
    "disagree": (K.SYSTEM, "[不同意会话存档]", ("userid",), None),
    "voice": (K.VOICE, "[语音]", (), "[语音]"),
    "video": (K.VIDEO, "[视频]", (), "[视频]"),
    "card": (K.CONTACT, "[名片]", ("corpname", "userid"), None),
    "location": (K.LOCATION, "[位置]", ("title", "address"), None),
    "emotion": (K.STICKER, "[表情]", (), None),
    "file": (K.FILE, "[文件]", ("filename",), "filename"),
    "link": (K.LINK, "[链接]", ("title", "description", "link_url"), None),
    "weapp": (K.LINK, "[小程序]", ("displayname", "title", "description"), None),
    "chatrecord": (K.OTHER, "[聊天记录]", ("title",), None),
    "todo": (K.OTHER, "[待办]", ("title", "content"), None),
    "vote": (K.POLL, "[投票]", ("votetitle",), None),
    "collect": (K.OTHER, "[填表]", ("title", "room_name"), None),
    "redpacket": (K.RED_PACKET, "[红包]", ("wish",), None),
    "external_redpacket": (K.RED_PACKET, "[红包]", ("wish",), None),
    "meeting": (K.OTHER, "[会议]", ("topic", "address"), None),
    "docmsg": (K.LINK, "[文档]", ("title", "link_url"), None),
    "news": (K.LINK, "[图文]", (), None),
    "calendar": (K.OTHER, "[日程]", ("title", "place"), None),
    "mixed": (K.TEXT, "", (), None),
    "meeting_voice_call": (K.CALL, "[会议语音通话]", (), None),
    "voip_doc_share": (K.FILE, "[文件]", ("filename",), "filename"),
    "sphfeed": (K.LINK, "[视频号]", ("sph_name", "feed_desc"), None),
    "voiptext": (K.CALL, "[音视频通话]", (), None),
    "qydiskfile": (K.FILE, "[微盘文件]", ("filename",), "filename"),
}
# Where the official layout puts a payload that is not under the msgtype's own key.
_PAYLOAD_ALIASES = {
    "external_redpacket": "redpacket",
    "docmsg": "doc",
    "markdown": "info",
    "news": "info",
    "qydiskfile": "info",
}
# The message envelope; a payload written beside it (vote) is the record without these.
_ENVELOPE = frozenset({"seq", "msgid", "action", "from", "tolist", "roomid", "msgtime", "msgtype"})
_MIXED_LABELS = {
    "image": "[图片]",
    "emotion": "[表情]",
    "voice": "[语音]",
    "video": "[视频]",
    "file": "[文件]",
}


def fen_to_yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


@register
class WeComArchiveImporter:
    name: ClassVar[str] = "wecom-archive-json"
    platform: ClassVar[Platform] = Platform.WECOM
    version: ClassVar[str] = "1"
    description: ClassVar[str] = "WeCom 会话内容存档: decrypted archive messages as a JSON array or JSONL"
    obtain: ClassVar[str] = (
        "Needs the paid 企业微信 会话内容存档 capability: pull messages with the finance SDK "
        "(`GetChatData`), decrypt each with your enterprise private key (`DecryptData`) and save "
        "the plaintext message objects as a JSON array or one per line; chatledger neither calls "
        "the SDK nor decrypts."
    )
    extra_kept: ClassVar[str] = (
        "the payload under its `msgtype` (but a plain text's `{content}`, which is the text column), `msgtype` unless text, `action` unless send, a group message's `tolist`, red-packet `amount_yuan`"
    )
    suffixes: ClassVar[tuple[str, ...]] = (".json", ".jsonl")
    capabilities: ClassVar[frozenset[str]] = frozenset(
        {"platform_ids", "replies", "recalls", "attachments", "system", "seconds", "multi_chat"}
    )

    def sniff(self, source: SourceFile) -> float:
        head = source.head_text(16384)
        if not head.lstrip().startswith(("{", "[")):
            return 0.0
        if '"msgid"' in head and '"msgtime"' in head and '"msgtype"' in head:
            return 0.95 if ('"tolist"' in head or '"roomid"' in head) else 0.6
        if '"encrypt_chat_msg"' in head and '"publickey_ver"' in head:
            return 0.6  # recognised, to refuse it with a precise message
        return 0.0

    def parse(self, source: SourceFile, ctx: ImportContext) -> Iterator[ParsedItem]:
        reader = _Reader(source, ctx)
        for locator, record in iter_json_records(source):
            if isinstance(record, dict) and "chatdata" in record and "msgid" not in record:
                raise ImportFormatError(
                    source.name,
                    locator,
                    field="chatdata",
                    expected="decrypted archive messages",
                    found="a GetChatData response with encrypted records",
                    hint="Decrypt each record with the enterprise private key and DecryptData first.",
                )
            yield from reader.record(locator, record)
        ctx.meta["wecom_chats"] = len(reader.chats)


class _Reader:
    def __init__(self, source: SourceFile, ctx: ImportContext) -> None:
        self.source = source
        self.ctx = ctx
        self.chats: set[str] = set()
        self.ordinal = 0

    def fail(self, locator: str, field: str, expected: str, value: object) -> ImportFormatError:
        if value is None:
            found = "nothing"
        else:
            found = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        return ImportFormatError(self.source.name, locator, field=field, expected=expected, found=found)

    def _time(self, locator: str, field: str, value: object) -> tuple[int, TimePrecision]:
        if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
            raise self.fail(locator, field, "epoch milliseconds (or seconds) such as 1712031234567", value)
        number = int(value)
        ts_ms = epoch_ms_from_number(number)
        return ts_ms, TimePrecision.MILLISECOND if ts_ms == number else TimePrecision.SECOND

    def record(self, locator: str, record: object) -> Iterator[ParsedItem]:
        if not isinstance(record, dict):
            raise self.fail(locator, "msgid", "a decrypted message object", record)
        msgid = record.get("msgid")
        if not isinstance(msgid, str) or not msgid:
            raise self.fail(locator, "msgid", "the message id", msgid)
        action = record.get("action", "send")
        self.ordinal += 1
        if action == "switch":
            yield from self._switch(locator, record, msgid)
            return
        ts_ms, precision = self._time(locator, "msgtime", record.get("msgtime"))
        sender = record.get("from")
        if not isinstance(sender, str) or not sender:
            raise self.fail(locator, "from", "the sender's userid or external id", sender)
        msgtype = record.get("msgtype")
        if not isinstance(msgtype, str) or not msgtype:
            raise self.fail(locator, "msgtype", "a WeCom message type such as text", msgtype)
        tolist = record.get("tolist") or []
        if not isinstance(tolist, list):
            raise self.fail(locator, "tolist", "a list of receiver ids", tolist)
        room = record.get("roomid") or ""
        if room:
            chat, kind_of_chat = str(room), ConversationKind.GROUP
        else:
            if not tolist:
                raise self.fail(locator, "tolist", "the receiver of a 1:1 message (roomid is empty)", tolist)
            chat, kind_of_chat = "|".join(sorted((sender, str(tolist[0])))), ConversationKind.DIRECT
        if chat not in self.chats:
            self.chats.add(chat)
            yield Conversation(Platform.WECOM, chat, chat, kind_of_chat)
        payload = record.get(msgtype)
        if payload is None:
            payload = record.get(_PAYLOAD_ALIASES.get(msgtype, msgtype))
        if payload is None:
            payload = {k: v for k, v in record.items() if k not in _ENVELOPE} or None
        extra: dict[str, Any] = {}
        if msgtype != "text":
            extra["msgtype"] = msgtype
        if action != "send":
            extra["action"] = action
        if room:  # a 1:1 chat is named by its two ids; a group's receivers are worth keeping
            extra["tolist"] = tolist
        if payload is not None and not (
            msgtype == "text" and isinstance(payload, dict) and payload.keys() <= {"content"}
        ):  # a plain text's payload is the text column
            extra[msgtype] = payload
        if not isinstance(payload, dict):
            payload = {}
        kind, text, attachments, reply_to = self._content(locator, msgtype, payload, extra)
        if action == "recall":
            kind = K.RECALL
        yield Message(
            conversation=chat,
            sender=sender,
            ts_ms=ts_ms,
            kind=kind,
            text=text,
            utc_offset_min=shown_offset(ts_ms, self.ctx),
            precision=precision,
            platform_msg_id=msgid,
            reply_to=reply_to,
            attachments=attachments,
            extra=extra or None,
            locator=locator,
            ordinal=self.ordinal,
        )

    def _switch(self, locator: str, record: dict[str, Any], msgid: str) -> Iterator[ParsedItem]:
        ts_ms, precision = self._time(locator, "time", record.get("time"))
        user = record.get("user")
        if SWITCH_CHAT not in self.chats:
            self.chats.add(SWITCH_CHAT)
            yield Conversation(Platform.WECOM, SWITCH_CHAT, "企业切换记录", ConversationKind.CHANNEL)
        yield Message(
            conversation=SWITCH_CHAT,
            sender=None,
            ts_ms=ts_ms,
            kind=K.SYSTEM,
            text=f"{user} 切换企业",
            utc_offset_min=shown_offset(ts_ms, self.ctx),
            precision=precision,
            platform_msg_id=msgid,
            extra={"action": "switch", "user": user},
            locator=locator,
            ordinal=self.ordinal,
        )

    def _content(
        self, locator: str, msgtype: str, payload: dict[str, Any], extra: dict[str, Any]
    ) -> tuple[MessageKind, str, tuple[Attachment, ...], str | None]:
        spec = TYPES.get(msgtype)
        if spec is None:
            self.ctx.warn(locator, f"unknown msgtype {msgtype!r}; kept as other with its payload in extra")
            return K.OTHER, f"[{msgtype}]", (), None
        kind, label, fields, attachment_field = spec
        shown = [str(payload[f]) for f in fields if payload.get(f) not in (None, "")]
        reply_to: str | None = None
        if msgtype == "revoke":
            pre = payload.get("pre_msgid")
            reply_to = str(pre) if pre else None
        elif msgtype in ("redpacket", "external_redpacket"):
            amount = payload.get("totalamount")
            if isinstance(amount, int) and not isinstance(amount, bool):
                extra["amount_yuan"] = fen_to_yuan(amount)
                shown.append(f"¥{extra['amount_yuan']}")
        elif msgtype == "news":
            items = payload.get("item") or []
            shown = [
                " ".join(str(i.get(k, "")) for k in ("title", "url") if i.get(k))
                for i in items
                if isinstance(i, dict)
            ]
        elif msgtype == "chatrecord":
            shown += [_record_line(i) for i in payload.get("item") or [] if isinstance(i, dict)]
        elif msgtype == "mixed":
            shown = [_mixed_part(i) for i in payload.get("item") or [] if isinstance(i, dict)]
        elif msgtype == "voiptext" and payload.get("callduration") is not None:
            shown.append(f"{payload['callduration']}s")
        separator = "" if msgtype == "mixed" else "\n" if msgtype in ("chatrecord", "news", "link") else " "
        body = separator.join(shown)
        text = f"{label} {body}".strip() if label and body else (label or body)
        attachments: tuple[Attachment, ...] = ()
        if attachment_field is not None:
            name = payload.get(attachment_field) or attachment_field
            attachments = (Attachment(str(name), kind, AttachmentStatus.NOT_EXPORTED, size=_size(payload)),)
        if msgtype == "mixed":
            images = sum(
                1 for i in payload.get("item") or [] if isinstance(i, dict) and i.get("type") == "image"
            )
            attachments = tuple(
                Attachment("[图片]", K.IMAGE, AttachmentStatus.NOT_EXPORTED) for _ in range(images)
            )
        return kind, text, attachments, reply_to


def _size(payload: dict[str, Any]) -> int | None:
    for key in ("filesize", "voice_size", "imagesize"):
        value = payload.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def _inner(content: object) -> dict[str, Any]:
    """A chatrecord/mixed item's ``content``: a JSON string of the item's payload."""
    if isinstance(content, dict):
        return content
    if isinstance(content, str):
        try:
            value = json.loads(content)
        except json.JSONDecodeError:
            return {"content": content}
        return value if isinstance(value, dict) else {"content": content}
    return {}


def _mixed_part(item: dict[str, Any]) -> str:
    item_type = str(item.get("type", ""))
    inner = _inner(item.get("content"))
    if item_type in ("text", "markdown"):
        return str(inner.get("content", ""))
    return _MIXED_LABELS.get(item_type, f"[{item_type}]")


def _record_line(item: dict[str, Any]) -> str:
    inner = _inner(item.get("content"))
    item_type = str(item.get("type", ""))
    text = inner.get("content") or inner.get("title") or inner.get("filename")
    return str(text) if text else f"[{item_type}]"
