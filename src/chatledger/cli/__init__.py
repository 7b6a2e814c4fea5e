"""The ``chatledger`` command: a thin adapter over the library. Errors are translated here, once.

InputError → one paragraph on stderr, exit 2; other ChatledgerError → exit 1; ``--debug`` shows tracebacks.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from chatledger.cli import (
    archive_cmd,
    check_cmd,
    compare_cmd,
    import_cmd,
    ledger_cmd,
    people_cmd,
    quality_cmd,
    search_cmd,
)
from chatledger.cli._console import err
from chatledger.cli._state import State
from chatledger.config import Settings
from chatledger.errors import ChatledgerError, InputError

app = typer.Typer(
    name="chatledger",
    help="A tamper-evident, searchable archive of chat records (WeChat, WhatsApp, Telegram and more).",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _global(
    ctx: typer.Context,
    db: Annotated[
        Path | None,
        typer.Option("--db", envvar="CHATLEDGER_DB", help="Archive file (default: per-user data directory)."),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
) -> None:
    ctx.obj = State(Settings.resolve(db), debug=debug)


import_cmd.register(app)
archive_cmd.register(app)
search_cmd.register(app)
people_cmd.register(app)
ledger_cmd.register(app)
check_cmd.register(app)
compare_cmd.register(app)
quality_cmd.register(app)


def main() -> None:
    """Entry point: run the app and turn chatledger errors into messages and exit codes."""
    try:
        app()
    except ChatledgerError as exc:
        if "--debug" in sys.argv:
            raise
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(2 if isinstance(exc, InputError) else 1)
