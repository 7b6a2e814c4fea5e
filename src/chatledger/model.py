"""The one vocabulary every part of chatledger speaks.

Importers emit these types, the store returns them, search, compare and reports read them.
Times are integers: ``ts_ms`` is UTC epoch milliseconds and ``utc_offset_min`` the offset the
original record was written in, so no precision and no zone is ever lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any, TypeVar


class Platform(StrEnum):
    """The chat platforms chatledger knows; ``GENERIC`` is for mapped CSV/JSON of unknown origin."""

    WECHAT = "wechat"
    QQ = "qq"
    WECOM = "wecom"
    DINGTALK = "dingtalk"
    FEISHU = "feishu"
    WHATSAPP = "whatsapp"
    TELEGRAM = "telegram"
    DISCORD = "discord"
    SLACK = "slack"
    MESSENGER = "messenger"
    INSTAGRAM = "instagram"
    LINE = "line"
    EMAIL = "email"
    GENERIC = "generic"


class ConversationKind(StrEnum):
    DIRECT = "direct"
    GROUP = "group"
    CHANNEL = "channel"


class MessageKind(StrEnum):
    """What a message is; ``RECALL`` marks a withdrawn or deleted message left as a placeholder."""

    TEXT = "text"
    IMAGE = "image"
    VOICE = "voice"
    VIDEO = "video"
    FILE = "file"
    STICKER = "sticker"
    LINK = "link"
    LOCATION = "location"
    TRANSFER = "transfer"
    RED_PACKET = "red_packet"
    CALL = "call"
    CONTACT = "contact"
    POLL = "poll"
    SYSTEM = "system"
    RECALL = "recall"
    OTHER = "other"


class TimePrecision(StrEnum):
    """The finest time unit the export carries for a message."""

    MILLISECOND = "ms"
    SECOND = "s"
    MINUTE = "min"


class AttachmentStatus(StrEnum):
    PRESENT = "present"  # the file came with the export and was hashed
    MISSING = "missing"  # the export names a file that is not there
    NOT_EXPORTED = "not_exported"  # the export says the media was left out


_E = TypeVar("_E", bound=StrEnum)


def by_value(enum: type[_E]) -> dict[str, _E]:
    """An enum's members by value: a dict lookup, where calling the enum costs a microsecond per call."""
    return {member.value: member for member in enum}


def to_datetime(ts_ms: int, utc_offset_min: int = 0) -> datetime:
    """An aware datetime for ``ts_ms`` shown in the given offset."""
    return datetime.fromtimestamp(ts_ms / 1000, tz=timezone(timedelta(minutes=utc_offset_min)))


@dataclass(frozen=True, slots=True)
class Source:
    """One original file as received: its identity (hashes), provenance and what it held."""

    original_name: str
    original_path: str
    size: int
    sha256: str
    md5: str
    format: str
    importer_version: str
    chatledger_version: str
    imported_at: datetime
    imported_by: str
    timezone: str
    encoding: str | None = None
    modified_at: datetime | None = None
    message_count: int = 0
    new_message_count: int = 0
    conversation_count: int = 0
    meta: dict[str, Any] = field(default_factory=dict)
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Conversation:
    """A chat: a 1:1 talk, a group or a channel, named by its platform id."""

    platform: Platform
    platform_id: str
    title: str
    kind: ConversationKind = ConversationKind.DIRECT
    id: int | None = None
    message_count: int = 0
    first_ts_ms: int | None = None
    last_ts_ms: int | None = None


@dataclass(frozen=True, slots=True)
class Participant:
    """A handle on one platform, with every display name it was seen under."""

    platform: Platform
    platform_id: str
    display_name: str
    aliases: tuple[str, ...] = ()
    is_self: bool | None = None
    id: int | None = None
    person_id: int | None = None  # the person this handle is linked to, once linked


@dataclass(frozen=True, slots=True)
class Person:
    """Someone behind handles on several platforms (a WeChat id, a DingTalk user, an e-mail address)."""

    id: int
    name: str
    handles: tuple[Participant, ...] = ()


@dataclass(frozen=True, slots=True)
class Case:
    """Conversations from several platforms gathered under one name (one project, one dispute)."""

    id: int
    name: str
    created_at: datetime
    note: str = ""
    conversation_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Attachment:
    """A media file or document a message carries."""

    name: str
    kind: MessageKind = MessageKind.FILE
    status: AttachmentStatus = AttachmentStatus.NOT_EXPORTED
    path: str | None = None
    size: int | None = None
    sha256: str | None = None
    md5: str | None = None
    mime_type: str | None = None


@dataclass(slots=True)
class Message:
    """One message as the export states it. Treat it as immutable.

    (Not ``frozen``: a frozen dataclass costs 1.5 µs to build against 0.4 µs, on the import hot path.)

    ``conversation`` and ``sender`` are platform ids (the store maps them to rows); ``sender`` is
    None for system events. ``locator`` says where in the source it was read (``line 12``,
    ``$.messages[3]``); ``key``, ``id``, ``platform`` and ``conversation_id`` are filled in once archived.
    """

    conversation: str
    sender: str | None
    ts_ms: int
    kind: MessageKind
    text: str
    utc_offset_min: int = 0
    precision: TimePrecision = TimePrecision.SECOND
    sender_name: str | None = None
    platform_msg_id: str | None = None
    reply_to: str | None = None
    forwarded_from: str | None = None
    edited_ts_ms: int | None = None
    attachments: tuple[Attachment, ...] = ()
    extra: dict[str, Any] | None = None
    locator: str = ""
    ordinal: int = 0
    key: str | None = None
    id: int | None = None
    platform: Platform | None = None
    conversation_id: int | None = None  # the chat's archive id, once archived

    @property
    def sent_at(self) -> datetime:
        """The time in the offset the original record used."""
        return to_datetime(self.ts_ms, self.utc_offset_min)

    @property
    def sent_at_utc(self) -> datetime:
        return datetime.fromtimestamp(self.ts_ms / 1000, tz=UTC)


ParsedItem = Conversation | Participant | Message
"""What an importer's ``parse`` yields, in any order as long as a conversation precedes its messages."""


class FindingSeverity(StrEnum):
    """How much an authenticity finding weighs: ``INFO`` is common in genuine exports (edits, recalls,
    deleted messages), ``WARNING`` is unusual but has innocent causes, ``HIGH`` is hard to explain
    without an altered file, a wrong clock or a wrong ``--tz``."""

    INFO = "info"
    WARNING = "warning"
    HIGH = "high"


@dataclass(frozen=True, slots=True)
class MessageRef:
    """A message a finding rests on: its archive id, its chat, where the source holds it, and why it is named."""

    conversation_id: int
    locator: str
    id: int | None = None
    ts_ms: int | None = None
    utc_offset_min: int = 0
    role: str = ""


@dataclass(frozen=True, slots=True)
class AuthenticityFinding:
    """One thing an import's authenticity checks noticed about a source, in English and Chinese."""

    source_id: int
    check: str
    severity: FindingSeverity
    count: int  # how many messages it covers
    explanation_en: str
    explanation_zh: str
    messages: tuple[MessageRef, ...] = ()
    conversation_id: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
