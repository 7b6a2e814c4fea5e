"""The two things compared: a source (one imported file, as that file held its messages) or a chat.

Spell a side ``source:ID``, ``source:NAME`` (the file's original name), ``chat:REF`` (id, platform id or
title), or a bare path / file name of an imported source; anything else is looked up as a chat.
"""

from __future__ import annotations

import hashlib
import re
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from chatledger.compare.align import collector_paused
from chatledger.compare.columns import Columns, NumberedLocators, StoredMessages
from chatledger.errors import InputError, NotFoundError
from chatledger.model import Conversation, Message, Source
from chatledger.store import Store

_NUMBER_RUNS = re.compile(r"(\d+)")


@dataclass(frozen=True, slots=True)
class Side:
    """One side of a comparison: its messages in the order the file (or the chat's timeline) holds them."""

    label: str
    """How the user named it (``source:3``)."""
    title: str
    """What it is, for people: the file name or the chat's title and platform."""
    messages: Sequence[Message]
    """Held in memory, or ``StoredMessages`` when read from the archive (whole messages read on demand)."""
    source: Source | None = None
    conversation: Conversation | None = None

    def columns(self) -> Columns:
        """What aligning and classifying read, in the side's order."""
        if isinstance(self.messages, StoredMessages):
            return self.messages.columns
        return Columns.of(self.messages)


def locator_order(locator: str) -> tuple[str | int, ...]:
    """A sort key putting locators in file order: ``line 9`` before ``line 10``, ``$.messages[2]`` before
    ``[10]``, member files of an archive by name. The split alternates text and digit runs, so two keys
    hold text against text and numbers against numbers at every position."""
    parts: list[str | int] = list(_NUMBER_RUNS.split(locator))
    parts[1::2] = map(int, parts[1::2])
    return tuple(parts)


def _file_order(columns: Columns) -> Columns:
    """By locator; ties keep the store's order (by id, which follows time). When every locator is the same
    words around one number (``line N``), the number alone is the key (half the time of tuples at 10^6),
    and the numbers are all that is kept of the locators."""
    everything = range(len(columns))
    numbers = _template_numbers(columns.locator)
    if numbers is None:
        keys = [locator_order(locator) for locator in columns.locator]
        return columns.reordered(sorted(everything, key=keys.__getitem__))
    prefix, suffix, found = numbers
    order = sorted(everything, key=found.__getitem__)
    ordered = columns.reordered(order)
    ordered.locator = NumberedLocators(prefix, suffix, array("q", [found[i] for i in order]))
    return ordered


def _template_numbers(locators: Sequence[str]) -> tuple[str, str, list[int]] | None:
    """(words before, words after, each locator's number) when every locator is those words around one
    number written plainly (no leading zero), else None."""
    if not locators:
        return None
    parts = _NUMBER_RUNS.split(locators[0])
    if len(parts) != 3:
        return None
    prefix, suffix = parts[0], parts[2]
    template = re.compile(re.escape(prefix) + r"(0|[1-9]\d*)" + re.escape(suffix))
    numbers: list[int] = []
    for locator in locators:
        found = template.fullmatch(locator)
        if found is None:
            return None
        numbers.append(int(found[1]))
    return prefix, suffix, numbers


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _find_source(store: Store, ref: str) -> Source | None:
    if ref.isdigit():
        return next((s for s in store.sources() if s.id == int(ref)), None)
    path = Path(ref)
    if path.is_file():
        found = store.source_by_sha256(_sha256(path))
        if found is None:
            raise InputError(
                f"{ref}: this file is not in the archive; import it first (`chatledger import {ref}`)."
            )
        return found
    named = [s for s in store.sources() if ref in (s.original_name, s.original_path)]
    if len(named) > 1:
        ids = ", ".join(str(s.id) for s in named)
        raise InputError(f"{ref!r} names {len(named)} sources (ids {ids}); say source:ID.")
    return named[0] if named else None


def _find_chat(store: Store, ref: str) -> Conversation:
    found = store.find_conversations(ref)
    if not found:
        raise NotFoundError(
            f"{ref!r} is neither an imported source nor a chat; `chatledger sources` and `chatledger chats` "
            "list them (write source:ID or chat:ID to say which)."
        )
    if len(found) > 1:
        listed = "; ".join(f"{c.id}: {c.title}" for c in found[:10])
        raise NotFoundError(f"{ref!r} matches {len(found)} chats ({listed}); give chat:ID.")
    return found[0]


def resolve_side(store: Store, ref: str, *, chat: str | None = None) -> Side:
    """The side ``ref`` names. ``chat`` narrows a source to one of its chats (for multi-chat files)."""
    with collector_paused():  # a million messages read make no cycles; collections would rescan them
        return _resolve_side(store, ref, chat)


def _resolve_side(store: Store, ref: str, chat: str | None) -> Side:
    kind, _, rest = ref.partition(":")
    source: Source | None = None
    if kind == "source" and rest:
        source = _find_source(store, rest)
        if source is None:
            raise NotFoundError(f"no source {rest!r}; `chatledger sources` lists them.")
    elif not (kind == "chat" and rest):
        source = None if ref.isdigit() else _find_source(store, ref)
    if source is None:
        conversation = _find_chat(store, rest if kind == "chat" and rest else ref)
        columns = Columns.read(store.compare_rows(conversation_id=conversation.id or 0))
        title = f"{conversation.title} ({conversation.platform.value})"
        return Side(ref, title, StoredMessages(store, columns), conversation=conversation)
    restrict = _find_chat(store, chat) if chat else None
    columns = Columns.read(
        store.compare_rows(source_id=source.id or 0, conversation_id=restrict.id if restrict else None)
    )
    title = source.original_name + (f" · {restrict.title}" if restrict else "")
    return Side(ref, title, StoredMessages(store, _file_order(columns)), source=source, conversation=restrict)


def parse_sender_map(pairs: list[str], a: Side, b: Side) -> dict[str, str]:
    """``A_SENDER=B_SENDER`` pairs (ids or display names, e.g. ``我=wxid_abc``) as A id -> B id."""

    def resolve(name: str, side: Side, which: str) -> str:
        columns = side.columns()
        ids = {sender for sender in columns.sender if sender is not None}
        if name in ids:
            return name
        named = {
            sender
            for sender, sender_name in zip(columns.sender, columns.sender_name, strict=True)
            if sender is not None and sender_name == name
        }
        if len(named) == 1:
            return named.pop()
        known = ", ".join(sorted(ids)[:12])
        raise InputError(
            f"--map {name!r}: no single sender of that id or name on side {which}; senders: {known}."
        )

    mapping: dict[str, str] = {}
    for pair in pairs:
        left, sep, right = pair.partition("=")
        if not sep or not left or not right:
            raise InputError(f"--map {pair!r}: expected A_SENDER=B_SENDER, e.g. --map 我=wxid_abc.")
        mapping[resolve(left, a, "A")] = resolve(right, b, "B")
    return mapping
