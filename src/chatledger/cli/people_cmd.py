"""``chatledger people``: link the handles one person uses on several platforms."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from chatledger.cli._console import out, print_json
from chatledger.cli._state import state
from chatledger.model import Participant
from chatledger.people import link, resolve_handle, resolve_person, suggest_links

people_app = typer.Typer(
    help="People across platforms: list, link, unlink, rename, and suggestions to confirm.",
    no_args_is_help=False,
    invoke_without_command=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(people_app, name="people")


JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _handle(p: Participant) -> str:
    return f"{p.id} {p.platform.value}:{p.platform_id}" + (
        f" ({p.display_name})" if p.display_name != p.platform_id else ""
    )


@people_app.callback()
def people_command(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List people and their handles. Example: chatledger people"""
    if ctx.invoked_subcommand is not None:
        return
    people = state(ctx).store().people()
    if as_json:
        print_json(people)
        return
    table = Table("id", "person", "handles", title="People")
    for person in people:
        table.add_row(
            str(person.id), escape(person.name), escape("\n".join(_handle(h) for h in person.handles))
        )
    out.print(table)
    if not people:
        out.print(
            "no people yet: `chatledger people suggest` proposes links, `chatledger people link` makes one"
        )


@people_app.command("handles")
def handles_command(
    ctx: typer.Context,
    platform: Annotated[str | None, typer.Option("--platform", help="Only this platform.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List every handle (sender) in the archive with its id and person. Example: chatledger people handles"""
    store = state(ctx).store()
    names = {p.id: p.name for p in store.people()}
    handles = [p for p in store.participants() if platform is None or p.platform.value == platform]
    if as_json:
        print_json(handles)
        return
    table = Table("id", "platform", "handle", "names", "person")
    for p in handles:
        table.add_row(
            str(p.id), p.platform.value, escape(p.platform_id), escape(", ".join(p.aliases[:4])),
            escape(names.get(p.person_id or 0, "")),
        )  # fmt: skip
    out.print(table)


@people_app.command("link")
def link_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The person's name (created when new).")],
    handles: Annotated[list[str], typer.Argument(help="Handles: archive id, platform:id, or a unique name.")],
) -> None:
    """Link handles to a person. Example: chatledger people link 张三 wechat:wxid_zhang01 email:zs@example.com"""
    store = state(ctx).store()
    person = link(store, name, [resolve_handle(store, ref) for ref in handles])
    out.print(
        f"{escape(person.name)} (person {person.id}): "
        + escape(", ".join(_handle(h) for h in person.handles))
    )


@people_app.command("unlink")
def unlink_command(
    ctx: typer.Context,
    handles: Annotated[list[str], typer.Argument(help="Handles to detach from their person.")],
) -> None:
    """Detach handles from their person (a person left with none is removed). Example: chatledger people unlink 12"""
    store = state(ctx).store()
    resolved = [resolve_handle(store, ref) for ref in handles]
    with store.transaction():
        for handle in resolved:
            store.unlink_handle(handle.id or 0)
    out.print(f"unlinked {len(resolved)} handle(s)")


@people_app.command("rename")
def rename_command(
    ctx: typer.Context,
    person: Annotated[str, typer.Argument(help="Person id or name.")],
    new_name: Annotated[str, typer.Argument(help="The new name.")],
) -> None:
    """Rename a person. Example: chatledger people rename 3 "张三 (供应商)" """
    store = state(ctx).store()
    found = resolve_person(store, person)
    with store.transaction():
        store.rename_person(found.id, new_name)
    out.print(f"person {found.id} is now {escape(new_name)}")


@people_app.command("suggest")
def suggest_command(
    ctx: typer.Context,
    accept: Annotated[bool, typer.Option("--accept", help="Link every suggestion shown.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Suggest links: handles sharing a phone, an e-mail, or a name across platforms. Example: chatledger people suggest"""
    store = state(ctx).store()
    suggestions = suggest_links(store)
    if as_json and not accept:
        print_json(suggestions)
        return
    for number, suggestion in enumerate(suggestions, 1):
        handles = ", ".join(_handle(h) for h in suggestion.handles)
        out.print(
            f"{number}. [bold]{escape(suggestion.name)}[/]: {escape(handles)} [dim]({escape(suggestion.reason)})[/]"
        )
        if accept:
            link(store, suggestion.name, list(suggestion.handles), how=suggestion.reason)
    if not suggestions:
        out.print("no suggestions")
    elif not accept:
        out.print("[dim]link one with `chatledger people link NAME HANDLE...`, or all with --accept[/]")
