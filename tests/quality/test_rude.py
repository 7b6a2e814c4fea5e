"""Negligent and rude agent replies, and polite sentences that contain the same words."""

from __future__ import annotations

import pytest

from chatledger.quality.detectors import rude
from chatledger.quality.findings import Severity
from tests.quality.sessions import agent_says, session

CONFIG = rude.Config.default()


@pytest.mark.parametrize(
    ("text", "detector", "severity"),
    [
        ("不知道", "rude.negligent", Severity.MAJOR),
        ("这个我管不了，你问别人去吧", "rude.negligent", Severity.MAJOR),
        ("自己看页面", "rude.negligent", Severity.MAJOR),
        ("系统就这样，没办法", "rude.negligent", Severity.MAJOR),
        ("Nothing I can do", "rude.negligent", Severity.MAJOR),
        ("爱买不买", "rude.rude", Severity.CRITICAL),
        ("你烦不烦啊，说了多少遍了", "rude.rude", Severity.CRITICAL),
        ("买不起就别买", "rude.rude", Severity.CRITICAL),
        ("有本事你去投诉啊", "rude.rude", Severity.CRITICAL),
    ],
)
def test_fires(text: str, detector: str, severity: Severity) -> None:
    (finding,) = rude.detect(agent_says(text), CONFIG)
    assert (finding.detector, finding.severity) == (detector, severity)
    assert finding.message_ids == (1,)
    assert finding.reason_zh and finding.reason_en


@pytest.mark.parametrize(
    "text",
    [
        "不知道您是否方便提供一下订单号",
        "不知道是否还有其他问题需要帮您",
        "如有不清楚的地方，请随时联系我们",
        "图片不清楚的话，麻烦您重新拍一张",
        "实在没办法及时回复，非常抱歉",
        "您可以在订单页面自己查看物流",
        "滚筒洗衣机的安装师傅明天上门",
        "生活该有的仪式感，这款礼盒都有",
        "非常抱歉，我们马上为您处理",
    ],
)
def test_polite_replies_do_not_fire(text: str) -> None:
    assert rude.detect(agent_says(text), CONFIG) == []


def test_rude_customers_are_not_judged_here() -> None:
    assert rude.detect(session(("c", "你们有病吧"), ("a", "非常抱歉给您带来不便")), CONFIG) == []


def test_the_worst_kind_wins_in_one_message() -> None:
    (finding,) = rude.detect(agent_says("不知道，爱买不买"), CONFIG)
    assert finding.detector == "rude.rude"
    assert finding.data["phrases"] == ["爱买不买"]


def test_the_lexicon_is_editable() -> None:
    config = rude.Config.from_toml({"rude": {"phrases": ["你行你上"]}, "negligent": {"severity": "minor"}})
    (finding,) = rude.detect(agent_says("你行你上啊"), config)
    assert finding.severity is Severity.CRITICAL
    assert rude.detect(agent_says("爱买不买"), config) == []
