"""Shared fixtures: a fresh archive per test and a one-call import helper."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from chatledger import importers
from chatledger.errors import ImportFormatError
from chatledger.importers.base import ImportContext, SourceFile
from chatledger.ingest import ImportOptions, ImportResult, import_paths
from chatledger.model import Conversation, ConversationKind, Message, MessageKind, ParsedItem, Platform
from chatledger.store import SQLiteStore

TESTS = Path(__file__).parent
SAMPLES = TESTS / "importers" / "samples"
SHARED_SAMPLES = TESTS.parent.parent / "shared" / "samples"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    db = SQLiteStore(tmp_path / "archive.db")
    yield db
    db.close()


ImportFn = Callable[..., ImportResult]


@pytest.fixture
def import_files(store: SQLiteStore, tmp_path: Path) -> ImportFn:
    """``import_files(path, ..., format=None, tz="UTC", options={}, me=(), chat=None)`` into ``store``."""

    def run(*paths: Path, tz: str = "UTC", **kwargs: Any) -> ImportResult:
        options = ImportOptions(zone_name=tz, **kwargs)
        return import_paths(store, list(paths), originals_dir=tmp_path / "originals", options=options)

    return run


class LinesImporter:
    """Test format: first line ``#lines <chat>``, then ``<epoch seconds>|<sender>|<text>`` per line."""

    name: ClassVar[str] = "test-lines"
    platform: ClassVar[Platform] = Platform.GENERIC
    version: ClassVar[str] = "1"
    description: ClassVar[str] = "test only"
    suffixes: ClassVar[tuple[str, ...]] = (".lines",)
    capabilities: ClassVar[frozenset[str]] = frozenset()

    def sniff(self, source: SourceFile) -> float:
        return 1.0 if source.head_text().startswith("#lines ") else 0.0

    def parse(self, source: SourceFile, ctx: ImportContext) -> Iterator[ParsedItem]:
        with source.open_text() as text:
            header = text.readline().strip()
            chat = header.removeprefix("#lines ")
            yield Conversation(Platform.GENERIC, chat, chat.title(), ConversationKind.GROUP)
            for number, line in enumerate(text, start=2):
                if not line.strip():
                    continue
                parts = line.rstrip("\n").split("|", 2)
                if len(parts) != 3 or not parts[0].isdigit():
                    raise ImportFormatError(
                        source.name,
                        f"line {number}",
                        expected="<seconds>|<sender>|<text>",
                        found=line.strip(),
                    )
                seconds, sender, body = parts
                yield Message(
                    conversation=chat,
                    sender=sender,
                    sender_name=sender,
                    ts_ms=int(seconds) * 1000,
                    kind=MessageKind.TEXT,
                    text=body,
                    locator=f"line {number}",
                )


@pytest.fixture
def lines_importer() -> Iterator[None]:
    importers._ensure_loaded()
    importers.register(LinesImporter)
    yield
    importers._REGISTRY.pop(LinesImporter.name, None)


def write(path: Path, chat: str, rows: list[tuple[int, str, str]], encoding: str = "utf-8") -> Path:
    body = f"#lines {chat}\n" + "".join(f"{ts}|{sender}|{text}\n" for ts, sender, text in rows)
    path.write_bytes(body.encode(encoding))
    return path


def shared_sample(relative: str) -> Path:
    """A sample from ../shared/samples (copyleft files we test but do not copy); skips when absent."""
    path = SHARED_SAMPLES / relative
    if not path.exists():
        pytest.skip(f"shared sample {relative} not available in this checkout")
    return path


def all_messages(store: SQLiteStore) -> list[Message]:
    """Every archived message, chat by chat, each chat in timeline order."""
    return [m for c in store.conversations() for m in store.messages(c.id or 0)]


def conversation_records(store: SQLiteStore) -> list[dict[str, Any]]:
    """Every chat as an ``.expected.json`` lists it: platform, platform id, title, kind, message count."""
    return [
        {
            "platform": c.platform.value,
            "platform_id": c.platform_id,
            "title": c.title,
            "kind": c.kind.value,
            "messages": c.message_count,
        }
        for c in store.conversations()
    ]


def snapshot(store: SQLiteStore) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: equal snapshots mean the archive is unchanged.

    Full-text tables are read through their shadow tables (``*_data``, ``*_idx``): a contentless table
    without per-row sizes cannot be scanned itself."""
    db = store._db
    tables = [
        r[0]
        for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' "
            "ORDER BY name"
        )
    ]
    return {t: db.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in tables}
