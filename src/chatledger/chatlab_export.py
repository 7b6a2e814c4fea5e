"""Write archived chats in the ChatLab Standard Format v0.0.2 (JSONL), for ChatLab's analysis tools.

One chat becomes one ``header`` line, its ``member`` lines, then its ``message`` lines in time order;
several chats are written as consecutive blocks (ChatLab itself reads one chat a file: export one chat
for it, ``chatlab-jsonl`` reads back any number). The format is lossy and this exporter says what it
drops: times keep whole seconds only (milliseconds and the original UTC offset are dropped),
attachments and ``extra`` are not written, kinds without a ChatLab code (poll) become 99 (other).
System events, which have no sender in the archive, are written from a member ``system``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

from chatledger.importers.chatlab import KIND_CODES, SYSTEM_SENDER, VERSION
from chatledger.model import Conversation, ConversationKind, Message, MessageKind
from chatledger.store import Store

PAGE = 5000


def export_chatlab(store: Store, out: TextIO, *, conversation_ids: Sequence[int] | None = None) -> int:
    """Write the chosen chats (all when None) as ChatLab JSONL; returns the number of messages."""
    if conversation_ids is None:
        conversations = store.conversations()
    else:
        conversations = [store.conversation(i) for i in sorted(set(conversation_ids))]
    exported_at = int(datetime.now(UTC).timestamp())
    count = 0
    for conversation in conversations:
        count += _chat(store, out, conversation, exported_at)
    return count


def _chat(store: Store, out: TextIO, conversation: Conversation, exported_at: int) -> int:
    chat_id = int(conversation.id or 0)
    meta: dict[str, Any] = {
        "name": conversation.title,
        "platform": conversation.platform.value,
        "type": "private" if conversation.kind is ConversationKind.DIRECT else "group",
        "groupId": conversation.platform_id,
    }
    header = {
        "_type": "header",
        "chatlab": {"version": VERSION, "exportedAt": exported_at, "generator": "chatledger"},
        "meta": meta,
    }
    out.write(_line(header))
    names: dict[str, str] = {}
    members: dict[str, dict[str, Any]] = {}
    for participant in store.participants(chat_id):
        names[participant.platform_id] = participant.display_name
        member: dict[str, Any] = {
            "_type": "member",
            "platformId": participant.platform_id,
            "accountName": participant.display_name,
        }
        if participant.aliases:
            member["aliases"] = list(participant.aliases)
        members[participant.platform_id] = member
    has_system = False
    for message in _timeline(store, chat_id):  # every sender must be listed before the first message
        if message.sender is None:
            has_system = True
        elif message.sender not in members:
            name = message.sender_name or message.sender
            members[message.sender] = {"_type": "member", "platformId": message.sender, "accountName": name}
            names[message.sender] = name
    if has_system and SYSTEM_SENDER not in members:
        members[SYSTEM_SENDER] = {"_type": "member", "platformId": SYSTEM_SENDER, "accountName": "系统"}
    for member in members.values():
        out.write(_line(member))
    count = 0
    for message in _timeline(store, chat_id):
        out.write(_line(_record(message, names)))
        count += 1
    return count


def _record(message: Message, names: dict[str, str]) -> dict[str, Any]:
    sender = message.sender if message.sender is not None else SYSTEM_SENDER
    code = KIND_CODES.get(message.kind, 99)
    if message.kind is MessageKind.TEXT and message.reply_to:
        code = 25
    record: dict[str, Any] = {
        "_type": "message",
        "sender": sender,
        "accountName": message.sender_name
        or names.get(sender)
        or ("系统" if message.sender is None else sender),
        "timestamp": message.ts_ms // 1000,
        "type": code,
        "content": message.text,
    }
    if message.platform_msg_id:
        record["platformMessageId"] = message.platform_msg_id
    if message.reply_to:
        record["replyToMessageId"] = message.reply_to
    return record


def _timeline(store: Store, conversation_id: int) -> Iterator[Message]:
    """All messages of a chat in time order, paged (equal times are never split across pages)."""
    after: int | None = None
    skip = 0
    while True:
        page = store.messages(conversation_id, after_ms=after, limit=PAGE, offset=skip)
        yield from page
        if len(page) < PAGE:
            return
        last = page[-1].ts_ms
        at_last = sum(1 for m in page if m.ts_ms == last)
        if last == after:
            skip += at_last
        else:
            after, skip = last, at_last


def _line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
