"""wecom-archive-json: decrypted WeCom 会话内容存档 messages, every msgtype of FORMATS.md §9."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from chatledger import importers
from chatledger.errors import ImportFormatError
from chatledger.importers.base import SourceFile
from chatledger.importers.wecom_archive import TYPES, fen_to_yuan
from chatledger.model import Message
from chatledger.store import SQLiteStore
from tests.conftest import SAMPLES, ImportFn, all_messages, conversation_records, snapshot

WECOM = SAMPLES / "wecom"
GOOD = WECOM / "archive_3p_9m.jsonl"
BAD = WECOM / "bad_wecom_msgtime.json"


def as_expected(m: Message, subset: dict[str, Any]) -> dict[str, Any]:
    extra = m.extra or {}
    return {
        "conversation": m.conversation,
        "locator": m.locator,
        "sender": m.sender,
        "time_utc": datetime.fromtimestamp(m.ts_ms / 1000, UTC).isoformat(),
        "precision": m.precision.value,
        "kind": m.kind.value,
        "text": m.text,
        "platform_msg_id": m.platform_msg_id,
        "reply_to": m.reply_to,
        "attachments": [
            {"name": a.name, "kind": a.kind.value, "status": a.status.value, "size": a.size}
            for a in m.attachments
        ],
        "extra_subset": {k: extra.get(k) for k in subset},
    }


def test_sample_matches_expected(store: SQLiteStore, import_files: ImportFn) -> None:
    want = json.loads((WECOM / (GOOD.name + ".expected.json")).read_text(encoding="utf-8"))
    [source] = import_files(GOOD, tz=want["tz"]).sources
    assert source.format == want["format"]
    conversations = conversation_records(store)
    assert conversations == want["conversations"]
    got = [
        as_expected(m, w["extra_subset"]) for m, w in zip(all_messages(store), want["messages"], strict=True)
    ]
    assert got == want["messages"]


def test_bad_sample_leaves_archive_unchanged(store: SQLiteStore, import_files: ImportFn) -> None:
    want = json.loads((WECOM / (BAD.name + ".expected.json")).read_text(encoding="utf-8"))
    import_files(GOOD)
    before = snapshot(store)
    with pytest.raises(ImportFormatError) as caught:
        import_files(BAD)  # detected, not forced
    assert str(caught.value) == want["error"].replace("{path}", str(BAD))
    assert (caught.value.locator, caught.value.field) == ("$[1]", "msgtime")
    assert snapshot(store) == before


EVERY_TYPE: list[tuple[str, dict[str, Any], str, str]] = [
    ("text", {"content": "hi"}, "text", "hi"),
    ("markdown", {"content": "**b**"}, "text", "**b**"),
    ("image", {"md5sum": "m", "filesize": 3}, "image", "[图片]"),
    ("revoke", {"pre_msgid": "p1"}, "recall", "撤回了一条消息"),
    ("agree", {"userid": "u1", "agree_time": 1}, "system", "[同意会话存档] u1"),
    ("disagree", {"userid": "u1", "agree_time": 1}, "system", "[不同意会话存档] u1"),
    ("voice", {"play_length": 3, "voice_size": 10}, "voice", "[语音]"),
    ("video", {"play_length": 3}, "video", "[视频]"),
    ("card", {"corpname": "腾讯", "userid": "u2"}, "contact", "[名片] 腾讯 u2"),
    (
        "location",
        {"title": "公司", "address": "深圳", "latitude": 22.5, "longitude": 114.0},
        "location",
        "[位置] 公司 深圳",
    ),
    ("emotion", {"type": 1}, "sticker", "[表情]"),
    ("file", {"filename": "a.pdf", "filesize": 9}, "file", "[文件] a.pdf"),
    ("link", {"title": "T", "description": "D", "link_url": "https://x"}, "link", "[链接] T\nD\nhttps://x"),
    ("weapp", {"title": "T", "displayname": "App"}, "link", "[小程序] App T"),
    (
        "chatrecord",
        {"title": "群聊记录", "item": [{"type": "ChatRecordText", "content": '{"content":"a"}'}]},
        "other",
        "[聊天记录] 群聊记录\na",
    ),
    ("todo", {"title": "T", "content": "C"}, "other", "[待办] T C"),
    ("vote", {"votetitle": "午饭", "voteitem": ["面", "饭"]}, "poll", "[投票] 午饭"),
    ("collect", {"title": "报名", "room_name": "群"}, "other", "[填表] 报名 群"),
    ("redpacket", {"wish": "w", "totalamount": 5, "totalcnt": 1}, "red_packet", "[红包] w ¥0.05"),
    ("meeting", {"topic": "周会", "address": "A"}, "other", "[会议] 周会 A"),
    ("docmsg", {"title": "文档", "link_url": "https://d"}, "link", "[文档] 文档 https://d"),
    ("news", {"item": [{"title": "N", "url": "https://n"}]}, "link", "[图文] N https://n"),
    ("calendar", {"title": "日程", "place": "P"}, "other", "[日程] 日程 P"),
    (
        "mixed",
        {"item": [{"type": "text", "content": '{"content":"x"}'}, {"type": "emotion", "content": "{}"}]},
        "text",
        "x[表情]",
    ),
    ("meeting_voice_call", {"endtime": 1}, "call", "[会议语音通话]"),
    ("voip_doc_share", {"filename": "s.pptx"}, "file", "[文件] s.pptx"),
    ("sphfeed", {"sph_name": "号", "feed_desc": "D"}, "link", "[视频号] 号 D"),
    ("voiptext", {"callduration": 60, "invitetype": 1}, "call", "[音视频通话] 60s"),
    ("qydiskfile", {"filename": "q.doc"}, "file", "[微盘文件] q.doc"),
    ("newtype", {"x": 1}, "other", "[newtype]"),
]


# Where the official layout (developer.work.weixin.qq.com, 获取会话内容) puts each payload: under the
# msgtype's own key unless listed here; None means beside the envelope fields.
OFFICIAL_KEY: dict[str, str | None] = {
    "docmsg": "doc",
    "markdown": "info",
    "news": "info",
    "qydiskfile": "info",
    "vote": None,
}


def test_every_documented_type_is_covered() -> None:
    assert set(TYPES) - {t for t, *_ in EVERY_TYPE} == {"external_redpacket"}  # tested below


@pytest.mark.parametrize(("msgtype", "payload", "kind", "text"), EVERY_TYPE, ids=[t[0] for t in EVERY_TYPE])
def test_every_msgtype(
    tmp_path: Path,
    store: SQLiteStore,
    import_files: ImportFn,
    msgtype: str,
    payload: dict[str, Any],
    kind: str,
    text: str,
) -> None:
    record = {
        "msgid": "1",
        "action": "send",
        "from": "a",
        "tolist": ["b"],
        "roomid": "",
        "msgtime": 1712031234567,
    }
    key = OFFICIAL_KEY.get(msgtype, msgtype)
    record |= {"msgtype": msgtype} | ({key: payload} if key else payload)
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    import_files(path)
    [message] = all_messages(store)
    assert (message.kind.value, message.text) == (kind, text)
    if msgtype == "text":  # the payload is the text column: not copied
        assert message.extra is None
    else:
        assert message.extra is not None and message.extra[msgtype] == payload


def test_external_redpacket_payload_under_redpacket(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    record = {
        "msgid": "1",
        "from": "wmX",
        "tolist": ["a"],
        "roomid": "",
        "msgtime": 1712031234,
        "msgtype": "external_redpacket",
        "redpacket": {"type": 1, "wish": "新年", "totalcnt": 1, "totalamount": 100},
    }
    path = tmp_path / "one.json"
    path.write_text(json.dumps([record], ensure_ascii=False), encoding="utf-8")
    import_files(path)
    [message] = all_messages(store)
    assert (message.kind.value, message.text, message.precision.value) == (
        "red_packet",
        "[红包] 新年 ¥1.00",
        "s",
    )
    assert message.ts_ms == 1712031234000


@pytest.mark.parametrize(("fen", "yuan"), [(0, "0.00"), (5, "0.05"), (1234, "12.34"), (-250, "-2.50")])
def test_fen_to_yuan(fen: int, yuan: str) -> None:
    assert fen_to_yuan(fen) == yuan


def test_encrypted_chatdata_is_refused(tmp_path: Path, import_files: ImportFn) -> None:
    path = tmp_path / "raw.json"
    chatdata = [
        {"seq": 1, "msgid": "x", "publickey_ver": 1, "encrypt_random_key": "k", "encrypt_chat_msg": "m"}
    ]
    path.write_text(json.dumps({"errcode": 0, "errmsg": "ok", "chatdata": chatdata}), encoding="utf-8")
    with pytest.raises(ImportFormatError) as caught:
        import_files(path)
    assert str(caught.value) == (
        f"{path}, line 1: field 'chatdata': expected decrypted archive messages, found 'a GetChatData response "
        "with encrypted records'. Decrypt each record with the enterprise private key and DecryptData first."
    )


def test_one_to_one_without_receiver(tmp_path: Path, import_files: ImportFn) -> None:
    path = tmp_path / "x.jsonl"
    record = {
        "msgid": "1",
        "from": "a",
        "tolist": [],
        "roomid": "",
        "msgtime": 1,
        "msgtype": "text",
        "text": {},
    }
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    with pytest.raises(ImportFormatError, match="field 'tolist'"):
        import_files(path, format="wecom-archive-json")


@pytest.mark.parametrize(
    ("content", "score"),
    [
        (GOOD.read_text(encoding="utf-8"), 0.95),
        ('{"msgtype": "text", "conversationId": "c", "createAt": 1, "senderNick": "x"}', 0.0),
        ('{"message_id": "om_1", "msg_type": "text", "create_time": "1"}', 0.0),
    ],
)
def test_sniff(tmp_path: Path, content: str, score: float) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text(content, encoding="utf-8")
    assert importers.get("wecom-archive-json").sniff(SourceFile(path)) == score
