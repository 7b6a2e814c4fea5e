"""Hand-built service chats with known truth, written as canonical JSONL and imported into a fresh archive."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chatledger.interchange import iso_time
from chatledger.store import SQLiteStore
from tests.conftest import ImportFn

Row = tuple[int, str | None, str]  # (UTC epoch seconds, sender or None for a system event, text)

T0 = int(datetime(2024, 3, 4, 1, 0, tzinfo=UTC).timestamp())  # Monday 09:00 in Asia/Shanghai


def import_generated_service_chats(import_files: ImportFn, tmp_path: Path, seed: int) -> None:
    """4,000 messages of the benchmark corpus's Chinese customer-service chats (PyWxDump CSV), imported."""
    from benchmarks.corpus import generate

    path = tmp_path / "kf.csv"
    generate("wechat-pywxdump-csv", 4000, path, seed=seed)
    import_files(path, tz="Asia/Shanghai")


def write_chats(path: Path, chats: Sequence[tuple[str, str, Sequence[Row]]]) -> Path:
    """One canonical JSONL file holding ``(chat id, title, rows)`` chats (WeChat platform, seconds)."""
    lines = [json.dumps({"chatledger_export": 1, "chatledger_version": "0.1.0"})]
    for chat_id, title, rows in chats:
        for n, (ts, sender, text) in enumerate(rows):
            record = {
                "chat": {"platform": "wechat", "id": chat_id, "title": title, "kind": "direct"},
                "sender": None if sender is None else {"id": sender, "name": sender},
                "time": iso_time(ts * 1000, 480),
                "ts_ms": ts * 1000,
                "precision": "s",
                "kind": "text" if sender else "system",
                "text": text,
                "id": f"{chat_id}-{n}",
                "reply_to": None,
                "forwarded_from": None,
                "edited_ts_ms": None,
                "attachments": [],
                "extra": None,
            }
            lines.append(json.dumps(record, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# Truth for SERVICE_CHATS (seconds): see tests/quality/test_timing.py for the expected figures.
SERVICE_CHATS: list[tuple[str, str, list[Row]]] = [
    (
        "zhangsan",
        "张三",
        [
            (T0, "张三", "你好，我要退货"),  # wait 1 starts (session 1, Monday 09:00 local)
            (T0 + 5, "客服机器人", "自动回复：您好，客服马上为您服务"),  # a bot: left out
            (T0 + 10, "张三", "订单号 123456"),  # still the same wait
            (T0 + 40, "客服-小美", "您好，请问是什么问题呢？"),  # first response 40 s
            (T0 + 60, None, "你撤回了一条消息"),  # a system event: left out
            (T0 + 100, "张三", "多久能退款"),  # wait 2
            (T0 + 120, "客服-小美", "1-3 个工作日到账"),  # reply 20 s
            (T0 + 130, "张三", "好的谢谢"),  # wait 3: never answered
            (
                T0 + 2 * 86400,
                "客服-小美",
                "您好，请问退款收到了吗？",
            ),  # session 2 (gap > max_wait), agent opens
            (T0 + 2 * 86400 + 60, "张三", "收到了"),  # wait 4
            (T0 + 2 * 86400 + 90, "客服-小美", "好的，祝您生活愉快"),  # reply 30 s
        ],
    ),
    (
        "lisi",
        "李四（销售咨询）",
        [
            (T0 + 86400 + 13 * 3600 + 50 * 60, "李四", "这款有现货吗"),  # Tuesday 22:50 local, sales
            (T0 + 86400 + 13 * 3600 + 50 * 60 + 34800, "销售-王五", "早上好，有现货的"),  # Wed 08:30: 34800 s
            (T0 + 86400 + 13 * 3600 + 50 * 60 + 34820, "李四", "好的"),
            (T0 + 86400 + 13 * 3600 + 50 * 60 + 34850, "销售-王五", "已为您下单"),  # reply 30 s
        ],
    ),
]


@pytest.fixture
def service_store(store: SQLiteStore, import_files: ImportFn, tmp_path: Path) -> SQLiteStore:
    import_files(write_chats(tmp_path / "chats.jsonl", SERVICE_CHATS))
    return store


MakeStore = Callable[[Sequence[tuple[str, str, Sequence[Row]]]], SQLiteStore]


@pytest.fixture
def chats_store(store: SQLiteStore, import_files: ImportFn, tmp_path: Path) -> MakeStore:
    def make(chats: Sequence[tuple[str, str, Sequence[Row]]]) -> SQLiteStore:
        import_files(write_chats(tmp_path / "chats.jsonl", chats))
        return store

    return make
