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
