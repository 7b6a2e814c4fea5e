"""The canonical layout: chatledger's own JSON form of a message, for export and re-import.

A canonical JSONL file has a header line, then one message per line::

    {"chatledger_export": 1, "chatledger_version": "0.1.0"}
    {"chat": {"platform": "telegram", "id": "user700", "title": "Bob", "kind": "direct"},
     "sender": {"id": "user700", "name": "Bob"}, "time": "2022-05-09T19:23:53-03:00",
     "ts_ms": 1652135033000, "precision": "s", "kind": "text", "text": "world?", "id": "3662",
     "reply_to": null, "forwarded_from": null, "edited_ts_ms": null, "attachments": [], "extra": null}

(one line each in the file). ``ts_ms`` is the exact UTC instant; ``time`` is the same instant as ISO-8601
in the offset the original record was written in (the offset is read back from it). ``id`` is the
platform's message id, ``sender`` null for system events. Every field the archive holds for a message
is here, so re-importing the file reproduces the messages and their identity keys.

``export.export_jsonl`` writes it (``to_record``); the generic-jsonl / generic-json importers read it
(``RecordReader``). Both live in this module so the two sides cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from chatledger import __version__
from chatledger.errors import ImportFormatError
from chatledger.importers.base import ImportContext
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
    by_value,
)

LAYOUT_VERSION = 1
HEADER_KEY = "chatledger_export"
MESSAGE_KEYS = (
    "chat",
    "sender",
    "time",
    "ts_ms",
    "precision",
    "kind",
    "text",
    "id",
    "reply_to",
    "forwarded_from",
    "edited_ts_ms",
    "attachments",
    "extra",
)
CHAT_KEYS = ("platform", "id", "title", "kind")
SENDER_KEYS = ("id", "name")
ATTACHMENT_KEYS = ("name", "kind", "status", "path", "size", "sha256", "md5", "mime_type")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def header() -> dict[str, Any]:
    """The first line of a canonical export."""
    return {HEADER_KEY: LAYOUT_VERSION, "chatledger_version": __version__}


def is_canonical(obj: Any) -> bool:
    """Whether a decoded JSON value is a canonical header or message record (for sniffing)."""
    return isinstance(obj, dict) and (HEADER_KEY in obj or set(obj) == set(MESSAGE_KEYS))


def iso_time(ts_ms: int, utc_offset_min: int) -> str:
    """``ts_ms`` as ISO-8601 in the given offset, with milliseconds only when there are any."""
    moment = (_EPOCH + timedelta(milliseconds=ts_ms)).astimezone(timezone(timedelta(minutes=utc_offset_min)))
    return moment.isoformat(timespec="milliseconds" if ts_ms % 1000 else "seconds")


def to_record(message: Message, conversation: Conversation) -> dict[str, Any]:
    """The canonical record of an archived message (key order as documented)."""
    return {
        "chat": {
            "platform": conversation.platform.value,
            "id": conversation.platform_id,
            "title": conversation.title,
            "kind": conversation.kind.value,
        },
        "sender": None if message.sender is None else {"id": message.sender, "name": message.sender_name},
        "time": iso_time(message.ts_ms, message.utc_offset_min),
        "ts_ms": message.ts_ms,
        "precision": message.precision.value,
        "kind": message.kind.value,
        "text": message.text,
        "id": message.platform_msg_id,
        "reply_to": message.reply_to,
        "forwarded_from": message.forwarded_from,
        "edited_ts_ms": message.edited_ts_ms,
        "attachments": [
            {
                "name": a.name,
                "kind": a.kind.value,
                "status": a.status.value,
                "path": a.path,
                "size": a.size,
                "sha256": a.sha256,
                "md5": a.md5,
                "mime_type": a.mime_type,
            }
            for a in message.attachments
        ],
        "extra": message.extra or None,
    }


_PLATFORMS, _CHAT_KINDS, _KINDS = by_value(Platform), by_value(ConversationKind), by_value(MessageKind)
_PRECISIONS, _STATUSES = by_value(TimePrecision), by_value(AttachmentStatus)
_CHATS_REMEMBERED = 100_000  # distinct chat objects whose check is skipped when they repeat


class RecordReader:
    """Turns canonical records into model objects, checking every field.

    Errors name the file, the record (``line 12`` or ``$[11]``), the field, what was expected and found.
    A conversation or participant is announced before its first message, and again whenever the same
    id reappears under another platform, so a multi-platform file maps each message to the right rows.
    """

    def __init__(self, source_name: str, ctx: ImportContext) -> None:
        self.source_name = source_name
        self.ctx = ctx
        self.chats: dict[str, Platform] = {}
        self.senders: dict[str, Platform] = {}
        self._checked_chats: dict[tuple[tuple[str, Any], ...], Conversation] = {}

    def error(
        self, locator: str, field: str | None, expected: str, found: Any, hint: str | None = None
    ) -> ImportFormatError:
        shown = found if isinstance(found, str) else repr(found)
        return ImportFormatError(
            self.source_name, locator, field=field, expected=expected, found=shown, hint=hint
        )

    def check_header(self, obj: Any, locator: str) -> bool:
        """True when ``obj`` is a header line (which must name a layout version this code reads)."""
        if not isinstance(obj, dict) or HEADER_KEY not in obj:
            return False
        if obj[HEADER_KEY] != LAYOUT_VERSION:
            raise self.error(
                locator, HEADER_KEY, f"layout version {LAYOUT_VERSION} (upgrade chatledger)", obj[HEADER_KEY]
            )
        return True

    def read(self, obj: Any, locator: str) -> Iterator[ParsedItem]:
        if not isinstance(obj, dict):
            raise self.error(locator, None, "a JSON object in the canonical layout", type(obj).__name__)
        for key in obj:
            if key not in MESSAGE_KEYS:
                raise self.error(
                    locator,
                    key,
                    f"only the canonical keys ({', '.join(MESSAGE_KEYS)})",
                    key,
                    hint="Files in another layout need --format and --option mapping=FILE.toml "
                    "(docs/generic-mapping.md).",
                )
        for key in ("chat", "kind", "text"):
            if key not in obj:
                raise self.error(locator, key, "a value", "no such key")
        chat = self._chat(obj["chat"], locator)
        if self.chats.get(chat.platform_id) != chat.platform:
            self.chats[chat.platform_id] = chat.platform
            yield chat
        sender, sender_name = self._sender(obj.get("sender"), locator)
        if sender is not None and self.senders.get(sender) != chat.platform:
            self.senders[sender] = chat.platform
            yield Participant(chat.platform, sender, sender_name or sender)
        ts_ms, offset = self._time(obj, locator)
        precision = obj.get("precision")
        if precision is None:
            precision = TimePrecision.MILLISECOND if ts_ms % 1000 else TimePrecision.SECOND
        yield Message(
            conversation=chat.platform_id,
            sender=sender,
            ts_ms=ts_ms,
            kind=self._enum(_KINDS, obj["kind"], locator, "kind"),
            text=self._text(obj["text"], locator, "text") or "",
            utc_offset_min=offset,
            precision=self._enum(_PRECISIONS, precision, locator, "precision"),
            sender_name=sender_name,
            platform_msg_id=self._id(obj.get("id"), locator, "id"),
            reply_to=self._id(obj.get("reply_to"), locator, "reply_to"),
            forwarded_from=self._text(obj.get("forwarded_from"), locator, "forwarded_from"),
            edited_ts_ms=self._int(obj.get("edited_ts_ms"), locator, "edited_ts_ms"),
            attachments=self._attachments(obj.get("attachments"), locator),
            extra=self._extra(obj.get("extra"), locator),
            locator=locator,
            platform=chat.platform,
        )

    # -- fields ---------------------------------------------------------------------------------
    def _chat(self, value: Any, locator: str) -> Conversation:
        """The record's chat; the same chat object repeated on every line is checked once."""
        try:
            return self._checked_chats[tuple(value.items())]
        except (AttributeError, KeyError, TypeError):  # not a dict, not seen yet, or not hashable
            chat = self._check_chat(value, locator)  # raises unless ``value`` is a valid chat object
        if len(self._checked_chats) < _CHATS_REMEMBERED:
            with suppress(TypeError):  # a value that cannot be a key: checked again next time
                self._checked_chats[tuple(value.items())] = chat
        return chat

    def _check_chat(self, value: Any, locator: str) -> Conversation:
        if not isinstance(value, dict):
            raise self.error(locator, "chat", "an object {platform, id, title, kind}", value)
        for key in value:
            if key not in CHAT_KEYS:
                raise self.error(locator, f"chat.{key}", f"only {', '.join(CHAT_KEYS)}", key)
        platform = self._enum(_PLATFORMS, value.get("platform"), locator, "chat.platform")
        chat_id = self._id(value.get("id"), locator, "chat.id")
        if not chat_id:
            raise self.error(locator, "chat.id", "the chat's id", value.get("id"))
        title = self._text(value.get("title"), locator, "chat.title")
        kind = self._enum(_CHAT_KINDS, value.get("kind", "direct"), locator, "chat.kind")
        return Conversation(platform, chat_id, chat_id if title is None else title, kind)

    def _sender(self, value: Any, locator: str) -> tuple[str | None, str | None]:
        if value is None:
            return None, None
        if not isinstance(value, dict):
            raise self.error(locator, "sender", "null or an object {id, name}", value)
        for key in value:
            if key not in SENDER_KEYS:
                raise self.error(locator, f"sender.{key}", "only id, name", key)
        sender = self._id(value.get("id"), locator, "sender.id")
        if not sender:
            raise self.error(locator, "sender.id", "the sender's id", value.get("id"))
        return sender, self._text(value.get("name"), locator, "sender.name")

    def _time(self, obj: dict[str, Any], locator: str) -> tuple[int, int]:
        ts_ms = self._int(obj.get("ts_ms"), locator, "ts_ms")
        text = obj.get("time")
        if text is None:
            if ts_ms is None:
                raise self.error(locator, "time", "the message time in 'time' or 'ts_ms'", "neither")
            zone_offset = datetime.fromtimestamp(ts_ms // 1000, self.ctx.zone).utcoffset() or timedelta(0)
            return ts_ms, int(zone_offset.total_seconds() // 60)
        try:
            moment = datetime.fromisoformat(text) if isinstance(text, str) else None
        except ValueError:
            moment = None
        if moment is None:
            raise self.error(locator, "time", "an ISO-8601 time such as 2024-05-01T13:45:00+08:00", text)
        if moment.tzinfo is None:
            local_ms, offset = self.ctx.clock.to_utc_ms(
                moment.year,
                moment.month,
                moment.day,
                moment.hour,
                moment.minute,
                moment.second,
                moment.microsecond // 1000,
            )
        else:
            delta = moment.utcoffset() or timedelta(0)
            if delta.total_seconds() % 60:
                raise self.error(locator, "time", "a UTC offset in whole minutes", text)
            offset = int(delta.total_seconds() // 60)
            since = moment - _EPOCH
            local_ms = (since.days * 86400 + since.seconds) * 1000 + since.microseconds // 1000
        if ts_ms is not None and ts_ms != local_ms:
            raise self.error(
                locator, "time", f"the instant ts_ms {ts_ms} names ({iso_time(ts_ms, offset)})", text
            )
        return local_ms, offset

    def _attachments(self, value: Any, locator: str) -> tuple[Attachment, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.error(locator, "attachments", "a list of attachment objects", value)
        found = []
        for index, item in enumerate(value):
            where = f"attachments[{index}]"
            if not isinstance(item, dict):
                raise self.error(locator, where, "an attachment object", item)
            for key in item:
                if key not in ATTACHMENT_KEYS:
                    raise self.error(locator, f"{where}.{key}", f"only {', '.join(ATTACHMENT_KEYS)}", key)
            name = self._text(item.get("name"), locator, f"{where}.name")
            if name is None:
                raise self.error(locator, f"{where}.name", "the attachment's name", None)
            found.append(
                Attachment(
                    name=name,
                    kind=self._enum(_KINDS, item.get("kind", "file"), locator, f"{where}.kind"),
                    status=self._enum(
                        _STATUSES, item.get("status", "not_exported"), locator, f"{where}.status"
                    ),
                    path=self._text(item.get("path"), locator, f"{where}.path"),
                    size=self._int(item.get("size"), locator, f"{where}.size"),
                    sha256=self._text(item.get("sha256"), locator, f"{where}.sha256"),
                    md5=self._text(item.get("md5"), locator, f"{where}.md5"),
                    mime_type=self._text(item.get("mime_type"), locator, f"{where}.mime_type"),
                )
            )
        return tuple(found)

    def _extra(self, value: Any, locator: str) -> dict[str, Any] | None:
        if value is None or isinstance(value, dict):
            return value or None
        raise self.error(locator, "extra", "null or an object", value)

    def _enum(self, members: dict[str, Any], value: Any, locator: str, field: str) -> Any:
        """The member of ``members`` (``by_value`` of an enum) that ``value`` names."""
        try:
            return members[value]
        except (KeyError, TypeError):  # unknown, or not even hashable
            choices = ", ".join(members)
            raise self.error(locator, field, f"one of {choices}", value) from None

    def _text(self, value: Any, locator: str, field: str) -> str | None:
        if value is None or isinstance(value, str):
            return value
        raise self.error(locator, field, "a string or null", value)

    def _id(self, value: Any, locator: str, field: str) -> str | None:
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        raise self.error(locator, field, "a string, an integer or null", value)

    def _int(self, value: Any, locator: str, field: str) -> int | None:
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        raise self.error(locator, field, "an integer or null", value)
