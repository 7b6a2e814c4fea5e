"""A real RFC 3161 round trip against a local OpenSSL timestamp authority on 127.0.0.1."""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import rfc3161_client

from chatledger.integrity.errors import TimestampError, VerificationError
from chatledger.integrity.hasher import hash_leaf
from chatledger.integrity.tree_head import TreeHead
from chatledger.integrity.tsa import TimestampToken, parse_timestamp, request_timestamp, verify_timestamp
from tests.integrity.local_tsa import Pki, make_ca, make_pki, serve

pytestmark = pytest.mark.skipif(
    shutil.which("openssl") is None, reason="the openssl command is needed for a local TSA"
)

DATA = TreeHead(
    size=42, root_hash=hash_leaf(b"root"), timestamp_ms=1_764_000_000_000, log_id="a"
).canonical_bytes()


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("tsa"))


@pytest.fixture(scope="module")
def tsa_url(pki: Pki) -> Iterator[str]:
    with serve(pki) as url:
        yield url


@pytest.fixture(scope="module")
def token(tsa_url: str) -> TimestampToken:
    return request_timestamp(tsa_url, DATA, timeout=30)


def _verify(token: TimestampToken | bytes, pki: Pki, data: bytes = DATA) -> datetime:
    return verify_timestamp(
        token, data, tsa_cert_pem=pki.tsa_cert.read_bytes(), ca_cert_pem=pki.ca_cert.read_bytes()
    )


def test_round_trip(token: TimestampToken, pki: Pki) -> None:
    now = datetime.now(UTC)
    assert abs(token.gen_time - now) < timedelta(minutes=5)
    assert token.tsa_name is not None and "CN=Test TSA" in token.tsa_name
    assert _verify(token, pki) == token.gen_time
    assert _verify(token.der, pki) == token.gen_time  # the stored bytes alone suffice
    assert parse_timestamp(token.der) == token


def test_tampered_data_fails(token: TimestampToken, pki: Pki) -> None:
    with pytest.raises(VerificationError, match="Mismatch between messages"):
        _verify(token, pki, DATA.replace(b'"size":42', b'"size":43'))


def _statement(der: bytes) -> tuple[object, ...]:
    info = rfc3161_client.decode_timestamp_response(der).tst_info
    return (
        info.gen_time,
        info.serial_number,
        info.nonce,
        info.policy,
        info.message_imprint.message,
        str(info.name),
    )


def test_no_byte_flip_changes_what_a_verified_token_says(token: TimestampToken, pki: Pki) -> None:
    """Every single-bit change to the TSTInfo or the signature is rejected.

    CMS leaves a few bytes unsigned (the SignedData and SignerInfo versions, the signature algorithm
    OID), so a handful of flips still verify: they must leave the stamped statement unchanged. The
    evidence is what the token says, not the hash of its bytes.
    """
    der = token.der
    imprint = hashlib.sha256(DATA).digest()
    signed_spots = {der.index(imprint) + i for i in range(len(imprint))} | set(
        range(len(der) - 256, len(der))
    )
    accepted = []
    for position in range(len(der)):
        forged = bytearray(der)
        forged[position] ^= 0x01
        try:
            _verify(bytes(forged), pki)
        except VerificationError:
            continue
        accepted.append(position)
        assert _statement(bytes(forged)) == _statement(der), position
    assert not signed_spots & set(accepted)
    assert len(accepted) < 20, accepted


def test_edited_fields_outside_the_der_are_ignored(token: TimestampToken, pki: Pki) -> None:
    forged = TimestampToken(token.der, datetime(2001, 1, 1, tzinfo=UTC), "CN=Someone Else", 1)
    assert _verify(forged, pki) == token.gen_time


def test_wrong_ca_fails(token: TimestampToken, pki: Pki, tmp_path: Path) -> None:
    _, other_ca = make_ca(tmp_path, "Other CA")
    with pytest.raises(VerificationError, match="does not verify"):
        verify_timestamp(
            token, DATA, tsa_cert_pem=pki.tsa_cert.read_bytes(), ca_cert_pem=other_ca.read_bytes()
        )


def test_wrong_tsa_certificate_fails(token: TimestampToken, pki: Pki) -> None:
    with pytest.raises(VerificationError, match="does not verify"):
        verify_timestamp(
            token, DATA, tsa_cert_pem=pki.ca_cert.read_bytes(), ca_cert_pem=pki.ca_cert.read_bytes()
        )


def test_garbage_is_not_a_token(token: TimestampToken, pki: Pki) -> None:
    with pytest.raises(VerificationError, match="not a valid RFC 3161 response"):
        _verify(b"\x30\x03\x02\x01\x00", pki)
    with pytest.raises(VerificationError, match="not PEM"):
        verify_timestamp(token.der, DATA, tsa_cert_pem=b"x", ca_cert_pem=b"x")


def test_unreachable_or_bad_url_raises_timestamp_error(pki: Pki) -> None:
    with pytest.raises(TimestampError, match="must be http"):
        request_timestamp("file:///etc/passwd", DATA)
    with serve(pki) as url:
        pass  # the port is free again once the server stops
    with pytest.raises(TimestampError, match="did not answer"):
        request_timestamp(url, DATA, timeout=5)


def test_replayed_answer_is_refused(token: TimestampToken, pki: Pki) -> None:
    with serve(pki, replay=token.der) as url, pytest.raises(VerificationError, match="nonce is .*, want"):
        request_timestamp(url, DATA, timeout=30)


def test_refusal_raises_timestamp_error(pki: Pki) -> None:
    strict = pki.dir / "sha512-only.cnf"
    strict.write_text(pki.config.read_text().replace("digests = sha256, sha384, sha512", "digests = sha512"))
    with (
        serve(dataclasses.replace(pki, config=strict)) as url,
        pytest.raises(TimestampError, match="refused"),
    ):
        request_timestamp(url, DATA, timeout=30)


def test_garbage_answer_is_not_a_token(pki: Pki) -> None:
    with (
        serve(pki, replay=b"<html>proxy error</html>") as url,
        pytest.raises(VerificationError, match="not a valid"),
    ):
        request_timestamp(url, DATA, timeout=30)
