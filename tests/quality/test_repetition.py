"""Copy-paste repetition of long agent replies within a session."""

from __future__ import annotations

from chatledger.quality.detectors import repetition
from tests.quality.sessions import session

CONFIG = repetition.Config.default()
LONG = "亲，您的问题已经反馈给仓库，会尽快给您答复"


def test_three_copies_fire_and_name_every_copy() -> None:
    s = session(("a", LONG), ("c", "然后呢"), ("a", LONG + "！"), ("c", "？？"), ("a", " " + LONG))
    (finding,) = repetition.detect(s, CONFIG)
    assert finding.message_ids == (1, 3, 5)
    assert finding.data["count"] == 3


def test_numbers_do_not_hide_a_template() -> None:
    s = session(*(("a", f"您的订单{n}已经发货，请耐心等待物流更新") for n in (1001, 2002, 3003)))
    assert len(repetition.detect(s, CONFIG)) == 1


def test_two_copies_or_short_replies_do_not_fire() -> None:
    assert repetition.detect(session(("a", LONG), ("a", LONG)), CONFIG) == []
    assert repetition.detect(session(*(("a", "好的亲") for _ in range(5))), CONFIG) == []


def test_customers_repeating_themselves_is_not_copy_paste() -> None:
    assert (
        repetition.detect(
            session(*(("c", "我的快递到底什么时候能到啊，已经等了一周了") for _ in range(4))), CONFIG
        )
        == []
    )
