"""How text is indexed so that any substring a user types is found, Chinese included.

Why this design (and not jieba words or the trigram tokenizer):

* Word segmentation misses substrings: 赔偿 inside 赔偿金 is found, but 偿金 or a name split
  differently is not. A plain substring scan is the user's expectation.
* FTS5's trigram tokenizer cannot match 1- or 2-character terms, and most Chinese words have two
  characters (赔偿, 退货); such queries fall back to a full scan (1.6 s at 10 M messages here).

So text is normalised (NFKC: full-width and half-width forms agree; casefold: Latin is
case-insensitive), split into *runs* of letters and digits (anything ``str.isalnum``), and each run
of n characters is indexed as n tokens: its n-1 overlapping character bigrams followed by its last
character alone. "退货了" gives ``退货 货了 了``; "iPhone" gives ``ip ph ho on ne e``.

Every character of a run starts exactly one token, so:

* a 1-character query ``c`` is the prefix query ``c*`` (a token starting with c);
* a query run of k ≥ 2 characters is the phrase of its k-1 bigrams: consecutive positions occur only
  inside one indexed run, because every run ends with its single-character token;
* a query with several runs (a space or punctuation inside) is the phrase of all their tokens, the
  inner runs keeping their final single character (the document's run must end there too); the
  separators themselves are not indexed, so those hits are verified against the normalised text.

Emitted tokens contain only letters and digits, so FTS5's ``ascii`` tokenizer (every non-ASCII
character is a token character, ASCII punctuation separates) keeps each one whole.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from operator import add

_RUN = re.compile(r"[^\W_]+")
# At every position that starts a run character: that character and, if it also is one, the next.
_TOKEN = re.compile(r"(?=([^\W_][^\W_]?))")


def normalise_for_search(text: str) -> str:
    """The form both documents and queries are compared in: NFKC, casefolded."""
    if text.isascii():
        return text.lower()
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return text.casefold()


def index_tokens(text: str) -> str:
    """The token string stored in the index for a message text (each run's bigrams, then its last char)."""
    return " ".join(_TOKEN.findall(normalise_for_search(text)))


@dataclass(frozen=True, slots=True)
class SubstringPlan:
    """How to find one substring: an FTS5 expression, and whether hits need checking against the text.

    ``expression`` is None when the substring has no letter or digit (e.g. only emoji or punctuation):
    then only a scan can answer.
    """

    needle: str
    expression: str | None
    verify: bool


def plan_substring(query: str) -> SubstringPlan:
    """Plan the search for messages whose normalised text contains ``query`` (normalised)."""
    needle = normalise_for_search(query)
    runs = [(m.group(), m.end()) for m in _RUN.finditer(needle)]
    if not runs:
        return SubstringPlan(needle, None, True)
    tokens: list[str] = []
    prefix = False
    for index, (run, end) in enumerate(runs):
        # A run followed by a separator in the query must end a run in the text as well; the last run,
        # when the query ends with it, may continue in the text.
        closed = index < len(runs) - 1 or end < len(needle)
        if len(run) > 1:
            tokens.extend(map(add, run, run[1:]))
            if closed:
                tokens.append(run[-1])
        else:
            tokens.append(run)
            prefix = not closed
    expression = '"' + " ".join(tokens) + '"' + (" *" if prefix else "")
    return SubstringPlan(needle, expression, verify=len(runs) > 1 or runs[0][0] != needle)
