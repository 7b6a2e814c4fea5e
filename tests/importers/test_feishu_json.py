"""feishu-json: Feishu/Lark im/v1/messages API pages and message objects."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from chatledger import importers
from chatledger.errors import ImportFormatError
from chatledger.importers.base import SourceFile
from chatledger.importers.feishu_json import flatten_post, resolve_mentions
from chatledger.model import Message, MessageKind
from chatledger.store import SQLiteStore
from tests.conftest import SAMPLES, ImportFn, all_messages, conversation_records, snapshot

FEISHU = SAMPLES / "feishu"
GOOD = FEISHU / "messages_page_3p_7m.json"
BAD = FEISHU / "bad_feishu_create_time.json"


def utc(ts_ms: int | None) -> str | None:
    return None if ts_ms is None else datetime.fromtimestamp(ts_ms / 1000, UTC).isoformat()


def as_expected(m: Message, subset: dict[str, Any]) -> dict[str, Any]:
    extra = m.extra or {}
    return {
        "conversation": m.conversation,
        "locator": m.locator,
        "sender": m.sender,
        "time_utc": utc(m.ts_ms),
        "utc_offset_min": m.utc_offset_min,
        "kind": m.kind.value,
        "text": m.text,
        "platform_msg_id": m.platform_msg_id,
        "reply_to": m.reply_to,
        "edited_utc": utc(m.edited_ts_ms),
        "attachments": [
            {"name": a.name, "kind": a.kind.value, "status": a.status.value} for a in m.attachments
        ],
        "extra_subset": {k: extra.get(k) for k in subset},
    }


def test_sample_matches_expected(store: SQLiteStore, import_files: ImportFn) -> None:
    want = json.loads((FEISHU / (GOOD.name + ".expected.json")).read_text(encoding="utf-8"))
    [source] = import_files(GOOD, tz=want["tz"]).sources
    assert source.format == want["format"]
    conversations = conversation_records(store)
    assert conversations == want["conversations"]
    got = [
        as_expected(m, w["extra_subset"]) for m, w in zip(all_messages(store), want["messages"], strict=True)
    ]
    assert got == want["messages"]


def test_bad_sample_leaves_archive_unchanged(store: SQLiteStore, import_files: ImportFn) -> None:
    want = json.loads((FEISHU / (BAD.name + ".expected.json")).read_text(encoding="utf-8"))
    import_files(GOOD)
    before = snapshot(store)
    with pytest.raises(ImportFormatError) as caught:
        import_files(BAD)  # detected, not forced
    assert str(caught.value) == want["error"].replace("{path}", str(BAD))
    assert (caught.value.locator, caught.value.field) == ("$.data.items[1]", "create_time")
    assert snapshot(store) == before


def test_jsonl_of_pages_and_bare_messages(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    page = json.loads(GOOD.read_text(encoding="utf-8"))
    items = page["data"]["items"]
    first = {"code": 0, "data": {"items": items[:3], "has_more": True}}
    second = {"code": 0, "data": {"items": items[3:], "has_more": False}}
    pages = tmp_path / "pages.jsonl"
    pages.write_text(
        json.dumps(first, ensure_ascii=False) + "\n" + json.dumps(second, ensure_ascii=False) + "\n"
    )
    import_files(pages)
    locators = [m.locator for m in all_messages(store)]
    assert locators[:4] == [
        "line 1, $.data.items[0]",
        "line 1, $.data.items[1]",
        "line 1, $.data.items[2]",
        "line 2, $.data.items[0]",
    ]
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    [source] = import_files(bare).sources
    assert (source.messages, source.new) == (7, 0)  # the same message ids: nothing new


def test_error_page_is_refused(tmp_path: Path, import_files: ImportFn) -> None:
    path = tmp_path / "page.json"
    path.write_text('{"code": 99991663, "msg": "token invalid", "data": {}}', encoding="utf-8")
    with pytest.raises(ImportFormatError) as caught:
        import_files(path, format="feishu-json")
    assert str(caught.value) == (
        f"{path}, line 1: field 'code': expected 0 (a successful API response), found '99991663 token invalid'."
    )


def test_resolve_mentions_longest_key_first() -> None:
    names = {"@_user_1": "甲", "@_user_10": "乙"}
    assert resolve_mentions("@_user_10 和 @_user_1", names) == "@乙 和 @甲"


def test_flatten_post_with_language_wrapper() -> None:
    post = {
        "zh_cn": {
            "title": "T",
            "content": [[{"tag": "text", "text": "a"}, {"tag": "media", "file_key": "f"}]],
        }
    }
    assert flatten_post(post, {}) == "T\na[视频]"


@pytest.mark.parametrize(
    ("msg_type", "content", "kind", "text"),
    [
        ("audio", {"file_key": "f1", "duration": 2000}, MessageKind.VOICE, "[语音]"),
        (
            "media",
            {"file_key": "f2", "image_key": "i", "file_name": "v.mp4"},
            MessageKind.VIDEO,
            "[视频] v.mp4",
        ),
        ("sticker", {"file_key": "s"}, MessageKind.STICKER, "[表情]"),
        (
            "interactive",
            {"header": {"title": {"tag": "plain_text", "content": "审批"}}},
            MessageKind.OTHER,
            "[卡片] 审批",
        ),
        ("share_chat", {"chat_id": "oc_9"}, MessageKind.CONTACT, "[群名片] oc_9"),
        ("share_user", {"user_id": "ou_9"}, MessageKind.CONTACT, "[个人名片] ou_9"),
        ("merge_forward", {}, MessageKind.OTHER, "[合并转发]"),
        (
            "location",
            {"name": "公司", "longitude": "1", "latitude": "2"},
            MessageKind.LOCATION,
            "[位置] 公司",
        ),
        ("hongbao", {"text": "恭喜"}, MessageKind.RED_PACKET, "[红包] 恭喜"),
        ("video_chat", {"topic": "周会", "start_time": "1"}, MessageKind.CALL, "[视频会议] 周会"),
        ("todo", {"task_id": "t", "summary": {"title": "写报告"}}, MessageKind.OTHER, "[任务] 写报告"),
        ("share_calendar_event", {"summary": "评审"}, MessageKind.OTHER, "[日程] 评审"),
        ("vote", {"topic": "午饭", "options": ["面"]}, MessageKind.POLL, "[投票] 午饭"),
        ("brand_new", {"x": 1}, MessageKind.OTHER, "[brand_new]"),
    ],
)
def test_other_msg_types(
    tmp_path: Path,
    store: SQLiteStore,
    import_files: ImportFn,
    msg_type: str,
    content: Any,
    kind: MessageKind,
    text: str,
) -> None:
    record = {
        "message_id": "om_x",
        "msg_type": msg_type,
        "create_time": "1712031234567",
        "chat_id": "oc_1",
        "sender": {"id": "ou_1", "sender_type": "user"},
        "body": {"content": json.dumps(content, ensure_ascii=False)},
    }
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    import_files(path)
    [message] = all_messages(store)
    assert (message.kind, message.text) == (kind, text)


@pytest.mark.parametrize(
    ("content", "score"),
    [
        (GOOD.read_text(encoding="utf-8"), 0.95),
        ('{"msgid": "1", "msgtype": "text", "msgtime": 1, "tolist": []}', 0.0),
        ('{"msgtype": "text", "conversationId": "c", "createAt": 1, "senderNick": "x"}', 0.0),
    ],
)
def test_sniff(tmp_path: Path, content: str, score: float) -> None:
    path = tmp_path / "page.json"
    path.write_text(content, encoding="utf-8")
    assert importers.get("feishu-json").sniff(SourceFile(path)) == score
