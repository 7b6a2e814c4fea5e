"""The contract between the import pipeline and one format: SourceFile in, model objects out."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import tzinfo
from functools import cached_property
from pathlib import Path
from typing import IO, Any, BinaryIO, ClassVar, Protocol, cast

from chatledger.importers._shared.archives import written_name
from chatledger.importers._shared.encodings import detect_encoding, encoding_from_bom
from chatledger.importers._shared.timestamps import LocalClock
from chatledger.model import ParsedItem, Platform

HEAD_BYTES = 64 * 1024


class ByteCounter(Protocol):
    def __call__(self, n: int) -> None: ...


class _CountingReader(io.RawIOBase):
    """A read-only stream that reports every byte read (for the byte progress bar)."""

    def __init__(self, inner: BinaryIO, on_bytes: ByteCounter | None) -> None:
        self._inner = inner
        self._on_bytes = on_bytes

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._inner.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        if self._on_bytes and n:
            self._on_bytes(n)
        return n

    def close(self) -> None:
        self._inner.close()
        super().close()


class SourceFile:
    """A file (or one member of a .zip) offered to importers: its head for sniffing, streams for parsing.

    ``name`` is what errors and locators print: the path, or ``archive.zip!member``.
    """

    def __init__(self, path: Path, *, member: str | None = None, on_bytes: ByteCounter | None = None) -> None:
        self.path = path
        self.member = member
        self.name = f"{path}!{member}" if member else str(path)
        self.on_bytes = on_bytes
        self.utf8_valid: bool | None = None
        self._encoding: str | None = None
        self._zip_names: list[str] | None = None
        with self._open_raw() as stream:
            self.head = stream.read(HEAD_BYTES)

    def _open_raw(self) -> BinaryIO:
        if self.member is None:
            return open(self.path, "rb")
        archive = zipfile.ZipFile(self.path)
        return cast(BinaryIO, _ZipMemberStream(archive, self.member))

    @cached_property
    def member_name(self) -> str | None:
        """The member's name as its writer meant it (``member`` is the name ``zipfile`` opens it by; they
        differ for UTF-8 names stored without the UTF-8 flag), or None for a plain file."""
        if self.member is None or self.member.isascii():
            return self.member
        with zipfile.ZipFile(self.path) as archive:
            return written_name(archive.getinfo(self.member))

    @property
    def suffix(self) -> str:
        return Path(self.member or self.path.name).suffix.lower()

    @property
    def is_zip(self) -> bool:
        return self.member is None and self.head.startswith(b"PK\x03\x04")

    def zip_names(self) -> list[str]:
        if self._zip_names is None:
            with zipfile.ZipFile(self.path) as archive:
                self._zip_names = [i.filename for i in archive.infolist() if not i.is_dir()]
        return self._zip_names

    def member_file(self, member: str) -> SourceFile:
        """A SourceFile for one member of this zip."""
        return SourceFile(self.path, member=member, on_bytes=self.on_bytes)

    def head_text(self, limit: int = HEAD_BYTES) -> str:
        """The head decoded leniently, for sniffing only."""
        head = self.head[:limit]
        encoding = encoding_from_bom(head) or "utf-8"
        text = head.decode(encoding, errors="replace")
        if encoding == "utf-8" and text.count("\ufffd") > 2:
            text = head.decode("gb18030", errors="replace")
        return text.lstrip("\ufeff")

    @property
    def encoding(self) -> str:
        if self._encoding is None:
            self._encoding = detect_encoding(
                self.name, self._open_raw, head=self.head, utf8_valid=self.utf8_valid
            )
        return self._encoding

    @property
    def encoding_used(self) -> str | None:
        """The encoding the text was decoded with, or None when the file was only read as bytes."""
        return self._encoding

    def open_binary(self, *, counted: bool = True) -> BinaryIO:
        """The raw bytes, counted for progress unless this is a second look at part of the file."""
        raw = self._open_raw()
        if counted:
            return io.BufferedReader(_CountingReader(raw, self.on_bytes), 1 << 20)
        return cast(BinaryIO, io.BufferedReader(cast(io.RawIOBase, raw), 1 << 20))

    def read_tail(self, limit: int) -> bytes:
        """The last ``limit`` bytes, not counted for progress (a zip member is inflated to reach them)."""
        if self.member is None:
            with open(self.path, "rb") as stream:
                stream.seek(max(stream.seek(0, io.SEEK_END) - limit, 0))
                return stream.read()
        with zipfile.ZipFile(self.path) as archive, archive.open(self.member) as stream:
            stream.seek(max(archive.getinfo(self.member).file_size - limit, 0))
            return stream.read()

    def open_text(self, *, counted: bool = True) -> IO[str]:
        """The decoded text with universal newlines (CRLF read as LF); line numbers stay exact.

        ``counted=False`` for a first pass that only surveys the file (progress counts the parsing pass)."""
        return io.TextIOWrapper(self.open_binary(counted=counted), encoding=self.encoding, newline=None)


class _ZipMemberStream(io.RawIOBase):
    def __init__(self, archive: zipfile.ZipFile, member: str) -> None:
        self._archive = archive
        self._stream = archive.open(member)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._stream.close()
        self._archive.close()
        super().close()


@dataclass
class ImportContext:
    """What one import knows besides the file: the assumed zone, options, and what it noticed."""

    zone: tzinfo
    zone_name: str
    options: dict[str, str] = field(default_factory=dict)
    me: tuple[str, ...] = ()
    warnings: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.clock = LocalClock(self.zone)

    def warn(self, locator: str, message: str) -> None:
        if len(self.warnings) < 1000:
            self.warnings.append(f"{locator}: {message}" if locator else message)


class Importer(Protocol):
    """One export format. Register a class with ``@register``; see ``chatledger.importers``.

    ``sniff`` reads only ``source.head`` (or zip member names) and returns 0 (not mine) to 1 (certain).
    ``parse`` streams the file and yields model objects; malformed input raises ImportFormatError.
    ``obtain`` tells a user, in a sentence or two, how to get such a file (app, menu, file to pick);
    docs/formats.md and ``chatledger formats --json`` show it. ``extra_kept`` says what ``Message.extra``
    holds for this format (docs/formats.md shows it): what the columns cannot, not a copy of the original,
    which is kept whole with a locator per message.
    """

    name: ClassVar[str]
    platform: ClassVar[Platform]
    version: ClassVar[str]
    description: ClassVar[str]
    obtain: ClassVar[str]
    extra_kept: ClassVar[str]
    suffixes: ClassVar[tuple[str, ...]]
    capabilities: ClassVar[frozenset[str]]

    def sniff(self, source: SourceFile) -> float: ...

    def parse(self, source: SourceFile, ctx: ImportContext) -> Iterator[ParsedItem]: ...


CAPABILITIES = (
    "platform_ids",  # messages carry platform message ids
    "replies",
    "edits",
    "recalls",
    "reactions",
    "attachments",
    "transfers",
    "system",
    "seconds",  # timestamps have at least second precision
    "zone",  # timestamps carry their zone (no --tz assumption needed)
    "multi_chat",  # one file can hold several conversations
)
