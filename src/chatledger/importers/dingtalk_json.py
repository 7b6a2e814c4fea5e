"""DingTalk (钉钉) robot message callbacks saved as JSON (an array, one object) or JSON Lines.

DingTalk has **no native chat export** for ordinary organisations (FORMATS.md §10): archiving is tied
to dedicated editions and is not publicly specified. What is specified is the JSON a chat robot
receives for every message addressed to it (HTTP callback or Stream mode); a customer-service bot that
logs those callbacks produces this file. Organisational exports from audit tools (spreadsheets of
sender, time and text) are covered by the generic CSV mapping, see ``docs/generic-mapping.md``.

A callback::

    {"msgtype": "text", "text": {"content": " 请问什么时候发货"}, "msgId": "msgAbC123==",
     "createAt": 1712031234567, "conversationType": "2", "conversationId": "cidXyZ==",
     "conversationTitle": "售后群", "senderId": "$:LWCP_v1:$abc", "senderNick": "王五",
     "senderStaffId": "manager123", "isInAtList": true, "atUsers": [...], "robotCode": "dingabc"}

``createAt`` is UTC epoch milliseconds (shown in ``--tz``); ``conversationType`` "1" is a 1:1 chat,
"2" a group. The sender is ``senderStaffId`` (the organisation's user id) when given, else
``senderId``. Message types: ``text``, ``picture``, ``richText``, ``audio``, ``video``, ``file``;
media are named by ``downloadCode`` only (the robot must fetch them) and are recorded as not exported.
Text is kept verbatim, including the leading space DingTalk leaves where the robot was @-mentioned.

``extra`` keeps the mentions (``atUsers``), the ``msgtype`` when not ``text``, and media references
(``download_code``, ``duration``, ``fileId``, ``spaceId``). The callback's sender ids are the sender column
(``senderStaffId``, else ``senderId``; the other id stays in the kept file), and the fields that are the same
for every callback a robot receives (``robotCode``, ``chatbotUserId``, ``senderCorpId``) are listed once in
the source's meta (``dingtalk_robot``), not copied onto each message; ``isInAtList`` is left out.

A Stream-mode log holds the gateway's frames instead (``{"specVersion", "type": "CALLBACK", "headers":
{"topic", "messageId", ...}, "data": "<the callback as a JSON string>"}``): a robot-message frame (topic
``/v1.0/im/bot/messages/get``) is read as the callback in its ``data``; other frames (``SYSTEM`` pings,
``EVENT``s, card callbacks) hold no message and are skipped with a warning. Both shapes may share a file.

Records are read by ``_shared.jsonrecords.iter_json_records`` (array, single object or JSON Lines,
streamed, with ``$[i]`` / ``line N`` locators), shared with the other API-log importers (WeCom, Feishu).
"""

from __future__ import annotations

import json
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

ROBOT_TOPIC = "/v1.0/im/bot/messages/get"  # the Stream-mode topic of robot messages


def _epoch_ms(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


_ROBOT_KEYS = ("robotCode", "chatbotUserId", "senderCorpId")  # the same on every callback a robot gets

_MEDIA = {
    "picture": (MessageKind.IMAGE, "[图片]"),
    "audio": (MessageKind.VOICE, "[语音]"),
    "video": (MessageKind.VIDEO, "[视频]"),
    "file": (MessageKind.FILE, "[文件]"),
}


@register
class DingTalkRobotJsonImporter:
    name: ClassVar[str] = "dingtalk-robot-json"
    platform: ClassVar[Platform] = Platform.DINGTALK
    version: ClassVar[str] = "1"
    description: ClassVar[str] = (
        "DingTalk robot message callbacks logged as JSON or JSONL (no native export exists)"
    )
    obtain: ClassVar[str] = (
        "DingTalk has no native chat export: log the message callbacks your enterprise robot "
        "receives (HTTP or Stream mode) as JSON, one object per line, and import that file. For "
        "anything else taken out of DingTalk, write a mapping file and use `generic-csv` / "
        "`generic-jsonl` (docs/generic-mapping.md)."
    )
    extra_kept: ClassVar[str] = (
        "mentions (`atUsers`), `msgtype` unless text, media references (`download_code`, `duration`, `fileId`, `spaceId`); robot-wide ids (`robotCode`, `chatbotUserId`, `senderCorpId`) once in the source's meta, the second sender id only in the kept file"
    )
    suffixes: ClassVar[tuple[str, ...]] = (".json", ".jsonl")
    capabilities: ClassVar[frozenset[str]] = frozenset(
        {"platform_ids", "attachments", "seconds", "multi_chat"}
    )

    def sniff(self, source: SourceFile) -> float:
        head = source.head_text(16384)
        if not head.lstrip().startswith(("{", "[")):
            return 0.0
        head = head.replace('\\"', '"')  # a Stream-mode frame holds the callback as a JSON string
        if '"conversationId"' in head and '"msgtype"' in head and '"createAt"' in head:
            if '"senderNick"' in head or '"chatbotUserId"' in head or '"senderStaffId"' in head:
                return 0.95
            return 0.6
        return 0.0

    def parse(self, source: SourceFile, ctx: ImportContext) -> Iterator[ParsedItem]:
        chats: set[str] = set()
        robots: dict[str, set[str]] = {key: set() for key in _ROBOT_KEYS}
        for ordinal, (locator, record) in enumerate(iter_json_records(source), start=1):
            if not isinstance(record, dict):
                raise ImportFormatError(
                    source.name, locator, expected="a callback object", found=str(record)[:80]
                )
            if "specVersion" in record and "data" in record:
                unwrapped = _frame_callback(source, ctx, locator, record)
                if unwrapped is None:
                    continue
                record = unwrapped
            message, conversation = _message(source, ctx, locator, record, ordinal)
            for key, seen in robots.items():
                value = record.get(key)
                if value and value not in seen:
                    seen.add(value)
            if conversation.platform_id not in chats:
                chats.add(conversation.platform_id)
                yield conversation
            yield message
        ctx.meta["dingtalk_chats"] = len(chats)
        for key, seen in robots.items():
            if seen:
                ctx.meta.setdefault("dingtalk_robot", {})[key] = sorted(seen)


def _frame_callback(
    source: SourceFile, ctx: ImportContext, locator: str, frame: dict[str, Any]
) -> dict[str, Any] | None:
    """The robot callback a Stream-mode frame carries in ``data``, or None (warned) for other frames."""
    headers = frame.get("headers") if isinstance(frame.get("headers"), dict) else {}
    assert isinstance(headers, dict)
    topic = headers.get("topic")
    if frame.get("type") != "CALLBACK" or topic != ROBOT_TOPIC:
        ctx.warn(locator, f"a {frame.get('type')} frame (topic {topic!r}) holds no robot message; skipped")
        return None
    data = frame["data"]
    try:
        callback = json.loads(data) if isinstance(data, str) else data
    except json.JSONDecodeError:
        callback = None
    if not isinstance(callback, dict):
        found = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
        raise ImportFormatError(
            source.name,
            locator,
            field="data",
            expected="the robot callback as a JSON object string",
            found=found[:80],
        )
    return callback


def _message(
    source: SourceFile, ctx: ImportContext, locator: str, record: dict[str, Any], ordinal: int
) -> tuple[Message, Conversation]:
    def fail(field: str, expected: str) -> ImportFormatError:
        value = record.get(field)
        if value is None:
            found = "nothing"
        else:
            found = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        return ImportFormatError(source.name, locator, field=field, expected=expected, found=found)

    ts_ms = _epoch_ms(record.get("createAt"))
    if ts_ms is None:
        raise fail("createAt", "epoch milliseconds such as 1712031234567")
    chat = record.get("conversationId")
    if not isinstance(chat, str) or not chat:
        raise fail("conversationId", "the conversation id (cid...)")
    msgtype = record.get("msgtype")
    if not isinstance(msgtype, str) or not msgtype:
        raise fail("msgtype", "text, picture, richText, audio, video or file")
    chat_type = str(record.get("conversationType", ""))
    kind_of_chat = ConversationKind.GROUP if chat_type == "2" else ConversationKind.DIRECT
    if chat_type not in ("1", "2"):
        ctx.warn(locator, f"conversationType {record.get('conversationType')!r} is neither '1' nor '2'")
    nick = record.get("senderNick")
    title = (
        record.get("conversationTitle") or (nick if kind_of_chat is ConversationKind.DIRECT else None) or chat
    )
    sender = record.get("senderStaffId") or record.get("senderId")
    extra: dict[str, Any] = {}
    if record.get("atUsers"):
        extra["atUsers"] = record["atUsers"]
    content = record.get("content") if isinstance(record.get("content"), dict) else {}
    assert isinstance(content, dict)
    attachments: tuple[Attachment, ...] = ()
    kind = MessageKind.TEXT
    if msgtype == "text":
        body = record.get("text")
        text = str(body.get("content", "")) if isinstance(body, dict) else ""
    elif msgtype in _MEDIA:
        kind, placeholder = _MEDIA[msgtype]
        name = content.get("fileName") or placeholder
        code = content.get("downloadCode") or content.get("pictureDownloadCode")
        attachments = (Attachment(str(name), kind, AttachmentStatus.NOT_EXPORTED, path=None),)
        if code:
            extra["download_code"] = code
        recognition = content.get("recognition")
        text = (
            placeholder
            + (f" {recognition}" if recognition else "")
            + (f" {name}" if msgtype == "file" else "")
        )
        for key in ("duration", "videoType", "fileId", "spaceId"):
            if key in content:
                extra[key] = content[key]
    elif msgtype == "richText":
        parts: list[str] = []
        media: list[Attachment] = []
        for item in content.get("richText") or []:
            if not isinstance(item, dict):
                continue
            if "text" in item:
                parts.append(str(item["text"]))
            elif item.get("type") == "picture" or "downloadCode" in item:
                parts.append("[图片]")
                media.append(Attachment("[图片]", MessageKind.IMAGE, AttachmentStatus.NOT_EXPORTED))
        text = "".join(parts)
        attachments = tuple(media)
    else:
        kind = MessageKind.OTHER
        text = f"[{msgtype}]"
        extra["content"] = record.get("content") or record.get(msgtype)
        ctx.warn(locator, f"unknown msgtype {msgtype!r}; kept as other with its content in extra")
    if msgtype != "text":
        extra["msgtype"] = msgtype
    message = Message(
        conversation=chat,
        sender=str(sender) if sender else None,
        ts_ms=ts_ms,
        kind=kind,
        text=text,
        utc_offset_min=shown_offset(ts_ms, ctx),
        precision=TimePrecision.MILLISECOND,
        sender_name=str(nick) if nick else None,
        platform_msg_id=str(record["msgId"]) if record.get("msgId") else None,
        attachments=attachments,
        extra=extra or None,
        locator=locator,
        ordinal=ordinal,
    )
    return message, Conversation(Platform.DINGTALK, chat, str(title), kind_of_chat)
