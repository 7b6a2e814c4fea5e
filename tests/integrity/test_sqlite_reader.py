"""The ``HashReader`` contract over SQL tables, as a store would keep them (stdlib sqlite3 here).

Leaves go in ``ledger_leaf(idx, hash)``; of the interior nodes ``CompactRange.append`` reports, only
those on levels that are multiples of the stride go in ``ledger_node(level, idx, hash)``. The frontier
is rebuilt at open from O(log n) rows, and every proof reads O(log n) short index ranges.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence

import pytest

from chatledger.integrity import merkle
from chatledger.integrity.hasher import hash_leaf
from chatledger.integrity.proof import verify_consistency, verify_inclusion
from tests.integrity import reference

SCHEMA = """
CREATE TABLE ledger_leaf (idx INTEGER PRIMARY KEY, hash BLOB NOT NULL CHECK (length(hash) = 32));
CREATE TABLE ledger_node (
    level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;
"""


class SQLiteLedger:
    stride = 4

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.reads = 0
        size = db.execute("SELECT count(*) FROM ledger_leaf").fetchone()[0]
        self.frontier = merkle.CompactRange.from_reader(self, size)

    def read_level(self, level: int, start: int, end: int) -> Sequence[bytes]:
        self.reads += 1
        if level == 0:
            sql = "SELECT hash FROM ledger_leaf WHERE idx >= ? AND idx < ? ORDER BY idx"
            rows = self.db.execute(sql, (start, end))
        else:
            sql = "SELECT hash FROM ledger_node WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx"
            rows = self.db.execute(sql, (level, start, end))
        return [row[0] for row in rows]

    def append(self, leaf_hash: bytes) -> None:
        """Inside the caller's transaction: one leaf row, and a node row every 16 leaves on average."""
        index = self.frontier.size
        created = self.frontier.append(leaf_hash)
        self.db.execute("INSERT INTO ledger_leaf (idx, hash) VALUES (?, ?)", (index, leaf_hash))
        self.db.executemany(
            "INSERT INTO ledger_node (level, idx, hash) VALUES (?, ?, ?)",
            [node for node in created if node[0] % self.stride == 0],
        )


@pytest.fixture
def db() -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(":memory:")
    connection.executescript(SCHEMA)
    yield connection
    connection.close()


def test_sqlite_ledger_round_trip(db: sqlite3.Connection) -> None:
    entries = reference.entries(200)
    ledger = SQLiteLedger(db)
    for entry in entries[:150]:
        ledger.append(hash_leaf(entry))
    db.commit()

    reopened = SQLiteLedger(db)  # frontier rebuilt from the tables
    assert reopened.frontier.size == 150
    assert reopened.frontier.root() == reference.mth(entries[:150])
    for entry in entries[150:]:
        reopened.append(hash_leaf(entry))
    assert db.execute("SELECT count(*) FROM ledger_node").fetchone()[0] == 200 // 16

    root = reopened.frontier.root()
    assert root == merkle.root_hash(reopened, 200) == reference.mth(entries)
    for index in (0, 77, 199):
        reopened.reads = 0
        proof = merkle.inclusion_proof(reopened, index, 200)
        assert reopened.reads <= 2 * 8  # O(log n) range reads
        verify_inclusion(hash_leaf(entries[index]), index, 200, proof, root)
    proof = merkle.consistency_proof(reopened, 150, 200)
    verify_consistency(150, 200, reference.mth(entries[:150]), root, proof)
