"""``chatledger check``: the authenticity findings recorded when a source was imported."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.markup import escape

from chatledger.cli._console import out, print_json
from chatledger.cli._state import state
from chatledger.errors import InputError, NotCheckedError
from chatledger.integrity.authenticity import check_source, find_source, severity_counts, when
from chatledger.model import AuthenticityFinding, FindingSeverity
from chatledger.store import Store

_STYLE = {FindingSeverity.HIGH: "bold red", FindingSeverity.WARNING: "yellow", FindingSeverity.INFO: "cyan"}
_LABEL_ZH = {FindingSeverity.HIGH: "严重", FindingSeverity.WARNING: "警告", FindingSeverity.INFO: "提示"}


def register(app: typer.Typer) -> None:
    app.command("check")(check_command)


def _default_lang() -> str:
    return "zh" if os.environ.get("LANG", "").lower().startswith("zh") else "en"


def check_command(
    ctx: typer.Context,
    source: Annotated[
        str | None, typer.Argument(help="A source id or a SHA-256 prefix (6+ hex digits).")
    ] = None,
    all_sources: Annotated[bool, typer.Option("--all", help="Every source in the archive.")] = False,
    lang: Annotated[
        str | None, typer.Option("--lang", help="zh or en (default: zh when LANG is Chinese, else en).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
) -> None:
    """Show a source's authenticity findings: times out of order, in the future, before the platform or after
    the export; repeated or conflicting ids; id gaps; edits and recalls; mixed zones; renamed senders.

    Example: chatledger check 12 --lang zh
    """
    if (source is None) == (not all_sources):
        raise InputError("name one SOURCE (an id or a SHA-256 prefix) or pass --all, not both.")
    language = (lang or _default_lang()).lower()
    if language not in ("zh", "en"):
        raise InputError(f"--lang {lang!r}: expected zh or en.")
    store = state(ctx).store()
    sources = store.sources() if all_sources else [find_source(store, source or "")]
    report = [(s, _findings(store, int(s.id or 0))) for s in sources]
    if as_json:
        print_json(
            [
                {"source_id": s.id, "sha256": s.sha256, "file": s.original_name, "checked": f is not None,
                 "summary": severity_counts(f or []), "findings": f}
                for s, f in report
            ]
        )  # fmt: skip
        return
    titles = store.conversation_titles()
    for s, findings in report:
        if findings is None:
            out.print(
                f"[bold]source {s.id}[/] {escape(s.original_name)}: [dim]not checked (imported before chatledger "
                "recorded authenticity checks)[/]"
            )
            continue
        summary = ", ".join(f"{n} {severity}" for severity, n in severity_counts(findings).items())
        out.print(
            f"[bold]source {s.id}[/] {escape(s.original_name)} ({s.format}, sha256 {s.sha256[:16]}…): "
            + (f"{len(findings)} authenticity finding{'s' if len(findings) != 1 else ''} ({summary})"
               if findings else "no authenticity findings")
        )  # fmt: skip
        for finding in findings:
            _print_finding(finding, titles, language)


def _findings(store: Store, source_id: int) -> list[AuthenticityFinding] | None:
    try:
        return check_source(store, source_id)
    except NotCheckedError:
        return None


def _print_finding(finding: AuthenticityFinding, titles: dict[int, str], language: str) -> None:
    label = _LABEL_ZH[finding.severity] if language == "zh" else finding.severity.value.upper()
    chat = titles.get(finding.conversation_id or -1)
    where = f" · {escape(chat)}" if chat else ""
    text = finding.explanation_zh if language == "zh" else finding.explanation_en
    out.print(f"  [{_STYLE[finding.severity]}]{label}[/] {finding.check}{where}: {escape(text)}")
    for ref in finding.messages:
        parts = [f"message {ref.id}" if ref.id is not None else "message (not archived)"]
        if ref.conversation_id and not chat:
            parts.append(escape(titles.get(ref.conversation_id, str(ref.conversation_id))))
        if ref.locator:
            parts.append(escape(ref.locator))
        if ref.ts_ms is not None:
            parts.append(when(ref.ts_ms, ref.utc_offset_min))
        if ref.role:
            parts.append(f"[dim]{escape(ref.role)}[/]")
        out.print("      " + " · ".join(parts))
