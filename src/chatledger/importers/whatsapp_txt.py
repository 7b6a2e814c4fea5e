"""WhatsApp "Export chat": the Android/iOS ``.txt`` and the ``.zip`` it arrives in (with or without media).

Every line that starts with a header (``24/12/2023, 21:05 - Ana: Hola``, ``[24/12/2023, 21:05:14] Ana:
Hola``) opens a message; any other line continues the previous one. The header family (dashed or
bracketed) and the date separator are fixed by the first header of the file, so body lines that merely
start with a date are not misread; padding, year length, seconds, AM/PM spelling (also Arabic ``ص``/``م``),
Arabic-Indic digits and the words ``klo`` (Finnish) and ``à`` (French) before the time may vary.

**Day/month order** is stated nowhere in the file. It is decided once per file, before any message is
read, from the whole file (a cheap first pass that stops as soon as the answer is certain):

1. ``--option date_order=dmy|mdy|ymd`` wins; a date impossible in that order is an error.
2. Orders in which some date is impossible (a field > 12 as month, 30 February, ...) are dropped; if no
   order fits every date, the first date that breaks the last order is reported as an error.
3. If every remaining order reads every date the same (``1/1/21``), there is nothing to decide.
4. Media file names carry the date (``IMG-20241201-WA0001.jpg``, ``00000003-PHOTO-2023-12-24-…``): the
   order under which more of them match their message's date wins.
5. Two-digit years never rule out year-first (``13/01/19`` is also 2013-01-19), and no common locale
   writes ``yy/mm/dd``: it is kept only if its dates run backwards strictly less often than the others'
   (read the wrong way, a file jumps back a "year" at every month's end).
6. Dotted dates (``10.12.24``) are day-first: no WhatsApp locale writes month.day.year.
7. Chronology: the order under which the dates jump backwards least often wins (exports are in order).
8. Otherwise the order under which consecutive dates lie closer together (a warning says "probably"),
   else day/month/year, the most common WhatsApp order, with a warning naming the override.

The outcome and its basis are kept in the source's meta (``whatsapp_date_order``).

Times are naive local times of the exporting phone, converted with the import's zone; precision is
MINUTE for headers without seconds. Senders are the names as shown (bidi marks removed). A message
from the chat itself (iOS writes system events as sent by the chat's name, body starting with U+200E)
or a known notice becomes kind SYSTEM with no sender; the name shown is kept in ``extra``.
"""

from __future__ import annotations

import contextlib
import io
import mimetypes
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath
from typing import IO, Any, ClassVar

from chatledger.errors import ImportFormatError, InputError
from chatledger.importers import register
from chatledger.importers._shared.archives import written_name
from chatledger.importers._shared.media import digest
from chatledger.importers.base import ImportContext, SourceFile
from chatledger.model import (
    Attachment,
    AttachmentStatus,
    Conversation,
    ConversationKind,
    Message,
    MessageKind,
    ParsedItem,
    Participant,
    Platform,
    TimePrecision,
)

ORDERS = ("dmy", "mdy", "ymd")
DEFAULT_ORDER = "dmy"
_ORDER_WORDS = {"dmy": "day/month/year", "mdy": "month/day/year", "ymd": "year/month/day"}

# -- headers -------------------------------------------------------------------------------------------
_AMPM_PREFIX = "上午|下午|午前|午後|오전|오후|凌晨|早上|中午|晚上"
_PM_PREFIXES = frozenset({"下午", "午後", "오후", "中午", "晚上"})
_TIME = (
    rf"(?:({_AMPM_PREFIX}) ?)?"  # Asian locales put the half-day first: 下午9:05, 오후 9:05
    r"(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?"  # 21:05, 21.05 (Finnish), optional seconds
    r"(?:[ \u00a0\u202f]?([AaPp]\.?[ \u00a0\u202f]?[Mm]\.?|[\u0635\u0645]))?"  # PM, p. m., U+202F PM, Arabic ص/م
)
# "24/12/23, 9:05", "[15-01-20 02:22:56]", "13.6.2018 klo 21.25", "26/09/2019 à 22:39" (French), "٢٤‏/١٢‏/٢٠٢٣، ٩:٠٧"
_DATE_TIME_GAP = r"\.?[,\u060c]? (?:klo |à )?"
_DASH_END = r"(?: [-\u2013] |: )"  # " - " (also "13.06.18 21.25.15: Name:" seen in Finnish exports)
_RLM = "\u200f?"  # Arabic dates carry U+200F after the day and the month: "٢٤‏/١٢‏/٢٠٢٣"
_DIGITS = "0123456789\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669"  # ASCII, Arabic-Indic
_ANY_HEADER = re.compile(
    r"[\u200e\u200f]?(?P<br>\[)?\d{1,4}"
    + _RLM
    + r"(?P<sep>[./-]) ?\d{1,2}"
    + _RLM
    + r"(?P=sep) ?\d{1,4}"
    + _DATE_TIME_GAP
    + _TIME
    + r"(?(br)\] ?|"
    + _DASH_END
    + ")"
)


def _header_regex(bracketed: bool, sep: str) -> re.Pattern[str]:
    """The one header regex of a file. Groups: 1 date, 2-4 its fields, 5 time, 6 prefix, 7-9 h m s, 10 a/p."""
    s = re.escape(sep)
    date_part = rf"((\d{{1,4}}){_RLM}{s} ?(\d{{1,2}}){_RLM}{s} ?(\d{{1,4}}))"
    head = r"[\u200e\u200f]?\[" if bracketed else r"[\u200e\u200f]?"
    tail = r"\] ?" if bracketed else _DASH_END
    return re.compile(head + date_part + _DATE_TIME_GAP + "(" + _TIME + ")" + tail)


def _uncaptured(pattern: str) -> str:
    """The same pattern with every group made non-capturing (for ``findall``)."""
    assert "\\(" not in pattern
    return re.sub(r"\((?!\?)", "(?:", pattern)


def _group_evidence(rest: str, senders: set[str]) -> bool:
    """Whether one header's text shows a group: a third sender, or a join/add/create event."""
    cut = rest.find(": ")
    if cut < 0:
        return _GROUP_EVENT.search(rest) is not None
    senders.add(rest[:cut])
    if len(senders) > 2:
        return True
    return rest[cut + 2 : cut + 3] == "\u200e" and _GROUP_EVENT.search(rest, cut) is not None


def _scan_for_group(stream: IO[str], layout: _Layout, senders: set[str]) -> bool:
    """Read the rest of a file a block at a time (one regex in C, no per-line Python) for group evidence."""
    # every header: ("Name", "\u200e..." body of an iOS event, "") or ("", "", system line)
    headers = re.compile("\n" + _uncaptured(layout.regex.pattern) + "(?:([^\n]*?): (\u200e[^\n]*)?|([^\n]*))")
    while block := stream.read(1 << 20):
        found = headers.findall("\n" + block + stream.readline())  # whole lines only
        if not found:
            continue
        names, marked, unnamed = zip(*found, strict=True)
        senders.update(names)
        senders.discard("")
        if len(senders) > 2:
            return True
        for event in (*filter(None, marked), *filter(None, unnamed)):
            if _GROUP_EVENT.search(event):
                return True
    return False


# -- names -----------------------------------------------------------------------------------------------
_BIDI = re.compile("[\u200e\u200f\u202a-\u202e]")
_CHAT_FILE = re.compile(
    r"(?:WhatsApp[ -]Chat|Chat de WhatsApp|Conversa do WhatsApp|Discussion WhatsApp|Chat WhatsApp|"
    r"WhatsApp-chat|WhatsApp Sohbeti|Czat WhatsApp)\b.*\.txt",
    re.IGNORECASE,
)
_TITLE = re.compile(
    r"(?:WhatsApp[ -]Chat(?: with| mit| met| -)|Chat de WhatsApp con|Conversa do WhatsApp com|"
    r"Discussion WhatsApp avec|Chat WhatsApp con|WhatsApp-chat met)\s+(?P<title>.+)",
    re.IGNORECASE,
)
_COPY_SUFFIX = re.compile(r" \(\d+\)$")  # "WhatsApp Chat with Ana (1).txt" as browsers save a second copy


def chat_title(stem: str) -> str:
    """The chat's name from an export's file name: ``WhatsApp Chat with Ana`` → ``Ana``; else the stem."""
    stem = _COPY_SUFFIX.sub("", stem.strip())
    found = _TITLE.fullmatch(stem)
    return found.group("title").strip() if found else stem


def is_chat_member(name: str) -> bool:
    """Whether a zip member is a WhatsApp chat text (``_chat.txt`` or ``WhatsApp Chat with X.txt``)."""
    if name.startswith("__MACOSX/"):
        return False
    base = PurePosixPath(name).name
    return base == "_chat.txt" or (not base.startswith("._") and _CHAT_FILE.fullmatch(base) is not None)


# -- what a body says -------------------------------------------------------------------------------------
_K = MessageKind
_PLACEHOLDERS: dict[str, MessageKind] = {}
for _text, _kind in (
    # Android "without media" (one placeholder for every kind of media)
    ("<Media omitted>", _K.FILE),
    ("<Medien ausgeschlossen>", _K.FILE),
    ("<Medien ausgelassen>", _K.FILE),
    ("<Multimedia omitido>", _K.FILE),
    ("<Archivo omitido>", _K.FILE),
    ("<Médias omis>", _K.FILE),
    ("<Mídia oculta>", _K.FILE),
    ("<Arquivo de mídia oculto>", _K.FILE),
    ("<Media weggelaten>", _K.FILE),
    ("<Media omessi>", _K.FILE),
    ("<Media eliminati>", _K.FILE),
    ("<Medya dahil edilmedi>", _K.FILE),
    ("<Media tidak disertakan>", _K.FILE),
    ("<Без медиафайлов>", _K.FILE),
    ("<Медиа пропущены>", _K.FILE),
    ("<メディアなし>", _K.FILE),
    ("<媒体省略>", _K.FILE),
    ("<省略了媒体文件>", _K.FILE),
    ("<미디어 없음>", _K.FILE),
    ("<미디어 생략>", _K.FILE),
    ("<Video note omitted>", _K.VIDEO),
    # iOS (one per kind; the body starts with U+200E)
    ("image omitted", _K.IMAGE),
    ("video omitted", _K.VIDEO),
    ("audio omitted", _K.VOICE),
    ("sticker omitted", _K.STICKER),
    ("GIF omitted", _K.VIDEO),
    ("document omitted", _K.FILE),
    ("Contact card omitted", _K.CONTACT),
    ("video note omitted", _K.VIDEO),
    ("Bild weggelassen", _K.IMAGE),
    ("Video weggelassen", _K.VIDEO),
    ("Audio weggelassen", _K.VOICE),
    ("Sticker weggelassen", _K.STICKER),
    ("GIF weggelassen", _K.VIDEO),
    ("Dokument weggelassen", _K.FILE),
    ("imagen omitida", _K.IMAGE),
    ("video omitido", _K.VIDEO),
    ("audio omitido", _K.VOICE),
    ("sticker omitido", _K.STICKER),
    ("documento omitido", _K.FILE),
    ("imagem ocultada", _K.IMAGE),
    ("vídeo ocultado", _K.VIDEO),
    ("áudio ocultado", _K.VOICE),
    ("figurinha omitida", _K.STICKER),
    ("image absente", _K.IMAGE),
    ("vidéo absente", _K.VIDEO),
    ("audio omis", _K.VOICE),
    ("autocollant omis", _K.STICKER),
    ("immagine omessa", _K.IMAGE),
    ("video omesso", _K.VIDEO),
    ("audio omesso", _K.VOICE),
    ("sticker omesso", _K.STICKER),
):
    for _variant in (_text, _text.lower(), _text[0].upper() + _text[1:]):
        _PLACEHOLDERS[_variant] = _kind

_DELETED: frozenset[str] = frozenset(
    variant
    for text in (
        "This message was deleted",
        "You deleted this message",
        "Diese Nachricht wurde gelöscht",
        "Du hast diese Nachricht gelöscht",
        "Se eliminó este mensaje",
        "Eliminaste este mensaje",
        "Este mensaje fue eliminado",
        "Ce message a été supprimé",
        "Vous avez supprimé ce message",
        "Essa mensagem foi apagada",
        "Esta mensagem foi apagada",
        "Você apagou esta mensagem",
        "Mensagem apagada",
        "Questo messaggio è stato eliminato",
        "Hai eliminato questo messaggio",
        "Dit bericht is verwijderd",
        "Je hebt dit bericht verwijderd",
        "Это сообщение удалено",
        "Вы удалили это сообщение",
        "Данное сообщение удалено",
        "Bu mesaj silindi",
        "Bu mesajı sildiniz",
        "Pesan ini telah dihapus",
        "Pesan ini dihapus",
        "Anda menghapus pesan ini",
        "このメッセージは削除されました",
        "此消息已删除",
        "消息已删除",
        "这条消息已被删除",
        "تم حذف هذه الرسالة",
        "הודעה זו נמחקה",
        "你删除了此消息",
        "삭제된 메시지입니다",
    )
    for variant in (text, text + ".")
)
_EDITED: frozenset[str] = frozenset(
    variant
    for text in (
        "<This message was edited>",
        "<Diese Nachricht wurde bearbeitet>",
        "<Se editó este mensaje>",
        "<Mensaje editado>",
        "<Ce message a été modifié>",
        "<Esta mensagem foi editada>",
        "<Mensagem editada>",
        "<Questo messaggio è stato modificato>",
        "<Dit bericht is bewerkt>",
        "<Сообщение изменено>",
        "<Bu mesaj düzenlendi>",
        "<Pesan ini telah diedit>",
    )
    for variant in (text, text[:-1] + ".>")  # "<Diese Nachricht wurde bearbeitet.>" ends with a period
)
# bodies starting or ending with these characters may be more than text (see _Builder._classify)
_WHITESPACE = frozenset(c for c in map(chr, range(0x3001)) if c.isspace())
_SLOW_FIRST = _WHITESPACE | frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e<")
_SLOW_LAST = _WHITESPACE | frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e>)")
_OMITTED_SUFFIXES = ("omitted", "weggelassen", "omitido", "omesso", "absent")
_ATTACHED = re.compile(
    r"<(?:attached|anexo|anexado|Anhang|angehängt|adjunto|allegato|bijgevoegd|pièce jointe|"
    r"添付ファイル|附件|첨부됨|прикреплено|eklendi|terlampir)\s*:\s*(.+?)\s*>"
)
_FILE_ATTACHED = re.compile(
    r"(.+?) \((?:file attached|Datei angehängt|archivo adjunto|fichier joint|arquivo anexado|file allegato|"
    r"bestand bijgevoegd|файл прикреплен|ファイル添付|附件|dosya eklendi|file terlampir)\)"
)
# the same markers in a language not listed above, known by WhatsApp's own media file names
_ATTACHED_ANY = re.compile(r"<[^<>:]{1,40}:\s*(\d{8}-[A-Z]+-\d{4}(?:-\d\d){5}\.\w+)\s*>")
_FILE_ATTACHED_ANY = re.compile(r"((?:IMG|VID|PTT|AUD|STK)-\d{8}-WA\d+\.\w+) \([^()]{1,40}\)")
_DOCUMENT_OMITTED = re.compile(
    r"(?P<name>.+?)(?: • [^•]*?)? ?(?:document omitted|Dokument weggelassen|documento omitido|"
    r"documento omesso|document absent)"
)
_LOCATION_PREFIXES = (
    "location: ",
    "Location: ",
    "Standort: ",
    "ubicación: ",
    "Ubicación: ",
    "localização: ",
    "Localização: ",
    "Localisation : ",
    "posizione: ",
    "Posizione: ",
    "locatie: ",
)
_POLL_PREFIXES = ("POLL:", "ENCUESTA:", "UMFRAGE:", "ENQUETE:", "SONDAGGIO:", "SONDAGE :", "SONDAGE:")
_CALL_PREFIXES = (  # iOS only (the body carries U+200E); Android does not export calls
    "Missed voice call",
    "Missed video call",
    "Missed group voice call",
    "Missed group video call",
    "Voice call",
    "Video call",
    "Group voice call",
    "Group video call",
    "Silenced voice call",
    "Silenced video call",
)
_NOTICE_PREFIXES = (  # system notices some exports attribute to the chat or a person
    "Messages and calls are end-to-end encrypted",
    "Messages to this group are now secured",
    "Messages you send to this group are now secured",
    "Messages you send to this chat and calls are now secured",
    "This business uses a secure service",
    "This chat is with a business account",
    "Your security code with",
    "Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt",
    "Los mensajes y las llamadas están cifrados",
    "Los mensajes y llamadas están cifrados",
    "As mensagens e as chamadas são protegidas",
    "As mensagens e ligações são protegidas",
    "Les messages et les appels sont chiffrés",
    "I messaggi e le chiamate sono crittografati",
    "Berichten en oproepen worden end-to-end versleuteld",
    "Сообщения и звонки защищены сквозным шифрованием",
)
_SPECIAL_PREFIXES = _LOCATION_PREFIXES + _POLL_PREFIXES + _NOTICE_PREFIXES + ("This message was deleted by",)
_LIVE_LOCATION = frozenset({"live location shared", "Live location shared", "Live-Standort geteilt"})
_EXACT_BODIES: frozenset[str] = frozenset(_PLACEHOLDERS) | _DELETED | _LIVE_LOCATION
_GROUP_EVENT = re.compile(
    r"created group|created this group|\badded\b|joined using|joined from the community|\bleft$|removed |"
    r"changed the subject|changed the group|changed this group|were added|now an admin|"
    r"hat die Gruppe|hinzugefügt|ist beigetreten|hat .*entfernt|creó el grupo|añadió|se unió|"
    r"criou o grupo|adicionou|entrou usando|a créé le groupe|a ajouté|a rejoint|ha creato il gruppo|"
    r"ha aggiunto|heeft groep|toegevoegd|добавил\(-а\)|создал\(-а\) группу"
)
# iOS writes every chat event as a message from the chat itself, its body starting with U+200E
_IOS_EVENT = re.compile(
    _GROUP_EVENT.pattern + r"|disappearing messages|security code|end-to-end encrypted|changed their phone"
    r"|changed the group description|blocked this contact|unblocked this contact|pinned a message"
    r"|no longer an admin|is a contact|turned (?:on|off)"
)
_QUOTES = frozenset('"\u201c\u201d\u201e\u00ab\u00bb\u300c\u300d')


def _inside_quote(text: str) -> bool:
    """Whether ``text`` ends inside a quotation: a name cut at a ': ' of a quoted subject, in any language
    ('Ana hat den Betreff von „Trip', 'Ana a changé le sujet de « Trip', 'Ana changed the subject from "a')."""
    last = next((c for c in reversed(text) if c in _QUOTES), None)
    if last is None or last in "\u201d\u00bb\u300d":
        return False
    if last == '"':
        return text.count('"') % 2 == 1
    return last != "\u201c" or "\u201e" not in text  # “ opens in English, closes German „…“


_MEDIA_DATE = re.compile(
    r"\b(?:IMG|VID|PTT|AUD|DOC|STK)-(\d{4})(\d{2})(\d{2})-WA|\b\d{8}-[A-Z]+-(\d{4})-(\d{2})-(\d{2})"
)
_MEDIA_PREFIX_KIND = {
    "IMG": _K.IMAGE,
    "VID": _K.VIDEO,
    "PTT": _K.VOICE,
    "AUD": _K.VOICE,
    "STK": _K.STICKER,
    "DOC": _K.FILE,
}
_MEDIA_WORD_KIND = {
    "PHOTO": _K.IMAGE,
    "VIDEO": _K.VIDEO,
    "AUDIO": _K.VOICE,
    "STICKER": _K.STICKER,
    "GIF": _K.VIDEO,
}
_EXT_KIND = {
    ".jpg": _K.IMAGE,
    ".jpeg": _K.IMAGE,
    ".png": _K.IMAGE,
    ".heic": _K.IMAGE,
    ".gif": _K.IMAGE,
    ".webp": _K.STICKER,
    ".mp4": _K.VIDEO,
    ".3gp": _K.VIDEO,
    ".mov": _K.VIDEO,
    ".mkv": _K.VIDEO,
    ".opus": _K.VOICE,
    ".ogg": _K.VOICE,
    ".m4a": _K.VOICE,
    ".mp3": _K.VOICE,
    ".aac": _K.VOICE,
    ".amr": _K.VOICE,
    ".wav": _K.VOICE,
    ".vcf": _K.CONTACT,
}


def media_kind(name: str) -> MessageKind:
    """The kind of a media file from its WhatsApp name (``PTT-…``, ``…-PHOTO-…``) or its extension."""
    upper = name.upper()
    kind = _MEDIA_PREFIX_KIND.get(upper[:3]) if upper[3:4] == "-" else None
    if kind is None:
        parts = upper.split("-")
        if len(parts) > 2 and parts[0].isdigit():
            kind = _MEDIA_WORD_KIND.get(parts[1])
    return kind or _EXT_KIND.get(PurePosixPath(name).suffix.lower(), _K.FILE)


def _omitted_kind(probe: str) -> MessageKind | None:
    """``<View once photo omitted>`` and other placeholders we do not list word for word."""
    lower = probe.lower()
    if not (lower.startswith("<") and lower.endswith("omitted>")):
        return None
    for word, kind in (
        ("photo", _K.IMAGE),
        ("image", _K.IMAGE),
        ("video", _K.VIDEO),
        ("voice", _K.VOICE),
        ("audio", _K.VOICE),
        ("sticker", _K.STICKER),
        ("gif", _K.VIDEO),
        ("contact", _K.CONTACT),
    ):
        if word in lower:
            return kind
    return _K.FILE


# -- layout: what the first pass decides ----------------------------------------------------------------
@dataclass
class _Layout:
    bracketed: bool
    sep: str
    regex: re.Pattern[str]
    starts: frozenset[str]
    first_line: int
    order: str = DEFAULT_ORDER
    basis: str = ""
    warning: str = ""
    kind: ConversationKind = ConversationKind.DIRECT


@dataclass
class _DateEvidence:
    """What the dates of one file say about their order; fed one header at a time."""

    name: str
    locator: Callable[[int], str]
    candidates: list[str]
    forced: bool
    dotted: bool
    distinguished: set[frozenset[str]] = field(default_factory=set)
    media_hits: dict[str, int] = field(default_factory=dict)
    media_seen: int = 0
    backwards: dict[str, int] = field(default_factory=dict)
    movement: dict[str, int] = field(default_factory=dict)
    previous: dict[str, int] = field(default_factory=dict)
    fixed_by: tuple[int, str] | None = None  # the last date that ruled an order out
    seen: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, text: str, fields: tuple[str, str, str], line: int) -> None:
        """One header's date: drop orders it makes impossible, note how the others read it."""
        ordinals = self.seen.get(text)
        if ordinals is None:
            ordinals = {}
            orders_before = len(self.candidates)
            for order in list(self.candidates):
                ordinal = _ordinal(order, fields)
                if ordinal is None:
                    self.candidates.remove(order)
                    if not self.candidates:
                        raise self._impossible(text, order, line)
                else:
                    ordinals[order] = ordinal
            if len(self.candidates) < orders_before:
                self.fixed_by = (line, text)
            values = list(ordinals.items())
            for i, (a, va) in enumerate(values):
                for b, vb in values[i + 1 :]:
                    if va != vb:
                        self.distinguished.add(frozenset((a, b)))
            if len(self.seen) < 100_000:  # distinct dates; a chat has a few thousand
                self.seen[text] = ordinals
        for order in self.candidates:
            value = ordinals.get(order)
            if value is None:  # dropped since this date was first seen
                continue
            before = self.previous.get(order)
            if before is not None and value != before:
                if value < before:
                    self.backwards[order] = self.backwards.get(order, 0) + 1
                self.movement[order] = self.movement.get(order, 0) + abs(value - before)
            self.previous[order] = value

    def _impossible(self, text: str, order: str, line: int) -> ImportFormatError:
        if self.forced:
            expected = f"a real date read as {_ORDER_WORDS[order]} (option date_order={order})"
        elif self.fixed_by is not None:
            expected = (
                f"a real date read as {_ORDER_WORDS[order]}, the only order left by the dates before it "
                f"({self.fixed_by[1]!r} at line {self.fixed_by[0]} fits no other)"
            )
        else:
            expected = "a real date in day/month/year, month/day/year or year/month/day order"
        return ImportFormatError(self.name, self.locator(line), expected=expected, found=text, field="date")

    def add_media(self, fields: tuple[str, str, str], media: date) -> None:
        self.media_seen += 1
        wanted = media.toordinal()
        for order in self.candidates:
            if _ordinal(order, fields) == wanted:
                self.media_hits[order] = self.media_hits.get(order, 0) + 1

    @property
    def certain(self) -> bool:
        return len(self.candidates) == 1

    @property
    def settled(self) -> bool:
        """Whether reading on can no longer change the decision (so the first pass may stop early).

        One order left; or only day/month-first and year-first with a two-digit year (``13/01/19`` is
        also 2013-01-19: two-digit years never rule year-first out), with year-first clearly behind:
        read the wrong way, a file jumps back a "year" at every month's end.
        """
        if len(self.candidates) == 1:
            return True
        if len(self.candidates) != 2 or "ymd" not in self.candidates:
            return False
        [other] = [o for o in self.candidates if o != "ymd"]
        return self.backwards.get("ymd", 0) >= self.backwards.get(other, 0) + 5 and self.media_hits.get(
            "ymd", 0
        ) <= self.media_hits.get(other, 0)

    def _same(self, orders: list[str]) -> bool:
        """Whether these orders read every date seen identically."""
        return not any(frozenset((a, b)) in self.distinguished for a in orders for b in orders if a < b)

    def decide(self) -> tuple[str, str, str]:
        """(order, basis, warning) — the warning is empty unless the choice is a guess."""
        left = list(self.candidates)
        if self.forced:
            return left[0], "option date_order", ""
        if len(left) == 1:
            assert self.fixed_by is not None
            return left[0], f"{self.fixed_by[1]!r} at line {self.fixed_by[0]} fits no other order", ""
        if self._same(left):
            return left[0], "every date reads the same in each order", ""
        if self.media_hits:
            best = max(self.media_hits.get(o, 0) for o in left)
            winners = [o for o in left if self.media_hits.get(o, 0) == best]
            if len(winners) == 1:
                return winners[0], f"media file names ({best} of {self.media_seen}) carry the same dates", ""
        backwards = {o: self.backwards.get(o, 0) for o in left}
        if "ymd" in left:  # two-digit year first: only on evidence, here fewer jumps back in time
            if all(backwards["ymd"] < backwards[o] for o in left if o != "ymd"):
                return "ymd", f"dates run backwards least often ({backwards['ymd']} times) in this order", ""
            left.remove("ymd")
            if len(left) == 1 or self._same(left):
                fixed = (
                    f"{self.fixed_by[1]!r} at line {self.fixed_by[0]} fits" if self.fixed_by else "dates fit"
                )
                return (
                    left[0],
                    f"{fixed} no other order but year-first, which their chronology does not favour",
                    "",
                )
        if self.dotted and "dmy" in left and "mdy" in left:
            return "dmy", "dotted dates are day-first in every WhatsApp locale", ""
        fewest = min(backwards[o] for o in left)
        winners = [o for o in left if backwards[o] == fewest]
        if len(winners) == 1:
            return winners[0], f"dates run backwards least often ({fewest} times) in this order", ""
        left = winners
        hint = " Pass --option date_order=dmy, mdy or ymd if this is wrong."
        smallest = min(self.movement.get(o, 0) for o in left)
        closest = [o for o in left if self.movement.get(o, 0) == smallest]
        if len(closest) == 1 and all(
            self.movement.get(o, 0) >= 2 * smallest for o in left if o != closest[0]
        ):
            order = closest[0]
            return (
                order,
                "consecutive dates lie closest together in this order",
                f"the day/month order is ambiguous; read the dates as {_ORDER_WORDS[order]} because "
                f"consecutive dates lie closest together that way (probably right).{hint}",
            )
        order = DEFAULT_ORDER if DEFAULT_ORDER in left else left[0]
        return (
            order,
            "default (ambiguous)",
            f"the day/month order is ambiguous (no date in the file tells); read the dates as "
            f"{_ORDER_WORDS[order]}, the default.{hint}",
        )


def _ymd(order: str, fields: tuple[str, str, str]) -> tuple[int, int, int] | None:
    a, b, c = fields
    if order == "ymd":
        year_text, month, day = a, int(b), int(c)
        if len(c) > 2:
            return None
    else:
        year_text = c
        if len(a) > 2:
            return None
        month, day = (int(b), int(a)) if order == "dmy" else (int(a), int(b))
    if len(year_text) == 2:
        year = 2000 + int(year_text)
    elif len(year_text) == 4:
        year = int(year_text)
    else:
        return None
    return year, month, day


def _ordinal(order: str, fields: tuple[str, str, str]) -> int | None:
    parts = _ymd(order, fields)
    if parts is None:
        return None
    try:
        return date(*parts).toordinal()
    except ValueError:
        return None


# -- attachments ------------------------------------------------------------------------------------------
class _Media:
    """Finds the files a chat names (zip members beside it, or files beside the .txt) and hashes them."""

    def __init__(self, *, archive: Path | None, chat_member: str | None, folder: Path | None) -> None:
        self.archive = archive
        self.folder = folder
        self.members: dict[str, tuple[str, str]] = {}  # file name -> (member to open, member as written)
        self.cache: dict[tuple[str, MessageKind], Attachment] = {}
        self._zip: zipfile.ZipFile | None = None
        if archive is not None:
            chat_dir = str(PurePosixPath(chat_member or "").parent)
            with zipfile.ZipFile(archive) as handle:
                for info in handle.infolist():
                    if info.is_dir() or info.filename.startswith("__MACOSX/"):
                        continue
                    path, written = PurePosixPath(info.filename), written_name(info)
                    name = PurePosixPath(written).name  # as the chat text spells it
                    # a file beside the chat wins over a namesake elsewhere in the archive
                    if name not in self.members or str(path.parent) == chat_dir:
                        self.members[name] = (info.filename, written)

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None

    def not_exported(self, name: str, kind: MessageKind) -> Attachment:
        return Attachment(name=name, kind=kind, status=AttachmentStatus.NOT_EXPORTED)

    def named(self, name: str, kind: MessageKind) -> Attachment:
        key = (name, kind)
        found = self.cache.get(key)
        if found is None:
            found = self._locate(name, kind)
            if len(self.cache) < 100_000:
                self.cache[key] = found
        return found

    def _locate(self, name: str, kind: MessageKind) -> Attachment:
        mime = mimetypes.guess_type(name)[0]
        missing = Attachment(name=name, kind=kind, status=AttachmentStatus.MISSING, mime_type=mime)
        if not name or "/" in name or "\\" in name or name.startswith("."):
            return missing  # only plain file names are looked up: the text cannot point elsewhere
        if self.archive is not None:
            found = self.members.get(name)
            if found is None:
                return missing
            member, written = found
            if self._zip is None:
                self._zip = zipfile.ZipFile(self.archive)
            with self._zip.open(member) as stream:
                size, sha256, md5 = digest(stream)
            return Attachment(name, kind, AttachmentStatus.PRESENT, written, size, sha256, md5, mime)
        if self.folder is not None:
            path = self.folder / name
            if path.is_file():
                with open(path, "rb") as stream:
                    size, sha256, md5 = digest(stream)
                return Attachment(name, kind, AttachmentStatus.PRESENT, name, size, sha256, md5, mime)
        return missing


# -- the importer --------------------------------------------------------------------------------------
@register
class WhatsAppTxtImporter:
    """WhatsApp "Export chat" .txt (Android and iOS, every locale's date style) and its .zip."""

    name: ClassVar[str] = "whatsapp-txt"
    platform: ClassVar[Platform] = Platform.WHATSAPP
    version: ClassVar[str] = "1.0.0"
    description: ClassVar[str] = (
        'WhatsApp "Export chat" text (Android and iOS, any locale), as .txt or the .zip with media'
    )
    obtain: ClassVar[str] = (
        "In WhatsApp open the chat → ⋮ (Android) or the chat name (iOS) → *More* → *Export chat*,"
        " *Without media* or *Include media*; import the `.txt` or the `.zip` as is (WhatsApp "
        "caps exports at about 40 000 messages, cutting the old end)."
    )
    extra_kept: ClassVar[str] = (
        "`edited` for messages marked as edited, `shown_sender` for a system notice shown under a name"
    )
    suffixes: ClassVar[tuple[str, ...]] = (".txt", ".zip")
    capabilities: ClassVar[frozenset[str]] = frozenset({"attachments", "recalls", "system", "edits"})

    # -- detection -----------------------------------------------------------------------------------
    def sniff(self, source: SourceFile) -> float:
        if source.is_zip:
            try:
                names = source.zip_names()
            except (zipfile.BadZipFile, OSError):
                return 0.0
            return 0.95 if any(is_chat_member(n) for n in names) else 0.0
        for line in source.head_text().splitlines():
            if not line.strip():
                continue
            found = _ANY_HEADER.match(line)
            if found is None:
                return 0.0
            # " - " or "]" end a header for sure; "date time: " alone could be any log file
            return 0.95 if found.group("br") or not found.group(0).endswith(": ") else 0.6
        return 0.0

    # -- parsing --------------------------------------------------------------------------------------
    def parse(self, source: SourceFile, ctx: ImportContext) -> Iterator[ParsedItem]:
        order = ctx.options.get("date_order")
        if order is not None and order.strip().lower() not in ORDERS:
            raise InputError(f"--option date_order={order!r}: expected one of dmy, mdy, ymd.")
        if source.is_zip:
            members = [n for n in source.zip_names() if is_chat_member(n)]
            if not members:
                raise ImportFormatError(
                    source.name,
                    "",
                    expected="a WhatsApp export zip holding _chat.txt or 'WhatsApp Chat with <name>.txt'",
                    found=", ".join(source.zip_names()[:5]) or "an empty archive",
                )
            for member in members:
                yield from self._parse_chat(source.member_file(member), ctx, archive=source.path)
        elif source.member is not None:
            yield from self._parse_chat(source, ctx, archive=source.path)
        else:
            yield from self._parse_chat(source, ctx, archive=None)

    def _parse_chat(
        self, text: SourceFile, ctx: ImportContext, *, archive: Path | None
    ) -> Iterator[ParsedItem]:
        member = text.member
        prefix = f"{member} " if member else ""

        def locator(line: int) -> str:
            return f"{prefix}line {line}"

        title = self._title(text, ctx, archive)
        forced = ctx.options.get("date_order")
        layout = self._survey(text, locator, forced.strip().lower() if forced else None)
        ctx.meta["whatsapp_date_order"] = {"order": layout.order, "basis": layout.basis}
        if member:  # the pipeline records the encoding of the file it was given, here the zip
            ctx.meta.setdefault("whatsapp_chats", []).append(
                {"member": member, "encoding": text.encoding, "date_order": layout.order}
            )
        if layout.warning:
            ctx.warn(locator(layout.first_line), layout.warning)
        yield Conversation(self.platform, title, title, layout.kind)
        media = _Media(
            archive=archive,
            chat_member=member,
            folder=None if archive is not None else text.path.parent,
        )
        try:
            with text.open_text() as stream:
                yield from self._messages(stream, text.name, layout, title, media, ctx, prefix)
        finally:
            media.close()

    def _title(self, text: SourceFile, ctx: ImportContext, archive: Path | None) -> str:
        inner = PurePosixPath(text.member_name) if text.member_name else Path(text.path.name)
        stem = inner.stem
        if stem == "_chat":  # iOS: the chat is named by the zip (or the folder it was unpacked to)
            if text.member and str(inner.parent) not in ("", "."):
                stem = inner.parent.name
            elif archive is not None:
                stem = archive.stem
            else:
                stem = text.path.parent.name or stem
                ctx.warn(
                    "",
                    f"{text.name}: iOS _chat.txt outside its zip; the chat is named {chat_title(stem)!r} "
                    "after its folder (use --chat to add it to an existing chat).",
                )
        return chat_title(stem)

    # -- pass 1: layout, date order, chat kind ------------------------------------------------------
    def _survey(self, text: SourceFile, locator: Callable[[int], str], forced: str | None) -> _Layout:
        layout: _Layout | None = None
        evidence: _DateEvidence | None = None
        senders: set[str] = set()
        group = False
        last_date = ""
        with _quiet_text(text) as stream:
            # Line by line until the date order is settled: the dates need line numbers and order.
            for n, raw in enumerate(stream, 1):
                if layout is None:
                    line = raw.lstrip("\ufeff")
                    if not line.strip():
                        continue
                    first = _ANY_HEADER.match(line)
                    if first is None:
                        raise ImportFormatError(
                            text.name,
                            locator(n),
                            expected="a WhatsApp message header such as '24/12/2023, 21:05 - Ana: text' "
                            "or '[24/12/2023, 21:05:14] Ana: text'",
                            found=line.rstrip("\r\n"),
                            field="header",
                        )
                    bracketed, sep = first.group("br") is not None, first.group("sep")
                    layout = _Layout(
                        bracketed,
                        sep,
                        _header_regex(bracketed, sep),
                        frozenset("[\u200e\u200f" if bracketed else _DIGITS + "\u200e\u200f"),
                        n,
                    )
                    evidence = _DateEvidence(
                        text.name, locator, [forced] if forced else list(ORDERS), bool(forced), sep == "."
                    )
                    raw = line
                assert evidence is not None
                if raw[:1] not in layout.starts:
                    continue
                m = layout.regex.match(raw)
                if m is None:
                    continue
                date_text, a, b, c = m.group(1, 2, 3, 4)
                if date_text != last_date:  # only a change of date can teach anything
                    evidence.add(date_text, (a, b, c), n)
                    last_date = date_text
                rest = raw[m.end() :]
                if not group:
                    group = _group_evidence(rest, senders)
                if not evidence.certain:
                    for found in _MEDIA_DATE.finditer(rest):
                        y, mo, d = found.group(1, 2, 3) if found.group(1) else found.group(4, 5, 6)
                        with contextlib.suppress(ValueError):
                            evidence.add_media((a, b, c), date(int(y), int(mo), int(d)))
                if evidence.settled:
                    break
            if layout is None or evidence is None:
                raise ImportFormatError(
                    text.name, "", expected="WhatsApp messages", found="an empty file", field="header"
                )
            if not group:  # the rest only for the chat's kind, a block at a time
                group = _scan_for_group(stream, layout, senders)
        layout.order, layout.basis, layout.warning = evidence.decide()
        layout.kind = ConversationKind.GROUP if group else ConversationKind.DIRECT
        return layout

    # -- pass 2: messages -------------------------------------------------------------------------------
    def _messages(
        self,
        stream: IO[str],
        name: str,
        layout: _Layout,
        title: str,
        media: _Media,
        ctx: ImportContext,
        prefix: str,
    ) -> Iterator[ParsedItem]:
        match = re.compile(layout.regex.pattern + "(.*)").match  # group 11: the rest of the line
        starts = layout.starts
        offset_minutes = ctx.clock.offset_minutes
        me = set(ctx.me)
        seen: set[str] = set()
        days: dict[str, int] = {}
        times: dict[str, tuple[int, TimePrecision]] = {}
        last_hour, last_offset = -1, 0
        second, minute = TimePrecision.SECOND, TimePrecision.MINUTE
        platform = self.platform
        build = _Builder(title, media, seen)
        plain = build.plain  # raw sender text -> name, for senders already seen on a plain message
        text_kind, system_kind = MessageKind.TEXT, MessageKind.SYSTEM
        placeholders = _PLACEHOLDERS
        not_exported = {k: (media.not_exported("", k),) for k in set(placeholders.values())}
        # fast path: a one-line text from a known sender that no rule of _classify could touch
        exact = _EXACT_BODIES
        slow_first, slow_last = _SLOW_FIRST, _SLOW_LAST
        special, omitted_ends = _SPECIAL_PREFIXES, _OMITTED_SUFFIXES
        special_first = frozenset(p[0] for p in special)
        bidi = _BIDI.search
        # the message being read: its header's line, ts_ms, offset, precision and the text after the header
        p_n, p_ts, p_off, p_prec, p_rest = 0, 0, 0, minute, ""
        more: list[str] | None = None
        n = 0
        for line in stream:
            n += 1
            if line[:1] in starts:
                m = match(line)
                if m is not None:
                    if p_n:
                        if more is None:  # fast paths for the common one-line cases; the rest: build()
                            cut = p_rest.find(": ")
                            if cut > 0:
                                sender = plain.get(p_rest[:cut])
                                body = p_rest[cut + 2 :]
                                if sender is None or not body:
                                    pass
                                elif (
                                    body[0] not in slow_first
                                    and body[-1] not in slow_last
                                    and body not in exact
                                    and (body[0] not in special_first or not body.startswith(special))
                                    and not body.endswith(omitted_ends)
                                    and (body.isascii() or bidi(body) is None)
                                ):
                                    yield Message(  # positional: keywords cost 0.1 µs a message
                                        title,
                                        sender,
                                        p_ts,
                                        text_kind,
                                        body,
                                        p_off,
                                        p_prec,
                                        sender,  # sender_name
                                        None,  # platform_msg_id
                                        None,  # reply_to
                                        None,  # forwarded_from
                                        None,  # edited_ts_ms
                                        (),  # attachments
                                        None,  # extra
                                        f"{prefix}line {p_n}",  # locator
                                    )
                                    p_n = 0
                                else:  # "<Media omitted>", "\u200eimage omitted"
                                    if body[0] == "\u200e":
                                        body = body[1:]
                                    kind = placeholders.get(body)
                                    if kind is not None:
                                        yield Message(
                                            title,
                                            sender,
                                            p_ts,
                                            kind,
                                            body,
                                            p_off,
                                            p_prec,
                                            sender,
                                            None,
                                            None,
                                            None,
                                            None,
                                            not_exported[kind],
                                            None,
                                            f"{prefix}line {p_n}",
                                        )
                                        p_n = 0
                            elif ":" not in p_rest:  # a system line ("Ana added Luis")
                                yield Message(
                                    title,
                                    None,
                                    p_ts,
                                    system_kind,
                                    p_rest[1:] if p_rest[:1] == "\u200e" else p_rest,
                                    p_off,
                                    p_prec,
                                    None,
                                    None,
                                    None,
                                    None,
                                    None,
                                    (),
                                    None,
                                    f"{prefix}line {p_n}",
                                )
                                p_n = 0
                        if p_n:
                            message = build(p_n, p_ts, p_off, p_prec, p_rest, more, prefix)
                            sender = message.sender
                            if sender is not None and sender not in seen:
                                seen.add(sender)
                                yield Participant(
                                    platform, sender, sender, is_self=(sender in me) if me else None
                                )
                            yield message
                            more = None
                    date_text, time_text, p_rest = m.group(1, 5, 11)
                    day = days.get(date_text)
                    if day is None:
                        day = _day_seconds(name, prefix, n, layout, (m[2], m[3], m[4]), date_text)
                        if len(days) < 100_000:
                            days[date_text] = day
                    clock = times.get(time_text)
                    if clock is None:
                        clock = _time_of_day(name, prefix, n, m, second, minute)
                        if len(times) < 200_000:  # 86,400 seconds a day, in a few spellings
                            times[time_text] = clock
                    naive = day + clock[0]
                    hour = naive // 3600
                    if hour != last_hour:
                        last_hour, last_offset = hour, offset_minutes(naive)
                    p_n, p_ts, p_off, p_prec = n, (naive - last_offset * 60) * 1000, last_offset, clock[1]
                    continue
            if not p_n:
                if not line.strip(" \t\r\n\ufeff\u200e\u200f"):
                    continue
                raise ImportFormatError(
                    name,
                    f"{prefix}line {n}",
                    expected="a WhatsApp message header",
                    found=line.rstrip("\n"),
                    field="header",
                )
            if line[-1:] == "\n":
                line = line[:-1]
            if more is None:
                more = [line]
            else:
                more.append(line)
        if p_n:
            message = build(p_n, p_ts, p_off, p_prec, p_rest, more, prefix)
            sender = message.sender
            if sender is not None and sender not in seen:
                seen.add(sender)
                yield Participant(platform, sender, sender, is_self=(sender in me) if me else None)
            yield message


class _Builder:
    """Turns one header's text (and its continuation lines) into a Message: sender, kind, attachments."""

    def __init__(self, conversation: str, media: _Media, senders: set[str]) -> None:
        self.conversation = conversation
        self.media = media
        self.senders = senders
        self.plain: dict[str, str] = {}  # raw "Name" before ": " -> sender, once seen on an ordinary line

    def __call__(
        self,
        n: int,
        ts_ms: int,
        offset: int,
        precision: TimePrecision,
        rest: str,
        more: list[str] | None,
        prefix: str,
    ) -> Message:
        sender: str | None
        cut = rest.find(": ")
        raw = ""
        if cut >= 0:
            raw = sender = rest[:cut]
            body = rest[cut + 2 :]
            if _inside_quote(sender):
                sender, body = None, rest  # 'Ana changed the subject from "a: b" to "c"'
        elif rest[-1:] == ":":
            sender, body = rest[:-1], ""
        else:
            colon = rest.find(":")
            if colon > 0 and rest[:colon] in self.senders:
                sender, body = rest[:colon], rest[colon + 1 :]  # "Ana:." — no space after the colon
            else:
                sender, body = None, rest
        marked = body[:1] == "\u200e"
        if marked:
            body = body[1:]
        if sender is not None:
            if not sender.isascii():
                sender = _BIDI.sub("", sender)
            if raw and len(self.plain) < 200_000:
                self.plain[raw] = sender
        if more is not None:
            while more and not more[-1].strip():
                more.pop()  # blank lines before the next header are the file's, not the message's
            text = body + "\n" + "\n".join(more) if more else body
        else:
            text = body
        locator = f"{prefix}line {n}"
        if sender is None:
            return Message(
                self.conversation,
                None,
                ts_ms,
                MessageKind.SYSTEM,
                text,
                offset,
                precision,
                locator=locator,
            )
        kind, attachments, text, extra = self._classify(text, marked, sender, not more)
        if kind is MessageKind.SYSTEM:
            return Message(
                self.conversation,
                None,
                ts_ms,
                kind,
                text,
                offset,
                precision,
                extra={**(extra or {}), "shown_sender": sender},
                locator=locator,
            )
        return Message(
            self.conversation,
            sender,
            ts_ms,
            kind,
            text,
            offset,
            precision,
            sender_name=sender,
            attachments=attachments,
            extra=extra,
            locator=locator,
        )

    def _classify(
        self, text: str, marked: bool, sender: str, single: bool
    ) -> tuple[MessageKind, tuple[Attachment, ...], str, dict[str, Any] | None]:
        """What a body is: media placeholder or file, deletion, location, poll, call, notice or text."""
        probe = text if text.isascii() else _BIDI.sub("", text)
        probe = probe.strip()
        extra: dict[str, Any] | None = None
        if probe[-1:] == ">":
            cut = probe.rfind("<")
            if probe[cut:] in _EDITED:
                extra = {"edited": True}
                probe = probe[:cut].rstrip()
                text = text[: text.rfind("<")].rstrip(" \u200e\u200f\u00a0\u202f")
        kind = _PLACEHOLDERS.get(probe)
        if kind is not None:
            return kind, (self.media.not_exported("", kind),), text, extra
        if probe in _DELETED:
            return MessageKind.RECALL, (), text, extra
        first = probe.partition("\n")[0]
        if probe[-1:] == ">":
            cut = probe.rfind("<")
            attached = (
                (_ATTACHED.fullmatch(probe, cut) or _ATTACHED_ANY.fullmatch(probe, cut)) if cut >= 0 else None
            )
            if attached is not None:
                name = attached.group(1)
                kind = media_kind(name)
                return kind, (self.media.named(name, kind),), text, extra
        if first[-1:] == ")":
            found = _FILE_ATTACHED.fullmatch(first) or _FILE_ATTACHED_ANY.fullmatch(first)
            if found is not None:
                name = found.group(1).strip()
                kind = media_kind(name)
                return kind, (self.media.named(name, kind),), text, extra
        if single and first.endswith(_OMITTED_SUFFIXES):
            document = _DOCUMENT_OMITTED.fullmatch(first)
            if document is not None:
                name = document.group("name").strip()
                return MessageKind.FILE, (self.media.not_exported(name, MessageKind.FILE),), text, extra
        if probe.startswith(_SPECIAL_PREFIXES):
            if probe.startswith(_LOCATION_PREFIXES):
                if "://" in first:
                    return MessageKind.LOCATION, (), text, extra
            elif probe.startswith(_POLL_PREFIXES):
                return MessageKind.POLL, (), text, extra
            elif probe.startswith("This message was deleted by"):
                return MessageKind.RECALL, (), text, extra
            elif single:
                return MessageKind.SYSTEM, (), text, extra
        if probe in _LIVE_LOCATION:
            return MessageKind.LOCATION, (), text, extra
        if marked:
            if probe.startswith(_CALL_PREFIXES):
                return MessageKind.CALL, (), text, extra
            if sender == self.conversation or _IOS_EVENT.search(first) is not None:
                return MessageKind.SYSTEM, (), text, extra
        omitted = _omitted_kind(probe) if probe[:1] == "<" else None
        if omitted is not None:
            return omitted, (self.media.not_exported("", omitted),), text, extra
        return MessageKind.TEXT, (), text, extra


def _day_seconds(
    name: str, prefix: str, n: int, layout: _Layout, fields: tuple[str, str, str], text: str
) -> int:
    """Epoch seconds of a local date's midnight (naive), or an error naming the line."""
    parts = _ymd(layout.order, fields)
    try:
        if parts is None:
            raise ValueError(text)
        return (date(*parts).toordinal() - _EPOCH_ORDINAL) * 86400
    except ValueError:
        raise ImportFormatError(
            name,
            f"{prefix}line {n}",
            expected=f"a real date read as {_ORDER_WORDS[layout.order]} ({layout.basis})",
            found=text,
            field="date",
        ) from None


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _time_of_day(
    name: str, prefix: str, n: int, m: re.Match[str], second: TimePrecision, minute: TimePrecision
) -> tuple[int, TimePrecision]:
    """Seconds since midnight and precision of a header's time, or an error naming the line."""
    half_day, hours, minutes, seconds, letter = m.group(6, 7, 8, 9, 10)
    hour, mins, secs = int(hours), int(minutes), int(seconds or 0)
    pm: bool | None = None
    if letter is not None:
        pm = letter[0] in "Pp\u0645"  # "PM", "p. m.", Arabic م (ص is AM)
    elif half_day is not None:
        pm = half_day in _PM_PREFIXES
    if pm is not None and hour <= 12:
        hour = hour % 12 + (12 if pm else 0)  # 12:10 a.m. is 00:10; "00:08 a. m." occurs and is 00:08
    if hour > 23 or mins > 59 or secs > 59 or (pm is False and hour > 12):  # "13:05 AM" contradicts itself
        raise ImportFormatError(
            name, f"{prefix}line {n}", expected="a real time of day", found=m.group(5), field="time"
        )
    return hour * 3600 + mins * 60 + secs, second if seconds is not None else minute


@contextlib.contextmanager
def _quiet_text(source: SourceFile) -> Iterator[IO[str]]:
    """The decoded text without progress counting (the first pass is not the import's progress)."""
    with contextlib.ExitStack() as stack:
        raw: IO[bytes]
        if source.member is None:
            raw = stack.enter_context(open(source.path, "rb"))
        else:
            archive = stack.enter_context(zipfile.ZipFile(source.path))
            raw = stack.enter_context(archive.open(source.member))
        yield stack.enter_context(io.TextIOWrapper(raw, encoding=source.encoding, newline=None))
