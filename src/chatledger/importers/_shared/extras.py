"""What an importer keeps in ``Message.extra``: the fields a user needs, not a copy of the original.

The original file is kept content-addressed and every message carries a locator into it, so ``extra``
holds only what the message columns cannot (reactions, thread ids, edits, file names, system-event
details), never author objects, avatars, rendering blocks or values that are empty or false.
"""

from __future__ import annotations

from typing import Any


def is_empty(value: Any) -> bool:
    """None, false, ``""`` or an empty list or object: nothing worth keeping (``0`` is kept)."""
    return value is None or value is False or (type(value) in (str, list, dict) and not value)
