"""The re-timed pass: a unique text may move in the file with its new time; a repeated one may not."""

from __future__ import annotations

from dataclasses import replace

from chatledger.compare import Side, compare
from chatledger.model import Message, MessageKind

T0 = 1_700_000_000_000
MINUTE = 60_000


def chat(rows: list[tuple[int, str, str]]) -> list[Message]:
    """Messages of one chat from (minute, sender, text), in the order given."""
    return [
        Message(
            "c", sender, T0 + minute * MINUTE, MessageKind.TEXT, text, locator=f"line {n}", conversation_id=1
        )
        for n, (minute, sender, text) in enumerate(rows)
    ]


ROWS = [(m, "ana" if m % 3 else "bo", f"第{m}条，内容各不相同") for m in range(0, 60, 2)]


def test_a_unique_text_retimed_and_moved_in_a_time_sorted_export_is_retimed() -> None:
    a = chat(ROWS)
    moved = replace(a[5], ts_ms=a[5].ts_ms + 15 * MINUTE)  # a clock 15 minutes off for one message
    b = sorted([*a[:5], moved, *a[6:]], key=lambda m: m.ts_ms)
    comparison = compare(Side("A", "A", a), Side("B", "B", b))
    (row,) = [r for r in comparison.rows if r.classes != ["same"]]
    assert (row.a, row.classes, row.delta_ms) == (5, ["retimed"], 15 * MINUTE)


def test_copies_of_a_repeated_text_are_not_paired_out_of_file_order() -> None:
    """``好的`` deleted at minute 11 on B and another ``好的`` added at minute 40: two changes, not one
    message re-timed by half an hour past all the others."""
    rows = [*ROWS[:5], (11, "ana", "好的"), *ROWS[5:], (61, "ana", "好的"), (63, "ana", "好的")]
    a = chat(rows)
    b = chat([*rows[:5], *rows[6:20], (39, "ana", "好的"), *rows[20:]])
    comparison = compare(Side("A", "A", a), Side("B", "B", b))
    changed = sorted((r.status, r.classes) for r in comparison.rows if r.classes != ["same"])
    assert changed == [("only_a", ["only_a"]), ("only_b", ["only_b"])]
