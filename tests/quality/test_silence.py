"""Long silences: how long the customer waited, from the first unanswered message."""

from __future__ import annotations

from chatledger.quality.detectors import silence
from chatledger.quality.findings import Severity
from tests.quality.sessions import session

CONFIG = silence.Config.default()


def test_the_wait_runs_from_the_first_unanswered_message() -> None:
    s = session(
        ("c", "在吗"), ("a", "您好", 10), ("c", "我的快递到哪了"), ("c", "有人吗？", 100), ("a", "稍等", 150)
    )
    (finding,) = silence.detect(s, CONFIG)
    assert finding.detector == "silence.long_wait"
    assert finding.message_ids == (3, 5)
    assert finding.data["wait_s"] == 250
    assert finding.severity is Severity.MINOR
    assert "4 分钟" in finding.reason_zh and "4 min" in finding.reason_en


def test_a_long_wait_is_major_and_a_quick_one_is_nothing() -> None:
    slow = session(("c", "发票开好了吗"), ("a", "开好了", 900))
    assert [f.severity for f in silence.detect(slow, CONFIG)] == [Severity.MAJOR]
    quick = session(("c", "发票开好了吗"), ("a", "开好了", 179))
    assert silence.detect(quick, CONFIG) == []


def test_thresholds_follow_the_channel() -> None:
    lines = (("c", "报价含税吗"), ("a", "含税", 240))
    assert silence.detect(session(*lines, channel="support"), CONFIG)
    assert silence.detect(session(*lines, channel="sales"), CONFIG) == []


def test_an_unanswered_question_at_the_end() -> None:
    (finding,) = silence.detect(session(("c", "在吗"), ("a", "在的"), ("c", "退货地址是哪里？")), CONFIG)
    assert (finding.detector, finding.message_ids) == ("silence.unanswered", (3,))


def test_thanks_wait_for_nothing() -> None:
    s = session(
        ("c", "退款到了吗"), ("a", "已经退了"), ("c", "好的，谢谢！"), ("a", "不客气", 3000), ("c", "嗯嗯 👍")
    )
    assert silence.detect(s, CONFIG) == []
