"""sjzar/chatlog HTTP API responses saved as JSON, CSV and text (synthetic samples built from FORMATS.md 1.7)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from chatledger import importers
from chatledger.errors import ImportFormatError
from chatledger.importers.base import SourceFile
from chatledger.model import ConversationKind, MessageKind, TimePrecision
from chatledger.store import SQLiteStore
from tests.conftest import SAMPLES, ImportFn, all_messages, snapshot
from tests.importers._wechat import WECHAT, utc

JSON = WECHAT / "chatlog_json_2chats_16m.json"
CSV = WECHAT / "chatlog_csv_2chats_16m.csv"
TEXT = WECHAT / "chatlog_txt_2chats_16m.txt"
GROUP, ZHANG = "20240601@chatroom", "wxid_zhang01"
SHANGHAI = "Asia/Shanghai"


def _record(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "seq": 1717200000000,
        "time": "2024-06-01T08:00:00+08:00",
        "talker": ZHANG,
        "talkerName": "张三",
        "isChatRoom": False,
        "sender": ZHANG,
        "senderName": "张三",
        "isSelf": False,
        "type": 1,
        "subType": 0,
        "content": "在吗",
    }
    return base | fields


def _write_json(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


def test_json_sample(store: SQLiteStore, import_files: ImportFn) -> None:
    result = import_files(JSON, tz=SHANGHAI, me=("wxid_me01",))
    [source] = result.sources
    assert (source.format, source.messages, source.new, source.warnings) == (
        "wechat-chatlog-json",
        16,
        16,
        [],
    )
    chats = {c.platform_id: (c.title, c.kind, c.message_count) for c in store.conversations()}
    assert chats == {
        GROUP: ("项目群", ConversationKind.GROUP, 10),
        ZHANG: ("张三", ConversationKind.DIRECT, 6),
    }
    messages = all_messages(store)
    assert Counter(m.kind for m in messages) == {
        MessageKind.TEXT: 4,
        MessageKind.TRANSFER: 2,
        MessageKind.RECALL: 2,
        MessageKind.IMAGE: 1,
        MessageKind.VOICE: 1,
        MessageKind.FILE: 1,
        MessageKind.LINK: 1,
        MessageKind.OTHER: 1,
        MessageKind.LOCATION: 1,
        MessageKind.STICKER: 1,
        MessageKind.SYSTEM: 1,
    }
    assert all(m.utc_offset_min == 480 and m.precision is TimePrecision.SECOND for m in messages)
    assert (utc(messages[0]), utc(messages[-1])) == ("2024-06-01T00:00:00+00:00", "2024-06-01T01:05:00+00:00")
    by = {m.locator: m for m in messages}
    quote = by["$[1]"]
    assert (quote.sender, quote.sender_name, quote.text, quote.reply_to) == (
        "wxid_wang03",
        "小王",
        "好的，我来处理",
        None,
    )
    assert quote.extra == {
        "quote": {
            "sender": "wxid_li02",
            "name": "小李",
            "text": "谁跟进？",
            "type": 1,
            "ts_ms": 1717200000000,
        },
        "seq": 1717200005000,
    }
    image = by["$[2]"]
    assert (image.sender, image.sender_name, image.text) == ("wxid_me01", "我", "[图片]")
    assert image.attachments[0].path == (
        "msg/attach/9e20f478899dc29eb19741386f9343c8/2024-06/Img/0123456789abcdef0123456789abcdef"
    )
    voice = by["$[3]"]
    assert (voice.kind, voice.text, voice.platform_msg_id) == (
        MessageKind.VOICE,
        "[语音]",
        "8123456789012345678",
    )
    assert by["$[4]"].text == "[文件] 方案.pdf" and by["$[4]"].attachments[0].name == "方案.pdf"
    assert by["$[5]"].extra == {
        "url": "https://example.com/w23",
        "desc": "第23周进展",
        "app_type": 5,
        "seq": 1717200240000,
    }
    recall = by["$[6]"]
    assert (recall.kind, recall.sender, recall.extra) == (
        MessageKind.RECALL,
        None,
        {"recalled_by": "小李", "seq": 1717200300000},
    )
    forward = by["$[7]"]
    assert (
        forward.text
        == "[合并转发|群聊的聊天记录]\n  张三 2024-05-31 18:20\n  合同已签\n  张三 2024-05-31 18:21\n  [图片]"
    )
    assert forward.extra is not None and forward.extra["record"] == [
        {"name": "张三", "time": "2024-05-31 18:20", "type": "1", "text": "合同已签", "ts_ms": 1717150800000},
        {
            "name": "张三",
            "time": "2024-05-31 18:21",
            "type": "2",
            "ts_ms": 1717150860000,
            "md5": "aaaabbbbccccddddaaaabbbbccccdddd",
        },
    ]
    assert [by["$[8]"].text, by["$[9]"].text] == ["ok", "ok"]  # a genuine repeat in one second is kept
    sent, received = by["$[10]"], by["$[11]"]
    assert (sent.sender, sent.extra and sent.extra["direction"], sent.extra and sent.extra["amount"]) == (
        ZHANG,
        "sent",
        "2000.00",
    )
    assert (received.sender, received.extra and received.extra["direction"]) == ("wxid_me01", "received")
    assert by["$[12]"].extra == {
        "latitude": "31.2304",
        "longitude": "121.4737",
        "label": "上海市黄浦区人民大道200号",
        "city": "上海市",
        "seq": 1717203720000,
    }
    pat = by["$[14]"]
    assert (pat.kind, pat.sender, pat.extra) == (
        MessageKind.SYSTEM,
        None,
        {"event": "pat", "from": ZHANG, "seq": 1717203840000},
    )
    assert (by["$[15]"].kind, by["$[15]"].sender) == (MessageKind.RECALL, "wxid_me01")
    [me] = [p for p in store.participants() if p.is_self]
    assert (me.platform_id, me.display_name) == ("wxid_me01", "我")


@pytest.mark.parametrize("order", [(JSON, CSV, TEXT), (TEXT, CSV, JSON), (CSV, JSON, TEXT)])
def test_the_three_outputs_of_one_chat_are_the_same_messages(
    order: tuple[Path, Path, Path], store: SQLiteStore, import_files: ImportFn
) -> None:
    results = [import_files(path, tz=SHANGHAI, me=("wxid_me01",)) for path in order]
    assert [(r.sources[0].messages, r.new) for r in results] == [(16, 16), (16, 0), (16, 0)]
    assert len(all_messages(store)) == 16


def test_reimport_adds_nothing(store: SQLiteStore, tmp_path: Path, import_files: ImportFn) -> None:
    import_files(JSON, tz=SHANGHAI)
    copy = tmp_path / "again.json"
    copy.write_text(json.dumps(json.loads(JSON.read_text(encoding="utf-8")), indent=2), encoding="utf-8")
    result = import_files(copy, tz=SHANGHAI)
    assert (result.sources[0].messages, result.new) == (16, 0)


@pytest.mark.parametrize("path", [CSV, TEXT])
def test_the_serving_host_is_meta_not_text(path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    import_files(path, tz=SHANGHAI, me=("wxid_me01",))
    assert store.sources()[0].meta["chatlog_hosts"] == ["127.0.0.1:5030"]
    assert not [m.text for m in all_messages(store) if "5030" in m.text]


def test_items_wrapper_and_offsets(store: SQLiteStore, tmp_path: Path, import_files: ImportFn) -> None:
    records = [
        _record(time="2024-06-01T08:00:00-05:00"),
        _record(seq=1717200001000, time="2024-06-01T13:00:01Z", content="UTC"),
        _record(seq=1717200002000, time="2024-06-01T18:30:02.5+05:30", content="fraction"),
    ]
    path = tmp_path / "wrapped.json"
    path.write_text(json.dumps({"items": records}, ensure_ascii=False), encoding="utf-8")
    assert importers.detect(SourceFile(path)).name == "wechat-chatlog-json"
    import_files(path)
    messages = all_messages(store)
    assert [(m.locator, utc(m), m.utc_offset_min) for m in messages] == [
        ("$.items[0]", "2024-06-01T13:00:00+00:00", -300),
        ("$.items[1]", "2024-06-01T13:00:01+00:00", 0),
        ("$.items[2]", "2024-06-01T13:00:02.500000+00:00", 330),
    ]


def test_seq_running_backwards_is_warned_and_file_order_kept(
    store: SQLiteStore, tmp_path: Path, import_files: ImportFn
) -> None:
    path = _write_json(
        tmp_path / "order.json",
        [_record(seq=1717200000002, content="b"), _record(seq=1717200000001, content="a")],
    )
    result = import_files(path)
    assert any("$[1]: seq 1717200000001 is below" in w for w in result.sources[0].warnings)
    assert [m.text for m in all_messages(store)] == ["b", "a"]


def test_3x_xml_content_adds_details(store: SQLiteStore, tmp_path: Path, import_files: ImportFn) -> None:
    voice_xml = '<msg><voicemsg voicelength="3200" /><voicetrans transtext="我到了" /></msg>'
    revoke = '<sysmsg type="revokemsg"><revokemsg><replacemsg><![CDATA["张三" 撤回了一条消息]]></replacemsg></revokemsg></sysmsg>'
    path = _write_json(
        tmp_path / "v3.json",
        [
            _record(type=34, content=voice_xml, contents={"voice": "7000000000000000001"}),
            _record(seq=1717200001000, type=10002, content=revoke, sender=ZHANG),
        ],
    )
    import_files(path)
    voice, recall = all_messages(store)
    assert (voice.text, voice.platform_msg_id, voice.extra) == (
        "[语音]",
        "7000000000000000001",
        {"duration_ms": 3200, "transcript": "我到了", "seq": 1717200000000},
    )
    assert (recall.kind, recall.text, recall.sender) == (MessageKind.RECALL, '"张三" 撤回了一条消息', ZHANG)


def test_csv_owner_without_me(store: SQLiteStore, tmp_path: Path, import_files: ImportFn) -> None:
    path = tmp_path / "chat.csv"
    path.write_text(
        "Time,SenderName,Sender,TalkerName,Talker,Content\n"
        "2024-06-01 08:00:00,张三,wxid_zhang01,张三,wxid_zhang01,在吗\n"
        "2024-06-01 08:00:01,,,张三,wxid_zhang01,在\n"  # chatlog leaves the owner's 3.x id empty
        "2024-06-01 08:00:02,,wxid_me01,张三,wxid_zhang01,吃了吗\n"  # 4.x: the owner's wxid
        "2024-06-01 08:00:03,,wxid_me01,项目群,20240601@chatroom,早\n",
        encoding="utf-8",
    )
    result = import_files(path, tz=SHANGHAI)
    # the 1:1 rows name the owner's wxid, which then marks the owner's group row too
    assert [m.sender for m in all_messages(store)] == [ZHANG, "self", "self", "self"]
    assert store.sources()[0].meta["owner_ids"] == ["wxid_me01"]
    assert result.sources[0].warnings == []


def test_csv_group_only_without_me_keeps_the_wxid_and_says_so(
    store: SQLiteStore, tmp_path: Path, import_files: ImportFn
) -> None:
    path = tmp_path / "group.csv"
    path.write_text(
        "Time,SenderName,Sender,TalkerName,Talker,Content\n"
        "2024-06-01 08:00:00,小李,wxid_li02,项目群,20240601@chatroom,早\n"
        "2024-06-01 08:00:03,,wxid_me01,项目群,20240601@chatroom,早\n",
        encoding="utf-8",
    )
    result = import_files(path, tz=SHANGHAI)
    assert [m.sender for m in all_messages(store)] == ["wxid_li02", "wxid_me01"]
    assert any("pass --me <your wxid>" in w for w in result.sources[0].warnings)


def test_csv_and_json_match_without_me(store: SQLiteStore, import_files: ImportFn) -> None:
    import_files(CSV, tz=SHANGHAI)
    result = import_files(JSON, tz=SHANGHAI)
    assert (result.sources[0].messages, result.new) == (16, 0)


def test_text_short_times_take_the_date_option(
    store: SQLiteStore, tmp_path: Path, import_files: ImportFn
) -> None:
    path = tmp_path / "day.txt"
    path.write_text(
        "小李(wxid_li02) 08:00:00\n第一段\n\n小李(wxid_li02) 不是标题\n\n"
        '我 08:00:05\n改到\n\n明天 10:00:00\n\n系统消息 08:01:00\n"小李" 撤回了一条消息\n\n',
        encoding="utf-8",
    )
    import_files(path, tz=SHANGHAI, options={"date": "2024-06-01", "chat_id": GROUP})
    messages = all_messages(store)
    assert [(m.sender, m.kind, m.text, utc(m)) for m in messages] == [
        ("wxid_li02", MessageKind.TEXT, "第一段\n\n小李(wxid_li02) 不是标题", "2024-06-01T00:00:00+00:00"),
        ("self", MessageKind.TEXT, "改到\n\n明天 10:00:00", "2024-06-01T00:00:05+00:00"),
        (None, MessageKind.RECALL, '"小李" 撤回了一条消息', "2024-06-01T00:01:00+00:00"),
    ]
    [chat] = store.conversations()
    assert (chat.platform_id, chat.kind) == (GROUP, ConversationKind.GROUP)
    assert store.sources()[0].meta["date_assumed"] == "2024-06-01"


def test_text_month_day_times_take_the_year(
    store: SQLiteStore, tmp_path: Path, import_files: ImportFn
) -> None:
    path = tmp_path / "张三(wxid_zhang01).txt"  # the chat id from the file name
    path.write_text("张三(wxid_zhang01) 06-02 09:00:00\n早\n\n我 06-03 09:00:00\n早\n\n", encoding="utf-8")
    import_files(path, tz=SHANGHAI, options={"date": "2024-06-01"})
    assert [(m.conversation, m.sender, utc(m)) for m in all_messages(store)] == [
        (ZHANG, ZHANG, "2024-06-02T01:00:00+00:00"),
        (ZHANG, "self", "2024-06-03T01:00:00+00:00"),
    ]


def test_text_naming_no_chat_is_refused(store: SQLiteStore, tmp_path: Path, import_files: ImportFn) -> None:
    path = tmp_path / "day.txt"
    path.write_text("小李(wxid_li02) 08:00:00\n一\n\n小王(wxid_wang03) 08:00:01\n二\n\n", encoding="utf-8")
    before = snapshot(store)
    with pytest.raises(ImportFormatError) as caught:
        import_files(path, tz=SHANGHAI, options={"date": "2024-06-01"})
    assert caught.value.locator == "line 1" and "pass --option chat_id=" in str(caught.value)
    assert str(path) in str(caught.value)
    assert snapshot(store) == before


@pytest.mark.parametrize(
    ("record", "field", "found"),
    [
        ({"talker": ""}, "talker", ""),
        ({"type": "text"}, "type", "text"),
        ({"time": None}, "time", "missing"),
        ({"content": 5}, "content", "5"),
    ],
)
def test_bad_json_fields_are_named(
    record: dict[str, object],
    field: str,
    found: str,
    store: SQLiteStore,
    tmp_path: Path,
    import_files: ImportFn,
) -> None:
    import_files(JSON, tz=SHANGHAI)
    before = snapshot(store)
    path = _write_json(tmp_path / "bad.json", [_record(), _record(seq=1717200000001, **record)])
    with pytest.raises(ImportFormatError) as caught:
        import_files(path, format="wechat-chatlog-json")
    assert (caught.value.path, caught.value.locator, caught.value.field, caught.value.found) == (
        str(path),
        "$[1]",
        field,
        found,
    )
    assert snapshot(store) == before


def test_detection_does_not_steal_other_samples() -> None:
    for path, name in [
        (JSON, "wechat-chatlog-json"),
        (CSV, "wechat-chatlog-csv"),
        (TEXT, "wechat-chatlog-txt"),
    ]:
        assert importers.detect(SourceFile(path)).name == name
    mine = [importers.get(n) for n in ("wechat-chatlog-json", "wechat-chatlog-csv", "wechat-chatlog-txt")]
    others = [
        p
        for p in sorted(SAMPLES.rglob("*"))
        if p.is_file()
        and "chatlog_" not in p.name
        and not p.name.endswith((".expected.json", ".md", ".toml"))
    ]
    assert len(others) > 40
    stolen = [(p.name, imp.name) for p in others for imp in mine if imp.sniff(SourceFile(p)) > 0]
    assert stolen == []
