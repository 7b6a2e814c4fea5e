"""Time metrics on chats with known truth (tests/quality/conftest.py): every figure asserted exactly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from chatledger.quality import analysis
from chatledger.quality.config import load_config
from chatledger.quality.timing import Stats, group_stats
from chatledger.store import SQLiteStore
from tests.conftest import ImportFn
from tests.quality.conftest import T0, MakeStore, import_generated_service_chats


def test_time_metrics_follow_the_documented_definitions(service_store: SQLiteStore) -> None:
    timing = analysis.timing(service_store, load_config())
    # sessions: 张三 twice (a gap beyond max_wait after an unanswered question), 李四 once (a night wait)
    assert timing.frame.n_sessions == 3
    # first responses 40 s, 30 s, 34800 s; P90 interpolates between 40 and 34800
    assert timing.first_response == Stats(3, 40.0, 27848.0, 11623.333, 0.3333)
    # every reply: 40, 20, 30, 34800, 30 (the second 张三 message and the bot do not restart the wait)
    assert timing.replies == Stats(5, 30.0, 20896.0, 6984.0, 0.6)
    assert timing.unanswered == 1
    # the night question waited 10 min before closing time (23:00) and 30 min after opening (08:00)
    assert timing.first_response_business == Stats(3, 40.0, 1928.0, 823.333)
    # resolution: first customer message to the last agent message of each session
    assert timing.resolution == Stats(3, 120.0, 27904.0, 11666.667)
    assert timing.by_channel["sales"] == (
        Stats(1, 34800.0, 34800.0, 34800.0, 0.0),
        Stats(2, 17415.0, 31323.0, 17415.0, 0.5),
    )
    assert timing.by_channel["support"][0] == Stats(2, 35.0, 39.0, 35.0, 0.5)


def test_heat_map_uses_local_hour_and_weekday(service_store: SQLiteStore) -> None:
    timing = analysis.timing(service_store, load_config())
    filled = {(d, h): (timing.heatmap_median_s[d][h], timing.heatmap_count[d][h])
              for d in range(7) for h in range(24) if timing.heatmap_count[d][h]}  # fmt: skip
    assert filled == {(0, 9): (40.0, 1), (2, 9): (30.0, 1), (1, 22): (34800.0, 1)}


def test_per_agent_and_new_versus_experienced(service_store: SQLiteStore, tmp_path: Path) -> None:
    (tmp_path / "quality.toml").write_text('[agents]\nexperienced = ["销售*"]\n', encoding="utf-8")
    timing = analysis.timing(service_store, load_config(tmp_path / "quality.toml"))
    agents = {a.agent: a for a in timing.by_agent}
    assert set(agents) == {"客服-小美", "销售-王五"}
    assert agents["客服-小美"].first_response == Stats(2, 35.0, 39.0, 35.0, 0.5)
    assert agents["客服-小美"].sessions == 2 and agents["客服-小美"].team == "售后组"
    assert agents["客服-小美"].new and not agents["销售-王五"].new
    new_frt, new_replies = timing.new_vs_experienced["new"]
    old_frt, old_replies = timing.new_vs_experienced["experienced"]
    assert (new_frt.count, new_replies.count, old_frt.count, old_replies.count) == (2, 3, 1, 2)
    assert old_frt.median_s == 34800.0


def test_agent_and_channel_scopes(service_store: SQLiteStore) -> None:
    config = load_config()
    only_sales = analysis.timing(service_store, config, analysis.Scope(channel="sales"))
    assert only_sales.frame.n_sessions == 1 and only_sales.replies.count == 2
    xiaomei = analysis.timing(service_store, config, analysis.Scope(agent="客服-小美"))
    assert xiaomei.frame.n_sessions == 2 and xiaomei.replies.count == 3
    late = analysis.timing(service_store, config, analysis.Scope(after_ms=(T0 + 86400) * 1000))
    assert late.frame.n_sessions == 2  # 张三's second session and 李四's


def test_gap_splits_sessions_unless_the_customer_waits(chats_store: MakeStore) -> None:
    store = chats_store(
        [
            (
                "c",
                "c",
                [
                    (T0, "顾客", "在吗"),
                    (T0 + 3600, "客服-A", "在的"),  # waiting customer: no split at 1 h
                    (T0 + 3600 + 1801, "顾客", "还有个问题"),  # agent spoke last, gap 30 min 1 s: new session
                    (T0 + 3600 + 1801 + 25 * 3600, "顾客", "有人吗"),  # waited beyond 24 h: new session
                ],
            )
        ]  # fmt: skip
    )
    timing = analysis.timing(store, load_config())
    assert timing.frame.n_sessions == 3
    assert timing.frame.index.tolist() == [0, 1, 2]
    assert timing.replies == Stats(1, 3600.0, 3600.0, 3600.0, 0.0)
    assert timing.unanswered == 2


def test_exporting_side_is_the_agent_when_configured(chats_store: MakeStore, tmp_path: Path) -> None:
    store = chats_store([("c", "c", [(T0, "顾客", "你好"), (T0 + 12, "我自己", "您好")])])
    with store.transaction():
        store._db.execute("UPDATE participants SET is_self = 1 WHERE platform_id = '我自己'")
    assert analysis.timing(store, load_config()).replies.count == 1
    (tmp_path / "quality.toml").write_text("[roles]\nexporting_side_is_agent = false\n", encoding="utf-8")
    assert analysis.timing(store, load_config(tmp_path / "quality.toml")).replies.count == 0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_grouped_quantiles_match_numpy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    groups = rng.integers(0, 5, 500)
    values = rng.integers(0, 100_000, 500)
    for g, s in enumerate(group_stats(groups, values, 6)):
        chosen = values[groups == g] / 1000
        if not len(chosen):
            assert s == Stats(0, None, None, None, None)
            continue
        assert s.count == len(chosen)
        assert s.median_s == round(float(np.median(chosen)), 3)
        assert s.p90_s == round(float(np.percentile(chosen, 90)), 3)
        assert s.mean_s == round(float(chosen.mean()), 3)


def test_vectorised_timing_equals_a_per_message_loop_on_a_generated_corpus(
    store: SQLiteStore, import_files: ImportFn, tmp_path: Path
) -> None:
    """benchmarks/corpus.py writes Chinese customer-service chats; the benchmark's naive loop is the oracle."""
    from benchmarks.bench_quality import naive_timing

    import_generated_service_chats(import_files, tmp_path, seed=5)
    config = load_config()
    timing = analysis.timing(store, config)
    slow = naive_timing(store, config)
    assert timing.frame.n_sessions == slow["sessions"] > 100
    assert (timing.replies.count, timing.replies.median_s) == (slow["replies"], slow["replies_median_s"])
    assert timing.first_response.median_s == slow["first_response_median_s"]
