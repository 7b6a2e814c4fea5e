"""The import pipeline: identity, idempotency, bursts, transactions, originals, bad input."""

from __future__ import annotations

import hashlib
import os
import stat
import zipfile
from pathlib import Path

import apsw
import pytest

from chatledger.errors import EmptySourceError, ImportFormatError, InputError, UnknownFormatError
from chatledger.store import SQLiteStore
from tests.conftest import ImportFn, snapshot, write

pytestmark = pytest.mark.usefixtures("lines_importer")


ROWS = [(1_700_000_000 + i * 7, "ana" if i % 3 else "bo", f"message {i} 你好") for i in range(50)]


def texts(store: SQLiteStore) -> list[str]:
    conversation = store.conversations()[0]
    assert conversation.id is not None
    return [m.text for m in store.messages(conversation.id)]


def test_import_hashes_and_keeps_read_only_original(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    path = write(tmp_path / "a.lines", "team", ROWS)
    result = import_files(path)
    source = result.sources[0]
    data = path.read_bytes()
    assert (source.status, source.messages, source.new) == ("imported", 50, 50)
    assert source.sha256 == hashlib.sha256(data).hexdigest()
    assert source.md5 == hashlib.md5(data).hexdigest()
    kept = tmp_path / "originals" / source.sha256[:2] / source.sha256
    assert kept.read_bytes() == data
    assert not os.stat(kept).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    [recorded] = store.sources()
    assert (recorded.sha256, recorded.size, recorded.format, recorded.message_count) == (
        source.sha256,
        len(data),
        "test-lines",
        50,
    )
    assert recorded.original_path == str(path.resolve())
    first = store.messages(store.conversations()[0].id or 0, limit=1)[0]
    assert first.locator == "line 2"
    assert store.message_sources(first.id or 0) == [(recorded.id, "line 2")]


def test_same_file_twice_is_reported_and_adds_nothing(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    path = write(tmp_path / "a.lines", "team", ROWS)
    import_files(path)
    before = snapshot(store)
    second = import_files(path)
    assert second.sources[0].status == "already_imported"
    assert snapshot(store) == before


def test_overlapping_backup_adds_only_new_and_marks_absent(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    import_files(write(tmp_path / "jan.lines", "team", ROWS[:30]))
    # The later backup lost message 5 (deleted on the phone) and adds 20 newer ones.
    later = ROWS[:5] + ROWS[6:]
    result = import_files(write(tmp_path / "feb.lines", "team", later))
    source = result.sources[0]
    assert (source.messages, source.new) == (49, 20)
    assert source.conversations[0].absent == 1
    assert len(texts(store)) == 50  # nothing lost: message 5 is kept
    conversation_id = store.conversations()[0].id or 0
    [absent] = store.absent_from_source(source.source_id or 0, conversation_id)
    assert absent.text == ROWS[5][2]


def test_same_second_burst_keeps_every_message(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    burst = (
        [(1_700_000_000, "ana", "好的")] * 6
        + [(1_700_000_000, "ana", "ok")] * 3
        + [(1_700_000_000, "bo", "好的")] * 2
    )
    import_files(write(tmp_path / "burst.lines", "team", burst))
    assert sorted(texts(store)) == sorted(t for _, _, t in burst)
    # A second, overlapping export holding the same burst adds nothing ...
    result = import_files(write(tmp_path / "again.lines", "team", burst + [(1_700_000_001, "ana", "bye")]))
    assert result.sources[0].new == 1
    # ... and one holding a longer burst adds exactly the extra repeats.
    result = import_files(
        write(tmp_path / "more.lines", "team", burst + [(1_700_000_000, "ana", "好的")] * 2)
    )
    assert result.sources[0].new == 2
    assert texts(store).count("好的") == 10


def test_repeats_far_apart_in_one_file_are_kept(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    # The same (sender, time, text) twice, separated by thousands of other rows (an out-of-order export).
    rows = [(1_700_000_000, "ana", "ok")] + [(1_700_000_100 + i, "bo", f"x{i}") for i in range(12_000)]
    rows.append((1_700_000_000, "ana", "ok"))
    import_files(write(tmp_path / "far.lines", "team", rows))
    assert texts(store).count("ok") == 2


def test_failed_import_leaves_archive_unchanged(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    import_files(write(tmp_path / "good.lines", "team", ROWS[:10]))
    before = snapshot(store)
    originals_before = sorted(p.name for p in (tmp_path / "originals").rglob("*") if p.is_file())
    good = write(tmp_path / "good2.lines", "other", ROWS[10:20])
    bad = tmp_path / "bad.lines"
    bad.write_text("#lines team\n1700000000|ana|fine\nnot a row\n", encoding="utf-8")
    with pytest.raises(ImportFormatError) as caught:
        import_files(good, bad)
    message = str(caught.value)
    assert (
        "bad.lines, line 3" in message and "<seconds>|<sender>|<text>" in message and "not a row" in message
    )
    assert snapshot(store) == before
    assert sorted(p.name for p in (tmp_path / "originals").rglob("*") if p.is_file()) == originals_before


def test_unknown_format_names_formats_and_option(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("just some notes\n", encoding="utf-8")
    before = snapshot(store)
    with pytest.raises(UnknownFormatError) as caught:
        import_files(path)
    assert (
        "notes.txt" in str(caught.value)
        and "--format" in str(caught.value)
        and "test-lines" in str(caught.value)
    )
    assert snapshot(store) == before


def test_empty_file_and_file_without_messages_are_errors(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    before = snapshot(store)
    empty = tmp_path / "empty.lines"
    empty.write_bytes(b"")
    with pytest.raises(EmptySourceError, match="empty.lines"):
        import_files(empty, format="test-lines")
    header_only = write(tmp_path / "none.lines", "team", [])
    with pytest.raises(EmptySourceError, match="no messages"):
        import_files(header_only)
    assert snapshot(store) == before


def test_gb18030_bytes_are_decoded_and_reported(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    rows = [(1_700_000_000 + i, "客服", f"您好，订单{i}已发货") for i in range(20)]
    result = import_files(write(tmp_path / "gbk.lines", "team", rows, encoding="gb18030"))
    assert result.sources[0].encoding == "gb18030"
    assert texts(store) == [t for _, _, t in rows]
    assert store.sources()[0].encoding == "gb18030"


def test_bom_is_read(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    path = tmp_path / "bom.lines"
    path.write_bytes(b"\xef\xbb\xbf" + b"#lines team\n1700000000|ana|hi\n")
    result = import_files(path)
    assert result.sources[0].encoding == "utf-8-sig"
    assert texts(store) == ["hi"]


def test_undecodable_bytes_fail_clearly(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    path = tmp_path / "binary.lines"
    path.write_bytes(
        b"#lines team\n1700000000|ana|" + bytes([0x81, 0x20, 0xFF, 0xFE, 0x81, 0x7F] * 40) + b"\n"
    )
    with pytest.raises(InputError, match="binary.lines"):
        import_files(path)


def test_folder_import_skips_unknown_files_and_imports_the_rest(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    write(folder / "a.lines", "team", ROWS[:5])
    write(folder / "b.lines", "other", ROWS[5:9])
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    result = import_files(folder)
    statuses = {Path(s.path).name: s.status for s in result.sources}
    assert statuses == {"a.lines": "imported", "b.lines": "imported", "photo.jpg": "skipped"}
    assert len(store.conversations()) == 2


def test_zip_of_exports_imports_members(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    inner = write(tmp_path / "a.lines", "team", ROWS[:7])
    archive = tmp_path / "backup.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(inner, "chats/a.lines")
    result = import_files(archive)
    source = result.sources[0]
    assert (source.status, source.messages) == ("imported", 7)
    assert source.sha256 == hashlib.sha256(archive.read_bytes()).hexdigest()
    message = store.messages(store.conversations()[0].id or 0, limit=1)[0]
    assert message.locator == "line 2"


def test_chat_option_merges_a_renamed_export(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    import_files(write(tmp_path / "a.lines", "team", ROWS[:10]))
    result = import_files(write(tmp_path / "renamed.lines", "team-renamed", ROWS[:12]), chat="team")
    assert result.sources[0].new == 2
    assert len(store.conversations()) == 1


def test_bad_zone_is_an_input_error(tmp_path: Path, import_files: ImportFn) -> None:
    with pytest.raises(InputError, match="Mars/Olympus"):
        import_files(write(tmp_path / "a.lines", "team", ROWS[:2]), tz="Mars/Olympus")


def test_memory_does_not_grow_with_what_the_archive_holds(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    """A second import into a non-empty archive needs no more of SQLite's memory than the first: no
    savepoint keeps copies of the archived pages it changes (1e6 into 5e6 messages once peaked at 1.2 GB)."""
    from benchmarks.corpus import generate

    store._db.execute("PRAGMA cache_size=-1024")  # a small cache, so that what else SQLite holds shows
    peaks = []
    for seed in (1, 2):
        export = tmp_path / f"chat-{seed}.txt"
        generate("whatsapp-android", 20_000, export, seed=seed)
        apsw.memory_high_water(True)
        import_files(export)
        peaks.append(apsw.memory_high_water())
    assert peaks[1] < 1.3 * peaks[0], peaks


def test_a_folders_files_come_in_natural_order(tmp_path: Path) -> None:
    """Pages of a paginated export in page order: messages2.html before messages10.html (lexically after)."""
    from chatledger.ingest import _expand

    folder = tmp_path / "ChatExport"
    (folder / "photos").mkdir(parents=True)
    for name in (
        "messages10.html",
        "messages2.html",
        "messages.html",
        "photos/photo_9.jpg",
        "photos/photo_10.jpg",
    ):
        (folder / name).write_text("x")
    assert [p.relative_to(folder).as_posix() for p, _ in _expand([folder])] == [
        "messages.html",
        "messages2.html",
        "messages10.html",
        "photos/photo_9.jpg",
        "photos/photo_10.jpg",
    ]
