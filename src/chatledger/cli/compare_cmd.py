"""``chatledger compare`` / ``merge`` / ``case``: two records of one talk side by side, merged, or gathered."""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, TextIO

import typer
from rich.markup import escape
from rich.table import Table

from chatledger.cli._console import err, out, print_json
from chatledger.cli._state import state
from chatledger.cli.archive_cmd import resolve_chat
from chatledger.compare import AlignOptions, Comparison, compare, resolve_side
from chatledger.compare.align import collector_paused
from chatledger.compare.case import CaseEntry, case_timeline, create_case, export_case, find_case
from chatledger.compare.merge import merged_view
from chatledger.compare.report import LANGUAGES, duration, kind_label, labels, render_html, to_json
from chatledger.compare.sides import parse_sender_map
from chatledger.errors import ChatledgerError, InputError
from chatledger.model import Message
from chatledger.timefmt import format_ts, parse_duration

case_app = typer.Typer(help="Cases: chats from several platforms in one timeline.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("compare")(compare_command)
    app.command("merge")(merge_command)
    app.add_typer(case_app, name="case")


SideArg = Annotated[
    str, typer.Argument(help="source:ID, source:FILE-NAME, chat:REF, an imported file's path.")
]
ChatOption = Annotated[
    str | None, typer.Option("--chat", help="Compare only this chat of each source (multi-chat files).")
]
MapOption = Annotated[
    list[str] | None,
    typer.Option("--map", help="Sender pairing A=B (id or name), e.g. 我=wxid_abc; repeatable."),
]
ToleranceOption = Annotated[
    str, typer.Option("--tolerance", help="Times closer than this (after the clock offset) are the same.")
]
WindowOption = Annotated[str, typer.Option("--window", help="How far apart two copies of a message may be.")]
OffsetOption = Annotated[
    str | None, typer.Option("--offset", help="B's clock minus A's (e.g. 3m, -8h); default: estimated.")
]


def _run(
    ctx: typer.Context,
    a: str,
    b: str,
    *,
    chat: str | None,
    sender_map: list[str] | None,
    tolerance: str,
    window: str,
    offset: str | None,
) -> Comparison:
    """The comparison the options ask for. Callers hold the cyclic collector paused for the whole command:
    the sides' millions of objects make no cycles, and the first collection after the library's own pause
    would otherwise scan everything the comparison built (a second at 10^6 messages)."""
    store = state(ctx).store()
    side_a, side_b = resolve_side(store, a, chat=chat), resolve_side(store, b, chat=chat)
    for name, side in (("A", side_a), ("B", side_b)):
        if not side.messages:
            err.print(f"[yellow]warning:[/] side {name} ({escape(side.title)}) holds no messages")
    options = AlignOptions(
        tolerance_ms=parse_duration(tolerance, option="--tolerance"),
        window_ms=parse_duration(window, option="--window"),
        offset_ms=None if offset is None else parse_duration(offset, option="--offset"),
        sender_map=parse_sender_map(sender_map or [], side_a, side_b),
    )
    return compare(side_a, side_b, options)


def _open_output(path: Path, option: str, *, newline: str | None = None) -> TextIO:
    """``path`` opened for writing, or an InputError naming it (compare exits 2 then, not 1)."""
    try:
        return path.open("w", encoding="utf-8", newline=newline)
    except OSError as exc:
        raise InputError(f"{option} {path}: cannot write there ({exc.strerror or exc}).") from None


def _cell(message: Message | None, diff: list[tuple[str, str, str]] | None, side: str, lang: str) -> str:
    if message is None:
        return "[dim]—[/]"
    who = escape(message.sender_name or message.sender or "")
    kind = "" if message.kind.value == "text" else f" [cyan]{kind_label(message.kind.value, lang)}[/]"
    head = f"[dim]{format_ts(message.ts_ms, message.utc_offset_min)}[/] [bold]{who}[/]{kind}"
    if diff:
        parts = []
        for tag, left, right in diff:
            piece = left if side == "a" else right
            if tag == "equal":
                parts.append(escape(piece))
            elif piece:
                parts.append(f"[{'red strike' if side == 'a' else 'green'}]{escape(piece)}[/]")
        body = "".join(parts)
    else:
        body = escape(message.text)
    return f"{head}\n{body}\n[dim]{escape(message.locator)}[/]"


def _print_terminal(comparison: Comparison, *, lang: str, show_all: bool, limit: int) -> None:
    text = labels(lang)
    summary_table = Table(title=f"{text['summary']}: A {comparison.a.title} ↔ B {comparison.b.title}")
    summary_table.add_column("")
    summary_table.add_column("", justify="right")
    for name, count in comparison.counts.items():
        summary_table.add_row(text[name], f"{count:,}")
    out.print(summary_table)
    alignment = comparison.alignment
    how = text["estimated"].format(n=alignment.anchors) if alignment.offset_estimated else text["given"]
    out.print(f"{text['offset']}: [bold]{duration(alignment.offset_ms)}[/] ({how})")
    links = ", ".join(
        f"{escape(str(s.a))} → {escape(str(s.b))} ({text['how_' + s.how].format(n=s.anchors)})"
        for s in alignment.senders
    )
    out.print(f"{text['senders']}: {links}")
    rows = [row for row in comparison.rows if show_all or row.status != "same"]
    if not rows:
        out.print(f"[green]{text['verdict_same']}[/]")
        return
    grid = Table(
        text["status"], f"A {escape(comparison.a.label)}", f"B {escape(comparison.b.label)}", show_lines=True
    )
    for row in comparison.read_ahead(rows[:limit]):
        diff = comparison.text_diff(row) if "altered" in row.classes else None
        status = ", ".join(text[name] for name in row.classes)
        if "retimed" in row.classes:
            status += "\n" + text["delta"].format(s=duration(row.delta_ms))
        grid.add_row(
            status,
            _cell(comparison.message_a(row), diff, "a", lang),
            _cell(comparison.message_b(row), diff, "b", lang),
        )
    out.print(grid)
    if len(rows) > limit:
        err.print(f"[dim]{len(rows) - limit:,} more rows: --limit {len(rows)}, or --html / --json for all[/]")


def compare_command(
    ctx: typer.Context,
    a: SideArg,
    b: SideArg,
    chat: ChatOption = None,
    sender_map: MapOption = None,
    tolerance: ToleranceOption = "60s",
    window: WindowOption = "1h",
    offset: OffsetOption = None,
    html: Annotated[Path | None, typer.Option("--html", help="Also write an HTML report here.")] = None,
    lang: Annotated[str, typer.Option("--lang", help="Report language: zh or en.")] = "zh",
    show_all: Annotated[bool, typer.Option("--all", help="List identical messages too.")] = False,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Rows shown in the terminal.")] = 200,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Compare two sources or chats message by message; exit 0 if the same, 1 if different, 2 on error.

    Example: chatledger compare source:1 source:2 --html diff.html; chatledger compare chat:3 chat:9 --map 我=wxid_abc
    """
    if lang not in LANGUAGES:
        raise InputError(f"--lang {lang!r}: expected one of {', '.join(LANGUAGES)}.")
    with ExitStack() as stack, collector_paused():  # see _run
        try:  # the report's file is opened first: a wrong path fails before a long comparison
            page = None if html is None else stack.enter_context(_open_output(html, "--html"))
            comparison = _run(
                ctx, a, b, chat=chat, sender_map=sender_map, tolerance=tolerance, window=window, offset=offset
            )
        except ChatledgerError as exc:
            err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        if page is not None:
            page.write(render_html(comparison, lang=lang, include_same=show_all))
            err.print(f"HTML report written to {escape(str(html))}")
        if as_json:
            print_json(to_json(comparison, include_same=show_all))
        else:
            _print_terminal(comparison, lang=lang, show_all=show_all, limit=limit)
    raise typer.Exit(0 if comparison.identical else 1)


def merge_command(
    ctx: typer.Context,
    a: SideArg,
    b: SideArg,
    chat: ChatOption = None,
    sender_map: MapOption = None,
    tolerance: ToleranceOption = "60s",
    window: WindowOption = "1h",
    offset: OffsetOption = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write JSONL here (default stdout).")
    ] = None,
) -> None:
    """A merged timeline of two sides keeping every copy and its provenance (the archive is not changed).

    Example: chatledger merge source:1 source:2 -o merged.jsonl
    """
    with ExitStack() as stack, collector_paused():  # see _run
        handle = (
            sys.stdout
            if output is None
            else stack.enter_context(_open_output(output, "--output", newline="\n"))
        )
        comparison = _run(
            ctx, a, b, chat=chat, sender_map=sender_map, tolerance=tolerance, window=window, offset=offset
        )
        entries = copies = 0
        for entry in merged_view(comparison):
            handle.write(json.dumps(entry.record(), ensure_ascii=False) + "\n")
            entries += 1
            copies += len(entry.copies)
    err.print(
        f"{entries:,} merged messages holding {copies:,} copies "
        f"(A {len(comparison.a.messages):,}, B {len(comparison.b.messages):,})"
    )


@case_app.command("create")
def case_create_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The case's name.")],
    chats: Annotated[list[str], typer.Option("--chat", help="A chat to gather (repeatable).")],
    note: Annotated[str, typer.Option("--note", help="What the case is about.")] = "",
) -> None:
    """Gather chats from several platforms into a case. Example: chatledger case create 项目A --chat 3 --chat 7"""
    store = state(ctx).store()
    case = create_case(store, name, [resolve_chat(store, ref) for ref in chats], note=note)
    out.print(f"case {case.id} {escape(case.name)}: {len(case.conversation_ids)} chats")


@case_app.command("list")
def case_list_command(ctx: typer.Context) -> None:
    """List the cases. Example: chatledger case list"""
    store = state(ctx).store()
    table = Table("id", "case", "chats", "note", "created")
    titles = store.conversation_titles()
    for case in store.cases():
        table.add_row(
            str(case.id), escape(case.name), escape(", ".join(titles.get(c, str(c)) for c in case.conversation_ids)),
            escape(case.note), case.created_at.strftime("%Y-%m-%d %H:%M"),
        )  # fmt: skip
    out.print(table)


@case_app.command("show")
def case_show_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Case name or id.")],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Messages shown.")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show a case's timeline across platforms, each message marked with platform, chat and source.

    Example: chatledger case show 项目A --limit 50
    """
    store = state(ctx).store()
    case = find_case(store, name)
    entries: list[CaseEntry] = []
    for entry in case_timeline(store, case):
        if len(entries) == limit:
            break
        entries.append(entry)
    if as_json:
        print_json({"case": case, "entries": [e.record() for e in entries]})
        return
    out.print(f"[bold]{escape(case.name)}[/]" + (f" {escape(case.note)}" if case.note else ""))
    for entry in entries:
        m = entry.message
        who = escape(m.sender_name or m.sender or "")
        out.print(
            f"[dim]{format_ts(m.ts_ms, m.utc_offset_min)}[/] [magenta]{entry.platform}[/] "
            f"[cyan]{escape(entry.chat)}[/] [bold]{who}[/]: {escape(m.text)} "
            f"[dim]({escape(', '.join(entry.sources))} {escape(m.locator)})[/]"
        )


@case_app.command("export")
def case_export_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Case name or id.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (default stdout).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="jsonl or csv.")] = "jsonl",
) -> None:
    """Export a case's timeline (platform, chat and sources on every line). Example: chatledger case export 项目A -o a.csv --format csv"""
    store = state(ctx).store()
    case = find_case(store, name)
    if output is None:
        count = export_case(store, case, sys.stdout, fmt=fmt)
    else:
        with _open_output(output, "--output", newline="") as handle:
            count = export_case(store, case, handle, fmt=fmt)
    err.print(f"{count:,} messages exported")
