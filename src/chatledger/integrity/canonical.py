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
from typing import Any

KEY_VERSION = "msg/1"
# Direction marks and other invisible formatting WhatsApp and others sprinkle into text.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u202f\u3000]+")


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def normalise_text(text: str) -> str:
    """Text as compared for identity: NFC, invisible marks removed, runs of spaces folded, trimmed."""
    if text.isascii():
        return text.replace("\r\n", "\n").strip()
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    text = _SPACES.sub(" ", text)
    return text.replace("\r\n", "\n").strip()


def key_by_platform_id(platform: str, conversation: str, platform_msg_id: str) -> bytes:
    return hashlib.sha256(
        canonical_json([KEY_VERSION, platform, conversation, "id", platform_msg_id])
    ).digest()[:16]


def key_by_content(
    platform: str, conversation: str, sender: str | None, ts_ms: int, kind: str, text: str, ordinal: int
) -> bytes:
    payload = [KEY_VERSION, platform, conversation, "at", sender, ts_ms, kind, text, ordinal]
    return hashlib.sha256(canonical_json(payload)).digest()[:16]
