"""The SQLite store: time-ordered ids, transactions, schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatledger.errors import ArchiveError
from chatledger.model import Conversation, Message, MessageKind, Platform, Source
from chatledger.store import KeyCollision, NewMessage, SQLiteStore
from chatledger.store.sqlite import IDS_PER_SECOND, _TimeOrderedIds


def test_ids_follow_time_and_lend_from_the_next_millisecond() -> None:
    taken: set[int] = set()

    def max_in_range(low: int, high: int) -> int | None:
        inside = [i for i in taken if low <= i <= high]
        return max(inside) if inside else None

    ids = _TimeOrderedIds(None, max_in_range)
    # ids are seconds * 16 + n
    first = [ids.allocate(5_000 + i % 1000) for i in range(IDS_PER_SECOND + 3)]  # one second, ms vary
    assert first[:2] == [80, 81] and first[-1] == 98  # the 17th message borrows from second 6
    assert ids.allocate(6_500) == 99  # second 6 continues after what was lent
    assert ids.allocate(4_999) == 64  # an earlier time still gets an earlier id
    assert len(set(first)) == len(first)
    taken.update(first)
    later = _TimeOrderedIds(max(taken), max_in_range)  # a new transaction over the stored ids
    assert later.allocate(5_000) == 99
    assert later.allocate(7_000) == 112


def _message(ts_ms: int, text: str) -> Message:
    return Message(conversation="c", sender="s", ts_ms=ts_ms, kind=MessageKind.TEXT, text=text, locator=text)


def _source(store: SQLiteStore) -> int:
    from datetime import UTC, datetime

    return store.add_source(
        Source("f", "/f", 1, "a" * 64, "b" * 32, "test", "1", "0", datetime.now(UTC), "me", "UTC")
    )


LEAF = bytes(32)  # the ledger's own tests live in tests/integrity/test_archive_ledger.py


def test_timeline_order_and_time_filters_follow_ids(store: SQLiteStore) -> None:
    with store.transaction():
        source_id = _source(store)
        conversation_id, created = store.ensure_conversation(Conversation(Platform.GENERIC, "c", "c"))
        assert created
        times = (3_000, 1_000, 2_000, 2_000, 999)
        batch = [
            NewMessage(_message(ts, f"m{i}"), f"k{i}".encode(), 0, conversation_id, None, leaf_hash=LEAF)
            for i, ts in enumerate(times)
        ]
        assert store.add_messages(source_id, batch) == 5
    timeline = store.messages(conversation_id)
    assert [m.ts_ms for m in timeline] == sorted(times)
    assert [m.text for m in timeline if m.ts_ms == 2_000] == ["m2", "m3"]  # file order within a millisecond
    assert [m.ts_ms for m in store.messages(conversation_id, after_ms=1_000, before_ms=3_000)] == [
        1_000,
        2_000,
        2_000,
    ]
    assert store.count_messages(conversation_id, after_ms=2_000) == 3
    assert store.message_position(conversation_id, timeline[3].id or 0) == 3


def test_a_known_key_passed_as_new_is_a_collision_and_writes_nothing(store: SQLiteStore) -> None:
    with store.transaction():
        source_id = _source(store)
        conversation_id, _ = store.ensure_conversation(Conversation(Platform.GENERIC, "c", "c"))
        store.add_messages(
            source_id, [NewMessage(_message(1, "a"), b"k", 0, conversation_id, None, leaf_hash=LEAF)]
        )
        with pytest.raises(KeyCollision):
            store.add_messages(
                source_id,
                [
                    NewMessage(_message(2, "b"), b"k2", 0, conversation_id, None, leaf_hash=LEAF),
                    NewMessage(_message(3, "c"), b"k", 0, conversation_id, None, leaf_hash=LEAF),
                ],
            )
        assert [m.text for m in store.messages(conversation_id)] == ["a"]


def test_write_outside_transaction_is_refused(store: SQLiteStore) -> None:
    with pytest.raises(ArchiveError, match="outside a transaction"):
        store.ensure_conversation(Conversation(Platform.GENERIC, "c", "c"))


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    store = SQLiteStore(path)
    with store.transaction():
        store._db.execute("INSERT INTO schema_migrations VALUES ('9999_future', 'now')")
    store.close()
    with pytest.raises(ArchiveError, match="newer than this chatledger"):
        SQLiteStore(path)


def test_not_an_archive(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ArchiveError, match="not a chatledger archive"):
        SQLiteStore(path)


def test_search_indexes_gather_8_mib_of_terms_before_writing(store: SQLiteStore) -> None:
    for table in ("message_search", "message_chars"):
        assert store._all(f"SELECT v FROM {table}_config WHERE k = 'hashsize'") == [(8 << 20,)]
