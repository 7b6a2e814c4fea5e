"""The Store contract: every line of SQL lives behind it, in one module per backend."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

import numpy as np
import numpy.typing as npt

from chatledger.integrity.canonical import MessageEvidence, SourceEvidence
from chatledger.integrity.merkle import HashReader
from chatledger.integrity.tree_head import SignedTreeHead
from chatledger.model import (
    AuthenticityFinding,
    Case,
    Conversation,
    Message,
    MessageRef,
    Participant,
    Person,
    Source,
)


class KeyCollision(Exception):
    """``add_messages`` met a key already archived though the batch said it was new; nothing was written."""


class NewMessage(NamedTuple):
    """A parsed message ready for the archive: its identity key, resolved row ids, its search-index
    tokens (``chatledger.search.tokens.index_tokens`` of its text; None: the store computes them), its
    ledger leaf hash (``integrity.canonical.message_leaf_hash``; required for a new message) and its index
    characters (``index_characters`` of the tokens; None: computed from the tokens)."""

    message: Message
    key: bytes
    ordinal: int
    conversation_id: int
    sender_id: int | None
    existing_id: int | None = None
    tokens: str | None = None
    leaf_hash: bytes | None = None
    chars: str | None = None


SOURCE_LEAF = 0
MESSAGE_LEAF = 1
"""``kind`` of a ledger leaf: a source's custody record or a message."""


class LedgerEntry(NamedTuple):
    """One stored leaf and, re-read from the archive, what it stands for (None: that row is gone)."""

    leaf_index: int
    kind: int
    ref: int
    hash: bytes
    evidence: MessageEvidence | SourceEvidence | None
    conversation_id: int | None = None  # for a message


@dataclass(frozen=True, slots=True)
class StoredHead:
    """A signed tree head as archived; ``id`` numbers them in the order they were made."""

    id: int
    signed: SignedTreeHead


@dataclass(frozen=True, slots=True)
class StoredTimestamp:
    """An RFC 3161 token over head ``head_id``, with the certificates it was checked with at stamping."""

    id: int
    head_id: int
    tsa_url: str
    token: bytes
    gen_time: str
    tsa_cert_pem: str | None
    ca_cert_pem: str | None
    stamped_at: str


@dataclass(frozen=True, slots=True)
class SourceCoverage:
    """What one source held of one conversation."""

    source_id: int
    conversation_id: int
    message_count: int
    first_ts_ms: int
    last_ts_ms: int


class MessageContent(NamedTuple):
    """What two copies of a message with one platform id are compared on."""

    sender: str | None  # the sender's platform id
    ts_ms: int
    kind: str
    text: str
    edited_ts_ms: int | None


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

    def source_messages(self, source_id: int, conversation_id: int | None = None) -> list[Message]: ...

    def compare_rows(
        self, *, source_id: int | None = None, conversation_id: int | None = None
    ) -> Iterator[list[tuple[Any, ...]]]: ...

    def sources_of_messages(self, conversation_id: int) -> dict[int, tuple[int, ...]]: ...

    def iter_all_messages(self, batch_size: int = 10_000) -> Iterator[Message]: ...

    def iter_timeline(
        self,
        *,
        conversation_ids: Sequence[int] | None = None,
        after_ms: int | None = None,
        before_ms: int | None = None,
        batch_size: int = 10_000,
    ) -> Iterator[Message]: ...

    def timeline_texts(
        self,
        *,
        conversation_ids: Sequence[int] | None = None,
        after_ms: int | None = None,
        before_ms: int | None = None,
    ) -> Iterator[tuple[int, str, str, str | None, int]]: ...

    def first_message_ms(self, sender_ids: Sequence[int]) -> dict[int, int]: ...

    def timeline_columns(
        self,
        *,
        conversation_ids: Sequence[int] | None = None,
        after_ms: int | None = None,
        before_ms: int | None = None,
    ) -> TimelineColumns: ...

    def stats(self) -> ArchiveStats: ...

    # authenticity checks (chatledger.integrity.authenticity)
    def message_contents(self, ids: Sequence[int]) -> dict[int, MessageContent]: ...

    def source_messages_in_span(
        self, source_id: int, conversation_id: int, *, after_ms: int | None, before_ms: int | None, limit: int
    ) -> tuple[int, list[MessageRef]]: ...

    def add_findings(
        self, source_id: int, findings: Sequence[AuthenticityFinding], *, version: str
    ) -> None: ...

    def findings(self, source_id: int) -> list[AuthenticityFinding] | None: ...

    # search (``match`` is an FTS5 expression over chatledger.search.tokens, or None for no text condition;
    # ``index`` "tokens" is the bigram index, "characters" the index of each message's distinct characters,
    # whose expression is one quoted character)
    def search_count(self, match: str | None, where: MessageFilter, *, index: str = "tokens") -> int: ...

    def count_candidates(self, where: MessageFilter, at_most: int) -> int: ...

    def search_ids(
        self,
        match: str | None,
        where: MessageFilter,
        *,
        order: str,
        limit: int,
        offset: int,
        index: str = "tokens",
    ) -> list[int]: ...

    def search_scan(
        self, match: str | None, where: MessageFilter, *, order: str, index: str = "tokens"
    ) -> Iterator[SearchRow]: ...

    def search_facets(
        self, match: str | None, where: MessageFilter, *, index: str = "tokens"
    ) -> dict[str, list[tuple[int | str, int]]]: ...

    def messages_by_ids(self, ids: Sequence[int]) -> list[Message]: ...

    def neighbours(
        self, message_id: int, *, before: int, after: int
    ) -> tuple[list[Message], list[Message]]: ...

    def find_participants(self, ref: str) -> list[Participant]: ...

    # ledger (the Merkle log; new messages' leaves are appended by ``add_messages``)
    def ledger_size(self) -> int: ...

    def ledger_root(self) -> bytes: ...

    def ledger_reader(self) -> HashReader: ...

    def append_leaves(self, kind: int, entries: Sequence[tuple[int, bytes]]) -> None: ...

    def leaf_index(self, kind: int, ref: int) -> int | None: ...

    def ledger_entry(self, index: int) -> LedgerEntry: ...

    def iter_ledger(
        self, start: int = 0, end: int | None = None, batch_size: int = 5000
    ) -> Iterator[LedgerEntry]: ...

    def iter_ledger_nodes(self) -> Iterator[tuple[int, int, bytes]]: ...

    def unledgered(self, kind: int) -> Iterator[LedgerEntry]: ...

    def add_tree_head(self, signed: SignedTreeHead) -> int: ...

    def tree_heads(self) -> list[StoredHead]: ...

    def add_timestamp(
        self,
        head_id: int,
        *,
        tsa_url: str,
        token: bytes,
        gen_time: str,
        tsa_cert_pem: str | None,
        ca_cert_pem: str | None,
    ) -> int: ...

    def timestamps(self) -> list[StoredTimestamp]: ...

    # people
    def people(self) -> list[Person]: ...

    def create_person(self, name: str) -> int: ...

    def link_handle(self, person_id: int, participant_id: int, *, how: str) -> None: ...

    def unlink_handle(self, participant_id: int) -> None: ...

    def rename_person(self, person_id: int, name: str) -> None: ...

    # cases
    def create_case(self, name: str, note: str = "") -> int: ...

    def add_case_chat(self, case_id: int, conversation_id: int) -> None: ...

    def cases(self) -> list[Case]: ...
