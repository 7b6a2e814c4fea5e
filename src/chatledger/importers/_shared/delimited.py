"""The field separator of a delimited text file: a comma, or the tab of Excel's "Unicode text"."""

from __future__ import annotations

from chatledger.importers.base import SourceFile


def first_line(source: SourceFile) -> str:
    return source.head_text(4096).split("\n", 1)[0].rstrip("\r")


def delimiter(source: SourceFile) -> str:
    """``\\t`` when the header line holds more tabs than commas (Excel "Save as → Unicode text" writes
    UTF-16 LE with BOM, tab-separated), else ``,``."""
    line = first_line(source)
    return "\t" if line.count("\t") > line.count(",") else ","
