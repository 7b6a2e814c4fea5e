"""Trusted timestamps of signed heads against a local OpenSSL TSA: stamping, storing, verifying, tampering."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from chatledger.integrity import ledger
from chatledger.integrity.errors import VerificationError
from chatledger.integrity.proof import verify_proof_file
from chatledger.store import MESSAGE_LEAF
from tests.integrity.local_tsa import Pki, make_ca, make_pki, serve
from tests.integrity.test_archive_ledger import TELEGRAM, WECHAT_GROUP, Archive

pytestmark = pytest.mark.skipif(
    shutil.which("openssl") is None, reason="the openssl command is needed for a local TSA"
)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("tsa"))


@pytest.fixture(scope="module")
def tsa_url(pki: Pki) -> Iterator[str]:
    with serve(pki) as url:
        yield url


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    a = Archive(tmp_path)
    a.add(TELEGRAM)
    a.add(WECHAT_GROUP)
    yield a
    a.store.close()


def _stamp(archive: Archive, tsa_url: str, pki: Pki) -> None:
    ledger.stamp_head(
        archive.store, tsa_url, tsa_cert_pem=pki.tsa_cert.read_bytes(), ca_cert_pem=pki.ca_cert.read_bytes()
    )


def test_a_stamped_head_verifies_in_the_archive_and_in_a_proof(
    archive: Archive, tsa_url: str, pki: Pki
) -> None:
    _stamp(archive, tsa_url, pki)
    (stamp,) = archive.store.timestamps()
    assert stamp.head_id == archive.store.tree_heads()[-1].id and stamp.tsa_cert_pem and stamp.ca_cert_pem
    report = archive.verify()
    assert report.ok and report.timestamps == 1
    message_id = archive.message_ids()[0]
    proof = ledger.inclusion_proof_file(
        archive.store, MESSAGE_LEAF, message_id, ledger.load_verifying_key(archive.key_path)
    )
    check = verify_proof_file(json.loads(json.dumps(proof)))
    assert len(check.timestamps) == 1 and check.timestamps_without_certificate == 0
    proof["timestamps"][0]["token"] = proof["timestamps"][0]["token"][:-8] + "AAAAAAA="
    with pytest.raises(VerificationError, match="timestamp 1"):
        verify_proof_file(proof)


def test_a_tampered_token_is_named(archive: Archive, tsa_url: str, pki: Pki) -> None:
    _stamp(archive, tsa_url, pki)
    (stamp,) = archive.store.timestamps()
    token = bytearray(stamp.token)
    token[len(token) // 2] ^= 0x01
    archive.tamper("UPDATE ledger_timestamp SET token = ? WHERE id = ?", (bytes(token), stamp.id))
    report = archive.verify()
    assert [(f.kind, f.head_id) for f in report.findings] == [("timestamp", stamp.head_id)]


def test_a_token_moved_to_another_head_is_named(archive: Archive, tsa_url: str, pki: Pki) -> None:
    _stamp(archive, tsa_url, pki)
    (stamp,) = archive.store.timestamps()
    archive.tamper("UPDATE ledger_timestamp SET head_id = 1 WHERE id = ?", (stamp.id,))
    report = archive.verify()
    assert [(f.kind, f.head_id) for f in report.findings] == [("timestamp", 1)]


def test_a_token_from_an_untrusted_tsa_is_refused_and_not_kept(
    archive: Archive, tsa_url: str, tmp_path: Path
) -> None:
    other_ca = make_ca(tmp_path, "Other CA")[1]
    with pytest.raises(VerificationError):
        ledger.stamp_head(
            archive.store,
            tsa_url,
            tsa_cert_pem=other_ca.read_bytes(),
            ca_cert_pem=other_ca.read_bytes(),
        )
    assert archive.store.timestamps() == []


def test_without_certificates_only_the_imprint_is_checked(archive: Archive, tsa_url: str) -> None:
    ledger.stamp_head(archive.store, tsa_url)
    assert archive.verify().ok
    archive.tamper("UPDATE ledger_head SET timestamp_ms = timestamp_ms + 1 WHERE id = 2")
    kinds = sorted(f.kind for f in archive.verify().findings)
    assert kinds == ["head", "timestamp"]  # the signature and the token's imprint both fail
