"""Import rate per format (issue 4): parse-only and end-to-end ``chatledger import`` on generated files.

    python -m benchmarks.bench_formats --messages 1e5
    python -m benchmarks.bench_formats --messages 1e6 --formats whatsapp-txt,telegram-json --repeats 1

For every registered format a realistic file of N messages is generated (cached under
``benchmarks/out/formats/``): ``benchmarks/corpus.py`` writes the formats it knows; every other format is
*transcoded* here from a ``generic-jsonl`` corpus of the same N and seed, so all formats carry the same
conversations, senders, timing, texts and message-kind mix, in the field shapes of each format's fixture
under ``tests/importers/samples/<platform>/``. Then:

* parse-only: ``importer.parse(SourceFile(path), ctx)`` iterated in this process (median of 3), counting
  the ``Message`` items it yields; wall and CPU seconds;
* end to end: ``chatledger --db X import FILE --format NAME --quiet --tz UTC`` in a child process into a
  fresh archive (median of ``--repeats``): wall time, CPU seconds of the whole process tree (user + sys,
  the forked parse worker included) and peak RSS of its largest process. ``--parse-only`` skips it.

CPU seconds are the figure on a shared machine; each row records the load average when it started and the
code commit it ran.

Results: ``benchmarks/out/formats_<n>.json`` (merged with earlier runs of other formats at the same N)
and a markdown table on stdout. ``email-eml`` holds one message per file, so it is measured on a folder
of ``min(N, 10 000)`` files and its rate is per message (= per file).
"""

from __future__ import annotations

import argparse
import base64
import csv
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from benchmarks._measure import ChildRun, measure_child
from benchmarks.corpus import generate

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out"
FILES = OUT / "formats"
CHATLEDGER = Path(sys.executable).with_name("chatledger")
SEED = 7
EML_CAP = 10_000
SHANGHAI = ZoneInfo("Asia/Shanghai")

# formats benchmarks.corpus writes itself: registry name -> (corpus format, file suffix)
FROM_CORPUS = {
    "whatsapp-txt": ("whatsapp-android", ".txt"),
    "telegram-json": ("telegram-json", ".json"),
    "wechat-pywxdump-csv": ("wechat-pywxdump-csv", ".csv"),
    "wechat-wechatmsg-csv": ("wechatmsg-csv", ".csv"),
}


@dataclass(slots=True)
class Rec:
    """One message of the base corpus (generic-jsonl), as the transcoders use it."""

    i: int
    chat: str
    sender: str | None  # None: a system event
    ts: int  # UTC epoch seconds
    local: datetime  # naive wall-clock time in Asia/Shanghai, as the corpus wrote it
    text: str
    kind: str  # chatledger MessageKind value


def base_corpus(n: int) -> Path:
    return corpus_file("generic-jsonl", n, ".jsonl")


def corpus_file(fmt: str, n: int, suffix: str) -> Path:
    FILES.mkdir(parents=True, exist_ok=True)
    path = FILES / f"corpus-{fmt}_{n}{suffix}"
    if not path.exists():
        partial = path.with_name(path.name + ".part")
        generate(fmt, n, partial, seed=SEED)
        partial.rename(path)
    return path


def records(n: int) -> Iterator[Rec]:
    with open(base_corpus(n), encoding="utf-8") as handle:
        for i, line in enumerate(handle):
            r = json.loads(line)
            moment = datetime.fromisoformat(r["time"])
            yield Rec(
                i,
                r["chat"],
                r["sender"],
                int(moment.timestamp()),
                moment.replace(tzinfo=None),
                r["text"] or "",
                r["kind"],
            )


class Ids:
    """Stable short ids for names: ``ids["张伟"]`` → ``prefix + n``."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.known: dict[str, str] = {}

    def __getitem__(self, name: str) -> str:
        found = self.known.get(name)
        if found is None:
            found = self.known[name] = f"{self.prefix}{len(self.known) + 1:04d}"
        return found


def senders_and_chats(n: int) -> tuple[list[str], list[str]]:
    senders: dict[str, None] = {}
    chats: dict[str, None] = {}
    for rec in records(n):
        chats[rec.chat] = None
        if rec.sender is not None:
            senders[rec.sender] = None
    return list(senders), list(chats)


PLACEHOLDER_ZH = {
    "image": "[图片]",
    "sticker": "[表情]",
    "voice": "[语音]",
    "video": "[视频]",
    "location": "[位置]",
    "link": "[链接]",
    "red_packet": "[红包]",
}


def body(rec: Rec) -> str:
    return rec.text or PLACEHOLDER_ZH.get(rec.kind, "[消息]")


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(", ", ": "))


# ---------------------------------------------------------------------------------------------- writers
# Each writes the file (or folder) for N messages and returns it with the extra import options.

Writer = Callable[[int, Path], dict[str, str]]


def _chatlab_message(rec: Rec, ids: Ids) -> dict[str, Any]:
    codes = {"image": 1, "voice": 2, "video": 3, "sticker": 5, "link": 7, "location": 8}
    codes |= {"red_packet": 20, "transfer": 21, "system": 80, "recall": 81}
    msg: dict[str, Any] = {"platformMessageId": f"m{rec.i + 1}"}
    if rec.sender is None:
        msg |= {"sender": "system", "accountName": "系统消息"}
    else:
        msg |= {"sender": ids[rec.sender], "accountName": rec.sender}
    code = codes.get(rec.kind, 0)
    if code == 0 and rec.i % 17 == 5:
        code = 25
        msg["replyToMessageId"] = f"m{rec.i}"
    msg |= {"timestamp": rec.ts, "type": code, "content": body(rec)}
    return msg


def _chatlab_members(n: int, ids: Ids) -> list[dict[str, str]]:
    senders, _ = senders_and_chats(n)
    members = [{"platformId": ids[s], "accountName": s} for s in senders]
    return [*members, {"platformId": "system", "accountName": "系统消息"}]


def write_chatlab_json(n: int, path: Path) -> dict[str, str]:
    ids = Ids("wxid_u")
    members = _chatlab_members(n, ids)
    with open(path, "w", encoding="utf-8") as f:
        f.write('{\n  "chatlab": {"version": "0.0.2", "exportedAt": 1735689600, "generator": "bench"},\n')
        f.write(
            '  "meta": {"name": "客服中心", "platform": "wechat", "type": "group", "groupId": "g88001"},\n'
        )
        f.write('  "members": [\n    ' + ",\n    ".join(dumps(m) for m in members) + "\n  ],\n")
        f.write('  "messages": [\n')
        for rec in records(n):
            f.write(("    " if rec.i == 0 else ",\n    ") + dumps(_chatlab_message(rec, ids)))
        f.write("\n  ]\n}\n")
    return {}


def write_chatlab_jsonl(n: int, path: Path) -> dict[str, str]:
    ids = Ids("wxid_u")
    members = _chatlab_members(n, ids)
    with open(path, "w", encoding="utf-8") as f:
        header = {"_type": "header", "chatlab": {"version": "0.0.2", "exportedAt": 1735689600}}
        header["meta"] = {"name": "客服中心", "platform": "wechat", "type": "group", "groupId": "g88001"}
        f.write(json.dumps(header, ensure_ascii=False) + "\n")
        for m in members:
            f.write(json.dumps({"_type": "member", **m}, ensure_ascii=False) + "\n")
        for rec in records(n):
            f.write(json.dumps({"_type": "message", **_chatlab_message(rec, ids)}, ensure_ascii=False) + "\n")
    return {}


def write_dingtalk(n: int, path: Path) -> dict[str, str]:
    users, chats = Ids("$:LWCP_v1:$u"), Ids("cid")
    with open(path, "w", encoding="utf-8") as f:
        for rec in records(n):
            sender = rec.sender or "系统"
            msg: dict[str, Any]
            if rec.kind == "image":
                code = f"dlPic{rec.i}"
                msg = {"msgtype": "picture", "content": {"downloadCode": code, "pictureDownloadCode": code}}
            elif rec.kind == "voice":
                msg = {"msgtype": "audio", "content": {"duration": 4000, "downloadCode": f"dlAud{rec.i}"}}
            else:
                msg = {"msgtype": "text", "text": {"content": " " + body(rec)}}
            group = rec.i % 3 != 0
            msg |= {
                "msgId": f"msg{rec.i:08d}==",
                "createAt": rec.ts * 1000 + rec.i % 1000,
                "conversationType": "2" if group else "1",
                "conversationId": chats[rec.chat] + "==",
            }
            if group:
                msg["conversationTitle"] = rec.chat
            msg |= {
                "senderId": users[sender],
                "senderNick": sender,
                "senderStaffId": f"staff{users[sender][-4:]}",
                "senderCorpId": "ding123",
                "chatbotUserId": "$:LWCP_v1:$bot",
                "isInAtList": True,
                "robotCode": "dingabc",
            }
            f.write(json.dumps(msg, ensure_ascii=False) + "\n")
    return {}


def snowflake(rec: Rec) -> str:
    """A Discord id that encodes the message's time, as real ones do."""
    ms = rec.ts * 1000 + rec.i % 1000
    return str(((ms - 1420070400000) << 22) | (rec.i % 4096))


def write_discord(n: int, path: Path) -> dict[str, str]:
    ids = Ids("90")
    last_id = ""
    zone = timedelta(hours=8)
    with open(path, "w", encoding="utf-8") as f:
        head = {
            "guild": {
                "id": "111",
                "name": "客服中心",
                "iconUrl": "https://cdn.discordapp.com/embed/avatars/0.png",
            },
            "channel": {
                "id": "222",
                "type": "GuildTextChat",
                "categoryId": "333",
                "category": "Text",
                "name": "general",
                "topic": None,
            },
            "dateRange": {"after": None, "before": None},
            "exportedAt": "2025-01-02T10:00:00.0000000+08:00",
        }
        f.write(json.dumps(head, ensure_ascii=False, indent=2)[:-2] + ',\n  "messages": [\n')
        for rec in records(n):
            name = rec.sender or "Clyde"
            when = datetime.fromtimestamp(rec.ts, UTC) + zone
            msg: dict[str, Any] = {
                "id": snowflake(rec),
                "type": "Default" if rec.sender else "ChannelPinnedMessage",
                "timestamp": when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{rec.i % 1000:03d}+08:00",
                "timestampEdited": None,
                "callEndedTimestamp": None,
                "isPinned": False,
                "content": rec.text,
                "author": {
                    "id": ids[name],
                    "name": name,
                    "discriminator": "0000",
                    "nickname": name,
                    "color": None,
                    "isBot": False,
                    "roles": [],
                    "avatarUrl": "https://cdn.discordapp.com/embed/avatars/1.png",
                },
                "attachments": [],
                "embeds": [],
                "stickers": [],
                "reactions": [],
                "mentions": [],
            }
            if rec.kind in ("image", "video", "voice"):
                msg["attachments"] = [
                    {
                        "id": str(5000 + rec.i),
                        "url": f"https://cdn.discordapp.com/a/{rec.i}.png",
                        "fileName": f"{rec.i}.png",
                        "fileSizeBytes": 20480,
                    }
                ]
            if rec.i % 11 == 3:
                msg["reactions"] = [
                    {
                        "emoji": {
                            "id": "",
                            "name": "👍",
                            "code": "thumbsup",
                            "isAnimated": False,
                            "imageUrl": "",
                        },
                        "count": 2,
                        "users": [],
                    }
                ]
            if rec.i % 17 == 5 and rec.sender:
                msg["type"] = "Reply"
                msg["reference"] = {"messageId": last_id, "channelId": "222", "guildId": "111"}
            last_id = msg["id"]
            text = json.dumps(msg, ensure_ascii=False, indent=2).replace("\n", "\n    ")
            f.write(("    " if rec.i == 0 else ",\n    ") + text)
        f.write(f'\n  ],\n  "messageCount": {n}\n}}\n')
    return {}


def _b64_words(text: str) -> str:
    return "=?UTF-8?B?" + base64.b64encode(text.encode()).decode() + "?="


def _mail(rec: Rec, ids: Ids, last: dict[str, str]) -> str:
    sender = rec.sender or "Mail Delivery"
    address = f"{ids[sender]}@example.cn"
    moment = datetime.fromtimestamp(rec.ts, SHANGHAI)
    mid = f"<m{rec.i}.{SEED}@example.cn>"
    subject = _b64_words(rec.chat) if rec.chat not in last else "Re: " + _b64_words(rec.chat)
    lines = [
        f"From {address} {moment.strftime('%a %b %d %H:%M:%S %Y')}",
        f"From: {_b64_words(sender)} <{address}>",
        f"To: {_b64_words(rec.chat)} <{ids[rec.chat]}@example.com>",
        f"Subject: {subject}",
        f"Date: {format_datetime(moment)}",
        f"Message-ID: {mid}",
    ]
    if rec.chat in last:
        lines += [f"In-Reply-To: {last[rec.chat]}", f"References: {last[rec.chat]}"]
    last[rec.chat] = mid
    lines.append("MIME-Version: 1.0")
    text = body(rec) + "\n\n-- \n" + sender + "\n"
    if rec.i % 4 == 1:  # a multipart/alternative mail with a base64 text part and an HTML part
        encoded = base64.encodebytes(text.encode()).decode()
        lines += [
            'Content-Type: multipart/alternative; boundary="alt"',
            "",
            "--alt",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "",
            encoded.rstrip("\n"),
            "--alt",
            "Content-Type: text/html; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "",
            "<p>" + body(rec).replace("\n", "<br>") + "</p>",
            "--alt--",
            "",
        ]
    else:
        lines += ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit", "", text]
    return "\n".join(">" + x if x.startswith("From ") and k > 0 else x for k, x in enumerate(lines)) + "\n"


def write_mbox(n: int, path: Path) -> dict[str, str]:
    ids, last = Ids("user"), {}  # type: ignore[var-annotated]
    with open(path, "w", encoding="utf-8") as f:
        for rec in records(n):
            f.write(_mail(rec, ids, last))
    return {}


def write_eml(n: int, path: Path) -> dict[str, str]:
    ids, last = Ids("user"), {}  # type: ignore[var-annotated]
    path.mkdir()
    for rec in records(n):
        if rec.i >= EML_CAP:
            break
        mail = _mail(rec, ids, last).split("\n", 1)[1]  # no mbox separator line
        (path / f"{rec.i:06d}.eml").write_text(mail, encoding="utf-8")
    return {}


def write_feishu(n: int, path: Path) -> dict[str, str]:
    users, chats = Ids("ou_8d1f"), Ids("oc_5c9e")

    def page(items: list[dict[str, Any]], more: bool) -> str:
        token = f"page{items[-1]['message_id']}" if more else ""
        data = {"has_more": more, "page_token": token, "items": items}
        return json.dumps({"code": 0, "msg": "success", "data": data}, ensure_ascii=False) + "\n"

    with open(path, "w", encoding="utf-8") as f:
        items: list[dict[str, Any]] = []
        chat = None
        for rec in records(n):
            if items and (rec.chat != chat or len(items) == 50):
                f.write(page(items, rec.chat == chat))
                items = []
            chat = rec.chat
            when = str(rec.ts * 1000 + rec.i % 1000)
            if rec.kind == "image":
                kind, content = "image", {"image_key": f"img_v2_{rec.i:x}"}
            elif rec.kind == "voice":
                kind, content = "audio", {"file_key": f"file_v2_{rec.i:x}", "duration": 3000}
            else:
                kind, content = "text", {"text": body(rec)}
            item: dict[str, Any] = {
                "message_id": f"om_{rec.i:012x}",
                "msg_type": kind,
                "create_time": when,
                "update_time": when,
                "deleted": rec.kind == "recall",
                "updated": False,
                "chat_id": chats[rec.chat],
                "sender": {
                    "id": users[rec.sender or "bot"],
                    "id_type": "open_id",
                    "sender_type": "user" if rec.sender else "app",
                    "tenant_key": "2ed2",
                },
                "body": {"content": json.dumps(content, ensure_ascii=False)},
            }
            if rec.i % 17 == 5:
                item["parent_id"] = item["root_id"] = f"om_{rec.i - 1:012x}"
            items.append(item)
        if items:
            f.write(page(items, False))
    return {}


GENERIC_CSV_MAPPING = """\
platform = "wechat"
chat = "room"
chat_title = "room_name"
chat_kind = { value = "group" }
sender = "user_id"
sender_name = "user"
time = "sent"
text = "content"
kind = "type"
id = "msg_id"
reply_to = "quote"
time_format = "%Y-%m-%d %H:%M:%S"
timezone = "Asia/Shanghai"

[kind_map]
"1" = "text"
"3" = "image"
"34" = "voice"
"47" = "sticker"
"10000" = "system"
"*" = "other"
"""


def write_generic_csv(n: int, path: Path) -> dict[str, str]:
    mapping = path.with_suffix(".toml")
    mapping.write_text(GENERIC_CSV_MAPPING, encoding="utf-8")
    codes = {"text": "1", "image": "3", "voice": "34", "sticker": "47", "system": "10000", "recall": "10000"}
    users, chats = Ids("u"), Ids("grp-")
    with open(path, "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["msg_id", "room", "room_name", "user_id", "user", "sent", "type", "content", "quote"])
        for rec in records(n):
            sender = rec.sender or "系统"
            quote = str(100000 + rec.i - 1) if rec.i % 17 == 5 else ""
            out.writerow(
                [
                    100000 + rec.i,
                    chats[rec.chat],
                    rec.chat,
                    users[sender],
                    sender,
                    rec.local.strftime("%Y-%m-%d %H:%M:%S"),
                    codes.get(rec.kind, "49"),
                    body(rec),
                    quote,
                ]
            )
    return {"mapping": str(mapping)}


def _canonical(n: int) -> Iterator[str]:
    """chatledger's canonical records (what ``chatledger export`` writes), one JSON text each."""
    chats, users = Ids("wxid_c"), Ids("wxid_u")
    for rec in records(n):
        record = {
            "chat": {"platform": "wechat", "id": chats[rec.chat], "title": rec.chat, "kind": "group"},
            "sender": None if rec.sender is None else {"id": users[rec.sender], "name": rec.sender},
            "time": rec.local.isoformat() + "+08:00",
            "ts_ms": rec.ts * 1000,
            "precision": "s",
            "kind": rec.kind,
            "text": rec.text,
            "id": f"m{rec.i + 1}",
            "reply_to": f"m{rec.i}" if rec.i % 17 == 5 else None,
            "forwarded_from": None,
            "edited_ts_ms": None,
            "attachments": [],
            "extra": None,
        }
        yield json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def write_generic_jsonl(n: int, path: Path) -> dict[str, str]:
    with open(path, "w", encoding="utf-8") as f:
        f.write('{"chatledger_export":1,"chatledger_version":"0.1.0"}\n')
        for line in _canonical(n):
            f.write(line + "\n")
    return {}


def write_generic_json(n: int, path: Path) -> dict[str, str]:
    with open(path, "w", encoding="utf-8") as f:
        f.write("[\n")
        for i, line in enumerate(_canonical(n)):
            f.write(("" if i == 0 else ",\n") + line)
        f.write("\n]\n")
    return {}


def _meta_json(n: int, path: Path, instagram: bool) -> dict[str, str]:
    """Messenger/Instagram: newest first, UTF-8 written as Latin-1 escapes (Meta's mojibake)."""
    senders, _ = senders_and_chats(n)
    thread = "inbox/kefuzhongxin_1234567890"
    prefix = "your_instagram_activity/messages/" if instagram else "messages/"

    def moji(text: str) -> str:
        return text.encode("utf-8").decode("latin-1")

    first = last = 0
    for rec in records(n):
        first = first or rec.ts
        last = rec.ts
    with open(path, "w", encoding="utf-8") as f:
        f.write('{\n  "participants": [\n    ')
        f.write(",\n    ".join(json.dumps({"name": moji(s)}) for s in senders) + "\n  ],\n")
        f.write('  "messages": [\n')
        for rec in records(n):  # mirrored in time, so the file runs newest first as Meta writes it
            msg: dict[str, Any] = {
                "sender_name": moji(rec.sender or senders[0]),
                "timestamp_ms": (first + last - rec.ts) * 1000 + rec.i % 1000,
            }
            if rec.kind == "recall":
                msg["is_unsent"] = True
            elif rec.kind in ("image", "sticker"):
                msg["photos"] = [
                    {"uri": f"{prefix}{thread}/photos/{rec.i}.jpg", "creation_timestamp": rec.ts}
                ]
            else:
                msg["content"] = moji(body(rec))
            if rec.i % 13 == 2:
                msg["reactions"] = [{"reaction": moji("❤"), "actor": moji(senders[rec.i % len(senders)])}]
            msg["is_geoblocked_for_viewer"] = False
            text = json.dumps(msg, indent=2).replace("\n", "\n    ")
            f.write(("    " if rec.i == 0 else ",\n    ") + text)
        f.write('\n  ],\n  "title": "' + moji("客服中心") + '",\n  "is_still_participant": true,\n')
        f.write(f'  "thread_type": "RegularGroup",\n  "thread_path": "{thread}",\n  "magic_words": []\n}}\n')
    return {}


def write_messenger(n: int, path: Path) -> dict[str, str]:
    return _meta_json(n, path, instagram=False)


def write_instagram(n: int, path: Path) -> dict[str, str]:
    return _meta_json(n, path, instagram=True)


def write_line(n: int, path: Path) -> dict[str, str]:
    placeholders = {
        "image": "[Photo]",
        "sticker": "[Sticker]",
        "video": "[Video]",
        "voice": "[Voice message]",
    }
    with open(path, "w", encoding="utf-8", newline="\r\n") as f:
        f.write("[LINE] Chat history in 客服中心\nSaved on: 2025/01/02 10:30\n")
        day = None
        for rec in records(n):
            if rec.local.date() != day:
                day = rec.local.date()
                f.write(f"\n{day.year}/{day.month:02d}/{day.day:02d}({rec.local.strftime('%a')})\n")
            clock = rec.local.strftime("%H:%M")
            if rec.sender is None:
                f.write(f"{clock}\t\t{rec.text or 'Someone joined the group.'}\n")
            elif rec.kind == "recall":
                f.write(f"{clock}\t\t{rec.sender} unsent a message.\n")
            else:
                text = placeholders.get(rec.kind) or body(rec)
                if "\n" in text:
                    text = '"' + text.replace('"', '""') + '"'
                f.write(f"{clock}\t{rec.sender}\t{text}\n")
    return {}


def _qq_sender(name: str | None, ids: Ids) -> str:
    return "系统消息(10000)" if name is None else f"{name}({ids[name]})"


def write_qq_txt(n: int, path: Path) -> dict[str, str]:
    ids = Ids("1000")
    rule = "=" * 64
    with open(path, "w", encoding="gb18030", newline="\r\n") as f:
        f.write("消息记录（此消息记录为文本格式，不支持重新导入）\n\n")
        chat = None
        for rec in records(n):
            if rec.chat != chat:
                chat = rec.chat
                f.write(f"{rule}\n消息分组:我的群聊\n{rule}\n消息对象:{chat}\n{rule}\n\n")
            stamp = f"{rec.local:%Y-%m-%d} {rec.local.hour}:{rec.local:%M:%S}"
            f.write(f"{stamp} {_qq_sender(rec.sender, ids)}\n{body(rec)}\n\n")
    return {}


_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP4z8DwHwAFAAIBp6PE\nsQAAAABJRU5ErkJggg=="


def write_qq_mht(n: int, path: Path) -> dict[str, str]:
    ids = Ids("1000")
    boundary = "----=_NextPart_000_0000_01D4D0A1.2B3C4D50"
    div = "<tr><td><div style=padding-left:10px;>{}</div></td></tr>\n"
    font = "<font style=\"font-size:10pt;font-family:'宋体','MS Sans Serif',sans-serif;\" color='000000'>"
    pictures: list[str] = []
    with open(path, "w", encoding="gb18030", newline="\r\n") as f:
        f.write(
            "From: <Saved by Tencent MsgMgr>\nSubject: Tencent IM Message\nMIME-Version: 1.0\n"
            'Content-Type:multipart/related;\n\tcharset="gb2312";\n\ttype="text/html";\n'
            f'\tboundary="{boundary}"\n\n--{boundary}\nContent-Type:text/html; charset="gb2312"\n'
            "Content-Transfer-Encoding:8bit\n\n"
        )
        f.write(
            '<html xmlns="http://www.w3.org/1999/xhtml"><head><meta http-equiv="Content-Type" '
            'content="text/html; charset=gb2312" /><title>QQ Message</title></head><body>'
            "<table width=100% cellspacing=0>\n"
        )
        f.write(div.format("<br><b>消息记录</b>（此消息记录为网页格式，不支持重新导入）<br>"))
        chat, day = None, None
        for rec in records(n):
            if rec.chat != chat:
                chat, day = rec.chat, None
                for text in ("=" * 64, "消息分组:我的群聊", "=" * 64, f"消息对象:{chat}", "=" * 64):
                    f.write(div.format(text))
            if rec.local.date() != day:
                day = rec.local.date()
                f.write(f"<tr><td><div style=padding-left:10px;color:#000000;>日期: {day}</div></td></tr>\n")
            if rec.kind == "image" and len(pictures) < 1000:
                guid = f"{{7A1B2C3D-0000-0000-0000-{len(pictures):012d}}}.dat"
                pictures.append(guid)
                content = f'<IMG src="{guid}">'
            else:
                content = body(rec).replace("&", "&amp;").replace("<", "&lt;").replace("\n", "<br>")
            f.write(
                f"<tr><td><div style=color:#42B475;padding-left:10px;><div style=float:left;margin-right:6px;>"
                f"{_qq_sender(rec.sender, ids)}</div>{rec.local.hour}:{rec.local:%M:%S}</div>"
                f"<div style=padding-left:20px;>{font}{content}</font></div></td></tr>\n"
            )
        f.write("</table></body></html>\n")
        for guid in pictures:
            f.write(
                f"--{boundary}\nContent-Type:image/png\nContent-Transfer-Encoding:base64\n"
                f"Content-Location:{guid}\n\n{_PNG}\n\n"
            )
        f.write(f"--{boundary}--\n")
    return {}


def write_slack(n: int, path: Path) -> dict[str, str]:
    users, chats = Ids("U0BM"), Ids("C0J")
    senders, chat_names = senders_and_chats(n)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        channels = [
            {
                "id": chats[c],
                "name": f"ch-{k:04d}",
                "created": "1452837318",
                "creator": users[senders[0]],
                "is_archived": False,
                "is_general": k == 0,
                "members": [],
                "topic": {"value": c, "creator": "", "last_set": "0"},
                "purpose": {"value": "", "creator": "", "last_set": "0"},
            }
            for k, c in enumerate(chat_names)
        ]
        archive.writestr("channels.json", json.dumps(channels, ensure_ascii=False, indent=4))
        people = [
            {
                "id": users[s],
                "team_id": "T0BMHLSRH",
                "name": f"user{k}",
                "deleted": False,
                "real_name": s,
                "tz": "Asia/Shanghai",
                "profile": {"real_name": s, "display_name": s, "display_name_normalized": s},
            }
            for k, s in enumerate(senders)
        ]
        archive.writestr("users.json", json.dumps(people, ensure_ascii=False, indent=4))
        archive.writestr("integration_logs.json", "[]")
        folder = {c: f"ch-{k:04d}" for k, c in enumerate(chat_names)}
        day_msgs: list[dict[str, Any]] = []
        key: tuple[str, str] | None = None

        def flush() -> None:
            if key and day_msgs:
                archive.writestr(
                    f"{folder[key[0]]}/{key[1]}.json", json.dumps(day_msgs, ensure_ascii=False, indent=4)
                )

        for rec in records(n):
            day = datetime.fromtimestamp(rec.ts, UTC).strftime("%Y-%m-%d")
            if (rec.chat, day) != key:
                flush()
                day_msgs, key = [], (rec.chat, day)
            ts = f"{rec.ts}.{rec.i % 1000000:06d}"
            if rec.sender is None:
                uid = users[senders[rec.i % len(senders)]]
                msg: dict[str, Any] = {
                    "type": "message",
                    "subtype": "channel_join",
                    "ts": ts,
                    "user": uid,
                    "text": f"<@{uid}> has joined the channel",
                }
            else:
                uid = users[rec.sender]
                text = body(rec)
                msg = {
                    "client_msg_id": f"{rec.i:08x}-2f4e-4d1c-9a0b-{SEED:012x}",
                    "type": "message",
                    "text": text,
                    "user": uid,
                    "ts": ts,
                    "team": "T0BMHLSRH",
                    "user_profile": {
                        "real_name": rec.sender,
                        "display_name": rec.sender,
                        "is_restricted": False,
                    },
                    "blocks": [
                        {
                            "type": "rich_text",
                            "block_id": f"b{rec.i}",
                            "elements": [
                                {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
                            ],
                        }
                    ],
                }
                if rec.i % 11 == 3:
                    msg["reactions"] = [{"name": "thumbsup", "users": [uid], "count": 1}]
            day_msgs.append(msg)
        flush()
    return {}


def write_memotrace(n: int, path: Path) -> dict[str, str]:
    labels = {
        "text": "文本",
        "image": "图片",
        "voice": "语音",
        "video": "视频",
        "sticker": "表情包",
        "transfer": "转账",
        "red_packet": "红包",
        "link": "分享链接",
        "location": "位置分享",
        "system": "系统消息",
        "recall": "系统消息",
    }
    rendered = {
        "image": "【图片】",
        "voice": "【语音】",
        "video": "【视频】",
        "sticker": "【表情包】",
        "red_packet": "【红包】",
        "location": "【位置分享】",
    }
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f)
        out.writerow(["消息ID", "类型", "发送人", "时间", "内容", "备注", "昵称", "更多信息"])
        for rec in records(n):
            text = rendered.get(rec.kind) or body(rec)
            if rec.kind == "transfer":
                text = f"【发起转账】:￥{(rec.i * 37) % 5000 + 1:,}.00\n备注: {rec.chat}"
            sender = rec.sender or ""
            out.writerow(
                [
                    7312345678901234501 + rec.i,
                    labels.get(rec.kind, "文本"),
                    sender,
                    rec.local.strftime("%Y-%m-%d %H:%M:%S"),
                    text,
                    sender,
                    sender,
                    "more",
                ]
            )
    return {}


def write_wechatmsg_txt(n: int, path: Path) -> dict[str, str]:
    """One chat, as WeChatMsg v1 writes ``<remark>.txt``: time order, a time line, the body, a blank line."""
    placeholders = {"image": "[图片]", "voice": "[语音]", "video": "[视频]", "sticker": "[表情包]"}
    in_order = sorted(records(n), key=lambda r: r.local)
    with open(path, "w", encoding="utf-8", newline="") as f:
        for rec in in_order:
            stamp = f"{rec.local:%Y-%m-%d %H:%M:%S}"
            if rec.sender is None:
                f.write(f"{stamp} {body(rec)}\n\n")
            else:
                f.write(f"{stamp} {rec.sender}\n{placeholders.get(rec.kind) or body(rec)}\n\n")
    return {}


def _pywxdump_msg(rec: Rec) -> str:
    if rec.kind == "voice":
        return "语音时长：3.20秒"
    if rec.kind == "transfer":
        amount = f"{(rec.i * 37) % 5000 + 1}.00"
        return f"转账：￥{amount}\n转账说明：{rec.chat}\n转账时间：{rec.local:%Y-%m-%d %H:%M:%S}\n"
    return body(rec)


def write_pywxdump_json(n: int, path: Path) -> dict[str, str]:
    ids, rooms = Ids("wxid_u"), Ids("wxid_c")
    labels = {
        "text": "文本",
        "image": "图片",
        "voice": "语音",
        "video": "视频",
        "sticker": "动画表情",
        "transfer": "转账",
        "system": "系统通知",
        "recall": "系统通知",
        "link": "(分享)卡片式链接",
        "location": "位置",
    }
    with open(path, "w", encoding="utf-8") as f:
        f.write("[\n")
        for rec in records(n):
            me = rec.i % 2 == 0 and rec.sender is not None
            room = rooms[rec.chat] + "@chatroom"  # every chat a group: talkers are members
            msg = {
                "id": rec.i + 1,
                "MsgSvrID": str(8200000000000000001 + rec.i),
                "type_name": labels.get(rec.kind, "文本"),
                "is_sender": 1 if me else 0,
                "talker": "我" if me else (ids[rec.sender] if rec.sender else "未知"),
                "room_name": room,
                "msg": _pywxdump_msg(rec),
                "src": "",
                "extra": {},
                "CreateTime": rec.local.strftime("%Y-%m-%d %H:%M:%S"),
            }
            text = json.dumps(msg, ensure_ascii=False, indent=4).replace("\n", "\n    ")
            f.write(("    " if rec.i == 0 else ",\n    ") + text)
        f.write("\n]\n")
    return {}


def write_wecom(n: int, path: Path) -> dict[str, str]:
    users, rooms = Ids("user"), Ids("wrGroup")
    with open(path, "w", encoding="utf-8") as f:
        for rec in records(n):
            sender = users[rec.sender] if rec.sender else "sys"
            group = rec.i % 3 != 0
            ms = rec.ts * 1000 + rec.i % 1000
            msg: dict[str, Any] = {
                "msgid": f"{8451237782261503981 + rec.i}_{ms}",
                "action": "send",
                "from": sender,
                "tolist": [users[rec.chat]],
                "roomid": rooms[rec.chat] if group else "",
                "msgtime": ms,
            }
            if rec.kind == "image":
                msg |= {
                    "msgtype": "image",
                    "image": {
                        "md5sum": f"{rec.i:032x}",
                        "filesize": 20480,
                        "sdkfileid": f"CtYBMzA2OTAy{rec.i:x}",
                    },
                }
            elif rec.kind == "recall" and rec.i:
                msg |= {
                    "action": "recall",
                    "msgtype": "revoke",
                    "revoke": {"pre_msgid": f"{8451237782261503981 + rec.i - 1}_{ms}"},
                }
            else:
                msg |= {"msgtype": "text", "text": {"content": body(rec)}}
            f.write(json.dumps(msg, ensure_ascii=False) + "\n")
    return {}


_TG_HEAD = (
    '<!DOCTYPE html>\n<html>\n\n <head>\n\n  <meta charset="utf-8"/>\n<title>Exported Data</title>\n'
    '  <meta name="viewport" content="width=device-width, initial-scale=1.0"/>\n\n'
    '  <link href="../../css/style.css" rel="stylesheet"/>\n\n  <script src="../../js/script.js" '
    'type="text/javascript">\n\n  </script>\n\n </head>\n\n <body onload="CheckLocation();">\n\n'
    '  <div class="page_wrap">\n\n   <div class="page_header">\n\n    <a class="content block_link" '
    'href="../../lists/chats.html" onclick="return GoBack(this)">\n\n     <div class="text bold">\n{title} \n'
    '     </div>\n\n    </a>\n\n   </div>\n\n   <div class="page_body chat_page">\n\n    <div class="history">\n'
)
_TG_TAIL = "\n    </div>\n\n   </div>\n\n  </div>\n\n </body>\n\n</html>\n"
_TG_NOT_INCLUDED = "Not included, change data exporting settings to download."
# corpus kind -> (media classes, title) of Telegram's generic block for a file not exported
_TG_MEDIA = {
    "image": ("media_photo", "Photo"),
    "sticker": ("media_photo", "Sticker"),
    "video": ("media_video", "Video file"),
    "voice": ("media_voice_message", "Voice message"),
    "file": ("media_file", "report.pdf"),
}


def _tg_escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
        .replace("\n", "<br>")
    )  # fmt: skip


def _tg_message(rec: Rec, message_id: int, joined: bool, reply: int | None) -> str:
    """One message as Telegram Desktop's HTML writer lays it out (``pushMessage``)."""
    local = rec.local
    title = f"{local:%d.%m.%Y %H:%M:%S} UTC+08:00"
    head = f'\n     <div class="message default clearfix{" joined" if joined else ""}" id="message{message_id}">\n'
    if not joined:
        initial = _tg_escape(str(rec.sender)[:1])
        head += (
            '\n      <div class="pull_left userpic_wrap">\n\n       <div class="userpic userpic3" '
            'style="width: 42px; height: 42px">\n\n        <div class="initials" style="line-height: 42px">\n'
            f"{initial}\n        </div>\n\n       </div>\n\n      </div>\n"
        )
    parts = [
        head,
        f'\n      <div class="body">\n\n       <div class="pull_right date details" title="{title}">\n'
        f"{local:%H:%M}\n       </div>\n",
    ]
    if not joined:
        parts.append(f'\n       <div class="from_name">\n{_tg_escape(str(rec.sender))} \n       </div>\n')
    if reply is not None:
        parts.append(
            '\n       <div class="reply_to details">\nIn reply to <a href="#go_to_message'
            f'{reply}" onclick="return GoToMessage({reply})">this message</a>\n       </div>\n'
        )
    media = _TG_MEDIA.get(rec.kind)
    if media is not None:
        parts.append(
            '\n       <div class="media_wrap clearfix">\n\n        <div class="media clearfix pull_left '
            f'{media[0]}">\n\n         <div class="fill pull_left">\n         </div>\n\n'
            f'         <div class="body">\n\n          <div class="title bold">\n{media[1]}\n          </div>\n\n'
            f'          <div class="description">\n{_TG_NOT_INCLUDED}\n          </div>\n\n'
            '          <div class="status details">\n12.0 KB\n          </div>\n\n         </div>\n\n'
            "        </div>\n\n       </div>\n"
        )
    elif rec.text:
        parts.append(f'\n       <div class="text">\n{_tg_escape(rec.text)}\n       </div>\n')
    parts.append("\n      </div>\n\n     </div>\n")
    return "".join(parts)


def write_telegram_html(n: int, path: Path) -> dict[str, str]:
    """An account export zipped: ``chats/chat_NNN/messages*.html``, 1000 messages a page, times with their
    offset (newer Telegram Desktop), day headings, joined runs, replies, media not included."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        chat: str | None = None
        folder = ""
        page: list[str] = []
        pages = 0
        in_page = 0
        previous: tuple[str | None, int] | None = None  # sender, ts of the last default message
        day = None
        separator = 0

        def flush() -> None:
            nonlocal page, pages
            if page:
                pages += 1
                name = "messages.html" if pages == 1 else f"messages{pages}.html"
                archive.writestr(f"DataExport_2025-01-02/chats/{folder}/{name}", "".join(page) + _TG_TAIL)
            page = []

        chats = 0
        for rec in records(n):
            if rec.chat != chat or in_page == 1000:
                flush()
                if rec.chat != chat:
                    chat, chats, pages = rec.chat, chats + 1, 0
                    folder = f"chat_{chats:04d}"
                page, in_page, previous, day = (
                    [_TG_HEAD.replace("{title}", _tg_escape(rec.chat))],
                    0,
                    None,
                    None,
                )
            in_page += 1
            message_id = rec.i + 1
            if rec.local.date() != day:
                day, separator = rec.local.date(), separator - 1
                page.append(
                    f'\n     <div class="message service" id="message{separator}">\n\n'
                    f'      <div class="body details">\n{day.day} {day:%B %Y}\n      </div>\n\n     </div>\n'
                )
                previous = None  # a new day starts a new group
            if rec.sender is None:
                text = _tg_escape(rec.text or "Someone joined the group")
                page.append(
                    f'\n     <div class="message service" id="message{message_id}">\n\n'
                    f'      <div class="body details">\n{text}\n      </div>\n\n     </div>\n'
                )
                previous = None
                continue
            joined = previous is not None and previous[0] == rec.sender and rec.ts - previous[1] <= 900
            reply = message_id - 1 if rec.i % 13 == 5 and in_page > 1 else None
            page.append(_tg_message(rec, message_id, joined, reply))
            previous = (rec.sender, rec.ts)
        flush()
    return {}


CHATLOG_HOST = "127.0.0.1:5030"


def _chatlog(n: int) -> Iterator[tuple[dict[str, Any], str]]:
    """Per message: the chatlog JSON object and chatlog's plain-text rendering of its content (FORMATS.md 1.7)."""
    ids, rooms = Ids("wxid_u"), Ids("wxid_c")
    counters: dict[str, tuple[int, int]] = {}  # chat -> (second, messages in it so far): seq's counter
    for rec in records(n):
        second, count = counters.get(rec.chat, (rec.ts, -1))
        count = count + 1 if second == rec.ts else 0
        counters[rec.chat] = rec.ts, count
        me = rec.i % 2 == 0 and rec.sender is not None
        system = rec.sender is None or rec.kind in ("system", "recall")
        md5 = f"{rec.i:032x}"
        obj: dict[str, Any] = {
            "seq": rec.ts * 1000 + count,
            "time": f"{rec.local:%Y-%m-%dT%H:%M:%S}+08:00",
            "talker": rooms[rec.chat] + "@chatroom",
            "talkerName": rec.chat,
            "isChatRoom": True,
            "sender": "系统消息" if system else (ids["me"] if me else ids[rec.sender or ""]),
            "senderName": "" if system or me else rec.sender,
            "isSelf": me and not system,
            "type": 1,
            "subType": 0,
            "content": "",
        }
        shown = body(rec)
        if system:
            obj |= {"type": 10000, "content": shown}
        elif rec.kind == "image":
            path = f"msg/attach/{md5}/2024-06/Img/{md5}"
            obj |= {"type": 3, "contents": {"md5": md5, "path": path}}
            shown = f"![图片](http://{CHATLOG_HOST}/image/{md5},{path})"
        elif rec.kind == "voice":
            voice = str(8200000000000000001 + rec.i)
            obj |= {"type": 34, "contents": {"voice": voice}}
            shown = f"[语音](http://{CHATLOG_HOST}/voice/{voice})"
        elif rec.kind == "video":
            obj |= {"type": 43, "contents": {"md5": md5}}
            shown = f"![视频](http://{CHATLOG_HOST}/video/{md5})"
        elif rec.kind == "sticker":
            url = f"http://wxapp.tc.qq.com/262/20304/stodownload?m={md5}"
            obj |= {"type": 47, "contents": {"cdnurl": url}}
            shown = f"![动画表情]({url})"
        elif rec.kind == "transfer":
            shown = f"[转账|发送 ￥{(rec.i * 37) % 5000 + 1:,}.00]({rec.chat})"
            obj |= {"type": 49, "subType": 2000, "content": shown}
        elif rec.kind == "red_packet":
            obj |= {"type": 49, "subType": 2001}
            shown = "[红包]"
        elif rec.kind == "link":
            url = f"https://example.com/a/{rec.i}"
            obj |= {"type": 49, "subType": 5, "contents": {"title": shown, "desc": "", "url": url}}
            shown = f"[链接|{shown}]({url})"
        elif rec.kind == "location":
            loc = {"x": "31.2304", "y": "121.4737", "label": shown, "cityname": "上海市"}
            obj |= {"type": 48, "contents": loc}
            shown = f"[位置|{shown}|上海市|31.2304|121.4737]"
        else:
            obj["content"] = shown
        yield obj, shown


def write_chatlog_json(n: int, path: Path) -> dict[str, str]:
    with open(path, "w", encoding="utf-8") as f:
        f.write("[")
        for i, (obj, _) in enumerate(_chatlog(n)):
            f.write(("" if i == 0 else ",") + json.dumps(obj, ensure_ascii=False, separators=(",", ":")))
        f.write("]")
    return {}


def write_chatlog_csv(n: int, path: Path) -> dict[str, str]:
    with open(path, "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["Time", "SenderName", "Sender", "TalkerName", "Talker", "Content"])
        for obj, shown in _chatlog(n):
            when = obj["time"][:19].replace("T", " ")
            out.writerow([when, obj["senderName"], obj["sender"], obj["talkerName"], obj["talker"], shown])
    return {}


def write_chatlog_txt(n: int, path: Path) -> dict[str, str]:
    """A multi-talker query across a year end: full times and ``[talker]`` on every (group) message."""
    with open(path, "w", encoding="utf-8") as f:
        for obj, shown in _chatlog(n):
            sender = "我" if obj["isSelf"] else obj["sender"]
            head = f"{obj['senderName']}({sender})" if obj["senderName"] else sender
            when = obj["time"][:19].replace("T", " ")
            f.write(f"{head} [{obj['talkerName']}({obj['talker']})] {when}\n{shown}\n\n")
    return {}


WRITERS: dict[str, tuple[Writer, str]] = {
    "chatlab-json": (write_chatlab_json, ".json"),
    "chatlab-jsonl": (write_chatlab_jsonl, ".jsonl"),
    "dingtalk-robot-json": (write_dingtalk, ".jsonl"),
    "discord-dce-json": (write_discord, ".json"),
    "email-eml": (write_eml, ""),
    "email-mbox": (write_mbox, ".mbox"),
    "feishu-json": (write_feishu, ".jsonl"),
    "generic-csv": (write_generic_csv, ".csv"),
    "generic-json": (write_generic_json, ".json"),
    "generic-jsonl": (write_generic_jsonl, ".jsonl"),
    "instagram-json": (write_instagram, ".json"),
    "line-txt": (write_line, ".txt"),
    "messenger-json": (write_messenger, ".json"),
    "qq-mht": (write_qq_mht, ".mht"),
    "qq-txt": (write_qq_txt, ".txt"),
    "slack-export-zip": (write_slack, ".zip"),
    "telegram-html": (write_telegram_html, ".zip"),
    "wechat-chatlog-csv": (write_chatlog_csv, ".csv"),
    "wechat-chatlog-json": (write_chatlog_json, ".json"),
    "wechat-chatlog-txt": (write_chatlog_txt, ".txt"),
    "wechat-memotrace-csv": (write_memotrace, ".csv"),
    "wechat-pywxdump-json": (write_pywxdump_json, ".json"),
    "wechat-wechatmsg-txt": (write_wechatmsg_txt, ".txt"),
    "wecom-archive-json": (write_wecom, ".jsonl"),
}


def format_file(name: str, n: int) -> tuple[Path, dict[str, str]]:
    """The generated input for ``name`` at N messages (cached) and the importer options it needs."""
    if name in FROM_CORPUS:
        fmt, suffix = FROM_CORPUS[name]
        return corpus_file(fmt, n, suffix), {}
    writer, suffix = WRITERS[name]
    path = FILES / f"{name}_{n}{suffix}"
    options_file = FILES / f"{name}_{n}.options.json"
    if not options_file.exists():
        FILES.mkdir(parents=True, exist_ok=True)  # a writer opens its file before reading the corpus
        partial = path.with_name(path.name + ".part")
        if partial.is_dir():
            shutil.rmtree(partial)
        partial.unlink(missing_ok=True)
        options = writer(n, partial)
        if name == "generic-csv":  # the mapping file sits beside the CSV under the final name
            mapping = path.with_suffix(".toml")
            Path(options["mapping"]).rename(mapping)
            options["mapping"] = str(mapping)
        partial.rename(path)
        options_file.write_text(json.dumps(options), encoding="utf-8")
    return path, json.loads(options_file.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------- measuring


def input_files(path: Path) -> list[Path]:
    return sorted(p for p in path.iterdir()) if path.is_dir() else [path]


def parse_only(name: str, path: Path, options: dict[str, str]) -> tuple[float, float, int, list[str]]:
    """Wall and CPU seconds to iterate the importer over the input, and the Message items it yielded."""
    from chatledger import importers
    from chatledger.importers.base import ImportContext, SourceFile
    from chatledger.model import Message

    importer = importers.get(name)
    ctx = ImportContext(zone=ZoneInfo("UTC"), zone_name="UTC", options=dict(options))
    count = 0
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    for file in input_files(path):
        for item in importer.parse(SourceFile(file), ctx):
            if isinstance(item, Message):
                count += 1
    return time.perf_counter() - start, time.process_time() - cpu, count, ctx.warnings


def end_to_end(name: str, path: Path, options: dict[str, str], repeats: int) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="bench-formats-"))
    try:
        runs: list[ChildRun] = []
        for i in range(repeats):
            command = [
                str(CHATLEDGER),
                "--db",
                str(work / f"run{i}.db"),
                "import",
                str(path),
                "--format",
                name,
                "--quiet",
                "--tz",
                "UTC",
            ]
            for key, value in options.items():
                command += ["--option", f"{key}={value}"]
            runs.append(measure_child(command))
            for leftover in work.iterdir():
                if leftover.is_dir():
                    shutil.rmtree(leftover)
                else:
                    leftover.unlink()
        return {
            "e2e_s": round(statistics.median(r.seconds for r in runs), 3),
            "e2e_runs": [round(r.seconds, 3) for r in runs],
            "e2e_cpu_s": round(statistics.median(r.cpu_s for r in runs), 3),
            "e2e_cpu_runs": [round(r.cpu_s, 3) for r in runs],
            "peak_rss_mb": round(statistics.median(r.peak_mb for r in runs), 1),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def commit() -> str:
    done = subprocess.run(
        ["git", "-C", str(ROOT.parent), "describe", "--always", "--dirty"], capture_output=True, text=True
    )
    return done.stdout.strip() or "unknown"


def bench_one(name: str, n: int, repeats: int, parse_repeats: int = 3, *, e2e: bool = True) -> dict[str, Any]:
    began = time.perf_counter()
    path, options = format_file(name, n)
    generated_s = time.perf_counter() - began
    size = sum(p.stat().st_size for p in input_files(path))
    load = os.getloadavg()[0]
    parse_runs, parse_cpu, count, warnings = [], [], 0, []
    for _ in range(parse_repeats):
        seconds, cpu_s, count, warnings = parse_only(name, path, options)
        parse_runs.append(seconds)
        parse_cpu.append(cpu_s)
    parse_s, parse_cpu_s = statistics.median(parse_runs), statistics.median(parse_cpu)
    result: dict[str, Any] = {
        "format": name,
        "target_messages": n,
        "messages": count,
        "file": str(path.relative_to(ROOT.parent)),
        "bytes": size,
        "generated_s": round(generated_s, 2),
        "parse_s": round(parse_s, 3),
        "parse_runs": [round(s, 3) for s in parse_runs],
        "parse_cpu_s": round(parse_cpu_s, 3),
        "parse_us_per_msg": round(parse_cpu_s / count * 1e6, 2),
        "parse_msg_per_s": round(count / parse_s),
        "warnings": len(warnings),
        "first_warnings": warnings[:3],
        "loadavg_before": load,
        "commit": commit(),
    }
    if e2e:
        result |= end_to_end(name, path, options, repeats)
        result["e2e_msg_per_s"] = round(count / result["e2e_s"])
        result["e2e_cpu_us_per_msg"] = round(result["e2e_cpu_s"] / count * 1e6, 2)
        result["loadavg_after"] = os.getloadavg()[0]
    return result


def rate(per_s: float) -> str:
    return f"{per_s / 1000:.0f} k" if per_s >= 10_000 else f"{per_s:,.0f}"


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| format | messages | file | parse CPU | µs/msg | end to end | msg/s | CPU | µs/msg | peak RSS | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in sorted(results, key=lambda r: r["format"]):
        if "error" in r:
            lines.append(f"| `{r['format']}` | — | — | failed: {r['error'][:80]} | | | | | | | |")
            continue
        head = (
            f"| `{r['format']}` | {r['messages']:,} | {r['bytes'] / 1e6:.1f} MB | {r['parse_cpu_s']:.2f} s | "
            f"{r['parse_us_per_msg']:.1f} |"
        )
        if "e2e_s" not in r:
            lines.append(head + f" — | — | — | — | — | {r['loadavg_before']:.1f} |")
            continue
        lines.append(
            head + f" {r['e2e_s']:.1f} s | {rate(r['e2e_msg_per_s'])} | {r['e2e_cpu_s']:.1f} s | "
            f"{r['e2e_cpu_us_per_msg']:.1f} | {r['peak_rss_mb']:.0f} MB | "
            f"{r['loadavg_before']:.1f}–{r['loadavg_after']:.1f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    from chatledger import importers

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--messages", default="1e5", help="N, e.g. 1e5 or 1000000")
    parser.add_argument("--formats", default="", help="comma-separated registry names (default: all)")
    parser.add_argument("--repeats", type=int, default=3, help="end-to-end runs (median)")
    parser.add_argument("--parse-repeats", type=int, default=3, help="parse-only runs (median)")
    parser.add_argument("--parse-only", action="store_true", help="skip the end-to-end import")
    args = parser.parse_args(argv)
    n = int(float(args.messages))
    names = [imp.name for imp in importers.available()]
    wanted = [f for f in args.formats.split(",") if f] or names
    unknown = set(wanted) - set(names)
    if unknown:
        parser.error(f"unknown formats: {', '.join(sorted(unknown))}")
    OUT.mkdir(parents=True, exist_ok=True)
    result_path = OUT / f"formats_{n}.json"
    saved = json.loads(result_path.read_text(encoding="utf-8")) if result_path.exists() else {}
    for name in wanted:
        print(f"{name}: N={n:,} (load {os.getloadavg()[0]:.2f}) …", file=sys.stderr, flush=True)
        try:
            saved[name] = bench_one(name, n, args.repeats, args.parse_repeats, e2e=not args.parse_only)
        except Exception as exc:
            saved[name] = {"format": name, "target_messages": n, "error": f"{type(exc).__name__}: {exc}"}
        saved[name]["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        result_path.write_text(json.dumps(saved, ensure_ascii=False, indent=1), encoding="utf-8")
        print(json.dumps(saved[name], ensure_ascii=False), file=sys.stderr, flush=True)
    print(table(list(saved.values())))


if __name__ == "__main__":
    main()
