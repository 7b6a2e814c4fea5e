"""Run a command in a child process and report its wall time and peak memory (RSS of that child tree)."""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


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


@dataclass(slots=True)
class ChildRun:
    seconds: float
    cpu_s: float  # user + sys of the child and every process it waited for
    peak_mb: float  # the largest of those processes


def run_child(command: list[str]) -> ChildRun:
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, stderr = child.communicate()
    seconds = time.perf_counter() - start
    if child.returncode != 0:
        raise RuntimeError(
            f"{command[0]} exited {child.returncode}: {stderr.decode(errors='replace')[-500:]}"
        )
    # run in a fresh wrapper (measure_child): its children are this command and the processes it waited for
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ChildRun(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def measure_child(command: list[str]) -> ChildRun:
    """``run_child`` in a fresh wrapper process, so that its rusage holds this one command only."""
    wrapper = (
        "import json, sys\n"
        "from benchmarks._measure import run_child\n"
        "r = run_child(json.loads(sys.argv[1]))\n"
        "print(json.dumps([r.seconds, r.cpu_s, r.peak_mb]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", wrapper, json.dumps(command)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    if done.returncode != 0:
        raise RuntimeError(f"measuring {command} failed: {done.stderr[-1000:]}")
    return ChildRun(*json.loads(done.stdout.strip().splitlines()[-1]))
