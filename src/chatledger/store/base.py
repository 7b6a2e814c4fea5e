"""The Store contract: every line of SQL lives behind it, in one module per backend."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

import numpy as np
import numpy.typing as npt

from chatledger.model import Conversation, Message, Participant, Person, Source


class KeyCollision(Exception):
    """``add_messages`` met a key already archived though the batch said it was new; nothing was written."""


class NewMessage(NamedTuple):
    """A parsed message ready for the archive: its identity key, resolved row ids, and its search-index
    tokens (``chatledger.search.tokens.index_tokens`` of its text; None: the store computes them)."""

    message: Message
    key: bytes
    ordinal: int
    conversation_id: int
    sender_id: int | None
    existing_id: int | None = None
    tokens: str | None = None


@dataclass(frozen=True, slots=True)
class SourceCoverage:
    """What one source held of one conversation."""

    source_id: int
    conversation_id: int
    message_count: int
    first_ts_ms: int
    last_ts_ms: int


@dataclass(frozen=True, slots=True)
class MessageFilter:
    """Which messages a search may return. ``None`` means no restriction; ``exclude_*`` always apply."""

    conversation_ids: frozenset[int] | None = None
    exclude_conversation_ids: frozenset[int] = frozenset()
    sender_ids: frozenset[int] | None = None
    exclude_sender_ids: frozenset[int] = frozenset()
    platforms: frozenset[str] | None = None
    exclude_platforms: frozenset[str] = frozenset()
    kinds: frozenset[str] | None = None
    exclude_kinds: frozenset[str] = frozenset()
    after_ms: int | None = None
    before_ms: int | None = None
    has_attachment: bool | None = None


@dataclass(frozen=True, slots=True)
class SearchRow:
    """What a search needs of a candidate to check it and count it in facets."""

    id: int
    text: str
    conversation_id: int
    sender_id: int | None
    platform: str


@dataclass(frozen=True, slots=True)
class TimelineColumns:
    """Who spoke in which chat when: one row per message with a sender (system events and recalls left
    out), ordered by (conversation, time, id); parallel int64 arrays for ``chatledger.quality``."""

    id: npt.NDArray[np.int64]
    conversation_id: npt.NDArray[np.int64]
    sender_id: npt.NDArray[np.int64]
    ts_ms: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.id)


@dataclass(frozen=True, slots=True)
class ArchiveStats:
    sources: int
    conversations: int
    participants: int
    messages: int
    first_ts_ms: int | None
    last_ts_ms: int | None
    by_platform: dict[str, int]
    by_kind: dict[str, int]
    schema_version: str


class Store(Protocol):
    """Archive storage. Writes happen only inside ``transaction()``; nested calls use savepoints."""

    def transaction(self) -> AbstractContextManager[None]: ...

    def close(self) -> None: ...

    def schema_version(self) -> str: ...

    # sources
    def source_by_sha256(self, sha256: str) -> Source | None: ...

    def add_source(self, source: Source) -> int: ...

    def finish_source(
        self,
        source_id: int,
        *,
        message_count: int,
        new_message_count: int,
        conversation_count: int,
        encoding: str | None,
        meta: dict[str, Any],
    ) -> None: ...

    def sources(self) -> list[Source]: ...

    def source(self, source_id: int) -> Source: ...

    # conversations and participants
    def ensure_conversation(self, conversation: Conversation) -> tuple[int, bool]: ...

    def ensure_participant(self, participant: Participant) -> int: ...

    def add_aliases(self, participant_id: int, names: Sequence[str]) -> None: ...

    def conversations(self) -> list[Conversation]: ...

    def conversation(self, conversation_id: int) -> Conversation: ...

    def conversation_titles(self) -> dict[int, str]: ...

    def conversation_refs(self) -> dict[int, tuple[str, str, str]]: ...

    def find_conversations(self, ref: str) -> list[Conversation]: ...

    def participants(self, conversation_id: int | None = None) -> list[Participant]: ...

    # messages
    def known_keys(self, source_id: int, keys: Sequence[bytes]) -> dict[bytes, tuple[int, bool]]: ...

    def add_messages(self, source_id: int, batch: Sequence[NewMessage]) -> int: ...

    def record_coverage(self, coverage: SourceCoverage) -> None: ...

    def coverage(self, source_id: int) -> list[SourceCoverage]: ...

    def messages(
        self,
        conversation_id: int,
        *,
        after_ms: int | None = None,
        before_ms: int | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Message]: ...

    def count_messages(
        self, conversation_id: int, *, after_ms: int | None = None, before_ms: int | None = None
    ) -> int: ...

    def message_position(self, conversation_id: int, message_id: int) -> int: ...

    def absent_from_source(self, source_id: int, conversation_id: int) -> list[Message]: ...

    def count_absent_from_source(self, source_id: int, conversation_id: int) -> int: ...

    def message_sources(self, message_id: int) -> list[tuple[int, str]]: ...

    def iter_all_messages(self, batch_size: int = 10_000) -> Iterator[Message]: ...

    def iter_timeline(
        self,
        *,
        conversation_ids: Sequence[int] | None = None,
        after_ms: int | None = None,
        before_ms: int | None = None,
        batch_size: int = 10_000,
    ) -> Iterator[Message]: ...

    def first_message_ms(self, sender_ids: Sequence[int]) -> dict[int, int]: ...

    def timeline_columns(
        self,
        *,
        conversation_ids: Sequence[int] | None = None,
        after_ms: int | None = None,
        before_ms: int | None = None,
    ) -> TimelineColumns: ...

    def stats(self) -> ArchiveStats: ...

    # search (``match`` is an FTS5 expression over chatledger.search.tokens, or None for no text condition)
    def search_count(self, match: str | None, where: MessageFilter) -> int: ...

    def search_ids(
        self, match: str | None, where: MessageFilter, *, order: str, limit: int, offset: int
    ) -> list[int]: ...

    def search_scan(self, match: str | None, where: MessageFilter, *, order: str) -> Iterator[SearchRow]: ...

    def search_facets(
        self, match: str | None, where: MessageFilter
    ) -> dict[str, list[tuple[int | str, int]]]: ...

    def messages_by_ids(self, ids: Sequence[int]) -> list[Message]: ...

    def neighbours(
        self, message_id: int, *, before: int, after: int
    ) -> tuple[list[Message], list[Message]]: ...

    def find_participants(self, ref: str) -> list[Participant]: ...

    # people
    def people(self) -> list[Person]: ...

    def create_person(self, name: str) -> int: ...

    def link_handle(self, person_id: int, participant_id: int, *, how: str) -> None: ...

    def unlink_handle(self, participant_id: int) -> None: ...

    def rename_person(self, person_id: int, name: str) -> None: ...
