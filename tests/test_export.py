"""export_jsonl: the canonical layout out, and back in through generic-jsonl without loss."""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatledger import export
from chatledger.errors import NotFoundError
from chatledger.export import export_jsonl
from chatledger.ingest import ImportOptions, import_paths
from chatledger.model import AttachmentStatus, ConversationKind, MessageKind, Platform, TimePrecision
from chatledger.store import SQLiteStore
from tests.conftest import ImportFn, shared_sample

TELEGRAM_SAMPLE = "telegram/personal_chat__chat-analytics_DM_2A_7M.json"


def exported(store: SQLiteStore, **kwargs: Any) -> str:
    out = io.StringIO()
    export_jsonl(store, out, **kwargs)
    return out.getvalue()


def keys(store: SQLiteStore) -> set[str]:
    return {str(m.key) for m in store.iter_all_messages()}


@contextmanager
def fresh_store() -> Iterator[tuple[SQLiteStore, Path]]:
    with tempfile.TemporaryDirectory() as folder:
        store = SQLiteStore(Path(folder) / "archive.db")
        try:
            yield store, Path(folder)
        finally:
            store.close()


def import_into(store: SQLiteStore, folder: Path, path: Path, tz: str = "UTC") -> tuple[int, int]:
    result = import_paths(
        store, [path], originals_dir=folder / "originals", options=ImportOptions(zone_name=tz)
    )
    return result.messages, result.new


def test_export_layout(store: SQLiteStore, import_files: ImportFn) -> None:
    import_files(shared_sample(TELEGRAM_SAMPLE))
    lines = exported(store).splitlines()
    assert json.loads(lines[0]) == {"chatledger_export": 1, "chatledger_version": "0.1.0"}
    assert len(lines) == 9
    call = json.loads(lines[-1])
    assert call == {
        "chat": {"platform": "telegram", "id": "user700000000", "title": "Bob", "kind": "direct"},
        "sender": {"id": "user300000000", "name": "Alice"},
        "time": "2023-08-10T23:11:02-03:00",
        "ts_ms": 1691719862000,
        "precision": "s",
        "kind": "call",
        "text": "Alice: phone_call (56 s; hangup)",
        "id": "3674",
        "reply_to": None,
        "forwarded_from": None,
        "edited_ts_ms": None,
        "attachments": [],
        "extra": {
            "actor": "Alice",
            "actor_id": "user300000000",
            "action": "phone_call",
            "duration_seconds": 56,
            "discard_reason": "hangup",
        },
    }
    photo = json.loads(lines[6])
    assert photo["attachments"] == [
        {
            "name": "photo",
            "kind": "image",
            "status": "not_exported",
            "path": None,
            "size": None,
            "sha256": None,
            "md5": None,
            "mime_type": None,
        }
    ]
    assert json.loads(lines[1])["sender"] is None  # the service message "joined_telegram"


def test_export_reimports_into_the_same_messages_and_keys(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    import_files(shared_sample(TELEGRAM_SAMPLE))
    text = exported(store)
    path = tmp_path / "export.jsonl"
    path.write_text(text, encoding="utf-8")
    with fresh_store() as (copy, folder):
        assert import_into(copy, folder, path) == (8, 8)
        assert keys(copy) == keys(store)
        assert exported(copy) == text
        (chat,) = copy.conversations()
        assert (chat.platform, chat.platform_id, chat.title, chat.kind) == (
            Platform.TELEGRAM,
            "user700000000",
            "Bob",
            ConversationKind.DIRECT,
        )
    result = import_files(path)  # the export of an archive adds nothing to it
    assert (result.messages, result.new) == (8, 0)


def test_export_chosen_chats(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    lines = [
        {"chat": {"platform": p, "id": "same-id"}, "kind": "text", "text": p, "ts_ms": 1000 * i}
        for i, p in enumerate(["slack", "discord", "slack"])
    ]
    path = tmp_path / "two.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    import_files(path, format="generic-jsonl")  # minimal records: not detected, but read
    slack, discord = store.conversations()
    assert (slack.platform, slack.message_count, discord.platform, discord.message_count) == (
        Platform.SLACK,
        2,
        Platform.DISCORD,
        1,
    )
    only = exported(store, conversation_ids=[int(discord.id or 0)]).splitlines()
    assert [json.loads(line)["text"] for line in only[1:]] == ["discord"]
    with pytest.raises(NotFoundError):
        exported(store, conversation_ids=[999])


def test_export_pages_through_many_messages_at_one_time(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export, "PAGE", 3)
    times = [5, 5, 5, 5, 5, 5, 5, 6, 6, 7, 8, 8, 8]  # bursts longer than a page, and exactly a page
    lines = [
        {"chat": {"platform": "generic", "id": "c"}, "kind": "text", "text": "ok", "ts_ms": t * 1000}
        for t in times
    ]
    path = tmp_path / "burst.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    assert import_files(path, format="generic-jsonl").new == len(times)
    out = io.StringIO()
    assert export_jsonl(store, out) == len(times)
    records = [json.loads(line) for line in out.getvalue().splitlines()[1:]]
    assert [r["ts_ms"] // 1000 for r in records] == times
    with fresh_store() as (copy, folder):
        written = tmp_path / "again.jsonl"
        written.write_text(out.getvalue(), encoding="utf-8")
        assert import_into(copy, folder, written) == (len(times), len(times))
        assert keys(copy) == keys(store)


def test_a_reused_platform_id_keeps_its_identity(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    # The export reuses id 5 for a second, earlier message: the first in the file owns the id.
    lines = [
        {"chat": {"platform": "telegram", "id": "c"}, "kind": "text", "text": text, "ts_ms": ts, "id": "5"}
        for text, ts in [("original", 2000), ("reused id, earlier", 1000)]
    ]
    path = tmp_path / "reused.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    assert import_files(path, format="generic-jsonl").new == 2
    text = exported(store)
    assert [json.loads(line)["text"] for line in text.splitlines()[1:]] == ["original", "reused id, earlier"]
    again = tmp_path / "export.jsonl"
    again.write_text(text, encoding="utf-8")
    with fresh_store() as (copy, folder):
        assert import_into(copy, folder, again) == (2, 2)
        assert keys(copy) == keys(store)
        assert exported(copy) == text
    assert import_files(again).new == 0


# -- the property: export → import → export is a fixed point ---------------------------------------
TEXT = st.text(
    alphabet=st.one_of(
        st.characters(exclude_categories=["Cs"]),
        st.sampled_from(list("你好世界微信😀👍🏽\n\r\t \u200b\u3000 ")),
    ),
    max_size=24,
)
JSON_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-(2**60), 2**60), TEXT)
EXTRA = st.one_of(
    st.none(),
    st.dictionaries(
        st.text(max_size=6), st.one_of(JSON_SCALAR, st.lists(JSON_SCALAR, max_size=3)), max_size=3
    ),
)
ATTACHMENT = st.fixed_dictionaries(
    {
        "name": TEXT,
        "kind": st.sampled_from([k.value for k in MessageKind]),
        "status": st.sampled_from([s.value for s in AttachmentStatus]),
        "path": st.none() | TEXT,
        "size": st.none() | st.integers(0, 2**40),
        "sha256": st.none() | st.text("0123456789abcdef", min_size=64, max_size=64),
        "md5": st.none(),
        "mime_type": st.none() | st.sampled_from(["image/jpeg", "audio/ogg"]),
    }
)
CHAT = st.fixed_dictionaries(
    {
        "platform": st.sampled_from([p.value for p in Platform]),
        "id": st.sampled_from(["1", "g", "家人群", "C0"]),
        "title": TEXT,
        "kind": st.sampled_from([k.value for k in ConversationKind]),
    }
)
MESSAGE = st.fixed_dictionaries(
    {
        "sender": st.none()
        | st.fixed_dictionaries({"id": st.sampled_from(["u1", "u2", "张三"]), "name": st.none() | TEXT}),
        "ts_ms": st.integers(0, 4_102_444_800_000),
        "offset": st.integers(-12 * 60, 14 * 60),
        "precision": st.sampled_from([p.value for p in TimePrecision]),
        "kind": st.sampled_from([k.value for k in MessageKind]),
        "text": TEXT,
        "id": st.none() | st.integers(1, 4),
        "reply_to": st.none() | st.integers(1, 10**6).map(str),
        "forwarded_from": st.none() | TEXT,
        "edited_ts_ms": st.none() | st.integers(0, 4_102_444_800_000),
        "attachments": st.lists(ATTACHMENT, max_size=2),
        "extra": EXTRA,
    }
)
GROUP = st.tuples(
    st.integers(0, 2), MESSAGE, st.integers(1, 3)
)  # chat index, message, repeats in the same second


def canonical_lines(
    chats: list[dict[str, Any]], groups: list[tuple[int, dict[str, Any], int]]
) -> list[dict[str, Any]]:
    """Records in the canonical layout as another tool would write them: no header, and platform ids
    drawn from a small range, so some chats reuse an id for a different message."""
    from chatledger.interchange import iso_time

    records = []
    for chat_index, message, repeats in groups:
        chat = chats[chat_index % len(chats)]
        message_id = None if repeats > 1 else message["id"]  # a burst of identical messages has no ids
        record = {k: v for k, v in message.items() if k != "offset"}
        record.update(
            chat=chat,
            id=None if message_id is None else str(message_id),
            time=iso_time(message["ts_ms"], message["offset"]),
        )
        records.extend([record] * repeats)
    return records


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chats=st.lists(CHAT, min_size=1, max_size=3), groups=st.lists(GROUP, min_size=1, max_size=12))
def test_export_import_round_trip_is_lossless(
    chats: list[dict[str, Any]], groups: list[tuple[int, dict[str, Any], int]]
) -> None:
    records = canonical_lines(chats, groups)
    with fresh_store() as (first, folder1), fresh_store() as (second, folder2):
        source = folder1 / "generated.jsonl"
        source.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
        )
        assert import_into(first, folder1, source) == (len(records), len(records))  # nothing merged
        once = exported(first)
        export1 = folder2 / "export1.jsonl"
        export1.write_text(once, encoding="utf-8")
        assert import_into(second, folder2, export1) == (len(records), len(records))
        twice = exported(second)
        assert twice == once
        assert keys(second) == keys(first)
        assert import_into(first, folder1, export1) == (len(records), 0)  # re-importing adds nothing
