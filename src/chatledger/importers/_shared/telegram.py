"""What Telegram Desktop's two export formats (result.json, messages.html) share: the media folders.

``MEDIA_KINDS`` maps the JSON ``media_type`` (which the HTML reader derives from its media blocks) to a
message kind; ``MediaFiles`` finds and hashes the files an export names, beside it on disk or in its zip.
"""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path
from typing import Any

from chatledger.importers._shared.archives import names_as_written
from chatledger.importers._shared.media import digest
from chatledger.importers.base import ImportContext, SourceFile
from chatledger.model import Attachment, AttachmentStatus, MessageKind

MEDIA_KINDS = {
    "sticker": MessageKind.STICKER,
    "animation": MessageKind.VIDEO,
    "video_file": MessageKind.VIDEO,
    "video_message": MessageKind.VIDEO,
    "voice_message": MessageKind.VOICE,
    "audio_file": MessageKind.FILE,
}


class MediaFiles:
    """Finds the media files an export names, beside its file on disk or in the same .zip, and hashes them."""

    def __init__(self, source: SourceFile, ctx: ImportContext) -> None:
        self.source = source
        self.ctx = ctx
        self._zip: zipfile.ZipFile | None = None
        self._zip_names: dict[str, str] = {}  # name as written -> name zipfile opens
        self._zip_dir = posixpath.dirname(source.member_name or "")  # the export file's folder, as written
        self._base = source.path.parent.resolve() if source.member is None else None

    def move_to(self, member_name: str) -> None:
        """Resolve further paths beside another member of the same zip (another chat's page)."""
        self._zip_dir = posixpath.dirname(member_name)

    def attachment(
        self, value: Any, kind: MessageKind, default_name: str, obj: dict[str, Any], locator: str
    ) -> Attachment:
        mime = obj.get("mime_type") if isinstance(obj.get("mime_type"), str) else None
        stated_size = obj.get("file_size", obj.get("photo_file_size"))
        size = stated_size if isinstance(stated_size, int) else None
        if not isinstance(value, str) or not value or (value.startswith("(") and value.endswith(")")):
            # "(File not included. ...)", "(File exceeds maximum size. ...)", "(File unavailable, ...)"
            return Attachment(default_name, kind, AttachmentStatus.NOT_EXPORTED, None, size, mime_type=mime)
        found = self._hash(value, locator)
        name = posixpath.basename(value) or default_name
        if found is None:
            return Attachment(name, kind, AttachmentStatus.MISSING, value, size, mime_type=mime)
        real_size, sha256, md5 = found
        return Attachment(name, kind, AttachmentStatus.PRESENT, value, real_size, sha256, md5, mime)

    def _hash(self, relative: str, locator: str) -> tuple[int, str, str] | None:
        if relative.startswith(("/", "\\")) or ".." in Path(relative).parts:
            self.ctx.warn(locator, f"media path {relative!r} leaves the export folder; not read")
            return None
        if self._base is not None:
            path = self._base / relative
            if not path.is_file():
                return None
            with open(path, "rb") as stream:
                return digest(stream)
        if self._zip is None:
            self._zip = zipfile.ZipFile(self.source.path)
            self._zip_names = names_as_written(self._zip)
        member = self._zip_names.get(posixpath.normpath(posixpath.join(self._zip_dir, relative)))
        if member is None:
            return None
        with self._zip.open(member) as stream:
            return digest(stream)

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
