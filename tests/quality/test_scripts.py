"""Standard scripts matched fuzzily; what a session misses per channel."""

from __future__ import annotations

import pytest

from chatledger.quality.detectors import scripts
from chatledger.quality.detectors._lexicon import ConfigValueError
from tests.quality.sessions import session

CONFIG = scripts.Config.default()


def detectors(*lines: tuple[str, str], channel: str = "support") -> list[str]:
    return [f.detector for f in scripts.detect(session(*lines, channel=channel), CONFIG)]


@pytest.mark.parametrize(
    "greeting",
    [
        "您好，很高兴为您服务",
        "你好呀很高兴为你服务",
        "亲亲您好，请问有什么需要帮助的吗？",
        "在的亲，请问有什么可以帮您",
        "您好，欢迎光临品牌直营店",
    ],
)
def test_greeting_variants_match(greeting: str) -> None:
    usage = scripts.usage(session(("c", "在吗"), ("a", greeting)), CONFIG)
    assert usage.used("greeting")


def test_fuzzy_match_reports_the_fullest_phrase() -> None:
    (match,) = scripts.usage(session(("a", "你好呀很高兴为你服务")), CONFIG).matches
    assert (match.category, match.phrase, match.message_id) == ("greeting", "您好，很高兴为您服务", 1)


def test_a_session_with_greeting_and_closing_misses_nothing() -> None:
    assert (
        detectors(
            ("c", "在吗"),
            ("a", "您好，请问有什么可以帮您"),
            ("c", "发票"),
            ("a", "好的"),
            ("a", "祝您生活愉快"),
        )
        == []
    )


def test_missing_greeting_and_closing() -> None:
    lines = (("c", "在吗"), ("a", "什么事"), ("c", "发票怎么开"), ("a", "订单页面申请"))
    assert detectors(*lines) == ["script.greeting_missing", "script.closing_missing"]


def test_a_greeting_late_in_the_session_is_no_greeting() -> None:
    lines = (("a", "说"), ("a", "订单号"), ("a", "您好，很高兴为您服务"), ("a", "祝您生活愉快"))
    assert detectors(*lines) == ["script.greeting_missing"]


def test_sales_must_disclose() -> None:
    lines = (("c", "多少钱"), ("a", "您好，我是销售顾问"), ("a", "单价200元"), ("a", "有问题随时联系我们"))
    assert detectors(*lines, channel="sales") == ["script.disclosure_missing"]
    disclosed = (*lines[:2], ("a", "单价200元，以上报价含税，价格以合同为准"), lines[3])
    assert detectors(*disclosed, channel="sales") == []


def test_a_complaint_expects_an_apology() -> None:
    unanswered = (("a", "您好"), ("c", "怎么还没发货，我要投诉"), ("a", "在查了"), ("a", "祝您生活愉快"))
    assert detectors(*unanswered) == ["script.apology_missing"]
    answered = (
        ("a", "您好"),
        ("c", "怎么还没发货，我要投诉"),
        ("a", "非常抱歉让您久等了"),
        ("a", "祝您生活愉快"),
    )
    assert detectors(*answered) == []


def test_a_customer_only_session_misses_no_script() -> None:
    assert detectors(("c", "在吗")) == []


def test_an_unknown_required_category_is_a_config_error() -> None:
    with pytest.raises(ConfigValueError, match="farewell"):
        scripts.Config.from_toml({"channels": {"support": {"required": ["farewell"]}}})
