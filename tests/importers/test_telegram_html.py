"""telegram-html: Telegram Desktop's messages.html pages, as a folder, an account export and a zip."""

from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from chatledger import importers
from chatledger.errors import ImportFormatError
from chatledger.importers.base import SourceFile
from chatledger.integrity.canonical import key_by_platform_id
from chatledger.model import AttachmentStatus, ConversationKind, Message, MessageKind
from chatledger.store import SQLiteStore
from tests.conftest import ImportFn, all_messages, snapshot
from tests.importers._telegram_html import (
    Msg,
    Page,
    Service,
    generic,
    page_html,
    photo,
    poll,
    sticker,
    write_page,
)

NOT_INCLUDED = "Not included, change data exporting settings to download."


def utc(message: Message) -> str:
    return datetime.fromtimestamp(message.ts_ms / 1000, UTC).isoformat()


def group_pages() -> tuple[Page, Page]:
    """A group over two pages: old titles (no offset) on page 1, new ones (UTC+03:00) on page 2."""
    first = Page(
        "Hiking Club",
        [
            "1 March 2024",
            Service(1, "Ana created group &laquo;Hiking Club&raquo; with members Bo and Cy"),
            Msg(2, "01.03.2024 10:00:00", "Ana", "Hello <strong>all</strong><br>second line"),
            Msg(3, "01.03.2024 10:01:00", None, 'see <a href="https://example.org/">example.org</a>'),
            Msg(4, "01.03.2024 10:02:00", "Bo", "hi Ana", reply_to=2),
            Msg(
                5,
                "01.03.2024 10:03:00",
                None,
                "",
                media=photo(
                    "photos/photo_1@01-03-2024_10-03-00.jpg", "photos/photo_1@01-03-2024_10-03-00_thumb.jpg"
                ),
            ),
            Service(
                6, 'Ana pinned <a href="#go_to_message4" onclick="return GoToMessage(4)">this message</a>'
            ),
            Msg(7, "01.03.2024 10:05:00", "Cy", "look at this", forwarded="Dee Travel"),
            Msg(8, "01.03.2024 10:05:00", None, "and this", forwarded=""),
            "2 March 2024",
            Service(9, "Bo invited Eve"),
        ],
        next="messages2.html",
    )
    second = Page(
        "Hiking Club",
        [
            "2 March 2024",
            Msg(
                10,
                "02.03.2024 09:00:00 UTC+03:00",
                "Eve",
                "",
                media=generic(
                    "media_voice_message",
                    "Voice message",
                    "00:03",
                    href="voice_messages/audio_1@02-03-2024_09-00-00.ogg",
                ),
            ),
            Msg(
                11,
                "02.03.2024 09:01:00 UTC+03:00",
                None,
                "the plan",
                media=generic("media_file", "plan.pdf", "12.0 KB", href="files/plan.pdf"),
            ),
            Msg(
                12,
                "02.03.2024 09:02:00 UTC+03:00",
                None,
                "",
                media=sticker("stickers/sticker.webp", "stickers/sticker.webp_thumb.jpg"),
            ),
            Msg(
                13,
                "02.03.2024 09:03:00 UTC+03:00",
                "Ana",
                "",
                media=generic("media_video", "Video file", "00:12, 3.1 MB", description=NOT_INCLUDED),
            ),
            Msg(
                14,
                "02.03.2024 09:04:00 UTC+03:00\nEdited: 02.03.2024 09:30:00 UTC+03:00",
                "Bo",
                "fixed typo",
                reply_to=2,
                reply_page="messages.html",
            ),
            Msg(
                15,
                "02.03.2024 09:05:00 UTC+03:00",
                "Cy",
                "",
                media=poll("Saturday?", [("Yes", 2), ("No", 0)]),
            ),
        ],
        previous="messages.html",
    )
    return first, second


def media_files(folder: Path) -> None:
    (folder / "photos").mkdir(parents=True, exist_ok=True)
    (folder / "photos" / "photo_1@01-03-2024_10-03-00.jpg").write_bytes(b"JPEG")
    (folder / "voice_messages").mkdir(exist_ok=True)
    (folder / "voice_messages" / "audio_1@02-03-2024_09-00-00.ogg").write_bytes(b"OGG")
    (folder / "stickers").mkdir(exist_ok=True)
    (folder / "stickers" / "sticker.webp").write_bytes(b"WEBP")
    # files/plan.pdf is named by the page but missing


def export_folder(root: Path) -> Path:
    folder = root / "ChatExport_2024-03-02"
    first, second = group_pages()
    write_page(folder / "messages.html", first)
    write_page(folder / "messages2.html", second)
    media_files(folder)
    return folder


def check_group(store: SQLiteStore, tz_offset_min: int) -> None:
    (chat,) = store.conversations()
    assert (chat.platform_id, chat.title, chat.kind, chat.message_count) == (
        "Hiking Club",
        "Hiking Club",
        ConversationKind.GROUP,
        15,
    )
    got = {m.platform_msg_id: m for m in all_messages(store)}
    assert sorted(got, key=int) == [str(i) for i in range(1, 16)]
    senders = {i: got[str(i)].sender for i in range(1, 16)}
    assert senders == {
        1: None, 2: "Ana", 3: "Ana", 4: "Bo", 5: "Bo", 6: None, 7: "Cy", 8: "Cy", 9: None,
        10: "Eve", 11: "Eve", 12: "Eve", 13: "Ana", 14: "Bo", 15: "Cy",
    }  # fmt: skip
    assert got["2"].text == "Hello all\nsecond line"
    assert got["3"].text == "see example.org"
    assert (got["4"].reply_to, got["14"].reply_to) == ("2", "2")
    assert (got["7"].forwarded_from, got["8"].forwarded_from) == ("Dee Travel", "Dee Travel")
    assert got["1"].kind is MessageKind.SYSTEM
    assert got["1"].text == "Ana created group «Hiking Club» with members Bo and Cy"
    shift = tz_offset_min * 60_000
    assert got["2"].ts_ms == int(datetime(2024, 3, 1, 10, 0, tzinfo=UTC).timestamp() * 1000) - shift
    assert got["2"].utc_offset_min == tz_offset_min
    # the service message takes the time of the message before it, or the day heading above it
    assert got["6"].ts_ms == got["5"].ts_ms and got["6"].extra == {
        "time_inferred": "from the message before it",
        "message_id": 4,
    }
    assert got["9"].ts_ms == int(datetime(2024, 3, 2, tzinfo=UTC).timestamp() * 1000) - shift
    assert got["1"].ts_ms == int(datetime(2024, 3, 1, tzinfo=UTC).timestamp() * 1000) - shift
    # page 2 writes its offset: exact whatever --tz says
    assert utc(got["10"]) == "2024-03-02T06:00:00+00:00" and got["10"].utc_offset_min == 180
    assert utc(got["14"]) == "2024-03-02T06:04:00+00:00"
    assert got["14"].edited_ts_ms == int(datetime(2024, 3, 2, 6, 30, tzinfo=UTC).timestamp() * 1000)
    kinds = {i: got[str(i)].kind for i in (5, 10, 11, 12, 13, 15)}
    assert kinds == {
        5: MessageKind.IMAGE,
        10: MessageKind.VOICE,
        11: MessageKind.FILE,
        12: MessageKind.STICKER,
        13: MessageKind.VIDEO,
        15: MessageKind.POLL,
    }
    (image,) = got["5"].attachments
    assert (image.status, image.path, image.name, image.sha256) == (
        AttachmentStatus.PRESENT,
        "photos/photo_1@01-03-2024_10-03-00.jpg",
        "photo_1@01-03-2024_10-03-00.jpg",
        hashlib.sha256(b"JPEG").hexdigest(),
    )
    (voice,) = got["10"].attachments
    assert (voice.status, voice.kind, voice.size) == (AttachmentStatus.PRESENT, MessageKind.VOICE, 3)
    (pdf,) = got["11"].attachments
    assert (pdf.status, pdf.path, pdf.name, pdf.sha256) == (
        AttachmentStatus.MISSING,
        "files/plan.pdf",
        "plan.pdf",
        None,
    )
    assert got["11"].text == "the plan"
    (webp,) = got["12"].attachments
    assert webp.status is AttachmentStatus.PRESENT and webp.kind is MessageKind.STICKER
    (video,) = got["13"].attachments
    assert (video.status, video.path, video.name) == (AttachmentStatus.NOT_EXPORTED, None, "video_file")
    assert got["15"].text == "Saturday?\n- Yes\n- No"


def test_export_folder_with_two_pages(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    result = import_files(export_folder(tmp_path), tz="Europe/Berlin")
    assert [Path(s.path).name for s in result.sources if s.status == "imported"] == [
        "messages.html",
        "messages2.html",
    ]
    assert {s.format for s in result.sources if s.status == "imported"} == {"telegram-html"}
    assert result.messages == 15
    check_group(store, tz_offset_min=60)


def test_zip_reads_the_pages_in_page_order(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    folder = export_folder(tmp_path)
    archive = tmp_path / "export.zip"
    extra_pages = {}
    for number in range(3, 11):  # messages10.html sorts before messages2.html by name
        page = Page(
            "Hiking Club",
            ["3 March 2024", Msg(100 + number, f"03.03.2024 10:{number:02d}:00", "Ana", f"page {number}")],
        )
        extra_pages[f"messages{number}.html"] = page_html(page)
    with zipfile.ZipFile(archive, "w") as z:
        for name, text in sorted(extra_pages.items(), reverse=True):
            z.writestr(f"ChatExport_2024-03-02/{name}", text)
        for path in sorted(folder.rglob("*"), reverse=True):
            if path.is_file():
                z.write(path, f"ChatExport_2024-03-02/{path.relative_to(folder)}")
    assert importers.detect(SourceFile(archive)).name == "telegram-html"
    result = import_files(archive, tz="Europe/Berlin")
    assert len(result.sources) == 1 and result.messages == 23
    locators = [m.locator for m in all_messages(store) if int(m.platform_msg_id or 0) > 100]
    assert [loc.split()[0].rsplit("/", 1)[1] for loc in locators] == [
        f"messages{n}.html" for n in range(3, 11)
    ]
    store_ids = [m.id for m in all_messages(store)]
    assert store_ids == sorted(store_ids)  # archived in reading order: page 2 before page 10
    for extra in [m for m in all_messages(store) if int(m.platform_msg_id or 0) > 100]:
        assert extra.sender == "Ana"


def test_zip_matches_folder(tmp_path: Path, import_files: ImportFn, store: SQLiteStore) -> None:
    folder = export_folder(tmp_path)
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                z.write(path, f"ChatExport_2024-03-02/{path.relative_to(folder)}")
    import_files(archive, tz="Europe/Berlin")
    check_group(store, tz_offset_min=60)


def test_account_export_and_its_other_pages(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    root = tmp_path / "DataExport_2024-03-02"
    (root / "lists").mkdir(parents=True)
    summary = (
        page_html(Page("Exported Data"))
        .replace("page_body chat_page", "page_body")
        .replace('class="history"', "")
    )
    (root / "export_results.html").write_text(summary, encoding="utf-8")
    (root / "lists" / "chats.html").write_text(summary, encoding="utf-8")
    write_page(
        root / "chats" / "chat_001" / "messages.html",
        Page(
            "Ana Lee",
            [
                "5 March 2024",
                Msg(7, "05.03.2024 08:00:00", "Ana Lee", "hi"),
                Msg(8, "05.03.2024 08:01:00", "Me Myself", "hey"),
            ],
            base="../../",
        ),
    )
    write_page(
        root / "chats" / "chat_002" / "messages.html",
        Page(
            "News",
            [
                "5 March 2024",
                Service(1, "Channel &laquo;News&raquo; created"),
                Msg(2, "05.03.2024 09:00:00", "News", "first post", signature="Ed"),
            ],
            base="../../",
        ),
    )
    result = import_files(root, me=("Me Myself",))
    imported = [Path(s.path).parent.name for s in result.sources if s.status == "imported"]
    assert imported == ["chat_001", "chat_002"]
    assert sorted(Path(s.path).name for s in result.sources if s.status == "skipped") == [
        "chats.html",
        "export_results.html",
    ]
    chats = {c.platform_id: c.kind for c in store.conversations()}
    assert chats == {"Ana Lee": ConversationKind.DIRECT, "News": ConversationKind.CHANNEL}
    post = next(m for m in all_messages(store) if m.text == "first post")
    assert post.extra == {"author": "Ed"}
    assert [p.platform_id for p in store.participants() if p.is_self] == ["Me Myself"]


def test_html_beside_result_json_is_left_to_the_json(tmp_path: Path) -> None:
    folder = export_folder(tmp_path)
    (folder / "result.json").write_text(
        '{"name": "Hiking Club", "type": "private_group", "id": 5, "messages": []}'
    )
    assert importers.get("telegram-html").sniff(SourceFile(folder / "messages.html")) == 0


def test_same_message_ids_as_the_json_export(
    tmp_path: Path, import_files: ImportFn, store: SQLiteStore
) -> None:
    """Imported into the JSON export's chat with --chat, the HTML's messages get the JSON's keys."""
    export = {
        "name": "Ana",
        "type": "personal_chat",
        "id": 222,
        "messages": [
            {"id": 41, "type": "message", "date": "2024-03-01T10:00:00", "date_unixtime": "1709287200",
             "from": "Ana", "from_id": "user222", "text": "hello"},
        ],
    }  # fmt: skip
    (tmp_path / "json").mkdir()
    (tmp_path / "json" / "result.json").write_text(json.dumps(export), encoding="utf-8")
    import_files(tmp_path / "json" / "result.json")
    page = write_page(
        tmp_path / "html" / "messages.html",
        Page("Ana", ["1 March 2024", Msg(41, "01.03.2024 10:00:00 UTC+00:00", "Ana", "hello")]),
    )
    import_files(page, chat="user222")
    copies = {m.sender: m for m in all_messages(store) if m.platform_msg_id == "41"}
    assert copies["user222"].key == key_by_platform_id("telegram", "user222", "41").hex()
    # The HTML copy was keyed the same, but it names its sender by name, not id: the archive keeps it
    # as a conflicting copy of its own (flagged), beside the JSON's.
    assert copies["Ana"].text == copies["user222"].text and copies["Ana"].ts_ms == copies["user222"].ts_ms
    assert copies["Ana"].extra == {"duplicate_platform_id": True}


def test_deleted_sender_via_bot_other_chat_reply_and_edited_mark(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    page = Page(
        "Friends",
        [
            "6 March 2024",
            Msg(1, "06.03.2024 12:00:00", "Deleted Account", "gone"),
            Msg(
                2,
                "06.03.2024 12:01:00",
                "Bo via @gif",
                "",
                media=generic("media_video", "Animation", "1.0 MB", href="video_files/a.mp4"),
            ),
            Msg(3, "06.03.2024 12:02:00", "Cy", "elsewhere", reply_other_chat=True),
            Msg(
                4,
                "06.03.2024 12:03:00",
                "Cy",
                "changed",
                edited_html='<div class="pull_right edited details" title="edited">edited</div>',
            ),
            Msg(
                5,
                "06.03.2024 12:04:00",
                "Dee",
                "",
                media=generic(
                    "media_location",
                    "Location",
                    "52.52, 13.405",
                    href="https://maps.google.com/maps?q=52.52,13.405&ll=52.52,13.405&z=16",
                ),
            ),
            Msg(
                6,
                "06.03.2024 12:05:00",
                "Dee",
                "",
                media=generic("media_call", "Dee", "Outgoing (34 seconds)"),
            ),
            Msg(
                7, "06.03.2024 12:06:00", "Dee", "", media=generic("media_contact", "Ann Lee", "+1 555 0100")
            ),
        ],
    )
    result = import_files(write_page(tmp_path / "messages.html", page))
    got = {m.platform_msg_id: m for m in all_messages(store)}
    assert got["1"].sender == "Deleted Account"
    assert (got["2"].sender, got["2"].kind, got["2"].extra) == ("Bo", MessageKind.VIDEO, {"via_bot": "@gif"})
    assert got["2"].attachments[0].status is AttachmentStatus.MISSING
    assert got["3"].extra == {"reply_to_other_chat": True} and got["3"].reply_to is None
    assert got["4"].extra == {"edited": True} and got["4"].edited_ts_ms is None
    assert (got["5"].kind, got["5"].text) == (MessageKind.LOCATION, "52.52, 13.405")
    assert (got["6"].kind, got["6"].text) == (MessageKind.CALL, "Outgoing (34 seconds)")
    assert (got["7"].kind, got["7"].text) == (MessageKind.CONTACT, "Ann Lee +1 555 0100")
    assert result.sources[0].warnings == []


def test_joined_message_at_a_page_start_is_kept_without_sender(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    page = Page("Friends", ["6 March 2024", Msg(1, "06.03.2024 12:00:00", None, "who?")])
    result = import_files(write_page(tmp_path / "messages.html", page))
    (message,) = all_messages(store)
    assert message.sender is None and message.text == "who?"
    assert any("names no sender" in w for w in result.sources[0].warnings)


# -- malformed input: file and line named, archive unchanged ----------------------------------------
def good_then_snapshot(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> dict[str, Any]:
    import_files(export_folder(tmp_path / "good"))
    return snapshot(store)


@pytest.mark.parametrize(
    ("title", "found"),
    [("31.02.2024 10:00:00", "31.02.2024 10:00:00"), ("2024-03-01 10:00", "2024-03-01 10:00")],
)
def test_bad_date_names_file_and_line(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn, title: str, found: str
) -> None:
    before = good_then_snapshot(tmp_path, store, import_files)
    page = Page(
        "Friends", ["6 March 2024", Msg(1, "06.03.2024 12:00:00", "Ana", "ok"), Msg(2, title, "Ana", "bad")]
    )
    bad = write_page(tmp_path / "bad" / "messages.html", page)
    line = (
        bad.read_text()
        .splitlines()
        .index(next(x for x in bad.read_text().splitlines() if 'id="message2"' in x))
        + 1
    )
    with pytest.raises(ImportFormatError) as caught:
        import_files(bad)
    assert str(caught.value) == (
        f"{bad}, line {line}: field 'title': expected a time like 01.03.2024 10:00:00 or "
        f"01.03.2024 10:00:00 UTC+03:00, found {found!r}."
    )
    assert snapshot(store) == before


def test_page_cut_short(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    before = good_then_snapshot(tmp_path, store, import_files)
    text = page_html(
        Page(
            "Friends",
            [
                "6 March 2024",
                Msg(1, "06.03.2024 12:00:00", "Ana", "ok"),
                Msg(2, "06.03.2024 12:01:00", "Ana", "cut here"),
            ],
        )
    )
    cut = text[: text.index("cut here")]
    bad = tmp_path / "bad" / "messages.html"
    bad.parent.mkdir()
    bad.write_text(cut, encoding="utf-8")
    line = next(i for i, x in enumerate(cut.splitlines(), 1) if 'id="message2"' in x)
    with pytest.raises(
        ImportFormatError, match=rf"line {line}: expected the end of message 2, found 'the end of the file'"
    ):
        import_files(bad)
    assert snapshot(store) == before


def test_bad_page_in_a_zip_names_the_member(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    before = good_then_snapshot(tmp_path, store, import_files)
    good = page_html(Page("Friends", ["6 March 2024", Msg(1, "06.03.2024 12:00:00", "Ana", "ok")]))
    bad = page_html(Page("Friends", ["6 March 2024", Msg(2, "06.03.2024", "Ana", "no time")]))
    archive = tmp_path / "bad.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("ChatExport/messages.html", good)
        z.writestr("ChatExport/messages2.html", bad)
    with pytest.raises(
        ImportFormatError, match=r"bad\.zip!ChatExport/messages2\.html, line \d+: field 'title'"
    ):
        import_files(archive)
    assert snapshot(store) == before


# -- detection ---------------------------------------------------------------------------------------
def test_sniff_takes_chat_pages_only(tmp_path: Path) -> None:
    importer = importers.get("telegram-html")
    chat = write_page(tmp_path / "a" / "messages.html", Page("X", ["6 March 2024"]))
    assert importer.sniff(SourceFile(chat)) >= 0.9
    renamed = tmp_path / "a" / "chat.htm"
    renamed.write_bytes(chat.read_bytes())
    assert importer.sniff(SourceFile(renamed)) >= 0.9
    other = tmp_path / "page.html"
    other.write_text("<!DOCTYPE html><html><head><title>Exported Data</title></head><body>hi</body></html>")
    assert importer.sniff(SourceFile(other)) == 0
    text = tmp_path / "messages.txt"
    text.write_bytes(chat.read_bytes())
    assert importer.sniff(SourceFile(text)) == 0
    whatsapp = tmp_path / "wa.zip"
    with zipfile.ZipFile(whatsapp, "w") as z:
        z.writestr("_chat.txt", "[01.03.24, 10:00:00] Ana: hi\n")
    assert importer.sniff(SourceFile(whatsapp)) == 0


def test_account_zip_finds_each_chats_media_in_its_folder(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    archive = tmp_path / "DataExport.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for number, data in ((1, b"ONE"), (2, b"TWO")):
            folder = f"DataExport_2024-03-05/chats/chat_00{number}"
            page = Page(
                f"Chat {number}",
                [
                    "5 March 2024",
                    Msg(
                        number,
                        "05.03.2024 08:00:00",
                        "Ana",
                        "",
                        media=photo("photos/p.jpg", "photos/p_thumb.jpg"),
                    ),
                ],
                base="../../",
            )
            z.writestr(f"{folder}/messages.html", page_html(page))
            z.writestr(f"{folder}/photos/p.jpg", data)
    import_files(archive)
    hashes = {m.conversation: m.attachments[0].sha256 for m in all_messages(store)}
    assert hashes == {
        "Chat 1": hashlib.sha256(b"ONE").hexdigest(),
        "Chat 2": hashlib.sha256(b"TWO").hexdigest(),
    }


def test_page_not_in_utf8(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    before = good_then_snapshot(tmp_path, store, import_files)
    text = page_html(Page("Friends", ["6 March 2024", Msg(1, "06.03.2024 12:00:00", "Ana", "Grüße")]))
    bad = tmp_path / "bad" / "messages.html"
    bad.parent.mkdir()
    bad.write_bytes(text.encode("latin-1"))
    at = text.encode("latin-1").index("ü".encode("latin-1"))
    with pytest.raises(ImportFormatError, match=rf"{bad}, byte {at}: expected UTF-8 text"):
        import_files(bad, format="telegram-html")
    assert snapshot(store) == before
