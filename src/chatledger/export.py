"""Write the archive's messages in the canonical JSONL layout (``chatledger.interchange``).

The output re-imports with ``chatledger import FILE.jsonl`` (generic-jsonl recognises it) into the
same messages with the same identity keys, so it doubles as a portable, diffable backup.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any, TextIO

from chatledger.interchange import header, to_record
from chatledger.model import Message
from chatledger.store import Store

PAGE = 5000


def export_jsonl(store: Store, out: TextIO, *, conversation_ids: Sequence[int] | None = None) -> int:
    """Write a header line, then every message of the chosen chats (all when None); returns the count.

    Chats come in id order, each chat's messages in timeline order (time, then archive order, which
    keeps repeated identical messages in the order that gives them their ordinals on re-import).
    Messages that reused a platform id the chat already had (``extra.duplicate_platform_id``) follow
    the rest of their chat, so on re-import the id goes to the same message as before.
    """
    if conversation_ids is None:
        conversations = store.conversations()
    else:
        conversations = [store.conversation(i) for i in sorted(set(conversation_ids))]
    out.write(_line(header()))
    count = 0
    for conversation in conversations:
        reused: list[Message] = []
        for message in _timeline(store, int(conversation.id or 0)):
            if message.extra and message.extra.get("duplicate_platform_id"):
                reused.append(message)
                continue
            out.write(_line(to_record(message, conversation)))
            count += 1
        for message in reused:
            out.write(_line(to_record(message, conversation)))
            count += 1
    return count


def _timeline(store: Store, conversation_id: int) -> Iterator[Message]:
    """All messages of a chat, paged by time: each page starts at the last time seen, skipping the
    messages at that time already written (so pages stay cheap and equal times are never split)."""
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
