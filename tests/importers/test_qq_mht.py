"""qq-mht: QQ 消息管理器 .mht (MIME multipart/related, GB2312-labelled HTML, inline pictures)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from chatledger import importers
from chatledger.errors import ImportFormatError
from chatledger.importers.base import SourceFile
from chatledger.model import AttachmentStatus, Message
from chatledger.store import SQLiteStore
from tests.conftest import SAMPLES, ImportFn, all_messages, conversation_records, snapshot

QQ = SAMPLES / "qq"
GOOD = QQ / "friend_2p_5m_gbk_image.mht"
BAD = QQ / "bad_qq_mht_time.mht"


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


def test_sample_matches_expected(store: SQLiteStore, import_files: ImportFn) -> None:
    want = json.loads((QQ / (GOOD.name + ".expected.json")).read_text(encoding="utf-8"))
    [source] = import_files(GOOD, tz=want["tz"]).sources
    assert source.format == want["format"]
    conversations = conversation_records(store)
    assert conversations == want["conversations"]
    assert sorted(p.platform_id for p in store.participants()) == want["participants"]
    assert [as_expected(m) for m in all_messages(store)] == want["messages"]


def test_bad_sample_leaves_archive_unchanged(store: SQLiteStore, import_files: ImportFn) -> None:
    want = json.loads((QQ / (BAD.name + ".expected.json")).read_text(encoding="utf-8"))
    import_files(GOOD, tz="Asia/Shanghai")
    before = snapshot(store)
    with pytest.raises(ImportFormatError) as caught:
        import_files(BAD, tz="Asia/Shanghai")  # detected, not forced
    assert str(caught.value) == want["error"].replace("{path}", str(BAD))
    assert (caught.value.locator, caught.value.field) == ("html row 9", "time")
    assert snapshot(store) == before


def test_missing_picture_part(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    data = GOOD.read_bytes()
    boundary = b"----=_NextPart_000_0000_01D4D0A1.2B3C4D50"
    html_part, _picture, _end = data.split(b"--" + boundary)[1:]
    path = tmp_path / "no_pictures.mht"
    path.write_bytes(
        data.split(b"--" + boundary)[0] + b"--" + boundary + html_part + b"--" + boundary + b"--\r\n"
    )
    [source] = import_files(path, tz="Asia/Shanghai").sources
    image = next(m for m in all_messages(store) if m.attachments)
    assert image.attachments[0].status is AttachmentStatus.MISSING
    assert any("is not in the file" in w for w in source.warnings)


def test_not_multipart(tmp_path: Path, import_files: ImportFn) -> None:
    path = tmp_path / "x.mht"
    path.write_bytes(b"Subject: x\r\nContent-Type: text/html\r\n\r\n<html></html>\r\n")
    with pytest.raises(ImportFormatError) as caught:
        import_files(path, format="qq-mht")
    assert str(caught.value) == (
        f"{path}, MIME headers: field 'Content-Type': expected multipart/related (an MHT web archive), "
        "found 'text/html'."
    )


@pytest.mark.parametrize(
    ("name", "content", "score"),
    [
        ("a.mht", GOOD.read_bytes()[:400], 0.95),
        ("a.mht", b"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=x\r\n\r\n", 0.5),
        ("a.eml", b"From: a@b\r\nTo: c@d\r\nSubject: s\r\nContent-Type: multipart/mixed\r\n\r\n", 0.0),
    ],
)
def test_sniff(tmp_path: Path, name: str, content: bytes, score: float) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert importers.get("qq-mht").sniff(SourceFile(path)) == score
    if score >= 0.9:
        assert importers.detect(SourceFile(path)).name == "qq-mht"
