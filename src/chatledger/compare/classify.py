"""Classify every message of two aligned sides: same, only on one side, or paired with differences.

A pair may differ in several ways at once (altered *and* re-timed); each way is counted in its class.
Re-ordering is read from the pairs: sorted by A's file order, the pairs whose B positions fall outside
the longest increasing run of B positions (patience, O(n log n)) moved.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import IntFlag
from typing import Any

from rapidfuzz.distance import Levenshtein

from chatledger.compare.align import (
    Alignment,
    AlignOptions,
    Pass,
    align,
    collector_paused,
    longest_increasing,
)
from chatledger.compare.columns import Columns, StoredMessages
from chatledger.compare.sides import Side
from chatledger.integrity.canonical import normalise_text
from chatledger.model import Message, MessageKind


class Difference(IntFlag):
    """How two paired copies of one message differ."""

    ALTERED = 1
    RETIMED = 2
    REORDERED = 4
    SENDER = 8
    KIND = 16
    RECALLED = 32


DIFFERENCE_NAMES: dict[Difference, str] = {
    Difference.ALTERED: "altered",
    Difference.RETIMED: "retimed",
    Difference.REORDERED: "reordered",
    Difference.SENDER: "sender",
    Difference.KIND: "kind",
    Difference.RECALLED: "recalled",
}
_BITS = [(int(flag), name) for flag, name in DIFFERENCE_NAMES.items()]
_ALTERED, _RETIMED, _REORDERED, _SENDER, _KIND, _RECALLED = (int(flag) for flag in DIFFERENCE_NAMES)
CLASSES = ("same", "only_a", "only_b", *DIFFERENCE_NAMES.values())
"""Every class a message can fall in, in the order summaries list them."""


@dataclass(slots=True)
class Row:
    """One line of the side-by-side view: indices into each side's messages (-1: absent there)."""

    a: int
    b: int
    differences: int
    """``Difference`` bits (a plain int: building IntFlags costs a microsecond each at 10^6 rows)."""
    delta_ms: int = 0
    """B's time on A's clock minus A's time (the estimated offset taken out)."""

    @property
    def status(self) -> str:
        if self.b < 0:
            return "only_a"
        if self.a < 0:
            return "only_b"
        return "same" if not self.differences else "different"

    @property
    def classes(self) -> list[str]:
        if self.a < 0 or self.b < 0 or not self.differences:
            return [self.status]
        return [name for flag, name in _BITS if flag & self.differences]


@dataclass(slots=True)
class Comparison:
    """Both sides, how they were aligned, and one row per message (pairs count once)."""

    a: Side
    b: Side
    options: AlignOptions
    alignment: Alignment
    rows: list[Row]
    counts: dict[str, int]

    @property
    def identical(self) -> bool:
        return self.counts["same"] == len(self.rows)

    def read_ahead(self, rows: Iterable[Row]) -> Iterator[Row]:
        """The rows, their whole messages read from the archive a batch at a time as they are reached (one
        query per batch, not per row; for sides held in memory, the rows as they are)."""
        batch: list[Row] = []
        for row in rows:
            batch.append(row)
            if len(batch) == _READ_AHEAD:
                self._preload(batch)
                yield from batch
                batch = []
        self._preload(batch)
        yield from batch

    def _preload(self, rows: list[Row]) -> None:
        if isinstance(self.a.messages, StoredMessages):
            self.a.messages.preload(row.a for row in rows if row.a >= 0)
        if isinstance(self.b.messages, StoredMessages):
            self.b.messages.preload(row.b for row in rows if row.b >= 0)

    def message_a(self, row: Row) -> Message | None:
        return self.a.messages[row.a] if row.a >= 0 else None

    def message_b(self, row: Row) -> Message | None:
        return self.b.messages[row.b] if row.b >= 0 else None

    def text_diff(self, row: Row) -> list[tuple[str, str, str]]:
        """Character-level diff of an altered pair: (``equal``/``replace``/``delete``/``insert``, A part, B part)."""
        first, second = self.message_a(row), self.message_b(row)
        if first is None or second is None:
            return []
        return text_diff(first.text, second.text)


def text_diff(first: str, second: str) -> list[tuple[str, str, str]]:
    """Levenshtein edit operations between two texts, as runs of (tag, text in first, text in second)."""
    return [
        (op.tag, first[op.src_start : op.src_end], second[op.dest_start : op.dest_end])
        for op in Levenshtein.opcodes(first, second)
    ]


def _differences(
    first: Columns, i: int, second: Columns, j: int, mapped_sender: str | None, delta: int, tolerance: int
) -> int:
    recall = MessageKind.RECALL
    kind_a, kind_b, text_a, text_b = first.kind[i], second.kind[j], first.text[i], second.text[j]
    if (kind_a is recall) != (kind_b is recall):
        return _RECALLED
    found = 0
    if kind_a is not kind_b:
        found = _KIND
    elif text_a != text_b and normalise_text(text_a) != normalise_text(text_b):
        found = _ALTERED
    if mapped_sender != second.sender[j]:
        found |= _SENDER
    if delta > tolerance or -delta > tolerance:
        found |= _RETIMED
    return found


_PRECISION_SLACK = {"min": 60_000, "s": 1_000, "ms": 0}


def _same_copy(side: Columns, x: int, y: int) -> bool:
    return side.ts[x] == side.ts[y] and _same_content(side, x, y)


def _uncross(partner: list[int], touched: Iterable[int], messages: Columns) -> None:
    """Identical copies next to each other (``好的`` twice in one second) are interchangeable: in each run of
    them around a ``touched`` index, give the partners in order, so that a swap of two of them is not
    reported as re-ordering. ``partner[i]`` is the other side's index or -1; changed in place."""
    last = len(partner) - 1
    done: set[int] = set()
    for i in touched:
        if i in done:
            continue
        low = high = i
        while low > 0 and partner[low - 1] >= 0 and _same_copy(messages, low - 1, low):
            low -= 1
        while high < last and partner[high + 1] >= 0 and _same_copy(messages, high, high + 1):
            high += 1
        if high > low:
            partner[low : high + 1] = sorted(partner[low : high + 1])
        done.update(range(low, high + 1))


def _same_content(side: Columns, x: int, y: int) -> bool:
    return (side.text[x], side.sender[x], side.kind[x], side.chat[x]) == (
        side.text[y], side.sender[y], side.kind[y], side.chat[y])  # fmt: skip


def _repair_order(
    pairs: list[tuple[int, int]], first: Columns, second: Columns
) -> tuple[list[tuple[int, int]], set[int]]:
    """Where a pair looks moved but a nearby pair joins copies of the same content (two stickers in one
    minute), swap their partners when that puts them in order: the copies cannot be told apart otherwise.
    ``pairs`` is in A order; only the few pairs outside the longest in-order run are looked at. Returns
    the pairs and the positions (in ``pairs``) of one longest in-order run."""
    kept = longest_increasing([j for _, j in pairs])
    swapped = False
    for k in range(len(pairs)):
        if k in kept:
            continue
        for other in range(max(0, k - _REPAIR_REACH), min(len(pairs), k + _REPAIR_REACH + 1)):
            (i1, j1), (i2, j2) = pairs[k], pairs[other]
            if (
                other != k
                and (i1 < i2) != (j1 < j2)
                and _same_content(first, i1, i2)
                and _same_content(second, j1, j2)
            ):
                pairs[k], pairs[other] = (i1, j2), (i2, j1)
                swapped = True
                break
    return pairs, longest_increasing([j for _, j in pairs]) if swapped else kept


_REPAIR_REACH = 4
_READ_AHEAD = 1_000


def _shared(first: list[str], second: list[str]) -> list[str]:
    """``second`` with each text that ``first`` holds too as ``first``'s string object: read from the archive,
    two equal texts are two strings, which then cost memory twice and are compared character by character
    and hashed again at every step of aligning."""
    known = dict(zip(first, first, strict=True))
    return list(map(known.get, second, second))


def compare(a: Side, b: Side, options: AlignOptions | None = None) -> Comparison:
    """Align two sides and classify every message. Reads only; changes nothing."""
    with collector_paused():
        return _compare(a, b, options or AlignOptions())


def _compare(a: Side, b: Side, options: AlignOptions) -> Comparison:
    first, second = a.columns(), b.columns()
    second.text = _shared(first.text, second.text)
    alignment = align(first, second, options)
    offset = alignment.offset_ms
    stepped = [-1] * len(first)  # the partner the walk gave, for pairs it made
    partner_a = [-1] * len(first)
    partner_b = [-1] * len(second)
    loose = []
    for i, j, how in alignment.pairs:
        partner_a[i], partner_b[j] = j, i
        if how is Pass.IN_STEP:
            stepped[i] = j
        else:
            loose.append((i, j))
    _uncross(partner_a, [i for i, _ in loose], first)
    partner_b = [-1] * len(second)
    for i, j in enumerate(partner_a):
        if j >= 0:
            partner_b[j] = i
    _uncross(partner_b, [j for _, j in loose], second)
    pairs = sorted((i, j) for j, i in enumerate(partner_b) if i >= 0)
    pairs, in_order = _repair_order(pairs, first, second)
    sender_map = alignment.sender_map
    slack = _PRECISION_SLACK
    rows: list[Row] = []
    append = rows.append
    times_a, times_b = first.ts, second.ts
    precision_a, precision_b, sender_a = first.precision, second.precision, first.sender
    for position, (i, j) in enumerate(pairs):
        delta = times_b[j] - offset - times_a[i]
        if stepped[i] == j:  # in step: equal by construction
            found = 0
        else:
            tolerance = options.tolerance_ms + max(slack[precision_a[i]], slack[precision_b[j]])
            sender = sender_a[i]
            found = _differences(first, i, second, j, sender_map.get(sender, sender), delta, tolerance)
        if position not in in_order and not found & _RETIMED:
            found |= _REORDERED
        append(Row(i, j, found, delta))
    paired_a = [False] * len(first)
    paired_b = [False] * len(second)
    for i, j in pairs:
        paired_a[i] = paired_b[j] = True
    rows.extend(Row(i, -1, 0) for i, seen in enumerate(paired_a) if not seen)
    rows.extend(Row(-1, j, 0) for j, seen in enumerate(paired_b) if not seen)
    rows.sort(
        key=lambda row: (times_a[row.a], 0, row.a) if row.a >= 0 else (times_b[row.b] - offset, 1, row.b)
    )
    counts = dict.fromkeys(CLASSES, 0)
    for row in rows:
        if row.b < 0:
            counts["only_a"] += 1
        elif row.a < 0:
            counts["only_b"] += 1
        elif not row.differences:
            counts["same"] += 1
        else:
            for name in row.classes:
                counts[name] += 1
    return Comparison(a, b, options, alignment, rows, counts)


def summary(comparison: Comparison) -> dict[str, Any]:
    """The counts and what was inferred, for JSON and reports."""
    alignment = comparison.alignment
    return {
        "a": {
            "label": comparison.a.label,
            "title": comparison.a.title,
            "messages": len(comparison.a.messages),
        },
        "b": {
            "label": comparison.b.label,
            "title": comparison.b.title,
            "messages": len(comparison.b.messages),
        },
        "identical": comparison.identical,
        "counts": comparison.counts,
        "clock_offset_ms": alignment.offset_ms,
        "clock_offset_estimated": alignment.offset_estimated,
        "clock_offset_anchors": alignment.anchors,
        "tolerance_ms": comparison.options.tolerance_ms,
        "window_ms": comparison.options.window_ms,
        "senders": [
            {"a": link.a, "b": link.b, "how": link.how, "anchors": link.anchors} for link in alignment.senders
        ],
    }
