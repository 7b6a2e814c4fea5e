"""The shipped defaults: every detector's TOML loads, is commented in Chinese, and is listed."""

from __future__ import annotations

import importlib
import tomllib

import pytest

from chatledger.quality import detectors
from chatledger.quality.detectors._lexicon import ConfigValueError

MODULES = (*detectors.SESSION_DETECTORS, *detectors.CORPUS_DETECTORS)


@pytest.mark.parametrize("name", MODULES)
def test_defaults_load_and_an_empty_table_works(name: str) -> None:
    module = importlib.import_module(f"chatledger.quality.detectors.{name}")
    assert module.Config.default() == module.Config.from_toml(tomllib.loads(detectors.default_text(name)))
    module.Config.from_toml({})  # every key has a default


@pytest.mark.parametrize("name", MODULES)
def test_defaults_are_commented_in_chinese(name: str) -> None:
    comments = [line for line in detectors.default_text(name).splitlines() if line.lstrip().startswith("#")]
    assert comments and any("\u4e00" <= ch <= "\u9fff" for line in comments for ch in line)


def test_default_files_and_the_module_table_cover_every_detector() -> None:
    assert sorted(detectors.default_files()) == sorted(f"{name}.toml" for name in MODULES)
    assert detectors.__doc__ is not None
    for name in MODULES:
        assert f"``{name}``" in detectors.__doc__


def test_a_wrong_type_says_where_and_how_to_fix() -> None:
    from chatledger.quality.detectors import silence

    with pytest.raises(
        ConfigValueError, match=r"\[silence\] minor_s: expected a number, found 'slow'.*shipped default"
    ):
        silence.Config.from_toml({"minor_s": "slow"})
