"""dingtalk-robot-json: DingTalk robot callbacks logged as JSON, JSONL or one object."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from chatledger import importers
from chatledger.errors import ImportFormatError
from chatledger.importers.base import SourceFile
from chatledger.model import Message, MessageKind
from chatledger.store import SQLiteStore
from tests.conftest import SAMPLES, ImportFn, all_messages, conversation_records, snapshot

DING = SAMPLES / "dingtalk"
GOOD = DING / "robot_callbacks_3p_5m.jsonl"


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


def test_sample_matches_expected(store: SQLiteStore, import_files: ImportFn) -> None:
    want = json.loads((DING / (GOOD.name + ".expected.json")).read_text(encoding="utf-8"))
    [source] = import_files(GOOD, tz=want["tz"]).sources
    assert source.format == want["format"]
    conversations = conversation_records(store)
    assert conversations == want["conversations"]
    assert [as_expected(m) for m in all_messages(store)] == want["messages"]
    # what every callback of one robot repeats is listed once, in the source's meta
    assert store.sources()[0].meta["dingtalk_robot"] == {
        "robotCode": ["dingabc"],
        "chatbotUserId": ["$:LWCP_v1:$bot"],
        "senderCorpId": ["ding123"],
    }


def test_bad_sample_leaves_archive_unchanged(store: SQLiteStore, import_files: ImportFn) -> None:
    bad = DING / "bad_dingtalk_createat.json"
    want = json.loads((DING / (bad.name + ".expected.json")).read_text(encoding="utf-8"))
    import_files(GOOD)
    before = snapshot(store)
    with pytest.raises(ImportFormatError) as caught:
        import_files(bad)  # detected, not forced
    assert str(caught.value) == want["error"].replace("{path}", str(bad))
    assert (caught.value.locator, caught.value.field) == ("$[1]", "createAt")
    assert snapshot(store) == before


def test_single_pretty_printed_callback(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    record = json.loads(GOOD.read_text(encoding="utf-8").splitlines()[0])
    path = tmp_path / "callback.json"
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    import_files(path)
    [message] = all_messages(store)
    assert (message.locator, message.kind, message.text) == ("$", MessageKind.TEXT, " 请问什么时候发货")


def test_unknown_msgtype_is_kept(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    path = tmp_path / "x.jsonl"
    record = {
        "msgtype": "interactiveCard",
        "content": {"cardId": "c1"},
        "createAt": 1712031234567,
        "conversationType": "1",
        "conversationId": "cid1",
        "senderId": "$:a",
        "senderNick": "A",
    }
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    [source] = import_files(path).sources
    [message] = all_messages(store)
    assert (message.kind, message.text) == (MessageKind.OTHER, "[interactiveCard]")
    assert message.extra is not None and message.extra["content"] == {"cardId": "c1"}
    assert any("unknown msgtype" in w for w in source.warnings)


def test_bad_jsonl_line(tmp_path: Path, import_files: ImportFn) -> None:
    path = tmp_path / "x.jsonl"
    first = GOOD.read_text(encoding="utf-8").splitlines()[0]
    path.write_text(first + "\n" + first[:40] + "\n", encoding="utf-8")
    with pytest.raises(ImportFormatError) as caught:
        import_files(path)
    assert caught.value.locator == "line 2"


@pytest.mark.parametrize(
    ("content", "score"),
    [
        (GOOD.read_text(encoding="utf-8"), 0.95),
        ('[{"msgtype": "text", "conversationId": "c", "createAt": 1}]', 0.6),
        ('{"msgid": "1", "msgtype": "text", "msgtime": 1, "from": "a"}', 0.0),
        ('{"message_id": "om_1", "msg_type": "text", "create_time": "1"}', 0.0),
    ],
)
def test_sniff(tmp_path: Path, content: str, score: float) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text(content, encoding="utf-8")
    assert importers.get("dingtalk-robot-json").sniff(SourceFile(path)) == score


def stream_frame(
    callback: dict[str, Any], *, kind: str = "CALLBACK", topic: str = "/v1.0/im/bot/messages/get"
) -> str:
    """A Stream-mode frame as the gateway sends it: the callback is a JSON string in ``data``."""
    headers = {"topic": topic, "messageId": "m-1", "contentType": "application/json", "time": "1712031234570"}
    data = json.dumps(callback, ensure_ascii=False)
    return json.dumps(
        {"specVersion": "1.0", "type": kind, "headers": headers, "data": data}, ensure_ascii=False
    )


def test_stream_mode_frames_are_unwrapped(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    callback = {
        "msgtype": "text",
        "text": {"content": " 请问什么时候发货"},
        "msgId": "msgAbC123==",
        "createAt": 1712031234567,
        "conversationType": "2",
        "conversationId": "cidXyZ==",
        "conversationTitle": "售后群",
        "senderId": "$:LWCP_v1:$abc",
        "senderNick": "王五",
        "senderStaffId": "manager123",
        "robotCode": "dingabc",
    }
    lines = [
        stream_frame(callback),
        stream_frame({"topic": "ping"}, kind="SYSTEM", topic="ping"),
        stream_frame({"value": "{}"}, topic="/v1.0/card/instances/callback"),
        json.dumps({**callback, "msgId": "msgPlain==", "createAt": 1712031240000}, ensure_ascii=False),
    ]
    path = tmp_path / "stream.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert importers.detect(SourceFile(path)).name == "dingtalk-robot-json"
    [source] = import_files(path, tz="Asia/Shanghai").sources
    got = [(m.locator, m.platform_msg_id, m.sender, m.sender_name, m.text) for m in all_messages(store)]
    assert got == [
        ("line 1", "msgAbC123==", "manager123", "王五", " 请问什么时候发货"),
        ("line 4", "msgPlain==", "manager123", "王五", " 请问什么时候发货"),
    ]
    assert [c.title for c in store.conversations()] == ["售后群"]
    assert any("line 2: a SYSTEM frame (topic 'ping')" in w for w in source.warnings)
    assert any(
        "line 3: a CALLBACK frame (topic '/v1.0/card/instances/callback')" in w for w in source.warnings
    )


def test_stream_frame_whose_data_is_no_json_object_is_an_error(
    tmp_path: Path, import_files: ImportFn
) -> None:
    frame = json.loads(stream_frame({}))
    frame["data"] = "{not json"
    path = tmp_path / "stream.jsonl"
    path.write_text(json.dumps(frame) + "\n", encoding="utf-8")
    with pytest.raises(ImportFormatError) as caught:
        import_files(path, format="dingtalk-robot-json")
    assert (caught.value.locator, caught.value.field) == ("line 1", "data")
