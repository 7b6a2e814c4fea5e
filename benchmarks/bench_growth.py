"""An archive that grows: monthly exports imported one after another into the same archive.

    python -m benchmarks.bench_growth --files 5 --messages 1e6

Each file is a different generated WhatsApp chat (seeds 1..K) of N messages, imported with
``chatledger import`` in a child process into one archive; for each import: wall time, CPU seconds of
the process tree (the parse worker included), peak RSS of its largest process, and the archive's size
before it. Memory and CPU per message should not grow with what the archive already holds.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

from benchmarks import corpus
from benchmarks._measure import measure_child


def _archive_mb(db: Path) -> float:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*") if p.is_file()) / 2**20


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=5)
    parser.add_argument("--messages", type=lambda s: int(float(s)), default=1_000_000)
    parser.add_argument("--json", type=Path, default=Path("benchmarks/out/growth.json"))
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="chatledger-growth-"))
    db = work / "archive.db"
    rows = []
    try:
        for seed in range(1, args.files + 1):
            export = work / f"chat-{seed}.txt"
            corpus.main(
                ["--format", "whatsapp-android", "--messages", str(args.messages), "--seed", str(seed),
                 "--out", str(export)]
            )  # fmt: skip
            before = _archive_mb(db) if db.exists() else 0.0
            run = measure_child(
                [
                    sys.executable,
                    "-m",
                    "chatledger",
                    "--db",
                    str(db),
                    "import",
                    str(export),
                    "--quiet",
                    "--tz",
                    "UTC",
                ]
            )
            export.unlink()
            row = {
                "import": seed,
                "archived_before": (seed - 1) * args.messages,
                "archive_mb_before": round(before),
                "wall_s": round(run.seconds, 2),
                "cpu_s": round(run.cpu_s, 2),
                "cpu_us_per_message": round(run.cpu_s / args.messages * 1e6, 1),
                "peak_rss_mb": round(run.peak_mb),
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"messages_per_file": args.messages, "imports": rows}, indent=2))


if __name__ == "__main__":
    main()
