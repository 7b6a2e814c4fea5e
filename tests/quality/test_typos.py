"""Chinese typos and English misspellings on real-looking agent replies, including ones that must not fire."""

from __future__ import annotations

import pytest

from chatledger.quality.detectors import typos
from chatledger.quality.detectors._lexicon import ConfigValueError
from chatledger.quality.findings import Severity
from tests.quality.sessions import agent_says, session

CONFIG = typos.Config.default()


def found(text: str) -> list[tuple[str, str, str]]:
    return [(f.detector, f.data["wrong"], f.data["right"]) for f in typos.detect(agent_says(text), CONFIG)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("亲，您的定单已经发货了", ("typo.word", "定单", "订单")),
        ("这个因该是物流延迟了", ("typo.word", "因该", "应该")),
        ("退款会退回您的帐户", ("typo.word", "帐户", "账户")),
        ("我以经帮您催过快递了", ("typo.word", "以经", "已经")),
        ("请您梢等，我查一下", ("typo.word", "梢等", "稍等")),
        ("麻烦您在次确认一下地址", ("typo.word", "在次", "再次")),
        ("好的，在见，祝您生活愉快", ("typo.word", "在见", "再见")),
        ("现再就帮您处理", ("typo.word", "现再", "现在")),
        ("亲，再吗？", ("typo.word", "再吗", "在吗")),
        ("我们会尽快的为您处理", ("typo.de", "尽快的为您", "尽快地为您")),
        ("马上的帮您登记", ("typo.de", "马上的", "马上地")),
        ("客服会认真的为您核实", ("typo.de", "认真的为您", "认真地为您")),
        ("仓库这次处理的很快", ("typo.de", "处理的很快", "处理得很快")),
        ("您的丁单号发我一下", ("typo.pinyin", "丁单", "订单")),
        ("钱已经到帐了", ("typo.pinyin", "到帐", "到账")),
        ("吗烦您提供一下手机号", ("typo.pinyin", "吗烦", "麻烦")),
        ("Your pakage is on the way", ("typo.english", "pakage", "package")),
        ("We recieved your request", ("typo.english", "recieved", "received")),
    ],
)
def test_fires(text: str, expected: tuple[str, str, str]) -> None:
    assert found(text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        # 的/地/得: correct uses that look like the rules
        "感谢您认真的态度",
        "感谢您耐心的解释",
        "你说的很对，是我们的问题",
        "如果能尽快的话，今天就发",
        "这是我们的订单系统",
        "东西好好的，没有坏",
        "我们会尽快地为您处理",
        "仓库处理得很快",
        # 在/再 and friends inside longer correct words
        "预计在次日送达",
        "现在见到的是最新物流",
        "我们正在确认一下库存",
        "我们一定单独为您备注",
        "确定单号无误后再发货",
        "可以经常关注店铺活动",
        "审核时间一般是一天",
        # homophone candidates straddling two words
        "这款不发货到偏远地区",
        "满一百减十元",
        "收到张先生的包裹了",
        "很快地就能处理好",
        # English: brands, capitalised names, ids, ignored words
        "请用Alipay或WeChat付款",
        "The iPhone 15 Pro is in stock",
        "订单号 SF1234567890，ok",
        "Please check your email",
    ],
)
def test_does_not_fire(text: str) -> None:
    assert found(text) == []


def test_customer_typos_are_not_the_agents_fault() -> None:
    assert typos.detect(session(("c", "我的定单到哪了")), CONFIG) == []


def test_a_finding_names_its_message_and_explains_in_both_languages() -> None:
    (finding,) = typos.detect(session(("c", "在吗"), ("a", "您的定单已发出")), CONFIG)
    assert finding.message_ids == (2,)
    assert finding.severity is Severity.MINOR
    assert "定单" in finding.reason_zh and "订单" in finding.reason_zh
    assert "'定单'" in finding.reason_en and "'订单'" in finding.reason_en


def test_the_confusion_set_is_editable() -> None:
    config = typos.Config.from_toml(
        {"confusions": {"包由": "包邮"}, "pinyin": {"enabled": False}, "english": {"enabled": False}}
    )
    assert [f.data["right"] for f in typos.detect(agent_says("全场包由"), config)] == ["包邮"]
    assert typos.detect(agent_says("您的定单"), config) == []


def test_pinyin_candidates_are_true_homophones_jieba_rarely_uses() -> None:
    from pypinyin import Style, lazy_pinyin

    candidates = typos.homophone_typos(
        CONFIG.pinyin_words, CONFIG.pinyin_max_ratio, CONFIG.pinyin_min_char_freq
    )
    freq = typos.jieba_frequencies()
    assert len(candidates) > 100
    for wrong, right in candidates.items():
        assert lazy_pinyin(wrong, style=Style.NORMAL) == lazy_pinyin(right, style=Style.NORMAL)
        assert freq.get(wrong, 0) < max(freq.get(right, 0), 1) * CONFIG.pinyin_max_ratio


def test_shipped_confusions_map_to_jieba_words() -> None:
    """Every correction in the shipped confusion set is a word jieba knows (or a phrase of them)."""
    import jieba

    freq = typos.jieba_frequencies()
    for wrong, right in CONFIG.confusions.items():
        assert wrong != right
        assert right in freq or all(len(w) > 1 or w in freq for w in jieba.lcut(right)), right


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"confusions": {"定单": 1}}, "confusions"),
        ({"roles": ["boss"]}, "roles"),
        ({"severity": "fatal"}, "severity"),
        ({"de_rules": [{"wrong": "的的", "right": "地"}]}, "wrong/right"),
        ({"pinyin": {"max_ratio": "low"}}, "max_ratio"),
    ],
)
def test_bad_config_names_the_key(table: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigValueError, match=key.replace("/", "/")):
        typos.Config.from_toml(table)
