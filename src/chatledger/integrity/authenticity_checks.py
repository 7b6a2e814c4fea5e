"""The streaming authenticity checks run by every import (``SourceChecks``); see
``chatledger.integrity.authenticity`` for what each check finds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from chatledger.integrity.authenticity_texts import (
    BASIS_ZH,
    CAUSE_ZH,
    HIGH,
    INFO,
    WARNING,
    conflict_cause,
    difference,
    difference_zh,
    duration,
    duration_zh,
    export_time,
    offset_label,
    plural,
    when,
    zip_member_times,
)
from chatledger.integrity.canonical import normalise_text
from chatledger.model import (
    AuthenticityFinding,
    FindingSeverity,
    Message,
    MessageKind,
    MessageRef,
    Platform,
    Source,
)
from chatledger.store.base import MessageContent, NewMessage, Store

PLATFORM_LAUNCH: dict[Platform, date] = {
    Platform.QQ: date(1999, 2, 1),  # OICQ, February 1999
    # Messenger exports hold the whole Facebook inbox, which predates the 2011 Messenger app; Facebook
    # opened in February 2004.
    Platform.MESSENGER: date(2004, 2, 1),
    Platform.WHATSAPP: date(2009, 1, 1),
    Platform.INSTAGRAM: date(2010, 10, 1),
    Platform.WECHAT: date(2011, 1, 21),
    Platform.LINE: date(2011, 6, 1),
    Platform.TELEGRAM: date(2013, 8, 1),
    Platform.SLACK: date(2013, 8, 1),
    Platform.DINGTALK: date(2014, 12, 1),
    Platform.DISCORD: date(2015, 5, 1),
    Platform.FEISHU: date(2016, 1, 1),  # Lark began inside ByteDance in 2016, public in 2017
    Platform.WECOM: date(2016, 4, 1),
}
"""The first day a platform's messages can carry (a conservative month start); e-mail and generic have none."""

MAX_LISTED = 20
MAX_FINDINGS = 200
FUTURE_SLACK_MS = 10 * 60_000
EXPORT_SLACK_MS = 60_000  # exports state their time to the minute
_ORDER_SLACK_MS = {"whatsapp": 60_000}
_NEWEST_FIRST = frozenset({"messenger-json", "instagram-json"})
_UNORDERED = frozenset({"email-mbox", "email-eml"})
# A recall or system notice names its sender from the notice's text, not a display-name field.
_NOTICE_KINDS = frozenset({MessageKind.SYSTEM, MessageKind.RECALL})

# (conversation id, locator, ts_ms, offset, final key, existing archive id): a message, before its id is known
_Ref = tuple[int, str, int, int, bytes, int | None]
_Pending = tuple[Message, int, int | None, str, str, bytes, str, bytes, str]
"""ingest's parsed message: message, chat row, sender row, platform, normalised text, first key, tokens."""


class _Run:
    """Messages dated before ``anchor``, the latest message written ahead of them. ``floor`` is the latest
    time before the anchor's (signed by the file's direction): while every message of the run stays at or
    above it, the run is in order with what preceded the anchor, and the anchor is the one out of place."""

    __slots__ = ("anchor", "first", "last", "count", "lowest", "floor", "above_floor")

    def __init__(self, anchor: _Ref, first: _Ref, floor: int | None, key: int) -> None:
        self.anchor, self.first, self.last, self.count, self.lowest = anchor, first, first, 1, first
        self.floor = floor
        self.above_floor = floor is not None and key >= floor


class _Chat:
    """Per-chat state: the order run being read, the latest message so far, the last offset and id."""

    __slots__ = (
        "top", "top_ref", "floor", "run", "offset", "switches", "last_id", "last_id_ref", "gaps", "missing",
    )  # fmt: skip

    def __init__(self) -> None:
        self.top: int | None = None
        self.floor: int | None = None  # the latest time before ``top`` was reached
        self.top_ref: _Ref | None = None
        self.run: _Run | None = None
        self.offset: int | None = None
        self.switches = 0
        self.last_id: int | None = None
        self.last_id_ref: _Ref | None = None
        self.gaps: list[tuple[_Ref, _Ref, int]] = []
        self.missing = 0


class _Listed:
    """A count with the first few messages it covers."""

    __slots__ = ("count", "refs")

    def __init__(self) -> None:
        self.count = 0
        self.refs: list[_Ref] = []

    def add(self, ref: _Ref) -> None:
        self.count += 1
        if len(self.refs) < MAX_LISTED:
            self.refs.append(ref)


class SourceChecks:
    """The checks for one source, fed by the import as it writes; ``finish`` stores and returns the findings."""

    def __init__(
        self,
        store: Store,
        source: Source,
        source_id: int,
        *,
        formats: Sequence[str],
        path: Path | None = None,
        members: Sequence[str] = (),
    ) -> None:
        self.store = store
        self.source = source
        self.source_id = source_id
        self.sign = -1 if _NEWEST_FIRST.intersection(formats) else 1
        # e-mail: a mailbox has no order, and every sender's clock writes its own offset
        self.check_order = self.check_offsets = not _UNORDERED.issuperset(formats)
        self.path = path
        self.members = list(members)
        self.chats: dict[int, _Chat] = {}
        self.platforms: dict[int, str] = {}
        self.runs: list[_Run] = []
        self.runs_unlisted = 0
        self.offsets: dict[int, list[Any]] = {}  # offset -> [count, first ref]
        self.names: dict[int, str] = {}  # sender row -> the display name last seen
        self.renames: dict[tuple[int, str, str], list[Any]] = {}  # (sender, old, new) -> [count, first ref]
        self.edited = _Listed()
        self.recalled = _Listed()
        self.repeats_same = _Listed()
        # a repeated id's second copy, the first copy's archive id, both contents, the platform id
        self.repeats: list[tuple[_Ref, int, MessageContent, MessageContent, str]] = []
        self.repeats_unlisted = 0
        # (chat, locator) -> [archived id, archived content, this file's content, this file's copy, platform id]
        self.conflicts: dict[tuple[int, str], list[Any]] = {}
        self.conflicts_unlisted = 0

    # -- fed during the import --------------------------------------------------------------------
    def hold_conflicts(self, items: Sequence[_Pending], known: dict[bytes, tuple[int, bool]]) -> None:
        """Before a batch is written: a platform id the archive holds from another source, with other
        content, is marked as held by this source, so the writer archives the copy as its own message."""
        candidates, firsts = [], set()
        for item in items:  # a key's later copies in the batch are repeats within the file, not conflicts
            key = item[5]
            if item[0].platform_msg_id and key in known and not known[key][1] and key not in firsts:
                firsts.add(key)
                candidates.append((item, known[key][0]))
        if not candidates:
            return
        archived = self.store.message_contents([ident for _, ident in candidates])
        for item, ident in candidates:
            message, conversation_id, text = item[0], item[1], item[4]
            old = archived.get(ident)
            if old is None:
                continue
            same_content = (
                old.sender == message.sender
                and old.kind == message.kind.value
                and normalise_text(old.text) == text
            )
            if same_content and old.ts_ms == message.ts_ms:
                continue
            if not same_content:
                known[item[5]] = (ident, True)  # kept as its own message (ingest: _next_identity)
            slot = (conversation_id, message.locator)
            if slot in self.conflicts:
                continue
            if len(self.conflicts) >= MAX_FINDINGS:
                self.conflicts_unlisted += 1
                continue
            new = MessageContent(
                message.sender, message.ts_ms, message.kind.value, message.text, message.edited_ts_ms
            )
            ref: _Ref = (conversation_id, message.locator, message.ts_ms, message.utc_offset_min, item[5],
                         ident if same_content else None)  # fmt: skip
            self.conflicts[slot] = [ident, old, new, ref, message.platform_msg_id]

    def observe(self, items: Sequence[_Pending], batch: Sequence[NewMessage]) -> None:
        """After a batch is written (``batch[i]`` is ``items[i]`` resolved), in file order."""
        chats, sign, check_order = self.chats, self.sign, self.check_order
        offsets, names = self.offsets, self.names
        repeats: list[tuple[_Ref, bytes, Message, str]] = []
        for item, new in zip(items, batch, strict=True):
            message = new.message
            conversation_id = new.conversation_id
            ts = message.ts_ms
            offset = message.utc_offset_min
            ref: _Ref = (conversation_id, message.locator, ts, offset, new.key, new.existing_id)
            chat = chats.get(conversation_id)
            if chat is None:
                chat = chats[conversation_id] = _Chat()
                self.platforms[conversation_id] = item[3]
            if check_order:
                top = chat.top
                if top is None or sign * ts > top:  # the common case, inline: a new latest message
                    if chat.run is not None:
                        self._end_run(chat)
                    chat.floor, chat.top, chat.top_ref = top, sign * ts, ref
                else:
                    self._order(chat, ref, sign * ts, _ORDER_SLACK_MS.get(item[3], 0))
            if chat.offset != offset:
                if chat.offset is not None:
                    chat.switches += 1
                chat.offset = offset
                seen = offsets.get(offset)
                if seen is None:
                    offsets[offset] = [0, ref]
            offsets[offset][0] += 1
            name = message.sender_name
            if name and new.sender_id is not None and message.kind not in _NOTICE_KINDS:
                self._name(new.sender_id, name, message.sender, ref, names)
            if message.edited_ts_ms is not None or (message.extra and message.extra.get("edited")):
                self.edited.add(ref)
            if message.kind is MessageKind.RECALL:
                self.recalled.add(ref)
            msg_id = message.platform_msg_id
            if msg_id is not None:
                if item[3] == "telegram" and message.conversation.startswith("channel"):
                    self._sequence(chat, ref, msg_id)
                if message.extra and message.extra.get("duplicate_platform_id"):
                    conflict = self.conflicts.get((conversation_id, message.locator))
                    if conflict is not None:
                        conflict[3] = ref
                    else:
                        repeats.append((ref, item[5], message, item[4]))
        if repeats:
            self._repeats(repeats)

    def _order(self, chat: _Chat, ref: _Ref, ts: int, slack: int) -> None:
        """A message no later than the latest so far (``ts`` is signed by the file's direction)."""
        top = chat.top
        assert top is not None
        if ts >= top - slack:
            self._end_run(chat)
        elif chat.run is None:
            assert chat.top_ref is not None
            chat.run = _Run(chat.top_ref, ref, chat.floor, ts)
        else:
            run = chat.run
            run.last = ref
            run.count += 1
            if self.sign * ref[2] < self.sign * run.lowest[2]:
                run.lowest = ref
            if run.above_floor and ts < (run.floor or 0):
                run.above_floor = False

    def _end_run(self, chat: _Chat) -> None:
        if chat.run is not None:
            if len(self.runs) < MAX_FINDINGS:
                self.runs.append(chat.run)
            else:
                self.runs_unlisted += 1
            chat.run = None

    def _name(self, sender_id: int, name: str, sender: str | None, ref: _Ref, names: dict[int, str]) -> None:
        before = names.get(sender_id)
        if before is None:
            if name != sender:  # a name equal to the id (WhatsApp, Meta) cannot change; not kept
                names[sender_id] = name
        elif before != name:
            names[sender_id] = name
            change = self.renames.get((sender_id, before, name))
            if change is not None:
                change[0] += 1
            elif len(self.renames) < MAX_FINDINGS:
                self.renames[sender_id, before, name] = [1, ref]

    def _sequence(self, chat: _Chat, ref: _Ref, msg_id: str) -> None:
        if not msg_id.isdigit():
            return
        number = int(msg_id)
        last = chat.last_id
        if last is not None and number > last + 1:
            chat.missing += number - last - 1
            if len(chat.gaps) < MAX_LISTED:
                assert chat.last_id_ref is not None
                chat.gaps.append((chat.last_id_ref, ref, number - last - 1))
        if last is None or number > last:
            chat.last_id, chat.last_id_ref = number, ref

    def _repeats(self, repeats: list[tuple[_Ref, bytes, Message, str]]) -> None:
        """Copies of an id this file already held: compared with the first copy (written by now)."""
        first = self.store.known_keys(self.source_id, [key for _, key, _, _ in repeats])
        contents = self.store.message_contents([ident for ident, _ in first.values()])
        for ref, key, message, text in repeats:
            found = first.get(key)
            original = contents.get(found[0]) if found else None
            if original is None:
                continue
            copy = MessageContent(
                message.sender, message.ts_ms, message.kind.value, message.text, message.edited_ts_ms
            )
            if (original.sender, original.ts_ms, original.kind, normalise_text(original.text)) == (
                copy.sender, copy.ts_ms, copy.kind, text
            ):  # fmt: skip
                self.repeats_same.add(ref)
            elif len(self.repeats) < MAX_FINDINGS:
                assert found is not None
                self.repeats.append((ref, found[0], original, copy, message.platform_msg_id or ""))
            else:
                self.repeats_unlisted += 1

    # -- at the end of the import -----------------------------------------------------------------
    def finish(self, meta: dict[str, Any]) -> list[AuthenticityFinding]:
        """Run the threshold checks, name every message by archive id, store the findings, return them."""
        for chat in self.chats.values():
            self._end_run(chat)
        findings: list[_Draft] = []
        findings += self._order_findings()
        findings += self._threshold_findings(meta)
        findings += self._duplicate_findings()
        findings += self._gap_findings()
        findings += self._marker_findings()
        findings += self._offset_findings()
        findings += self._rename_findings()
        resolved = self._resolve(
            [ref for draft in findings for ref, _ in draft.refs if isinstance(ref, tuple)]
        )
        stored = [draft.build(self.source_id, resolved) for draft in findings]
        self.store.add_findings(self.source_id, stored, version=self.source.chatledger_version)
        return stored

    def _resolve(self, refs: list[_Ref]) -> dict[bytes, int]:
        keys = list({ref[4] for ref in refs if ref[5] is None})
        return {key: found[0] for key, found in self.store.known_keys(self.source_id, keys).items()}

    def _order_findings(self) -> list[_Draft]:
        drafts = []
        for run in self.runs:
            anchor, first, last, lowest = run.anchor, run.first, run.last, run.lowest
            span = f"{first[1]}" if run.count == 1 else f"{first[1]} … {last[1]}"
            earlier = abs(anchor[2] - lowest[2])
            en, zh = (
                ("earlier", "早")
                if self.sign > 0
                else ("later (the file is newest first)", "晚（文件为新到旧）")
            )
            if run.above_floor:
                drafts.append(self._late_message(run, span, en, zh))
                continue
            drafts.append(
                _Draft(
                    "out_of_order",
                    WARNING,
                    run.count,
                    f"{plural(run.count)} at {span}, dated from {when(lowest[2], lowest[3])}, {'comes' if run.count == 1 else 'come'} after "
                    f"{anchor[1]} dated {when(anchor[2], anchor[3])} ({duration(earlier)} {en}): the file "
                    "is out of time order here — messages moved, inserted or re-timed, or that one time is wrong.",
                    f"{span} 处的 {run.count} 条消息（最早 {when(lowest[2], lowest[3])}）排在时间为 "
                    f"{when(anchor[2], anchor[3])} 的 {anchor[1]} 之后，却{zh}了 {duration_zh(earlier)}："
                    "文件在此处不按时间顺序——消息可能被移动、插入或改过时间，或那一条的时间有误。",
                    [(anchor, "later message before the run"), (first, "run start"), (last, "run end")]
                    if run.count > 1
                    else [(anchor, "later message before the run"), (first, "run start")],
                    anchor[0],
                    {"shape": "earlier block", "earlier_by_ms": earlier, "lowest_ts_ms": lowest[2]},
                )
            )
        if self.runs_unlisted:
            drafts.append(
                _more("out_of_order", WARNING, self.runs_unlisted, "out-of-order runs", "处时间倒序")
            )
        return drafts

    def _late_message(self, run: _Run, span: str, en: str, zh: str) -> _Draft:
        """A run in order with what came before its anchor: the anchor alone is out of place."""
        anchor, first, last, lowest = run.anchor, run.first, run.last, run.lowest
        earlier = abs(anchor[2] - lowest[2])
        return _Draft(
            "out_of_order",
            WARNING,
            run.count,
            f"{anchor[1]} dated {when(anchor[2], anchor[3])} is later than the {plural(run.count)} after it "
            f"({span}, from {when(lowest[2], lowest[3])}, up to {duration(earlier)} {en}), which follow on from "
            "the messages before it: that one message's time looks wrong (edited, or a clock error), or it was moved.",
            f"{anchor[1]} 的时间 {when(anchor[2], anchor[3])} 晚于其后的 {run.count} 条消息（{span}，最早 "
            f"{when(lowest[2], lowest[3])}，相差最多 {duration_zh(earlier)}），而这些消息与它之前的消息前后衔接："
            "多半是这一条的时间有误（被改过或时钟错误），或它被移动过。",
            [
                (anchor, "out-of-place message"),
                (first, "first message after it"),
                (last, "last message dated before it"),
            ]
            if run.count > 1
            else [(anchor, "out-of-place message"), (first, "first message after it")],
            anchor[0],
            {"shape": "late message", "earlier_by_ms": earlier, "lowest_ts_ms": lowest[2]},
        )

    def _threshold_findings(self, meta: dict[str, Any]) -> list[_Draft]:
        imported_ms = int(self.source.imported_at.timestamp() * 1000)
        members = self.members + [
            str(chat["member"])
            for chat in meta.get("whatsapp_chats", [])
            if isinstance(chat, dict) and chat.get("member")
        ]
        hints = zip_member_times(self.path, members, self.source.timezone) if self.path else []
        exported = export_time(meta, self.source, hints)
        drafts = []
        for conversation_id, platform in self.platforms.items():
            count, refs = self.store.source_messages_in_span(
                self.source_id, conversation_id, after_ms=imported_ms + FUTURE_SLACK_MS, before_ms=None,
                limit=MAX_LISTED,
            )  # fmt: skip
            if count:
                at = when(imported_ms, 0)
                drafts.append(
                    _Draft(
                        "future",
                        HIGH,
                        count,
                        f"{plural(count)} dated after this import ({at}), the latest "
                        f"{when(refs[-1].ts_ms or 0, refs[-1].utc_offset_min)} at {refs[-1].locator}: a device clock "
                        f"was wrong, the times were edited, or the zone assumed (--tz {self.source.timezone}) is wrong.",
                        f"{count} 条消息的时间晚于本次导入（{at}），最晚一条 "
                        f"{when(refs[-1].ts_ms or 0, refs[-1].utc_offset_min)}（{refs[-1].locator}）："
                        f"设备时钟有误、时间被改过，或所设时区（--tz {self.source.timezone}）不对。",
                        _span_refs(refs, count),
                        conversation_id,
                        {"imported_at_ms": imported_ms},
                    )
                )
            launch = next((d for p, d in PLATFORM_LAUNCH.items() if p.value == platform), None)
            if launch is not None:
                launch_ms = int(
                    datetime(launch.year, launch.month, launch.day, tzinfo=UTC).timestamp() * 1000
                )
                count, refs = self.store.source_messages_in_span(
                    self.source_id, conversation_id, after_ms=None, before_ms=launch_ms, limit=MAX_LISTED
                )
                if count:
                    first = refs[0]
                    drafts.append(
                        _Draft(
                            "before_platform",
                            HIGH,
                            count,
                            f"{plural(count)} dated before {platform} existed ({launch.isoformat()}), the "
                            f"earliest {when(first.ts_ms or 0, first.utc_offset_min)} at {first.locator}: such a "
                            "time cannot come from the platform (an edited time or a broken clock).",
                            f"{count} 条消息的时间早于 {platform} 面世（{launch.isoformat()}），最早一条 "
                            f"{when(first.ts_ms or 0, first.utc_offset_min)}（{first.locator}）：平台不可能产生这样的"
                            "时间（时间被改过或时钟损坏）。",
                            _span_refs(refs, count),
                            conversation_id,
                            {"platform_launch": launch.isoformat()},
                        )
                    )
            if exported is not None:
                basis, at_ms = exported
                count, refs = self.store.source_messages_in_span(
                    self.source_id, conversation_id, after_ms=at_ms + EXPORT_SLACK_MS,
                    before_ms=imported_ms + FUTURE_SLACK_MS + 1,  # later ones are reported as "future"
                    limit=MAX_LISTED,
                )  # fmt: skip
                if count:
                    stated = basis != "file modification time"
                    last = refs[-1]
                    drafts.append(
                        _Draft(
                            "after_export",
                            HIGH if stated else WARNING,
                            count,
                            f"{plural(count)} dated after the export's own time ({basis}: "
                            f"{when(at_ms, 0)}), the latest {when(last.ts_ms or 0, last.utc_offset_min)} at "
                            f"{last.locator}: a file cannot hold messages written after it was made — the times "
                            f"were edited, a clock was wrong, or the zone assumed (--tz {self.source.timezone}) is "
                            "wrong" + ("." if stated else ", unless the file's modification time was reset."),
                            f"{count} 条消息的时间晚于导出文件自身的时间（{BASIS_ZH.get(basis, basis)}："
                            f"{when(at_ms, 0)}），最晚一条 {when(last.ts_ms or 0, last.utc_offset_min)}"
                            f"（{last.locator}）：文件不可能包含其生成之后的消息——时间被改过、时钟有误，或所设时区"
                            f"（--tz {self.source.timezone}）不对"
                            + ("。" if stated else "；也可能是文件修改时间被改过。"),
                            _span_refs(refs, count),
                            conversation_id,
                            {"export_basis": basis, "exported_at_ms": at_ms},
                        )
                    )
        return drafts

    def _duplicate_findings(self) -> list[_Draft]:
        drafts = []
        for ref, first_id, original, copy, msg_id in self.repeats:
            drafts.append(
                _Draft(
                    "duplicate_id",
                    HIGH,
                    2,
                    f"Platform message id {msg_id} appears twice in this file with different content "
                    f"({difference(original, copy)}); the second copy at {ref[1]} is kept as its own message.",
                    f"平台消息编号 {msg_id} 在本文件中出现两次且内容不同（{difference_zh(original, copy)}）；"
                    f"{ref[1]} 处的第二份作为单独的消息保存。",
                    [(self._archived(first_id, ref[0], original), "first copy"), (ref, "second copy")],
                    ref[0],
                    {"first": original._asdict(), "second": copy._asdict()},
                )
            )
        if self.repeats_unlisted:
            drafts.append(_more("duplicate_id", HIGH, self.repeats_unlisted, "repeated ids", "处重复编号"))
        same = self.repeats_same
        if same.count:
            drafts.append(
                _Draft(
                    "duplicate_id",
                    INFO,
                    same.count,
                    f"{plural(same.count)} repeat an earlier message of this file with the same platform id and "
                    f"content (first at {same.refs[0][1]}): the export holds them twice; each copy is kept.",
                    f"{same.count} 条消息与本文件中更早的一条编号和内容都相同（首处 {same.refs[0][1]}）："
                    "导出文件重复收录；每一份都已保存。",
                    [(r, "repeat") for r in same.refs],
                    None,
                    {},
                )
            )
        for ident, old, new, ref, msg_id in self.conflicts.values():
            cause, severity = conflict_cause(old, new)
            kept = ref[5] is None
            drafts.append(
                _Draft(
                    "archive_conflict",
                    severity,
                    1,
                    f"Platform message id {msg_id} is archived already (message {ident}) with different content "
                    f"({difference(old, new)}; {cause}); "
                    + (
                        f"this file's copy at {ref[1]} is kept as its own message."
                        if kept
                        else f"both times are recorded here; the archived message is kept for {ref[1]}."
                    ),
                    f"平台消息编号 {msg_id} 已存档（消息 {ident}）但内容不同（{difference_zh(old, new)}；"
                    f"{CAUSE_ZH[cause]}）；"
                    + (
                        f"本文件 {ref[1]} 处的一份作为单独的消息保存。"
                        if kept
                        else f"两个时间都记录于此；{ref[1]} 对应已存档的消息。"
                    ),
                    [(self._archived(ident, ref[0], old), "archived copy"), (ref, "this file's copy")],
                    ref[0],
                    {"archived": old._asdict(), "this_file": new._asdict(), "cause": cause},
                )  # fmt: skip
            )
        if self.conflicts_unlisted:
            drafts.append(
                _more(
                    "archive_conflict",
                    HIGH,
                    self.conflicts_unlisted,
                    "conflicts with the archive",
                    "处与存档冲突",
                )
            )
        return drafts

    def _archived(self, ident: int, conversation_id: int, content: MessageContent) -> MessageRef:
        """An archived message named by id, with where this source (else the first source) holds it."""
        seen = self.store.message_sources(ident)
        locator = next((loc for sid, loc in seen if sid == self.source_id), seen[0][1] if seen else "")
        return MessageRef(conversation_id, locator, ident, content.ts_ms)

    def _gap_findings(self) -> list[_Draft]:
        drafts = []
        for conversation_id, chat in self.chats.items():
            if not chat.missing:
                continue
            listed = ", ".join(f"{before[1]} → {after[1]} ({n})" for before, after, n in chat.gaps[:5])
            refs: list[tuple[_Ref | MessageRef, str]] = []
            for before, after, n in chat.gaps:
                refs += [(before, f"before a gap of {n}"), (after, "after the gap")]
            drafts.append(
                _Draft(
                    "sequence_gap",
                    INFO,
                    chat.missing,
                    f"{plural(chat.missing, 'message id')} missing from this chat's sequence in {len(chat.gaps)}"
                    f"{'+' if len(chat.gaps) >= MAX_LISTED else ''} gap(s), e.g. {listed}: messages deleted "
                    "or left out of the export.",
                    f"本会话的消息编号缺少 {chat.missing} 个，共 {len(chat.gaps)}"
                    f"{'+' if len(chat.gaps) >= MAX_LISTED else ''} 处空缺，如 {listed}：消息被删除或未被导出。",
                    refs,
                    conversation_id,
                    {"gaps": [[b[1], a[1], n] for b, a, n in chat.gaps]},
                )
            )
        return drafts

    def _marker_findings(self) -> list[_Draft]:
        drafts = []
        if self.edited.count:
            drafts.append(
                _Draft(
                    "edited",
                    INFO,
                    self.edited.count,
                    f"{plural(self.edited.count)} edited after sending (first at {self.edited.refs[0][1]}); "
                    "the export keeps only the final text.",
                    f"{self.edited.count} 条消息发送后被编辑过（首处 {self.edited.refs[0][1]}）；导出只保留最终文本。",
                    [(r, "edited") for r in self.edited.refs],
                    None,
                    {},
                )
            )
        if self.recalled.count:
            drafts.append(
                _Draft(
                    "recalled",
                    INFO,
                    self.recalled.count,
                    f"{plural(self.recalled.count)} recalled or deleted, leaving a notice "
                    f"(first at {self.recalled.refs[0][1]}); what they said is not in the export.",
                    f"{self.recalled.count} 条消息被撤回或删除，只留下提示（首处 {self.recalled.refs[0][1]}）；"
                    "原内容不在导出中。",
                    [(r, "recall notice") for r in self.recalled.refs],
                    None,
                    {},
                )
            )
        return drafts

    def _offset_findings(self) -> list[_Draft]:
        offsets = self.offsets
        if len(offsets) < 2 or not self.check_offsets:
            return []
        switches = sum(chat.switches for chat in self.chats.values())
        spans = self.store.coverage(self.source_id)
        years = (max(c.last_ts_ms for c in spans) - min(c.first_ts_ms for c in spans)) / (365.25 * 86_400_000)
        pair = sorted(offsets)
        if (
            len(pair) == 2
            and pair[1] - pair[0] == 60
            and switches <= 2 * (int(years) + 1) * max(1, len(self.chats))
        ):
            return []  # daylight saving time
        listed = ", ".join(
            f"{offset_label(o)} ({c:,})" for o, (c, _) in sorted(offsets.items(), key=lambda kv: -kv[1][0])
        )
        refs = [(first, f"first in {offset_label(o)}") for o, (_, first) in sorted(offsets.items())]
        return [
            _Draft(
                "mixed_offsets",
                WARNING,
                sum(c for c, _ in offsets.values()),
                f"This source is written in {len(offsets)} UTC offsets — {listed} — switching {switches:,} time(s): "
                "the records come from devices or exports in different zones, or were edited.",
                f"本来源的时间使用了 {len(offsets)} 种 UTC 偏移——{listed}——切换 {switches:,} 次："
                "记录来自不同时区的设备或导出，或被编辑过。",
                refs,
                None,
                {"offsets": {str(o): c for o, (c, _) in offsets.items()}, "switches": switches},
            )
        ]

    def _rename_findings(self) -> list[_Draft]:
        drafts = []
        for (_, old, new), (count, ref) in self.renames.items():
            drafts.append(
                _Draft(
                    "name_change",
                    INFO,
                    count,
                    f"A sender's display name changes from {old!r} to {new!r} at {ref[1]}"
                    + (f" ({count} times)" if count > 1 else "")
                    + ": a rename on the platform, or messages from another export mixed in.",
                    f"一位发送者的显示名在 {ref[1]} 处由「{old}」变为「{new}」"
                    + (f"（共 {count} 次）" if count > 1 else "")
                    + "：平台上改过名，或混入了另一份导出的消息。",
                    [(ref, "first message under the new name")],
                    ref[0],
                    {"old": old, "new": new},
                )
            )
        return drafts


class _Draft:
    """A finding whose messages are not yet named by archive id."""

    def __init__(
        self,
        check: str,
        severity: FindingSeverity,
        count: int,
        en: str,
        zh: str,
        refs: Sequence[tuple[_Ref | MessageRef, str]],
        conversation_id: int | None,
        detail: dict[str, Any],
    ) -> None:
        self.check, self.severity, self.count, self.en, self.zh = check, severity, count, en, zh
        self.refs, self.conversation_id, self.detail = refs, conversation_id, detail

    def build(self, source_id: int, ids: dict[bytes, int]) -> AuthenticityFinding:
        refs = []
        for ref, role in self.refs:
            if isinstance(ref, MessageRef):
                refs.append(
                    MessageRef(ref.conversation_id, ref.locator, ref.id, ref.ts_ms, ref.utc_offset_min, role)
                )
            else:
                conversation_id, locator, ts, offset, key, existing = ref
                ident = existing if existing is not None else ids.get(key)
                refs.append(MessageRef(conversation_id, locator, ident, ts, offset, role))
        return AuthenticityFinding(
            source_id, self.check, self.severity, self.count, self.en, self.zh, tuple(refs), self.conversation_id,
            self.detail,
        )  # fmt: skip


def _more(check: str, severity: FindingSeverity, n: int, en: str, zh: str) -> _Draft:
    return _Draft(
        check, severity, n, f"{n} further {en} are not listed (at most {MAX_FINDINGS} per check).",
        f"另有 {n} {zh}未逐条列出（每项检查最多 {MAX_FINDINGS} 条）。", [], None, {"unlisted": n},
    )  # fmt: skip


def _span_refs(refs: list[MessageRef], count: int) -> list[tuple[_Ref | MessageRef, str]]:
    """The store's earliest messages of a span, then (when there are more) its latest."""
    roles: list[tuple[_Ref | MessageRef, str]] = [
        (r, "earliest" if i == 0 else "") for i, r in enumerate(refs)
    ]
    if count > MAX_LISTED:
        roles[-1] = (refs[-1], "latest")
    return roles
