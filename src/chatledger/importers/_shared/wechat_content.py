"""What a WeChat message is: type codes and exporters' labels, message XML, transfers, recalls, quotes.

Facts from FORMATS.md 1.3 (type codes), 1.5 (MemoTrace labels) and 1.6 (PyWxDump labels). Every
function here returns a :class:`Content` — kind, a human rendering as ``text`` and structured details
in ``extra`` — and none of them raises on odd content: malformed XML is kept as text and reported by
the caller, a message is never dropped.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from chatledger.model import Attachment, AttachmentStatus, MessageKind

K = MessageKind

TYPE_KINDS: dict[int, MessageKind] = {
    1: K.TEXT,
    3: K.IMAGE,
    34: K.VOICE,
    37: K.SYSTEM,  # friend request
    42: K.CONTACT,
    43: K.VIDEO,
    47: K.STICKER,
    48: K.LOCATION,
    50: K.CALL,
    62: K.VIDEO,  # short video (older clients)
    66: K.CONTACT,  # WeCom card
    10000: K.SYSTEM,
    10002: K.SYSTEM,
}

APP_KINDS: dict[int, MessageKind] = {
    1: K.TEXT,
    3: K.LINK,
    4: K.LINK,
    5: K.LINK,
    6: K.FILE,
    8: K.STICKER,
    17: K.LOCATION,
    19: K.OTHER,  # merged-forward record
    24: K.OTHER,  # favourites note
    33: K.LINK,
    36: K.LINK,
    50: K.CONTACT,
    51: K.LINK,
    53: K.OTHER,  # 接龙
    57: K.TEXT,  # quote / reply
    62: K.SYSTEM,  # pat
    63: K.LINK,
    74: K.FILE,
    87: K.TEXT,  # group announcement
    88: K.LINK,
    92: K.LINK,
    2000: K.TRANSFER,
    2001: K.RED_PACKET,
    2003: K.OTHER,  # red-packet cover gift
}

LABEL_KINDS: dict[str, MessageKind] = {
    # PyWxDump ``type_converter`` names
    "文本": K.TEXT,
    "图片": K.IMAGE,
    "语音": K.VOICE,
    "添加好友": K.SYSTEM,
    "推荐公众号": K.CONTACT,
    "视频": K.VIDEO,
    "动画表情": K.STICKER,
    "位置": K.LOCATION,
    "文件": K.FILE,
    "粘贴的文本": K.TEXT,
    "(分享)音乐": K.LINK,
    "(分享)卡片式链接": K.LINK,
    "游戏相关": K.OTHER,
    "用户上传的GIF表情": K.STICKER,
    "位置共享": K.LOCATION,
    "合并转发的聊天记录": K.OTHER,
    "(分享)笔记": K.OTHER,
    "(分享)小程序": K.LINK,
    "(分享)收藏夹": K.OTHER,
    "(分享)小说(猜)": K.LINK,
    "(分享)视频号名片": K.CONTACT,
    "(分享)视频号视频": K.LINK,
    "接龙": K.OTHER,
    "引用回复": K.TEXT,
    "视频号直播或直播回放": K.LINK,
    "文件(猜)": K.FILE,
    "群公告": K.TEXT,
    "视频号直播或直播回放等": K.LINK,
    "转账": K.TRANSFER,
    "赠送红包封面": K.OTHER,
    "语音通话": K.CALL,
    "企业微信打招呼(猜)": K.OTHER,
    "企业微信添加好友(猜)": K.SYSTEM,
    "系统通知": K.SYSTEM,
    "拍一拍": K.SYSTEM,
    "消息撤回1": K.RECALL,
    "消息撤回5": K.RECALL,
    "消息撤回6": K.RECALL,
    "消息撤回33": K.RECALL,
    "消息撤回36": K.RECALL,
    "消息撤回57": K.RECALL,
    "邀请加群": K.SYSTEM,
    "未知": K.OTHER,
    # MemoTrace (WeChatMsg v2) names
    "表情包": K.STICKER,
    "音视频通话": K.CALL,
    "位置分享": K.LOCATION,
    "分享链接": K.LINK,
    "红包": K.RED_PACKET,
    "引用消息": K.TEXT,
    "合并转发": K.OTHER,
    "小程序": K.LINK,
    "视频号": K.LINK,
    "音乐分享": K.LINK,
    "收藏笔记": K.OTHER,
    "个人/公众号名片": K.CONTACT,
    "名片": K.CONTACT,
    "企业微信名片": K.CONTACT,
    "系统消息": K.SYSTEM,
    "未知类型": K.OTHER,
}
"""Labels exporters write instead of type codes; a label missing here imports as OTHER with a warning."""

QUOTE_LABELS = frozenset({"引用回复", "引用消息"})
SYSTEM_KINDS = frozenset({K.SYSTEM, K.RECALL})
MEDIA_KINDS = frozenset({K.IMAGE, K.VOICE, K.VIDEO, K.FILE})
PLACEHOLDERS: dict[MessageKind, str] = {
    K.IMAGE: "[图片]",
    K.VOICE: "[语音]",
    K.VIDEO: "[视频]",
    K.STICKER: "[表情]",
    K.FILE: "[文件]",
    K.LOCATION: "[位置]",
    K.LINK: "[链接]",
    K.TRANSFER: "[转账]",
    K.RED_PACKET: "[红包]",
    K.CALL: "[通话]",
    K.CONTACT: "[名片]",
    K.OTHER: "[消息]",
}


def kind_for_label(label: str) -> MessageKind | None:
    kind = LABEL_KINDS.get(label)
    if kind is None and label.startswith("未知"):
        return K.OTHER
    return kind


def kind_for_type(type_code: int, sub_type: int) -> MessageKind:
    type_code, sub_type = split_type(type_code, sub_type)
    if type_code == 49:
        return APP_KINDS.get(sub_type, K.OTHER)
    return TYPE_KINDS.get(type_code, K.OTHER)


def split_type(type_code: int, sub_type: int) -> tuple[int, int]:
    """WeChat 4.x packs the app sub-type into the upper 32 bits: ``(subtype << 32) | type``."""
    if type_code >= 1 << 32:
        return type_code & 0xFFFFFFFF, type_code >> 32
    return type_code, sub_type


@dataclass(slots=True)
class Content:
    """A message's kind, human rendering and structured details, before sender and time are known."""

    kind: MessageKind
    text: str
    extra: dict[str, Any] | None = None
    reply_to: str | None = None
    attachments: tuple[Attachment, ...] = ()
    recalled_by: str | None = None  # for RECALL: "你", "对方" or the name the notice quotes
    xml_error: bool = False


def media_name(path: str) -> str:
    """The file name at the end of a Windows or POSIX path (exporters write both)."""
    return path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


def attachment(kind: MessageKind, path: str | None = None, name: str | None = None) -> Attachment:
    """Media the export names but does not carry (the path, if any, is on the exporting PC)."""
    shown = name or (media_name(path) if path else "") or PLACEHOLDERS.get(kind, "")
    return Attachment(shown, kind, AttachmentStatus.NOT_EXPORTED, path=path or None)


# -- group sender prefix -----------------------------------------------------------------------------

_ID_PREFIX = re.compile(r"([A-Za-z0-9_@.\-]{3,64}):\n", re.ASCII)


def split_group_prefix(text: str) -> tuple[str | None, str]:
    """WeChat stores group content as ``"<sender wxid>:\\n<content>"``; returns (wxid, content)."""
    if ":\n" not in text[:70]:
        return None, text
    match = _ID_PREFIX.match(text)
    if match is None:
        return None, text
    return match[1], text[match.end() :]


# -- XML -------------------------------------------------------------------------------------------


def parse_xml(text: str) -> ET.Element | None:
    """The root element, or None for malformed XML (WeChat writes some; callers keep the text)."""
    try:
        return ET.fromstring(text)
    except ET.ParseError:
        return None


def _text(element: ET.Element | None, path: str) -> str:
    if element is None:
        return ""
    return (element.findtext(path) or "").strip()


def _attr(element: ET.Element | None, name: str) -> str:
    return "" if element is None else (element.get(name) or "").strip()


def _int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and text.isascii() else None


def _compact(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v not in (None, "")}


def content_from_xml(type_code: int, sub_type: int, raw: str) -> Content:
    """Render a typed message whose content is (or should be) XML: WeChatMsg v1 ``StrContent``.

    Plain-text content for a non-text type is kept as the text; malformed XML likewise, with
    ``xml_error`` set so the caller can warn.
    """
    type_code, sub_type = split_type(type_code, sub_type)
    kind = kind_for_type(type_code, sub_type)
    stripped = raw.strip()
    if type_code == 10000 or not stripped.startswith("<"):
        return _plain(kind, raw)
    root = parse_xml(stripped)
    if root is None:
        recall = recall_from_text(raw) if kind in SYSTEM_KINDS else None
        if recall is not None:
            return recall
        content = _plain(kind, raw)
        content.xml_error = True
        return content
    if type_code == 49:
        return _app(root, sub_type)
    if type_code == 10002:
        return _sysmsg(root, raw)
    render = _RENDERERS.get(type_code)
    if render is None:
        return Content(kind, raw)
    return render(root)


def _plain(kind: MessageKind, raw: str) -> Content:
    if kind in SYSTEM_KINDS:
        return recall_from_text(raw) or Content(kind, raw)
    text = raw if raw.strip() else PLACEHOLDERS.get(kind, "")
    attachments = (attachment(kind),) if kind in MEDIA_KINDS else ()
    return Content(kind, text, attachments=attachments)


def _image(root: ET.Element) -> Content:
    img = root.find("img") if root.tag != "img" else root
    md5 = _attr(img, "md5")
    extra = _compact({"md5": md5, "size": _int(_attr(img, "length"))})
    return Content(K.IMAGE, "[图片]", extra or None, attachments=(attachment(K.IMAGE, name=md5 or None),))


def _voice(root: ET.Element) -> Content:
    voice = root.find("voicemsg") if root.tag != "voicemsg" else root
    duration = _int(_attr(voice, "voicelength"))
    transcript = _text(root, "voicetrans/transtext") or _attr(root.find("voicetrans"), "transtext")
    text = "[语音]" + (f" {transcript}" if transcript else "")
    extra = _compact({"duration_ms": duration, "transcript": transcript})
    return Content(K.VOICE, text, extra or None, attachments=(attachment(K.VOICE),))


def _video(root: ET.Element) -> Content:
    video = root.find("videomsg") if root.tag != "videomsg" else root
    md5 = _attr(video, "md5")
    extra = _compact({"duration_s": _int(_attr(video, "playlength")), "md5": md5})
    return Content(K.VIDEO, "[视频]", extra or None, attachments=(attachment(K.VIDEO, name=md5 or None),))


def _sticker(root: ET.Element) -> Content:
    emoji = root.find("emoji") if root.tag != "emoji" else root
    extra = _compact({"url": _attr(emoji, "cdnurl"), "md5": _attr(emoji, "md5")})
    return Content(K.STICKER, "[表情]", extra or None)


def _location(root: ET.Element) -> Content:
    loc = root.find("location") if root.tag != "location" else root
    label, poi = _attr(loc, "label"), _attr(loc, "poiname")
    text = " ".join(p for p in ("[位置]", poi, label) if p)
    extra = _compact({"latitude": _attr(loc, "x"), "longitude": _attr(loc, "y"), "label": label, "poi": poi})
    return Content(K.LOCATION, text, extra or None)


def _card(root: ET.Element) -> Content:
    nickname, username = _attr(root, "nickname"), _attr(root, "username")
    text = "[名片]" + (f" {nickname}" if nickname else "")
    return Content(K.CONTACT, text, _compact({"username": username, "nickname": nickname}) or None)


def _call(root: ET.Element) -> Content:
    summary = _text(root, ".//msg") or _text(root, "VoIPBubbleMsg/msg")
    return Content(K.CALL, summary or "[通话]", {"summary": summary} if summary else None)


_RENDERERS = {3: _image, 34: _voice, 43: _video, 47: _sticker, 48: _location, 42: _card, 50: _call}


def _app(root: ET.Element, sub_type: int) -> Content:
    app = root if root.tag == "appmsg" else root.find("appmsg")
    if app is None:
        app = root.find(".//appmsg")
    app_type = sub_type or _int(_text(app, "type")) or 0
    kind = APP_KINDS.get(app_type, K.OTHER)
    title, des, url = _text(app, "title"), _text(app, "des"), _text(app, "url")
    if app_type == 2000:
        return transfer_from_wcpay(app.find("wcpayinfo") if app is not None else None)
    if app_type == 2001:
        return _red_packet(app, title)
    if app_type == 57:
        return _quote(app, title)
    if kind is K.FILE:
        extra = _compact(
            {
                "size": _int(_text(app, "appattach/totallen")),
                "ext": _text(app, "appattach/fileext"),
                "md5": _text(app, "md5"),
            }
        )
        text = f"[文件] {title}" if title else "[文件]"
        return Content(K.FILE, text, extra or None, attachments=(attachment(K.FILE, name=title or None),))
    lines = [p for p in (title, des, url) if p]
    text = "\n".join(lines) if lines else PLACEHOLDERS.get(kind, "")
    return Content(kind, text, _compact({"app_type": app_type, "url": url}))


def _red_packet(app: ET.Element | None, title: str) -> Content:
    pay = app.find("wcpayinfo") if app is not None else None
    greeting = _text(pay, "sendertitle") or _text(pay, "receivertitle") or title
    extra = _compact({"greeting": greeting, "scene": _text(pay, "scenetext")})
    return Content(K.RED_PACKET, f"[红包] {greeting}" if greeting else "[红包]", extra or None)


def _quote(app: ET.Element | None, title: str) -> Content:
    ref = app.find("refermsg") if app is not None else None
    if ref is None:
        return Content(K.TEXT, title)
    svrid = _text(ref, "svrid")
    ref_type = _int(_text(ref, "type"))
    created = _int(_text(ref, "createtime"))
    quote = _compact(
        {
            "msg_id": svrid,
            "sender": _text(ref, "chatusr") or _text(ref, "fromusr"),
            "name": _text(ref, "displayname"),
            "text": _quoted_text(_text(ref, "content"), ref_type),
            "type": ref_type,
            "ts_ms": created * 1000 if created else None,
        }
    )
    reply_to = svrid if svrid.isdigit() and svrid.strip("0") else None
    return Content(K.TEXT, title, {"quote": quote}, reply_to=reply_to)


def _quoted_text(content: str, ref_type: int | None) -> str:
    _, content = split_group_prefix(content)
    if not content.startswith("<"):
        return content
    root = parse_xml(content)
    if root is None:
        return content
    app = root.find("appmsg")
    if app is not None:
        return _text(app, "title") or PLACEHOLDERS[K.OTHER]
    for tag, kind in (("img", K.IMAGE), ("emoji", K.STICKER), ("videomsg", K.VIDEO), ("voicemsg", K.VOICE)):
        if root.find(tag) is not None or root.tag == tag:
            return PLACEHOLDERS[kind]
    return PLACEHOLDERS.get(kind_for_type(ref_type or 0, 0), content)


def _sysmsg(root: ET.Element, raw: str) -> Content:
    kind_attr = root.get("type", "")
    if kind_attr == "revokemsg" or root.tag == "revokemsg":
        recall = _recall_from_xml(root)
        if recall is not None:
            return recall
    if kind_attr == "pat":
        pat = root.find("pat")
        text = _text(pat, "template") or "[拍一拍]"
        extra = _compact(
            {"event": "pat", "from": _text(pat, "fromusername"), "patted": _text(pat, "pattedusername")}
        )
        return Content(K.SYSTEM, text, extra)
    text = _text(root, ".//template") or _text(root, ".//content") or "".join(root.itertext()).strip()
    return Content(K.SYSTEM, text or raw, {"event": kind_attr} if kind_attr else None)


# -- recalls ---------------------------------------------------------------------------------------

_EDIT_LINK = re.compile(r"\s*<a\b[^>]*>\s*重新编辑\s*</a>", re.S)
_TAGS = re.compile(r"<[^>]*>")
_RECALLER = re.compile(r'\s*(?:"([^"]+)"|“([^”]+)”|(.*?))\s*(?:撤回了|recalled a message)', re.S)


def _is_recall_notice(text: str) -> bool:
    return "撤回了" in text or "recalled a message" in text


def recall_from_text(text: str) -> Content | None:
    """A recall notice (``"张三" 撤回了一条消息``, ``你撤回了一条消息``, ``<revokemsg>…``, a sysmsg), or None."""
    stripped = text.strip()
    if stripped.startswith("<"):
        root = parse_xml(stripped)
        if root is not None:
            found = _recall_from_xml(root)
            if found is not None:
                return found
    if not _is_recall_notice(text):
        return None
    return _recall(_TAGS.sub("", _EDIT_LINK.sub("", stripped)).strip(), None)


def _recall_from_xml(root: ET.Element) -> Content | None:
    """Any ``<revokemsg>`` (alone or in ``<sysmsg type="revokemsg">``) is a recall, whatever its language."""
    revoke = root if root.tag == "revokemsg" else root.find(".//revokemsg")
    if revoke is None:
        return None
    notice = _text(revoke, "replacemsg") or _text(revoke, "content") or (revoke.text or "").strip()
    notice = _TAGS.sub("", _EDIT_LINK.sub("", notice)).strip()
    return _recall(notice, _text(revoke, "newmsgid") or None)


def _recall(notice: str, recalled_id: str | None) -> Content:
    match = _RECALLER.match(notice) if _is_recall_notice(notice) else None
    by = None
    if match:
        by = (match[1] or match[2] or match[3] or "").strip() or None
    extra = _compact({"recalled_by": by, "recalled_msg_id": recalled_id})
    return Content(K.RECALL, notice, extra or None, recalled_by=by)


# -- transfers ---------------------------------------------------------------------------------------

PAYSUBTYPES: dict[str, tuple[str, bool]] = {
    "1": ("sent", False),
    "3": ("received", False),
    "4": ("refunded", False),
    "5": ("received", True),
    "7": ("sent", True),
}
"""``wcpayinfo/paysubtype`` → (direction, delayed transfer); 8 and 9 are seen but undocumented."""
TRANSFER_LABELS = {"sent": "转账", "received": "已收款", "refunded": "已退还", "unknown": "转账"}
_AMOUNT = re.compile(
    r"\s*(?P<pre>￥|¥|CNY|RMB|HK\$|HKD)?\s*"
    r"(?P<num>\d{1,3}(?:[,，]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?P<post>元|CNY|RMB)?\s*\Z"
)
_CURRENCY = {"￥": "CNY", "¥": "CNY", "CNY": "CNY", "RMB": "CNY", "元": "CNY", "HK$": "HKD", "HKD": "HKD"}


def parse_amount(text: str) -> tuple[str, str | None] | None:
    """``￥1,200.00`` → ("1200.00", "CNY"): a decimal string as written, separators removed."""
    match = _AMOUNT.match(text)
    if match is None:
        return None
    marker = match["pre"] or match["post"]
    return match["num"].replace(",", "").replace("，", ""), _CURRENCY.get(marker) if marker else None


def _transfer_extra(direction: str, amount_text: str, memo: str, **more: Any) -> dict[str, Any]:
    extra: dict[str, Any] = {"direction": direction}
    amount = parse_amount(amount_text)
    if amount is not None:
        extra["amount"], extra["currency"] = amount
    extra["amount_text"] = amount_text
    extra["memo"] = memo
    extra.update(more)
    return _compact(extra)


def transfer_from_wcpay(pay: ET.Element | None) -> Content:
    """A 49/2000 transfer: rendered like PyWxDump (``转账：￥200.00`` / ``已收款：…``), details in extra."""
    if pay is None:
        return Content(K.TRANSFER, "[转账]")
    subtype = _text(pay, "paysubtype")
    direction, delayed = PAYSUBTYPES.get(subtype, ("unknown", False))
    feedesc, memo = _text(pay, "feedesc"), _text(pay, "pay_memo")
    begin = _int(_text(pay, "begintransfertime"))
    extra = _transfer_extra(
        direction,
        feedesc,
        memo,
        paysubtype=subtype,
        transfer_id=_text(pay, "transferid"),
        transaction_id=_text(pay, "transcationid"),
        payer=_text(pay, "payer_username"),
        receiver=_text(pay, "receiver_username"),
        begin_ts_ms=begin * 1000 if begin else None,
        delayed=True if delayed else None,
    )
    text = f"{TRANSFER_LABELS[direction]}：{feedesc}" if feedesc else "[转账]"
    if memo:
        text += f"\n转账说明：{memo}"
    return Content(K.TRANSFER, text, extra)


def _field_after(line: str, label: str) -> str | None:
    """The value in ``<label>：value`` (full-width or ASCII colon), else None."""
    if line.startswith(label) and line[len(label) : len(label) + 1] in ("：", ":"):
        return line[len(label) + 1 :].strip()
    return None


_PYWXDUMP_TRANSFER = (("已收款", "received"), ("已退还", "refunded"), ("转账", "sent"))


def transfer_from_pywxdump(text: str) -> dict[str, Any] | None:
    """PyWxDump's ``转账：￥…\\n转账说明：…\\n转账时间：…`` (or ``已收款：…``) as transfer extra.

    PyWxDump writes ``已收款`` for paysubtype 3 and ``转账`` for every other paysubtype, so a refund
    or a delayed receipt also reads as ``sent`` here; the text keeps exactly what the export says.
    """
    lines = text.split("\n")
    found = next(
        (
            (value, direction)
            for label, direction in _PYWXDUMP_TRANSFER
            if (value := _field_after(lines[0], label)) is not None
        ),
        None,
    )
    if found is None:
        return None
    amount_text, direction = found
    memo = when = ""
    for line in lines[1:]:
        memo = _field_after(line, "转账说明") or memo
        when = _field_after(line, "转账时间") or when
    return _transfer_extra(direction, amount_text, memo, transfer_time=when)


_BRACKET = re.compile(r"【(?P<label>[^】]+)】\s*[:：]?\s*(?P<rest>.*)\Z", re.S)
_MEMOTRACE_DIRECTIONS = {
    "发起转账": "sent",
    "转账": "sent",
    "已收款": "received",
    "收款": "received",
    "确认收款": "received",
    "已退还": "refunded",
    "退还": "refunded",
    "已被退还": "refunded",
}


def transfer_from_memotrace(text: str) -> dict[str, Any] | None:
    """MemoTrace's ``【发起转账】:￥100.00\\n备注: …`` (``【已收款】``, ``【已退还】``) as transfer extra."""
    first, _, rest = text.partition("\n")
    match = _BRACKET.match(first.strip())
    if match is None:
        return None
    label = match["label"].strip()
    memo = ""
    for line in rest.split("\n"):
        memo = _field_after(line.strip(), "备注") or memo
    return _transfer_extra(
        _MEMOTRACE_DIRECTIONS.get(label, "unknown"), match["rest"].strip(), memo, label=label
    )


_CHATLOG_TRANSFER = re.compile(
    r"\[转账\|(?:(?P<verb>发送|接收|退还) )?(?P<amount>[^\]]*)\](?:\((?P<memo>.*)\))?\Z", re.S
)
_CHATLOG_DIRECTIONS = {"发送": "sent", "接收": "received", "退还": "refunded"}


def transfer_from_chatlog(text: str) -> dict[str, Any] | None:
    """chatlog's ``[转账|发送 ￥100.00](memo)`` (``接收``, ``退还``; no verb for an undocumented paysubtype)."""
    match = _CHATLOG_TRANSFER.match(text.strip())
    if match is None:
        return None
    direction = _CHATLOG_DIRECTIONS.get(match["verb"] or "", "unknown")
    return _transfer_extra(direction, match["amount"].strip(), match["memo"] or "")


_MEMOTRACE_FILE = re.compile(
    r"【文件】\s*(?P<name>.*?)\s+(?P<size>\S+)\s+(?P<path>\S*[\\/]\S*)\s+(?P<ext>\S*)\s+(?P<md5>[0-9a-fA-F]{32})\s*\Z",
    re.S,
)
_MEMOTRACE_LABEL = re.compile(r"【(?P<label>[^】\n]{1,12})】")


def memotrace_content(kind: MessageKind, text: str) -> Content:
    """A MemoTrace rendering of a typed message: notices, transfers (extra None when not understood),
    media with the file line's name, size, path and md5."""
    if kind in SYSTEM_KINDS:
        return recall_from_text(text) or Content(kind, text)
    if kind is K.TRANSFER:
        return Content(kind, text, transfer_from_memotrace(text))
    if kind in MEDIA_KINDS:
        if kind is K.FILE:
            match = _MEMOTRACE_FILE.match(text.strip())
            if match:
                extra = {"size": match["size"], "ext": match["ext"], "md5": match["md5"]}
                return Content(
                    kind, text, extra, attachments=(attachment(kind, match["path"], match["name"]),)
                )
            name = text.strip().removeprefix("【文件】").strip()
            return Content(kind, text, attachments=(attachment(kind, None, name or None),))
        return Content(kind, text, attachments=(attachment(kind),))
    return Content(kind, text)


def memotrace_label_kind(text: str) -> MessageKind | None:
    """The kind a MemoTrace text names by its leading ``【label】`` (``【图片】``, ``【语音】<transcript>``,
    ``【发起转账】:￥…``); None for plain text."""
    match = _MEMOTRACE_LABEL.match(text)
    if match is None:
        return None
    label = match["label"]
    if label in _MEMOTRACE_DIRECTIONS:
        return K.TRANSFER
    kind = LABEL_KINDS.get(label)
    return None if kind in (None, K.TEXT) else kind


# -- rendered quotes ---------------------------------------------------------------------------------


def split_pywxdump_quote(text: str) -> tuple[str, dict[str, str]] | None:
    """PyWxDump's ``<reply>\\n\\n[引用](<time>)<name>:<quoted>`` → (reply, quote)."""
    at = text.rfind("\n\n[引用](")
    if at < 0:
        if not text.startswith("[引用]("):
            return None
        own, tail = "", text[len("[引用](") :]
    else:
        own, tail = text[:at], text[at + len("\n\n[引用](") :]
    close = tail.find(")")
    if close < 0:
        return None
    name, _, quoted = tail[close + 1 :].partition(":")
    return own, _compact({"time": tail[:close], "name": name, "text": quoted})


_MEMOTRACE_QUOTE = re.compile(r"\n引用[:：]\s*(?P<name>[^:：\n]*?)\s*[:：] ?(?P<text>.*)\Z", re.S)


def split_memotrace_quote(text: str) -> tuple[str, dict[str, str]] | None:
    """MemoTrace's ``<reply>\\n引用：<name>: <quoted>`` → (reply, quote)."""
    at = text.rfind("\n引用")
    if at < 0:
        return None
    match = _MEMOTRACE_QUOTE.match(text, at)
    if match is None:
        return None
    return text[:at], _compact({"name": match["name"], "text": match["text"]})
