"""generic-csv / generic-json / generic-jsonl: mapped imports and the canonical layout."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from chatledger import importers
from chatledger.errors import ImportFormatError, InputError, UnknownFormatError
from chatledger.importers import generic
from chatledger.importers.base import SourceFile
from chatledger.model import ConversationKind, Message, MessageKind, Platform, TimePrecision
from chatledger.store import SQLiteStore
from tests.conftest import ImportFn, all_messages, snapshot

DOC = Path(__file__).parents[2] / "docs" / "generic-mapping.md"


def utc(message: Message) -> str:
    return datetime.fromtimestamp(message.ts_ms / 1000, UTC).isoformat(timespec="milliseconds")


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def doc_block(language: str, index: int = 0) -> str:
    blocks = re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    return str(blocks[index])


# -- the documented example, verbatim -------------------------------------------------------------
def test_the_documented_example(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    csv_file = write(tmp_path / "messages.csv", doc_block("csv"))
    mapping = write(tmp_path / "wechat-tool.toml", doc_block("toml"))
    result = import_files(csv_file, format="generic-csv", options={"mapping": str(mapping)}, tz="UTC")
    assert (result.messages, result.new) == (3, 3)
    (chat,) = store.conversations()
    assert (chat.platform, chat.platform_id, chat.title, chat.kind) == (
        Platform.WECHAT,
        "grp-7",
        "Family",
        ConversationKind.GROUP,
    )
    first, photo, recall = all_messages(store)
    assert (first.sender, first.sender_name, first.text, first.platform_msg_id) == (
        "u1",
        "Mum",
        "早上好 ☀️",
        "1001",
    )
    assert (utc(first), first.utc_offset_min, first.precision) == (
        "2024-05-01T01:30:00.000+00:00",
        480,
        TimePrecision.SECOND,
    )
    assert first.sent_at.isoformat() == "2024-05-01T09:30:00+08:00"
    assert (photo.kind, photo.reply_to, photo.locator) == (MessageKind.IMAGE, "1001", "line 3")
    assert (recall.kind, recall.text) == (MessageKind.SYSTEM, "Mum recalled a message")
    assert {p.platform for p in store.participants()} == {Platform.WECHAT}


# -- CSV ------------------------------------------------------------------------------------------
MAPPING = """\
chat = { value = "family" }
sender_name = "who"
time = "when"
time_format = "%d/%m/%Y %H:%M"
text = "what"
"""


def test_csv_quoted_multiline_fields_and_fixed_chat(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    data = (
        'who,when,what\nAna,01/05/2024 09:30,"two\nlines"\n\nBo,01/05/2024 09:30,ok\nBo,01/05/2024 09:30,ok\n'
    )
    mapping = write(tmp_path / "map.toml", MAPPING)
    result = import_files(
        write(tmp_path / "chat.csv", data),
        format="generic-csv",
        options={"mapping": str(mapping)},
        tz="Europe/Berlin",
    )
    assert result.messages == 3 and result.new == 3  # the same "ok" twice in one minute: both kept
    (chat,) = store.conversations()
    assert (chat.platform, chat.platform_id, chat.title) == (Platform.GENERIC, "family", "family")
    two, ok1, ok2 = all_messages(store)
    assert (two.text, two.sender, two.locator) == ("two\nlines", "Ana", "line 2")
    assert (ok1.locator, ok2.locator) == ("line 5", "line 6")
    assert (utc(two), two.utc_offset_min, two.precision) == (
        "2024-05-01T07:30:00.000+00:00",
        120,
        TimePrecision.MINUTE,
    )


def bad_csv(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn, data: str, mapping: str = MAPPING
) -> str:
    import_files(
        write(tmp_path / "good.csv", "who,when,what\nAna,01/05/2024 09:30,hi\n"),
        format="generic-csv",
        options={"mapping": str(write(tmp_path / "good.toml", MAPPING))},
    )
    before = snapshot(store)
    bad = write(tmp_path / "bad.csv", data)
    with pytest.raises(ImportFormatError) as caught:
        import_files(
            bad, format="generic-csv", options={"mapping": str(write(tmp_path / "map.toml", mapping))}
        )
    assert snapshot(store) == before
    return str(caught.value).replace(str(bad), "FILE")


def test_csv_bad_time(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    message = bad_csv(
        tmp_path, store, import_files, "who,when,what\nAna,01/05/2024 09:30,hi\nBo,2024-05-01,x\n"
    )
    assert message == "FILE, line 3: field 'when': expected a time like '%d/%m/%Y %H:%M', found '2024-05-01'."


def test_csv_missing_column(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    message = bad_csv(tmp_path, store, import_files, "who,time,what\nAna,01/05/2024 09:30,hi\n")
    assert message == (
        "FILE, line 1: field 'when': expected a column named 'when' (the mapping map.toml reads it), "
        "found 'columns who, time, what'."
    )


def test_csv_wrong_field_count(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    message = bad_csv(tmp_path, store, import_files, "who,when,what\nAna,01/05/2024 09:30,hi,extra\n")
    assert message == "FILE, line 2: expected 3 fields, as in the header, found '4 fields'."


def test_csv_unmapped_kind(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    mapping = MAPPING + 'kind = "t"\n[kind_map]\n"1" = "text"\n'
    data = "who,when,what,t\nAna,01/05/2024 09:30,hi,1\nBo,01/05/2024 09:31,?,49\n"
    message = bad_csv(tmp_path, store, import_files, data, mapping)
    assert message.startswith("FILE, line 3: field 't': expected a value listed in [kind_map] (listed: '1')")
    assert message.endswith("found '49'.")


def test_csv_is_never_detected_and_needs_a_mapping(tmp_path: Path, import_files: ImportFn) -> None:
    data = write(tmp_path / "chat.csv", "who,when,what\nAna,01/05/2024 09:30,hi\n")
    assert importers.get("generic-csv").sniff(SourceFile(data)) == 0
    with pytest.raises(UnknownFormatError):
        import_files(data)
    with pytest.raises(InputError, match=r"generic-csv needs a mapping file: --option mapping=FILE\.toml"):
        import_files(data, format="generic-csv")


# -- mapping file errors --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("mapping", "expected"),
    [
        (MAPPING + 'sendr = "x"\n', "key 'sendr': expected one of the mapping keys"),
        (MAPPING + 'sendr = "x"\n', "Did you mean 'sender'?"),
        ('sender = "a"\ntime = "b"\ntext = "c"\n', "key 'chat': expected this key"),
        (MAPPING + 'platform = "myspace"\n', "key 'platform': expected one of wechat, qq,"),
        (MAPPING + 'timezone = "Mars/Base"\n', "key 'timezone': expected an IANA time zone"),
        (
            MAPPING.replace("%d/%m/%Y %H:%M", "dd/mm/yyyy"),
            "key 'time_format': expected iso8601, epoch_s, epoch_ms",
        ),
        (MAPPING + '[kind_map]\n"1" = "picture"\n', "key 'kind_map.1': expected one of text, image,"),
        (
            MAPPING + 'chat_kind = { value = "forum" }\n',
            "key 'chat_kind': expected one of direct, group, channel",
        ),
        (
            MAPPING.replace('{ value = "family" }', '{ column = "x" }'),
            "key 'chat': expected a column/key name",
        ),
        ("chat = \n", "not a valid TOML mapping"),
    ],
)
def test_mapping_errors_name_the_key(
    tmp_path: Path, import_files: ImportFn, mapping: str, expected: str
) -> None:
    data = write(tmp_path / "chat.csv", "who,when,what\nAna,01/05/2024 09:30,hi\n")
    path = write(tmp_path / "map.toml", mapping)
    with pytest.raises(InputError) as caught:
        import_files(data, format="generic-csv", options={"mapping": str(path)})
    assert str(path) in str(caught.value)
    assert expected in str(caught.value)


def test_missing_mapping_file(tmp_path: Path, import_files: ImportFn) -> None:
    data = write(tmp_path / "chat.csv", "who,when,what\n")
    with pytest.raises(InputError, match="no such file"):
        import_files(data, format="generic-csv", options={"mapping": str(tmp_path / "nope.toml")})


# -- JSON and JSON Lines with a mapping -----------------------------------------------------------
JSON_MAPPING = """\
platform = "discord"
records = "data.messages"
chat = "channel.id"
chat_title = "channel.name"
sender = "author.id"
sender_name = "author.name"
time = "ts"
time_format = "epoch_ms"
text = "body"
id = "id"
reply_to = "ref"
"""


def test_json_records_at_a_path_with_nested_fields(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    records = [
        {
            "id": 10,
            "channel": {"id": "c1", "name": "general"},
            "author": {"id": 7, "name": "Kim"},
            "ts": 1714542300123,
            "body": "hey",
        },
        {
            "id": 11,
            "channel": {"id": "c1", "name": "general"},
            "author": {"id": 8, "name": "Lee"},
            "ts": 1714542301000,
            "body": 42,
            "ref": 10,
        },
    ]
    data = write(tmp_path / "dump.json", json.dumps({"meta": {"v": 1}, "data": {"messages": records}}))
    mapping = write(tmp_path / "map.toml", JSON_MAPPING)
    import_files(data, format="generic-json", options={"mapping": str(mapping)})
    hey, answer = all_messages(store)
    assert (hey.platform, hey.conversation, hey.sender, hey.sender_name, hey.platform_msg_id) == (
        Platform.DISCORD,
        "c1",
        "7",
        "Kim",
        "10",
    )
    assert (utc(hey), hey.precision, hey.locator) == (
        "2024-05-01T05:45:00.123+00:00",
        TimePrecision.MILLISECOND,
        "$.data.messages[0]",
    )
    assert (answer.text, answer.reply_to, answer.locator) == ("42", "10", "$.data.messages[1]")
    assert store.conversations()[0].title == "general"


def test_json_with_a_mapping_errors(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    mapping = write(tmp_path / "map.toml", JSON_MAPPING)
    no_records = write(tmp_path / "a.json", json.dumps({"data": {"items": []}}))
    with pytest.raises(
        ImportFormatError, match=r"\$\.data\.messages: expected an array of records at 'data\.messages'"
    ):
        import_files(no_records, format="generic-json", options={"mapping": str(mapping)})
    text = '{"data": {"messages": [\n{"id": 1, "channel": {"id": "c"}, "ts": 1, "body": "a"},\n{"id": 2 "ts": 1}]}}'
    broken = write(tmp_path / "b.json", text)
    with pytest.raises(ImportFormatError) as caught:
        import_files(broken, format="generic-json", options={"mapping": str(mapping)})
    assert "line 3" in str(caught.value) and "in $.data.messages[1]" in str(caught.value)
    missing_time = write(
        tmp_path / "c.json",
        json.dumps({"data": {"messages": [{"id": 1, "channel": {"id": "c"}, "body": "a"}]}}),
    )
    with pytest.raises(ImportFormatError) as caught:
        import_files(missing_time, format="generic-json", options={"mapping": str(mapping)})
    assert (
        str(caught.value)
        == f"{missing_time}, $.data.messages[0]: field 'ts': expected a time (epoch_ms), found 'no value'."
    )
    assert store.conversations() == []


def test_jsonl_with_a_mapping(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    mapping = write(
        tmp_path / "map.toml",
        'chat = "room"\nsender = "from"\ntime = "at"\ntext = "msg"\nkind = "type"\n[kind_map]\n"pic" = "image"\n',
    )
    lines = [
        {"room": "r", "from": "a", "at": "2024-05-01T09:30:00+02:00", "msg": "x", "type": "pic"},
        {"room": "r", "from": "b", "at": "2024-05-01 09:30:00.250Z", "msg": "y", "type": "text"},
        {"room": "r", "from": "", "at": "2024-05-01T09:31", "msg": "joined", "type": "system"},
    ]
    data = write(
        tmp_path / "log.jsonl",
        "\n".join(json.dumps(line) for line in lines[:2]) + "\n\n" + json.dumps(lines[2]) + "\n",
    )
    import_files(data, format="generic-jsonl", options={"mapping": str(mapping)}, tz="Asia/Tokyo")
    x, y, joined = sorted(all_messages(store), key=lambda m: m.locator)
    assert (x.kind, utc(x), x.utc_offset_min, x.precision) == (
        MessageKind.IMAGE,
        "2024-05-01T07:30:00.000+00:00",
        120,
        TimePrecision.SECOND,
    )
    assert (utc(y), y.utc_offset_min, y.precision) == (
        "2024-05-01T09:30:00.250+00:00",
        0,
        TimePrecision.MILLISECOND,
    )
    assert (joined.kind, joined.sender, joined.locator) == (MessageKind.SYSTEM, None, "line 4")
    assert (utc(joined), joined.utc_offset_min, joined.precision) == (
        "2024-05-01T00:31:00.000+00:00",
        540,
        TimePrecision.MINUTE,
    )


def test_jsonl_syntax_error_names_line_and_column(tmp_path: Path, import_files: ImportFn) -> None:
    mapping = write(tmp_path / "map.toml", 'chat = "c"\ntime = "t"\ntext = "x"\ntime_format = "epoch_s"\n')
    data = write(
        tmp_path / "log.jsonl", '{"c": 1, "t": 1714542300.5, "x": "a"}\n{"c": 1, "t": 2, "x": "b",}\n'
    )
    with pytest.raises(ImportFormatError) as caught:
        import_files(data, format="generic-jsonl", options={"mapping": str(mapping)})
    assert str(caught.value).startswith(f"{data}, line 2, column 27: expected one JSON object per line")


# -- the canonical layout -------------------------------------------------------------------------
def canonical(**changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "chat": {"platform": "slack", "id": "C1", "title": "#dev", "kind": "group"},
        "sender": {"id": "U1", "name": "Ana"},
        "time": "2024-05-01T09:30:00.250+02:00",
        "ts_ms": 1714548600250,
        "precision": "ms",
        "kind": "text",
        "text": "hello",
        "id": "1714548600.250",
        "reply_to": None,
        "forwarded_from": None,
        "edited_ts_ms": None,
        "attachments": [],
        "extra": None,
    }
    record.update(changes)
    return record


def jsonl(*records: dict[str, Any], header: bool = True) -> str:
    lines = ([{"chatledger_export": 1, "chatledger_version": "0.1.0"}] if header else []) + list(records)
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines)


def test_canonical_jsonl_is_detected_and_read(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    data = write(
        tmp_path / "export.jsonl", jsonl(canonical(), canonical(id=None, sender=None, kind="system", text=""))
    )
    result = import_files(data)
    assert result.sources[0].format == "generic-jsonl"
    hello, system = all_messages(store)
    assert (hello.platform, hello.conversation, hello.sender, hello.platform_msg_id, hello.locator) == (
        Platform.SLACK,
        "C1",
        "U1",
        "1714548600.250",
        "line 2",
    )
    assert (hello.ts_ms, hello.utc_offset_min, hello.precision) == (
        1714548600250,
        120,
        TimePrecision.MILLISECOND,
    )
    assert (system.sender, system.kind, system.platform_msg_id) == (None, MessageKind.SYSTEM, None)


def test_canonical_json_array_is_detected(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    data = write(tmp_path / "export.json", json.dumps([canonical(), canonical(id="2", text="again")]))
    result = import_files(data)
    assert result.sources[0].format == "generic-json"
    assert [m.locator for m in all_messages(store)] == ["$[0]", "$[1]"]


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (canonical(sendr="x"), "field 'sendr': expected only the canonical keys"),
        (canonical(chat={"platform": "myspace", "id": "1"}), "field 'chat.platform': expected one of wechat"),
        # the first line's chat, then changed: each new chat object is checked, not taken from the first
        (
            canonical(chat={"platform": "slack", "id": "C1", "title": ["#dev"], "kind": "group"}),
            "'chat.title'",
        ),
        (canonical(chat={"platform": "slack", "id": "C1", "title": "#dev", "kind": "grup"}), "'chat.kind'"),
        (canonical(ts_ms=1714548600251), "field 'time': expected the instant ts_ms 1714548600251 names"),
        (canonical(time="yesterday"), "field 'time': expected an ISO-8601 time"),
        (canonical(kind="picture"), "field 'kind': expected one of text, image"),
        (canonical(attachments=[{"name": "a.jpg", "colour": "red"}]), "field 'attachments[0].colour'"),
        (
            {"chat": {"platform": "slack", "id": "C1"}, "kind": "text", "text": "x"},
            "field 'time': expected the message time",
        ),
    ],
)
def test_canonical_errors(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn, record: dict[str, Any], expected: str
) -> None:
    data = write(tmp_path / "export.jsonl", jsonl(canonical(id="1"), record))
    with pytest.raises(ImportFormatError) as caught:
        import_files(data)
    assert str(caught.value).startswith(f"{data}, line 3:")
    assert expected in str(caught.value)
    assert store.conversations() == []


def test_canonical_header_from_a_newer_chatledger(tmp_path: Path, import_files: ImportFn) -> None:
    data = write(
        tmp_path / "export.jsonl",
        json.dumps({"chatledger_export": 2}) + "\n" + json.dumps(canonical()) + "\n",
    )
    with pytest.raises(
        ImportFormatError, match=r"line 1: field 'chatledger_export': expected layout version 1"
    ):
        import_files(data)


@pytest.mark.parametrize(
    ("name", "content", "importer", "detected"),
    [
        ("a.jsonl", jsonl(canonical()), "generic-jsonl", True),
        ("a.jsonl", jsonl(canonical(), header=False), "generic-jsonl", True),
        ("a.jsonl", json.dumps({"text": "x", "time": 1}) + "\n", "generic-jsonl", False),
        ("a.json", json.dumps([canonical()]), "generic-json", True),
        ("a.json", json.dumps([{"text": "x"}]), "generic-json", False),
        ("a.json", json.dumps({"messages": [canonical()]}), "generic-json", False),
    ],
)
def test_sniff_only_the_canonical_layout(
    tmp_path: Path, name: str, content: str, importer: str, detected: bool
) -> None:
    score = importers.get(importer).sniff(SourceFile(write(tmp_path / name, content)))
    assert (score >= 0.9) if detected else score == 0


@pytest.mark.parametrize(
    "fmt", ["%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y年%m月%d日 %H:%M:%S"]
)
def test_numeric_time_formats_read_as_strptime_reads_them(fmt: str) -> None:
    """The regex path for numeric time formats gives strptime's datetime, or fails where strptime fails."""
    pattern = generic._numeric_time_pattern(fmt)
    assert pattern is not None
    sample = datetime(2024, 3, 5, 7, 8, 9).strftime(fmt)
    values = [sample, sample.replace("03", "3", 1), sample.replace(" ", "   ")]
    values += [sample.replace("2024", "0000"), sample.replace("-03-", "-13-").replace("/03/", "/13/")]
    values += [sample.replace("07", "24"), sample.replace("09", "61"), sample + "x", "2024-02-30 01:02:03"]
    for value in values:
        try:
            want: datetime | str = datetime.strptime(value, fmt)
        except ValueError:
            want = "error"
        found = pattern.fullmatch(value)
        if found is None:
            continue  # strptime reads it
        try:
            got: datetime | str = generic._numeric_datetime(found.groups())
        except ValueError:
            got = "error"
        assert got == want, value
    assert pattern.fullmatch(sample) is not None


@pytest.mark.parametrize("fmt", ["%d/%m/%Y %H:%M", "%Y%m%d%H%M%S", "%Y-%m-%d %H:%M:%S.%f", "%b %d %Y %H:%M"])
def test_other_time_formats_keep_strptime(fmt: str) -> None:
    assert generic._numeric_time_pattern(fmt) is None


@pytest.mark.parametrize("mapping_delimiter", ['delimiter = "\\t"\n', ""])
def test_csv_saved_by_excel_as_unicode_text(
    mapping_delimiter: str, tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    # Excel's "Unicode text": UTF-16 LE with BOM, tab-separated, CRLF; read with the tab named in the
    # mapping or, without one, the tab the header line is split by.
    data = 'who\twhen\twhat\r\nAna\t01/05/2024 09:30\t"two\nlines, ""quoted"""\r\nBo\t01/05/2024 09:31\tok, fine\r\n'
    path = tmp_path / "chat.txt"
    path.write_bytes(b"\xff\xfe" + data.encode("utf-16-le"))
    mapping = write(tmp_path / "map.toml", MAPPING + mapping_delimiter)
    result = import_files(path, format="generic-csv", options={"mapping": str(mapping)}, tz="UTC")
    assert (result.sources[0].encoding, result.messages) == ("utf-16", 2)
    two, ok = all_messages(store)
    assert (two.sender, two.text, two.locator) == ("Ana", 'two\nlines, "quoted"', "line 2")
    assert (ok.sender, ok.text, ok.locator, utc(ok)) == (
        "Bo",
        "ok, fine",
        "line 4",
        "2024-05-01T09:31:00.000+00:00",
    )


def test_json_object_without_records_key_names_the_candidate_arrays(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    mapping = write(tmp_path / "map.toml", JSON_MAPPING.replace('records = "data.messages"\n', ""))
    dump = {
        "meta": {"v": 1, "tags": ["a", "b"]},
        "data": {"messages": [{"id": 1}, {"id": 2}, {"id": 3}], "users": [{"id": 7}], "empty": []},
    }
    data = write(tmp_path / "dump.json", json.dumps(dump))
    before = snapshot(store)
    with pytest.raises(ImportFormatError) as caught:
        import_files(data, format="generic-json", options={"mapping": str(mapping)})
    assert str(caught.value) == (
        f"{data}, $: expected an array of records at the top level, found 'an object'. "
        "Arrays of objects in it: 'data.messages' (3 records), 'data.users' (1 record); "
        'name the one holding the messages with the mapping key records, e.g. records = "data.messages".'
    )
    assert snapshot(store) == before
    mapping = write(tmp_path / "map.toml", JSON_MAPPING.replace("data.messages", "data.msgs"))
    with pytest.raises(ImportFormatError) as caught:
        import_files(data, format="generic-json", options={"mapping": str(mapping)})
    assert str(caught.value).endswith("found 'none'. Arrays of objects in it: 'data.messages' (3 records), "
                                      "'data.users' (1 record); name the one holding the messages with the "
                                      "mapping key records, e.g. records = \"data.messages\".")  # fmt: skip
