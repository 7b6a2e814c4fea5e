"""Feishu / Lark message API responses saved as JSON: ``GET /open-apis/im/v1/messages`` pages.

Accepted layouts (FORMATS.md §11): one response page ``{"code": 0, "data": {"items": [...]}}``, a
JSON array or JSON Lines of such pages, or a bare array / JSON Lines of message objects. Feishu has no
end-user chat export; this is what a bot or admin script that pages through the API saves.

A message: ``message_id`` (``om_``), ``chat_id`` (``oc_``, the conversation), ``msg_type``,
``create_time``/``update_time`` (strings of UTC epoch milliseconds, shown in ``--tz``), ``sender``
``{id, id_type, sender_type}``, ``body.content`` (a JSON **string** whose shape depends on
``msg_type``), ``mentions``, ``parent_id`` (the message replied to → ``reply_to``), ``root_id`` and
``thread_id`` (kept in ``extra``). Rendering: ``text`` with ``@_user_N`` placeholders replaced by
``@name`` from ``mentions``; ``post`` rich text flattened to lines (title first; ``at`` as ``@name``,
images and media as placeholders); media as placeholders with not-exported attachments named by their
key or file name; ``system`` templates filled in. The parsed content is kept in ``extra.content``
(but for a plain ``text``, whose content is the text column with its mentions in ``extra.mentions``), and
``msg_type`` when it is not ``text``. The sender's ``id_type`` is the same for a whole export: the source's
meta lists it (``feishu_sender_id_types``) instead of every message.

``deleted: true`` is a RECALL (the API leaves a placeholder body); ``updated: true`` keeps only the
last version: ``edited_ts_ms`` is ``update_time`` and ``extra.edited`` is set. A ``sender_type`` of
``app`` marks a bot (``extra.bot``); system messages have no sender.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, ClassVar

from chatledger.errors import ImportFormatError
from chatledger.importers import register
from chatledger.importers._shared.jsonrecords import iter_json_records
from chatledger.importers._shared.timestamps import shown_offset
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
# msg_type -> (kind, label, content fields shown after the label, content field naming an attachment)
TYPES: dict[str, tuple[MessageKind, str, tuple[str, ...], str | None]] = {
    "text": (K.TEXT, "", (), None),
    "post": (K.TEXT, "", (), None),
    "image": (K.IMAGE, "[图片]", (), "image_key"),
    "file": (K.FILE, "[文件]", ("file_name",), "file_name"),
    "audio": (K.VOICE, "[语音]", (), "file_key"),
    "media": (K.VIDEO, "[视频]", ("file_name",), "file_name"),
    "sticker": (K.STICKER, "[表情]", (), None),
    "interactive": (K.OTHER, "[卡片]", (), None),
    "share_chat": (K.CONTACT, "[群名片]", ("chat_id",), None),
    "share_user": (K.CONTACT, "[个人名片]", ("user_id",), None),
    "system": (K.SYSTEM, "", (), None),
    "merge_forward": (K.OTHER, "[合并转发]", (), None),
    "location": (K.LOCATION, "[位置]", ("name",), None),
    "video_chat": (K.CALL, "[视频会议]", ("topic",), None),
    "todo": (K.OTHER, "[任务]", (), None),
    "hongbao": (K.RED_PACKET, "[红包]", ("text",), None),
    "share_calendar_event": (K.OTHER, "[日程]", ("summary",), None),
    "calendar": (K.OTHER, "[日程]", ("summary",), None),
    "general_calendar": (K.OTHER, "[日程]", ("summary",), None),
    "vote": (K.POLL, "[投票]", ("topic",), None),
}
_POST_MEDIA = {"img": "[图片]", "media": "[视频]", "emotion": "[表情]", "hr": "---"}
_TEMPLATE_KEY = re.compile(r"\{(\w+)\}")


def _mention_names(mentions: object) -> dict[str, str]:
    names: dict[str, str] = {}
    for mention in mentions if isinstance(mentions, list) else []:
        if isinstance(mention, dict) and mention.get("key"):
            names[str(mention["key"])] = str(mention.get("name") or mention.get("id") or mention["key"])
    return names


def resolve_mentions(text: str, names: dict[str, str]) -> str:
    """``@_user_1`` placeholders replaced by ``@<name>``; longest keys first (``@_user_10`` before ``_1``)."""
    for key in sorted(names, key=len, reverse=True):
        text = text.replace(key, f"@{names[key]}")
    return text


def flatten_post(content: dict[str, Any], names: dict[str, str]) -> str:
    """A ``post`` as plain lines: the title, then one line per paragraph."""
    if "content" not in content and len(content) == 1:  # {"zh_cn": {"title", "content"}}
        only = next(iter(content.values()))
        if isinstance(only, dict):
            content = only
    lines: list[str] = []
    if content.get("title"):
        lines.append(str(content["title"]))
    for paragraph in content.get("content") or []:
        parts: list[str] = []
        for element in paragraph if isinstance(paragraph, list) else []:
            if not isinstance(element, dict):
                continue
            tag = element.get("tag")
            if tag in ("text", "code_block", "md"):
                parts.append(resolve_mentions(str(element.get("text", "")), names))
            elif tag == "a":
                label, href = str(element.get("text") or ""), str(element.get("href") or "")
                parts.append(f"{label} ({href})" if label and href and label != href else label or href)
            elif tag == "at":
                user = element.get("user_name") or names.get(
                    str(element.get("user_id")), element.get("user_id")
                )
                parts.append(f"@{user}")
            else:
                parts.append(_POST_MEDIA.get(str(tag), f"[{tag}]"))
        lines.append("".join(parts))
    return "\n".join(lines)


@register
class FeishuJsonImporter:
    name: ClassVar[str] = "feishu-json"
    platform: ClassVar[Platform] = Platform.FEISHU
    version: ClassVar[str] = "1"
    description: ClassVar[str] = (
        "Feishu/Lark im/v1/messages API responses (pages, or message objects) as JSON/JSONL"
    )
    obtain: ClassVar[str] = (
        "Feishu/Lark has no end-user chat export: with an app token call the message API `GET "
        "/open-apis/im/v1/messages?container_id_type=chat&container_id=oc_…` (open.feishu.cn or "
        "open.larksuite.com) and save each response page, or the message objects one per line, as"
        " JSON/JSONL."
    )
    extra_kept: ClassVar[str] = (
        "the parsed `content` (but a plain text's, which is the text column), `msg_type` unless text, `mentions`, thread ids (`root_id`, `thread_id`, `upper_message_id`), `bot`/`sender_type`, `deleted`, `edited`; the sender id type once in the source's meta"
    )
    suffixes: ClassVar[tuple[str, ...]] = (".json", ".jsonl")
    capabilities: ClassVar[frozenset[str]] = frozenset(
        {"platform_ids", "replies", "edits", "recalls", "attachments", "system", "seconds", "multi_chat"}
    )

    def sniff(self, source: SourceFile) -> float:
        head = source.head_text(16384)
        if not head.lstrip().startswith(("{", "[")):
            return 0.0
        if '"message_id"' in head and '"msg_type"' in head and '"create_time"' in head:
            return 0.95 if ('"chat_id"' in head or '"body"' in head) else 0.6
        return 0.0

    def parse(self, source: SourceFile, ctx: ImportContext) -> Iterator[ParsedItem]:
        reader = _Reader(source, ctx)
        for locator, record in iter_json_records(source):
            if (
                isinstance(record, dict)
                and "message_id" not in record
                and ("data" in record or "code" in record)
            ):
                yield from reader.page(locator, record)
            else:
                yield from reader.message(locator, record)
        ctx.meta["feishu_chats"] = len(reader.chats)


class _Reader:
    def __init__(self, source: SourceFile, ctx: ImportContext) -> None:
        self.source = source
        self.ctx = ctx
        self.chats: set[str] = set()
        self.id_types: set[str] = set()
        self.ordinal = 0

    def fail(self, locator: str, field: str | None, expected: str, value: object) -> ImportFormatError:
        if value is None:
            found = "nothing"
        else:
            found = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        return ImportFormatError(self.source.name, locator, field=field, expected=expected, found=found)

    def page(self, locator: str, page: dict[str, Any]) -> Iterator[ParsedItem]:
        code = page.get("code", 0)
        if code != 0:
            raise self.fail(
                locator, "code", "0 (a successful API response)", f"{code} {page.get('msg', '')}".strip()
            )
        data = page.get("data")
        items = data.get("items") if isinstance(data, dict) else None
        if items is None:
            items = []  # an empty page writes no items at all
        if not isinstance(items, list):
            raise self.fail(locator, "data.items", "a list of messages", items)
        base = f"{locator}.data.items" if locator.startswith("$") else f"{locator}, $.data.items"
        for index, item in enumerate(items):
            yield from self.message(f"{base}[{index}]", item)

    def message(self, locator: str, item: object) -> Iterator[ParsedItem]:
        if not isinstance(item, dict):
            raise self.fail(locator, None, "a message object", item)
        message_id = item.get("message_id")
        if not isinstance(message_id, str) or not message_id:
            raise self.fail(locator, "message_id", "the message id (om_...)", message_id)
        ts_ms = self._ms(locator, "create_time", item.get("create_time"))
        chat = item.get("chat_id")
        if not isinstance(chat, str) or not chat:
            raise self.fail(locator, "chat_id", "the chat id (oc_...)", chat)
        msg_type = item.get("msg_type")
        if not isinstance(msg_type, str) or not msg_type:
            raise self.fail(locator, "msg_type", "a Feishu message type such as text", msg_type)
        if chat not in self.chats:
            self.chats.add(chat)
            kind_of_chat = (
                ConversationKind.DIRECT if item.get("chat_type") == "p2p" else ConversationKind.GROUP
            )
            yield Conversation(Platform.FEISHU, chat, chat, kind_of_chat)
        sender_info = item.get("sender") if isinstance(item.get("sender"), dict) else {}
        assert isinstance(sender_info, dict)
        sender_type = sender_info.get("sender_type")
        sender = sender_info.get("id") or None
        extra: dict[str, Any] = {} if msg_type == "text" else {"msg_type": msg_type}
        if sender_type == "app":
            extra["bot"] = True
        elif sender_type not in (None, "user"):
            extra["sender_type"] = sender_type
        id_type = sender_info.get("id_type")
        if id_type and id_type not in self.id_types:
            self.id_types.add(id_type)
            self.ctx.meta["feishu_sender_id_types"] = sorted(self.id_types)
        for key in ("root_id", "thread_id", "upper_message_id"):
            if item.get(key):
                extra[key] = item[key]
        names = _mention_names(item.get("mentions"))
        if names:
            extra["mentions"] = item["mentions"]
        body = item.get("body") if isinstance(item.get("body"), dict) else {}
        assert isinstance(body, dict)
        raw = body.get("content")
        kind, text, attachments = self._content(locator, msg_type, raw, names, extra)
        if sender_type == "system" or msg_type == "system":
            sender = None
        if item.get("deleted") is True:
            kind = K.RECALL
            extra["deleted"] = True
        edited_ts_ms = None
        if item.get("updated") is True:
            extra["edited"] = True
            if item.get("update_time") not in (None, ""):
                edited_ts_ms = self._ms(locator, "update_time", item.get("update_time"))
        self.ordinal += 1
        yield Message(
            conversation=chat,
            sender=str(sender) if sender else None,
            ts_ms=ts_ms,
            kind=kind,
            text=text,
            utc_offset_min=shown_offset(ts_ms, self.ctx),
            precision=TimePrecision.MILLISECOND,
            platform_msg_id=message_id,
            reply_to=str(item["parent_id"]) if item.get("parent_id") else None,
            edited_ts_ms=edited_ts_ms,
            attachments=attachments,
            extra=extra or None,
            locator=locator,
            ordinal=self.ordinal,
        )

    def _ms(self, locator: str, field: str, value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip().isdigit():
            raise self.fail(locator, field, 'epoch milliseconds as a string such as "1712031234567"', value)
        return int(value)

    def _content(
        self, locator: str, msg_type: str, raw: object, names: dict[str, str], extra: dict[str, Any]
    ) -> tuple[MessageKind, str, tuple[Attachment, ...]]:
        content: dict[str, Any] = {}
        if isinstance(raw, str):
            try:
                parsed = json.loads(raw)
            except json.JSONDecodeError:
                parsed = None
            if isinstance(parsed, dict):
                content = parsed
            elif raw:  # a recalled message's placeholder, or plain text
                extra["content_raw"] = raw
        elif isinstance(raw, dict):
            content = raw
        if content and not (msg_type == "text" and content.keys() <= {"text"}):  # a text is the column
            extra["content"] = content
        spec = TYPES.get(msg_type)
        if spec is None:
            self.ctx.warn(locator, f"unknown msg_type {msg_type!r}; kept as other with its content in extra")
            return K.OTHER, f"[{msg_type}]", ()
        kind, label, fields, attachment_field = spec
        if msg_type == "text":
            text = resolve_mentions(str(content.get("text", "")), names) if content else str(raw or "")
        elif msg_type == "post":
            text = flatten_post(content, names) if content else str(raw or "")
        elif msg_type == "system":
            text = _fill_template(content) if content else str(raw or "")
        else:
            shown = [str(content[f]) for f in fields if content.get(f) not in (None, "")]
            if msg_type == "interactive":
                title = _card_title(content)
                shown = [title] if title else []
            elif msg_type == "todo":
                summary = content.get("summary")
                if isinstance(summary, dict) and summary.get("title"):
                    shown = [str(summary["title"])]
            body = " ".join(shown)
            text = f"{label} {body}" if body else label
            if not content and isinstance(raw, str) and raw and not label:
                text = raw
        attachments: tuple[Attachment, ...] = ()
        if attachment_field is not None and content:
            name = content.get(attachment_field) or content.get("file_key") or label
            attachments = (Attachment(str(name), kind, AttachmentStatus.NOT_EXPORTED),)
        return kind, text, attachments


def _fill_template(content: dict[str, Any]) -> str:
    template = str(content.get("template", ""))

    def value(match: re.Match[str]) -> str:
        found = content.get(match[1])
        if isinstance(found, list):
            return ", ".join(str(v) for v in found)
        return match[0] if found is None else str(found)

    return _TEMPLATE_KEY.sub(value, template)


def _card_title(card: dict[str, Any]) -> str:
    header = card.get("header")
    if isinstance(header, dict):
        title = header.get("title")
        if isinstance(title, dict) and title.get("content"):
            return str(title["content"])
    title = card.get("title")
    return str(title) if isinstance(title, str) else ""
