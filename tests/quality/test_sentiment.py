"""Lexicon sentiment with negation and degree; anger rising; agent calmness."""

from __future__ import annotations

import pytest

from chatledger.quality.detectors import sentiment
from tests.quality.sessions import session

CONFIG = sentiment.Config.default()


def score(text: str) -> tuple[float, float]:
    (s,) = sentiment.message_sentiments(session(("c", text)), CONFIG)
    return s.score, s.anger


@pytest.mark.parametrize(
    "text", ["服务态度很好", "谢谢客服，问题解决了", "非常满意", "没问题", "给力，五星好评", "great, thanks"]
)
def test_positive(text: str) -> None:
    assert score(text)[0] > 0.2


@pytest.mark.parametrize(
    "text",
    [
        "客服一直在推卸责任，太失望了",
        "什么破服务",
        "不是很满意",
        "太差了，再也不买了",
        "还是不行",
        "Worst service ever",
    ],
)
def test_negative(text: str) -> None:
    assert score(text)[0] < -0.2


@pytest.mark.parametrize("text", ["不好意思，让您久等了", "非常抱歉给您带来不便", "在吗", "订单号 1234567"])
def test_neutral(text: str) -> None:
    assert abs(score(text)[0]) < 0.1


def test_degree_and_exclamations_raise_intensity() -> None:
    assert score("非常满意")[0] > score("满意")[0]
    assert score("我要投诉！！")[1] >= score("我要投诉")[1]
    assert score("气死我了")[1] >= CONFIG.angry_level


def test_anger_rising_names_the_angry_messages() -> None:
    s = session(
        ("c", "你好，我的快递到哪了"),
        ("a", "您好，我帮您查一下"),
        ("c", "怎么还没到"),
        ("a", "已经催了"),
        ("c", "等了5天了还没人处理！"),
        ("c", "我要投诉！！"),
    )
    findings = {f.detector: f for f in sentiment.detect(s, CONFIG)}
    assert "sentiment.anger_rising" in findings
    assert findings["sentiment.anger_rising"].message_ids[0] == 1
    assert 6 in findings["sentiment.anger_rising"].message_ids
    assert "sentiment.agent_not_calm" not in findings


def test_a_customer_angry_from_the_start_is_angry_not_rising() -> None:
    s = session(("c", "什么破服务"), ("c", "太差了"), ("a", "非常抱歉"), ("c", "气死我了"))
    detectors = [f.detector for f in sentiment.detect(s, CONFIG)]
    assert detectors == ["sentiment.customer_angry"]


def test_an_agent_losing_temper() -> None:
    s = session(("c", "还没到"), ("a", "非常抱歉，我马上处理"), ("a", "烦死了，你自己等着吧！！"))
    (finding,) = [f for f in sentiment.detect(s, CONFIG) if f.detector == "sentiment.agent_not_calm"]
    assert finding.message_ids == (3,)
