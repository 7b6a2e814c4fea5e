"""discord-dce-json: DiscordChatExporter JSON, streamed; parts of one channel fill one conversation."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from chatledger import importers
from chatledger.errors import ImportFormatError
from chatledger.importers.base import SourceFile
from chatledger.model import AttachmentStatus, ConversationKind, Message, MessageKind
from chatledger.store import SQLiteStore
from tests.conftest import SAMPLES, ImportFn, all_messages, conversation_records, shared_sample, snapshot

SAMPLE_DIR = SAMPLES / "discord"
PART1 = SAMPLE_DIR / "general [part 1].json"
PART2 = SAMPLE_DIR / "general [part 2].json"


def iso(ms: int | None) -> str | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC).isoformat()


def project(message: Message, keys: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "conversation": message.conversation,
        "sender": message.sender,
        "sender_name": message.sender_name,
        "time_utc": iso(message.ts_ms),
        "utc_offset_min": message.utc_offset_min,
        "kind": message.kind.value,
        "text": message.text,
        "platform_msg_id": message.platform_msg_id,
        "reply_to": message.reply_to,
        "edited_utc": iso(message.edited_ts_ms),
        "locator": message.locator,
        "attachments": [[a.kind.value, a.status.value, a.name] for a in message.attachments],
    }
    return {k: values[k] for k in keys}


@pytest.mark.parametrize(
    "expected_file",
    sorted(p for p in SAMPLE_DIR.glob("*.expected.json") if not p.name.startswith("bad_")),
    ids=lambda p: p.name,
)
def test_sample_matches_expected(expected_file: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    sample = expected_file.with_name(expected_file.name.removesuffix(".expected.json"))
    more = [sample.with_name(name) for name in expected.get("also_import", [])]
    result = import_files(sample, *more, tz=expected["tz"])
    assert {s.format for s in result.sources} == {expected["format"]}
    assert conversation_records(store) == expected["conversations"]
    assert sorted(p.platform_id for p in store.participants()) == expected["participants"]
    keys = list(expected["messages"][0])
    assert [project(m, keys) for m in all_messages(store)] == expected["messages"]


def test_sample_details(store: SQLiteStore, import_files: ImportFn) -> None:
    result = import_files(PART1, PART2)
    messages = all_messages(store)
    first = messages[0]
    (attachment,) = first.attachments
    assert (attachment.status, attachment.size, attachment.sha256) == (
        AttachmentStatus.PRESENT,
        6,
        "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03",
    )
    # reactions without emoji image URLs and user objects; empty and false fields left out
    assert first.extra == {"reactions": [{"count": 2, "emoji": "👍"}]}
    assert first.sent_at.isoformat() == "2024-01-01T10:00:00+01:00"
    join = messages[2]
    assert join.extra is not None
    assert (join.extra["actor_id"], join.extra["actor"]) == ("903", "zoe")
    # the last message's snowflake says 09:00:00.007 UTC, its timestamp 09:03:00 UTC
    warnings = result.sources[1].warnings
    assert any(w.startswith("$.messages[1]: snowflake 1191304809706160128 was created") for w in warnings)
    assert result.sources[0].warnings == []
    names = {p.platform_id: (p.display_name, p.aliases) for p in store.participants()}
    assert names == {"901": ("Ana", ("Ana", "ana")), "902": ("luis", ("luis",))}


def test_reimport_of_a_changed_copy_adds_nothing(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    import_files(PART1, PART2)
    copy = tmp_path / PART2.name
    copy.write_bytes(PART2.read_bytes() + b"\n")  # other bytes, same messages: keyed by snowflake
    again = import_files(copy)
    assert (again.messages, again.new) == (2, 0)


def test_chat_analytics_direct_messages(store: SQLiteStore, import_files: ImportFn) -> None:
    result = import_files(shared_sample("discord/dce_json__chat-analytics_DM_2A_2M.json"))
    (chat,) = store.conversations()
    assert (chat.platform_id, chat.title, chat.kind) == (
        "530805775262679064",
        "Someones name",
        ConversationKind.DIRECT,
    )
    messages = all_messages(store)
    assert [(m.platform_msg_id, m.kind, m.sender_name) for m in messages] == [
        ("530805779645595660", MessageKind.TEXT, "mlomb"),
        ("538148765782114306", MessageKind.TEXT, "Someones nickname"),
        ("100", MessageKind.CALL, "Someones nickname"),
    ]
    call = messages[2]
    assert call.extra is not None
    assert call.extra["call_ended_ms"] - call.ts_ms == 15098421  # 17:03:14.366 to 21:14:52.787
    assert call.ts_ms == 1595005394366
    # "100" is no real snowflake time: the file's own timestamp is kept and the mismatch reported
    assert any("snowflake 100 was created 2015-01-01" in w for w in result.sources[0].warnings)


def test_chat_analytics_group_and_server(store: SQLiteStore, import_files: ImportFn) -> None:
    import_files(
        shared_sample("discord/dce_json__chat-analytics_GC_3A_5M.json"),
        shared_sample("discord/dce_json__chat-analytics_SV_5A_5M.json"),
    )
    chats = {c.platform_id: (c.title, c.kind, c.message_count) for c in store.conversations()}
    assert chats == {
        "1064990764406419508": ("a group chat", ConversationKind.GROUP, 6),
        "253601524398293010": ("DefleMask #general-chiptune", ConversationKind.CHANNEL, 5),
    }
    group = [m for m in all_messages(store) if m.conversation == "1064990764406419508"]
    assert [m.kind for m in group].count(MessageKind.SYSTEM) == 2
    reply = next(m for m in group if m.reply_to is not None)
    assert reply.reply_to == "1064990824305274930"


def test_reordered_keys_are_prescanned(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    data = json.loads(PART2.read_text(encoding="utf-8"))
    reordered = {"messages": data["messages"], "channel": data["channel"], "guild": data["guild"]}
    path = tmp_path / "sorted.json"
    path.write_text(json.dumps(reordered), encoding="utf-8")
    import_files(path, format="discord-dce-json")
    (chat,) = store.conversations()
    assert (chat.platform_id, chat.message_count) == ("222", 2)


def test_user_objects_in_extra_become_ids(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    data = json.loads(PART2.read_text(encoding="utf-8"))
    user = {"id": "904", "name": "mia", "nickname": "Mia", "avatarUrl": "https://cdn.example/mia.png"}
    data["messages"][0] |= {
        "mentions": [user],
        "reactions": [{"emoji": {"id": "77", "name": "party", "imageUrl": "https://cdn.example/77.png"},
                       "count": 1, "users": [user]}],
        "isPinned": False,
        "embeds": [{"title": "a link", "url": "https://example.com"}],
    }  # fmt: skip
    path = tmp_path / "users.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    import_files(path, format="discord-dce-json")
    first = all_messages(store)[0]
    assert first.extra is not None
    assert first.extra["mentions"] == ["904"]
    assert first.extra["reactions"] == [{"count": 1, "emoji": "party", "emoji_id": "77", "users": ["904"]}]
    assert first.extra["embeds"] == [{"title": "a link", "url": "https://example.com"}]
    assert "isPinned" not in first.extra


def test_media_missing_beside_a_copy(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    copy = tmp_path / PART1.name
    shutil.copy(PART1, copy)
    import_files(copy)
    first = all_messages(store)[0]
    assert first.attachments[0].status is AttachmentStatus.MISSING


def test_sniff() -> None:
    discord = importers.get("discord-dce-json")
    assert discord.sniff(SourceFile(PART1)) >= 0.9
    assert importers.detect(SourceFile(PART1)).name == "discord-dce-json"
    telegram_sample = SAMPLES / "telegram" / "single_chat_2p_2m__chat-miner.json"
    assert discord.sniff(SourceFile(telegram_sample)) == 0.0


# -- malformed input: exact error, archive unchanged ----------------------------------------------
def test_bad_naive_timestamp(store: SQLiteStore, import_files: ImportFn) -> None:
    import_files(PART1)
    before = snapshot(store)
    bad = SAMPLE_DIR / "bad_naive_timestamp.json"
    with pytest.raises(ImportFormatError) as caught:
        import_files(bad)
    assert str(caught.value) == (
        f"{bad}, $.messages[0]: field 'timestamp': expected an ISO 8601 time with offset such as "
        "2024-01-01T10:00:00.123+01:00, found '2024-01-01 10:00'."
    )
    assert snapshot(store) == before


def test_bad_json(store: SQLiteStore, import_files: ImportFn) -> None:
    import_files(PART1)
    before = snapshot(store)
    bad = SAMPLE_DIR / "bad_json.json"
    raw = bad.read_bytes()
    at = raw.index(b",,") + 1  # the second comma is the first byte that is not JSON
    with pytest.raises(ImportFormatError) as caught:
        import_files(bad)
    message = str(caught.value)
    assert message.startswith(f"{bad}, line 6 (byte {at}), in $.messages[1]: expected valid JSON, found ")
    assert snapshot(store) == before


def test_command_replies_are_text_and_embed_only_posts_are_searchable(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    data = json.loads(PART2.read_text(encoding="utf-8"))
    first, second = data["messages"][:2]
    first |= {"type": "20", "content": "Pong! 42 ms"}
    embed = {
        "title": "Build #7 failed",
        "description": "tests red",
        "fields": [{"name": "branch", "value": "main"}],
    }
    second |= {"type": "Default", "content": "", "attachments": [], "embeds": [embed]}
    data["messages"] = [first, second]
    path = tmp_path / "bot.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    import_files(path, format="discord-dce-json")
    command, post = all_messages(store)
    assert (command.kind, command.text) == (MessageKind.TEXT, "Pong! 42 ms")
    assert command.extra is not None and command.extra["type"] == "20"
    assert (post.kind, post.text) == (MessageKind.TEXT, "Build #7 failed\ntests red\nbranch: main")
    assert post.extra is not None and post.extra["text_from"] == "embeds"
