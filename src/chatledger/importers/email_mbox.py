"""E-mail: an mbox mailbox (``email-mbox``) or one RFC 5322 message (``email-eml``).

Parsing uses the stdlib ``email`` package with ``policy.default`` (FORMATS.md §12), except that a parsed
header is remembered by (name, value): the package parses a header again on every read (Content-Type three
times per part), and senders, recipients and content types repeat across a mailbox.

mbox splitting. ``mailbox.mbox`` starts a message at *every* line beginning ``From ``, so the CPython
sample's unquoted ``From time to time`` body line would split a message in two. This importer streams
the file itself and starts a message only at a real separator: ``From <sender> <asctime date>``
(extra text after the date is allowed). Quoted ``>From`` body lines are kept as written (mboxo and
mboxrd cannot be told apart, and the archive keeps what the file says).

Conversations are threads: the Gmail thread id (``X-GM-THRID``) when present, else the first id of
``References`` / ``In-Reply-To`` (the thread root) or a thread already seen holding one of them, else
the message's own ``Message-ID``; messages with none of these join the thread of the same normalised
subject (``Re:``, ``Fwd:``, ``回复：``, ... stripped). Because the file is streamed, a reply that
arrives before its parent and names only ``In-Reply-To`` may start its own thread.

Times come from ``Date:`` with its offset (``-0000`` is UTC, zone unknown; a date without any zone
is read as ``--tz`` wall-clock time, both flagged ``extra.date_zone_unknown``). A message without ``Date:`` takes
its mbox separator's date (UTC as RFC 4155 has it, unless the line carries a ``+hhmm`` offset), else the date of
its newest ``Received:`` header (the topmost with one), each with a warning and ``extra.date_source`` saying
which; with neither it is an error.
Bodies: inline ``text/plain`` parts (else ``text/html`` stripped to text), each decoded with its
declared charset (GB2312/GBK read as GB18030, in encoded-word headers too), else as UTF-8 or GB18030
with a warning. Attachments are hashed from their decoded bytes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email.headerregistry import Address
from email.message import EmailMessage
from email.message import Message as MimePart
from email.parser import BytesParser
from email.policy import EmailPolicy
from email.utils import parsedate_tz
from html.parser import HTMLParser
from typing import Any, BinaryIO, ClassVar, cast

from chatledger.errors import ImportFormatError
from chatledger.importers import register
from chatledger.importers.base import ImportContext, SourceFile
from chatledger.model import (
    Attachment,
    AttachmentStatus,
    Conversation,
    ConversationKind,
    Message,
    MessageKind,
    ParsedItem,
    Platform,
    TimePrecision,
)

_DAYS = "Mon|Tue|Wed|Thu|Fri|Sat|Sun"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
SEPARATOR = re.compile(
    rb"From (?P<sender>\S+) +(?P<date>(?:"
    + _DAYS.encode()
    + rb") +(?P<mon>"
    + "|".join(_MONTHS).encode()
    + rb") +(?P<d>\d{1,2}) +(?P<h>\d{1,2}):(?P<mi>\d\d)(?::(?P<s>\d\d))? +(?:[A-Z]{3,5} +|(?P<off>[+-]\d{4}) +)?"
    rb"(?P<y>\d{4}))"
)
SeparatorTime = tuple[int, int, str]  # epoch ms, offset in minutes, how it was read
SEPARATOR_EXAMPLE = "an mbox separator line such as 'From sender@example.com Sat Jan  3 01:05:34 1996'"
DATE_EXAMPLE = "an RFC 5322 date such as 'Fri, 20 Apr 2001 19:35:02 -0400'"
_SUBJECT_PREFIX = re.compile(
    r"^\s*(?:(?:re|fwd?|fw|回复|答复|转发)\s*(?:\[\d+\])?\s*[:：]\s*)+", re.IGNORECASE
)
_MSG_ID = re.compile(r"<[^<>\s]+>")
_ZONE = re.compile(r"(?P<zone>[+-]\d\d:?\d\d|\b[A-Za-z]{1,5})\s*(?:\([^()]*\))?\s*$")
_ZONE_NAMES = frozenset({"UT", "UTC", "GMT", "Z", "EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT"})
_GB = {"gb2312", "gbk", "x-gbk", "gb_2312-80", "csgb2312", "euc-cn", "cp936", "ms936", "chinese"}
_GB_WORD = re.compile(r"=\?(?:" + "|".join(map(re.escape, sorted(_GB))) + r")(?:\*[^?]*)?\?", re.IGNORECASE)
_HEADER_NAMES = re.compile(
    r"^(?:from|to|cc|subject|date|message-id|mime-version|received|return-path|content-type)\s*:",
    re.IGNORECASE | re.MULTILINE,
)


class _RememberingPolicy(EmailPolicy):
    """``policy.default`` that parses each distinct (header name, value) once (the 20,000 last seen)."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        object.__setattr__(self, "_parsed", {})

    def header_fetch_parse(self, name: str, value: str) -> Any:
        parsed: dict[tuple[str, str], Any] = self._parsed  # type: ignore[attr-defined]
        key = (name, value)
        found = parsed.get(key)
        if found is None:
            if len(parsed) >= _REMEMBERED_HEADERS:
                parsed.clear()
            if "=?" in value:  # encoded words declared GB2312/GBK hold GBK characters: read as GB18030
                value = _GB_WORD.sub("=?gb18030?", value)
            found = parsed[key] = super().header_fetch_parse(name, value)
        return found


_REMEMBERED_HEADERS = 20_000
_POLICY = _RememberingPolicy()  # shared, so a folder of .eml files benefits too


def normalise_subject(subject: str) -> str:
    """The thread key of a subject: reply/forward prefixes stripped, whitespace collapsed, case folded."""
    return " ".join(_SUBJECT_PREFIX.sub("", subject).split()).casefold()


def _charset(name: str | None) -> str:
    name = (name or "us-ascii").strip().lower()
    return "gb18030" if name in _GB else name


class _HtmlText(HTMLParser):
    """The visible text of an HTML body: script/style dropped, block elements as line breaks."""

    BLOCKS = frozenset(
        {"br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head"):
            self.hidden += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head"):
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _text(value: str) -> str:
    """A header value with raw 8-bit bytes (unencoded UTF-8 or GBK, common in Chinese mail) decoded.

    The ``email`` parser keeps such bytes as surrogate escapes, which no text store accepts.
    """
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    data = value.encode("utf-8", "surrogateescape")
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", "replace")


def _raw_headers(msg: EmailMessage) -> dict[str, str]:
    """The first value of each header as written (names lower-cased), without the policy's parsing."""
    raw: dict[str, str] = {}
    for name, value in msg.raw_items():
        raw.setdefault(name.lower(), str(value))
    return raw


def _unstructured(msg: EmailMessage, raw_headers: dict[str, str], name: str) -> str:
    """A text header (Subject): raw 8-bit values decoded as UTF-8 or GB18030, encoded words decoded."""
    raw = raw_headers.get(name.lower())
    if raw is None:
        return ""
    if any("\udc80" <= ch <= "\udcff" for ch in raw):
        return " ".join(_text(raw).split())
    return str(msg.get(name) or "")


def _address(addr: Address) -> str:
    return _text(addr.addr_spec).lower() if addr.addr_spec else _text(addr.display_name)


def _shown(addr: Address) -> str:
    return _text(f"{addr.display_name} <{addr.addr_spec}>" if addr.display_name else addr.addr_spec)


class _Mail:
    """Reads one parsed message into a chatledger Message; keeps thread state across messages."""

    def __init__(self, source: SourceFile, ctx: ImportContext) -> None:
        self.source = source
        self.ctx = ctx
        self.threads: dict[str, str] = {}  # message id / thread key -> conversation id
        self.subjects: dict[str, str] = {}  # normalised subject -> conversation id
        self.ordinal = 0
        self.parser = BytesParser(policy=_POLICY)

    def read(self, raw: bytes, locator: str, separator: SeparatorTime | None = None) -> Iterator[ParsedItem]:
        msg = cast(EmailMessage, self.parser.parsebytes(raw))  # the policy makes EmailMessages
        headers = _raw_headers(msg)
        extra: dict[str, Any] = {}
        ts_ms, offset = self._date(msg, headers.get("date"), locator, separator, extra)
        message_id = _first_id(headers.get("message-id"))
        subject = _unstructured(msg, headers, "Subject")
        sender, sender_name = self._from(msg, locator)
        for name in ("To", "Cc", "Bcc", "Reply-To"):
            header = msg.get(name)
            if header is not None:
                addresses = getattr(header, "addresses", ())
                extra[name.lower()] = [_shown(a) for a in addresses] or [_text(str(header))]
        if subject:
            extra["subject"] = subject
        in_reply_to = _first_id(headers.get("in-reply-to"))
        conversation, created = self._thread(msg, headers, message_id, in_reply_to, subject)
        if created is not None:
            yield created
        bodies: list[tuple[str, str]] = []
        attachments: list[Attachment] = []
        parts: list[str] = []
        self._walk(msg, bodies, attachments, parts, locator)
        if len(parts) > 1:
            extra["parts"] = parts
        text = "\n\n".join(body for _, body in bodies if body.strip())
        if any(mime == "text/html" and body.strip() for mime, body in bodies):
            extra["body_from_html"] = True
        kind = MessageKind.TEXT
        if not text.strip() and attachments:
            kind = attachments[0].kind
        self.ordinal += 1
        yield Message(
            conversation=conversation,
            sender=sender,
            ts_ms=ts_ms,
            kind=kind,
            text=text,
            utc_offset_min=offset,
            precision=TimePrecision.SECOND,
            sender_name=sender_name,
            platform_msg_id=message_id,
            reply_to=in_reply_to,
            attachments=tuple(attachments),
            extra=extra or None,
            locator=locator,
            ordinal=self.ordinal,
        )

    # -- headers ------------------------------------------------------------------------------------
    def _date(
        self,
        msg: EmailMessage,
        raw: str | None,
        locator: str,
        separator: SeparatorTime | None,
        extra: dict[str, Any],
    ) -> tuple[int, int]:
        if raw is not None:
            return self._parse_date(raw, locator, extra)
        if separator is not None:
            ts_ms, offset, basis = separator
            extra["date_source"] = f"mbox separator line, {basis}"
            self.ctx.warn(locator, f"no Date header; the mbox separator's date was used, {basis}")
            return ts_ms, offset
        for name, value in msg.raw_items():
            when = str(value).rpartition(";")[2] if name.lower() == "received" else ""
            if when.strip() and parsedate_tz(" ".join(when.split())) is not None:
                extra["date_source"] = "newest Received header"
                self.ctx.warn(locator, "no Date header; the newest Received header's date was used")
                return self._parse_date(when, locator, extra, field="Received")
        raise ImportFormatError(
            self.source.name, locator, field="Date", expected=DATE_EXAMPLE, found="no Date header"
        )

    def _parse_date(
        self, raw: str, locator: str, extra: dict[str, Any], field: str = "Date"
    ) -> tuple[int, int]:
        value = " ".join(raw.split())  # unfolded, as written (policy.default rewrites it)
        parsed = parsedate_tz(value)
        try:
            if parsed is None:
                raise ValueError(value)
            year, month, day, hour, minute, second = parsed[:6]
            zone_s = parsed[9]
            if year < 100:  # RFC 5322 §4.3: two-digit years
                year += 2000 if year < 50 else 1900
            local = datetime(year, month, day, hour, minute, min(second, 59))
        except (ValueError, OverflowError):
            raise ImportFormatError(
                self.source.name, locator, field=field, expected=DATE_EXAMPLE, found=value
            ) from None
        zone = _ZONE.search(value)
        if zone is None:  # no zone at all: a naive local time, read in --tz as elsewhere
            extra["date_zone_unknown"] = True
            self.ctx.warn(locator, f"{field} {value!r} has no UTC offset; read in --tz")
            return self.ctx.clock.to_utc_ms(year, month, day, hour, minute, min(second, 59))
        name = zone["zone"].upper()
        if name.isalpha() and name not in _ZONE_NAMES:
            raise ImportFormatError(
                self.source.name,
                locator,
                field=field,
                expected=DATE_EXAMPLE + " (a numeric offset or an RFC 5322 zone name)",
                found=value,
            )
        if name == "CST":
            self.ctx.warn(
                locator, f"{field} {value!r}: 'CST' is read as US Central (-0600), as RFC 5322 defines it"
            )
        if name[0] in "+-":  # the offset as written: parsedate_tz drops "GMT+0800" and "+08:00" to 0
            digits = name[1:].replace(":", "")
            zone_s = (1 if name[0] == "+" else -1) * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
        if name in ("-0000", "-00:00") or zone_s is None:
            extra["date_zone_unknown"] = True  # RFC 5322 §3.3: UTC, the sender's local zone unknown
            zone_s = 0
        if abs(zone_s) > 18 * 3600:
            raise ImportFormatError(
                self.source.name, locator, field=field, expected=DATE_EXAMPLE, found=value
            )
        aware = local.replace(tzinfo=timezone(timedelta(seconds=zone_s)))
        return int(aware.timestamp()) * 1000, zone_s // 60

    def _from(self, msg: EmailMessage, locator: str) -> tuple[str | None, str | None]:
        header = msg.get("From") or msg.get("Sender")
        if header is None:
            self.ctx.warn(locator, "no From header")
            return None, None
        addresses = getattr(header, "addresses", ())
        if not addresses:
            raw = _text(str(header)).strip()
            return raw or None, None
        first = addresses[0]
        return _address(first) or None, _text(first.display_name) or None

    def _thread(
        self,
        msg: EmailMessage,
        headers: dict[str, str],
        message_id: str | None,
        in_reply_to: str | None,
        subject: str,
    ) -> tuple[str, Conversation | None]:
        references = _MSG_ID.findall(headers.get("references", ""))
        if in_reply_to and in_reply_to not in references:
            references.append(in_reply_to)
        gmail = headers.get("x-gm-thrid", "").strip()
        key = normalise_subject(subject)
        conversation: str | None = None
        if gmail:
            conversation = self.threads.get(f"gmail:{gmail}")
            if conversation is None:
                conversation = f"gmail:{gmail}"
        if conversation is None:
            for ref in (message_id, *references):
                if ref and ref in self.threads:
                    conversation = self.threads[ref]
                    break
        if conversation is None and references:
            conversation = references[0]
        if conversation is None and key in self.subjects:
            conversation = self.subjects[key]
        if conversation is None:
            conversation = message_id or f"subject:{key}"
        created = None
        if conversation not in self.threads.values():
            recipients = sum(len(getattr(msg.get(h), "addresses", ())) for h in ("To", "Cc") if msg.get(h))
            kind = ConversationKind.GROUP if recipients > 1 else ConversationKind.DIRECT
            title = _SUBJECT_PREFIX.sub("", subject).strip() or "(no subject)"
            created = Conversation(Platform.EMAIL, conversation, title, kind)
        self.threads[conversation] = conversation
        for ref in (message_id, *references):
            if ref:
                self.threads.setdefault(ref, conversation)
        if gmail:
            self.threads.setdefault(f"gmail:{gmail}", conversation)
        self.subjects.setdefault(key, conversation)
        return conversation, created

    # -- bodies -------------------------------------------------------------------------------------
    def _walk(
        self,
        part: MimePart,
        bodies: list[tuple[str, str]],
        attachments: list[Attachment],
        parts: list[str],
        locator: str,
    ) -> None:
        content_type = part.get_content_type()
        if part.is_multipart() and content_type != "message/rfc822":
            payload = part.get_payload()
            if isinstance(payload, list):
                children = [c for c in payload if isinstance(c, MimePart)]
                if content_type == "multipart/alternative":
                    children = _preferred(children)
                for child in children:
                    self._walk(child, bodies, attachments, parts, locator)
            return
        filename = part.get_filename()
        disposition = part.get_content_disposition()
        parts.append(
            content_type + (f"; charset={part.get_content_charset()}" if part.get_content_charset() else "")
        )
        if content_type == "message/rfc822":
            inner = part.get_payload()
            first = inner[0] if isinstance(inner, list) and inner else None
            data = first.as_bytes() if isinstance(first, MimePart) else part.as_bytes()
            attachments.append(_attachment(filename or "attached-message.eml", content_type, data))
            return
        if disposition != "attachment" and not filename and content_type in ("text/plain", "text/html"):
            text = self._decode(part, locator)
            bodies.append((content_type, text if content_type == "text/plain" else html_to_text(text)))
            return
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        attachments.append(
            _attachment(filename or f"unnamed.{part.get_content_subtype()}", content_type, data)
        )

    def _decode(self, part: MimePart, locator: str) -> str:
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            return ""
        declared = part.get_content_charset()
        charset = _charset(declared)
        # mislabelled parts: UTF-8, then GB18030 (Chinese clients send GBK declared as UTF-8)
        for candidate in dict.fromkeys((charset, "utf-8", "gb18030")):
            try:
                text = data.decode(candidate)
            except (UnicodeDecodeError, LookupError):
                continue
            if candidate != charset:
                shown = "UTF-8" if candidate == "utf-8" else "GB18030"
                self.ctx.warn(
                    locator, f"a {part.get_content_type()} part declared {declared!r} is read as {shown}"
                )
            return text.replace("\r\n", "\n").rstrip("\n")
        if charset in ("us-ascii", "ascii"):
            self.ctx.warn(locator, "an 8-bit part declared us-ascii is read as windows-1252")
            return data.decode("cp1252", errors="replace").replace("\r\n", "\n").rstrip("\n")
        raise ImportFormatError(
            self.source.name,
            locator,
            field="Content-Type charset",
            expected=f"text in the declared charset {declared!r} (or UTF-8 or GB18030)",
            found=data[:60].decode("ascii", "backslashreplace"),
        )


def _preferred(children: list[MimePart]) -> list[MimePart]:
    """Of a multipart/alternative, the text/plain version when there is one, else the last (richest)."""
    plain = [c for c in children if c.get_content_type() == "text/plain"]
    return plain[:1] if plain else children[-1:]


def _attachment(name: str, mime: str, data: bytes) -> Attachment:
    major = mime.split("/", 1)[0]
    kind = {"image": MessageKind.IMAGE, "audio": MessageKind.VOICE, "video": MessageKind.VIDEO}.get(
        major, MessageKind.FILE
    )
    return Attachment(
        name,
        kind,
        AttachmentStatus.PRESENT,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        md5=hashlib.md5(data).hexdigest(),
        mime_type=mime,
    )


def _first_id(header: str | None) -> str | None:
    if header is None:
        return None
    value = " ".join(header.split())
    found = _MSG_ID.search(value)
    return found.group(0) if found else (value or None)


def _separator_time(found: re.Match[bytes]) -> SeparatorTime | None:
    """The separator's date: UTC (RFC 4155) unless the line carries a numeric offset; None if no real date."""
    month = _MONTHS.index(found["mon"].decode()) + 1
    offset = found["off"].decode() if found["off"] else None
    minutes = 0
    if offset:
        minutes = (-1 if offset[0] == "-" else 1) * (int(offset[1:3]) * 60 + int(offset[3:]))
    try:
        local = datetime(
            int(found["y"]), month, int(found["d"]), int(found["h"]), int(found["mi"]), int(found["s"] or 0),
            tzinfo=timezone(timedelta(minutes=minutes)),
        )  # fmt: skip
    except ValueError:
        return None
    return int(local.timestamp()) * 1000, minutes, f"at its offset {offset}" if offset else "read as UTC"


@register
class EmailMboxImporter:
    name: ClassVar[str] = "email-mbox"
    platform: ClassVar[Platform] = Platform.EMAIL
    version: ClassVar[str] = "1"
    description: ClassVar[str] = (
        "mbox mailbox (Thunderbird, Gmail Takeout, mutt): threads as chats, attachments hashed"
    )
    obtain: ClassVar[str] = (
        "Export a mailbox in mbox format: Google Takeout (Mail) gives `.mbox` files, Thunderbird "
        "keeps one mbox file per folder in its profile (or use the ImportExportTools NG add-on), "
        "mutt and Apple Mail write mbox directly; pick the mbox file."
    )
    extra_kept: ClassVar[str] = (
        "recipients (`to`, `cc`, `bcc`, `reply-to`), `subject`, the MIME `parts` outline, `body_from_html`, and how the date was read (`date_source`, `date_zone_unknown`)"
    )
    suffixes: ClassVar[tuple[str, ...]] = (".mbox", ".mbx")
    capabilities: ClassVar[frozenset[str]] = frozenset(
        {"platform_ids", "replies", "attachments", "seconds", "zone", "multi_chat"}
    )

    def sniff(self, source: SourceFile) -> float:
        if source.is_zip:
            return 0.0
        first = source.head.lstrip(b"\r\n").split(b"\n", 1)[0]
        if SEPARATOR.match(first):
            return 0.95
        return 0.0

    def parse(self, source: SourceFile, ctx: ImportContext) -> Iterator[ParsedItem]:
        mail = _Mail(source, ctx)
        count = 0
        with source.open_binary() as stream:
            for raw, start, separator in _split_mbox(stream, source):
                count += 1
                yield from mail.read(raw, f"line {start}", separator)
        ctx.meta["email_messages"] = count
        ctx.meta["email_threads"] = len(set(mail.threads.values()))


def _split_mbox(stream: BinaryIO, source: SourceFile) -> Iterator[tuple[bytes, int, SeparatorTime | None]]:
    """(message bytes, line of its separator, the separator's time) for each message of an mbox."""
    lines: list[bytes] = []
    start = 0
    separator: SeparatorTime | None = None
    for number, line in enumerate(stream, start=1):
        found = SEPARATOR.match(line) if line.startswith(b"From ") else None
        if found is not None:
            if start:
                yield _strip_separator_gap(lines), start, separator
            lines, start, separator = [], number, _separator_time(found)
            continue
        if not start:
            if line.strip():
                raise ImportFormatError(
                    source.name,
                    f"line {number}",
                    expected=SEPARATOR_EXAMPLE,
                    found=line.decode("utf-8", "replace").strip(),
                )
            continue
        lines.append(line)
    if start:
        yield _strip_separator_gap(lines), start, separator


def _strip_separator_gap(lines: list[bytes]) -> bytes:
    """The message without the blank line mbox writes before the next separator."""
    if lines and not lines[-1].strip():
        lines = lines[:-1]
    return b"".join(lines)


@register
class EmailEmlImporter:
    name: ClassVar[str] = "email-eml"
    platform: ClassVar[Platform] = Platform.EMAIL
    version: ClassVar[str] = "1"
    description: ClassVar[str] = "one e-mail message (.eml, RFC 5322 / MIME)"
    obtain: ClassVar[str] = (
        "Save one message from your mail client as a file (Thunderbird: *File → Save As → File*; "
        "Outlook or Apple Mail: drag the message to a folder) and pick the `.eml` file."
    )
    extra_kept: ClassVar[str] = (
        "recipients (`to`, `cc`, `bcc`, `reply-to`), `subject`, the MIME `parts` outline, `body_from_html`, and how the date was read (`date_source`, `date_zone_unknown`)"
    )
    suffixes: ClassVar[tuple[str, ...]] = (".eml",)
    capabilities: ClassVar[frozenset[str]] = frozenset(
        {"platform_ids", "replies", "attachments", "seconds", "zone"}
    )

    def sniff(self, source: SourceFile) -> float:
        if source.is_zip:
            return 0.0
        head = source.head[:8192].decode("latin-1")
        block = head.replace("\r\n", "\n").split("\n\n", 1)[0]
        first = block.split("\n", 1)[0]
        if not re.match(r"[A-Za-z][A-Za-z0-9-]*:", first):
            return 0.0
        names = {m.group(0).split(":")[0].strip().lower() for m in _HEADER_NAMES.finditer(block)}
        if "from" in names and len(names) >= 3:
            return 0.95 if source.suffix == ".eml" else 0.5
        return 0.0

    def parse(self, source: SourceFile, ctx: ImportContext) -> Iterator[ParsedItem]:
        with source.open_binary() as stream:
            raw = stream.read()
        yield from _Mail(source, ctx).read(raw, "line 1")
