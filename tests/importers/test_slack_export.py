"""slack-export-zip: Slack workspace export .zip (channels, private channels, group DMs, DMs)."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from chatledger import importers
from chatledger.errors import ImportFormatError
from chatledger.importers.base import SourceFile
from chatledger.model import AttachmentStatus, ConversationKind, Message, MessageKind
from chatledger.store import SQLiteStore
from tests.conftest import SAMPLES, ImportFn, all_messages, conversation_records, snapshot

SAMPLE_DIR = SAMPLES / "slack"
ARCHIVE = SAMPLE_DIR / "workspace_export__slack-export-viewer_testarchive.zip"


def project(message: Message, keys: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "conversation": message.conversation,
        "sender": message.sender,
        "sender_name": message.sender_name,
        "time_utc": datetime.fromtimestamp(message.ts_ms / 1000, UTC).isoformat(),
        "kind": message.kind.value,
        "text": message.text,
        "platform_msg_id": message.platform_msg_id,
        "reply_to": message.reply_to,
        "edited_utc": None
        if message.edited_ts_ms is None
        else datetime.fromtimestamp(message.edited_ts_ms / 1000, UTC).isoformat(),
        "attachments": [[a.kind.value, a.status.value, a.name] for a in message.attachments],
    }
    return {k: values[k] for k in keys}


def test_sample_matches_expected(store: SQLiteStore, import_files: ImportFn) -> None:
    expected = json.loads((SAMPLE_DIR / f"{ARCHIVE.name}.expected.json").read_text(encoding="utf-8"))
    result = import_files(ARCHIVE, tz=expected["tz"])
    assert result.sources[0].format == expected["format"]
    assert conversation_records(store) == expected["conversations"]
    by_locator = {m.locator: m for m in all_messages(store)}
    assert len(by_locator) == 158  # every message has its own place
    for locator, want in expected["messages_by_locator"].items():
        assert project(by_locator[locator], list(want)) == want, locator


def test_sample_names_and_platform_ids(store: SQLiteStore, import_files: ImportFn) -> None:
    import_files(ARCHIVE)
    messages = all_messages(store)
    assert all(m.platform_msg_id and "." in m.platform_msg_id for m in messages)
    kinds = {m.kind for m in messages}
    assert kinds == {MessageKind.TEXT, MessageKind.SYSTEM, MessageKind.FILE}
    names = {p.platform_id: p.display_name for p in store.participants()}
    assert names["U0BMQB6JE"] == "hamza"
    comment = next(m for m in messages if m.extra and m.extra.get("subtype") == "file_comment")
    assert comment.sender == "U0BMS113R"  # the commenter, from comment.user
    file_share = next(m for m in messages if m.kind is MessageKind.FILE)
    assert file_share.attachments[0].status is AttachmentStatus.NOT_EXPORTED
    assert file_share.extra is not None and "raw_text" in file_share.extra


def make_zip(path: Path, members: dict[str, Any]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content if isinstance(content, str) else json.dumps(content))
    return path


USERS = [
    {
        "id": "U1",
        "name": "ana",
        "real_name": "Ana Diaz",
        "profile": {"display_name": "Ana", "real_name": "Ana Diaz"},
    },
    {
        "id": "U2",
        "name": "luis",
        "real_name": "Luis",
        "profile": {"display_name": "", "real_name": "Luis Gil"},
    },
]


def workspace(tmp_path: Path) -> Path:
    return make_zip(
        tmp_path / "export.zip",
        {
            "Export/channels.json": [{"id": "C1", "name": "general", "members": ["U1", "U2"]}],
            "Export/users.json": USERS,
            "Export/mpims.json": [{"id": "G1", "name": "mpdm-ana--luis-1", "members": ["U1", "U2"]}],
            "Export/dms.json": [{"id": "D1", "members": ["U1", "U2"]}],
            "Export/general/2023-11-14.json": [
                {
                    "type": "message",
                    "user": "U1",
                    "text": "hi <@U2> see <https://x.example/a?b=1&amp;c=2|the doc> in <#C1|general> &lt;3 <!here>",
                    "ts": "1700000000.000100",
                    "edited": {"user": "U1", "ts": "1700000060.000000"},
                    "reactions": [{"name": "+1", "users": ["U2"], "count": 1}],
                    "client_msg_id": "0b1c2d3e-0000-4000-8000-000000000001",
                    "team": "T1",
                    "user_profile": {"real_name": "Ana Diaz", "image_72": "https://avatars.example/a.png"},
                    "blocks": [{"type": "rich_text", "elements": [{"type": "text", "text": "hi"}]}],
                    "is_starred": False,
                    "reply_count": 1,
                },
                {
                    "type": "message",
                    "user": "U2",
                    "text": "in thread",
                    "ts": "1700000001.000200",
                    "thread_ts": "1700000000.000100",
                    "parent_user_id": "U1",
                },
                {
                    "type": "message",
                    "subtype": "channel_topic",
                    "user": "U1",
                    "text": "set the topic",
                    "ts": "1700000002.000300",
                },
                {
                    "type": "message",
                    "subtype": "tombstone",
                    "user": "USLACKBOT",
                    "text": "This message was deleted.",
                    "ts": "1700000003.000400",
                },
                {
                    "type": "message",
                    "user": "U2",
                    "text": "",
                    "ts": "1700000004.000500",
                    "files": [
                        {
                            "id": "F1",
                            "name": "a.png",
                            "mimetype": "image/png",
                            "size": 10,
                            "url_private": "https://files.slack.com/a.png",
                        }
                    ],
                },
            ],
            "Export/mpdm-ana--luis-1/2023-11-15.json": [
                {"type": "message", "user": "U1", "text": "group dm", "ts": "1700050000.000001"}
            ],
            "Export/D1/2023-11-16.json": [
                {"type": "message", "user": "U2", "text": "dm", "ts": "1700150000.000001"}
            ],
            "Export/orphan/2023-11-17.json": [
                {"type": "message", "user": "U1", "text": "lost?", "ts": "1700250000.000001"}
            ],
        },
    )


def test_generated_workspace(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    result = import_files(workspace(tmp_path), tz="Europe/Madrid")
    chats = {c.platform_id: (c.title, c.kind, c.message_count) for c in store.conversations()}
    assert chats == {
        "C1": ("#general", ConversationKind.CHANNEL, 5),
        "G1": ("mpdm-ana--luis-1", ConversationKind.GROUP, 1),
        "D1": ("Ana, Luis Gil", ConversationKind.DIRECT, 1),
        "orphan": ("orphan", ConversationKind.CHANNEL, 1),
    }
    assert any("'orphan' is in no channel list" in w for w in result.sources[0].warnings)
    general = [m for m in all_messages(store) if m.conversation == "C1"]
    first, reply, topic, tombstone, upload = general
    assert first.text == "hi @Luis Gil see the doc (https://x.example/a?b=1&c=2) in #general <3 @here"
    assert first.extra is not None and first.extra["raw_text"].startswith("hi <@U2>")
    # what repeats the kept original or users.json is left out of extra; reactions, edits, threads stay
    assert set(first.extra) == {"raw_text", "reactions", "edited", "reply_count"}
    assert reply.extra == {"thread_ts": "1700000000.000100", "parent_user_id": "U1"}
    assert (first.ts_ms, first.edited_ts_ms, first.utc_offset_min) == (1700000000000, 1700000060000, 60)
    assert first.platform_msg_id == "1700000000.000100"
    assert (reply.reply_to, reply.sender_name) == ("1700000000.000100", "Luis Gil")
    assert (topic.kind, topic.sender) == (MessageKind.SYSTEM, None)
    assert topic.extra is not None and topic.extra["actor_id"] == "U1"
    assert tombstone.kind is MessageKind.RECALL
    assert upload.kind is MessageKind.IMAGE
    assert [(a.name, a.status) for a in upload.attachments] == [("a.png", AttachmentStatus.NOT_EXPORTED)]
    assert [m.locator for m in general] == [f"general/2023-11-14.json $[{i}]" for i in range(5)]


def test_sniff(tmp_path: Path) -> None:
    slack = importers.get("slack-export-zip")
    assert slack.sniff(SourceFile(ARCHIVE)) >= 0.9
    assert importers.detect(SourceFile(ARCHIVE)).name == "slack-export-zip"
    other = make_zip(tmp_path / "other.zip", {"notes/a.txt": "x"})
    assert slack.sniff(SourceFile(other)) == 0.0


# -- malformed input: exact error, archive unchanged ----------------------------------------------
BAD = {
    "bad_float_ts.zip": (
        "!general/2023-11-14.json, $[1]: field 'ts': expected a Slack \"ts\" string such as "
        "\"1454884927.000002\", found '1700000001.0002'."
    ),
    "bad_day_json.zip": (
        "!general/2023-11-14.json, line 3 (column 3): expected valid JSON, found "
        '\'{"type": "message", "user": "U1", "text"\'. The JSON parser reports: Expecting \',\' delimiter. '
        "The file is damaged or cut short."
    ),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_samples(name: str, store: SQLiteStore, import_files: ImportFn) -> None:
    import_files(ARCHIVE)
    before = snapshot(store)
    bad = SAMPLE_DIR / name
    with pytest.raises(ImportFormatError) as caught:
        import_files(bad)
    assert str(caught.value) == f"{bad}{BAD[name]}"
    assert snapshot(store) == before


def test_edit_and_deletion_events_are_read_as_the_messages_they_concern(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    events = [
        {"type": "message", "user": "U1", "text": "draft", "ts": "1700000000.000100"},
        {
            "type": "message",
            "subtype": "message_changed",
            "hidden": True,
            "ts": "1700000060.000200",
            "message": {
                "type": "message",
                "user": "U1",
                "text": "final",
                "ts": "1700000000.000100",
                "edited": {"user": "U1", "ts": "1700000060.000000"},
            },
        },
        {
            "type": "message",
            "subtype": "message_deleted",
            "hidden": True,
            "ts": "1700000120.000300",
            "deleted_ts": "1700000000.000100",
            "previous_message": {"type": "message", "user": "U1", "text": "final", "ts": "1700000000.000100"},
        },
    ]
    path = make_zip(
        tmp_path / "export.zip",
        {
            "channels.json": [{"id": "C1", "name": "general"}],
            "users.json": USERS,
            "general/2023-11-14.json": events,
        },
    )
    import_files(path)
    _, changed, deleted = all_messages(store)
    assert (changed.kind, changed.sender, changed.text, changed.edited_ts_ms) == (
        MessageKind.TEXT, "U1", "final", 1700000060000,
    )  # fmt: skip
    assert changed.extra is not None and changed.extra["changed_ts"] == "1700000000.000100"
    assert (deleted.kind, deleted.sender, deleted.text) == (MessageKind.RECALL, "U1", "")
    assert deleted.extra is not None and deleted.extra["deleted_ts"] == "1700000000.000100"


def test_slackbot_and_bot_posts_are_named_after_their_bot(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    """users.json lists no bots: a bot's name comes from the post (username, bot_profile.name) or Slackbot."""
    day = [
        {"type": "message", "user": "USLACKBOT", "text": "Reminder: stand-up", "ts": "1700000000.000100"},
        {
            "type": "message",
            "subtype": "bot_message",
            "bot_id": "B1",
            "username": "deploy-bot",
            "text": "deployed",
            "ts": "1700000001.000100",
        },
        {
            "type": "message",
            "subtype": "bot_message",
            "bot_id": "B2",
            "bot_profile": {"id": "B2", "name": "GitHub", "app_id": "A1"},
            "text": "PR opened",
            "ts": "1700000002.000100",
        },
        {
            "type": "message",
            "user": "U9",
            "bot_id": "B3",
            "bot_profile": {"id": "B3", "name": "Jira", "user_id": "U9"},
            "text": "ticket moved",
            "ts": "1700000003.000100",
        },
        {
            "type": "message",
            "subtype": "bot_message",
            "bot_id": "B2",
            "text": "PR merged",
            "ts": "1700000004.000100",
        },
    ]
    archive = make_zip(
        tmp_path / "export.zip",
        {
            "Export/channels.json": [{"id": "C1", "name": "general", "members": ["U1"]}],
            "Export/users.json": USERS,
            "Export/general/2023-11-14.json": day,
        },
    )
    import_files(archive)
    assert [(m.sender, m.sender_name) for m in all_messages(store)] == [
        ("USLACKBOT", "Slackbot"),
        ("B1", "deploy-bot"),
        ("B2", "GitHub"),
        ("U9", "Jira"),
        ("B2", "GitHub"),  # the bot's name, learnt from its earlier post
    ]
    names = {p.platform_id: p.display_name for p in store.participants()}
    assert names == {"USLACKBOT": "Slackbot", "B1": "deploy-bot", "B2": "GitHub", "U9": "Jira"}
