"""ChatLab Standard Format v0.0.2: ``chatlab-json`` (one object) and ``chatlab-jsonl`` (one record a line).

Layout (ChatLab's conversion protocol): a header ``chatlab{version, exportedAt}`` and
``meta{name, platform, type: group|private, groupId?, ownerId?}``, members
``{platformId, accountName, groupNickname?, aliases?}`` and messages ``{sender, accountName,
groupNickname?, timestamp, type, content, platformMessageId?, replyToMessageId?}``. In JSONL each line
is an object with ``_type`` ``header``, ``member`` or ``message``; blank lines and ``#`` comments are
allowed. ChatLab files hold one chat; a JSONL file with several headers (as ``export_chatlab`` writes
for several chats) is read as one chat per header.

Times are integer Unix **seconds** (the format forbids milliseconds): a value of 10^11 or more is
refused rather than guessed, and every message gets second precision, shown in ``--tz``.
Type codes: 0 text, 1 image, 2 voice, 3 video, 4 file, 5 sticker, 7 link, 8 location, 20 red packet,
21 transfer, 22 poke, 23 call, 24 share, 25 reply, 26 forward, 27 contact, 80 system, 81 recall,
99 other; the code is kept in ``extra.chatlab_type`` when the kind alone does not restore it.
The chat is ``meta.groupId`` when given, else ``meta.name``; ``meta.platform`` names the platform
(unknown names are GENERIC). A type-80 message from the member ``system`` has no sender.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar

import ijson

from chatledger.errors import ImportFormatError
from chatledger.importers import register
from chatledger.importers._shared.jsonstream import JsonStream
from chatledger.importers.base import ImportContext, SourceFile
from chatledger.model import (
    Conversation,
    ConversationKind,
    Message,
    MessageKind,
    ParsedItem,
    Participant,
    Platform,
    TimePrecision,
)

K = MessageKind
TYPE_KINDS: dict[int, MessageKind] = {
    0: K.TEXT,
    1: K.IMAGE,
    2: K.VOICE,
    3: K.VIDEO,
    4: K.FILE,
    5: K.STICKER,
    7: K.LINK,
    8: K.LOCATION,
    20: K.RED_PACKET,
    21: K.TRANSFER,
    22: K.SYSTEM,
    23: K.CALL,
    24: K.LINK,
    25: K.TEXT,
    26: K.TEXT,
    27: K.CONTACT,
    80: K.SYSTEM,
    81: K.RECALL,
    99: K.OTHER,
}
KIND_CODES: dict[MessageKind, int] = {
    K.TEXT: 0,
    K.IMAGE: 1,
    K.VOICE: 2,
    K.VIDEO: 3,
    K.FILE: 4,
    K.STICKER: 5,
    K.LINK: 7,
    K.LOCATION: 8,
    K.RED_PACKET: 20,
    K.TRANSFER: 21,
    K.CALL: 23,
    K.CONTACT: 27,
    K.SYSTEM: 80,
    K.RECALL: 81,
    K.POLL: 99,
    K.OTHER: 99,
}
"""The ChatLab code written for each kind (``export_chatlab``); 25 replaces 0 for a reply."""
PLATFORMS: dict[str, Platform] = {p.value: p for p in Platform} | {
    "weixin": Platform.WECHAT,
    "wework": Platform.WECOM,
    "lark": Platform.FEISHU,
}
SYSTEM_SENDER = "system"
MAX_SECONDS = 10**11
VERSION = "0.0.2"


def platform_for(name: object) -> Platform:
    return PLATFORMS.get(str(name).strip().lower(), Platform.GENERIC)


class _Reader:
    """Turns header/member/message records into model objects; shared by the two layouts."""

    def __init__(self, source: SourceFile, ctx: ImportContext) -> None:
        self.source = source
        self.ctx = ctx
        self.chat: str | None = None
        self.platform = Platform.GENERIC
        self.ordinal = 0
        self.unknown_types = 0

    def fail(self, locator: str, expected: str, found: object, field: str | None = None) -> ImportFormatError:
        shown = found if isinstance(found, str) else json.dumps(found, ensure_ascii=False)
        return ImportFormatError(self.source.name, locator, expected=expected, found=shown, field=field)

    def header(self, chatlab: object, meta: object, locator: str) -> Conversation:
        if not isinstance(chatlab, dict) or "version" not in chatlab:
            raise self.fail(locator, "a 'chatlab' object with 'version'", chatlab, "chatlab")
        version = str(chatlab["version"])
        if not version.startswith("0.0."):
            self.ctx.warn(locator, f"ChatLab format version {version!r}; read as {VERSION}")
        if not isinstance(meta, dict):
            raise self.fail(locator, "a 'meta' object with name, platform and type", meta, "meta")
        name, chat_type = meta.get("name"), meta.get("type")
        if chat_type not in ("group", "private"):
            raise self.fail(locator, "'group' or 'private'", chat_type, "meta.type")
        group_id = meta.get("groupId")
        chat = str(group_id) if group_id not in (None, "") else str(name or "")
        if not chat:
            raise self.fail(locator, "a chat name or groupId", name, "meta.name")
        self.chat = chat
        self.platform = platform_for(meta.get("platform"))
        self.ctx.meta.setdefault("chatlab_version", version)
        exported = chatlab.get("exportedAt")
        if isinstance(exported, int) and not isinstance(exported, bool):
            self.ctx.meta.setdefault("exported_at", exported)  # epoch seconds; the authenticity checks use it
        kind = ConversationKind.GROUP if chat_type == "group" else ConversationKind.DIRECT
        return Conversation(self.platform, chat, str(name or chat), kind)

    def member(self, record: object, locator: str) -> Participant:
        if not isinstance(record, dict) or not isinstance(record.get("platformId"), (str, int)):
            raise self.fail(locator, "a member with a 'platformId'", record, "platformId")
        platform_id = str(record["platformId"])
        name = record.get("groupNickname") or record.get("accountName") or platform_id
        aliases = [str(a) for a in record.get("aliases") or () if a]
        account = record.get("accountName")
        if account and account != name:
            aliases.append(str(account))
        return Participant(self.platform, platform_id, str(name), tuple(dict.fromkeys(aliases)))

    def message(self, record: object, locator: str) -> Message:
        if self.chat is None:
            raise self.fail(locator, "the header before the first message", "a message", "_type")
        if not isinstance(record, dict):
            raise self.fail(locator, "a message object", record)
        seconds = record.get("timestamp")
        if type(seconds) is not int or abs(seconds) >= MAX_SECONDS:
            raise self.fail(locator, "integer Unix seconds such as 1711468800", seconds, "timestamp")
        code = record.get("type")
        if type(code) is not int:
            raise self.fail(locator, "a ChatLab type code (0 text, 1 image, ... 99 other)", code, "type")
        sender = record.get("sender")
        if not isinstance(sender, (str, int)) or isinstance(sender, bool) or sender == "":
            raise self.fail(locator, "the sender's platformId", sender, "sender")
        content = record.get("content")
        if content is not None and not isinstance(content, str):
            raise self.fail(locator, "a string or null", content, "content")
        kind = TYPE_KINDS.get(code)
        extra: dict[str, Any] = {}
        if kind is None:
            kind = K.OTHER
            self.unknown_types += 1
            self.ctx.warn(locator, f"unknown ChatLab type {code}; read as other")
        if code != 25 and KIND_CODES.get(kind) != code:
            extra["chatlab_type"] = code
        if code == 26:
            extra["forwarded"] = True
        sender_id: str | None = str(sender)
        if code == 80 and sender_id == SYSTEM_SENDER:
            sender_id = None
        name = record.get("groupNickname") or record.get("accountName")
        if record.get("groupNickname") and record.get("accountName"):
            extra["account_name"] = record["accountName"]
        offset = datetime.fromtimestamp(seconds, UTC).astimezone(self.ctx.zone).utcoffset()
        message_id = record.get("platformMessageId")
        reply_to = record.get("replyToMessageId")
        self.ordinal += 1
        return Message(
            conversation=self.chat,
            sender=sender_id,
            ts_ms=seconds * 1000,
            kind=kind,
            text=content or "",
            utc_offset_min=int(offset.total_seconds() // 60) if offset else 0,
            precision=TimePrecision.SECOND,
            sender_name=str(name) if name else None,
            platform_msg_id=None if message_id in (None, "") else str(message_id),
            reply_to=None if reply_to in (None, "") else str(reply_to),
            extra=extra or None,
            locator=locator,
            ordinal=self.ordinal,
            platform=self.platform,
        )

    def finish(self) -> None:
        if self.unknown_types:
            self.ctx.meta["chatlab_unknown_types"] = self.unknown_types


@register
class ChatLabJsonImporter:
    name: ClassVar[str] = "chatlab-json"
    platform: ClassVar[Platform] = Platform.GENERIC
    version: ClassVar[str] = "1"
    description: ClassVar[str] = "ChatLab Standard Format v0.0.2, JSON (.json): one chat"
    obtain: ClassVar[str] = (
        "Export the chat from ChatLab, or from a tool that writes the ChatLab Standard Format "
        "0.0.2 (the qq-chat-exporter family), as JSON and pick the `.json` file."
    )
    extra_kept: ClassVar[str] = (
        "the ChatLab type code when the kind alone does not restore it (`chatlab_type`), `forwarded`, `account_name`"
    )
    suffixes: ClassVar[tuple[str, ...]] = (".json",)
    capabilities: ClassVar[frozenset[str]] = frozenset(
        {"platform_ids", "replies", "recalls", "system", "seconds"}
    )

    def sniff(self, source: SourceFile) -> float:
        head = source.head_text(8192).lstrip()
        if (
            head.startswith("{")
            and '"chatlab"' in head
            and '"version"' in head
            and '"_type"' not in head[:200]
        ):
            return 0.95
        return 0.0

    def parse(self, source: SourceFile, ctx: ImportContext) -> Iterator[ParsedItem]:
        reader = _Reader(source, ctx)
        header: dict[str, object] = {}
        uncounted = SourceFile(source.path, member=source.member)  # the pre-pass is not progress
        for prefix, _, value in _records(source, uncounted, ("chatlab", "meta")):
            header[prefix] = value
            if len(header) == 2:
                break
        yield reader.header(header.get("chatlab"), header.get("meta"), "$")
        for prefix, index, value in _records(source, source, ("members.item", "messages.item")):
            if prefix == "members.item":
                yield reader.member(value, f"$.members[{index}]")
            else:
                yield reader.message(value, f"$.messages[{index}]")
        reader.finish()


def _records(
    named: SourceFile, source: SourceFile, prefixes: tuple[str, ...]
) -> Iterator[tuple[str, int, object]]:
    """(prefix, index within its array, value) of every value at one of ``prefixes``, streamed."""
    stream = JsonStream(source.open_binary())
    counts = dict.fromkeys(prefixes, 0)
    builder: Any = None
    depth = 0
    current = ""
    first = True
    try:
        for prefix, event, value in ijson.parse(stream, use_float=True):
            if first:
                first = False
                if event != "start_map":
                    raise ImportFormatError(
                        named.name,
                        "$",
                        expected="a JSON object with 'chatlab', 'meta', 'members' and 'messages'",
                        found=f"a JSON {'array' if event == 'start_array' else 'value'}",
                    )
            if builder is not None:
                builder.event(event, value)
                if event in ("start_map", "start_array"):
                    depth += 1
                elif event in ("end_map", "end_array"):
                    depth -= 1
                if depth == 0:
                    index = counts[current]
                    counts[current] = index + 1
                    yield current, index, builder.value
                    builder = None
                continue
            if prefix in counts and event != "map_key":
                if event in ("start_map", "start_array"):
                    builder = ijson.ObjectBuilder()
                    builder.event(event, value)
                    depth, current = 1, prefix
                elif event not in ("end_map", "end_array"):
                    index = counts[prefix]
                    counts[prefix] = index + 1
                    yield prefix, index, value
    except ijson.JSONError as exc:
        raise stream.error(exc, named.name) from None
    finally:
        stream.close()


@register
class ChatLabJsonlImporter:
    name: ClassVar[str] = "chatlab-jsonl"
    platform: ClassVar[Platform] = Platform.GENERIC
    version: ClassVar[str] = "1"
    description: ClassVar[str] = (
        "ChatLab Standard Format v0.0.2, JSON Lines (.jsonl): header, members, messages"
    )
    obtain: ClassVar[str] = (
        "Export the chat from ChatLab, or from a tool that writes the ChatLab Standard Format "
        "0.0.2 (the qq-chat-exporter family), as JSON Lines and pick the `.jsonl` file."
    )
    extra_kept: ClassVar[str] = (
        "the ChatLab type code when the kind alone does not restore it (`chatlab_type`), `forwarded`, `account_name`"
    )
    suffixes: ClassVar[tuple[str, ...]] = (".jsonl",)
    capabilities: ClassVar[frozenset[str]] = frozenset(
        {"platform_ids", "replies", "recalls", "system", "seconds", "multi_chat"}
    )

    def sniff(self, source: SourceFile) -> float:
        for line in source.head_text(8192).splitlines():
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            compact = stripped.replace(" ", "")
            return 0.95 if compact.startswith('{"_type":"header"') and '"chatlab":' in compact else 0.0
        return 0.0

    def parse(self, source: SourceFile, ctx: ImportContext) -> Iterator[ParsedItem]:
        reader = _Reader(source, ctx)
        with source.open_text() as text:
            for number, line in enumerate(text, start=1):
                stripped = line.strip()
                if not stripped or stripped.startswith("#"):
                    continue
                locator = f"line {number}"
                try:
                    record = json.loads(stripped)
                except json.JSONDecodeError as exc:
                    raise ImportFormatError(
                        source.name, locator, expected=f"one JSON object ({exc.msg})", found=stripped
                    ) from None
                record_type = record.get("_type") if isinstance(record, dict) else None
                if record_type == "message":
                    yield reader.message(record, locator)
                elif record_type == "member":
                    if reader.chat is None:
                        raise reader.fail(locator, "the header before the first member", "a member", "_type")
                    yield reader.member(record, locator)
                elif record_type == "header":
                    yield reader.header(record.get("chatlab"), record.get("meta"), locator)
                else:
                    raise reader.fail(
                        locator,
                        "'header', 'member' or 'message'",
                        record_type if record_type else stripped,
                        "_type",
                    )
        reader.finish()
