"""Docs are generated and tested: stale docs, or a command without help and example, fail."""

from __future__ import annotations

import re

import typer.main

from chatledger.cli import app
from chatledger.cli._docs import DOCS, _commands, render_cli_md, render_formats_md


def test_cli_reference_is_current() -> None:
    assert (DOCS / "cli.md").read_text(encoding="utf-8") == render_cli_md(), (
        "run: python -m chatledger.cli._docs"
    )


def test_formats_reference_is_current() -> None:
    assert (DOCS / "formats.md").read_text(encoding="utf-8") == render_formats_md(), (
        "run: python -m chatledger.cli._docs"
    )


def test_every_command_has_help_with_an_example_and_is_in_the_readme() -> None:
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    for path, command in _commands(typer.main.get_command(app), "chatledger"):
        assert command.help and command.help.strip(), f"{path} has no help"
        assert "Example:" in command.help, f"{path} help has no example"
        assert re.search(rf"`{re.escape(path)}\b", readme), f"{path} is not mentioned in README.md"
