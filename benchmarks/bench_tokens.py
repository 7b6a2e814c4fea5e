"""The index tokenizer, compiled against the Python rules it replaces, on the benchmark corpus's texts.

    python -m benchmarks.bench_tokens --messages 1e5 --repeats 7

Both run in this process over the same texts, alternately, CPU time of this process; medians per
message and their ratio. Tokens are ``index_tokens`` (normalising included), characters
``index_characters`` of those tokens; the results are checked equal first.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
from collections.abc import Callable, Sequence

from benchmarks.bench_formats import records
from chatledger.search.tokens import (
    index_characters,
    index_tokens,
    python_index_characters,
    python_index_tokens,
)


def _cpu(function: Callable[[str], str], inputs: Sequence[str]) -> float:
    gc.collect()
    start = time.process_time()
    for item in inputs:
        function(item)
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=float, default=1e5)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    texts = [rec.text for rec in records(int(args.messages)) if rec.text]
    tokens = [index_tokens(t) for t in texts]
    if tokens != [python_index_tokens(t) for t in texts] or [index_characters(t) for t in tokens] != [
        python_index_characters(t) for t in tokens
    ]:
        raise SystemExit("the compiled tokenizer disagrees with the Python rules")
    pairs = {
        "tokens": (python_index_tokens, index_tokens, texts),
        "characters": (python_index_characters, index_characters, tokens),
    }
    result: dict[str, object] = {"texts": len(texts), "chars_per_text": sum(map(len, texts)) / len(texts)}
    for name, (python, compiled, inputs) in pairs.items():
        runs: dict[str, list[float]] = {"python": [], "compiled": []}
        for _ in range(args.repeats):
            runs["python"].append(_cpu(python, inputs))
            runs["compiled"].append(_cpu(compiled, inputs))
        py, c = (statistics.median(runs[k]) / len(inputs) * 1e6 for k in ("python", "compiled"))
        result[name] = {"python_us": round(py, 3), "compiled_us": round(c, 3), "ratio": round(py / c, 1)}
        print(f"{name}: python {py:.2f} µs, compiled {c:.2f} µs a message ({py / c:.1f}×)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
