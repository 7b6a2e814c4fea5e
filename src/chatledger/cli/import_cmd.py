"""``chatledger import``: bring exports into the archive."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from chatledger.cli._console import err, out, print_json
from chatledger.cli._state import state
from chatledger.errors import InputError
from chatledger.ingest import ImportOptions, ImportResult, import_paths


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)


def _parse_options(pairs: list[str]) -> dict[str, str]:
    options = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise InputError(f"--option {pair!r}: expected NAME=VALUE, e.g. --option date_order=dmy.")
        options[name.strip()] = value.strip()
    return options


def import_command(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Export files, folders or .zip archives.")],
    format: Annotated[
        str | None, typer.Option("--format", "-f", help="Force a format (see `chatledger formats`).")
    ] = None,
    tz: Annotated[
        str | None,
        typer.Option("--tz", help="IANA zone of exports that carry no zone (default: this machine's)."),
    ] = None,
    me: Annotated[
        list[str] | None, typer.Option("--me", help="A name or id under which you appear (repeatable).")
    ] = None,
    chat: Annotated[
        str | None,
        typer.Option("--chat", help="Add to this existing chat (id or title), e.g. a renamed export."),
    ] = None,
    option: Annotated[
        list[str] | None,
        typer.Option(
            "--option", "-o", help="Importer option NAME=VALUE, e.g. date_order=dmy or mapping=map.toml."
        ),
    ] = None,
    quiet: Annotated[
        bool,
        typer.Option("--quiet", "-q", help="No progress bar; chats listed only where messages are absent."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Import chat exports: one transaction, every original hashed and kept, re-imports add nothing twice.

    Example: chatledger import "WhatsApp Chat with Ana.txt" wechat_export.csv --tz Asia/Shanghai
    """
    from chatledger.cli._console import RichImportProgress

    st = state(ctx)
    store = st.store()
    options = ImportOptions(
        format=format, zone_name=tz, options=_parse_options(option or []), me=tuple(me or ()), chat=chat
    )
    with RichImportProgress(quiet=quiet or as_json) as progress:
        result = import_paths(
            store,
            paths,
            originals_dir=st.settings.originals_dir,
            options=options,
            progress=progress,
            key_path=st.settings.key_path,
        )
    if as_json:
        print_json(result)
        return
    _print_result(result, quiet=quiet)


_CHATS_LISTED = 20  # per source; --quiet lists only chats with absent messages


def _print_result(result: ImportResult, *, quiet: bool) -> None:
    for source in result.sources:
        if source.status == "imported":
            out.print(
                f"[green]imported[/] {escape(source.path)} as {source.format} "
                f"(source {source.source_id}, sha256 {source.sha256[:16]}…): "
                f"{source.messages:,} messages, {source.new:,} new"
                + (f", encoding {source.encoding}" if source.encoding and source.encoding != "utf-8" else "")
            )
            listed = [c for c in source.conversations if c.absent or not quiet]
            for conv in listed[:_CHATS_LISTED]:
                line = f"  {escape(conv.title)} {escape(f'[{conv.platform}]')}: {conv.messages:,} messages, {conv.new:,} new"
                if conv.absent:
                    line += f", [yellow]{conv.absent:,} archived messages in this span are absent from this file[/]"
                out.print(line)
            if len(listed) > _CHATS_LISTED:
                out.print(
                    f"  … and {len(listed) - _CHATS_LISTED:,} more chats (`chatledger chats` lists them)"
                )
            if source.findings:
                total = sum(source.findings.values())
                counts = ", ".join(f"{n} {severity}" for severity, n in source.findings.items())
                out.print(
                    f"  [yellow]{total} authenticity finding{'s' if total > 1 else ''}[/] ({counts}): "
                    f"chatledger check {source.source_id}"
                )
            if source.warnings and not quiet:
                err.print(
                    f"  [yellow]{len(source.warnings)} warnings[/], first: {escape(source.warnings[0])}"
                )
        elif source.status == "already_imported":
            out.print(f"[cyan]unchanged[/] {escape(source.path)}: {escape(source.reason)}")
        elif not quiet:
            err.print(f"[dim]skipped {escape(source.path)}: {escape(source.reason)}[/]")
    out.print(f"{result.messages:,} messages read, {result.new:,} new.")
