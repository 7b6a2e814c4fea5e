"""Zips as Info-ZIP and macOS write them: UTF-8 member names without the UTF-8 flag (bit 11)."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path


def write_unflagged_zip(path: Path, members: dict[str, str | bytes]) -> Path:
    """A zip of ``members`` whose names are UTF-8 but flagged as cp437 (``zipfile`` flags them itself)."""
    with zipfile.ZipFile(path, "w") as handle:
        for name, data in members.items():
            handle.writestr(name, data)
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as handle:
        infos = handle.infolist()
        at = handle.start_dir
    for info in infos:
        raw[info.header_offset + 7] &= ~0x08  # local header: flags at 6-7, bit 11 in the high byte
    for _ in infos:
        assert raw[at : at + 4] == b"PK\x01\x02"
        raw[at + 9] &= ~0x08  # central header: flags at 8-9
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", raw, at + 28)
        at += 46 + name_len + extra_len + comment_len
    path.write_bytes(bytes(raw))
    return path
