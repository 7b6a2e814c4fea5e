"""Run every JSON vector through the pure verifier; check the files are what make_vectors writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chatledger.integrity.errors import ProofError, VerificationError
from chatledger.integrity.proof import verify_consistency, verify_inclusion, verify_proof_file
from tests.integrity import make_vectors

VECTORS = Path(__file__).parent / "vectors"
INCLUSION = sorted((VECTORS / "inclusion").glob("*.json"))
CONSISTENCY = sorted((VECTORS / "consistency").glob("*.json"))
PROOF_FILES = sorted((VECTORS / "proof_file").glob("*.json"))


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    assert {"desc", "want_error"} <= data.keys(), path
    return data


@pytest.mark.parametrize("path", INCLUSION, ids=lambda p: p.stem)
def test_inclusion_vector(path: Path) -> None:
    v = _load(path)

    def run() -> None:
        verify_inclusion(
            bytes.fromhex(v["leaf_hash"]), v["index"], v["size"], [bytes.fromhex(h) for h in v["proof"]],
            bytes.fromhex(v["root"]),
        )  # fmt: skip

    if v["want_error"]:
        with pytest.raises(ProofError):
            run()
    else:
        run()


@pytest.mark.parametrize("path", CONSISTENCY, ids=lambda p: p.stem)
def test_consistency_vector(path: Path) -> None:
    v = _load(path)

    def run() -> None:
        verify_consistency(
            v["old_size"], v["new_size"], bytes.fromhex(v["old_root"]), bytes.fromhex(v["new_root"]),
            [bytes.fromhex(h) for h in v["proof"]],
        )  # fmt: skip

    if v["want_error"]:
        with pytest.raises(ProofError):
            run()
    else:
        run()


@pytest.mark.parametrize("path", PROOF_FILES, ids=lambda p: p.stem)
def test_proof_file_vector(path: Path) -> None:
    v = _load(path)
    if v["want_error"]:
        with pytest.raises(VerificationError):  # ProofError is one
            verify_proof_file(v["file"], trusted_key_id=v["trusted_key_id"])
    else:
        check = verify_proof_file(v["file"], trusted_key_id=v["trusted_key_id"])
        assert check.tree_size == 13


def test_vectors_are_mostly_corruptions_and_current() -> None:
    built = make_vectors.build()
    for kind, vectors in built.items():
        on_disk = {p.stem: p.read_text(encoding="utf-8") for p in (VECTORS / kind).glob("*.json")}
        assert on_disk == {name: make_vectors.render(v) for name, v in vectors.items()}, (
            f"{kind} vectors are stale: run python -m tests.integrity.make_vectors"
        )
        assert sum(v["want_error"] for v in vectors.values()) > len(vectors) / 2
    assert len(PROOF_FILES) == len(built["proof_file"]) > 30
