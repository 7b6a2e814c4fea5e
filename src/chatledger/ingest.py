"""Import exports into the archive: hash → keep the original → detect → parse → store, in one transaction."""

from __future__ import annotations

import gc
import getpass
import hashlib
import multiprocessing
import os
import pickle
import re
import shutil
import signal
import tempfile
import traceback
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chatledger import __version__, importers
from chatledger.errors import ChatledgerError, EmptySourceError, InputError, NotFoundError, UnknownFormatError
from chatledger.importers._shared.encodings import CHUNK, Utf8Validator
from chatledger.importers.base import ImportContext, Importer, SourceFile
from chatledger.integrity import ledger
from chatledger.integrity.authenticity import SourceChecks, severity_counts
from chatledger.integrity.canonical import (
    key_by_content,
    key_by_platform_id,
    message_evidence,
    message_leaf_hash,
    normalise_text,
    source_evidence,
    source_leaf_hash,
)
from chatledger.model import (
    Conversation,
    Message,
    MessageKind,
    Participant,
    Platform,
    Source,
    TimePrecision,
    by_value,
)
from chatledger.search.tokens import index_characters, index_tokens
from chatledger.store import SOURCE_LEAF, KeyCollision, NewMessage, SourceCoverage, Store

BATCH = 5000  # messages written at once: a batch is written when at least this many are pending
_MAX_ORDINAL_PROBES = 1_000_000
PROCESS_MIN_BYTES = 2 << 20
"""Files at least this large are parsed in a worker process (where ``fork`` exists); below it the
process start-up costs more than the second core saves."""
_SHIP = 2000  # parsed items per batch the worker process sends
_DIGIT_RUNS = re.compile(r"(\d+)")


class ImportProgress(Protocol):
    """Receives progress; the CLI draws it, library callers may pass None."""

    def start_file(self, name: str, total_bytes: int) -> None: ...

    def advance_bytes(self, n: int) -> None: ...

    def advance_messages(self, n: int) -> None: ...

    def finish_file(self) -> None: ...


class _NoProgress:
    def start_file(self, name: str, total_bytes: int) -> None:
        pass

    def advance_bytes(self, n: int) -> None:
        pass

    def advance_messages(self, n: int) -> None:
        pass

    def finish_file(self) -> None:
        pass


@dataclass
class ConversationImport:
    """What one source brought for one conversation."""

    conversation_id: int
    platform: str
    title: str
    messages: int = 0
    new: int = 0
    first_ts_ms: int = 0
    last_ts_ms: int = 0
    absent: int = 0  # archived messages inside this span that the source lacks


@dataclass
class SourceImport:
    """The outcome for one file: ``imported``, ``already_imported`` or ``skipped`` (with a reason)."""

    path: str
    status: str
    sha256: str = ""
    md5: str = ""
    size: int = 0
    format: str = ""
    encoding: str | None = None
    source_id: int | None = None
    messages: int = 0
    new: int = 0
    conversations: list[ConversationImport] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    reason: str = ""
    findings: dict[str, int] = field(default_factory=dict)  # authenticity findings by severity


@dataclass
class ImportResult:
    sources: list[SourceImport]

    @property
    def messages(self) -> int:
        return sum(s.messages for s in self.sources)

    @property
    def new(self) -> int:
        return sum(s.new for s in self.sources)


@dataclass
class ImportOptions:
    """How to read the files: forced format, the zone of naive times, importer options, who "I" am."""

    format: str | None = None
    zone_name: str | None = None
    options: dict[str, str] = field(default_factory=dict)
    me: tuple[str, ...] = ()
    chat: str | None = None


def local_zone_name() -> str:
    """The machine's IANA zone name (``UTC`` when it cannot be told)."""
    try:
        from tzlocal import get_localzone_name

        return get_localzone_name() or "UTC"
    except Exception:  # tzlocal raises several kinds on unusual systems
        return "UTC"


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"--tz {name!r} is not an IANA time zone (e.g. Asia/Shanghai, Europe/Berlin, UTC)."
        ) from None


def _expand(paths: Iterable[Path]) -> Iterator[tuple[Path, bool]]:
    """Files to import, with whether the user named them directly (a folder's files are offered, not demanded).

    A folder's files come in natural order (``messages2.html`` before ``messages10.html``, ``message_9.json``
    before ``message_10.json``): the order of a paginated export's parts, which breaks ties in time."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*"), key=_natural_key):
                if child.is_file() and not any(
                    part.startswith(".") for part in child.relative_to(path).parts
                ):
                    yield child, False
        elif path.is_file():
            yield path, True
        else:
            raise InputError(f"{path}: no such file or folder.")


def _natural_key(path: Path) -> tuple[tuple[tuple[tuple[int, int | str], ...], str], ...]:
    """Each path part as its stem split into runs of digits (compared as numbers) and of other characters,
    then its suffix: ``messages.html`` < ``messages2.html`` < ``messages10.html``."""
    key = []
    for part in path.parts:
        stem, dot, suffix = part.rpartition(".") if "." in part.lstrip(".") else (part, "", "")
        runs = tuple((0, int(run)) if run.isdigit() else (1, run) for run in _DIGIT_RUNS.split(stem) if run)
        key.append((runs, dot + suffix))
    return tuple(key)


@dataclass
class _Hashed:
    sha256: str
    md5: str
    size: int
    utf8_valid: bool
    temp_copy: Path


def _hash_and_copy(path: Path, staging: Path, progress: ImportProgress) -> _Hashed:
    """Read the original once: SHA-256, MD5, UTF-8 validity, and a private copy for the archive."""
    sha256, md5, validator = hashlib.sha256(), hashlib.md5(usedforsecurity=False), Utf8Validator()
    size = 0
    handle, temp_name = tempfile.mkstemp(dir=staging, prefix="import-")
    with os.fdopen(handle, "wb") as copy, open(path, "rb") as original:
        while chunk := original.read(CHUNK):
            sha256.update(chunk)
            md5.update(chunk)
            validator.feed(chunk)
            copy.write(chunk)
            size += len(chunk)
            progress.advance_bytes(len(chunk))
    validator.feed(b"", final=True)
    return _Hashed(sha256.hexdigest(), md5.hexdigest(), size, validator.valid, Path(temp_name))


class _Importer:
    """One import run over many files: a single transaction, originals kept only if it commits."""

    def __init__(
        self,
        store: Store,
        originals_dir: Path,
        options: ImportOptions,
        progress: ImportProgress,
        key: ledger.LogKey,
    ) -> None:
        self.store = store
        self.key = key
        self.originals_dir = originals_dir
        self.options = options
        self.progress = progress
        self.zone_name = options.zone_name or local_zone_name()
        self.zone = _zone(self.zone_name)
        self.forced: Importer | None = importers.get(options.format) if options.format else None
        self.staged: list[tuple[Path, Path]] = []  # (temp copy, final path)
        self.chat_target: Conversation | None = None

    def run(self, paths: Sequence[Path]) -> ImportResult:
        self.originals_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=self.originals_dir, prefix=".staging-"))
        results: list[SourceImport] = []
        placed: list[Path] = []
        ledger.ensure_ledger(self.store, self.key)  # an archive from before the log gets one first
        try:
            with self.store.transaction():
                if self.options.chat:
                    self.chat_target = _resolve_chat(self.store, self.options.chat)
                files = list(_expand(paths))
                for path, named in files:
                    results.append(self._import_file(path, named, staging))
                if not any(r.status == "imported" for r in results) and not any(
                    r.status == "already_imported" for r in results
                ):
                    reasons = "; ".join(f"{r.path}: {r.reason}" for r in results) or "no files found"
                    raise InputError(f"nothing to import ({reasons}).")
                if ledger.needs_head(self.store):
                    ledger.sign_head(self.store, self.key)
                placed = self._place_originals()
        except BaseException:
            for final in placed:
                final.unlink(missing_ok=True)
            raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return ImportResult(results)

    def _place_originals(self) -> list[Path]:
        placed = []
        for temp, final in self.staged:
            if final.exists():
                continue
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temp, final)
            final.chmod(0o444)
            placed.append(final)
        return placed

    def _import_file(self, path: Path, named: bool, staging: Path) -> SourceImport:
        size = path.stat().st_size
        self.progress.start_file(path.name, size)
        try:
            hashed = _hash_and_copy(path, staging, self.progress)
            known = self.store.source_by_sha256(hashed.sha256)
            if known is not None:
                return SourceImport(
                    str(path),
                    "already_imported",
                    hashed.sha256,
                    hashed.md5,
                    hashed.size,
                    known.format,
                    known.encoding,
                    known.id,
                    reason=f"already imported as source {known.id}",
                )
            source_file = SourceFile(path, on_bytes=self.progress.advance_bytes)
            source_file.utf8_valid = hashed.utf8_valid
            try:
                plan = self._plan(source_file)
            except UnknownFormatError as exc:
                if named:
                    raise
                return SourceImport(
                    str(path), "skipped", hashed.sha256, hashed.md5, hashed.size, reason=str(exc)
                )
            if hashed.size == 0:
                raise EmptySourceError(str(path), plan[0][1].name)
            final = self.originals_dir / hashed.sha256[:2] / hashed.sha256
            self.staged.append((hashed.temp_copy, final))
            return self._parse_into_archive(path, hashed, plan)
        finally:
            self.progress.finish_file()

    def _plan(self, source: SourceFile) -> list[tuple[SourceFile, Importer]]:
        """Which importer reads which part: the file itself, or (for an unclaimed .zip) its members."""
        if self.forced is not None:
            return [(source, self.forced)]
        try:
            return [(source, importers.detect(source))]
        except UnknownFormatError:
            if not source.is_zip:
                raise
        plan = []
        for member in source.zip_names():
            part = source.member_file(member)
            try:
                plan.append((part, importers.detect(part)))
            except UnknownFormatError:
                continue
        if not plan:
            raise UnknownFormatError(source.name, [], [i.name for i in importers.available()])
        return plan

    def _parse_into_archive(
        self, path: Path, hashed: _Hashed, plan: list[tuple[SourceFile, Importer]]
    ) -> SourceImport:
        formats = sorted({imp.name for _, imp in plan})
        stat = path.stat()
        source = Source(
            original_name=path.name,
            original_path=str(path.resolve()),
            size=hashed.size,
            sha256=hashed.sha256,
            md5=hashed.md5,
            format=",".join(formats),
            importer_version=",".join(sorted({imp.version for _, imp in plan})),
            chatledger_version=__version__,
            imported_at=datetime.now(UTC),
            imported_by=_user(),
            timezone=self.zone_name,
            modified_at=datetime.fromtimestamp(stat.st_mtime, UTC),
        )
        source_id = self.store.add_source(source)
        result = SourceImport(
            str(path), "imported", hashed.sha256, hashed.md5, hashed.size, source.format, source_id=source_id
        )
        meta: dict[str, Any] = {}
        members = [part.member for part, _ in plan if part.member]
        checks = SourceChecks(self.store, source, source_id, formats=formats, path=path, members=members)
        writer = _MessageWriter(self.store, source_id, self.chat_target, hashed.sha256, checks)
        encodings = []
        parsing = _Parsing(
            plan,
            self.zone,
            self.zone_name,
            self.options,
            self.chat_target.platform_id if self.chat_target else None,
            hashed.sha256,
        )
        in_worker = hashed.size >= PROCESS_MIN_BYTES and _FORK is not None
        # No savepoint of its own: the import's one transaction (``run``) already leaves nothing behind on
        # any error, and in a large archive a savepoint keeps a copy of every page the file's rows change
        # (its sub-journal grew by ≈ 3 KB a message, 1.2 GB for 1e6 messages into 5e6, measured).
        with (
            _collecting_per_batch(),
            _in_worker(parsing, self.progress) if in_worker else _in_process(parsing) as events,
        ):
            for event in events:
                if isinstance(event, _PartEnd):
                    self.progress.advance_messages(writer.flush())
                    gc.collect(1)
                    result.warnings.extend(event.warnings)
                    meta.update(event.meta)
                    if event.encoding is not None:  # only text formats decode
                        encodings.append(event.encoding)
                    continue
                writer.add_all(event)
                if writer.pending_count >= BATCH:
                    self.progress.advance_messages(writer.flush())
                    gc.collect(1)  # after the batch is written: only what outlives it is traversed
            writer.finish()
            if writer.messages == 0:
                raise EmptySourceError(str(path), source.format)
            result.encoding = ",".join(sorted(set(encodings))) or None
            if result.encoding:
                meta["encoding"] = result.encoding
            if result.warnings:
                meta["warnings"] = result.warnings[:100]
            result.messages, result.new = writer.messages, writer.new
            result.conversations = writer.conversation_results()
            self.store.finish_source(
                source_id,
                message_count=writer.messages,
                new_message_count=writer.new,
                conversation_count=len(result.conversations),
                encoding=result.encoding,
                meta=meta,
            )
            result.findings = severity_counts(checks.finish(meta))
            custody = source_leaf_hash(source_evidence(self.store.source(source_id)))
            self.store.append_leaves(SOURCE_LEAF, [(source_id, custody)])
        return result


_Prepared = tuple[Message, str, str, str, bytes, str, bytes, str]
"""A parsed message made ready where it was parsed: the message, its platform (value), the chat id its key was
computed with, its normalised text, its first identity key (ordinal 0), its search-index tokens, its ledger
leaf hash (for that key) and its distinct index characters (``NewMessage.chars``)."""
_Item = _Prepared | Conversation | Participant


@dataclass
class _PartEnd:
    """One part of the plan is parsed: what its importer noticed, and the encoding it decoded."""

    warnings: list[str]
    meta: dict[str, Any]
    encoding: str | None


_Event = list[_Item] | _PartEnd


@dataclass
class _Parsing:
    """Parsing one file: everything that needs no archive, so that a forked worker process can do it."""

    plan: list[tuple[SourceFile, Importer]]
    zone: ZoneInfo
    zone_name: str
    options: ImportOptions
    chat_identity: str | None  # with --chat, messages are keyed in the target chat
    source_sha256: str

    def events(self) -> Iterator[_Event]:
        """Batches of prepared items, each part followed by its ``_PartEnd``."""
        for part, importer in self.plan:
            ctx = ImportContext(
                zone=self.zone,
                zone_name=self.zone_name,
                options=dict(self.options.options),
                me=self.options.me,
            )
            batch: list[_Item] = []
            for item in importer.parse(part, ctx):
                if isinstance(item, Message):
                    batch.append(_prepare(item, importer.platform, self.chat_identity, self.source_sha256))
                elif isinstance(item, (Conversation, Participant)):
                    batch.append(item)
                else:
                    raise ChatledgerError(f"importer yielded {type(item).__name__}; expected a model object")
                if len(batch) >= _SHIP:
                    yield batch
                    batch = []
            if batch:
                yield batch
            yield _PartEnd(ctx.warnings, ctx.meta, part.encoding_used)


def _first_key(message: Message, platform: str, chat: str, text: str) -> bytes:
    """The identity key with ordinal 0; ``text`` is the normalised text."""
    if message.platform_msg_id:
        return key_by_platform_id(platform, chat, message.platform_msg_id)
    return key_by_content(platform, chat, message.sender, message.ts_ms, message.kind, text, 0)


def _message_leaf(
    message: Message, platform: str, chat: str, key: bytes, ordinal: int, source_sha256: str
) -> bytes:
    return message_leaf_hash(message_evidence(message, platform, chat, key, ordinal, source_sha256))


def _prepare(
    message: Message, platform: Platform, chat_identity: str | None, source_sha256: str
) -> _Prepared:
    value = (message.platform or platform).value  # a multi-platform file (canonical JSONL) names its own
    chat = message.conversation if chat_identity is None else chat_identity
    text = normalise_text(message.text)
    key = _first_key(message, value, chat, text)
    leaf = _message_leaf(message, value, chat, key, 0, source_sha256)
    tokens = index_tokens(message.text)
    return message, value, chat, text, key, tokens, leaf, index_characters(tokens)


@contextmanager
def _collecting_per_batch() -> Iterator[None]:
    """Importing allocates millions of short-lived, acyclic containers; the collector's own pace (a pass
    every 700 allocations, whole-heap passes as the caches grow) cost a quarter of an import (measured).
    Automatic collection pauses; the loops run ``gc.collect(1)`` once a batch (the writer's, once it is
    written), which still frees any cycles a parser leaves behind."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def _in_process(parsing: _Parsing) -> Iterator[Iterator[_Event]]:
    yield parsing.events()


# -- the worker process ---------------------------------------------------------------------------
# Parsing, normalising, keying and tokenising run in a forked child (fork: importers registered at run
# time exist there too); the parent resolves rows and identity repeats and writes. Batches travel as
# pickled tuples of primitives (pickled Messages cost about twice as much, measured); the pipe blocks the
# child when the parent falls behind, so at most a few batches (a 1 MiB pipe) are in flight.

_FORK = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None
_KINDS: dict[str, Any] = by_value(MessageKind)
_PRECISIONS: dict[str, Any] = by_value(TimePrecision)
_PLATFORMS: dict[str | None, Any] = {p.value: p for p in Platform} | {None: None}


def _freeze(m: Message) -> tuple[Any, ...]:
    """A Message as primitives (every field, in declaration order; enums by value)."""
    return (
        m.conversation,
        m.sender,
        m.ts_ms,
        str(m.kind),
        m.text,
        m.utc_offset_min,
        str(m.precision),
        m.sender_name,
        m.platform_msg_id,
        m.reply_to,
        m.forwarded_from,
        m.edited_ts_ms,
        m.attachments,
        m.extra,
        m.locator,
        m.ordinal,
        m.key,
        m.id,
        None if m.platform is None else str(m.platform),
        m.conversation_id,
    )


def _thaw(row: tuple[Any, ...]) -> Message:
    (conversation, sender, ts_ms, kind, text, offset, precision, sender_name, msg_id, reply_to, forwarded,
     edited, attachments, extra, locator, ordinal, key, ident, platform, conversation_id) = row  # fmt: skip
    return Message(
        conversation, sender, ts_ms, _KINDS.get(kind, kind), text, offset, _PRECISIONS.get(precision, precision),
        sender_name, msg_id, reply_to, forwarded, edited, attachments, extra, locator, ordinal, key, ident,
        _PLATFORMS.get(platform, platform), conversation_id,
    )  # fmt: skip


def _work(parsing: _Parsing, sender: Connection) -> None:
    """The worker: ship ``(event, bytes read, error)`` until the event is None or an error ends it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it rolls back and ends us
    read = 0

    def count(n: int) -> None:
        nonlocal read
        read += n

    for part, _ in parsing.plan:
        part.on_bytes = count
    try:
        for event in parsing.events():
            if isinstance(event, list):
                shipped: Any = [(_freeze(i[0]), *i[1:]) if type(i) is tuple else i for i in event]
            else:
                shipped = event
            sender.send_bytes(pickle.dumps((shipped, read, None), pickle.HIGHEST_PROTOCOL))
            read = 0
            gc.collect(1)
        sender.send_bytes(pickle.dumps((None, read, None), pickle.HIGHEST_PROTOCOL))
    except BaseException as exc:  # handed to the parent, which raises it
        sender.send_bytes(pickle.dumps((None, read, _portable(exc)), pickle.HIGHEST_PROTOCOL))
    finally:
        sender.close()


def _portable(exc: BaseException) -> tuple[tuple[Any, ...], str]:
    """What of an exception survives the trip, with the worker's traceback: the exception itself, else
    its class, args and attributes (an ``__init__`` taking other arguments than ``args`` does not
    unpickle), else its text."""
    detail = "".join(traceback.format_exception(exc))
    for payload in ((exc,), (type(exc), exc.args, vars(exc))):
        try:
            copy = _rebuild(*pickle.loads(pickle.dumps(payload)))
        except Exception:
            continue
        if type(copy) is type(exc) and str(copy) == str(exc):
            return payload, detail
    return (ChatledgerError, (f"{type(exc).__name__}: {exc}",), {}), detail


def _rebuild(kind: Any, args: tuple[Any, ...] = (), state: dict[str, Any] | None = None) -> BaseException:
    if isinstance(kind, BaseException):
        return kind
    exc: BaseException = kind.__new__(kind, *args)
    exc.args = args
    exc.__dict__.update(state or {})
    return exc


@contextmanager
def _in_worker(parsing: _Parsing, progress: ImportProgress) -> Iterator[Iterator[_Event]]:
    """Parse in a worker process; on any failure here it is ended before the caller rolls back."""
    assert _FORK is not None
    receiver, sender = _FORK.Pipe(duplex=False)
    _widen(receiver)
    worker = _FORK.Process(target=_work, args=(parsing, sender), name="chatledger-parser", daemon=True)
    worker.start()
    sender.close()
    try:
        yield _received(receiver, worker, progress)
    except BaseException:
        worker.kill()
        raise
    finally:
        receiver.close()
        worker.join()


def _widen(pipe: Connection) -> None:
    """A 1 MiB pipe buffer (Linux; else the default 64 KiB): the worker runs a few batches ahead while
    the parent writes, instead of stopping at each write."""
    import fcntl

    with suppress(OSError):
        fcntl.fcntl(pipe.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)


def _received(receiver: Connection, worker: BaseProcess, progress: ImportProgress) -> Iterator[_Event]:
    """The worker's events, as in process; its error raised here, its bytes read counted."""
    while True:
        try:
            event, read, error = pickle.loads(receiver.recv_bytes())
        except EOFError:
            worker.join()
            raise ChatledgerError(
                f"the parsing process ended unexpectedly (exit code {worker.exitcode})"
            ) from None
        if read:
            progress.advance_bytes(read)
        if error is not None:
            payload, detail = error
            exc = _rebuild(*payload)
            if not isinstance(exc, ChatledgerError):
                exc.add_note(f"raised in the parsing process:\n{detail}")
            raise exc
        if event is None:
            return
        if isinstance(event, list):
            yield [(_thaw(i[0]), *i[1:]) if type(i) is tuple else i for i in event]
        else:
            yield event


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _resolve_chat(store: Store, ref: str) -> Conversation:
    found = store.find_conversations(ref)
    if len(found) != 1:
        listed = ", ".join(f"{c.id} {c.title!r}" for c in found[:10])
        raise NotFoundError(
            f"--chat {ref!r} matches {len(found)} chats{': ' + listed if listed else ''}; name exactly one "
            "(`chatledger chats` lists them)."
        )
    return found[0]


_Pending = tuple[Message, int, int | None, str, str, bytes, str, bytes, str]
"""A parsed message: conversation row, sender row, platform, normalised text, first identity key, tokens, the
leaf hash for that key, and the index characters."""


class _MessageWriter:
    """Resolves conversations, senders and message identity, and writes messages in batches."""

    def __init__(
        self,
        store: Store,
        source_id: int,
        chat_target: Conversation | None,
        source_sha256: str,
        checks: SourceChecks,
    ) -> None:
        self.store = store
        self.checks = checks
        self.source_id = source_id
        self.source_sha256 = source_sha256
        self.chat_target = chat_target
        self.conversations: dict[tuple[str, str], int] = {}  # (platform, platform id) -> row id
        self.created: set[int] = set()  # chats this import created: none of their keys can exist yet
        self.identity: dict[int, str] = {}  # row id -> the platform id keys are computed with
        self.conversation_meta: dict[int, ConversationImport] = {}
        # platform -> platform id -> row id, and the name ensure_participant archived with a handle when it
        # differs from the id. Lean on purpose: a 10 M-message group chat has 560 k senders (tuple keys and
        # a set of names per sender took 200 MB more).
        self.participants: dict[str, dict[str, int]] = {}
        self.archived_names: dict[int, str] = {}
        self.aliases: dict[int, set[str]] = {}  # row id -> further names seen, archived by finish()
        self.pending: list[_Pending] = []
        self.messages = 0
        self.new = 0

    @property
    def pending_count(self) -> int:
        return len(self.pending)

    def add_all(self, items: list[_Item]) -> None:
        add_message = self._add_message
        for item in items:
            if type(item) is tuple:
                add_message(*item)
            elif isinstance(item, Conversation):
                self._conversation(item)
            elif isinstance(item, Participant):
                self._participant(item)

    def _conversation(self, conversation: Conversation) -> int:
        original_id, original_platform = conversation.platform_id, conversation.platform.value
        if self.chat_target is not None:
            if conversation.platform != self.chat_target.platform:
                raise InputError(
                    f"--chat names a {self.chat_target.platform} chat but the file is {conversation.platform}."
                )
            conversation = self.chat_target
        conversation_id, created = self.store.ensure_conversation(conversation)
        if created:
            self.created.add(conversation_id)
        self.conversations[original_platform, original_id] = conversation_id
        self.identity[conversation_id] = conversation.platform_id
        self.conversation_meta.setdefault(
            conversation_id,
            ConversationImport(conversation_id, conversation.platform.value, conversation.title),
        )
        return conversation_id

    def _participant(self, participant: Participant) -> int:
        participant_id = self.store.ensure_participant(participant)
        self.participants.setdefault(participant.platform.value, {})[participant.platform_id] = participant_id
        if participant.display_name != participant.platform_id:
            self.archived_names[participant_id] = participant.display_name
        return participant_id

    def _add_message(
        self,
        message: Message,
        platform: str,
        chat: str,
        text: str,
        key: bytes,
        tokens: str,
        leaf: bytes,
        chars: str,
    ) -> None:
        conversation_id = self.conversations.get((platform, message.conversation))
        if conversation_id is None:
            conversation_id = self._conversation(
                Conversation(Platform(platform), message.conversation, message.conversation)
            )
        sender_id = None
        if message.sender is not None:
            handles = self.participants.get(platform)
            sender_id = handles.get(message.sender) if handles is not None else None
            if sender_id is None:
                sender_id = self._participant(
                    Participant(Platform(platform), message.sender, message.sender_name or message.sender)
                )
            name = message.sender_name
            if name and name != self.archived_names.get(sender_id, message.sender):
                names = self.aliases.get(sender_id)
                if names is None:
                    self.aliases[sender_id] = {name}
                else:
                    names.add(name)
        if chat != self.identity[conversation_id]:  # the parser could not know the chat's identity
            chat = self.identity[conversation_id]
            key = _first_key(message, platform, chat, text)
            leaf = _message_leaf(message, platform, chat, key, 0, self.source_sha256)
        self.pending.append((message, conversation_id, sender_id, platform, text, key, tokens, leaf, chars))
        meta = self.conversation_meta[conversation_id]
        ts_ms = message.ts_ms
        if meta.messages == 0:
            meta.first_ts_ms = meta.last_ts_ms = ts_ms
        elif ts_ms < meta.first_ts_ms:
            meta.first_ts_ms = ts_ms
        elif ts_ms > meta.last_ts_ms:
            meta.last_ts_ms = ts_ms
        meta.messages += 1
        meta.new += 1  # the writer takes back those it finds archived already

    def flush(self) -> int:
        """Write the pending messages; returns how many were written."""
        if not self.pending:
            return 0
        items = self.pending
        self.pending = []
        try:
            return self._write(items, look_up_all=False)
        except KeyCollision:
            # A repeat of a message written in an earlier batch of a chat this import created.
            return self._write(items, look_up_all=True)

    def _write(self, items: list[_Pending], *, look_up_all: bool) -> int:
        created = self.created
        lookup = [item[5] for item in items if look_up_all or item[1] not in created]
        known = self.store.known_keys(self.source_id, lookup) if lookup else {}
        if known:
            self.checks.hold_conflicts(items, known)  # a copy differing from the archived one is kept
        # Every message new and distinct, as most are; then only repeats and archived ones are revisited.
        batch = [
            NewMessage(m, key, 0, conversation_id, sender_id, None, tokens, leaf, chars)
            for m, conversation_id, sender_id, _, _, key, tokens, leaf, chars in items
        ]
        if known or len({item[5] for item in items}) != len(items):
            self._resolve(items, batch, known, look_up_all=look_up_all)
        new = self.store.add_messages(self.source_id, batch)
        self.checks.observe(items, batch)
        self.new += new
        if new != len(batch):
            for item in batch:
                if item.existing_id is not None:
                    self.conversation_meta[item.conversation_id].new -= 1
        self.messages += len(batch)
        return len(batch)

    def _resolve(
        self,
        items: list[_Pending],
        batch: list[NewMessage],
        known: dict[bytes, tuple[int, bool]],
        *,
        look_up_all: bool,
    ) -> None:
        """Identity in ``batch`` (``items`` as new messages) for repeats and messages already archived."""
        taken: set[bytes] = set()
        for index, (message, conversation_id, sender_id, platform, text, key, tokens, _, chars) in enumerate(
            items
        ):
            if key in taken or (key in known and known[key][1]):
                message, key, ordinal = self._next_identity(
                    message, conversation_id, platform, text, taken, known, look_up=look_up_all
                )
                chat = self.identity[conversation_id]
                leaf = _message_leaf(message, platform, chat, key, ordinal, self.source_sha256)
                existing = known.get(key)
                batch[index] = NewMessage(
                    message,
                    key,
                    ordinal,
                    conversation_id,
                    sender_id,
                    existing[0] if existing else None,
                    tokens,
                    leaf,
                    chars,
                )
            elif key in known:
                batch[index] = batch[index]._replace(existing_id=known[key][0])
            taken.add(key)

    def _next_identity(
        self,
        message: Message,
        conversation_id: int,
        platform: str,
        text: str,
        taken: set[bytes],
        known: dict[bytes, tuple[int, bool]],
        *,
        look_up: bool,
    ) -> tuple[Message, bytes, int]:
        """This source already holds a message with this key: a genuine repeat ("ok" twice in one second)
        or a platform id the export reuses. Never drop it: take the next free ordinal of its content key."""
        if message.platform_msg_id:
            message = replace(message, extra={**(message.extra or {}), "duplicate_platform_id": True})
        conversation = self.identity[conversation_id]
        for ordinal in range(_MAX_ORDINAL_PROBES):
            if message.platform_msg_id is None and ordinal == 0:
                continue
            key = key_by_content(
                platform, conversation, message.sender, message.ts_ms, message.kind, text, ordinal
            )
            if key not in known and (look_up or conversation_id not in self.created):
                known.update(self.store.known_keys(self.source_id, [key]))
            if key not in taken and not (key in known and known[key][1]):
                return message, key, ordinal
        raise ChatledgerError(f"cannot give {message.locator} a unique identity")

    def finish(self) -> None:
        self.flush()
        for participant_id, names in self.aliases.items():
            self.store.add_aliases(participant_id, sorted(names))
        for meta in self.conversation_meta.values():
            if meta.messages:
                self.store.record_coverage(
                    SourceCoverage(
                        self.source_id, meta.conversation_id, meta.messages, meta.first_ts_ms, meta.last_ts_ms
                    )
                )
                if meta.conversation_id not in self.created:
                    meta.absent = self.store.count_absent_from_source(self.source_id, meta.conversation_id)

    def conversation_results(self) -> list[ConversationImport]:
        return [m for m in self.conversation_meta.values() if m.messages]


def import_paths(
    store: Store,
    paths: Sequence[Path],
    *,
    originals_dir: Path,
    options: ImportOptions | None = None,
    progress: ImportProgress | None = None,
    key_path: Path | None = None,
) -> ImportResult:
    """Import files, folders and .zip exports as one transaction; on any error the archive is unchanged.

    Each original is hashed (SHA-256, MD5) and kept read-only under ``originals_dir``; a file whose
    hash is already archived is reported and skipped; messages already archived gain a sighting only.
    Every new message and source becomes a leaf of the archive's Merkle log, and the import ends with a
    tree head signed by the key at ``key_path`` (default ``<db>.key`` beside ``<db>-originals``; created
    if missing).
    """
    key, _ = ledger.ensure_key(key_path or ledger.key_path_beside(originals_dir))
    return _Importer(store, originals_dir, options or ImportOptions(), progress or _NoProgress(), key).run(
        paths
    )
