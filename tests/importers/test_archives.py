"""_shared/archives: zip member names as written."""

from __future__ import annotations

import zipfile
from pathlib import Path

from chatledger.importers._shared.archives import names_as_written, written_name
from tests.importers._zips import write_unflagged_zip


def test_unflagged_utf8_names_are_read_back_and_others_kept(tmp_path: Path) -> None:
    unflagged = write_unflagged_zip(tmp_path / "a.zip", {"Чат/Отчёт.pdf": b"1", "plain.txt": b"2"})
    flagged = tmp_path / "b.zip"
    with zipfile.ZipFile(flagged, "w") as handle:
        handle.writestr("Zoë.txt", b"3")  # zipfile sets the UTF-8 flag itself
    with zipfile.ZipFile(unflagged) as handle:
        assert sorted(names_as_written(handle)) == ["plain.txt", "Чат/Отчёт.pdf"]
        assert handle.read(names_as_written(handle)["Чат/Отчёт.pdf"]) == b"1"
    with zipfile.ZipFile(flagged) as handle:
        assert [written_name(i) for i in handle.infolist()] == ["Zoë.txt"]
    cp437 = zipfile.ZipInfo("Men\u00fc.txt")  # a real cp437 name (DOS): its bytes are no UTF-8, kept
    assert written_name(cp437) == "Men\u00fc.txt"
