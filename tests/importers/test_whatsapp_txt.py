"""WhatsApp "Export chat" importer: every sample, every header style, zips, media, errors, identity.

Expected values were read off the files by hand (counts cross-checked with grep, the chat-miner ones with
chat-miner's ``target.json``), never copied from this importer's output.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chatledger import importers
from chatledger.errors import ImportFormatError, InputError
from chatledger.importers.base import ImportContext, SourceFile
from chatledger.importers.whatsapp_txt import chat_title, media_kind
from chatledger.model import (
    AttachmentStatus,
    Conversation,
    ConversationKind,
    Message,
    MessageKind,
    Platform,
    TimePrecision,
)
from chatledger.store import SQLiteStore
from tests.conftest import SAMPLES, ImportFn, shared_sample, snapshot
from tests.importers._zips import write_unflagged_zip

COPIED = SAMPLES / "whatsapp"
LRM, NNBSP, NBSP = "\u200e", "\u202f", "\u00a0"


# -- helpers ---------------------------------------------------------------------------------------------
def utc(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, UTC).isoformat()


def write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


def parse(path: Path, tz: str = "UTC", **options: str) -> tuple[list[Any], ImportContext]:
    """Run the importer alone (no archive): the items it yields and the context it filled."""
    ctx = ImportContext(zone=ZoneInfo(tz), zone_name=tz, options=dict(options))
    items = list(importers.get("whatsapp-txt").parse(SourceFile(path), ctx))
    return items, ctx


def messages_of(items: list[Any]) -> list[Message]:
    return [i for i in items if isinstance(i, Message)]


def archived(store: SQLiteStore) -> tuple[Conversation, list[Message]]:
    [conversation] = store.conversations()
    assert conversation.id is not None
    return conversation, store.messages(conversation.id)


def by_line(messages: list[Message]) -> dict[int, Message]:
    return {int(m.locator.rsplit(" ", 1)[1]): m for m in messages}


# -- registration and detection ----------------------------------------------------------------------------
def test_registered_with_true_capabilities() -> None:
    imp = importers.get("whatsapp-txt")
    assert imp.platform is Platform.WHATSAPP
    assert imp.suffixes == (".txt", ".zip")
    assert imp.capabilities == {"attachments", "recalls", "system", "edits"}
    assert imp.version and imp.description


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("24/12/2023, 21:05 - Ana: Hola\n", 0.95),
        ("\ufeff\n\n[24/12/2023, 21:05:14] Ana: Hola\n", 0.95),
        (f"{LRM}[12/24/23, 9:05:14{NNBSP}PM] Ana: {LRM}image omitted\n", 0.95),
        ("2024/12/10 下午9:05 - 山田: こんにちは\n", 0.95),
        ("13.06.18 21.25.15: Laura: testi\n", 0.6),  # "date time: " alone could be any log file
        ("Hello, this is not a chat\n24/12/2023, 21:05 - Ana: Hola\n", 0.0),
        ("id,MsgSvrID,type_name\n1,2,3\n", 0.0),
        ("", 0.0),
    ],
)
def test_sniff_reads_the_first_non_empty_line(tmp_path: Path, text: str, score: float) -> None:
    path = write(tmp_path / "chat.txt", text) if text else tmp_path / "chat.txt"
    path.touch()
    assert importers.get("whatsapp-txt").sniff(SourceFile(path)) == score


def test_sniff_zip_by_member_names(tmp_path: Path) -> None:
    imp = importers.get("whatsapp-txt")
    for members, score in (
        (["_chat.txt", "00000003-PHOTO-2023-12-24-21-07-02.jpg"], 0.95),
        (["WhatsApp Chat with Ana.txt"], 0.95),
        (["WhatsApp Chat - Ana.txt", "IMG-20240101-WA0001.jpg"], 0.95),
        (["channels.json", "users.json"], 0.0),
        (["__MACOSX/._chat.txt"], 0.0),
    ):
        path = tmp_path / "export.zip"
        with zipfile.ZipFile(path, "w") as archive:
            for member in members:
                archive.writestr(member, "1/1/21, 12:00 - A: Hi\n")
        assert imp.sniff(SourceFile(path)) == score, members


@pytest.mark.parametrize(
    ("stem", "title"),
    [
        ("WhatsApp Chat with Ana", "Ana"),
        ("WhatsApp Chat - Family 👨‍👩‍👧", "Family 👨‍👩‍👧"),
        ("WhatsApp Chat with Ana (1)", "Ana"),
        ("WhatsApp-Chat mit Jürgen", "Jürgen"),
        ("Chat de WhatsApp con María", "María"),
        ("notes", "notes"),
    ],
)
def test_chat_title_from_file_name(stem: str, title: str) -> None:
    assert chat_title(stem) == title


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("IMG-20241201-WA0001.jpg", MessageKind.IMAGE),
        ("PTT-20241201-WA0002.opus", MessageKind.VOICE),
        ("VID-20241202-WA0003.mp4", MessageKind.VIDEO),
        ("STK-20241202-WA0007.webp", MessageKind.STICKER),
        ("00000003-PHOTO-2023-12-24-21-07-02.jpg", MessageKind.IMAGE),
        ("00000004-AUDIO-2023-12-24-21-08-02.opus", MessageKind.VOICE),
        ("00000005-GIF-2023-12-24-21-08-02.mp4", MessageKind.VIDEO),
        ("contract.pdf", MessageKind.FILE),
        ("Ana.vcf", MessageKind.CONTACT),
    ],
)
def test_media_kind_from_name(name: str, kind: MessageKind) -> None:
    assert media_kind(name) is kind


# -- copied (MIT) samples with their .expected.json ------------------------------------------------------
@pytest.mark.parametrize(
    "expected_file", sorted(COPIED.glob("[!b]*.expected.json")), ids=lambda p: p.stem
)  # bad_* samples: tests/test_registry.py
def test_copied_sample_matches_expected(
    expected_file: Path, import_files: ImportFn, store: SQLiteStore
) -> None:
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    sample = expected_file.with_name(expected_file.name.replace(".expected.json", ".txt"))
    result = import_files(sample, tz=expected["tz"])
    [source] = result.sources
    assert source.format == expected["format"]
    assert len(source.warnings) == expected["warnings"]
    assert store.sources()[0].meta["whatsapp_date_order"]["order"] == expected["date_order"]
    conversation, messages = archived(store)
    assert (conversation.platform_id, conversation.title, conversation.kind.value) == (
        expected["conversation"]["platform_id"],
        expected["conversation"]["title"],
        expected["conversation"]["kind"],
    )
    assert len(messages) == source.messages == source.new == expected["message_count"]
    assert sorted({m.sender for m in messages if m.sender}) == expected["senders"]
    assert utc(min(m.ts_ms for m in messages)) == expected["first_utc"]
    assert utc(max(m.ts_ms for m in messages)) == expected["last_utc"]
    assert {m.precision.value for m in messages} == {expected["precision"]}
    got = [
        {"line": line, "utc": utc(m.ts_ms), "sender": m.sender, "kind": m.kind.value, "text": m.text}
        for line, m in sorted(by_line(messages).items())
    ]
    assert got == expected["messages"]


# -- shared (GPL/AGPL) samples, read in place ------------------------------------------------------------
SHARED = [
    # file, messages, senders, first UTC, last UTC, chat kind, {kind: count}, date order, warnings
    (
        "android_ddmmyyyy_24h_group__whatstk_pokemon.txt",
        20,
        {"Ash Ketchum", "Brock", "Misty", "Prof. Oak", "Jessie & James", "Raichu", "Meowth", "Wobbuffet"},
        "2016-04-15T15:04:00+00:00",
        "2016-10-31T12:23:00+00:00",
        "group",
        {"system": 2, "text": 18},
        "dmy",
        0,
    ),
    (
        "android_group_with_media_refs__whats-reader.txt",
        50,
        {"Mom", "Dad", "Sarah", "Mike"},
        "2024-12-01T09:00:00+00:00",
        "2024-12-04T20:07:00+00:00",
        "group",
        {"system": 8, "image": 2, "voice": 1, "video": 1, "text": 38},
        "dmy",
        0,
    ),
    (
        "android_mdyy_group_system__chat-analytics_4A_11M.txt",
        14,
        {"Alice", "Bob", "Eve", "Mallory", "Trent"},
        "2020-09-12T23:16:00+00:00",  # 12/9/20 tells nothing: the default (day first) and a warning
        "2020-09-12T23:56:00+00:00",
        "group",
        {"system": 3, "text": 11},
        "dmy",
        1,
    ),
    (
        "android_mdyy_out_of_order__chat-analytics_2A_5M.txt",
        5,
        {"A", "B"},
        "2021-01-01T12:00:00+00:00",
        "2021-01-01T12:03:00+00:00",
        "direct",
        {"text": 4, "file": 1},
        "dmy",  # 1/1/21 reads the same either way: no warning
        0,
    ),
    (
        "bracketed_ambiguous_date__whatstk_lorem.txt",
        500,
        {"Mary", "+1 123 456 789", "Giuseppe", "John"},
        "2020-01-15T02:22:56+00:00",
        "2020-05-11T22:32:48+00:00",
        "group",
        {"text": 500},
        "dmy",  # yy-mm-dd fits every date too, but then the dates run backwards 20+ times
        0,
    ),
    (
        "ios_private__whats-reader__chat.txt",
        45,
        {"Alice", "Bob"},
        "2024-12-01T10:00:00+00:00",
        "2024-12-04T16:45:21+00:00",
        "direct",
        {"system": 2, "image": 2, "voice": 2, "text": 39},
        "dmy",  # decided by IMG-20241202-… on 02/12/2024
        0,
    ),
    (
        "whats-reader_asian-format-test.txt",
        5,
        {"山田太郎", "佐藤花子"},
        "2024-12-10T14:30:00+00:00",
        "2024-12-10T14:36:00+00:00",
        "direct",
        {"text": 3, "file": 2},
        "ymd",
        0,
    ),
    (
        "whats-reader_bracketed-year-first-test.txt",
        3,
        {"Ana", "Bruno"},
        "2018-06-13T01:56:00+00:00",
        "2018-06-13T21:25:15+00:00",
        "direct",
        {"text": 3},
        "ymd",
        0,
    ),
    (
        "whats-reader_dot-time-klo-format-test.txt",
        3,
        {"Mika", "Laura"},
        "2018-06-13T21:25:00+00:00",
        "2018-06-13T21:25:15+00:00",
        "direct",
        {"text": 3},
        "dmy",
        0,
    ),
    (
        "whats-reader_european-ampm-format-test.txt",
        4,
        {"Loris", "Luke"},
        "2018-06-23T01:58:00+00:00",
        "2018-06-23T13:57:00+00:00",
        "direct",
        {"text": 4},
        "dmy",
        0,
    ),
    (
        "whats-reader_german-format-test.txt",
        6,
        {"John Doe", "Jane Smith", "System"},  # "System:" is a sender in this synthetic file
        "2024-12-10T14:30:00+00:00",
        "2024-12-10T14:36:00+00:00",
        "group",
        {"text": 4, "file": 2},
        "dmy",  # dotted dates are day-first
        0,
    ),
    (
        "whats-reader_ios-format-test.txt",
        5,
        {"Amazon EG"},
        "2025-11-13T09:09:43+00:00",
        "2025-12-19T08:50:53+00:00",
        "direct",
        {"system": 1, "text": 4},
        "dmy",
        0,
    ),
    (
        "zip_export__chat-analytics_4A_11M.zip",
        14,
        {"Alice", "Bob", "Eve", "Mallory", "Trent"},
        "2020-09-12T23:16:00+00:00",
        "2020-09-12T23:56:00+00:00",
        "group",
        {"system": 3, "text": 11},
        "dmy",
        1,
    ),
]


@pytest.mark.parametrize(
    ("name", "count", "senders", "first", "last", "chat_kind", "kinds", "order", "warnings"),
    SHARED,
    ids=[row[0] for row in SHARED],
)
def test_shared_sample(
    import_files: ImportFn,
    store: SQLiteStore,
    name: str,
    count: int,
    senders: set[str],
    first: str,
    last: str,
    chat_kind: str,
    kinds: dict[str, int],
    order: str,
    warnings: int,
) -> None:
    result = import_files(shared_sample(f"whatsapp/{name}"))
    [source] = result.sources
    assert (source.format, source.messages, source.new) == ("whatsapp-txt", count, count)
    assert len(source.warnings) == warnings
    assert store.sources()[0].meta["whatsapp_date_order"]["order"] == order
    conversation, messages = archived(store)
    assert conversation.kind.value == chat_kind
    assert len(messages) == count
    assert {m.sender for m in messages if m.sender} == senders
    assert utc(min(m.ts_ms for m in messages)) == first
    assert utc(max(m.ts_ms for m in messages)) == last
    tally: dict[str, int] = {}
    for m in messages:
        tally[m.kind.value] = tally.get(m.kind.value, 0) + 1
    assert tally == kinds
    assert all(m.sender is None for m in messages if m.kind is MessageKind.SYSTEM)


def test_shared_sample_details(import_files: ImportFn, store: SQLiteStore) -> None:
    """Notable lines of the shared samples, one import each (read by hand from the files)."""
    import_files(shared_sample("whatsapp/android_group_with_media_refs__whats-reader.txt"))
    _, messages = archived(store)
    lines = by_line(messages)
    assert lines[2].kind is MessageKind.SYSTEM and lines[2].text.startswith('Mom created group "Family Group')
    assert lines[9].text == "IMG-20241201-WA0001.jpg (file attached)"
    [photo] = lines[9].attachments
    assert (photo.name, photo.kind, photo.status) == (
        "IMG-20241201-WA0001.jpg",
        MessageKind.IMAGE,
        AttachmentStatus.MISSING,
    )
    assert lines[13].attachments[0].kind is MessageKind.VOICE
    assert utc(lines[13].ts_ms) == "2024-12-01T09:25:00+00:00"


def test_shared_ios_business_notice_and_multiline(import_files: ImportFn, store: SQLiteStore) -> None:
    import_files(shared_sample("whatsapp/whats-reader_ios-format-test.txt"))
    _, messages = archived(store)
    lines = by_line(messages)
    assert set(lines) == {1, 2, 3, 9, 15}
    notice = lines[1]
    assert notice.kind is MessageKind.SYSTEM and notice.sender is None
    assert notice.text.startswith("This business uses a secure service from Meta")  # leading LRM dropped
    assert notice.extra == {"shown_sender": "Amazon EG"}
    assert utc(notice.ts_ms) == "2025-11-13T12:25:55+00:00"  # 12:25:55 U+202F PM
    assert (lines[2].sender, lines[2].text) == ("Amazon EG", "")
    assert lines[3].text.count("\n") == 5 and "STOP" in lines[3].text
    assert utc(lines[9].ts_ms) == "2025-12-18T15:33:12+00:00"


def test_ambiguous_sample_obeys_date_order_option(import_files: ImportFn, store: SQLiteStore) -> None:
    result = import_files(
        shared_sample("whatsapp/android_mdyy_group_system__chat-analytics_4A_11M.txt"),
        options={"date_order": "mdy"},
    )
    assert result.sources[0].warnings == []
    _, messages = archived(store)
    assert utc(min(m.ts_ms for m in messages)) == "2020-12-09T23:16:00+00:00"
    assert store.sources()[0].meta["whatsapp_date_order"] == {"order": "mdy", "basis": "option date_order"}


def test_default_order_warning_names_the_override(tmp_path: Path) -> None:
    _, ctx = parse(write(tmp_path / "c.txt", "12/9/20, 23:55 - Bob: hello\n"))
    [warning] = ctx.warnings
    assert warning.startswith("line 1: the day/month order is ambiguous")
    assert "day/month/year" in warning and "--option date_order=" in warning


def test_txt_then_zip_of_the_same_chat_adds_nothing(import_files: ImportFn, store: SQLiteStore) -> None:
    """The zip is named differently from the txt (two chat ids), so ``chat=`` files it into the first chat.

    Its ``_chat.txt`` has CRLF line ends and no trailing newline; the messages are the same.
    """
    first = import_files(shared_sample("whatsapp/android_mdyy_group_system__chat-analytics_4A_11M.txt"))
    assert first.new == 14
    second = import_files(
        shared_sample("whatsapp/zip_export__chat-analytics_4A_11M.zip"),
        chat="android_mdyy_group_system__chat-analytics_4A_11M",
    )
    assert (second.messages, second.new) == (14, 0)
    assert len(store.conversations()) == 1


def test_txt_and_zip_named_alike_share_the_chat(
    tmp_path: Path, import_files: ImportFn, store: SQLiteStore
) -> None:
    chat = "1/2/24, 10:00 - Ana: hola\n1/2/24, 10:01 - Luis: hey\n13/2/24, 10:02 - Ana: bye\n"
    txt = write(tmp_path / "WhatsApp Chat with Ana.txt", chat)
    archive = tmp_path / "WhatsApp Chat with Ana.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("WhatsApp Chat with Ana.txt", chat.replace("\n", "\r\n"))
    assert import_files(txt).new == 3
    assert import_files(archive).new == 0
    [conversation] = store.conversations()
    assert (conversation.platform_id, conversation.title) == ("Ana", "Ana")


def test_utf8_member_name_without_the_zip_utf8_flag_names_the_chat_as_the_txt(
    tmp_path: Path, import_files: ImportFn, store: SQLiteStore
) -> None:
    """Info-ZIP and some re-zipping tools store UTF-8 names without flag bit 11; zipfile reads cp437."""
    chat = (
        "24.12.2023, 21:07 - Ана: Привет\n"
        "24.12.2023, 21:08 - Луис: IMG-20231224-WA0001.jpg (файл)\n"
        "24.12.2023, 21:09 - Луис: Отчёт.pdf (file attached)\n"
    )
    name = "WhatsApp Chat mit Zoë.txt"
    archive = write_unflagged_zip(
        tmp_path / "export.zip", {name: chat, "IMG-20231224-WA0001.jpg": b"jpeg", "Отчёт.pdf": b"pdf"}
    )
    with zipfile.ZipFile(archive) as handle:
        assert name not in handle.namelist()  # as zipfile reads it: mojibake
    assert import_files(write(tmp_path / name, chat)).new == 3
    assert import_files(archive).new == 0
    [conversation] = store.conversations()
    assert conversation.title == "Zoë"
    items, _ = parse_member(archive)
    photo, report = (m for m in messages_of(items) if m.attachments)
    assert photo.kind is MessageKind.IMAGE  # the marker in an unlisted language, known by the file name
    assert [(a.status, a.path) for a in report.attachments] == [(AttachmentStatus.PRESENT, "Отчёт.pdf")]


def parse_member(archive: Path) -> tuple[list[Any], ImportContext]:
    ctx = ImportContext(zone=ZoneInfo("UTC"), zone_name="UTC")
    return list(importers.get("whatsapp-txt").parse(SourceFile(archive), ctx)), ctx


def test_media_markers_in_unlisted_languages_are_known_by_whatsapp_file_names(tmp_path: Path) -> None:
    text = (
        "[24.12.23, 21:07:02] Ана: Смотри \u200e<вложение: 00000003-PHOTO-2023-12-24-21-07-02.jpg>\n"
        "[24.12.23, 21:08:02] Ана: \u200e<вложение: 00000004-VIDEO-2023-12-24-21-08-02.mp4>\n"
        "[24.12.23, 21:09:02] Ана: <привет: как дела>\n"
    )
    photo, video, plain = messages_of(parse(write(tmp_path / "c.txt", text))[0])
    assert (photo.kind, photo.attachments[0].name) == (
        MessageKind.IMAGE,
        "00000003-PHOTO-2023-12-24-21-07-02.jpg",
    )
    assert (video.kind, video.attachments[0].name) == (
        MessageKind.VIDEO,
        "00000004-VIDEO-2023-12-24-21-08-02.mp4",
    )
    assert (plain.kind, plain.attachments) == (MessageKind.TEXT, ())


# -- generated fixtures -----------------------------------------------------------------------------------
IOS_ZIP_CHAT = (
    f"[12/24/23, 9:05:14{NNBSP}PM] Family: {LRM}Messages and calls are end-to-end encrypted.\n"
    f"[12/24/23, 9:05:20{NNBSP}PM] \u202a+1 555 123 4567\u202c: Hola {LRM}todos\n"
    f"{LRM}[12/24/23, 9:07:02{NNBSP}PM] Luis: look {LRM}<attached: 00000003-PHOTO-2023-12-24-21-07-02.jpg>\n"
    f"{LRM}[12/24/23, 9:08:02{NNBSP}PM] Luis: {LRM}<attached: 00000004-AUDIO-2023-12-24-21-08-02.opus>\n"
    f"[12/24/23, 9:09:00{NNBSP}PM] Ana: {LRM}image omitted\n"
    f"[12/24/23, 9:10:00{NNBSP}PM] Family: {LRM}Ana added Bea\n"
    f"[12/24/23, 9:11:00{NNBSP}PM] Bea: report.pdf • 3 pages {LRM}document omitted\n"
    f"[12/24/23, 9:12:00{NNBSP}PM] Bea: {LRM}This message was deleted.\n"
    f"[12/24/23, 9:13:00{NNBSP}PM] Ana: fixed it {LRM}<This message was edited>\n"
    f"[12/24/23, 9:14:00{NNBSP}PM] Luis: {LRM}Missed voice call\n"
    f"[12/24/23, 9:15:00{NNBSP}PM] Ana: {LRM}sticker omitted\n"
    f"[12/24/23, 9:16:00{NNBSP}PM] Ana: {LRM}Location: https://maps.google.com/?q=40.4,-3.7\n"
    f"[12/24/23, 9:17:00{NNBSP}PM] Luis: {LRM}POLL:\n{LRM}Dinner?\n{LRM}OPTION: 8pm (1 vote)\n"
    f"[12/25/23, 12:01:00{NNBSP}AM] Ana: {LRM}You deleted this message.\n"
)


def make_ios_zip(tmp_path: Path) -> tuple[Path, bytes]:
    photo = b"\xff\xd8\xff\xe0 not really a jpeg \xff\xd9"
    path = tmp_path / "WhatsApp Chat - Family.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("_chat.txt", IOS_ZIP_CHAT)
        archive.writestr("00000003-PHOTO-2023-12-24-21-07-02.jpg", photo)
    return path, photo


def test_ios_zip_12h_mdy_with_narrow_spaces_marks_media_and_events(
    tmp_path: Path, import_files: ImportFn, store: SQLiteStore
) -> None:
    path, photo = make_ios_zip(tmp_path)
    result = import_files(path)
    [source] = result.sources
    assert (source.messages, source.warnings) == (14, [])
    assert store.sources()[0].meta["whatsapp_chats"] == [
        {"member": "_chat.txt", "encoding": "utf-8", "date_order": "mdy"}
    ]
    conversation, messages = archived(store)
    assert (conversation.platform_id, conversation.title, conversation.kind) == (
        "Family",
        "Family",
        ConversationKind.GROUP,
    )
    lines = by_line(messages)
    assert all(m.locator.startswith("_chat.txt line ") for m in messages)
    assert all(m.precision is TimePrecision.SECOND for m in messages)

    notice = lines[1]
    assert (notice.kind, notice.sender, notice.text) == (
        MessageKind.SYSTEM,
        None,
        "Messages and calls are end-to-end encrypted.",
    )
    assert utc(notice.ts_ms) == "2023-12-24T21:05:14+00:00"
    # phone number: only U+202A/U+202C stripped; the body keeps its inner LRM
    assert (lines[2].sender, lines[2].sender_name, lines[2].text) == (
        "+1 555 123 4567",
        "+1 555 123 4567",
        f"Hola {LRM}todos",
    )
    [present] = lines[3].attachments
    assert lines[3].kind is MessageKind.IMAGE
    assert (present.name, present.status, present.path, present.size) == (
        "00000003-PHOTO-2023-12-24-21-07-02.jpg",
        AttachmentStatus.PRESENT,
        "00000003-PHOTO-2023-12-24-21-07-02.jpg",
        len(photo),
    )
    assert present.sha256 == hashlib.sha256(photo).hexdigest()
    assert present.md5 == hashlib.md5(photo).hexdigest()
    assert present.mime_type == "image/jpeg"
    [missing] = lines[4].attachments
    assert lines[4].kind is MessageKind.VOICE
    assert (missing.status, missing.sha256) == (AttachmentStatus.MISSING, None)
    assert lines[5].kind is MessageKind.IMAGE
    assert lines[5].attachments[0].status is AttachmentStatus.NOT_EXPORTED
    assert (lines[6].kind, lines[6].sender, lines[6].text) == (MessageKind.SYSTEM, None, "Ana added Bea")
    assert lines[7].kind is MessageKind.FILE
    assert (lines[7].attachments[0].name, lines[7].attachments[0].status) == (
        "report.pdf",
        AttachmentStatus.NOT_EXPORTED,
    )
    assert (lines[8].kind, lines[8].sender) == (MessageKind.RECALL, "Bea")
    assert (lines[9].kind, lines[9].text, lines[9].extra) == (MessageKind.TEXT, "fixed it", {"edited": True})
    assert lines[10].kind is MessageKind.CALL
    assert lines[11].kind is MessageKind.STICKER
    assert lines[12].kind is MessageKind.LOCATION
    assert (lines[13].kind, lines[13].text.count("\n")) == (MessageKind.POLL, 2)
    assert (lines[16].kind, utc(lines[16].ts_ms)) == (MessageKind.RECALL, "2023-12-25T00:01:00+00:00")


def test_android_zip_links_present_and_missing_media(
    tmp_path: Path, import_files: ImportFn, store: SQLiteStore
) -> None:
    photo = b"photo bytes" * 1000
    path = tmp_path / "WhatsApp Chat with Ana.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "WhatsApp Chat with Ana.txt",
            "24/12/2023, 21:05 - Ana: IMG-20231224-WA0001.jpg (file attached)\n"
            "the caption\n"
            "24/12/2023, 21:06 - Luis: VID-20231224-WA0002.mp4 (file attached)\n"
            "24/12/2023, 21:07 - Luis: <Media omitted>\n",
        )
        archive.writestr("IMG-20231224-WA0001.jpg", photo)
    import_files(path)
    conversation, messages = archived(store)
    assert conversation.title == "Ana"
    lines = by_line(messages)
    assert lines[1].text == "IMG-20231224-WA0001.jpg (file attached)\nthe caption"
    [image] = lines[1].attachments
    assert (image.status, image.sha256, image.size) == (
        AttachmentStatus.PRESENT,
        hashlib.sha256(photo).hexdigest(),
        len(photo),
    )
    assert lines[3].kind is MessageKind.VIDEO
    assert lines[3].attachments[0].status is AttachmentStatus.MISSING
    assert lines[4].attachments[0].status is AttachmentStatus.NOT_EXPORTED
    assert all(m.locator.startswith("WhatsApp Chat with Ana.txt line ") for m in messages)


def test_standalone_txt_hashes_sibling_media(tmp_path: Path) -> None:
    (tmp_path / "IMG-20231224-WA0001.jpg").write_bytes(b"jpeg")
    path = write(
        tmp_path / "WhatsApp Chat with Ana.txt",
        "24/12/2023, 21:05 - Ana: IMG-20231224-WA0001.jpg (file attached)\n"
        "24/12/2023, 21:06 - Ana: IMG-20231224-WA0002.jpg (file attached)\n"
        "24/12/2023, 21:07 - Ana: ../secret.txt (file attached)\n",
    )
    messages = messages_of(parse(path)[0])
    present, missing, outside = (m.attachments[0] for m in messages)
    assert (present.status, present.sha256, present.md5, present.size) == (
        AttachmentStatus.PRESENT,
        hashlib.sha256(b"jpeg").hexdigest(),
        hashlib.md5(b"jpeg").hexdigest(),
        4,
    )
    assert missing.status is AttachmentStatus.MISSING
    assert outside.status is AttachmentStatus.MISSING  # never looked up outside the folder


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("24/12/2023, 21:05 - ", "2023-12-24T21:05:00"),
        ("24/12/23, 21:05 - ", "2023-12-24T21:05:00"),
        ("14/1/2024, 9:05 - ", "2024-01-14T09:05:00"),
        ("1/14/24, 9:05 - ", "2024-01-14T09:05:00"),
        ("24.12.23, 21:05 - ", "2023-12-24T21:05:00"),
        ("24-12-2023, 21:05 - ", "2023-12-24T21:05:00"),
        ("12/24/23, 9:05 PM - ", "2023-12-24T21:05:00"),
        ("12/24/23, 9:05 pm - ", "2023-12-24T21:05:00"),
        ("12/24/23, 9:05 p.m. - ", "2023-12-24T21:05:00"),
        ("24/12/2023, 9:05 p. m. - ", "2023-12-24T21:05:00"),
        ("24/12/2023, 9:05 a. m. - ", "2023-12-24T09:05:00"),
        (f"12/24/23, 9:05{NNBSP}PM - ", "2023-12-24T21:05:00"),
        (f"12/24/23, 9:05{NBSP}PM - ", "2023-12-24T21:05:00"),
        ("12/24/23, 12:05 AM - ", "2023-12-24T00:05:00"),
        ("12/24/23, 12:05 PM - ", "2023-12-24T12:05:00"),
        ("2023/12/24 下午9:05 - ", "2023-12-24T21:05:00"),
        ("2023/12/24 上午9:05 - ", "2023-12-24T09:05:00"),
        ("2023/12/24 午後9:05 - ", "2023-12-24T21:05:00"),
        ("2023. 12. 24. 오후 9:05 - ", "2023-12-24T21:05:00"),
        ("2023-12-24, 21:05 - ", "2023-12-24T21:05:00"),
        ("24.12.2023 klo 21.05 - ", "2023-12-24T21:05:00"),
        ("24.12.2023 klo 21.05.07 - ", "2023-12-24T21:05:07"),
        ("[24/12/2023, 21:05:14] ", "2023-12-24T21:05:14"),
        ("[24/12/2023, 9:05:14 PM] ", "2023-12-24T21:05:14"),
        (f"{LRM}[24/12/2023, 9:05:14{NNBSP}PM] ", "2023-12-24T21:05:14"),
        ("[24-12-23 21:05:14] ", "2023-12-24T21:05:14"),
        ("[2023/12/24, 21:05:14] ", "2023-12-24T21:05:14"),
        ("24/12/2023 à 21:05 - ", "2023-12-24T21:05:00"),  # French Android
        (
            "\u0662\u0664\u200f/\u0661\u0662\u200f/\u0662\u0660\u0662\u0663\u060c \u0669:\u0660\u0665 \u0645 - ",
            "2023-12-24T21:05:00",
        ),
        ("24/12/2023\u060c 9:05 \u0635 - ", "2023-12-24T09:05:00"),  # Arabic with Western digits, AM
        ("[24/12/2023\u060c 9:05:14 \u0645] ", "2023-12-24T21:05:14"),
    ],
)
def test_header_variants(tmp_path: Path, header: str, expected: str) -> None:
    items, ctx = parse(write(tmp_path / "c.txt", f"{header}Ana: hola\n"))
    [message] = messages_of(items)
    assert (message.sender, message.text) == ("Ana", "hola")
    assert utc(message.ts_ms) == expected + "+00:00"
    has_seconds = expected[-2:] != "00" or header.startswith(("[", LRM))
    assert message.precision is (TimePrecision.SECOND if has_seconds else TimePrecision.MINUTE)
    assert ctx.warnings == []  # every one of them says which field is the day


def test_only_the_last_line_decides_the_order(tmp_path: Path) -> None:
    lines = [f"0{d}/03/2024, 10:0{d} - Ana: day {d}\n" for d in range(1, 10)]
    dmy, _ = parse(write(tmp_path / "dmy.txt", "".join(lines) + "28/03/2024, 11:00 - Luis: last\n"))
    assert [utc(m.ts_ms)[:10] for m in messages_of(dmy)][:2] == ["2024-03-01", "2024-03-02"]
    assert utc(messages_of(dmy)[-1].ts_ms) == "2024-03-28T11:00:00+00:00"
    mdy, ctx = parse(write(tmp_path / "mdy.txt", "".join(lines) + "03/28/2024, 11:00 - Luis: last\n"))
    assert [utc(m.ts_ms)[:10] for m in messages_of(mdy)][:2] == ["2024-01-03", "2024-02-03"]
    assert ctx.warnings == []
    assert ctx.meta["whatsapp_date_order"]["order"] == "mdy"


def test_media_names_decide_the_order(tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.txt",
        "05/03/24, 10:00 - Ana: IMG-20240503-WA0001.jpg (file attached)\n05/04/24, 10:00 - Ana: ok\n",
    )
    items, ctx = parse(path)
    assert utc(messages_of(items)[0].ts_ms) == "2024-05-03T10:00:00+00:00"
    assert ctx.meta["whatsapp_date_order"]["order"] == "mdy"
    assert ctx.warnings == []


def test_chronology_decides_and_option_overrides(tmp_path: Path) -> None:
    # read as dmy the dates run 1 Feb, 1 Mar, 1 Apr; as mdy they run 2 Jan, 3 Jan, 4 Jan: both forward,
    # but day-first jumps a month at a time, so month-first is chosen, with a "probably" warning
    text = "01/02/2024, 10:00 - Ana: a\n01/03/2024, 10:00 - Ana: b\n01/04/2024, 10:00 - Ana: c\n"
    path = write(tmp_path / "c.txt", text)
    items, ctx = parse(path)
    assert utc(messages_of(items)[0].ts_ms) == "2024-01-02T10:00:00+00:00"
    assert len(ctx.warnings) == 1 and "probably" in ctx.warnings[0]
    items, ctx = parse(path, date_order="dmy")
    assert utc(messages_of(items)[0].ts_ms) == "2024-02-01T10:00:00+00:00"
    assert ctx.warnings == []


def test_same_minute_burst_keeps_every_message_and_reimport_adds_none(
    tmp_path: Path, import_files: ImportFn, store: SQLiteStore
) -> None:
    burst = "24/12/2023, 21:05 - Ana: ok\n" * 5 + "24/12/2023, 21:06 - Luis: ok\n"
    first = import_files(write(tmp_path / "WhatsApp Chat with Ana.txt", burst))
    assert (first.messages, first.new) == (6, 6)
    _, messages = archived(store)
    assert sorted(m.ordinal for m in messages if m.sender == "Ana") == [0, 1, 2, 3, 4]
    # a later copy of the export: other bytes (CRLF, one more message), the same five "ok"
    later = tmp_path / "later" / "WhatsApp Chat with Ana.txt"
    later.parent.mkdir()
    write(later, (burst + "24/12/2023, 21:07 - Ana: bye\n").replace("\n", "\r\n"))
    second = import_files(later)
    assert (second.messages, second.new) == (7, 1)


def test_multiline_messages_keep_inner_blank_lines(tmp_path: Path) -> None:
    text = (
        "24/12/2023, 21:05 - Ana: first line\n"
        "\n"
        "third line after a blank one\n"
        "25/12/2023 is Christmas, 21:05 - not a header\n"
        "24/12/2023, 21:06 - Luis: short\n"
        "\n"
        "\n"
    )
    ana, luis = messages_of(parse(write(tmp_path / "c.txt", text))[0])
    assert ana.text == (
        "first line\n\nthird line after a blank one\n25/12/2023 is Christmas, 21:05 - not a header"
    )
    assert ana.locator == "line 1" and luis.locator == "line 5"
    assert luis.text == "short"  # the file's trailing blank lines are not part of the message


def test_body_lines_in_the_other_header_style_are_continuations(tmp_path: Path) -> None:
    text = (
        "[24/12/2023, 21:05:14] Ana: quoting\n24/12/2023, 21:05 - Bob: hi\n[24/12/2023, 21:06:00] Bob: ok\n"
    )
    ana, bob = messages_of(parse(write(tmp_path / "c.txt", text))[0])
    assert ana.text == "quoting\n24/12/2023, 21:05 - Bob: hi"
    assert bob.locator == "line 3"


def test_android_system_lines_and_localised_placeholders(tmp_path: Path) -> None:
    text = (
        "24/12/2023, 21:00 - Messages and calls are end-to-end encrypted. Tap to learn more.\n"
        '24/12/2023, 21:01 - Ana changed the subject from "Trip: 2023" to "Trip: 2024"\n'
        "24/12/2023, 21:02 - Ana: <Medien ausgeschlossen>\n"
        "24/12/2023, 21:03 - Luis: <Multimedia omitido>\n"
        "24/12/2023, 21:04 - Luis: This message was deleted\n"
        "24/12/2023, 21:05 - Ana: Se eliminó este mensaje.\n"
        "24/12/2023, 21:06 - Ana: location: https://maps.google.com/?q=40.4,-3.7\n"
        "24/12/2023, 21:07 - Ana: location: my place\n"
        "24/12/2023, 21:08 - Luis: POLL:\nWhere?\nOPTION: Here (1 vote)\n"
        "24/12/2023, 21:09 - Luis: done <This message was edited>\n"
        "24/12/2023, 21:10 - Ana: <View once voice message omitted>\n"
    )
    items, _ = parse(write(tmp_path / "WhatsApp Chat with Ana.txt", text))
    [conversation] = [i for i in items if isinstance(i, Conversation)]
    assert conversation.kind is ConversationKind.GROUP  # a subject change only happens in groups
    got = [(m.kind, m.sender) for m in messages_of(items)]
    assert got == [
        (MessageKind.SYSTEM, None),
        (MessageKind.SYSTEM, None),
        (MessageKind.FILE, "Ana"),
        (MessageKind.FILE, "Luis"),
        (MessageKind.RECALL, "Luis"),
        (MessageKind.RECALL, "Ana"),
        (MessageKind.LOCATION, "Ana"),
        (MessageKind.TEXT, "Ana"),
        (MessageKind.POLL, "Luis"),
        (MessageKind.TEXT, "Luis"),
        (MessageKind.VOICE, "Ana"),
    ]
    edited = messages_of(items)[9]
    assert (edited.text, edited.extra) == ("done", {"edited": True})
    assert messages_of(items)[1].text == 'Ana changed the subject from "Trip: 2023" to "Trip: 2024"'


@pytest.mark.parametrize(
    ("body", "kind", "text", "extra"),
    [
        ("Данное сообщение удалено", MessageKind.RECALL, "Данное сообщение удалено", None),
        ("تم حذف هذه الرسالة", MessageKind.RECALL, "تم حذف هذه الرسالة", None),
        ("消息已删除", MessageKind.RECALL, "消息已删除", None),
        ("Pesan ini dihapus", MessageKind.RECALL, "Pesan ini dihapus", None),
        ("Hallo <Diese Nachricht wurde bearbeitet.>", MessageKind.TEXT, "Hallo", {"edited": True}),
        ("Hola <Se editó este mensaje.>", MessageKind.TEXT, "Hola", {"edited": True}),
        ("Привет <Сообщение изменено>", MessageKind.TEXT, "Привет", {"edited": True}),
    ],
)
def test_localised_deletions_and_edit_markers(
    tmp_path: Path, body: str, kind: MessageKind, text: str, extra: dict[str, bool] | None
) -> None:
    path = write(tmp_path / "c.txt", f"24.12.2023, 21:05 - Ana: {body}\n")
    [message] = messages_of(parse(path)[0])
    assert (message.kind, message.sender, message.text, message.extra) == (kind, "Ana", text, extra)


@pytest.mark.parametrize(
    "line",
    [
        "Ana hat den Betreff von \u201eTrip: 2023\u201c zu \u201eTrip: 2024\u201c ge\u00e4ndert",
        "Ana a chang\u00e9 le sujet de \u00ab Trip: 2023 \u00bb en \u00ab Trip \u00bb",
        'Ana cambi\u00f3 el asunto de "Trip: 2023" a "Trip"',
        "Ana changed the subject from \u201cTrip: 2023\u201d to \u201cTrip\u201d",
    ],
)
def test_quoted_subject_with_a_colon_is_a_system_line_in_any_language(tmp_path: Path, line: str) -> None:
    text = f"24/12/2023, 21:01 - {line}\n24/12/2023, 21:02 - Ana \u201eNana\u201c L: hi\n"
    change, message = messages_of(parse(write(tmp_path / "c.txt", text))[0])
    assert (change.kind, change.sender, change.text) == (MessageKind.SYSTEM, None, line)
    assert (message.sender, message.text) == ("Ana \u201eNana\u201c L", "hi")  # balanced quotes: a name


def test_russian_add_line_shows_a_group(tmp_path: Path) -> None:
    text = "24.12.2023, 21:05 - Ана добавил(-а) Луис\n24.12.2023, 21:06 - Ана: Привет\n"
    items, _ = parse(write(tmp_path / "c.txt", text))
    [conversation] = [i for i in items if isinstance(i, Conversation)]
    assert conversation.kind is ConversationKind.GROUP


def test_direct_chat_and_self_participant(tmp_path: Path) -> None:
    path = write(tmp_path / "c.txt", "24/12/2023, 21:05 - Ana: hi\n24/12/2023, 21:06 - Luis: hey\n" * 3)
    ctx = ImportContext(zone=ZoneInfo("UTC"), zone_name="UTC", me=("Luis",))
    items = list(importers.get("whatsapp-txt").parse(SourceFile(path), ctx))
    assert items[0] == Conversation(Platform.WHATSAPP, "c", "c", ConversationKind.DIRECT)
    participants = {p.platform_id: p.is_self for p in items if not isinstance(p, (Message, Conversation))}
    assert participants == {"Ana": False, "Luis": True}


def test_local_times_use_the_zone_and_its_daylight_saving(tmp_path: Path) -> None:
    text = "30/03/2024, 12:00 - Ana: winter\n31/03/2024, 12:00 - Ana: summer\n"
    items, ctx = parse(write(tmp_path / "c.txt", text), tz="Europe/Berlin")
    winter, summer = messages_of(items)
    assert (utc(winter.ts_ms), winter.utc_offset_min) == ("2024-03-30T11:00:00+00:00", 60)
    assert (utc(summer.ts_ms), summer.utc_offset_min) == ("2024-03-31T10:00:00+00:00", 120)
    assert (summer.ts_ms, summer.utc_offset_min) == ctx.clock.to_utc_ms(2024, 3, 31, 12, 0)


# -- malformed input: exact place, archive unchanged ----------------------------------------------------
@pytest.mark.parametrize(
    ("text", "options", "line", "field", "found"),
    [
        ("Hello\n24/12/2023, 21:05 - Ana: hi\n", {}, 1, "header", "Hello"),
        ("\n\nnot a chat\n", {}, 3, "header", "not a chat"),
        ("24/12/2023, 21:05 - Ana: hi\n13/13/2023, 21:06 - Ana: month 13\n", {}, 2, "date", "13/13/2023"),
        ("24/12/2023, 21:05 - Ana: hi\n30/02/2024, 21:06 - Ana: no such day\n", {}, 2, "date", "30/02/2024"),
        ("13/01/2024, 21:05 - Ana: dmy\n01/13/2024, 21:06 - Ana: mdy\n", {}, 2, "date", "01/13/2024"),
        ("24/12/2023, 21:05 - Ana: hi\n", {"date_order": "mdy"}, 1, "date", "24/12/2023"),
        ("24/12/2023, 21:05 - Ana: hi\n24/12/2023, 25:06 - Ana: late\n", {}, 2, "time", "25:06"),
        ("24/12/2023, 13:05 AM - Ana: hi\n", {}, 1, "time", "13:05 AM"),
    ],
)
def test_malformed_input_names_the_place_and_changes_nothing(
    tmp_path: Path,
    import_files: ImportFn,
    store: SQLiteStore,
    text: str,
    options: dict[str, str],
    line: int,
    field: str,
    found: str,
) -> None:
    import_files(COPIED / "chat-miner_test_ddmmyy_24hrs.txt")
    before = snapshot(store)
    bad = write(tmp_path / "WhatsApp Chat with Bad.txt", text)
    with pytest.raises(ImportFormatError) as caught:
        import_files(bad, format="whatsapp-txt", options=options)
    error = caught.value
    assert (error.path, error.locator, error.field, error.found) == (str(bad), f"line {line}", field, found)
    assert str(error).startswith(f"{bad}, line {line}: field {field!r}: expected ")
    assert snapshot(store) == before


def test_malformed_zip_member_names_member_and_line(
    tmp_path: Path, import_files: ImportFn, store: SQLiteStore
) -> None:
    path = tmp_path / "WhatsApp Chat - Bad.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "_chat.txt", "[24/12/2023, 21:05:14] Ana: hi\n[31/04/2023, 21:05:14] Ana: no 31 April\n"
        )
    before = snapshot(store)
    with pytest.raises(ImportFormatError) as caught:
        import_files(path)
    assert caught.value.locator == "_chat.txt line 2"
    assert str(caught.value).startswith(f"{path}!_chat.txt, _chat.txt line 2: field 'date'")
    assert snapshot(store) == before


def test_bad_date_order_option_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="date_order"):
        parse(write(tmp_path / "c.txt", "24/12/2023, 21:05 - Ana: hi\n"), date_order="dd/mm")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_bom_and_crlf_keep_exact_line_numbers(tmp_path: Path, encoding: str) -> None:
    text = "24/12/2023, 21:05 - Ana: a\r\nmore\r\n\r\n24/12/2023, 21:06 - Luis: b\r\n"
    path = tmp_path / "c.txt"
    path.write_bytes(text.encode(encoding))
    first, second = messages_of(parse(path)[0])
    assert (first.text, first.locator, second.text, second.locator) == ("a\nmore", "line 1", "b", "line 4")


def test_standalone_ios_chat_txt_is_named_after_its_folder(tmp_path: Path) -> None:
    folder = tmp_path / "WhatsApp Chat - Book Club"
    folder.mkdir()
    path = write(
        folder / "_chat.txt",
        f"[24/12/2023, 21:05:14] Book Club: {LRM}Ana turned on disappearing messages.\n"
        f"[24/12/2023, 21:05:20] Ana: hi\n"
        f"[24/12/2023, 21:05:30] Ana's old phone: {LRM}Your security code with Luis changed.\n"
        f"[24/12/2023, 21:05:40] Luis: {LRM}Ana's dog turned 3 today\n",
    )
    items, ctx = parse(path)
    [conversation] = [i for i in items if isinstance(i, Conversation)]
    assert (conversation.platform_id, conversation.title) == ("Book Club", "Book Club")
    assert any("named 'Book Club' after its folder" in w for w in ctx.warnings)
    kinds = [(m.kind, m.sender) for m in messages_of(items)]
    assert kinds == [
        (MessageKind.SYSTEM, None),  # sent "by the chat"
        (MessageKind.TEXT, "Ana"),
        (MessageKind.SYSTEM, None),  # a known event, whoever it is shown as
        (MessageKind.TEXT, "Luis"),  # marked, but no event: a message from Luis
    ]
    assert messages_of(items)[2].extra == {"shown_sender": "Ana's old phone"}
    assert messages_of(items)[3].text == "Ana's dog turned 3 today"


def test_a_date_against_the_established_order_names_the_line_that_fixed_it(tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.txt",
        "13/01/2024, 21:05 - Ana: hi\n14/01/2024, 9:00 - Ana: x\n01/15/2024, 21:06 - Ana: y\n",
    )
    with pytest.raises(ImportFormatError) as caught:
        parse(path)
    assert str(caught.value) == (
        f"{path}, line 3: field 'date': expected a real date read as day/month/year "
        "('13/01/2024' at line 1 fits no other order), found '01/15/2024'."
    )
