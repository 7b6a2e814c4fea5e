"""The one canonical serialisation: message identity keys and Merkle-log leaves come only from here.

Canonical JSON = sorted keys, UTF-8, no insignificant whitespace. A message's key is the first 16
bytes of SHA-256 over a canonical array:

* with a platform message id: ``["msg/1", platform, conversation, "id", platform_msg_id]``;
* without one: ``["msg/1", platform, conversation, "at", sender, ts_ms, kind, normalised text,
  ordinal]``, where ``ordinal`` counts earlier messages in the same source with the same sender,
  time, kind and text. Two identical "ok" sent in one second are keys ``…, 0`` and ``…, 1``; the
  same export imported again, or a later backup overlapping it, yields the same keys.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from datetime import UTC, datetime
from json.encoder import encode_basestring
from typing import Any, NamedTuple

from chatledger.integrity.hasher import hash_leaf
from chatledger.model import Message, Source

KEY_VERSION = "msg/1"
# Direction marks and other invisible formatting WhatsApp and others sprinkle into text.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u202f\u3000]+")
_NEEDS_WORK = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\t\u00a0\u202f\u3000\r]|  ")


def canonical_json(value: Any) -> bytes:
    """Sorted keys, UTF-8, no insignificant whitespace."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def normalise_text(text: str) -> str:
    """Text as compared for identity: NFC, invisible marks removed, runs of spaces folded, trimmed."""
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if _NEEDS_WORK.search(text):
        text = _SPACES.sub(" ", _INVISIBLE.sub("", text)).replace("\r\n", "\n")
    return text.strip()


def key_by_platform_id(platform: str, conversation: str, platform_msg_id: str) -> bytes:
    """The identity of a message that carries a platform id (unique within its conversation)."""
    payload = (
        f'["{KEY_VERSION}",{encode_basestring(platform)},{encode_basestring(conversation)},"id",'
        f"{encode_basestring(platform_msg_id)}]"
    )
    return hashlib.sha256(payload.encode("utf-8")).digest()[:16]


def key_by_content(
    platform: str, conversation: str, sender: str | None, ts_ms: int, kind: str, text: str, ordinal: int
) -> bytes:
    """The identity of a message without a platform id; ``text`` must already be ``normalise_text``-ed.

    Byte for byte the ``canonical_json`` of the payload array, built directly for speed.
    """
    sender_json = "null" if sender is None else encode_basestring(sender)
    payload = (
        f'["{KEY_VERSION}",{encode_basestring(platform)},{encode_basestring(conversation)},"at",'
        f"{sender_json},{int(ts_ms)},{encode_basestring(kind)},{encode_basestring(text)},{int(ordinal)}]"
    )
    return hashlib.sha256(payload.encode("utf-8")).digest()[:16]


# -- ledger leaves ---------------------------------------------------------------------------------
# Every leaf of the Merkle log is ``canonical_json`` of one of the two objects below, and comes from
# these functions only: the import builds them from parsed messages, ``verify`` from archived rows, and
# a proof carries the object itself so that a third party can re-hash it.

_new_tuple = tuple.__new__
MESSAGE_LEAF_TYPE = "chatledger/message/1"
SOURCE_LEAF_TYPE = "chatledger/source/1"

AttachmentEvidence = tuple[str, str, str, str | None, int | None, str | None, str | None, str | None]
"""``(name, kind, status, path, size, sha256, md5, mime_type)`` of one attachment."""


class MessageEvidence(NamedTuple):
    """Every archived field of a message that matters as evidence, as plain values."""

    platform: str
    chat: str  # the conversation's platform id
    sender: str | None  # the sender's platform id
    sender_name: str | None
    ts_ms: int
    utc_offset_min: int
    precision: str
    kind: str
    text: str
    platform_msg_id: str | None
    reply_to: str | None
    forwarded_from: str | None
    edited_ts_ms: int | None
    key: str  # identity key, hex
    ordinal: int
    source_sha256: str  # the source it was first read from
    locator: str  # where in that source
    extra: dict[str, Any] | None
    attachments: tuple[AttachmentEvidence, ...]


class SourceEvidence(NamedTuple):
    """The chain-of-custody record of one imported file: what it was, where from, who brought it, when."""

    sha256: str
    md5: str
    size: int
    original_name: str
    original_path: str
    modified_at: str | None  # ISO 8601, UTC
    format: str
    importer_version: str
    chatledger_version: str
    imported_at: str  # ISO 8601, UTC
    imported_by: str
    timezone: str  # the zone naive times were read in
    encoding: str | None
    message_count: int
    new_message_count: int


_ATTACHMENT_FIELDS = ("name", "kind", "status", "path", "size", "sha256", "md5", "mime_type")


def message_leaf_object(evidence: MessageEvidence) -> dict[str, Any]:
    """The JSON object a message's leaf hashes (and a proof carries)."""
    data: dict[str, Any] = evidence._asdict()
    data["extra"] = evidence.extra or None
    data["attachments"] = [dict(zip(_ATTACHMENT_FIELDS, a, strict=True)) for a in evidence.attachments]
    data["type"] = MESSAGE_LEAF_TYPE
    return data


def source_leaf_object(evidence: SourceEvidence) -> dict[str, Any]:
    """The JSON object a source's leaf hashes: its chain-of-custody record."""
    return {**evidence._asdict(), "type": SOURCE_LEAF_TYPE}


def leaf_data(obj: dict[str, Any]) -> bytes:
    """The exact bytes a leaf hashes: ``canonical_json`` of a leaf object (or of one read back from a proof)."""
    return canonical_json(obj)


def message_leaf_data(evidence: MessageEvidence) -> bytes:
    """``canonical_json(message_leaf_object(evidence))``, built directly: this runs once per message on
    import and on ``verify``, and ``json.dumps`` with sorted keys costs four times as much. Values of
    unexpected types (only a tampered row has them) take the general path."""
    (platform, chat, sender, sender_name, ts_ms, offset, precision, kind, text, msg_id, reply_to, forwarded,
     edited, key, ordinal, source, locator, extra, attachments) = evidence  # fmt: skip
    if (
        type(ts_ms) is not int
        or type(offset) is not int
        or type(ordinal) is not int
        or not (edited is None or type(edited) is int)
    ):
        return canonical_json(message_leaf_object(evidence))
    enc = encode_basestring
    try:
        payload = (
            f'{{"attachments":{_attachments_json(attachments)},"chat":{enc(chat)},'
            f'"edited_ts_ms":{"null" if edited is None else edited},'
            f'"extra":{"null" if not extra else canonical_json(extra).decode("utf-8")},'
            f'"forwarded_from":{"null" if forwarded is None else enc(forwarded)},"key":{enc(key)},'
            f'"kind":{enc(kind)},"locator":{enc(locator)},"ordinal":{ordinal},"platform":{enc(platform)},'
            f'"platform_msg_id":{"null" if msg_id is None else enc(msg_id)},"precision":{enc(precision)},'
            f'"reply_to":{"null" if reply_to is None else enc(reply_to)},'
            f'"sender":{"null" if sender is None else enc(sender)},'
            f'"sender_name":{"null" if sender_name is None else enc(sender_name)},'
            f'"source_sha256":{enc(source)},"text":{enc(text)},"ts_ms":{ts_ms},"type":"{MESSAGE_LEAF_TYPE}",'
            f'"utc_offset_min":{offset}}}'
        )
    except TypeError:  # a value that is not a string where one belongs
        return canonical_json(message_leaf_object(evidence))
    return payload.encode("utf-8")


def _attachments_json(attachments: tuple[AttachmentEvidence, ...]) -> str:
    if not attachments:
        return "[]"
    return canonical_json([dict(zip(_ATTACHMENT_FIELDS, a, strict=True)) for a in attachments]).decode(
        "utf-8"
    )


def message_leaf_hash(evidence: MessageEvidence) -> bytes:
    return hash_leaf(message_leaf_data(evidence))


def source_leaf_hash(evidence: SourceEvidence) -> bytes:
    return hash_leaf(canonical_json(source_leaf_object(evidence)))


def message_evidence(
    message: Message, platform: str, chat: str, key: bytes, ordinal: int, source_sha256: str
) -> MessageEvidence:
    """A parsed message as it will be archived: in chat ``chat`` with identity ``key``/``ordinal``."""
    attachments = message.attachments
    return _new_tuple(
        MessageEvidence,  # tuple.__new__ skips the named tuple's Python-level __new__ (once per message)
        (
            platform,
            chat,
            message.sender,
            message.sender_name,
            message.ts_ms,
            message.utc_offset_min,
            str(message.precision),
            str(message.kind),
            message.text,
            message.platform_msg_id,
            message.reply_to,
            message.forwarded_from,
            message.edited_ts_ms,
            key.hex(),
            ordinal,
            source_sha256,
            message.locator,
            message.extra or None,
            tuple(
                (a.name, str(a.kind), str(a.status), a.path, a.size, a.sha256, a.md5, a.mime_type)
                for a in attachments
            )
            if attachments
            else (),
        ),
    )


def _utc_iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def source_evidence(source: Source) -> SourceEvidence:
    """A source's custody record (times in UTC, so the leaf does not depend on the reader's zone)."""
    return SourceEvidence(
        source.sha256,
        source.md5,
        source.size,
        source.original_name,
        source.original_path,
        _utc_iso(source.modified_at),
        source.format,
        source.importer_version,
        source.chatledger_version,
        _utc_iso(source.imported_at) or "",
        source.imported_by,
        source.timezone,
        source.encoding,
        source.message_count,
        source.new_message_count,
    )
