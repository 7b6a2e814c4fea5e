"""The query language: what parses to what, and errors that point at the offending part."""

from __future__ import annotations

import pytest

from chatledger.search.query import And, Filter, Not, Or, QueryError, Text, parse_query


def test_words_phrases_and_operators() -> None:
    parsed = parse_query('退货 "好的，谢谢" OR 换货 -投诉')
    assert parsed.filters == ()
    assert parsed.text == Or(
        (And((Text("退货", 0), Text("好的，谢谢", 3))), And((Text("换货", 14), Not(Text("投诉", 18)))))
    )


def test_parentheses_and_explicit_and_not() -> None:
    query = "(赔偿 OR 违约) AND NOT 测试"
    parsed = parse_query(query)
    at = query.index
    assert parsed.text == And(
        (Or((Text("赔偿", at("赔偿")), Text("违约", at("违约")))), Not(Text("测试", at("测试"))))
    )


def test_filters_are_lifted_and_negatable() -> None:
    query = '赔偿 from:张三 -chat:测试群 after:2024-05-01 kind:转账 from:"Li Lei"'
    parsed = parse_query(query)
    at = query.index
    assert parsed.text == Text("赔偿", 0)
    assert parsed.filters == (
        Filter("from", "张三", at("from:张三")),
        Filter("chat", "测试群", at("chat:"), negated=True),
        Filter("after", "2024-05-01", at("after:")),
        Filter("kind", "转账", at("kind:")),
        Filter("from", "Li Lei", at('from:"')),
    )


def test_chinese_quotes_and_full_width_parentheses() -> None:
    assert parse_query("“好的 谢谢”").text == Text("好的 谢谢", 0)
    assert parse_query("（退货 | 换货）").text == Or((Text("退货", 1), Text("换货", 6)))


def test_words_with_colons_that_are_not_filters_are_words() -> None:
    assert parse_query("10:30 http://x.cn").text == And((Text("10:30", 0), Text("http://x.cn", 6)))
    assert parse_query("a-b").text == Text("a-b", 0)


@pytest.mark.parametrize(
    ("query", "position", "problem"),
    [
        ("", 0, "empty"),
        ('赔偿 "违约', 3, "never closed"),
        ("(赔偿 OR 违约", 0, "never closed"),
        ("赔偿)", 2, "closes nothing"),
        ("赔偿 OR", 3, "needs something after"),
        ("AND 赔偿", 0, "both sides"),
        ("from: 张三", 0, "needs a value"),
        ("赔偿 OR from:张三", 6, "whole query"),
        ("NOT", 0, "needs something after"),
        ("()", 0, "empty parentheses"),
        ('""', 0, "empty phrase"),
    ],
)
def test_errors_point_at_the_problem(query: str, position: int, problem: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(query)
    assert caught.value.position == position
    assert problem in str(caught.value)
    assert str(caught.value).splitlines()[-1] == "  " + " " * position + "^"
