"""Compare benchmark: two generated sources of 1e5 and 1e6 messages aligned and classified.

    python -m benchmarks.bench_compare --messages 1e5,1e6
    python -m benchmarks.bench_compare --messages 1e5,1e6 --repeats 3 --store
    python -m benchmarks.bench_compare --messages 1e4,2e4,1e5,1e6 --repetitive

Side A is a generated corpus (``benchmarks.corpus``, many chats, realistic repeats such as 好的 and
identical bursts); side B is A with 1 % of each kind of change injected (``benchmarks.compare_pairs``)
and a clock 3 minutes fast. Each size runs in a fresh process so its peak RSS is its own: the figure
before comparing (the two message lists) and the peak while comparing are both reported, with the
precision and recall per class. Baselines on the same line lists (``sender|kind|text`` per message, in
file order), in the same process: difflib ``SequenceMatcher`` with autojunk (its default; without it
it does not finish on 1e5 repetitive lines) and rapidfuzz ``Levenshtein.opcodes`` on hashed lines,
each with the number of lines it marks changed. ``--store`` also imports both sides as generic JSONL
(``chatledger import``, timed) and times what a user waits for: reading each source's own view back
from the archive and comparing it in this process, then ``chatledger compare source:1 source:2 --json``
end to end in a fresh process (wall, CPU and peak RSS of that process; exit status 1: they differ).
``--repetitive`` takes side A from ``compare_pairs.repetitive_messages`` instead (90 % of messages one of
six short texts, bursts of up to 40 copies in one second) and adds difflib without autojunk up to
20,000 messages, the quadratic path the issue warns of.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rapidfuzz.distance import Levenshtein

from benchmarks._measure import self_peak_mb
from benchmarks.compare_pairs import CHANGES, Truth, corpus_messages, make_pair, repetitive_messages
from chatledger.compare import Comparison, Side, compare
from chatledger.model import Message

BASELINE_LIMIT = 200_000  # Levenshtein.opcodes is O(n*m/64): 1e6 x 1e6 would take minutes
NO_AUTOJUNK_LIMIT = 20_000  # difflib without autojunk is quadratic on repeated lines


def _lines(messages: list[Message]) -> list[str]:
    return [f"{m.sender}|{m.kind.value}|{m.text}" for m in messages]


def _changed(opcodes: list[tuple[str, int, int, int, int]]) -> int:
    return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in opcodes if tag != "equal")


def quality(
    comparison: Comparison, truth: Truth, a: list[Message], b: list[Message]
) -> dict[str, list[float]]:
    from collections import Counter

    def signature(m: Message) -> tuple[object, ...]:
        return (m.conversation_id, m.sender, m.kind, m.text, m.ts_ms)

    predicted: dict[str, list[int]] = {name: [] for name in CHANGES}
    for row in comparison.rows:
        for name in row.classes:
            if name in predicted:
                predicted[name].append(row.b if name == "only_b" else row.a)
    result: dict[str, list[float]] = {}
    for name in CHANGES:
        if name == "reordered":
            flagged = set(predicted[name])
            hits = sum(1 for i in flagged if any(i in s for s in truth.swaps))
            caught = sum(1 for s in truth.swaps if flagged & set(s))
            result[name] = [
                round(hits / max(len(flagged), 1), 4),
                round(caught / max(len(truth.swaps), 1), 4),
            ]
            continue
        side = b if name == "only_b" else a
        want = Counter(signature(side[i]) for i in truth.changed[name])
        got = Counter(signature(side[i]) for i in predicted[name])
        agreed = sum((want & got).values())
        result[name] = [
            round(agreed / max(sum(got.values()), 1), 4),
            round(agreed / max(sum(want.values()), 1), 4),
        ]
    return result


_CHILD = (
    "import json, resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "code = subprocess.run(json.loads(sys.argv[1]), stdout=subprocess.DEVNULL).returncode\n"
    "used = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(json.dumps([time.perf_counter() - start, used.ru_utime + used.ru_stime, used.ru_maxrss / 1024, code]))\n"
)


def _child(command: list[str]) -> dict[str, float]:
    """Wall seconds, CPU seconds and peak RSS (MB) of ``command`` run by a fresh wrapper process."""
    done = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(command)], capture_output=True, text=True)
    wall, cpu, peak, code = json.loads(done.stdout.strip().splitlines()[-1])
    return {"wall_s": round(wall, 3), "cpu_s": round(cpu, 3), "peak_mb": round(peak, 1), "exit": code}


def _store_read(a: list[Message], b: list[Message], repeats: int, keep: str | None) -> dict[str, Any]:
    """Import both sides as generic JSONL, time reading each source's view back and comparing it, then the
    CLI end to end. With ``keep``, the files and archive stay in that folder (``archive-N.db``) and a
    later run with the same folder and size skips the import."""
    from chatledger.compare import resolve_side
    from chatledger.interchange import header, to_record
    from chatledger.model import Conversation, Platform
    from chatledger.store import SQLiteStore

    cli = str(Path(sys.executable).with_name("chatledger"))
    with contextlib.ExitStack() as stack:
        folder = keep or stack.enter_context(tempfile.TemporaryDirectory())
        Path(folder).mkdir(parents=True, exist_ok=True)
        db = str(Path(folder) / f"archive-{len(a)}.db")
        kept = keep is not None and Path(db).exists()
        paths = []
        for name, side in () if kept else (("a", a), ("b", b)):
            path = Path(folder) / f"{name}-{len(a)}.jsonl"
            with path.open("w", encoding="utf-8") as out:
                out.write(json.dumps(header(), ensure_ascii=False) + "\n")
                for m in side:
                    chat = Conversation(Platform.GENERIC, m.conversation, m.conversation)
                    out.write(json.dumps(to_record(m, chat), ensure_ascii=False) + "\n")
            paths.append(str(path))
        imported = {} if kept else _child([cli, "--db", db, "import", *paths, "--tz", "UTC", "--quiet"])
        gc.collect()
        store = SQLiteStore(Path(db))
        began, began_cpu = time.perf_counter(), time.process_time()
        side_a, side_b = resolve_side(store, "source:1"), resolve_side(store, "source:2")
        read = (time.perf_counter() - began, time.process_time() - began_cpu)
        began, began_cpu = time.perf_counter(), time.process_time()
        comparison = compare(side_a, side_b)
        compared = (time.perf_counter() - began, time.process_time() - began_cpu)
        store.close()
        same = comparison.counts["same"]
        del comparison, side_a, side_b
        runs = [
            _child([cli, "--db", db, "compare", "source:1", "source:2", "--json"]) for _ in range(repeats)
        ]
        return {
            "import_both": imported,
            "read_both_s": round(read[0], 3),
            "read_both_cpu_s": round(read[1], 3),
            "compare_s": round(compared[0], 3),
            "compare_cpu_s": round(compared[1], 3),
            "same": same,
            "cli_compare_json": {
                key: statistics.median(run[key] for run in runs) for key in ("wall_s", "cpu_s", "peak_mb")
            },
            "cli_runs": runs,
        }


def _rss_mb() -> float:
    """Resident memory now (MB)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _reset_peak() -> bool:
    """Restart the kernel's peak-RSS mark (VmHWM) so the next peak is the comparison's own."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return self_peak_mb()


def one(n: int, repeats: int, with_store: bool, repetitive: bool, keep: str | None = None) -> dict[str, Any]:
    """Everything for one size, in this (fresh) process."""
    began = time.perf_counter()
    a = repetitive_messages(n, seed=7) if repetitive else corpus_messages(n, seed=7)
    b, truth = make_pair(a, rate=0.01, seed=3, offset_ms=180_000)
    generated_s = time.perf_counter() - began
    gc.collect()
    generated_peak_mb = self_peak_mb()
    before_mb = _rss_mb()
    reset = _reset_peak()
    seconds, cpu = [], []
    comparison = None
    for _ in range(repeats):
        comparison = None
        gc.collect()
        began, began_cpu = time.perf_counter(), time.process_time()
        comparison = compare(Side("A", "A", a), Side("B", "B", b))
        seconds.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    assert comparison is not None
    peak_mb = _peak_mb() if reset else self_peak_mb()
    result: dict[str, Any] = {
        "messages": n,
        "repetitive": repetitive,
        "b_messages": len(b),
        "generate_s": round(generated_s, 2),
        "compare_s": round(statistics.median(seconds), 3),
        "compare_runs_s": [round(s, 3) for s in seconds],
        "compare_cpu_s": round(statistics.median(cpu), 3),
        "load": [round(x, 2) for x in os.getloadavg()],
        "rss_generating_peak_mb": round(generated_peak_mb, 1),
        "rss_sides_mb": round(before_mb, 1),
        "rss_peak_mb": round(peak_mb, 1),
        "rss_compare_mb_per_1k": round((peak_mb - before_mb) / n * 1000, 3),
        "offset_ms": comparison.alignment.offset_ms,
        "counts": comparison.counts,
        "precision_recall": quality(comparison, truth, a, b),
        "injected_per_class": len(truth.changed["only_a"]),
    }
    del comparison
    lines_a, lines_b = _lines(a), _lines(b)
    began, began_cpu = time.perf_counter(), time.process_time()
    matcher = difflib.SequenceMatcher(None, lines_a, lines_b, autojunk=True)
    opcodes = matcher.get_opcodes()
    result["difflib_autojunk_s"] = round(time.perf_counter() - began, 3)
    result["difflib_autojunk_cpu_s"] = round(time.process_time() - began_cpu, 3)
    result["difflib_autojunk_changed_lines"] = _changed(opcodes)
    if repetitive and n <= NO_AUTOJUNK_LIMIT:
        began, began_cpu = time.perf_counter(), time.process_time()
        opcodes = difflib.SequenceMatcher(None, lines_a, lines_b, autojunk=False).get_opcodes()
        result["difflib_no_autojunk_s"] = round(time.perf_counter() - began, 3)
        result["difflib_no_autojunk_cpu_s"] = round(time.process_time() - began_cpu, 3)
        result["difflib_no_autojunk_changed_lines"] = _changed(opcodes)
    if n <= BASELINE_LIMIT:
        hashed_a, hashed_b = [hash(x) for x in lines_a], [hash(x) for x in lines_b]
        began, began_cpu = time.perf_counter(), time.process_time()
        ops = Levenshtein.opcodes(hashed_a, hashed_b)
        result["levenshtein_opcodes_s"] = round(time.perf_counter() - began, 3)
        result["levenshtein_opcodes_cpu_s"] = round(time.process_time() - began_cpu, 3)
        result["levenshtein_changed_lines"] = _changed(
            [(o.tag, o.src_start, o.src_end, o.dest_start, o.dest_end) for o in ops]
        )
    if with_store:
        result["store"] = _store_read(a, b, repeats, keep)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", default="1e5,1e6", help="comma-separated sizes")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--store", action="store_true", help="also import and read back through the archive")
    parser.add_argument("--repetitive", action="store_true", help="side A nearly all repeats of a few texts")
    parser.add_argument("--keep", metavar="DIR", help="with --store: keep (and reuse) the archives in DIR")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(
            json.dumps(
                one(args.one, args.repeats, args.store, args.repetitive, args.keep), ensure_ascii=False
            )
        )
        return
    load = os.getloadavg()
    print(f"# load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (2 cores shared)", file=sys.stderr)
    for size in args.messages.split(","):
        n = int(float(size))
        command = [
            sys.executable,
            "-m",
            "benchmarks.bench_compare",
            "--one",
            str(n),
            "--repeats",
            str(args.repeats),
        ]
        flags = [flag for flag, on in (("--store", args.store), ("--repetitive", args.repetitive)) if on]
        flags += ["--keep", args.keep] if args.keep else []
        done = subprocess.run(command + flags, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(done.stderr)
        print(done.stdout.strip())


if __name__ == "__main__":
    main()
