"""``chatledger verify``: check the whole archive against its Merkle log, and say exactly what changed.

Three passes, none trusting another:

1. *Re-derive.* Every leaf's row (message or source) is re-read and re-serialised through
   ``integrity.canonical``; a leaf whose row is gone, or hashes otherwise, is noted. Archived rows that
   no leaf stands for were inserted behind the import's back. Parallel over index ranges in forked
   workers when there is more than one core.
2. *Rebuild.* The tree is rebuilt from the stored leaf hashes (and, where rows and leaves disagree, from
   the re-derived hashes too): its persisted interior nodes must be the ones rebuilt, every signed head's
   root must be the rebuilt root at its size, every head's signature must verify, successive heads must
   be consistent, and every timestamp token must stamp its head.
3. *Originals.* Every kept original is re-hashed (SHA-256) against its source row.

Where a row and its leaf disagree, the signed heads decide which one changed: if the stored leaves
still give the signed root, the row was edited; if the re-derived ones do, the leaf was.
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import os
import pickle
import time
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from chatledger.errors import ArchiveError
from chatledger.integrity import merkle
from chatledger.integrity.canonical import (
    MessageEvidence,
    SourceEvidence,
    message_leaf_hash,
    source_leaf_hash,
)
from chatledger.integrity.errors import ProofError, VerificationError
from chatledger.integrity.hasher import hash_children
from chatledger.integrity.ledger import fingerprint
from chatledger.integrity.proof import verify_consistency
from chatledger.integrity.tree_head import verify_tree_head
from chatledger.integrity.tsa import check_imprint, verify_timestamp
from chatledger.store import MESSAGE_LEAF, SOURCE_LEAF, LedgerEntry, Store, StoredHead

MAX_FINDINGS_PER_KIND = 1000
_CHUNK = 5000
_HASH_BLOCK = 1 << 20


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing that does not check out: ``kind`` is message, source, original, leaf, node, head or timestamp."""

    kind: str
    subject: str
    problem: str
    leaf_index: int | None = None
    message_id: int | None = None
    source_id: int | None = None
    head_id: int | None = None
    chat: str | None = None
    locator: str | None = None


@dataclass
class VerifyReport:
    leaves: int = 0
    messages: int = 0
    sources: int = 0
    originals: int = 0
    original_bytes: int = 0
    heads: int = 0
    timestamps: int = 0
    root_hash: str = ""
    key_fingerprint: str = ""
    seconds: float = 0.0
    findings: list[Finding] = field(default_factory=list)
    omitted: int = 0  # findings past MAX_FINDINGS_PER_KIND, counted only
    _per_kind: Counter[str] = field(default_factory=Counter, init=False, repr=False)

    @property
    def ok(self) -> bool:
        return not self.findings and not self.omitted

    def is_full(self, kind: str) -> bool:
        """True once ``MAX_FINDINGS_PER_KIND`` findings of ``kind`` are kept: more are only counted."""
        return self._per_kind[kind] >= MAX_FINDINGS_PER_KIND

    def add(self, finding: Finding) -> None:
        if self.is_full(finding.kind):
            self.omitted += 1
        else:
            self._per_kind[finding.kind] += 1
            self.findings.append(finding)


@dataclass
class _Differences:
    """Leaves whose row is gone or hashes otherwise, in leaf order, 42 bytes each (every row of an archive
    may have been edited): index, leaf kind, whether the row is gone, and the re-derived hash."""

    indices: array[int] = field(default_factory=lambda: array("q"))
    kinds: array[int] = field(default_factory=lambda: array("b"))
    gone: array[int] = field(default_factory=lambda: array("b"))
    hashes: bytearray = field(default_factory=bytearray)  # 32 bytes each, zeros where the row is gone

    def add(self, entry: LedgerEntry, derived: bytes | None) -> None:
        self.indices.append(entry.leaf_index)
        self.kinds.append(entry.kind)
        self.gone.append(derived is None)
        self.hashes += _NO_HASH if derived is None else derived

    def extend(self, other: _Differences) -> None:
        self.indices.extend(other.indices)
        self.kinds.extend(other.kinds)
        self.gone.extend(other.gone)
        self.hashes += other.hashes

    def __len__(self) -> int:
        return len(self.indices)

    def derived(self, i: int) -> bytes | None:
        return None if self.gone[i] else bytes(self.hashes[32 * i : 32 * i + 32])


_NO_HASH = bytes(32)


@dataclass
class _Rederived:
    """Pass 1 over leaves ``[start, end)``: counts, and each leaf whose row is gone or hashes otherwise."""

    messages: int = 0
    sources: int = 0
    seen: int = 0
    gaps: list[tuple[int, int]] = field(default_factory=list)  # missing leaf rows [a, b)
    differ: _Differences = field(default_factory=_Differences)


def _derive(entry: LedgerEntry) -> bytes | None:
    evidence = entry.evidence
    if isinstance(evidence, MessageEvidence):
        return message_leaf_hash(evidence)
    if isinstance(evidence, SourceEvidence):
        return source_leaf_hash(evidence)
    return None


def _rederive(store: Store, start: int, end: int) -> _Rederived:
    out = _Rederived()
    expected = start
    messages = sources = 0
    collecting = gc.isenabled()
    gc.disable()  # millions of short-lived, acyclic rows: the collector's passes cost a fifth (measured)
    try:
        for entry in store.iter_ledger(start, end, _CHUNK):
            index, evidence = entry.leaf_index, entry.evidence
            if index != expected:
                out.gaps.append((expected, index))
            expected = index + 1
            if entry.kind == MESSAGE_LEAF:
                messages += 1
                derived = message_leaf_hash(evidence) if type(evidence) is MessageEvidence else _derive(entry)
            else:
                sources += 1
                derived = _derive(entry)
            if derived != entry.hash:
                out.differ.add(entry, derived)
    finally:
        if collecting:
            gc.enable()
    if expected != end:
        out.gaps.append((expected, end))
    out.messages, out.sources, out.seen = messages, sources, messages + sources
    return out


_FORK = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None


class _Pass1:
    """Pass 1 under way: in forked workers (each on its own connection), or to be run here on ``result``."""

    def __init__(self, store: Store, reopen: Callable[[], Store] | None, size: int, workers: int) -> None:
        self.store, self.size = store, size
        self.pipes: list[tuple[Connection, BaseProcess]] = []
        if workers <= 1 or reopen is None or _FORK is None or size < 4 * _CHUNK:
            return
        bounds = [size * i // workers for i in range(workers + 1)]
        for lo, hi in zip(bounds, bounds[1:], strict=False):
            receiver, sender = _FORK.Pipe(duplex=False)
            process = _FORK.Process(target=_rederive_child, args=(reopen, lo, hi, sender), daemon=True)
            process.start()
            sender.close()
            self.pipes.append((receiver, process))

    def result(self) -> _Rederived:
        if not self.pipes:
            return _rederive(self.store, 0, self.size)
        total = _Rederived()
        try:
            for receiver, _process in self.pipes:
                try:
                    part, error = pickle.loads(receiver.recv_bytes())
                except EOFError:
                    part, error = None, "it ended without an answer"
                if error is not None or part is None:
                    raise VerificationError(f"a verification worker failed: {error}")
                total.messages += part.messages
                total.sources += part.sources
                total.seen += part.seen
                total.gaps.extend(part.gaps)
                total.differ.extend(part.differ)  # the workers' ranges are in leaf order
        finally:
            for receiver, process in self.pipes:
                receiver.close()
                process.join()
        return total


def _rederive_child(reopen: Callable[[], Store], start: int, end: int, sender: Connection) -> None:
    try:
        store = reopen()
        try:
            result: tuple[_Rederived | None, str | None] = (_rederive(store, start, end), None)
        finally:
            store.close()
    except Exception as exc:  # reported by the parent
        result = (None, f"{type(exc).__name__}: {exc}")
    sender.send_bytes(pickle.dumps(result, pickle.HIGHEST_PROTOCOL))
    sender.close()


_BLOCK_LEVEL = 12  # leaves are hashed up in aligned blocks of 4096


class _RebuiltTree:
    """A ``HashReader`` over a tree rebuilt from leaves: the leaves read from the store (with substitutes),
    every kept level above them recomputed here, level by level, in memory (n/15 hashes)."""

    def __init__(self, store: Store, size: int, substitute: _Differences | None) -> None:
        self._store_reader = store.ledger_reader()
        self.stride = self._store_reader.stride
        self.size = size
        self._substitute = substitute
        self.levels: dict[int, list[bytes]] = {}  # kept level → its complete nodes, in index order
        tops: list[bytes] = []
        block = 1 << _BLOCK_LEVEL
        for start in range(0, size, block):
            hashes = list(self.read_level(0, start, min(start + block, size)))
            tops.extend(self._climb(hashes, 0, _BLOCK_LEVEL))
        self._climb(tops, _BLOCK_LEVEL, size.bit_length())

    def _climb(self, hashes: list[bytes], level: int, top: int) -> list[bytes]:
        """Hash complete pairs upwards from ``level`` to ``top``, keeping every stride-th level."""
        pair = hash_children
        while level < top and len(hashes) > 1:
            hashes = [pair(hashes[i], hashes[i + 1]) for i in range(0, len(hashes) - 1, 2)]
            level += 1
            if level % self.stride == 0:
                self.levels.setdefault(level, []).extend(hashes)
        return hashes if level == top else []

    def read_level(self, level: int, start: int, end: int) -> Sequence[bytes]:
        if level == 0:
            hashes = self._store_reader.read_level(0, start, end)
            if self._substitute:
                hashes = self._substituted(start, hashes)
            return hashes
        return self.levels.get(level, [])[start:end]

    def _substituted(self, start: int, hashes: Sequence[bytes]) -> Sequence[bytes]:
        differ = self._substitute
        assert differ is not None
        lo = bisect_left(differ.indices, start)
        hi = bisect_left(differ.indices, start + len(hashes), lo)
        if lo == hi:
            return hashes
        replaced = list(hashes)
        for i in range(lo, hi):
            derived = differ.derived(i)
            if derived is not None:  # a row that is gone re-derives nothing
                replaced[differ.indices[i] - start] = derived
        return replaced

    def digests(self) -> dict[int, tuple[bytes, int]]:
        return {
            level: (hashlib.sha256(b"".join(nodes)).digest(), len(nodes))
            for level, nodes in self.levels.items()
        }


@dataclass
class _Rebuilt:
    roots: dict[int, bytes]  # at each head's size
    root: bytes
    size: int
    nodes: dict[int, tuple[bytes, int]]  # per kept level: digest over its nodes in order, count


def _rebuild(store: Store, size: int, head_sizes: set[int], substitute: _Differences | None) -> _Rebuilt:
    """Pass 2: the tree over the stored leaves, the re-derived hashes in ``substitute`` replacing theirs."""
    tree = _RebuiltTree(store, size, substitute)
    roots: dict[int, bytes] = {}
    for head_size in sorted(s for s in head_sizes if s <= size):
        try:
            roots[head_size] = merkle.root_hash(tree, head_size)
        except ArchiveError:  # leaf rows are missing (reported as such): no root to compare
            break
    try:
        root = merkle.root_hash(tree, size)
    except ArchiveError:
        root = b""
    return _Rebuilt(roots, root, size, tree.digests())


def _check_nodes(store: Store, want: dict[int, tuple[bytes, int]], report: VerifyReport) -> None:
    """Stored interior nodes must be exactly those the leaves give; the lowest wrong level is located."""
    reader = store.ledger_reader()
    levels: dict[int, tuple[hashlib._Hash, int]] = {}
    for level, _index, node_hash in store.iter_ledger_nodes():
        digest, count = levels.get(level) or (hashlib.sha256(), 0)
        digest.update(node_hash)
        levels[level] = (digest, count + 1)
    got = {level: (digest.digest(), count) for level, (digest, count) in levels.items()}
    for level in sorted(set(want) | set(got)):
        w, g = want.get(level), got.get(level)
        if w == g:
            continue
        located = 0
        for node_level, node_index, node_hash in store.iter_ledger_nodes():
            if node_level != level:
                continue
            try:
                expected = hash_children(  # from the level below: the node's own row would be read back
                    merkle.perfect_hash(reader, level - 1, 2 * node_index),
                    merkle.perfect_hash(reader, level - 1, 2 * node_index + 1),
                )
            except Exception:
                expected = b""
            if expected != node_hash:
                located += 1
                report.add(
                    Finding(
                        "node",
                        f"node {level}/{node_index}",
                        f"stored interior node (level {level}, index {node_index}) is not the hash of the "
                        "leaves below it: proofs built from it would fail",
                    )
                )
        if not located:
            report.add(
                Finding(
                    "node",
                    f"level {level}",
                    f"the log keeps {g[1] if g else 0} interior nodes on level {level}, want {w[1] if w else 0}",
                )
            )
        return  # higher levels are built from this one


def _label(entry: LedgerEntry) -> tuple[str, str | None, str | None]:
    evidence = entry.evidence
    if entry.kind == MESSAGE_LEAF:
        if isinstance(evidence, MessageEvidence):
            chat = f"{evidence.platform}:{evidence.chat}"
            return f"message {entry.ref} (chat {chat}, {evidence.locator})", chat, evidence.locator
        return f"message {entry.ref}", None, None
    if isinstance(evidence, SourceEvidence):
        return f"source {entry.ref} ({evidence.original_name})", None, None
    return f"source {entry.ref}", None, None


def _covering_head(heads: list[StoredHead], valid: set[int], index: int) -> StoredHead | None:
    """The earliest head with a good signature whose tree holds leaf ``index``."""
    for stored in heads:
        if stored.id in valid and stored.signed.head.size > index:
            return stored
    return None


def _report_differences(
    store: Store,
    rederived: _Rederived,
    stored_roots: dict[int, bytes],
    derived_roots: dict[int, bytes],
    heads: list[StoredHead],
    valid: set[int],
    report: VerifyReport,
) -> None:
    for lo, hi in rederived.gaps:
        report.add(
            Finding(
                "leaf",
                f"leaves {lo}-{hi - 1}",
                f"{hi - lo} leaf rows are missing from the log",
                leaf_index=lo,
            )
        )
    differ = rederived.differ
    for i, index in enumerate(differ.indices):
        leaf_kind, derived = differ.kinds[i], differ.derived(i)
        kind = "message" if leaf_kind == MESSAGE_LEAF else "source"
        if derived is None:
            problem = f"was deleted: leaf {index} stands for it"
        elif (head := _covering_head(heads, valid, index)) is None:
            problem = f"differs from its leaf {index}, which no valid signed head covers"
        elif stored_roots.get(head.signed.head.size) == head.signed.head.root_hash:
            problem = f"changed after it was logged: it no longer hashes to leaf {index} (head {head.id})"
        elif derived_roots.get(head.signed.head.size) == head.signed.head.root_hash:
            kind = "leaf"
            problem = f"leaf {index} was altered: the archived row still matches head {head.id}"
        else:
            problem = f"differs from leaf {index}, and neither matches head {head.id}: both changed"
        if report.is_full(kind):
            report.omitted += 1
            continue
        entry = store.ledger_entry(index)  # re-read for its label: pass 1 kept no rows
        subject, chat, locator = _label(entry)
        report.add(
            Finding(
                kind,
                subject,
                problem,
                leaf_index=index,
                message_id=entry.ref if leaf_kind == MESSAGE_LEAF else None,
                source_id=entry.ref if leaf_kind == SOURCE_LEAF else None,
                chat=chat,
                locator=locator,
            )
        )


def _check_heads(
    store: Store,
    heads: list[StoredHead],
    public_key: Ed25519PublicKey,
    rebuilt: _Rebuilt,
    report: VerifyReport,
) -> set[int]:
    """Signatures, roots against the rebuilt tree, and consistency of each head with the one before."""
    valid: set[int] = set()
    reader = store.ledger_reader()
    previous: StoredHead | None = None
    for stored in heads:
        head = stored.signed.head
        subject = f"head {stored.id} (size {head.size})"
        try:
            verify_tree_head(stored.signed, public_key)
            valid.add(stored.id)
        except VerificationError as exc:
            report.add(Finding("head", subject, f"signature does not verify: {exc}", head_id=stored.id))
            previous = stored
            continue
        if head.size > rebuilt.size:
            report.add(
                Finding(
                    "head",
                    subject,
                    f"covers {head.size} leaves but the log holds {rebuilt.size}: leaves were removed",
                    head_id=stored.id,
                )
            )
        elif rebuilt.roots.get(head.size) != head.root_hash:
            report.add(
                Finding(
                    "head",
                    subject,
                    f"root {head.root_hash.hex()[:16]}… is not the root of the stored log at that size: "
                    "leaves it covers were altered",
                    head_id=stored.id,
                )
            )
        if previous is not None and previous.id in valid:
            old = previous.signed.head
            if head.size < old.size or head.timestamp_ms < old.timestamp_ms:
                report.add(
                    Finding(
                        "head",
                        subject,
                        f"goes back from head {previous.id} (size {old.size}, time {old.timestamp_ms}) to size "
                        f"{head.size}, time {head.timestamp_ms}",
                        head_id=stored.id,
                    )
                )
            elif head.size <= rebuilt.size:
                try:
                    proof = merkle.consistency_proof(reader, old.size, head.size)
                    verify_consistency(old.size, head.size, old.root_hash, head.root_hash, proof)
                except (ProofError, Exception) as exc:  # a broken store is a failed proof too
                    report.add(
                        Finding(
                            "head",
                            subject,
                            f"is not consistent with head {previous.id}: {exc}",
                            head_id=stored.id,
                        )
                    )
        previous = stored
    if heads and heads[-1].signed.head.size < rebuilt.size:
        last = heads[-1].signed.head.size
        report.add(
            Finding(
                "leaf",
                f"leaves {last}-{rebuilt.size - 1}",
                f"{rebuilt.size - last} leaves are not covered by any signed head",
                leaf_index=last,
            )
        )
    elif not heads and rebuilt.size:
        report.add(Finding("leaf", "the log", f"{rebuilt.size} leaves and no signed head"))
    return valid


def _check_timestamps(store: Store, heads: list[StoredHead], report: VerifyReport) -> None:
    by_id = {h.id: h for h in heads}
    for stamp in store.timestamps():
        report.timestamps += 1
        subject = f"timestamp {stamp.id} (head {stamp.head_id}, {stamp.tsa_url})"
        head = by_id.get(stamp.head_id)
        if head is None:
            report.add(Finding("timestamp", subject, "stamps a head that is gone", head_id=stamp.head_id))
            continue
        data = head.signed.head.canonical_bytes()
        try:
            if stamp.tsa_cert_pem and stamp.ca_cert_pem:
                verify_timestamp(
                    stamp.token,
                    data,
                    tsa_cert_pem=stamp.tsa_cert_pem.encode(),
                    ca_cert_pem=stamp.ca_cert_pem.encode(),
                )
            else:
                check_imprint(stamp.token, data)
        except VerificationError as exc:
            report.add(Finding("timestamp", subject, str(exc), head_id=stamp.head_id))


def _check_unledgered(store: Store, report: VerifyReport) -> None:
    for kind in (SOURCE_LEAF, MESSAGE_LEAF):
        for entry in store.unledgered(kind):
            subject, chat, locator = _label(entry)
            report.add(
                Finding(
                    "message" if kind == MESSAGE_LEAF else "source",
                    subject,
                    "is in the archive but not in the log: inserted after import",
                    message_id=entry.ref if kind == MESSAGE_LEAF else None,
                    source_id=entry.ref if kind == SOURCE_LEAF else None,
                    chat=chat,
                    locator=locator,
                )
            )


def _check_originals(store: Store, originals_dir: Path, report: VerifyReport) -> None:
    for source in store.sources():
        path = originals_dir / source.sha256[:2] / source.sha256
        subject = f"source {source.id} ({source.original_name})"
        if not path.is_file():
            report.add(
                Finding("original", subject, f"its kept original {path} is missing", source_id=source.id)
            )
            continue
        digest = hashlib.sha256()
        size = 0
        with path.open("rb") as handle:
            while block := handle.read(_HASH_BLOCK):
                digest.update(block)
                size += len(block)
        report.originals += 1
        report.original_bytes += size
        if digest.hexdigest() != source.sha256 or size != source.size:
            report.add(
                Finding(
                    "original",
                    subject,
                    f"kept original {path} has sha256 {digest.hexdigest()[:16]}… and {size} bytes, want "
                    f"{source.sha256[:16]}… and {source.size} bytes: the file was altered",
                    source_id=source.id,
                )
            )


def verify_archive(
    store: Store,
    *,
    originals_dir: Path,
    public_key: Ed25519PublicKey,
    reopen: Callable[[], Store] | None = None,
    workers: int | None = None,
) -> VerifyReport:
    """Check everything (see the module docstring); ``reopen`` opens another connection for workers."""
    began = time.perf_counter()
    report = VerifyReport(key_fingerprint=fingerprint(public_key))
    heads = store.tree_heads()
    report.heads = len(heads)
    size = store.ledger_size()
    pass1 = _Pass1(store, reopen, size, workers or min(2, os.cpu_count() or 1))
    head_sizes = {h.signed.head.size for h in heads}
    rebuilt = _rebuild(store, size, head_sizes, None)  # while the workers re-read the rows
    rederived = pass1.result()
    report.messages, report.sources = rederived.messages, rederived.sources
    report.leaves, report.root_hash = rebuilt.size, rebuilt.root.hex()
    _check_nodes(store, rebuilt.nodes, report)
    valid = _check_heads(store, heads, public_key, rebuilt, report)
    differ = rederived.differ
    derived_roots = _rebuild(store, size, head_sizes, differ).roots if len(differ) else rebuilt.roots
    _report_differences(store, rederived, rebuilt.roots, derived_roots, heads, valid, report)
    _check_unledgered(store, report)
    _check_timestamps(store, heads, report)
    _check_originals(store, originals_dir, report)
    report.seconds = time.perf_counter() - began
    return report
