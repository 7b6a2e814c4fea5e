"""The bigram index finds exactly what a substring scan of the normalised text finds."""

from __future__ import annotations

import random

import apsw
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chatledger.search.tokens import index_tokens, normalise_for_search, plan_substring

ALPHABET = list("退货赔偿违约好的谢谢您请问订单号发abcABC12 ，,。!？ -_\u3000ａＢ①😀éßİ\u200e")


def _table(docs: list[str]) -> apsw.Connection:
    db = apsw.Connection(":memory:")
    db.execute(
        "CREATE VIRTUAL TABLE s USING fts5(tokens, content='', contentless_delete=1, tokenize='ascii', detail=full)"
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
            query = doc[start : rng.randint(start + 1, min(len(doc), start + 6))]
        else:
            query = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 4)))
        truth = {i for i, text in enumerate(normalised) if normalise_for_search(query) in text}
        assert _found(db, query, normalised) == truth, query


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(ALPHABET), max_size=12), min_size=1, max_size=8), st.data())
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
    assert plan_substring("赔").expression == '"赔" *'
    assert plan_substring("退货了").expression == '"退货 货了"'
    assert plan_substring("ＰＨＯＮＥ").expression == '"ph ho on ne"'
    assert plan_substring("好的，谢谢").verify
    assert plan_substring("😀").expression is None
    assert index_tokens("iPhone 退货了!") == "ip ph ho on ne e 退货 货了 了"
