"""Authenticity checks' share of import time.

    python -m benchmarks.bench_authenticity --messages 1e6 --formats telegram-json,whatsapp-android

Each format's corpus (``benchmarks/corpus.py``, seed 7) is imported into a fresh archive in this process;
the time spent inside the checks (``SourceChecks.hold_conflicts``, ``observe`` and ``finish``, which run in
the writing process) is summed with ``perf_counter`` and set against the import's wall time, both from the
same run. The parse worker runs in parallel, so the checks' time adds to the import's wall time one for one.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.bench_ingest import corpus_file
from chatledger.ingest import ImportOptions, import_paths
from chatledger.integrity import authenticity
from chatledger.store import SQLiteStore

_SUFFIX = {"telegram-json": ".json", "whatsapp-android": ".txt", "wechat-pywxdump-csv": ".csv"}


class _Timer:
    def __init__(self) -> None:
        self.seconds = 0.0

    def wrap(self, method: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - began

        return timed


def measure(fmt: str, n: int) -> dict[str, Any]:
    path = corpus_file(fmt, n, _SUFFIX[fmt])
    timer = _Timer()
    checks = authenticity.SourceChecks
    originals = {name: getattr(checks, name) for name in ("hold_conflicts", "observe", "finish")}
    for name, method in originals.items():
        setattr(checks, name, timer.wrap(method))
    try:
        with tempfile.TemporaryDirectory(dir=path.parent) as folder:
            store = SQLiteStore(Path(folder) / "archive.db")
            began = time.perf_counter()
            result = import_paths(
                store,
                [path],
                originals_dir=Path(folder) / "originals",
                options=ImportOptions(zone_name="UTC"),
            )
            wall = time.perf_counter() - began
            findings = result.sources[0].findings
            store.close()
    finally:
        for name, method in originals.items():
            setattr(checks, name, method)
    return {
        "format": fmt,
        "messages": result.messages,
        "import_s": round(wall, 2),
        "checks_s": round(timer.seconds, 2),
        "share": round(timer.seconds / wall, 4),
        "findings": findings,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "load": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", default="1e6")
    parser.add_argument("--formats", default="telegram-json,whatsapp-android")
    args = parser.parse_args()
    n = int(float(args.messages))
    for fmt in args.formats.split(","):
        print(json.dumps(measure(fmt, n), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
