"""Quality benchmark: time metrics (vectorised) against a per-message Python loop, and the full report.

    python -m benchmarks.bench_quality --sizes 1e6 --repeats 3 --peers
    python -m benchmarks.bench_quality --sizes "" --synthetic 1e6,1e7   # the computation alone, in memory

For each size two archives are built once under benchmarks/out/ (cached): the WhatsApp export
(one big group, the file chat-analytics also reads) and a WeChat (PyWxDump CSV) export of thousands of
1:1 chats, which is where sessions are realistic. Measured in this process, same run:

* ``timing``: ``chatledger.quality.analysis.timing`` (columns from the store, sessions, waits, every
  statistic) — median of ``--repeats``;
* ``naive``: the same definitions computed by a per-message Python loop over ``store.iter_timeline()``
  (the obvious implementation); its results are checked equal to the vectorised ones.

In a child process (wall time, CPU time and peak RSS from that child's own rusage): ``chatledger quality report`` to JSON with every detector,
and, with ``--peers``, the chat-analytics npm CLI building its report from the same WhatsApp file.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.bench_ingest import NODE, OUT, corpus_file, ensure_peers
from chatledger.model import Message
from chatledger.quality import analysis
from chatledger.quality.config import QualityConfig, load_config
from chatledger.quality.findings import Role
from chatledger.quality.sessions import RoleMap, session_channels, split_sessions
from chatledger.quality.timing import compute_timing
from chatledger.store import SQLiteStore
from chatledger.store.base import TimelineColumns

CHATLEDGER = Path(sys.executable).with_name("chatledger")
FORMATS = {
    "whatsapp": ("whatsapp-android", ".txt", "UTC"),
    "wechat": ("wechat-pywxdump-csv", ".csv", "Asia/Shanghai"),
}


def archive(kind: str, n: int) -> Path:
    fmt, suffix, zone = FORMATS[kind]
    source = corpus_file(fmt, n, suffix)
    db = OUT / f"quality_{kind}_{n}.db"
    if not db.exists():
        partial = db.with_name(db.name + ".part")
        subprocess.run(
            [str(CHATLEDGER), "--db", str(partial), "import", str(source), "--quiet", "--tz", zone],
            check=True,
        )
        partial.rename(db)
        originals = partial.with_name(partial.name + "-originals")
        if originals.exists():
            originals.rename(db.with_name(db.name + "-originals"))
    return db


def naive_timing(store: SQLiteStore, config: QualityConfig) -> dict[str, float | int]:
    """The documented definitions, one message at a time (no arrays): the baseline."""
    roles = RoleMap.from_store(store, config)
    sender_ids = {(p.platform.value, p.platform_id): p.id for p in store.participants()}
    gap_ms, max_wait_ms = config.sessions.gap_s * 1000, config.sessions.max_wait_s * 1000
    first_responses: list[int] = []
    replies: list[int] = []
    sessions = 0
    previous: Message | None = None
    previous_customer = False
    waiting_since: int | None = None
    answered_once = False
    for message in store.iter_timeline():
        if message.sender is None or message.kind.value in ("system", "recall"):
            continue
        role = roles.role(
            sender_ids.get((message.platform.value if message.platform else "", message.sender))
        )
        if role is Role.BOT:
            continue
        if (
            previous is None
            or message.conversation_id != previous.conversation_id
            or message.ts_ms - previous.ts_ms > (max_wait_ms if previous_customer else gap_ms)
        ):
            sessions += 1
            waiting_since, answered_once = None, False
        if role is Role.AGENT:
            if waiting_since is not None:
                replies.append(message.ts_ms - waiting_since)
                if not answered_once:
                    first_responses.append(message.ts_ms - waiting_since)
                    answered_once = True
                waiting_since = None
        elif waiting_since is None:
            waiting_since = message.ts_ms
        previous, previous_customer = message, role is not Role.AGENT
    return {
        "sessions": sessions,
        "first_response_median_s": round(statistics.median(first_responses) / 1000, 3)
        if first_responses
        else 0,
        "replies": len(replies),
        "replies_median_s": round(statistics.median(replies) / 1000, 3) if replies else 0,
    }


def bench_timing(db: Path, repeats: int, *, naive: bool) -> dict[str, object]:
    store = SQLiteStore(db)
    config = load_config()
    runs, cpu = [], []
    timing = None
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        timing = analysis.timing(store, config)
        runs.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    assert timing is not None
    row: dict[str, object] = {
        "messages": len(timing.frame),
        "sessions": timing.frame.n_sessions,
        "timing_s": round(statistics.median(runs), 3),
        "timing_runs_s": [round(r, 3) for r in runs],
        "timing_cpu_s": round(statistics.median(cpu), 3),
        "first_response_median_s": timing.first_response.median_s,
        "replies": timing.replies.count,
    }
    if naive:
        start, start_cpu = time.perf_counter(), time.process_time()
        slow = naive_timing(store, config)
        row["naive_s"] = round(time.perf_counter() - start, 2)
        row["naive_cpu_s"] = round(time.process_time() - start_cpu, 2)
        row["naive_ratio"] = round(float(row["naive_s"]) / float(row["timing_s"]), 1)  # type: ignore[arg-type]
        same = (
            slow["sessions"] == timing.frame.n_sessions
            and slow["replies"] == timing.replies.count
            and slow["first_response_median_s"] == timing.first_response.median_s
            and slow["replies_median_s"] == timing.replies.median_s
        )
        row["naive_agrees"] = same
        if not same:
            row["naive_result"] = slow
    store.close()
    return row


def timed(command: list[str]) -> dict[str, float]:
    """Wall seconds, CPU seconds (user + system) and peak RSS of one child process (its own rusage)."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise subprocess.CalledProcessError(child.returncode, command)
    cpu = usage.ru_utime + usage.ru_stime
    return {"s": time.perf_counter() - start, "cpu_s": cpu, "peak_mb": usage.ru_maxrss / 1024}


def bench_report(db: Path) -> dict[str, float]:
    out = OUT / f"{db.stem}.report.json"
    run = timed([str(CHATLEDGER), "--db", str(db), "quality", "report", "-o", str(out), "-q"])
    return {
        "report_s": round(run["s"], 1),
        "report_cpu_s": round(run["cpu_s"], 1),
        "report_peak_mb": round(run["peak_mb"]),
    }


def bench_peer(n: int) -> dict[str, float]:
    ensure_peers()
    source = corpus_file("whatsapp-android", n, ".txt")
    report = OUT / f"chat-analytics_{n}.html"
    run = timed([str(NODE / "node_modules" / ".bin" / "chat-analytics"), "-p", "whatsapp", "-i", str(source),
                 "-o", str(report)])  # fmt: skip
    return {
        "chat_analytics_s": round(run["s"], 1),
        "chat_analytics_cpu_s": round(run["cpu_s"], 1),
        "chat_analytics_peak_mb": round(run["peak_mb"]),
    }


def synthetic_columns(n: int, seed: int = 7) -> tuple[TimelineColumns, RoleMap]:
    """``n`` messages of 1:1 service chats as columns (no archive): 100 agents, ~85 messages a chat,
    customer and agent turns alternating with 5–600 s delays and hour-long gaps between sessions."""
    rng = np.random.default_rng(seed)
    chats = max(n // 85, 1)
    conv = np.sort(rng.integers(1, chats + 1, n)).astype(np.int64)
    step = rng.integers(5, 600, n) + np.where(rng.random(n) < 0.08, 7200, 0)
    ts = (1_704_067_200_000 + np.cumsum(step) * 1000).astype(np.int64)
    agent = rng.random(n) < 0.45
    customers = 101 + conv  # one customer per chat
    sender = np.where(agent, 1 + conv % 100, customers).astype(np.int64)
    roles = {i: Role.AGENT for i in range(1, 101)}
    columns = TimelineColumns(
        id=np.arange(n, dtype=np.int64), conversation_id=conv, sender_id=sender, ts_ms=ts
    )
    return columns, RoleMap(roles, {i: f"客服-{i:03d}" for i in range(1, 101)})


def bench_synthetic(n: int, repeats: int) -> dict[str, object]:
    """Sessions and every time statistic over ``n`` in-memory rows: the computation without the store."""
    columns, roles = synthetic_columns(n)
    config = load_config()
    runs, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        frame = split_sessions(columns, roles, config)
        channels = session_channels(frame, {}, config)
        timing = compute_timing(frame, channels, config)
        runs.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return {
        "archive": "synthetic", "size": n, "sessions": frame.n_sessions, "replies": timing.replies.count,
        "compute_s": round(statistics.median(runs), 3), "compute_cpu_s": round(statistics.median(cpu), 3),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1e6")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--kinds", default="whatsapp,wechat")
    parser.add_argument("--no-naive", action="store_true", help="skip the per-message baseline")
    parser.add_argument("--no-report", action="store_true", help="skip the full report")
    parser.add_argument("--peers", action="store_true", help="also run chat-analytics on the WhatsApp file")
    parser.add_argument("--synthetic", default="", help="sizes for the in-memory computation, e.g. 1e6,1e7")
    parser.add_argument("--json", type=Path, default=OUT / "quality.json")
    args = parser.parse_args()
    results = []
    for size in filter(None, args.synthetic.split(",")):
        row = bench_synthetic(int(float(size)), args.repeats)
        results.append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
    for size in filter(None, args.sizes.split(",")):
        n = int(float(size))
        for kind in args.kinds.split(","):
            db = archive(kind, n)
            row: dict[str, object] = {"archive": kind, "size": n, "load": os.getloadavg()[0]}
            row.update(bench_timing(db, args.repeats, naive=not args.no_naive))
            if not args.no_report:
                row.update(bench_report(db))
            if args.peers and kind == "whatsapp":
                row.update(bench_peer(n))
                row["chat_analytics_ratio"] = round(
                    float(row["chat_analytics_s"]) / float(row["report_s"]), 1
                )  # type: ignore[arg-type]
                row["chat_analytics_cpu_ratio"] = round(
                    float(row["chat_analytics_cpu_s"]) / float(row["report_cpu_s"]), 1
                )  # type: ignore[arg-type]
            row["load_after"] = os.getloadavg()[0]
            results.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"machine: {os.cpu_count()} cores; results in {args.json}; numpy {np.__version__}")


if __name__ == "__main__":
    main()
