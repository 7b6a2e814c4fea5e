"""telegram-json: Telegram Desktop's result.json (single chat and whole account), streamed."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import ijson
import pytest

from chatledger import importers
from chatledger.errors import ImportFormatError
from chatledger.importers import telegram_json
from chatledger.importers._shared import jsonstream
from chatledger.importers._shared.jsonstream import JsonStream
from chatledger.importers.base import ImportContext, SourceFile
from chatledger.model import AttachmentStatus, ConversationKind, Message, MessageKind
from chatledger.store import SQLiteStore
from tests.conftest import SAMPLES, ImportFn, all_messages, conversation_records, shared_sample, snapshot
from tests.importers._zips import write_unflagged_zip

SAMPLE_DIR = SAMPLES / "telegram"
NOT_INCLUDED = "(File not included. Change data exporting settings to download.)"


def utc(message: Message) -> str:
    return datetime.fromtimestamp(message.ts_ms / 1000, UTC).isoformat()


def write(path: Path, export: dict[str, Any] | str | bytes) -> Path:
    if isinstance(export, dict):
        export = json.dumps(export, ensure_ascii=False, indent=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(export if isinstance(export, bytes) else export.encode("utf-8"))
    return path


def chat(name: str, chat_type: str, chat_id: int, messages: list[dict[str, Any]]) -> dict[str, Any]:
    return {"name": name, "type": chat_type, "id": chat_id, "messages": messages}


def msg(
    message_id: int, unixtime: int, local: str, sender: str | None, sender_id: str, text: Any, **more: Any
) -> dict[str, Any]:
    return {
        "id": message_id,
        "type": "message",
        "date": local,
        "date_unixtime": str(unixtime),
        "from": sender,
        "from_id": sender_id,
        "text": text,
        **more,
    }


# -- the copied samples, against their .expected.json ---------------------------------------------
@pytest.mark.parametrize(
    "expected_file", sorted(SAMPLE_DIR.glob("[!b]*.expected.json")), ids=lambda p: p.name
)  # bad_* samples: tests/test_registry.py
def test_sample_matches_expected(expected_file: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    sample = expected_file.with_name(expected_file.name.removesuffix(".expected.json"))
    result = import_files(sample, tz=expected["tz"])
    assert result.sources[0].format == expected["format"]
    assert conversation_records(store) == expected["conversations"]
    assert sorted(p.platform_id for p in store.participants()) == expected["participants"]
    got = [
        {
            "conversation": m.conversation,
            "sender": m.sender,
            "sender_name": m.sender_name,
            "time_utc": utc(m),
            "utc_offset_min": m.utc_offset_min,
            "kind": m.kind.value,
            "text": m.text,
            "platform_msg_id": m.platform_msg_id,
            "reply_to": m.reply_to,
            "locator": m.locator,
        }
        for m in all_messages(store)
    ]
    assert got == expected["messages"]


def test_chat_miner_sample_agrees_with_chat_miners_own_target(
    store: SQLiteStore, import_files: ImportFn
) -> None:
    # chat-miner's test/telegram/target.json lists the two messages at 11:39:10 and 11:49:24 local (UTC+1).
    import_files(SAMPLE_DIR / "single_chat_2p_2m__chat-miner.json", tz="Europe/Berlin")
    local = [m.sent_at.strftime("%Y-%m-%dT%H:%M:%S") for m in all_messages(store)]
    assert local == ["2018-12-05T11:39:10", "2018-12-05T11:49:24"]


def test_chat_analytics_direct_chat(store: SQLiteStore, import_files: ImportFn) -> None:
    result = import_files(shared_sample("telegram/personal_chat__chat-analytics_DM_2A_7M.json"), tz="UTC")
    assert (result.messages, result.new) == (8, 8)
    (conversation,) = store.conversations()
    assert (conversation.platform_id, conversation.title, conversation.kind) == (
        "user700000000",
        "Bob",
        ConversationKind.DIRECT,
    )
    names = {p.platform_id: p.display_name for p in store.participants()}
    assert names == {"user700000000": "Bob", "user300000000": "Alice"}
    messages = all_messages(store)
    assert [m.platform_msg_id for m in messages] == [
        "2675",
        "3644",
        "3645",
        "3662",
        "3663",
        "3672",
        "3673",
        "3674",
    ]
    assert [m.kind for m in messages] == [
        MessageKind.SYSTEM,
        MessageKind.TEXT,
        MessageKind.TEXT,
        MessageKind.TEXT,
        MessageKind.TEXT,
        MessageKind.IMAGE,
        MessageKind.IMAGE,
        MessageKind.CALL,
    ]
    assert [m.sender for m in messages] == [
        None,
        "user700000000",
        "user300000000",
        "user700000000",
        "user300000000",
        "user300000000",
        "user300000000",
        "user300000000",  # the caller
    ]
    # first three have only "date" (read in --tz UTC), the rest "date_unixtime"
    assert [utc(m) for m in messages] == [
        "2019-07-05T16:55:32+00:00",
        "2019-07-12T16:55:32+00:00",
        "2022-03-08T13:07:42+00:00",
        "2022-05-09T22:23:53+00:00",
        "2022-05-09T23:26:09+00:00",
        "2022-06-10T22:06:38+00:00",
        "2022-06-10T22:06:39+00:00",
        "2023-08-11T02:11:02+00:00",
    ]
    assert messages[1].text == "https://google.com 👀"
    assert [m.text for m in messages[2:5]] == ["hello world", "world?", "blah blah"]
    joined, call = messages[0], messages[-1]
    assert joined.text == "Bob: joined_telegram"
    assert joined.extra == {"actor": "Bob", "actor_id": "user700000000", "action": "joined_telegram"}
    assert call.text == "Alice: phone_call (56 s; hangup)"
    assert call.extra is not None and call.extra["duration_seconds"] == 56
    assert call.extra["discard_reason"] == "hangup"
    # 'date' 2023-08-10T23:11:02 is 'date_unixtime' 02:11:02 UTC seen from UTC-3
    assert call.utc_offset_min == -180
    assert call.sent_at.isoformat() == "2023-08-10T23:11:02-03:00"
    for photo in messages[5:7]:
        (attachment,) = photo.attachments
        assert (attachment.kind, attachment.status, attachment.path) == (
            MessageKind.IMAGE,
            AttachmentStatus.NOT_EXPORTED,
            None,
        )
    assert [m.locator for m in messages] == [f"$.messages[{i}]" for i in range(8)]


def test_chat_analytics_date_only_messages_use_the_assumed_zone(
    store: SQLiteStore, import_files: ImportFn
) -> None:
    import_files(
        shared_sample("telegram/personal_chat__chat-analytics_DM_2A_7M.json"),
        tz="America/Argentina/Buenos_Aires",
    )
    first = all_messages(store)[0]
    assert (utc(first), first.utc_offset_min) == ("2019-07-05T19:55:32+00:00", -180)


# -- whole-account export -------------------------------------------------------------------------
def account_export() -> dict[str, Any]:
    """Two chats whose bare ids coincide (a user and a channel), a left group, and the owner's id."""
    return {
        "about": "Here is the data you requested.",
        "personal_information": {"user_id": 111, "first_name": "Me", "last_name": "", "phone_number": "+1"},
        "contacts": {"about": "", "list": [{"first_name": "Ana", "date": "2020-01-01T00:00:00"}]},
        "chats": {
            "about": "",
            "list": [
                chat(
                    "Ana",
                    "personal_chat",
                    222,
                    [
                        msg(1, 1709287200, "2024-03-01T11:00:00", "Ana", "user222", "hi"),
                        msg(
                            2,
                            1709287260,
                            "2024-03-01T11:01:00",
                            "Me",
                            "user111",
                            "hello",
                            reply_to_message_id=1,
                        ),
                    ],
                ),
                chat(
                    "News",
                    "public_channel",
                    222,
                    [
                        {
                            "id": 1,
                            "type": "service",
                            "date": "2024-03-01T11:02:00",
                            "date_unixtime": "1709287320",
                            "actor": "News",
                            "actor_id": "channel222",
                            "action": "create_channel",
                            "title": "News",
                            "text": "",
                        },
                        msg(
                            2,
                            1709287380,
                            "2024-03-01T11:03:00",
                            "News",
                            "channel222",
                            "post",
                            edited="2024-03-01T13:00:00",
                            edited_unixtime="1709294400",
                        ),
                    ],
                ),
            ],
        },
        "left_chats": {
            "about": "",
            "list": [
                chat(
                    "Old group",
                    "private_group",
                    333,
                    [msg(1, 1709287200, "2024-03-01T11:00:00", None, "user444", "bye")],
                )
            ],
        },
    }


def test_account_export_with_two_chats(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    path = write(tmp_path / "DataExport" / "result.json", account_export())
    result = import_files(path)
    assert (result.messages, result.new) == (5, 5)
    chats = {c.platform_id: c for c in store.conversations()}
    assert {k: (c.title, c.kind, c.message_count) for k, c in chats.items()} == {
        "user222": ("Ana", ConversationKind.DIRECT, 2),
        "channel222": ("News", ConversationKind.CHANNEL, 2),
        "chat333": ("Old group", ConversationKind.GROUP, 1),
    }
    by_locator = {m.locator: m for m in all_messages(store)}
    assert sorted(by_locator) == [
        "$.chats.list[0].messages[0]",
        "$.chats.list[0].messages[1]",
        "$.chats.list[1].messages[0]",
        "$.chats.list[1].messages[1]",
        "$.left_chats.list[0].messages[0]",
    ]
    hi, hello = by_locator["$.chats.list[0].messages[0]"], by_locator["$.chats.list[0].messages[1]"]
    assert (hi.platform_msg_id, hello.platform_msg_id, hello.reply_to) == ("1", "2", "1")
    assert (utc(hi), hi.utc_offset_min) == ("2024-03-01T10:00:00+00:00", 60)
    created = by_locator["$.chats.list[1].messages[0]"]
    assert (created.kind, created.sender, created.platform_msg_id) == (MessageKind.SYSTEM, None, "1")
    assert created.text == 'News: create_channel ("News")'
    post = by_locator["$.chats.list[1].messages[1]"]
    assert post.edited_ts_ms == 1709294400 * 1000
    deleted = by_locator["$.left_chats.list[0].messages[0]"]
    assert (deleted.sender, deleted.sender_name) == ("user444", "Deleted Account")
    me = {p.platform_id: p for p in store.participants()}["user111"]
    assert me.is_self is True


def test_reordered_keys_give_the_same_chats_and_identities(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    import_files(write(tmp_path / "a" / "result.json", account_export()))
    before = {(c.platform_id, c.title, c.kind) for c in store.conversations()}
    # jq -S style: every object's keys sorted, so "messages" comes before "name" and "type"
    resorted = json.dumps(account_export(), sort_keys=True, ensure_ascii=False)
    assert resorted.index('"messages"') < resorted.index('"name": "Ana"')
    result = import_files(write(tmp_path / "b" / "result.json", resorted))
    assert (result.messages, result.new) == (5, 0)
    assert {(c.platform_id, c.title, c.kind) for c in store.conversations()} == before


@pytest.mark.parametrize(
    ("name", "streamed_in_c"),
    [
        ("tests:single_chat_2p_2m__chat-miner.json", False),  # no id or name: the walker
        ("generated", True),  # id, type and name before the messages: ijson.items
        ("telegram/single_chat__chat-miner.json", False),
        ("telegram/personal_chat__chat-analytics_DM_2A_7M.json", True),
    ],
)
def test_one_chat_reads_the_same_as_inside_an_account_export(
    name: str, streamed_in_c: bool, tmp_path: Path
) -> None:
    """A one-chat file is read by ``ijson.items``, an account export by the event walker: same messages."""
    if name.startswith("tests:"):
        sample = SAMPLE_DIR / name.removeprefix("tests:")
    elif name == "generated":
        sample = write(tmp_path / "one" / "result.json", account_export()["chats"]["list"][0])
    else:
        sample = shared_sample(name)
    ctx = ImportContext(zone=ZoneInfo("UTC"), zone_name="UTC", options={})
    assert (telegram_json._Reader(SourceFile(sample), ctx)._single_chat() is not None) is streamed_in_c
    chat = json.loads(sample.read_text(encoding="utf-8"))
    account = write(tmp_path / "result.json", {"about": "x", "chats": {"about": "y", "list": [chat]}})

    def messages(path: Path) -> list[Message]:
        ctx = ImportContext(zone=ZoneInfo("Europe/Berlin"), zone_name="Europe/Berlin", options={})
        found = [
            i for i in importers.get("telegram-json").parse(SourceFile(path), ctx) if isinstance(i, Message)
        ]
        return [dataclasses.replace(m, conversation="", locator=m.locator.rsplit(".", 1)[-1]) for m in found]

    one_chat = messages(sample)
    assert len(one_chat) >= 2
    assert one_chat == messages(account)


def test_old_export_without_unixtime_uses_the_assumed_zone(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    export = chat(
        "Daan",
        "personal_chat",
        5,
        [
            {
                "id": 1,
                "type": "message",
                "date": "2019-05-31T21:28:30",
                "from": "Daan",
                "from_id": 123456,
                "text": "x",
            }
        ],
    )
    import_files(write(tmp_path / "result.json", export), tz="Asia/Shanghai")
    (message,) = all_messages(store)
    assert (utc(message), message.utc_offset_min) == ("2019-05-31T13:28:30+00:00", 480)
    assert (message.sender, message.sender_name) == ("user123456", "Daan")


def test_old_export_epoch_edited_means_never_edited(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    # 2019 exports write "edited" on every message: the epoch in the PC's zone when it was never edited
    old = {"type": "message", "from": "Daan", "from_id": 123456, "text": "x"}
    export = chat(
        "Daan",
        "personal_chat",
        5,
        [
            {**old, "id": 1, "date": "2019-05-31T21:28:30", "edited": "1970-01-01T08:00:00"},
            {**old, "id": 2, "date": "2019-05-31T21:29:30", "edited": "2019-05-31T21:40:00"},
        ],
    )
    import_files(write(tmp_path / "result.json", export), tz="Asia/Shanghai")
    never, edited = all_messages(store)
    assert never.edited_ts_ms is None
    assert edited.edited_ts_ms == int(datetime(2019, 5, 31, 13, 40, tzinfo=UTC).timestamp()) * 1000


# -- content --------------------------------------------------------------------------------------
def test_media_beside_the_file(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    folder = tmp_path / "ChatExport_2024-03-01"
    (folder / "photos").mkdir(parents=True)
    (folder / "photos" / "photo_1.jpg").write_bytes(b"JPEG-BYTES")
    (folder / "stickers").mkdir()
    (folder / "stickers" / "s.webp").write_bytes(b"WEBP")
    (tmp_path / "outside.txt").write_bytes(b"secret")
    base = {"from": "Ana", "from_id": "user222", "text": ""}
    messages = [
        msg(1, 1709287200, "2024-03-01T10:00:00", "Ana", "user222", "look", photo="photos/photo_1.jpg"),
        msg(
            2,
            1709287260,
            "2024-03-01T10:01:00",
            "Ana",
            "user222",
            "",
            file="files/report.pdf",
            file_name="report.pdf",
            mime_type="application/pdf",
        ),
        msg(
            3,
            1709287320,
            "2024-03-01T10:02:00",
            "Ana",
            "user222",
            "",
            file=NOT_INCLUDED,
            media_type="voice_message",
            mime_type="audio/ogg",
            duration_seconds=3,
        ),
        msg(
            4,
            1709287380,
            "2024-03-01T10:03:00",
            "Ana",
            "user222",
            "",
            file="stickers/s.webp",
            media_type="sticker",
            sticker_emoji="😀",
        ),
        msg(5, 1709294400, "2024-03-01T12:00:00", "Ana", "user222", "", file="../outside.txt"),
    ]
    assert all(m.keys() >= base.keys() for m in messages)
    result = import_files(write(folder / "result.json", chat("Ana", "personal_chat", 222, messages)))
    got = {m.platform_msg_id: m for m in all_messages(store)}
    assert [got[i].kind for i in "12345"] == [
        MessageKind.IMAGE,
        MessageKind.FILE,
        MessageKind.VOICE,
        MessageKind.STICKER,
        MessageKind.FILE,
    ]
    (photo,) = got["1"].attachments
    assert (photo.status, photo.path, photo.name, photo.size) == (
        AttachmentStatus.PRESENT,
        "photos/photo_1.jpg",
        "photo_1.jpg",
        10,
    )
    assert photo.sha256 == hashlib.sha256(b"JPEG-BYTES").hexdigest()
    assert photo.md5 == hashlib.md5(b"JPEG-BYTES").hexdigest()
    assert got["1"].text == "look"
    (pdf,) = got["2"].attachments
    assert (pdf.status, pdf.path, pdf.name, pdf.mime_type, pdf.sha256) == (
        AttachmentStatus.MISSING,
        "files/report.pdf",
        "report.pdf",
        "application/pdf",
        None,
    )
    (voice,) = got["3"].attachments
    assert (voice.status, voice.kind, voice.path) == (AttachmentStatus.NOT_EXPORTED, MessageKind.VOICE, None)
    (sticker,) = got["4"].attachments
    assert (
        sticker.status is AttachmentStatus.PRESENT and sticker.sha256 == hashlib.sha256(b"WEBP").hexdigest()
    )
    assert got["4"].extra == {"media_type": "sticker", "sticker_emoji": "😀"}
    (outside,) = got["5"].attachments
    assert outside.status is AttachmentStatus.MISSING and outside.sha256 is None
    assert any("leaves the export folder" in w for w in result.sources[0].warnings)


def test_media_inside_a_zip(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    export = chat(
        "Ana",
        "personal_chat",
        222,
        [msg(1, 1709287200, "2024-03-01T10:00:00", "Ana", "user222", "", photo="photos/p.jpg")],
    )
    archive = tmp_path / "ChatExport.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("ChatExport_2024-03-01/result.json", json.dumps(export))
        z.writestr("ChatExport_2024-03-01/photos/p.jpg", b"IN-ZIP")
    import_files(archive)
    ((attachment,),) = [m.attachments for m in all_messages(store)]
    assert attachment.status is AttachmentStatus.PRESENT
    assert attachment.sha256 == hashlib.sha256(b"IN-ZIP").hexdigest()


def test_media_with_utf8_names_in_a_zip_without_the_utf8_flag(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    """A ChatExport folder zipped by Info-ZIP or macOS: zipfile reads its names as cp437."""
    export = chat(
        "Ана",
        "personal_chat",
        222,
        [msg(1, 1709287200, "2024-03-01T10:00:00", "Ана", "user222", "", file="files/Отчёт.pdf")],
    )
    archive = write_unflagged_zip(
        tmp_path / "ChatExport.zip",
        {"Экспорт/result.json": json.dumps(export), "Экспорт/files/Отчёт.pdf": b"PDF"},
    )
    import_files(archive)
    ((attachment,),) = [m.attachments for m in all_messages(store)]
    assert (attachment.status, attachment.path) == (AttachmentStatus.PRESENT, "files/Отчёт.pdf")
    assert attachment.sha256 == hashlib.sha256(b"PDF").hexdigest()


def test_text_entities_forwards_and_special_messages(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    messages = [
        msg(
            1,
            1709287200,
            "2024-03-01T10:00:00",
            "Ana",
            "user222",
            [
                "see ",
                {"type": "text_link", "text": "this", "href": "https://example.org/x"},
                {"type": "mention", "text": "@bob"},
            ],
            forwarded_from="Carl",
            saved_from="Some channel",
        ),
        msg(2, 1709287260, "2024-03-01T10:01:00", "Ana", "user222", "", forwarded_from=None),
        msg(
            3,
            1709287320,
            "2024-03-01T10:02:00",
            "Ana",
            "user222",
            "",
            location_information={"latitude": 52.5, "longitude": 13.4},
        ),
        msg(
            4,
            1709287380,
            "2024-03-01T10:03:00",
            "Ana",
            "user222",
            "",
            contact_information={"first_name": "Eve", "last_name": "", "phone_number": "+49 1"},
        ),
        msg(
            5,
            1709294400,
            "2024-03-01T12:00:00",
            "Ana",
            "user222",
            "",
            poll={
                "question": "Lunch?",
                "closed": False,
                "total_voters": 1,
                "answers": [
                    {"text": "yes", "voters": 1, "chosen": True},
                    {"text": "no", "voters": 0, "chosen": False},
                ],
            },
        ),
        {"id": 6, "type": "unsupported"},
        {
            "id": 7,
            "type": "future_kind",
            "date": "2024-03-01T12:00:00",
            "date_unixtime": "1709294400",
            "text": "?",
        },
    ]
    result = import_files(write(tmp_path / "result.json", chat("Ana", "personal_chat", 222, messages)))
    assert result.messages == 6
    got = {m.platform_msg_id: m for m in all_messages(store)}
    assert (got["7"].kind, got["7"].text, got["7"].extra) == (MessageKind.OTHER, "?", {"type": "future_kind"})
    first = got["1"]
    assert first.text == "see this@bob"
    assert first.forwarded_from == "Carl"
    assert first.extra == {"saved_from": "Some channel", "links": ["https://example.org/x"]}
    assert got["2"].forwarded_from is None and got["2"].extra == {"forwarded_from": None}
    assert (got["3"].kind, got["3"].text) == (MessageKind.LOCATION, "52.5, 13.4")
    assert (got["4"].kind, got["4"].text) == (MessageKind.CONTACT, "Eve +49 1")
    assert (got["5"].kind, got["5"].text) == (MessageKind.POLL, "Lunch?\n- yes\n- no")
    assert any("$.messages[5]" in w and "unsupported" in w for w in result.sources[0].warnings)


def test_invalid_x_escapes_from_telegram_desktop_are_read(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    text = json.dumps(
        chat(
            "Ana",
            "personal_chat",
            222,
            [msg(1, 1709287200, "2024-03-01T10:00:00", "Ana", "user222", "a@b\\x41")],
        )
    )
    raw = text.replace(
        "@", "\\x0C"
    )  # what tdesktop writes for U+000C (issue #27571); "\\\\x41" stays literal
    result = import_files(write(tmp_path / "result.json", raw))
    (message,) = all_messages(store)
    assert message.text == "a\x0cb\\x41"
    assert any("'\\xHH' escapes" in w for w in result.sources[0].warnings)


def test_deleted_account_in_a_group(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    export = chat(
        "Team", "private_supergroup", 9, [msg(1, 1709287200, "2024-03-01T10:00:00", None, "user5", "old")]
    )
    import_files(write(tmp_path / "result.json", export))
    (conversation,) = store.conversations()
    assert (conversation.platform_id, conversation.kind) == ("channel9", ConversationKind.GROUP)
    (message,) = all_messages(store)
    assert (message.sender, message.sender_name) == ("user5", "Deleted Account")


def test_saved_messages_have_no_name(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    export = {
        "type": "saved_messages",
        "id": 111,
        "messages": [msg(1, 1709287200, "2024-03-01T10:00:00", "Me", "user111", "note")],
    }
    import_files(write(tmp_path / "result.json", export))
    (conversation,) = store.conversations()
    assert (conversation.platform_id, conversation.title) == ("user111", "Saved Messages")


# -- malformed input: exact place, archive unchanged ----------------------------------------------
def good_then_snapshot(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> dict[str, Any]:
    import_files(write(tmp_path / "good" / "result.json", account_export()))
    return snapshot(store)


def test_malformed_json_names_line_byte_and_path(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    before = good_then_snapshot(tmp_path, store, import_files)
    text = json.dumps(
        chat(
            "Ana",
            "personal_chat",
            222,
            [
                msg(1, 1709287200, "2024-03-01T10:00:00", "Ana", "user222", "ok"),
                msg(2, 1709287260, "2024-03-01T10:01:00", "Ana", "user222", "BROKEN"),
            ],
        ),
        indent=1,
    )
    text = text.replace('"BROKEN"', '"broken",}')  # a trailing comma inside message 2
    bad = write(tmp_path / "bad" / "result.json", text)
    error_byte = text.encode().index(b"}", text.encode().index(b'"broken"'))
    error_line = text[:error_byte].count("\n") + 1
    with pytest.raises(ImportFormatError) as caught:
        import_files(bad)
    message = str(caught.value)
    assert str(bad) in message
    assert f"line {error_line} (byte {error_byte})" in message
    assert "in $.messages[1]" in message
    assert "expected valid JSON" in message
    assert snapshot(store) == before


def test_truncated_file(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    before = good_then_snapshot(tmp_path, store, import_files)
    text = json.dumps(account_export(), indent=1)
    cut = text[: text.index('"bye"')]
    bad = write(tmp_path / "bad" / "result.json", cut)
    with pytest.raises(ImportFormatError) as caught:
        import_files(bad)
    assert f"line {cut.count(chr(10)) + 1} (byte {len(cut.encode())})" in str(caught.value)
    assert "$.left_chats.list[0].messages[0]" in str(caught.value)
    assert "premature EOF" in str(caught.value)
    assert snapshot(store) == before


def test_message_without_a_date(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    before = good_then_snapshot(tmp_path, store, import_files)
    undated = {"id": 2, "type": "message", "from": "Ana", "from_id": "user222", "text": "when?"}
    export = {
        "chats": {
            "list": [
                chat(
                    "Ana",
                    "personal_chat",
                    7,
                    [msg(1, 1709287200, "2024-03-01T10:00:00", "Ana", "user222", "a"), undated],
                )
            ]
        }
    }
    bad = write(tmp_path / "bad" / "result.json", export)
    with pytest.raises(ImportFormatError) as caught:
        import_files(bad)
    assert str(caught.value) == (
        f"{bad}, $.chats.list[0].messages[1]: field 'date_unixtime': expected the message time in "
        "'date_unixtime' or 'date', found 'neither field'."
    )
    assert snapshot(store) == before


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("date_unixtime", "17092872OO", 'Unix seconds such as "1652135033"'),
        ("date", "2024-02-30T10:00:00", "a time like 2024-05-01T13:45:00"),
    ],
)
def test_bad_time_values(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn, field: str, value: str, expected: str
) -> None:
    before = good_then_snapshot(tmp_path, store, import_files)
    message = msg(1, 1709287200, "2024-03-01T10:00:00", "Ana", "user222", "a")
    message[field] = value
    bad = write(tmp_path / "bad" / "result.json", chat("Ana", "personal_chat", 7, [message]))
    with pytest.raises(ImportFormatError) as caught:
        import_files(bad)
    assert (
        str(caught.value) == f"{bad}, $.messages[0]: field {field!r}: expected {expected}, found {value!r}."
    )
    assert snapshot(store) == before


def test_top_level_array_is_not_telegram(tmp_path: Path, import_files: ImportFn) -> None:
    bad = write(tmp_path / "result.json", "[1, 2]")
    with pytest.raises(ImportFormatError, match=r"\$: expected a JSON object"):
        import_files(bad, format="telegram-json")


# -- detection and the stream helper --------------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "telegram"),
    [
        (chat("Ana", "personal_chat", 1, []), True),
        ({"about": "x", "personal_information": {"user_id": 1}, "chats": {"list": []}}, True),
        ({"messages": [{"type": "message", "date_unixtime": "1", "from": "A", "text": "t"}]}, True),
        (
            {
                "guild": {"id": "1"},
                "channel": {"id": "2"},
                "messages": [{"id": "3", "type": "Default", "timestamp": "x"}],
            },
            False,
        ),
        (
            {
                "participants": [{"name": "A"}],
                "messages": [{"sender_name": "A", "timestamp_ms": 1, "content": "x"}],
            },
            False,
        ),
    ],
)
def test_sniff(tmp_path: Path, content: dict[str, Any], telegram: bool) -> None:
    source = SourceFile(write(tmp_path / "result.json", content))
    score = importers.get("telegram-json").sniff(source)
    assert (score >= 0.9) if telegram else score == 0


@pytest.mark.parametrize("read_size", [1, 2, 3, 5, 64])
def test_x_escape_repair_across_read_boundaries(monkeypatch: pytest.MonkeyPatch, read_size: int) -> None:
    monkeypatch.setattr(jsonstream, "READ_SIZE", read_size)
    raw = b'{"a": "x\\x0Cy\\\\x41\\\\\\x42", "b": "\\\\\\\\x0C"}'
    stream = JsonStream(io.BytesIO(raw), repair_x_escapes=True)
    assert json.loads(stream.read()) == {"a": "x\x0cy\\x41\\B", "b": "\\\\x0C"}
    assert stream.repairs == 2


@pytest.mark.parametrize("read_size", [7, 100, 1 << 20])
def test_error_position_counts_earlier_chunks_and_repairs(
    monkeypatch: pytest.MonkeyPatch, read_size: int
) -> None:
    monkeypatch.setattr(jsonstream, "READ_SIZE", read_size)
    good = "".join(f' {{"id": {i}, "text": "a\\x0Cb"}},\n' for i in range(40))
    raw = ('{"messages": [\n' + good + ' {"id": 40 "text": "x"}]}').encode()
    stream = JsonStream(io.BytesIO(raw), repair_x_escapes=True)
    with pytest.raises(ijson.JSONError) as caught:
        for _ in ijson.basic_parse(stream):
            pass
    position = stream.locate(caught.value)
    # yajl stops on the token after 40: the string "text" (its opening quote or inside it)
    quote = raw.index(b'"text": "x"')
    assert position.line == 42
    if read_size > 100:
        assert position.exact
        assert quote <= position.offset <= quote + len(b'"text"')
    else:  # a token split across tiny reads: the end of the read holding the error, marked "near"
        assert quote <= position.offset <= quote + read_size + len(b'"text"')
        assert position.exact or position.describe().startswith("near line 42")


def test_old_numeric_from_id_is_the_new_peer_id(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    """2019 exports write ``from_id: 123456``, newer ones ``"user123456"``: one person, one message."""
    unixtime = int(datetime(2019, 5, 31, 13, 28, 30, tzinfo=UTC).timestamp())
    old = chat(
        "Daan",
        "personal_chat",
        5,
        [
            {"id": 1, "type": "message", "date": "2019-05-31T21:28:30", "from": "Daan", "from_id": 123456, "text": "x"},
            {"id": 2, "type": "service", "date": "2019-05-31T21:29:00", "actor": "Daan", "actor_id": 123456,
             "action": "phone_call", "duration_seconds": 5, "text": ""},
        ],
    )  # fmt: skip
    new = chat(
        "Daan",
        "personal_chat",
        5,
        [
            msg(1, unixtime, "2019-05-31T21:28:30", "Daan", "user123456", "x"),
            msg(3, unixtime + 60, "2019-05-31T21:29:30", "Daan", "user123456", "y"),
        ],
    )
    import_files(write(tmp_path / "old" / "result.json", old), tz="Asia/Shanghai")
    second = import_files(write(tmp_path / "new" / "result.json", new), tz="Asia/Shanghai")
    assert (second.messages, second.new) == (2, 1)
    assert [p.platform_id for p in store.participants()] == ["user123456"]
    assert [(m.platform_msg_id, m.sender) for m in all_messages(store)] == [
        ("1", "user123456"),
        ("2", "user123456"),
        ("3", "user123456"),
    ]


def test_old_numeric_from_id_of_the_channel_itself(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    post = {
        "id": 1,
        "type": "message",
        "date": "2019-05-31T21:28:30",
        "from": "News",
        "from_id": 777,
        "text": "x",
    }
    import_files(write(tmp_path / "result.json", chat("News", "public_channel", 777, [post])), tz="UTC")
    assert [m.sender for m in all_messages(store)] == ["channel777"]
