"""``chatledger search``: find messages, Chinese included, with filters, facets and context."""

from __future__ import annotations

import csv
import sys
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.markup import escape

from chatledger.cli._console import err, out, print_json
from chatledger.cli._state import state
from chatledger.ingest import local_zone_name
from chatledger.model import Message
from chatledger.search.engine import ORDERS, SearchResults, search
from chatledger.timefmt import format_ts


def register(app: typer.Typer) -> None:
    app.command("search")(search_command)


def _marked(text: str, spans: list[tuple[int, int]]) -> str:
    parts, last = [], 0
    for start, end in spans:
        parts.append(escape(text[last:start]))
        parts.append(f"[bold black on yellow]{escape(text[start:end])}[/]")
        last = end
    parts.append(escape(text[last:]))
    return "".join(parts)


def _context_line(message: Message) -> str:
    who = message.sender_name or message.sender or "·"
    body = message.text.replace("\n", " ")[:100]
    return f"[dim]    {format_ts(message.ts_ms, message.utc_offset_min)}  {escape(who)}: {escape(body)}[/]"


def _print_results(results: SearchResults, page: int) -> None:
    pages = max(1, -(-results.total // results.limit))
    out.print(
        f"[bold]{results.total:,}[/] messages match [cyan]{escape(results.query)}[/] "
        f"({results.order}, page {page}/{pages}, {results.took_ms:.1f} ms, {results.strategy})"
    )
    for hit in results.hits:
        m = hit.message
        for before in hit.before:
            out.print(_context_line(before))
        who = m.sender_name or m.sender or "(system)"
        out.print(
            f"[magenta]{escape(hit.chat_title)}[/] [dim]#{m.id} {format_ts(m.ts_ms, m.utc_offset_min)}[/] "
            f"[bold]{escape(who)}[/]: {_marked(hit.snippet, hit.snippet_highlights)}"
        )
        for after in hit.after:
            out.print(_context_line(after))
        if hit.before or hit.after:
            out.print("")
    for name, counts in results.facets.items():
        if counts:
            top = ", ".join(f"{escape(c.label)} {c.count:,}" for c in counts[:6])
            more = f" (+{len(counts) - 6} more)" if len(counts) > 6 else ""
            out.print(f"[dim]by {name}: {top}{more}[/]")
    if page < pages:
        err.print(f"[dim]next page: --page {page + 1}[/]")


def _write_csv(results: SearchResults) -> None:
    writer = csv.writer(sys.stdout)
    writer.writerow(["id", "chat", "platform", "time", "sender", "kind", "text"])
    for hit in results.hits:
        m = hit.message
        writer.writerow(
            [
                m.id,
                hit.chat_title,
                m.platform,
                m.sent_at.isoformat(),
                m.sender_name or m.sender or "",
                m.kind,
                m.text,
            ]
        )


def search_command(
    ctx: typer.Context,
    query: Annotated[
        str,
        typer.Argument(
            help='Words, "phrases", AND/OR/NOT, (…), from: chat: platform: kind: after: before: on: has:'
        ),
    ],
    order: Annotated[str, typer.Option("--order", help=f"One of {', '.join(ORDERS)}.")] = "newest",
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=10_000, help="Hits per page.")] = 20,
    page: Annotated[int, typer.Option("--page", "-p", min=1, help="Page number.")] = 1,
    context: Annotated[
        int, typer.Option("--context", "-C", min=0, max=50, help="Messages shown around each hit.")
    ] = 0,
    tz: Annotated[
        str | None, typer.Option("--tz", help="Zone for after:/before:/on: (default: this machine's).")
    ] = None,
    variants: Annotated[
        bool,
        typer.Option(
            "--variants", "-V", help="Also match simplified/traditional Chinese forms (发票 ↔ 發票)."
        ),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print results, counts and facets as JSON.")
    ] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print the hits of this page as CSV.")] = False,
) -> None:
    """Search every message: any substring, Chinese included; exact counts; facets per chat, sender, platform.

    Example: chatledger search '(赔偿 OR 违约) from:张三 after:2024-05-01' --context 2
    """
    results = search(
        state(ctx).store(),
        query,
        order=order,
        limit=limit,
        offset=(page - 1) * limit,
        context=context,
        zone=ZoneInfo(tz or local_zone_name()),
        variants=variants,
    )
    if as_json:
        print_json(results)
    elif as_csv:
        _write_csv(results)
    else:
        _print_results(results, page)
