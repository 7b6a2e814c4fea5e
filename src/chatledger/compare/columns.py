"""A side's messages as parallel lists of the few fields aligning and classifying read.

At 10^6 messages whole ``Message`` objects cost ≈ 1 KB each; these lists a fifth of that. A side read
from the archive keeps only them and reads whole messages again for the rows a report shows, a batch at
a time (``StoredMessages.preload``).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar, overload

from chatledger.model import Message, MessageKind, TimePrecision, by_value
from chatledger.store import Store

_KINDS, _PRECISIONS = by_value(MessageKind), by_value(TimePrecision)
_BATCH = 900
_T = TypeVar("_T")


@dataclass(slots=True)
class Columns:
    """Field ``x`` of message ``i`` is ``x[i]``; ``chat`` is -1 for a message of no archived chat."""

    ids: array[int]
    chat: list[int]
    ts: list[int]
    precision: list[TimePrecision]
    sender: list[str | None]
    sender_name: list[str | None]
    kind: list[MessageKind]
    text: list[str]
    locator: Sequence[str]

    def __len__(self) -> int:
        return len(self.ts)

    @classmethod
    def of(cls, messages: Iterable[Message]) -> Columns:
        """The columns of messages held in memory (ids 0 where they have none)."""
        held = list(messages)
        return cls(
            array("q", [m.id or 0 for m in held]),
            [-1 if m.conversation_id is None else m.conversation_id for m in held],
            [m.ts_ms for m in held], [m.precision for m in held], [m.sender for m in held],
            [m.sender_name for m in held], [m.kind for m in held], [m.text for m in held],
            [m.locator for m in held],
        )  # fmt: skip

    @classmethod
    def read(cls, batches: Iterable[Sequence[Sequence[Any]]]) -> Columns:
        """The columns ``Store.compare_rows`` gives, batch by batch."""
        locators: list[str] = []
        columns = cls(array("q"), [], [], [], [], [], [], [], locators)
        precisions, kinds = _PRECISIONS.__getitem__, _KINDS.__getitem__
        for ids, chat, ts, precision, sender, sender_name, kind, text, locator in batches:
            columns.ids.extend(ids)
            columns.chat.extend(chat)
            columns.ts.extend(ts)
            columns.precision.extend(map(precisions, precision))
            columns.sender.extend(sender)
            columns.sender_name.extend(sender_name)
            columns.kind.extend(map(kinds, kind))
            columns.text.extend(text)
            locators.extend(locator)
        return columns

    def reordered(self, order: Sequence[int]) -> Columns:
        """The same messages in ``order`` (indices into these)."""

        def pick(values: Sequence[_T]) -> list[_T]:
            return [values[i] for i in order]

        return Columns(
            array("q", pick(self.ids)), pick(self.chat), pick(self.ts), pick(self.precision), pick(self.sender),
            pick(self.sender_name), pick(self.kind), pick(self.text), pick(self.locator),
        )  # fmt: skip


class NumberedLocators(Sequence[str]):
    """Locators that are one template around a number (``line N``), kept as the numbers: 8 bytes each
    instead of a string's 60."""

    __slots__ = ("numbers", "prefix", "suffix")

    def __init__(self, prefix: str, suffix: str, numbers: array[int]) -> None:
        self.prefix, self.suffix, self.numbers = prefix, suffix, numbers

    def __len__(self) -> int:
        return len(self.numbers)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [f"{self.prefix}{n}{self.suffix}" for n in self.numbers[index]]
        return f"{self.prefix}{self.numbers[index]}{self.suffix}"


class StoredMessages(Sequence[Message]):
    """A side read from the archive: its columns in memory, whole messages read when asked for, each with
    the locator this side's file gave it."""

    def __init__(self, store: Store, columns: Columns) -> None:
        self.columns = columns
        self._store = store
        self._ahead: dict[int, Message] = {}

    def __len__(self) -> int:
        return len(self.columns)

    @overload
    def __getitem__(self, index: int) -> Message: ...
    @overload
    def __getitem__(self, index: slice) -> list[Message]: ...
    def __getitem__(self, index: int | slice) -> Message | list[Message]:
        if isinstance(index, slice):
            return self._read(range(len(self))[index])
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        index %= len(self)
        found = self._ahead.get(index)
        return found if found is not None else self._read([index])[0]

    def __iter__(self) -> Iterator[Message]:
        for start in range(0, len(self), _BATCH):
            yield from self._read(range(start, min(start + _BATCH, len(self))))

    def preload(self, indices: Iterable[int]) -> None:
        """Read these messages at once; the next lookups of them cost no query (earlier ones are dropped)."""
        wanted = sorted(set(indices))
        self._ahead = dict(zip(wanted, self._read(wanted), strict=True))

    def _read(self, indices: Sequence[int]) -> list[Message]:
        ids, locators = self.columns.ids, self.columns.locator
        found = {m.id: m for m in self._store.messages_by_ids(sorted({ids[i] for i in indices}))}
        return [replace(found[ids[i]], locator=locators[i]) for i in indices]
