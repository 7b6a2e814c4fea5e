"""Archive storage behind one small interface; ``open_store`` picks the backend."""

from __future__ import annotations

from pathlib import Path

from chatledger.store.base import (
    ArchiveStats,
    KeyCollision,
    MessageContent,
    MessageFilter,
    NewMessage,
    SearchRow,
    SourceCoverage,
    Store,
)
from chatledger.store.sqlite import SQLiteStore

__all__ = [
    "ArchiveStats",
    "KeyCollision",
    "MessageContent",
    "MessageFilter",
    "NewMessage",
    "SearchRow",
    "SQLiteStore",
    "SourceCoverage",
    "Store",
    "open_store",
]


def open_store(location: Path | str) -> Store:
    """Open (creating and migrating as needed) the archive at ``location``: a SQLite file path."""
    return SQLiteStore(location)
