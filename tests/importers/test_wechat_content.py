"""The shared WeChat helpers: XML rendering, transfers, recalls, quotes, times, ids."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chatledger.importers._shared.wechat_content import (
    content_from_xml,
    kind_for_type,
    parse_amount,
    recall_from_text,
    split_memotrace_quote,
    split_pywxdump_quote,
    transfer_from_memotrace,
    transfer_from_pywxdump,
)
from chatledger.importers._shared.wechat_fields import Times, parse_msg_id
from chatledger.importers.base import ImportContext
from chatledger.model import MessageKind, TimePrecision

K = MessageKind


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("￥200.00", ("200.00", "CNY")),
        ("¥1,200.00", ("1200.00", "CNY")),
        ("￥1，234，567.89", ("1234567.89", "CNY")),
        ("88元", ("88", "CNY")),
        ("HK$100.50", ("100.50", "HKD")),
        ("12.5", ("12.5", None)),
        ("￥1,20.00", None),
        ("约200", None),
        ("", None),
    ],
)
def test_parse_amount(text: str, want: tuple[str, str | None] | None) -> None:
    assert parse_amount(text) == want


def _pay(subtype: str, extra: str = "") -> str:
    return (
        "<msg><appmsg><type>2000</type><wcpayinfo>"
        f"<paysubtype>{subtype}</paysubtype><feedesc>￥10.00</feedesc><transferid>T1</transferid>{extra}"
        "</wcpayinfo></appmsg></msg>"
    )


@pytest.mark.parametrize(
    ("subtype", "direction", "delayed", "text"),
    [
        ("1", "sent", None, "转账：￥10.00"),
        ("3", "received", None, "已收款：￥10.00"),
        ("4", "refunded", None, "已退还：￥10.00"),
        ("5", "received", True, "已收款：￥10.00"),
        ("7", "sent", True, "转账：￥10.00"),
        ("8", "unknown", None, "转账：￥10.00"),
    ],
)
def test_transfer_paysubtypes(subtype: str, direction: str, delayed: bool | None, text: str) -> None:
    content = content_from_xml(49, 2000, _pay(subtype))
    assert (content.kind, content.text) == (K.TRANSFER, text)
    assert content.extra is not None
    assert (content.extra["direction"], content.extra.get("delayed"), content.extra["paysubtype"]) == (
        direction,
        delayed,
        subtype,
    )
    assert (content.extra["amount"], content.extra["currency"], content.extra["transfer_id"]) == (
        "10.00",
        "CNY",
        "T1",
    )


def test_transfer_sub_type_from_xml_and_packed_4x_type() -> None:
    assert content_from_xml(49, 0, _pay("1")).kind is K.TRANSFER  # SubType column empty: <type> decides
    assert kind_for_type(49 + (2000 << 32), 0) is K.TRANSFER
    assert kind_for_type(49 + (57 << 32), 0) is K.TEXT


def test_transfer_texts() -> None:
    assert transfer_from_pywxdump("已收款：￥1,000.00\n转账说明：\n转账时间：2024-01-01 10:00:00\n") == {
        "direction": "received",
        "amount": "1000.00",
        "currency": "CNY",
        "amount_text": "￥1,000.00",
        "transfer_time": "2024-01-01 10:00:00",
    }
    assert transfer_from_pywxdump("转账给你") is None
    assert transfer_from_memotrace("【已退还】:￥5.00") == {
        "direction": "refunded",
        "amount": "5.00",
        "currency": "CNY",
        "amount_text": "￥5.00",
        "label": "已退还",
    }
    assert transfer_from_memotrace("【新的状态】：￥5.00")["direction"] == "unknown"  # type: ignore[index]
    assert transfer_from_memotrace("5.00") is None


@pytest.mark.parametrize(
    ("text", "notice", "by"),
    [
        ('"张三" 撤回了一条消息', '"张三" 撤回了一条消息', "张三"),
        ("“张三”撤回了一条消息", "“张三”撤回了一条消息", "张三"),
        ("你撤回了一条消息", "你撤回了一条消息", "你"),
        ("对方撤回了一条消息", "对方撤回了一条消息", "对方"),
        ("<revokemsg>你撤回了一条消息</revokemsg>", "你撤回了一条消息", "你"),
        (
            '<sysmsg type="revokemsg"><revokemsg><replacemsg><![CDATA[你撤回了一条消息 '
            '<a href="weixin://revoke_edit_click">重新编辑</a>]]></replacemsg></revokemsg></sysmsg>',
            "你撤回了一条消息",
            "你",
        ),
        ('"Ann" recalled a message', '"Ann" recalled a message', "Ann"),
        # a revokemsg is a recall in any language, even when the notice names nobody
        (
            '<sysmsg type="revokemsg"><revokemsg><replacemsg>Nachricht zurückgezogen</replacemsg></revokemsg></sysmsg>',
            "Nachricht zurückgezogen",
            None,
        ),
    ],
)
def test_recall_notices(text: str, notice: str, by: str | None) -> None:
    content = recall_from_text(text)
    assert content is not None
    assert (content.kind, content.text, content.recalled_by) == (K.RECALL, notice, by)


def test_other_system_notices_are_not_recalls() -> None:
    assert recall_from_text("你已添加了张三，现在可以开始聊天了。") is None
    assert content_from_xml(10000, 0, '"李四"邀请"赵六"加入了群聊').kind is K.SYSTEM
    pat = content_from_xml(
        10002,
        0,
        '<sysmsg type="pat"><pat><fromusername>a</fromusername><template>"${a}" 拍了拍我</template></pat></sysmsg>',
    )
    assert (pat.kind, pat.text, pat.extra) == (K.SYSTEM, '"${a}" 拍了拍我', {"event": "pat", "from": "a"})


def test_rendered_quotes() -> None:
    assert split_pywxdump_quote("好\n\n[引用](2024-01-01 10:00:00)张三:几点:三点") == (
        "好",
        {"time": "2024-01-01 10:00:00", "name": "张三", "text": "几点:三点"},
    )
    assert split_pywxdump_quote("\n\n[引用](2024-01-01 10:00:00)张三:图片") == (
        "",
        {"time": "2024-01-01 10:00:00", "name": "张三", "text": "图片"},
    )
    assert split_pywxdump_quote("没有引用") is None
    assert split_memotrace_quote("好的\n引用:张三：明天见") == ("好的", {"name": "张三", "text": "明天见"})
    assert split_memotrace_quote("好的") is None


def test_quote_of_an_image_and_other_typed_xml() -> None:
    quote = content_from_xml(
        49,
        57,
        "<msg><appmsg><title>这张不错</title><type>57</type><refermsg><type>3</type><svrid>42</svrid>"
        '<content>wxid_a:\n&lt;msg&gt;&lt;img md5="x" /&gt;&lt;/msg&gt;</content></refermsg></appmsg></msg>',
    )
    assert (quote.text, quote.reply_to, quote.extra) == (
        "这张不错",
        "42",
        {"quote": {"msg_id": "42", "text": "[图片]", "type": 3}},
    )
    voice = content_from_xml(
        34, 0, '<msg><voicemsg voicelength="3200" /><voicetrans transtext="我到了" /></msg>'
    )
    assert (voice.kind, voice.text, voice.extra) == (
        K.VOICE,
        "[语音] 我到了",
        {"duration_ms": 3200, "transcript": "我到了"},
    )
    location = content_from_xml(
        48, 0, '<msg><location x="39.9" y="116.4" label="北京市东城区" poiname="天安门" /></msg>'
    )
    assert (location.kind, location.text) == (K.LOCATION, "[位置] 天安门 北京市东城区")
    card = content_from_xml(42, 0, '<msg username="wxid_c" nickname="小陈" />')
    assert (card.kind, card.text) == (K.CONTACT, "[名片] 小陈")
    call = content_from_xml(
        50, 0, "<voipmsg><VoIPBubbleMsg><msg><![CDATA[通话时长 00:12]]></msg></VoIPBubbleMsg></voipmsg>"
    )
    assert (call.kind, call.text) == (K.CALL, "通话时长 00:12")
    link = content_from_xml(
        49, 5, "<msg><appmsg><title>标题</title><des>摘要</des><url>https://e.invalid/a</url></appmsg></msg>"
    )
    assert (link.kind, link.text, link.extra) == (
        K.LINK,
        "标题\n摘要\nhttps://e.invalid/a",
        {"app_type": 5, "url": "https://e.invalid/a"},
    )
    empty = content_from_xml(49, 2000, "")
    assert (empty.kind, empty.text, empty.xml_error) == (K.TRANSFER, "[转账]", False)


@settings(max_examples=300, deadline=None)
@given(
    type_code=st.sampled_from([1, 3, 34, 42, 43, 47, 48, 49, 50, 10000, 10002, 99999]),
    sub_type=st.sampled_from([0, 5, 6, 19, 57, 2000, 2001]),
    body=st.text(max_size=80),
    wrap=st.booleans(),
)
def test_any_content_renders_without_raising(type_code: int, sub_type: int, body: str, wrap: bool) -> None:
    raw = (
        f"<msg><appmsg><title>{body}</title><refermsg>{body}</refermsg></appmsg>{body}</msg>"
        if wrap
        else body
    )
    content = content_from_xml(type_code, sub_type, raw)
    assert isinstance(content.text, str)
    if content.xml_error:
        assert content.text == raw  # malformed XML is kept whole


@pytest.mark.parametrize(
    ("text", "utc_ms", "precision", "spreadsheet"),
    [
        ("2024-10-04 11:42:05", 1728013325000, TimePrecision.SECOND, False),
        ("2024/10/4 11:42", 1728013320000, TimePrecision.MINUTE, True),
        ("2024-10-04 9:05:03", 1728003903000, TimePrecision.SECOND, True),
        ("2024/10/04 11:42:05", 1728013325000, TimePrecision.SECOND, True),
    ],
)
def test_local_times(text: str, utc_ms: int, precision: TimePrecision, spreadsheet: bool) -> None:
    times = Times(ImportContext(zone=ZoneInfo("Asia/Shanghai"), zone_name="Asia/Shanghai"))
    assert times.local(text) == (utc_ms, 480, precision, spreadsheet)


@pytest.mark.parametrize(
    "text",
    ["2024-13-01 10:00:00", "2024-02-30 10:00:00", "2024-10-04 25:00:00", "2024-10-04 11:61:00", "昨天", ""],
)
def test_bad_local_times(text: str) -> None:
    times = Times(ImportContext(zone=ZoneInfo("UTC"), zone_name="UTC"))
    with pytest.raises(ValueError):
        times.local(text)


def test_times_follow_daylight_saving() -> None:
    times = Times(ImportContext(zone=ZoneInfo("Europe/Berlin"), zone_name="Europe/Berlin"))
    assert times.local("2024-03-31 01:30:00")[:2] == (1711845000000, 60)
    assert times.local("2024-03-31 03:30:00")[:2] == (1711848600000, 120)
    assert (times.zone_offset_at(1711845000), times.zone_offset_at(1711848600)) == (60, 120)


@pytest.mark.parametrize(
    ("text", "spreadsheet", "want"),
    [
        ("7437267147299592543", False, ("7437267147299592543", False)),
        ("7437267147299590000", False, ("7437267147299590000", False)),
        ("7437267147299590000", True, (None, True)),
        ("7.43727E+18", False, (None, True)),
        ("7437267147299592543.0", False, (None, True)),
        ("-1234567890123", False, ("-1234567890123", False)),
        ("0", False, (None, False)),
        ("", False, (None, False)),
    ],
)
def test_message_ids(text: str, spreadsheet: bool, want: tuple[str | None, bool]) -> None:
    assert parse_msg_id(text, spreadsheet=spreadsheet) == want


def test_message_id_that_is_no_number() -> None:
    with pytest.raises(ValueError):
        parse_msg_id("abc", spreadsheet=False)
