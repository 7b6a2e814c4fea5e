"""Records of a JSON array (streamed), a single JSON object, or JSON Lines, each with its locator."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import ijson

from chatledger.errors import ImportFormatError
from chatledger.importers._shared.jsonstream import JsonStream
from chatledger.importers.base import SourceFile


def iter_json_records(source: SourceFile, prefix: str = "item") -> Iterator[tuple[str, Any]]:
    """(locator, value) for each record of a JSON array (streamed), one JSON object, or JSON Lines."""
    first = source.head_text(4096).lstrip()[:1]
    if first == "[":
        yield from _array(source, prefix, "$")
        return
    with source.open_text() as text:
        lines = enumerate(text, start=1)
        for number, line in lines:
            stripped = line.strip()
            if not stripped:
                continue
            try:
                value = json.loads(stripped)
            except json.JSONDecodeError as exc:
                if number == 1 or stripped == "{":  # a pretty-printed single object
                    break
                raise ImportFormatError(
                    source.name, f"line {number}", expected=f"one JSON object ({exc.msg})", found=stripped
                ) from None
            yield f"line {number}", value
        else:
            return
    with source.open_text() as text:
        whole = text.read()
    try:
        value = json.loads(whole)
    except json.JSONDecodeError as exc:
        raise ImportFormatError(
            source.name,
            f"line {exc.lineno} (column {exc.colno})",
            expected=f"valid JSON ({exc.msg})",
            found=whole[max(exc.pos - 20, 0) : exc.pos + 20].strip(),
        ) from None
    yield "$", value


def _array(source: SourceFile, prefix: str, root: str) -> Iterator[tuple[str, Any]]:
    stream = JsonStream(source.open_binary())
    index = 0
    try:
        for value in ijson.items(stream, prefix, use_float=True):
            yield f"{root}[{index}]", value
            index += 1
    except ijson.JSONError as exc:
        raise stream.error(exc, source.name, f"{root}[{index}]") from None
    finally:
        stream.close()
