"""Every text detector against generated sessions whose faults are known: precision and recall ≥ 0.9."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

import pytest

from chatledger.quality.detectors import (
    repetition,
    resolution,
    rude,
    scripts,
    sentiment,
    silence,
    topics,
    typos,
)
from chatledger.quality.findings import Finding, Session
from tests.quality.generated import Truth, generate

SESSIONS = 600


@pytest.fixture(scope="module")
def truths() -> list[Truth]:
    return generate(SESSIONS, seed=11)


def precision_recall(predicted: Iterable[object], actual: Iterable[object]) -> tuple[float, float]:
    got, want = set(predicted), set(actual)
    assert want, "the generator injected nothing to find"
    hit = len(got & want)
    return (hit / len(got) if got else 0.0), hit / len(want)


def flagged(
    truths: list[Truth], run: Callable[[Truth], list[Finding]], prefix: str, *, per_session: bool = False
) -> set[object]:
    out: set[object] = set()
    for index, truth in enumerate(truths):
        for finding in run(truth):
            if finding.detector.startswith(prefix):
                if per_session:
                    out.add(index)
                else:
                    out.update(finding.message_ids)
    return out


def assert_good(predicted: set[object], actual: set[object]) -> None:
    precision, recall = precision_recall(predicted, actual)
    assert precision >= 0.9 and recall >= 0.9, f"precision {precision:.3f}, recall {recall:.3f}"


def test_typos(truths: list[Truth]) -> None:
    config = typos.Config.default()
    got = flagged(truths, lambda t: typos.detect(t.session, config), "typo.")
    assert_good(got, {mid for t in truths for mid in t.typos})


def test_negligent_and_rude_replies(truths: list[Truth]) -> None:
    config = rude.Config.default()
    assert_good(
        flagged(truths, lambda t: rude.detect(t.session, config), "rude.negligent"),
        {mid for t in truths for mid in t.negligent},
    )
    assert_good(
        flagged(truths, lambda t: rude.detect(t.session, config), "rude.rude"),
        {mid for t in truths for mid in t.rude},
    )


def test_long_silences(truths: list[Truth]) -> None:
    config = silence.Config.default()
    found = set()
    for truth in truths:
        for finding in silence.detect(truth.session, config):
            if finding.detector == "silence.long_wait":
                found.add(finding.message_ids[0])
    assert_good(found, {mid for t in truths for mid in t.long_waits})


def test_copy_paste_repetition(truths: list[Truth]) -> None:
    config = repetition.Config.default()
    got = flagged(truths, lambda t: repetition.detect(t.session, config), "repetition.")
    assert_good(got, {mid for t in truths for mid in t.repeated})


@pytest.mark.parametrize("category", ["greeting", "closing"])
def test_missing_scripts(truths: list[Truth], category: str) -> None:
    config = scripts.Config.default()
    got = flagged(
        truths, lambda t: scripts.detect(t.session, config), f"script.{category}_missing", per_session=True
    )
    want = {i for i, t in enumerate(truths) if getattr(t, f"missing_{category}")}
    assert_good(got, want)


def test_anger_rising(truths: list[Truth]) -> None:
    config = sentiment.Config.default()
    got = flagged(
        truths, lambda t: sentiment.detect(t.session, config), "sentiment.anger_rising", per_session=True
    )
    assert_good(got, {i for i, t in enumerate(truths) if t.anger_rising})


def test_agents_stay_calm_unless_rude(truths: list[Truth]) -> None:
    """Clean agent replies (apologies included) are never 'not calm'; rude ones mostly are."""
    config = sentiment.Config.default()
    not_calm = flagged(truths, lambda t: sentiment.detect(t.session, config), "sentiment.agent_not_calm")
    rude_or_negligent = {mid for t in truths for mid in t.rude | t.negligent}
    assert not_calm <= rude_or_negligent


@pytest.mark.parametrize("outcome", ["resolved", "unresolved"])
def test_resolution(truths: list[Truth], outcome: str) -> None:
    config = resolution.Config.default()
    got = flagged(
        truths, lambda t: resolution.detect(t.session, config), f"resolution.{outcome}", per_session=True
    )
    assert_good(got, {i for i, t in enumerate(truths) if getattr(t, outcome)})


def test_top_questions(truths: list[Truth]) -> None:
    config = topics.Config.default()
    questions = {t.question: t for t in truths}
    asked = {
        (turn.message.id, name)
        for t in truths
        for turn in t.session.turns
        if turn.message.id in questions
        for name in topics.session_topics(Session(0, 0, (turn,)), config)
    }
    assert_good(asked, {(mid, t.topic) for mid, t in questions.items()})
    ranked = topics.top_questions([t.session for t in truths], config)
    truth_rank = [name for name, _ in Counter(t.topic for t in truths).most_common(3)]
    assert [t.name for t in ranked[:3]] == truth_rank
    assert all(t.examples for t in ranked)
