"""chatlab-json / chatlab-jsonl import, and export_chatlab round trips through them."""

from __future__ import annotations

import io
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from chatledger import importers
from chatledger.chatlab_export import export_chatlab
from chatledger.errors import ImportFormatError
from chatledger.importers.base import SourceFile
from chatledger.model import Message
from chatledger.store import SQLiteStore
from tests.conftest import SAMPLES, ImportFn, all_messages, conversation_records, snapshot

CHATLAB = SAMPLES / "chatlab"
GOOD = sorted(p for p in CHATLAB.glob("*.expected.json") if not p.name.startswith("bad_"))
BAD = sorted(CHATLAB.glob("bad_*.expected.json"))


def as_expected(m: Message) -> dict[str, Any]:
    return {
        "conversation": m.conversation,
        "locator": m.locator,
        "sender": m.sender,
        "sender_name": m.sender_name,
        "time_utc": datetime.fromtimestamp(m.ts_ms / 1000, UTC).isoformat(),
        "utc_offset_min": m.utc_offset_min,
        "kind": m.kind.value,
        "text": m.text,
        "platform_msg_id": m.platform_msg_id,
        "reply_to": m.reply_to,
        "extra": m.extra,
    }


@pytest.mark.parametrize("expected_file", GOOD, ids=lambda p: p.name)
def test_sample_matches_expected(expected_file: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    want = json.loads(expected_file.read_text(encoding="utf-8"))
    sample = expected_file.with_name(expected_file.name.removesuffix(".expected.json"))
    [source] = import_files(sample, tz=want["tz"]).sources
    assert source.format == want["format"]
    conversations = conversation_records(store)
    assert conversations == want["conversations"]
    participants = sorted(
        ({"platform_id": p.platform_id, "display_name": p.display_name, "aliases": sorted(p.aliases)}
         for p in store.participants()),
        key=lambda p: str(p["platform_id"]),
    )  # fmt: skip
    assert participants == want["participants"]
    assert [as_expected(m) for m in all_messages(store)] == want["messages"]


@pytest.mark.parametrize("expected_file", BAD, ids=lambda p: p.name)
def test_bad_samples_leave_archive_unchanged(
    expected_file: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    want = json.loads(expected_file.read_text(encoding="utf-8"))
    import_files(CHATLAB / "group_3p_6m.json")
    before = snapshot(store)
    sample = expected_file.with_name(expected_file.name.removesuffix(".expected.json"))
    with pytest.raises(ImportFormatError) as caught:
        import_files(sample, format=want["format"])
    assert str(caught.value) == want["error"].replace("{path}", str(sample))
    assert snapshot(store) == before


def _summary(store: SQLiteStore) -> list[tuple[Any, ...]]:
    return sorted(
        (m.conversation, m.sender, m.ts_ms, m.kind.value, m.text, m.platform_msg_id, m.reply_to)
        for m in all_messages(store)
    )


def test_round_trip(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    import_files(CHATLAB / "group_3p_6m.json")
    import_files(CHATLAB / "private_2p_2m.jsonl")
    out = io.StringIO()
    assert export_chatlab(store, out) == 8
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["_type"] for r in lines].count("header") == 2
    exported = tmp_path / "again.jsonl"
    exported.write_text(out.getvalue(), encoding="utf-8")
    fresh = SQLiteStore(tmp_path / "fresh.db")
    try:
        from chatledger.ingest import ImportOptions, import_paths

        result = import_paths(
            fresh, [exported], originals_dir=tmp_path / "o2", options=ImportOptions(zone_name="UTC")
        )
        assert result.sources[0].format == "chatlab-jsonl"
        assert _summary(fresh) == _summary(store)
        assert Counter(m.sender for m in all_messages(fresh)) == Counter(
            m.sender for m in all_messages(store)
        )
    finally:
        fresh.close()


def test_export_system_events_and_one_chat(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    path = tmp_path / "sys.jsonl"
    path.write_text(
        '{"_type":"header","chatlab":{"version":"0.0.2","exportedAt":1},"meta":{"name":"g","platform":"x","type":"group"}}\n'
        '{"_type":"message","sender":"system","accountName":"系统","timestamp":5,"type":80,"content":"joined"}\n'
        '{"_type":"message","sender":"u1","accountName":"U","timestamp":6,"type":0,"content":"hi"}\n',
        encoding="utf-8",
    )
    import_files(path)
    [chat] = store.conversations()
    assert chat.platform.value == "generic"
    assert [m.sender for m in all_messages(store)] == [None, "u1"]
    out = io.StringIO()
    export_chatlab(store, out, conversation_ids=[int(chat.id or 0)])
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    members = [r["platformId"] for r in records if r["_type"] == "member"]
    assert "system" in members and "u1" in members
    messages = [r for r in records if r["_type"] == "message"]
    assert [(r["sender"], r["type"], r["timestamp"]) for r in messages] == [("system", 80, 5), ("u1", 0, 6)]
    assert records.index(messages[0]) > max(i for i, r in enumerate(records) if r["_type"] == "member")


def test_message_before_header(tmp_path: Path, import_files: ImportFn) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text(
        '{"_type":"header","chatlab":{"version":"0.0.2"},"meta":{"name":"g","platform":"qq","type":"group"}}\n'
        '{"_type":"reaction","x":1}\n',
        encoding="utf-8",
    )
    with pytest.raises(ImportFormatError) as caught:
        import_files(path)
    assert str(caught.value) == (
        f"{path}, line 2: field '_type': expected 'header', 'member' or 'message', found 'reaction'."
    )


def test_truncated_json(tmp_path: Path, import_files: ImportFn) -> None:
    text = (CHATLAB / "group_3p_6m.json").read_text(encoding="utf-8")
    path = tmp_path / "cut.json"
    path.write_text(text[: text.index('"m2"')], encoding="utf-8")
    with pytest.raises(ImportFormatError, match="expected valid JSON"):
        import_files(path, format="chatlab-json")


@pytest.mark.parametrize(
    ("name", "content", "json_score", "jsonl_score"),
    [
        ("a.json", '{"chatlab": {"version": "0.0.2"}, "meta": {}}', 0.95, 0.0),
        ("a.jsonl", '{"_type":"header","chatlab":{"version":"0.0.2"}}\n', 0.0, 0.95),
        ("a.json", '{"name": "x", "type": "personal_chat", "id": 1, "messages": []}', 0.0, 0.0),
        ("a.jsonl", '{"chat": {"platform": "qq"}}\n', 0.0, 0.0),
    ],
)
def test_sniff(tmp_path: Path, name: str, content: str, json_score: float, jsonl_score: float) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    source = SourceFile(path)
    scores = (importers.get("chatlab-json").sniff(source), importers.get("chatlab-jsonl").sniff(source))
    assert scores == (json_score, jsonl_score)
