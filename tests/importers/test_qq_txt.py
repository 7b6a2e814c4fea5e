"""qq-txt: QQ 消息管理器 .txt exports (many chats per file, GBK/UTF-8/UTF-16, CRLF)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from chatledger import importers
from chatledger.errors import ImportFormatError
from chatledger.importers.base import SourceFile
from chatledger.importers.qq_txt import split_sender
from chatledger.model import Message, MessageKind
from chatledger.store import SQLiteStore
from tests.conftest import SAMPLES, ImportFn, all_messages, conversation_records, snapshot
from tests.importers._zips import write_unflagged_zip

QQ = SAMPLES / "qq"
RULE = "=" * 64


def as_expected(m: Message) -> dict[str, Any]:
    return {
        "conversation": m.conversation,
        "locator": m.locator,
        "sender": m.sender,
        "sender_name": m.sender_name,
        "time_utc": datetime.fromtimestamp(m.ts_ms / 1000, UTC).isoformat(),
        "utc_offset_min": m.utc_offset_min,
        "kind": m.kind.value,
        "text": m.text,
        "platform_msg_id": m.platform_msg_id,
        "reply_to": m.reply_to,
        "extra": m.extra,
        "attachments": [
            {"name": a.name, "kind": a.kind.value, "status": a.status.value} for a in m.attachments
        ],
    }


@pytest.mark.parametrize(
    "expected_file",
    sorted(p for p in QQ.glob("*.txt.expected.json") if not p.name.startswith("bad_")),
    ids=lambda p: p.name,
)
def test_sample_matches_expected(expected_file: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    want = json.loads(expected_file.read_text(encoding="utf-8"))
    sample = expected_file.with_name(expected_file.name.removesuffix(".expected.json"))
    [source] = import_files(sample, tz=want["tz"]).sources
    assert (source.format, source.encoding) == (want["format"], want["encoding"])
    conversations = conversation_records(store)
    assert conversations == want["conversations"]
    assert sorted(p.platform_id for p in store.participants()) == want["participants"]
    assert [as_expected(m) for m in all_messages(store)] == want["messages"]


def test_fragment_without_chat_block_warns(import_files: ImportFn) -> None:
    [source] = import_files(QQ / "minimal_txt__qq-chat-history_file.txt").sources
    assert any("no '消息对象:' block" in w for w in source.warnings)
    assert any(
        "假装我是文件头" in w for w in source.warnings
    )  # the preamble is reported, not dropped silently


def test_chat_label_without_rules_names_the_chat(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    path = tmp_path / "export.txt"
    path.write_text(
        "消息记录\n消息分组:我的好友\n消息对象:小王\n\n2020-05-01 8:00:00 小王(12345)\n早\n", encoding="utf-8"
    )
    [source] = import_files(path, tz="Asia/Shanghai").sources
    assert [c.platform_id for c in store.conversations()] == ["小王"]
    assert not source.warnings


def body(chat: str, messages: str, group: str = "我的好友") -> str:
    return f"{RULE}\n消息分组:{group}\n{RULE}\n消息对象:{chat}\n{RULE}\n\n{messages}"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "gb18030"])
def test_encodings_and_crlf(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn, encoding: str
) -> None:
    text = body(
        "小王", "2020-05-01 8:00:00 小王(12345)\n早\n\n第二行\n\n\n2020-05-01 8:01:00 我(67890)\n早上好\n"
    )
    path = tmp_path / "全部消息记录.txt"
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    import_files(path, tz="Asia/Shanghai")
    got = [(m.sender, m.text, m.locator) for m in all_messages(store)]
    assert got == [("12345", "早\n\n第二行", "line 7"), ("67890", "早上好", "line 13")]


def test_twelve_hour_times(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    text = body(
        "Ann",
        "2019-09-23 8:43:38 PM Ann(1)\na\n\n2019-09-23 12:05:00 AM Ann(1)\nb\n\n2019-09-23 12:05:00 PM Ann(1)\nc\n",
    )
    path = tmp_path / "ann.txt"
    path.write_text(text, encoding="utf-8")
    import_files(path, tz="UTC")
    times = [datetime.fromtimestamp(m.ts_ms / 1000, UTC).strftime("%H:%M:%S") for m in all_messages(store)]
    assert times == ["00:05:00", "12:05:00", "20:43:38"]  # the archive lists chats' messages by time


def test_system_1000000_and_red_packet(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    text = body(
        "群A",
        "2021-01-01 10:00:00 系统消息(1000000)\n欢迎\n\n2021-01-01 10:00:01 B(2)\n[QQ红包]恭喜发财请使用新版手机QQ查收红包。\n",
        group="我的QQ群",
    )
    path = tmp_path / "a.txt"
    path.write_text(text, encoding="utf-8")
    import_files(path, tz="UTC")
    [chat] = store.conversations()
    assert chat.kind.value == "group"
    assert [(m.sender, m.kind) for m in all_messages(store)] == [
        (None, MessageKind.SYSTEM),
        ("2", MessageKind.RED_PACKET),
    ]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("小周(10001)", ("10001", "小周")),
        ("Cindy<cindy@example.com>", ("cindy@example.com", "Cindy")),
        ("手机<18800000000>", ("18800000000", "手机")),
        ("(747150918)", ("747150918", "")),
        ("【群主】A (B) (C)(42)", ("42", "【群主】A (B) (C)")),
        ("Victor", (None, "Victor")),
        ("小明(大学同学)", (None, "小明(大学同学)")),
    ],
)
def test_split_sender(who: str, expected: tuple[str | None, str]) -> None:
    assert split_sender(who) == expected


@pytest.mark.parametrize(
    ("name", "locator", "field", "expected", "found"),
    [
        (
            "bad_qq_txt_date.txt",
            "line 7",
            "time",
            "a real date and time such as 2019-03-02 9:05:11 or 2019-09-23 8:43:38 PM",
            "2019-02-30 9:05:11",
        ),
        (
            "bad_qq_txt_no_header.txt",
            "line 7",
            None,
            "a message header like '2019-03-02 9:05:11 name(10001)'",
            "Victor 说：你好",
        ),
    ],
)
def test_bad_samples_leave_archive_unchanged(
    store: SQLiteStore,
    import_files: ImportFn,
    name: str,
    locator: str,
    field: str | None,
    expected: str,
    found: str,
) -> None:
    import_files(QQ / "two_chats_gbk_crlf.txt", tz="Asia/Shanghai")
    before = snapshot(store)
    path = QQ / name
    with pytest.raises(ImportFormatError) as caught:
        import_files(path, tz="Asia/Shanghai")
    what = f" field {field!r}:" if field else ""
    assert str(caught.value) == f"{path}, {locator}:{what} expected {expected}, found {found!r}."
    assert (caught.value.locator, caught.value.field) == (locator, field)
    assert snapshot(store) == before


@pytest.mark.parametrize(
    ("content", "score"),
    [
        (body("x", "2019-03-02 9:05:11 a(1)\nb\n"), 0.95),
        ("消息记录（此消息记录为文本格式，不支持重新导入）\n\n", 0.95),
        ("2019-03-02 9:05:11 a(10001)\nb\n", 0.6),
        ("12/31/19, 10:00 - Ann: hi\n", 0.0),
        ("2019-03-02 9:05:11 server started\n", 0.0),
    ],
)
def test_sniff(tmp_path: Path, content: str, score: float) -> None:
    path = tmp_path / "chat.txt"
    path.write_text(content, encoding="utf-8")
    assert importers.get("qq-txt").sniff(SourceFile(path)) == score
    if score >= 0.9:
        assert importers.detect(SourceFile(path)).name == "qq-txt"


def test_same_title_in_two_groups_stays_apart(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    text = (
        body("小王", "2020-05-01 8:00:00 小王(12345)\n好友消息\n")
        + "\n"
        + body("小王", "2020-05-01 9:00:00 老李(555)\n群消息\n", group="我的群聊")
    )
    path = tmp_path / "all.txt"
    path.write_text(text, encoding="utf-8")
    [source] = import_files(path).sources
    chats = [(c.platform_id, c.title, c.kind.value, c.message_count) for c in store.conversations()]
    assert chats == [("小王", "小王", "direct", 1), ("我的群聊/小王", "小王", "group", 1)]
    assert any("a second chat named '小王'" in w for w in source.warnings)


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        (  # a 24-hour export quoting 12-hour header lines in a body
            "2023-05-01 15:00:00 张三(1)\n转发：\n2023-05-01 3:00:00 PM 李四(2)\n2023-05-01 下午3:00:00 张三\n\n"
            "2023-05-01 15:01:00 李四(2)\n好\n",
            [
                ("1", "转发：\n2023-05-01 3:00:00 PM 李四(2)\n2023-05-01 下午3:00:00 张三", "15:00:00"),
                ("2", "好", "15:01:00"),
            ],
        ),
        (  # a 12-hour export quoting a 24-hour header line in a body
            "2023-05-01 3:00:00 PM 张三(1)\n转发：\n2023-05-01 15:00:00 李四(2)\n你好\n\n"
            "2023-05-01 3:01:00 PM 李四(2)\n好\n",
            [("1", "转发：\n2023-05-01 15:00:00 李四(2)\n你好", "15:00:00"), ("2", "好", "15:01:00")],
        ),
    ],
    ids=["24h-file", "12h-file"],
)
def test_body_line_in_the_other_clock_style_is_no_header(
    tmp_path: Path,
    store: SQLiteStore,
    import_files: ImportFn,
    messages: str,
    expected: list[tuple[str, str, str]],
) -> None:
    path = tmp_path / "chat.txt"
    path.write_text(body("张三", messages), encoding="utf-8")
    import_files(path, tz="UTC")
    got = [
        (m.sender, m.text, datetime.fromtimestamp(m.ts_ms / 1000, UTC).strftime("%H:%M:%S"))
        for m in all_messages(store)
    ]
    assert got == expected


def test_shared_file_is_a_file_with_its_name(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    shared = '[图片] 小周 分享文件 9:07:02\n"2019 报价单.xlsx" 下载'
    text = body(
        "群A",
        f"2019-03-02 9:07:02 小周(10001)\n{shared}\n\n2019-03-02 9:08:00 B(2)\n分享文件 这个词不是文件\n",
        group="我的QQ群",
    )
    path = tmp_path / "a.txt"
    path.write_text(text, encoding="utf-8")
    import_files(path, tz="UTC")
    got = [
        (m.sender, m.kind, m.text, [(a.name, a.kind, a.status.value) for a in m.attachments])
        for m in all_messages(store)
    ]
    assert got == [
        ("10001", MessageKind.FILE, shared, [("2019 报价单.xlsx", MessageKind.FILE, "not_exported")]),
        ("2", MessageKind.TEXT, "分享文件 这个词不是文件", []),
    ]


def test_fragment_in_a_zip_without_the_utf8_flag_is_named_as_written(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    archive = write_unflagged_zip(tmp_path / "qq.zip", {"老周.txt": "2019-03-02 9:05:11 老周(10001)\n早\n"})
    import_files(archive, tz="Asia/Shanghai")
    assert [(c.platform_id, c.title) for c in store.conversations()] == [("老周", "老周")]
