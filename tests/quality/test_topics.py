"""Top questions: lexicon topics, clusters of the questions the lexicon misses, counts and examples."""

from __future__ import annotations

from chatledger.model import Message, MessageKind
from chatledger.quality.detectors import topics
from chatledger.quality.findings import Role, Session, Turn

CONFIG = topics.Config.default()


def corpus(*questions: str) -> list[Session]:
    """One session per question: the customer asks, the agent answers."""
    sessions = []
    for number, text in enumerate(questions):
        ask = Message("c", "cust", number * 10_000, MessageKind.TEXT, text, id=2 * number + 1)
        reply = Message(
            "c", "agent", number * 10_000 + 5_000, MessageKind.TEXT, "好的，我帮您看看", id=2 * number + 2
        )
        sessions.append(Session(number, 0, (Turn(ask, Role.CUSTOMER), Turn(reply, Role.AGENT, "agent"))))
    return sessions


def test_lexicon_topics_are_counted_and_ranked() -> None:
    sessions = corpus(
        "我想退货，尺码不合适",
        "退款什么时候到账？",
        "这个能七天无理由退吗",
        "我的快递怎么还没到？",
        "物流三天没更新了",
        "能开发票吗",
    )
    ranked = topics.top_questions(sessions, CONFIG)
    assert [(t.name, t.sessions) for t in ranked[:3]] == [("退货退款", 3), ("物流", 2), ("发票", 1)]
    assert ranked[0].examples[0] == (3, "退款什么时候到账？")  # questions first, then statements


def test_unmatched_questions_are_clustered_and_named_by_keywords() -> None:
    sessions = corpus(
        "你们周末上班吗？",
        "周末有人上班吗",
        "请问周末上班吗",
        "你们门店几点关门？",
        "门店几点关门啊",
        "门店晚上几点关门",
        "在吗？",
    )
    ranked = topics.top_questions(sessions, CONFIG)
    clusters = [t for t in ranked if not t.from_lexicon]
    assert len(clusters) == 2
    assert {t.sessions for t in clusters} == {3}
    assert any("周末" in t.name or "上班" in t.name for t in clusters)
    assert any("门店" in t.name or "关门" in t.name for t in clusters)


def test_findings_cite_examples_and_explain() -> None:
    (finding,) = topics.detect(corpus("发票抬头怎么写", "能开专票吗", "发票开好了吗"), CONFIG)
    assert finding.detector == "topic.top_question"
    assert finding.data["topic"] == "发票" and finding.data["sessions"] == 3
    assert finding.message_ids == (1, 3, 5)
    assert "发票" in finding.reason_zh and "3 sessions" in finding.reason_en


def test_agent_messages_raise_no_topic() -> None:
    reply = Message("c", "agent", 0, MessageKind.TEXT, "退货地址发您了", id=1)
    assert topics.top_questions([Session(0, 0, (Turn(reply, Role.AGENT, "agent"),))], CONFIG) == []


def test_top_n() -> None:
    config = topics.Config.from_toml({**topics.default_table("topics"), "top_n": 1})
    assert len(topics.top_questions(corpus("能开发票吗", "快递到哪了"), config)) == 1
