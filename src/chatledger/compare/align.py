"""Pair the messages of two sides: exact anchors first, then looser passes for what is left.

1. **Anchors.** Texts that occur exactly once on each side pair up whatever their times; from them come
   the sender mapping (``我`` on one side is ``wxid_abc`` on the other) and the clock offset (the median
   time difference, at the coarser side's precision: a minute-resolution export against a second one).
2. **Exact.** Same chat, sender, kind and text within the time tolerance (after the offset), in order.
3. **Re-timed.** The same, within the wider window, nearest first; out of file order only for a text
   found once in its chat on each side (an anchor): two of many ``好的`` an hour apart are not one message.
4. **Sender differs.** Same chat, kind and text within the tolerance, other sender.
5. **Recalled.** A message on one side, the sender's recall notice in its place on the other (at most a
   day later).
6. **Altered.** Same chat, sender and kind within the window, text similar (rapidfuzz ``fuzz.ratio``)
   but not equal.
7. **Kind differs.** Same chat and sender within the tolerance, other kind (a photo against ``[图片]``).

Every pass groups by a key and looks only at candidates inside a time window (at most ``_CANDIDATES``
per message), so time and memory stay linear in the number of messages.
"""

from __future__ import annotations

import gc
import statistics
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum

from rapidfuzz import fuzz

from chatledger.compare.columns import Columns
from chatledger.integrity.canonical import normalise_text
from chatledger.model import MessageKind, TimePrecision

_CANDIDATES = 8
_SLACK_MS = {TimePrecision.MINUTE: 60_000, TimePrecision.SECOND: 1_000, TimePrecision.MILLISECOND: 0}
_MIN_ANCHOR_TEXT = 2
_MIN_ANCHORS_FOR_OFFSET = 3
_LOOKAHEAD = 4
_OFFSET_SAMPLE = 20_000  # anchors enough for a median


class Pass(StrEnum):
    """Which pass paired two messages (``IN_STEP``: the walk through both files while they agree)."""

    IN_STEP = "in_step"
    EXACT = "exact"
    RETIMED = "retimed"
    SENDER = "sender"
    RECALL = "recall"
    FUZZY = "fuzzy"
    KIND = "kind"


@dataclass(frozen=True, slots=True)
class AlignOptions:
    """How loosely to pair. Times in milliseconds; ``offset_ms`` None means estimate it."""

    tolerance_ms: int = 60_000
    window_ms: int = 3_600_000
    recall_window_ms: int = 86_400_000
    min_similarity: float = 60.0
    offset_ms: int | None = None
    sender_map: Mapping[str, str] = field(default_factory=dict)
    """A-side sender id -> B-side sender id, as the user gave it (overrides inference)."""


@dataclass(frozen=True, slots=True)
class SenderLink:
    a: str | None
    b: str | None
    how: str  # "given", "inferred" (from N anchors), "same id"
    anchors: int = 0


@dataclass(slots=True)
class Alignment:
    """The pairs (A index, B index, pass) and what was inferred on the way."""

    pairs: list[tuple[int, int, Pass]]
    offset_ms: int
    offset_estimated: bool
    anchors: int
    senders: list[SenderLink]
    sender_map: dict[str | None, str | None]
    conversation_map: dict[int, int]


class _View:
    """One side reduced to what the passes read, as parallel lists (compact at 10^6 messages)."""

    __slots__ = ("chat", "kind", "sender", "slack", "text", "ts")

    def __init__(self, columns: Columns) -> None:
        self.ts = columns.ts
        self.sender = columns.sender
        self.kind = columns.kind
        self.text = list(columns.text)  # normalised later, for the messages left after the walk
        self.slack = [_SLACK_MS.get(p, 0) for p in columns.precision]
        self.chat = columns.chat

    def rename_chats(self, chats: Mapping[int, int]) -> None:
        """Chat ids in the other side's terms; a chat without a partner gets an id no other side uses."""
        self.chat = [chats.get(c, -2 - c) for c in self.chat]


def _pair_chats(chats_a: Iterable[int], chats_b: Iterable[int]) -> dict[int, int]:
    """A chat id -> B chat id: the same chat on both sides, else the one chat left on each side (-1: none)."""
    set_a, set_b = set(chats_a) - {-1}, set(chats_b) - {-1}
    mapping = {c: c for c in set_a & set_b}
    rest_a, rest_b = set_a - set_b, set_b - set_a
    if len(rest_a) == 1 and len(rest_b) == 1:
        mapping[rest_a.pop()] = rest_b.pop()
    return mapping


def _anchors(va: _View, vb: _View) -> list[tuple[int, int]]:
    """Pairs of messages whose (chat, text) occurs exactly once on each side, in A's order.

    Counted chat by chat: a small dict per chat stays in cache where one (chat, text) dict of a million
    keys would not (3x faster at 10^6 messages)."""

    def once(view: _View) -> dict[int, dict[str, int]]:
        """chat -> text -> its index, or -1 when the text occurs again in that chat."""
        by_chat: dict[int, dict[str, int]] = {}
        for index, chat, text in zip(range(len(view.text)), view.chat, view.text, strict=True):
            seen = by_chat.get(chat)
            if seen is None:
                seen = by_chat[chat] = {}
            seen[text] = -1 if text in seen else index
        return by_chat

    texts_b = once(vb)
    found: list[tuple[int, int]] = []
    for chat, seen_a in once(va).items():
        seen_b = texts_b.get(chat)
        if seen_b is None:
            continue
        for text, i in seen_a.items():
            if i >= 0 and len(text) >= _MIN_ANCHOR_TEXT and (j := seen_b.get(text, -1)) >= 0:
                found.append((i, j))
    found.sort()
    return found


def _infer_senders(
    va: _View, vb: _View, anchors: list[tuple[int, int]], given: Mapping[str, str]
) -> tuple[dict[str | None, str | None], list[SenderLink]]:
    """A sender -> B sender: the user's pairs, then the pairings most anchors agree on, then equal ids."""
    votes = Counter((va.sender[i], vb.sender[j]) for i, j in anchors)
    mapping: dict[str | None, str | None] = {None: None}
    links: list[SenderLink] = []
    taken: set[str | None] = {None}
    for given_a, given_b in given.items():
        mapping[given_a] = given_b
        taken.add(given_b)
        links.append(SenderLink(given_a, given_b, "given"))
    for (a, b), count in sorted(votes.items(), key=lambda item: (-item[1], str(item[0]))):
        if a in mapping or b in taken:
            continue
        mapping[a] = b
        taken.add(b)
        links.append(SenderLink(a, b, "inferred", count))
    senders_b = set(vb.sender)
    for same in dict.fromkeys(va.sender):
        if same not in mapping and same in senders_b and same not in taken:
            mapping[same] = same
            taken.add(same)
            links.append(SenderLink(same, same, "same id"))
    return mapping, links


def _estimate_offset(
    va: _View, vb: _View, anchors: list[tuple[int, int]], mapping: Mapping[str | None, str | None]
) -> tuple[int, int]:
    """(B clock minus A clock, anchors used): the median over anchors whose senders agree, each difference
    taken at the coarser precision of its two messages."""
    deltas: list[int] = []
    for i, j in anchors[:: max(1, len(anchors) // _OFFSET_SAMPLE)]:
        if mapping.get(va.sender[i], va.sender[i]) != vb.sender[j]:
            continue
        unit = max(va.slack[i], vb.slack[j], 1)
        deltas.append((vb.ts[j] // unit - va.ts[i] // unit) * unit)
    if len(deltas) < _MIN_ANCHORS_FOR_OFFSET:
        return 0, len(deltas)
    return int(statistics.median_low(deltas)), len(deltas)


class _Matcher:
    """The leftovers of both sides and the passes that pair them."""

    def __init__(self, va: _View, vb: _View, offset_ms: int, options: AlignOptions) -> None:
        self.va, self.vb = va, vb
        self.options = options
        self.tb = [t - offset_ms for t in vb.ts]  # B times on A's clock
        self.free_a = [True] * len(va.ts)
        self.free_b = [True] * len(vb.ts)
        self.order_a: list[int] = []
        self.order_b: list[int] = []
        self.pairs: list[tuple[int, int, Pass]] = []

    def walk(self, sender_a: list[str | None]) -> None:
        """Pair both files in step while they agree exactly (chat, sender, kind, text, time at the coarser
        precision); at a difference look up to ``_LOOKAHEAD`` messages ahead on each side to fall in step
        again. Most of two exports of one chat agree, so most pairs are made here at one comparison each;
        what is skipped is left to the passes. Then orders the leftovers by time for them."""
        va, vb, tb = self.va, self.vb, self.tb
        chat_a, chat_b, kind_a, kind_b, text_a, text_b = va.chat, vb.chat, va.kind, vb.kind, va.text, vb.text
        ta, slack_a, slack_b, sender_b = va.ts, va.slack, vb.slack, vb.sender
        n_a, n_b = len(ta), len(tb)

        def same(i: int, j: int) -> bool:
            if text_a[i] != text_b[j] or sender_a[i] != sender_b[j] or kind_a[i] is not kind_b[j]:
                return False
            unit = slack_a[i] if slack_a[i] > slack_b[j] else slack_b[j]
            if unit:
                return ta[i] // unit == tb[j] // unit and chat_a[i] == chat_b[j]
            return ta[i] == tb[j] and chat_a[i] == chat_b[j]

        pairs = self.pairs
        free_a, free_b = self.free_a, self.free_b
        exact = Pass.IN_STEP
        i = j = 0
        while i < n_a and j < n_b:
            if same(i, j):
                pairs.append((i, j, exact))
                free_a[i] = free_b[j] = False
                i += 1
                j += 1
                continue
            step = next(
                ((x, y) for total in range(1, 2 * _LOOKAHEAD + 1) for x in range(total + 1)
                 if (y := total - x) <= _LOOKAHEAD and x <= _LOOKAHEAD
                 and i + x < n_a and j + y < n_b and same(i + x, j + y)),
                (1, 1),
            )  # fmt: skip
            i += step[0]
            j += step[1]
        self.order_a = sorted((i for i in range(n_a) if free_a[i]), key=ta.__getitem__)
        self.order_b = sorted((j for j in range(n_b) if free_b[j]), key=tb.__getitem__)
        for i in self.order_a:
            text_a[i] = normalise_text(text_a[i])
        for j in self.order_b:
            text_b[j] = normalise_text(text_b[j])

    def _take(self, i: int, j: int, how: Pass) -> None:
        self.free_a[i] = self.free_b[j] = False
        self.pairs.append((i, j, how))

    def groups(
        self, key_a: Callable[[int], Hashable | None], key_b: Callable[[int], Hashable | None]
    ) -> list[tuple[list[int], list[int]]]:
        """Free A and B indices grouped by key (None: left out), each group in time order."""
        free_a, free_b = self.free_a, self.free_b
        return self._grouped(
            ((i, key_a(i)) for i in self.order_a if free_a[i]),
            ((j, key_b(j)) for j in self.order_b if free_b[j]),
        )

    @staticmethod
    def _grouped(
        keyed_a: Iterable[tuple[int, Hashable | None]], keyed_b: Iterable[tuple[int, Hashable | None]]
    ) -> list[tuple[list[int], list[int]]]:
        groups_a: defaultdict[Hashable, list[int]] = defaultdict(list)
        groups_b: defaultdict[Hashable, list[int]] = defaultdict(list)
        for i, k in keyed_a:
            if k is not None:
                groups_a[k].append(i)
        for j, k in keyed_b:
            if k is not None and k in groups_a:
                groups_b[k].append(j)
        return [(groups_a[k], found) for k, found in groups_b.items()]

    def still_free(self, groups: list[tuple[list[int], list[int]]]) -> list[tuple[list[int], list[int]]]:
        """The same groups without the members paired since (order kept)."""
        free_a, free_b = self.free_a, self.free_b
        kept = []
        for group_a, group_b in groups:
            left_a = [i for i in group_a if free_a[i]]
            if left_a:
                left_b = [j for j in group_b if free_b[j]]
                if left_b:
                    kept.append((left_a, left_b))
        return kept

    def in_order(
        self, groups: list[tuple[list[int], list[int]]], how: Pass, *, tolerance_ms: int | None = None
    ) -> None:
        """Pair each group's members in time order where they lie within the tolerance (repeats in order)."""
        ta, tb = self.va.ts, self.tb
        extra = self.options.tolerance_ms if tolerance_ms is None else tolerance_ms
        slack_a, slack_b = self.va.slack, self.vb.slack
        for group_a, group_b in groups:
            i = j = 0
            while i < len(group_a) and j < len(group_b):
                a, b = group_a[i], group_b[j]
                delta = tb[b] - ta[a]
                unit = max(slack_a[a], slack_b[b])
                if extra == 0 and unit:  # the same second or minute, as the coarser side writes it
                    delta = tb[b] // unit - ta[a] // unit
                    unit = 0
                if abs(delta) <= extra + unit:
                    self._take(a, b, how)
                    i += 1
                    j += 1
                elif delta > 0:
                    i += 1
                else:
                    j += 1

    def order_check(self) -> Callable[[int, int], bool]:
        """Whether pairing A ``i`` with B ``j`` keeps the order of both files: ``j`` lies between the partners
        of the in-order pairs just before and just after ``i``. In-order pairs: those of the walk (in order
        by construction), or, when the walk made few, one longest in-order run of all pairs so far."""
        pairs = [(i, j) for i, j, how in self.pairs if how is Pass.IN_STEP]
        if len(pairs) * 2 < len(self.pairs):
            everything = sorted((i, j) for i, j, _ in self.pairs)
            kept = longest_increasing([j for _, j in everything])
            pairs = [pair for index, pair in enumerate(everything) if index in kept]
        positions_a = [i for i, _ in pairs]
        partners = [j for _, j in pairs]

        va, vb = self.va, self.vb

        def copies(view: _View, x: int, y: int) -> bool:
            """Identical copies (``好的`` twice in one second): either may be the one paired."""
            return (view.ts[x], view.text[x], view.sender[x], view.kind[x], view.chat[x]) == (
                view.ts[y], view.text[y], view.sender[y], view.kind[y], view.chat[y])  # fmt: skip

        def check(i: int, j: int) -> bool:
            slot = bisect_left(positions_a, i)
            before, after = slot - 1, slot
            while before >= 0 and (copies(va, positions_a[before], i) or copies(vb, partners[before], j)):
                before -= 1
            while after < len(partners) and (
                copies(va, positions_a[after], i) or copies(vb, partners[after], j)
            ):
                after += 1
            return (before < 0 or partners[before] < j) and (after == len(partners) or partners[after] > j)

        return check

    def nearest(
        self,
        groups: list[tuple[list[int], list[int]]],
        how: Pass,
        *,
        before_ms: int,
        after_ms: int,
        score: Callable[[int, int], float | None] | None = None,
    ) -> None:
        """Pair within ``[t - before_ms, t + after_ms]`` of each A message: best score, then nearest first."""
        ta, tb = self.va.ts, self.tb
        candidates: list[tuple[float, int, int, int]] = []
        for group_a, group_b in groups:
            times_b = [tb[j] for j in group_b]
            for a in group_a:
                low = bisect_left(times_b, ta[a] - before_ms)
                high = bisect_right(times_b, ta[a] + after_ms)
                if high - low > _CANDIDATES:  # keep the nearest in time
                    middle = bisect_left(times_b, ta[a], low, high)
                    low = max(low, middle - _CANDIDATES // 2)
                    high = min(high, low + _CANDIDATES)
                for b in group_b[low:high]:
                    value = 0.0 if score is None else score(a, b)
                    if value is not None:
                        candidates.append((-value, abs(tb[b] - ta[a]), a, b))
        candidates.sort()
        for _, _, a, b in candidates:
            if self.free_a[a] and self.free_b[b]:
                self._take(a, b, how)


def longest_increasing(values: list[int]) -> set[int]:
    """Indices (into ``values``) of one longest strictly increasing subsequence (patience, O(n log n))."""
    tails: list[int] = []
    tail_index: list[int] = []
    previous = [-1] * len(values)
    for index, value in enumerate(values):
        slot = bisect_left(tails, value)
        if slot == len(tails):
            tails.append(value)
            tail_index.append(index)
        else:
            tails[slot] = value
            tail_index[slot] = index
        previous[index] = tail_index[slot - 1] if slot else -1
    kept: set[int] = set()
    index = tail_index[-1] if tail_index else -1
    while index >= 0:
        kept.add(index)
        index = previous[index]
    return kept


def align(a: Columns, b: Columns, options: AlignOptions | None = None) -> Alignment:
    """Pair the messages of A and B (each in its file order); unpaired ones are only on their side."""
    with collector_paused():
        return _align(a, b, options or AlignOptions())


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cycles are made here; the collector would rescan the sides' millions of messages again and again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _align(a: Columns, b: Columns, options: AlignOptions) -> Alignment:
    va, vb = _View(a), _View(b)
    chats = _pair_chats(va.chat, vb.chat)
    va.rename_chats(chats)
    anchors = _anchors(va, vb)
    mapping, links = _infer_senders(va, vb, anchors, options.sender_map)
    if options.offset_ms is None:
        offset, used = _estimate_offset(va, vb, anchors, mapping)
    else:
        offset, used = options.offset_ms, 0
    m = _Matcher(va, vb, offset, options)
    sender_a = [mapping.get(s, s) for s in va.sender]
    chat_a, chat_b, kind_a, kind_b, text_a, text_b = va.chat, vb.chat, va.kind, vb.kind, va.text, vb.text

    text = MessageKind.TEXT
    m.walk(sender_a)
    exact = m.groups(
        lambda i: (chat_a[i], sender_a[i], kind_a[i], text_a[i]),
        lambda j: (chat_b[j], vb.sender[j], kind_b[j], text_b[j]),
    )
    m.in_order(exact, Pass.EXACT, tolerance_ms=0)
    exact = m.still_free(exact)
    m.in_order(exact, Pass.EXACT)
    window = options.window_ms
    in_place = m.order_check()
    anchored = [-1] * len(a)  # A index -> its anchor partner
    for i, j in anchors:
        anchored[i] = j
    m.nearest(
        m.still_free(exact),
        Pass.RETIMED,
        before_ms=window,
        after_ms=window,
        score=lambda i, j: 1.0 if in_place(i, j) else 0.0 if anchored[i] == j else None,
    )
    m.in_order(
        m.groups(
            lambda i: (chat_a[i], kind_a[i], text_a[i]) if text_a[i] or kind_a[i] is not text else None,
            lambda j: (chat_b[j], kind_b[j], text_b[j]) if text_b[j] or kind_b[j] is not text else None,
        ),
        Pass.SENDER,
    )
    recall = MessageKind.RECALL
    slack = options.tolerance_ms + 60_000
    # the original on A, the recall notice on B; then the other way round
    m.nearest(
        m.groups(
            lambda i: (chat_a[i], sender_a[i]) if kind_a[i] is not recall else None,
            lambda j: (chat_b[j], vb.sender[j]) if kind_b[j] is recall else None,
        ),
        Pass.RECALL,
        before_ms=slack,
        after_ms=options.recall_window_ms,
        score=lambda i, j: 0.0 if in_place(i, j) else None,
    )
    m.nearest(
        m.groups(
            lambda i: (chat_a[i], sender_a[i]) if kind_a[i] is recall else None,
            lambda j: (chat_b[j], vb.sender[j]) if kind_b[j] is not recall else None,
        ),
        Pass.RECALL,
        before_ms=options.recall_window_ms,
        after_ms=slack,
        score=lambda i, j: 0.0 if in_place(i, j) else None,
    )
    cutoff = options.min_similarity

    def similarity(i: int, j: int) -> float | None:
        if text_a[i] == text_b[j]:  # equal texts were the re-timed pass's to pair (or refuse)
            return None
        value = fuzz.ratio(text_a[i], text_b[j], score_cutoff=cutoff)
        return value if value else None

    m.nearest(
        m.groups(
            lambda i: (chat_a[i], sender_a[i], kind_a[i]), lambda j: (chat_b[j], vb.sender[j], kind_b[j])
        ),
        Pass.FUZZY,
        before_ms=window,
        after_ms=window,
        score=similarity,
    )
    tolerance = options.tolerance_ms + 60_000
    in_place = m.order_check()
    m.nearest(
        m.groups(
            lambda i: (chat_a[i], sender_a[i]) if kind_a[i] is not recall else None,
            lambda j: (chat_b[j], vb.sender[j]) if kind_b[j] is not recall else None,
        ),
        Pass.KIND,
        before_ms=tolerance,
        after_ms=tolerance,
        score=lambda i, j: None if kind_a[i] is kind_b[j] or not in_place(i, j) else 0.0,
    )
    return Alignment(m.pairs, offset, options.offset_ms is None, used, links, mapping, chats)
