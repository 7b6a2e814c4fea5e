"""sjzar/chatlog ``/api/v1/chatlog`` responses saved to files: JSON, CSV and plain text (FORMATS.md 1.7).

chatlog (Apache-2.0) decrypts a PC WeChat 3.x/4.x database and serves it over HTTP; users save a
response with ``curl … > chat.json``. One file may hold several talkers (``talker=a,b``).

* ``wechat-chatlog-json`` — the bare array of message objects (or ``{"items": [...]}``), streamed.
  ``time`` is RFC 3339 with the serving PC's offset, kept as ``utc_offset_min``; ``isChatRoom`` makes
  a group; ``isSelf`` marks the owner (``ctx.me[0]`` else ``self``, shown as 我; the owner's wxid,
  when written, goes to ``meta["owner_ids"]``). ``type``/``subType`` are WeChat's (FORMATS.md 1.3).
* ``wechat-chatlog-csv`` — header ``Time,SenderName,Sender,TalkerName,Talker,Content``: local time
  without offset (read in ``--tz``), no is-self column, ``Content`` is chatlog's plain-text rendering.
  The owner is a ``Sender``/``SenderName`` equal to a ``--me`` value, an empty ``Sender`` (chatlog
  leaves it empty for the owner's 3.x messages), or in a 1:1 chat any sender but the partner; without
  ``--me``, the one such 1:1 sender of the first 256 rows marks the owner's group rows too.
* ``wechat-chatlog-txt`` — the default ``<SenderName>(<sender>) [<talkerName>(<talker>)] <time>``
  blocks (the sender is ``我`` for the owner; the ``[talker]`` part only for groups of a multi-talker
  query). A block without ``[talker]`` belongs to option ``chat_id``, else to the ``(<wxid>)`` in
  the file or folder name, else to the one 1:1 partner the first 256 such blocks show. The shortened
  times (``01-02 15:04:05``, ``15:04:05``) take their year or day from option ``date=YYYY-MM-DD``.

Identity: chatlog writes no server message id but for voice (``contents.voice`` and the
``/voice/<id>`` link, both the server id), so voice messages are keyed by that id and every other
message by its content (chat, sender, time to the second, kind, text; repeats take ordinals in file
order). ``seq`` is not used as the key: it is the database's local sort key (seconds × 1000 + a
per-second counter), not the server's; neither the CSV nor the text carries it, so keying by it would
make the JSON and the CSV of one chat two disjoint sets; and another database (another device, a 3.x
→ 4.x migration) numbers the counter afresh. It is kept in ``extra["seq"]`` (it finds the row in
the decrypted database) and orders nothing: the time is ``time``, never ``seq`` read as
milliseconds; a file whose ``seq`` runs backwards within a chat is warned about and kept in file order.

The text of a message is chatlog's own rendering (``[链接|title](url)``, ``[位置|label|city|x|y]``,
``[转账|发送 ￥100.00](memo)`` …) rebuilt from the JSON fields, so the three outputs of one chat give
the same keys; renderings that embed the serving host (``![图片](http://127.0.0.1:5030/image/…)``,
``[语音](http://…/voice/…)``, ``![视频](…)``, ``[文件|name](http://…/file/…)``) become the usual
placeholders ``[图片]`` ``[语音]`` ``[视频]`` ``[文件] name``, their keys (md5, paths, voice id) go
to ``extra``, attachments and ``platform_msg_id``, and the host, which is no message's text, is
listed once in ``meta["chatlog_hosts"]``. Quotes (49/57) keep the reply as the text and the quoted
message in ``extra["quote"]`` (chatlog drops the quoted ``svrid``, so ``reply_to`` stays empty);
merged forwards keep their items, attributed to their own senders, in ``extra["record"]``.
Known divergences between outputs: a pat (49/62) whose template has no ``${…}`` reads as text in
CSV/text, and types chatlog renders as ``[分享]`` or ``Type: n Content: …`` are truncated there.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import chain, islice
from typing import Any, ClassVar

import ijson  # type: ignore[import-untyped,unused-ignore]

from chatledger.errors import ImportFormatError
from chatledger.importers import register
from chatledger.importers._shared.jsonstream import JsonStream
from chatledger.importers._shared.wechat_content import (
    APP_KINDS,
    PLACEHOLDERS,
    TYPE_KINDS,
    Content,
    attachment,
    content_from_xml,
    kind_for_type,
    recall_from_text,
    split_type,
    transfer_from_chatlog,
)
from chatledger.importers._shared.wechat_fields import (
    SELF_NAME,
    Damage,
    SenderNames,
    Times,
    arity_error,
    chat_from_path,
    csv_records,
    header_fields,
    read_header,
)
from chatledger.importers.base import ImportContext, SourceFile
from chatledger.model import (
    Conversation,
    ConversationKind,
    Message,
    MessageKind,
    ParsedItem,
    Platform,
    TimePrecision,
)

K = MessageKind
CSV_HEADER = ("Time", "SenderName", "Sender", "TalkerName", "Talker", "Content")
SYSTEM_SENDER = "系统消息"
SELF_SENDER = "我"  # the text output's sender id for the owner
LOOKAHEAD = 256
_GO_NIL = "%!s(<nil>)"  # what Go's %s prints for a missing value
_RECORD_LABELS = {19: "合并转发", 24: "笔记", 87: "群公告"}
_SHARED_CAPABILITIES = {"recalls", "attachments", "transfers", "system", "seconds", "multi_chat"}
_EXTRA_KEPT = (
    "`seq`; media keys (`md5`, `rawmd5`, `thumbpath`, sticker `url`), links (`url`, `desc`, `app_type`), "
    "locations (`latitude`, `longitude`, `label`, `city`), transfer details (`direction`, `amount`, "
    "`currency`, `amount_text`, `memo`, and from 3.x XML `transfer_id` and the other ids), quotes "
    "(`quote`: sender, name, text, type, time), merged-forward items (`record`, `title`, `desc`), pats "
    "(`event`, `from`), recall details, and what 3.x message XML adds (sizes, durations); the serving "
    "host once in the source's meta"
)


def _go(value: Any) -> str:
    """A value as Go's ``%s`` prints it (chatlog builds its renderings with ``fmt.Sprintf``)."""
    if value is None:
        return _GO_NIL
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _str(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _compact(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v not in (None, "", [], {})}


# -- renderings that embed the serving host --------------------------------------------------------

_HOST_LINK = re.compile(
    r"(?P<bang>!?)\[(?P<label>图片|视频|语音|文件\|[^\]\n]*)\]\(http://(?P<host>[^/\s)]*)/"
    r"(?P<what>image|video|voice|file)/(?P<key>[^)\s]*)\)"
)
_LINK_PLACEHOLDER = {"image": "[图片]", "video": "[视频]", "voice": "[语音]"}


def _unhost(text: str, hosts: set[str]) -> str:
    """Nested renderings (quotes, merged forwards) with their host links replaced by placeholders."""
    if "](http://" not in text:
        return text

    def replace(match: re.Match[str]) -> str:
        hosts.add(match["host"])
        if match["what"] == "file":
            return "[文件] " + match["label"][3:]
        return _LINK_PLACEHOLDER[match["what"]]

    return _HOST_LINK.sub(replace, text)


def _record_text(info: dict[str, Any], label: str, title: str, hosts: set[str]) -> str:
    """``RecordInfo.String`` of chatlog, host links as placeholders."""
    title = title or _str(info.get("Title"))
    if not title:
        title = _str(info.get("Desc")).replace("\n", " ").strip()
        raw = title.encode("utf-8")
        if len(raw) > 80:
            title = raw[:80].decode("utf-8", "ignore") + "..."
    lines = [f"[{label}|{title}]\n"]
    for item in _items(info):
        lines.append(f"  {_str(item.get('SourceName'))} {_str(item.get('SourceTime'))}\n")
        data_type = _str(item.get("DataType"))
        nested = item.get("RecordXML")
        if data_type == "17" and isinstance(nested, dict):
            inner = nested.get("RecordInfo")
            content = _record_text(
                inner if isinstance(inner, dict) else {}, label, _str(item.get("DataTitle")), hosts
            )
            lines.extend(f"  {line}\n" for line in content.split("\n"))
            continue
        lines.append(_record_item_line(item, data_type))
    return "".join(lines)


def _record_item_line(item: dict[str, Any], data_type: str) -> str:
    desc = _str(item.get("DataDesc"))
    one_line = desc.replace("\n", " ").strip()
    location = item.get("Location")
    if data_type == "2":
        return "  [图片]\n"
    if data_type == "4":
        return "  [视频]\n"
    if data_type == "8":
        return "" if _str(item.get("DataFmt")) == ".htm" else f"  [文件] {_str(item.get('DataTitle'))}\n"
    if data_type == "5":
        return f"  [链接|{_str(item.get('DataTitle'))}]({_str(item.get('Link'))})\n"
    if data_type == "6":
        poi = _str(location.get("PoiName")) if isinstance(location, dict) else ""
        return f"  [位置|{poi}]\n"
    if data_type == "22":
        return f"  [视频号|{one_line}]\n"
    if data_type == "23":
        return f"  [视频号直播|{one_line}]\n"
    if data_type == "32":
        return f"  [音乐|{_str(item.get('DataTitle'))}]({_str(item.get('StreamWebURL'))})\n"
    if data_type == "37":
        return "  [动画表情]\n"
    return "".join(f"  {line}\n" for line in desc.split("\n"))


def _items(info: dict[str, Any]) -> list[dict[str, Any]]:
    data = info.get("DataList")
    items = data.get("DataItems") if isinstance(data, dict) else None
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _record_extra(info: dict[str, Any]) -> list[dict[str, Any]]:
    """Each forwarded item with its own sender and time: a claim about another chat, kept apart."""
    out = []
    for item in _items(info):
        nested = item.get("RecordXML")
        inner = nested.get("RecordInfo") if isinstance(nested, dict) else None
        created = _str(item.get("SrcMsgCreateTime"))
        out.append(
            _compact(
                {
                    "name": _str(item.get("SourceName")),
                    "time": _str(item.get("SourceTime")),
                    "type": _str(item.get("DataType")),
                    "title": _str(item.get("DataTitle")),
                    "text": _str(item.get("DataDesc")),
                    "ts_ms": int(created) * 1000 if created.isdigit() else None,
                    "md5": _str(item.get("FullMD5")),
                    "record": _record_extra(inner) if isinstance(inner, dict) else None,
                }
            )
        )
    return out


# -- JSON: type codes and ``contents`` to chatlog's rendering ---------------------------------------


def _media(kind: MessageKind, contents: dict[str, Any], keys: tuple[str, ...]) -> Content:
    extra = _compact({k: _str(contents.get(k)) for k in keys})
    path = _str(contents.get("path")) or None
    return Content(
        kind, PLACEHOLDERS[kind], extra or None, attachments=(attachment(kind, path, extra.get("md5")),)
    )


def content_from_json(
    type_code: int, sub_type: int, content: str, contents: dict[str, Any], hosts: set[str]
) -> tuple[Content, str | None]:
    """(kind, chatlog's plain-text rendering without host, extras; the voice server id or None)."""
    type_code, sub_type = split_type(type_code, sub_type)
    if type_code == 1:
        return Content(K.TEXT, content), None
    if type_code == 10000:
        return recall_from_text(content) or Content(K.SYSTEM, content), None
    if type_code == 3:
        return _media(K.IMAGE, contents, ("md5", "thumbpath")), None
    if type_code == 34:
        voice = _str(contents.get("voice"))
        return Content(
            K.VOICE, "[语音]", attachments=(attachment(K.VOICE),)
        ), voice if voice.isdigit() else None
    if type_code == 43:
        return _media(K.VIDEO, contents, ("md5", "rawmd5")), None
    if type_code == 47:
        url = contents.get("cdnurl")
        return Content(
            K.STICKER, PLACEHOLDERS[K.STICKER], {"url": url} if isinstance(url, str) and url else None
        ), None
    if type_code == 42:
        return Content(K.CONTACT, "[名片]"), None
    if type_code == 48:
        parts = [contents[k] for k in ("label", "cityname", "x", "y") if isinstance(contents.get(k), str)]
        extra = _compact(
            {
                "latitude": _str(contents.get("x")),
                "longitude": _str(contents.get("y")),
                "label": _str(contents.get("label")),
                "city": _str(contents.get("cityname")),
            }
        )
        return Content(K.LOCATION, f"[位置|{'|'.join(parts)}]", extra or None), None
    if type_code == 50:
        return Content(K.CALL, "[语音通话]"), None
    if type_code == 49:
        return _app(sub_type, content, contents, hosts), None
    kind = kind_for_type(type_code, sub_type)
    return Content(kind, content, {"type": type_code}), None


def _app(sub: int, content: str, contents: dict[str, Any], hosts: set[str]) -> Content:
    title = contents.get("title")
    url = contents.get("url")
    if sub in (1, 4, 5):
        target = contents.get("desc") if sub == 1 else url
        extra = _compact({"url": _str(url), "desc": _str(contents.get("desc")), "app_type": sub})
        return Content(K.LINK, f"[链接|{_go(title)}]({_go(target)})", extra)
    if sub == 6:
        name = _str(title)
        md5 = _str(contents.get("md5"))
        return Content(
            K.FILE,
            f"[文件] {_go(title)}",
            {"md5": md5} if md5 else None,
            attachments=(attachment(K.FILE, name=name or None),),
        )
    if sub == 8:
        return Content(K.STICKER, PLACEHOLDERS[K.STICKER], {"app_type": 8})
    if sub in _RECORD_LABELS:
        kind = APP_KINDS[sub]
        label = _RECORD_LABELS[sub]
        info = contents.get("recordInfo")
        extra = _compact({"title": _str(title), "desc": _str(contents.get("desc")), "app_type": sub})
        if not isinstance(info, dict):
            return Content(kind, f"[{label}]", extra)
        extra["record"] = _record_extra(info)
        return Content(kind, _record_text(info, label, "", hosts).rstrip("\n"), _compact(extra))
    if sub in (33, 36):
        text = "[小程序]" if title == "" else f"[小程序|{_go(title)}]({_go(url)})"
        return Content(K.LINK, text, _compact({"url": _str(url), "app_type": sub}))
    if sub == 51:
        text = "[视频号]" if title == "" else f"[视频号|{_go(title)}]({_go(url)})"
        return Content(K.LINK, text, _compact({"url": _str(url), "app_type": sub}))
    if sub == 57:
        return _quote(content, contents.get("refer"), hosts)
    if sub == 62:
        return Content(K.SYSTEM, content, {"event": "pat"})
    if sub == 63:
        text = f"[视频号直播|{_go(title)}]" if title is not None else "[视频号直播]"
        return Content(K.LINK, text, {"app_type": sub})
    if sub == 92:
        extra = _compact({"url": _str(url), "desc": _str(contents.get("desc")), "app_type": sub})
        return Content(K.LINK, f"[音乐|{_go(title)}]({_go(url)})", extra)
    if sub == 2000:
        return Content(K.TRANSFER, content, transfer_from_chatlog(content))
    if sub == 2001:
        return Content(K.RED_PACKET, "[红包]")
    if sub == 2003:
        return Content(K.OTHER, "[红包封面]", {"app_type": sub})
    return Content(APP_KINDS.get(sub, K.OTHER), "[分享]", {"app_type": sub})


def _quote(content: str, refer: Any, hosts: set[str]) -> Content:
    if not isinstance(refer, dict):
        return Content(K.TEXT, content or "[引用]")
    ref_type = refer.get("type")
    ref_sub = refer.get("subType")
    ref_contents = refer.get("contents")
    quoted, _ = content_from_json(
        ref_type if isinstance(ref_type, int) else 0,
        ref_sub if isinstance(ref_sub, int) else 0,
        _str(refer.get("content")),
        ref_contents if isinstance(ref_contents, dict) else {},
        hosts,
    )
    ts_ms: int | None = None
    when = refer.get("time")
    if isinstance(when, str):
        try:
            moment = datetime.fromisoformat(when)
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is not None and moment.timestamp() > 0:
            ts_ms = int(moment.timestamp()) * 1000
    quote = _compact(
        {
            "sender": _str(refer.get("sender")),
            "name": _str(refer.get("senderName")),
            "text": quoted.text,
            "type": ref_type if isinstance(ref_type, int) else None,
            "ts_ms": ts_ms,
        }
    )
    return Content(K.TEXT, content, {"quote": quote})


# -- CSV and text: chatlog's rendering back to a kind -----------------------------------------------

_IMAGE = re.compile(r"!\[图片\]\(http://(?P<host>[^/\s)]*)/image/(?P<keys>[^)]*)\)\Z")
_VIDEO = re.compile(r"!\[视频\]\(http://(?P<host>[^/\s)]*)/video/(?P<keys>[^)]*)\)\Z")
_VOICE = re.compile(r"\[语音\]\(http://(?P<host>[^/\s)]*)/voice/(?P<id>[^)]*)\)\Z")
_FILE = re.compile(r"\[文件\|(?P<name>.*)\]\(http://(?P<host>[^/\s)]*)/file/(?P<md5>[^)]*)\)\Z", re.S)
_STICKER = re.compile(r"!\[动画表情\]\((?P<url>[^)]*)\)\Z")
_LOCATION = re.compile(r"\[位置\|(?P<parts>[^\n]*)\]\Z")
_LINK = re.compile(r"\[(?P<label>链接|小程序|视频号|音乐)\|(?P<title>.*)\]\((?P<url>[^)\n]*)\)\Z", re.S)
_LIVE = re.compile(r"\[视频号直播(?:\|.*)?\]\Z", re.S)
_RECORD = re.compile(r"\[(?P<label>合并转发|笔记|群公告)(?:\|(?P<title>[^\n]*))?\](?:\n|\Z)")
_TRANSFER = re.compile(r"\[转账\|[^\]\n]*\](?:\(.*\))?\Z", re.S)
_UNKNOWN = re.compile(r"Type: (?P<type>\d+) Content: (?P<content>.*)\Z", re.S)
_QUOTE_HEAD = re.compile(
    r"> (?:\[引用\]|(?:.*\((?P<sender>[^()\n]*)\)|(?P<bare>\S*)) (?P<time>\d\d-\d\d \d\d:\d\d:\d\d))\Z"
)
_PAT = re.compile(r"拍了拍.*\$\{|\$\{.*拍了拍", re.S)
_FIXED = {
    "[语音]": K.VOICE,
    "[名片]": K.CONTACT,
    "[动画表情]": K.STICKER,
    "[GIF表情]": K.STICKER,
    "[红包]": K.RED_PACKET,
    "[红包封面]": K.OTHER,
    "[分享]": K.OTHER,
    "[语音通话]": K.CALL,
    "[小程序]": K.LINK,
    "[视频号]": K.LINK,
}
_PLACEHOLDER_TEXT = {K.STICKER: PLACEHOLDERS[K.STICKER], K.VOICE: "[语音]"}
_RECORD_KINDS = {"合并转发": APP_KINDS[19], "笔记": APP_KINDS[24], "群公告": APP_KINDS[87]}


def _keys(keys: str) -> tuple[str, str, str]:
    """md5, path and thumb path of ``/image/<md5>,<path>,<thumbpath>`` (each may be absent)."""
    parts = keys.split(",")
    parts += [""] * (3 - len(parts))
    return parts[0], parts[1], parts[2]


_HEX32 = re.compile(r"[0-9a-fA-F]{32}\Z")


def _video_keys(keys: str) -> tuple[str, str, str]:
    """md5, raw md5 and path of a video link, told apart by shape (chatlog leaves absent ones out)."""
    parts = [p for p in keys.split(",") if p]
    hexes = [p for p in parts if _HEX32.match(p)]
    paths = [p for p in parts if not _HEX32.match(p)]
    hexes += ["", ""]
    return hexes[0], hexes[1], paths[0] if paths else ""


def content_from_rendering(text: str, system: bool, hosts: set[str]) -> tuple[Content, str | None]:
    """A CSV ``Content`` or text-output body read back: (content, voice server id or None)."""
    if system:
        return recall_from_text(text) or Content(K.SYSTEM, text), None
    if not text or text[0] not in "![>T":
        return Content(K.TEXT, text), None
    fixed = _FIXED.get(text)
    if fixed is not None:
        shown = _PLACEHOLDER_TEXT.get(fixed, text)
        attachments = (attachment(fixed),) if fixed is K.VOICE else ()
        return Content(fixed, shown, attachments=attachments), None
    if text.startswith("!["):
        for kind, pattern in ((K.IMAGE, _IMAGE), (K.VIDEO, _VIDEO)):
            match = pattern.match(text)
            if match:
                hosts.add(match["host"])
                if kind is K.IMAGE:  # /image/<md5>,<path>,<thumbpath>
                    md5, path, thumb = _keys(match["keys"])
                    extra = _compact({"md5": md5, "thumbpath": thumb})
                else:  # /video/<md5>,<rawmd5>,<path>, each only when chatlog had it
                    md5, raw, path = _video_keys(match["keys"])
                    extra = _compact({"md5": md5, "rawmd5": raw})
                shown = PLACEHOLDERS[kind]
                return Content(
                    kind, shown, extra or None, attachments=(attachment(kind, path or None, md5 or None),)
                ), None
        match = _STICKER.match(text)
        if match:
            return Content(
                K.STICKER, PLACEHOLDERS[K.STICKER], {"url": match["url"]} if match["url"] else None
            ), None
        return Content(K.TEXT, text), None
    if text.startswith("> "):
        return _rendered_quote(text, hosts), None
    if text.startswith("Type: "):
        match = _UNKNOWN.match(text)
        if match:
            body = match["content"]
            cut = body.endswith("<...>")
            extra = _compact({"type": int(match["type"]), "truncated": True if cut else None})
            return Content(
                kind_for_type(int(match["type"]), 0), body.removesuffix("<...>") if cut else body, extra
            ), None
        return Content(K.TEXT, text), None
    return _rendered_bracket(text, hosts)


def _rendered_bracket(text: str, hosts: set[str]) -> tuple[Content, str | None]:
    match = _VOICE.match(text)
    if match:
        hosts.add(match["host"])
        voice = match["id"]
        return Content(
            K.VOICE, "[语音]", attachments=(attachment(K.VOICE),)
        ), voice if voice.isdigit() else None
    match = _FILE.match(text)
    if match:
        hosts.add(match["host"])
        name = match["name"]
        md5 = "" if match["md5"] == _GO_NIL else match["md5"]
        attach = (attachment(K.FILE, name=name if name and name != _GO_NIL else None),)
        return Content(K.FILE, f"[文件] {name}", {"md5": md5} if md5 else None, attachments=attach), None
    match = _LOCATION.match(text)
    if match:
        parts = match["parts"].split("|")
        extra = {}
        if len(parts) >= 4:
            extra = _compact(
                {
                    "latitude": parts[-2],
                    "longitude": parts[-1],
                    "label": "|".join(parts[:-3]),
                    "city": parts[-3],
                }
            )
        return Content(K.LOCATION, text, extra or None), None
    match = _LINK.match(text)
    if match:
        url = "" if match["url"] == _GO_NIL else match["url"]
        return Content(K.LINK, text, {"url": url} if url.startswith(("http://", "https://")) else None), None
    if _LIVE.match(text):
        return Content(K.LINK, text), None
    match = _RECORD.match(text)
    if match:
        label = match["label"]
        title = match["title"] or ""
        return Content(
            _RECORD_KINDS[label], _unhost(text, hosts).rstrip("\n"), {"title": title} if title else None
        ), None
    if _TRANSFER.match(text):
        return Content(K.TRANSFER, text, transfer_from_chatlog(text)), None
    return Content(K.TEXT, text), None


def _rendered_quote(text: str, hosts: set[str]) -> Content:
    """``> <name>(<sender>) 01-02 15:04:05`` and ``> `` lines of the quoted message, then the reply."""
    lines = text.split("\n")
    head = _QUOTE_HEAD.match(lines[0])
    if head is None:
        return Content(K.TEXT, text)
    end = 1
    while end < len(lines) and lines[end].startswith("> "):
        end += 1
    reply = "\n".join(lines[end:])
    if lines[0] == "> [引用]":
        return Content(K.TEXT, reply)
    quoted = _unhost("\n".join(line[2:] for line in lines[1:end]), hosts)
    name = lines[0][2:].rsplit(" ", 2)[0]
    sender = head["sender"] if head["sender"] is not None else head["bare"]
    name = name[: -len(sender) - 2] if head["sender"] is not None else ""
    quote = _compact({"sender": sender, "name": name, "text": quoted, "time": head["time"]})
    return Content(K.TEXT, reply, {"quote": quote})


def _pat(content: Content, text: str) -> Content:
    """A pat in CSV/text: chatlog writes the template, whose ``${wxid}`` no one types."""
    if content.kind is K.TEXT and "拍了拍" in text and _PAT.search(text):
        return Content(K.SYSTEM, text, {"event": "pat"})
    return content


# -- what the three outputs share: chats, senders, messages -----------------------------------------


class _Chatlog:
    """Builds the model objects; new conversations and participants queue in ``pending``."""

    def __init__(self, source: SourceFile, ctx: ImportContext) -> None:
        self.source = source
        self.ctx = ctx
        self.names = SenderNames(ctx)
        self.me = self.names.me
        self.me_names = {m for m in ctx.me if m}
        self.chats: dict[str, bool] = {}
        self.pending: list[ParsedItem] = []
        self.owner_ids: set[str] = set()
        self.hosts: set[str] = set()
        self.counts: dict[str, int] = {}
        self.last_seq: dict[str, int] = {}

    def count(self, what: str, locator: str, message: str) -> None:
        seen = self.counts.get(what, 0)
        self.counts[what] = seen + 1
        if not seen:
            self.ctx.warn(locator, message)

    def error(self, locator: str, field: str | None, expected: str, found: str) -> ImportFormatError:
        return ImportFormatError(self.source.name, locator, field=field, expected=expected, found=found)

    def chat(self, talker: str, title: str, group: bool) -> bool:
        known = self.chats.get(talker)
        if known is not None:
            return known
        kind = ConversationKind.GROUP if group else ConversationKind.DIRECT
        self.pending.append(Conversation(Platform.WECHAT, talker, title or talker, kind))
        self.chats[talker] = group
        return group

    def seq(self, talker: str, seq: int, locator: str) -> None:
        last = self.last_seq.get(talker)
        if last is not None and seq < last:
            self.count("seq", locator, f"seq {seq} is below the chat's previous {last}; kept in file order")
        self.last_seq[talker] = seq

    def message(
        self,
        locator: str,
        talker: str,
        group: bool,
        sender: str,
        sender_name: str,
        is_self: bool,
        when: tuple[int, int, TimePrecision],
        content: Content,
        msg_id: str | None,
        seq: int | None = None,
    ) -> Message:
        kind = content.kind
        extra = content.extra
        shown: str | None
        who: str | None
        if kind is K.SYSTEM:
            who = shown = None
            if extra is not None and extra.get("event") == "pat" and sender and sender != SYSTEM_SENDER:
                extra = {**extra, "from": sender}
        elif kind is K.RECALL:
            by = content.recalled_by
            if by == "你" or (by is None and is_self):
                who, shown = self.me, SELF_NAME
            elif not group:  # in a 1:1 chat anyone but you is the partner
                who, shown = talker, by if by and by != "对方" else None
            else:
                who = shown = None
        elif is_self:
            who, shown = self.me, SELF_NAME
            if sender and sender != self.me and sender != SELF_SENDER:
                self.owner_ids.add(sender)
        else:
            who = sender or (None if group else talker)
            shown = sender_name or None
            if who is None:
                self.count("no_sender", locator, "a group message names no sender; kept without one")
        if who is not None:
            participant = self.names.participant(who, sender_name)
            if participant is not None:
                self.pending.append(participant)
        if seq is not None:
            extra = {**extra, "seq": seq} if extra else {"seq": seq}
        ts_ms, offset, precision = when
        return Message(
            conversation=talker,
            sender=who,
            ts_ms=ts_ms,
            kind=kind,
            text=content.text,
            utc_offset_min=offset,
            precision=precision,
            sender_name=shown,
            platform_msg_id=msg_id,
            reply_to=content.reply_to,
            attachments=content.attachments,
            extra=extra,
            locator=locator,
        )

    def rendered(
        self,
        locator: str,
        talker: str,
        group: bool,
        sender: str,
        sender_name: str,
        is_self: bool,
        when: tuple[int, int, TimePrecision],
        text: str,
    ) -> Message:
        """A message of the CSV or text output, whose content is chatlog's plain-text rendering."""
        content, msg_id = content_from_rendering(text, sender == SYSTEM_SENDER, self.hosts)
        return self.message(
            locator, talker, group, sender, sender_name, is_self, when, _pat(content, text), msg_id
        )

    def is_owner(self, sender: str, sender_name: str, talker: str, group: bool) -> bool:
        """CSV/text without an is-self flag: ``--me``, chatlog's empty 3.x owner id, or a 1:1 non-partner."""
        if sender in self.me_names or (sender_name and sender_name in self.me_names):
            return True
        if sender == SYSTEM_SENDER:
            return False
        return not sender or (not group and sender != talker)

    def finish(self) -> None:
        if self.owner_ids:
            self.ctx.meta["owner_ids"] = sorted(self.owner_ids)
        if self.hosts:
            self.ctx.meta["chatlog_hosts"] = sorted(self.hosts)
        for what, label in (("seq", "seq runs backwards"), ("no_sender", "group messages without a sender")):
            if self.counts.get(what, 0) > 1:
                self.ctx.warn("", f"{self.counts[what]} messages: {label}")


# -- JSON -------------------------------------------------------------------------------------------


class _Rfc3339:
    """``2024-06-01T08:00:00+08:00`` (or ``Z``, fractions) → (UTC ms, offset minutes), cached by hour."""

    def __init__(self) -> None:
        self.hours: dict[str, int] = {}

    def __call__(self, text: str) -> tuple[int, int]:
        size = len(text)
        if size == 25 and text[22] == ":" and text[19] in "+-":
            offset = int(text[20:22]) * 60 + int(text[23:25])
            if text[19] == "-":
                offset = -offset
        elif size == 20 and text[19] == "Z":
            offset = 0
        else:
            return self._slow(text)
        if text[10] != "T" or text[13] != ":" or text[16] != ":":
            return self._slow(text)
        hour = self.hours.get(text[:13])
        if hour is None:
            hour = self._hour(text)
        minute, second = text[14:16], text[17:19]
        if not (minute.isdigit() and second.isdigit() and minute < "60" and second < "60"):
            raise ValueError(text)
        naive = hour + int(minute) * 60 + int(second)
        return (naive - offset * 60) * 1000, offset

    def _hour(self, text: str) -> int:
        parts = (text[0:4], text[5:7], text[8:10], text[11:13])
        if text[4] != "-" or text[7] != "-" or not all(p.isdigit() for p in parts):
            raise ValueError(text)
        when = datetime(int(parts[0]), int(parts[1]), int(parts[2]), int(parts[3]))
        hour = calendar.timegm(when.timetuple())
        if len(self.hours) > 100_000:
            self.hours.clear()
        self.hours[text[:13]] = hour
        return hour

    @staticmethod
    def _slow(text: str) -> tuple[int, int]:
        moment = datetime.fromisoformat(text)
        offset = moment.utcoffset()
        if offset is None or "T" not in text:
            raise ValueError(text)
        return int(moment.timestamp() * 1000), int(offset / timedelta(minutes=1))


def _json_layout(source: SourceFile) -> str | None:
    """``item`` for a bare array, ``items.item`` for the ``{"items": [...]}`` wrapper, else None."""
    head = source.head_text(8192).lstrip()
    if not all(f'"{key}"' in head for key in ("seq", "talker", "isSelf")):
        return None
    if head.startswith("["):
        return "item"
    if head.startswith("{") and re.match(r'\{\s*"items"\s*:\s*\[', head):
        return "items.item"
    return None


_JSON_STRINGS = ("talker", "talkerName", "sender", "senderName", "content")


@register
class ChatlogJsonImporter:
    name: ClassVar[str] = "wechat-chatlog-json"
    platform: ClassVar[Platform] = Platform.WECHAT
    version: ClassVar[str] = "1"
    description: ClassVar[str] = "WeChat messages from sjzar/chatlog's HTTP API saved as JSON (format=json)"
    obtain: ClassVar[str] = (
        "WeChat has no export of its own: run sjzar/chatlog on the PC logged in to WeChat (it decrypts "
        "the 3.x/4.x database and serves it on 127.0.0.1:5030) and save a response, e.g. "
        "`curl 'http://127.0.0.1:5030/api/v1/chatlog?time=2024-01-01~2024-12-31&talker=<wxid>&format=json' "
        "> chat.json`; several talkers (`talker=a,b`) may share a file. chatledger only reads the saved "
        "file and never decrypts WeChat databases itself."
    )
    extra_kept: ClassVar[str] = _EXTRA_KEPT
    suffixes: ClassVar[tuple[str, ...]] = (".json",)
    capabilities: ClassVar[frozenset[str]] = frozenset({*_SHARED_CAPABILITIES, "zone"})

    def sniff(self, source: SourceFile) -> float:
        return 0.95 if _json_layout(source) else 0.0

    def parse(self, source: SourceFile, ctx: ImportContext) -> Iterator[ParsedItem]:
        prefix = _json_layout(source) or "item"
        root = "$" if prefix == "item" else "$.items"
        core = _Chatlog(source, ctx)
        pending = core.pending
        rfc3339 = _Rfc3339()
        stream = JsonStream(source.open_binary())
        index = 0
        try:
            items = ijson.items(stream, prefix, use_float=True)
            while True:
                locator = f"{root}[{index}]"
                try:
                    item = next(items)
                except StopIteration:
                    break
                except ijson.JSONError as exc:
                    raise stream.error(exc, source.name, locator) from None
                message = self._message(core, rfc3339, locator, item)
                if pending:
                    yield from pending
                    pending.clear()
                yield message
                index += 1
        finally:
            stream.close()
        core.finish()

    @staticmethod
    def _message(core: _Chatlog, rfc3339: _Rfc3339, locator: str, item: Any) -> Message:
        if not isinstance(item, dict):
            raise core.error(locator, None, "a chatlog message object", type(item).__name__)
        for key in _JSON_STRINGS:
            value = item.get(key, "")
            if not isinstance(value, str) and value is not None:
                raise core.error(locator, key, "a string", repr(value))
        talker = item.get("talker") or ""
        if not talker:
            raise core.error(
                locator, "talker", "the chat's wxid or …@chatroom id", _shown(item.get("talker"))
            )
        when = item.get("time")
        try:
            if not isinstance(when, str):
                raise ValueError(when)
            ts_ms, offset = rfc3339(when)
        except ValueError:
            raise core.error(
                locator, "time", "an RFC 3339 time like 2024-06-01T08:00:00+08:00", _shown(when)
            ) from None
        type_code, sub_type, seq = item.get("type"), item.get("subType", 0), item.get("seq")
        if not isinstance(type_code, int) or isinstance(type_code, bool):
            raise core.error(
                locator, "type", "an integer WeChat message type such as 1 or 49", _shown(type_code)
            )
        if not isinstance(sub_type, int) or isinstance(sub_type, bool):
            sub_type = 0
        if not isinstance(seq, int) or isinstance(seq, bool):
            seq = None
        else:
            core.seq(talker, seq, locator)
        group = core.chat(
            talker, item.get("talkerName") or "", bool(item.get("isChatRoom")) or talker.endswith("@chatroom")
        )
        content_text = item.get("content") or ""
        contents = item.get("contents")
        if type_code == 1 and not contents:
            content, msg_id = Content(K.TEXT, content_text), None
        else:
            content, msg_id = content_from_json(
                type_code, sub_type, content_text, contents if isinstance(contents, dict) else {}, core.hosts
            )
            if content_text.lstrip().startswith("<") and type_code not in (1, 10000):
                content = _with_xml(content, type_code, sub_type, content_text)
        sender = item.get("sender") or ""
        return core.message(
            locator,
            talker,
            group,
            sender,
            item.get("senderName") or "",
            bool(item.get("isSelf")),
            (ts_ms, offset, TimePrecision.SECOND),
            content,
            msg_id,
            seq,
        )


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else "missing" if value is None else repr(value)


def _with_xml(content: Content, type_code: int, sub_type: int, raw: str) -> Content:
    """What a 3.x message's XML ``content`` adds (transfer ids, sizes, durations) beneath chatlog's fields;
    a type chatlog does not render (10002 system XML, unknown types) takes the XML's kind and text."""
    parsed = content_from_xml(type_code, sub_type, raw)
    if parsed.xml_error:
        return content
    if type_code not in TYPE_KINDS and type_code != 49 or type_code == 10002:
        return parsed
    if parsed.extra:
        content.extra = {**parsed.extra, **(content.extra or {})}
    return content


# -- CSV --------------------------------------------------------------------------------------------


@register
class ChatlogCsvImporter:
    name: ClassVar[str] = "wechat-chatlog-csv"
    platform: ClassVar[Platform] = Platform.WECHAT
    version: ClassVar[str] = "1"
    description: ClassVar[str] = (
        "WeChat messages from sjzar/chatlog's HTTP API saved as CSV (Time,SenderName,Sender,TalkerName,Talker,Content)"
    )
    obtain: ClassVar[str] = (
        "Run sjzar/chatlog on the PC logged in to WeChat and save a response with `format=csv`, e.g. "
        "`curl 'http://127.0.0.1:5030/api/v1/chatlog?time=2024-01-01~2024-12-31&talker=<wxid>&format=csv' "
        "> chat.csv`. Its times carry no zone (pass `--tz`) and it has no is-self column: pass "
        "`--me <your wxid>` for your messages in groups. Prefer `format=json`."
    )
    extra_kept: ClassVar[str] = (
        "media keys (`md5`, `rawmd5`, `thumbpath`, sticker `url`), link `url`, locations (`latitude`, "
        "`longitude`, `label`, `city`), transfer details (`direction`, `amount`, `currency`, `amount_text`, "
        "`memo`), quotes (`quote`: sender, name, text, time), a merged forward's `title`, pats (`event`, "
        "`from`), recall details, an unrendered type's `type` and `truncated`; the serving host once in the "
        "source's meta"
    )
    suffixes: ClassVar[tuple[str, ...]] = (".csv",)
    capabilities: ClassVar[frozenset[str]] = frozenset(_SHARED_CAPABILITIES)

    def sniff(self, source: SourceFile) -> float:
        return 1.0 if header_fields(source) == CSV_HEADER else 0.0

    def parse(self, source: SourceFile, ctx: ImportContext) -> Iterator[ParsedItem]:
        core = _Chatlog(source, ctx)
        pending = core.pending
        times = Times(ctx)
        damage = Damage(ctx)
        expected = f"6 fields ({','.join(CSV_HEADER)})"
        groups_without_me = False
        with source.open_text() as stream:
            records = csv_records(source, stream)
            header = tuple(read_header(source, records, ",".join(CSV_HEADER)))
            if header != CSV_HEADER:
                raise core.error(
                    "line 1", None, f"the chatlog header {','.join(CSV_HEADER)}", ",".join(header)
                )
            head = list(islice(records, LOOKAHEAD))
            owner = _owner_from_direct_rows(row for _, row in head) if not ctx.me else None
            if owner is not None:
                core.me_names |= {owner}
            for line, row in chain(head, records):
                if len(row) != 6:
                    raise arity_error(source, line, expected, row)
                locator = f"line {line}"
                when, sender_name, sender, talker_name, talker, text = row
                try:
                    ts_ms, offset, precision, spreadsheet = times.local(when)
                except ValueError:
                    raise core.error(locator, "Time", "a local time like 2024-06-01 08:00:00", when) from None
                if spreadsheet:
                    damage.excel = True
                if precision is TimePrecision.MINUTE:
                    damage.note("seconds_dropped", locator, f"Time {when!r}")
                if not talker:
                    raise core.error(locator, "Talker", "the chat's wxid or …@chatroom id", talker)
                group = core.chat(talker, talker_name, talker.endswith("@chatroom"))
                groups_without_me = groups_without_me or (group and not core.me_names)
                is_self = core.is_owner(sender, sender_name, talker, group)
                message = core.rendered(
                    locator, talker, group, sender, sender_name, is_self, (ts_ms, offset, precision), text
                )
                if pending:
                    yield from pending
                    pending.clear()
                yield message
        if groups_without_me:
            ctx.warn(
                "",
                "chatlog CSV has no is-self column: in group chats your messages keep your wxid as sender; "
                "pass --me <your wxid> to mark them as yours",
            )
        damage.finish()
        core.finish()


def _owner_from_direct_rows(rows: Iterator[list[str]]) -> str | None:
    """The owner's wxid when the 1:1 rows show exactly one sender other than their partner: in a 1:1 chat
    that sender can only be the owner, and it then marks the owner's rows in groups too."""
    found = {
        row[2]
        for row in rows
        if len(row) == 6
        and row[4]
        and not row[4].endswith("@chatroom")
        and row[2] not in ("", row[4], SYSTEM_SENDER)
    }
    return found.pop() if len(found) == 1 else None


# -- plain text -------------------------------------------------------------------------------------

_TEXT_HEAD = re.compile(
    r"(?:(?P<name>.*)\((?P<sender>[^()\n]*)\)|(?P<bare>[A-Za-z0-9_@.\-]*|我|系统消息)) "
    r"(?:\[(?:(?P<tname>.*)\((?P<talker>[^()\n]+)\)|(?P<tbare>[^\]\s]+))\] )?"
    r"(?P<time>(?:(?:\d{4}-)?\d\d-\d\d )?\d\d:\d\d:\d\d)\n?\Z"
)
_HEAD_HINT = re.compile(r"\) (?:\[[^\]\n]*\] )?(?:(?:\d{4}-)?\d\d-\d\d )?\d\d:\d\d:\d\d\r?\n", re.ASCII)


def _blocks(source: SourceFile, core: _Chatlog) -> Iterator[tuple[int, re.Match[str], str]]:
    """(line of the header, header match, body) per message; the body is what follows up to the next header,
    less the blank line chatlog writes after each message."""
    with source.open_text() as text:
        head: tuple[int, re.Match[str]] | None = None
        body: list[str] = []
        for number, line in enumerate(text, start=1):
            # a header ends in a time and follows the blank line that ends the previous message
            starts = head is None or (bool(body) and body[-1] == "\n")
            match = _TEXT_HEAD.match(line) if starts and line.rstrip("\n")[-1:].isdigit() else None
            if match is not None:
                if head is not None:
                    yield head[0], head[1], _body(body)
                head, body = (number, match), []
                continue
            if head is None:
                if line.strip():
                    raise core.error(
                        f"line {number}",
                        None,
                        "a chatlog message header like 小李(wxid_a1) 2024-06-01 08:00:00",
                        line.rstrip("\n"),
                    )
                continue
            body.append(line)
        if head is not None:
            yield head[0], head[1], _body(body)


def _body(lines: list[str]) -> str:
    """The body without chatlog's separator: the content's own newline and one blank line."""
    text = "".join(lines)
    if text.endswith("\n\n"):
        text = text[:-2]
    elif text.endswith("\n"):
        text = text[:-1]
    return text


@register
class ChatlogTextImporter:
    name: ClassVar[str] = "wechat-chatlog-txt"
    platform: ClassVar[Platform] = Platform.WECHAT
    version: ClassVar[str] = "1"
    description: ClassVar[str] = (
        "WeChat messages from sjzar/chatlog's HTTP API saved as plain text (the default format)"
    )
    obtain: ClassVar[str] = (
        "Run sjzar/chatlog on the PC logged in to WeChat and save a response in its default text format, "
        "e.g. `curl 'http://127.0.0.1:5030/api/v1/chatlog?time=2024-06-01&talker=<wxid>' > chat.txt`. "
        "The text names the chat only for groups of a multi-talker query: pass `--option chat_id=<wxid "
        "or …@chatroom>` otherwise (or name the file `<name>(<wxid>).txt`); a query within one year or "
        "one day writes times without year or date: pass `--option date=YYYY-MM-DD` (the query's first "
        "day). Times carry no zone (pass `--tz`). Prefer `format=json`."
    )
    extra_kept: ClassVar[str] = ChatlogCsvImporter.extra_kept
    suffixes: ClassVar[tuple[str, ...]] = (".txt",)
    capabilities: ClassVar[frozenset[str]] = frozenset(_SHARED_CAPABILITIES)

    def sniff(self, source: SourceFile) -> float:
        text = source.head_text(8192).lstrip("\n")
        first, _, rest = text.partition("\n")
        match = _TEXT_HEAD.match(first)
        if match is None or (match["sender"] is None and match["bare"] not in (SELF_SENDER, SYSTEM_SENDER)):
            return 0.0
        if not rest.strip() or _HEAD_HINT.search(rest) or "\n\n" in rest:
            return 0.8
        return 0.0

    def parse(self, source: SourceFile, ctx: ImportContext) -> Iterator[ParsedItem]:
        core = _Chatlog(source, ctx)
        pending = core.pending
        times = Times(ctx)
        date = ctx.options.get("date") or ""
        if date and not re.fullmatch(r"\d{4}-\d\d-\d\d", date):
            raise core.error("option date", None, "a date like 2024-06-01 (the query's first day)", date)
        if date:
            ctx.meta["date_assumed"] = date
        blocks = _blocks(source, core)
        head = list(islice(blocks, LOOKAHEAD))
        default_chat = self._default_chat(source, ctx, head)
        for line, match, body in chain(head, blocks):
            locator = f"line {line}"
            talker = match["talker"] or match["tbare"]
            title = match["tname"] or ""
            if talker is None:
                if default_chat is None:
                    raise core.error(
                        locator,
                        None,
                        "a message the file says the chat of: pass --option chat_id=<wxid or …@chatroom>",
                        match.group(0).rstrip("\n"),
                    )
                talker, title = default_chat
            when = match["time"]
            if len(when) == 8:
                stamp = f"{date} {when}" if date else ""
            elif len(when) == 14:
                stamp = f"{date[:4]}-{when}" if date else ""
            else:
                stamp = when
            if not stamp:
                raise core.error(
                    locator,
                    None,
                    "a time with its date: pass --option date=YYYY-MM-DD (the query's first day)",
                    when,
                )
            try:
                ts_ms, offset, precision, _ = times.local(stamp)
            except ValueError:
                raise core.error(locator, None, "a valid time", when) from None
            sender = match["sender"] if match["sender"] is not None else match["bare"]
            sender_name = match["name"] or ""
            group = core.chat(talker, title, talker.endswith("@chatroom"))
            is_self = sender == SELF_SENDER or core.is_owner(sender, sender_name, talker, group)
            message = core.rendered(
                locator, talker, group, sender, sender_name, is_self, (ts_ms, offset, precision), body
            )
            if pending:
                yield from pending
                pending.clear()
            yield message
        core.finish()

    @staticmethod
    def _default_chat(
        source: SourceFile, ctx: ImportContext, head: list[tuple[int, re.Match[str], str]]
    ) -> tuple[str, str] | None:
        """The chat of blocks without ``[talker]``: option, file name, or the one 1:1 partner seen."""
        chat_id = ctx.options.get("chat_id")
        if chat_id:
            return chat_id, ""
        path_id, title = chat_from_path(source)
        if path_id:
            return path_id, title or ""
        others = {
            (m["sender"] if m["sender"] is not None else m["bare"], m["name"] or "")
            for _, m, _ in head
            if m["talker"] is None and m["tbare"] is None
        }
        partners = {s for s, _ in others if s and s not in (SELF_SENDER, SYSTEM_SENDER) and s not in ctx.me}
        if len(partners) != 1:
            return None
        [partner] = partners
        name = next((n for s, n in others if s == partner and n), "")
        ctx.warn(
            "",
            f"the text names no chat; taken as the 1:1 chat with {partner!r} (the only other sender) — pass "
            "--option chat_id=… if it is a group",
        )
        return partner, name
