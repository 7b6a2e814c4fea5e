"""Compare two sources or chats message by message, merge them without losing a copy, gather cases."""

from __future__ import annotations

from chatledger.compare.align import Alignment, AlignOptions, Pass, SenderLink
from chatledger.compare.classify import CLASSES, Comparison, Difference, Row, compare, summary, text_diff
from chatledger.compare.sides import Side, resolve_side

__all__ = [
    "CLASSES",
    "AlignOptions",
    "Alignment",
    "Comparison",
    "Difference",
    "Pass",
    "Row",
    "SenderLink",
    "Side",
    "compare",
    "resolve_side",
    "summary",
    "text_diff",
]
