"""The benchmark corpus generator: deterministic, structurally valid, counted right, bursts present."""

from __future__ import annotations

import csv
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from benchmarks.corpus import FORMATS, CorpusStats, generate

N = 2000
SHANGHAI = ZoneInfo("Asia/Shanghai")
ANDROID_HEAD = re.compile(r"^(\d{2})/(\d{2})/(\d{4}), (\d{2}):(\d{2}) - ")
IOS_HEAD = re.compile(r"^\[(\d{2})/(\d{2})/(\d{4}), (\d{2}):(\d{2}):(\d{2})\] ([^:]+): ")
IOS_HEAD_12H = re.compile(r"^\[\d{2}/\d{2}/\d{4}, \d{1,2}:\d{2}:\d{2}\u202f[AP]M\] ")
PYWX_HEADER = ["id", "MsgSvrID", "type_name", "is_sender", "talker", "room_name", "msg", "src", "CreateTime"]
WXMSG_HEADER = [
    "localId", "TalkerId", "Type", "SubType", "IsSender", "CreateTime", "Status", "StrContent", "StrTime",
    "Remark", "NickName", "Sender",
]  # fmt: skip
LOCAL_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def make(
    tmp_path: Path, fmt: str, seed: int = 1, **kw: Any
) -> tuple[CorpusStats, Path, list[dict[str, Any]]]:
    out = tmp_path / f"{fmt}-{seed}.out"
    truth = tmp_path / f"{fmt}-{seed}.truth.jsonl"
    stats = generate(fmt, N, out, seed=seed, truth_path=truth, **kw)
    rows = [json.loads(line) for line in truth.read_text(encoding="utf-8").splitlines()]
    return stats, out, rows


def local(ts: int, fmt: str) -> str:
    return datetime.fromtimestamp(ts, SHANGHAI).strftime(fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path, fmt: str) -> None:
    a = tmp_path / "a"
    b = tmp_path / "b"
    c = tmp_path / "c"
    generate(fmt, N, a, seed=5)
    generate(fmt, N, b, seed=5)
    generate(fmt, N, c, seed=6)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


@pytest.mark.parametrize("fmt", FORMATS)
def test_stats_and_truth_match_the_file(tmp_path: Path, fmt: str) -> None:
    stats, out, rows = make(tmp_path, fmt)
    assert stats.messages == N == len(rows)
    assert stats.bytes == out.stat().st_size
    assert [r["i"] for r in rows] == list(range(N))
    assert stats.first_ts == min(r["ts"] for r in rows)
    assert stats.last_ts == max(r["ts"] for r in rows)
    assert stats.senders == len({r["sender_id"] for r in rows if r["sender_id"] is not None})
    assert stats.conversations == len({r["conversation"] for r in rows})
    assert stats.sessions >= len({r["session"] for r in rows})


@pytest.mark.parametrize("fmt", FORMATS)
def test_bursts_are_real_messages(tmp_path: Path, fmt: str) -> None:
    _, _, rows = make(tmp_path, fmt)
    same_second = Counter(
        (r["conversation"], r["sender_id"], r["ts"], r["text"]) for r in rows if r["kind"] == "text"
    )
    assert max(same_second.values()) >= 3  # e.g. 好的 ×3 in one second, each kept
    dups = [r for r in rows if "dup" in r["flags"]]
    assert dups and all("burst" in r["flags"] for r in dups)
    distinct_bursts = Counter(
        (r["conversation"], r["sender_id"], r["ts"]) for r in rows if "burst" in r["flags"]
    )
    assert max(distinct_bursts.values()) >= 2


def test_whatsapp_android_lines(tmp_path: Path) -> None:
    stats, out, rows = make(tmp_path, "whatsapp-android")
    text = out.read_text(encoding="utf-8")
    heads = [m for m in map(ANDROID_HEAD.match, text.splitlines()) if m]
    assert len(heads) == stats.messages
    assert text.splitlines()[0].endswith("not even WhatsApp, can read or listen to them. Tap to learn more.")
    bodies = [head.string[head.end() :] for head in heads]
    for head, row in zip(heads, rows, strict=True):
        assert "/".join(head.groups()[:3]) == local(row["ts"], "%d/%m/%Y")
        assert ":".join(head.groups()[3:]) == local(row["ts"], "%H:%M")
    for body, row in zip(bodies, rows, strict=True):
        first_line = row["text"].split("\n")[0]
        assert body == (first_line if row["sender"] is None else f"{row['sender']}: {first_line}")
    assert "<Media omitted>" in text and "This message was deleted" in text
    assert any(" joined using this group's invite link" in b or " added " in b for b in bodies)
    assert any("multiline" in r["flags"] for r in rows)
    assert all(
        "kind_hidden" in r["flags"]
        for r, b in zip(rows, bodies, strict=True)
        if b.endswith("<Media omitted>")
    )
    _, out12, _ = make(tmp_path, "whatsapp-android", seed=2, hour12=True)
    twelve = re.compile(r"^\d{2}/\d{2}/\d{4}, \d{1,2}:\d{2}\u202f[ap]m - ")
    assert sum(1 for line in out12.read_text(encoding="utf-8").splitlines() if twelve.match(line)) == N


def test_whatsapp_ios_lines(tmp_path: Path) -> None:
    stats, out, rows = make(tmp_path, "whatsapp-ios")
    lines = out.read_text(encoding="utf-8").splitlines()
    heads = [m for m in map(IOS_HEAD.match, lines) if m]
    assert len(heads) == stats.messages
    for head, row in zip(heads, rows, strict=True):
        day, month, year, hour, minute, second, _name = head.groups()
        assert f"{year}{month}{day}{hour}{minute}{second}" == local(row["ts"], "%Y%m%d%H%M%S")
    system = [head.string for head, row in zip(heads, rows, strict=True) if row["role"] == "system"]
    assert system and all(": \u200e" in line for line in system)
    assert any("\u200eimage omitted" in line for line in lines)
    _, out12, _ = make(tmp_path, "whatsapp-ios", seed=2, hour12=True)
    assert sum(1 for line in out12.read_text(encoding="utf-8").splitlines() if IOS_HEAD_12H.match(line)) == N


def test_pywxdump_csv(tmp_path: Path) -> None:
    stats, out, rows = make(tmp_path, "wechat-pywxdump-csv")
    raw = out.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    with out.open(encoding="utf-8", newline="") as f:
        table = list(csv.reader(f))
    assert table[0] == PYWX_HEADER
    body = table[1:]
    assert len(body) == stats.messages
    assert all(len(r) == 9 for r in body)
    ids = [r[1] for r in body]
    assert all(len(i) == 19 and i.isdigit() for i in ids) and len(set(ids)) == len(ids)
    for r, t in zip(body, rows, strict=True):
        assert LOCAL_TIME.match(r[8]) and r[8] == local(t["ts"], "%Y-%m-%d %H:%M:%S")
        assert (r[3] == "1") == (r[4] == "我")
        assert r[6] == t["text"] and r[1] == t["pid"]
    types = Counter(r[2] for r in body)
    assert {"文本", "图片", "系统通知"} <= set(types)
    transfers = [r[6] for r in body if r[2] == "转账"]
    assert all(re.match(r"^(转账|已收款)：￥[\d,]+\.\d\d\n转账说明：.*\n转账时间：", t) for t in transfers)
    stats2, _, _ = make(tmp_path, "wechat-pywxdump-csv", seed=3, mix={"sales_zh": 1.0})
    assert stats2.messages == N


def test_wechatmsg_csv(tmp_path: Path) -> None:
    stats, out, rows = make(tmp_path, "wechatmsg-csv", mix={"sales_zh": 0.5, "personal_zh": 0.5})
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    with out.open(encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f))
    assert table[0] == WXMSG_HEADER
    body = table[1:]
    assert len(body) == stats.messages and all(len(r) == 12 for r in body)
    created = [int(r[5]) for r in body]
    assert created == sorted(created)  # "export all" order
    for r in body:
        assert r[8] == local(int(r[5]), "%Y-%m-%d %H:%M:%S")
        if r[2] != "1" and r[2] != "10000":
            ET.fromstring(r[7])  # raw XML for non-text types
    transfers = [ET.fromstring(r[7]) for r in body if (r[2], r[3]) == ("49", "2000")]
    assert transfers
    for x in transfers:
        assert x.findtext("appmsg/type") == "2000"
        assert x.findtext("appmsg/wcpayinfo/paysubtype") in ("1", "3")
        assert re.match(r"^￥[\d,]+\.\d\d$", x.findtext("appmsg/wcpayinfo/feedesc") or "")
        assert x.findtext("appmsg/wcpayinfo/transferid")
    quotes = [ET.fromstring(r[7]) for r in body if (r[2], r[3]) == ("49", "57")]
    assert quotes and all(q.findtext("appmsg/refermsg/svrid") for q in quotes)
    assert any(r[2] == "10000" and "撤回了一条消息" in r[7] for r in body)


def test_telegram_json(tmp_path: Path) -> None:
    stats, out, rows = make(tmp_path, "telegram-json")
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data) == {"name", "type", "id", "messages"}
    msgs = data["messages"]
    assert len(msgs) == stats.messages
    ids = [m["id"] for m in msgs]
    assert ids == sorted(set(ids))
    by_id = {m["id"]: m for m in msgs}
    for m, t in zip(msgs, rows, strict=True):
        assert m["type"] in ("message", "service")
        assert int(m["date_unixtime"]) == t["ts"]
        assert m["date"] == local(t["ts"], "%Y-%m-%dT%H:%M:%S")
        text = (
            m["text"]
            if isinstance(m["text"], str)
            else "".join(p if isinstance(p, str) else p["text"] for p in m["text"])
        )
        assert text == "".join(e["text"] for e in m["text_entities"])
        if "reply_to_message_id" in m:
            assert by_id[m["reply_to_message_id"]]["id"] < m["id"]
    assert any(isinstance(m["text"], list) for m in msgs)
    assert any("photo" in m for m in msgs) and any(m["type"] == "service" for m in msgs)


def test_generic_jsonl(tmp_path: Path) -> None:
    stats, out, rows = make(tmp_path, "generic-jsonl")
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == stats.messages
    assert all(set(r) == {"chat", "sender", "time", "text", "kind"} for r in lines)
    for r, t in zip(lines, rows, strict=True):
        assert int(datetime.fromisoformat(r["time"]).timestamp()) == t["ts"]
        assert (r["text"], r["kind"], r["sender"]) == (t["text"], t["kind"], t["sender"])
    assert len({r["chat"] for r in lines}) == stats.conversations > 5
    assert len({r["sender"] for r in lines if r["sender"] is not None}) == stats.senders


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown format"):
        generate("nope", 10, tmp_path / "x")
    with pytest.raises(ValueError, match="unknown conversation types"):
        generate("generic-jsonl", 10, tmp_path / "x", mix={"smalltalk": 1.0})
