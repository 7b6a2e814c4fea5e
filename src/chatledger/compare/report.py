"""What a comparison looks like to people and programs: labels in zh-CN and English, JSON, an HTML report."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from chatledger.compare.classify import CLASSES, Comparison, Row, summary
from chatledger.model import Message
from chatledger.timefmt import format_ts

LANGUAGES = ("zh", "en")

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "聊天记录比对报告",
        "same": "一致",
        "only_a": "仅 A 有",
        "only_b": "仅 B 有",
        "altered": "内容被改",
        "retimed": "时间不符",
        "reordered": "顺序不同",
        "sender": "发送人不同",
        "kind": "类型不同",
        "recalled": "一方已撤回",
        "summary": "汇总",
        "messages": "条消息",
        "offset": "两边时钟差（B 减 A）",
        "estimated": "由 {n} 个锚点估计",
        "given": "用户指定",
        "tolerance": "时间容差",
        "senders": "发送人对应",
        "how_inferred": "由 {n} 个锚点推断",
        "how_given": "用户指定",
        "how_same id": "同一账号",
        "verdict_same": "两边完全一致。",
        "verdict_different": "两边存在差异。",
        "shown": "只列出有差异的消息（共 {n} 行）；一致的消息已省略。",
        "shown_all": "列出全部 {n} 行。",
        "time": "时间",
        "status": "判定",
        "generated": "生成于",
        "read_only": "比对只读取存档，不作任何修改。",
        "delta": "B 减 A：{s}",
        "lp": "（",
        "rp": "）",
        "colon": "：",
        "sep": "，",
    },
    "en": {
        "title": "Chat record comparison",
        "same": "same",
        "only_a": "only in A",
        "only_b": "only in B",
        "altered": "altered",
        "retimed": "re-timed",
        "reordered": "re-ordered",
        "sender": "sender differs",
        "kind": "kind differs",
        "recalled": "recalled on one side",
        "summary": "Summary",
        "messages": "messages",
        "offset": "Clock offset (B minus A)",
        "estimated": "estimated from {n} anchors",
        "given": "given",
        "tolerance": "Time tolerance",
        "senders": "Sender mapping",
        "how_inferred": "inferred from {n} anchors",
        "how_given": "given",
        "how_same id": "same id",
        "verdict_same": "The two sides are identical.",
        "verdict_different": "The two sides differ.",
        "shown": "Only rows with differences are listed ({n}); identical messages are left out.",
        "shown_all": "All {n} rows are listed.",
        "time": "time",
        "status": "verdict",
        "generated": "generated",
        "read_only": "Comparing reads the archive only; nothing was changed.",
        "delta": "B minus A: {s}",
        "lp": " (",
        "rp": ")",
        "colon": ": ",
        "sep": ", ",
    },
}


KIND_LABELS_ZH = {
    "text": "文本", "image": "图片", "voice": "语音", "video": "视频", "file": "文件", "sticker": "表情",
    "link": "链接", "location": "位置", "transfer": "转账", "red_packet": "红包", "call": "通话",
    "contact": "名片", "poll": "投票", "system": "系统消息", "recall": "撤回", "other": "其他",
}  # fmt: skip


def kind_label(kind: str, lang: str) -> str:
    return KIND_LABELS_ZH.get(kind, kind) if lang.startswith("zh") else kind


def labels(lang: str) -> dict[str, str]:
    return LABELS["zh" if lang.startswith("zh") else "en"]


def duration(ms: int) -> str:
    """``+3m00s``, ``-8h00m``, ``+12s``."""
    sign = "-" if ms < 0 else "+"
    seconds = abs(ms) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}h{minutes:02d}m"
    if minutes:
        return f"{sign}{minutes}m{secs:02d}s"
    return f"{sign}{secs}s" if seconds else ("0s" if ms == 0 else f"{sign}{abs(ms)}ms")


def message_record(message: Message | None) -> dict[str, Any] | None:
    if message is None:
        return None
    return {
        "id": message.id,
        "time": message.sent_at.isoformat(),
        "precision": message.precision.value,
        "sender": message.sender,
        "sender_name": message.sender_name,
        "kind": message.kind.value,
        "text": message.text,
        "locator": message.locator,
    }


def row_record(comparison: Comparison, row: Row) -> dict[str, Any]:
    record: dict[str, Any] = {
        "classes": row.classes,
        "a": message_record(comparison.message_a(row)),
        "b": message_record(comparison.message_b(row)),
    }
    if row.a >= 0 and row.b >= 0:
        record["delta_ms"] = row.delta_ms
    if "altered" in record["classes"]:
        record["diff"] = [list(part) for part in comparison.text_diff(row)]
    return record


def to_json(comparison: Comparison, *, include_same: bool = False) -> dict[str, Any]:
    """Summary plus one record per row (rows with differences only, unless ``include_same``)."""
    result = summary(comparison)
    shown = (row for row in comparison.rows if include_same or row.status != "same")
    result["rows"] = [row_record(comparison, row) for row in comparison.read_ahead(shown)]
    return result


def render_html(comparison: Comparison, *, lang: str = "zh", include_same: bool = False) -> str:
    """A self-contained HTML page: summary, sender mapping, two columns with differences highlighted."""
    environment = Environment(
        loader=PackageLoader("chatledger.compare", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    text = labels(lang)
    rows = [row for row in comparison.rows if include_same or row.status != "same"]

    def side(message: Message | None) -> dict[str, Any] | None:
        if message is None:
            return None
        return {
            "time": format_ts(
                message.ts_ms, message.utc_offset_min, seconds=message.precision.value != "min"
            ),
            "who": message.sender_name or message.sender or "",
            "kind": message.kind.value,
            "kind_label": kind_label(message.kind.value, lang),
            "text": message.text,
            "locator": message.locator,
        }

    shown = []
    for row in comparison.read_ahead(rows):
        shown.append(
            {
                "classes": row.classes,
                "a": side(comparison.message_a(row)),
                "b": side(comparison.message_b(row)),
                "diff": comparison.text_diff(row) if "altered" in row.classes else None,
                "delta": duration(row.delta_ms) if "retimed" in row.classes else None,
            }
        )
    alignment = comparison.alignment
    template = environment.get_template("compare.html")
    return template.render(
        t=text,
        lang="zh-CN" if lang.startswith("zh") else "en",
        summary=summary(comparison),
        classes=CLASSES,
        rows=shown,
        include_same=include_same,
        offset=duration(alignment.offset_ms),
        tolerance=duration(comparison.options.tolerance_ms).lstrip("+"),
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
