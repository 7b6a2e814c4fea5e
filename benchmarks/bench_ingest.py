"""Ingest benchmark: chatledger import (parse + hash + keep original + store) against peers on the same file.

    python -m benchmarks.bench_ingest --sizes 1e4,1e5,1e6 --repeats 3 --peers
    python -m benchmarks.bench_ingest --sizes 1e7 --repeats 1          # memory bound at 1e7

Each run imports into a fresh archive in a child process; wall time and peak RSS are that process's.
Peers (installed on first use under benchmarks/out/): whatstk parsing the same WhatsApp file into a
DataFrame, and the chat-analytics npm CLI building its report from it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks._measure import Run, median_run
from benchmarks.corpus import generate

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out"
CORPUS = OUT / "corpus"
PEERS_VENV = OUT / "peers-venv"
NODE = OUT / "node"
CHATLEDGER = Path(sys.executable).with_name("chatledger")


def corpus_file(fmt: str, n: int, suffix: str) -> Path:
    CORPUS.mkdir(parents=True, exist_ok=True)
    path = CORPUS / f"{fmt}_{n}{suffix}"
    if not path.exists():
        partial = path.with_name(path.name + ".part")
        generate(fmt, n, partial, seed=7)
        partial.rename(path)
    return path


def ensure_peers() -> None:
    if not (PEERS_VENV / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEERS_VENV)], check=True)
        subprocess.run([str(PEERS_VENV / "bin" / "pip"), "install", "-q", "whatstk"], check=True)
    if not (NODE / "node_modules" / ".bin" / "chat-analytics").exists():
        NODE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--silent", "--prefix", str(NODE), "chat-analytics@1.1.2"], check=True
        )


def chatledger_import(path: Path, repeats: int) -> tuple[Run, list[Run]]:
    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    try:
        runs: list[Run] = []
        for i in range(repeats):
            db = work / f"run{i}.db"
            median, [run] = median_run(
                [str(CHATLEDGER), "--db", str(db), "import", str(path), "--quiet", "--tz", "UTC"], 1
            )
            runs.append(run)
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir()
        ordered = sorted(runs, key=lambda r: r.seconds)
        return ordered[len(ordered) // 2], runs
    finally:
        shutil.rmtree(work, ignore_errors=True)


def reimport(path: Path) -> dict[str, float]:
    """Seconds for a second import of the same bytes (skipped by hash) and of a renamed copy (full parse, 0 new)."""
    work = Path(tempfile.mkdtemp(prefix="bench-reimport-"))
    try:
        db = work / "a.db"
        subprocess.run(
            [str(CHATLEDGER), "--db", str(db), "import", str(path), "--quiet", "--tz", "UTC"], check=True
        )
        same, _ = median_run(
            [str(CHATLEDGER), "--db", str(db), "import", str(path), "--quiet", "--tz", "UTC"], 1
        )
        copy = work / path.name
        shutil.copyfile(path, copy)
        with open(copy, "ab") as handle:  # a later backup: same messages plus one more line, new hash
            handle.write(b"\n")
        overlap, _ = median_run(
            [str(CHATLEDGER), "--db", str(db), "import", str(copy), "--quiet", "--tz", "UTC"], 1
        )
        return {"same_file_s": same.seconds, "overlapping_backup_s": overlap.seconds}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def peers(path: Path, repeats: int) -> dict[str, dict[str, float]]:
    ensure_peers()
    results: dict[str, dict[str, float]] = {}
    whatstk = [
        str(PEERS_VENV / "bin" / "python"),
        "-c",
        "import sys; from whatstk import df_from_whatsapp; df_from_whatsapp(sys.argv[1], max_size=None)",
        str(path),
    ]
    run, _ = median_run(whatstk, repeats)
    results["whatstk_parse"] = {"seconds": run.seconds, "peak_mb": run.peak_mb}
    report = Path(tempfile.mkdtemp()) / "report.html"
    analytics = [
        str(NODE / "node_modules" / ".bin" / "chat-analytics"),
        "-p",
        "whatsapp",
        "-i",
        str(path),
        "-o",
        str(report),
    ]
    run, _ = median_run(analytics, repeats if path.stat().st_size < 20_000_000 else 1)
    results["chat_analytics_report"] = {"seconds": run.seconds, "peak_mb": run.peak_mb}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1e4,1e5,1e6")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--peers", action="store_true", help="also run whatstk and chat-analytics")
    parser.add_argument("--json", type=Path, default=OUT / "ingest.json")
    args = parser.parse_args()
    results = []
    for size in args.sizes.split(","):
        n = int(float(size))
        path = corpus_file("whatsapp-android", n, ".txt")
        run, runs = chatledger_import(path, args.repeats)
        row: dict[str, object] = {
            "messages": n,
            "file_mb": round(path.stat().st_size / 1e6, 1),
            "chatledger_s": round(run.seconds, 2),
            "chatledger_msgs_per_s": round(n / run.seconds),
            "chatledger_peak_mb": round(run.peak_mb),
            "runs_s": [round(r.seconds, 2) for r in runs],
        }
        if n <= 1_000_000:
            row.update({k: round(v, 2) for k, v in reimport(path).items()})
        if args.peers and n <= 1_000_000:
            for name, figures in peers(path, args.repeats).items():
                row[f"{name}_s"] = round(figures["seconds"], 2)
                row[f"{name}_peak_mb"] = round(figures["peak_mb"])
                row[f"{name}_ratio"] = round(figures["seconds"] / run.seconds, 1)
        results.append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"machine: {os.cpu_count()} cores; results in {args.json}")


if __name__ == "__main__":
    main()
