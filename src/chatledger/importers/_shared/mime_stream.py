"""Walk a MIME multipart file (an MHT web archive) part by part in bounded memory.

The stdlib ``email`` parser builds the whole message in memory; a QQ 消息管理器 export of every chat
reaches gigabytes. ``walk_parts`` reads the file line by line and yields, for each leaf part, its
headers and then its decoded body in chunks (base64, quoted-printable, 7bit/8bit/binary), so the caller
can hash pictures or feed HTML to a parser as the bytes arrive. Nested multiparts are followed; the line
break before a boundary belongs to the boundary (RFC 2046), as in ``email``'s payloads.
"""

from __future__ import annotations

import binascii
from collections.abc import Iterator
from email import policy
from email.message import Message as MimeHeaders
from email.parser import BytesHeaderParser
from typing import BinaryIO

LINE_LIMIT = 1 << 16  # a longer line is read in pieces; a boundary is only looked for at a line start
CHUNK = 1 << 16  # bodies are handed on in pieces of about this size
_HEADER_PARSER = BytesHeaderParser(policy=policy.compat32)


class MimeBody:
    """A leaf part: its headers; the caller iterates ``chunks()`` (or not) before asking for the next part."""

    def __init__(self, headers: MimeHeaders, chunks: Iterator[bytes]) -> None:
        self.headers = headers
        self._chunks = chunks

    def chunks(self) -> Iterator[bytes]:
        """The decoded body bytes, in pieces."""
        return self._chunks


def read_headers(stream: BinaryIO) -> MimeHeaders:
    """The header block at the stream's position, up to and including the blank line."""
    lines: list[bytes] = []
    while line := stream.readline(LINE_LIMIT):
        lines.append(line)
        if not line.strip():
            break
    return _HEADER_PARSER.parsebytes(b"".join(lines))


def walk_parts(stream: BinaryIO, top: MimeHeaders) -> Iterator[MimeBody]:
    """Every leaf part of the multipart whose headers ``top`` were just read from ``stream``."""
    walker = _Walker(stream)
    boundary = top.get_param("boundary")
    if isinstance(boundary, str) and boundary:
        walker.boundaries.append(boundary.encode("latin-1", "replace"))
    while (headers := walker.next_part()) is not None:
        body = MimeBody(headers, walker.body(headers))
        yield body
        for _ in body.chunks():  # whatever the caller did not read
            pass


class _Walker:
    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.boundaries: list[bytes] = []
        self.at_line_start = True
        self.pushed_back: bytes | None = None  # a delimiter line the body reader stopped at
        self.done = False

    def _line(self) -> tuple[bytes, bool]:
        """The next line (or piece of a long line), and whether it starts a line."""
        if self.pushed_back is not None:
            line, self.pushed_back = self.pushed_back, None
            return line, True
        line = self.stream.readline(LINE_LIMIT)
        starts, self.at_line_start = self.at_line_start, line.endswith(b"\n")
        return line, starts

    def _delimiter(self, line: bytes) -> tuple[int, bool] | None:
        """(depth, is the closing delimiter) when ``line`` delimits one of the open multiparts."""
        if not line.startswith(b"--"):
            return None
        marker = line.rstrip(b" \t\r\n")
        for depth in range(len(self.boundaries) - 1, -1, -1):
            boundary = b"--" + self.boundaries[depth]
            if marker == boundary:
                return depth, False
            if marker == boundary + b"--":
                return depth, True
        return None

    def next_part(self) -> MimeHeaders | None:
        """Skips to the next part's delimiter and reads its headers (descending into multiparts)."""
        while not self.done:
            line, starts = self._line()
            if not line:
                self.done = True
                break
            found = self._delimiter(line) if starts else None
            if found is None:
                continue
            depth, closing = found
            del self.boundaries[depth + 1 :]
            if closing:
                self.boundaries.pop()
                self.done = not self.boundaries
                continue
            headers = read_headers(self.stream)
            self.at_line_start = True
            boundary = (
                headers.get_param("boundary") if headers.get_content_maintype() == "multipart" else None
            )
            if isinstance(boundary, str) and boundary:
                self.boundaries.append(boundary.encode("latin-1", "replace"))
                continue
            return headers
        return None

    def body(self, headers: MimeHeaders) -> Iterator[bytes]:
        """The part's decoded bytes in pieces of about ``CHUNK`` bytes, up to (not including) the next
        delimiter, which is put back for ``next_part``."""
        encoding = str(headers.get("Content-Transfer-Encoding", "")).strip().lower()
        decode = _DECODERS.get(encoding, _identity)
        pending: list[bytes] = []
        size = 0
        previous: bytes | None = None
        while True:
            line, starts = self._line()
            end = not line or (starts and self._delimiter(line) is not None)
            if previous is not None:
                pending.append(previous.rstrip(b"\r\n") if end else previous)
                size += len(previous)
            if end or size >= CHUNK:
                data = b"".join(pending)
                if encoding == "base64":
                    data = b"".join(data.split())
                    usable = len(data) if end else len(data) - len(data) % 4
                    pending, size = ([data[usable:]], len(data) - usable) if usable < len(data) else ([], 0)
                    if usable:
                        yield _base64(data[:usable] + b"=" * (-usable % 4))
                else:
                    pending, size = [], 0
                    if data:
                        yield decode(data)
            if end:
                self.pushed_back = line or None
                return
            previous = line


def _base64(data: bytes) -> bytes:
    try:
        return binascii.a2b_base64(data)
    except binascii.Error:
        return b""


def _identity(data: bytes) -> bytes:
    return data


_DECODERS = {"quoted-printable": binascii.a2b_qp}
