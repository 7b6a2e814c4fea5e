"""Zip member names as their writer meant them.

``zipfile`` decodes a member name without the UTF-8 flag (bit 11) as cp437, as the zip specification says,
but Info-ZIP, macOS and other re-zipping tools store UTF-8 there: ``Чат.txt`` is read as ``╨º╨░╤é.txt``.
Export files name their media in UTF-8, so lookups go through the name as written.
"""

from __future__ import annotations

import zipfile

_UTF8_FLAG = 0x800


def written_name(info: zipfile.ZipInfo) -> str:
    """The member's name as written: an unflagged name that is UTF-8 read as cp437 is read back."""
    name = info.filename
    if info.flag_bits & _UTF8_FLAG or name.isascii():
        return name
    try:
        return name.encode("cp437").decode("utf-8")
    except UnicodeError:
        return name


def names_as_written(archive: zipfile.ZipFile) -> dict[str, str]:
    """Every member's name as written → the name ``zipfile`` opens it by."""
    return {written_name(info): info.filename for info in archive.infolist()}
