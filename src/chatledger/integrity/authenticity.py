"""Authenticity checks: what about a source suggests it is not the untouched export it claims to be.

They run at the end of every import, inside its transaction, and their findings are stored with the source
(``check_source(store, source_id)`` reads them back; ``chatledger check`` prints them). Each finding has a
severity, an English and a Chinese explanation, and names the messages it rests on (archive id, chat,
locator in the source). The checks:

* ``out_of_order`` — a run of messages written later in the file than a message with a later time (each run
  once, not every message). Files are read oldest first, Meta's newest first; e-mail is not checked (a
  mailbox has no order). WhatsApp is allowed a minute of disorder (messages queued offline).
* ``future`` — messages dated after the import (10 minutes of clock difference allowed).
* ``before_platform`` — messages dated before the platform existed (``PLATFORM_LAUNCH``).
* ``after_export`` — messages dated after the export's own time: stated by the export (DiscordChatExporter
  ``exportedAt``, ChatLab ``exportedAt``, LINE ``保存日時``/``Saved on``), a zip member's time (WhatsApp's
  "export chat" zip), else the file's modification time (weaker: copying can change it).
* ``duplicate_id`` — a platform message id twice in one file, with different content (HIGH) or the same
  (INFO); ``archive_conflict`` — an id the archive already holds from another source with different
  content. The conflicting copy is archived as its own message (``extra.duplicate_platform_id``), never
  dropped; a copy differing only in time keeps the archived message and the finding records both times.
* ``sequence_gap`` — missing ids where ids are sequential per chat: Telegram supergroups and channels
  (``channel…`` chats). Telegram's private chats and basic groups number messages per account, WeChat's
  ``localId`` counts per database, ``MsgSvrID`` and snowflakes are not sequential: those are not checked.
* ``edited``, ``recalled`` — counts and which messages carry edit or recall markers.
* ``mixed_offsets`` — one source written in several UTC offsets (two offsets an hour apart that switch at
  most twice a year are daylight saving time and not reported).
* ``name_change`` — a sender whose display name changes within the file (old → new, at which message).

Memory stays bounded: per chat and per sender a few numbers, at most ``MAX_LISTED`` messages per finding
and ``MAX_FINDINGS`` findings per check; the time-threshold checks are index range queries at the end.
"""

from __future__ import annotations

from collections.abc import Sequence

from chatledger.errors import NotCheckedError, NotFoundError
from chatledger.integrity.authenticity_checks import MAX_FINDINGS, MAX_LISTED, PLATFORM_LAUNCH, SourceChecks
from chatledger.integrity.authenticity_texts import HIGH, INFO, WARNING, export_time, when
from chatledger.model import AuthenticityFinding, Source
from chatledger.store.base import Store

__all__ = [
    "MAX_FINDINGS",
    "MAX_LISTED",
    "PLATFORM_LAUNCH",
    "SourceChecks",
    "check_source",
    "export_time",
    "find_source",
    "severity_counts",
    "when",
]


def check_source(store: Store, source_id: int) -> list[AuthenticityFinding]:
    """The authenticity findings recorded for a source, most serious first (then in the order found).

    Raises ``NotCheckedError`` for a source imported before chatledger ran these checks."""
    found = store.findings(source_id)
    if found is None:
        store.source(source_id)  # NotFoundError for an unknown id
        raise NotCheckedError(
            f"source {source_id} was imported before chatledger recorded authenticity checks; import its "
            "original into a new archive to check it."
        )
    order = {HIGH: 0, WARNING: 1, INFO: 2}
    return sorted(found, key=lambda f: (order[f.severity], f.id or 0))


def find_source(store: Store, ref: str) -> Source:
    """A source by archive id or by a prefix of its SHA-256 (at least 6 hex digits)."""
    sources = store.sources()
    if ref.isdigit():
        for source in sources:
            if str(source.id) == ref:
                return source
    wanted = ref.lower()
    matches = [s for s in sources if len(wanted) >= 6 and s.sha256.startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise NotFoundError(f"{ref!r} is the start of {len(matches)} sources' SHA-256; give more digits.")
    raise NotFoundError(
        f"no source with id or SHA-256 prefix {ref!r} (a prefix needs 6 or more hex digits); "
        "`chatledger sources` lists them."
    )


def severity_counts(findings: Sequence[AuthenticityFinding]) -> dict[str, int]:
    """How many findings of each severity, most serious first."""
    return {s.value: n for s in (HIGH, WARNING, INFO) if (n := sum(1 for f in findings if f.severity is s))}
