"""Run a command in a child process and report its wall time and peak memory (RSS of that child tree)."""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass


@dataclass
class Run:
    seconds: float
    peak_mb: float
    returncode: int


def measure(command: list[str], *, cwd: str | None = None, env: dict[str, str] | None = None) -> Run:
    """Wall seconds and peak RSS (MB) of ``command``, measured by a fresh wrapper process."""
    wrapper = (
        "import json, resource, subprocess, sys, time\n"
        "start = time.perf_counter()\n"
        "code = subprocess.run(json.loads(sys.argv[1]), stdout=subprocess.DEVNULL).returncode\n"
        "elapsed = time.perf_counter() - start\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(json.dumps([elapsed, peak, code]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", wrapper, json.dumps(command)], capture_output=True, text=True, cwd=cwd, env=env
    )
    if done.returncode != 0:
        raise RuntimeError(f"measuring {command} failed: {done.stderr}")
    seconds, peak, code = json.loads(done.stdout.strip().splitlines()[-1])
    return Run(seconds, peak, code)


def median_run(command: list[str], repeats: int, **kwargs: object) -> tuple[Run, list[Run]]:
    runs = [measure(command, **kwargs) for _ in range(repeats)]  # type: ignore[arg-type]
    failed = [r for r in runs if r.returncode != 0]
    if failed:
        raise RuntimeError(f"{command[0]} exited {failed[0].returncode}")
    seconds = statistics.median(r.seconds for r in runs)
    peak = statistics.median(r.peak_mb for r in runs)
    return Run(seconds, peak, 0), runs


def self_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def now() -> float:
    return time.perf_counter()
