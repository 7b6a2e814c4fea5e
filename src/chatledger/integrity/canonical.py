"""The one canonical serialisation: message identity keys come only from here.

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
from json.encoder import encode_basestring
from typing import Any

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
