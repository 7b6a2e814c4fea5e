"""Helpers for the WeChat importer tests: place a sample, import it, compare with its .expected.json."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from chatledger.errors import ImportFormatError
from chatledger.ingest import ImportResult
from chatledger.model import Message, to_datetime
from chatledger.store import SQLiteStore
from tests.conftest import SAMPLES, ImportFn, all_messages, snapshot

WECHAT = SAMPLES / "wechat"


def expected(name: str) -> dict[str, Any]:
    path = WECHAT / (name.rsplit(".", 1)[0] + ".expected.json")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def place(name: str, tmp_path: Path, relative: str | None = None) -> Path:
    """A copy of sample ``name`` at ``tmp_path/relative`` (exporters' folder names carry chat ids)."""
    target = tmp_path / "export" / (relative or name)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(WECHAT / name, target)
    return target


def excel_unicode_text(csv_bytes: bytes) -> bytes:
    """A CSV as Excel writes it back under "Save as → Unicode text": UTF-16 LE with BOM, tab-separated,
    CRLF row ends, a line break inside a cell kept as LF, and a cell quoted (quotes doubled) only when it
    holds a quote, tab or line break."""
    text = csv_bytes.decode("utf-8-sig")
    lines = []
    for row in csv.reader(text.splitlines(keepends=True)):
        cells = ['"' + c.replace('"', '""') + '"' if any(x in c for x in '"\t\n') else c for c in row]
        lines.append("\t".join(cells).replace("\r\n", "\n") + "\r\n")
    return "\ufeff".encode("utf-16-le") + "".join(lines).encode("utf-16-le")


def utc(message: Message) -> str:
    return to_datetime(message.ts_ms).isoformat()


def as_expected(message: Message) -> dict[str, Any]:
    return {
        "locator": message.locator,
        "sender": message.sender,
        "sender_name": message.sender_name,
        "kind": message.kind.value,
        "text": message.text,
        "utc": utc(message),
        "offset": message.utc_offset_min,
        "precision": message.precision.value,
        "msg_id": message.platform_msg_id,
        "reply_to": message.reply_to,
        "extra": message.extra,
        "attachments": [
            {"name": a.name, "kind": a.kind.value, "status": a.status.value, "path": a.path}
            for a in message.attachments
        ],
    }


def import_sample(name: str, tmp_path: Path, import_files: ImportFn, **options: Any) -> ImportResult:
    want = expected(name)
    path = place(name, tmp_path, want.get("import_as"))
    return import_files(path, tz=want["tz"], me=tuple(want.get("me", ())), **options)


def check_sample(name: str, store: SQLiteStore, result: ImportResult) -> None:
    """Everything the sample's .expected.json states about the archive after importing it."""
    want = expected(name)
    [source] = result.sources
    assert (source.status, source.format, source.encoding) == ("imported", want["format"], want["encoding"])
    assert (source.messages, source.new) == (want["message_count"], want["message_count"])
    conversations = [
        {"platform_id": c.platform_id, "title": c.title, "kind": c.kind.value} for c in store.conversations()
    ]
    assert conversations == want["conversations"]
    messages = all_messages(store)
    assert [as_expected(m) for m in messages] == want["messages"]
    assert len(messages) == want["message_count"]
    assert (utc(messages[0]), utc(messages[-1])) == (want["first_utc"], want["last_utc"])
    kinds: dict[str, int] = {}
    for m in messages:
        kinds[m.kind.value] = kinds.get(m.kind.value, 0) + 1
    assert kinds == want["kinds"]
    participants = sorted(
        (
            {
                "platform_id": p.platform_id,
                "display_name": p.display_name,
                "aliases": list(p.aliases),
                "is_self": p.is_self,
            }
            for p in store.participants()
        ),
        key=lambda p: str(p["platform_id"]),
    )
    assert participants == sorted(want["participants"], key=lambda p: str(p["platform_id"]))
    meta = store.sources()[0].meta
    for key, value in want["meta"].items():
        assert meta.get(key) == value, key
    for key in want["meta_absent"]:
        assert key not in meta, key
    for text in want["warnings_contain"]:
        assert any(text in w for w in source.warnings), (text, source.warnings)


def check_bad(name: str, store: SQLiteStore, tmp_path: Path, import_files: ImportFn) -> None:
    """The bad sample fails with its exact error text and leaves the archive as it was."""
    want = expected(name)
    good = place("pywxdump_group_4p_11m.csv", tmp_path)
    import_files(good, tz="Asia/Shanghai")
    before = snapshot(store)
    path = place(name, tmp_path)
    with pytest.raises(ImportFormatError) as caught:
        import_files(path, tz="Asia/Shanghai", format=want["format"])
    assert str(caught.value) == want["error"].replace("{path}", str(path))
    assert (caught.value.locator, caught.value.field) == (want["locator"], want["field"])
    assert snapshot(store) == before
