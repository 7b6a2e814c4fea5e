"""Session scores: exact points on the known-truth chats, every point lost traced to its messages."""

from __future__ import annotations

from pathlib import Path

from chatledger.quality import analysis
from chatledger.quality.config import load_config
from chatledger.quality.findings import Finding, Role, Session, Severity
from chatledger.quality.registry import Detector
from chatledger.quality.summary import summaries
from chatledger.store import SQLiteStore
from tests.quality.conftest import T0, MakeStore


def _by_title(result: analysis.Analysis) -> dict[tuple[str, int], analysis.SessionScore]:
    return {(result.titles[s.conversation_id], s.index): s for s in result.scores}


def test_timing_only_scores_are_exact(service_store: SQLiteStore) -> None:
    result = analysis.analyse(service_store, load_config(), detectors=[])
    scores = _by_title(result)
    first = scores[("张三", 0)]
    # first response 40 s against the 30 s SLA (1.3×): −10 speed; the 20 s reply is within SLA
    assert first.dimensions == {"speed": 90.0, "professionalism": 100.0, "resolution": 100.0,
                                "experience": 100.0, "emotion": 100.0}  # fmt: skip
    assert first.total == 97.5 and not first.failed
    (lost,) = first.deductions
    ids = [m.id for m in service_store.messages(first.conversation_id)]
    assert lost.finding.detector == "timing.first_response" and lost.points == 10
    assert lost.finding.message_ids == (ids[0], ids[3])  # the customer's first message and the reply
    assert "首次响应用时 40 秒" in lost.finding.reason_zh
    assert scores[("张三", 1)].total == 100.0 and not scores[("张三", 1)].deductions
    night = scores[("李四（销售咨询）", 0)]
    assert (
        night.channel == "sales" and night.dimensions["speed"] == 55.0 and night.total == 88.75
    )  # 580× SLA: −45


def test_unanswered_points_come_from_config(service_store: SQLiteStore, tmp_path: Path) -> None:
    (tmp_path / "quality.toml").write_text("[scoring.speed]\nunanswered_points = 40\n", encoding="utf-8")
    result = analysis.analyse(service_store, load_config(tmp_path / "quality.toml"), detectors=[])
    first = _by_title(result)[("张三", 0)]
    assert first.dimensions["speed"] == 50.0  # −10 slow first response, −40 the unanswered 好的谢谢
    assert [d.finding.detector for d in first.deductions] == ["timing.first_response", "timing.unanswered"]


def test_a_rude_reply_fails_the_session_and_names_the_message(chats_store: MakeStore) -> None:
    store = chats_store([("c", "王五", [
        (T0, "王五", "这个能便宜点吗"), (T0 + 10, "客服-小美", "爱买不买"), (T0 + 20, "王五", "什么态度"),
        (T0 + 25, "客服-小美", "您好，很抱歉"),
    ])])  # fmt: skip
    result = analysis.analyse(store, load_config())
    (score,) = result.scores
    rude_id = store.messages(score.conversation_id)[1].id
    assert score.failed and score.total == 0
    assert [f.detector for f in score.critical] == ["rude.rude"]
    assert score.critical[0].message_ids == (rude_id,)
    assert any(
        d.finding.detector == "rude.rude" and d.dimension == "professionalism" for d in score.deductions
    )


def _fake(name: str, findings: list[Finding]) -> Detector:
    def detect(session: Session, config: object) -> list[Finding]:
        return findings

    return Detector(name, detect, None)


def test_points_dimensions_caps_and_weights(service_store: SQLiteStore, tmp_path: Path) -> None:
    (tmp_path / "quality.toml").write_text(
        '[scoring.detector_points]\n"typo.word" = 70\n[scoring]\nweights = { speed = 0, professionalism = 1, '
        "resolution = 0, experience = 0, emotion = 0 }\n",
        encoding="utf-8",
    )
    typo = Finding("typo.word", Severity.MINOR, (1,), "错别字", "typo")
    explicit = Finding("typo.de", Severity.MINOR, (2,), "的地得", "de", {"points": 45})
    info = Finding("resolution.resolved", Severity.INFO, (3,), "已解决", "resolved")
    result = analysis.analyse(
        service_store, load_config(tmp_path / "quality.toml"), detectors=[_fake("t", [typo, explicit, info])]
    )
    score = result.scores[0]
    assert [(d.finding.detector, d.points) for d in score.deductions if d.dimension == "professionalism"] == [
        ("typo.word", 70.0), ("typo.de", 45.0)
    ]  # fmt: skip
    assert score.dimensions["professionalism"] == 0.0  # 115 points lost, floored at 0
    assert score.total == 0.0 and score.failed  # below the pass mark, not critical
    assert not score.critical


def test_aggregates_per_agent(service_store: SQLiteStore) -> None:
    result = analysis.analyse(service_store, load_config(), detectors=[])
    frame = result.timing.frame
    rows = frame.is_agent
    by_agent = {
        s.name: s for s in summaries(result.tally, frame.session[rows], frame.agent[rows], frame.agents)
    }
    assert by_agent["客服-小美"].sessions == 2 and by_agent["客服-小美"].total == 98.75
    assert by_agent["销售-王五"].total == 88.75 and by_agent["销售-王五"].failed == 0


def test_detectors_see_sessions_with_roles(service_store: SQLiteStore) -> None:
    seen: list[Session] = []

    def detect(session: Session, config: object) -> list[Finding]:
        seen.append(session)
        return []

    analysis.analyse(service_store, load_config(), detectors=[Detector("spy", detect, None)])
    first = seen[0]
    assert [t.role for t in first.turns] == [
        Role.CUSTOMER,
        Role.CUSTOMER,
        Role.AGENT,
        Role.CUSTOMER,
        Role.AGENT,
        Role.CUSTOMER,
    ]
    assert [t.message.text for t in first.turns][:2] == [
        "你好，我要退货",
        "订单号 123456",
    ]  # bot and system left out
    assert first.agents == ("客服-小美",) and seen[-1].channel == "sales"
