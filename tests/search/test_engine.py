"""The search engine returns exactly what a brute-force scan returns, query by query."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from chatledger.ingest import ImportOptions, import_paths
from chatledger.search.engine import ROW_SCAN_LIMIT, compile_query, hit_count, hit_ids, search
from chatledger.search.query import QueryError
from chatledger.search.tokens import normalise_for_search
from chatledger.store import SQLiteStore
from tests.conftest import write

pytestmark = pytest.mark.usefixtures("lines_importer")

SUBJECTS = [
    "订单",
    "退货",
    "物流",
    "发票",
    "优惠券",
    "赔偿",
    "违约金",
    "定金",
    "合同",
    "尺码",
    "iPhone 15",
    "AirPods",
]
PHRASES = [
    "您好，很高兴为您服务", "请问{s}什么时候到？", "{s}已经申请了，请耐心等待", "好的，谢谢", "太差了！我要投诉",
    "不知道，你问别人去吧", "我们会按合同赔偿您的损失", "The {s} arrived broken, refund please", "OK thanks!",
    "订单号 2024{n}，麻烦查一下", "ＡＢＣ全角字母和１２３数字", "😀😀 好的", "退款 {n} 元已到账", "违约的话要付违约金",
    "Ship it ASAP", "好的好的好的", "请稍等，正在为您查询{s}", "iPhone15 和 iphone 15 都有货",
]  # fmt: skip
SENDERS = ["客服小王", "客服小李", "顾客A", "顾客B", "张三", "Li Lei"]


@dataclass(frozen=True)
class Row:
    id: int
    text: str
    chat: str
    sender: str
    ts_ms: int


def _archive(
    tmp: Path, messages: int, seed: int, newest_first: bool = False
) -> tuple[SQLiteStore, list[Row]]:
    rng = random.Random(seed)
    store = SQLiteStore(tmp / "search.db")
    files = []
    for chat_index in range(4):
        rows = []
        ts = 1_700_000_000 + chat_index * 1000
        for _ in range(messages // 4):
            ts += rng.choice([0, 0, 1, 5, 30, 600, 3600])
            text = rng.choice(PHRASES).format(s=rng.choice(SUBJECTS), n=rng.randint(0, 99999))
            rows.append((ts, rng.choice(SENDERS), text))
        files.append(
            write(tmp / f"chat{chat_index}.lines", f"chat{chat_index}", rows[::-1] if newest_first else rows)
        )
    import_paths(store, files, originals_dir=tmp / "originals", options=ImportOptions(zone_name="UTC"))
    truth = [
        Row(m.id or 0, normalise_for_search(m.text), m.conversation, m.sender or "", m.ts_ms)
        for m in store.iter_all_messages()
    ]
    return store, truth


def _queries(truth: list[Row], count: int, seed: int) -> Iterator[tuple[str, Callable[[Row], bool]]]:
    """Queries with their brute-force meaning, over Chinese 1-4 characters, English, mixed, phrases, filters."""
    rng = random.Random(seed)

    def contains(*needles: str) -> Callable[[Row], bool]:
        return lambda r: all(normalise_for_search(n) in r.text for n in needles)

    for i in range(count):
        row = rng.choice(truth)
        text = row.text
        start = rng.randrange(max(1, len(text) - 1))
        sub = text[start : start + rng.randint(1, 4)].strip() or "好"
        kind = i % 10
        if kind <= 3:  # a substring of a real message: 1-4 characters, any script
            yield (f'"{sub}"' if " " in sub else sub), contains(sub)
        elif kind == 4:
            word = rng.choice(
                ["refund", "ok", "iphone", "ship", "arrived", "thanks", "asap", "AirPods", "15", "Ｏｋ"]
            )
            yield word, contains(word)
        elif kind == 5:
            a, b = rng.sample(["退货", "物流", "赔偿", "投诉", "好的", "违约", "发票"], 2)
            yield f"{a} OR {b}", lambda r, a=a, b=b: a in r.text or b in r.text
        elif kind == 6:
            a, b = rng.sample(["好的", "订单", "请问", "谢谢", "您好"], 2)
            yield f"{a} -{b}", lambda r, a=a, b=b: a in r.text and b not in r.text
        elif kind == 7:
            phrase = rng.choice(["好的，谢谢", "太差了！", "OK thanks!", "您好，很", "付违约金", "😀 好"])
            yield f'"{phrase}"', contains(phrase)
        elif kind == 8:
            sender = rng.choice(SENDERS)
            word = rng.choice(["好", "订单", "the", "违约"])
            quoted = f'"{sender}"' if " " in sender else sender
            yield (
                f"{word} from:{quoted}",
                lambda r, s=sender, w=word: r.sender == s and normalise_for_search(w) in r.text,
            )
        else:
            chat = f"chat{rng.randrange(4)}"
            cut = rng.choice(truth).ts_ms
            day = __import__("datetime").datetime.fromtimestamp(cut / 1000, __import__("datetime").UTC)
            after = day.strftime("%Y-%m-%dT%H:%M:%S")
            limit_ms = int(day.timestamp() * 1000)
            word = rng.choice(["的", "退", "iphone"])
            yield (
                f"{word} chat:{chat} after:{after}",
                lambda r, c=chat, t=limit_ms, w=word: r.chat == c and r.ts_ms >= t and w in r.text,
            )


def _check(store: SQLiteStore, truth: list[Row], queries: int, seed: int) -> set[str]:
    """Every query's total and newest 50 equal the brute force's; returns the strategies the engine chose."""
    strategies = set()
    for query, meaning in _queries(truth, queries, seed):
        expected = sorted((r.id for r in truth if meaning(r)), reverse=True)
        results = search(store, query, limit=50, facets=False)
        assert results.total == len(expected), f"{query!r}: {results.total} != {len(expected)}"
        assert [h.message.id for h in results.hits] == expected[:50], query
        compiled = compile_query(store, query)
        assert hit_count(store, compiled) == len(expected), query
        assert hit_ids(store, compiled, limit=7, offset=3) == expected[3:10], query
        strategies.add(results.strategy + ("/characters" if compiled.character else ""))
    return strategies


def test_engine_matches_brute_force_small(tmp_path: Path) -> None:
    store, truth = _archive(tmp_path, 4_000, seed=1)
    # Each chat and sender holds fewer than ROW_SCAN_LIMIT messages here: filtered queries read their rows.
    assert len(truth) // 4 <= ROW_SCAN_LIMIT
    strategies = _check(store, truth, 300, seed=2)
    assert {"index", "index/characters", "rows", "rows/characters", "index+check", "scan"} <= strategies


def test_engine_matches_brute_force_on_newest_first_files(tmp_path: Path) -> None:
    # Meta writes newest first: each batch's rows reach the index sorted by id, none lost or misplaced.
    store, truth = _archive(tmp_path, 12_000, seed=5, newest_first=True)
    assert len(truth) == 12_000
    _check(store, truth, 120, seed=6)


@pytest.mark.slow
def test_engine_matches_brute_force_100k(tmp_path: Path) -> None:
    store, truth = _archive(tmp_path, 100_000, seed=3)
    assert len(truth) == 100_000
    strategies = _check(store, truth, 220, seed=4)
    # Here the filters admit thousands of messages: the index drives, characters included.
    assert {"index", "index/characters", "index+check"} <= strategies and not any(
        s.startswith("rows") for s in strategies
    )


def _character_counts(store: SQLiteStore) -> dict[str, int]:
    return dict(store._all("SELECT char, messages FROM message_char_counts"))


def _true_character_counts(store: SQLiteStore) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for message in store.iter_all_messages():
        counts.update(c for c in set(normalise_for_search(message.text)) if c.isalnum())
    return dict(counts)


def test_character_counts_follow_commits_and_rollbacks(tmp_path: Path) -> None:
    store, truth = _archive(tmp_path, 400, seed=8)
    counts = _character_counts(store)
    assert {c: n for c, n in counts.items() if c.isalnum()} == _true_character_counts(store)
    more = write(
        tmp_path / "more.lines", "chat9", [(1_800_000_000 + i, "张三", f"罕见字{i}") for i in range(5)]
    )
    options = ImportOptions(zone_name="UTC")
    with pytest.raises(RuntimeError), store.transaction():
        import_paths(store, [more], originals_dir=tmp_path / "originals", options=options)
        raise RuntimeError("roll the whole import back")
    assert _character_counts(store) == counts
    with store.transaction():
        with pytest.raises(RuntimeError), store.transaction():  # a savepoint rolled back inside a commit
            import_paths(store, [more], originals_dir=tmp_path / "originals", options=options)
            raise RuntimeError("roll the savepoint back")
        import_paths(store, [more], originals_dir=tmp_path / "originals", options=options)
    assert _character_counts(store)["罕"] == 5 and search(store, "罕").total == 5
    assert {c: n for c, n in _character_counts(store).items() if c.isalnum()} == _true_character_counts(store)


def test_migration_rebuilds_the_index_of_an_older_archive(tmp_path: Path) -> None:
    store, truth = _archive(tmp_path, 2_000, seed=9)
    # As an archive from before migration 0009 looked: the old bigram table, no character index.
    store._db.execute(
        "DROP TABLE message_search; DROP TABLE message_chars; DROP TABLE message_char_counts; "
        "CREATE VIRTUAL TABLE message_search USING fts5 (tokens, content = '', contentless_delete = 1, "
        "tokenize = 'ascii', detail = full); "
        "DELETE FROM schema_migrations WHERE name = '0009_search_index_compact'"
    )
    store.close()
    reopened = SQLiteStore(tmp_path / "search.db")
    assert "0009_search_index_compact" in {r[0] for r in reopened._all("SELECT name FROM schema_migrations")}
    _check(reopened, truth, 120, seed=10)
    assert {c: n for c, n in _character_counts(reopened).items() if c.isalnum()} == _true_character_counts(
        reopened
    )


def test_facets_and_context(tmp_path: Path) -> None:
    store, truth = _archive(tmp_path, 400, seed=5)
    results = search(store, "好的", limit=3, context=2)
    expected = [r for r in truth if "好的" in r.text]
    assert results.total == len(expected)
    assert sum(f.count for f in results.facets["chat"]) == len(expected)
    assert {f.label for f in results.facets["sender"]} <= set(SENDERS)
    hit = results.hits[0]
    assert len(hit.before) == 2 and all(m.conversation == hit.message.conversation for m in hit.before)
    assert hit.highlights and hit.message.text[hit.highlights[0][0] : hit.highlights[0][1]] == "好的"


def test_relevance_and_oldest_orders(tmp_path: Path) -> None:
    store, truth = _archive(tmp_path, 400, seed=6)
    oldest = search(store, "订单", order="oldest", limit=5)
    assert [h.message.id for h in oldest.hits] == sorted(r.id for r in truth if "订单" in r.text)[:5]
    relevance = search(store, "订单 OR 物流", order="relevance", limit=500)
    assert {h.message.id for h in relevance.hits} == {
        r.id for r in truth if "订单" in r.text or "物流" in r.text
    }


def test_unknown_filter_values_are_query_errors(tmp_path: Path) -> None:
    store, _ = _archive(tmp_path, 40, seed=7)
    for query, fragment in [
        ("好 from:nobody", "matches no sender"),
        ("好 chat:nochat", "matches no chat"),
        ("好 platform:myspace", "is not one of"),
        ("好 kind:hologram", "is not one of"),
        ("好 after:2024-13-01", "expected a date"),
        ("好 -on:2024-01-01", "cannot be negated"),
    ]:
        with pytest.raises(QueryError, match=fragment):
            search(store, query)


def test_variants_match_simplified_and_traditional_forms(tmp_path: Path) -> None:
    files = [
        write(
            tmp_path / "t.lines", "tw", [(1_700_000_000, "A", "請開發票"), (1_700_000_001, "B", "请开发票")]
        )
    ]
    store = SQLiteStore(tmp_path / "v.db")
    import_paths(store, files, originals_dir=tmp_path / "o", options=ImportOptions(zone_name="UTC"))
    assert search(store, "发票").total == 1
    assert search(store, "发票", variants=True).total == 2
    assert search(store, "發票", variants=True).total == 2
    assert search(store, "發票 -请", variants=True).total == 0  # NOT excludes every form: 请 and 請
    assert search(store, "發票 -请").total == 1
    assert search(store, "发票 from:A", variants=True).total == 1


def test_sender_facets_tell_apart_handles_shown_under_one_name(tmp_path: Path) -> None:
    from tests.quality.conftest import write_chats

    path = write_chats(tmp_path / "two.jsonl", [("a", "A", [(1_700_000_000, "wxid_me", "好的")]),
                                                ("b", "B", [(1_700_000_100, "self", "好的")])])  # fmt: skip
    path.write_text(path.read_text(encoding="utf-8").replace('"name": "wxid_me"', '"name": "我"')
                    .replace('"name": "self"', '"name": "我"'), encoding="utf-8")  # fmt: skip
    store = SQLiteStore(tmp_path / "s.db")
    import_paths(store, [path], originals_dir=tmp_path / "originals", options=ImportOptions(zone_name="UTC"))
    labels = sorted(f.label for f in search(store, "好的").facets["sender"])
    assert labels == ["我 (self)", "我 (wxid_me)"]
