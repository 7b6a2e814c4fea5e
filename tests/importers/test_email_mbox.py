"""email-mbox and email-eml: threads, charsets, attachments, the unquoted ``From `` body line."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from chatledger import importers
from chatledger.errors import ImportFormatError
from chatledger.importers.base import SourceFile
from chatledger.importers.email_mbox import html_to_text, normalise_subject
from chatledger.model import Message
from chatledger.store import SQLiteStore
from tests.conftest import SAMPLES, ImportFn, all_messages, conversation_records, snapshot

EMAIL = SAMPLES / "email"
GOOD = sorted(p for p in EMAIL.glob("*.expected.json") if not p.name.startswith("bad_"))
BAD = sorted(EMAIL.glob("bad_*.expected.json"))


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
        "attachments": [
            {
                "name": a.name,
                "kind": a.kind.value,
                "status": a.status.value,
                "size": a.size,
                "sha256": a.sha256,
                "md5": a.md5,
                "mime_type": a.mime_type,
            }
            for a in m.attachments
        ],
    }


@pytest.mark.parametrize("expected_file", GOOD, ids=lambda p: p.name)
def test_sample_matches_expected(expected_file: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    want = json.loads(expected_file.read_text(encoding="utf-8"))
    sample = expected_file.with_name(expected_file.name.removesuffix(".expected.json"))
    [source] = import_files(sample, tz=want["tz"]).sources  # detected, not forced
    assert source.format == want["format"]
    conversations = conversation_records(store)
    assert conversations == want["conversations"]
    assert [as_expected(m) for m in all_messages(store)] == want["messages"]


@pytest.mark.parametrize("expected_file", BAD, ids=lambda p: p.name)
def test_bad_samples_leave_archive_unchanged(
    expected_file: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    want = json.loads(expected_file.read_text(encoding="utf-8"))
    import_files(EMAIL / "threads_4m_gb2312_attachments.mbox")
    before = snapshot(store)
    sample = expected_file.with_name(expected_file.name.removesuffix(".expected.json"))
    with pytest.raises(ImportFormatError) as caught:
        import_files(sample, format=want["format"])
    assert str(caught.value) == want["error"].replace("{path}", str(sample))
    assert (caught.value.locator, caught.value.field) == ("line 1", "Date")
    assert snapshot(store) == before


def test_mbox_date_missing_uses_separator_as_utc(store: SQLiteStore, import_files: ImportFn) -> None:
    [source] = import_files(
        EMAIL / "unquoted_from_in_body__cpython_mailbox_01.mbox", tz="Asia/Shanghai"
    ).sources
    [message] = all_messages(store)
    # separator "Sun Aug  7 11:40:37 2022": UTC (RFC 4155), whatever --tz says
    assert (message.sent_at.isoformat(), message.utc_offset_min) == ("2022-08-07T11:40:37+00:00", 0)
    assert message.extra == {
        "date_source": "mbox separator line, read as UTC",
        "subject": "unquoted From in body; extra info on From line",
    }
    assert any(
        "no Date header; the mbox separator's date was used, read as UTC" in w for w in source.warnings
    )


RECEIVED = (
    "Received: from mx.example.org by mail.example.com; Tue, 5 Mar 2024 10:00:09 +0100\n"
    "Received: from laptop by mx.example.org; Tue, 5 Mar 2024 08:59:58 +0000\n"
)


@pytest.mark.parametrize(
    ("separator", "received", "sent", "source"),
    [
        (
            "Tue Mar  5 12:00:00 +0800 2024",
            RECEIVED,
            "2024-03-05T12:00:00+08:00",
            "mbox separator line, at its offset +0800",
        ),
        ("Fri Feb 30 12:00:00 2024", RECEIVED, "2024-03-05T10:00:09+01:00", "newest Received header"),
    ],
    ids=["separator-offset", "no-real-separator-date"],
)
def test_mbox_date_missing_uses_separator_offset_then_newest_received(
    tmp_path: Path,
    store: SQLiteStore,
    import_files: ImportFn,
    separator: str,
    received: str,
    sent: str,
    source: str,
) -> None:
    path = tmp_path / "box.mbox"
    path.write_text(
        f"From alice@example.com {separator}\n{received}From: alice@example.com\nSubject: s\n\nhi\n"
    )
    [imported] = import_files(path, tz="America/New_York").sources
    [message] = all_messages(store)
    assert (message.sent_at.isoformat(), message.extra) == (sent, {"date_source": source, "subject": "s"})
    assert any("no Date header" in w for w in imported.warnings)


def test_eml_without_date_uses_the_newest_received(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    path = tmp_path / "m.eml"
    path.write_text(f"{RECEIVED}From: alice@example.com\nTo: bob@example.com\nSubject: s\n\nhi\n")
    import_files(path)
    [message] = all_messages(store)
    assert (message.sent_at.isoformat(), message.extra and message.extra["date_source"]) == (
        "2024-03-05T10:00:09+01:00",
        "newest Received header",
    )


def test_text_before_first_separator(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    path = tmp_path / "x.mbox"
    path.write_text("Hello\nFrom a@b Mon Mar  4 09:00:00 2024\nDate: Mon, 4 Mar 2024 09:00:00 +0000\n\nx\n")
    with pytest.raises(ImportFormatError) as caught:
        import_files(path, format="email-mbox")
    assert str(caught.value) == (
        f"{path}, line 1: expected an mbox separator line such as "
        "'From sender@example.com Sat Jan  3 01:05:34 1996', found 'Hello'."
    )
    assert snapshot(store)["messages"] == []


def test_undecodable_charset_is_an_error(tmp_path: Path, import_files: ImportFn) -> None:
    path = tmp_path / "x.eml"
    path.write_bytes(
        b"From: a@b.c\nTo: d@e.f\nSubject: s\nDate: Mon, 4 Mar 2024 09:00:00 +0000\n"
        b"Content-Type: text/plain; charset=koi8-x\n\n\xff\xfe\n"
    )
    with pytest.raises(ImportFormatError, match="field 'Content-Type charset'"):
        import_files(path)


def test_gmail_thread_id_and_reply_before_parent(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    def mail(n: int, day: int, extra: str) -> str:
        return (
            f"From x@y Mon Mar  {day} 09:00:00 2024\nFrom: u{n}@y\nTo: v@y\nSubject: Topic {n}\n"
            f"Date: Mon, {day} Mar 2024 09:00:00 +0000\nMessage-ID: <{n}@y>\n{extra}\nbody {n}\n\n"
        )

    path = tmp_path / "takeout.mbox"
    path.write_text(
        mail(1, 4, "X-GM-THRID: 77\n")
        + mail(2, 5, "X-GM-THRID: 77\n")
        + mail(3, 6, "References: <10@y> <11@y>\n")
        + mail(10, 7, "")
    )
    import_files(path)
    threads = {m.platform_msg_id: m.conversation for m in all_messages(store)}
    assert threads == {"<1@y>": "gmail:77", "<2@y>": "gmail:77", "<3@y>": "<10@y>", "<10@y>": "<10@y>"}


@pytest.mark.parametrize(
    ("subject", "key"),
    [("Re: RE: Fwd: Plan", "plan"), ("回复：答复: 转发: 计划", "计划"), ("FW:  Big   News ", "big news")],
)
def test_normalise_subject(subject: str, key: str) -> None:
    assert normalise_subject(subject) == key


def test_html_to_text() -> None:
    html = (
        "<html><head><title>t</title></head><body><script>x()</script><p>A&amp;B</p><div>C<br>D</div></body>"
    )
    assert html_to_text(html) == "A&B\n\nC\nD"


@pytest.mark.parametrize(
    ("name", "content", "mbox", "eml"),
    [
        ("a.mbox", b"From a@b Mon Mar  4 09:00:00 2024\nFrom: a@b\n", 0.95, 0.0),
        ("a.eml", b"From: a@b\nTo: c@d\nSubject: s\nDate: x\n\nbody", 0.0, 0.95),
        ("a.txt", b"2019-03-02 9:05:11 a(10001)\nFrom time to time\n", 0.0, 0.0),
        ("a.json", b'{"from": 1, "to": 2, "subject": 3}', 0.0, 0.0),
    ],
)
def test_sniff(tmp_path: Path, name: str, content: bytes, mbox: float, eml: float) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    source = SourceFile(path)
    assert (importers.get("email-mbox").sniff(source), importers.get("email-eml").sniff(source)) == (
        mbox,
        eml,
    )


@pytest.mark.parametrize(
    ("date", "iso"),
    [
        ("Mon, 4 Mar 2024 09:00:00 -0000", "2024-03-04T09:00:00+00:00"),
        ("Mon, 4 Mar 2024 09:00:00", "2024-03-04T09:00:00+08:00"),  # no zone: read in --tz
        ("Mon, 4 Mar 2024 09:00:00 EST", "2024-03-04T09:00:00-05:00"),
        ("Mon, 4 Mar 2024 09:00:00 +0800 (CST)", "2024-03-04T09:00:00+08:00"),
        ("Mon, 4 Mar 2024 09:00:00 GMT+0800", "2024-03-04T09:00:00+08:00"),  # parsedate_tz says +0000
        ("Mon, 4 Mar 2024 09:00:00 +05:30", "2024-03-04T09:00:00+05:30"),
    ],
)
def test_dates_without_numeric_offset(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn, date: str, iso: str
) -> None:
    path = tmp_path / "x.eml"
    path.write_text(f"From: a@b.c\nTo: d@e.f\nSubject: s\nDate: {date}\n\nbody\n", encoding="utf-8")
    import_files(path, tz="Asia/Shanghai")
    [message] = all_messages(store)
    assert message.sent_at.isoformat() == iso


def test_unknown_zone_name_is_an_error(tmp_path: Path, import_files: ImportFn) -> None:
    path = tmp_path / "x.eml"
    path.write_text("From: a@b.c\nTo: d@e.f\nSubject: s\nDate: Mon, 4 Mar 2024 09:00:00 XYZ\n\nbody\n")
    with pytest.raises(ImportFormatError) as caught:
        import_files(path)
    assert str(caught.value) == (
        f"{path}, line 1: field 'Date': expected an RFC 5322 date such as 'Fri, 20 Apr 2001 19:35:02 -0400' "
        "(a numeric offset or an RFC 5322 zone name), found 'Mon, 4 Mar 2024 09:00:00 XYZ'."
    )


def test_raw_8bit_headers_in_utf8_and_gbk_are_decoded(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    for name, encoding in (("utf8.eml", "utf-8"), ("gbk.eml", "gb18030")):
        raw = (
            "From: 张三 <zs@example.com>\nTo: shop@example.com\nSubject: 关于发票\n"
            f"Date: Thu, 01 Feb 2024 10:00:00 +0800\nMessage-ID: <{name}@example.com>\n"
            "Content-Type: text/plain; charset=utf-8\n\nhello\n"
        )
        (tmp_path / name).write_bytes(raw.encode(encoding))
    import_files(tmp_path / "utf8.eml", tmp_path / "gbk.eml", tz="UTC")
    messages = list(store.iter_all_messages())
    assert {m.sender_name for m in messages} == {"张三"}
    assert all(m.extra and m.extra.get("subject") == "关于发票" for m in messages)


def test_encoded_words_declared_gb2312_holding_gbk_characters(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    def word(text: str) -> str:  # 镕 is in GBK, not in GB2312: Chinese clients label such words gb2312
        return "=?gb2312?B?" + base64.b64encode(text.encode("gbk")).decode() + "?="

    path = tmp_path / "x.eml"
    path.write_text(
        f"From: {word('王镕')} <wr@example.cn>\nTo: a@example.com\nSubject: {word('关于镕的报价')}\n"
        "Date: Mon, 4 Mar 2024 09:00:00 +0800\n\nbody\n",
        encoding="ascii",
    )
    import_files(path)
    [message] = all_messages(store)
    assert (message.sender_name, (message.extra or {}).get("subject")) == ("王镕", "关于镕的报价")


def test_gbk_body_declared_utf8_is_read_as_gb18030(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    path = tmp_path / "x.eml"
    path.write_bytes(
        b"From: a@b.c\nTo: d@e.f\nSubject: s\nDate: Mon, 4 Mar 2024 09:00:00 +0800\n"
        b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
        + "这是GBK编码的正文".encode("gbk")
        + b"\n"
    )
    [source] = import_files(path).sources
    [message] = all_messages(store)
    assert message.text == "这是GBK编码的正文"
    assert "line 1: a text/plain part declared 'utf-8' is read as GB18030" in source.warnings


def test_bcc_and_reply_to_are_kept_as_documented(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    path = tmp_path / "sent.eml"
    path.write_text(
        "From: Alice <alice@example.com>\nTo: bob@example.com\nCc: Carol <carol@example.com>\n"
        "Bcc: dave@example.com, Erin <erin@example.com>\nReply-To: Support <help@example.com>\n"
        "Date: Tue, 5 Mar 2024 10:00:00 +0000\nSubject: s\n\nhi\n"
    )
    import_files(path)
    [message] = all_messages(store)
    assert message.extra == {
        "to": ["bob@example.com"],
        "cc": ["Carol <carol@example.com>"],
        "bcc": ["dave@example.com", "Erin <erin@example.com>"],
        "reply-to": ["Support <help@example.com>"],
        "subject": "s",
    }
