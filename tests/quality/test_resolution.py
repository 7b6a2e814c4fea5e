"""Resolution from the customer's last words; satisfaction ratings in system and customer messages."""

from __future__ import annotations

import pytest

from chatledger.quality.detectors import resolution
from chatledger.quality.detectors.resolution import Outcome
from chatledger.quality.findings import Severity
from tests.quality.sessions import session

CONFIG = resolution.Config.default()


@pytest.mark.parametrize(
    ("last", "outcome"),
    [
        ("好的谢谢", Outcome.RESOLVED),
        ("解决了，辛苦了", Outcome.RESOLVED),
        ("可以了", Outcome.RESOLVED),
        ("还是不行", Outcome.UNRESOLVED),
        ("问题根本没解决", Outcome.UNRESOLVED),
        ("算了，我去投诉", Outcome.UNRESOLVED),
        ("解决了吗？", Outcome.UNCONFIRMED),
        ("那我现在要做什么", Outcome.UNCONFIRMED),
    ],
)
def test_the_last_words_decide(last: str, outcome: Outcome) -> None:
    s = session(("c", "我的快递怎么还没到？"), ("a", "已经帮您催了"), ("c", last))
    assert resolution.resolve(s, CONFIG).outcome is outcome


def test_the_opening_complaint_is_the_problem_not_the_outcome() -> None:
    s = session(("c", "快递还没到"), ("c", "订单号123"), ("c", "在吗"), ("a", "帮您催了"), ("c", "好的"))
    assert resolution.resolve(s, CONFIG).outcome is Outcome.UNCONFIRMED


def test_a_later_unresolved_signal_overrides_thanks() -> None:
    s = session(("c", "好的谢谢"), ("a", "不客气"), ("c", "等等，还是不行"))
    (finding,) = [f for f in resolution.detect(s, CONFIG) if f.detector.startswith("resolution.")]
    assert (finding.detector, finding.severity, finding.message_ids) == (
        "resolution.unresolved",
        Severity.MAJOR,
        (3,),
    )


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        ("评价：非常满意", 5),
        ("服务评价：不满意", 2),
        ("用户评分：4分", 4),
        ("给你5星好评", 5),
        ("五星好评！", 5),
        ("★★★☆☆", 3),
        ("满意度：1", 1),
        ("Rating: 4/5", 4),
    ],
)
def test_ratings(text: str, rating: int) -> None:
    assert resolution.resolve(session(("a", "您好"), ("s", text)), CONFIG).rating == rating


@pytest.mark.parametrize("text", ["我是3星期前买的", "评价晚点再说", "等了5分钟", "这款有4星级酒店同款"])
def test_not_ratings(text: str) -> None:
    assert resolution.resolve(session(("c", text)), CONFIG).rating is None


def test_a_poor_rating_is_major() -> None:
    findings = resolution.detect(session(("c", "好的"), ("s", "评分：1")), CONFIG)
    (low,) = [f for f in findings if f.detector == "resolution.low_rating"]
    assert low.severity is Severity.MAJOR and low.data == {"rating": 1, "scale": 5}


def test_an_agent_asking_for_five_stars_is_no_rating() -> None:
    assert resolution.resolve(session(("a", "如果满意请给个五星好评哦")), CONFIG).rating is None
