"""``chatledger compare / merge / case`` end to end: exit codes like diff, JSON, HTML, merge sizes, cases."""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import datetime
from pathlib import Path

from tests.cli.test_cli import run
from tests.conftest import SAMPLES

MOBILE = SAMPLES / "line" / "ja_mobile_tab__line2json_talk-mobile.txt"
PC = SAMPLES / "line" / "ja_pc_space__line2json_talk-pc.txt"
TELEGRAM = next((SAMPLES / "telegram").glob("*.json"))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_compare_exit_codes_json_and_html(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    assert run(db, "import", str(MOBILE), str(PC), "--tz", "Asia/Tokyo", "--quiet").returncode == 0
    before = _digest(db)
    same = run(db, "compare", "source:1", str(MOBILE))
    assert same.returncode == 0, same.stderr
    html = tmp_path / "r.html"
    done = run(db, "compare", str(MOBILE), "source:2", "--json", "--html", str(html))
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["counts"]["only_b"] == 2 and report["counts"]["reordered"] == 1
    assert [r["classes"] for r in report["rows"]].count(["only_b"]) == 2
    page = html.read_text(encoding="utf-8")
    assert 'lang="zh-CN"' in page and "仅 B 有" in page and "顺序不同" in page and "[プレゼント]" in page
    english = run(db, "compare", "source:1", "source:2", "--lang", "en", "--html", str(html))
    assert english.returncode == 1 and "only in B" in html.read_text(encoding="utf-8")
    assert "re-ordered" in english.stdout
    missing = run(db, "compare", "source:1", "source:99")
    assert missing.returncode == 2 and "no source '99'" in missing.stderr
    bad_map = run(db, "compare", "source:1", "source:2", "--map", "nobody=B")
    assert bad_map.returncode == 2 and "--map 'nobody'" in bad_map.stderr
    nowhere = tmp_path / "missing" / "r.html"
    unwritable = run(db, "compare", "source:1", "source:2", "--html", str(nowhere))
    assert unwritable.returncode == 2 and f"--html {nowhere}: cannot write there" in unwritable.stderr
    assert "Traceback" not in unwritable.stderr
    merged = run(db, "merge", "source:1", "source:2", "-o", str(tmp_path / "missing" / "m.jsonl"))
    assert merged.returncode == 2 and "--output" in merged.stderr and "Traceback" not in merged.stderr
    assert _digest(db) == before  # comparing changes nothing


def test_sender_map_override_and_given_offset(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    run(db, "import", str(MOBILE), str(PC), "--tz", "Asia/Tokyo", "--quiet")
    crossed = run(db, "compare", "source:1", "source:2", "--map", "A=B", "--map", "B=A", "--json")
    report = json.loads(crossed.stdout)
    assert {(s["a"], s["b"], s["how"]) for s in report["senders"]} == {
        ("A", "B", "given"),
        ("B", "A", "given"),
    }
    assert report["counts"]["sender"] > 0
    shifted = json.loads(run(db, "compare", "source:1", "source:2", "--offset", "30m", "--json").stdout)
    assert shifted["clock_offset_ms"] == 1_800_000 and not shifted["clock_offset_estimated"]
    assert shifted["counts"]["retimed"] == 22  # every pair is 30 minutes off once that offset is imposed


def test_merge_keeps_every_copy(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    run(db, "import", str(MOBILE), str(PC), "--tz", "Asia/Tokyo", "--quiet")
    out = tmp_path / "merged.jsonl"
    done = run(db, "merge", "source:1", "source:2", "-o", str(out))
    assert done.returncode == 0, done.stderr
    entries = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(entries) >= 24  # never smaller than the larger input
    copies = [c for e in entries for c in e["copies"]]
    assert sum(c["side"] == "a" for c in copies) == 22 and sum(c["side"] == "b" for c in copies) == 24
    assert all(c["locator"].startswith("line ") and c["origin"] for c in copies)
    assert "merged messages holding 46 copies" in done.stderr


def test_case_gathers_chats_of_two_platforms(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    run(db, "import", str(MOBILE), "--tz", "Asia/Tokyo", "--quiet")
    run(db, "import", str(TELEGRAM), "--tz", "Asia/Shanghai", "--quiet")
    chats = json.loads(run(db, "chats", "--json").stdout)
    assert len(chats) == 2
    created = run(db, "case", "create", "项目A", "--chat", str(chats[0]["id"]), "--chat", str(chats[1]["id"]))
    assert created.returncode == 0, created.stderr
    again = run(db, "case", "create", "项目A", "--chat", str(chats[0]["id"]))
    assert again.returncode == 2 and "exists already" in again.stderr
    shown = json.loads(run(db, "case", "show", "项目A", "--json", "--limit", "1000").stdout)
    entries = shown["entries"]
    assert len(entries) == sum(c["message_count"] for c in chats)
    assert {e["platform"] for e in entries} == {"line", "telegram"}
    assert all(e["sources"] for e in entries)
    moments = [datetime.fromisoformat(e["time"]) for e in entries]
    assert moments == sorted(moments)
    out = tmp_path / "case.csv"
    assert run(db, "case", "export", "项目A", "-o", str(out), "--format", "csv").returncode == 0
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) == len(entries) and rows[0]["platform"] in {"line", "telegram"}
    assert "项目A" in run(db, "case", "list").stdout
