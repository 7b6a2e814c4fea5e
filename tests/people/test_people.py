"""People across platforms: suggestions, links, and search by person."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatledger.errors import NotFoundError
from chatledger.people import link, resolve_handle, suggest_links
from chatledger.search.engine import search
from chatledger.store import SQLiteStore
from tests.conftest import SAMPLES, ImportFn

WECHAT_GROUP = SAMPLES / "wechat" / "pywxdump_group_4p_11m.csv"


def _whatsapp(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / f"WhatsApp Chat with {name}.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_suggestions_link_same_phone_and_same_name_across_platforms(
    tmp_path: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    wa = _whatsapp(
        tmp_path,
        "Zhang",
        [
            "01/02/2024, 10:00 - +86 138 0013 8000: 货什么时候到",
            "01/02/2024, 10:01 - 王五: 明天",
        ],
    )
    mail = tmp_path / "m.eml"
    mail.write_text(
        "From: 张三 <13800138000@example.com>\nTo: shop@example.com\nSubject: 发票\n"
        "Date: Thu, 01 Feb 2024 10:00:00 +0800\nMessage-ID: <a@example.com>\n\n请开发票\n",
        encoding="utf-8",
    )
    import_files(wa, mail, tz="Asia/Shanghai")
    suggestions = suggest_links(store)
    phones = [s for s in suggestions if s.reason == "same phone 13800138000"]
    assert len(phones) == 1
    assert {h.platform.value for h in phones[0].handles} == {"whatsapp", "email"}

    person = link(store, "张三", list(phones[0].handles), how=phones[0].reason)
    assert {h.platform.value for h in person.handles} == {"whatsapp", "email"}
    assert not [
        s for s in suggest_links(store) if s.reason == "same phone 13800138000"
    ]  # done, not suggested again
    assert search(store, "from:张三").total == 2  # both platforms, one person
    assert search(store, "发票 from:张三").total == 1


def test_link_moves_a_handle_and_unlink_removes_empty_people(
    store: SQLiteStore, import_files: ImportFn
) -> None:
    import_files(WECHAT_GROUP, tz="Asia/Shanghai")
    handles = [p for p in store.participants() if not p.is_self][:2]
    link(store, "A", [handles[0]])
    link(store, "B", [handles[1]])
    link(store, "B", [handles[0]])  # moves from A; A has no handle left and goes
    assert [(p.name, len(p.handles)) for p in store.people()] == [("B", 2)]
    with store.transaction():
        store.unlink_handle(handles[0].id or 0)
        store.unlink_handle(handles[1].id or 0)
    assert store.people() == []


def test_resolve_handle_by_id_platform_id_and_name(store: SQLiteStore, import_files: ImportFn) -> None:
    import_files(WECHAT_GROUP, tz="Asia/Shanghai")
    some = next(p for p in store.participants() if not p.is_self)
    assert resolve_handle(store, str(some.id)) == some
    assert resolve_handle(store, f"wechat:{some.platform_id}") == some
    with pytest.raises(NotFoundError, match="matches no handle"):
        resolve_handle(store, "nobody-at-all")
