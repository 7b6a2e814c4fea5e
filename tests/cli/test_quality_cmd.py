"""``chatledger quality``: init, times, agents, sessions and report through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from chatledger.cli import app
from chatledger.errors import InputError
from tests.quality.conftest import SERVICE_CHATS, write_chats

runner = CliRunner()


def _archive(tmp_path: Path) -> list[str]:
    db = tmp_path / "a.db"
    chats = write_chats(tmp_path / "chats.jsonl", SERVICE_CHATS)
    assert (
        runner.invoke(app, ["--db", str(db), "import", str(chats), "--tz", "UTC", "--quiet"]).exit_code == 0
    )
    return ["--db", str(db), "quality"]


def test_init_then_report_with_that_configuration(tmp_path: Path) -> None:
    base = _archive(tmp_path)
    done = runner.invoke(app, [*base, "init", str(tmp_path / "q")])
    assert done.exit_code == 0 and (tmp_path / "q" / "quality.toml").exists()
    again = runner.invoke(app, [*base, "init", str(tmp_path / "q")])
    assert isinstance(again.exception, InputError) and "--force" in str(again.exception)
    out = tmp_path / "r.json"
    done = runner.invoke(app, [*base, "report", "-o", str(out), "--config", str(tmp_path / "q"), "-q"])
    assert done.exit_code == 0, done.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["headline"]["sessions"] == 3 and report["config"] == str(tmp_path / "q")
    html = tmp_path / "r.html"
    assert runner.invoke(app, [*base, "report", "-o", str(html), "--lang", "en", "-q"]).exit_code == 0
    assert "Service quality report" in html.read_text(encoding="utf-8")


def test_times_json_and_scopes(tmp_path: Path) -> None:
    base = _archive(tmp_path)
    done = runner.invoke(app, [*base, "times", "--json"])
    figures = json.loads(done.stdout)
    assert figures["first_response"]["median_s"] == 40.0 and figures["unanswered"] == 1
    done = runner.invoke(app, [*base, "times", "--json", "--channel", "sales", "--from", "2024-03-05"])
    assert json.loads(done.stdout)["replies"]["count"] == 2
    done = runner.invoke(app, [*base, "times", "--chat", "张三"])
    assert done.exit_code == 0 and "2 sessions" in done.stdout


def test_agents_and_sessions(tmp_path: Path) -> None:
    base = _archive(tmp_path)
    done = runner.invoke(app, [*base, "agents", "--json", "--no-detectors"])
    assert [a["agent"] for a in json.loads(done.stdout)] == ["客服-小美", "销售-王五"]
    done = runner.invoke(app, [*base, "sessions", "--worst", "1", "--no-detectors"])
    assert done.exit_code == 0 and "−45 speed: first response took 9.7 h" in done.stdout


def test_bad_options_are_input_errors(tmp_path: Path) -> None:
    base = _archive(tmp_path)
    for args in (["times", "--channel", "vip"], ["times", "--agent", "nobody"], ["report", "--lang", "fr"],
                 ["report", "-o", str(tmp_path / "r.txt")], ["times", "--from", "yesterday"]):  # fmt: skip
        done = runner.invoke(app, [*base, *args])
        assert isinstance(done.exception, InputError), (args, done.output)


def test_nothing_to_measure_is_an_input_error(tmp_path: Path) -> None:
    base = _archive(tmp_path)
    for args in (["times", "--from", "2030-01-01"], ["report", "-o", str(tmp_path / "r.json"), "--to", "2000-01-01"],
                 ["agents", "--from", "2030-01-01"], ["sessions", "--from", "2030-01-01"]):  # fmt: skip
        done = runner.invoke(app, [*base, *args])
        assert isinstance(done.exception, InputError) and "Widen --chat" in str(done.exception), args
    assert not (tmp_path / "r.json").exists()
    for args in (["times"], ["report", "-o", str(tmp_path / "e.json")]):
        done = runner.invoke(app, ["--db", str(tmp_path / "empty.db"), "quality", *args])
        assert isinstance(done.exception, InputError) and "Import chats first" in str(done.exception), args
