"""Each source's own view through the store, side references, sender maps and durations."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatledger.compare import Side, compare, resolve_side
from chatledger.compare.columns import Columns, StoredMessages
from chatledger.compare.merge import merged_view
from chatledger.compare.report import to_json
from chatledger.compare.sides import _file_order, locator_order, parse_sender_map
from chatledger.errors import InputError, NotFoundError
from chatledger.model import Message, MessageKind
from chatledger.store import SQLiteStore
from chatledger.timefmt import parse_duration
from tests.conftest import ImportFn, write


@pytest.mark.usefixtures("lines_importer")
def test_a_source_view_holds_what_that_file_held_though_the_archive_stores_shared_messages_once(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    first = write(
        tmp_path / "phone.lines", "chat", [(100, "ana", "hi"), (160, "bo", "ok"), (220, "ana", "bye")]
    )
    second = write(tmp_path / "pc.lines", "chat", [(160, "bo", "ok"), (100, "ana", "hi"), (300, "bo", "new")])
    result = import_files(first, second)
    assert result.sources[1].new == 1  # two of its three messages were archived already
    phone = resolve_side(store, "source:1")
    assert [m.text for m in phone.messages] == ["hi", "ok", "bye"]
    by_name = resolve_side(store, "phone.lines").source
    assert by_name is not None and by_name.id == 1
    pc = resolve_side(store, str(second))
    assert [(m.text, m.locator) for m in pc.messages] == [
        ("ok", "line 2"),
        ("hi", "line 3"),
        ("new", "line 4"),
    ]
    comparison = compare(phone, pc)
    assert comparison.counts["same"] == 1 and comparison.counts["reordered"] == 1
    assert comparison.counts["only_a"] == 1 and comparison.counts["only_b"] == 1
    chat_view = resolve_side(store, "chat:chat")
    assert [m.text for m in chat_view.messages] == ["hi", "ok", "bye", "new"]
    with pytest.raises(NotFoundError, match="source:ID or chat:ID"):
        resolve_side(store, "nothing-like-this")
    unimported = write(tmp_path / "other.lines", "chat", [(1, "x", "y")])
    with pytest.raises(InputError, match="import it first"):
        resolve_side(store, str(unimported))


@pytest.mark.usefixtures("lines_importer")
def test_sender_map_accepts_ids_and_names(tmp_path: Path, store: SQLiteStore, import_files: ImportFn) -> None:
    import_files(
        write(tmp_path / "a.lines", "c", [(1, "我", "hi")]),
        write(tmp_path / "b.lines", "c", [(1, "wxid_abc", "hi")]),
    )
    a, b = resolve_side(store, "source:1"), resolve_side(store, "source:2")
    assert parse_sender_map(["我=wxid_abc"], a, b) == {"我": "wxid_abc"}
    with pytest.raises(InputError, match="expected A_SENDER=B_SENDER"):
        parse_sender_map(["我"], a, b)
    with pytest.raises(InputError, match="side B"):
        parse_sender_map(["我=nobody"], a, b)


def test_locators_sort_in_file_order() -> None:
    found = ["line 10", "line 9", "$.messages[2]", "$.messages[10]", "chat.txt line 3"]
    assert sorted(found, key=locator_order) == [
        "$.messages[2]",
        "$.messages[10]",
        "chat.txt line 3",
        "line 9",
        "line 10",
    ]


@pytest.mark.parametrize(
    "locators",
    [
        ["line 10", "line 9", "line 100", "line 9", "line 2"],  # one template: sorted by the number
        ["line 10", "$.messages[2]", "line 9", "a.txt line 3", "line 9"],  # mixed: sorted by the tuples
        ["x 3 y", "x 12 y", "x 3 z"],  # the same words before the number, others after
    ],
)
def test_file_order_sorts_by_locator_and_keeps_ties_in_store_order(locators: list[str]) -> None:
    messages = [
        Message("c", "s", index, MessageKind.TEXT, "", locator=loc, id=index)
        for index, loc in enumerate(locators)
    ]
    ordered = _file_order(Columns.of(messages))
    assert list(zip(ordered.locator, ordered.ids, strict=True)) == sorted(
        ((m.locator, m.id) for m in messages), key=lambda pair: (locator_order(pair[0]), pair[1])
    )


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("90", 90_000),
        ("90s", 90_000),
        ("3m", 180_000),
        ("-8h", -28_800_000),
        ("1h30m", 5_400_000),
        ("250ms", 250),
    ],
)
def test_durations(text: str, ms: int) -> None:
    assert parse_duration(text, option="--offset") == ms


def test_bad_duration_names_the_option() -> None:
    with pytest.raises(InputError, match="--window '3 weeks'"):
        parse_duration("3 weeks", option="--window")


@pytest.mark.usefixtures("lines_importer")
def test_sides_read_as_columns_compare_as_their_whole_messages_do(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    rows = [(100, "ana", "hi"), (160, "bo", "ok"), (220, "ana", "bye"), (230, "bo", "ok")]
    import_files(
        write(tmp_path / "phone.lines", "chat", rows),
        write(tmp_path / "pc.lines", "chat", [rows[1], rows[0], (300, "bo", "new"), (221, "ana", "bye!")]),
    )
    lean = [resolve_side(store, "source:1"), resolve_side(store, "source:2")]
    whole = [
        Side(side.label, side.title, sorted(store.source_messages(side.source.id or 0), key=by_locator))
        for side in lean
        if side.source is not None
    ]
    assert isinstance(lean[1].messages, StoredMessages)
    assert list(lean[1].messages) == whole[1].messages  # the locators pc.lines gave, not phone.lines'
    first, second = compare(*lean), compare(*whole)
    assert first.counts["altered"] == first.counts["reordered"] == 1
    assert to_json(first, include_same=True) == to_json(second, include_same=True)
    assert [e.record() for e in merged_view(first)] == [e.record() for e in merged_view(second)]


def by_locator(message: Message) -> tuple[str | int, ...]:
    return locator_order(message.locator)
