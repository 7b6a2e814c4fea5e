"""Integrity benchmark: hashing, Merkle appends and proofs, in one process, single-threaded; then the log
wired into a real archive.

    python -m benchmarks.bench_integrity                  # 1e6 records, 1e6 and 1e7 leaves
    python -m benchmarks.bench_integrity --leaves 1e6     # quicker
    python -m benchmarks.bench_integrity --json benchmarks/out/integrity.json
    python -m benchmarks.bench_integrity --archive 1e6 --repeats 3   # the archive figures only
    python -m benchmarks.bench_integrity --archive 1e7 --repeats 1 --keep benchmarks/out/ledger-1e7
    python -m benchmarks.bench_integrity --archive 1e7 --verify-only benchmarks/out/ledger-1e7

``--archive N`` imports a generated N-message WhatsApp export (the import benchmark's corpus) into fresh
archives, alternating imports with the ledger and without it (leaf hashing and leaf/node writes patched
out, in a forked child each): the ledger's share of import time is ``1 - without / with`` of the medians.
On the last archive with the ledger it then times a full ``chatledger verify`` as a user runs it (two
workers, then one): wall, CPU seconds of the process tree and its peak RSS; then inclusion proof files
for random messages: built from the archive, and verified (the bare RFC 9162
check, and the whole file: re-hash, audit path, Ed25519 signature).

Measures SHA-256 throughput (1 MiB blocks, MB/s) and node-hash rate (65-byte inputs); the rate of
``hash_leaf(canonical_json(record))`` over message-like records; appending leaves to a bare
``CompactRange`` (the ingest path) and to a ``MemoryHashStore`` with stride 4 (what a store would
persist); then inclusion and consistency proofs at the largest size: build (reading hashes from the
in-memory store) and verify, median and p95 over many random positions, in milliseconds.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from chatledger.integrity import merkle
from chatledger.integrity.canonical import canonical_json
from chatledger.integrity.hasher import hash_children, hash_leaf
from chatledger.integrity.proof import verify_consistency, verify_inclusion


def _rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def bench_sha256(megabytes: int = 256) -> dict[str, float]:
    block = bytes(range(256)) * 4096  # 1 MiB
    start = time.perf_counter()
    h = hashlib.sha256()
    for _ in range(megabytes):
        h.update(block)
    h.digest()
    big = time.perf_counter() - start
    left, right = hash_leaf(b"l"), hash_leaf(b"r")
    n = 1_000_000
    start = time.perf_counter()
    for _ in range(n):
        hash_children(left, right)
    small = time.perf_counter() - start
    return {"sha256_mb_per_s": megabytes * 1.048576 / big, "node_hashes_per_s": _rate(n, small)}


def _records(count: int) -> list[dict[str, Any]]:
    rng = random.Random(7)
    words = [
        "好的",
        "收到",
        "明天见",
        "ok",
        "see you at 9",
        "发票已经开好了，请查收",
        "👍",
        "where is the file?",
    ]
    return [
        {
            "key": f"{rng.getrandbits(128):032x}",
            "platform": "wechat",
            "conversation": f"wxid_{i % 500:08d}",
            "sender": f"wxid_{rng.randrange(2000):08d}",
            "ts_ms": 1_700_000_000_000 + i * 1000,
            "utc_offset_min": 480,
            "kind": "text",
            "text": " ".join(rng.choice(words) for _ in range(rng.randint(1, 12))),
            "source_sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        }
        for i in range(count)
    ]


def bench_leaf_hashing(count: int) -> dict[str, float]:
    records = _records(count)
    start = time.perf_counter()
    encoded = [canonical_json(r) for r in records]
    encode = time.perf_counter() - start
    start = time.perf_counter()
    for data in encoded:
        hash_leaf(data)
    hashing = time.perf_counter() - start
    return {
        "records": count,
        "mean_record_bytes": sum(map(len, encoded)) / count,
        "canonical_json_per_s": _rate(count, encode),
        "hash_leaf_per_s": _rate(count, hashing),
        "canonical_json_and_hash_per_s": _rate(count, encode + hashing),
    }


def _leaves(count: int) -> list[bytes]:
    return [hash_leaf(i.to_bytes(8, "big")) for i in range(count)]


def bench_append(count: int) -> tuple[dict[str, float], merkle.MemoryHashStore]:
    leaves = _leaves(count)
    frontier = merkle.CompactRange()
    start = time.perf_counter()
    for leaf in leaves:
        frontier.append(leaf)
    bare = time.perf_counter() - start
    store = merkle.MemoryHashStore(stride=4)
    start = time.perf_counter()
    store.extend(leaves)
    stored = time.perf_counter() - start
    assert store.root() == frontier.root()
    start = time.perf_counter()
    rebuilt = merkle.CompactRange.from_reader(store, count)
    rebuild = time.perf_counter() - start
    assert rebuilt.root() == frontier.root()
    return {
        "leaves": count,
        "compact_range_appends_per_s": _rate(count, bare),
        "compact_range_seconds": bare,
        "memory_store_appends_per_s": _rate(count, stored),
        "memory_store_seconds": stored,
        "stored_hashes_per_leaf": store.stored_hashes / count,
        "frontier_rebuild_ms": rebuild * 1000,
    }, store


def _ms_stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": statistics.median(ordered) * 1000,
        "p95_ms": ordered[int(len(ordered) * 0.95) - 1] * 1000,
    }


class _CountingReader:
    """Counts what a proof asks the store for: range reads (queries) and hashes."""

    def __init__(self, inner: merkle.MemoryHashStore) -> None:
        self.inner, self.calls, self.hashes = inner, 0, 0

    @property
    def stride(self) -> int:
        return self.inner.stride

    def read_level(self, level: int, start: int, end: int) -> Sequence[bytes]:
        result = self.inner.read_level(level, start, end)
        self.calls += 1
        self.hashes += len(result)
        return result


def _reads(store: merkle.MemoryHashStore, rounds: int) -> dict[str, float]:
    size, rng = store.size, random.Random(13)
    counter = _CountingReader(store)
    for _ in range(rounds):
        merkle.inclusion_proof(counter, rng.randrange(size), size)
    inclusion = (counter.calls / rounds, counter.hashes / rounds)
    counter.calls = counter.hashes = 0
    for _ in range(rounds):
        merkle.consistency_proof(counter, rng.randrange(1, size), size)
    return {
        "inclusion_reads_mean": inclusion[0],
        "inclusion_hashes_read_mean": inclusion[1],
        "consistency_reads_mean": counter.calls / rounds,
        "consistency_hashes_read_mean": counter.hashes / rounds,
    }


def bench_proofs(store: merkle.MemoryHashStore, rounds: int) -> dict[str, Any]:
    size = store.size
    rng = random.Random(11)
    root = merkle.root_hash(store, size)
    build, verify, lengths = [], [], []
    for _ in range(rounds):
        index = rng.randrange(size)
        leaf = store.read_level(0, index, index + 1)[0]
        t0 = time.perf_counter()
        proof = merkle.inclusion_proof(store, index, size)
        t1 = time.perf_counter()
        verify_inclusion(leaf, index, size, proof, root)
        t2 = time.perf_counter()
        build.append(t1 - t0)
        verify.append(t2 - t1)
        lengths.append(len(proof))
    c_build, c_verify = [], []
    for _ in range(rounds):
        old = rng.randrange(1, size)
        t0 = time.perf_counter()
        old_root = merkle.root_hash(store, old)
        proof = merkle.consistency_proof(store, old, size)
        t1 = time.perf_counter()
        verify_consistency(old, size, old_root, root, proof)
        t2 = time.perf_counter()
        c_build.append(t1 - t0)
        c_verify.append(t2 - t1)
    return {
        "size": size,
        "rounds": rounds,
        "inclusion_hashes_mean": statistics.mean(lengths),
        "inclusion_build": _ms_stats(build),
        "inclusion_verify": _ms_stats(verify),
        "consistency_build_with_old_root": _ms_stats(c_build),
        "consistency_verify": _ms_stats(c_verify),
        "store_reads_per_proof": _reads(store, rounds),
    }


# -- the ledger in a real archive ----------------------------------------------------------------------


def _import_child(path: Path, work: Path, with_ledger: bool, sender: Any) -> None:
    from chatledger import ingest
    from chatledger.ingest import ImportOptions, import_paths
    from chatledger.store import SQLiteStore

    if not with_ledger:  # what the import costs when no leaf is hashed or written
        zero = bytes(32)
        ingest._message_leaf = lambda *args: zero  # type: ignore[assignment]
        SQLiteStore.append_leaves = lambda self, kind, entries: None  # type: ignore[method-assign]
    store = SQLiteStore(work / "archive.db")
    start = time.perf_counter()
    import_paths(
        store,
        [path],
        originals_dir=work / "archive.db-originals",
        options=ImportOptions(zone_name="UTC"),
        key_path=work / "archive.db.key",
    )
    sender.send((time.perf_counter() - start, time.process_time()))
    store.close()


def _timed_import(path: Path, work: Path, *, with_ledger: bool) -> tuple[float, float]:
    """Wall and CPU seconds of one import in a forked child."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_import_child, args=(path, work, with_ledger, sender))
    child.start()
    seconds, cpu = receiver.recv()
    child.join()
    if child.exitcode:
        raise RuntimeError(f"import child exited {child.exitcode}")
    return float(seconds), float(cpu)


def _timed_verify(db: Path, workers: int) -> dict[str, Any]:
    """``chatledger verify`` as a user runs it: wall, CPU (with its workers) and peak RSS of the process tree."""
    import subprocess
    import sys

    command = [str(Path(sys.executable).with_name("chatledger")), "--db", str(db), "verify", "--json"]
    start = time.perf_counter()
    child = subprocess.Popen([*command, "--workers", str(workers)], stdout=subprocess.PIPE)
    assert child.stdout is not None
    out = child.stdout.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    report = json.loads(out)
    if status or not report["ok"]:
        raise RuntimeError(f"verify failed ({status}): {report['findings'][:3]}")
    return {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,  # the largest process of the tree (Linux)
        "report_s": report["seconds"],
        "messages": report["messages"],
        "msg_per_s": report["messages"] / wall,
    }


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def bench_imports(path: Path, messages: int, repeats: int, base: Path) -> dict[str, Any]:
    """Imports with and without the ledger, alternating; the last archive with it is left in ``base/with``."""
    timings: dict[bool, list[float]] = {True: [], False: []}
    cpu: dict[bool, list[float]] = {True: [], False: []}
    load_before = _load()
    for _ in range(repeats):
        for with_ledger in (False, True):
            work = base / ("with" if with_ledger else "without")
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir(parents=True)
            seconds, cpu_s = _timed_import(path, work, with_ledger=with_ledger)
            timings[with_ledger].append(seconds)
            cpu[with_ledger].append(cpu_s)
            if not with_ledger:
                shutil.rmtree(work)
    with_s, without_s = statistics.median(timings[True]), statistics.median(timings[False])
    result: dict[str, Any] = {
        "messages": messages,
        "file_mb": path.stat().st_size / 1e6,
        "load_before": load_before,
        "import_with_ledger_s": timings[True],
        "import_without_ledger_s": timings[False],
        "import_with_ledger_cpu_s": cpu[True],
        "import_without_ledger_cpu_s": cpu[False],
        "ledger_share_of_import": 1 - without_s / with_s,
        "ledger_share_of_import_cpu": 1 - statistics.median(cpu[False]) / statistics.median(cpu[True]),
        "load_after_imports": _load(),
    }
    print(json.dumps(result), flush=True)
    return result


def bench_verify_and_proofs(
    work: Path, path: Path, proofs: int, verify_workers: Sequence[int] = (2, 1)
) -> dict[str, Any]:
    """``chatledger verify`` on the archive in ``work``, then inclusion proof files for random messages."""
    from chatledger.integrity import ledger
    from chatledger.integrity.canonical import MessageEvidence, message_leaf_data
    from chatledger.integrity.proof import verify_proof_file
    from chatledger.store import MESSAGE_LEAF, SQLiteStore

    db = work / "archive.db"
    result: dict[str, Any] = {
        "db_mb": sum(f.stat().st_size for f in work.glob("archive.db*") if f.is_file()) / 1e6,
        "verify_load_before": _load(),
    }
    for workers in verify_workers:
        result[f"verify_{workers}_workers"] = figures = _timed_verify(db, workers)
        figures["source_mb_per_s"] = path.stat().st_size / 1e6 / figures["wall_s"]
        print(json.dumps({f"verify_{workers}_workers": figures, "load": _load()}), flush=True)
    result["verify_load_after"] = _load()
    store = SQLiteStore(db)
    public_key = ledger.load_verifying_key(work / "archive.db.key")
    sample = [e.evidence for e in store.iter_ledger(0, min(10_000, store.ledger_size()))]
    leaf_bytes = statistics.mean(len(message_leaf_data(e)) for e in sample if isinstance(e, MessageEvidence))
    messages = store.ledger_size() - len(store.sources())
    hashed_mb = (messages * (leaf_bytes + 1) + store.ledger_size() * 64 / 15 + path.stat().st_size) / 1e6
    result["verify_hashed_mb_estimate"] = hashed_mb  # leaf inputs, interior nodes, the kept original
    for workers in verify_workers:
        figures = result[f"verify_{workers}_workers"]
        figures["hashed_mb_per_s"] = hashed_mb / figures["wall_s"]
    ids = [int(r[0]) for r in store._db.execute("SELECT ref FROM ledger_leaf WHERE kind = 1")]
    rng = random.Random(5)
    build, build_cpu, bare, whole = [], [], [], []
    for ref in rng.sample(ids, min(proofs, len(ids))):
        t0, c0 = time.perf_counter(), time.process_time()
        data = ledger.inclusion_proof_file(store, MESSAGE_LEAF, ref, public_key)
        t1, c1 = time.perf_counter(), time.process_time()
        head = data["tree_head"]["tree_head"]
        verify_inclusion(
            hash_leaf(canonical_json(data["leaf"])),
            data["leaf_index"],
            head["size"],
            [bytes.fromhex(h) for h in data["audit_path"]],
            bytes.fromhex(head["root_hash"]),
        )
        t2 = time.perf_counter()
        verify_proof_file(data)
        t3 = time.perf_counter()
        build.append(t1 - t0)
        build_cpu.append(c1 - c0)
        bare.append(t2 - t1)
        whole.append(t3 - t2)
    store.close()
    result["proof_file_build"] = _ms_stats(build)
    result["proof_file_build_cpu"] = _ms_stats(build_cpu)
    result["proof_verify_inclusion"] = _ms_stats(bare)
    result["proof_file_verify"] = _ms_stats(whole)
    result["proofs_load_after"] = _load()
    result["sha256"] = bench_sha256(128)
    print(json.dumps(result), flush=True)
    return result


def bench_archive(messages: int, repeats: int, proofs: int, keep: Path | None) -> dict[str, Any]:
    from benchmarks.bench_ingest import corpus_file

    path = corpus_file("whatsapp-android", messages, ".txt")
    base = keep or Path(tempfile.mkdtemp(prefix="bench-ledger-"))
    try:
        result = bench_imports(path, messages, repeats, base)
        return {**result, **bench_verify_and_proofs(base / "with", path, proofs)}
    finally:
        if keep is None:
            shutil.rmtree(base, ignore_errors=True)


def _count(text: str) -> int:
    return int(float(text))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=_count, default=1_000_000, help="records for the leaf-hashing rate")
    parser.add_argument("--leaves", type=_count, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--rounds", type=int, default=2000, help="proofs timed at the largest size")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--archive", type=_count, help="only the archive figures, at this many messages")
    parser.add_argument("--repeats", type=int, default=3, help="imports with and without the ledger")
    parser.add_argument("--keep", type=Path, help="with --archive: keep the archives here (DIR/with)")
    parser.add_argument(
        "--verify-only", type=Path, help="with --archive: skip the imports, verify and prove DIR/with"
    )
    parser.add_argument(
        "--verify-workers", type=int, nargs="*", default=[2, 1], help="verify runs (none: proofs only)"
    )
    args = parser.parse_args()
    if args.archive and args.verify_only:
        from benchmarks.bench_ingest import corpus_file

        path = corpus_file("whatsapp-android", args.archive, ".txt")
        archive = bench_verify_and_proofs(args.verify_only / "with", path, 200, args.verify_workers)
        if args.json:
            args.json.write_text(json.dumps(archive, indent=2) + "\n")
        return
    if args.archive:
        archive = bench_archive(args.archive, args.repeats, 200, args.keep)
        if args.json:
            args.json.write_text(json.dumps(archive, indent=2) + "\n")
        return

    results: dict[str, Any] = {"sha256": bench_sha256()}
    print(json.dumps(results["sha256"]), flush=True)
    results["leaf_hashing"] = bench_leaf_hashing(args.records)
    print(json.dumps(results["leaf_hashing"]), flush=True)
    results["append"] = []
    store = None
    for count in sorted(args.leaves):
        figures, store = bench_append(count)
        results["append"].append(figures)
        print(json.dumps(figures), flush=True)
    assert store is not None
    results["proofs"] = bench_proofs(store, args.rounds)
    print(json.dumps(results["proofs"]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
