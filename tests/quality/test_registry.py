"""Detector discovery: the contract (module with ``detect``), config construction, corpus detectors."""

from __future__ import annotations

import dataclasses

import pytest

from chatledger.model import Message, MessageKind
from chatledger.quality.config import QualityConfigError, load_config
from chatledger.quality.findings import Role, Session, Turn
from chatledger.quality.registry import DetectorError, discover

FAKE = "tests.quality.fake_detectors"


def test_discovers_modules_with_detect_and_builds_their_config() -> None:
    config = load_config()
    config = dataclasses.replace(
        config, detectors={"shouting": {"min_letters": 3, "words": ["A"]}, "asked": {"marker": "?"}}
    )
    found = {d.name: d for d in discover(config, package=FAKE)}
    assert sorted(found) == ["asked", "shouting"]  # _helper is skipped
    assert found["shouting"].config.min_letters == 3 and found["shouting"].config.words == ("A",)
    assert not found["shouting"].corpus
    assert found["asked"].corpus and found["asked"].config.marker == "?"


def test_unknown_config_key_names_the_detector_file() -> None:
    config = dataclasses.replace(load_config(), detectors={"shouting": {"min_leters": 3}})
    with pytest.raises(QualityConfigError, match=r"detectors/shouting.toml: min_leters"):
        discover(config, package=FAKE)


def test_enabled_false_switches_a_detector_off() -> None:
    config = dataclasses.replace(load_config(), detectors={"shouting": {"enabled": False}})
    assert [d.name for d in discover(config, package=FAKE)] == ["asked"]


def test_a_failing_detector_names_itself() -> None:
    (shouting,) = discover(load_config(), package=FAKE, only={"shouting"})
    broken = Message("c", "客服-A", 0, MessageKind.TEXT, None)  # type: ignore[arg-type]
    with pytest.raises(DetectorError, match="detector 'shouting' failed on conversation 7 session 2"):
        shouting(Session(7, 2, (Turn(broken, Role.AGENT, "客服-A"),)))


def test_shipped_detectors_are_all_found() -> None:
    names = {d.name for d in discover(load_config())}
    assert {"rude", "typos", "scripts", "sentiment", "resolution", "silence", "repetition", "topics"} <= names
