"""Hashing the media files an export carries (SHA-256 and MD5, as every source file is hashed)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import IO, NamedTuple

CHUNK = 1 << 20


class MediaDigest(NamedTuple):
    size: int
    sha256: str
    md5: str


def digest_chunks(chunks: Iterable[bytes]) -> MediaDigest:
    sha256, md5, size = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0
    for chunk in chunks:
        sha256.update(chunk)
        md5.update(chunk)
        size += len(chunk)
    return MediaDigest(size, sha256.hexdigest(), md5.hexdigest())


def digest(stream: IO[bytes]) -> MediaDigest:
    """Size and hashes of what is left to read in ``stream``, read in 1 MiB chunks."""
    return digest_chunks(iter(lambda: stream.read(CHUNK), b""))
