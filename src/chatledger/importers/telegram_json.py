"""Telegram Desktop's machine-readable export (``result.json``): one chat, or the whole account.

Layout (FORMATS.md §3): a single chat is ``{"name", "type", "id", "messages": [...]}``; an account
export holds such chats in ``chats.list`` and ``left_chats.list``. Files reach gigabytes, so they are
streamed with ijson's C backend and one message object is built at a time.

Key order. A chat's ``messages`` can only be streamed once its ``id``, ``type`` and ``name`` are
known, since the conversation is named by them. Telegram Desktop always writes them first
(``name``, ``type``, ``id``, ``messages``), so normally nothing waits. A one-chat export in that order is
read by a short pass over its head and then ``ijson.items`` (messages built in C); an account export's
chats are read by a walker over ijson events, which builds each message in Python. When a file was rewritten with
other key order (``jq -S`` puts ``name`` and ``type`` after ``messages``), the messages are not
buffered: the importer pre-scans the whole file once, keeping only each chat's ``id``/``name``/
``type`` by JSON path, then streams it. Memory stays bounded either way; the cost is a second read
for such files only.

Times. ``date_unixtime`` is UTC; ``date`` is the exporting PC's wall clock, so their difference is
that PC's UTC offset, kept as ``utc_offset_min``. Old exports without ``date_unixtime`` are read as
``--tz`` wall-clock time; a message with only ``date_unixtime`` is shown in ``--tz``. Those old exports
also write ``"edited"`` as the epoch in the PC's zone (``1970-01-01T05:00:00``) on messages never edited.

Identity. A chat is ``user<id>``, ``chat<id>`` or ``channel<id>`` (the peer kinds ``from_id`` also
uses), because the bare ``id`` of a user and of a channel may coincide; messages are keyed by their
``id``, unique within the chat. Old exports write ``from_id``/``actor_id`` as a bare number: it is read as
``user<n>`` (``channel<n>`` when it is the channel's own id), so one person is one sender across old and
new exports of a chat.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from datetime import datetime, tzinfo
from typing import Any, ClassVar

import ijson

from chatledger.errors import ImportFormatError
from chatledger.importers import register
from chatledger.importers._shared.jsonstream import JsonStream
from chatledger.importers._shared.telegram import MEDIA_KINDS, MediaFiles
from chatledger.importers.base import ImportContext, SourceFile
from chatledger.model import (
    Attachment,
    Conversation,
    ConversationKind,
    Message,
    MessageKind,
    ParsedItem,
    Participant,
    Platform,
    TimePrecision,
)

_KINDS = {
    "personal_chat": ConversationKind.DIRECT,
    "bot_chat": ConversationKind.DIRECT,
    "saved_messages": ConversationKind.DIRECT,
    "replies": ConversationKind.DIRECT,
    "private_group": ConversationKind.GROUP,
    "private_supergroup": ConversationKind.GROUP,
    "public_supergroup": ConversationKind.GROUP,
    "private_channel": ConversationKind.CHANNEL,
    "public_channel": ConversationKind.CHANNEL,
}
_PEER_PREFIX = {
    "personal_chat": "user",
    "bot_chat": "user",
    "saved_messages": "user",
    "replies": "user",
    "private_group": "chat",
    "private_supergroup": "channel",
    "public_supergroup": "channel",
    "private_channel": "channel",
    "public_channel": "channel",
}
_NAMELESS = {"saved_messages": "Saved Messages", "replies": "Replies"}  # Telegram writes no name
_CALLS = {"phone_call": "duration_seconds", "group_call": "duration"}
# Fields read into Message columns; every other field of a message goes to ``extra`` unchanged.
_MESSAGE_FIELDS = frozenset(
    {
        "id",
        "type",
        "date",
        "date_unixtime",
        "edited",
        "edited_unixtime",
        "from",
        "from_id",
        "text",
        "text_entities",
        "reply_to_message_id",
        "photo",
        "file",
        "file_name",
        "mime_type",
        "contact_vcard",
    }
)
_SERVICE_FIELDS = frozenset(
    {"id", "type", "date", "date_unixtime", "edited", "edited_unixtime", "text_entities"}
)
_LOCAL_TIME = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)")
_SNIFF_CHAT_TYPE = re.compile(r'"type"\s*:\s*"(?:' + "|".join(_KINDS) + ')"')
_SNIFF_ACCOUNT = re.compile(r'"(?:personal_information|frequent_contacts|profile_pictures|left_chats)"\s*:')
_SNIFF_MESSAGE = re.compile(r'"type"\s*:\s*"(?:message|service)"')
_MAX_OFFSET_S = 18 * 3600
# Old exports (before date_unixtime) write "edited": "1970-01-01T05:00:00", the epoch in the PC's zone,
# on every message never edited.
_EPOCH_DAYS = frozenset({(1969, 12, 31), (1970, 1, 1)})

# Roles of the containers above message level.
_ROOT, _GROUP, _LIST, _CHAT, _MESSAGES, _PERSONAL = range(6)


@register
class TelegramJsonImporter:
    name: ClassVar[str] = "telegram-json"
    platform: ClassVar[Platform] = Platform.TELEGRAM
    version: ClassVar[str] = "1"
    description: ClassVar[str] = "Telegram Desktop JSON export (result.json): one chat or the whole account"
    obtain: ClassVar[str] = (
        "Telegram Desktop only (mobile apps cannot export): *Settings → Advanced → Export "
        "Telegram data* (whole account) or, in a chat, ⋮ → *Export chat history*; choose "
        "*Machine-readable JSON* and pick `result.json`."
    )
    extra_kept: ClassVar[str] = (
        "every message field not read into columns (service actions with their actor, media details such as sizes, durations and dimensions, stickers, polls, locations, `links` from text entities, a hidden forward's `forwarded_from`)"
    )
    suffixes: ClassVar[tuple[str, ...]] = (".json",)
    capabilities: ClassVar[frozenset[str]] = frozenset(
        {"platform_ids", "replies", "edits", "attachments", "system", "seconds", "zone", "multi_chat"}
    )

    def sniff(self, source: SourceFile) -> float:
        if source.suffix not in self.suffixes:
            return 0.0
        head = source.head_text()
        if not head.lstrip().startswith("{"):
            return 0.0
        has_chats = '"messages"' in head or re.search(r'"chats"\s*:', head) is not None
        if _SNIFF_ACCOUNT.search(head) and '"about"' in head:
            return 0.95
        if not has_chats:
            return 0.0
        if _SNIFF_CHAT_TYPE.search(head) or '"date_unixtime"' in head or '"text_entities"' in head:
            return 0.95
        if _SNIFF_MESSAGE.search(head) and '"date"' in head and '"from"' in head:
            return 0.6
        return 0.0

    def parse(self, source: SourceFile, ctx: ImportContext) -> Iterator[ParsedItem]:
        yield from _Reader(source, ctx).run()


class _Chat:
    """One chat object while it is read: its JSON path, header fields, and conversation id once known."""

    __slots__ = ("fields", "path", "platform_id")

    def __init__(self, path: str) -> None:
        self.path = path
        self.fields: dict[str, Any] = {}
        self.platform_id: str | None = None


class _Reader:
    """One pass over one result.json (plus, for reordered files, one header pre-scan)."""

    def __init__(self, source: SourceFile, ctx: ImportContext) -> None:
        self.source = source
        self.ctx = ctx
        self.where = "$"  # the JSON path being read, for errors
        self.scanned: dict[str, dict[str, Any]] = {}  # chat path -> header fields (pre-scan)
        self.prescanned = False
        self.self_id: str | None = None
        self.checked_senders: set[str] = set()
        self.media = MediaFiles(source, ctx)
        self.chats = 0
        self.unsupported = 0

    def run(self) -> Iterator[ParsedItem]:
        try:
            yield from self._read(self.source, headers_only=False, single=self._single_chat())
        finally:
            self.media.close()
        self.ctx.meta["telegram_chats"] = self.chats
        if self.unsupported:
            self.ctx.meta["telegram_unsupported_messages"] = self.unsupported

    def _read(
        self, source: SourceFile, *, headers_only: bool, single: _Chat | None = None
    ) -> Iterator[ParsedItem]:
        stream = JsonStream(source.open_binary(), repair_x_escapes=True)
        try:
            if single is None:
                yield from self._walk(stream, headers_only=headers_only)
            else:
                yield from self._single_chat_messages(stream, single)
        except ijson.JSONError as exc:
            advice = "The file is damaged or cut short; export the chat again from Telegram Desktop."
            raise stream.error(exc, self.source.name, self.where, advice) from None
        finally:
            stream.close()
        if stream.repairs and not headers_only:
            self.ctx.warn(
                "",
                f"{stream.repairs} control characters written by Telegram Desktop as invalid '\\xHH' "
                "escapes were read as the characters they stand for",
            )
            self.ctx.meta["telegram_x_escapes_repaired"] = stream.repairs

    def _single_chat(self) -> _Chat | None:
        """A one-chat export whose ``id``, ``type`` and ``name`` precede ``messages`` (as Telegram Desktop
        writes it): that chat, read from the file's head. None for anything else (an account export, other
        key order, a damaged head): the general walker reads those and reports their errors."""
        chat = _Chat("$")
        stream = JsonStream(self.source.open_binary(counted=False), repair_x_escapes=True)
        try:
            events = ijson.parse(stream, use_float=True)
            if next(events, ("", "", None))[1] != "start_map":
                return None
            key = None
            depth = 0  # inside a top-level value we do not read
            for prefix, event, value in events:
                if depth:
                    if event == "start_map" or event == "start_array":
                        depth += 1
                    elif event == "end_map" or event == "end_array":
                        depth -= 1
                elif prefix == "" and event == "map_key":
                    key = value
                    if key in ("chats", "left_chats", "personal_information"):
                        return None
                elif prefix == "":
                    return None  # the end of the object: no messages
                elif key == "messages":
                    fields = chat.fields
                    complete = "id" in fields and "type" in fields
                    named = "name" in fields or fields.get("type") in _NAMELESS
                    return chat if event == "start_array" and complete and named else None
                elif event == "start_map" or event == "start_array":
                    depth = 1
                elif key in ("id", "name", "type"):
                    chat.fields[key] = value
        except ijson.JSONError:
            return None
        finally:
            stream.close()
        return None

    def _single_chat_messages(self, stream: JsonStream, chat: _Chat) -> Iterator[ParsedItem]:
        """The messages of a one-chat export, each built by ijson's C backend (``ijson.items``): a third
        of the general walker's cost, which builds them from events in Python."""
        yield from self._start_chat(chat)
        self.where = "$.messages[0]"
        for index, obj in enumerate(ijson.items(stream, "messages.item", use_float=True)):
            if not isinstance(obj, dict):
                raise ImportFormatError(
                    self.source.name,
                    self.where,
                    expected="a message object",
                    found=("array" if isinstance(obj, list) else repr(obj)),
                )
            yield from self._message(obj, chat, index)
            self.where = f"$.messages[{index + 1}]"  # where a parse error in the next one is

    def _walk(self, stream: JsonStream, *, headers_only: bool) -> Iterator[ParsedItem]:
        """Turn ijson events into chats and messages; one message object is held at a time."""
        frames: list[list[Any]] = []  # [role, json path, current key, next index, chat]
        skip = 0  # depth inside a container we do not read
        build: list[Any] = []  # containers of the message being built, outermost first
        key: Any = None
        message_chat: _Chat | None = None
        message_index = 0
        for event, value in ijson.basic_parse(stream, use_float=True):
            if build:
                if event == "map_key":
                    key = value
                    continue
                top = build[-1]
                if event == "start_map" or event == "start_array":
                    new: Any = {} if event == "start_map" else []
                    if type(top) is dict:
                        top[key] = new
                    else:
                        top.append(new)
                    build.append(new)
                elif event == "end_map" or event == "end_array":
                    done = build.pop()
                    if not build and message_chat is not None:
                        yield from self._message(done, message_chat, message_index)
                elif type(top) is dict:
                    top[key] = value
                else:
                    top.append(value)
                continue
            if skip:
                if event == "start_map" or event == "start_array":
                    skip += 1
                elif event == "end_map" or event == "end_array":
                    skip -= 1
                continue
            if event == "map_key":
                frames[-1][2] = value
                continue
            if event == "end_map" or event == "end_array":
                role, path, _, _, chat = frames.pop()
                if headers_only and role in (_ROOT, _CHAT):
                    self.scanned[path] = chat.fields
                self.where = frames[-1][1] if frames else "$"
                continue
            starts = event == "start_map" or event == "start_array"
            if not frames:
                if event != "start_map":
                    raise ImportFormatError(
                        self.source.name,
                        "$",
                        expected="a JSON object (Telegram Desktop's result.json)",
                        found=f"a JSON {'array' if event == 'start_array' else 'value'}",
                    )
                frames.append([_ROOT, "$", None, 0, _Chat("$")])
                continue
            frame = frames[-1]
            role = frame[0]
            if role == _MESSAGES:
                index = frame[3]
                frame[3] = index + 1
                if event != "start_map":
                    raise ImportFormatError(
                        self.source.name,
                        f"{frame[1]}[{index}]",
                        expected="a message object",
                        found=event.removeprefix("start_") if starts else repr(value),
                    )
                build = [{}]
                key = None
                message_chat, message_index = frame[4], index
                self.where = f"{frame[1]}[{index}]"
            elif role in (_ROOT, _CHAT):
                name = frame[2]
                if event == "start_array" and name == "messages":
                    if headers_only:
                        skip = 1
                        continue
                    chat = frame[4]
                    frames.append([_MESSAGES, f"{frame[1]}.messages", None, 0, chat])
                    self.where = f"{frame[1]}.messages"
                    yield from self._start_chat(chat)
                elif event == "start_map" and role == _ROOT and name in ("chats", "left_chats"):
                    frames.append([_GROUP, f"$.{name}", None, 0, None])
                elif event == "start_map" and role == _ROOT and name == "personal_information":
                    frames.append([_PERSONAL, "$.personal_information", None, 0, None])
                elif starts:
                    skip = 1
                elif name in ("id", "name", "type"):
                    frame[4].fields[name] = value
            elif role == _LIST:
                index = frame[3]
                frame[3] = index + 1
                if event == "start_map":
                    path = f"{frame[1]}[{index}]"
                    frames.append([_CHAT, path, None, 0, _Chat(path)])
                    self.where = path
                elif starts:
                    skip = 1
            elif role == _GROUP:
                if event == "start_array" and frame[2] == "list":
                    frames.append([_LIST, f"{frame[1]}.list", None, 0, None])
                elif starts:
                    skip = 1
            elif starts:  # inside personal_information
                skip = 1
            elif frame[2] == "user_id" and value is not None:
                self.self_id = f"user{value}"

    # -- chats ----------------------------------------------------------------------------------
    def _start_chat(self, chat: _Chat) -> Iterator[ParsedItem]:
        fields = chat.fields
        complete = "id" in fields and "type" in fields and ("name" in fields or fields["type"] in _NAMELESS)
        if not complete:
            if not self.prescanned:
                self.prescanned = True
                uncounted = SourceFile(self.source.path, member=self.source.member)  # no progress twice
                scanner = _Reader(uncounted, self.ctx)
                for _ in scanner._read(uncounted, headers_only=True):
                    pass
                self.scanned = scanner.scanned
            fields = {**self.scanned.get(chat.path, {}), **fields}
        chat_type, chat_id, name = fields.get("type"), fields.get("id"), fields.get("name")
        if chat_type is not None and chat_type not in _KINDS:
            self.ctx.warn(chat.path, f"unknown chat type {chat_type!r}; read as a direct chat")
        if chat_id is not None:
            platform_id = f"{_PEER_PREFIX.get(str(chat_type), '')}{chat_id}"
        elif isinstance(name, str) and name:
            platform_id = name
            self.ctx.warn(chat.path, f"chat has no 'id'; named by its title {name!r}")
        else:
            platform_id = "unnamed" if chat.path == "$" else f"unnamed{chat.path[1:]}"
            self.ctx.warn(chat.path, f"chat has no 'id' and no 'name'; named {platform_id!r} (use --chat)")
        if isinstance(name, str) and name:
            title = name
        elif chat_type in _NAMELESS:
            title = _NAMELESS[str(chat_type)]
        elif "name" in fields and chat_type == "personal_chat":
            title = "Deleted Account"
        else:
            title = platform_id
        chat.platform_id = platform_id
        self.chats += 1
        yield Conversation(
            Platform.TELEGRAM, platform_id, title, _KINDS.get(str(chat_type), ConversationKind.DIRECT)
        )

    # -- messages -------------------------------------------------------------------------------
    def _message(self, obj: dict[str, Any], chat: _Chat, index: int) -> Iterator[ParsedItem]:
        locator = f"{chat.path}.messages[{index}]"
        message_type = obj.get("type", "message")
        if message_type == "unsupported":
            self.unsupported += 1
            self.ctx.warn(
                locator,
                f"message {obj.get('id')} is 'unsupported' in the export (Telegram Desktop wrote "
                "no date and no content for it); nothing to import",
            )
            return
        ts_ms, offset = self._time(obj, locator)
        text, links = _plain_text(obj.get("text"))
        attachments: tuple[Attachment, ...] = ()
        if message_type == "service":
            kind, text, sender, sender_name, extra = self._service(obj, text, chat.platform_id)
        else:
            sender, sender_name = _who(obj, "from_id", "from", chat.platform_id)
            kind, attachments, text = self._content(obj, text, locator)
            extra = {k: v for k, v in obj.items() if k not in _MESSAGE_FIELDS}
            if message_type != "message":  # a type this importer does not know: keep it, say so
                kind = MessageKind.OTHER
                extra["type"] = message_type
        if links:
            extra["links"] = links
        forwarded = extra.pop("forwarded_from", None)
        if forwarded is None and "forwarded_from" in obj:
            extra["forwarded_from"] = None  # forwarded from a hidden sender: keep the fact
        edited_ms = None
        if obj.get("edited_unixtime") is not None:
            edited_ms = self._seconds(obj["edited_unixtime"], locator, "edited_unixtime") * 1000
        elif obj.get("edited") is not None:
            edited = self._local(obj["edited"], locator, "edited")
            if edited[:3] not in _EPOCH_DAYS:
                edited_ms = self.ctx.clock.to_utc_ms(*edited)[0]
        if sender is not None and sender not in self.checked_senders:
            self.checked_senders.add(sender)
            if (
                sender == self.self_id
                or sender in self.ctx.me
                or (sender_name and sender_name in self.ctx.me)
            ):
                yield Participant(Platform.TELEGRAM, sender, sender_name or sender, is_self=True)
        message_id = obj.get("id")
        reply_to = obj.get("reply_to_message_id")
        yield Message(
            conversation=str(chat.platform_id),
            sender=sender,
            ts_ms=ts_ms,
            kind=kind,
            text=text,
            utc_offset_min=offset,
            precision=TimePrecision.SECOND,
            sender_name=sender_name,
            platform_msg_id=None if message_id is None else _id_text(message_id),
            reply_to=None if reply_to is None else _id_text(reply_to),
            forwarded_from=forwarded if isinstance(forwarded, str) else None,
            edited_ts_ms=edited_ms,
            attachments=attachments,
            extra=extra or None,
            locator=locator,
        )

    def _time(self, obj: dict[str, Any], locator: str) -> tuple[int, int]:
        unix, local = obj.get("date_unixtime"), obj.get("date")
        if unix is not None:
            seconds = self._seconds(unix, locator, "date_unixtime")
            if local is None:
                return seconds * 1000, _offset_at(self.ctx.zone, seconds)
            shift = calendar.timegm(self._local(local, locator, "date")) - seconds
            if shift % 60 == 0 and abs(shift) <= _MAX_OFFSET_S:
                return seconds * 1000, shift // 60
            self.ctx.warn(
                locator,
                f"'date' {local!r} is not 'date_unixtime' {unix!r} in any time zone; "
                f"the exact 'date_unixtime' is kept and shown in {self.ctx.zone_name}",
            )
            return seconds * 1000, _offset_at(self.ctx.zone, seconds)
        if local is not None:
            return self.ctx.clock.to_utc_ms(*self._local(local, locator, "date"))
        raise ImportFormatError(
            self.source.name,
            locator,
            field="date_unixtime",
            expected="the message time in 'date_unixtime' or 'date'",
            found="neither field",
        )

    def _seconds(self, value: Any, locator: str, field: str) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        raise ImportFormatError(
            self.source.name,
            locator,
            field=field,
            expected='Unix seconds such as "1652135033"',
            found=_shown(value),
        )

    def _local(self, value: Any, locator: str, field: str) -> tuple[int, int, int, int, int, int]:
        match = _LOCAL_TIME.fullmatch(value) if isinstance(value, str) else None
        if match:
            year, month, day, hour, minute, second = (int(p) for p in match.groups())
            try:
                datetime(year, month, day, hour, minute, second)
            except ValueError:
                pass
            else:
                return year, month, day, hour, minute, second
        raise ImportFormatError(
            self.source.name,
            locator,
            field=field,
            expected="a time like 2024-05-01T13:45:00",
            found=_shown(value),
        )

    def _service(
        self, obj: dict[str, Any], text: str, chat_id: str | None
    ) -> tuple[MessageKind, str, str | None, str | None, dict[str, Any]]:
        """A service message: SYSTEM (no sender), or CALL sent by the caller; actor and action kept."""
        action = obj.get("action")
        actor_id, actor = _who(obj, "actor_id", "actor", chat_id)
        extra = {k: v for k, v in obj.items() if k not in _SERVICE_FIELDS and k != "text"}
        details: list[str] = []
        if isinstance(obj.get("title"), str):
            details.append(f'"{obj["title"]}"')
        if isinstance(obj.get("members"), list):
            details.append(", ".join(m if isinstance(m, str) else "Deleted Account" for m in obj["members"]))
        if isinstance(obj.get("inviter"), str):
            details.append(f"invited by {obj['inviter']}")
        if obj.get("message_id") is not None:
            details.append(f"message {obj['message_id']}")
        duration = obj.get(_CALLS.get(str(action), ""))
        if duration is not None:
            details.append(f"{duration} s")
        if isinstance(obj.get("discard_reason"), str):
            details.append(obj["discard_reason"])
        if isinstance(obj.get("information_text"), str):
            details.append(obj["information_text"])
        summary = str(action) if action is not None else "service message"
        if actor:
            summary = f"{actor}: {summary}"
        if details:
            summary += f" ({'; '.join(details)})"
        if text:
            summary += f"\n{text}"
        if action in _CALLS:
            return MessageKind.CALL, summary, actor_id, actor, extra
        return MessageKind.SYSTEM, summary, None, None, extra

    def _content(
        self, obj: dict[str, Any], text: str, locator: str
    ) -> tuple[MessageKind, tuple[Attachment, ...], str]:
        """The kind, attachments and (for locations, contacts, polls without text) a readable text."""
        kind = MessageKind.TEXT
        attachments = []
        if "photo" in obj:
            kind = MessageKind.IMAGE
            attachments.append(self.media.attachment(obj["photo"], MessageKind.IMAGE, "photo", obj, locator))
        if "file" in obj:
            media_type = obj.get("media_type")
            file_kind = MEDIA_KINDS.get(str(media_type), MessageKind.FILE)
            kind = file_kind if kind is MessageKind.TEXT else kind
            name = obj.get("file_name") or media_type or "file"
            attachments.append(self.media.attachment(obj["file"], file_kind, str(name), obj, locator))
        if "contact_vcard" in obj:
            attachments.append(
                self.media.attachment(obj["contact_vcard"], MessageKind.CONTACT, "contact.vcf", {}, locator)
            )
        if kind is MessageKind.TEXT:
            location, contact, poll = (
                obj.get("location_information"),
                obj.get("contact_information"),
                obj.get("poll"),
            )
            if location is not None or "place_name" in obj:
                kind = MessageKind.LOCATION
                if not text:
                    text = _location_text(obj, location)
            elif contact is not None or "contact_vcard" in obj:
                kind = MessageKind.CONTACT
                if not text and isinstance(contact, dict):
                    text = " ".join(
                        str(contact[k]) for k in ("first_name", "last_name", "phone_number") if contact.get(k)
                    )
            elif isinstance(poll, dict):
                kind = MessageKind.POLL
                if not text:
                    answers = [a.get("text", "") for a in poll.get("answers", []) if isinstance(a, dict)]
                    text = "\n".join([str(poll.get("question", "")), *(f"- {a}" for a in answers)])
            elif "game_title" in obj or "invoice_information" in obj:
                kind = MessageKind.OTHER
        return kind, tuple(attachments), text


def _who(
    obj: dict[str, Any], id_field: str, name_field: str, chat_id: str | None
) -> tuple[str | None, str | None]:
    """(id, name) of a sender or actor; a null name (deleted account) keeps the id."""
    raw_id, name = obj.get(id_field), obj.get(name_field)
    name = name if isinstance(name, str) else None
    if raw_id is None:
        return (name, name) if name else (None, None)
    if name is None and name_field in obj:
        name = "Deleted Account"
    return _peer_id(raw_id, chat_id), name


def _peer_id(raw_id: Any, chat_id: str | None) -> str:
    """A sender id in the form newer exports write (``user123``, ``channel123``). Old exports wrote a bare
    number: a user's, unless it is the channel's own id (a post signed by the channel or group itself)."""
    text = _id_text(raw_id)
    if not text.isdigit():
        return text
    return f"channel{text}" if chat_id == f"channel{text}" else f"user{text}"


def _id_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _plain_text(value: Any) -> tuple[str, list[str]]:
    """The text as plain text (the pieces joined), and the targets of ``text_link`` pieces."""
    if value is None:
        return "", []
    if isinstance(value, str):
        return value, []
    if not isinstance(value, list):
        return str(value), []
    pieces, links = [], []
    for part in value:
        if isinstance(part, str):
            pieces.append(part)
        elif isinstance(part, dict):
            pieces.append(str(part.get("text", "")))
            if isinstance(part.get("href"), str):
                links.append(part["href"])
    return "".join(pieces), links


def _location_text(obj: dict[str, Any], location: Any) -> str:
    parts = [str(obj[k]) for k in ("place_name", "address") if obj.get(k)]
    if isinstance(location, dict) and "latitude" in location and "longitude" in location:
        parts.append(f"{location['latitude']}, {location['longitude']}")
    return "\n".join(parts)


def _offset_at(zone: tzinfo, seconds: int) -> int:
    offset = datetime.fromtimestamp(seconds, zone).utcoffset()
    return int(offset.total_seconds() // 60) if offset else 0


def _shown(value: Any) -> str:
    """How a wrong value appears in an error: strings as they are (the error quotes them), others as repr."""
    return value if isinstance(value, str) else repr(value)
