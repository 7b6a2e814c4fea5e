"""line-txt: LINE chat history text, mobile (TAB, quoted multi-line) and PC (space, continuation lines)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from chatledger import importers
from chatledger.errors import ImportFormatError
from chatledger.importers.base import SourceFile
from chatledger.model import AttachmentStatus, ConversationKind, Message, MessageKind
from chatledger.store import SQLiteStore
from tests.conftest import SAMPLES, ImportFn, all_messages, conversation_records, snapshot
from tests.importers._zips import write_unflagged_zip

SAMPLE_DIR = SAMPLES / "line"
MOBILE = SAMPLE_DIR / "ja_mobile_tab__line2json_talk-mobile.txt"
PC = SAMPLE_DIR / "ja_pc_space__line2json_talk-pc.txt"


def project(message: Message, keys: list[str]) -> dict[str, Any]:
    """The fields an .expected.json message names, in its vocabulary."""
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


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(
    "expected_file",
    sorted(p for p in SAMPLE_DIR.glob("*.expected.json") if not p.name.startswith("bad_")),
    ids=lambda p: p.name,
)
def test_sample_matches_expected(expected_file: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    sample = expected_file.with_name(expected_file.name.removesuffix(".expected.json"))
    result = import_files(sample, tz=expected["tz"])
    assert result.sources[0].format == expected["format"]
    assert conversation_records(store) == expected["conversations"]
    assert sorted(p.platform_id for p in store.participants()) == expected["participants"]
    keys = list(expected["messages"][0])
    assert [project(m, keys) for m in all_messages(store)] == expected["messages"]
    assert {m.precision.value for m in all_messages(store)} == {"min"}


def test_both_samples_are_detected() -> None:
    for path in (MOBILE, PC):
        assert importers.detect(SourceFile(path)).name == "line-txt"


def comparable(message: Message) -> tuple[str, str | None, str, str]:
    """What the mobile and PC exports of one chat must agree on (PC cannot keep trailing blank lines)."""
    return (
        message.sent_at.strftime("%Y-%m-%d %H:%M"),
        message.sender,
        message.kind.value,
        message.text.rstrip("\n"),
    )


def test_mobile_and_pc_exports_of_one_chat_agree(tmp_path: Path, import_files: ImportFn) -> None:
    """The two line2json files are one chat exported twice. They agree message for message, except that
    the PC file repeats its first two lines (``11:24 A [動画]``, ``11:27 B [プレゼント]``) after the
    12:30 recall, and the mobile file lists 2021-01-02 17:04 before 13:01 (the PC file is in time order).
    """
    store_mobile = SQLiteStore(tmp_path / "mobile.db")
    store_pc = SQLiteStore(tmp_path / "pc.db")
    try:
        from chatledger.ingest import ImportOptions, import_paths

        for db, path in ((store_mobile, MOBILE), (store_pc, PC)):
            import_paths(
                db, [path], originals_dir=tmp_path / "o", options=ImportOptions(zone_name="Asia/Tokyo")
            )
        mobile = [comparable(m) for m in all_messages(store_mobile)]
        pc = [comparable(m) for m in all_messages(store_pc)]
    finally:
        store_mobile.close()
        store_pc.close()
    assert len(mobile) == 22 and len(pc) == 24
    extra = Counter(pc) - Counter(mobile)
    assert extra == Counter(
        [("2021-01-01 11:24", "A", "video", "[動画]"), ("2021-01-01 11:27", "B", "other", "[プレゼント]")]
    )
    assert not Counter(mobile) - Counter(pc)
    assert sorted(set(mobile)) == sorted(set(pc))
    # the same times, senders and texts in the same (time) order once the repeats are set aside
    deduplicated = [m for i, m in enumerate(pc) if m not in pc[:i]]
    assert deduplicated == [m for i, m in enumerate(mobile) if m not in mobile[:i]]


def test_mobile_sample_details(store: SQLiteStore, import_files: ImportFn) -> None:
    result = import_files(MOBILE, tz="Asia/Tokyo")
    assert any("'午前12:MM' read as 12:MM (noon)" in w for w in result.sources[0].warnings)
    messages = all_messages(store)
    recall = next(m for m in messages if m.kind is MessageKind.RECALL)
    assert (recall.sender, recall.sent_at.isoformat()) == ("B", "2021-01-01T12:30:00+09:00")
    photo = next(m for m in messages if m.kind is MessageKind.IMAGE)
    (attachment,) = photo.attachments
    assert attachment.status is AttachmentStatus.NOT_EXPORTED


ENGLISH = (
    "\ufeff[LINE] Chat history in Book club\r\n"
    "Saved on: 2025/11/02 10:30\r\n"
    "\r\n"
    "Sat, 11/01/2025\r\n"
    "10:30 AM\tAna\tHello\r\n"
    '12:05 PM\tLuis\t"He said ""hi""\r\n'
    'twice"\r\n'
    "12:10 AM\t\tAna joined the group.\r\n"
    "1:00 PM\tAna unsent a message.\r\n"
    "1:01 PM\tLuis\t[Photo]\r\n"
    "1:02 PM\tLuis\t☎ Missed call\r\n"
    "\r\n"
    "2015/12/25 Fri\r\n"
    "9:30AM\tAna\t[File]\r\n"
)


def test_english_group_with_ampm_quotes_and_system_lines(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    import_files(write(tmp_path / "[LINE] Book club.txt", ENGLISH), tz="America/New_York")
    (chat,) = store.conversations()
    assert (chat.platform_id, chat.kind) == ("Book club", ConversationKind.GROUP)
    got = [
        (m.sent_at.strftime("%Y-%m-%d %H:%M %z"), m.sender, m.kind.value, m.text, m.locator)
        for m in all_messages(store)
    ]
    assert got == [
        ("2015-12-25 09:30 -0500", "Ana", "file", "[File]", "line 14"),
        ("2025-11-01 00:10 -0400", None, "system", "Ana joined the group.", "line 8"),
        ("2025-11-01 10:30 -0400", "Ana", "text", "Hello", "line 5"),
        ("2025-11-01 12:05 -0400", "Luis", "text", 'He said "hi"\ntwice', "line 6"),
        ("2025-11-01 13:00 -0400", "Ana", "recall", "Ana unsent a message.", "line 9"),
        ("2025-11-01 13:01 -0400", "Luis", "image", "[Photo]", "line 10"),
        ("2025-11-01 13:02 -0400", "Luis", "call", "☎ Missed call", "line 11"),
    ]


def test_chinese_headers_dates_and_half_days(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    text = (
        "[LINE] 与小明的聊天记录\n保存日期: 2026/01/31 09:00\n\n"
        "2026/1/30周五\n上午9:05\t小明\t早\n下午5:38\t小红\t晚上好\n下午12:01\t小明\t中午\n"
    )
    import_files(write(tmp_path / "chat.txt", text), tz="Asia/Shanghai")
    (chat,) = store.conversations()
    assert (chat.platform_id, chat.kind) == ("小明", ConversationKind.DIRECT)
    assert [(m.sent_at.strftime("%H:%M"), m.sender, m.text) for m in all_messages(store)] == [
        ("09:05", "小明", "早"),
        ("12:01", "小明", "中午"),
        ("17:38", "小红", "晚上好"),
    ]


def test_traditional_chinese_title_and_japanese_group(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    tw = "[LINE] 與阿華的聊天記錄\n儲存日期：2024/01/02 10:00\n\n2024/1/1（一）\n10:00\t阿華\t新年快樂\n"
    result = import_files(write(tmp_path / "tw.txt", tw), tz="Asia/Taipei")
    assert not any("weekday" in w for w in result.sources[0].warnings)
    ja = "[LINE] 家族のトーク履歴\n保存日時：2021/04/30 13:16\n\n2021/1/1(金)\n09:00\t母\tおはよう\n"
    import_files(write(tmp_path / "ja.txt", ja), tz="Asia/Tokyo")
    assert sorted((c.platform_id, c.kind) for c in store.conversations()) == [
        ("家族", ConversationKind.GROUP),
        ("阿華", ConversationKind.DIRECT),
    ]


def test_save_line_in_an_unlisted_language_is_the_save_time(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    """Thai (and other locales) label the save line in their own words; it was an error at line 2."""
    th = "[LINE] ประวัติการสนทนากับ Ana\nบันทึกวันที่: 2024/01/15 10:30\n\n2024/01/14(อา.)\n09:15\tAna\tสวัสดี\n"
    result = import_files(write(tmp_path / "th.txt", th))
    [message] = all_messages(store)
    assert (message.sender, message.text, message.locator) == ("Ana", "สวัสดี", "line 5")
    assert any("title" in w and "no known language" in w for w in result.sources[0].warnings)


def test_a_quote_that_never_closes_was_not_a_quote(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    text = (
        "[LINE] Chat history with Ana\nSaved on: 2024/01/15 10:30\n\n2024/01/14(Sun)\n"
        '09:15\tAna\t"so she said\n'
        "and left\n"
        "09:16\tLuis\tok\n"
        '09:17\tAna\t"again\n'
    )
    result = import_files(write(tmp_path / "chat.txt", text))
    got = [(m.sender, m.text, m.locator) for m in all_messages(store)]
    assert got == [
        ("Ana", '"so she said\nand left', "line 5"),
        ("Luis", "ok", "line 7"),
        ("Ana", '"again', "line 8"),
    ]
    warnings = result.sources[0].warnings
    assert (
        "line 5: the text starts with '\"' but no closing '\"' comes before line 7 starts the next message; the '\"' is kept as part of the text"
        in warnings
    )
    assert any(w.startswith("line 8:") and "the file ends" in w for w in warnings)


def test_weekday_that_does_not_fit_the_date_warns(tmp_path: Path, import_files: ImportFn) -> None:
    text = "[LINE] Chat history with Ana\nSaved on: 2024/01/15 10:30\n\n2024/01/14(Mon)\n09:15\tAna\thi\n"
    result = import_files(write(tmp_path / "chat.txt", text))
    assert any("2024-01-14 is a Sun" in w for w in result.sources[0].warnings)


# -- malformed input: exact error, archive unchanged ----------------------------------------------
BAD = {
    "bad_message_before_date.txt": (
        "line 4: expected a date line such as '2021/1/1(金)' before the first message, "
        "found '09:15\\tAna\\tGood morning'."
    ),
    "bad_time_of_day.txt": "line 6: field 'time': expected a time of day such as 09:15, found '24:16'.",
    "bad_date.txt": "line 4: field 'date': expected a real calendar date, found '2023/02/29(Wed)'.",
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_samples(name: str, store: SQLiteStore, import_files: ImportFn) -> None:
    import_files(MOBILE, tz="Asia/Tokyo")
    before = snapshot(store)
    bad = SAMPLE_DIR / name
    with pytest.raises(ImportFormatError) as caught:
        import_files(bad, tz="Asia/Tokyo")
    assert str(caught.value) == f"{bad}, {BAD[name]}"
    assert snapshot(store) == before


def test_sniff_rejects_other_text(tmp_path: Path) -> None:
    line = importers.get("line-txt")
    whatsapp = write(tmp_path / "chat.txt", "24/12/2023, 21:05 - Ana: Hola\n")
    assert line.sniff(SourceFile(whatsapp)) == 0.0
    assert line.sniff(SourceFile(MOBILE)) >= 0.9


def test_untitled_export_in_a_zip_without_the_utf8_flag_is_named_as_written(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    archive = write_unflagged_zip(
        tmp_path / "line.zip", {"[LINE] 山田.txt": "2021.1.1 金曜日\n11:24 A こんにちは\n"}
    )
    import_files(archive, tz="Asia/Tokyo")
    assert [(c.platform_id, c.title) for c in store.conversations()] == [("山田", "山田")]


def test_half_day_twelve_is_the_noon_hour_after_either_word(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    """午前11:59 → 午前12:00 → 午後12:30 → 午後1:00 is one afternoon, as the mobile and PC samples agree."""
    text = (
        "[LINE] Aとのトーク履歴\n保存日時：2021/04/30 午後1:16\n\n2021/04/30(金)\n"
        "午前11:59\tA\ta\n午前12:00\tA\tb\n午後12:30\tA\tc\n午後1:00\tA\td\n"
    )
    import_files(write(tmp_path / "chat.txt", text), tz="Asia/Tokyo")
    assert [(m.sent_at.strftime("%H:%M"), m.text) for m in all_messages(store)] == [
        ("11:59", "a"),
        ("12:00", "b"),
        ("12:30", "c"),
        ("13:00", "d"),
    ]
