"""Generated pairs with known injected changes: every class found with precision and recall >= 0.99."""

from __future__ import annotations

from collections import Counter
from functools import cache

import pytest

from benchmarks.compare_pairs import CHANGES, Truth, corpus_messages, make_pair
from chatledger.compare import AlignOptions, Comparison, Side, compare
from chatledger.model import Message

N = 20_000


@cache
def side_a() -> list[Message]:
    return corpus_messages(N, seed=11)


def signature(m: Message) -> tuple[object, ...]:
    """Identical copies (``好的`` twice in one second) are interchangeable: score by content, not index."""
    return (m.conversation_id, m.sender, m.kind, m.text, m.ts_ms)


def found(comparison: Comparison) -> dict[str, list[int]]:
    classes: dict[str, list[int]] = {name: [] for name in CHANGES}
    for row in comparison.rows:
        for name in row.classes:
            if name in classes:
                classes[name].append(row.b if name == "only_b" else row.a)
    return classes


def scores(
    comparison: Comparison, truth: Truth, a: list[Message], b: list[Message]
) -> dict[str, tuple[float, float]]:
    """(precision, recall) per class."""
    result: dict[str, tuple[float, float]] = {}
    predicted = found(comparison)
    for name in CHANGES:
        if name == "reordered":
            flagged = set(predicted[name])
            hits = sum(1 for i in flagged if any(i in swap for swap in truth.swaps))
            caught = sum(1 for swap in truth.swaps if flagged & set(swap))
            result[name] = (hits / max(len(flagged), 1), caught / max(len(truth.swaps), 1))
            continue
        side = b if name == "only_b" else a
        want = Counter(signature(side[i]) for i in truth.changed[name])
        got = Counter(signature(side[i]) for i in predicted[name])
        agreed = sum((want & got).values())
        result[name] = (agreed / max(sum(got.values()), 1), agreed / max(sum(want.values()), 1))
    return result


@pytest.mark.parametrize(
    ("variant", "offset_ms", "rename", "minutes"),
    [
        ("plain", 0, False, False),
        ("phone 3 minutes fast, a renamed sender", 180_000, True, False),
        ("wrong zone (8 hours), minute-resolution export", 8 * 3_600_000, False, True),
    ],
)
def test_every_injected_change_is_found(variant: str, offset_ms: int, rename: bool, minutes: bool) -> None:
    a = side_a()
    b, truth = make_pair(a, rate=0.01, seed=5, offset_ms=offset_ms, rename=rename, minutes=minutes)
    comparison = compare(Side("A", "A", a), Side("B", "B", b), AlignOptions())
    assert comparison.alignment.offset_ms == offset_ms
    if truth.renamed:
        assert comparison.alignment.sender_map[truth.renamed[0]] == truth.renamed[1]
    result = scores(comparison, truth, a, b)
    low = {name: value for name, value in result.items() if min(value) < 0.99}
    assert not low, f"{variant}: {low}"
    assert all(len(truth.changed[name]) >= 150 for name in CHANGES if name != "reordered")
    assert len(truth.swaps) >= 100
