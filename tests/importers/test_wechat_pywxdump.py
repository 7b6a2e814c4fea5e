"""PyWxDump CSV (2024 and 2023 layouts) and JSON: real WeClone samples and our synthetic ones."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from chatledger import importers
from chatledger.errors import ImportFormatError
from chatledger.importers.base import SourceFile
from chatledger.model import MessageKind, TimePrecision
from chatledger.store import SQLiteStore
from tests.conftest import ImportFn, shared_sample, snapshot
from tests.importers._wechat import (
    WECHAT,
    all_messages,
    as_expected,
    check_bad,
    check_sample,
    excel_unicode_text,
    expected,
    import_sample,
    place,
    utc,
)

LEGACY = "wechat/pywxdump_legacy_csv__weclone_example_chat.csv"
RESAVED = "wechat/pywxdump_csv_excel_resaved__weclone_test_person.csv"


def test_legacy_weclone_sample(store: SQLiteStore, import_files: ImportFn) -> None:
    # Counted in the file: 35 records (ids 1-35, no multi-line cells); type_name 文本 26, 动画表情 5,
    # 图片 3, 系统通知 1; is_sender 1 (talker 我) on 20 rows, 0 (talker xinglaifaxianzhe) on 15.
    result = import_files(shared_sample(LEGACY), tz="Asia/Shanghai")
    [source] = result.sources
    assert (source.format, source.encoding, source.messages) == ("wechat-pywxdump-csv", "utf-8", 35)
    assert store.sources()[0].meta["layout"] == "pywxdump-2023-content-json"
    assert "lossy" not in store.sources()[0].meta
    [chat] = store.conversations()
    assert (chat.platform_id, chat.kind.value) == ("xinglaifaxianzhe", "direct")
    messages = all_messages(store)
    assert Counter(m.kind for m in messages) == {
        MessageKind.TEXT: 26,
        MessageKind.STICKER: 5,
        MessageKind.IMAGE: 3,
        MessageKind.SYSTEM: 1,
    }
    assert Counter(m.sender for m in messages) == {"self": 20, "xinglaifaxianzhe": 14, None: 1}
    # 2023-08-12 23:22:41 and 2023-08-13 14:15:14 Beijing time
    assert (utc(messages[0]), utc(messages[-1])) == ("2023-08-12T15:22:41+00:00", "2023-08-13T06:15:14+00:00")
    assert all(m.precision is TimePrecision.SECOND and m.utc_offset_min == 480 for m in messages)
    first = messages[0]
    assert (first.kind, first.sender, first.text, first.platform_msg_id, first.locator) == (
        MessageKind.SYSTEM,
        None,
        "你已添加了白桃乌龙，现在可以开始聊天了。",
        "953020244103908134",
        "line 2",
    )
    image = next(m for m in messages if m.kind is MessageKind.IMAGE)
    assert image.attachments[0].path == (
        "FileStorage\\MsgAttach\\ec71e3b5cc65b1713665080d0f1939e5\\Image\\2023-08\\82332bbba85f6bb3cf85823037f3a99e.dat"
    )
    sticker = next(m for m in messages if m.kind is MessageKind.STICKER)
    assert sticker.extra is not None and sticker.extra["url"].startswith("http://wxapp.tc.qq.com/262/20304/")
    [me] = [p for p in store.participants() if p.is_self]
    assert (me.platform_id, me.display_name) == ("self", "我")


def test_excel_resaved_weclone_sample_is_flagged_lossy(store: SQLiteStore, import_files: ImportFn) -> None:
    # Counted in the file: 96 records on 98 lines (record id 53 spans three lines; ids 3-6 are absent);
    # type_name 文本 65, 动画表情 23, 图片 5, 系统通知 2 (both `<revokemsg>你撤回了一条消息</revokemsg>`),
    # 引用回复 1. Rows with is_sender=1: 36 文本 + 8 动画表情 + 2 系统通知 = 46; is_sender=0 with
    # talker test_person: 46; is_sender=0 with talker 12345iru2zsmo22 (contradictory): 4 images.
    result = import_files(shared_sample(RESAVED), tz="Asia/Shanghai")
    [source] = result.sources
    assert (source.format, source.messages, source.new) == ("wechat-pywxdump-csv", 96, 96)
    meta = store.sources()[0].meta
    assert meta["lossy"] == ["seconds_dropped"]
    assert meta["lossy_counts"] == {"seconds_dropped": 96}
    assert meta["excel_resaved"] is True
    assert meta["owner_ids"] == ["12345iru2zsmo22"]
    assert any("4 rows: talker is not the chat partner" in w for w in source.warnings)
    messages = all_messages(store)
    assert Counter(m.kind for m in messages) == {
        MessageKind.TEXT: 66,
        MessageKind.STICKER: 23,
        MessageKind.IMAGE: 5,
        MessageKind.RECALL: 2,
    }
    assert Counter(m.sender for m in messages) == {"self": 46, "test_person": 46, "12345iru2zsmo22": 4}
    assert all(m.precision is TimePrecision.MINUTE for m in messages)
    # 2024/10/4 11:42 and 2024/12/30 21:28 Beijing time, seconds lost
    assert (utc(messages[0]), utc(messages[-1])) == ("2024-10-04T03:42:00+00:00", "2024-12-30T13:28:00+00:00")
    by_line = {m.locator: m for m in messages}
    assert by_line["line 8"].text == ""  # id 11: an empty body is kept, not dropped
    quote = by_line["line 50"]  # id 53, lines 50-52
    assert (quote.text, quote.platform_msg_id) == ("（我们两个人骑）", "1244017411047763227")
    assert quote.extra == {
        "quote": {
            "time": "2024-10-04 21:25:04",
            "name": "小虫",
            "text": "我之前租的时候 人家说这个没劲儿 租了个大的",
        }
    }
    assert by_line["line 53"].platform_msg_id == "7804635386065632983"  # id 54, right after the 3-line record
    recalls = [m for m in messages if m.kind is MessageKind.RECALL]
    assert [(m.locator, m.sender, m.text) for m in recalls] == [
        ("line 56", "self", "你撤回了一条消息"),
        ("line 62", "self", "你撤回了一条消息"),
    ]


def test_me_names_the_owner(store: SQLiteStore, import_files: ImportFn) -> None:
    import_files(shared_sample(LEGACY), tz="Asia/Shanghai", me=("wxid_owner",))
    [me] = [p for p in store.participants() if p.is_self]
    assert me.platform_id == "wxid_owner"
    assert Counter(m.sender for m in all_messages(store))["wxid_owner"] == 20


@pytest.mark.parametrize(
    "name", ["pywxdump_group_4p_11m.csv", "pywxdump_excel_lossy_2p_6m.csv", "pywxdump_json_direct_2p_4m.json"]
)
def test_synthetic_samples(name: str, store: SQLiteStore, tmp_path: Path, import_files: ImportFn) -> None:
    check_sample(name, store, import_sample(name, tmp_path, import_files))


@pytest.mark.parametrize(
    "name", ["bad_pywxdump_arity.csv", "bad_pywxdump_createtime.csv", "bad_pywxdump_is_sender.csv"]
)
def test_bad_samples(name: str, store: SQLiteStore, tmp_path: Path, import_files: ImportFn) -> None:
    check_bad(name, store, tmp_path, import_files)


def test_detection(tmp_path: Path) -> None:
    for name, format_name in [
        ("pywxdump_group_4p_11m.csv", "wechat-pywxdump-csv"),
        ("pywxdump_excel_lossy_2p_6m.csv", "wechat-pywxdump-csv"),
        ("pywxdump_json_direct_2p_4m.json", "wechat-pywxdump-json"),
    ]:
        assert importers.detect(SourceFile(place(name, tmp_path))).name == format_name
    assert importers.detect(SourceFile(shared_sample(LEGACY))).name == "wechat-pywxdump-csv"


def test_chat_id_option_overrides_room_name(
    store: SQLiteStore, tmp_path: Path, import_files: ImportFn
) -> None:
    path = place("pywxdump_group_4p_11m.csv", tmp_path)
    import_files(path, tz="Asia/Shanghai", options={"chat_id": "team@chatroom"})
    [chat] = store.conversations()
    assert (chat.platform_id, chat.kind.value, chat.message_count) == ("team@chatroom", "group", 11)


def test_reimport_of_a_resaved_copy_adds_nothing(
    store: SQLiteStore, tmp_path: Path, import_files: ImportFn
) -> None:
    path = place("pywxdump_group_4p_11m.csv", tmp_path)
    import_files(path, tz="Asia/Shanghai")
    copy = tmp_path / "copy.csv"
    copy.write_bytes(path.read_bytes().replace(b"\r\n", b"\n"))  # other bytes, same records
    result = import_files(copy, tz="Asia/Shanghai")
    assert (result.sources[0].messages, result.new) == (11, 0)


def test_legacy_content_that_is_not_json_is_kept_whole(
    store: SQLiteStore, tmp_path: Path, import_files: ImportFn
) -> None:
    path = tmp_path / "legacy.csv"
    path.write_text(
        "id,MsgSvrID,type_name,is_sender,talker,room_name,content,CreateTime\n"
        '1,11,文本,0,wxid_a,wxid_a,"{""src"": """", ""msg"": ""ok""}",2023-08-12 23:22:41\n'
        "2,12,文本,0,wxid_a,wxid_a,{broken,2023-08-12 23:22:42\n",
        encoding="utf-8",
    )
    result = import_files(path, tz="Asia/Shanghai")
    assert [m.text for m in all_messages(store)] == ["ok", "{broken"]
    assert any("line 3: content is not PyWxDump" in w for w in result.sources[0].warnings)


def test_unknown_type_name_is_kept_as_other(
    store: SQLiteStore, tmp_path: Path, import_files: ImportFn
) -> None:
    path = tmp_path / "new_type.csv"
    path.write_text(
        "id,MsgSvrID,type_name,is_sender,talker,room_name,msg,src,CreateTime\n"
        "1,11,全新类型,0,wxid_a,wxid_a,something,,2024-01-01 00:00:00\n",
        encoding="utf-8",
    )
    result = import_files(path, tz="UTC")
    [message] = all_messages(store)
    assert (message.kind, message.text) == (MessageKind.OTHER, "something")
    assert any("'全新类型' is not a known PyWxDump type" in w for w in result.sources[0].warnings)


def test_truncated_json_is_refused_where_it_breaks(
    store: SQLiteStore, tmp_path: Path, import_files: ImportFn
) -> None:
    whole = (place("pywxdump_json_direct_2p_4m.json", tmp_path)).read_text(encoding="utf-8")
    path = tmp_path / "cut.json"
    path.write_text(whole[: whole.index('"id": 3')], encoding="utf-8")
    before = snapshot(store)
    with pytest.raises(ImportFormatError) as caught:
        import_files(path, tz="Asia/Shanghai", format="wechat-pywxdump-json")
    assert caught.value.locator == "$[2]" and str(path) in str(caught.value)
    assert snapshot(store) == before


def test_legacy_json_with_content_objects(store: SQLiteStore, tmp_path: Path, import_files: ImportFn) -> None:
    # PyWxDump 2024-01…04 export_json: ``content: {"src", "msg"}`` in place of ``msg``/``src``; a merged
    # forward's ``src`` is the parsed recorditem structure.
    path = tmp_path / "wxid_a_0_3.json"
    path.write_text(
        json.dumps(
            [
                {
                    "MsgSvrID": "7000000000000000001",
                    "type_name": "文本",
                    "is_sender": 0,
                    "talker": "wxid_a",
                    "room_name": "wxid_a",
                    "content": {"src": "", "msg": "你好"},
                    "CreateTime": "2024-01-20 10:00:00",
                    "id": 1,
                },
                {
                    "MsgSvrID": "7000000000000000002",
                    "type_name": "合并转发的聊天记录",
                    "is_sender": 1,
                    "talker": "我",
                    "room_name": "wxid_a",
                    "content": {"src": {"datalist": {"dataitem": [{"datadesc": "一"}]}}, "msg": "聊天记录"},
                    "CreateTime": "2024-01-20 10:00:01",
                    "id": 2,
                },
            ],
            ensure_ascii=False,
            indent=4,
        ),
        encoding="utf-8",
    )
    [source] = import_files(path, tz="Asia/Shanghai").sources
    assert (source.format, source.messages) == ("wechat-pywxdump-json", 2)
    first, forward = all_messages(store)
    assert (first.sender, first.text, first.platform_msg_id) == ("wxid_a", "你好", "7000000000000000001")
    assert (forward.sender, forward.kind, forward.text) == ("self", MessageKind.OTHER, "聊天记录")
    assert forward.extra == {"src": '{"datalist": {"dataitem": [{"datadesc": "一"}]}}'}


def test_legacy_csv_merged_forward_keeps_its_text(
    store: SQLiteStore, tmp_path: Path, import_files: ImportFn
) -> None:
    content = json.dumps({"src": {"datalist": {"dataitem": []}}, "msg": "群聊的聊天记录"}, ensure_ascii=False)
    path = tmp_path / "legacy.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream).writerows(
            [
                ["id", "MsgSvrID", "type_name", "is_sender", "talker", "room_name", "content", "CreateTime"],
                [1, "11", "合并转发的聊天记录", 0, "wxid_b", "1@chatroom", content, "2024-03-01 10:00:00"],
            ]
        )
    result = import_files(path, tz="Asia/Shanghai")
    [message] = all_messages(store)
    assert (message.text, message.extra) == ("群聊的聊天记录", {"src": '{"datalist": {"dataitem": []}}'})
    assert result.sources[0].warnings == []


def test_file_named_by_its_path_when_the_text_is_the_type_label(
    store: SQLiteStore, tmp_path: Path, import_files: ImportFn
) -> None:
    # PyWxDump writes msg = type_name ("文件") for app messages 49/6 and the file name only for 49/0.
    path = tmp_path / "files.csv"
    path.write_text(
        "id,MsgSvrID,type_name,is_sender,talker,room_name,msg,src,CreateTime\n"
        "1,11,文件,0,wxid_a,wxid_a,文件,FileStorage\\File\\2024-03\\合同 v2.docx,2024-03-01 10:00:00\n"
        "2,12,文件,0,wxid_a,wxid_a,报价单.xlsx,FileStorage\\File\\2024-03\\报价单.xlsx,2024-03-01 10:00:01\n",
        encoding="utf-8",
    )
    import_files(path, tz="Asia/Shanghai")
    assert [(m.text, m.attachments[0].name) for m in all_messages(store)] == [
        ("文件", "合同 v2.docx"),
        ("报价单.xlsx", "报价单.xlsx"),
    ]


def test_excel_unicode_text_resave_is_detected_and_read(
    store: SQLiteStore, tmp_path: Path, import_files: ImportFn
) -> None:
    # Our Excel-damaged fixture saved once more by Excel as "Unicode text": UTF-16 LE, tabs, CRLF.
    name = "pywxdump_excel_lossy_2p_6m.csv"
    path = tmp_path / "pywxdump_excel_lossy.txt"
    path.write_bytes(excel_unicode_text((WECHAT / name).read_bytes()))
    assert importers.detect(SourceFile(path)).name == "wechat-pywxdump-csv"
    result = import_files(path, tz=expected(name)["tz"])
    assert (result.sources[0].encoding, result.sources[0].messages) == ("utf-16", 6)
    assert [as_expected(m) for m in all_messages(store)] == expected(name)["messages"]


def test_real_excel_resave_as_unicode_text_reads_like_the_csv(
    store: SQLiteStore, tmp_path: Path, import_files: ImportFn
) -> None:
    # The real WeClone re-save (AGPL, read in place), re-encoded as Excel's Unicode text: the same 96
    # messages, nothing new when both are imported.
    original = shared_sample(RESAVED)
    path = tmp_path / "test_0_730.txt"
    path.write_bytes(excel_unicode_text(original.read_bytes()))
    first = import_files(path, tz="Asia/Shanghai")
    assert (first.sources[0].format, first.sources[0].messages, first.new) == ("wechat-pywxdump-csv", 96, 96)
    again = import_files(original, tz="Asia/Shanghai")
    assert (again.sources[0].messages, again.new) == (96, 0)
