"""Slack workspace export (.zip): ``channels.json``, ``users.json`` and one JSON list per channel per day.

Layout (FORMATS.md §5). ``channels.json`` (public channels), ``groups.json`` (private channels),
``mpims.json`` (group DMs) and ``dms.json`` (1:1 DMs, folder named by id) name the conversations; each
conversation's folder holds ``YYYY-MM-DD.json`` files, read in name order. A folder no list names is
still read (named by the folder, with a warning): no message is dropped for want of metadata.

Identity. A conversation is its Slack id (``C…``, ``G…``, ``D…``); a message is its ``ts`` string
(``"1454884927.000002"``) within the conversation, kept exactly as written: never through a float.
Senders are user ids (``U…``), or for bot posts the ``bot_id`` (else the ``username``), shown by
``users.json``'s display name (then real name, then handle). ``users.json`` lists no bots: a bot post is
shown by the ``username`` it was posted under, else its ``bot_profile.name``, else the name an earlier post
of that ``bot_id`` gave; ``USLACKBOT`` is Slackbot.

Times. The integer part of ``ts`` is UTC epoch seconds; the fraction is a uniqueness suffix, so the
time is kept to the SECOND and shown in the import's zone. ``edited.ts`` is ``edited_ts_ms``; a
``thread_ts`` other than ``ts`` makes the message a reply to the thread's parent.

Text. mrkdwn is made readable: ``<@U…>`` → ``@name``, ``<#C…|general>`` → ``#general``, ``<!here>`` →
``@here``, ``<url|label>`` → ``label (url)``, ``<url>`` → ``url``; ``&amp; &lt; &gt;`` are unescaped.
The text as exported is kept in ``extra["raw_text"]`` whenever it changed.

Kinds. Joins, leaves, topic/purpose/name changes, archive notices, pins and bot add/remove are SYSTEM
without sender (the user kept as ``actor_id``); ``tombstone`` (a deleted thread parent) and
``message_deleted`` (sender from ``previous_message``) are RECALL; a ``message_changed`` event is read as
the new version it carries (sender, text, edit time; ``changed_ts`` names the message). File shares take
the file's kind. Files are attachments with status NOT_EXPORTED (the export holds only
URLs that need a token).

``extra`` keeps what the columns cannot: ``subtype``, ``thread_ts`` (and reply counts), reactions, legacy
attachments (bot posts' content), pins, ``edited`` (who edited), ``raw_text``, system-event fields and any
field this reader does not know. It leaves out what repeats the kept original or other columns: the
rendering ``blocks`` (the same text as ``text``), ``user_profile``/``bot_profile`` (names and avatars, from
``users.json``), ``client_msg_id``, team ids, per-viewer state (``last_read``, ``subscribed``) and the thread's
``replies``/``reply_users`` lists (each reply carries its own ``thread_ts``); empty and false values too.
"""

from __future__ import annotations

import json
import posixpath
import re
import zipfile
from collections.abc import Iterator
from datetime import datetime, tzinfo
from typing import Any, ClassVar

from chatledger.errors import ImportFormatError
from chatledger.importers import register
from chatledger.importers._shared.extras import is_empty
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

_LISTS: tuple[tuple[str, ConversationKind], ...] = (
    ("channels.json", ConversationKind.CHANNEL),
    ("groups.json", ConversationKind.GROUP),
    ("mpims.json", ConversationKind.GROUP),
    ("dms.json", ConversationKind.DIRECT),
)
_DAY_FILE = re.compile(r"\d{4}-\d\d-\d\d\.json")
_TS = re.compile(r"(\d{1,12})(?:\.(\d{1,9}))?")
_SYSTEM = frozenset(
    {
        "channel_join",
        "channel_leave",
        "group_join",
        "group_leave",
        "channel_topic",
        "channel_purpose",
        "channel_name",
        "group_topic",
        "group_purpose",
        "group_name",
        "channel_archive",
        "channel_unarchive",
        "group_archive",
        "group_unarchive",
        "channel_convert_to_private",
        "channel_convert_to_public",
        "bot_add",
        "bot_remove",
        "bot_enable",
        "bot_disable",
        "pinned_item",
        "unpinned_item",
        "reminder_add",
    }
)
_READ = frozenset(
    {"type", "subtype", "user", "bot_id", "username", "text", "ts", "thread_ts", "edited", "files"}
)
# Not kept in ``extra``: copies of what the kept original, ``users.json`` or the columns already hold.
_LEFT_OUT = frozenset(
    {
        "blocks",
        "user_profile",
        "bot_profile",
        "client_msg_id",
        "team",
        "user_team",
        "source_team",
        "icons",
        "last_read",
        "subscribed",
        "replies",
        "reply_users",
        "latest_reply",
        "display_as_bot",
        "upload",
        "is_locked",
    }
)
_BUILTIN_USERS = {"USLACKBOT": "Slackbot"}  # in no users.json
_SKIP = _READ | _LEFT_OUT
_MARKUP = re.compile(r"<([^<>\n]*)>")
_ENTITIES = re.compile(r"&(amp|lt|gt);")
_ENTITY = {"amp": "&", "lt": "<", "gt": ">"}


@register
class SlackExportImporter:
    name: ClassVar[str] = "slack-export-zip"
    platform: ClassVar[Platform] = Platform.SLACK
    version: ClassVar[str] = "1"
    description: ClassVar[str] = (
        "Slack workspace export .zip (channels, private channels and DMs when included)"
    )
    obtain: ClassVar[str] = (
        "A workspace owner or admin exports from *Workspace settings → Import/Export data → "
        "Export* (public channels only on Free/Pro; private channels and DMs need "
        "Business+/Enterprise) and downloads the `.zip`; import the zip as is."
    )
    extra_kept: ClassVar[str] = (
        "`subtype`, `thread_ts` and reply counts, reactions, legacy attachments, pins, `edited` (who edited), `raw_text` when mrkdwn was rewritten, system-event fields, unknown fields; not `blocks`, `user_profile`/`bot_profile`, `client_msg_id`, team ids, per-viewer state or the thread's reply lists (all in the kept file)"
    )
    suffixes: ClassVar[tuple[str, ...]] = (".zip",)
    capabilities: ClassVar[frozenset[str]] = frozenset(
        {
            "platform_ids",
            "replies",
            "edits",
            "recalls",
            "reactions",
            "attachments",
            "system",
            "seconds",
            "multi_chat",
        }
    )

    def sniff(self, source: SourceFile) -> float:
        if not source.is_zip:
            return 0.0
        try:
            names = source.zip_names()
        except (zipfile.BadZipFile, OSError):
            return 0.0
        roots = {posixpath.dirname(n) for n in names if posixpath.basename(n) == "channels.json"}
        if not roots:
            return 0.0
        days = any(
            _DAY_FILE.fullmatch(posixpath.basename(n)) and posixpath.dirname(posixpath.dirname(n)) in roots
            for n in names
        )
        users = any(posixpath.dirname(n) in roots and posixpath.basename(n) == "users.json" for n in names)
        if days and users:
            return 0.95
        return 0.6 if days or users else 0.0

    def parse(self, source: SourceFile, ctx: ImportContext) -> Iterator[ParsedItem]:
        with zipfile.ZipFile(source.path) as archive:
            yield from _Reader(source, ctx, archive).run()


class _Reader:
    def __init__(self, source: SourceFile, ctx: ImportContext, archive: zipfile.ZipFile) -> None:
        self.source = source
        self.ctx = ctx
        self.archive = archive
        self.names = [i.filename for i in archive.infolist() if not i.is_dir()]
        roots = sorted(
            (posixpath.dirname(n) for n in self.names if posixpath.basename(n) == "channels.json"), key=len
        )
        if not roots:
            raise ImportFormatError(
                source.name,
                "",
                expected="a Slack export zip with channels.json",
                found=", ".join(self.names[:5]) or "an empty archive",
            )
        self.root = roots[0]
        self.users: dict[str, str] = {}
        self.user_aliases: dict[str, tuple[str, ...]] = {}
        self.chat_names: dict[str, str] = {}  # conversation id -> name, for <#C…> links
        self.bots: dict[str, str] = {}  # bot id -> the name its posts gave it (users.json lists no bots)
        self.seen: set[str] = set()

    def member(self, name: str) -> str:
        return posixpath.join(self.root, name) if self.root else name

    def error(
        self,
        member: str,
        locator: str,
        expected: str,
        found: str,
        field: str | None = None,
        hint: str | None = None,
    ) -> ImportFormatError:
        return ImportFormatError(
            f"{self.source.name}!{member}", locator, expected=expected, found=found, field=field, hint=hint
        )

    def load(self, member: str) -> Any:
        with self.archive.open(member) as stream:
            raw = stream.read()
        try:
            return json.loads(raw.decode("utf-8-sig"))
        except UnicodeDecodeError as exc:
            raise self.error(
                member, f"byte {exc.start}", "UTF-8 JSON", repr(raw[exc.start : exc.start + 8])
            ) from None
        except json.JSONDecodeError as exc:
            excerpt = exc.doc[exc.pos : exc.pos + 40].split("\n")[0].strip()
            raise self.error(
                member,
                f"line {exc.lineno} (column {exc.colno})",
                "valid JSON",
                excerpt or "end of file",
                hint=f"The JSON parser reports: {exc.msg}. The file is damaged or cut short.",
            ) from None

    def run(self) -> Iterator[ParsedItem]:
        self._users()
        chats: list[tuple[str, str, str, ConversationKind]] = []  # folder, id, title, kind
        for list_name, kind in _LISTS:
            member = self.member(list_name)
            if member not in self.names:
                continue
            entries = self.load(member)
            if not isinstance(entries, list):
                raise self.error(member, "$", "a JSON list of conversations", type(entries).__name__)
            for index, entry in enumerate(entries):
                if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                    raise self.error(
                        member, f"$[{index}]", "a conversation with a string 'id'", repr(entry), "id"
                    )
                chat_id = entry["id"]
                name = entry.get("name") if isinstance(entry.get("name"), str) else None
                if kind is ConversationKind.DIRECT:
                    members = [self.users.get(m, m) for m in entry.get("members") or [] if isinstance(m, str)]
                    title = ", ".join(members) or chat_id
                    folder = chat_id
                else:
                    title = f"#{name}" if name and kind is ConversationKind.CHANNEL else name or chat_id
                    folder = name or chat_id
                self.chat_names[chat_id] = name or chat_id
                chats.append((folder, chat_id, title, kind))
        known = {folder for folder, *_ in chats}
        folders: dict[str, list[str]] = {}
        for name in self.names:
            folder, base = posixpath.split(name)
            parent, leaf = posixpath.split(folder)
            if parent == self.root and leaf and base.endswith(".json"):
                folders.setdefault(leaf, []).append(name)
        for folder in sorted(set(folders) - known):
            self.ctx.warn(
                f"{folder}/", f"folder {folder!r} is in no channel list; read as channel {folder!r}"
            )
            chats.append((folder, folder, folder, ConversationKind.CHANNEL))
        self.ctx.meta["slack_conversations"] = len(chats)
        for folder, chat_id, title, kind in chats:
            days = sorted(folders.get(folder, []))
            if not days:
                continue
            yield Conversation(Platform.SLACK, chat_id, title, kind)
            for member in days:
                if not _DAY_FILE.fullmatch(posixpath.basename(member)):
                    self.ctx.warn(member, "not a per-day file (YYYY-MM-DD.json); not read")
                    continue
                yield from self._day(member, chat_id)

    def _users(self) -> None:
        member = self.member("users.json")
        if member not in self.names:
            self.ctx.warn("", "no users.json: senders are shown by their ids")
            return
        entries = self.load(member)
        if not isinstance(entries, list):
            raise self.error(member, "$", "a JSON list of users", type(entries).__name__)
        for index, user in enumerate(entries):
            if not isinstance(user, dict) or not isinstance(user.get("id"), str):
                raise self.error(member, f"$[{index}]", "a user with a string 'id'", repr(user), "id")
            found = user.get("profile")
            profile: dict[str, Any] = found if isinstance(found, dict) else {}
            names = [
                n
                for n in (
                    profile.get("display_name"),
                    profile.get("real_name"),
                    user.get("real_name"),
                    user.get("name"),
                )
                if isinstance(n, str) and n
            ]
            shown = names[0] if names else user["id"]
            self.users[user["id"]] = shown
            self.user_aliases[user["id"]] = tuple(dict.fromkeys(n for n in names if n != shown))

    def _day(self, member: str, chat_id: str) -> Iterator[ParsedItem]:
        messages = self.load(member)
        if not isinstance(messages, list):
            raise self.error(member, "$", "a JSON list of messages", type(messages).__name__)
        short = member[len(self.root) + 1 :] if self.root else member
        for index, obj in enumerate(messages):
            locator = f"{short} $[{index}]"
            if not isinstance(obj, dict):
                raise self.error(member, f"$[{index}]", "a message object", repr(obj))
            yield from self._message(obj, chat_id, member, index, locator)

    def _message(
        self, obj: dict[str, Any], chat_id: str, member: str, index: int, locator: str
    ) -> Iterator[ParsedItem]:
        ts = obj.get("ts")
        seconds = _seconds(ts)
        if seconds is None:
            raise self.error(
                member, f"$[{index}]", 'a Slack "ts" string such as "1454884927.000002"', repr(ts), "ts"
            )
        subtype = obj.get("subtype")
        obj = _unwrapped(obj, subtype)
        user = obj.get("user") if isinstance(obj.get("user"), str) else None
        comment = obj.get("comment")
        if user is None and isinstance(comment, dict) and isinstance(comment.get("user"), str):
            user = comment["user"]  # file_comment: the commenter
        bot_id = obj.get("bot_id") if isinstance(obj.get("bot_id"), str) else None
        username = obj.get("username") if isinstance(obj.get("username"), str) else None
        bot_name = _bot_name(obj) or (self.bots.get(bot_id) if bot_id else None)
        if bot_id and bot_name:
            self.bots.setdefault(bot_id, bot_name)
        sender = user or bot_id or username
        if user is not None:
            sender_name = (
                self.users.get(user)
                or _profile_name(obj)
                or bot_name
                or username
                or _BUILTIN_USERS.get(user, user)
            )
        else:  # a post's username is the name it was posted under, which a bot may vary
            sender_name = username or bot_name or _profile_name(obj) or sender
        raw_text = obj["text"] if isinstance(obj.get("text"), str) else ""
        text = self._readable(raw_text)
        extra: dict[str, Any] = {k: v for k, v in obj.items() if k not in _SKIP and not is_empty(v)}
        if subtype is not None:
            extra["subtype"] = subtype
        if text != raw_text:
            extra["raw_text"] = raw_text
        legacy = obj.get("attachments")
        if not text and isinstance(legacy, list):  # bot posts: the readable text is in the attachments
            fallbacks = [
                a["fallback"] for a in legacy if isinstance(a, dict) and isinstance(a.get("fallback"), str)
            ]
            if fallbacks:
                text = "\n".join(self._readable(f) for f in fallbacks)
                extra["text_from"] = "attachments.fallback"
        files: list[Any] = obj["files"] if isinstance(obj.get("files"), list) else []
        if isinstance(obj.get("file"), dict) and subtype in ("file_share", None):  # 2016 exports: one "file"
            files = [*files, obj["file"]]
        attachments = tuple(_file(f) for f in files if isinstance(f, dict))
        kind = attachments[0].kind if attachments and not text else MessageKind.TEXT
        if subtype == "file_share" and attachments:
            kind = attachments[0].kind
        if obj.get("type", "message") != "message":
            kind = MessageKind.OTHER
            extra["type"] = obj.get("type")
        elif subtype in _SYSTEM:
            kind = MessageKind.SYSTEM
            if sender is not None:
                extra["actor_id"] = sender
            sender, sender_name = None, None
        elif subtype in ("tombstone", "message_deleted"):
            kind = MessageKind.RECALL
        edited = obj.get("edited")
        edited_ms = None
        if isinstance(edited, dict) and edited.get("ts") is not None:
            edited_s = _seconds(edited.get("ts"))
            if edited_s is None:
                raise self.error(
                    member, f"$[{index}]", 'a Slack "ts" string', repr(edited.get("ts")), "edited.ts"
                )
            edited_ms = edited_s * 1000
            extra["edited"] = edited
        thread_ts = obj.get("thread_ts")
        reply_to = thread_ts if isinstance(thread_ts, str) and thread_ts != ts else None
        if thread_ts is not None:
            extra["thread_ts"] = thread_ts
        if sender is not None and sender not in self.seen:
            self.seen.add(sender)
            me = self.ctx.me
            yield Participant(
                Platform.SLACK,
                sender,
                str(sender_name or sender),
                self.user_aliases.get(sender, ()),
                is_self=(sender in me or sender_name in me) if me else None,
            )
        yield Message(
            conversation=chat_id,
            sender=sender,
            ts_ms=seconds * 1000,
            kind=kind,
            text=text,
            utc_offset_min=_offset_at(self.ctx.zone, seconds),
            precision=TimePrecision.SECOND,
            sender_name=sender_name,
            platform_msg_id=str(ts),
            reply_to=reply_to,
            edited_ts_ms=edited_ms,
            attachments=attachments,
            extra=extra or None,
            locator=locator,
        )

    def _readable(self, text: str) -> str:
        """mrkdwn as plain text: mentions and links resolved, then ``&amp; &lt; &gt;`` unescaped."""

        def link(match: re.Match[str]) -> str:
            target, _, label = match.group(1).partition("|")
            if target.startswith("@"):
                return "@" + (label or self.users.get(target[1:], target[1:]))
            if target.startswith("#"):
                return "#" + (label or self.chat_names.get(target[1:], target[1:]))
            if target.startswith("!"):
                word = target[1:].split("^")[0]
                return label or f"@{word}"
            if label and label != target:
                return f"{label} ({target})"
            return target

        converted = _MARKUP.sub(link, text) if "<" in text else text
        return _ENTITIES.sub(lambda m: _ENTITY[m.group(1)], converted) if "&" in converted else converted


def _unwrapped(obj: dict[str, Any], subtype: Any) -> dict[str, Any]:
    """An edit or deletion event as the message it is about: ``message_changed`` carries the new version
    (sender, text, ``edited``) in ``message``, ``message_deleted`` the sender in ``previous_message``; the
    event keeps its own ``ts`` and names the message's as ``changed_ts`` / ``deleted_ts``."""
    inner = obj.get("message") if subtype == "message_changed" else obj.get("previous_message")
    if subtype not in ("message_changed", "message_deleted") or not isinstance(inner, dict):
        return obj
    if subtype == "message_changed":
        return {
            **inner,
            "type": "message",
            "subtype": subtype,
            "ts": obj.get("ts"),
            "changed_ts": inner.get("ts"),
        }
    user = inner.get("user")
    return {
        "type": "message",
        "subtype": subtype,
        "ts": obj.get("ts"),
        "user": user,
        "text": "",
        "deleted_ts": obj.get("deleted_ts", inner.get("ts")),
    }


def _seconds(ts: Any) -> int | None:
    if not isinstance(ts, str):
        return None
    found = _TS.fullmatch(ts)
    return int(found.group(1)) if found else None


def _bot_name(obj: dict[str, Any]) -> str | None:
    profile = obj.get("bot_profile")
    if isinstance(profile, dict) and isinstance(profile.get("name"), str) and profile["name"]:
        return str(profile["name"])
    return None


def _profile_name(obj: dict[str, Any]) -> str | None:
    profile = obj.get("user_profile")
    if isinstance(profile, dict):
        for key in ("display_name", "real_name", "name"):
            if isinstance(profile.get(key), str) and profile[key]:
                return str(profile[key])
    return None


def _file(item: dict[str, Any]) -> Attachment:
    name = item.get("name") or item.get("title") or item.get("id") or "file"
    mime = item.get("mimetype") if isinstance(item.get("mimetype"), str) else None
    major = (mime or "").split("/")[0]
    kind = {"image": MessageKind.IMAGE, "video": MessageKind.VIDEO, "audio": MessageKind.VOICE}.get(
        major, MessageKind.FILE
    )
    url = item.get("url_private") or item.get("permalink")
    size = item.get("size") if isinstance(item.get("size"), int) else None
    return Attachment(
        str(name),
        kind,
        AttachmentStatus.NOT_EXPORTED,
        url if isinstance(url, str) else None,
        size,
        mime_type=mime,
    )


def _offset_at(zone: tzinfo, seconds: int) -> int:
    offset = datetime.fromtimestamp(seconds, zone).utcoffset()
    return int(offset.total_seconds() // 60) if offset else 0
