"""The Merkle log wired into the archive: leaves per import, signed heads, proofs, and ``verify`` locating
tampering done directly to the SQLite file and to the kept originals."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import apsw
import pytest

from chatledger.errors import ArchiveError, ImportFormatError
from chatledger.ingest import ImportOptions, import_paths
from chatledger.integrity import ledger, merkle
from chatledger.integrity.canonical import MessageEvidence, message_leaf_hash
from chatledger.integrity.errors import ProofError, VerificationError
from chatledger.integrity.hasher import hash_leaf
from chatledger.integrity.merkle import MemoryHashStore
from chatledger.integrity.proof import verify_proof_file
from chatledger.integrity.tree_head import verify_tree_head
from chatledger.integrity.verify import VerifyReport, verify_archive
from chatledger.search.tokens import index_tokens
from chatledger.store import MESSAGE_LEAF, SOURCE_LEAF, SQLiteStore
from tests.conftest import SAMPLES, write

TELEGRAM = SAMPLES / "telegram" / "single_chat_2p_2m__chat-miner.json"
WECHAT_GROUP = SAMPLES / "wechat" / "pywxdump_group_4p_11m.csv"
BAD_WECHAT = SAMPLES / "wechat" / "bad_pywxdump_arity.csv"


class Archive:
    """An archive in ``tmp_path`` with the paths the CLI would use."""

    def __init__(self, root: Path) -> None:
        self.db = root / "archive.db"
        self.originals = root / "archive.db-originals"
        self.key_path = root / "archive.db.key"
        self.store = SQLiteStore(self.db)

    def add(self, *paths: Path) -> Any:
        return import_paths(
            self.store,
            list(paths),
            originals_dir=self.originals,
            options=ImportOptions(zone_name="UTC"),
            key_path=self.key_path,
        )

    def verify(self, workers: int = 1) -> VerifyReport:
        return verify_archive(
            self.store,
            originals_dir=self.originals,
            public_key=ledger.load_verifying_key(self.key_path),
            reopen=lambda: SQLiteStore(self.db),
            workers=workers,
        )

    def tamper(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        """Change the file behind chatledger's back, through a plain connection."""
        connection = apsw.Connection(str(self.db))
        connection.execute(sql, params)
        connection.close()

    def message_ids(self) -> list[int]:
        return [int(r[0]) for r in self.store._db.execute("SELECT id FROM messages ORDER BY id")]


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    a = Archive(tmp_path)
    a.add(TELEGRAM)
    a.add(WECHAT_GROUP)
    yield a
    a.store.close()


def _only(report: VerifyReport) -> Any:
    assert not report.ok
    assert len(report.findings) == 1, report.findings
    return report.findings[0]


# -- what an import writes ----------------------------------------------------------------------------


def test_every_source_and_new_message_is_a_leaf_under_a_signed_head(archive: Archive) -> None:
    store = archive.store
    messages = store.stats().messages
    assert messages == 13
    assert store.ledger_size() == messages + 2
    heads = store.tree_heads()
    assert [h.signed.head.size for h in heads] == [3, 15]  # one head per import
    public_key = ledger.load_verifying_key(archive.key_path)
    for stored in heads:
        verify_tree_head(stored.signed, public_key)
    # The root is the RFC 9162 root of the stored leaves, recomputed here from scratch.
    memory = MemoryHashStore()
    memory.extend(e.hash for e in store.iter_ledger())
    assert memory.root() == heads[-1].signed.head.root_hash == store.ledger_root()
    # Each message leaf is the canonical serialisation of the archived row.
    for entry in store.iter_ledger():
        if entry.kind == MESSAGE_LEAF:
            assert isinstance(entry.evidence, MessageEvidence)
            assert message_leaf_hash(entry.evidence) == entry.hash
    assert archive.verify().ok


def test_the_custody_record_is_in_the_source_leaf(archive: Archive) -> None:
    source = archive.store.sources()[1]
    entry = archive.store.ledger_entry(archive.store.leaf_index(SOURCE_LEAF, source.id or 0) or 0)
    record = entry.evidence._asdict() if entry.evidence else {}
    assert record["sha256"] == source.sha256 and record["md5"] == source.md5
    assert (
        record["original_path"] == str(WECHAT_GROUP.resolve())
        and record["size"] == WECHAT_GROUP.stat().st_size
    )
    assert record["imported_by"] and record["chatledger_version"] and record["importer_version"]
    assert record["format"] == "wechat-pywxdump-csv" and record["timezone"] == "UTC"
    assert record["modified_at"] and record["imported_at"].endswith("+00:00")


def test_a_failed_import_leaves_no_leaves_and_no_head(archive: Archive, tmp_path: Path) -> None:
    before = (archive.store.ledger_size(), len(archive.store.tree_heads()))
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "a.csv").write_bytes(BAD_WECHAT.read_bytes())
    (folder / "b.json").write_bytes((SAMPLES / "telegram" / "account_1c_2p_2m__chat-miner.json").read_bytes())
    with pytest.raises(ImportFormatError):
        archive.add(folder / "b.json", folder / "a.csv")
    assert (archive.store.ledger_size(), len(archive.store.tree_heads())) == before
    assert archive.verify().ok
    archive.add(folder / "b.json")  # the frontier was rebuilt after the rollback: appends go on cleanly
    assert archive.verify().ok


def test_reimport_adds_no_leaf_and_no_head(archive: Archive) -> None:
    before = (archive.store.ledger_size(), len(archive.store.tree_heads()))
    archive.add(TELEGRAM)
    assert (archive.store.ledger_size(), len(archive.store.tree_heads())) == before


def test_repeated_messages_get_their_own_leaves(tmp_path: Path, lines_importer: None) -> None:
    a = Archive(tmp_path)
    path = write(tmp_path / "r.lines", "repeat", [(1, "ann", "ok"), (1, "ann", "ok"), (2, "bob", "ok")])
    a.add(path)
    assert a.store.ledger_size() == 4
    assert a.verify().ok
    a.store.close()


def test_key_is_private_and_created_once(archive: Archive) -> None:
    assert stat.S_IMODE(archive.key_path.stat().st_mode) == 0o600
    key, created = ledger.ensure_key(archive.key_path)
    assert not created
    assert ledger.public_key_path(archive.key_path).read_text().startswith("-----BEGIN PUBLIC KEY-----")
    assert key.key_id == archive.store.tree_heads()[0].signed.key_id


def test_an_archive_from_before_the_log_gets_one(archive: Archive) -> None:
    archive.tamper("DELETE FROM ledger_leaf")
    archive.tamper("DELETE FROM ledger_node")
    archive.tamper("DELETE FROM ledger_head")
    key, _ = ledger.ensure_key(archive.key_path)
    assert ledger.ensure_ledger(archive.store, key) == 15
    assert [h.signed.head.size for h in archive.store.tree_heads()] == [15]
    assert archive.verify().ok
    assert ledger.ensure_ledger(archive.store, key) == 0  # a log that exists is never refilled


# -- verify locates tampering -----------------------------------------------------------------------


def _message_row(archive: Archive, message_id: int) -> tuple[Any, ...]:
    row = archive.store._db.execute(
        "SELECT m.locator, c.platform, c.platform_id FROM messages m JOIN conversations c ON c.id = m.conversation_id "
        "WHERE m.id = ?",
        (message_id,),
    ).fetchone()
    assert row is not None
    return tuple(row)


@pytest.mark.parametrize(
    ("column", "value"),
    [("text", "I never said that"), ("ts_ms", 1), ("utc_offset_min", 60), ("sender_name", "someone else")],
)
def test_an_edited_message_is_named(archive: Archive, column: str, value: Any) -> None:
    target = archive.message_ids()[5]
    locator, platform, chat = _message_row(archive, target)
    archive.tamper(f"UPDATE messages SET {column} = ? WHERE id = ?", (value, target))
    finding = _only(archive.verify())
    assert (finding.kind, finding.message_id, finding.locator) == ("message", target, locator)
    assert finding.chat == f"{platform}:{chat}" and "changed after it was logged" in finding.problem


def test_an_edited_attachment_hash_is_named(tmp_path: Path) -> None:
    a = Archive(tmp_path)
    a.add(SAMPLES / "qq" / "friend_2p_5m_gbk_image.mht")  # an image embedded in the export, hashed
    row = a.store._db.execute(
        "SELECT message_id FROM attachments WHERE sha256 IS NOT NULL LIMIT 1"
    ).fetchone()
    message_id = int(row[0])
    a.tamper("UPDATE attachments SET sha256 = ? WHERE message_id = ?", ("0" * 64, message_id))
    finding = _only(a.verify())
    assert (finding.kind, finding.message_id) == ("message", message_id)
    a.store.close()


def test_a_deleted_message_is_named(archive: Archive) -> None:
    target = archive.message_ids()[3]
    index = archive.store.leaf_index(MESSAGE_LEAF, target)
    # The search index is contentless: removing a row takes the tokens it was given (FTS5 'delete').
    text = archive.store._db.execute("SELECT text FROM messages WHERE id = ?", (target,)).fetchone()[0]
    archive.tamper(
        "INSERT INTO message_search (message_search, rowid, tokens) VALUES ('delete', ?, ?)",
        (target, index_tokens(text)),
    )
    archive.tamper("DELETE FROM messages WHERE id = ?", (target,))
    finding = _only(archive.verify())
    assert (finding.kind, finding.message_id, finding.leaf_index) == ("message", target, index)
    assert "deleted" in finding.problem


def test_an_inserted_message_is_named(archive: Archive) -> None:
    source = archive.message_ids()[0]
    archive.tamper(
        "INSERT INTO messages (id, key, conversation_id, sender_id, sender_name, ts_ms, utc_offset_min, precision, "
        "kind, text, ordinal, first_source_id, locator) SELECT id + 1, x'00ff', conversation_id, sender_id, "
        "sender_name, ts_ms, utc_offset_min, precision, kind, 'forged', 0, first_source_id, 'line 999' "
        "FROM messages WHERE id = ?",
        (source,),
    )
    finding = _only(archive.verify())
    assert (finding.kind, finding.message_id, finding.locator) == ("message", source + 1, "line 999")
    assert "not in the log" in finding.problem


def test_an_altered_leaf_is_told_apart_from_an_altered_message(archive: Archive) -> None:
    target = archive.message_ids()[2]
    index = archive.store.leaf_index(MESSAGE_LEAF, target)
    archive.tamper("UPDATE ledger_leaf SET hash = ? WHERE idx = ?", (hash_leaf(b"forged"), index))
    report = archive.verify()
    kinds = {(f.kind, f.leaf_index) for f in report.findings}
    assert ("leaf", index) in kinds  # the row still matches the signed head: the leaf changed
    leaf = next(f for f in report.findings if f.kind == "leaf")
    assert leaf.message_id == target and "was altered" in leaf.problem
    assert any(f.kind == "head" for f in report.findings)  # the heads no longer match the stored leaves


def test_a_deleted_leaf_row_is_found(archive: Archive) -> None:
    archive.tamper("DELETE FROM ledger_leaf WHERE idx = 7")
    report = archive.verify()
    assert any(f.kind == "leaf" and f.leaf_index == 7 and "missing" in f.problem for f in report.findings)


def test_an_altered_head_is_named(archive: Archive) -> None:
    head_id = archive.store.tree_heads()[0].id
    archive.tamper("UPDATE ledger_head SET size = size + 1 WHERE id = ?", (head_id,))
    finding = _only(archive.verify())
    assert (finding.kind, finding.head_id) == ("head", head_id) and "signature" in finding.problem


def test_a_rewritten_history_is_inconsistent(archive: Archive) -> None:
    """A head signed with the right key over a different log: its root is not the stored log's."""
    key, _ = ledger.ensure_key(archive.key_path)
    with archive.store.transaction():
        archive.store.append_leaves(MESSAGE_LEAF, [(10**15, hash_leaf(b"x"))])
        forged = ledger.sign_head(archive.store, key)
    archive.tamper("DELETE FROM ledger_leaf WHERE ref = ?", (10**15,))
    report = archive.verify()
    assert any(
        f.kind == "head" and f.head_id == forged.id and "removed" in f.problem for f in report.findings
    )


def test_an_altered_interior_node_is_located(tmp_path: Path, lines_importer: None) -> None:
    a = Archive(tmp_path)
    a.add(write(tmp_path / "n.lines", "nodes", [(1000 + i, f"u{i % 3}", f"message {i}") for i in range(40)]))
    a.tamper("UPDATE ledger_node SET hash = ? WHERE level = 4 AND idx = 1", (hash_leaf(b"n"),))
    finding = _only(a.verify())
    assert (finding.kind, finding.subject) == ("node", "node 4/1")
    a.store.close()


def test_a_flipped_byte_of_a_kept_original_is_named(archive: Archive) -> None:
    source = archive.store.sources()[1]
    kept = archive.originals / source.sha256[:2] / source.sha256
    kept.chmod(0o644)
    data = bytearray(kept.read_bytes())
    data[len(data) // 2] ^= 0x01
    kept.write_bytes(bytes(data))
    finding = _only(archive.verify())
    assert (finding.kind, finding.source_id) == ("original", source.id)
    assert source.original_name in finding.subject


def test_an_edited_source_row_is_named(archive: Archive) -> None:
    source = archive.store.sources()[0]
    archive.tamper("UPDATE sources SET imported_by = 'mallory' WHERE id = ?", (source.id,))
    finding = _only(archive.verify())
    assert (finding.kind, finding.source_id) == ("source", source.id)


def test_verify_in_two_processes_finds_the_same(tmp_path: Path, lines_importer: None) -> None:
    a = Archive(tmp_path)
    a.add(
        write(tmp_path / "big.lines", "big", [(1000 + i, f"u{i % 7}", f"message {i}") for i in range(25_000)])
    )
    target = a.message_ids()[20_000]
    a.tamper("UPDATE messages SET text = 'x' WHERE id = ?", (target,))
    one, two = a.verify(workers=1), a.verify(workers=2)
    assert one.findings == two.findings and _only(two).message_id == target
    assert one.messages == two.messages == 25_000
    a.store.close()


# -- proofs -----------------------------------------------------------------------------------------------


class _OneRangeAtATime:
    """The archive's hash reader without ``read_ranges``: every range is its own query."""

    def __init__(self, inner: Any) -> None:
        self.stride, self.read_level = inner.stride, inner.read_level


def test_proof_hashes_read_in_one_batch_are_those_read_range_by_range(
    tmp_path: Path, lines_importer: None
) -> None:
    a = Archive(tmp_path)
    a.add(write(tmp_path / "r.lines", "r", [(1000 + i, f"u{i % 5}", f"message {i}") for i in range(700)]))
    batched, single, size = a.store.ledger_reader(), _OneRangeAtATime(a.store.ledger_reader()), 701
    for index in range(size):
        assert merkle.inclusion_proof(batched, index, size) == merkle.inclusion_proof(single, index, size)
    for old in range(1, size, 7):
        assert merkle.consistency_proof(batched, old, size) == merkle.consistency_proof(single, old, size)
    a.tamper("DELETE FROM ledger_leaf WHERE idx = 300")
    with pytest.raises(ArchiveError, match=r"returned 3 hashes for level 0 nodes \[300, 304\), want 4"):
        merkle.inclusion_proof(batched, 297, size)  # its level-2 sibling is leaves [300, 304)
    a.store.close()


def _proof(archive: Archive, kind: int, ref: int, **kwargs: Any) -> dict[str, Any]:
    public_key = ledger.load_verifying_key(archive.key_path)
    data = ledger.inclusion_proof_file(archive.store, kind, ref, public_key, **kwargs)
    return json.loads(json.dumps(data))  # as a verifier reads it from a file


def test_inclusion_proofs_verify_without_the_archive(archive: Archive) -> None:
    key_id = ledger.ensure_key(archive.key_path)[0].key_id
    for message_id in archive.message_ids():
        proof = _proof(archive, MESSAGE_LEAF, message_id)
        check = verify_proof_file(proof, trusted_key_id=key_id)
        assert (
            check.leaf is not None
            and check.leaf["text"] == archive.store.messages_by_ids([message_id])[0].text
        )
    source = archive.store.sources()[0]
    check = verify_proof_file(_proof(archive, SOURCE_LEAF, source.id or 0, head_id=1))
    assert check.tree_size == 3 and check.leaf is not None and check.leaf["sha256"] == source.sha256


def test_a_proof_of_an_edited_message_is_refused(archive: Archive) -> None:
    target = archive.message_ids()[0]
    archive.tamper("UPDATE messages SET text = 'x' WHERE id = ?", (target,))
    with pytest.raises(VerificationError, match="no longer matches its leaf"):
        _proof(archive, MESSAGE_LEAF, target)


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda p: p["leaf"].__setitem__("text", p["leaf"]["text"] + "!"),
        lambda p: p["leaf"].__setitem__("ts_ms", p["leaf"]["ts_ms"] + 1000),
        lambda p: p.__setitem__("leaf_index", p["leaf_index"] + 1),
        lambda p: p["audit_path"].pop(),
        lambda p: p["tree_head"]["tree_head"].__setitem__("size", p["tree_head"]["tree_head"]["size"] + 1),
    ],
    ids=["text", "time", "index", "path", "head"],
)
def test_a_corrupted_proof_file_fails(archive: Archive, corrupt: Any) -> None:
    proof = _proof(archive, MESSAGE_LEAF, archive.message_ids()[4])
    corrupt(proof)
    with pytest.raises((ProofError, VerificationError)):
        verify_proof_file(proof)


def test_a_proof_under_another_key_is_refused_when_a_key_is_trusted(archive: Archive) -> None:
    proof = _proof(archive, MESSAGE_LEAF, archive.message_ids()[0])
    with pytest.raises(VerificationError, match="not by the trusted key"):
        verify_proof_file(proof, trusted_key_id="00" * 32)


def test_consistency_proof_between_heads(archive: Archive) -> None:
    public_key = ledger.load_verifying_key(archive.key_path)
    proof = json.loads(json.dumps(ledger.consistency_proof_file(archive.store, 1, 2, public_key)))
    check = verify_proof_file(proof)
    assert (check.old_size, check.tree_size) == (3, 15)
    proof["proof"][0] = hash_leaf(b"other history").hex()
    with pytest.raises(ProofError):
        verify_proof_file(proof)
