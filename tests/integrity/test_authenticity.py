"""Authenticity checks: the findings real samples really have, each anomaly injected and located, and no
false findings on clean files."""

from __future__ import annotations

import json
import os
import sqlite3
import time
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from benchmarks.corpus import generate
from chatledger.cli import app
from chatledger.errors import NotCheckedError, NotFoundError
from chatledger.ingest import ImportResult
from chatledger.integrity.authenticity import MAX_FINDINGS, check_source, find_source
from chatledger.integrity.authenticity_texts import duration, duration_zh
from chatledger.model import AuthenticityFinding
from chatledger.store import SQLiteStore
from tests.conftest import SAMPLES, ImportFn

Summary = tuple[str, str, int, list[str]]


def summary(findings: list[AuthenticityFinding]) -> list[Summary]:
    """(check, severity, count, locators of the messages named), sorted."""
    return sorted((f.check, f.severity.value, f.count, [m.locator for m in f.messages]) for f in findings)


def source_id(result: ImportResult) -> int:
    (source,) = [s for s in result.sources if s.status == "imported"]
    assert source.source_id is not None
    return source.source_id


def assert_located(store: SQLiteStore, sid: int, findings: list[AuthenticityFinding]) -> None:
    """Every message a finding names is archived, and the source holds it at the locator named."""
    for finding in findings:
        for ref in finding.messages:
            assert ref.id is not None, (finding.check, ref)
            if ref.locator:
                assert (sid, ref.locator) in store.message_sources(ref.id) or any(
                    s != sid for s, _ in store.message_sources(ref.id)
                ), (finding.check, ref)


# -- real samples ---------------------------------------------------------------------------------
REAL: list[tuple[str, str, list[Summary]]] = [
    # LINE PC repeats 11:24 and 11:27 after the 12:30 recall (README); two recall notices.
    ("line/ja_pc_space__line2json_talk-pc.txt", "Asia/Tokyo", [
        ("out_of_order", "warning", 2, ["line 7", "line 10", "line 11"]),
        ("recalled", "info", 2, ["line 9", "line 24"]),
    ]),
    # LINE mobile lists 2021-01-02 17:04 before 13:01.
    ("line/ja_mobile_tab__line2json_talk-mobile.txt", "Asia/Tokyo", [
        ("out_of_order", "warning", 1, ["line 27", "line 31"]),
        ("recalled", "info", 2, ["line 12", "line 31"]),
    ]),
    # The Victor chat: 2010-01-06 0:00:37 written after 16:57:28 of the same day.
    ("qq/two_chats_gbk_crlf.txt", "Asia/Shanghai", [
        ("out_of_order", "warning", 1, ["line 32", "line 35"]),
        ("recalled", "info", 1, ["line 23"]),
    ]),
    ("qq/friend_2p_5m_gbk_image.mht", "Asia/Shanghai", [("recalled", "info", 1, ["html row 12"])]),
    # The 1:1 chat's "agree" record (line 9) is 50 minutes older than the file message at line 6.
    ("wecom/archive_3p_9m.jsonl", "Asia/Shanghai", [
        ("out_of_order", "warning", 1, ["line 6", "line 9"]),
        ("recalled", "info", 1, ["line 4"]),
    ]),
    # exportedAt 2024-03-26 16:00 UTC, yet four messages run to 16:05.
    ("chatlab/group_3p_6m.json", "UTC", [
        ("after_export", "high", 4, ["$.messages[2]", "$.messages[3]", "$.messages[4]", "$.messages[5]"]),
        ("recalled", "info", 1, ["$.messages[3]"]),
    ]),
    # A WeChat message dated 1969 (timestamp -86400).
    ("chatlab/private_2p_2m.jsonl", "UTC", [("before_platform", "high", 1, ["line 6"])]),
    ("discord/general [part 1].json", "UTC", [("edited", "info", 1, ["$.messages[0]"])]),
    ("feishu/messages_page_3p_7m.json", "Asia/Shanghai", [
        ("edited", "info", 1, ["$.data.items[5]"]),
        ("recalled", "info", 1, ["$.data.items[4]"]),
    ]),
    ("slack/workspace_export__slack-export-viewer_testarchive.zip", "UTC", [
        ("edited", "info", 1, ["traveling-sailor/2016-03-25.json $[7]"]),
    ]),
    ("wechat/memotrace_v2_direct_2p_10m.csv", "Asia/Shanghai", [("recalled", "info", 2, ["line 10", "line 13"])]),
    ("wechat/pywxdump_group_4p_11m.csv", "Asia/Shanghai", [("recalled", "info", 2, ["line 14", "line 19"])]),
    (
        "wechat/wechatmsg_v1_group_4p_13m.csv",
        "Asia/Shanghai",
        [("recalled", "info", 3, ["line 10", "line 11", "line 15"])],
    ),
    ("wechat/wechatmsg_v1_direct_2p_8m.csv", "Asia/Shanghai", [("recalled", "info", 1, ["line 10"])]),
    # Meta writes newest first: read in that direction, the file is in order.
    ("messenger/messages/inbox/club_123/message_1.json", "UTC", [("recalled", "info", 1, ["$.messages[1]"])]),
    ("messenger/messages/inbox/club_123/message_2.json", "UTC", []),
    ("discord/general [part 2].json", "UTC", []),
    ("wechat/pywxdump_excel_lossy_2p_6m.csv", "Asia/Shanghai", []),
    ("generic/canonical_2p_2m.jsonl", "UTC", []),
    # Clean: no findings at all (mixed offsets in a mailbox are each sender's clock, not reported).
    ("whatsapp/chat-miner_test_ddmmyy_24hrs.txt", "UTC", []),
    ("whatsapp/chat-miner_test_mmddyyyy_12hrs.txt", "UTC", []),
    ("telegram/single_chat_2p_2m__chat-miner.json", "UTC", []),
    ("telegram/account_1c_2p_2m__chat-miner.json", "UTC", []),
    ("wechat/pywxdump_json_direct_2p_4m.json", "Asia/Shanghai", []),
    ("dingtalk/robot_callbacks_3p_5m.jsonl", "Asia/Shanghai", []),
    ("messenger/instagram__chat-miner_test_export.json", "UTC", []),
    ("email/threads_4m_gb2312_attachments.mbox", "UTC", []),
]  # fmt: skip


@pytest.mark.parametrize(("sample", "tz", "expected"), REAL, ids=[r[0] for r in REAL])
def test_real_samples_have_the_findings_they_really_have(
    store: SQLiteStore, import_files: ImportFn, sample: str, tz: str, expected: list[Summary]
) -> None:
    result = import_files(SAMPLES / sample, tz=tz)
    sid = source_id(result)
    findings = check_source(store, sid)
    assert summary(findings) == sorted(expected)
    assert_located(store, sid, findings)
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.severity.value] = counts.get(f.severity.value, 0) + 1
    assert result.sources[0].findings == counts
    for f in findings:
        assert f.explanation_en and f.explanation_zh and f.explanation_en != f.explanation_zh


def test_line_pc_run_names_the_anchor_and_the_moved_messages(
    store: SQLiteStore, import_files: ImportFn
) -> None:
    sid = source_id(import_files(SAMPLES / "line/ja_pc_space__line2json_talk-pc.txt", tz="Asia/Tokyo"))
    (run,) = [f for f in check_source(store, sid) if f.check == "out_of_order"]
    anchor, start, end = run.messages
    assert (anchor.role, start.role, end.role) == ("later message before the run", "run start", "run end")
    assert [store.messages_by_ids([m.id or 0])[0].text for m in run.messages] == [
        "[スタンプ]",
        "[動画]",
        "[プレゼント]",
    ]
    assert run.detail["earlier_by_ms"] == 66 * 60_000
    assert "66 min earlier" in run.explanation_en and "66 分钟" in run.explanation_zh


@pytest.mark.parametrize(
    ("ms", "en", "zh"),
    [
        (0, "0 ms", "0 毫秒"),
        (450, "450 ms", "450 毫秒"),
        (1_000, "1 s", "1 秒"),
        (66 * 60_000, "66 min", "66 分钟"),
    ],
)
def test_durations_below_a_second_read_in_milliseconds(ms: int, en: str, zh: str) -> None:
    """A sub-second inversion (millisecond exports) is not described as "0 s earlier"."""
    assert (duration(ms), duration_zh(ms)) == (en, zh)


# -- generated fixtures: each anomaly injected -------------------------------------------------------
BASE = int(datetime(2024, 3, 1, 2, 0, tzinfo=UTC).timestamp())


def tg(mid: int, ts: int, text: str = "hi", *, sender: str = "user1", name: str = "Ana", offset: int = 480,
       **more: Any) -> dict[str, Any]:  # fmt: skip
    """A Telegram Desktop message written on a PC at ``offset`` minutes from UTC."""
    local = datetime.fromtimestamp(ts, timezone(timedelta(minutes=offset))).replace(tzinfo=None)
    return {"id": mid, "type": "message", "date": local.isoformat(), "date_unixtime": str(ts), "from": name,
            "from_id": sender, "text": text, **more}  # fmt: skip


def telegram(path: Path, messages: list[dict[str, Any]], *, chat_type: str = "public_supergroup") -> Path:
    path.write_text(
        json.dumps({"name": "Group", "type": chat_type, "id": 42, "messages": messages}, ensure_ascii=False),
        encoding="utf-8",
    )
    return path


def clean_messages(n: int = 12) -> list[dict[str, Any]]:
    return [tg(i + 1, BASE + 60 * i, f"message {i}") for i in range(n)]


def test_clean_telegram_supergroup_has_no_findings(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    sid = source_id(import_files(telegram(tmp_path / "clean.json", clean_messages())))
    assert check_source(store, sid) == []


def test_messages_moved_later_in_the_file_are_one_run(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    messages = clean_messages(12)
    moved = messages[2:5]
    order = messages[:2] + messages[5:9] + moved + messages[9:]
    sid = source_id(import_files(telegram(tmp_path / "moved.json", order, chat_type="personal_chat")))
    (run,) = check_source(store, sid)
    assert (run.check, run.severity.value, run.count) == ("out_of_order", "warning", 3)
    assert run.detail["shape"] == "earlier block"
    assert [m.locator for m in run.messages] == ["$.messages[5]", "$.messages[6]", "$.messages[8]"]
    assert [store.messages_by_ids([m.id or 0])[0].text for m in run.messages] == [
        "message 8", "message 2", "message 4",
    ]  # fmt: skip


def test_one_message_dated_forward_is_named_itself(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    messages = clean_messages(12)
    messages[3] = tg(4, BASE + 180 + 86_400, "message 3, a day ahead")
    sid = source_id(import_files(telegram(tmp_path / "ahead.json", messages, chat_type="personal_chat")))
    (finding,) = check_source(store, sid)
    assert (finding.check, finding.count, finding.detail["shape"]) == ("out_of_order", 8, "late message")
    assert [(m.locator, m.role) for m in finding.messages] == [
        ("$.messages[3]", "out-of-place message"),
        ("$.messages[4]", "first message after it"),
        ("$.messages[11]", "last message dated before it"),
    ]
    assert finding.explanation_en.startswith(
        "$.messages[3] dated 2024-03-02 10:03:00 +0800 is later than the 8 messages"
    )


def test_a_newest_first_meta_file_is_read_newest_first(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    times = [10, 9, 5, 4, 8, 7, 6, 3, 2, 1]  # 8, 7, 6 written after 5 and 4, though newer
    thread = {
        "participants": [{"name": "Ana"}, {"name": "Bo"}],
        "messages": [
            {
                "sender_name": "Ana" if t % 2 else "Bo",
                "timestamp_ms": (BASE + 60 * t) * 1000,
                "content": f"at {t}",
            }
            for t in times
        ],
        "title": "Ana and Bo",
        "thread_type": "Regular",
        "thread_path": "inbox/anabo_1",
    }
    path = tmp_path / "message_1.json"
    path.write_text(json.dumps(thread), encoding="utf-8")
    (run,) = check_source(store, source_id(import_files(path, format="messenger-json")))
    assert (run.check, run.count, run.detail["shape"]) == ("out_of_order", 3, "earlier block")
    assert [m.locator for m in run.messages] == ["$.messages[3]", "$.messages[4]", "$.messages[6]"]
    assert "later (the file is newest first)" in run.explanation_en


def test_out_of_order_runs_are_bounded(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    messages = []
    for i in range(MAX_FINDINGS + 30):  # each pair is written later-first
        messages += [tg(2 * i + 2, BASE + 120 * i + 60), tg(2 * i + 1, BASE + 120 * i)]
    sid = source_id(import_files(telegram(tmp_path / "swapped.json", messages, chat_type="personal_chat")))
    findings = check_source(store, sid)
    assert len(findings) == MAX_FINDINGS + 1
    assert sum(1 for f in findings if f.detail.get("unlisted") == 30) == 1


def test_future_and_pre_platform_times(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    future = int(time.time()) + 3 * 86_400
    early = int(datetime(2012, 5, 1, tzinfo=UTC).timestamp())
    messages = [tg(1, early, "too early"), *clean_messages(4)[1:], tg(5, future, "from the future")]
    sid = source_id(import_files(telegram(tmp_path / "times.json", messages, chat_type="personal_chat")))
    assert summary(check_source(store, sid)) == [
        ("before_platform", "high", 1, ["$.messages[0]"]),
        ("future", "high", 1, ["$.messages[4]"]),
    ]


def test_after_the_files_modification_time(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    path = telegram(tmp_path / "mtime.json", clean_messages(6), chat_type="personal_chat")
    os.utime(path, (BASE + 90, BASE + 90))  # "modified" before messages 3..5 were written
    sid = source_id(import_files(path))
    (finding,) = check_source(store, sid)
    assert (finding.check, finding.severity.value, finding.count) == ("after_export", "warning", 3)
    assert finding.detail == {"export_basis": "file modification time", "exported_at_ms": (BASE + 90) * 1000}
    assert [m.locator for m in finding.messages] == ["$.messages[3]", "$.messages[4]", "$.messages[5]"]


def test_after_the_whatsapp_zip_members_time(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    chat = "13/02/2024, 10:00 - Ana: hi\n13/02/2024, 10:30 - Bo: hello\n13/02/2024, 11:15 - Ana: late\n"
    path = tmp_path / "WhatsApp Chat - Ana.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("WhatsApp Chat with Ana.txt", (2024, 2, 13, 10, 45, 0)), chat)
    sid = source_id(import_files(path, tz="Europe/Berlin"))
    (finding,) = check_source(store, sid)
    assert (finding.check, finding.severity.value, finding.count) == ("after_export", "high", 1)
    assert finding.detail["export_basis"] == "zip member time"
    assert [m.locator for m in finding.messages] == ["WhatsApp Chat with Ana.txt line 3"]


def test_repeated_platform_id_in_one_file(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    messages = clean_messages(6)
    messages.append(tg(3, BASE + 120, "message 2"))  # the same message again
    messages.append(tg(4, BASE + 180, "a different text under id 4"))
    sid = source_id(import_files(telegram(tmp_path / "dups.json", messages, chat_type="personal_chat")))
    findings = check_source(store, sid)
    assert summary(findings) == [
        ("duplicate_id", "high", 2, ["$.messages[3]", "$.messages[7]"]),
        ("duplicate_id", "info", 1, ["$.messages[6]"]),
        ("out_of_order", "warning", 2, ["$.messages[5]", "$.messages[6]", "$.messages[7]"]),
    ]
    conflict = next(f for f in findings if f.check == "duplicate_id" and f.severity.value == "high")
    first, second = store.messages_by_ids([m.id or 0 for m in conflict.messages])
    assert (first.text, second.text) == ("message 3", "a different text under id 4")
    assert conflict.detail["first"]["text"] == "message 3"
    assert store.stats().messages == 8  # nothing dropped


def test_a_conflicting_copy_of_an_archived_id_is_kept_and_reported(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    import_files(telegram(tmp_path / "may.json", clean_messages(5), chat_type="personal_chat"))
    later = clean_messages(5)
    later[1] = tg(2, BASE + 60, "message 1, altered")  # no edit marker
    later[2] = tg(3, BASE + 120, "message 2, edited", edited_unixtime=str(BASE + 4000))
    later[3] = tg(4, BASE + 180 + 3600, "message 3")  # only the time moved
    result = import_files(telegram(tmp_path / "june.json", later, chat_type="personal_chat"))
    sid = source_id(result)
    findings = check_source(store, sid)
    conflicts = [(f.severity.value, f.detail["cause"], f.messages[1].locator) for f in findings
                 if f.check == "archive_conflict"]  # fmt: skip
    assert conflicts == [
        ("high", "unexplained", "$.messages[1]"),
        ("warning", "re-timed", "$.messages[3]"),
        ("info", "edited since", "$.messages[2]"),
    ]
    assert result.new == 2  # the altered and the edited copy are archived; the re-timed one is recorded only
    texts = sorted(m.text for m in store.messages(1))
    assert texts == sorted([f"message {i}" for i in range(5)] + ["message 1, altered", "message 2, edited"])
    altered = next(f for f in findings if f.detail.get("cause") == "unexplained")
    archived, copy = store.messages_by_ids([m.id or 0 for m in altered.messages])
    assert (archived.text, copy.text) == ("message 1", "message 1, altered")
    assert copy.extra is not None and copy.extra["duplicate_platform_id"] is True
    retimed = next(f for f in findings if f.detail.get("cause") == "re-timed")
    assert retimed.detail["this_file"]["ts_ms"] - retimed.detail["archived"]["ts_ms"] == 3_600_000


def test_sequence_gaps_in_a_supergroup_not_in_a_private_chat(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    ids = [1, 2, 3, 6, 7, 10, 11]
    messages = [tg(mid, BASE + 60 * i) for i, mid in enumerate(ids)]
    sid = source_id(import_files(telegram(tmp_path / "group.json", messages)))
    (gap,) = check_source(store, sid)
    assert (gap.check, gap.severity.value, gap.count) == ("sequence_gap", "info", 4)
    assert [(m.locator, m.role) for m in gap.messages] == [
        ("$.messages[2]", "before a gap of 2"), ("$.messages[3]", "after the gap"),
        ("$.messages[4]", "before a gap of 2"), ("$.messages[5]", "after the gap"),
    ]  # fmt: skip
    private = [tg(mid, BASE + 60 * i, sender="user2", name="Bo") for i, mid in enumerate([20, 25, 31])]
    assert (
        check_source(
            store, source_id(import_files(telegram(tmp_path / "dm.json", private, chat_type="personal_chat")))
        )
        == []
    )


def test_edits_recalls_renames_and_offsets(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    messages = clean_messages(8)
    messages[2] = tg(3, BASE + 120, "fixed typo", edited_unixtime=str(BASE + 200))
    messages[5] = tg(6, BASE + 300, name="Ana Li")
    messages[6] = tg(7, BASE + 360, name="Ana Li", offset=-300)
    messages[7] = tg(8, BASE + 420, offset=-300)
    sid = source_id(import_files(telegram(tmp_path / "mixed.json", messages)))
    findings = check_source(store, sid)
    assert summary(findings) == [
        ("edited", "info", 1, ["$.messages[2]"]),
        ("mixed_offsets", "warning", 8, ["$.messages[6]", "$.messages[0]"]),
        ("name_change", "info", 1, ["$.messages[5]"]),
        ("name_change", "info", 1, ["$.messages[7]"]),
    ]
    renames = sorted((f.detail["old"], f.detail["new"]) for f in findings if f.check == "name_change")
    assert renames == [("Ana", "Ana Li"), ("Ana Li", "Ana")]


def test_daylight_saving_time_is_not_mixed_offsets(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    winter = [tg(i + 1, BASE + 86_400 * i, offset=60) for i in range(3)]
    summer = [tg(i + 4, BASE + 86_400 * (40 + i), offset=120) for i in range(3)]
    sid = source_id(import_files(telegram(tmp_path / "dst.json", winter + summer)))
    assert check_source(store, sid) == []


@pytest.mark.parametrize("fmt", ["whatsapp-android", "wechat-pywxdump-csv", "telegram-json"])
def test_generated_corpora_have_no_false_findings(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn, fmt: str
) -> None:
    path = tmp_path / f"corpus.{'json' if 'telegram' in fmt else 'csv' if 'csv' in fmt else 'txt'}"
    truth = tmp_path / "truth.jsonl"
    generate(fmt, 3000, path, seed=3, truth_path=truth)
    sid = source_id(import_files(path, tz="Asia/Shanghai"))
    findings = [f for f in check_source(store, sid) if f.check not in ("edited", "recalled")]
    deleted = truth.read_text(encoding="utf-8").count('"deleted_before"')
    if fmt == "telegram-json":  # the corpus deletes a few supergroup messages: their ids are the gaps
        assert deleted > 0
        assert [(f.check, f.count) for f in findings] == [("sequence_gap", deleted)]
    else:
        assert findings == []


def test_findings_roll_back_with_a_failed_import(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{"name": "G", "type": "personal_chat", "id": 1, "messages": [{"id": 1}]}', encoding="utf-8"
    )
    with pytest.raises(Exception, match="bad.json"):
        import_files(SAMPLES / "line/ja_pc_space__line2json_talk-pc.txt", bad, tz="Asia/Tokyo")
    assert store.sources() == []
    assert store.findings(1) is None  # neither the findings nor the record of the run survive


# -- reading them back ----------------------------------------------------------------------------
def test_check_command(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    result = import_files(SAMPLES / "line/ja_pc_space__line2json_talk-pc.txt", tz="Asia/Tokyo")
    sha = result.sources[0].sha256
    store.close()
    db = str(tmp_path / "archive.db")
    runner = CliRunner()
    shown = runner.invoke(app, ["--db", db, "check", sha[:8], "--lang", "en"])
    assert shown.exit_code == 0, shown.output
    assert "2 authenticity findings (1 warning, 1 info)" in shown.output
    assert "line 10 … line 11" in shown.output
    zh = runner.invoke(app, ["--db", db, "check", "--all", "--lang", "zh"])
    assert "警告 out_of_order" in zh.output and "撤回" in zh.output
    data = json.loads(runner.invoke(app, ["--db", db, "check", "1", "--json"]).output)
    assert data[0]["summary"] == {"warning": 1, "info": 1}
    assert {f["check"] for f in data[0]["findings"]} == {"out_of_order", "recalled"}
    missing = runner.invoke(app, ["--db", db, "check", "99"])
    assert missing.exit_code != 0


def test_import_prints_the_summary_line(tmp_path: Path) -> None:
    out = CliRunner().invoke(
        app,
        ["--db", str(tmp_path / "a.db"), "import", str(SAMPLES / "qq/two_chats_gbk_crlf.txt"), "--quiet",
         "--tz", "Asia/Shanghai"],
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    assert "2 authenticity findings (1 warning, 1 info): chatledger check 1" in out.output


def test_find_source_by_id_or_prefix(store: SQLiteStore, import_files: ImportFn) -> None:
    result = import_files(SAMPLES / "qq/two_chats_gbk_crlf.txt", tz="Asia/Shanghai")
    assert find_source(store, "1").sha256 == result.sources[0].sha256
    assert find_source(store, result.sources[0].sha256[:6].upper()).id == 1
    with pytest.raises(NotFoundError, match="6 or more"):
        find_source(store, "8c8")


def test_a_source_imported_before_the_checks_says_so(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    import_files(SAMPLES / "qq/two_chats_gbk_crlf.txt", tz="Asia/Shanghai")
    store.close()
    with sqlite3.connect(tmp_path / "archive.db") as db:  # as an archive written by an older chatledger
        db.execute("DELETE FROM authenticity_runs")
        db.execute("DELETE FROM authenticity_findings")
    older = SQLiteStore(tmp_path / "archive.db")
    with pytest.raises(NotCheckedError, match="imported before"):
        check_source(older, 1)
    with pytest.raises(NotFoundError):
        check_source(older, 7)
    older.close()
    shown = CliRunner().invoke(app, ["--db", str(tmp_path / "archive.db"), "check", "--all"])
    assert shown.exit_code == 0 and "not checked" in shown.output


def test_line_saved_at_half_day_twelve_is_noon_as_its_messages_are(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    """LINE writes 12:xx after noon as 午前12:xx (the mobile sample's 午前12:03 is the PC sample's 12:03)."""
    path = tmp_path / "[LINE] Aとのトーク履歴.txt"
    path.write_text(
        "[LINE] Aとのトーク履歴\n保存日時：2021/04/30 午前12:16\n\n2021/04/30(金)\n"
        "午前11:24\tA\tおはよう\n午前12:03\tB\tこんにちは\n午前12:10\tA\tまたね\n",
        encoding="utf-8",
    )
    sid = source_id(import_files(path, tz="Asia/Tokyo"))
    assert summary(check_source(store, sid)) == []
    path.write_text(path.read_text(encoding="utf-8") + "午前12:20\tB\t保存の後\n", encoding="utf-8")
    (finding,) = check_source(store, source_id(import_files(path, tz="Asia/Tokyo")))
    assert (finding.check, finding.count, [m.locator for m in finding.messages]) == (
        "after_export",
        1,
        ["line 8"],
    )
    assert finding.detail["exported_at_ms"] == int(
        datetime(2021, 4, 30, 3, 16, tzinfo=UTC).timestamp() * 1000
    )
