"""Every error chatledger raises, in one tree.

ChatledgerError                  anything chatledger reports (CLI exit 1)
├── InputError                   the user's input is wrong; shown without traceback (CLI exit 2)
│   ├── UnknownFormatError       no importer recognises a file
│   ├── ImportFormatError        a file's content is malformed at a place we can name
│   ├── EmptySourceError         a file holds no messages
│   ├── SourceEncodingError      a file's bytes decode in no supported encoding
│   └── NotFoundError            a named chat, source or message does not exist
├── NotCheckedError              a source was imported before authenticity checks were recorded
└── ArchiveError                 the archive itself cannot be used (schema too new, unreadable)
"""

from __future__ import annotations


class ChatledgerError(Exception):
    """Base of every error chatledger raises on purpose."""


class InputError(ChatledgerError):
    """The user's input is wrong; the message says where and, when possible, how to fix it."""


class UnknownFormatError(InputError):
    def __init__(self, path: str, tried: list[tuple[str, float]], available: list[str]) -> None:
        scores = ", ".join(f"{name} ({score:.2f})" for name, score in tried) or "none matched"
        super().__init__(
            f"{path}: unknown export format. Formats tried: {scores}. "
            f"Force one with --format, one of: {', '.join(available)}."
        )
        self.path = path
        self.tried = tried


class ImportFormatError(InputError):
    """Malformed content; names the file, the place (line or JSON path), the field, expected and found."""

    def __init__(
        self,
        path: str,
        locator: str,
        *,
        expected: str,
        found: str,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        where = f"{path}, {locator}" if locator else path
        what = f" field {field!r}:" if field else ""
        shown = found if len(found) <= 120 else found[:117] + "..."
        message = f"{where}:{what} expected {expected}, found {shown!r}."
        if hint:
            message += f" {hint}"
        super().__init__(message)
        self.path = path
        self.locator = locator
        self.field = field
        self.expected = expected
        self.found = found


class EmptySourceError(InputError):
    def __init__(self, path: str, format_name: str) -> None:
        super().__init__(f"{path}: no messages found (read as {format_name}). Nothing was imported.")
        self.path = path


class SourceEncodingError(InputError):
    def __init__(self, path: str, tried: list[str]) -> None:
        super().__init__(
            f"{path}: the bytes are not text in any supported encoding (tried {', '.join(tried)}). "
            "Re-save the file as UTF-8."
        )
        self.path = path


class NotFoundError(InputError):
    """A chat, source or message the user named does not exist."""


class ArchiveError(ChatledgerError):
    """The archive cannot be opened or used as it is."""


class NotCheckedError(ChatledgerError):
    """A source imported before chatledger recorded authenticity checks has no findings to show."""
