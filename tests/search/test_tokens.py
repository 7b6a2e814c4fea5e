"""The bigram index finds exactly what a substring scan of the normalised text finds."""

from __future__ import annotations

import random
import unicodedata
from pathlib import Path

import apsw
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chatledger.search.tokens import (
    DELIMITER,
    SEPARATOR_LIMIT,
    TOKENIZER,
    index_characters,
    index_tokens,
    normalise_for_search,
    plan_substring,
    python_index_characters,
    python_index_tokens,
)
from chatledger.store import SQLiteStore

# Separators of every kind: spaces, ASCII and full-width punctuation, quotes, controls, emoji, '=' that
# composes with U+0338 under NFKC, and a run longer than the separator token limit.
ALPHABET = [
    *"退货赔偿违约好的谢谢您请问订单号发abcABC12 ，,。!？ -_\u3000ａＢ①😀éßİ\u200e\n\t\"'=\u0338\x1f",
    "!" * (SEPARATOR_LIMIT + 1),
]

_QUOTED_TOKENIZER = '"' + TOKENIZER.replace('"', '""') + '"'


def _table(docs: list[str]) -> apsw.Connection:
    """The archive's own search table (migration 0009), filled with ``docs``."""
    db = apsw.Connection(":memory:")
    db.execute(
        "CREATE VIRTUAL TABLE s USING fts5(tokens, content='', columnsize=0, detail=full, "
        f"tokenize={_QUOTED_TOKENIZER})"
    )
    db.executemany(
        "INSERT INTO s (rowid, tokens) VALUES (?, ?)", [(i, index_tokens(d)) for i, d in enumerate(docs)]
    )
    return db


def _found(db: apsw.Connection, query: str, normalised: list[str]) -> set[int]:
    plan = plan_substring(query)
    if plan.expression is None:
        return {i for i, text in enumerate(normalised) if plan.needle in text}
    hits = {row[0] for row in db.execute("SELECT rowid FROM s WHERE s MATCH ?", (plan.expression,))}
    return {i for i in hits if plan.needle in normalised[i]} if plan.verify else hits


@pytest.mark.parametrize("seed", range(3))
def test_random_substrings_match_a_scan(seed: int) -> None:
    rng = random.Random(seed)
    docs = ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 25))) for _ in range(1500)]
    db = _table(docs)
    normalised = [normalise_for_search(d) for d in docs]
    for _ in range(1500):
        doc = docs[rng.randrange(len(docs))]
        if rng.random() < 0.8 and doc:
            start = rng.randrange(len(doc))
            query = doc[start : rng.randint(start + 1, min(len(doc), start + 12))]
        else:
            query = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 4)))
        truth = {i for i, text in enumerate(normalised) if normalise_for_search(query) in text}
        assert _found(db, query, normalised) == truth, query


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(ALPHABET), max_size=12).map("".join), min_size=1, max_size=8), st.data()
)
def test_any_substring_of_any_document_is_found(docs: list[str], data: st.DataObject) -> None:
    db = _table(docs)
    normalised = [normalise_for_search(d) for d in docs]
    doc = data.draw(st.sampled_from(docs))
    if not doc:
        return
    start = data.draw(st.integers(0, len(doc) - 1))
    query = doc[start : data.draw(st.integers(start + 1, len(doc)))]
    truth = {i for i, text in enumerate(normalised) if normalise_for_search(query) in text}
    assert _found(db, query, normalised) == truth


def test_plans() -> None:
    assert plan_substring("赔偿").expression == '"赔偿"' and not plan_substring("赔偿").verify
    assert plan_substring("赔").expression == '"赔" *' and plan_substring("赔").character == "赔"
    assert plan_substring("退货了").expression == '"退货\x1f货了"'
    assert plan_substring("ＰＨＯＮＥ").expression == '"ph\x1fho\x1fon\x1fne"'
    # A run followed by a separator ends with a token of its last character and that separator: exact.
    good = plan_substring("好的，谢谢")
    assert good.expression == '"好的\x1f的,\x1f谢谢"' and not good.verify
    assert plan_substring("了，").expression == '"了," *' and not plan_substring("了，").verify
    assert plan_substring("a b").expression == '"a \x1fb" *'
    assert plan_substring('say "hi').expression == '"sa\x1fay\x1fy ""\x1fhi"'
    assert plan_substring("，谢谢").verify  # a leading separator must end the text's: checked
    assert plan_substring("a" + "!" * SEPARATOR_LIMIT + "b").verify
    assert plan_substring("😀").expression is None
    assert index_tokens("iPhone 退货了!") == DELIMITER.join(
        ["ip", "ph", "ho", "on", "ne", "e ", "退货", "货了", "了!"]
    )
    assert index_tokens("，a\nb") == DELIMITER.join(["a\ue00a", "b"])
    assert index_characters(index_tokens("Ａb，b😀")) == DELIMITER.join(["a", "b", "😀"])


def test_the_compiled_tokenizer_is_built() -> None:
    """The package builds it (setup.py); without it imports run on the slower Python rules."""
    from chatledger.search import _tokenize

    assert index_tokens("退货了!") == _tokenize.tokens("退货了!")


_ANY_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
_SEPARATOR_HEAVY = st.lists(st.sampled_from(ALPHABET), max_size=30).map("".join)


@settings(max_examples=3000, deadline=None)
@given(st.one_of(_ANY_TEXT, _SEPARATOR_HEAVY))
def test_compiled_rules_equal_the_python_rules(text: str) -> None:
    tokens = index_tokens(text)
    assert tokens == python_index_tokens(text)
    assert index_characters(tokens) == python_index_characters(tokens)


def test_compiled_rules_equal_the_python_rules_for_every_character() -> None:
    """Each code point alone, after a letter and before a run: str.isalnum in C and Python agree."""
    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        c = chr(code)
        text = f"a{c}{c}b{c}"
        assert index_tokens(text) == python_index_tokens(text), hex(code)
        assert index_characters(c + "a") == python_index_characters(c + "a"), hex(code)


def test_full_width_forms_are_mapped_as_nfkc_maps_them() -> None:
    for code in [*range(0xFF01, 0xFF5F), 0x3000]:
        assert (
            normalise_for_search(chr(code) + "好")
            == unicodedata.normalize("NFKC", chr(code) + "好").casefold()
        )
    assert normalise_for_search("＝\u0338") == "≠"


def test_archive_tables_use_the_tokenizer(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "a.db")
    sql = [
        row[0]
        for row in store._all(
            "SELECT sql FROM sqlite_master WHERE name IN ('message_search', 'message_chars')"
        )
    ]
    assert len(sql) == 2 and all(f"tokenize = {_QUOTED_TOKENIZER}" in s for s in sql)
