"""DiscordChatExporter (Tyrrrz) JSON: one channel per file, ``{"guild", "channel", "messages": [...]}``.

Layout (FORMATS.md §4). Files reach gigabytes, so they are streamed: a short first pass reads the keys
before ``messages`` (DiscordChatExporter writes ``guild``, ``channel``, ``exportedAt`` there), then the
messages are built one object at a time by ijson's C backend (``ijson.items``; an event loop in Python cost
twice as much). A file rewritten with the channel after the messages is pre-scanned whole once.

Identity. The conversation is the channel's snowflake ``id``; a channel exported in parts
(``name [part 2].json``) carries the same id in every part, so the parts fill one conversation. Messages
are keyed by their snowflake ``id`` (a string, never a number); the sender is the author's ``id``, shown
by nickname (else name).

Times. ``timestamp`` is ISO 8601 with the exporting machine's offset, kept as ``utc_offset_min``; the
milliseconds are exact (integer arithmetic). A snowflake encodes its own creation time
(``(id >> 22) + 1420070400000``): when it and ``timestamp`` disagree by more than a second a warning
names the message, since one of them was altered. ``timestampEdited`` is ``edited_ts_ms``;
``callEndedTimestamp`` stays in ``extra`` with its epoch ms.

Kinds. ``Default``/``Reply`` and command replies (``ChatInputCommand``/``ContextMenuCommand``, types 20
and 23 when written as numbers) are text (or the kind of their attachment or sticker); a post that is only
an embed takes the embed's title, description and fields as its text (``text_from``); ``Call`` is CALL;
membership, rename, icon, pin and thread notices are SYSTEM without sender, the author kept in ``extra``
as ``actor``/``actor_id``. Attachments whose ``url`` is a local path (``--media``) are hashed beside the
JSON; web URLs are NOT_EXPORTED. ``extra`` keeps the fields not read into columns and not empty or false
(embeds, stickers, pins, interactions, …), with reactions as emoji, count and user ids and mentions as user
ids: the user objects (names, avatar URLs) stay in the kept file at the message's locator.
"""

from __future__ import annotations

import mimetypes
import posixpath
import re
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar
from urllib.parse import unquote

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

DISCORD_EPOCH_MS = 1420070400000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)
_CHANNEL_KINDS = {
    "DirectTextChat": ConversationKind.DIRECT,
    "DirectGroupTextChat": ConversationKind.GROUP,
}
_SYSTEM_TYPES = frozenset(
    {
        "RecipientAdd",
        "RecipientRemove",
        "ChannelNameChange",
        "ChannelIconChange",
        "ChannelPinnedMessage",
        "GuildMemberJoin",
        "ThreadCreated",
        "ThreadStarterMessage",
    }
)
_TEXT_TYPES = frozenset({"Default", "Reply"})
# Replies to slash commands and context-menu commands: a bot's ordinary message. DiscordChatExporter names
# the types it knows and writes the others as numbers (20 and 23 here).
_COMMAND_TYPES = frozenset({"ChatInputCommand", "ContextMenuCommand", "20", "23"})
# Fields read into Message columns; other non-empty fields go to ``extra``.
_READ = frozenset(
    {
        "id",
        "type",
        "timestamp",
        "timestampEdited",
        "callEndedTimestamp",
        "content",
        "author",
        "attachments",
        "reference",
    }
)
_SNIFF = re.compile(r'"guild"\s*:\s*\{')
_SNIFF_CHANNEL = re.compile(r'"channel"\s*:\s*\{')
_WARN_DRIFT_MS = 1000


@register
class DiscordDceJsonImporter:
    name: ClassVar[str] = "discord-dce-json"
    platform: ClassVar[Platform] = Platform.DISCORD
    version: ClassVar[str] = "1"
    description: ClassVar[str] = "DiscordChatExporter JSON (one channel per file, partitioned parts too)"
    obtain: ClassVar[str] = (
        "Run DiscordChatExporter (GUI, or CLI with `-f Json`) with your Discord token and export "
        "the channel as JSON; import the `.json` file, and every `name [part N].json` when the "
        "export was partitioned."
    )
    extra_kept: ClassVar[str] = (
        "fields not read into columns and not empty or false (embeds, stickers, pins, interactions, a reference to another channel), reactions as emoji, count and user ids, mentions as user ids, `author_is_bot`, call end times, a system event's `type`/`actor`/`actor_id`; author objects and avatar URLs only in the kept file"
    )
    suffixes: ClassVar[tuple[str, ...]] = (".json",)
    capabilities: ClassVar[frozenset[str]] = frozenset(
        {"platform_ids", "replies", "edits", "reactions", "attachments", "system", "seconds", "zone"}
    )

    def sniff(self, source: SourceFile) -> float:
        if source.is_zip or source.suffix not in self.suffixes:
            return 0.0
        head = source.head_text()
        if not head.lstrip().startswith("{"):
            return 0.0
        if _SNIFF.search(head) and _SNIFF_CHANNEL.search(head):
            return 0.95 if '"messages"' in head or '"dateRange"' in head else 0.6
        return 0.0

    def parse(self, source: SourceFile, ctx: ImportContext) -> Iterator[ParsedItem]:
        yield from _Reader(source, ctx).run()


class _Reader:
    def __init__(self, source: SourceFile, ctx: ImportContext) -> None:
        self.source = source
        self.ctx = ctx
        self.where = "$"
        self.channel_id: str | None = None
        self.header: dict[str, Any] = {}
        self.authors: set[str] = set()
        self.media = _MediaFiles(source, ctx)
        self.drifts = 0

    def error(self, locator: str, expected: str, found: str, field: str | None = None) -> ImportFormatError:
        return ImportFormatError(self.source.name, locator, expected=expected, found=found, field=field)

    def run(self) -> Iterator[ParsedItem]:
        try:
            yield from self._read()
        finally:
            self.media.close()
        if self.drifts:
            self.ctx.meta["discord_snowflake_time_mismatches"] = self.drifts

    def _json_error(self, stream: JsonStream, exc: Exception) -> ImportFormatError:
        advice = "The file is damaged or cut short; export the channel again."
        return stream.error(exc, self.source.name, self.where, advice)

    def _read(self) -> Iterator[ParsedItem]:
        """The header (one short pass that stops at ``messages``), then the messages one object at a time,
        built by ijson's C backend (``ijson.items``)."""
        self.header, listed = self._head(whole=False)
        if not listed:
            raise self.error("$", "a 'messages' list", "no 'messages'", field="messages")
        if "channel" not in self.header:  # a rewritten file with the channel after the messages
            self.header, _ = self._head(whole=True)
        if isinstance(self.header.get("exportedAt"), str):
            self.ctx.meta.setdefault(
                "exported_at", self.header["exportedAt"]
            )  # the authenticity checks use it
        yield from self._start_channel()
        stream = JsonStream(self.source.open_binary())
        index = 0
        self.where = "$.messages[0]"
        try:
            for obj in ijson.items(stream, "messages.item", use_float=True):
                if not isinstance(obj, dict):
                    found = "array" if isinstance(obj, list) else repr(obj)
                    raise self.error(self.where, "a message object", found)
                yield from self._message(obj, index)
                index += 1
                self.where = f"$.messages[{index}]"
        except ijson.JSONError as exc:
            raise self._json_error(stream, exc) from None
        finally:
            stream.close()

    def _head(self, *, whole: bool) -> tuple[dict[str, Any], bool]:
        """The top-level values other than ``messages``: those before it, or with ``whole`` all of them;
        and whether a ``messages`` list was found."""
        head: dict[str, Any] = {}
        found = False
        stream = JsonStream(self.source.open_binary(counted=False))  # bytes are counted by the main pass
        try:
            events = ijson.parse(stream, use_float=True)
            _, event, _ = next(events, ("", "end of file", None))
            if event != "start_map":
                raise self.error(
                    "$",
                    "a JSON object (DiscordChatExporter's channel export)",
                    f"a JSON {'array' if event == 'start_array' else 'value'}",
                )
            key: str | None = None
            builder: ObjectBuilder | None = None
            for prefix, event, value in events:
                if builder is not None:
                    builder.event(event, value)
                    if prefix == key and event in ("end_map", "end_array"):
                        head[str(key)], builder = builder.value, None
                elif prefix == "":
                    if event != "map_key":
                        break  # the end of the top-level object
                    key = value
                elif key == "messages":  # its value's events: only its start matters here
                    if prefix == "messages" and event == "start_array":
                        found = True
                        if not whole:
                            return head, found
                elif event in ("start_map", "start_array"):
                    builder = ObjectBuilder()
                    builder.event(event, value)
                else:
                    head[str(key)] = value
        except ijson.JSONError as exc:
            raise self._json_error(stream, exc) from None
        finally:
            stream.close()
        return head, found

    def _start_channel(self) -> Iterator[ParsedItem]:
        channel, guild = self.header.get("channel"), self.header.get("guild")
        if not isinstance(channel, dict) or not isinstance(channel.get("id"), str) or not channel["id"]:
            found = channel.get("id") if isinstance(channel, dict) else channel
            raise self.error("$.channel", "the channel's snowflake id as a string", repr(found), field="id")
        self.channel_id = channel["id"]
        channel_name = channel.get("name") if isinstance(channel.get("name"), str) else self.channel_id
        guild_name = guild.get("name") if isinstance(guild, dict) else None
        kind = _CHANNEL_KINDS.get(str(channel.get("type")), ConversationKind.CHANNEL)
        is_dm = isinstance(guild, dict) and guild.get("id") == "0"
        title = channel_name if is_dm or not guild_name else f"{guild_name} #{channel_name}"
        self.ctx.meta.setdefault("discord_channels", []).append(
            {
                "id": self.channel_id,
                "type": channel.get("type"),
                "guild": guild_name,
                "category": channel.get("category"),
            }
        )
        yield Conversation(Platform.DISCORD, str(self.channel_id), str(title), kind)

    def _message(self, obj: Any, index: int) -> Iterator[ParsedItem]:
        locator = f"$.messages[{index}]"
        message_id = obj.get("id")
        if not isinstance(message_id, str) or not message_id:
            raise self.error(locator, "the message's snowflake id as a string", repr(message_id), field="id")
        ts_ms, offset = self._time(obj.get("timestamp"), locator, "timestamp")
        self._check_snowflake(message_id, ts_ms, locator)
        edited = obj.get("timestampEdited")
        edited_ms = None if edited is None else self._time(edited, locator, "timestampEdited")[0]
        author = obj.get("author")
        if not isinstance(author, dict) or not isinstance(author.get("id"), str):
            raise self.error(locator, "an author object with a string 'id'", repr(author), field="author")
        author_id = author["id"]
        author_name = author.get("nickname") or author.get("name") or author_id
        extra: dict[str, Any] = {k: v for k, v in obj.items() if k not in _READ and not is_empty(v)}
        if "reactions" in extra:
            extra["reactions"] = _reactions(extra["reactions"])
        if "mentions" in extra:
            extra["mentions"] = _users(extra["mentions"])
        if author.get("isBot"):
            extra["author_is_bot"] = True
        ended = obj.get("callEndedTimestamp")
        if ended is not None:
            extra["call_ended"] = ended
            extra["call_ended_ms"] = self._time(ended, locator, "callEndedTimestamp")[0]
        text = obj.get("content") if isinstance(obj.get("content"), str) else ""
        message_type = obj.get("type", "Default")
        attachments = tuple(
            self.media.attachment(a, locator) for a in obj.get("attachments") or [] if isinstance(a, dict)
        )
        sender: str | None = author_id
        if message_type in _COMMAND_TYPES:
            extra["type"] = message_type
        if not text and not attachments and isinstance(obj.get("embeds"), list):
            text = _embed_text(obj["embeds"])  # a bot post that is only an embed: searchable by its words
            if text:
                extra["text_from"] = "embeds"
        if message_type in _TEXT_TYPES or message_type in _COMMAND_TYPES:
            kind = attachments[0].kind if attachments and not text else MessageKind.TEXT
            if not text and not attachments and obj.get("stickers"):
                kind = MessageKind.STICKER
        elif message_type == "Call":
            kind = MessageKind.CALL
        elif message_type in _SYSTEM_TYPES:
            kind, sender = MessageKind.SYSTEM, None
            extra.update(type=message_type, actor_id=author_id, actor=author_name)
            if not text:
                text = f"{author_name}: {message_type}"
        else:
            kind = MessageKind.OTHER
            extra["type"] = message_type
        reply_to = None
        reference = obj.get("reference")
        if isinstance(reference, dict):
            ref_id = reference.get("messageId")
            if reference.get("type") in (None, "Default") and isinstance(ref_id, str):
                reply_to = ref_id
                if reference.get("channelId") not in (None, self.channel_id):
                    extra["reference"] = reference
            else:
                extra["reference"] = reference
        if sender is not None and sender not in self.authors:
            self.authors.add(sender)
            aliases = tuple(n for n in (author.get("name"),) if isinstance(n, str) and n != author_name)
            me = self.ctx.me
            is_self = (sender in me or author_name in me or author.get("name") in me) if me else None
            yield Participant(Platform.DISCORD, sender, str(author_name), aliases, is_self=is_self)
        yield Message(
            conversation=str(self.channel_id),
            sender=sender,
            ts_ms=ts_ms,
            kind=kind,
            text=text,
            utc_offset_min=offset,
            precision=TimePrecision.MILLISECOND,
            sender_name=str(author_name) if sender is not None else None,
            platform_msg_id=message_id,
            reply_to=reply_to,
            edited_ts_ms=edited_ms,
            attachments=attachments,
            extra=extra or None,
            locator=locator,
        )

    def _time(self, value: Any, locator: str, field: str) -> tuple[int, int]:
        parsed = None
        if isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                parsed = None
        if parsed is None or parsed.utcoffset() is None:
            raise self.error(
                locator,
                "an ISO 8601 time with offset such as 2024-01-01T10:00:00.123+01:00",
                value if isinstance(value, str) else repr(value),
                field=field,
            )
        offset = parsed.utcoffset() or timedelta(0)
        return (parsed - _EPOCH) // _MS, int(offset.total_seconds() // 60)

    def _check_snowflake(self, message_id: str, ts_ms: int, locator: str) -> None:
        if not message_id.isdigit():
            self.ctx.warn(
                locator, f"message id {message_id!r} is not a snowflake; its time cannot be checked"
            )
            return
        created = (int(message_id) >> 22) + DISCORD_EPOCH_MS
        if abs(created - ts_ms) > _WARN_DRIFT_MS:
            self.drifts += 1
            shown = datetime.fromtimestamp(created / 1000, UTC).isoformat(timespec="milliseconds")
            self.ctx.warn(
                locator,
                f"snowflake {message_id} was created {shown}, {abs(created - ts_ms) / 1000:.3f} s from "
                "its 'timestamp'; the 'timestamp' is kept",
            )


class _MediaFiles:
    """Attachments: web URLs were not downloaded; a local path (``--media``) is hashed beside the JSON."""

    def __init__(self, source: SourceFile, ctx: ImportContext) -> None:
        self.source = source
        self.ctx = ctx
        self._zip: zipfile.ZipFile | None = None
        self._names: set[str] = set()

    def attachment(self, item: dict[str, Any], locator: str) -> Attachment:
        url = item.get("url")
        name = item.get("fileName") if isinstance(item.get("fileName"), str) else None
        size = item.get("fileSizeBytes") if isinstance(item.get("fileSizeBytes"), int) else None
        if not isinstance(url, str) or not url:
            return Attachment(
                name or "attachment", MessageKind.FILE, AttachmentStatus.NOT_EXPORTED, None, size
            )
        name = name or posixpath.basename(url.split("?")[0]) or "attachment"
        mime = mimetypes.guess_type(name)[0]
        kind = _kind_of(mime)
        if "://" in url:
            return Attachment(name, kind, AttachmentStatus.NOT_EXPORTED, url, size, mime_type=mime)
        relative = unquote(url).replace("\\", "/")
        if (
            relative.startswith("/")
            or ".." in PurePosixPath(relative).parts
            or re.match(r"[A-Za-z]:", relative)
        ):
            self.ctx.warn(locator, f"attachment path {url!r} leaves the export folder; not read")
            return Attachment(name, kind, AttachmentStatus.MISSING, url, size, mime_type=mime)
        found = self._hash(relative)
        if found is None:
            return Attachment(name, kind, AttachmentStatus.MISSING, relative, size, mime_type=mime)
        real_size, sha256, md5 = found
        return Attachment(name, kind, AttachmentStatus.PRESENT, relative, real_size, sha256, md5, mime)

    def _hash(self, relative: str) -> tuple[int, str, str] | None:
        if self.source.member is None:
            path = Path(self.source.path).resolve().parent / relative
            if not path.is_file():
                return None
            with open(path, "rb") as stream:
                return digest(stream)
        member = posixpath.normpath(posixpath.join(posixpath.dirname(self.source.member), relative))
        if self._zip is None:
            self._zip = zipfile.ZipFile(self.source.path)
            self._names = set(self._zip.namelist())
        if member not in self._names:
            return None
        with self._zip.open(member) as stream:
            return digest(stream)

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()


def _reactions(value: Any) -> Any:
    """DiscordChatExporter's reactions without emoji image URLs and user objects: emoji, count, user ids."""
    if not isinstance(value, list):
        return value
    slim = []
    for reaction in value:
        if not isinstance(reaction, dict):
            slim.append(reaction)
            continue
        emoji = reaction.get("emoji")
        kept: dict[str, Any] = {"count": reaction.get("count")}
        if isinstance(emoji, dict):
            kept["emoji"] = emoji.get("name") or emoji.get("code")
            if emoji.get("id"):
                kept["emoji_id"] = emoji["id"]
        if reaction.get("users"):
            kept["users"] = _users(reaction["users"])
        slim.append(kept)
    return slim


def _users(value: Any) -> Any:
    """User objects (as in mentions and reactions) as their ids; anything else as it is."""
    if not isinstance(value, list):
        return value
    return [u["id"] if isinstance(u, dict) and isinstance(u.get("id"), str) else u for u in value]


def _kind_of(mime: str | None) -> MessageKind:
    if mime is None:
        return MessageKind.FILE
    major = mime.split("/")[0]
    return {"image": MessageKind.IMAGE, "video": MessageKind.VIDEO, "audio": MessageKind.VOICE}.get(
        major, MessageKind.FILE
    )


def _embed_text(embeds: list[Any]) -> str:
    """The readable words of embeds: title, description and fields, one per line."""
    lines: list[str] = []
    for embed in embeds:
        if not isinstance(embed, dict):
            continue
        lines += [embed[k] for k in ("title", "description") if isinstance(embed.get(k), str) and embed[k]]
        for field in embed.get("fields") or []:
            if isinstance(field, dict) and isinstance(field.get("value"), str):
                name = field.get("name") if isinstance(field.get("name"), str) else ""
                lines.append(f"{name}: {field['value']}" if name else field["value"])
    return "\n".join(lines)
