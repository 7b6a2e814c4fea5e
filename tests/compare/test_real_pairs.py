"""Real pairs: the LINE mobile and PC exports of one chat; a WhatsApp chat as .txt and as its .zip."""

from __future__ import annotations

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
