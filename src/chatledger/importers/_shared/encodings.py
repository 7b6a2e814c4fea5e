"""Decide how a file's bytes decode: BOM, then strict UTF-8, then GB18030, then detection."""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterable
from typing import BinaryIO

from chatledger.errors import SourceEncodingError

CHUNK = 1 << 20
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def encoding_from_bom(head: bytes) -> str | None:
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    return None


class Utf8Validator:
    """Feeds chunks through a strict incremental UTF-8 decoder; ``valid`` says whether all decoded."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self.valid = True

    def feed(self, chunk: bytes, final: bool = False) -> None:
        if not self.valid:
            return
        try:
            self._decoder.decode(chunk, final)
        except UnicodeDecodeError:
            self.valid = False


def _decodes(chunks: Iterable[bytes], encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        for chunk in chunks:
            decoder.decode(chunk)
        decoder.decode(b"", True)
    except UnicodeDecodeError:
        return False
    return True


def _chunks(opener: Callable[[], BinaryIO]) -> Iterable[bytes]:
    with opener() as stream:
        while chunk := stream.read(CHUNK):
            yield chunk


def detect_encoding(
    name: str, opener: Callable[[], BinaryIO], *, head: bytes, utf8_valid: bool | None = None
) -> str:
    """The codec that decodes the whole stream, trying BOM → UTF-8 → GB18030 → charset detection.

    ``utf8_valid`` short-cuts the UTF-8 pass when the caller already validated the bytes while hashing.
    GBK and GB2312 are read as GB18030, their superset.
    """
    by_bom = encoding_from_bom(head)
    if by_bom:
        return by_bom
    if utf8_valid is None:
        utf8_valid = _decodes(_chunks(opener), "utf-8")
    if utf8_valid:
        return "utf-8"
    if _decodes(_chunks(opener), "gb18030"):
        return "gb18030"
    tried = ["utf-8", "gb18030"]
    from charset_normalizer import from_bytes

    best = from_bytes(head).best()
    if best is not None and best.encoding not in tried:
        candidate = best.encoding
        tried.append(candidate)
        if _decodes(_chunks(opener), candidate):
            return candidate
    raise SourceEncodingError(name, tried)
