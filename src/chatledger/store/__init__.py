"""Archive storage behind one small interface; ``open_store`` picks the backend."""

from __future__ import annotations

from pathlib import Path

from chatledger.store.base import (
    MESSAGE_LEAF,
    SOURCE_LEAF,
    ArchiveStats,
    KeyCollision,
    LedgerEntry,
    MessageContent,
    MessageFilter,
    NewMessage,
    SearchRow,
    SourceCoverage,
    Store,
    StoredHead,
    StoredTimestamp,
)
from chatledger.store.sqlite import SQLiteStore

__all__ = [
    "ArchiveStats",
    "KeyCollision",
    "LedgerEntry",
    "MESSAGE_LEAF",
    "MessageContent",
    "MessageFilter",
    "NewMessage",
    "SearchRow",
    "SOURCE_LEAF",
    "SQLiteStore",
    "SourceCoverage",
    "Store",
    "StoredHead",
    "StoredTimestamp",
    "open_store",
]


def open_store(location: Path | str) -> Store:
    """Open (creating and migrating as needed) the archive at ``location``: a SQLite file path."""
    return SQLiteStore(location)
