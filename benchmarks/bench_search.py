"""Search benchmark: import with indexing, then exact-count and newest-50 latency per query class.

    python -m benchmarks.bench_search --messages 1e6
    python -m benchmarks.bench_search --messages 1e7 --queries 200

The archive is built by `chatledger import` of a generated WhatsApp export (import rate with the
index, index size against the text size). 200 queries in classes (Chinese of 1, 2 and 3-4 characters,
English words, mixed, phrases with punctuation, filters) are sampled from the corpus with a fixed seed.
Each is timed through the engine's own plan (``hit_count``, ``hit_ids``: the exact hit count, and the
newest 50 ids), best of 3, in wall time and in this thread's CPU time (the machine is shared). Side by
side on the same queries: `rg -F -c` over the raw export and a `LIKE` scan of the table.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

from benchmarks._measure import median_run
from benchmarks.bench_ingest import CHATLEDGER, OUT, corpus_file
from chatledger.search.engine import compile_query, hit_count, hit_ids, plan_strategy
from chatledger.store import SQLiteStore

_HEADER = re.compile(r"^\d\d/\d\d/\d{4}, \d\d:\d\d - ([^:]+): (.*)$")


def sample_queries(path: Path, count: int, seed: int) -> list[tuple[str, str]]:
    """(class, query) pairs drawn from the export's own message texts."""
    rng = random.Random(seed)
    texts, senders = [], set()
    with open(path, encoding="utf-8") as handle:
        for index, line in enumerate(handle):
            if index % 50:
                continue
            match = _HEADER.match(line.rstrip("\n"))
            if match and not match.group(2).startswith("<"):
                senders.add(match.group(1))
                texts.append(match.group(2))
    cjk = [t for t in texts if re.search(r"[\u4e00-\u9fff]{4}", t)]
    latin = [w for t in texts for w in re.findall(r"[A-Za-z]{3,}", t)]
    mixed = [m for t in texts for m in re.findall(r"[A-Za-z0-9]+\s?[\u4e00-\u9fff]{1,2}", t)]
    phrases = [m for t in texts for m in re.findall(r"[\u4e00-\u9fff]{1,3}[，。！？][\u4e00-\u9fff]{1,2}", t)]
    queries: list[tuple[str, str]] = []

    def cjk_run(length: int) -> str:
        text = rng.choice(cjk)
        runs = [r for r in re.findall(r"[\u4e00-\u9fff]+", text) if len(r) >= length]
        run = rng.choice(runs) if runs else "退货"
        start = rng.randrange(len(run) - length + 1)
        return run[start : start + length]

    classes = ["zh1", "zh2", "zh3-4", "en", "mixed", "phrase", "filter"]
    for index in range(count):
        kind = classes[index % len(classes)]
        if kind == "zh1":
            query = cjk_run(1)
        elif kind == "zh2":
            query = cjk_run(2)
        elif kind == "zh3-4":
            query = cjk_run(rng.choice([3, 4]))
        elif kind == "en":
            query = rng.choice(latin).lower()
        elif kind == "mixed":
            query = rng.choice(mixed) if mixed else "iPhone 退"
            query = f'"{query}"' if " " in query else query
        elif kind == "phrase":
            query = f'"{rng.choice(phrases)}"' if phrases else '"好的，谢谢"'
        else:
            sender = rng.choice(sorted(senders))
            quoted = f'"{sender}"' if " " in sender else sender
            query = f"{cjk_run(2)} from:{quoted}"
        queries.append((kind, query))
    return queries


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def timed(function: Any, repeats: int = 3) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best * 1000, result


def timed_cpu(function: Any, repeats: int = 3) -> tuple[float, float, Any]:
    """Best wall ms, best thread-CPU ms and the result of ``repeats`` calls."""
    wall, cpu, result = float("inf"), float("inf"), None
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.thread_time()
        result = function()
        cpu = min(cpu, time.thread_time() - start_cpu)
        wall = min(wall, time.perf_counter() - start)
    return wall * 1000, cpu * 1000, result


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", default="1e6")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--baseline-queries", type=int, default=28, help="queries also run by rg and LIKE")
    parser.add_argument("--reuse", action="store_true", help="query the archive of an earlier run, no import")
    args = parser.parse_args()
    n = int(float(args.messages))
    export = corpus_file("whatsapp-android", n, ".txt")
    db = OUT / f"search_{n}.db"
    load_before = os.getloadavg()
    imported, import_cpu = None, 0.0
    if not (args.reuse and db.exists()):
        for leftover in OUT.glob(f"search_{n}.db*"):
            if leftover.is_dir():
                subprocess.run(["rm", "-rf", str(leftover)], check=True)
            else:
                leftover.unlink()
        cpu_before = children_cpu_s()
        imported, _ = median_run(
            [str(CHATLEDGER), "--db", str(db), "import", str(export), "--quiet", "--tz", "UTC"], 1
        )
        import_cpu = children_cpu_s() - cpu_before
    store = SQLiteStore(db)
    sizes = dict(store._all("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"))
    index_tables = ("message_search", "message_chars", "message_char_counts")
    index_bytes = sum(v for k, v in sizes.items() if k.startswith(index_tables))
    text_bytes = store._one("SELECT sum(length(CAST(text AS BLOB))) FROM messages")[0]
    queries = sample_queries(export, args.queries, seed=11)
    by_class: dict[str, dict[str, list[float]]] = {}
    totals = []
    strategies: dict[str, dict[str, int]] = {}
    for kind, query in queries:
        compiled = compile_query(store, query)
        count_ms, count_cpu, total = timed_cpu(lambda c=compiled: hit_count(store, c))
        top_ms, top_cpu, _ = timed_cpu(lambda c=compiled: hit_ids(store, c, order="newest", limit=50))
        slot = by_class.setdefault(kind, {"count": [], "top50": [], "count_cpu": [], "top50_cpu": []})
        slot["count"].append(count_ms)
        slot["top50"].append(top_ms)
        slot["count_cpu"].append(count_cpu)
        slot["top50_cpu"].append(top_cpu)
        strategy = plan_strategy(store, compiled) + ("/characters" if compiled.character else "")
        strategies.setdefault(kind, {}).setdefault(strategy, 0)
        strategies[kind][strategy] += 1
        totals.append((kind, query, total, compiled.exact))
    baseline: dict[str, list[float]] = {"rg_ms": [], "like_ms": [], "index_ms": []}
    for kind, query, _, _ in totals[: args.baseline_queries]:
        needle = query.split(" from:")[0].strip('"')
        rg_ms, _ = timed(
            lambda q=needle: subprocess.run(["rg", "-F", "-c", q, str(export)], capture_output=True), 1
        )
        like_ms, _ = timed(
            lambda q=needle: store._one("SELECT count(*) FROM messages WHERE text LIKE ?", (f"%{q}%",)), 1
        )
        compiled = compile_query(store, needle if kind != "phrase" else f'"{needle}"')
        index_ms, _ = timed(lambda c=compiled: hit_count(store, c))
        baseline["rg_ms"].append(rg_ms)
        baseline["like_ms"].append(like_ms)
        baseline["index_ms"].append(index_ms)
    report: dict[str, Any] = {
        "messages": n,
        "load_average_before_after": [round(load_before[0], 1), round(os.getloadavg()[0], 1)],
        "import_with_index_s": round(imported.seconds, 1) if imported else None,
        "import_cpu_s": round(import_cpu, 1) if imported else None,
        "import_with_index_msgs_per_s": round(n / imported.seconds) if imported else None,
        "import_peak_mb": round(imported.peak_mb) if imported else None,
        "index_tables_mb": {k: round(v / 1e6, 1) for k, v in sizes.items() if k.startswith(index_tables)},
        "index_mb": round(index_bytes / 1e6, 1),
        "text_mb": round(text_bytes / 1e6, 1),
        "index_to_text": round(index_bytes / text_bytes, 2),
        "classes": {
            kind: {
                "queries": len(v["count"]),
                "count_p50_ms": round(statistics.median(v["count"]), 2),
                "count_p95_ms": round(percentile(v["count"], 0.95), 2),
                "top50_p50_ms": round(statistics.median(v["top50"]), 3),
                "top50_p95_ms": round(percentile(v["top50"], 0.95), 3),
                "count_cpu_p50_ms": round(statistics.median(v["count_cpu"]), 2),
                "count_cpu_p95_ms": round(percentile(v["count_cpu"], 0.95), 2),
                "top50_cpu_p50_ms": round(statistics.median(v["top50_cpu"]), 3),
                "top50_cpu_p95_ms": round(percentile(v["top50_cpu"], 0.95), 3),
                "strategies": strategies[kind],
            }
            for kind, v in by_class.items()
        },
        "median_hits": {k: statistics.median(t for c, _, t, _ in totals if c == k) for k in by_class},
        "baseline_median_ms": {k: round(statistics.median(v), 2) for k, v in baseline.items()},
    }
    index_median = statistics.median(baseline["index_ms"])
    report["ratio_rg_to_index"] = round(statistics.median(baseline["rg_ms"]) / index_median, 1)
    report["ratio_like_to_index"] = round(statistics.median(baseline["like_ms"]) / index_median, 1)
    (OUT / f"search_{n}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
