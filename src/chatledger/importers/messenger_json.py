"""Meta "Download your information" JSON: Facebook Messenger and Instagram direct messages (``message_N.json``).

Layout (FORMATS.md §6): ``{"participants": [{"name"}], "messages": [...], "title", "thread_type",
"thread_path"}``; a long thread is split over ``message_1.json`` (newest) … ``message_N.json``. Messages
are newest first; they are yielded in file order with locator ``$.messages[i]`` (the archive sorts by
time, the file index stays the tie-break).

Streaming. Meta writes ``participants`` before ``messages`` and ``title``/``thread_path`` after them, but the
conversation must be known before its first message. So the keys before ``messages`` are read with ijson
events (stopping at ``messages``), the keys after it from the file's last 64 KiB (the leftmost ``]`` after
which ``{`` + the rest is a complete JSON object closes the messages array: a ``]`` anywhere else leaves
unbalanced brackets or an unescaped quote), and then the messages are streamed one object at a time.
Memory stays bounded whatever the file size.

One thread, several files. The conversation is named by ``thread_path`` (``inbox/ana_123``), which every
part carries, else by title and participants, else by the thread's folder name; so importing
``message_1.json`` … ``message_N.json`` in one run fills one conversation.

Mojibake. Meta writes the UTF-8 bytes of every non-ASCII character as separate ``\\u00XX`` escapes. A
string whose characters are all ≤ U+00FF and whose Latin-1 bytes decode as UTF-8 is repaired; the source's
meta counts the repaired messages (``meta_mojibake_repaired``), and the original bytes stay in the kept
file at the message's locator. Strings with any character above U+00FF (end-to-end-encrypted exports
write proper UTF-8) are left alone.

``extra`` keeps the fields not read into the message (reactions, shares, call durations, …), repaired,
without empty values and flags that are false (``is_geoblocked_for_viewer: false`` on every message).

Identity. Meta gives no user ids and no message ids: senders are their display names, messages are
keyed by time, sender and text. ``timestamp_ms`` is UTC; it is shown in the import's zone.

Two formats share this reader: ``messenger-json`` and ``instagram-json``; the schema cannot tell them
apart, so ``sniff`` prefers Instagram only when the path or the head mentions Instagram.
"""

from __future__ import annotations

import json
import posixpath
import re
import zipfile
from collections.abc import Iterator
from datetime import datetime, tzinfo
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar

import ijson
from ijson.common import ObjectBuilder

from chatledger.errors import ImportFormatError
from chatledger.importers import register
from chatledger.importers._shared.extras import is_empty
from chatledger.importers._shared.jsonstream import JsonStream
from chatledger.importers._shared.media import digest
from chatledger.importers.base import ImportContext, SourceFile
from chatledger.model import (
    Attachment,
    AttachmentStatus,
    Conversation,
    ConversationKind,
    Message,
    MessageKind,
    ParsedItem,
    Participant,
    Platform,
    TimePrecision,
)

_MEDIA: tuple[tuple[str, MessageKind], ...] = (
    ("photos", MessageKind.IMAGE),
    ("gifs", MessageKind.IMAGE),
    ("videos", MessageKind.VIDEO),
    ("audio_files", MessageKind.VOICE),
    ("files", MessageKind.FILE),
)
# Fields read into Message columns; every other non-empty, non-false field goes to ``extra`` (test-only
# ``*_INTERNAL`` dropped).
_READ = frozenset({"sender_name", "timestamp_ms", "content", "is_unsent", "sticker", *(k for k, _ in _MEDIA)})
_NOTICE = re.compile(  # one pattern, tried once per text
    r"Reacted .+ to your message|.+ reacted .+ to your message|Liked a message|.+ liked a message"
    r"|Reacted to your message"
)
_SYSTEM_TYPES = frozenset({"Subscribe", "Unsubscribe"})
_SNIFF_KEYS = re.compile(r'"(?:sender_name|timestamp_ms)"\s*:')
_PART = re.compile(r"message_\d+")
_TAIL_BYTES = 1 << 16
_SCALAR_EVENTS = frozenset({"null", "boolean", "integer", "double", "number", "string"})


def repair(value: str) -> str:
    """Undo Meta's mojibake: Latin-1 code points that are really UTF-8 bytes; other strings unchanged."""
    if value.isascii() or max(value) > "\u00ff":
        return value
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeDecodeError:
        return value


def _repair_all(value: Any) -> Any:
    if isinstance(value, str):
        return repair(value)
    if isinstance(value, list):
        return [_repair_all(v) for v in value]
    if isinstance(value, dict):
        return {k: _repair_all(v) for k, v in value.items() if not k.endswith("_INTERNAL")}
    return value


_INSTAGRAM_PART = re.compile(r"instagram[-_]|your_instagram_activity")


def _is_instagram(source: SourceFile) -> bool:
    """Meta names the archive ``instagram-<user>-<date>.zip`` and nests it in ``your_instagram_activity``."""
    parts = [*source.path.parts, *PurePosixPath(source.member or "").parts]
    if any(_INSTAGRAM_PART.match(part.lower()) for part in parts):
        return True
    return "your_instagram_activity/" in source.head_text(8192)


class _MetaJson:
    platform: ClassVar[Platform]
    version: ClassVar[str] = "1"
    suffixes: ClassVar[tuple[str, ...]] = (".json",)
    capabilities: ClassVar[frozenset[str]] = frozenset({"recalls", "reactions", "attachments", "system"})

    def _looks_meta(self, source: SourceFile) -> bool:
        if source.is_zip or source.suffix not in self.suffixes:
            return False
        head = source.head_text()
        return (
            head.lstrip().startswith("{")
            and '"messages"' in head
            and len(set(_SNIFF_KEYS.findall(head))) == 2
            and '"date_unixtime"' not in head
        )

    def parse(self, source: SourceFile, ctx: ImportContext) -> Iterator[ParsedItem]:
        yield from _Reader(source, ctx, self.platform).run()


@register
class MessengerJsonImporter(_MetaJson):
    name: ClassVar[str] = "messenger-json"
    platform: ClassVar[Platform] = Platform.MESSENGER
    description: ClassVar[str] = (
        'Facebook Messenger "Download your information" JSON (message_N.json), mojibake repaired'
    )
    obtain: ClassVar[str] = (
        "Facebook → Accounts Center → *Your information and permissions* → *Download your "
        "information*, choose format **JSON** (not HTML); import "
        "`messages/inbox/<name>_<id>/message_1.json` (and `message_2.json`, …) from the archive."
    )
    extra_kept: ClassVar[str] = (
        "fields not read into columns and not empty or false (reactions, shares, call durations, `ip`, `is_unsent`), mojibake repaired; the mojibake originals only in the kept file (repairs counted in the source's meta)"
    )

    def sniff(self, source: SourceFile) -> float:
        if not self._looks_meta(source):
            return 0.0
        return 0.5 if _is_instagram(source) else 0.9


@register
class InstagramJsonImporter(_MetaJson):
    name: ClassVar[str] = "instagram-json"
    platform: ClassVar[Platform] = Platform.INSTAGRAM
    description: ClassVar[str] = (
        'Instagram "Download your information" JSON messages (message_N.json), mojibake repaired'
    )
    obtain: ClassVar[str] = (
        "Instagram → Accounts Center → *Your information and permissions* → *Download your "
        "information*, choose format **JSON** (not HTML); import "
        "`messages/inbox/<name>_<id>/message_1.json` (and `message_2.json`, …) from the archive."
    )
    extra_kept: ClassVar[str] = (
        "fields not read into columns and not empty or false (reactions, shares, call durations, `is_unsent`), mojibake repaired; the mojibake originals only in the kept file (repairs counted in the source's meta)"
    )

    def sniff(self, source: SourceFile) -> float:
        if not self._looks_meta(source):
            return 0.0
        return 0.95 if _is_instagram(source) else 0.5


class _Reader:
    def __init__(self, source: SourceFile, ctx: ImportContext, platform: Platform) -> None:
        self.source = source
        self.ctx = ctx
        self.platform = platform
        self.media = _MediaFiles(source, ctx)
        self.repaired = 0

    def error(
        self, locator: str, expected: str, found: str, field: str | None = None, hint: str | None = None
    ) -> ImportFormatError:
        return ImportFormatError(
            self.source.name, locator, expected=expected, found=found, field=field, hint=hint
        )

    def run(self) -> Iterator[ParsedItem]:
        data = {**self._head(), **self._tail()}
        try:
            yield from self._thread(data)
        finally:
            self.media.close()
        if self.repaired:
            self.ctx.meta["meta_mojibake_repaired"] = self.ctx.meta.get("meta_mojibake_repaired", 0) + (
                self.repaired
            )

    def _json_error(self, stream: JsonStream, exc: Exception) -> ImportFormatError:
        return stream.error(exc, self.source.name, advice="The file is damaged or cut short.")

    def _head(self) -> dict[str, Any]:
        """The top-level keys before ``messages``; an error unless ``messages`` follows them."""
        head: dict[str, Any] = {}
        stream = JsonStream(self.source.open_binary(counted=False))
        try:
            events = ijson.parse(stream, use_float=True)
            _, event, _ = next(events, ("", "end of file", None))
            if event != "start_map":
                found = {"start_array": "a JSON list"}.get(event, f"a JSON {event.replace('_', ' ')}")
                raise self.error("$", "a JSON object with 'messages'", found)
            key, builder = None, ObjectBuilder()
            for prefix, event, value in events:
                if key is None:
                    if prefix == "" and event == "map_key":
                        if value == "messages":
                            _, event, _ = next(events, ("", "end of file", None))
                            if event != "start_array":
                                found = f"a JSON {event.replace('start_map', 'object').replace('_', ' ')}"
                                raise self.error("$", "a list of messages", found, field="messages")
                            return head
                        key, builder = value, ObjectBuilder()
                        continue
                    break  # the end of the top-level object
                builder.event(event, value)
                if prefix == key and (event in _SCALAR_EVENTS or event in ("end_map", "end_array")):
                    head[key], key = builder.value, None
        except ijson.JSONError as exc:
            raise self._json_error(stream, exc) from None
        finally:
            stream.close()
        raise self.error("$", "a list of messages", "no 'messages' key", field="messages")

    def _tail(self) -> dict[str, Any]:
        """The top-level keys after the ``messages`` array, read from the end of the file."""
        tail = self.source.read_tail(_TAIL_BYTES).decode("utf-8", "replace").rstrip()
        found: dict[str, Any] = {}
        end = len(tail)
        while (end := tail.rfind("]", 0, end)) != -1:
            rest = tail[end + 1 :].lstrip()
            if rest == "}":
                found = {}
            elif rest.startswith(","):
                try:
                    value = json.loads("{" + rest[1:])
                except json.JSONDecodeError:
                    continue
                if isinstance(value, dict):
                    found = value
        return found

    def _messages(self) -> Iterator[tuple[int, Any]]:
        stream = JsonStream(self.source.open_binary())
        try:
            yield from enumerate(ijson.items(stream, "messages.item", use_float=True))
        except ijson.JSONError as exc:
            raise self._json_error(stream, exc) from None
        finally:
            stream.close()

    def _thread(self, data: dict[str, Any]) -> Iterator[ParsedItem]:
        names = [
            repair(p["name"])
            for p in data.get("participants") or []
            if isinstance(p, dict) and isinstance(p.get("name"), str)
        ]
        title = repair(data["title"]) if isinstance(data.get("title"), str) else None
        thread_path = data.get("thread_path")
        if isinstance(thread_path, str) and thread_path:
            chat = thread_path
        elif title is not None or names:
            chat = f"{title or ''} ({', '.join(sorted(names))})"
        else:
            path = PurePosixPath(self.source.member or self.source.path.as_posix())
            chat = path.parent.name if _PART.fullmatch(path.stem) and path.parent.name else path.stem
            self.ctx.warn("$", f"no 'thread_path', 'title' or 'participants'; the chat is named {chat!r}")
        group = data.get("thread_type") == "RegularGroup" or len(names) > 2
        yield Conversation(
            self.platform, chat, title or chat, ConversationKind.GROUP if group else ConversationKind.DIRECT
        )
        seen: set[str] = set()
        for name in names:
            seen.add(name)
            yield Participant(
                self.platform, name, name, is_self=(name in self.ctx.me) if self.ctx.me else None
            )
        for index, obj in self._messages():
            locator = f"$.messages[{index}]"
            if not isinstance(obj, dict):
                raise self.error(locator, "a message object", repr(obj))
            message = self._message(obj, chat, locator)
            if message.sender is not None and message.sender not in seen:
                seen.add(message.sender)
                me = self.ctx.me
                yield Participant(
                    self.platform,
                    message.sender,
                    message.sender,
                    is_self=(message.sender in me) if me else None,
                )
            yield message

    def _message(self, obj: dict[str, Any], chat: str, locator: str) -> Message:
        stamp = obj.get("timestamp_ms")
        if isinstance(stamp, bool) or not isinstance(stamp, int):
            raise self.error(
                locator,
                "epoch milliseconds such as 1700000000123",
                stamp if isinstance(stamp, str) else repr(stamp),
                field="timestamp_ms",
            )
        raw_sender, raw_content = obj.get("sender_name"), obj.get("content")
        sender = repair(raw_sender) if isinstance(raw_sender, str) else None
        text = repair(raw_content) if isinstance(raw_content, str) else ""
        extra: dict[str, Any] = {
            k: _repair_all(v)
            for k, v in obj.items()
            if k not in _READ and not is_empty(v) and not k.endswith("_INTERNAL")
        }
        if sender != raw_sender or text != (raw_content if isinstance(raw_content, str) else ""):
            self.repaired += 1
        kind = MessageKind.TEXT
        attachments: list[Attachment] = []
        for key, media_kind in _MEDIA:
            items = obj.get(key)
            if isinstance(items, list):
                for item in items:
                    uri = item.get("uri") if isinstance(item, dict) else None
                    attachments.append(self.media.attachment(uri, media_kind, locator))
                if items and kind is MessageKind.TEXT:
                    kind = media_kind
        sticker = obj.get("sticker")
        if isinstance(sticker, dict):
            attachments.append(self.media.attachment(sticker.get("uri"), MessageKind.STICKER, locator))
            kind = MessageKind.STICKER
        message_type = obj.get("type")
        if obj.get("is_unsent") is True:
            kind = MessageKind.RECALL
            extra["is_unsent"] = True
        elif "call_duration" in obj or message_type == "Call":
            kind = MessageKind.CALL
        elif message_type in _SYSTEM_TYPES or kind is MessageKind.TEXT and _NOTICE.fullmatch(text):
            kind = MessageKind.SYSTEM
        elif kind is MessageKind.TEXT and isinstance(obj.get("share"), dict):
            kind = MessageKind.LINK
        if sender is None and kind is not MessageKind.SYSTEM:
            self.ctx.warn(locator, "message has no 'sender_name'")
        return Message(
            conversation=chat,
            sender=sender,
            ts_ms=stamp,
            kind=kind,
            text=text,
            utc_offset_min=_offset_at(self.ctx.zone, stamp),
            precision=TimePrecision.MILLISECOND,
            sender_name=sender,
            attachments=tuple(attachments),
            extra=extra or None,
            locator=locator,
        )


class _MediaFiles:
    """Finds the files an export names (``uri`` is relative to the archive root) and hashes them."""

    def __init__(self, source: SourceFile, ctx: ImportContext) -> None:
        self.source = source
        self.ctx = ctx
        self._zip: zipfile.ZipFile | None = None
        self._names: set[str] = set()
        self._bases: list[Path] | None = None  # the folders a relative uri may start from

    def attachment(self, uri: Any, kind: MessageKind, locator: str) -> Attachment:
        if not isinstance(uri, str) or not uri:
            return Attachment(kind.value, kind, AttachmentStatus.NOT_EXPORTED)
        name = posixpath.basename(uri) or kind.value
        if "://" in uri:
            return Attachment(name, kind, AttachmentStatus.NOT_EXPORTED, uri)
        if uri.startswith(("/", "\\")) or ".." in PurePosixPath(uri).parts:
            self.ctx.warn(locator, f"media path {uri!r} leaves the export folder; not read")
            return Attachment(name, kind, AttachmentStatus.MISSING, uri)
        found = self._find(uri)
        if found is None:
            return Attachment(name, kind, AttachmentStatus.MISSING, uri)
        size, sha256, md5 = found
        return Attachment(name, kind, AttachmentStatus.PRESENT, uri, size, sha256, md5)

    def _find(self, uri: str) -> tuple[int, str, str] | None:
        if self.source.member is None:
            if self._bases is None:
                self._bases = list(self.source.path.resolve().parents)[:6]
            for base in self._bases:
                candidate = base / uri
                if candidate.is_file():
                    with open(candidate, "rb") as stream:
                        return digest(stream)
            return None
        if self._zip is None:
            self._zip = zipfile.ZipFile(self.source.path)
            self._names = set(self._zip.namelist())
        parts = PurePosixPath(self.source.member).parts[:-1]
        for cut in range(len(parts), -1, -1):
            member = posixpath.join(*parts[:cut], uri) if cut else uri
            if member in self._names:
                with self._zip.open(member) as stream:
                    return digest(stream)
        return None

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()


def _offset_at(zone: tzinfo, ms: int) -> int:
    offset = datetime.fromtimestamp(ms / 1000, zone).utcoffset()
    return int(offset.total_seconds() // 60) if offset else 0
