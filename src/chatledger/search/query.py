"""The search query language: words, "exact phrases", AND / OR / NOT, parentheses, and filters.

    退货 OR 换货                    either word
    "好的，谢谢" -chat:测试群        a phrase, NOT in a chat
    (赔偿 OR 违约) from:张三 after:2024-05-01 kind:text
    has:attachment platform:wechat on:2024-05-01

Words next to each other are ANDed. ``-x`` and ``NOT x`` negate; ``|`` is OR. Every word or phrase
matches as a substring of the normalised text (case-, width-insensitive). Filters (``from:`` ``chat:``
``platform:`` ``kind:`` ``after:`` ``before:`` ``on:`` ``has:``) apply to the whole query: the same
filter given twice means either value, different filters all apply. Chinese quotes “…” work too.
"""

from __future__ import annotations

from dataclasses import dataclass

from chatledger.errors import InputError

FILTERS = ("from", "chat", "platform", "kind", "after", "before", "on", "has")
_ALIASES = {"sender": "from", "in": "chat", "type": "kind", "since": "after", "until": "before"}
_QUOTES = {'"': '"', "“": "”", "「": "」"}


class QueryError(InputError):
    """A malformed query; the message shows the query with a caret under the offending part."""

    def __init__(self, query: str, position: int, problem: str) -> None:
        caret = " " * position + "^"
        super().__init__(f"search query: {problem}\n  {query}\n  {caret}")
        self.position = position


@dataclass(frozen=True, slots=True)
class Text:
    """A word or phrase, matched as a substring."""

    value: str
    position: int


@dataclass(frozen=True, slots=True)
class Filter:
    name: str
    value: str
    position: int
    negated: bool = False


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Node


Node = Text | Filter | And | Or | Not


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """The text part of a query (None: no text condition) and its top-level filters."""

    text: Node | None
    filters: tuple[Filter, ...]


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # word, phrase, filter, and, or, not, lparen, rparen
    value: str
    position: int
    name: str = ""


def _tokenise(query: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(query)
    while i < n:
        char = query[i]
        if char.isspace():
            i += 1
        elif char in "()（）":
            tokens.append(_Token("lparen" if char in "(（" else "rparen", char, i))
            i += 1
        elif char == "|":
            tokens.append(_Token("or", char, i))
            i += 1
        elif (
            char == "-"
            and i + 1 < n
            and not query[i + 1].isspace()
            and (i == 0 or query[i - 1].isspace() or query[i - 1] in "(（")
        ):
            tokens.append(_Token("not", char, i))
            i += 1
        elif char in _QUOTES:
            value, i = _quoted(query, i)
            tokens.append(_Token("phrase", value, i - len(value) - 2))
        else:
            start = i
            while i < n and not query[i].isspace() and query[i] not in "()（）" and query[i] not in _QUOTES:
                i += 1
            word = query[start:i]
            name, sep, value = word.partition(":")
            name = _ALIASES.get(name.lower(), name.lower())
            if sep and name in FILTERS:
                if not value and i < n and query[i] in _QUOTES:
                    value, i = _quoted(query, i)
                if not value:
                    raise QueryError(query, start, f"{name}: needs a value, e.g. {name}:{_EXAMPLE[name]}")
                tokens.append(_Token("filter", value, start, name))
            elif word in ("AND", "OR", "NOT"):
                tokens.append(_Token(word.lower(), word, start))
            else:
                tokens.append(_Token("word", word, start))
    return tokens


_EXAMPLE = {
    "from": "张三",
    "chat": "售后群",
    "platform": "wechat",
    "kind": "transfer",
    "after": "2024-05-01",
    "before": "2024-06-01",
    "on": "2024-05-01",
    "has": "attachment",
}


def _quoted(query: str, start: int) -> tuple[str, int]:
    close = _QUOTES[query[start]]
    end = query.find(close, start + 1)
    if end < 0:
        raise QueryError(query, start, f"this quote is never closed; add a closing {close}")
    value = query[start + 1 : end]
    if not value.strip():
        raise QueryError(query, start, "an empty phrase finds nothing; put words between the quotes")
    return value, end + 1


class _Parser:
    def __init__(self, query: str, tokens: list[_Token]) -> None:
        self.query = query
        self.tokens = tokens
        self.index = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def parse_or(self) -> Node:
        items = [self.parse_and()]
        while (token := self.peek()) is not None and token.kind == "or":
            self.take()
            if self.peek() is None or self.peek().kind in ("or", "rparen"):  # type: ignore[union-attr]
                raise QueryError(self.query, token.position, "OR needs something after it")
            items.append(self.parse_and())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def parse_and(self) -> Node:
        items: list[Node] = []
        while (token := self.peek()) is not None and token.kind not in ("or", "rparen"):
            if token.kind == "and":
                self.take()
                following = self.peek()
                if not items or following is None or following.kind in ("or", "rparen", "and"):
                    raise QueryError(self.query, token.position, "AND needs something on both sides")
                continue
            items.append(self.parse_unary())
        if not items:
            token = self.peek()
            position = token.position if token else len(self.query)
            raise QueryError(self.query, position, "expected a word, phrase or filter here")
        return items[0] if len(items) == 1 else And(tuple(items))

    def parse_unary(self) -> Node:
        token = self.take()
        if token.kind == "not":
            if self.peek() is None or self.peek().kind in ("or", "rparen", "and"):  # type: ignore[union-attr]
                raise QueryError(self.query, token.position, "NOT needs something after it")
            return Not(self.parse_unary())
        if token.kind == "lparen":
            if self.peek() is not None and self.peek().kind == "rparen":  # type: ignore[union-attr]
                raise QueryError(self.query, token.position, "empty parentheses")
            inner = self.parse_or()
            closing = self.peek()
            if closing is None or closing.kind != "rparen":
                raise QueryError(self.query, token.position, "this parenthesis is never closed")
            self.take()
            return inner
        if token.kind == "rparen":
            raise QueryError(self.query, token.position, "this parenthesis closes nothing")
        if token.kind == "filter":
            return Filter(token.name, token.value, token.position)
        return Text(token.value, token.position)


def _split_filters(query: str, node: Node) -> ParsedQuery:
    """Lift top-level filters out; a filter under OR or NOT is refused (filters apply to the whole query)."""
    items = node.items if isinstance(node, And) else (node,)
    filters: list[Filter] = []
    rest: list[Node] = []
    for item in items:
        if isinstance(item, Filter):
            filters.append(item)
        elif isinstance(item, Not) and isinstance(item.item, Filter):
            filters.append(Filter(item.item.name, item.item.value, item.item.position, negated=True))
        else:
            rest.append(item)
    for item in rest:
        _refuse_nested_filters(query, item)
    text: Node | None = None
    if rest:
        text = rest[0] if len(rest) == 1 else And(tuple(rest))
    return ParsedQuery(text, tuple(filters))


def _refuse_nested_filters(query: str, node: Node) -> None:
    if isinstance(node, Filter):
        raise QueryError(
            query,
            node.position,
            f"{node.name}: applies to the whole query; move it outside OR and parentheses",
        )
    if isinstance(node, And | Or):
        for item in node.items:
            _refuse_nested_filters(query, item)
    elif isinstance(node, Not):
        _refuse_nested_filters(query, node.item)


def parse_query(query: str) -> ParsedQuery:
    """Parse a query string; a malformed one raises QueryError pointing at the offending part."""
    if not query.strip():
        raise QueryError(query, 0, "the query is empty")
    tokens = _tokenise(query)
    parser = _Parser(query, tokens)
    node = parser.parse_or()
    if parser.peek() is not None:
        token = parser.take()
        raise QueryError(query, token.position, "this parenthesis closes nothing")
    return _split_filters(query, node)
