"""The report: JSON figures, HTML with the vendored ECharts and no network, PDF with an embedded CJK font."""

from __future__ import annotations

import contextlib
import json
import re
import zlib
from pathlib import Path

import pytest

from chatledger.quality import analysis
from chatledger.quality.config import load_config
from chatledger.quality.report import build_report, cjk_font_available, render_html, render_pdf
from chatledger.store import SQLiteStore
from tests.conftest import ImportFn
from tests.quality.conftest import import_generated_service_chats


@pytest.fixture
def report_zh(service_store: SQLiteStore) -> dict[str, object]:
    return build_report(service_store, analysis.analyse(service_store, load_config()), lang="zh")


def test_json_holds_the_headline_figures_and_evidence(service_store: SQLiteStore, report_zh: dict) -> None:
    json.dumps(report_zh, ensure_ascii=False)  # plain data only
    h = report_zh["headline"]
    assert (h["sessions"], h["first_response"]["median_s"], h["replies"]["count"], h["unanswered"]) == (
        3,
        40.0,
        5,
        1,
    )
    assert report_zh["heatmap"]["count"][1][22] == 1  # 李四's question, Tuesday 22:00 local
    assert [a["agent"] for a in report_zh["agents"]] == ["客服-小美", "销售-王五"]
    worst = report_zh["worst_sessions"][0]
    assert worst["conversation"] == "李四（销售咨询）"
    speed = next(e for e in worst["evidence"] if e["detector"] == "timing.first_response")
    assert [m["text"] for m in speed["messages"]] == ["这款有现货吗", "早上好，有现货的"]
    assert "首次响应用时" in speed["reason"]
    assert report_zh["detectors"] and "rude" in report_zh["detectors"]


def test_html_embeds_echarts_and_fetches_nothing(report_zh: dict) -> None:
    html = render_html(report_zh)
    assert (
        "客服质量报告" in html and "echarts.init" in html and len(html) > 1_000_000
    )  # the library is inline
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=[\"']?(https?:)?//", html)
    assert (
        "</script>" not in html.split("const R = ", 1)[1].split(";\nconst dimNames", 1)[0]
    )  # data cannot close the tag
    static = render_html(report_zh, static=True)
    assert "echarts" not in static and '<table class="heat">' in static


def test_english_report(service_store: SQLiteStore) -> None:
    report = build_report(service_store, analysis.analyse(service_store, load_config()), lang="en")
    html = render_html(report, static=True)
    assert "Service quality report" in html and "First response" in html and "首次响应" not in html


@pytest.mark.skipif(not cjk_font_available(), reason="no CJK font installed (apt-get install fonts-noto-cjk)")
def test_pdf_embeds_a_cjk_font(report_zh: dict, tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    render_pdf(report_zh, path)
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    inflated = [data]  # font dictionaries sit in compressed object streams
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        with contextlib.suppress(zlib.error):
            inflated.append(zlib.decompress(stream.group(1)))
    fonts = set(re.findall(rb"/BaseFont\s*/([A-Z]{6}\+[\w-]+)", b"".join(inflated)))  # subset = embedded
    assert any(b"CJK" in f or b"WenQuanYi" in f or b"Micro" in f for f in fonts), fonts


def test_a_report_that_keeps_only_the_worst_sessions_equals_the_full_one(
    store: SQLiteStore, import_files: ImportFn, tmp_path: Path
) -> None:
    """Streaming keeps every session's figures in the tally and only the shown sessions' findings."""
    import_generated_service_chats(import_files, tmp_path, seed=3)
    config = load_config()
    full = analysis.analyse(store, config)
    kept = analysis.analyse(store, config, keep=config.report.worst_sessions)
    assert len(full.scores) == full.tally.sessions > 100 and len(kept.scores) == config.report.worst_sessions
    report_full, report_kept = build_report(store, full, lang="zh"), build_report(store, kept, lang="zh")
    for report in (report_full, report_kept):
        report.pop("generated_at")
    assert report_kept == report_full
    # the tally's figures against the full scores, summed here one session at a time
    scores = full.scores
    assert report_full["headline"]["score"] == round(sum(s.total for s in scores) / len(scores), 2)
    assert report_full["headline"]["failed"] == sum(s.failed for s in scores)
    for row in report_full["agents"]:
        mine = [s for s in scores if row["agent"] in s.agents]
        assert (row["sessions"], row["score"]) == (
            len(mine),
            round(sum(s.total for s in mine) / len(mine), 2),
        )
    counted = {f["detector"]: (f["count"], f["sessions"]) for f in report_full["findings"]}
    for name, (count, sessions) in counted.items():
        assert count == sum(f.detector == name for s in scores for f in s.findings)
        assert sessions == sum(any(f.detector == name for f in s.findings) for s in scores)
    periods = report_full["periods"]
    assert sum(p["sessions"] for p in periods) == len(scores)
    assert sum(p["complaints"] for p in periods) > 0 and sum(p["failed"] for p in periods) == sum(
        s.failed for s in scores
    )
