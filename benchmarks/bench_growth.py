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
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks import corpus

_WRAPPER = (
    "import json, resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "code = subprocess.run(json.loads(sys.argv[1]), stdout=subprocess.DEVNULL).returncode\n"
    "elapsed = time.perf_counter() - start\n"
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(json.dumps([elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, code]))\n"
)


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
            command = [sys.executable, "-m", "chatledger", "--db", str(db), "import", str(export), "--quiet"]
            done = subprocess.run(
                [sys.executable, "-c", _WRAPPER, json.dumps([*command, "--tz", "UTC"])],
                capture_output=True,
                text=True,
                check=True,
            )
            wall, cpu, peak, code = json.loads(done.stdout.strip().splitlines()[-1])
            if code != 0:
                raise RuntimeError(f"import of {export} exited {code}")
            export.unlink()
            row = {
                "import": seed,
                "archived_before": (seed - 1) * args.messages,
                "archive_mb_before": round(before),
                "wall_s": round(wall, 2),
                "cpu_s": round(cpu, 2),
                "cpu_us_per_message": round(cpu / args.messages * 1e6, 1),
                "peak_rss_mb": round(peak),
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"messages_per_file": args.messages, "imports": rows}, indent=2))


if __name__ == "__main__":
    main()
