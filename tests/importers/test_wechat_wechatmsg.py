"""WeChatMsg/留痕 v1 CSV and MemoTrace (v2) CSV, on our synthetic samples."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatledger import importers
from chatledger.importers.base import SourceFile
from chatledger.ingest import ImportOptions, import_paths
from chatledger.model import MessageKind, TimePrecision
from chatledger.store import SQLiteStore
from tests.conftest import ImportFn
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

V1_HEADER = (
    "localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender"
)


@pytest.mark.parametrize(
    "name",
    ["wechatmsg_v1_group_4p_13m.csv", "wechatmsg_v1_direct_2p_8m.csv", "memotrace_v2_direct_2p_10m.csv"],
)
def test_synthetic_samples(name: str, store: SQLiteStore, tmp_path: Path, import_files: ImportFn) -> None:
    check_sample(name, store, import_sample(name, tmp_path, import_files))


@pytest.mark.parametrize(
    "name",
    [
        "bad_wechatmsg_v1_arity.csv",
        "bad_wechatmsg_v1_createtime.csv",
        "bad_wechatmsg_v1_type.csv",
        "bad_memotrace_time.csv",
    ],
)
def test_bad_samples(name: str, store: SQLiteStore, tmp_path: Path, import_files: ImportFn) -> None:
    check_bad(name, store, tmp_path, import_files)


def test_detection(tmp_path: Path) -> None:
    for name, format_name in [
        ("wechatmsg_v1_group_4p_13m.csv", "wechat-wechatmsg-csv"),
        ("wechatmsg_v1_direct_2p_8m.csv", "wechat-wechatmsg-csv"),
        ("memotrace_v2_direct_2p_10m.csv", "wechat-memotrace-csv"),
    ]:
        assert importers.detect(SourceFile(place(name, tmp_path))).name == format_name


def test_gb18030_copy_imports_identically(store: SQLiteStore, tmp_path: Path, import_files: ImportFn) -> None:
    name = "wechatmsg_v1_group_4p_13m.csv"
    relative = expected(name)["import_as"]
    text = (WECHAT / name).read_bytes().decode("utf-8-sig")
    gbk = tmp_path / "gbk" / relative
    gbk.parent.mkdir(parents=True)
    gbk.write_bytes(text.encode("gb18030"))
    result = import_files(gbk, tz="Asia/Shanghai")
    assert result.sources[0].encoding == "gb18030"
    assert store.sources()[0].encoding == "gb18030"
    assert [as_expected(m) for m in all_messages(store)] == expected(name)["messages"]
    # The UTF-8 original into the same archive: the same 13 messages, nothing new.
    again = import_files(place(name, tmp_path, relative), tz="Asia/Shanghai")
    assert (again.sources[0].messages, again.new) == (13, 0)


def test_same_second_burst_is_kept_and_reimport_adds_nothing(
    store: SQLiteStore, tmp_path: Path, import_files: ImportFn
) -> None:
    name = "wechatmsg_v1_direct_2p_8m.csv"
    path = place(name, tmp_path, "张三(wxid_zhang01)/张三_utf8.csv")
    import_files(path, tz="Asia/Shanghai")
    messages = all_messages(store)
    burst = [
        m
        for m in messages
        if m.sender == "self" and m.text == "好的" and utc(m) == "2024-05-02T00:00:30+00:00"
    ]
    assert [m.ordinal for m in burst] == [0, 1, 2]
    assert [m.text for m in messages].count("好的") == 5
    # The same export delivered with other bytes (LF line ends) is a new source holding nothing new.
    copy = tmp_path / "again" / "张三(wxid_zhang01)" / "张三_utf8.csv"
    copy.parent.mkdir(parents=True)
    copy.write_bytes(path.read_bytes().replace(b"\r\n", b"\n"))
    result = import_files(copy, tz="Asia/Shanghai")
    assert (result.sources[0].messages, result.new) == (8, 0)
    assert len(all_messages(store)) == 8


def test_chat_id_falls_back_to_the_remark_with_a_warning(
    store: SQLiteStore, tmp_path: Path, import_files: ImportFn
) -> None:
    path = place("wechatmsg_v1_direct_2p_8m.csv", tmp_path, "聊天记录/张三/张三_utf8.csv")
    result = import_files(path, tz="Asia/Shanghai")
    [chat] = store.conversations()
    assert (chat.platform_id, chat.title, chat.kind.value) == ("remark:张三", "张三", "direct")
    assert any("imported as 'remark:张三'" in w and "chat_id" in w for w in result.sources[0].warnings)
    partner = {m.sender for m in all_messages(store)} - {"self"}
    assert partner == {"remark:张三"}


def test_chat_id_option_wins(store: SQLiteStore, tmp_path: Path, import_files: ImportFn) -> None:
    path = place("wechatmsg_v1_group_4p_13m.csv", tmp_path)
    import_files(path, tz="Asia/Shanghai", options={"chat_id": "777@chatroom"})
    [chat] = store.conversations()
    assert (chat.platform_id, chat.kind.value, chat.message_count) == ("777@chatroom", "group", 13)


def test_group_without_folder_id_is_still_a_group(
    store: SQLiteStore, tmp_path: Path, import_files: ImportFn
) -> None:
    path = place("wechatmsg_v1_group_4p_13m.csv", tmp_path, "项目群_utf8.csv")
    import_files(path, tz="Asia/Shanghai")
    [chat] = store.conversations()
    assert (chat.platform_id, chat.title, chat.kind.value) == ("remark:项目群", "项目群", "group")


def test_partner_wxid_from_sender_column(store: SQLiteStore, tmp_path: Path, import_files: ImportFn) -> None:
    path = tmp_path / "张三_utf8.csv"
    path.write_text(
        "\ufeff" + V1_HEADER + "\n"
        "1,3,1,0,0,1714608000,2,在吗,2024-05-02 08:00:00,张三,zs,wxid_zhang01\n"
        "2,3,1,0,1,1714608060,2,在,2024-05-02 08:01:00,,小明,wxid_me001\n",
        encoding="utf-8",
    )
    import_files(path, tz="Asia/Shanghai")
    [chat] = store.conversations()
    assert (chat.platform_id, chat.title, chat.kind.value) == ("wxid_zhang01", "张三", "direct")


def test_group_with_one_speaker_is_not_merged_into_a_1to1_chat(
    store: SQLiteStore, tmp_path: Path, import_files: ImportFn
) -> None:
    # Only 李四 speaks besides the owner, but the file is named after the group, not after 李四.
    path = tmp_path / "周末球队_utf8.csv"
    path.write_text(
        V1_HEADER + "\n"
        "1,3,1,0,0,1714608000,2,几点集合,2024-05-02 08:00:00,李四,老李,wxid_li02\n"
        "2,3,1,0,1,1714608060,2,九点,2024-05-02 08:01:00,,小明,wxid_me001\n",
        encoding="utf-8",
    )
    import_files(path, tz="Asia/Shanghai")
    [chat] = store.conversations()
    assert chat.platform_id == "remark:周末球队"
    assert {m.sender for m in all_messages(store)} == {"wxid_li02", "self"}


def test_offset_comes_from_strtime_not_the_assumed_zone(
    store: SQLiteStore, tmp_path: Path, import_files: ImportFn
) -> None:
    # Exported on a PC set to UTC+9 (StrTime), imported with --tz Europe/Berlin: UTC time from
    # CreateTime, shown offset from StrTime; a StrTime that pairs with no offset falls back to the zone.
    path = tmp_path / "张三_utf8.csv"
    path.write_text(
        V1_HEADER + "\n"
        "1,3,1,0,0,1714608000,2,一,2024-05-02 09:00:00,张三,zs,wxid_zhang01\n"
        "2,3,1,0,0,1714608060,2,二,2024-05-02 09:01:00,张三,zs,wxid_zhang01\n"
        "3,3,1,0,0,1714608120,2,三,2024-05-02 09:02:17,张三,zs,wxid_zhang01\n"
        "4,3,1,0,0,1714608180,2,四,,张三,zs,wxid_zhang01\n",
        encoding="utf-8",
    )
    result = import_files(path, tz="Europe/Berlin")
    messages = all_messages(store)
    assert [utc(m) for m in messages] == [
        "2024-05-02T00:00:00+00:00",
        "2024-05-02T00:01:00+00:00",
        "2024-05-02T00:02:00+00:00",
        "2024-05-02T00:03:00+00:00",
    ]
    assert [m.utc_offset_min for m in messages] == [540, 540, 120, 120]
    assert any(
        "line 4: StrTime '2024-05-02 09:02:17' is not CreateTime 1714608120" in w
        for w in result.sources[0].warnings
    )


def test_spreadsheet_rounded_createtime_falls_back_to_strtime(
    store: SQLiteStore, tmp_path: Path, import_files: ImportFn
) -> None:
    path = tmp_path / "张三_utf8.csv"
    path.write_text(
        V1_HEADER + "\n1,3,1,0,0,1.71461E+09,2,一,2024/5/2 8:00,张三,zs,wxid_zhang01\n", encoding="utf-8"
    )
    result = import_files(path, tz="Asia/Shanghai")
    [message] = all_messages(store)
    assert (utc(message), message.precision) == ("2024-05-02T00:00:00+00:00", TimePrecision.MINUTE)
    meta = store.sources()[0].meta
    assert meta["lossy"] == ["create_time_rounded", "seconds_dropped"]
    assert meta["excel_resaved"] is True
    assert any("line 2: CreateTime '1.71461E+09'" in w for w in result.sources[0].warnings)


def test_group_sender_prefix_is_split_off(store: SQLiteStore, tmp_path: Path, import_files: ImportFn) -> None:
    path = tmp_path / "群(123@chatroom)" / "群_utf8.csv"
    path.parent.mkdir()
    path.write_text(
        V1_HEADER + "\n"
        '1,3,1,0,0,1714608000,2,"wxid_li02:\n大家好",2024-05-02 08:00:00,,,\n'
        '2,3,47,0,0,1714608001,2,"wxid_li02:\n<msg><emoji cdnurl=""http://e.invalid/a.gif"" /></msg>",'
        "2024-05-02 08:00:01,,,\n",
        encoding="utf-8",
    )
    import_files(path, tz="Asia/Shanghai")
    text, sticker = all_messages(store)
    assert (text.sender, text.text) == ("wxid_li02", "大家好")
    assert (sticker.sender, sticker.kind, sticker.extra) == (
        "wxid_li02",
        MessageKind.STICKER,
        {"url": "http://e.invalid/a.gif"},
    )


def test_memotrace_without_me_cannot_tell_own_messages(
    store: SQLiteStore, tmp_path: Path, import_files: ImportFn
) -> None:
    path = place("memotrace_v2_direct_2p_10m.csv", tmp_path, "张三.csv")
    result = import_files(path, tz="Asia/Shanghai")
    [chat] = store.conversations()
    assert (chat.platform_id, chat.kind.value) == ("remark:张三", "direct")  # two senders: not a group
    assert any("pass --me" in w for w in result.sources[0].warnings)
    senders = {m.sender for m in all_messages(store)}
    assert senders == {"name:张三", "name:小明", "self"}
    # Only the notice 你撤回了一条消息 says who the owner is; 小明's rows stay unattributed.
    assert {p.platform_id: p.is_self for p in store.participants()} == {
        "name:张三": None,
        "name:小明": None,
        "self": True,
    }


def test_nothing_is_written_when_a_later_row_is_bad(tmp_path: Path) -> None:
    # A file whose first rows are fine and a later one is not: the whole file is refused.
    store = SQLiteStore(tmp_path / "a.db")
    path = place("bad_wechatmsg_v1_arity.csv", tmp_path)
    with pytest.raises(Exception, match="line 5"):
        import_paths(store, [path], originals_dir=tmp_path / "o", options=ImportOptions(zone_name="UTC"))
    assert store.conversations() == [] and store.sources() == []
    store.close()


# -- "export all" (messages.csv): every chat in one file ---------------------------------------------

EXPORT_ALL = "wechatmsg_v1_export_all_4c_12m.csv"


def _per_chat_rows(rows: list[str]) -> str:
    return "\ufeff" + V1_HEADER + "\r\n" + "".join(r + "\r\n" for r in rows)


def test_export_all_is_split_into_one_conversation_per_chat(
    store: SQLiteStore, tmp_path: Path, import_files: ImportFn
) -> None:
    result = import_files(place(EXPORT_ALL, tmp_path, "messages.csv"), tz="Asia/Shanghai")
    [source] = result.sources
    assert (source.format, source.messages, source.new) == ("wechat-wechatmsg-csv", 12, 12)
    chats = [(c.platform_id, c.title, c.kind.value, c.message_count) for c in store.conversations()]
    assert chats == [
        ("remark:张_三", "张 三", "direct", 4),
        ("remark:项目群", "项目群", "group", 5),
        ("remark:Bob_W", "Bob.W", "direct", 2),
        ("talker:9", "talker:9", "direct", 1),
    ]
    by_chat: dict[str, list[tuple[str | None, str | None, str, str | None]]] = {}
    titles = {c.id: c.platform_id for c in store.conversations()}
    for m in all_messages(store):
        by_chat.setdefault(titles[m.conversation_id], []).append((m.locator, m.sender, m.kind.value, m.text))
    assert by_chat["remark:张_三"] == [
        ("line 2", "remark:张_三", "text", "明天几点出发？"),
        ("line 4", "self", "text", "七点半楼下见"),
        ("line 9", "remark:张_三", "recall", "对方撤回了一条消息"),
        ("line 13", "self", "text", "好的\n记得带伞"),
    ]
    assert by_chat["remark:项目群"] == [
        ("line 3", "name:李四", "text", "大家早，今天下午三点开会"),
        ("line 5", "self", "text", "收到"),
        ("line 6", "name:老王", "image", "[图片]"),
        ("line 10", "name:老王", "recall", '"老王" 撤回了一条消息'),
        ("line 15", "name:赵六", "text", "我三点前到"),
    ]
    assert by_chat["remark:Bob_W"] == [
        ("line 8", "remark:Bob_W", "text", "hi, are you there?"),
        ("line 11", "self", "text", "yes"),
    ]
    assert by_chat["talker:9"] == [("line 12", "talker:9", "text", "你好，我是快递")]
    participants = {p.platform_id: (p.display_name, list(p.aliases)) for p in store.participants()}
    assert participants["remark:张_三"] == ("张 三", ["张 三", "zs"])
    assert participants["name:李四"] == ("李四", ["李四"])
    assert store.sources()[0].meta["layout"] == "export_all"
    assert any("by display name" in w for w in source.warnings)


def test_export_all_then_per_chat_export_adds_nothing_twice(
    store: SQLiteStore, tmp_path: Path, import_files: ImportFn
) -> None:
    import_files(place(EXPORT_ALL, tmp_path, "messages.csv"), tz="Asia/Shanghai")
    # The same 1:1 chat exported on its own by WeChatMsg v1: 9-field rows, folder and file named
    # after the remark as WeChatMsg cleans it for a file name (space → _).
    single = tmp_path / "聊天记录" / "张_三" / "张_三_utf8.csv"
    single.parent.mkdir(parents=True)
    single.write_text(
        _per_chat_rows(
            [
                "1,3,1,0,0,1714608000,2,明天几点出发？,2024-05-02 08:00:00",
                "3,3,1,0,1,1714608030,2,七点半楼下见,2024-05-02 08:00:30",
                "7,3,10000,0,0,1714608120,4,对方撤回了一条消息,2024-05-02 08:02:00",
                '11,3,1,0,1,1714608240,2,"好的\n记得带伞",2024-05-02 08:04:00',
            ],
        ),
        encoding="utf-8",
        newline="",
    )
    again = import_files(single, tz="Asia/Shanghai")
    assert (again.sources[0].messages, again.new) == (4, 0)
    assert len(store.conversations()) == 4
    # The group on its own names members by wxid, which messages.csv never wrote: the owner's message
    # matches, the members' messages and 老王's recall cannot (the documented limitation).
    group = tmp_path / "聊天记录" / "项目群" / "项目群_utf8.csv"
    group.parent.mkdir(parents=True)
    group.write_text(
        _per_chat_rows(
            [
                "2,7,1,0,0,1714608010,2,大家早，今天下午三点开会,2024-05-02 08:00:10,李四,老李,wxid_li02",
                "4,7,1,0,1,1714608040,2,收到,2024-05-02 08:00:40,小明,小明,wxid_me001",
                '5,7,3,0,0,1714608050,2,"<?xml version=""1.0""?>\n<msg><img md5=""0123456789abcdef0123456789abcdef"" '
                'length=""48213"" /></msg>",2024-05-02 08:00:50,老王,老王,wxid_wang03',
                '8,7,10000,0,0,1714608130,4,"""老王"" 撤回了一条消息",2024-05-02 08:02:10,,,',
            ],
        ),
        encoding="utf-8",
        newline="",
    )
    merged = import_files(group, tz="Asia/Shanghai")
    assert (merged.sources[0].messages, merged.new) == (4, 3)
    assert [c.platform_id for c in store.conversations()].count("remark:项目群") == 1


def test_export_all_is_recognised_by_its_content_when_renamed(
    store: SQLiteStore, tmp_path: Path, import_files: ImportFn
) -> None:
    # A per-chat export never writes 我 in Sender (it writes the owner's wxid); messages.csv does.
    import_files(place(EXPORT_ALL, tmp_path, "全部聊天.csv"), tz="Asia/Shanghai")
    assert [c.platform_id for c in store.conversations()] == [
        "remark:张_三",
        "remark:项目群",
        "remark:Bob_W",
        "talker:9",
    ]


@pytest.mark.parametrize(
    "name", ["wechatmsg_v1_group_4p_13m.csv", "memotrace_v2_direct_2p_10m.csv", EXPORT_ALL]
)
def test_excel_unicode_text_resave_is_detected_and_read(
    name: str, store: SQLiteStore, tmp_path: Path, import_files: ImportFn
) -> None:
    want = expected(name) if name != EXPORT_ALL else {"import_as": "messages.txt", "tz": "Asia/Shanghai"}
    path = tmp_path / "excel" / want["import_as"].replace(".csv", ".txt")
    path.parent.mkdir(parents=True)
    path.write_bytes(excel_unicode_text((WECHAT / name).read_bytes()))
    format_name = "wechat-memotrace-csv" if name.startswith("memotrace") else "wechat-wechatmsg-csv"
    assert importers.detect(SourceFile(path)).name == format_name
    result = import_files(path, tz=want["tz"], me=tuple(want.get("me", ())))
    assert result.sources[0].encoding == "utf-16"
    if name == EXPORT_ALL:
        assert len(store.conversations()) == 4
        assert len(all_messages(store)) == 12
        return
    assert [as_expected(m) for m in all_messages(store)] == want["messages"]


def test_pat_template_is_rendered_with_the_names_in_the_file(
    store: SQLiteStore, tmp_path: Path, import_files: ImportFn
) -> None:
    # WeChat writes a pat as a template over wxids; 王五 speaks only after the pat.
    path = tmp_path / "群(123@chatroom)" / "群_utf8.csv"
    path.parent.mkdir()
    pat = (
        '<sysmsg type=""pat""><pat><fromusername>wxid_li02</fromusername><chatusername>123@chatroom</chatusername>'
        "<pattedusername>wxid_wang03</pattedusername><template><![CDATA["
        '""${wxid_li02}"" 拍了拍 ""${wxid_wang03}"" 的肩膀，又拍了拍 ""${wxid_gone9}""]]></template></pat></sysmsg>'
    )
    path.write_text(
        V1_HEADER + "\n"
        "1,3,1,0,0,1714608000,2,早,2024-05-02 08:00:00,李四,老李,wxid_li02\n"
        f'2,3,10002,0,0,1714608010,4,"{pat}",2024-05-02 08:00:10,李四,老李,wxid_li02\n'
        "3,3,1,0,0,1714608020,2,别拍了,2024-05-02 08:00:20,,王五,wxid_wang03\n",
        encoding="utf-8",
    )
    import_files(path, tz="Asia/Shanghai")
    _, rendered, _ = all_messages(store)
    assert (rendered.kind, rendered.sender) == (MessageKind.SYSTEM, None)
    assert rendered.text == '"李四" 拍了拍 "王五" 的肩膀，又拍了拍 "wxid_gone9"'
    assert rendered.extra == {
        "event": "pat",
        "from": "wxid_li02",
        "patted": "wxid_wang03",
        "template": '"${wxid_li02}" 拍了拍 "${wxid_wang03}" 的肩膀，又拍了拍 "${wxid_gone9}"',
    }


def test_group_recall_is_attributed_to_the_member_it_names(
    store: SQLiteStore, tmp_path: Path, import_files: ImportFn
) -> None:
    # A recall notice row carries no Sender; the name it quotes is a member's (by remark or nickname),
    # and a name two members share stays unattributed.
    path = tmp_path / "群(123@chatroom)" / "群_utf8.csv"
    path.parent.mkdir()
    path.write_text(
        V1_HEADER + "\n"
        "1,3,1,0,0,1714608000,2,早,2024-05-02 08:00:00,李四,老李,wxid_li02\n"
        "2,3,1,0,0,1714608005,2,早啊,2024-05-02 08:00:05,,小王,wxid_wang03\n"
        "3,3,1,0,0,1714608006,2,我也在,2024-05-02 08:00:06,,小王,wxid_wang99\n"
        '4,3,10000,0,0,1714608010,4,"""老李"" 撤回了一条消息",2024-05-02 08:00:10\n'
        '5,3,10000,0,0,1714608020,4,"""小王"" 撤回了一条消息",2024-05-02 08:00:20\n',
        encoding="utf-8",
    )
    import_files(path, tz="Asia/Shanghai")
    recalls = [(m.sender, m.sender_name, m.text) for m in all_messages(store) if m.kind is MessageKind.RECALL]
    assert recalls == [("wxid_li02", "李四", '"老李" 撤回了一条消息'), (None, None, '"小王" 撤回了一条消息')]
