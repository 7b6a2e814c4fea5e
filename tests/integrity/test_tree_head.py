"""Signed tree heads: canonical bytes, Ed25519 signing, and every tampering named in the error."""

from __future__ import annotations

import dataclasses
import json
import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from chatledger.integrity.errors import KeyFileError, VerificationError
from chatledger.integrity.hasher import EMPTY_ROOT, hash_leaf
from chatledger.integrity.tree_head import (
    SignedTreeHead,
    TreeHead,
    generate_key_pair,
    key_id,
    load_private_key,
    load_public_key,
    public_key_pem,
    sign_tree_head,
    verify_tree_head,
)

ROOT = hash_leaf(b"root")
HEAD = TreeHead(size=42, root_hash=ROOT, timestamp_ms=1_764_000_000_123, log_id="archive-7f3a")


@pytest.fixture
def key(tmp_path: Path) -> Ed25519PrivateKey:
    generate_key_pair(tmp_path / "log.key")
    return load_private_key(tmp_path / "log.key")


def test_canonical_bytes_are_stable() -> None:
    assert HEAD.canonical_bytes() == (
        b'{"log_id":"archive-7f3a","root_hash":"' + ROOT.hex().encode() + b'","size":42,'
        b'"timestamp_ms":1764000000123,"type":"chatledger/tree-head/1"}'
    )
    assert TreeHead.from_dict(json.loads(HEAD.canonical_bytes())) == HEAD


def test_key_file_is_private_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "log.key"
    public = generate_key_pair(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert key_id(load_private_key(path).public_key()) == key_id(public)
    assert key_id(load_public_key(public_key_pem(public))) == key_id(public)


def test_key_file_mode_is_0600_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        generate_key_pair(tmp_path / "log.key")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "log.key").stat().st_mode) == 0o600


def test_existing_key_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "log.key"
    generate_key_pair(path)
    before = path.read_bytes()
    with pytest.raises(KeyFileError, match="already exists"):
        generate_key_pair(path)
    assert path.read_bytes() == before


def test_loading_refuses_a_key_others_can_read(tmp_path: Path) -> None:
    path = tmp_path / "log.key"
    generate_key_pair(path)
    path.chmod(0o644)
    with pytest.raises(KeyFileError, match="mode 0644, want 0600.*chmod 600"):
        load_private_key(path)


def test_loading_rejects_missing_or_foreign_keys(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="cannot read"):
        load_private_key(tmp_path / "absent.key")
    junk = tmp_path / "junk.key"
    junk.write_bytes(b"not a key")
    junk.chmod(0o600)
    with pytest.raises(KeyFileError, match="not an unencrypted PEM private key"):
        load_private_key(junk)
    with pytest.raises(VerificationError, match="not a PEM public key"):
        load_public_key(b"nope")


def test_sign_and_verify(key: Ed25519PrivateKey) -> None:
    signed = sign_tree_head(HEAD, key)
    assert len(signed.signature) == 64
    assert verify_tree_head(signed, key.public_key()) == HEAD
    assert verify_tree_head(signed, key.public_key(), log_id="archive-7f3a") == HEAD
    again = SignedTreeHead.from_dict(json.loads(json.dumps(signed.to_dict())))
    assert verify_tree_head(again, key.public_key()) == HEAD


@pytest.mark.parametrize(
    ("change", "shown"),
    [
        ({"size": 43}, "size 43"),
        ({"root_hash": hash_leaf(b"other")}, "root " + hash_leaf(b"other").hex()[:16]),
        ({"timestamp_ms": HEAD.timestamp_ms + 1}, f"timestamp_ms {HEAD.timestamp_ms + 1}"),
        ({"log_id": "archive-0000"}, "log 'archive-0000'"),
    ],
)
def test_tampered_head_fails_naming_it(key: Ed25519PrivateKey, change: dict[str, object], shown: str) -> None:
    signed = sign_tree_head(HEAD, key)
    forged = dataclasses.replace(signed, head=dataclasses.replace(HEAD, **change))  # type: ignore[arg-type]
    with pytest.raises(VerificationError, match="signature does not verify") as info:
        verify_tree_head(forged, key.public_key())
    assert shown in str(info.value)
    assert "was altered" in str(info.value)


def test_tampered_signature_fails(key: Ed25519PrivateKey) -> None:
    signed = sign_tree_head(HEAD, key)
    for i in (0, 31, 63):
        sig = bytearray(signed.signature)
        sig[i] ^= 0x01
        with pytest.raises(VerificationError, match="signature does not verify"):
            verify_tree_head(dataclasses.replace(signed, signature=bytes(sig)), key.public_key())
    with pytest.raises(VerificationError, match="signature is 63 bytes, want 64"):
        verify_tree_head(dataclasses.replace(signed, signature=signed.signature[:63]), key.public_key())


def test_wrong_key_fails_naming_the_keys(key: Ed25519PrivateKey) -> None:
    signed = sign_tree_head(HEAD, key)
    other = Ed25519PrivateKey.generate().public_key()
    with pytest.raises(
        VerificationError,
        match=f"names signing key {key_id(key.public_key())[:16]}…, want {key_id(other)[:16]}…",
    ):
        verify_tree_head(signed, other)
    # Even with the key id rewritten to match, the signature itself fails.
    with pytest.raises(VerificationError, match="signature does not verify"):
        verify_tree_head(dataclasses.replace(signed, key_id=key_id(other)), other)


def test_wrong_log_fails(key: Ed25519PrivateKey) -> None:
    with pytest.raises(VerificationError, match="tree head is for log 'archive-7f3a', want 'archive-beef'"):
        verify_tree_head(sign_tree_head(HEAD, key), key.public_key(), log_id="archive-beef")


def test_tree_head_rejects_malformed_values() -> None:
    with pytest.raises(ValueError, match="size"):
        TreeHead(-1, EMPTY_ROOT, 0, "x")
    with pytest.raises(ValueError, match="root_hash"):
        TreeHead(0, b"short", 0, "x")
    with pytest.raises(ValueError, match="log_id"):
        TreeHead(0, EMPTY_ROOT, 0, "")
    with pytest.raises(ValueError, match="timestamp_ms"):
        TreeHead(0, EMPTY_ROOT, True, "x")


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ([], "want an object"),
        ({**HEAD.to_dict(), "type": "other"}, "type is 'other'"),
        ({**HEAD.to_dict(), "extra": 1}, "unknown fields"),
        ({**HEAD.to_dict(), "root_hash": "zz"}, "malformed tree head"),
        ({**HEAD.to_dict(), "root_hash": ROOT.hex().upper()}, "lower-case hex"),
        ({**HEAD.to_dict(), "size": "42"}, "malformed tree head"),
        ({k: v for k, v in HEAD.to_dict().items() if k != "size"}, "malformed tree head"),
    ],
)
def test_tree_head_from_untrusted_json(data: object, match: str) -> None:
    with pytest.raises(VerificationError, match=match):
        TreeHead.from_dict(data)


def test_signed_tree_head_from_untrusted_json() -> None:
    with pytest.raises(VerificationError, match="malformed signed tree head"):
        SignedTreeHead.from_dict({"tree_head": HEAD.to_dict(), "signature": 5, "key_id": "ab"})


def test_a_missing_verifying_key_says_what_is_missing(tmp_path: Path) -> None:
    from chatledger.integrity.ledger import load_verifying_key

    with pytest.raises(KeyFileError, match="no key pair at .*a.db.key: this archive has none yet"):
        load_verifying_key(tmp_path / "a.db.key")
    with pytest.raises(KeyFileError, match=r"^no public key at .*given\.pub$"):
        load_verifying_key(tmp_path / "a.db.key", tmp_path / "given.pub")
    generate_key_pair(tmp_path / "a.db.key")
    assert load_verifying_key(tmp_path / "a.db.key") is not None
