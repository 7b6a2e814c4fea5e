"""How text is indexed so that any substring a user types is found, Chinese included.

Why this design (and not jieba words or the trigram tokenizer):

* Word segmentation misses substrings: 赔偿 inside 赔偿金 is found, but 偿金 or a name split
  differently is not. A plain substring scan is the user's expectation.
* FTS5's trigram tokenizer cannot match 1- or 2-character terms, and most Chinese words have two
  characters (赔偿, 退货); such queries fall back to a full scan (1.6 s at 10 M messages here).

So text is normalised (NFKC: full-width and half-width forms agree; casefold: Latin is
case-insensitive) and read as alternating *runs* of letters and digits (anything ``str.isalnum``)
and *separators* (everything else: spaces, punctuation, emoji). Each run of n characters gives n
tokens: its n-1 overlapping character bigrams, then its last character joined to the separator that
follows it (its first 8 characters; nothing at the end of the text). "退货了!" gives ``退货 货了 了!``;
"iPhone 15" gives ``ip ph ho on ne e␠ 15 5``.

Every character of a run starts exactly one token, so:

* a 1-character query ``c`` is the prefix query ``c*`` (a token starting with c); the store answers
  it from a smaller index of the distinct characters of each message instead;
* a query run of k ≥ 2 characters is the phrase of its k-1 bigrams: consecutive bigrams occur only
  inside one indexed run;
* a query with separators inside ("好的，谢谢", "OK thanks") is the phrase of all its tokens: a run
  followed by a separator ends with the token of its last character and that separator, which only
  the end of a text's run followed by exactly that separator has; a separator the query ends with
  makes that last token a prefix. Such phrases are exact and no slower than plain words (a token like
  ``亲,`` is rarer than ``亲``). Only a query that starts with a separator, or holds one of 8 or more
  characters, needs its hits checked against the text.

Tokens are joined by U+001F; the FTS5 ``ascii`` tokenizer is told that every printable ASCII
character is a token character (``TOKENIZER``), so only U+001F and the other ASCII controls split
tokens; controls inside a separator are mapped to private-use characters first.

Documents are tokenised by the compiled ``_tokenize`` module (built with the package; 3× faster than the
regex with normalising included, 8× for the characters: ``benchmarks/bench_tokens.py``);
``python_index_tokens`` and ``python_index_characters`` are the same rules in Python, used where the
module was not built and by the tests that hold the two equal.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from operator import add

SEPARATOR_LIMIT = 8
DELIMITER = "\x1f"
TOKENIZER = (
    "ascii tokenchars '"
    + "".join(chr(c) for c in range(0x20, 0x7F) if not chr(c).isalnum()).replace("'", "''")
    + "'"
)
"""The FTS5 tokenize option (unquoted) for the index: printable ASCII punctuation and space stay in tokens."""

_PIECE = re.compile(r"[^\W_]+|[\W_]+")
# At every run character: it and the next, if that is one too, else up to SEPARATOR_LIMIT characters of
# the separator that follows.
_TOKEN = re.compile(rf"(?=([^\W_](?:[^\W_]|[\W_]{{1,{SEPARATOR_LIMIT}}})?))")
_ASCII_SEPARATORS = frozenset(chr(c) for c in range(0x80) if not chr(c).isalnum())
_CONTROLS = {c: 0xE000 + c for c in (*range(0x20), 0x7F)}
# NFKC maps these to ASCII (U+FF01-FF5E) and a space (U+3000); mapping them first with translate
# leaves most Chinese texts already normalised, which is three times faster than normalising.
_FULL_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def normalise_for_search(text: str) -> str:
    """The form both documents and queries are compared in: NFKC, casefolded."""
    if text.isascii():
        return text.lower()
    text = text.translate(_FULL_WIDTH)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return text.casefold()


def _printable(normalised: str) -> str:
    return normalised if normalised.isprintable() else normalised.translate(_CONTROLS)


def python_index_tokens(text: str) -> str:
    """The token string stored in the index for a message text (see the module docstring)."""
    return DELIMITER.join(_TOKEN.findall(_printable(normalise_for_search(text))))


def python_index_characters(tokens: str) -> str:
    """The distinct characters of a message's ``index_tokens`` less ASCII separators, joined by
    ``DELIMITER`` in order of first appearance: every letter and digit of its text (each starts a
    token), and the non-ASCII separators within its tokens."""
    return DELIMITER.join(dict.fromkeys(c for c in tokens if c not in _ASCII_SEPARATORS))


index_tokens: Callable[[str], str]
"""The token string stored in the index for a message text (``python_index_tokens``, compiled)."""
index_characters: Callable[[str], str]
"""The index characters of a token string (``python_index_characters``, compiled)."""
try:
    from chatledger.search import _tokenize
except ImportError:  # built without a C compiler: the same rules, slower
    index_tokens, index_characters = python_index_tokens, python_index_characters
else:

    def _compiled_index_tokens(text: str) -> str:
        return _tokenize.tokens(normalise_for_search(text))

    index_tokens, index_characters = _compiled_index_tokens, _tokenize.characters


def _quoted(tokens: list[str]) -> str:
    return '"' + DELIMITER.join(tokens).replace('"', '""') + '"'


@dataclass(frozen=True, slots=True)
class SubstringPlan:
    """How to find one substring: an FTS5 expression, and whether hits need checking against the text.

    ``expression`` is None when the substring has no letter or digit (e.g. only emoji or punctuation):
    then only a scan can answer. ``character`` is set when the substring is one letter or digit.
    """

    needle: str
    expression: str | None
    verify: bool
    character: str | None = None


def plan_substring(query: str) -> SubstringPlan:
    """Plan the search for messages whose normalised text contains ``query`` (normalised)."""
    needle = normalise_for_search(query)
    pieces = _PIECE.findall(_printable(needle))
    verify = False
    if pieces and not pieces[0][0].isalnum():
        # The text's separator must end with this one: not expressible, so it is checked afterwards.
        pieces = pieces[1:]
        verify = True
    if not pieces:
        return SubstringPlan(needle, None, True)
    if len(pieces) == 1 and len(pieces[0]) == 1 and not verify:
        return SubstringPlan(needle, _quoted(pieces) + " *", False, character=pieces[0])
    tokens: list[str] = []
    prefix = False
    for index, piece in enumerate(pieces):
        if not piece[0].isalnum():
            # Joined to the run before it; the text's separator must equal it, or begin with it at the end.
            verify = verify or len(piece) >= SEPARATOR_LIMIT
            tokens[-1] += piece[:SEPARATOR_LIMIT]
            prefix = index == len(pieces) - 1
            continue
        tokens.extend(map(add, piece, piece[1:]))
        if index < len(pieces) - 1:
            tokens.append(piece[-1])  # the separator that follows is joined to it
        elif len(piece) == 1:
            tokens.append(piece)
            prefix = True
    return SubstringPlan(needle, _quoted(tokens) + (" *" if prefix else ""), verify)
