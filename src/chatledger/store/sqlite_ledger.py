"""The SQLite tables of the Merkle log: leaves, persisted nodes, signed heads and timestamp tokens.

A mixin of ``SQLiteStore`` (it shares its connection and transactions). Appends go through a
``CompactRange`` frontier rebuilt from the tables at the start of each write transaction (O(log n)
reads), so a rolled-back import leaves neither leaves nor nodes behind.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import apsw

from chatledger.errors import ArchiveError, NotFoundError
from chatledger.integrity.canonical import (
    AttachmentEvidence,
    MessageEvidence,
    SourceEvidence,
    source_evidence,
)
from chatledger.integrity.merkle import DEFAULT_STRIDE, CompactRange, HashReader
from chatledger.integrity.tree_head import SignedTreeHead, TreeHead
from chatledger.model import Source
from chatledger.store.base import MESSAGE_LEAF, SOURCE_LEAF, LedgerEntry, StoredHead, StoredTimestamp

# Columns after l.idx, l.kind, l.ref, l.hash: a message's evidence (18), its id and chat row, then the source.
_EVIDENCE_COLUMNS = (
    "c.platform, c.platform_id, p.platform_id, m.sender_name, m.ts_ms, m.utc_offset_min, m.precision, "
    "m.kind, m.text, m.platform_msg_id, m.reply_to, m.forwarded_from, m.edited_ts_ms, m.key, m.ordinal, "
    "fs.sha256, m.locator, m.extra, m.id, m.conversation_id"
)
_EVIDENCE_JOINS = (
    "LEFT JOIN conversations c ON c.id = m.conversation_id "
    "LEFT JOIN participants p ON p.id = m.sender_id "
    "LEFT JOIN sources fs ON fs.id = m.first_source_id"
)
_SOURCE_COLUMNS = (
    "s.id, s.sha256, s.md5, s.size, s.original_name, s.original_path, s.modified_at, s.format, "
    "s.importer_version, s.chatledger_version, s.imported_at, s.imported_by, s.timezone, s.encoding, "
    "s.message_count, s.new_message_count, s.conversation_count, s.meta"
)
_MESSAGE_WIDTH = 20


class _HashReader:
    """``merkle.HashReader`` over ``ledger_leaf`` (level 0) and ``ledger_node``."""

    stride = DEFAULT_STRIDE

    def __init__(self, db: apsw.Connection) -> None:
        self._db = db

    def read_level(self, level: int, start: int, end: int) -> Sequence[bytes]:
        if level == 0:
            rows = self._db.execute(
                "SELECT hash FROM ledger_leaf WHERE idx >= ? AND idx < ? ORDER BY idx", (start, end)
            )
        else:
            rows = self._db.execute(
                "SELECT hash FROM ledger_node WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx",
                (level, start, end),
            )
        return [bytes(r[0]) for r in rows]

    def read_ranges(self, ranges: Sequence[tuple[int, int, int]]) -> list[Sequence[bytes]]:
        """Many ``read_level`` answers from two queries (leaves, nodes), the ranges passed as JSON."""
        found: list[list[bytes]] = [[] for _ in ranges]
        leaves = [[i, start, end] for i, (level, start, end) in enumerate(ranges) if level == 0]
        nodes = [[i, level, start, end] for i, (level, start, end) in enumerate(ranges) if level]
        if leaves:
            for i, leaf_hash in self._db.execute(_LEAF_RANGES, (json.dumps(leaves),)):
                found[i].append(bytes(leaf_hash))
        if nodes:
            for i, node_hash in self._db.execute(_NODE_RANGES, (json.dumps(nodes),)):
                found[i].append(bytes(node_hash))
        return list(found)


# ``CROSS JOIN``: the ranges drive, each read by primary key in index order.
_LEAF_RANGES = (
    "SELECT r.value ->> 0, l.hash FROM json_each(?) r CROSS JOIN ledger_leaf l "
    "ON l.idx >= r.value ->> 1 AND l.idx < r.value ->> 2 ORDER BY r.key, l.idx"
)
_NODE_RANGES = (
    "SELECT r.value ->> 0, n.hash FROM json_each(?) r CROSS JOIN ledger_node n "
    "ON n.level = r.value ->> 1 AND n.idx >= r.value ->> 2 AND n.idx < r.value ->> 3 ORDER BY r.key, n.idx"
)


def source_from_row(row: Sequence[Any]) -> Source:
    """A ``sources`` row (columns in ``_SOURCE_COLUMNS`` order) without its free-form ``meta``."""
    return Source(
        id=row[0],
        sha256=row[1],
        md5=row[2],
        size=row[3],
        original_name=row[4],
        original_path=row[5],
        modified_at=datetime.fromisoformat(row[6]) if row[6] else None,
        format=row[7],
        importer_version=row[8],
        chatledger_version=row[9],
        imported_at=datetime.fromisoformat(row[10]),
        imported_by=row[11],
        timezone=row[12],
        encoding=row[13],
        message_count=row[14],
        new_message_count=row[15],
        conversation_count=row[16],
    )


def _extra(raw: str | None) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw  # not what was archived: verification will say so


class SQLiteLedgerMixin:
    """Ledger storage for ``SQLiteStore``."""

    _db: apsw.Connection
    _depth: int
    _frontier: CompactRange | None  # kept for the current write transaction only

    def _require_transaction(self) -> None: ...  # provided by SQLiteStore

    def _one(self, sql: str, params: Sequence[Any] = ()) -> Any: ...  # provided by SQLiteStore

    # -- the tree ---------------------------------------------------------------------------------
    def ledger_reader(self) -> HashReader:
        return _HashReader(self._db)

    def _stored_size(self) -> int:
        return int(self._one("SELECT coalesce(max(idx) + 1, 0) FROM ledger_leaf")[0])

    def ledger_size(self) -> int:
        return self._current_frontier().size if self._depth else self._stored_size()

    def _current_frontier(self) -> CompactRange:
        if self._frontier is None or not self._depth:
            try:
                frontier = CompactRange.from_reader(self.ledger_reader(), self._stored_size())
            except ArchiveError as exc:
                raise ArchiveError(f"the ledger cannot be extended: {exc}; run `chatledger verify`") from exc
            if not self._depth:
                return frontier
            self._frontier = frontier
        return self._frontier

    def ledger_root(self) -> bytes:
        return self._current_frontier().root()

    def append_leaves(self, kind: int, entries: Sequence[tuple[int, bytes]]) -> None:
        """Append leaves ``(ref, leaf hash)`` in order, with the interior nodes they complete."""
        self._require_transaction()
        if not entries:
            return
        frontier = self._current_frontier()
        start = frontier.size
        leaves = [(start + i, kind, ref, leaf_hash) for i, (ref, leaf_hash) in enumerate(entries)]
        nodes = frontier.extend([leaf_hash for _, leaf_hash in entries], _HashReader.stride)
        try:
            self._db.executemany("INSERT INTO ledger_leaf (idx, kind, ref, hash) VALUES (?, ?, ?, ?)", leaves)
            if nodes:
                self._db.executemany("INSERT INTO ledger_node (level, idx, hash) VALUES (?, ?, ?)", nodes)
        except apsw.ConstraintError as exc:
            self._frontier = None
            raise ArchiveError(f"the ledger already holds one of these leaves ({exc})") from exc

    def leaf_index(self, kind: int, ref: int) -> int | None:
        row = self._one("SELECT idx FROM ledger_leaf WHERE kind = ? AND ref = ?", (kind, ref))
        return None if row is None else int(row[0])

    # -- reading leaves with what they stand for ----------------------------------------------------
    # Rows are (idx, kind, ref, hash, the 20 message columns); a source leaf's row is read on its own.

    def _entries(
        self, rows: list[Any], attachments: dict[int, tuple[AttachmentEvidence, ...]]
    ) -> list[LedgerEntry]:
        entries = []
        new, no_attachments = tuple.__new__, ()  # tuple.__new__ skips the named tuples' Python-level __new__
        for row in rows:
            kind = row[1]
            evidence: MessageEvidence | SourceEvidence | None = None
            conversation_id = None
            message_id = row[22]
            if kind == MESSAGE_LEAF and message_id is not None:
                key = row[17]
                evidence = new(
                    MessageEvidence,
                    (*row[4:17], key.hex() if type(key) is bytes else str(key), row[18], row[19], row[20],
                     _extra(row[21]) if row[21] else None, attachments.get(message_id, no_attachments)),
                )  # fmt: skip
                conversation_id = row[23]
            elif kind == SOURCE_LEAF:
                evidence = self._source_evidence(row[2])
            leaf_hash = row[3] if type(row[3]) is bytes else b""
            entries.append(new(LedgerEntry, (row[0], kind, row[2], leaf_hash, evidence, conversation_id)))
        return entries

    def _source_evidence(self, source_id: int) -> SourceEvidence | None:
        s = self._one(f"SELECT {_SOURCE_COLUMNS} FROM sources s WHERE s.id = ?", (source_id,))
        if s is None:
            return None
        try:
            return source_evidence(source_from_row(s))
        except (TypeError, ValueError):  # an altered date: re-serialise what is there
            return SourceEvidence(
                s[1],
                s[2],
                s[3],
                s[4],
                s[5],
                s[6],
                s[7],
                s[8],
                s[9],
                s[10] or "",
                s[11],
                s[12],
                s[13],
                s[14],
                s[15],
            )

    def _attachments(self, sql: str, params: Sequence[Any]) -> dict[int, tuple[AttachmentEvidence, ...]]:
        found: dict[int, list[AttachmentEvidence]] = {}
        for a in self._db.execute(
            f"SELECT message_id, name, kind, status, path, size, sha256, md5, mime_type FROM attachments WHERE {sql} "
            "ORDER BY message_id, id",
            params,
        ):
            found.setdefault(a[0], []).append(tuple(a[1:]))
        return {k: tuple(v) for k, v in found.items()}

    _LEAF_SELECT = (
        f"SELECT l.idx, l.kind, l.ref, l.hash, {_EVIDENCE_COLUMNS} FROM ledger_leaf l "
        f"LEFT JOIN messages m ON l.kind = 1 AND m.id = l.ref {_EVIDENCE_JOINS} "
    )

    def ledger_entry(self, index: int) -> LedgerEntry:
        rows = self._db.execute(self._LEAF_SELECT + "WHERE l.idx = ?", (index,)).fetchall()
        if not rows:
            raise NotFoundError(f"the ledger has no leaf {index}.")
        message_id = rows[0][22]
        attachments = self._attachments("message_id = ?", (message_id,)) if message_id is not None else {}
        return self._entries(rows, attachments)[0]

    def iter_ledger(
        self, start: int = 0, end: int | None = None, batch_size: int = 5000
    ) -> Iterator[LedgerEntry]:
        """Leaves ``[start, end)`` in order, each with its row re-read from the archive."""
        end = self._stored_size() if end is None else end
        any_attachments = self._one("SELECT 1 FROM attachments LIMIT 1") is not None
        while start < end:
            stop = min(start + batch_size, end)
            rows = self._db.execute(
                self._LEAF_SELECT + "WHERE l.idx >= ? AND l.idx < ? ORDER BY l.idx", (start, stop)
            ).fetchall()
            attachments = (
                self._attachments(
                    # ``+kind``: walk the leaf range by primary key, not every message leaf by (kind, ref)
                    "message_id IN (SELECT ref FROM ledger_leaf WHERE idx >= ? AND idx < ? AND +kind = 1)",
                    (start, stop),
                )
                if any_attachments
                else {}
            )
            yield from self._entries(rows, attachments)
            start = stop

    def iter_ledger_nodes(self) -> Iterator[tuple[int, int, bytes]]:
        for level, index, node_hash in self._db.execute(
            "SELECT level, idx, hash FROM ledger_node ORDER BY level, idx"
        ):
            yield int(level), int(index), bytes(node_hash)

    def unledgered(self, kind: int) -> Iterator[LedgerEntry]:
        """Archived sources or messages that no leaf stands for, in id order (index -1, empty hash)."""
        if kind == MESSAGE_LEAF:
            sql = (
                f"SELECT -1, 1, m.id, NULL, {_EVIDENCE_COLUMNS} FROM messages m {_EVIDENCE_JOINS} "
                "WHERE NOT EXISTS (SELECT 1 FROM ledger_leaf l WHERE l.kind = 1 AND l.ref = m.id) "
                "AND m.id > ? ORDER BY m.id LIMIT 5000"
            )
            last = -(2**63)
            while True:
                rows: list[Any] = self._db.execute(sql, (last,)).fetchall()
                if not rows:
                    return
                last = rows[-1][2]
                ids = [r[2] for r in rows]  # at most 5000: within SQLite's limit of bound values
                yield from self._entries(
                    rows, self._attachments(f"message_id IN ({','.join('?' * len(ids))})", ids)
                )
        else:
            rows = self._db.execute(
                f"SELECT -1, 0, s.id, NULL, {', '.join(['NULL'] * _MESSAGE_WIDTH)} FROM sources s "
                "WHERE NOT EXISTS (SELECT 1 FROM ledger_leaf l WHERE l.kind = 0 AND l.ref = s.id) ORDER BY s.id"
            ).fetchall()
            yield from self._entries(rows, {})

    # -- heads and timestamps ---------------------------------------------------------------------
    def add_tree_head(self, signed: SignedTreeHead) -> int:
        self._require_transaction()
        head = signed.head
        self._db.execute(
            "INSERT INTO ledger_head (size, root_hash, timestamp_ms, log_id, key_id, signature) VALUES (?, ?, ?, ?, ?, ?)",
            (head.size, head.root_hash, head.timestamp_ms, head.log_id, signed.key_id, signed.signature),
        )
        return int(self._db.last_insert_rowid())

    def tree_heads(self) -> list[StoredHead]:
        heads = []
        for row in self._db.execute(
            "SELECT id, size, root_hash, timestamp_ms, log_id, key_id, signature FROM ledger_head ORDER BY id"
        ):
            try:
                head = TreeHead(row[1], bytes(row[2]), row[3], row[4])
            except (ValueError, TypeError) as exc:
                raise ArchiveError(f"tree head {row[0]} is malformed: {exc}") from exc
            heads.append(StoredHead(int(row[0]), SignedTreeHead(head, bytes(row[6]), str(row[5]))))
        return heads

    def add_timestamp(
        self,
        head_id: int,
        *,
        tsa_url: str,
        token: bytes,
        gen_time: str,
        tsa_cert_pem: str | None,
        ca_cert_pem: str | None,
    ) -> int:
        self._require_transaction()
        self._db.execute(
            "INSERT INTO ledger_timestamp (head_id, tsa_url, token, gen_time, tsa_cert_pem, ca_cert_pem, stamped_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                head_id,
                tsa_url,
                token,
                gen_time,
                tsa_cert_pem,
                ca_cert_pem,
                datetime.now().astimezone().isoformat(),
            ),
        )
        return int(self._db.last_insert_rowid())

    def timestamps(self) -> list[StoredTimestamp]:
        return [
            StoredTimestamp(int(r[0]), int(r[1]), str(r[2]), bytes(r[3]), str(r[4]), r[5], r[6], str(r[7]))
            for r in self._db.execute(
                "SELECT id, head_id, tsa_url, token, gen_time, tsa_cert_pem, ca_cert_pem, stamped_at "
                "FROM ledger_timestamp ORDER BY id"
            )
        ]
