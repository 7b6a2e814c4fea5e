"""The TOML configuration: defaults, partial user files, init, and errors that name file and key."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from chatledger.errors import InputError
from chatledger.quality.config import QualityConfigError, load_config, parse_duration, write_defaults


def test_defaults_are_chinese_first_and_complete() -> None:
    config = load_config()
    assert config.sla.for_channel("support") == 30 and config.sla.for_channel("sales") == 60
    assert config.calendar.timezone == "Asia/Shanghai"
    assert config.scoring.dimension_of("rude.rude") == "professionalism"
    assert config.scoring.dimension_of("resolution.low_rating") == "experience"  # the longer prefix wins
    assert config.scoring.dimension_of("something.new") == "experience"
    assert config.scoring.is_critical("rude.rude") and not config.scoring.is_critical("rude.negligent")
    assert "客服*" in config.roles.agents
    assert {"rude", "typos", "topics"} <= set(config.detectors)


def test_init_writes_every_file_and_a_user_file_changes_only_what_it_sets(tmp_path: Path) -> None:
    written = write_defaults(tmp_path / "q")
    names = sorted(str(p.relative_to(tmp_path / "q")) for p in written)
    assert names[0] == "detectors/repetition.toml" and "quality.toml" in names
    unchanged = load_config(tmp_path / "q")
    assert unchanged.sla == load_config().sla and unchanged.detectors == load_config().detectors
    with pytest.raises(InputError, match="--force"):
        write_defaults(tmp_path / "q")
    (tmp_path / "q" / "quality.toml").write_text(
        '[sla.channels]\nsupport = "45s"\n[calendar]\nholidays = ["2024-10-01"]\n', encoding="utf-8"
    )
    (tmp_path / "q" / "detectors" / "rude.toml").write_text("", encoding="utf-8")
    config = load_config(tmp_path / "q")
    assert config.sla.for_channel("support") == 45 and config.sla.for_channel("sales") == 60
    assert config.calendar.hours_on(date(2024, 10, 1)) == ()
    assert config.calendar.hours_on(date(2024, 10, 2)) == ((480, 1380),)
    assert config.detectors["rude"] == load_config().detectors["rude"]  # an empty file keeps the defaults


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[sessions]\ngap = "soon"\n', "sessions.gap: expected a duration"),
        ('[calendar]\nmon = ["9-18"]\n', 'calendar.mon: expected opening hours like "09:00-18:00"'),
        ('[calendar]\ntimezone = "Mars/Base"\n', "calendar.timezone: expected an IANA time zone"),
        ('[scoring.dimensions]\ntypo = "spelling"\n', "scoring.dimensions.typo: expected one of speed"),
        ('[sla]\ndefault_channel = "vip"\n', "sla.default_channel: expected one of the channels"),
        ('[report]\nperiod = "year"\n', "report.period: expected day, week or month"),
        ("[roles]\nagents = 3\n", "roles.agents: expected a list of strings"),
        ("[scoring\n", "not valid TOML"),
    ],
)
def test_bad_values_name_the_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "quality.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(
        InputError,
        match=str(path).replace(".", r"\.") + r".*" + message.replace(".", r"\.").replace("(", r"\("),
    ):
        load_config(path)


def test_durations() -> None:
    assert [parse_duration(v) for v in (30, "30s", "5m", "2h", "1d", "250ms")] == [
        30,
        30,
        300,
        7200,
        86400,
        0.25,
    ]
    with pytest.raises(QualityConfigError):
        parse_duration("-3s")


def test_missing_configuration_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="chatledger quality init"):
        load_config(tmp_path / "nope")
