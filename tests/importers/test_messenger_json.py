"""messenger-json / instagram-json: Meta "Download your information" message_N.json, mojibake repaired."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from chatledger import importers
from chatledger.errors import ImportFormatError
from chatledger.importers.base import SourceFile
from chatledger.importers.messenger_json import repair
from chatledger.model import AttachmentStatus, ConversationKind, Message, MessageKind
from chatledger.store import SQLiteStore
from tests.conftest import SAMPLES, ImportFn, all_messages, conversation_records, shared_sample, snapshot

SAMPLE_DIR = SAMPLES / "messenger"
CLUB = SAMPLE_DIR / "messages" / "inbox" / "club_123"


def project(message: Message, keys: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "conversation": message.conversation,
        "sender": message.sender,
        "sender_name": message.sender_name,
        "time_utc": datetime.fromtimestamp(message.ts_ms / 1000, UTC).isoformat(),
        "utc_offset_min": message.utc_offset_min,
        "kind": message.kind.value,
        "text": message.text,
        "platform_msg_id": message.platform_msg_id,
        "reply_to": message.reply_to,
        "locator": message.locator,
        "precision": message.precision.value,
        "attachments": [[a.kind.value, a.status.value, a.name] for a in message.attachments],
    }
    return {k: values[k] for k in keys}


@pytest.mark.parametrize(
    "expected_file",
    sorted(p for p in SAMPLE_DIR.rglob("*.expected.json") if not p.name.startswith("bad_")),
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


def test_repair_rules() -> None:
    assert repair("\u00c3\u0081gnes") == "Ágnes"
    assert repair("\u00f0\u009f\u0098\u0082") == "😂"
    assert repair("café") == "café"  # é alone is not UTF-8: left as it is
    assert repair("already ✓ fine é") == "already ✓ fine é"  # a character above U+00FF: not mojibake
    assert repair("plain") == "plain"


def test_club_details_repaired_and_media_hashed(store: SQLiteStore, import_files: ImportFn) -> None:
    import_files(CLUB / "message_1.json", CLUB / "message_2.json")
    messages = all_messages(store)
    first_text = next(m for m in messages if m.text.startswith("café"))
    assert (first_text.sender, first_text.text) == ("Ágnes", "café? 😂")
    # the mojibake original is in the kept file at the locator, not copied; false flags are dropped
    assert first_text.extra == {"reactions": [{"reaction": "❤", "actor": "Zoë"}]}
    assert sum(s.meta["meta_mojibake_repaired"] for s in store.sources()) == 5
    photo = next(m for m in messages if m.kind is MessageKind.IMAGE)
    (attachment,) = photo.attachments
    assert attachment.status is AttachmentStatus.PRESENT
    assert attachment.sha256 == "3aeb7a90b4a14f6efdcdb1a9574366522d0ebc963950dba1d6d992bab6865293"
    call = next(m for m in messages if m.kind is MessageKind.CALL)
    assert call.extra == {"call_duration": 125}
    (chat,) = store.conversations()
    assert chat.kind is ConversationKind.GROUP


def test_parts_imported_in_separate_runs_fill_one_chat(store: SQLiteStore, import_files: ImportFn) -> None:
    import_files(CLUB / "message_2.json")
    import_files(CLUB / "message_1.json")
    (chat,) = store.conversations()
    assert (chat.platform_id, chat.message_count) == ("inbox/club_123", 8)


def test_chat_analytics_fixture(store: SQLiteStore, import_files: ImportFn) -> None:
    result = import_files(shared_sample("messenger/facebook_messenger__chat-analytics_2A_7M.json"))
    assert result.sources[0].format == "messenger-json"
    (chat,) = store.conversations()
    assert (chat.platform_id, chat.title, chat.kind, chat.message_count) == (
        "inbox/alice_aaaaaaaaaa",
        "Alice",
        ConversationKind.DIRECT,
        7,
    )
    messages = all_messages(store)  # time order: the file's last message first
    assert [(m.sender, m.kind, m.locator) for m in messages] == [
        ("Bob", MessageKind.IMAGE, "$.messages[6]"),
        ("Bob", MessageKind.STICKER, "$.messages[5]"),
        ("Alice", MessageKind.VOICE, "$.messages[4]"),
        ("Bob", MessageKind.FILE, "$.messages[3]"),
        ("Bob", MessageKind.TEXT, "$.messages[2]"),
        ("Bob", MessageKind.TEXT, "$.messages[1]"),
        ("Alice", MessageKind.TEXT, "$.messages[0]"),
    ]
    assert [m.ts_ms for m in messages][-1] == 1415147732056
    assert messages[-1].text == "Hello"
    for message in messages:  # test-only *_INTERNAL keys are not evidence of anything: dropped
        assert "INTERNAL" not in json.dumps(message.extra or {})
    file_message = messages[3]
    assert file_message.extra == {"ip": "1.1.1.1"}
    (attachment,) = file_message.attachments
    assert (attachment.name, attachment.status) == ("blabla.docx", AttachmentStatus.MISSING)


def test_instagram_is_chosen_by_path_or_forced(tmp_path: Path) -> None:
    body = '{"participants": [{"name": "a"}], "messages": [{"sender_name": "a", "timestamp_ms": 1, "content": "x"}]}'
    plain = tmp_path / "message_1.json"
    plain.write_text(body)
    assert importers.detect(SourceFile(plain)).name == "messenger-json"
    insta = tmp_path / "your_instagram_activity" / "messages" / "message_1.json"
    insta.parent.mkdir(parents=True)
    insta.write_text(body)
    assert importers.detect(SourceFile(insta)).name == "instagram-json"


def test_unnamed_thread_is_named_by_its_folder(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    path = tmp_path / "ana_42" / "message_1.json"
    path.parent.mkdir()
    path.write_text('{"messages": [{"sender_name": "Ana", "timestamp_ms": 1700000000000, "content": "hi"}]}')
    result = import_files(path, format="messenger-json")
    (chat,) = store.conversations()
    assert chat.platform_id == "ana_42"
    assert any("no 'thread_path'" in w for w in result.sources[0].warnings)


# -- malformed input: exact error, archive unchanged ----------------------------------------------
BAD = {
    "bad_timestamp.json": (
        "$.messages[1]: field 'timestamp_ms': expected epoch milliseconds such as 1700000000123, "
        "found 'yesterday'."
    ),
    "bad_truncated.json": (
        'line 5 (byte 223): expected valid JSON, found \'9990000, "content": "cut\'. '
        "The JSON parser reports: parse error: premature EOF. The file is damaged or cut short."
    ),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_samples(name: str, store: SQLiteStore, import_files: ImportFn) -> None:
    import_files(CLUB / "message_1.json")
    before = snapshot(store)
    bad = SAMPLE_DIR / name
    with pytest.raises(ImportFormatError) as caught:
        import_files(bad, format="messenger-json")
    assert str(caught.value) == f"{bad}, {BAD[name]}"
    assert snapshot(store) == before


def test_not_an_object(tmp_path: Path, import_files: ImportFn) -> None:
    path = tmp_path / "message_1.json"
    path.write_text("[]")
    with pytest.raises(
        ImportFormatError, match=r"\$: expected a JSON object with 'messages', found 'a JSON list'"
    ):
        import_files(path, format="messenger-json")


def test_keys_after_the_messages_name_the_chat_even_with_brackets_in_strings(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    """The chat is named by ``thread_path`` written after ``messages``; look-alikes in texts do not fool it."""
    decoy = '], "thread_path": "inbox/decoy"}'
    messages = [
        {"sender_name": "Ana", "timestamp_ms": 1700000000000 + i, "content": decoy, "photos": []}
        for i in range(3000)  # more than the 64 KiB tail, so the array starts before it
    ]
    data = {
        "participants": [{"name": "Ana"}, {"name": "Luis"}],
        "messages": messages,
        "title": "Ana [work]",
        "is_still_participant": True,
        "thread_path": "inbox/ana_7",
        "magic_words": [],
    }
    path = tmp_path / "message_1.json"
    path.write_text(json.dumps(data, indent=2))
    result = import_files(path, format="messenger-json")
    (chat,) = store.conversations()
    assert (chat.platform_id, chat.title) == ("inbox/ana_7", "Ana [work]")
    assert result.sources[0].new == 3000


def test_messages_not_a_list(tmp_path: Path, import_files: ImportFn) -> None:
    path = tmp_path / "message_1.json"
    path.write_text('{"participants": [], "messages": {"a": 1}}')
    with pytest.raises(
        ImportFormatError, match=r"\$: field 'messages': expected a list of messages, found 'a JSON object'"
    ):
        import_files(path, format="messenger-json")


def test_bytes_that_are_not_utf8(tmp_path: Path, import_files: ImportFn) -> None:
    path = tmp_path / "message_1.json"
    path.write_bytes(b'{"participants": [],\n "messages": [{"sender_name": "\xff\xfe", "timestamp_ms": 1}]}')
    with pytest.raises(ImportFormatError) as caught:
        import_files(path, format="messenger-json")
    assert str(caught.value).startswith(f"{path}, near line 2 (byte 77): expected valid JSON, found '")
    assert "The JSON parser reports: lexical error: invalid bytes in UTF8 string." in str(caught.value)
