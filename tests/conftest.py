"""Shared fixtures: a fresh archive per test and a one-call import helper."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from chatledger.ingest import ImportOptions, ImportResult, import_paths
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


def shared_sample(relative: str) -> Path:
    """A sample from ../shared/samples (copyleft files we test but do not copy); skips when absent."""
    path = SHARED_SAMPLES / relative
    if not path.exists():
        pytest.skip(f"shared sample {relative} not available in this checkout")
    return path


def snapshot(store: SQLiteStore) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: equal snapshots mean the archive is unchanged."""
    db = store._db
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    return {t: db.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in tables}
