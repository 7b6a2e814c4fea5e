"""The command line end to end, as a user runs it: real processes, real sample files, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import SAMPLES

TELEGRAM = SAMPLES / "telegram" / "single_chat_2p_2m__chat-miner.json"
WECHAT_GROUP = SAMPLES / "wechat" / "pywxdump_group_4p_11m.csv"
BAD_WECHAT = SAMPLES / "wechat" / "bad_pywxdump_arity.csv"


def run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chatledger", "--db", str(db), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_import_list_show_search_export(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    done = run(db, "import", str(TELEGRAM), str(WECHAT_GROUP), "--tz", "Asia/Shanghai", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert [s["status"] for s in result["sources"]] == ["imported", "imported"]
    assert sum(s["new"] for s in result["sources"]) == 13

    again = run(db, "import", str(TELEGRAM), "--quiet")
    assert again.returncode == 0 and "unchanged" in again.stdout and "0 new" in again.stdout

    sources = json.loads(run(db, "sources", "--json").stdout)
    assert {s["original_name"] for s in sources} == {TELEGRAM.name, WECHAT_GROUP.name}
    assert all(len(s["sha256"]) == 64 and len(s["md5"]) == 32 for s in sources)

    chats = json.loads(run(db, "chats", "--json").stdout)
    group = next(c for c in chats if c["platform"] == "wechat")
    shown = json.loads(run(db, "show", str(group["id"]), "--json", "--limit", "5").stdout)
    assert shown["total"] == 11 and len(shown["messages"]) == 5
    times = [m["ts_ms"] for m in shown["messages"]]
    assert times == sorted(times)

    stats = json.loads(run(db, "stats", "--json").stdout)
    assert stats["messages"] == 13 and stats["sources"] == 2

    found = run(db, "search", "platform:wechat", "--json", "--limit", "3")
    assert found.returncode == 0, found.stderr
    results = json.loads(found.stdout)
    assert results["total"] == 11 and len(results["hits"]) == 3

    export = tmp_path / "all.jsonl"
    assert run(db, "export", "-o", str(export)).returncode == 0
    assert len(export.read_text(encoding="utf-8").splitlines()) == 1 + 13
    copy = tmp_path / "b.db"
    reimport = json.loads(run(copy, "import", str(export), "--json").stdout)
    assert reimport["sources"][0]["new"] == 13


def test_bad_input_is_one_clear_paragraph_and_exit_2(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    done = run(db, "import", str(BAD_WECHAT), "--quiet")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "bad_pywxdump_arity.csv" in done.stderr and "line" in done.stderr
    assert json.loads(run(db, "stats", "--json").stdout)["messages"] == 0

    unknown = tmp_path / "notes.txt"
    unknown.write_text("hello\n", encoding="utf-8")
    done = run(db, "import", str(unknown))
    assert done.returncode == 2 and "--format" in done.stderr

    done = run(db, "search", "(赔偿 OR")
    assert done.returncode == 2 and "^" in done.stderr

    done = run(db, "show", "no such chat")
    assert done.returncode == 2 and "chatledger chats" in done.stderr


def test_formats_lists_the_registry(tmp_path: Path) -> None:
    formats = json.loads(run(tmp_path / "a.db", "formats", "--json").stdout)
    names = {f["name"] for f in formats}
    assert {"telegram-json", "wechat-pywxdump-csv", "whatsapp-txt", "generic-jsonl"} <= names
    assert all(f["obtain"] for f in formats), "every format says how to obtain its export"
    slack = next(f for f in formats if f["name"] == "slack-export-zip")
    assert "reactions" in slack["extra_kept"]


def test_show_absent_from_lists_what_a_later_export_lacks(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    full = tmp_path / "WhatsApp Chat with Ana.txt"
    lines = [f"01/02/2024, 10:{i:02d} - {'Ana' if i % 2 else 'Bo'}: message {i}" for i in range(10)]
    full.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run(db, "import", str(full), "--tz", "UTC", "--quiet").returncode == 0
    later = tmp_path / "later" / "WhatsApp Chat with Ana.txt"
    later.parent.mkdir()
    later.write_text(
        "\n".join(lines[:4] + lines[5:]) + "\n", encoding="utf-8"
    )  # message 4 deleted on the phone
    done = run(db, "import", str(later), "--tz", "UTC")
    assert "1 archived messages in this span are absent from this file" in done.stdout
    absent = json.loads(run(db, "show", "Ana", "--absent-from", "2", "--json").stdout)
    assert [m["text"] for m in absent["absent"]] == ["message 4"]


def test_the_import_summary_lists_twenty_chats_and_quiet_only_those_with_absent_messages(
    tmp_path: Path,
) -> None:
    from tests.quality.conftest import write_chats

    t = 1_700_000_000
    chats = [
        (f"wxid_{n}", f"客户{n}", [(t + n, f"wxid_{n}", "你好"), (t + 99, "kf", "在的")]) for n in range(25)
    ]
    db = tmp_path / "a.db"
    done = run(db, "import", str(write_chats(tmp_path / "a.jsonl", chats)), "--tz", "UTC")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count(" new\n") == 1 + 20 and "… and 5 more chats" in done.stdout
    later = [(chat, title, rows[1:]) if chat == "wxid_3" else (chat, title, [*rows, (t + 200, "kf", "再见")])
             for chat, title, rows in chats]  # fmt: skip
    quiet = run(db, "import", str(write_chats(tmp_path / "b.jsonl", later)), "--tz", "UTC", "--quiet")
    assert quiet.returncode == 0, quiet.stderr
    listed = [
        line for line in quiet.stdout.splitlines() if line.startswith("  客户")
    ]  # ids renumbered: 1 new
    assert (
        len(listed) == 1 and listed[0].startswith("  客户3 [wechat]") and "1 archived messages" in listed[0]
    )
    assert "73 messages read, 25 new." in quiet.stdout
