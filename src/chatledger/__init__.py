"""chatledger: a tamper-evident, searchable archive of chat records.

The Python API: open an archive with ``open_store``, import with ``import_paths``.
"""

from __future__ import annotations

import importlib.metadata as _metadata

try:
    __version__ = _metadata.version("chatledger")
except _metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"

from chatledger.config import Settings
from chatledger.ingest import ImportOptions, ImportResult, import_paths
from chatledger.model import (
    Attachment,
    Conversation,
    ConversationKind,
    Message,
    MessageKind,
    Participant,
    Platform,
    Source,
)
from chatledger.store import Store, open_store

__all__ = [
    "Attachment",
    "Conversation",
    "ConversationKind",
    "ImportOptions",
    "ImportResult",
    "Message",
    "MessageKind",
    "Participant",
    "Platform",
    "Settings",
    "Source",
    "Store",
    "__version__",
    "import_paths",
    "open_store",
]
