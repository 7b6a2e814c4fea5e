"""Settings: an explicit object built by the CLI or app, never read at import time."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir

ENV_DB = "CHATLEDGER_DB"


def default_db_path() -> Path:
    """``$CHATLEDGER_DB`` if set, else ``archive.db`` in the per-user data directory."""
    configured = os.environ.get(ENV_DB)
    if configured:
        return Path(configured).expanduser()
    return Path(user_data_dir("chatledger", appauthor=False)) / "archive.db"


@dataclass(frozen=True)
class Settings:
    db_path: Path

    @classmethod
    def resolve(cls, db: Path | None = None) -> Settings:
        return cls(db_path=(db or default_db_path()).expanduser().resolve())

    @property
    def originals_dir(self) -> Path:
        """Where read-only, content-addressed copies of every imported original are kept."""
        return self.db_path.with_name(self.db_path.name + "-originals")

    @property
    def key_path(self) -> Path:
        """The archive's Ed25519 signing key (mode 0600); its public half is beside it as ``.pub``."""
        return self.db_path.with_name(self.db_path.name + ".key")
