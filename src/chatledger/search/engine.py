"""Run a query against the archive: one function behind the CLI, the web UI and the Python API."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import tzinfo
from functools import lru_cache
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from chatledger.model import Message, MessageKind, Platform
from chatledger.search.query import And, Filter, Node, Not, Or, ParsedQuery, QueryError, Text, parse_query
from chatledger.search.tokens import normalise_for_search, plan_substring
from chatledger.store import MessageFilter, SearchRow, Store
from chatledger.timefmt import parse_user_time

ORDERS = ("newest", "oldest", "relevance")
ROW_SCAN_LIMIT = 2000
"""When ``from:`` or ``chat:`` admit at most this many messages, their texts are read and checked: cheaper
than walking a text condition's doclist, which may hold hundreds of thousands of entries."""
_DAY_MS = 86_400_000
KIND_ALIASES = {
    "文本": "text", "图片": "image", "照片": "image", "语音": "voice", "视频": "video", "文件": "file",
    "表情": "sticker", "表情包": "sticker", "链接": "link", "位置": "location", "转账": "transfer",
    "红包": "red_packet", "red-packet": "red_packet", "redpacket": "red_packet", "通话": "call",
    "名片": "contact", "投票": "poll", "系统": "system", "撤回": "recall", "recalled": "recall",
    "photo": "image", "audio": "voice", "document": "file",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class FacetCount:
    key: int | str
    label: str
    count: int


@dataclass
class SearchHit:
    """A matching message, where the query matched in its text, and the messages around it."""

    message: Message
    chat_title: str
    highlights: list[tuple[int, int]]
    snippet: str
    snippet_highlights: list[tuple[int, int]]
    before: list[Message] = field(default_factory=list)
    after: list[Message] = field(default_factory=list)


@dataclass
class SearchResults:
    query: str
    total: int
    hits: list[SearchHit]
    facets: dict[str, list[FacetCount]]
    order: str
    limit: int
    offset: int
    strategy: str  # "index" or "filters" (exact in SQL); "rows", "index+check" or "scan" (texts checked)
    took_ms: float


# -- compiling the text condition ------------------------------------------------------------------
def _relax(node: Node) -> tuple[str | None, bool]:
    """An FTS5 expression matching a superset of ``node``'s messages (None: can't narrow), and whether exact."""
    if isinstance(node, Text):
        plan = plan_substring(node.value)
        return plan.expression, plan.expression is not None and not plan.verify
    if isinstance(node, Or):
        parts = [_relax(item) for item in node.items]
        if any(expression is None for expression, _ in parts):
            return None, False
        return " OR ".join(f"({e})" for e, _ in parts), all(exact for _, exact in parts)
    if isinstance(node, And):
        positives = [_relax(item) for item in node.items if not isinstance(item, Not)]
        negatives = [_relax(item.item) for item in node.items if isinstance(item, Not)]
        usable = [e for e, _ in positives if e is not None]
        if not usable:
            return None, False
        expression = " AND ".join(f"({e})" for e in usable)
        exact = all(e is not None and x for e, x in positives)
        for inner, inner_exact in negatives:
            if inner is not None and inner_exact:
                expression = f"({expression}) NOT ({inner})"
            else:
                exact = False  # checked on the text instead
        return expression, exact
    return None, False  # a lone NOT, or a filter (never here)


def _matches(node: Node, text: str) -> bool:
    if isinstance(node, Text):
        return normalise_for_search(node.value) in text
    if isinstance(node, And):
        return all(_matches(item, text) for item in node.items)
    if isinstance(node, Or):
        return any(_matches(item, text) for item in node.items)
    if isinstance(node, Not):
        return not _matches(node.item, text)
    return True


def _needles(node: Node | None) -> list[str]:
    if isinstance(node, Text):
        return [node.value]
    if isinstance(node, And | Or):
        return [n for item in node.items for n in _needles(item)]
    return []


# -- filters ---------------------------------------------------------------------------------------
def _resolve_filters(store: Store, query: str, filters: tuple[Filter, ...], zone: tzinfo) -> MessageFilter:
    include: dict[str, set[int | str]] = {}
    exclude: dict[str, set[int | str]] = {}
    after = before = None
    has_attachment = None
    for f in filters:
        values: set[int | str]
        if f.name == "from":
            # A person (chatledger people) stands for all their handles; else a handle's id, name or alias.
            persons = [p for p in store.people() if p.name.casefold() == f.value.casefold()]
            handles = [h for person in persons for h in person.handles] or store.find_participants(f.value)
            if not handles:
                raise QueryError(
                    query, f.position, f"from:{f.value} matches no sender or person in the archive"
                )
            values = {h.id or 0 for h in handles}
        elif f.name == "chat":
            chats = store.find_conversations(f.value)
            if not chats:
                raise QueryError(
                    query, f.position, f"chat:{f.value} matches no chat; `chatledger chats` lists them"
                )
            values = {c.id or 0 for c in chats}
        elif f.name == "platform":
            try:
                values = {Platform(f.value.lower()).value}
            except ValueError:
                names = ", ".join(p.value for p in Platform)
                raise QueryError(query, f.position, f"platform:{f.value} is not one of {names}") from None
        elif f.name == "kind":
            kind = KIND_ALIASES.get(f.value.lower(), f.value.lower())
            try:
                values = {MessageKind(kind).value}
            except ValueError:
                names = ", ".join(k.value for k in MessageKind)
                raise QueryError(query, f.position, f"kind:{f.value} is not one of {names}") from None
        elif f.name == "has":
            if f.value.lower() not in ("attachment", "attachments", "file", "media"):
                raise QueryError(query, f.position, "has: takes attachment")
            has_attachment = not f.negated
            continue
        else:  # after, before, on
            if f.negated:
                raise QueryError(
                    query, f.position, f"{f.name}: cannot be negated; use after: or before: instead"
                )
            try:
                moment = parse_user_time(f.value, zone=zone, option=f"{f.name}:")
            except Exception as exc:
                raise QueryError(query, f.position, str(exc)) from None
            if f.name == "after":
                after = max(after or moment, moment)
            elif f.name == "before":
                before = min(before or moment, moment)
            else:
                after = max(after or moment, moment)
                before = min(before or moment + _DAY_MS, moment + _DAY_MS)
            continue
        (exclude if f.negated else include).setdefault(f.name, set()).update(values)

    def pick(name: str) -> frozenset[int | str] | None:
        return frozenset(include[name]) if name in include else None

    def drop(name: str) -> frozenset[int | str]:
        return frozenset(exclude.get(name, ()))

    return MessageFilter(
        conversation_ids=pick("chat"),  # type: ignore[arg-type]
        exclude_conversation_ids=drop("chat"),  # type: ignore[arg-type]
        sender_ids=pick("from"),  # type: ignore[arg-type]
        exclude_sender_ids=drop("from"),  # type: ignore[arg-type]
        platforms=pick("platform"),  # type: ignore[arg-type]
        exclude_platforms=drop("platform"),  # type: ignore[arg-type]
        kinds=pick("kind"),  # type: ignore[arg-type]
        exclude_kinds=drop("kind"),  # type: ignore[arg-type]
        after_ms=after,
        before_ms=before,
        has_attachment=has_attachment,
    )


# -- highlighting ----------------------------------------------------------------------------------
def highlight(text: str, needles: list[str]) -> list[tuple[int, int]]:
    """Character spans of ``text`` where any needle occurs (compared normalised), merged and sorted."""
    pieces = [normalise_for_search(ch) for ch in text]
    joined = "".join(pieces)
    origin: list[int] = []
    for index, piece in enumerate(pieces):
        origin.extend([index] * len(piece))
    spans = []
    for needle in {normalise_for_search(n) for n in needles if n}:
        start = joined.find(needle)
        while start >= 0 and needle:
            end = start + len(needle)
            spans.append((origin[start], origin[end - 1] + 1))
            start = joined.find(needle, start + 1)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def snippet(text: str, spans: list[tuple[int, int]], width: int = 80) -> tuple[str, list[tuple[int, int]]]:
    """A window of ``text`` around the first highlight, with the spans shifted into it."""
    flat = text.replace("\n", " ")
    if len(flat) <= width * 2 or not spans:
        return flat[: width * 2] + ("…" if len(flat) > width * 2 else ""), [
            s for s in spans if s[1] <= width * 2
        ]
    start = max(0, spans[0][0] - width // 2)
    end = min(len(flat), start + width * 2)
    prefix = "…" if start else ""
    shown = prefix + flat[start:end] + ("…" if end < len(flat) else "")
    shift = len(prefix) - start
    return shown, [(a + shift, b + shift) for a, b in spans if a >= start and b <= end]


# -- the search ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CompiledQuery:
    """A parsed query as the store runs it: an FTS5 expression, SQL filters, and whether that is exact.

    ``character`` is set when the whole text condition is one letter or digit: the store then answers
    from its index of each message's characters (and, with no filter, its per-character counts).
    """

    text: Node | None
    match: str | None
    where: MessageFilter
    exact: bool
    character: str | None = None


def compile_query(
    store: Store, query: str, *, zone: tzinfo | None = None, variants: bool = False
) -> CompiledQuery:
    """Parse ``query`` and resolve its filters against the archive (QueryError when malformed).

    With ``variants``, every word or phrase also matches its simplified and traditional Chinese forms
    (OpenCC): 发票 finds 發票 and the other way round.
    """
    parsed: ParsedQuery = parse_query(query)
    where = _resolve_filters(store, query, parsed.filters, zone or ZoneInfo("UTC"))
    text = _with_variants(parsed.text) if variants and parsed.text is not None else parsed.text
    match, exact = (None, True) if text is None else _relax(text)
    character = plan_substring(text.value).character if isinstance(text, Text) else None
    return CompiledQuery(text, match, where, exact, character)


def plan_strategy(store: Store, compiled: CompiledQuery, order: str = "newest") -> str:
    """The cheapest exact way to run a compiled query (see ``SearchResults.strategy``)."""
    if compiled.text is None:
        return "filters"
    where = compiled.where
    if (
        order != "relevance"
        and (where.sender_ids is not None or where.conversation_ids is not None)
        and store.count_candidates(where, ROW_SCAN_LIMIT + 1) <= ROW_SCAN_LIMIT
    ):
        return "rows"
    if compiled.exact:
        return "index"
    return "index+check" if compiled.match is not None else "scan"


def _index_match(compiled: CompiledQuery, order: str) -> tuple[str | None, str]:
    """The expression and the index the store runs it on."""
    if compiled.character is not None and order != "relevance":  # that index has no positions to rank by
        return f'"{compiled.character}"', "characters"
    return compiled.match, "tokens"


def _checked(store: Store, compiled: CompiledQuery, strategy: str, order: str) -> Iterator[SearchRow]:
    """Candidates whose text really matches, in ``order``, read lazily (so a page stops early)."""
    match, index = (None, "tokens") if strategy in ("rows", "scan") else _index_match(compiled, order)
    text = compiled.text
    assert text is not None
    for row in store.search_scan(match, compiled.where, order=order, index=index):
        if _matches(text, normalise_for_search(row.text)):
            yield row


def hit_count(store: Store, compiled: CompiledQuery) -> int:
    """The exact number of messages matching a compiled query."""
    strategy = plan_strategy(store, compiled)
    if strategy in ("index", "filters"):
        match, index = _index_match(compiled, "newest")
        return store.search_count(match, compiled.where, index=index)
    return sum(1 for _ in _checked(store, compiled, strategy, "newest"))


def hit_ids(
    store: Store, compiled: CompiledQuery, *, order: str = "newest", limit: int = 50, offset: int = 0
) -> list[int]:
    """One page of the ids of messages matching a compiled query, in ``order``."""
    strategy = plan_strategy(store, compiled, order)
    if strategy in ("index", "filters"):
        match, index = _index_match(compiled, order)
        return store.search_ids(match, compiled.where, order=order, limit=limit, offset=offset, index=index)
    return [row.id for row in islice(_checked(store, compiled, strategy, order), offset, offset + limit)]


def _with_variants(node: Node) -> Node:
    if isinstance(node, Text):
        forms = dict.fromkeys([node.value, *(c.convert(node.value) for c in _converters())])
        return node if len(forms) == 1 else Or(tuple(Text(form, node.position) for form in forms))
    if isinstance(node, And):
        return And(tuple(_with_variants(item) for item in node.items))
    if isinstance(node, Or):
        return Or(tuple(_with_variants(item) for item in node.items))
    if isinstance(node, Not):
        return Not(_with_variants(node.item))
    return node


@lru_cache(maxsize=1)
def _converters() -> tuple[Any, Any]:
    import opencc

    return opencc.OpenCC("t2s"), opencc.OpenCC("s2t")


def search(
    store: Store,
    query: str,
    *,
    order: str = "newest",
    limit: int = 50,
    offset: int = 0,
    context: int = 0,
    facets: bool = True,
    zone: tzinfo | None = None,
    variants: bool = False,
) -> SearchResults:
    """Find messages matching ``query`` (see ``chatledger.search.query``), newest first by default.

    Counts are exact: what the index cannot decide alone (phrases with punctuation, NOT of such a
    phrase, emoji) is checked against each candidate's text.
    """
    if order not in ORDERS:
        raise QueryError(query, 0, f"order must be one of {', '.join(ORDERS)}")
    started = time.perf_counter()
    compiled = compile_query(store, query, zone=zone, variants=variants)
    where = compiled.where
    if compiled.text is not None and compiled.match is None and order == "relevance":
        order = "newest"
    strategy = plan_strategy(store, compiled, order)
    facet_counts: dict[str, list[tuple[int | str, int]]] = {}
    if strategy in ("index", "filters"):
        match, index = _index_match(compiled, order)
        total = store.search_count(match, where, index=index)
        ids = store.search_ids(match, where, order=order, limit=limit, offset=offset, index=index)
        if facets:
            facet_counts = store.search_facets(match, where, index=index)
    else:
        total, ids = 0, []
        by: dict[str, Counter[int | str]] = {"chat": Counter(), "sender": Counter(), "platform": Counter()}
        for row in _checked(store, compiled, strategy, order):
            if offset <= total < offset + limit:
                ids.append(row.id)
            total += 1
            by["chat"][row.conversation_id] += 1
            by["sender"][row.sender_id if row.sender_id is not None else ""] += 1
            by["platform"][row.platform] += 1
        if facets:
            facet_counts = {name: counter.most_common() for name, counter in by.items()}
    return SearchResults(
        query=query,
        total=total,
        hits=_hits(store, ids, _needles(compiled.text), context),
        facets=_label_facets(store, facet_counts),
        order=order,
        limit=limit,
        offset=offset,
        strategy=strategy,
        took_ms=(time.perf_counter() - started) * 1000,
    )


def _hits(store: Store, ids: list[int], needles: list[str], context: int) -> list[SearchHit]:
    titles = store.conversation_titles() if ids else {}
    hits = []
    for message in store.messages_by_ids(ids):
        spans = highlight(message.text, needles)
        shown, shown_spans = snippet(message.text, spans)
        title = titles.get(message.conversation_id or 0, message.conversation)
        hit = SearchHit(message, title, spans, shown, shown_spans)
        if context:
            hit.before, hit.after = store.neighbours(message.id or 0, before=context, after=context)
        hits.append(hit)
    return hits


def _label_facets(
    store: Store, counts: dict[str, list[tuple[int | str, int]]]
) -> dict[str, list[FacetCount]]:
    if not counts:
        return {}
    titles: dict[int | str, str] = {k: v for k, v in store.conversation_titles().items()}
    participants = store.participants()
    shared = Counter(p.display_name for p in participants)
    # Two handles shown under one name ("我" in two exports) are told apart by their ids.
    names: dict[int | str, str] = {
        p.id or 0: p.display_name if shared[p.display_name] == 1 or p.display_name == p.platform_id
        else f"{p.display_name} ({p.platform_id})"
        for p in participants
    }  # fmt: skip
    labelled: dict[str, list[FacetCount]] = {}
    for name, rows in counts.items():
        if name == "chat":
            labelled[name] = [FacetCount(k, titles.get(k, str(k)), n) for k, n in rows]
        elif name == "sender":
            labelled[name] = [FacetCount(k, names.get(k, "(system)"), n) for k, n in rows]
        else:
            labelled[name] = [FacetCount(k, str(k), n) for k, n in rows]
    return labelled
