"""A merged view of two sides that keeps every copy: nothing is deduplicated away.

Each row of a comparison becomes one entry holding the copy from each side that has one, with the
side, its source and the place in the file (provenance). Both copies are kept even when they agree,
so the merge always holds at least as many messages as its larger input and every message of each.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from chatledger.compare.classify import Comparison
from chatledger.compare.report import message_record
from chatledger.model import Message


@dataclass(frozen=True, slots=True)
class Copy:
    side: str  # "a" or "b"
    origin: str  # the side's label and title
    message: Message


@dataclass(frozen=True, slots=True)
class MergedEntry:
    """One message of the merged timeline and every copy of it the sides hold."""

    classes: tuple[str, ...]
    copies: tuple[Copy, ...]

    def record(self) -> dict[str, Any]:
        return {
            "classes": list(self.classes),
            "copies": [
                {"side": c.side, "origin": c.origin, **(message_record(c.message) or {})} for c in self.copies
            ],
        }


def merged_view(comparison: Comparison) -> Iterator[MergedEntry]:
    """The merged timeline, in time order on A's clock."""
    origin_a = f"{comparison.a.label} {comparison.a.title}"
    origin_b = f"{comparison.b.label} {comparison.b.title}"
    for row in comparison.read_ahead(comparison.rows):
        copies: list[Copy] = []
        if (first := comparison.message_a(row)) is not None:
            copies.append(Copy("a", origin_a, first))
        if (second := comparison.message_b(row)) is not None:
            copies.append(Copy("b", origin_b, second))
        yield MergedEntry(tuple(row.classes), tuple(copies))
