"""Every registered importer has a good and a malformed sample on disk, and a row in docs/formats.md.

Good samples have ``<name>.expected.json`` with ``format`` and no ``error``; malformed ones are named
``bad_*`` and their expectation has the ``error`` text, checked here end to end.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from chatledger import importers
from chatledger.cli._docs import DOCS
from chatledger.errors import InputError
from chatledger.importers.base import SourceFile
from chatledger.store import SQLiteStore
from tests.conftest import SAMPLES, ImportFn, snapshot


def _expectations() -> list[tuple[Path, dict[str, object]]]:
    found = []
    for path in sorted(SAMPLES.rglob("*.expected.json")):
        found.append((path, json.loads(path.read_text(encoding="utf-8"))))
    return found


def _sample_for(expectation: Path) -> Path:
    stem = expectation.name.removesuffix(".expected.json")
    candidates = [p for p in expectation.parent.iterdir() if p.name.startswith(stem) and p != expectation]
    exact = [p for p in candidates if p.name == stem or p.stem == stem]
    assert exact, f"no sample file for {expectation}"
    return exact[0]


def _options(expectation: Path, wanted: dict[str, Any]) -> dict[str, str]:
    """Importer options of a sample; ``mapping`` names a file beside it."""
    options = dict(wanted.get("options", {}))
    if "mapping" in options:
        options["mapping"] = str(expectation.parent / options["mapping"])
    return options


@pytest.mark.parametrize(
    "expectation",
    [p for p, e in _expectations() if "error" not in e and "message_count" in e and "first_utc" in e],
    ids=lambda p: p.name.removesuffix(".expected.json"),
)
def test_good_samples_import_as_expected(
    expectation: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    wanted = json.loads(expectation.read_text(encoding="utf-8"))
    options = {k: wanted[k] for k in ("me",) if k in wanted}
    result = import_files(
        _sample_for(expectation),
        format=wanted["format"],
        tz=wanted.get("tz", "UTC"),
        options=_options(expectation, wanted),
        **{k: tuple(v) for k, v in options.items()},
    )
    assert result.messages == wanted["message_count"]
    messages = list(store.iter_all_messages())
    times = sorted(m.ts_ms for m in messages)
    assert datetime.fromtimestamp(times[0] / 1000, UTC).isoformat() == wanted["first_utc"].replace(
        ".000000", ""
    )
    assert datetime.fromtimestamp(times[-1] / 1000, UTC).isoformat() == wanted["last_utc"].replace(
        ".000000", ""
    )
    if "senders" in wanted and isinstance(wanted["senders"], list):
        assert sorted({m.sender for m in messages if m.sender}) == sorted(wanted["senders"])


def test_every_importer_has_good_and_bad_samples_and_docs() -> None:
    formats_doc = (DOCS / "formats.md").read_text(encoding="utf-8")
    expectations = _expectations()
    for importer in importers.available():
        mine = [e for _, e in expectations if e.get("format") == importer.name]
        assert any("error" not in e for e in mine), (
            f"{importer.name} has no good sample with an .expected.json"
        )
        assert any("error" in e for e in mine), f"{importer.name} has no bad_* sample with an .expected.json"
        assert f"`{importer.name}`" in formats_doc, f"{importer.name} is missing from docs/formats.md"


def test_every_importer_says_how_to_obtain_its_export_in_docs() -> None:
    formats_doc = (DOCS / "formats.md").read_text(encoding="utf-8")
    for importer in importers.available():
        obtain = getattr(importer, "obtain", None)
        assert isinstance(obtain, str) and obtain.strip(), f"{importer.name} has no `obtain` text"
        section = f"### `{importer.name}`\n\n{obtain}\n"
        assert section in formats_doc, (
            f"{importer.name}'s obtain text is not under its heading in docs/formats.md"
        )


def test_every_importer_says_what_it_keeps_in_extra() -> None:
    formats_doc = (DOCS / "formats.md").read_text(encoding="utf-8")
    for importer in importers.available():
        kept = getattr(importer, "extra_kept", None)
        assert isinstance(kept, str) and kept.strip(), f"{importer.name} has no `extra_kept` text"
        section = f"### `{importer.name}`\n\n{importer.obtain}\n\nKept in `extra`: {kept}.\n"
        assert section in formats_doc, f"{importer.name}'s extra_kept text is not under its heading"


@pytest.mark.parametrize(
    "expectation",
    [p for p, e in _expectations() if "error" in e],
    ids=lambda p: p.name.removesuffix(".expected.json"),
)
def test_bad_samples_fail_with_their_error_and_change_nothing(
    expectation: Path, store: SQLiteStore, import_files: ImportFn
) -> None:
    wanted = json.loads(expectation.read_text(encoding="utf-8"))
    sample = _sample_for(expectation)
    before = snapshot(store)
    with pytest.raises(InputError) as caught:
        import_files(
            sample, format=wanted["format"], tz=wanted.get("tz", "UTC"), options=_options(expectation, wanted)
        )
    assert str(wanted["error"]).replace("{path}", str(sample)) in str(caught.value)
    assert snapshot(store) == before


def test_telegram_html_takes_no_other_formats_sample() -> None:
    """telegram-html claims its own samples and scores 0 on every other format's, good or malformed."""
    html = importers.get("telegram-html")
    for expectation, wanted in _expectations():
        sample = _sample_for(expectation)
        if sample.is_dir():
            continue
        score = html.sniff(SourceFile(sample))
        if wanted.get("format") == "telegram-html":
            assert importers.detect(SourceFile(sample)) is html, sample
        else:
            assert score == 0, f"telegram-html sniffs {sample} at {score}"
