"""The worker-process import path gives exactly the archive, results and errors of the in-process path."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from chatledger import ingest
from chatledger.errors import ImportFormatError
from chatledger.importers.base import ImportContext, SourceFile
from chatledger.ingest import ImportOptions, ImportResult, import_paths
from chatledger.model import Attachment, Message, MessageKind, ParsedItem, Platform, TimePrecision
from chatledger.store import MESSAGE_LEAF, SQLiteStore
from tests.conftest import SAMPLES, LinesImporter, snapshot, write

pytestmark = pytest.mark.skipif(ingest._FORK is None, reason="no fork start method on this platform")

WHATSAPP = SAMPLES / "whatsapp" / "chat-miner_test_ddmmyy_24hrs.txt"
TELEGRAM = SAMPLES / "telegram" / "account_1c_2p_2m__chat-miner.json"
Run = Callable[..., tuple[ImportResult | BaseException, dict[str, list[tuple[Any, ...]]]]]


@pytest.fixture
def workers(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts imports that took the worker path."""
    started: list[int] = []
    real = ingest._in_worker

    def counted(*args: Any) -> AbstractContextManager[Iterator[Any]]:
        started.append(1)
        return real(*args)

    monkeypatch.setattr(ingest, "_in_worker", counted)
    return started


@pytest.fixture
def both(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: list[int]) -> Run:
    runs = iter(range(1_000))
    """``both(*batches, **options)`` imports each batch of paths in turn (the options apply to the last)
    into two fresh archives, in process and through the worker; checks they agree and returns the
    in-process outcome of the last batch (its result or its error) and the archive's rows."""

    def once(threshold: int, name: str, batches: tuple[list[Path], ...], kwargs: dict[str, Any]) -> Any:
        monkeypatch.setattr(ingest, "PROCESS_MIN_BYTES", threshold)
        store = SQLiteStore(tmp_path / name / "archive.db")
        outcome: ImportResult | BaseException | None = None
        try:
            for number, paths in enumerate(batches, start=1):
                try:
                    outcome = import_paths(
                        store,
                        paths,
                        originals_dir=tmp_path / name / "originals",
                        options=ImportOptions(zone_name="UTC", **(kwargs if number == len(batches) else {})),
                    )
                except Exception as exc:
                    outcome = exc
            rows = snapshot(store)
            # When the archive was made and each import ran differs; nothing else may.
            del rows["schema_migrations"]
            rows["sources"] = [row[:10] + row[11:] for row in rows["sources"]]
            # So do the source leaves (their custody record holds that time), the nodes above them and the
            # signed heads; the message leaves must agree.
            rows["ledger_leaf"] = [row if row[1] == MESSAGE_LEAF else row[:3] for row in rows["ledger_leaf"]]
            del rows["ledger_node"], rows["ledger_head"]
            return outcome, rows
        finally:
            store.close()

    def run(*batches: list[Path], **kwargs: Any) -> tuple[Any, dict[str, list[tuple[Any, ...]]]]:
        workers.clear()
        run = next(runs)
        here = once(1 << 62, f"here{run}", batches, kwargs)
        assert not workers
        there = once(0, f"there{run}", batches, kwargs)
        assert workers
        assert here[1] == there[1]  # every row of every table, the search index's included
        if isinstance(here[0], BaseException):
            assert type(there[0]) is type(here[0]) and str(there[0]) == str(here[0])
        else:
            assert _comparable(there[0]) == _comparable(here[0])
        return here

    return run


def _comparable(result: ImportResult) -> list[tuple[Any, ...]]:
    return [
        (s.status, s.sha256, s.format, s.encoding, s.messages, s.new, s.conversations, s.warnings, s.reason)
        for s in result.sources
    ]


def test_whatsapp_sample(both: Run) -> None:
    result, rows = both([WHATSAPP])
    assert isinstance(result, ImportResult) and result.messages == len(rows["messages"]) > 0
    assert rows["sources"][0][-1]  # meta (encoding, warnings) recorded alike


def test_telegram_sample_and_reimport_of_an_overlap(tmp_path: Path, both: Run) -> None:
    result, rows = both([TELEGRAM], [WHATSAPP, TELEGRAM])
    assert isinstance(result, ImportResult)
    assert [s.status for s in result.sources] == ["imported", "already_imported"]


def test_bursts_of_identical_messages(tmp_path: Path, lines_importer: None, both: Run) -> None:
    burst = [(1_700_000_000, "ana", "ok")] * 40 + [(1_700_000_000, "bo", "ok")] * 3
    rows = burst + [(1_700_000_100 + i, "bo", f"x{i}") for i in range(6_000)] + burst
    first = write(tmp_path / "burst.lines", "team", rows)
    overlap = write(tmp_path / "again.lines", "team", rows + burst[:5])
    renamed = write(tmp_path / "renamed.lines", "team-renamed", [(1_700_000_000, "ana", "ok")] * 87)
    result, archived = both([first], [overlap])
    assert isinstance(result, ImportResult) and result.sources[0].new == 5
    assert len(archived["messages"]) == len(rows) + 5
    result, _ = both([first], [renamed], chat="team")
    assert isinstance(result, ImportResult) and result.sources[0].new == 7


def test_malformed_file_fails_alike_and_leaves_archive_unchanged(
    tmp_path: Path, lines_importer: None, both: Run
) -> None:
    good = write(tmp_path / "good.lines", "team", [(1_700_000_000 + i, "ana", f"m{i}") for i in range(5000)])
    bad = tmp_path / "bad.lines"
    bad.write_text(
        "#lines other\n" + "".join(f"{1_700_000_000 + i}|bo|n{i}\n" for i in range(5000)) + "not a row\n",
        encoding="utf-8",
    )
    error, rows = both([good], [WHATSAPP, bad])
    assert isinstance(error, ImportFormatError)
    assert "bad.lines, line 5002" in str(error) and error.locator == "line 5002"
    assert len(rows["messages"]) == 5000 and len(rows["sources"]) == 1  # only the first import


class _Broken(LinesImporter):
    name = "test-broken"

    def parse(self, source: SourceFile, ctx: ImportContext) -> Iterator[ParsedItem]:
        ctx.warn("line 2", "looked odd")
        yield from super().parse(source, ctx)
        raise ValueError("parser bug")


def test_unexpected_error_keeps_its_type_and_text(
    tmp_path: Path, lines_importer: None, both: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(ingest.importers._REGISTRY, _Broken.name, _Broken())
    path = write(tmp_path / "a.lines", "team", [(1_700_000_000, "ana", "hi")])
    error, rows = both([path], format="test-broken")
    assert isinstance(error, ValueError) and str(error) == "parser bug"
    assert rows["messages"] == []


def test_zip_with_several_members(tmp_path: Path, lines_importer: None, both: Run) -> None:
    archive = tmp_path / "backup.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(WHATSAPP, "whatsapp/chat.txt")
        zf.write(TELEGRAM, "telegram/result.json")
        zf.write(write(tmp_path / "a.lines", "team", [(1_700_000_000, "ana", "好的")] * 3), "a.lines")
        zf.writestr("notes/readme.md", "not an export")
    result, rows = both([archive])
    assert isinstance(result, ImportResult)
    assert set(result.sources[0].format.split(",")) == {"test-lines", "whatsapp-txt", "telegram-json"}


def test_messages_travel_whole() -> None:
    message = Message(
        "chat",
        "ana",
        1_700_000_000_123,
        MessageKind.IMAGE,
        "text",
        utc_offset_min=480,
        precision=TimePrecision.MILLISECOND,
        sender_name="Ana",
        platform_msg_id="42",
        reply_to="41",
        forwarded_from="bo",
        edited_ts_ms=1_700_000_001_000,
        attachments=(Attachment("a.jpg", MessageKind.IMAGE, size=3),),
        extra={"x": [1]},
        locator="line 9",
        ordinal=2,
        key="k",
        id=7,
        platform=Platform.WECHAT,
        conversation_id=3,
    )
    assert len(ingest._freeze(message)) == len(fields(Message))
    thawed = ingest._thaw(ingest._freeze(message))
    assert thawed == message
    assert [type(getattr(thawed, f.name)) for f in fields(Message)] == [
        type(getattr(message, f.name)) for f in fields(Message)
    ]
