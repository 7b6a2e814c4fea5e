"""Feed big JSON files to ijson in bounded memory, and say exactly where a parse error happened.

ijson's C backend (yajl) reports errors with a 60-byte excerpt of the chunk it was parsing but no
offset. ``JsonStream`` keeps the chunk it last handed to the parser, so ``locate()`` can find the
excerpt in it and turn it into a byte offset and line number in the original file.

It can also repair one known defect: Telegram Desktop writes control characters in strings as
``\\x0C`` (tdesktop issue #27571), which is not JSON. With ``repair_x_escapes`` each such escape is
read as the ``\\u000C`` it stands for; ``repairs`` counts them so the importer can say so.
"""

from __future__ import annotations

import codecs
import io
import re
from dataclasses import dataclass
from typing import Any, BinaryIO

from chatledger.errors import ImportFormatError

READ_SIZE = 1 << 20
_EXCERPT_BEFORE = 30  # yajl shows 30 bytes either side of the error, padded to column 40
_X_ESCAPE = re.compile(rb"(\\+)x([0-9A-Fa-f]{2})")
_HEX = b"0123456789abcdefABCDEF"


@dataclass(frozen=True)
class JsonErrorPosition:
    """Where a JSON parse error is: the original file's byte offset and line, or a range when unsure."""

    offset: int
    line: int
    exact: bool
    reason: str
    excerpt: str

    def describe(self) -> str:
        if self.exact:
            return f"line {self.line} (byte {self.offset})"
        return f"near line {self.line} (byte {self.offset})"


class JsonStream(io.RawIOBase):
    """A readable byte stream for ijson: drops a UTF-8 BOM, optionally repairs ``\\xHH`` escapes,
    and remembers the chunk last read so a parse error can be located."""

    def __init__(self, inner: BinaryIO, *, repair_x_escapes: bool = False) -> None:
        self._inner = inner
        self._repair = repair_x_escapes
        self._pending = b""  # output ready to serve, from self._taken on
        self._taken = 0
        self._carry = b""
        self._eof = False
        self._started = False
        self._bom = 0
        self._out_pos = 0  # output bytes served so far
        self._repair_at: list[int] = []  # output positions of repairs not yet served
        self._repairs_before_served = 0
        # the last non-empty chunk served: where it starts (output), its bytes, repairs inside it
        self._served = b""
        self._served_start = 0
        self._served_repairs: list[int] = []
        self._newlines_before_served = 0
        self.repairs = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while self._taken >= len(self._pending) and not self._eof:
            self._pending, self._taken = b"", 0
            self._fill()
        n = min(len(buffer), len(self._pending) - self._taken)
        if n <= 0:
            return 0
        chunk = self._pending[self._taken : self._taken + n]
        self._taken += n
        buffer[:n] = chunk
        self._newlines_before_served += self._served.count(b"\n")
        self._repairs_before_served += len(self._served_repairs)
        self._served, self._served_start = chunk, self._out_pos
        self._out_pos += n
        inside = [p for p in self._repair_at if p < self._out_pos]
        self._served_repairs = [p - self._served_start for p in inside]
        if inside:
            self._repair_at = self._repair_at[len(inside) :]
        return n

    def close(self) -> None:
        self._inner.close()
        super().close()

    def _fill(self) -> None:
        raw = self._inner.read(READ_SIZE)
        if not self._started:
            self._started = True
            if raw.startswith(codecs.BOM_UTF8):
                raw, self._bom = raw[3:], 3
        if not raw:
            self._eof = True
            if self._carry:
                self._emit(self._carry)
                self._carry = b""
            return
        if not self._repair:
            self._pending += raw
            return
        data = self._carry + raw
        cut = _safe_cut(data)
        self._carry = data[cut:]
        self._emit(data[:cut])

    def _emit(self, data: bytes) -> None:
        if b"\\x" not in data:
            self._pending += data
            return
        base = self._out_pos + len(self._pending)
        parts: list[bytes] = []
        last = 0
        grown = 0
        for match in _X_ESCAPE.finditer(data):
            run = match.group(1)
            if len(run) % 2 == 0:  # "\\x41": an escaped backslash, then plain "x41"
                continue
            start = match.start()
            parts.append(data[last:start])
            parts.append(run[:-1] + b"\\u00" + match.group(2))
            self._repair_at.append(base + start + len(run) - 1 + grown)
            grown += 2
            last = match.end()
            self.repairs += 1
        parts.append(data[last:])
        self._pending += b"".join(parts)

    def locate(self, error: Exception) -> JsonErrorPosition:
        """The position of ijson's error in the original file, from yajl's excerpt of the last chunk."""
        message = error.args[0] if error.args else ""
        text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(error)
        lines = text.split("\n")
        reason = lines[0].strip()
        excerpt = lines[1].encode("utf-8", "replace") if len(lines) > 1 else b""
        data = self._served
        if "premature EOF" in reason:
            at, exact = len(data), True
        else:
            # yajl's offset counts the offending byte as consumed: the error is the byte before it
            found = [o - 1 for o in _candidates(data, excerpt) if o > 0]
            at, exact = (found[-1], len(found) == 1) if found else (len(data), False)
        repairs = self._repairs_before_served + sum(1 for p in self._served_repairs if p < at)
        offset = self._bom + self._served_start + at - 2 * repairs
        line = self._newlines_before_served + data[:at].count(b"\n") + 1
        shown = data[max(at - 24, 0) : at + 24].decode("utf-8", "replace").replace("\n", " ").strip()
        return JsonErrorPosition(offset, line, exact, reason, shown or "end of file")

    def error(self, exc: Exception, file: str, where: str = "", advice: str = "") -> ImportFormatError:
        """The error for ijson's ``exc`` in ``file``: its line and byte, then ``where`` (a JSON path), what
        the parser said, and ``advice`` for the user."""
        position = self.locate(exc)
        return ImportFormatError(
            file,
            f"{position.describe()}, in {where}" if where else position.describe(),
            expected="valid JSON",
            found=position.excerpt,
            hint=f"The JSON parser reports: {position.reason}." + (f" {advice}" if advice else ""),
        )


def _safe_cut(data: bytes) -> int:
    """Where to split ``data`` so that no backslash run (or ``\\x`` escape) is cut in two.

    A trailing run of backslashes, maybe followed by ``x`` and one hex digit, may continue in the
    next read; it is kept back so an escape is never judged on half its bytes.
    """
    end = len(data)
    if end >= 2 and data[end - 2 : end - 1] == b"x" and data[end - 1 : end] in _HEX:
        end -= 2
    elif data.endswith(b"x"):
        end -= 1
    run_start = len(data[:end].rstrip(b"\\"))
    return run_start if run_start < end else len(data)


def _candidates(data: bytes, excerpt: bytes) -> list[int]:
    """Offsets ``o`` in ``data`` for which yajl would have printed ``excerpt``."""
    rendered = data.replace(b"\n", b" ").replace(b"\r", b" ")
    found = []
    for o in range(min(_EXCERPT_BEFORE, len(data) + 1)):
        if excerpt == b" " * (40 - o) + rendered[: o + _EXCERPT_BEFORE]:
            found.append(o)
    if excerpt.startswith(b" " * 10):
        body = excerpt[10:]
        start = rendered.find(body)
        while start != -1:
            o = start + _EXCERPT_BEFORE
            if rendered[start : o + _EXCERPT_BEFORE] == body and o <= len(data):
                found.append(o)
            start = rendered.find(body, start + 1)
    return sorted(set(found))
