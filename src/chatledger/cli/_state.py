"""What every command receives: settings and an archive opened on demand."""

from __future__ import annotations

from dataclasses import dataclass, field

import typer

from chatledger.config import Settings
from chatledger.store import Store, open_store


@dataclass
class State:
    settings: Settings
    debug: bool = False
    _store: Store | None = field(default=None, repr=False)

    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(self.settings.db_path)
        return self._store


def state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    assert isinstance(obj, State)
    return obj
