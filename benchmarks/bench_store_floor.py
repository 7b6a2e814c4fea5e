"""The writer's floor: what SQLite alone costs per imported message, with no Python work around it.

    python -m benchmarks.bench_store_floor --messages 1e6

Imports a generated WhatsApp export with ``chatledger import``, reads back every row the import wrote
(messages, ledger leaves and nodes; the index tokens recomputed), and replays them, in the import's
batches of 5,000 and in one transaction, into tables of the same schema in a fresh archive: each
statement group timed alone (CPU time of this process, which runs no other thread). Then the messages
rows again, into a bare table with the archive's indexes added one at a time, for each index's share.

The sum is the least the import's single writing process can spend per message on this schema through
apsw (binding included), i.e. the highest import rate any Python pipeline around it could reach.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks import corpus
from chatledger.search.tokens import index_characters, index_tokens
from chatledger.store import SQLiteStore

BATCH = 5000
_COLUMNS = (
    "id, key, conversation_id, sender_id, ordinal, first_source_id, sender_name, ts_ms, utc_offset_min, "
    "precision, kind, text, platform_msg_id, reply_to, forwarded_from, edited_ts_ms, locator, extra"
)
_MARKS = ", ".join("?" * len(_COLUMNS.split(", ")))
_BARE = (
    "CREATE TABLE bare (id INTEGER PRIMARY KEY, key BLOB NOT NULL, conversation_id INTEGER NOT NULL, "
    "sender_id INTEGER, ordinal INTEGER NOT NULL, first_source_id INTEGER NOT NULL, sender_name TEXT, "
    "ts_ms INTEGER NOT NULL, utc_offset_min INTEGER NOT NULL, precision TEXT NOT NULL, kind TEXT NOT NULL, "
    "text TEXT NOT NULL, platform_msg_id TEXT, reply_to TEXT, forwarded_from TEXT, edited_ts_ms INTEGER, "
    "locator TEXT NOT NULL, extra TEXT)"
)
_INDEXES = {  # the archive's indexes on messages (migrations 0001, 0004, 0008, 0010)
    "unique key": "CREATE UNIQUE INDEX bare_key ON bare (key)",
    "timeline (chat, time, id, sender)": "CREATE INDEX bare_timeline ON bare (conversation_id, ts_ms, id, sender_id)",
    "sender": "CREATE INDEX bare_sender ON bare (sender_id)",
    "events (partial)": "CREATE INDEX bare_events ON bare (id) WHERE kind IN ('system', 'recall')",
}


def _batches(rows: Sequence[Any]) -> list[Sequence[Any]]:
    return [rows[i : i + BATCH] for i in range(0, len(rows), BATCH)]


def _timed(
    db: Any, groups: dict[str, Callable[[Sequence[Any]], None]], batches: dict[str, list[Any]]
) -> dict[str, float]:
    """CPU seconds per statement group, the groups interleaved batch by batch as the import does."""
    spent = dict.fromkeys(groups, 0.0)
    db.execute("BEGIN IMMEDIATE")
    for i in range(len(next(iter(batches.values())))):
        for name, run in groups.items():
            start = time.process_time()
            run(batches[name][i])
            spent[name] += time.process_time() - start
    start = time.process_time()
    db.execute("COMMIT")
    spent["commit"] = time.process_time() - start
    return spent


def _runner(db: Any, sql: str) -> Callable[[Sequence[Any]], None]:
    return lambda batch: db.executemany(sql, batch)


def replay(archive: Path, work: Path) -> dict[str, Any]:
    """Replay ``archive``'s rows into fresh tables; CPU µs per message for each statement group."""
    source = SQLiteStore(archive)
    read = source._db  # a benchmark reads the tables directly
    messages = read.execute(f"SELECT {_COLUMNS} FROM messages ORDER BY id").fetchall()
    leaves = read.execute(
        "SELECT idx, kind, ref, hash FROM ledger_leaf WHERE kind = 1 ORDER BY idx"
    ).fetchall()
    nodes = read.execute(
        "SELECT level, idx, hash FROM ledger_node ORDER BY ((idx + 1) << level), level"
    ).fetchall()
    source.close()
    tokens = [(row[0], index_tokens(row[11])) for row in messages]
    chars = [(ident, index_characters(t)) for ident, t in tokens]
    n = len(messages)
    count = -(-n // BATCH)  # batches; the nodes are spread over them as evenly as they were completed
    node_batches = [nodes[len(nodes) * i // count : len(nodes) * (i + 1) // count] for i in range(count)]

    def fresh() -> Any:
        path = work / f"floor-{time.monotonic_ns()}.db"
        store = SQLiteStore(path)
        db = store._db
        db.execute(
            "INSERT INTO sources (id, sha256, md5, size, original_name, original_path, format, "
            "importer_version, chatledger_version, imported_at, imported_by, timezone) "
            "VALUES (1, 'x', 'x', 0, 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'UTC')"
        )
        db.execute("INSERT INTO conversations VALUES (1, 'whatsapp', 'c', 'c', 'group')")
        db.execute("PRAGMA foreign_keys=OFF")
        return store, db

    statements = {
        "messages (all 4 indexes)": (
            f"INSERT INTO messages ({_COLUMNS}) VALUES ({_MARKS})",
            _batches(messages),
        ),
        "search tokens (FTS5)": (
            "INSERT INTO message_search (rowid, tokens) VALUES (?, ?)",
            _batches(tokens),
        ),
        "search characters (FTS5)": (
            "INSERT INTO message_chars (rowid, chars) VALUES (?, ?)",
            _batches(chars),
        ),
        "ledger leaves": (
            "INSERT INTO ledger_leaf (idx, kind, ref, hash) VALUES (?, ?, ?, ?)",
            _batches(leaves),
        ),
        "ledger nodes": ("INSERT INTO ledger_node (level, idx, hash) VALUES (?, ?, ?)", node_batches),
    }
    spent: dict[str, dict[str, float]] = {}
    for variant, names in (
        ("with search index", list(statements)),
        ("without search index", [name for name in statements if "FTS5" not in name]),
    ):
        store, db = fresh()
        groups = {name: _runner(db, statements[name][0]) for name in names}
        spent[variant] = _timed(db, groups, {name: statements[name][1] for name in names})
        store.close()
    per_index: dict[str, float] = {}
    created: list[str] = []
    for name in ("none", *_INDEXES):
        store, db = fresh()
        db.execute(_BARE)
        if name != "none":
            created.append(_INDEXES[name])
        for ddl in created:
            db.execute(ddl)
        insert = _runner(db, f"INSERT INTO bare VALUES ({_MARKS})")
        per_index["bare table" if name == "none" else f"+ {name}"] = _timed(
            db, {"rows": insert}, {"rows": _batches(messages)}
        )["rows"]
        store.close()
    us = {
        variant: {name: round(seconds / n * 1e6, 2) for name, seconds in groups.items()}
        for variant, groups in spent.items()
    }
    steps = list(per_index.values())
    marginal = {
        name: round((steps[i] - (steps[i - 1] if i else 0.0)) / n * 1e6, 2)
        for i, name in enumerate(per_index)
    }
    with_index, without = (
        round(sum(us[v].values()), 2) for v in ("with search index", "without search index")
    )
    return {
        "messages": n,
        "us_per_message": us,
        "total_us": with_index,
        "total_without_search_index_us": without,
        "ceiling_msg_s_with_index": round(1e6 / with_index),
        "ceiling_msg_s_without_index": round(1e6 / without),
        "messages_table_marginal_us": marginal,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=lambda s: int(float(s)), default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--archive", type=Path, help="replay this archive instead of importing a new one")
    parser.add_argument("--json", type=Path, default=Path("benchmarks/out/store_floor.json"))
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="chatledger-floor-"))
    try:
        archive = args.archive
        if archive is None:
            export = work / "export.txt"
            corpus.main(
                [
                    "--format",
                    "whatsapp-android",
                    "--messages",
                    str(args.messages),
                    "--seed",
                    "1",
                    "--out",
                    str(export),
                ]
            )
            archive = work / "archive.db"
            command = [sys.executable, "-m", "chatledger", "--db", str(archive), "import", str(export)]
            subprocess.run([*command, "--quiet", "--tz", "UTC"], check=True, stdout=subprocess.DEVNULL)
        runs = [replay(archive, work) for _ in range(args.repeats)]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    median = {
        key: statistics.median(r[key] for r in runs)
        for key in (
            "total_us",
            "total_without_search_index_us",
            "ceiling_msg_s_with_index",
            "ceiling_msg_s_without_index",
        )
    }
    result = {"runs": runs, "median": median}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
