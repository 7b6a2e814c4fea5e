"""The service-quality report: one JSON-ready dict built from an ``Analysis``, rendered to HTML or PDF.

``build_report`` collects headline figures, the hour × weekday heat map, the agent ranking, top questions,
script usage, the worst sessions with the messages behind each lost point, suggestions derived from the
figures, and a period-over-period comparison. ``render_html`` draws it with the vendored ECharts
(``static/echarts-*.min.js``, embedded in the file: no network); ``render_pdf`` prints the same page
through weasyprint, with the charts as tables (weasyprint runs no JavaScript) and a CJK font.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from jinja2 import Environment, PackageLoader, select_autoescape

from chatledger.errors import ChatledgerError, InputError
from chatledger.model import to_datetime
from chatledger.quality.analysis import Analysis, worst_first
from chatledger.quality.config import DIMENSIONS
from chatledger.quality.scoring import SessionScore
from chatledger.quality.summary import summaries
from chatledger.quality.timing import Stats
from chatledger.store import Store

LANGS = ("zh", "en")
ECHARTS = "echarts-6.1.0.min.js"
CJK_FONTS = ("Noto Sans CJK SC", "WenQuanYi Micro Hei", "Noto Serif CJK SC", "WenQuanYi Zen Hei")

_DIM_NAMES = {
    "zh": {"speed": "响应速度", "professionalism": "专业度", "resolution": "问题解决", "experience": "用户体验",
           "emotion": "情绪管理"},
    "en": {"speed": "Response speed", "professionalism": "Professionalism", "resolution": "Resolution",
           "experience": "User experience", "emotion": "Emotion management"},
}  # fmt: skip
_WEEKDAYS = {"zh": ["周一", "周二", "周三", "周四", "周五", "周六", "周日"],
             "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]}  # fmt: skip
_BUCKETS_S = (10, 30, 60, 300, 1800, 3600 * 8)


def _t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def _stats(s: Stats) -> dict[str, Any]:
    return asdict(s)


def _duration(seconds: float | None, lang: str) -> str:
    if seconds is None:
        return "—"
    if seconds < 120:
        return f"{seconds:.0f} 秒" if lang == "zh" else f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} 分钟" if lang == "zh" else f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} 小时" if lang == "zh" else f"{seconds / 3600:.1f} h"


def _period_key(day: date, period: str) -> str:
    if period == "day":
        return day.isoformat()
    if period == "month":
        return f"{day.year}-{day.month:02d}"
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _change(before: Any, after: Any) -> float | None:
    if isinstance(before, int | float) and isinstance(after, int | float):
        return round(float(after) - float(before), 4)
    return None


def _median(values: Sequence[float]) -> float | None:
    return round(float(np.median(values)), 3) if len(values) else None


# -- suggestions ----------------------------------------------------------------------------------


def _suggestions(analysis: Analysis, lang: str, limit: int) -> list[str]:
    """Concrete advice, each derived from a figure in the report and quoting it."""
    timing = analysis.timing
    waits = timing.waits
    found: list[tuple[float, str]] = []  # (weight, text): the strongest first
    # first responses to questions asked while open (a night question is not "slow at 02:00")
    asked_open = timing.calendar.is_open(timing.frame.ts_ms[waits.wait_row])
    firsts = waits.first & waits.answered & asked_open
    if firsts.sum() >= 10:
        hours = waits.hour[firsts]
        secs = waits.wall_ms[firsts] / 1000
        medians = {h: float(np.median(secs[hours == h])) for h in range(24) if (hours == h).sum() >= 3}
        if len(medians) >= 2:
            worst = max(medians, key=lambda h: medians[h])
            others = secs[hours != worst]
            rest = float(np.median(others)) if len(others) else 0.0
            ratio = medians[worst] / rest if rest > 0 else float("inf")
            if ratio >= 1.5:
                slow = _duration(medians[worst], lang)
                found.append((ratio, _t(
                    lang,
                    f"{worst}–{worst + 1} 点首次响应中位 {slow}，是其他时段的 {ratio:.1f} 倍：该时段增加值班人手或提前排班",
                    f"First responses at {worst}:00–{worst + 1}:00 take a median {slow}, {ratio:.1f}× the other hours: add staff to that shift",
                )))  # fmt: skip
    new_frt, new_rep = timing.new_vs_experienced["new"]
    old_frt, old_rep = timing.new_vs_experienced["experienced"]
    if new_rep.count >= 5 and old_rep.count >= 5 and new_rep.mean_s and old_rep.mean_s:
        slower = new_rep.mean_s / old_rep.mean_s - 1
        if slower >= 0.2:
            found.append((1 + slower, _t(
                lang,
                f"新人平均回复 {new_rep.mean_s:.0f} 秒，比老员工（{old_rep.mean_s:.0f} 秒）慢 {slower:.0%}：安排带教、常见问题话术库与快捷回复",
                f"New agents reply in {new_rep.mean_s:.0f} s on average, {slower:.0%} slower than experienced ones ({old_rep.mean_s:.0f} s): pair them with mentors and give them a reply library",
            )))  # fmt: skip
    for channel, (_, replies) in timing.by_channel.items():
        sla = analysis.config.sla.for_channel(channel)
        if replies.count >= 10 and replies.within_sla is not None and replies.within_sla < 0.8:
            found.append((2 - replies.within_sla, _t(
                lang,
                f"{channel} 渠道只有 {replies.within_sla:.0%} 的回复在 {sla:.0f} 秒内（{replies.count} 次回复）：设置超时提醒与自动分配",
                f"Only {replies.within_sla:.0%} of {replies.count} {channel} replies came within {sla:.0f} s: add wait alerts and automatic assignment",
            )))  # fmt: skip
    total_waits = len(waits.session)
    if total_waits and timing.unanswered / total_waits >= 0.03:
        share = timing.unanswered / total_waits
        found.append((1 + share * 10, _t(
            lang,
            f"{timing.unanswered} 个顾客问题（{share:.0%}）在会话内无人回复：下班前清空待回复队列，离线时开启留言自动回复",
            f"{timing.unanswered} customer questions ({share:.0%}) got no reply in their session: clear the queue before closing and set an away message",
        )))  # fmt: skip
    agents = [a for a in timing.by_agent if a.first_response.count >= 5 and a.first_response.median_s]
    if len(agents) >= 3:
        team_median = float(np.median([a.first_response.median_s or 0 for a in agents]))
        slowest = max(agents, key=lambda a: a.first_response.median_s or 0)
        ratio = (slowest.first_response.median_s or 0) / team_median if team_median else 0
        if ratio >= 1.5:
            found.append((ratio, _t(
                lang,
                f"{slowest.agent} 首次响应中位 {slowest.first_response.median_s:.0f} 秒，是团队中位的 {ratio:.1f} 倍：复盘其会话并调整接待量",
                f"{slowest.agent}'s median first response is {slowest.first_response.median_s:.0f} s, {ratio:.1f}× the team median: review their sessions and their load",
            )))  # fmt: skip
    tally = analysis.tally
    n = max(tally.sessions, 1)
    for detector, count in tally.notable_count.most_common(3):
        sessions = tally.notable_sessions[detector]
        who = ("、" if lang == "zh" else ", ").join(sorted(tally.notable_agents[detector])[:3])
        critical = analysis.config.scoring.is_critical(detector)
        found.append(((3 if critical else 1) + sessions / n, _t(
            lang,
            f"「{detector}」出现 {count} 次，涉及 {sessions} 个会话（{sessions / n:.0%}）"
            + (f"，主要在 {who}" if who else "") + ("：关键项，逐条复核并专项培训" if critical else "：纳入质检抽查与培训"),
            f"'{detector}' found {count} times in {sessions} sessions ({sessions / n:.0%})"
            + (f", mostly {who}" if who else "") + (": a critical item, review each and train" if critical else ": add it to QA sampling and training"),
        )))  # fmt: skip
    found.sort(key=lambda item: -item[0])
    return [text for _, text in found[:limit]]


# -- the report -----------------------------------------------------------------------------------


def _evidence(store: Store, score: SessionScore, lang: str, limit: int = 6) -> list[dict[str, Any]]:
    ids = list(dict.fromkeys(i for d in score.deductions for i in d.finding.message_ids))
    by_id = {m.id: m for m in store.messages_by_ids(ids)}
    rows = []
    for d in sorted(score.deductions, key=lambda d: -d.points)[:limit]:
        f = d.finding
        rows.append({
            "dimension": d.dimension,
            "points": d.points,
            "detector": f.detector,
            "severity": f.severity.value,
            "reason": f.reason_zh if lang == "zh" else f.reason_en,
            "messages": [
                {"id": m.id, "time": m.sent_at.strftime("%Y-%m-%d %H:%M:%S"), "sender": m.sender_name or m.sender,
                 "text": m.text[:300]}
                for i in f.message_ids if (m := by_id.get(i)) is not None
            ],
        })  # fmt: skip
    return rows


def _periods(analysis: Analysis, period: str) -> list[dict[str, Any]]:
    """Per day, week or month (``[report] period``) of session start: the figures the comparison quotes."""
    timing, tally, config = analysis.timing, analysis.tally, analysis.config
    n = tally.sessions
    if not n:
        return []
    days, day_of_session = np.unique(timing.session_day, return_inverse=True)
    keys = sorted({_period_key(timing.day_of(int(d)), period) for d in days.tolist()})
    key_of_day = np.array([keys.index(_period_key(timing.day_of(int(d)), period)) for d in days.tolist()])
    period_of = key_of_day[day_of_session]
    frt = timing.session_first_response_ms
    sla_of = {c: config.sla.for_channel(c) * 1000 for c in set(timing.channels)}
    sla_ms = np.array([sla_of[c] for c in timing.channels], dtype=np.float64)
    answered = timing.waits.answered
    unanswered = np.bincount(timing.waits.session[~answered], minlength=n)
    resolution_ran = "resolution" in analysis.detectors
    rows = []
    for number, key in enumerate(keys):
        members = period_of == number
        size = int(members.sum())
        first = members & (frt >= 0)
        ratings = int(tally.rating_count[members].sum())
        rows.append({
            "period": key, "sessions": size, "first_response_median_s": _median(frt[first] / 1000),
            "first_response_within_sla": round(float((frt[first] <= sla_ms[first]).sum()) / int(first.sum()), 4)
            if first.any() else None,
            "score": round(float(tally.total[members].sum()) / size, 2),
            "failed": int(tally.failed[members].sum()),
            "unanswered": int(unanswered[members].sum()),
            "resolution_rate": round(int(tally.resolved[members].sum()) / size, 4) if resolution_ran else None,
            "satisfaction": round(float(tally.rating_sum[members].sum()) / ratings, 2) if ratings else None,
            "complaints": int(tally.complaint[members].sum()),
        })  # fmt: skip
    return rows


def build_report(store: Store, analysis: Analysis, *, lang: str = "zh") -> dict[str, Any]:
    """Everything the report shows, as plain data (the JSON output is exactly this)."""
    if lang not in LANGS:
        raise InputError(f"--lang {lang!r}: expected one of {', '.join(LANGS)}.")
    timing = analysis.timing
    config = analysis.config
    tally = analysis.tally
    n = tally.sessions
    frame = timing.frame
    period = config.report.period

    mean_dims = {d: round(float(tally.dimensions[:, i].sum()) / n, 2) if n else None
                 for i, d in enumerate(DIMENSIONS)}  # fmt: skip
    agent_rows = frame.is_agent
    agent_scores = {
        s.name: s for s in summaries(tally, frame.session[agent_rows], frame.agent[agent_rows], frame.agents)
    }
    team_names = sorted({a.team for a in timing.by_agent})
    team_number = {a.agent: team_names.index(a.team) for a in timing.by_agent}
    team_of_agent = np.array([team_number.get(label, -1) for label in frame.agents] or [-1], dtype=np.int64)
    row_team = team_of_agent[np.maximum(frame.agent, 0)]
    in_team = agent_rows & (row_team >= 0)
    agents: list[dict[str, Any]] = []
    for a in timing.by_agent:
        summary = agent_scores.get(a.agent)
        agents.append({
            "agent": a.agent, "team": a.team, "new": a.new, "sessions": a.sessions,
            "score": summary.total if summary else None, "failed": summary.failed if summary else 0,
            "dimensions": summary.dimensions if summary else {}, "first_response": _stats(a.first_response),
            "replies": _stats(a.replies),
        })  # fmt: skip
    agents.sort(key=lambda a: (-(a["score"] if a["score"] is not None else -1), a["agent"]))
    teams = [asdict(s) for s in summaries(tally, frame.session[in_team], row_team[in_team], team_names)]

    answered = timing.waits.answered
    secs = timing.waits.wall_ms[answered] / 1000
    distribution = []
    labels_zh = ["≤10秒", "10–30秒", "30–60秒", "1–5分", "5–30分", "30分–8时", ">8时"]
    labels_en = ["≤10 s", "10–30 s", "30–60 s", "1–5 min", "5–30 min", "30 min–8 h", ">8 h"]
    bins = np.searchsorted(np.array(_BUCKETS_S, dtype=np.float64), secs, side="left")
    counts = np.bincount(bins, minlength=len(_BUCKETS_S) + 1)
    for i, count in enumerate(counts.tolist()):
        distribution.append({"label": (labels_zh if lang == "zh" else labels_en)[i], "count": int(count)})

    # findings, scripts, top questions
    findings: list[dict[str, Any]] = [
        {"detector": d, "count": c, "sessions": tally.detector_sessions[d],
         "share": round(tally.detector_sessions[d] / n, 4) if n else 0.0,
         "dimension": config.scoring.dimension_of(d), "critical": config.scoring.is_critical(d)}
        for d, c in tally.detector_count.most_common()
    ]  # fmt: skip
    topic_examples = tally.topic_examples
    example_ids = [i for ids in topic_examples.values() for i in ids]
    example_text = {m.id: m.text for m in store.messages_by_ids(example_ids)} if example_ids else {}
    top_questions = [
        {"topic": t, "sessions": c, "messages": c,
         "examples": [example_text[i][:120] for i in topic_examples[t] if i in example_text]}
        for t, c in tally.topic_count.most_common(config.report.top_questions)
    ]  # fmt: skip
    corpus_topics = [f.data for f in analysis.corpus_findings if isinstance(f.data.get("topic"), str)]
    if corpus_topics:  # a corpus detector ranked them over every session: use its counts
        top_questions = [
            {"topic": d["topic"], "sessions": int(d.get("sessions", 0)), "messages": int(d.get("messages", 0)),
             "examples": [str(e)[:120] for e in d.get("examples", [])][:3]}
            for d in corpus_topics[: config.report.top_questions]
        ]  # fmt: skip
    scripts = [f for f in findings if f["detector"].startswith("script")]

    worst = sorted(analysis.scores, key=worst_first)[: config.report.worst_sessions]
    worst_rows = [
        {
            "conversation": analysis.titles.get(s.conversation_id, str(s.conversation_id)),
            "conversation_id": s.conversation_id, "index": s.index, "channel": s.channel, "agents": list(s.agents),
            "start": to_datetime(s.start_ms, 0).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "total": s.total, "failed": s.failed, "dimensions": s.dimensions,
            "evidence": _evidence(store, s, lang),
        }
        for s in worst if s.deductions
    ]  # fmt: skip

    periods = _periods(analysis, period)
    comparison = None
    if len(periods) >= 2:
        before, after = periods[-2], periods[-1]
        comparison = {"previous": before["period"], "current": after["period"], "rows": [
            {"metric": key, "previous": before[key], "current": after[key],
             "change": _change(before[key], after[key])}
            for key in ("sessions", "first_response_median_s", "first_response_within_sla", "score",
                        "resolution_rate", "satisfaction", "complaints", "unanswered")
        ]}  # fmt: skip

    first_ts = int(frame.ts_ms.min()) if len(frame) else None
    last_ts = int(frame.ts_ms.max()) if len(frame) else None
    return {
        "title": _t(lang, "客服质量报告", "Service quality report"),
        "lang": lang,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": config.origin,
        "detectors": analysis.detectors,
        "scope": {
            "from": datetime.fromtimestamp(first_ts / 1000, UTC).isoformat() if first_ts else None,
            "to": datetime.fromtimestamp(last_ts / 1000, UTC).isoformat() if last_ts else None,
            "conversations": len(set(frame.conversation.tolist())),
            "agent": analysis.scope.agent,
            "channel": analysis.scope.channel,
            "timezone": config.calendar.timezone,
        },  # fmt: skip
        "headline": {
            "sessions": n,
            "messages": len(frame),
            "agents": len(timing.by_agent),
            "first_response": _stats(timing.first_response),
            "first_response_business": _stats(timing.first_response_business),
            "replies": _stats(timing.replies),
            "replies_business": _stats(timing.replies_business),
            "resolution": _stats(timing.resolution),
            "resolution_business": _stats(timing.resolution_business),
            "unanswered": timing.unanswered,
            "score": round(float(tally.total.sum()) / n, 2) if n else None,
            "failed": int(tally.failed.sum()),
            "pass_share": round(int((~tally.failed).sum()) / n, 4) if n else None,
        },
        "dimensions": mean_dims,
        "dimension_names": _DIM_NAMES[lang],
        "channels": {
            c: {"first_response": _stats(f), "replies": _stats(r), "sla_s": config.sla.for_channel(c)}
            for c, (f, r) in timing.by_channel.items()
        },  # fmt: skip
        "new_vs_experienced": {
            k: {"first_response": _stats(f), "replies": _stats(r)}
            for k, (f, r) in timing.new_vs_experienced.items()
        },  # fmt: skip
        "heatmap": {
            "weekdays": _WEEKDAYS[lang],
            "median_s": timing.heatmap_median_s,
            "count": timing.heatmap_count,
        },
        "distribution": distribution,
        "agents": agents,
        "teams": teams,
        "findings": findings,
        "scripts": scripts,
        "top_questions": top_questions,
        "worst_sessions": worst_rows,
        "suggestions": _suggestions(analysis, lang, config.report.suggestions),
        "periods": periods,
        "comparison": comparison,
    }


# -- rendering ------------------------------------------------------------------------------------


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("chatledger.quality", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["duration"] = _duration
    env.filters["pct"] = lambda v: "—" if v is None else f"{v:.0%}"
    env.filters["num"] = lambda v: "—" if v is None else (f"{v:,.1f}" if isinstance(v, float) else f"{v:,}")
    return env


def echarts_source() -> str:
    return resources.files("chatledger.quality").joinpath("static", ECHARTS).read_text(encoding="utf-8")


def render_html(report: dict[str, Any], *, static: bool = False) -> str:
    """The report page; ``static`` leaves out the scripts and shows the charts as tables (for PDF)."""
    lang = report["lang"]
    words = _WORDS[lang]
    cells = [v for row in report["heatmap"]["median_s"] for v in row if v is not None]
    heat_max = float(np.percentile(cells, 90)) if cells else 0.0  # outliers (night waits) saturate
    data = json.dumps(report, ensure_ascii=False).replace("</", "<\\/")
    return _environment().get_template("report.html").render(
        r=report, w=words, static=static, echarts=None if static else echarts_source(), data=data,
        heat_max=heat_max, fonts=", ".join(f'"{f}"' for f in CJK_FONTS),
    )  # fmt: skip


def cjk_font_available() -> bool:
    """Whether fontconfig knows a CJK font weasyprint can embed."""
    import subprocess

    try:
        listed = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return listed.returncode == 0 and bool(listed.stdout.strip())


def render_pdf(report: dict[str, Any], path: Path) -> None:
    """The report as PDF (charts as tables) with an embedded CJK font; fails clearly without one."""
    if report["lang"] == "zh" and not cjk_font_available():
        raise ChatledgerError(
            "no CJK font installed, so Chinese cannot be printed to PDF: install one "
            "(Debian: apt-get install fonts-noto-cjk, or fonts-wqy-microhei) and run again."
        )
    from weasyprint import HTML

    HTML(string=render_html(report, static=True)).write_pdf(path)


_WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "scope": "范围", "sessions": "会话", "messages": "消息", "agents": "坐席", "frt": "首次响应",
        "replies": "每次回复", "resolution": "解决用时", "median": "中位", "p90": "P90", "mean": "平均",
        "count": "样本数", "within_sla": "SLA 内", "business": "营业时间", "wall": "自然时间",
        "unanswered": "无人回复的问题", "score": "平均分", "failed": "不合格会话", "pass_share": "合格率",
        "dimensions": "五维得分", "heatmap": "时段 × 星期：首次响应中位（秒）", "distribution": "回复用时分布",
        "ranking": "坐席排名", "agent": "坐席", "team": "团队", "new": "新人", "teams": "团队",
        "channels": "渠道", "channel": "渠道", "sla": "SLA", "new_vs_old": "新人与老员工",
        "experienced": "老员工", "suggestions": "改进建议", "worst": "最差会话与证据", "points": "扣分",
        "reason": "原因", "evidence": "相关消息", "findings": "检测结果", "detector": "检测项",
        "share": "占会话", "critical": "关键项", "top_questions": "热门问题", "topic": "问题", "examples": "示例",
        "scripts": "标准话术", "periods": "分期对比", "period": "周期", "previous": "上期", "current": "本期",
        "change": "变化", "metric": "指标", "satisfaction": "满意度", "complaints": "投诉/不当会话",
        "resolution_rate": "确认解决率", "session_score": "得分", "none": "无", "hour": "时", "config": "配置", "detectors_run": "检测器",
        "no_detectors": "未安装文本检测器：仅按计时维度评分", "sessions_n": "个会话", "yes": "是",
        "first_response_median_s": "首次响应中位（秒）", "first_response_within_sla": "首次响应 SLA 内",
    },
    "en": {
        "scope": "Scope", "sessions": "Sessions", "messages": "Messages", "agents": "Agents",
        "frt": "First response", "replies": "Every reply", "resolution": "Resolution time", "median": "Median",
        "p90": "P90", "mean": "Mean", "count": "Count", "within_sla": "Within SLA", "business": "Business hours",
        "wall": "Wall clock", "unanswered": "Unanswered questions", "score": "Mean score",
        "failed": "Failed sessions", "pass_share": "Pass rate", "dimensions": "Five dimensions",
        "heatmap": "Hour × weekday: median first response (s)", "distribution": "Reply time distribution",
        "ranking": "Agent ranking", "agent": "Agent", "team": "Team", "new": "New", "teams": "Teams",
        "channels": "Channels", "channel": "Channel", "sla": "SLA", "new_vs_old": "New vs experienced agents",
        "experienced": "Experienced", "suggestions": "Suggestions", "worst": "Worst sessions and evidence",
        "points": "Points", "reason": "Reason", "evidence": "Messages", "findings": "Findings",
        "detector": "Detector", "share": "Of sessions", "critical": "Critical", "top_questions": "Top questions",
        "topic": "Topic", "examples": "Examples", "scripts": "Standard scripts", "periods": "Period over period",
        "period": "Period", "previous": "Previous", "current": "Current", "change": "Change", "metric": "Metric",
        "satisfaction": "Satisfaction", "complaints": "Complaints / failures", "resolution_rate": "Confirmed resolved", "session_score": "Score",
        "none": "none", "hour": "h", "config": "Configuration", "detectors_run": "Detectors",
        "no_detectors": "No text detectors installed: scored on the timing dimensions only",
        "sessions_n": "sessions", "yes": "yes", "first_response_median_s": "Median first response (s)",
        "first_response_within_sla": "First response within SLA",
    },
}  # fmt: skip
