"""``chatledger quality``: reply times, session scores and reports for customer-service and sales chats."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.markup import escape
from rich.table import Table

from chatledger.cli._console import err, out, print_json
from chatledger.cli._state import state
from chatledger.cli.archive_cmd import resolve_chat
from chatledger.errors import InputError
from chatledger.quality import analysis
from chatledger.quality.config import QualityConfig, load_config, write_defaults
from chatledger.quality.report import LANGS, build_report, render_html, render_pdf
from chatledger.quality.timing import Stats
from chatledger.store import Store
from chatledger.timefmt import format_ts, parse_user_time

quality_app = typer.Typer(
    help="Service quality: sessions, reply times against SLA, five-dimension scores and reports.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(quality_app, name="quality")


ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", envvar="CHATLEDGER_QUALITY_CONFIG",
                 help="Configuration directory or quality.toml (default: the built-in Chinese defaults)."),
]  # fmt: skip
ChatOption = Annotated[
    list[str] | None, typer.Option("--chat", help="Only this chat (id or name); repeatable.")
]
FromOption = Annotated[
    str | None, typer.Option("--from", help="Sessions from this date/time, e.g. 2024-05-01.")
]
ToOption = Annotated[str | None, typer.Option("--to", help="Up to this date (inclusive) or time.")]
AgentOption = Annotated[str | None, typer.Option("--agent", help="Only sessions this agent spoke in (glob).")]
ChannelOption = Annotated[
    str | None, typer.Option("--channel", help="Only this channel, e.g. support or sales.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _scope(
    store: Store,
    config: QualityConfig,
    chats: list[str] | None,
    from_: str | None,
    to: str | None,
    agent: str | None,
    channel: str | None,
) -> analysis.Scope:
    zone = ZoneInfo(config.calendar.timezone)
    ids = tuple(resolve_chat(store, ref).id or 0 for ref in chats) if chats else None
    if (
        channel is not None
        and channel not in config.sla.seconds
        and all(r.name != channel for r in config.sla.channels)
    ):
        known = sorted(set(config.sla.seconds) | {r.name for r in config.sla.channels})
        raise InputError(f"--channel {channel!r}: expected one of {', '.join(known)}.")
    return analysis.Scope(
        conversation_ids=ids,
        after_ms=parse_user_time(from_, zone=zone, option="--from") if from_ else None,
        before_ms=parse_user_time(to, zone=zone, option="--to", end_of_day=True) if to else None,
        agent=agent,
        channel=channel,
    )


def _fmt(s: Stats) -> str:
    if not s.count:
        return "— (n=0)"
    sla = f", {s.within_sla:.0%} within SLA" if s.within_sla is not None else ""
    return f"median {s.median_s:g} s, P90 {s.p90_s:g} s, mean {s.mean_s:g} s (n={s.count:,}{sla})"


@quality_app.command("init")
def init_command(
    target: Annotated[
        Path, typer.Argument(help="Directory to write quality.toml and detectors/*.toml into.")
    ] = Path("quality"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
) -> None:
    """Write the default configuration (roles, SLA, calendar, weights, lexicons) to edit. Example: chatledger quality init quality"""
    written = write_defaults(target, overwrite=force)
    for path in written:
        out.print(escape(str(path)))
    out.print(f"[dim]edit them, then: chatledger quality report --config {escape(str(target))}[/]")


@quality_app.command("times")
def times_command(
    ctx: typer.Context,
    config_path: ConfigOption = None,
    chat: ChatOption = None,
    from_: FromOption = None,
    to: ToOption = None,
    agent: AgentOption = None,
    channel: ChannelOption = None,
    as_json: JsonOption = False,
) -> None:
    """First response, reply and resolution times (wall clock and business hours), no text read. Example: chatledger quality times --from 2024-07-01"""
    store = state(ctx).store()
    config = load_config(config_path)
    timing = analysis.timing(store, config, _scope(store, config, chat, from_, to, agent, channel))
    figures = {
        "sessions": timing.frame.n_sessions,
        "first_response": timing.first_response,
        "first_response_business": timing.first_response_business,
        "replies": timing.replies,
        "replies_business": timing.replies_business,
        "resolution": timing.resolution,
        "resolution_business": timing.resolution_business,
        "unanswered": timing.unanswered,
        "by_channel": {c: {"first_response": f, "replies": r} for c, (f, r) in timing.by_channel.items()},
        "new_vs_experienced": {k: {"first_response": f, "replies": r} for k, (f, r) in timing.new_vs_experienced.items()},
    }  # fmt: skip
    if as_json:
        print_json(figures)
        return
    out.print(f"{timing.frame.n_sessions:,} sessions, {len(timing.frame):,} messages")
    for label, key in (
        ("first response", "first_response"),
        ("every reply", "replies"),
        ("resolution", "resolution"),
    ):
        out.print(f"{label:>15}: {_fmt(figures[key])}")  # type: ignore[arg-type]
        out.print(f"{'(business)':>15}: {_fmt(figures[key + '_business'])}")  # type: ignore[arg-type]
    out.print(f"{'unanswered':>15}: {timing.unanswered:,} customer questions")
    for c, (f, r) in timing.by_channel.items():
        out.print(f"{escape(c):>15}: first response {_fmt(f)}; replies {_fmt(r)}")


@quality_app.command("agents")
def agents_command(
    ctx: typer.Context,
    config_path: ConfigOption = None,
    chat: ChatOption = None,
    from_: FromOption = None,
    to: ToOption = None,
    channel: ChannelOption = None,
    no_detectors: Annotated[
        bool, typer.Option("--no-detectors", help="Score on timing only (fast).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Agents ranked by mean session score, with reply times and SLA share. Example: chatledger quality agents --channel support"""
    store = state(ctx).store()
    config = load_config(config_path)
    scope = _scope(store, config, chat, from_, to, None, channel)
    result = analysis.analyse(
        store, config, scope, detectors=[] if no_detectors else None, keep=config.report.worst_sessions
    )
    rows = build_report(store, result, lang="en")["agents"]
    if as_json:
        print_json(rows)
        return
    table = Table(
        "#", "agent", "team", "sessions", "score", "first response (n)", "replies (n)", "SLA", "failed"
    )
    for i, a in enumerate(rows, 1):
        f, r = a["first_response"], a["replies"]
        table.add_row(
            str(i), escape(a["agent"]) + (" (new)" if a["new"] else ""), escape(a["team"]), f"{a['sessions']:,}",
            "-" if a["score"] is None else f"{a['score']:.1f}", f"{f['median_s'] or '-'} s ({f['count']})",
            f"{r['median_s'] or '-'} s ({r['count']})", "-" if r["within_sla"] is None else f"{r['within_sla']:.0%}",
            str(a["failed"]),
        )  # fmt: skip
    out.print(table)


@quality_app.command("sessions")
def sessions_command(
    ctx: typer.Context,
    config_path: ConfigOption = None,
    chat: ChatOption = None,
    from_: FromOption = None,
    to: ToOption = None,
    agent: AgentOption = None,
    channel: ChannelOption = None,
    worst: Annotated[int, typer.Option("--worst", help="Show the N lowest-scoring sessions.")] = 20,
    no_detectors: Annotated[
        bool, typer.Option("--no-detectors", help="Score on timing only (fast).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Sessions with their scores and every point lost, worst first. Example: chatledger quality sessions --chat 张三 --worst 5"""
    store = state(ctx).store()
    config = load_config(config_path)
    result = analysis.analyse(
        store,
        config,
        _scope(store, config, chat, from_, to, agent, channel),
        detectors=[] if no_detectors else None,
        keep=worst,
    )
    chosen = result.scores
    if as_json:
        print_json(chosen)
        return
    frt = result.timing.session_first_response_ms
    for s in chosen:
        first = f"{frt[s.session] / 1000:g} s" if frt[s.session] >= 0 else "-"
        title = result.titles.get(s.conversation_id, str(s.conversation_id))
        verdict = "[bold red]FAIL[/]" if s.failed else "[green]pass[/]"
        out.print(
            f"[bold]{s.total:5.1f}[/] {verdict} {escape(title)} #{s.index} {format_ts(s.start_ms, seconds=False)} "
            f"{escape(', '.join(s.agents) or '-')} [dim]{s.channel}, first response {first}[/]"
        )
        for d in s.deductions:
            ids = ", ".join(str(i) for i in d.finding.message_ids)
            out.print(
                f"      −{d.points:g} {d.dimension}: {escape(d.finding.reason_en)} [dim](messages {ids})[/]"
            )
    if not chosen:
        out.print("no sessions in scope")


@quality_app.command("report")
def report_command(
    ctx: typer.Context,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="File to write (.html, .pdf or .json).")
    ] = Path("quality-report.html"),
    fmt: Annotated[
        str | None, typer.Option("--format", help="html, pdf or json (default: from --output).")
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="Report language: zh or en.")] = "zh",
    config_path: ConfigOption = None,
    chat: ChatOption = None,
    from_: FromOption = None,
    to: ToOption = None,
    agent: AgentOption = None,
    channel: ChannelOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")] = False,
) -> None:
    """Write the quality report (HTML with charts, PDF or JSON). Example: chatledger quality report -o 质检报告.html --from 2024-07-01"""
    kind = (fmt or output.suffix.lstrip(".") or "html").lower()
    if kind not in ("html", "pdf", "json"):
        raise InputError(f"--format {kind!r}: expected html, pdf or json.")
    if lang not in LANGS:
        raise InputError(f"--lang {lang!r}: expected one of {', '.join(LANGS)}.")
    store = state(ctx).store()
    config = load_config(config_path)
    scope = _scope(store, config, chat, from_, to, agent, channel)

    def progress(done: int, total: int) -> None:
        if not quiet:
            err.print(f"\r{done:,}/{total:,} sessions", end="")

    result = analysis.analyse(store, config, scope, keep=config.report.worst_sessions, progress=progress)
    if not quiet:
        err.print(f"\r{result.tally.sessions:,} sessions scored")
    report = build_report(store, result, lang=lang)
    output.parent.mkdir(parents=True, exist_ok=True)
    if kind == "json":
        import json

        output.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    elif kind == "pdf":
        render_pdf(report, output)
    else:
        output.write_text(render_html(report), encoding="utf-8")
    out.print(
        f"{escape(str(output))}: {result.tally.sessions:,} sessions, mean score {report['headline']['score']}"
    )
