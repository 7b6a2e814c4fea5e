"""Reading the archive: ``init``, ``sources``, ``chats``, ``show``, ``stats``, ``formats``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from chatledger import importers
from chatledger.cli._console import err, out, print_json
from chatledger.cli._state import state
from chatledger.errors import NotFoundError
from chatledger.export import export_jsonl
from chatledger.ingest import local_zone_name
from chatledger.model import Conversation, Message, MessageKind
from chatledger.store import Store
from chatledger.timefmt import format_ts, parse_user_time


def register(app: typer.Typer) -> None:
    app.command("init")(init_command)
    app.command("sources")(sources_command)
    app.command("chats")(chats_command)
    app.command("show")(show_command)
    app.command("stats")(stats_command)
    app.command("formats")(formats_command)
    app.command("export")(export_command)


JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def init_command(ctx: typer.Context) -> None:
    """Create the archive and its signing key (imports create both too); give an archive made before the
    log existed its log. Example: chatledger --db case.db init"""
    from chatledger.integrity import ledger

    st = state(ctx)
    store = st.store()
    key, created = ledger.ensure_key(st.settings.key_path)
    added = ledger.ensure_ledger(store, key)
    out.print(f"archive {escape(str(st.settings.db_path))} ready (schema {store.schema_version()})")
    out.print(f"originals kept in {escape(str(st.settings.originals_dir))}")
    out.print(
        f"signing key {escape(str(key.path))} ({'created' if created else 'present'}), "
        f"fingerprint {ledger.fingerprint(key.public)}"
    )
    if added:
        out.print(f"logged {added:,} existing sources and messages, and signed the log")


def sources_command(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List imported files with their hashes, format and provenance. Example: chatledger sources --json"""
    sources = state(ctx).store().sources()
    if as_json:
        print_json(sources)
        return
    table = Table(
        "id", "file", "format", "messages", "new", "sha256", "md5", "imported", "zone", title="Sources"
    )
    for s in sources:
        table.add_row(
            str(s.id),
            escape(s.original_name),
            s.format,
            f"{s.message_count:,}",
            f"{s.new_message_count:,}",
            s.sha256,
            s.md5,
            s.imported_at.strftime("%Y-%m-%d %H:%M"),
            s.timezone,
        )
    out.print(table)


def chats_command(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List conversations with message counts and first/last message. Example: chatledger chats"""
    conversations = state(ctx).store().conversations()
    if as_json:
        print_json(conversations)
        return
    table = Table("id", "platform", "title", "kind", "messages", "first", "last", title="Chats")
    for c in conversations:
        table.add_row(
            str(c.id),
            c.platform.value,
            escape(c.title),
            c.kind.value,
            f"{c.message_count:,}",
            format_ts(c.first_ts_ms, seconds=False),
            format_ts(c.last_ts_ms, seconds=False),
        )
    out.print(table)


def resolve_chat(store: Store, ref: str) -> Conversation:
    found = store.find_conversations(ref)
    if not found:
        raise NotFoundError(f"no chat matches {ref!r}; `chatledger chats` lists them.")
    if len(found) > 1:
        listed = "; ".join(f"{c.id}: {c.title}" for c in found[:10])
        raise NotFoundError(f"{ref!r} matches {len(found)} chats ({listed}); give the id.")
    return found[0]


_KIND_MARK = {
    MessageKind.TEXT: "",
    MessageKind.SYSTEM: "[system] ",
    MessageKind.RECALL: "[recalled] ",
}


def _message_line(message: Message) -> str:
    when = format_ts(message.ts_ms, message.utc_offset_min)
    mark = _KIND_MARK.get(message.kind, f"[{message.kind.value}] ")
    who = message.sender_name or message.sender or ""
    body = message.text.replace("\n", "\n" + " " * 22)
    sender = f"[bold]{escape(who)}[/]: " if who else ""
    return f"[dim]{when}[/]  {sender}[cyan]{escape(mark)}[/]{escape(body)}"


def show_command(
    ctx: typer.Context,
    chat: Annotated[str, typer.Argument(help="Chat id, platform id or (part of) its title.")],
    from_: Annotated[str | None, typer.Option("--from", help="Start date/time, e.g. 2024-05-01.")] = None,
    to: Annotated[
        str | None, typer.Option("--to", help="End date/time (a bare date includes that day).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Messages per page.")] = 100,
    page: Annotated[int, typer.Option("--page", "-p", min=1, help="Page number.")] = 1,
    tz: Annotated[
        str | None, typer.Option("--tz", help="Zone for --from/--to (default: this machine's).")
    ] = None,
    around: Annotated[
        int | None, typer.Option("--around", help="Open the timeline at this message id (e.g. a search hit).")
    ] = None,
    absent_from: Annotated[
        int | None,
        typer.Option("--absent-from", help="Only messages this source (id) lacks inside the span it covers."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Show a chat's timeline, paged, or around one message, or what a later export lacks.

    Example: chatledger show "Ana" --from 2024-05-01 --to 2024-05-31; chatledger show 3 --around 27283746125;
    chatledger show "Ana" --absent-from 7
    """
    from zoneinfo import ZoneInfo

    store = state(ctx).store()
    conversation = resolve_chat(store, chat)
    zone = ZoneInfo(tz or local_zone_name())
    after = parse_user_time(from_, zone=zone, option="--from") if from_ else None
    before = parse_user_time(to, zone=zone, option="--to", end_of_day=True) if to else None
    assert conversation.id is not None
    if absent_from is not None:
        source = store.source(absent_from)
        missing = store.absent_from_source(absent_from, conversation.id)
        if as_json:
            print_json({"chat": conversation, "source": source, "absent": missing})
            return
        out.print(
            f"[bold]{len(missing):,}[/] archived messages of [bold]{escape(conversation.title)}[/] fall inside the "
            f"span of source {absent_from} ({escape(source.original_name)}) but are not in it:"
        )
        for message in missing:
            out.print(_message_line(message))
        return
    total = store.count_messages(conversation.id, after_ms=after, before_ms=before)
    offset = (page - 1) * limit
    if around is not None:
        position = store.message_position(conversation.id, around)
        offset = max(0, position - limit // 2)
        if after is not None:
            offset = max(0, offset - store.count_messages(conversation.id, before_ms=after))
        page = offset // limit + 1
    messages = store.messages(conversation.id, after_ms=after, before_ms=before, limit=limit, offset=offset)
    if as_json:
        print_json({"chat": conversation, "total": total, "page": page, "limit": limit, "messages": messages})
        return
    pages = max(1, -(-total // limit))
    out.print(
        f"[bold]{escape(conversation.title)}[/] [{conversation.platform.value}, {conversation.kind.value}] "
        f"{total:,} messages, page {page}/{pages}"
    )
    last_day = ""
    for message in messages:
        day = format_ts(message.ts_ms, message.utc_offset_min)[:10]
        if day != last_day:
            out.print(f"[bold magenta]── {day} ──[/]")
            last_day = day
        line = _message_line(message)
        out.print(f"[reverse]▶[/] {line}" if message.id == around else line)
    if page < pages:
        err.print(f"[dim]next page: --page {page + 1}[/]")


def stats_command(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Counts for the whole archive: sources, chats, people, messages by platform and kind.

    Example: chatledger stats --json
    """
    stats = state(ctx).store().stats()
    if as_json:
        print_json(stats)
        return
    out.print(
        f"{stats.messages:,} messages in {stats.conversations:,} chats from {stats.sources:,} sources, "
        f"{stats.participants:,} participants (schema {stats.schema_version})"
    )
    out.print(f"from {format_ts(stats.first_ts_ms)} to {format_ts(stats.last_ts_ms)} (UTC)")
    for title, counts in (("platform", stats.by_platform), ("kind", stats.by_kind)):
        table = Table(title, "messages")
        for name, count in counts.items():
            table.add_row(name, f"{count:,}")
        out.print(table)


def formats_command(as_json: JsonOption = False) -> None:
    """List the export formats chatledger can import and what each keeps. Example: chatledger formats"""
    rows = [
        {
            "name": imp.name,
            "platform": imp.platform.value,
            "suffixes": list(imp.suffixes),
            "capabilities": sorted(imp.capabilities),
            "description": imp.description,
            "obtain": getattr(imp, "obtain", ""),  # plug-ins may predate ``obtain`` and ``extra_kept``
            "extra_kept": getattr(imp, "extra_kept", ""),
        }
        for imp in importers.available()
    ]
    if as_json:
        print_json(rows)
        return
    table = Table("format", "platform", "files", "keeps", "description", title="Import formats")
    for row in rows:
        table.add_row(
            str(row["name"]),
            str(row["platform"]),
            " ".join(row["suffixes"]),
            ", ".join(row["capabilities"]),
            escape(str(row["description"])),
        )
    out.print(table)
    err.print("How to obtain each export: chatledger formats --json, or docs/formats.md")


def export_command(
    ctx: typer.Context,
    chat: Annotated[
        list[str] | None, typer.Option("--chat", help="Only this chat (repeatable); default all.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (default stdout).")
    ] = None,
) -> None:
    """Export messages as canonical JSONL, which re-imports into the same messages and identity keys.

    Example: chatledger export --chat "Ana" -o ana.jsonl
    """
    store = state(ctx).store()
    ids = [resolve_chat(store, ref).id or 0 for ref in chat] if chat else None
    if output is None:
        count = export_jsonl(store, sys.stdout, conversation_ids=ids)
    else:
        with open(output, "w", encoding="utf-8", newline="\n") as handle:
            count = export_jsonl(store, handle, conversation_ids=ids)
    err.print(f"{count:,} messages exported")
