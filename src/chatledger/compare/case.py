"""Cases: conversations from several platforms (WeChat, DingTalk, e-mail about one project) in one timeline.

Every entry of a case timeline says which platform and chat it comes from and which imported files
(sources) hold it, so a reader can always go back to the original record.
"""

from __future__ import annotations

import csv
import heapq
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from chatledger.compare.report import message_record
from chatledger.errors import InputError, NotFoundError
from chatledger.model import Case, Conversation, Message
from chatledger.store import Store


@dataclass(frozen=True, slots=True)
class CaseEntry:
    """One message of a case timeline with where it comes from."""

    message: Message
    platform: str
    chat: str
    sources: tuple[str, ...]

    def record(self) -> dict[str, Any]:
        return {"platform": self.platform, "chat": self.chat, "sources": list(self.sources),
                **(message_record(self.message) or {})}  # fmt: skip


def find_case(store: Store, ref: str) -> Case:
    for case in store.cases():
        if case.name == ref or str(case.id) == ref:
            return case
    raise NotFoundError(f"no case {ref!r}; `chatledger case list` lists them.")


def create_case(store: Store, name: str, chats: Sequence[Conversation], *, note: str = "") -> Case:
    """A new case gathering ``chats`` (one transaction)."""
    if not name.strip():
        raise InputError("a case needs a name, e.g. `chatledger case create 项目A --chat 3 --chat 7`.")
    with store.transaction():
        case_id = store.create_case(name, note)
        for chat in chats:
            store.add_case_chat(case_id, chat.id or 0)
    return find_case(store, str(case_id))


def case_timeline(store: Store, case: Case) -> Iterator[CaseEntry]:
    """Every message of the case's chats in time order, marked with platform, chat and sources."""
    names = {s.id: s.original_name for s in store.sources()}

    def entries(conversation_id: int) -> Iterator[CaseEntry]:
        conversation = store.conversation(conversation_id)
        held = store.sources_of_messages(conversation_id)
        for m in store.messages(conversation_id):
            sources = tuple(names.get(s, str(s)) for s in held.get(m.id or 0, ()))
            yield CaseEntry(m, conversation.platform.value, conversation.title, sources)

    streams = [entries(conversation_id) for conversation_id in case.conversation_ids]
    yield from heapq.merge(*streams, key=lambda entry: (entry.message.ts_ms, entry.message.id or 0))


CSV_COLUMNS = ("time", "platform", "chat", "sender", "sender_name", "kind", "text", "sources", "locator")


def export_case(store: Store, case: Case, out: TextIO, *, fmt: str = "jsonl") -> int:
    """Write the case timeline as JSON Lines or CSV (UTF-8 with BOM for spreadsheets); returns the count."""
    count = 0
    if fmt == "csv":
        out.write("\ufeff")
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for entry in case_timeline(store, case):
            record = entry.record()
            record["sources"] = "; ".join(entry.sources)
            writer.writerow([record[c] for c in CSV_COLUMNS])
            count += 1
        return count
    if fmt != "jsonl":
        raise InputError(f"--format {fmt!r}: expected jsonl or csv.")
    for entry in case_timeline(store, case):
        out.write(json.dumps(entry.record(), ensure_ascii=False) + "\n")
        count += 1
    return count
