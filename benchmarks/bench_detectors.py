"""Text detectors benchmark (issue 7): every quality detector over generated service chat.

    python -m benchmarks.bench_detectors --messages 1e6 --repeats 3

The chat is a generated customer-service and sales corpus (``benchmarks.corpus``, generic-jsonl with its
truth sidecar, cached under benchmarks/out/corpus/); sessions and roles come from the truth, so the
figures are the detectors' own cost. Each detector runs over every session ``--repeats`` times in this
process (median reported) after one warm-up session that compiles its config (the compile time,
including jieba's dictionary read for the homophone table, is reported apart). The floor is a loop that
only touches every message's text: the ratio against it says what each detector costs beyond iteration.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

from benchmarks._measure import self_peak_mb
from benchmarks.bench_ingest import CORPUS, OUT
from benchmarks.corpus import generate
from chatledger.model import Message, MessageKind
from chatledger.quality.detectors import (
    repetition,
    resolution,
    rude,
    scripts,
    sentiment,
    silence,
    topics,
    typos,
)
from chatledger.quality.findings import Role, Session, Turn

ROLES = {"agent": Role.AGENT, "customer": Role.CUSTOMER, "system": Role.SYSTEM}


def truth_file(n: int) -> Path:
    CORPUS.mkdir(parents=True, exist_ok=True)
    path = CORPUS / f"quality_{n}.truth.jsonl"
    if not path.exists():
        partial = path.with_name(path.name + ".part")
        scratch = CORPUS / f"quality_{n}.jsonl.part"
        generate("generic-jsonl", n, scratch, seed=7, mix={"cs_zh": 0.7, "sales_zh": 0.3}, truth_path=partial)
        scratch.unlink()
        partial.rename(path)
    return path


def load_sessions(path: Path) -> list[Session]:
    """Sessions in file order, from the truth's conversation, session and role fields."""
    sessions: list[Session] = []
    turns: list[Turn] = []
    key: tuple[str, int] | None = None
    conversations: dict[str, int] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            here = (row["conversation"], row["session"])
            if here != key:
                if turns and key is not None:
                    sessions.append(Session(conversations[key[0]], key[1], tuple(turns)))
                turns, key = [], here
                conversations.setdefault(here[0], len(conversations))
            role = ROLES.get(row["role"], Role.CUSTOMER)
            kind = MessageKind.TEXT if row["kind"] == "text" else MessageKind.OTHER
            message = Message(
                row["conversation"], row["sender_id"], row["ts"] * 1000, kind, row["text"], id=row["i"] + 1
            )
            turns.append(Turn(message, role, row["sender_id"] if role is Role.AGENT else None))
    if turns and key is not None:
        sessions.append(Session(conversations[key[0]], key[1], tuple(turns)))
    return sessions


def floor(sessions: list[Session]) -> int:
    total = 0
    for session in sessions:
        for turn in session.turns:
            total += len(turn.message.text)
    return total


def timed(module: Any, sessions: list[Session], repeats: int) -> tuple[float, int]:
    """Median seconds of ``module.detect`` over every session (a corpus detector: over all at once).

    Each repeat starts from a freshly compiled config, so no repeat profits from the text memos the
    previous one filled; compiling (on the first session) is left out of the time."""
    times, found = [], 0
    corpus = module is topics
    for _ in range(repeats):
        config = module.Config.default()
        if not corpus:
            module.detect(sessions[0], config)
        start = time.perf_counter()
        if corpus:
            found = len(module.detect(sessions, config))
        else:
            found = sum(len(module.detect(s, config)) for s in sessions)
        times.append(time.perf_counter() - start)
    return statistics.median(times), found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", default="1e6")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, default=OUT / "detectors.json")
    args = parser.parse_args()
    n = int(float(args.messages))
    path = truth_file(n)
    start = time.perf_counter()
    sessions = load_sessions(path)
    messages = sum(len(s.turns) for s in sessions)
    print(
        f"{messages:,} messages in {len(sessions):,} sessions, loaded in {time.perf_counter() - start:.1f} s"
    )

    modules = (scripts, typos, rude, silence, repetition, sentiment, resolution, topics)
    compile_s: dict[str, float] = {}
    for module in modules:
        name = module.__name__.rsplit(".", 1)[-1]
        begin = time.perf_counter()
        config = module.Config.default()
        if module is not topics:
            module.detect(sessions[0], config)  # compiles the config (typos: loads jieba's dictionary)
        compile_s[name] = time.perf_counter() - begin

    start = time.perf_counter()
    for _ in range(args.repeats):
        floor(sessions)
    base = (time.perf_counter() - start) / args.repeats
    rows = []
    print(f"load {os.getloadavg()[0]:.1f}; floor (touch every text) {base:.3f} s")
    print(f"{'detector':<12}{'compile s':>10}{'median s':>10}{'msg/s':>12}{'x floor':>9}{'findings':>10}")
    for module in modules:
        name = module.__name__.rsplit(".", 1)[-1]
        seconds, found = timed(module, sessions, args.repeats)
        rows.append({"detector": name, "compile_s": compile_s[name], "seconds": seconds, "findings": found})
        print(
            f"{name:<12}{compile_s[name]:>10.2f}{seconds:>10.2f}{messages / seconds:>12,.0f}"
            f"{seconds / base:>9.1f}{found:>10,}"
        )
    total = sum(r["seconds"] for r in rows)
    total_compile = sum(compile_s.values())
    print(
        f"all detectors: {total:.1f} s ({messages / total:,.0f} msg/s) + {total_compile:.1f} s compile; "
        f"peak RSS {self_peak_mb():.0f} MB; load {os.getloadavg()[0]:.1f}"
    )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "messages": messages,
                "sessions": len(sessions),
                "floor_s": base,
                "rows": rows,
                "total_s": total,
                "compile_s": total_compile,
                "peak_mb": self_peak_mb(),
                "load": os.getloadavg(),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
