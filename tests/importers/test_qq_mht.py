"""qq-mht: QQ 消息管理器 .mht (MIME multipart/related, GB2312-labelled HTML, inline pictures)."""

from __future__ import annotations

import base64
import hashlib
import json
import quopri
import zipfile
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
from tests.importers._zips import write_unflagged_zip

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


def test_quoted_printable_html_after_its_pictures_in_a_zip(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    """Parts in any order, a ``cid:`` picture, quoted-printable HTML whose declared charset is wrong."""
    picture = bytes(range(200)) * 3
    html = (
        "<html><body><table>"
        "<tr><td><div>消息分组:我的好友</div></td></tr>"
        "<tr><td><div>消息对象:老周</div></td></tr>"
        "<tr><td><div><div style=float:left;>老周</div>2019-03-02 9:05:11</div>"
        "<div>看这张图 <img src=cid:pic1@x></div></td></tr>"
        "<tr><td><div><div style=float:left;>我</div>2019-03-02 9:06:00</div><div>镕基 收到</div></td></tr>"
        "</table></body></html>"
    ).encode("gb18030")
    data = b"".join(
        [
            b"From: <Saved by Tencent MsgMgr>\r\nSubject: Tencent IM Message\r\nMIME-Version: 1.0\r\n",
            b'Content-Type: multipart/related; boundary="BND"\r\n\r\n--BND\r\n',
            b"Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\nContent-ID: <pic1@x>\r\n\r\n",
            base64.encodebytes(picture).replace(b"\n", b"\r\n"),
            b"\r\n--BND\r\nContent-Type: text/html; charset=utf-8\r\n",
            b"Content-Transfer-Encoding: quoted-printable\r\n\r\n",
            quopri.encodestring(html).replace(b"\n", b"\r\n"),
            b"\r\n--BND--\r\n",
        ]
    )
    archive = tmp_path / "qq.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("全部消息记录.mht", data)
    import_files(archive, tz="Asia/Shanghai")
    first, second = all_messages(store)
    assert (first.sender, first.text, first.kind.value) == ("老周", "看这张图 [图片]", "text")
    (attachment,) = first.attachments
    assert (attachment.status, attachment.size, attachment.sha256) == (
        AttachmentStatus.PRESENT,
        len(picture),
        hashlib.sha256(picture).hexdigest(),
    )
    assert second.text == "镕基 收到"


def test_a_stored_zip_holding_an_mht_is_not_itself_an_mht(tmp_path: Path) -> None:
    archive = tmp_path / "qq.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as z:  # the member's bytes sit in the zip's head
        z.writestr("全部消息记录.mht", GOOD.read_bytes())
    assert importers.get("qq-mht").sniff(SourceFile(archive)) == 0.0
    assert importers.get("qq-mht").sniff(SourceFile(archive, member="全部消息记录.mht")) == 0.95


def test_fragment_in_a_zip_without_the_utf8_flag_is_named_as_written(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    html = (
        "<html><body><table>"
        "<tr><td><div><div style=float:left;>老周</div>2019-03-02 9:05:11</div><div>早</div></td></tr>"
        "</table></body></html>"
    )
    data = (
        "From: <Saved by Tencent MsgMgr>\r\nSubject: Tencent IM Message\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/related; boundary="BND"\r\n\r\n--BND\r\n'
        f"Content-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n--BND--\r\n"
    )
    archive = write_unflagged_zip(tmp_path / "qq.zip", {"老周.mht": data})
    import_files(archive, tz="Asia/Shanghai")
    assert [c.title for c in store.conversations()] == ["老周"]
