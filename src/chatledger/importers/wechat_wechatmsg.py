"""WeChatMsg / 留痕 CSV exports of WeChat chats: v1 (2023–2024) and v2 / MemoTrace (FORMATS.md 1.4, 1.5).

``wechat-wechatmsg-csv`` — v1, ``<remark>_utf8.csv`` (UTF-8 with BOM), header
``localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender``
(the earliest versions stop after ``StrTime``; one version wrote 9-field rows under the 12-field
header for 1:1 chats — both are read).

* No server message id is exported, so messages are keyed by content (sender, time, kind, text,
  ordinal); ``localId`` is per database file and not stable, and is not used.
* ``CreateTime`` (epoch seconds) is the time; the offset it was shown in is ``StrTime − CreateTime``
  (the exporting PC's zone); when they do not pair up, the assumed zone's offset is used and a
  warning given.
* The chat id is not in the file. In order: option ``chat_id``; the ``(<wxid>)`` in the file or a
  parent folder name (``聊天记录/<remark>(<wxid>)/…``); for a 1:1 chat whose received rows all name
  one ``Sender`` whose Remark or NickName is the file's remark, that wxid; failing all, ``remark:<remark>`` from ``<remark>_utf8.csv`` (warned:
  pass ``chat_id`` to merge it with other exports of the chat). A chat is a group when its id ends in
  ``@chatroom`` or received rows come from two or more senders (judged on the first 256 records).
* ``IsSender=1`` → the owner (``ctx.me[0]`` else ``"self"``, shown as 我; the owner's wxid from
  ``Sender`` goes to ``meta["owner_ids"]``); otherwise ``Sender`` (a wxid), or in 1:1 rows without
  it the chat partner. ``Remark``/``NickName`` become the participant's names.
* ``StrContent`` XML is rendered by ``_shared.wechat_content`` (transfers, red packets, quotes with
  ``reply_to`` = the quoted ``svrid``, recalls, media as NOT_EXPORTED attachments).
* A pat's template (``"${wxid_a}" 拍了拍 "${wxid_b}"``) is shown with the names the file gives those
  wxids (its first 256 records and every row before; the wxid itself when none), the template kept in
  ``extra["template"]``. A group recall notice without ``Sender`` (``"张三" 撤回了一条消息``) is the
  member whose Remark or NickName it quotes, when exactly one member has that name.

"Export all" (``messages.csv``, ``meta["layout"] = "export_all"``): every chat in one file, by time, under
the same 12 columns, but WeChatMsg fills the last three differently: ``Remark``/``NickName`` are the
*chat's* contact (a group's own remark and name), ``Sender`` is 我 for the owner, the contact's NickName in
a 1:1 chat, a member's display name (group alias, else remark, else nickname) in a group, and no wxid is
written anywhere. Known by its name (``messages.csv``) or by a ``Sender`` that is 我 or no wxid.

* Chats are told apart by Remark, else NickName, keyed ``remark:<name>`` with the characters WeChatMsg
  replaces by ``_`` in a per-chat export's file name (``\\ / : * ? " < > |``, white space, ``.``) replaced
  the same way: a later ``<remark>_utf8.csv`` in ``聊天记录/<remark>/`` of that chat has the same id.
  ``TalkerId`` is not the key: it is a row of the ``Name2ID`` table of the MSG*.db the message came from,
  so it repeats across those files once WeChatMsg merges them; it only tells apart rows that name no
  contact (``talker:<TalkerId>``, warned). Two contacts with the same name become one chat (warned), as
  their per-chat exports would (they get the same file).
* A chat is a group when a received row's ``Sender`` differs from its ``NickName`` (1:1 rows repeat it).
* 1:1: the partner is the chat id, named by Remark/NickName, as a 9-field per-chat export gives it, so
  re-importing that chat adds nothing. Groups: members become ``name:<display name>`` (warned), a
  recall by the member it quotes; the owner's messages and notices match a per-chat export of the group,
  members' messages and recalls cannot (it names them by wxid). Nor can a 1:1 chat exported with its wxid (``<remark>(<wxid>)/`` or 12-field rows).
  WeChatMsg skips group rows without BytesExtra, so most group notices are absent.
* Files of WeChatMsg before 2023-12-18 (``MsgSvrID`` under ``Remark``, 10 to 13 fields a row) are
  refused by their field count.

``wechat-memotrace-csv`` — v2 / MemoTrace, ``<remark>.csv``, header
``消息ID,类型,发送人,时间,内容,备注,昵称,更多信息``: ``消息ID`` → ``platform_msg_id``; ``时间`` is local
time read in the assumed zone; ``内容`` is already rendered. Senders are display names only (no wxid,
no is-self flag): they become participants ``name:<发送人>``, and a sender equal to a ``--me`` value
(or 我) is the owner. The chat id comes from ``chat_id``, the folder's ``(<wxid>)``, or
``remark:<file stem>``; three or more senders make it a group.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from itertools import chain, islice
from pathlib import PurePath
from typing import Any, ClassVar

from chatledger.errors import ImportFormatError
from chatledger.importers import register
from chatledger.importers._shared.timestamps import epoch_ms_from_number
from chatledger.importers._shared.wechat_content import (
    QUOTE_LABELS,
    SYSTEM_KINDS,
    Content,
    content_from_xml,
    kind_for_label,
    memotrace_content,
    split_group_prefix,
    split_memotrace_quote,
)
from chatledger.importers._shared.wechat_fields import (
    FALSE_FLAGS,
    FLAGS,
    SELF_NAME,
    Damage,
    SenderNames,
    Times,
    arity_error,
    chat_from_path,
    csv_records,
    header_fields,
    parse_flag,
    parse_msg_id,
    read_header,
    recaller,
)
from chatledger.importers.base import ImportContext, SourceFile
from chatledger.model import (
    Attachment,
    Conversation,
    ConversationKind,
    Message,
    MessageKind,
    ParsedItem,
    Platform,
    TimePrecision,
)

V1_BASE = (
    "localId",
    "TalkerId",
    "Type",
    "SubType",
    "IsSender",
    "CreateTime",
    "Status",
    "StrContent",
    "StrTime",
)
V1_NAMES = ("Remark", "NickName", "Sender")
V2_COLUMNS = ("消息ID", "类型", "发送人", "时间", "内容", "备注", "昵称", "更多信息")
LOOKAHEAD = 256
_FLOATISH = re.compile(r"\s*\d+(?:\.\d*)?(?:[eE][-+]?\d+)?\s*\Z", re.ASCII)


def _chat(
    source: SourceFile,
    ctx: ImportContext,
    senders: set[str],
    suffix: str,
    *,
    group_at: int,
    partner_names: dict[str, set[str]] | None,
) -> Conversation:
    """The chat a single-chat CSV holds (see the module docstring for the order of evidence).

    ``senders`` are the other party's senders seen in the first records; ``group_at`` of them make
    a group. ``partner_names`` (WeChatMsg v1: sender wxid → the Remark/NickName its rows carry)
    lets a lone sender be taken as the 1:1 partner, but only when the file is named after that
    sender's remark or nickname, as WeChatMsg names 1:1 exports: a group in which one member
    happened to speak first must never be merged into that member's 1:1 chat.
    """
    path_id, title = chat_from_path(source, strip_suffix=suffix)
    chat_id = ctx.options.get("chat_id") or path_id
    if not chat_id and partner_names is not None and len(senders) == 1:
        [only] = senders
        if title in partner_names.get(only, set()):
            chat_id = only
    if not chat_id:
        chat_id = f"remark:{title}"
        ctx.warn(
            "",
            f"the file names no chat id; imported as {chat_id!r} — pass the chat's wxid as option chat_id "
            "to match other exports of this chat",
        )
    group = chat_id.endswith("@chatroom") or len(senders) >= group_at
    kind = ConversationKind.GROUP if group else ConversationKind.DIRECT
    return Conversation(Platform.WECHAT, chat_id, title or chat_id, kind)


@register
class WeChatMsgCsvImporter:
    name: ClassVar[str] = "wechat-wechatmsg-csv"
    platform: ClassVar[Platform] = Platform.WECHAT
    version: ClassVar[str] = "1"
    description: ClassVar[str] = (
        "WeChat chats exported by WeChatMsg/留痕 v1 as CSV (localId,TalkerId,Type,…), one chat or all (messages.csv)"
    )
    obtain: ClassVar[str] = (
        "WeChat has no export of its own: run WeChatMsg / 留痕 v1 (LC044/WeChatMsg, now only in "
        "forks and old releases) on the PC logged in to WeChat, export the chat as CSV and pick "
        "`<remark>_utf8.csv` under `聊天记录/`, or export all chats to `messages.csv`. chatledger only reads "
        "the exported file and never decrypts WeChat databases itself. `messages.csv` names no wxid: its "
        "chats are keyed `remark:<remark>` as a per-chat export in `聊天记录/<remark>/` is, so importing "
        "both adds a 1:1 chat's messages once, but group members are known only by display name "
        "(`name:<name>`), so their messages in a per-chat export of the group (which names them by wxid) "
        "are stored a second time."
    )
    extra_kept: ClassVar[str] = (
        "what the message XML says beyond the text: transfer details and ids, quotes, file `md5`/`size`/`ext`, links, locations (`latitude`, `longitude`, `poi`), durations, app types, recall details"
    )
    suffixes: ClassVar[tuple[str, ...]] = (".csv",)
    capabilities: ClassVar[frozenset[str]] = frozenset(
        {"replies", "recalls", "attachments", "transfers", "system", "seconds", "zone", "multi_chat"}
    )

    def sniff(self, source: SourceFile) -> float:
        return 1.0 if header_fields(source) in (V1_BASE, V1_BASE + V1_NAMES) else 0.0

    def parse(self, source: SourceFile, ctx: ImportContext) -> Iterator[ParsedItem]:
        with source.open_text() as stream:
            records = csv_records(source, stream)
            header = tuple(read_header(source, records, ",".join(V1_BASE + V1_NAMES)))
            if header not in (V1_BASE, V1_BASE + V1_NAMES):
                raise ImportFormatError(
                    source.name,
                    "line 1",
                    expected=f"the WeChatMsg header {','.join(V1_BASE + V1_NAMES)}",
                    found=",".join(header),
                )
            head = list(islice(records, LOOKAHEAD))
            if _is_export_all(source, head):
                yield from _export_all(source, ctx, len(header), chain(head, records))
                return
            partner_names: dict[str, set[str]] = {}
            for _, r in head:
                if len(r) == 12 and r[4] in FALSE_FLAGS and r[11] and r[2] not in ("10000", "10002"):
                    partner_names.setdefault(r[11], set()).update(n for n in (r[9], r[10]) if n)
            senders = set(partner_names)
            conversation = _chat(source, ctx, senders, "_utf8", group_at=2, partner_names=partner_names)
            yield conversation
            reader = _V1Rows(source, ctx, len(header), export_all=False)
            chat = _Chat(
                conversation.platform_id,
                conversation.kind is ConversationKind.GROUP,
                conversation.title if conversation.title != conversation.platform_id else "",
            )
            for _, row in head:
                reader.learn(row)
            pending = reader.pending
            for line, row in chain(head, records):
                message = reader.row(line, row, chat)
                if pending:
                    yield from pending
                    pending.clear()
                yield message
            reader.finish()


_TEMPLATE_ID = re.compile(r"\$\{([^}]*)\}")
_EXPORT_ALL_NAME = re.compile(r"messages(?:\s*\(\d+\))?\Z", re.IGNORECASE)
_WXID = re.compile(r"[A-Za-z0-9_@.\-]+\Z", re.ASCII)
_FILE_NAME_UNSAFE = re.compile(r'[\\/:*?"<>|\s.]')  # what WeChatMsg v1 replaces by _ in a remark


def _is_export_all(source: SourceFile, head: list[tuple[int, list[str]]]) -> bool:
    """Whether a v1 file is "export all" (``messages.csv``) rather than one chat's ``<remark>_utf8.csv``.

    Its default name says so; so does its ``Sender`` column, which holds display names and 我 for the
    owner, where a per-chat export writes wxids (the owner's own included) or nothing.
    """
    stem = PurePath(source.member or source.path.name).stem
    if _EXPORT_ALL_NAME.match(stem):
        return True
    return any(len(r) == 12 and r[11] and (r[11] == SELF_NAME or not _WXID.match(r[11])) for _, r in head)


def _export_all_chat(talker: str, remark: str, nickname: str) -> tuple[str, str]:
    """(platform id, title) of an "export all" row's chat, as its per-chat export would name it.

    WeChatMsg names a per-chat export ``<remark>_utf8.csv`` after the chat's Remark, else NickName,
    with ``\\ / : * ? " < > |``, white space and ``.`` replaced by ``_``; the per-chat importer keys it
    ``remark:<that name>``, so this does too. Rows naming no contact fall back to ``talker:<TalkerId>``.
    """
    name = remark or nickname
    if name:
        return f"remark:{_FILE_NAME_UNSAFE.sub('_', name)}", name
    return f"talker:{talker}", f"talker:{talker}"


@dataclass
class _Survey:
    """What a first pass over an "export all" file learns about one chat."""

    title: str
    group: bool = False
    names: set[tuple[str, str]] = field(default_factory=set)


def _survey(source: SourceFile) -> dict[str, _Survey]:
    """Chat id → survey. A received row whose Sender is not the chat's NickName makes a group: in a 1:1
    chat WeChatMsg writes the contact's NickName as Sender, in a group the member's display name."""
    chats: dict[str, _Survey] = {}
    with source.open_text(counted=False) as stream:
        records = csv_records(source, stream)
        next(records, None)
        for _, r in records:
            if len(r) != 12:
                continue  # the parsing pass reports it
            chat_id, title = _export_all_chat(r[1], r[9], r[10])
            survey = chats.get(chat_id)
            if survey is None:
                survey = chats[chat_id] = _Survey(title)
            survey.names.add((r[9], r[10]))
            if not survey.group and r[4] in FALSE_FLAGS and r[11] != r[10]:
                survey.group = True
    return chats


def _export_all(
    source: SourceFile, ctx: ImportContext, width: int, records: Iterator[tuple[int, list[str]]]
) -> Iterator[ParsedItem]:
    """Every chat of an "export all" file, each yielded before its first message."""
    ctx.meta["layout"] = "export_all"
    if ctx.options.get("chat_id"):
        ctx.warn("", "option chat_id is ignored: this file holds every chat, told apart by Remark/NickName")
    surveys = _survey(source)
    chats: dict[str, _Chat] = {}
    reader = _V1Rows(source, ctx, width, export_all=True)
    pending = reader.pending
    for line, row in records:
        remark, nickname = (row[9], row[10]) if len(row) == 12 else ("", "")
        chat_id, title = _export_all_chat(row[1] if len(row) > 1 else "", remark, nickname)
        chat = chats.get(chat_id)
        if chat is None:
            survey = surveys.get(chat_id) or _Survey(title)
            chat = chats[chat_id] = _Chat(chat_id, survey.group, title)
            kind = ConversationKind.GROUP if chat.group else ConversationKind.DIRECT
            yield Conversation(Platform.WECHAT, chat_id, title, kind)
            if len(survey.names) > 1:
                shown = " and ".join(f"Remark {r!r} NickName {n!r}" for r, n in sorted(survey.names))
                ctx.warn(
                    f"line {line}",
                    f"chats with {shown} share the name {chat_id!r} and are kept as one chat, as their "
                    "per-chat exports would be",
                )
        message = reader.row(line, row, chat)
        if pending:
            yield from pending
            pending.clear()
        yield message
    reader.finish()
    untitled = sum(1 for c in chats if c.startswith("talker:"))
    if untitled:
        ctx.warn(
            "",
            f"{untitled} chats name no contact (empty Remark and NickName); told apart by TalkerId, which "
            "is only unique within one of WeChat's MSG*.db files",
        )
    if reader.member_names:
        ctx.warn(
            "",
            "messages.csv names group members by display name only (no wxid): they are kept as "
            "name:<display name>, and their messages will not match a per-chat export of the group, "
            "which names them by wxid",
        )


@dataclass(frozen=True)
class _Chat:
    """The chat a v1 row belongs to: its id, whether it is a group, and the 1:1 partner's name."""

    platform_id: str
    group: bool
    partner_name: str


class _V1Rows:
    def __init__(self, source: SourceFile, ctx: ImportContext, width: int, *, export_all: bool) -> None:
        self.source = source
        self.ctx = ctx
        self.export_all = export_all
        self.member_names = False
        self.known: dict[str, str] = {}  # wxid -> the name the file shows for it, for pat templates
        self.by_name: dict[str, set[str]] = {}  # a remark or nickname -> the participant ids it names
        self.width = width
        self.expected = (
            "12 fields (localId,…,StrTime,Remark,NickName,Sender) or 9" if width == 12 else "9 fields"
        )
        self.times = Times(ctx)
        self.damage = Damage(ctx)
        self.names = SenderNames(ctx)
        self.me = self.names.me
        self.pending: list[ParsedItem] = []
        self.owner_ids: set[str] = set()
        self.counts: dict[str, int] = {}

    def _count(self, what: str, locator: str, message: str) -> None:
        seen = self.counts.get(what, 0)
        self.counts[what] = seen + 1
        if not seen:
            self.ctx.warn(locator, message)

    def _error(self, locator: str, field: str, expected: str, found: str) -> ImportFormatError:
        return ImportFormatError(self.source.name, locator, field=field, expected=expected, found=found)

    def learn(self, row: list[str]) -> None:
        """Remember the wxid and names of a per-chat row (``messages.csv`` names no wxid)."""
        if self.export_all or len(row) != 12 or not row[11]:
            return
        remark, nickname, wxid = row[9], row[10], row[11]
        if wxid not in self.known and (remark or nickname):
            self.known[wxid] = remark or nickname
        who = wxid if row[4] in FALSE_FLAGS else self.me
        for name in (remark, nickname):
            if name:
                self.by_name.setdefault(name, set()).add(who)

    def _pat(self, content: Content) -> Content:
        """A pat's ``${wxid}`` template rendered with the names the file shows (the wxid when none)."""
        if "${" not in content.text:
            return content
        text = _TEMPLATE_ID.sub(lambda m: self.known.get(m[1], m[1]), content.text)
        return replace(content, text=text, extra={**(content.extra or {}), "template": content.text})

    def _recalled_by(self, by: str | None, chat: _Chat) -> str | None:
        """The member a group's recall notice names, when that name is one member's."""
        if not chat.group or not by or by in ("你", "对方"):
            return None
        if self.export_all:
            return f"name:{by}"
        ids = self.by_name.get(by, set())
        return next(iter(ids)) if len(ids) == 1 else None

    def row(self, line: int, row: list[str], chat: _Chat) -> Message:
        size = len(row)
        if size != self.width and not (size == 9 and self.width == 12):
            raise arity_error(self.source, line, self.expected, row)
        self.learn(row)
        locator = f"line {line}"
        _, _, type_raw, sub_raw, flag, created, _, content, str_time = row[:9]
        remark, nickname, sender_id = row[9:12] if size == 12 else ("", "", "")
        if not type_raw.isdigit():
            raise self._error(locator, "Type", "an integer message type such as 1 or 49", type_raw)
        if sub_raw and not sub_raw.isdigit():
            raise self._error(locator, "SubType", "an integer sub-type such as 0 or 57", sub_raw)
        type_code, sub_type = int(type_raw), int(sub_raw or 0)
        is_sender = FLAGS.get(flag)
        if is_sender is None:
            is_sender = parse_flag(flag, self.damage)
            if is_sender is None:
                raise self._error(locator, "IsSender", "0 or 1", flag)
        ts_ms, offset, precision = self._time(locator, created, str_time)
        sender: str | None
        name: str | None
        attachments: tuple[Attachment, ...]
        names: tuple[str, ...]
        if self.export_all:
            # Remark/NickName name the chat; Sender is 我, the 1:1 contact's NickName or a member's name.
            if is_sender:
                sender, name, names = self.me, SELF_NAME, ()
            elif chat.group:
                sender = f"name:{sender_id}" if sender_id else None
                name, names = sender_id or None, (sender_id,)
                self.member_names = self.member_names or bool(sender_id)
            else:
                sender, name, names = chat.platform_id, chat.partner_name, (remark, nickname)
        elif is_sender:
            sender, name = self.me, SELF_NAME
            if sender_id and sender_id != self.me:
                self.owner_ids.add(sender_id)
            names = (remark, nickname)
        else:
            sender = sender_id or (None if chat.group else chat.platform_id)
            name = remark or nickname or None
            # A 1:1 row without names is from the partner, whose remark names the chat.
            names = (remark, nickname) if name or sender != chat.platform_id else (chat.partner_name,)
        if not is_sender and chat.group and ":\n" in content[:70]:
            prefix, content = split_group_prefix(content)
            if prefix is not None and (self.export_all or not sender_id):
                sender = prefix
        if type_code == 1:
            kind, text, extra, reply_to, attachments = MessageKind.TEXT, content, None, None, ()
        else:
            rendered = content_from_xml(type_code, sub_type, content)
            if rendered.xml_error:
                self._count("xml", locator, f"Type {type_code} content is not well-formed XML; kept as text")
            kind, text, extra = rendered.kind, rendered.text, rendered.extra
            reply_to, attachments = rendered.reply_to, rendered.attachments
            if kind is MessageKind.SYSTEM:
                sender = name = None
                if extra and extra.get("event") == "pat":
                    pat = self._pat(rendered)
                    text, extra = pat.text, pat.extra
            elif kind is MessageKind.RECALL:
                by = rendered.recalled_by
                if sender is None:
                    sender = self._recalled_by(by, chat)
                    name = by if sender else None
                sender = recaller(self.me, by, is_sender, sender)
                name = (
                    SELF_NAME if sender == self.me else self.known.get(sender or "", name) if sender else None
                )
        if sender is not None:
            participant = self.names.participant(sender, *names)
            if participant is not None:
                self.pending.append(participant)
        return Message(
            conversation=chat.platform_id,
            sender=sender,
            ts_ms=ts_ms,
            kind=kind,
            text=text,
            utc_offset_min=offset,
            precision=precision,
            sender_name=name,
            reply_to=reply_to,
            attachments=attachments,
            extra=extra,
            locator=locator,
        )

    def _time(self, locator: str, created: str, str_time: str) -> tuple[int, int, TimePrecision]:
        if created.isdigit() and created.isascii():
            ts_ms = epoch_ms_from_number(int(created))
            utc_s = ts_ms // 1000
            offset = None
            if str_time:
                try:
                    naive_s, precision, spreadsheet = self.times.naive(str_time)
                except ValueError:
                    naive_s, precision, spreadsheet = None, TimePrecision.SECOND, False
                if spreadsheet:
                    self.damage.excel = True
                if naive_s is not None:
                    offset = self.times.offset_from_pair(utc_s, naive_s, precision)
                if offset is None:
                    self._count(
                        "strtime",
                        locator,
                        f"StrTime {str_time!r} is not CreateTime {created} in any time zone; "
                        f"CreateTime kept, shown in the assumed zone",
                    )
            if offset is None:
                offset = self.times.zone_offset_at(utc_s)
            return ts_ms, offset, TimePrecision.SECOND
        rounded = bool(_FLOATISH.match(created))
        if rounded or not created.strip():
            try:
                ts_ms, offset, precision, spreadsheet = self.times.local(str_time)
            except ValueError:
                pass
            else:
                if rounded:
                    self.damage.excel = True
                    self.damage.note("create_time_rounded", locator, f"CreateTime {created!r}")
                else:
                    self._count(
                        "no_create_time", locator, "CreateTime is empty; StrTime read in the assumed zone"
                    )
                if precision is TimePrecision.MINUTE:
                    self.damage.note("seconds_dropped", locator, f"StrTime {str_time!r}")
                return ts_ms, offset, precision
        raise self._error(locator, "CreateTime", "Unix seconds such as 1682904612", created)

    def finish(self) -> None:
        self.damage.finish()
        if self.owner_ids:
            self.ctx.meta["owner_ids"] = sorted(self.owner_ids)
        for what, label in (
            ("strtime", "StrTime does not match CreateTime"),
            ("xml", "malformed XML content"),
        ):
            if self.counts.get(what, 0) > 1:
                self.ctx.warn("", f"{self.counts[what]} rows: {label}")


@register
class MemoTraceCsvImporter:
    name: ClassVar[str] = "wechat-memotrace-csv"
    platform: ClassVar[Platform] = Platform.WECHAT
    version: ClassVar[str] = "1"
    description: ClassVar[str] = (
        "WeChat chat exported by WeChatMsg v2 / MemoTrace as CSV (消息ID,类型,发送人,…)"
    )
    obtain: ClassVar[str] = (
        "WeChat has no export of its own: run WeChatMsg v2 / MemoTrace on the PC logged in to "
        "WeChat, export the chat as CSV and pick `<remark>.csv`. chatledger only reads the "
        "exported file and never decrypts WeChat databases itself."
    )
    extra_kept: ClassVar[str] = (
        "transfer details (`direction`, `amount`, `currency`, `amount_text`, `memo`, `label`), quotes, recall details, `msg_id_as_written` when the id was rewritten"
    )
    suffixes: ClassVar[tuple[str, ...]] = (".csv",)
    capabilities: ClassVar[frozenset[str]] = frozenset(
        {"platform_ids", "recalls", "attachments", "transfers", "system", "seconds"}
    )

    def sniff(self, source: SourceFile) -> float:
        return 1.0 if header_fields(source) in (V2_COLUMNS, V2_COLUMNS[:5]) else 0.0

    def parse(self, source: SourceFile, ctx: ImportContext) -> Iterator[ParsedItem]:
        with source.open_text() as stream:
            records = csv_records(source, stream)
            header = tuple(read_header(source, records, ",".join(V2_COLUMNS)))
            if header not in (V2_COLUMNS, V2_COLUMNS[:5]):
                raise ImportFormatError(
                    source.name,
                    "line 1",
                    expected=f"the MemoTrace header {','.join(V2_COLUMNS)}",
                    found=",".join(header),
                )
            ctx.meta["sender_identity"] = "display_name"
            head = list(islice(records, LOOKAHEAD))
            me_names = {*ctx.me, SELF_NAME}
            senders = {
                r[2]
                for _, r in head
                if len(r) >= 5 and r[2] and kind_for_label(r[1]) not in SYSTEM_KINDS and r[2] not in me_names
            }
            # Without --me the owner is among the senders: a 1:1 chat shows two names.
            conversation = _chat(source, ctx, senders, "", group_at=2 if ctx.me else 3, partner_names=None)
            if not ctx.me:
                ctx.warn(
                    "",
                    "MemoTrace CSV names senders by display name only and has no is-sender flag; pass --me "
                    "<your display name> to mark your own messages",
                )
            yield conversation
            reader = _V2Rows(source, ctx, conversation, len(header), me_names)
            pending = reader.pending
            for line, row in chain(head, records):
                message = reader.row(line, row)
                if pending:
                    yield from pending
                    pending.clear()
                yield message
            reader.damage.finish()


class _V2Rows:
    def __init__(
        self,
        source: SourceFile,
        ctx: ImportContext,
        conversation: Conversation,
        width: int,
        me_names: set[str],
    ) -> None:
        self.source = source
        self.ctx = ctx
        self.chat = conversation.platform_id
        self.width = width
        self.me_names = me_names
        self.times = Times(ctx)
        self.damage = Damage(ctx)
        self.names = SenderNames(ctx)
        self.me = self.names.me
        self.pending: list[ParsedItem] = []
        self.unknown_labels: set[str] = set()
        self.warned: set[str] = set()

    def _error(self, locator: str, field: str, expected: str, found: str) -> ImportFormatError:
        return ImportFormatError(self.source.name, locator, field=field, expected=expected, found=found)

    def row(self, line: int, row: list[str]) -> Message:
        if len(row) != self.width:
            raise arity_error(
                self.source, line, f"{self.width} fields ({','.join(V2_COLUMNS[: self.width])})", row
            )
        locator = f"line {line}"
        msg_id_raw, label, shown, when, text = row[:5]
        remark, nickname = (row[5], row[6]) if self.width >= 7 else ("", "")
        try:
            ts_ms, offset, precision, spreadsheet = self.times.local(when)
        except ValueError:
            raise self._error(locator, "时间", "a local time like 2025-01-31 09:30:00", when) from None
        if spreadsheet:
            self.damage.excel = True
        if precision is TimePrecision.MINUTE:
            self.damage.note("seconds_dropped", locator, f"时间 {when!r}")
        try:
            msg_id, rounded = parse_msg_id(msg_id_raw, spreadsheet=spreadsheet)
        except ValueError:
            raise self._error(locator, "消息ID", "a numeric message id", msg_id_raw) from None
        extra: dict[str, Any] | None = None
        if rounded:
            self.damage.excel = True
            self.damage.note("msg_id_rounded", locator, f"消息ID {msg_id_raw!r}")
            extra = {"msg_id_as_written": msg_id_raw}
        kind = kind_for_label(label)
        if kind is None:
            kind = MessageKind.OTHER
            if label not in self.unknown_labels:
                self.unknown_labels.add(label)
                self.ctx.warn(locator, f"类型 {label!r} is not a known MemoTrace type; imported as other")
        is_self = shown in self.me_names
        sender = self.me if is_self else (f"name:{shown}" if shown else None)
        name = SELF_NAME if is_self else (shown or None)
        attachments: tuple[Attachment, ...] = ()
        if kind is MessageKind.TEXT:
            if label in QUOTE_LABELS:
                quote = split_memotrace_quote(text)
                if quote is not None:
                    text, extra = quote[0], {**(extra or {}), "quote": quote[1]}
        else:
            content = self._typed(kind, label, text, locator)
            kind, text, attachments = content.kind, content.text, content.attachments
            if content.extra:
                extra = {**(extra or {}), **content.extra}
            if kind is MessageKind.SYSTEM:
                sender = name = None
            elif kind is MessageKind.RECALL:
                by = content.recalled_by
                if sender is None and by and by not in ("你", "对方"):
                    sender = f"name:{by}"
                sender = recaller(self.me, by, is_self, sender)
                name = SELF_NAME if sender == self.me else (sender[5:] if sender else None)
        if sender is not None:
            participant = self.names.participant(sender, *((shown, remark, nickname) if not is_self else ()))
            if participant is not None:
                self.pending.append(participant)
        return Message(
            conversation=self.chat,
            sender=sender,
            ts_ms=ts_ms,
            kind=kind,
            text=text,
            utc_offset_min=offset,
            precision=precision,
            sender_name=name,
            platform_msg_id=msg_id,
            attachments=attachments,
            extra=extra,
            locator=locator,
        )

    def _typed(self, kind: MessageKind, label: str, text: str, locator: str) -> Content:
        content = memotrace_content(kind, text)
        if kind is MessageKind.TRANSFER and content.extra is None and "transfer" not in self.warned:
            self.warned.add("transfer")
            self.ctx.warn(locator, f"{label} text {text[:40]!r} not understood; kept as text")
        return content
