"""Real pairs: the LINE mobile and PC exports of one chat; a WhatsApp chat as .txt and as its .zip."""

from __future__ import annotations

import re
from pathlib import Path

from chatledger.compare import compare, resolve_side
from chatledger.store import SQLiteStore
from tests.conftest import SAMPLES, ImportFn, shared_sample

MOBILE = SAMPLES / "line" / "ja_mobile_tab__line2json_talk-mobile.txt"
PC = SAMPLES / "line" / "ja_pc_space__line2json_talk-pc.txt"


def test_line_mobile_against_pc_reports_the_two_repeats_and_the_reordered_day(
    store: SQLiteStore, import_files: ImportFn
) -> None:
    import_files(MOBILE, PC, tz="Asia/Tokyo")
    comparison = compare(resolve_side(store, str(MOBILE)), resolve_side(store, str(PC)))
    assert comparison.counts == {
        "same": 21, "only_a": 0, "only_b": 2, "altered": 0, "retimed": 0,
        "reordered": 1, "sender": 0, "kind": 0, "recalled": 0,
    }  # fmt: skip
    assert not comparison.identical
    only_b = [comparison.message_b(r) for r in comparison.rows if r.status == "only_b"]
    # the PC file's lines 10-11 repeat its first two messages after the 12:30 recall
    assert [(m.locator, m.sent_at.strftime("%H:%M"), m.sender, m.text) for m in only_b if m] == [
        ("line 10", "11:24", "A", "[動画]"),
        ("line 11", "11:27", "B", "[プレゼント]"),
    ]
    (moved,) = [r for r in comparison.rows if "reordered" in r.classes]
    first, second = comparison.message_a(moved), comparison.message_b(moved)
    assert first and second and first.sent_at.strftime("%m-%d") == "01-02"
    assert {first.sent_at.strftime("%H:%M")} <= {"13:01", "17:04"}
    assert comparison.alignment.offset_ms == 0
    assert {(s.a, s.b) for s in comparison.alignment.senders} == {("A", "A"), ("B", "B")}


def test_the_same_file_against_itself_is_identical(store: SQLiteStore, import_files: ImportFn) -> None:
    import_files(MOBILE, tz="Asia/Tokyo")
    comparison = compare(resolve_side(store, "source:1"), resolve_side(store, "source:1"))
    assert comparison.identical and comparison.counts["same"] == 22


def test_whatsapp_txt_against_its_zip_agree(store: SQLiteStore, import_files: ImportFn) -> None:
    """The zip holds the same ``_chat.txt`` (CRLF instead of LF). The chat is named after the file, so the
    two land in two chats of the archive; compare pairs them and finds every message the same."""
    txt = shared_sample("whatsapp/android_mdyy_group_system__chat-analytics_4A_11M.txt")
    zipped = shared_sample("whatsapp/zip_export__chat-analytics_4A_11M.zip")
    import_files(txt, zipped)
    side_txt, side_zip = resolve_side(store, str(txt)), resolve_side(store, str(zipped))
    assert len(side_txt.messages) == len(side_zip.messages) == 14
    comparison = compare(side_txt, side_zip)
    assert comparison.identical, comparison.counts
    assert comparison.counts["same"] == 14
    assert comparison.alignment.conversation_map == {
        side_txt.messages[0].conversation_id: side_zip.messages[0].conversation_id
    }


def test_a_tampered_copy_of_the_line_export_shows_each_change_in_its_class(
    store: SQLiteStore, import_files: ImportFn, tmp_path: Path
) -> None:
    """The LINE mobile export against a copy edited by hand, one change per class: every change found in
    its class and nothing else reported (precision and recall 1 on a real file)."""
    original = MOBILE.read_bytes().decode("utf-8")
    edits = [
        ("午前12:03\tA\tあいうえお\r\n", ""),  # deleted
        (
            "午前12:09\tB\thttp://huga.com\r\n",
            "午前12:09\tB\thttp://huga.com\r\n午前12:10\tA\t了解です\r\n",
        ),  # inserted
        ("午後07:38\tA\tΨ( 'ч' ☆)", "午後07:38\tA\tΨ( 'ч' ★)"),  # altered
        ("午後08:40\tB\t☎ 不在着信", "午後09:10\tB\t☎ 不在着信"),  # re-timed by 30 minutes
        ("午前11:27\tB\t[プレゼント]", "午前11:27\tA\t[プレゼント]"),  # sender
        ("午前12:30\tB\t[写真]", "午前12:30\tB\t写真"),  # kind: a photo written as text
        ("午後09:42\tB\t[ボイスメッセージ]", "午後09:42\tBがメッセージの送信を取り消しました"),  # recalled
    ]
    tampered = original
    for old, new in edits:
        assert tampered.count(old) == 1, old
        tampered = tampered.replace(old, new)
    copy = tmp_path / "tampered.txt"
    copy.write_bytes(tampered.encode("utf-8"))
    import_files(MOBILE, copy, tz="Asia/Tokyo")
    comparison = compare(resolve_side(store, str(MOBILE)), resolve_side(store, str(copy)))
    changed = []
    for row in comparison.rows:
        message = comparison.message_a(row) or comparison.message_b(row)
        assert message is not None
        changed += [(name, message.text) for name in row.classes if name != "same"]
    changed.sort()
    assert changed == [
        ("altered", "Ψ( 'ч' ☆)"),
        ("kind", "[写真]"),
        ("only_a", "あいうえお"),
        ("only_b", "了解です"),
        ("recalled", "[ボイスメッセージ]"),
        ("retimed", "☎ 不在着信"),
        ("sender", "[プレゼント]"),
    ]
    assert comparison.counts["same"] == 22 - 6


def test_the_whatsapp_export_from_a_phone_3_minutes_fast_with_a_renamed_contact_is_the_same(
    store: SQLiteStore, import_files: ImportFn, tmp_path: Path
) -> None:
    """Clock skew and a renamed sender on a real file: every time 3 minutes later and Bob saved as
    Robert; the offset and the pairing are inferred and no message is reported."""
    txt = shared_sample("whatsapp/android_mdyy_group_system__chat-analytics_4A_11M.txt")

    def later(match: re.Match[str]) -> str:
        hour, minute = int(match[1]), int(match[2]) + 3
        return f", {hour + minute // 60:02d}:{minute % 60:02d} - "

    shifted = re.sub(r", (\d\d):(\d\d) - ", later, txt.read_text(encoding="utf-8"))
    assert "23:59 - Mallory" in shifted
    copy = tmp_path / "phone_fast.txt"
    copy.write_text(shifted.replace(" - Bob: ", " - Robert: "), encoding="utf-8")
    import_files(txt, copy)
    comparison = compare(resolve_side(store, str(txt)), resolve_side(store, str(copy)))
    assert comparison.alignment.offset_ms == 180_000
    assert comparison.alignment.sender_map["Bob"] == "Robert"
    assert comparison.identical, comparison.counts
